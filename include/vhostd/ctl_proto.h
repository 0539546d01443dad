/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CTL_PROTO_H
#define VHOSTD_CTL_PROTO_H

/*
 * The control protocol's dispatcher (docs/control-protocol.md): one table of
 * commands, one function that checks a request against it before any
 * handler runs.  No sockets, no daemon state: unit-tested on its own.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define CTL_MAX_REQUEST 65536	/* bytes, newline included */

enum ctl_type {
	CTL_STRING,
	CTL_INT,
	CTL_BOOL,
};

struct ctl_param {
	const char *name;
	enum ctl_type type;
	bool required;
};

/*
 * A handler gets validated args (an object, possibly empty) and returns 0
 * with *result set (a new reference), or -errno with a message in err.  A
 * handler that fails must have changed nothing.
 */
typedef int (*ctl_handler)(void *ctx, json_t *args, json_t **result, char *err,
			   size_t errlen);

struct ctl_cmd {
	const char *name;
	ctl_handler handler;
	const struct ctl_param *params;
	unsigned int nb_params;
	const char *help;
};

/*
 * Answer one request line (without its newline).  Returns the answer as a
 * malloc'd, newline-free JSON text; NULL only when out of memory.
 */
char *ctl_dispatch(const struct ctl_cmd *cmds, unsigned int nb, const char *line,
		   size_t len, void *ctx);

/*
 * A client's bytes to request lines.  buf holds the *len bytes received so
 * far, at most cap.  Each complete line goes to fn without its newline, in
 * order; the unfinished tail is then moved to the front of buf and *len
 * updated.  Returns 0; the first non-zero value fn returns (that line
 * and those before it are consumed, the rest is left in buf); or -E2BIG
 * when buf is full and holds no newline: a request too long, for the
 * caller to refuse (ctl_error_answer) and close the connection.
 */
typedef int (*ctl_line_fn)(void *arg, const char *line, size_t len);
int ctl_split_lines(char *buf, size_t *len, size_t cap, ctl_line_fn fn, void *arg);

/* The table as JSON, for the "help" command. */
json_t *ctl_describe(const struct ctl_cmd *cmds, unsigned int nb);

/* "ENOENT" for -ENOENT, ...; "EIO" for anything unlisted. */
const char *ctl_error_code(int err);

/* An answer {"ok": false, "error": {...}} as malloc'd text. */
char *ctl_error_answer(int err, const char *message);

#endif
