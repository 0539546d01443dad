/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-bench's reports: the JSON is well formed and carries the numbers;
 * the table has a row per guest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

/* ---- a strict RFC 8259 checker, enough for one object per line ---- */

static const char *value(const char *p);

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF", p[i]) == NULL || !p[i])
						return NULL;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL || !*p) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *
number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *
members(const char *p, char close, bool keyed)
{
	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keyed) {
			p = string(ws(p));
			if (p == NULL)
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = value(p);
		if (p == NULL)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
value(const char *p)
{
	p = ws(p);
	switch (*p) {
	case '{':
		return members(p + 1, '}', true);
	case '[':
		return members(p + 1, ']', false);
	case '"':
		return string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return number(p);
	}
}

/* One object, on one line ending in '\n'. */
static void
assert_json_line(const char *s)
{
	const char *end = value(s);

	if (end == NULL || s[0] != '{' || strcmp(end, "\n") != 0 ||
	    strchr(s, '\n') != s + strlen(s) - 1)
		fail_msg("not one JSON object per line: %s", s);
}

static void
test_checker(void **state)
{
	(void)state;
	assert_non_null(value("{\"a\":[1,2.5,-3,{\"b\":null}],\"c\":\"x\\\"\\u0001\"}"));
	assert_null(value("{\"a\":1,}"));
	assert_null(value("{\"a\":01}"));
	assert_null(value("{\"a\":nan}"));
	assert_null(value("{\"a\":\"\x01\"}"));
	assert_null(value("{a:1}"));
}

/* ---- reports ---- */

static char *
capture(void (*fn)(FILE *, const struct report *, bool), const struct report *r, bool json)
{
	FILE *f = tmpfile();
	char *buf;
	long len;

	assert_non_null(f);
	fn(f, r, json);
	len = ftell(f);
	assert_true(len > 0);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)len, f), len);
	fclose(f);
	return buf;
}

#define HZ 2000000000ull

static void
two_guests(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->type = "stats";
	r->mode = "loopback";
	r->running = true;
	r->cycles = 2 * HZ;			/* 2 s */
	r->hz = HZ;
	r->pktlen = 64;
	r->burst = 32;
	r->nb_guests = 2;
	r->guests[0] = (struct report_guest){ .name = "g0", .socket = "/tmp/a \"b\".sock",
		.queues = 1, .c = { .tx_pkts = 4000000, .tx_bytes = 256000000, .tx_bursts = 125000,
		.tx_full = 12500, .rx_pkts = 3000000, .rx_bytes = 192000000, .rx_polls = 200,
		.rx_empty = 50 } };
	r->guests[1] = (struct report_guest){ .name = "g1", .socket = "/tmp/c\\d\n.sock",
		.packed = true, .queues = 2, .c = { .tx_pkts = 2000000, .rx_pkts = 1000000 } };
}

static void
test_stats_json(void **state)
{
	struct report r;
	char *out;

	(void)state;
	two_guests(&r);
	out = capture(report_stats, &r, true);
	assert_json_line(out);
	assert_non_null(strstr(out, "\"type\":\"stats\",\"mode\":\"loopback\",\"running\":true,"
				   "\"elapsed_s\":2.000,\"tsc_hz\":2000000000,\"pktlen\":64,"
				   "\"burst\":32"));
	/* Escaped socket paths. */
	assert_non_null(strstr(out, "\"socket\":\"/tmp/a \\\"b\\\".sock\""));
	assert_non_null(strstr(out, "\"socket\":\"/tmp/c\\\\d\\u000a.sock\""));
	/* 4 M in 2 s = 2 Mpps; 256 MB in 2 s = 1.024 Gbit/s; 10 % short bursts. */
	assert_non_null(strstr(out, "\"name\":\"g0\",\"socket\":"));
	assert_non_null(strstr(out, "\"ring\":\"split\",\"queues\":1,\"tx_pkts\":4000000,"));
	assert_non_null(strstr(out, "\"tx_mpps\":2.0000,\"rx_mpps\":1.5000,\"tx_gbps\":1.0240"));
	assert_non_null(strstr(out, "\"tx_full_pct\":10.00"));
	assert_non_null(strstr(out, "\"rx_empty_pct\":25.00"));
	assert_non_null(strstr(out, "\"ring\":\"packed\",\"queues\":2"));
	assert_non_null(strstr(out, "\"total\":{\"tx_pkts\":6000000,"));
	assert_non_null(strstr(out, "\"tx_mpps\":3.0000,\"rx_mpps\":2.0000"));
	assert_null(strstr(out, "\"latency\""));
	free(out);
}

static void
test_never_started(void **state)
{
	struct report r;
	char *out;

	(void)state;
	two_guests(&r);
	r.mode = NULL;
	r.running = false;
	r.cycles = 0;
	memset(&r.guests[0].c, 0, sizeof(r.guests[0].c));
	memset(&r.guests[1].c, 0, sizeof(r.guests[1].c));
	out = capture(report_stats, &r, true);
	assert_json_line(out);
	assert_non_null(strstr(out, "\"mode\":null,\"running\":false,\"elapsed_s\":0.000"));
	assert_non_null(strstr(out, "\"tx_mpps\":0.0000"));
	free(out);
	out = capture(report_latency, &r, true);
	assert_json_line(out);
	assert_non_null(strstr(out, "\"samples\":0,"));
	free(out);
}

static void
test_latency(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	struct report r;
	char *out;

	(void)state;
	assert_non_null(h);
	hist_init(h);
	/* 1000 round trips of 1..1000 us at 2 GHz (2000 cycles per us). */
	for (uint64_t us = 1; us <= 1000; us++)
		hist_add(h, us * 2000);
	two_guests(&r);
	r.mode = "latency";
	r.lat = h;
	out = capture(report_latency, &r, true);
	assert_json_line(out);
	assert_non_null(strstr(out, "{\"type\":\"latency\",\"mode\":\"latency\",\"samples\":1000,"
				   "\"min_us\":1.000,\"mean_us\":500.500,"));
	assert_non_null(strstr(out, "\"max_us\":1000.000}"));
	/* p50 is 500 us within one bucket (0.8 %). */
	{
		double p50 = strtod(strstr(out, "\"p50_us\":") + 9, NULL);
		double p999 = strtod(strstr(out, "\"p999_us\":") + 10, NULL);

		assert_true(p50 >= 500.0 && p50 <= 504.0);
		assert_true(p999 >= 999.0 && p999 <= 1000.0);
	}
	free(out);
	/* A stats report of a latency run carries the same section. */
	out = capture(report_stats, &r, true);
	assert_json_line(out);
	assert_non_null(strstr(out, ",\"latency\":{\"samples\":1000,"));
	free(out);
	out = capture(report_latency, &r, false);
	assert_non_null(strstr(out, "latency: 1000 round trips, us: min 1.00  mean 500.50"));
	free(out);
	free(h);
}

static void
test_table(void **state)
{
	struct report r;
	char *out, *line;

	(void)state;
	two_guests(&r);
	out = capture(report_stats, &r, false);
	assert_non_null(strstr(out, "stats: loopback, 64 B, burst 32, rate unlimited, 2.000 s "
				   "(running)\n"));
	line = strstr(out, "\ng0 ");
	assert_non_null(line);
	assert_non_null(strstr(line, "split"));
	assert_non_null(strstr(line, "4000000"));
	assert_non_null(strstr(line, "2.000"));
	assert_non_null(strstr(out, "\ng1 "));
	assert_non_null(strstr(out, "\ntotal "));
	free(out);
	r.nb_guests = 1;
	r.rate_mpps = 1.5;
	r.type = "final";
	out = capture(report_stats, &r, false);
	assert_non_null(strstr(out, "final: loopback, 64 B, burst 32, rate 1.500 Mpps"));
	assert_null(strstr(out, "\ntotal "));	/* one guest: no total row */
	free(out);
}

static void
test_counters(void **state)
{
	struct bench_counters a = { .tx_pkts = 10, .rx_pkts = 5, .rx_foreign = 1 };
	struct bench_counters b = { .tx_pkts = 3, .rx_pkts = 2 };
	struct bench_counters c;

	(void)state;
	report_counters_load(&c, &a);
	assert_memory_equal(&c, &a, sizeof(a));
	report_counters_add(&c, &b);
	assert_int_equal(c.tx_pkts, 13);
	assert_int_equal(c.rx_pkts, 7);
	report_counters_sub(&c, &a);
	assert_memory_equal(&c, &b, sizeof(b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_never_started),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
