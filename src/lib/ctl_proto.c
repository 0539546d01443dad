/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request checking for the control socket.  Everything a client can get
 * wrong is caught here, in this order, before a handler runs: size, JSON
 * syntax, shape ({"cmd": string, "args": object}), command name, unknown
 * parameters, missing parameters, parameter types.  So a rejected request
 * changes nothing, whatever the handler would have done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhostd/ctl_proto.h"
#include "vhostd/utf8.h"

static const struct {
	int err;
	const char *code;
} error_codes[] = {
	{ EINVAL, "EINVAL" }, { ENOENT, "ENOENT" }, { EEXIST, "EEXIST" },
	{ ENOSPC, "ENOSPC" }, { EBUSY, "EBUSY" }, { E2BIG, "E2BIG" },
	{ ENOMEM, "ENOMEM" }, { EPERM, "EPERM" }, { ENOTSUP, "ENOTSUP" },
};

const char *
ctl_error_code(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (error_codes[i].err == err)
			return error_codes[i].code;
	return "EIO";
}

char *
ctl_error_answer(int err, const char *message)
{
	size_t n = strlen(message);
	char *clean = malloc(n + 1);
	json_t *a;
	char *text;

	if (clean == NULL)
		return NULL;
	/* A message may quote a request, cut anywhere (jansson's "near '...'",
	 * "%.64s", a full err buffer): a byte that is not part of a whole
	 * UTF-8 character becomes '?', or json_pack() would refuse it. */
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq_len((const unsigned char *)message + i, n - i);

		if (len == 0) {
			clean[i++] = '?';
			continue;
		}
		memcpy(clean + i, message + i, len);
		i += len;
	}
	clean[n] = '\0';
	a = json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code", ctl_error_code(err),
		      "message", clean);
	free(clean);
	if (a == NULL)
		return NULL;
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

static const char *
type_name(enum ctl_type t)
{
	return t == CTL_STRING ? "string" : t == CTL_INT ? "integer" : "boolean";
}

static const char *
type_article(enum ctl_type t)
{
	return t == CTL_INT ? "an" : "a";
}

static bool
type_ok(enum ctl_type t, const json_t *v)
{
	switch (t) {
	case CTL_STRING:
		return json_is_string(v);
	case CTL_INT:
		return json_is_integer(v);
	case CTL_BOOL:
		return json_is_boolean(v);
	}
	return false;
}

/* 0, or -EINVAL with the reason in err. */
static int
check_args(const struct ctl_cmd *cmd, json_t *args, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		const struct ctl_param *p = NULL;

		for (unsigned int i = 0; i < cmd->nb_params; i++)
			if (strcmp(cmd->params[i].name, key) == 0)
				p = &cmd->params[i];
		if (p == NULL) {
			snprintf(err, errlen, "%s: unknown parameter '%s'", cmd->name, key);
			return -EINVAL;
		}
		if (!type_ok(p->type, v)) {
			snprintf(err, errlen, "%s: parameter '%s' must be %s %s", cmd->name, key,
				 type_article(p->type), type_name(p->type));
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < cmd->nb_params; i++)
		if (cmd->params[i].required && json_object_get(args, cmd->params[i].name) == NULL) {
			snprintf(err, errlen, "%s: missing parameter '%s'", cmd->name,
				 cmd->params[i].name);
			return -EINVAL;
		}
	return 0;
}

char *
ctl_dispatch(const struct ctl_cmd *cmds, unsigned int nb, const char *line, size_t len,
	     void *ctx)
{
	const struct ctl_cmd *cmd = NULL;
	json_t *req = NULL, *args, *cmdv, *result = NULL, *answer;
	json_error_t jerr;
	char err[512];
	char *text;
	int ret;

	if (len >= CTL_MAX_REQUEST) {
		snprintf(err, sizeof(err), "request too long (%zu bytes, at most %d)", len,
			 CTL_MAX_REQUEST - 1);
		return ctl_error_answer(-E2BIG, err);
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, sizeof(err), "malformed JSON at column %d: %s", jerr.column,
			 jerr.text);
		return ctl_error_answer(-EINVAL, err);
	}
	if (!json_is_object(req)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "a request is a JSON object {\"cmd\": ..., \"args\": {...}}");
		goto fail;
	}
	cmdv = json_object_get(req, "cmd");
	args = json_object_get(req, "args");
	if (!json_is_string(cmdv)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "missing \"cmd\" (a string)");
		goto fail;
	}
	if (json_object_size(req) != 1u + (args != NULL)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "a request has only \"cmd\" and \"args\"");
		goto fail;
	}
	for (unsigned int i = 0; i < nb && cmd == NULL; i++)
		if (strcmp(cmds[i].name, json_string_value(cmdv)) == 0)
			cmd = &cmds[i];
	if (cmd == NULL) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "unknown command '%.64s' (\"help\" lists them)",
			 json_string_value(cmdv));
		goto fail;
	}
	if (args == NULL) {
		args = json_object();
		json_object_set_new(req, "args", args);
	} else if (!json_is_object(args)) {
		ret = -EINVAL;
		snprintf(err, sizeof(err), "%s: \"args\" must be an object", cmd->name);
		goto fail;
	}
	ret = check_args(cmd, args, err, sizeof(err));
	if (ret != 0)
		goto fail;

	err[0] = '\0';
	ret = cmd->handler(ctx, args, &result, err, sizeof(err));
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: %s", cmd->name, strerror(-ret));
		goto fail;
	}
	answer = json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_object());
	json_decref(req);
	if (answer == NULL)
		return NULL;
	text = json_dumps(answer, JSON_COMPACT);
	json_decref(answer);
	return text;

fail:
	json_decref(req);
	return ctl_error_answer(ret, err);
}

int
ctl_split_lines(char *buf, size_t *len, size_t cap, ctl_line_fn fn, void *arg)
{
	size_t done = 0;
	const char *nl;
	int ret = 0;

	while ((nl = memchr(buf + done, '\n', *len - done)) != NULL) {
		size_t n = (size_t)(nl - (buf + done));

		ret = fn(arg, buf + done, n);
		done += n + 1;
		if (ret != 0)
			break;
	}
	/* One move for the whole read: a line at a time would be quadratic
	 * in a buffer full of empty lines. */
	memmove(buf, buf + done, *len - done);
	*len -= done;
	if (ret == 0 && *len >= cap)
		ret = -E2BIG;
	return ret;
}

json_t *
ctl_describe(const struct ctl_cmd *cmds, unsigned int nb)
{
	json_t *list = json_array();

	for (unsigned int i = 0; i < nb; i++) {
		json_t *params = json_array();

		for (unsigned int j = 0; j < cmds[i].nb_params; j++)
			json_array_append_new(params, json_pack("{s:s, s:s, s:b}",
				"name", cmds[i].params[j].name,
				"type", type_name(cmds[i].params[j].type),
				"required", cmds[i].params[j].required));
		json_array_append_new(list, json_pack("{s:s, s:o, s:s}", "name", cmds[i].name,
						      "params", params, "help", cmds[i].help));
	}
	return json_pack("{s:o}", "commands", list);
}
