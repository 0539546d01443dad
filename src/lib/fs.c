/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket files and state files (fs.h).  vhostd runs as root in
 * directories an operator names; nothing here follows a symlink in the
 * last component or removes a file it did not create.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fs.h"

int
fs_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The directory part of path ("." for none, "/" for "/x"). */
static void
dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static const char *
kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symlink";
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	return "not a socket";
}

int
fs_socket_prepare(const char *path, bool *stale, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	struct stat st;
	int fd, ret;

	*stale = false;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "path longer than %zu bytes", sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	dir_of(path, dir, sizeof(dir));
	ret = fs_mkdirs(dir, 0755);
	if (ret != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-ret));
		return ret;
	}
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "cannot look at it: %s", strerror(-ret));
		return ret;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "exists and is %s, not a socket; not removing it",
			 kind_of(st.st_mode));
		return -EEXIST;
	}
	/* A socket file nobody answers on is a leftover from a crash.  Not
	 * blocking: a listener with a full backlog is busy, not stale. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot tell whether it is in use: %s", strerror(-ret));
		return ret;
	}
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	close(fd);
	if (ret == 0 || ret == -EAGAIN) {
		snprintf(err, errlen, "is in use by another process");
		return -EADDRINUSE;
	}
	if (ret != -ECONNREFUSED) {
		snprintf(err, errlen, "cannot tell whether it is in use: %s", strerror(-ret));
		return ret;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove the stale socket: %s", strerror(-ret));
		return ret;
	}
	*stale = true;
	return 0;
}

int
fs_socket_perms(const char *path, uid_t uid, gid_t gid, int mode, struct stat *out,
		char *err, size_t errlen)
{
	char proc[40];
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open it to set its permissions: %s", strerror(-ret));
		goto out;
	}
	if (S_ISLNK(st.st_mode) || !S_ISSOCK(st.st_mode)) {
		ret = S_ISLNK(st.st_mode) ? -ELOOP : -EEXIST;
		snprintf(err, errlen, "is now %s; not changing it", kind_of(st.st_mode));
		goto out;
	}
	/*
	 * The mode first, while the socket is still vhostd's: chmod(2) of a file
	 * owned by someone else takes CAP_FOWNER, which the systemd unit does not
	 * grant.  Until the chown below, the mode's user and group bits are
	 * those of vhostd's own user and group, so nobody else gets in early.
	 * fchmod() refuses O_PATH descriptors; the /proc link reaches the inode.
	 */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (mode >= 0 && chmod(proc, (mode_t)mode) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot set mode %04o: %s", (unsigned int)mode,
			 strerror(-ret));
		goto out;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot change its owner or group: %s", strerror(-ret));
		goto out;
	}
	if (out != NULL && fstat(fd, out) != 0)
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
fs_socket_remove(const char *path, const struct stat *ours)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_dev != ours->st_dev || st.st_ino != ours->st_ino)
		return -ESTALE;
	return unlink(path) == 0 ? 0 : -errno;
}

static int
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	int fd, ret = 0;

	dir_of(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* A leftover of a crash, or a link somebody put there: O_EXCL below
	 * writes neither through it. */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	/* rename(2) may reach the disk before the data (ext4 data=writeback,
	 * XFS): without this fsync a crash can leave an empty file. */
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -errno;
	if (ret != 0) {
		unlink(tmp);
		return ret;
	}
	/* The rename lives in the directory: a crash before its fsync can bring
	 * back the old file (or none). */
	return sync_dir_of(path);
}

int
fs_unlink_durable(const char *path)
{
	if (unlink(path) != 0)
		return -errno;
	return sync_dir_of(path);
}
