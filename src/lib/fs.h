/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FS_H
#define VHOSTD_FS_H

/*
 * The file system, where vhostd creates things as root in directories
 * others may name (fs.c): socket files it listens on, and the state files
 * that must survive a crash.  Plain POSIX, no DPDK: unit-tested on its own
 * (tests/unit/test_fs.c).  Functions return 0 or -errno; those taking err
 * put there what went wrong, for the caller to prefix with whose file it is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* mkdir -p: the directories it creates get mode (less the umask). */
int fs_mkdirs(const char *path, mode_t mode);

/*
 * Before binding a listening socket at path: create its directory (0755)
 * and remove a socket file nobody answers on (*stale set).  Anything else
 * at path is left alone and never followed: -EEXIST when it is not a
 * socket (a symlink, a file, a directory), -EADDRINUSE when something
 * listens on it.
 */
int fs_socket_prepare(const char *path, bool *stale, char *err, size_t errlen);

/*
 * Give the socket at path owner uid and group gid ((uid_t)-1, (gid_t)-1:
 * unchanged) and mode (< 0: unchanged), through an O_PATH|O_NOFOLLOW
 * descriptor, so that a symlink swapped in by whoever can write the
 * directory is never followed (chown(2) and chmod(2) on a path would).
 * -ELOOP for a symlink, -EEXIST for anything else that is not a socket.
 * On success *st (may be NULL) is what was changed, for fs_socket_remove().
 */
int fs_socket_perms(const char *path, uid_t uid, gid_t gid, int mode, struct stat *st,
		    char *err, size_t errlen);

/*
 * Remove the socket at path if it is still the one described by ours
 * (device and inode); -ESTALE, and nothing removed, when something else
 * took its place.
 */
int fs_socket_remove(const char *path, const struct stat *ours);

/*
 * Replace path with len bytes of data, mode: written to PATH.tmp (created
 * new, never through a link), fsync'ed, renamed over path, and the
 * directory fsync'ed, so that after a crash path is the old file or the
 * new one, never a short one, and a rename that returned stays done.
 */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* unlink(path), then fsync its directory: a removal that returned stays done. */
int fs_unlink_durable(const char *path);

#endif
