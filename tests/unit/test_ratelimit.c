/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rate-limited log of guest misbehaviour (src/lib/ratelimit.c): a burst,
 * then silence until the interval is over, then a line that says how many
 * were held back; a limiter another worker holds counts the message as
 * held back.  And what reaches the log stream when a guest misbehaves at
 * line rate: a few lines, not one per frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_log.h>

#include "vhostd/ratelimit.h"

int vhostd_logtype = RTE_LOGTYPE_USER1;

#define S 1000000000ull

static void
test_burst_then_interval(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t held = 99, t = 7 * S;

	(void)state;
	for (int i = 0; i < RATELIMIT_BURST; i++) {
		assert_true(ratelimit_pass(&rl, t + (uint64_t)i, &held));
		assert_int_equal(held, 0);
	}
	assert_false(ratelimit_pass(&rl, t + 100, &held));
	assert_false(ratelimit_pass(&rl, t + RATELIMIT_INTERVAL_S * S - 1, &held));
	/* The next interval: a line again, which reports the two held back. */
	assert_true(ratelimit_pass(&rl, t + RATELIMIT_INTERVAL_S * S, &held));
	assert_int_equal(held, 2);
	assert_true(ratelimit_pass(&rl, t + RATELIMIT_INTERVAL_S * S + 1, &held));
	assert_int_equal(held, 0);
}

static void
test_busy_is_held_back(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t held = 0;

	(void)state;
	rl.busy = 1;		/* another worker is in it */
	assert_false(ratelimit_pass(&rl, S, &held));
	rl.busy = 0;
	assert_true(ratelimit_pass(&rl, S, &held));
	assert_int_equal(held, 1);
}

/* A million bad frames in a row: at most RATELIMIT_BURST lines. */
static void
test_log_bytes_bounded(void **state)
{
	struct ratelimit rl = { 0 };
	char *buf = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(rte_openlog_stream(f), 0);
	rte_log_set_level(vhostd_logtype, RTE_LOG_DEBUG);
	for (int i = 0; i < 1000000; i++)
		ratelimit_log(&rl, RTE_LOG_WARNING, "guest vm1: bad frame %d", i);
	rte_openlog_stream(NULL);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, RATELIMIT_BURST);
	assert_true(len < 64 * RATELIMIT_BURST);
	assert_non_null(strstr(buf, "vhostd: guest vm1: bad frame 0\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_interval),
		cmocka_unit_test(test_busy_is_held_back),
		cmocka_unit_test(test_log_bytes_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
