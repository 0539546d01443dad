/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket I/O: connect to the control socket, send one request line, read
 * one answer line.  Everything runs against one deadline, so a daemon that
 * hangs costs at most the timeout.  The answer is read until its newline,
 * however many reads that takes, up to a fixed limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vhostctl.h"

long long
vctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for events, or the deadline: 0, -ETIMEDOUT, -errno. */
static int
wait_fd(const struct vctl_conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };

	for (;;) {
		long long left = c->deadline_ms - vctl_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;	/* readable, writable, or an error the next call reports */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int
vctl_connect(struct vctl_conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int ret;

	c->fd = -1;
	c->deadline_ms = vctl_now_ms() + timeout_ms;
	if (len == 0)
		return -ENOENT;
	if (len >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, len + 1);

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	/*
	 * A non-blocking connect on a unix socket either completes at once or
	 * fails with EAGAIN when the listener's backlog is full (it never
	 * returns EINPROGRESS): retry until the deadline.
	 */
	for (;;) {
		if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return 0;
		ret = -errno;
		if (ret == -EINTR)
			continue;
		if (ret != -EAGAIN)
			break;
		if (vctl_now_ms() >= c->deadline_ms) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep(10000);
	}
	close(c->fd);
	c->fd = -1;
	return ret;
}

static int
send_all(struct vctl_conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int ret = wait_fd(c, POLLOUT);

			if (ret != 0)
				return ret;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

int
vctl_transact(struct vctl_conn *c, const char *line, size_t len, size_t max,
	     char **reply, size_t *reply_len)
{
	size_t cap = 4096, used = 0;
	char *buf, *nl = NULL;
	int ret;

	*reply = NULL;
	*reply_len = 0;
	ret = send_all(c, line, len);
	if (ret != 0)
		return ret;

	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	while (nl == NULL) {
		ssize_t n;

		if (used + 1 >= cap) {
			/* Room for the NUL, and for a newline right after max bytes. */
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *nbuf;

			if (used + 1 >= ncap) {
				ret = -EMSGSIZE;
				goto err_free;
			}
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				ret = -ENOMEM;
				goto err_free;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = recv(c->fd, buf + used, cap - 1 - used, 0);
		if (n == 0) {
			ret = -ECONNRESET;	/* closed before the newline */
			goto err_free;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				ret = wait_fd(c, POLLIN);
				if (ret != 0)
					goto err_free;
				continue;
			}
			ret = -errno;
			goto err_free;
		}
		/* Only the new bytes can hold the newline. */
		nl = memchr(buf + used, '\n', (size_t)n);
		used += (size_t)n;
	}
	*reply_len = (size_t)(nl - buf);
	if (*reply_len > max) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	if (used != *reply_len + 1) {
		/* One answer per request: anything after it is a protocol violation. */
		ret = -EPROTO;
		goto err_free;
	}
	*nl = '\0';
	*reply = buf;
	return 0;

err_free:
	free(buf);
	*reply_len = 0;
	return ret;
}

void
vctl_close(struct vctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
