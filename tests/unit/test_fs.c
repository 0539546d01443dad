/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket files and state files (src/lib/fs.c) in a scratch directory.  fsync(2)
 * and rename(2) are wrapped (-Wl,--wrap) to log which file each one touched,
 * in order, and to make fsync fail on demand: that order is what makes a
 * state file survive a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fs.h"

static char dir[64];
static char calls[4096];	/* "fsync PATH;rename A B;..." with dir cut off */
static int fsync_errno;		/* non-zero: the next fsync fails with it */

int __real_fsync(int fd);
int __real_rename(const char *from, const char *to);

static const char *
rel(const char *path)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) == 0)
		return path[n] == '\0' ? "DIR" : path + n + 1;
	return path;
}

static void
log_call(const char *fmt, ...)
{
	size_t used = strlen(calls);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(calls + used, sizeof(calls) - used, fmt, ap);
	va_end(ap);
}

int
__wrap_fsync(int fd)
{
	char proc[40], path[PATH_MAX];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	path[n < 0 ? 0 : n] = '\0';
	log_call("fsync %s;", rel(path));
	if (fsync_errno != 0) {
		errno = fsync_errno;
		fsync_errno = 0;
		return -1;
	}
	return __real_fsync(fd);
}

int
__wrap_rename(const char *from, const char *to)
{
	char a[PATH_MAX];

	snprintf(a, sizeof(a), "%s", rel(from));
	log_call("rename %s %s;", a, rel(to));
	return __real_rename(from, to);
}

static char *
at(const char *name)
{
	static char buf[4][PATH_MAX];
	static unsigned int i;
	char *p = buf[i++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static void
put(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
get(const char *name)
{
	static char buf[256];
	FILE *f = fopen(at(name), "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A socket bound at name: listening (fd returned), or stale (closed). */
static int
bound(const char *name, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at(name));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening) {
		assert_int_equal(listen(fd, 1), 0);
		return fd;
	}
	close(fd);
	return -1;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_fs.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	calls[0] = '\0';
	fsync_errno = 0;
	umask(022);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_write_new(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(fs_write_atomic(at("vm1.json"), "{}\n", 3, 0640), 0);
	assert_string_equal(get("vm1.json"), "{}\n");
	assert_int_equal(stat(at("vm1.json"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_null(get("vm1.json.tmp"));
	/* Data on disk before the rename, the rename on disk before return. */
	assert_string_equal(calls, "fsync vm1.json.tmp;rename vm1.json.tmp vm1.json;fsync DIR;");
}

static void
test_write_replaces(void **state)
{
	struct stat before, after;

	(void)state;
	put("vm1.json", "old");
	assert_int_equal(stat(at("vm1.json"), &before), 0);
	assert_int_equal(fs_write_atomic(at("vm1.json"), "new", 3, 0640), 0);
	assert_int_equal(stat(at("vm1.json"), &after), 0);
	assert_string_equal(get("vm1.json"), "new");
	/* A new file renamed over the old, never the old one rewritten. */
	assert_int_not_equal(before.st_ino, after.st_ino);
}

static void
test_write_fsync_fails(void **state)
{
	(void)state;
	put("vm1.json", "old");
	fsync_errno = EIO;
	assert_int_equal(fs_write_atomic(at("vm1.json"), "new", 3, 0640), -EIO);
	assert_string_equal(get("vm1.json"), "old");
	assert_null(get("vm1.json.tmp"));
	assert_null(strstr(calls, "rename"));
}

static void
test_write_tmp_link(void **state)
{
	(void)state;
	/* PATH.tmp left as a link to somebody's file: not written through. */
	put("victim", "victim");
	assert_int_equal(symlink(at("victim"), at("vm1.json.tmp")), 0);
	assert_int_equal(fs_write_atomic(at("vm1.json"), "new", 3, 0640), 0);
	assert_string_equal(get("victim"), "victim");
	assert_string_equal(get("vm1.json"), "new");
}

static void
test_write_no_dir(void **state)
{
	(void)state;
	assert_int_equal(fs_write_atomic(at("gone/vm1.json"), "new", 3, 0640), -ENOENT);
	assert_string_equal(calls, "");
}

static void
test_unlink_durable(void **state)
{
	(void)state;
	put("vm1.json", "x");
	assert_int_equal(fs_unlink_durable(at("vm1.json")), 0);
	assert_null(get("vm1.json"));
	assert_string_equal(calls, "fsync DIR;");
	assert_int_equal(fs_unlink_durable(at("vm1.json")), -ENOENT);
}

static void
test_prepare(void **state)
{
	struct stat st;
	char err[256];
	bool stale;
	int fd;

	(void)state;
	/* Nothing there: its directories are made. */
	assert_int_equal(fs_socket_prepare(at("a/b/c.sock"), &stale, err, sizeof(err)), 0);
	assert_false(stale);
	assert_int_equal(access(at("a/b"), F_OK), 0);
	/* A symlink or a file: left alone, never followed. */
	put("target", "precious");
	assert_int_equal(symlink(at("target"), at("link.sock")), 0);
	assert_int_equal(fs_socket_prepare(at("link.sock"), &stale, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "exists and is a symlink, not a socket; not removing it");
	assert_string_equal(get("link.sock"), "precious");
	assert_int_equal(lstat(at("link.sock"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	put("file.sock", "data");
	assert_int_equal(fs_socket_prepare(at("file.sock"), &stale, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "exists and is a regular file, not a socket; not removing it");
	assert_string_equal(get("file.sock"), "data");
	/* A socket somebody listens on stays; a stale one goes. */
	fd = bound("live.sock", true);
	assert_int_equal(fs_socket_prepare(at("live.sock"), &stale, err, sizeof(err)),
			 -EADDRINUSE);
	assert_int_equal(access(at("live.sock"), F_OK), 0);
	close(fd);
	bound("stale.sock", false);
	assert_int_equal(fs_socket_prepare(at("stale.sock"), &stale, err, sizeof(err)), 0);
	assert_true(stale);
	assert_int_equal(access(at("stale.sock"), F_OK), -1);
}

static void
test_perms(void **state)
{
	struct stat st, got;
	char err[256];
	int fd;

	(void)state;
	put("target", "precious");
	chmod(at("target"), 0604);
	assert_int_equal(symlink(at("target"), at("link.sock")), 0);
	assert_int_equal(fs_socket_perms(at("link.sock"), getuid(), getgid(), 0666, NULL, err,
					 sizeof(err)), -ELOOP);
	assert_string_equal(err, "is now a symlink; not changing it");
	assert_int_equal(stat(at("target"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0604);
	assert_int_equal(fs_socket_perms(at("target"), (uid_t)-1, (gid_t)-1, 0666, NULL, err,
					 sizeof(err)), -EEXIST);
	assert_int_equal(stat(at("target"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0604);

	fd = bound("ok.sock", true);
	assert_int_equal(fs_socket_perms(at("ok.sock"), getuid(), getgid(), 0660, &got, err,
					 sizeof(err)), 0);
	assert_int_equal(lstat(at("ok.sock"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_true(S_ISSOCK(got.st_mode) && got.st_ino == st.st_ino);
	close(fd);
}

static void
test_remove(void **state)
{
	struct stat ours;
	char err[256];
	int fd;

	(void)state;
	fd = bound("ctl.sock", true);
	assert_int_equal(fs_socket_perms(at("ctl.sock"), (uid_t)-1, (gid_t)-1, -1, &ours, err,
					 sizeof(err)), 0);
	/* Replaced by another socket, then by a symlink: neither removed. */
	assert_int_equal(rename(at("ctl.sock"), at("mine.sock")), 0);
	bound("ctl.sock", false);
	assert_int_equal(fs_socket_remove(at("ctl.sock"), &ours), -ESTALE);
	assert_int_equal(unlink(at("ctl.sock")), 0);
	assert_int_equal(symlink(at("mine.sock"), at("ctl.sock")), 0);
	assert_int_equal(fs_socket_remove(at("ctl.sock"), &ours), -ESTALE);
	assert_int_equal(access(at("mine.sock"), F_OK), 0);
	/* Its own: removed. */
	assert_int_equal(unlink(at("ctl.sock")), 0);
	assert_int_equal(rename(at("mine.sock"), at("ctl.sock")), 0);
	assert_int_equal(fs_socket_remove(at("ctl.sock"), &ours), 0);
	assert_int_equal(access(at("ctl.sock"), F_OK), -1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_tmp_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_no_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
