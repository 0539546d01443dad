/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line -> request, for every command, and the usage errors; request
 * lines; answer decoding and exit statuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vhostctl.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static int
count(char *argv[])
{
	int n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

/* argv parses into the first protocol command `request` with these args. */
static void
expect_req(char *argv[], const char *request, const char *args)
{
	struct vctl_req req;
	char err[256] = "";
	char *s;
	int ret = vctl_parse(count(argv), argv, &req, err, sizeof(err));

	if (ret != 0)
		fail_msg("'%s ...' failed to parse (%d): %s", argv[0], ret, err);
	assert_non_null(req.cmd);
	assert_string_equal(req.cmd->requests[0], request);
	s = json_dumps(req.args, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(s);
	assert_string_equal(s, args);
	free(s);
	vctl_req_free(&req);
}

/* argv is a usage error with exactly this message. */
static void
expect_usage(char *argv[], const char *message)
{
	struct vctl_req req;
	char err[256] = "";
	int ret = vctl_parse(count(argv), argv, &req, err, sizeof(err));

	if (ret != -EINVAL)
		fail_msg("'%s ...' parsed (%d), expected: %s", argv[0], ret, message);
	assert_null(req.args);
	assert_string_equal(err, message);
}

static void
test_guest_add(void **state)
{
	(void)state;
	expect_req(ARGV("guest", "add", "vm1", "--socket", "/run/vhostd/vm1.sock",
			"--mode", "server", "--uplink", "up0"),
		   "guest.add",
		   "{\"mode\":\"server\",\"name\":\"vm1\",\"socket\":\"/run/vhostd/vm1.sock\","
		   "\"uplink\":\"up0\"}");
	/* Every option; options before the name; --opt=value. */
	expect_req(ARGV("guest", "add", "--socket=/s/vm2.sock", "--mode", "client", "vm2",
			"--uplink=up1", "--mac", "52:54:00:12:34:56", "--queues", "4",
			"--features", "-in-order, +packed-ring", "--no-mac-check", "--no-persist"),
		   "guest.add",
		   "{\"features\":\"-in-order, +packed-ring\",\"mac\":\"52:54:00:12:34:56\","
		   "\"mac_check\":false,\"mode\":\"client\",\"name\":\"vm2\",\"persist\":false,"
		   "\"queues\":4,\"socket\":\"/s/vm2.sock\",\"uplink\":\"up1\"}");
	/* Mode and uplink have defaults in vhostd (server; the only uplink). */
	expect_req(ARGV("guest", "add", "vm3", "--socket", "/s/3", "--mac-check"),
		   "guest.add", "{\"mac_check\":true,\"name\":\"vm3\",\"socket\":\"/s/3\"}");
	/* Values are vhostd's to judge: passed as given. */
	expect_req(ARGV("guest", "add", "vm4", "--socket", "rel", "--mac", "zz",
			"--queues", "-1", "--mode", "sideways"),
		   "guest.add",
		   "{\"mac\":\"zz\",\"mode\":\"sideways\",\"name\":\"vm4\",\"queues\":-1,"
		   "\"socket\":\"rel\"}");
	/* Socket permissions: the mode stays text, for vhostd to read as octal. */
	expect_req(ARGV("guest", "add", "vm6", "--socket", "/s/6", "--socket-owner",
			"libvirt-qemu", "--socket-group", "kvm", "--socket-mode", "0660"),
		   "guest.add",
		   "{\"name\":\"vm6\",\"socket\":\"/s/6\",\"socket_group\":\"kvm\","
		   "\"socket_mode\":\"0660\",\"socket_owner\":\"libvirt-qemu\"}");
	/* "--" ends the options: a name may start with a dash. */
	expect_req(ARGV("guest", "add", "--socket", "/s/5", "--", "-odd"),
		   "guest.add", "{\"name\":\"-odd\",\"socket\":\"/s/5\"}");
}

static void
test_guest_add_errors(void **state)
{
	(void)state;
	expect_usage(ARGV("guest", "add"), "'guest add' needs NAME");
	expect_usage(ARGV("guest", "add", "vm1"), "'guest add' needs --socket PATH");
	expect_usage(ARGV("guest", "add", "vm1", "--socket"),
		     "--socket needs a value (PATH)");
	expect_usage(ARGV("guest", "add", "vm1", "vm2", "--socket", "/s"),
		     "'guest add': unexpected argument 'vm2'");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--queues", "two"),
		     "--queues: 'two' is not a number");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--queues", "2x"),
		     "--queues: '2x' is not a number");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--queues", ""),
		     "--queues: '' is not a number");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--queues",
			  "99999999999999999999"),
		     "--queues: '99999999999999999999' is not a number");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--colour", "red"),
		     "'guest add' has no option '--colour'");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--sock", "/t"),
		     "'guest add' has no option '--sock'");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--socket", "/t"),
		     "--socket given twice");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--mac-check",
			  "--no-mac-check"),
		     "--no-mac-check repeats or contradicts an earlier option");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "--no-persist=yes"),
		     "--no-persist takes no value");
	expect_usage(ARGV("guest", "add", "vm1", "--socket", "/s", "-x"),
		     "'guest add' has no option '-x'");
}

static void
test_guest_other(void **state)
{
	(void)state;
	expect_req(ARGV("guest", "del", "vm1"), "guest.del", "{\"name\":\"vm1\"}");
	expect_req(ARGV("guest", "show", "vm1"), "guest.show", "{\"name\":\"vm1\"}");
	expect_req(ARGV("guest", "list"), "guest.list", "{}");
	expect_usage(ARGV("guest", "del"), "'guest del' needs NAME");
	expect_usage(ARGV("guest", "del", "a", "b"), "'guest del': unexpected argument 'b'");
	expect_usage(ARGV("guest", "show"), "'guest show' needs NAME");
	expect_usage(ARGV("guest", "list", "all"), "'guest list': unexpected argument 'all'");
	expect_usage(ARGV("guest", "list", "--reset"), "'guest list' has no option '--reset'");
	expect_usage(ARGV("guest"), "'guest' needs a subcommand");
	expect_usage(ARGV("guest", "frob"), "unknown command 'guest frob'");
}

static void
test_uplink(void **state)
{
	(void)state;
	expect_req(ARGV("uplink", "list"), "uplink.list", "{}");
	expect_req(ARGV("uplink", "show", "up0"), "uplink.show", "{\"name\":\"up0\"}");
	expect_usage(ARGV("uplink", "show"), "'uplink show' needs NAME");
	expect_usage(ARGV("uplink", "add", "up1"), "unknown command 'uplink add'");
	expect_usage(ARGV("uplink"), "'uplink' needs a subcommand");
}

static void
test_stats(void **state)
{
	(void)state;
	expect_req(ARGV("stats"), "stats", "{}");
	expect_req(ARGV("stats", "--reset"), "stats", "{\"reset\":true}");
	expect_req(ARGV("stats", "guest", "vm1"), "stats",
		   "{\"kind\":\"guest\",\"name\":\"vm1\"}");
	expect_req(ARGV("stats", "uplink", "up0", "--reset"), "stats",
		   "{\"kind\":\"uplink\",\"name\":\"up0\",\"reset\":true}");
	expect_req(ARGV("stats", "--reset", "guest", "vm1"), "stats",
		   "{\"kind\":\"guest\",\"name\":\"vm1\",\"reset\":true}");
	expect_usage(ARGV("stats", "guest"), "'stats': 'guest' needs NAME");
	expect_usage(ARGV("stats", "vm1", "x"), "'stats': 'vm1' is not guest|uplink");
	expect_usage(ARGV("stats", "vm1"), "'stats': 'vm1' is not guest|uplink");
	expect_usage(ARGV("stats", "guest", "vm1", "extra"),
		     "'stats': unexpected argument 'extra'");
	expect_usage(ARGV("stats", "--reset", "--reset"),
		     "--reset repeats or contradicts an earlier option");
	expect_usage(ARGV("stats", "--all"), "'stats' has no option '--all'");
}

static void
test_simple_commands(void **state)
{
	(void)state;
	expect_req(ARGV("workers"), "workers", "{}");
	expect_req(ARGV("guest", "affinity", "vm1", "0:1,1:0"), "guest.affinity",
		   "{\"affinity\":\"0:1,1:0\",\"name\":\"vm1\"}");
	expect_req(ARGV("uplink", "affinity", "up0", "none"), "uplink.affinity",
		   "{\"affinity\":\"none\",\"name\":\"up0\"}");
	expect_usage(ARGV("guest", "affinity", "vm1"), "'guest affinity' needs MAP");
	expect_req(ARGV("guest", "add", "vm7", "--socket", "/s/7", "--queue-affinity", "0:1"),
		   "guest.add", "{\"name\":\"vm7\",\"queue_affinity\":\"0:1\",\"socket\":\"/s/7\"}");
	expect_req(ARGV("version"), "version", "{}");
	expect_req(ARGV("log-level", "debug"), "log-level", "{\"level\":\"debug\"}");
	expect_req(ARGV("log-level", "8"), "log-level", "{\"level\":\"8\"}");
	expect_usage(ARGV("log-level"), "'log-level' needs LEVEL");
	expect_usage(ARGV("log-level", "info", "debug"),
		     "'log-level': unexpected argument 'debug'");
	expect_usage(ARGV("version", "now"), "'version': unexpected argument 'now'");
	expect_usage(ARGV("workers", "-j"), "'workers' has no option '-j'");
	expect_usage(ARGV("frobnicate"), "unknown command 'frobnicate'");
	expect_usage(ARGV(""), "unknown command ''");
}

static void
test_capture(void **state)
{
	char *cwd = getcwd(NULL, 0), *expected;

	(void)state;
	expect_req(ARGV("capture", "start", "vm1", "--write", "/tmp/vm1.pcapng", "--count", "100"),
		   "capture.start", "{\"count\":100,\"file\":\"/tmp/vm1.pcapng\",\"name\":\"vm1\"}");
	expect_req(ARGV("capture", "start", "-w", "/tmp/a.pcapng", "vm1"),
		   "capture.start", "{\"file\":\"/tmp/a.pcapng\",\"name\":\"vm1\"}");
	expect_req(ARGV("capture", "start", "vm1", "-w=/tmp/a", "-c", "0"),
		   "capture.start", "{\"count\":0,\"file\":\"/tmp/a\",\"name\":\"vm1\"}");
	/* A relative file is vhostctl's, not vhostd's: made absolute here. */
	assert_non_null(cwd);
	assert_true(asprintf(&expected, "{\"file\":\"%s%sdump.pcapng\",\"name\":\"vm1\"}", cwd,
			     strcmp(cwd, "/") ? "/" : "") > 0);
	expect_req(ARGV("capture", "start", "vm1", "-w", "dump.pcapng"), "capture.start", expected);
	free(expected);
	free(cwd);
	expect_req(ARGV("capture", "stop", "vm1"), "capture.stop", "{\"name\":\"vm1\"}");
	expect_usage(ARGV("capture", "start", "vm1"), "'capture start' needs --write FILE");
	expect_usage(ARGV("capture", "start", "vm1", "-w", "/a", "--write", "/b"),
		     "--write given twice");
	expect_usage(ARGV("capture", "start", "vm1", "-w", "/a", "-c", "many"),
		     "-c: 'many' is not a number");
	expect_usage(ARGV("capture", "stop"), "'capture stop' needs NAME");
	expect_usage(ARGV("capture", "vm1", "-w", "/a"), "unknown command 'capture vm1'");
}

static void
test_metrics_requests(void **state)
{
	struct vctl_req req;
	char err[256];

	(void)state;
	expect_req(ARGV("metrics"), "stats", "{}");
	assert_int_equal(vctl_parse(1, ARGV("metrics"), &req, err, sizeof(err)), 0);
	assert_string_equal(req.cmd->requests[1], "workers");
	assert_string_equal(req.cmd->requests[2], "guest.list");
	vctl_req_free(&req);
	expect_usage(ARGV("metrics", "--reset"), "'metrics' has no option '--reset'");
}

static void
test_help_and_empty(void **state)
{
	struct vctl_req req;
	char err[256];

	(void)state;
	assert_int_equal(vctl_parse(0, ARGV(NULL), &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no command given");
	assert_int_equal(vctl_parse(3, ARGV("guest", "add", "--help"), &req, err, sizeof(err)), 1);
	assert_string_equal(req.cmd->requests[0], "guest.add");
	assert_null(req.args);
	assert_int_equal(vctl_parse(2, ARGV("stats", "-h"), &req, err, sizeof(err)), 1);
	assert_string_equal(req.cmd->requests[0], "stats");
	/* After "--", -h is a name. */
	expect_req(ARGV("guest", "del", "--", "-h"), "guest.del", "{\"name\":\"-h\"}");
}

/* Every table entry: unique words, a printer, a request, a help line. */
static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < vctl_nb_commands; i++) {
		const struct vctl_cmd *a = &vctl_commands[i];

		assert_non_null(a->print);
		assert_non_null(a->requests[0]);
		assert_non_null(a->help);
		assert_non_null(a->synopsis);
		for (size_t j = i + 1; j < vctl_nb_commands; j++) {
			const struct vctl_cmd *b = &vctl_commands[j];

			if (strcmp(a->words[0], b->words[0]) != 0)
				continue;
			assert_non_null(a->words[1]);
			assert_non_null(b->words[1]);
			assert_string_not_equal(a->words[1], b->words[1]);
		}
	}
}

static void
test_request_line(void **state)
{
	json_t *args = json_pack("{s:s}", "name", "a\nb\"c");
	char *line, *big;
	size_t len;

	(void)state;
	assert_int_equal(vctl_request_line("version", NULL, &line, &len), 0);
	assert_string_equal(line, "{\"cmd\":\"version\"}\n");
	assert_int_equal(len, strlen(line));
	free(line);

	json_t *empty = json_object();
	assert_int_equal(vctl_request_line("guest.list", empty, &line, &len), 0);
	assert_string_equal(line, "{\"cmd\":\"guest.list\"}\n");
	free(line);
	json_decref(empty);

	/* A newline in a value is escaped: the only newline ends the line. */
	assert_int_equal(vctl_request_line("guest.show", args, &line, &len), 0);
	assert_string_equal(line, "{\"cmd\":\"guest.show\",\"args\":{\"name\":\"a\\nb\\\"c\"}}\n");
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
	free(line);
	json_decref(args);

	/* 65536 bytes with the newline is the limit. */
	size_t fixed = strlen("{\"cmd\":\"guest.add\",\"args\":{\"features\":\"\"}}\n");
	big = malloc(VCTL_MAX_REQUEST);
	assert_non_null(big);
	memset(big, 'x', VCTL_MAX_REQUEST - fixed);
	big[VCTL_MAX_REQUEST - fixed] = '\0';
	args = json_pack("{s:s}", "features", big);
	assert_int_equal(vctl_request_line("guest.add", args, &line, &len), 0);
	assert_int_equal(len, VCTL_MAX_REQUEST);
	free(line);
	json_decref(args);
	big[VCTL_MAX_REQUEST - fixed] = 'x';
	big[VCTL_MAX_REQUEST - fixed + 1] = '\0';
	args = json_pack("{s:s}", "features", big);
	assert_int_equal(vctl_request_line("guest.add", args, &line, &len), -E2BIG);
	assert_null(line);
	json_decref(args);
	free(big);
}

static void
expect_bad_reply(const char *answer, const char *message)
{
	struct vctl_reply r;
	char err[256] = "";

	assert_int_equal(vctl_reply_parse(answer, strlen(answer), &r, err, sizeof(err)), -EPROTO);
	assert_null(r.root);
	if (strncmp(err, message, strlen(message)) != 0)
		fail_msg("'%s': got '%s', expected '%s...'", answer, err, message);
}

static void
test_reply(void **state)
{
	const char *ok = "{\"ok\": true, \"result\": {\"level\": \"info\"}}";
	const char *no = "{\"ok\": false, \"error\": {\"code\": \"ENOENT\", "
			 "\"message\": \"no guest named 'vm9'\"}}";
	struct vctl_reply r;
	char err[256];

	(void)state;
	assert_int_equal(vctl_reply_parse(ok, strlen(ok), &r, err, sizeof(err)), 0);
	assert_true(r.ok);
	assert_string_equal(json_string_value(json_object_get(r.result, "level")), "info");
	vctl_reply_free(&r);
	assert_int_equal(vctl_reply_parse(no, strlen(no), &r, err, sizeof(err)), 0);
	assert_false(r.ok);
	assert_string_equal(r.code, "ENOENT");
	assert_string_equal(r.message, "no guest named 'vm9'");
	vctl_reply_free(&r);

	expect_bad_reply("", "answer is not JSON");
	expect_bad_reply("{\"ok\": tru", "answer is not JSON");
	expect_bad_reply("{\"ok\": true, \"ok\": true, \"result\": {}}", "answer is not JSON");
	expect_bad_reply("[1]", "answer is not a JSON object");
	expect_bad_reply("{\"result\": {}}", "answer has no boolean 'ok'");
	expect_bad_reply("{\"ok\": 1, \"result\": {}}", "answer has no boolean 'ok'");
	expect_bad_reply("{\"ok\": true}", "answer has no 'result' object");
	expect_bad_reply("{\"ok\": true, \"result\": []}", "answer has no 'result' object");
	expect_bad_reply("{\"ok\": false}", "error answer without");
	expect_bad_reply("{\"ok\": false, \"error\": {\"code\": \"EIO\"}}", "error answer without");
	expect_bad_reply("{\"ok\": false, \"error\": {\"code\": 5, \"message\": \"x\"}}",
			 "error answer without");
}

static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(vctl_exit_code("ENOENT"), VCTL_EXIT_ENOENT);
	assert_int_equal(vctl_exit_code("EEXIST"), VCTL_EXIT_EEXIST);
	assert_int_equal(vctl_exit_code("ENOSPC"), VCTL_EXIT_ENOSPC);
	assert_int_equal(vctl_exit_code("EBUSY"), VCTL_EXIT_EBUSY);
	assert_int_equal(vctl_exit_code("EINVAL"), VCTL_EXIT_ERROR);
	assert_int_equal(vctl_exit_code("EIO"), VCTL_EXIT_ERROR);
	assert_int_equal(vctl_exit_code("E2BIG"), VCTL_EXIT_ERROR);
	assert_int_equal(vctl_exit_code("ENEWCODE"), VCTL_EXIT_ERROR);
	assert_int_equal(vctl_exit_code(NULL), VCTL_EXIT_ERROR);
	/* The documented numbers (vhostctl(8)). */
	assert_int_equal(VCTL_EXIT_USAGE, 2);
	assert_int_equal(VCTL_EXIT_CONNECT, 3);
	assert_int_equal(VCTL_EXIT_ENOENT, 4);
	assert_int_equal(VCTL_EXIT_EEXIST, 5);
	assert_int_equal(VCTL_EXIT_ENOSPC, 6);
	assert_int_equal(VCTL_EXIT_EBUSY, 7);
	assert_int_equal(VCTL_EXIT_PROTOCOL, 8);
}

static void
test_usage_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	vctl_usage(f);
	fclose(f);
	for (size_t i = 0; i < vctl_nb_commands; i++)
		assert_non_null(strstr(buf, vctl_commands[i].help));
	assert_non_null(strstr(buf, "  guest add NAME --socket PATH"));
	assert_non_null(strstr(buf, "  stats [guest NAME | uplink NAME] [--reset]\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_add),
		cmocka_unit_test(test_guest_add_errors),
		cmocka_unit_test(test_guest_other),
		cmocka_unit_test(test_uplink),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_metrics_requests),
		cmocka_unit_test(test_help_and_empty),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_usage_text),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
