/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the control protocol (ctl_proto.c) as a client sees
 * it.  The input is what a client sends on the socket: it is cut into
 * reads of varying sizes, split into request lines by ctl_split_lines()
 * (what ctl.c's client_read does) and each line is answered by
 * ctl_dispatch() with the daemon's command table (ctl_table.c: names,
 * parameters, types).  Handlers that need the daemon's state are stubs
 * (no EAL, no daemon); the rest run the daemon's own code: guest.add is
 * guest_args_parse(), what ctl_cmds.c's guest.add and the state
 * directory's replay call (arguments -> config_guest_set ->
 * config_guest_check), against the embedded default configuration, and
 * log-level is config_parse_log_level(), so their error messages travel
 * through the answer path too.
 *
 * Checked beyond sanitizers: the splitter hands over exactly the bytes
 * sent, line by line; no handler runs with arguments the table forbids;
 * every line gets an answer that is one line of JSON, {"ok": true,
 * "result": ...} or {"ok": false, "error": {"code": KNOWN, "message": S}}.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhostd/config.h"
#include "vhostd/ctl_proto.h"
#include "vhostd/ctl_table.h"
#include "vhostd/guest_args.h"

#include "fuzz_check.h"

static struct config base;		/* the embedded default */
static const struct ctl_cmd *current;	/* the command being dispatched */

/* ---- stub handlers ---- */

static const char *
arg_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* What the dispatcher promises a handler: args fit the table. */
static void
check_args(json_t *args)
{
	const char *key;
	json_t *v;

	CHECK(current != NULL && json_is_object(args));
	json_object_foreach(args, key, v) {
		const struct ctl_param *p = NULL;

		for (unsigned int i = 0; i < current->nb_params; i++)
			if (strcmp(current->params[i].name, key) == 0)
				p = &current->params[i];
		CHECK(p != NULL);
		CHECK(p->type != CTL_STRING || json_is_string(v));
		CHECK(p->type != CTL_INT || json_is_integer(v));
		CHECK(p->type != CTL_BOOL || json_is_boolean(v));
	}
	for (unsigned int i = 0; i < current->nb_params; i++)
		CHECK(!current->params[i].required ||
		      json_object_get(args, current->params[i].name) != NULL);
}

/* version, guest.list, uplink.list, workers: answers that only read the
 * daemon's state, which a stub does not have: the command's name. */
static int
h_canned(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	check_args(args);
	*result = json_pack("{s:s}", "cmd", current->name);
	return 0;
}

static int
h_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);

/* guest.show, guest.del, uplink.show, capture.stop: "vm1" and "up0" exist. */
static int
h_named(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *name = arg_str(args, "name");

	(void)ctx;
	check_args(args);
	if (strcmp(name, "vm1") != 0 && strcmp(name, "up0") != 0) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	*result = json_pack("{s:s}", "name", name);
	return 0;
}

/* guest.add as the daemon reads it (guest_args.c, config_guest.c), against
 * the embedded default and its guest vm1. */
static int
h_guest_add(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	struct config_guest cg;
	int ret;

	(void)ctx;
	check_args(args);
	for (unsigned int i = 0; i < base.nb_guests; i++)
		others[i] = &base.guests[i];
	ret = guest_args_parse(args, &base, others, base.nb_guests, &cg, err, errlen);
	if (ret != 0)
		return ret;
	*result = json_pack("{s:s, s:s, s:s, s:i}", "name", cg.name, "socket", cg.socket,
			    "uplink", cg.uplink, "queues", (int)cg.queues);
	return 0;
}

static int
h_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *kind = arg_str(args, "kind");

	(void)ctx;
	check_args(args);
	if (kind != NULL && strcmp(kind, "guest") != 0 && strcmp(kind, "uplink") != 0) {
		snprintf(err, errlen, "stats: kind '%s' is not guest or uplink", kind);
		return -EINVAL;
	}
	if (arg_str(args, "name") != NULL && kind == NULL) {
		snprintf(err, errlen, "stats: name needs kind");
		return -EINVAL;
	}
	*result = json_pack("{s:{}, s:{}}", "guests", "uplinks");
	return 0;
}

/* The daemon's parser of level names (cmd_log_level); nothing is set. */
static int
h_log_level(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	int level;

	(void)ctx;
	check_args(args);
	if (config_parse_log_level(arg_str(args, "level"), &level, err, errlen) != 0)
		return -EINVAL;
	CHECK(config_log_level_name(level) != NULL);
	*result = json_pack("{s:s}", "level", config_log_level_name(level));
	return 0;
}

static int
h_capture_start(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *file = arg_str(args, "file");

	(void)ctx;
	(void)result;
	check_args(args);
	snprintf(err, errlen, "guest %s: cannot create %s: %s", arg_str(args, "name"), file,
		 strerror(EACCES));
	return -EACCES;
}

/* Fails with the errno it is given and no message: the dispatcher's
 * strerror() fallback and ctl_error_code() for any value. */
static int
h_fail(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	json_t *e = json_object_get(args, "errno");

	(void)ctx;
	(void)err;
	(void)errlen;
	check_args(args);
	if (e == NULL) {
		*result = NULL;		/* ok, with an empty result */
		return 0;
	}
	return -(int)(1 + (uint64_t)json_integer_value(e) % 200);
}

/* The daemon's own table (ctl_table.c) with these stubs as handlers. */
static const ctl_handler handlers[CTL_NB_CMDS] = {
	[CTL_CMD_VERSION] = h_canned,
	[CTL_CMD_HELP] = h_help,
	[CTL_CMD_GUEST_LIST] = h_canned,
	[CTL_CMD_GUEST_SHOW] = h_named,
	[CTL_CMD_GUEST_ADD] = h_guest_add,
	[CTL_CMD_GUEST_DEL] = h_named,
	[CTL_CMD_UPLINK_LIST] = h_canned,
	[CTL_CMD_UPLINK_SHOW] = h_named,
	[CTL_CMD_STATS] = h_stats,
	[CTL_CMD_WORKERS] = h_canned,
	[CTL_CMD_LOG_LEVEL] = h_log_level,
	[CTL_CMD_CAPTURE_START] = h_capture_start,
	[CTL_CMD_CAPTURE_STOP] = h_named,
	[CTL_CMD_GUEST_AFFINITY] = h_named,
	[CTL_CMD_UPLINK_AFFINITY] = h_named,
	[CTL_CMD_GUEST_EVENTS] = h_named,
	[CTL_CMD_GUEST_WHY] = h_named,
};

static const struct ctl_param p_fail[] = { { "errno", CTL_INT, false } };

/* Bound in LLVMFuzzerInitialize(), and one command more: fuzz.fail. */
static struct ctl_cmd cmds[CTL_NB_CMDS + 1];

static int
h_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	check_args(args);
	*result = ctl_describe(cmds, DIM(cmds));
	return 0;
}

/* ---- the answer ---- */

static void
check_answer(const char *text)
{
	static const char *const codes[] = {
		"EINVAL", "ENOENT", "EEXIST", "ENOSPC", "EBUSY", "E2BIG", "ENOMEM", "EPERM",
		"ENOTSUP", "EIO",
	};
	json_t *a, *ok, *e, *code;
	json_error_t jerr;
	bool known = false;

	CHECK(text != NULL);
	CHECK(strchr(text, '\n') == NULL);
	a = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	CHECK(json_is_object(a));
	ok = json_object_get(a, "ok");
	CHECK(json_is_boolean(ok));
	if (json_is_true(ok)) {
		CHECK(json_object_size(a) == 2 && json_object_get(a, "result") != NULL);
	} else {
		e = json_object_get(a, "error");
		CHECK(json_object_size(a) == 2 && json_is_object(e));
		CHECK(json_is_string(json_object_get(e, "message")));
		code = json_object_get(e, "code");
		CHECK(json_is_string(code));
		for (size_t i = 0; i < DIM(codes); i++)
			known |= strcmp(json_string_value(code), codes[i]) == 0;
		CHECK(known);
	}
	json_decref(a);
}

/* ---- the client's bytes ---- */

struct session {
	const uint8_t *data;
	size_t consumed;		/* input bytes handed over as lines */
	unsigned int lines;
	unsigned int fail_at;		/* fn fails on this line (0: never) */
	bool dispatch;
};

static int
on_line(void *arg, const char *line, size_t len)
{
	struct session *s = arg;
	char *text;

	/* Exactly the next bytes of the input, up to a newline. */
	CHECK(memchr(line, '\n', len) == NULL);
	CHECK(memcmp(line, s->data + s->consumed, len) == 0);
	CHECK(s->data[s->consumed + len] == '\n');
	s->consumed += len + 1;
	s->lines++;
	if (s->dispatch) {
		const char *c = NULL;
		json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);

		/* So that the stubs know which table entry they serve. */
		current = NULL;
		if (json_is_object(req))
			c = json_string_value(json_object_get(req, "cmd"));
		for (size_t i = 0; c != NULL && i < DIM(cmds); i++)
			if (strcmp(cmds[i].name, c) == 0)
				current = &cmds[i];
		json_decref(req);
		text = ctl_dispatch(cmds, DIM(cmds), line, len, NULL);
		check_answer(text);
		free(text);
	}
	return s->lines == s->fail_at ? 1 : 0;
}

/* Reads of these sizes, in turn: whole requests, and requests in pieces. */
static const size_t read_sizes[] = { 4096, 1, 7, 64, 3, 1000, 2 };

/* Client buffers: globals (ASan puts redzones around them too) rather than
 * a 64 KiB malloc per input, which made the kernel clear fresh pages. */
static char big_buf[CTL_MAX_REQUEST];
static char small_buf[64];

static void
session(const uint8_t *data, size_t size, char *buf, size_t cap, unsigned int fail_at,
	bool dispatch)
{
	struct session s = { .data = data, .fail_at = fail_at, .dispatch = dispatch };
	size_t len = 0, pos = 0;

	for (unsigned int k = 0; pos < size; k++) {
		size_t n = read_sizes[k % DIM(read_sizes)];
		int ret;

		if (n > size - pos)
			n = size - pos;
		if (n > cap - len)
			n = cap - len;
		CHECK(n > 0);
		memcpy(buf + len, data + pos, n);
		len += n;
		pos += n;
		ret = ctl_split_lines(buf, &len, cap, on_line, &s);
		/* What is left is what follows the last line handed over. */
		CHECK(s.consumed + len == pos);
		CHECK(memcmp(buf, data + s.consumed, len) == 0);
		if (ret == -E2BIG) {
			CHECK(len == cap && memchr(buf, '\n', len) == NULL);
			break;
		}
		if (ret != 0) {
			CHECK(ret == 1 && s.lines == fail_at);
			break;
		}
		CHECK(len < cap);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	CHECK(config_parse_string(&base, config_embedded_default, NULL, err, sizeof(err)) == 0);
	CHECK(ctl_table_bind(cmds, handlers) == 0);
	cmds[CTL_NB_CMDS] = (struct ctl_cmd){ "fuzz.fail", h_fail, p_fail, DIM(p_fail),
					       "fail with an errno (fuzzing only)" };
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As ctl.c serves a client: 64 KiB buffer, every line answered. */
	session(data, size, big_buf, sizeof(big_buf), 0, true);
	/* The splitter alone, with a small buffer (long lines) and a client
	 * whose third answer cannot be sent. */
	session(data, size, small_buf, sizeof(small_buf), 3, false);
	return 0;
}
