/* SPDX-License-Identifier: BSD-3-Clause */
/* The control dispatcher: every bad request is answered with an error and
 * never reaches a handler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejected_before_handler),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_handled),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
