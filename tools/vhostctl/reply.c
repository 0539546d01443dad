/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answers: {"ok": true, "result": {...}} or
 * {"ok": false, "error": {"code": "ENOENT", "message": "..."}}.
 * Anything else is a protocol error; nothing in it is trusted.
 */
#include <errno.h>
#include <string.h>

#include "vhostctl.h"

static const struct {
	const char *code;
	int status;
} exit_codes[] = {
	{ "ENOENT", VCTL_EXIT_ENOENT },
	{ "EEXIST", VCTL_EXIT_EEXIST },
	{ "ENOSPC", VCTL_EXIT_ENOSPC },
	{ "EBUSY", VCTL_EXIT_EBUSY },
	/* EINVAL, EIO, E2BIG and codes added later: the daemon said no. */
};

int
vctl_exit_code(const char *code)
{
	for (size_t i = 0; code != NULL && i < sizeof(exit_codes) / sizeof(exit_codes[0]); i++)
		if (strcmp(code, exit_codes[i].code) == 0)
			return exit_codes[i].status;
	return VCTL_EXIT_ERROR;
}

int
vctl_reply_parse(const char *buf, size_t len, struct vctl_reply *r, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *ok, *e;

	memset(r, 0, sizeof(*r));
	r->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->root == NULL) {
		snprintf(err, errlen, "answer is not JSON: %s (column %d)", jerr.text,
			 jerr.column);
		return -EPROTO;
	}
	if (!json_is_object(r->root)) {
		snprintf(err, errlen, "answer is not a JSON object");
		goto err_free;
	}
	ok = json_object_get(r->root, "ok");
	if (!json_is_boolean(ok)) {
		snprintf(err, errlen, "answer has no boolean 'ok'");
		goto err_free;
	}
	r->ok = json_is_true(ok);
	if (r->ok) {
		r->result = json_object_get(r->root, "result");
		if (!json_is_object(r->result)) {
			snprintf(err, errlen, "answer has no 'result' object");
			goto err_free;
		}
		return 0;
	}
	e = json_object_get(r->root, "error");
	r->code = json_string_value(json_object_get(e, "code"));
	r->message = json_string_value(json_object_get(e, "message"));
	if (!json_is_object(e) || r->code == NULL || r->message == NULL) {
		snprintf(err, errlen, "error answer without 'code' and 'message' strings");
		goto err_free;
	}
	return 0;

err_free:
	vctl_reply_free(r);
	return -EPROTO;
}

void
vctl_reply_free(struct vctl_reply *r)
{
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}
