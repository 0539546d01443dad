/* SPDX-License-Identifier: BSD-3-Clause */
/* Drop attribution: each counter lands in its cause and direction, the
 * dominant cause, and the sentence an operator reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vhostd/why.h"

#define SEC	1000000000ULL

static struct why_tick
tick(void)
{
	struct why_tick t = { .ns = SEC, .worker = 0, .busy_pct = 30, .backlog = -1 };

	return t;
}

static void
test_each_reason_has_a_cause(void **state)
{
	(void)state;
	/* Every drop reason but uplink_tx_full (counted on the uplink) is
	 * classified: nothing a guest counts is left out of the sum. */
	for (int d = 0; d < DROP_MAX; d++) {
		struct why_tick t = tick();
		uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES] = { { 0 } };
		uint64_t sum = 0;

		t.drops[d] = 7;
		why_classify(&t, lost);
		for (int dir = 0; dir < WHY_NB_DIRS; dir++)
			for (int c = 0; c < WHY_NB_CAUSES; c++)
				sum += lost[dir][c];
		assert_int_equal(sum, d == DROP_UPLINK_TX_FULL ? 0 : 7);
	}
}

static void
test_causes(void **state)
{
	struct why_tick t = tick();
	uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES] = { { 0 } };

	(void)state;
	t.drops[DROP_GUEST_RING_FULL] = 1;
	t.drops[DROP_NOT_READY] = 2;
	t.drops[DROP_SPOOFED] = 4;
	t.drops[DROP_UNKNOWN_DST] = 8;
	t.drops[DROP_NO_MBUF] = 16;
	t.uplink_tx_full = 32;
	t.nic_tx_errors = 64;
	t.nic_rx_missed = 128;
	why_classify(&t, lost);
	assert_int_equal(lost[WHY_RX][WHY_GUEST], 1);
	assert_int_equal(lost[WHY_RX][WHY_POLICY], 2);
	assert_int_equal(lost[WHY_TX][WHY_POLICY], 12);
	assert_int_equal(lost[WHY_TX][WHY_HOST], 16);
	assert_int_equal(lost[WHY_TX][WHY_WIRE], 32);
	/* Missed by the NIC while the worker idled: the wire's. */
	assert_int_equal(lost[WHY_RX][WHY_WIRE], 128);
	assert_int_equal(lost[WHY_RX][WHY_HOST], 0);

	/* ... while it was saturated: the host's. */
	memset(lost, 0, sizeof(lost));
	t.busy_pct = 99;
	why_classify(&t, lost);
	assert_int_equal(lost[WHY_RX][WHY_HOST], 128);
	assert_int_equal(lost[WHY_RX][WHY_WIRE], 0);
}

static void
test_rate_limit_direction(void **state)
{
	struct why_tick t = tick();
	uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES] = { { 0 } };

	(void)state;
	t.drops[DROP_RATE_LIMITED] = 5;
	t.limits = WHY_LIMIT_RX;
	why_classify(&t, lost);
	assert_int_equal(lost[WHY_RX][WHY_POLICY], 5);
	t.limits = WHY_LIMIT_TX;
	why_classify(&t, lost);
	assert_int_equal(lost[WHY_TX][WHY_POLICY], 5);
}

static void
test_guest_slow_sentence(void **state)
{
	struct why_tick t[10];
	struct why_report r;
	char s[512];

	(void)state;
	for (int i = 0; i < 10; i++) {
		t[i] = tick();
		t[i].rx_pkts = 98765;
		t[i].tx_pkts = 10;
		t[i].busy_pct = 34;
		if (i < 8) {
			t[i].drops[DROP_GUEST_RING_FULL] = 1500;
			t[i].rx_ring_full = true;
		}
	}
	t[3].drops[DROP_RATE_LIMITED] = 45;
	t[3].limits = WHY_LIMIT_RX;
	why_summarize(t, 10, &r);
	assert_int_equal(r.cause, WHY_GUEST);
	assert_int_equal(r.dir, WHY_RX);
	assert_int_equal(r.guest_slow_ns, 8 * SEC);
	assert_int_equal(r.lost[WHY_RX][WHY_GUEST], 12000);
	assert_int_equal(why_offered(&r, WHY_RX), 987650 + 12000 + 45);
	assert_int_equal(why_offered(&r, WHY_TX), 100);
	why_sentence(&r, "vm1", s, sizeof(s));
	assert_string_equal(s, "vm1 lost 12,045 of 999,695 frames to it in the last 10 s "
			    "(1.2 %): mostly guest slow: its RX ring was full for 8.0 s "
			    "(12,000 drops, guest_ring_full); worker 0 busy 34 %.");
}

static void
test_policy_and_wire_sentences(void **state)
{
	struct why_tick t = tick();
	struct why_report r;
	char s[512];

	(void)state;
	t.tx_pkts = 1000;
	t.drops[DROP_RATE_LIMITED] = 600;
	t.drops[DROP_SPOOFED] = 3;
	t.limits = WHY_LIMIT_TX;
	why_summarize(&t, 1, &r);
	assert_int_equal(r.cause, WHY_POLICY);
	assert_int_equal(r.dir, WHY_TX);
	why_sentence(&r, "vm2", s, sizeof(s));
	assert_string_equal(s, "vm2 lost 603 of 1,000 frames from it in the last 1 s (60.3 %): "
			    "mostly policy: 3 spoofed, 600 rate_limited; worker 0 busy 30 %.");

	t = tick();
	t.tx_pkts = 2000;
	t.uplink_tx_full = 1990;
	why_summarize(&t, 1, &r);
	assert_int_equal(r.cause, WHY_WIRE);
	assert_int_equal(r.delivered[WHY_TX], 10);
	why_sentence(&r, "vm3", s, sizeof(s));
	assert_string_equal(s, "vm3 lost 1,990 of 2,000 frames from it in the last 1 s (99.5 %): "
			    "mostly wire: the uplink's TX queue was full (1,990 drops, "
			    "uplink_tx_full), the NIC missed 0 and failed to send 0; worker 0 "
			    "busy 30 %.");
}

static void
test_host_stall_without_loss(void **state)
{
	struct why_tick t[3];
	struct why_report r;
	char s[512];

	(void)state;
	for (int i = 0; i < 3; i++) {
		t[i] = tick();
		t[i].busy_pct = 100;
		t[i].worker = 1;
		t[i].tx_ring_full = i > 0;
		t[i].tx_pkts = 5000;
	}
	why_summarize(t, 3, &r);
	assert_int_equal(r.cause, WHY_HOST);
	assert_int_equal(r.dir, WHY_TX);
	why_sentence(&r, "vm4", s, sizeof(s));
	assert_string_equal(s, "vm4 lost nothing in the last 3 s but stalled: mostly host slow: "
			    "worker 1 was saturated for 3.0 s, the guest's TX ring full for 2.0 s "
			    "of it; worker 1 busy 100 %.");
}

static void
test_quiet(void **state)
{
	struct why_tick t = tick();
	struct why_report r;
	char s[512];

	(void)state;
	why_summarize(&t, 0, &r);
	why_sentence(&r, "vm5", s, sizeof(s));
	assert_non_null(strstr(s, "no interval measured yet"));
	t.rx_pkts = 1234567;
	why_summarize(&t, 1, &r);
	assert_int_equal(r.cause, WHY_NONE);
	why_sentence(&r, "vm5", s, sizeof(s));
	assert_string_equal(s, "vm5 lost nothing in the last 1 s (1,234,567 frames to it, 0 "
			    "from it); worker 0 busy 30 %.");
	assert_string_equal(why_cause_name(WHY_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_reason_has_a_cause),
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_rate_limit_direction),
		cmocka_unit_test(test_guest_slow_sentence),
		cmocka_unit_test(test_policy_and_wire_sentences),
		cmocka_unit_test(test_host_stall_without_loss),
		cmocka_unit_test(test_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
