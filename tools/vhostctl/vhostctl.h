/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhostctl: the command-line client of vhostd's control socket
 * (docs/control-protocol.md).
 *
 * Pure logic and I/O are kept apart so that the unit tests drive the logic
 * without a daemon:
 *   commands.c  the command table; command line -> request (cmd + args)
 *   reply.c     answer line -> result or error; error code -> exit status
 *   output.c    result -> human tables and sections (output_guest.c: a guest's)
 *   metrics.c   stats + workers + guest.list results -> Prometheus text
 *   table.c     aligned text tables
 *   client.c    unix socket I/O with a deadline (the only file doing I/O)
 *   main.c      global options and the glue
 */
#ifndef VHOSTCTL_H
#define VHOSTCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define VCTL_DEFAULT_SOCKET	"/run/vhostd/control.sock"
#define VCTL_SOCKET_ENV		"VHOSTD_CONTROL"
/* Protocol limit on a request line, newline included. */
#define VCTL_MAX_REQUEST	65536
/* Our limit on an answer line: guest.show of 16 pairs is ~10 KiB, stats of
 * 64 guests and 16 uplinks of 16 queues each ~1 MiB.  Generous, but bounded. */
#define VCTL_MAX_REPLY		(64u << 20)
#define VCTL_TIMEOUT_MS		5000
/* Requests one command sends, in order, on one connection (metrics: 3). */
#define VCTL_MAX_REQUESTS	3

/* Exit statuses; documented in docs/man/vhostctl.8.md. */
enum vctl_exit {
	VCTL_EXIT_OK = 0,
	VCTL_EXIT_ERROR = 1,	/* vhostd refused or failed: EINVAL, EIO, E2BIG, other */
	VCTL_EXIT_USAGE = 2,	/* bad vhostctl command line */
	VCTL_EXIT_CONNECT = 3,	/* cannot connect to the control socket */
	VCTL_EXIT_ENOENT = 4,	/* no such guest or uplink */
	VCTL_EXIT_EEXIST = 5,	/* name, socket or MAC already in use */
	VCTL_EXIT_ENOSPC = 6,	/* a limit was reached */
	VCTL_EXIT_EBUSY = 7,	/* busy: try again */
	VCTL_EXIT_PROTOCOL = 8,	/* no valid answer: timeout, closed, malformed */
};

/* How an option's value becomes a JSON argument. */
enum vctl_type {
	VCTL_STRING,		/* --opt VALUE -> "VALUE" */
	VCTL_INT,		/* --opt N -> N (decimal, range checked by vhostd) */
	VCTL_PATH,		/* --opt FILE -> "/abs/FILE": relative to vhostctl's cwd,
				 * since vhostd's is another */
	VCTL_TRUE,		/* --flag -> true */
	VCTL_FALSE,		/* --no-flag -> false */
};

struct vctl_opt {
	const char *flag;	/* "--socket" */
	const char *key;	/* "socket": the protocol argument */
	enum vctl_type type;
	bool required;
	const char *metavar;	/* "PATH", for messages and usage */
};

/*
 * Positional parameters.  Optional ones come last and are given all or none
 * (stats takes either nothing or "guest NAME").  values, when set, is the
 * NULL-terminated list of accepted words.
 */
struct vctl_pos {
	const char *key;
	const char *metavar;
	bool optional;
	const char *const *values;
};

struct vctl_cmd {
	const char *words[2];		/* "guest", "add"; words[1] may be NULL */
	const char *synopsis;		/* arguments after the words, for usage */
	const char *help;
	const struct vctl_pos *pos;	/* terminated by an entry with key NULL */
	const struct vctl_opt *opts;	/* terminated by an entry with flag NULL */
	/* Protocol commands sent in order; the first one gets the arguments. */
	const char *requests[VCTL_MAX_REQUESTS];
	/* Human output from the results (one per request); 0 or -errno. */
	int (*print)(FILE *f, const json_t *args, json_t *const results[]);
};

extern const struct vctl_cmd vctl_commands[];
extern const size_t vctl_nb_commands;

struct vctl_req {
	const struct vctl_cmd *cmd;
	json_t *args;			/* owned: an object, maybe empty */
};

/*
 * Parse a command line (the words after the global options) into a request.
 * Returns 0, 1 when --help was asked for (req->cmd set, args NULL), or
 * -EINVAL with a message in err.
 */
int vctl_parse(int argc, char *const argv[], struct vctl_req *req, char *err, size_t errlen);
void vctl_req_free(struct vctl_req *req);

/* One request line, newline-terminated: {"cmd": ..., "args": {...}}\n.
 * args may be NULL or empty (then no "args" member).  Returns 0, -ENOMEM,
 * or -E2BIG when the line exceeds VCTL_MAX_REQUEST. */
int vctl_request_line(const char *cmd, const json_t *args, char **line, size_t *len);

/* Usage text built from the table. */
void vctl_usage(FILE *f);
void vctl_cmd_usage(FILE *f, const struct vctl_cmd *cmd);

struct vctl_reply {
	json_t *root;			/* owned */
	bool ok;
	json_t *result;			/* borrowed from root, when ok */
	const char *code;		/* borrowed, when !ok */
	const char *message;		/* borrowed, when !ok */
};

/* Decode an answer line (without its newline).  0, or -EPROTO with err. */
int vctl_reply_parse(const char *buf, size_t len, struct vctl_reply *reply,
		    char *err, size_t errlen);
void vctl_reply_free(struct vctl_reply *reply);
/* Exit status for a protocol error code ("ENOENT" -> VCTL_EXIT_ENOENT). */
int vctl_exit_code(const char *code);

/* Printers (output.c, metrics.c): results[] as in struct vctl_cmd. */
int vctl_print_version(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_guest_list(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_guest_show(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_guest_events(FILE *f, const json_t *args, json_t *const results[]);
/* why.c: guest why, and guest show's losses section (why: guest.why's result). */
int vctl_print_guest_why(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_why_table(FILE *f, const json_t *why);
int vctl_print_guest_add(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_guest_del(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_uplink_list(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_uplink_show(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_stats(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_workers(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_log_level(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_capture(FILE *f, const json_t *args, json_t *const results[]);
int vctl_print_affinity(FILE *f, const json_t *args, json_t *const results[]);
/* results: stats, workers, guest.list (the requests of "metrics"). */
int vctl_print_metrics(FILE *f, const json_t *args, json_t *const results[]);

/* client.c: I/O with an absolute deadline (CLOCK_MONOTONIC, ms). */
struct vctl_conn {
	int fd;
	long long deadline_ms;
};

long long vctl_now_ms(void);
/* 0 or -errno (-ENAMETOOLONG, -ENOENT, -ECONNREFUSED, -EACCES, -ETIMEDOUT...). */
int vctl_connect(struct vctl_conn *c, const char *path, int timeout_ms);
/* Send one line and read one newline-terminated answer of at most max bytes
 * (newline excluded, *reply NUL-terminated, caller frees).  0, -ETIMEDOUT,
 * -ECONNRESET (closed before a full answer), -EMSGSIZE, -EPROTO (bytes after
 * the newline), or another -errno. */
int vctl_transact(struct vctl_conn *c, const char *line, size_t len, size_t max,
		 char **reply, size_t *reply_len);
void vctl_close(struct vctl_conn *c);

#endif
