/* SPDX-License-Identifier: BSD-3-Clause */
/* The control dispatcher: every bad request is answered with an error and
 * never reaches a handler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/ctl_proto.h"

static int calls;
static json_t *seen_args;

static int
h_add(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	calls++;
	json_decref(seen_args);
	seen_args = json_incref(args);
	*result = json_pack("{s:s}", "name", json_string_value(json_object_get(args, "name")));
	return 0;
}

static int
h_fail(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)result;
	calls++;
	snprintf(err, errlen, "no guest named 'x'");
	return -ENOENT;
}

static const struct ctl_param add_params[] = {
	{ "name", CTL_STRING, true },
	{ "queues", CTL_INT, false },
	{ "persist", CTL_BOOL, false },
};

static const struct ctl_cmd cmds[] = {
	{ "guest.add", h_add, add_params, 3, "add a guest" },
	{ "guest.del", h_fail, add_params, 1, "remove a guest" },
};

static void
expect(const char *req, const char *answer)
{
	char *got = ctl_dispatch(cmds, 2, req, strlen(req), NULL);

	assert_non_null(got);
	assert_string_equal(got, answer);
	free(got);
}

#define ERR(code, msg) "{\"ok\":false,\"error\":{\"code\":\"" code "\",\"message\":\"" msg "\"}}"

static void
test_rejected_before_handler(void **state)
{
	static const struct {
		const char *req, *answer;
	} cases[] = {
		{ "", ERR("EINVAL", "malformed JSON at column 0: '[' or '{' expected near end of file") },
		{ "{\"cmd\": \"guest.add\"", ERR("EINVAL", "malformed JSON at column 19: '}' expected near end of file") },
		{ "[1,2]", ERR("EINVAL", "a request is a JSON object {\\\"cmd\\\": ..., \\\"args\\\": {...}}") },
		{ "{}", ERR("EINVAL", "missing \\\"cmd\\\" (a string)") },
		{ "{\"cmd\": 7}", ERR("EINVAL", "missing \\\"cmd\\\" (a string)") },
		{ "{\"cmd\": \"guest.add\", \"args\": {}, \"x\": 1}", ERR("EINVAL", "a request has only \\\"cmd\\\" and \\\"args\\\"") },
		{ "{\"cmd\": \"reboot\"}", ERR("EINVAL", "unknown command 'reboot' (\\\"help\\\" lists them)") },
		{ "{\"cmd\": \"guest.add\", \"args\": [1]}", ERR("EINVAL", "guest.add: \\\"args\\\" must be an object") },
		{ "{\"cmd\": \"guest.add\"}", ERR("EINVAL", "guest.add: missing parameter 'name'") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": 1}}", ERR("EINVAL", "guest.add: parameter 'name' must be a string") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"queues\": \"2\"}}", ERR("EINVAL", "guest.add: parameter 'queues' must be an integer") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"persist\": 1}}", ERR("EINVAL", "guest.add: parameter 'persist' must be a boolean") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"colour\": \"red\"}}", ERR("EINVAL", "guest.add: unknown parameter 'colour'") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"name\": \"b\"}}", ERR("EINVAL", "malformed JSON at column 49: duplicate object key near '\\\"name\\\"'") },
	};

	(void)state;
	calls = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(cases[i].req, cases[i].answer);
	assert_int_equal(calls, 0);
}

static void
test_oversize(void **state)
{
	size_t n = CTL_MAX_REQUEST + 10;
	char *big = malloc(n);
	char *got;

	(void)state;
	memset(big, ' ', n);
	calls = 0;
	got = ctl_dispatch(cmds, 2, big, n, NULL);
	assert_string_equal(got, ERR("E2BIG", "request too long (65546 bytes, at most 65535)"));
	assert_int_equal(calls, 0);
	free(got);
	free(big);
}

static void
test_handled(void **state)
{
	(void)state;
	calls = 0;
	expect("{\"cmd\": \"guest.add\", \"args\": {\"name\": \"vm1\", \"queues\": 2}}",
	       "{\"ok\":true,\"result\":{\"name\":\"vm1\"}}");
	assert_int_equal(calls, 1);
	assert_int_equal(json_integer_value(json_object_get(seen_args, "queues")), 2);
	expect("{\"cmd\": \"guest.del\", \"args\": {\"name\": \"x\"}}",
	       ERR("ENOENT", "no guest named 'x'"));
	assert_int_equal(calls, 2);
	json_decref(seen_args);
	seen_args = NULL;
}

static void
test_describe(void **state)
{
	json_t *d = ctl_describe(cmds, 2);
	char *text = json_dumps(d, JSON_COMPACT);

	(void)state;
	assert_string_equal(text, "{\"commands\":[{\"name\":\"guest.add\",\"params\":["
		"{\"name\":\"name\",\"type\":\"string\",\"required\":true},"
		"{\"name\":\"queues\",\"type\":\"integer\",\"required\":false},"
		"{\"name\":\"persist\",\"type\":\"boolean\",\"required\":false}],"
		"\"help\":\"add a guest\"},{\"name\":\"guest.del\",\"params\":["
		"{\"name\":\"name\",\"type\":\"string\",\"required\":true}],"
		"\"help\":\"remove a guest\"}]}");
	free(text);
	json_decref(d);
	assert_string_equal(ctl_error_code(-ENOENT), "ENOENT");
	assert_string_equal(ctl_error_code(-EXDEV), "EIO");
}

/* Found by tests/fuzz/fuzz_ctl (regress/ctl/malformed-json-cut-utf8):
 * jansson's "near '...'" quotes the request cut inside a character, and
 * the answer must still be sent, with the broken byte as '?'. */
static void
test_error_not_utf8(void **state)
{
	static const char req[] = "{\"cmd\": \"guest.show\", \"args\": {\"name\": \"v\\u0\xd0\xa4\"}}";
	char *got;

	(void)state;
	calls = 0;
	got = ctl_dispatch(cmds, 2, req, strlen(req), NULL);
	assert_non_null(got);
	assert_string_equal(got, ERR("EINVAL", "malformed JSON at column 45: invalid escape "
				     "near '\\\"v\\\\u0?'"));
	free(got);
	got = ctl_error_answer(-ENOENT, "no guest named '\xe2\x82'\xff\xc3\xa9");
	assert_string_equal(got, ERR("ENOENT", "no guest named '?" "?'?\xc3\xa9"));
	free(got);
	assert_int_equal(calls, 0);
}

struct lines {
	char seen[8][32];
	unsigned int n;
	unsigned int fail_at;
};

static int
on_line(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	snprintf(l->seen[l->n], sizeof(l->seen[0]), "%.*s", (int)len, line);
	l->n++;
	return l->n == l->fail_at ? -EPIPE : 0;
}

static void
test_split_lines(void **state)
{
	struct lines l = { .n = 0 };
	char buf[16];
	size_t len;

	(void)state;
	/* Two lines and a partial one; the partial one finishes next read. */
	memcpy(buf, "ab\n\ncd\nef", 9);
	len = 9;
	assert_int_equal(ctl_split_lines(buf, &len, sizeof(buf), on_line, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.seen[0], "ab");
	assert_string_equal(l.seen[1], "");
	assert_string_equal(l.seen[2], "cd");
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "ef", 2);
	memcpy(buf + len, "g\nh", 3);
	len += 3;
	assert_int_equal(ctl_split_lines(buf, &len, sizeof(buf), on_line, &l), 0);
	assert_string_equal(l.seen[3], "efg");
	assert_int_equal(len, 1);

	/* A full buffer without a newline is a request too long. */
	memset(buf, 'x', sizeof(buf));
	len = sizeof(buf);
	assert_int_equal(ctl_split_lines(buf, &len, sizeof(buf), on_line, &l), -E2BIG);
	assert_int_equal(l.n, 4);
	/* ... but not when it ends a line exactly. */
	buf[sizeof(buf) - 1] = '\n';
	assert_int_equal(ctl_split_lines(buf, &len, sizeof(buf), on_line, &l), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(len, 0);

	/* An answer that cannot be sent stops there; the rest stays. */
	l = (struct lines){ .fail_at = 2 };
	memcpy(buf, "a\nb\nc\n", 6);
	len = 6;
	assert_int_equal(ctl_split_lines(buf, &len, sizeof(buf), on_line, &l), -EPIPE);
	assert_int_equal(l.n, 2);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "c\n", 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejected_before_handler),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_handled),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_error_not_utf8),
		cmocka_unit_test(test_split_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
