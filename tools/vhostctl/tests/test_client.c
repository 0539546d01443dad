/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client.c against a scripted server thread on a real unix socket: answers
 * in many pieces, large answers, silence (timeout), a connection closed
 * mid-answer, an answer over the limit, bytes after the answer, several
 * requests on one connection, and connect errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "vhostctl.h"

enum behaviour {
	ANSWER,		/* write the answer, in chunks */
	SILENT,		/* read the request, say nothing until the client leaves */
	CLOSE_EARLY,	/* write part of the answer, close */
};

struct server {
	char dir[64];
	char path[108];
	int lfd;
	pthread_t thread;
	enum behaviour how;
	const char *answer;
	size_t answer_len;
	size_t chunk;
	int nb_requests;
	char last[256];		/* the last request line received */
};

static ssize_t
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static void *
serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	char c;

	if (fd < 0)
		return NULL;
	for (int i = 0; i < s->nb_requests; i++) {
		if (read_line(fd, s->last, sizeof(s->last)) < 0)
			break;
		switch (s->how) {
		case ANSWER:
			for (size_t off = 0; off < s->answer_len; off += s->chunk) {
				size_t n = s->answer_len - off < s->chunk ? s->answer_len - off : s->chunk;

				if (send(fd, s->answer + off, n, MSG_NOSIGNAL) != (ssize_t)n)
					break;
				if (s->chunk < 64)
					usleep(1000);	/* let the client see the pieces */
			}
			break;
		case SILENT:
			while (read(fd, &c, 1) > 0)
				;
			break;
		case CLOSE_EARLY:
			if (send(fd, s->answer, s->answer_len / 2, MSG_NOSIGNAL) < 0)
				break;
			close(fd);
			return NULL;
		}
	}
	close(fd);
	return NULL;
}

static void
server_start(struct server *s, enum behaviour how, const char *answer, size_t len, size_t chunk,
	     int nb_requests)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/vhostctl-test-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/control.sock", s->dir);
	s->how = how;
	s->answer = answer;
	s->answer_len = len;
	s->chunk = chunk;
	s->nb_requests = nb_requests;
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
}

static int
transact(struct server *s, int timeout_ms, size_t max, char **reply, size_t *len)
{
	static const char req[] = "{\"cmd\":\"version\"}\n";
	struct vctl_conn c;
	int ret;

	assert_int_equal(vctl_connect(&c, s->path, timeout_ms), 0);
	ret = vctl_transact(&c, req, strlen(req), max, reply, len);
	vctl_close(&c);
	return ret;
}

static void
test_pieces(void **state)
{
	static const char answer[] = "{\"ok\": true, \"result\": {\"version\": \"0.1.0\"}}\n";
	struct server s;
	char *reply;
	size_t len;

	(void)state;
	server_start(&s, ANSWER, answer, strlen(answer), 3, 1);
	assert_int_equal(transact(&s, 2000, VCTL_MAX_REPLY, &reply, &len), 0);
	server_stop(&s);
	assert_string_equal(s.last, "{\"cmd\":\"version\"}\n");
	assert_int_equal(len, strlen(answer) - 1);
	assert_memory_equal(reply, answer, len);
	assert_int_equal(reply[len], '\0');
	free(reply);
}

static void
test_large(void **state)
{
	size_t n = 3 << 20;
	char *answer = malloc(n + 1);
	struct server s;
	char *reply;
	size_t len;

	(void)state;
	memset(answer, 'x', n);
	answer[n] = '\n';
	server_start(&s, ANSWER, answer, n + 1, 65536, 1);
	assert_int_equal(transact(&s, 5000, VCTL_MAX_REPLY, &reply, &len), 0);
	server_stop(&s);
	assert_int_equal(len, n);
	assert_memory_equal(reply, answer, n);
	free(reply);

	/* Exactly at the limit passes; one more byte does not. */
	server_start(&s, ANSWER, answer, n + 1, 65536, 1);
	assert_int_equal(transact(&s, 5000, n, &reply, &len), 0);
	server_stop(&s);
	free(reply);
	server_start(&s, ANSWER, answer, n + 1, 65536, 1);
	assert_int_equal(transact(&s, 5000, n - 1, &reply, &len), -EMSGSIZE);
	assert_null(reply);
	server_stop(&s);
	/* A small limit with a first read far larger than it. */
	server_start(&s, ANSWER, answer, n + 1, 65536, 1);
	assert_int_equal(transact(&s, 5000, 100, &reply, &len), -EMSGSIZE);
	server_stop(&s);
	free(answer);
}

static void
test_timeout(void **state)
{
	struct server s;
	char *reply;
	size_t len;
	long long t0 = vctl_now_ms();

	(void)state;
	server_start(&s, SILENT, NULL, 0, 1, 1);
	assert_int_equal(transact(&s, 300, VCTL_MAX_REPLY, &reply, &len), -ETIMEDOUT);
	assert_null(reply);
	server_stop(&s);
	long long took = vctl_now_ms() - t0;
	assert_true(took >= 300 && took < 2000);
}

static void
test_closed(void **state)
{
	static const char answer[] = "{\"ok\": true, \"result\": {}}\n";
	struct server s;
	char *reply;
	size_t len;

	(void)state;
	server_start(&s, CLOSE_EARLY, answer, strlen(answer), 1, 1);
	assert_int_equal(transact(&s, 2000, VCTL_MAX_REPLY, &reply, &len), -ECONNRESET);
	assert_null(reply);
	server_stop(&s);
}

static void
test_trailing(void **state)
{
	static const char answer[] = "{\"ok\": true, \"result\": {}}\n{\"ok\"";
	struct server s;
	char *reply;
	size_t len;

	(void)state;
	server_start(&s, ANSWER, answer, strlen(answer), sizeof(answer), 1);
	assert_int_equal(transact(&s, 2000, VCTL_MAX_REPLY, &reply, &len), -EPROTO);
	server_stop(&s);
}

static void
test_two_requests(void **state)
{
	static const char answer[] = "{\"ok\": true, \"result\": {}}\n";
	static const char req1[] = "{\"cmd\":\"stats\"}\n";
	static const char req2[] = "{\"cmd\":\"workers\"}\n";
	struct vctl_conn c;
	struct server s;
	char *reply;
	size_t len;

	(void)state;
	server_start(&s, ANSWER, answer, strlen(answer), 7, 2);
	assert_int_equal(vctl_connect(&c, s.path, 2000), 0);
	assert_int_equal(vctl_transact(&c, req1, strlen(req1), 4096, &reply, &len), 0);
	assert_string_equal(reply, "{\"ok\": true, \"result\": {}}");
	free(reply);
	assert_int_equal(vctl_transact(&c, req2, strlen(req2), 4096, &reply, &len), 0);
	free(reply);
	vctl_close(&c);
	server_stop(&s);
	assert_string_equal(s.last, req2);
}

static void
test_connect_errors(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/vhostctl-test-XXXXXX";
	char path[200], nolisten[64];
	struct vctl_conn c;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.sock", dir);
	assert_int_equal(vctl_connect(&c, path, 500), -ENOENT);
	assert_int_equal(c.fd, -1);
	assert_int_equal(vctl_connect(&c, "", 500), -ENOENT);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(vctl_connect(&c, path, 500), -ENAMETOOLONG);

	/* A socket file nobody listens on (vhostd killed): refused. */
	snprintf(nolisten, sizeof(nolisten), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", nolisten);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(vctl_connect(&c, nolisten, 500), -ECONNREFUSED);
	close(fd);
	unlink(nolisten);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_two_requests),
		cmocka_unit_test(test_connect_errors),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
