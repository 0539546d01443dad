/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-bench's command table and parser. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmd.h"

static struct cmd
ok(const char *line)
{
	char err[256];
	struct cmd c;

	if (cmd_parse(line, &c, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", line, err);
	assert_string_equal(err, "");
	return c;
}

/* The command is refused and the reason contains want. */
static void
refused(const char *line, const char *want)
{
	char err[256];
	struct cmd c;

	if (cmd_parse(line, &c, err, sizeof(err)) != -EINVAL)
		fail_msg("'%s' accepted", line);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': reason '%s' does not mention '%s'", line, err, want);
}

static void
test_every_command(void **state)
{
	/* The commands that take nothing or one number (d, 0 when none). */
	static const struct {
		const char *line;
		enum cmd_op op;
		double d;
	} plain[] = {
		{ "stop", CMD_STOP, 0 },
		{ "set trial 0.3", CMD_SET_TRIAL, 0.3 },
		{ "set resolution 0.01", CMD_SET_RESOLUTION, 0.01 },
		{ "ndr", CMD_NDR, 0 },
		{ "pdr 0.5", CMD_PDR, 0.5 },
		{ "show stats", CMD_SHOW_STATS, 0 },
		{ "show latency", CMD_SHOW_LATENCY, 0 },
		{ "show config", CMD_SHOW_CONFIG, 0 },
		{ "clear stats", CMD_CLEAR_STATS, 0 },
		{ "sleep 2.5", CMD_SLEEP, 2.5 },
		{ "help", CMD_HELP, 0 },
		{ "quit", CMD_QUIT, 0 },
	};
	struct cmd c;

	(void)state;
	c = ok("set pktlen 64");
	assert_int_equal(c.op, CMD_SET_PKTLEN);
	assert_int_equal(c.u, 64);
	c = ok("set pktlen 1518");
	assert_int_equal(c.u, 1518);
	c = ok("set burst 32");
	assert_int_equal(c.op, CMD_SET_BURST);
	assert_int_equal(c.u, 32);
	c = ok("set rate 14.88");
	assert_int_equal(c.op, CMD_SET_RATE);
	assert_true(c.d > 14.879 && c.d < 14.881);
	c = ok("set rate 0");
	assert_true(c.d == 0.0);
	c = ok("set rate .5");
	assert_true(c.d == 0.5);
	c = ok("set dstmac 02:00:00:00:00:99");
	assert_int_equal(c.op, CMD_SET_DSTMAC);
	assert_false(c.mac_self);
	assert_int_equal(c.mac[0], 0x02);
	assert_int_equal(c.mac[5], 0x99);
	c = ok("set dstmac self");
	assert_true(c.mac_self);
	assert_false(c.mac_peer);
	c = ok("set dstmac peer");
	assert_true(c.mac_peer);
	assert_false(c.mac_self);
	for (int m = 0; m < MODE_MAX; m++) {
		char line[64];

		snprintf(line, sizeof(line), "start %s", cmd_mode_names[m]);
		c = ok(line);
		assert_int_equal(c.op, CMD_START);
		assert_int_equal(c.mode, m);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		c = ok(plain[i].line);
		assert_int_equal(c.op, plain[i].op);
		if (plain[i].d != 0)
			assert_true(c.d == plain[i].d);
	}
}

static void
test_blanks_and_comments(void **state)
{
	(void)state;
	assert_int_equal(ok("").op, CMD_NONE);
	assert_int_equal(ok("   \t ").op, CMD_NONE);
	assert_int_equal(ok("# a comment").op, CMD_NONE);
	assert_int_equal(ok("  stop   # and a comment").op, CMD_NONE + CMD_STOP);
	assert_int_equal(ok("\tset   pktlen\t128\r\n").u, 128);
}

static void
test_ranges(void **state)
{
	(void)state;
	assert_int_equal(ok("set pktlen 60").u, 60);
	assert_int_equal(ok("set pktlen 2048").u, 2048);
	refused("set pktlen 59", "out of range (expected 60 to 2048)");
	refused("set pktlen 2049", "out of range");
	refused("set pktlen 99999999999999999999999", "not a number");
	refused("set pktlen -1", "not a number");
	refused("set pktlen +64", "not a number");
	refused("set pktlen 0x40", "not a number");
	refused("set pktlen 64B", "not a number");
	refused("set burst 0", "out of range (expected 1 to 256)");
	refused("set burst 257", "out of range");
	assert_int_equal(ok("set burst 256").u, 256);
	refused("set rate -1", "not a number");
	refused("set rate 1e3", "not a number");
	refused("set rate nan", "not a number");
	refused("set rate inf", "not a number");
	refused("set rate 1.2.3", "not a number");
	refused("set rate .", "not a number");
	refused("set rate 1000.5", "out of range");
	refused("sleep 86401", "out of range");
	/* A trial, a resolution or a loss ratio of 0 would search nothing. */
	refused("set trial 0", "out of range (expected more than 0, up to 3600)");
	refused("set trial 3601", "out of range");
	refused("set resolution 0.0", "out of range");
	refused("pdr 0", "out of range");
	refused("pdr 100", "out of range");
	refused("pdr", "missing argument (usage: pdr LOSS%)");
	refused("ndr 5", "unexpected '5'");
	refused("set dstmac 02:00:00:00:00", "not a MAC address");
	refused("set dstmac 02:00:00:00:00:0g", "not a MAC address");
	refused("set dstmac 02:00:00:00:00:001", "not a MAC address");
	refused("start warp", "not a mode (expected txonly, rxonly, loopback or latency)");
}

static void
test_shape_errors(void **state)
{
	char line[400];

	(void)state;
	refused("frobnicate", "unknown command 'frobnicate' (try 'help')");
	refused("set", "set: expected one of: pktlen, burst, rate, dstmac");
	refused("set foo 1", "(not 'foo')");
	refused("show", "show: expected one of: stats, latency, config");
	refused("set pktlen", "missing argument (usage: set pktlen BYTES)");
	refused("start", "missing argument");
	refused("set pktlen 64 65", "unexpected '65'");
	refused("stop now", "stop: unexpected 'now'");
	refused("quit please", "unexpected");
	refused("a b c d e", "too many words");
	refused("STOP", "unknown command");	/* case matters, as in testpmd */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	refused(line, "line too long");
}

static void
test_error_leaves_no_half_command(void **state)
{
	char err[256];
	struct cmd c;

	(void)state;
	c.op = CMD_QUIT;
	assert_int_equal(cmd_parse("set pktlen 10", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(c.op, CMD_NONE);
}

struct pieces {
	unsigned int n;
	char got[8][64];
	unsigned int stop_at;
};

static int
collect(const char *piece, void *arg)
{
	struct pieces *p = arg;

	snprintf(p->got[p->n], sizeof(p->got[0]), "%s", piece);
	p->n++;
	return p->n == p->stop_at ? 7 : 0;
}

static void
test_split(void **state)
{
	struct pieces p = { 0 };

	(void)state;
	assert_int_equal(cmd_split("set pktlen 64; start txonly\n\n# a; comment\n"
				   "sleep 1 # c; d\n;;stop", collect, &p), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.got[0], "set pktlen 64");
	assert_string_equal(p.got[1], " start txonly");
	assert_string_equal(p.got[2], "sleep 1 ");
	assert_string_equal(p.got[3], "stop");

	memset(&p, 0, sizeof(p));
	p.stop_at = 2;
	assert_int_equal(cmd_split("a;b;c", collect, &p), 7);
	assert_int_equal(p.n, 2);

	memset(&p, 0, sizeof(p));
	assert_int_equal(cmd_split("", collect, &p), 0);
	assert_int_equal(p.n, 0);
}

static int
check(const char *piece, void *arg)
{
	char err[256];
	struct cmd c;

	(void)arg;
	return cmd_parse(piece, &c, err, sizeof(err));
}

static void
test_split_long_piece_is_refused(void **state)
{
	char text[CMD_LINE_MAX + 50];

	(void)state;
	/* A piece past the line limit must fail, never run shortened. */
	memset(text, ' ', sizeof(text) - 1);
	memcpy(text, "stop", 4);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(cmd_split(text, check, NULL), -EINVAL);
}

static void
test_table(void **state)
{
	const char *kw[16];
	unsigned int n;

	(void)state;
	/* Every usage starts with the command's words; every op is there once. */
	for (unsigned int i = 0; i < cmd_table_len; i++) {
		assert_int_equal(strncmp(cmd_table[i].usage, cmd_table[i].words,
					 strlen(cmd_table[i].words)), 0);
		assert_non_null(cmd_table[i].help);
		for (unsigned int j = i + 1; j < cmd_table_len; j++) {
			assert_int_not_equal(cmd_table[i].op, cmd_table[j].op);
			assert_string_not_equal(cmd_table[i].words, cmd_table[j].words);
		}
	}
	n = cmd_keywords(kw, 16);
	assert_int_equal(n, 10);
	assert_string_equal(kw[0], "set");
	assert_string_equal(kw[1], "start");
	assert_string_equal(kw[2], "stop");
	assert_string_equal(kw[3], "ndr");
	assert_string_equal(kw[4], "pdr");
	assert_string_equal(kw[5], "show");
	assert_string_equal(kw[6], "clear");
	assert_string_equal(kw[7], "sleep");
	assert_string_equal(kw[8], "help");
	assert_string_equal(kw[9], "quit");
	assert_int_equal(cmd_keywords(kw, 3), 3);
}

static void
test_mac(void **state)
{
	uint8_t m[6];

	(void)state;
	assert_true(cmd_parse_mac("52:54:00:12:34:56", m));
	assert_int_equal(m[0], 0x52);
	assert_int_equal(m[5], 0x56);
	assert_true(cmd_parse_mac("AA:bb:CC:dd:EE:ff", m));
	assert_int_equal(m[0], 0xaa);
	assert_false(cmd_parse_mac("52:54:00:12:34", m));
	assert_false(cmd_parse_mac("52:54:00:12:34:56:78", m));
	assert_false(cmd_parse_mac("52-54-00-12-34-56", m));
	assert_false(cmd_parse_mac("5:54:00:12:34:56", m));
	assert_false(cmd_parse_mac("", m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_blanks_and_comments),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_error_leaves_no_half_command),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_long_piece_is_refused),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
