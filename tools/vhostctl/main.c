/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhostctl [-s SOCKET] [-j] COMMAND [ARGS...]: one command, one connection,
 * the requests of that command in order, then the output.  Messages go to
 * stderr as "vhostctl: MESSAGE"; the exit status tells scripts what
 * happened (vhostctl(8), EXIT STATUS).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhostctl.h"

static int __attribute__((format(printf, 2, 3)))
complain(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vhostctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int
usage_error(const char *msg)
{
	complain(VCTL_EXIT_USAGE, "%s", msg);
	fprintf(stderr, "Try 'vhostctl -h'.\n");
	return VCTL_EXIT_USAGE;
}

/* One request on an open connection: 0 with *result (a new reference), or an exit status. */
static int
request(struct vctl_conn *c, const char *path, const char *cmd, const json_t *args,
	json_t **result)
{
	struct vctl_reply r;
	char err[256];
	char *line, *answer;
	size_t len, alen;
	int ret;

	ret = vctl_request_line(cmd, args, &line, &len);
	if (ret == -E2BIG)
		return complain(VCTL_EXIT_USAGE, "request too long (at most %d bytes)",
				VCTL_MAX_REQUEST);
	if (ret != 0)
		return complain(VCTL_EXIT_ERROR, "%s", strerror(-ret));
	ret = vctl_transact(c, line, len, VCTL_MAX_REPLY, &answer, &alen);
	free(line);
	switch (ret) {
	case 0:
		break;
	case -ETIMEDOUT:
		return complain(VCTL_EXIT_PROTOCOL, "%s: no answer to '%s' within %d s", path,
				cmd, VCTL_TIMEOUT_MS / 1000);
	case -ECONNRESET:
	case -EPIPE:
		return complain(VCTL_EXIT_PROTOCOL, "%s: vhostd closed the connection during '%s'",
				path, cmd);
	case -EMSGSIZE:
		return complain(VCTL_EXIT_PROTOCOL, "%s: answer to '%s' longer than %u bytes",
				path, cmd, VCTL_MAX_REPLY);
	case -EPROTO:
		return complain(VCTL_EXIT_PROTOCOL, "%s: unexpected data after the answer to '%s'",
				path, cmd);
	default:
		return complain(VCTL_EXIT_PROTOCOL, "%s: %s", path, strerror(-ret));
	}
	ret = vctl_reply_parse(answer, alen, &r, err, sizeof(err));
	free(answer);
	if (ret != 0)
		return complain(VCTL_EXIT_PROTOCOL, "%s: bad answer to '%s': %s", path, cmd, err);
	if (!r.ok) {
		ret = complain(vctl_exit_code(r.code), "%s", r.message);
		vctl_reply_free(&r);
		return ret;
	}
	*result = json_incref(r.result);
	vctl_reply_free(&r);
	return 0;
}

static int
run(const char *path, bool json, const struct vctl_req *req)
{
	const struct vctl_cmd *cmd = req->cmd;
	json_t *results[VCTL_MAX_REQUESTS] = { NULL };
	struct vctl_conn c;
	int nb = 0, ret;

	ret = vctl_connect(&c, path, VCTL_TIMEOUT_MS);
	if (ret != 0)
		return complain(VCTL_EXIT_CONNECT, "cannot connect to %s: %s%s", path,
				strerror(-ret), ret == -ENOENT ? " (is vhostd running?)" : "");
	for (; nb < VCTL_MAX_REQUESTS && cmd->requests[nb] != NULL; nb++) {
		ret = request(&c, path, cmd->requests[nb], nb == 0 ? req->args : NULL,
			      &results[nb]);
		if (ret != 0)
			goto out;
	}
	if (json) {
		json_t *out = results[0];

		/* Several requests: one object keyed by protocol command. */
		if (nb > 1) {
			out = json_object();
			for (int i = 0; out != NULL && i < nb; i++)
				json_object_set(out, cmd->requests[i], results[i]);
		}
		if (out == NULL || json_dumpf(out, stdout, JSON_INDENT(2)) != 0)
			ret = complain(VCTL_EXIT_ERROR, "cannot print the result");
		else
			putchar('\n');
		if (nb > 1)
			json_decref(out);
	} else if (cmd->print(stdout, req->args, results) != 0) {
		ret = complain(VCTL_EXIT_ERROR, "out of memory");
	}
	if (ret == 0 && (fflush(stdout) != 0 || ferror(stdout)))
		ret = complain(VCTL_EXIT_ERROR, "cannot write the output: %s", strerror(errno));
out:
	for (int i = 0; i < VCTL_MAX_REQUESTS; i++)
		json_decref(results[i]);
	vctl_close(&c);
	return ret;
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * After "capture start": like tcpdump -c, wait until vhostd has written the
 * count (its capture ends by itself), or until Ctrl-C, which stops it.
 * Then say what was written.
 */
static int
capture_wait(const char *path, const char *name)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	json_t *args = json_pack("{s:s}", "name", name), *show = NULL, *cap;
	struct timespec pause = { .tv_nsec = 200 * 1000 * 1000 };
	struct vctl_conn c;
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = vctl_connect(&c, path, VCTL_TIMEOUT_MS);
	if (ret != 0) {
		json_decref(args);
		return complain(VCTL_EXIT_CONNECT, "cannot connect to %s: %s", path, strerror(-ret));
	}
	for (;;) {
		json_decref(show);
		show = NULL;
		if (interrupted) {
			ret = request(&c, path, "capture.stop", args, &show);
			cap = ret == 0 ? json_object_get(show, "capture") : NULL;
			break;
		}
		ret = request(&c, path, "guest.show", args, &show);
		if (ret != 0)
			break;
		cap = json_object_get(show, "capture");
		if (json_is_null(cap) || cap == NULL)
			break;		/* vhostd closed it: the count was reached */
		nanosleep(&pause, NULL);
	}
	if (ret == 0) {
		if (cap != NULL && json_is_object(cap))
			printf("capture of guest %s stopped: %lld frames written to %s, %lld lost\n",
			       name, json_integer_value(json_object_get(cap, "written")),
			       json_string_value(json_object_get(cap, "file")),
			       json_integer_value(json_object_get(cap, "lost")));
		else
			printf("capture of guest %s done\n", name);
	}
	json_decref(show);
	json_decref(args);
	vctl_close(&c);
	return ret;
}

int
main(int argc, char **argv)
{
	const char *path = getenv(VCTL_SOCKET_ENV);
	struct vctl_req req;
	char err[256], msg[64];
	bool json = false;
	int opt, ret;

	if (path == NULL || path[0] == '\0')
		path = VCTL_DEFAULT_SOCKET;
	opterr = 0;
	/* "+": stop at the command, whose own options come after it. */
	while ((opt = getopt(argc, argv, "+s:jhV")) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			vctl_usage(stdout);
			return VCTL_EXIT_OK;
		case 'V':
			printf("vhostctl %s\n", VHOSTD_VERSION);
			return VCTL_EXIT_OK;
		default:
			if (optopt == 's')
				snprintf(msg, sizeof(msg), "option -s needs a socket path");
			else
				snprintf(msg, sizeof(msg), "unknown option '-%c'", optopt);
			return usage_error(msg);
		}
	}
	if (optind >= argc)
		return usage_error("no command given");

	/* "capture NAME -w FILE [-c N]" (no start/stop word): start, then wait. */
	bool wait_capture = false;
	char **cargv = NULL;
	if (strcmp(argv[optind], "capture") == 0 && optind + 1 < argc &&
	    strcmp(argv[optind + 1], "start") != 0 && strcmp(argv[optind + 1], "stop") != 0 &&
	    argv[optind + 1][0] != '-') {
		int n = argc - optind;

		cargv = calloc((size_t)n + 2, sizeof(*cargv));
		if (cargv == NULL)
			return complain(VCTL_EXIT_ERROR, "out of memory");
		cargv[0] = argv[optind];
		cargv[1] = "start";
		for (int i = 1; i < n; i++)
			cargv[i + 1] = argv[optind + i];
		wait_capture = true;
		ret = vctl_parse(n + 1, cargv, &req, err, sizeof(err));
	} else {
		ret = vctl_parse(argc - optind, argv + optind, &req, err, sizeof(err));
	}
	if (ret == 0 && wait_capture) {
		const char *name = cargv[2];

		ret = run(path, json, &req);
		vctl_req_free(&req);
		if (ret == 0)
			ret = capture_wait(path, name);
		free(cargv);
		return ret;
	}
	free(cargv);

	if (ret == 1) {
		printf("Usage: vhostctl [-s SOCKET] [-j]\n");
		vctl_cmd_usage(stdout, req.cmd);
		return VCTL_EXIT_OK;
	}
	if (ret != 0)
		return usage_error(err);
	ret = run(path, json, &req);
	vctl_req_free(&req);
	return ret;
}
