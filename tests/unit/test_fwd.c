/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/fwd.h"

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_x[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static void
frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0, 64);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
}

/* The table test_from_uplink and test_from_guest start from: guest 0 has
 * mac_a, guest 1 mac_b. */
static int
two_guests(void **state)
{
	static struct fwd_table t;

	fwd_table_init(&t);
	if (fwd_table_add(&t, 0, mac_a) != 0 || fwd_table_add(&t, 1, mac_b) != 0)
		return -1;
	*state = &t;
	return 0;
}

static void
assert_to_guest(struct fwd_decision d, unsigned int guest)
{
	assert_int_equal(d.action, FWD_TO_GUEST);
	assert_int_equal(d.guest, guest);
}

static void
test_table(void **state)
{
	struct fwd_table t;

	(void)state;
	fwd_table_init(&t);
	assert_int_equal(fwd_lookup(&t, mac_a), FWD_NONE);
	assert_int_equal(fwd_table_add(&t, 3, mac_a), 0);
	assert_int_equal(t.pipe, 3);
	assert_int_equal(fwd_table_add(&t, 5, mac_b), 0);
	assert_int_equal(t.pipe, FWD_NONE);
	assert_int_equal(fwd_table_add(&t, 6, mac_a), -EEXIST);
	assert_int_equal(fwd_table_add(&t, 6, bcast), -EINVAL);
	assert_int_equal(fwd_table_add(&t, 7, NULL), 0);	/* no MAC: flood only */
	assert_int_equal(fwd_lookup(&t, mac_a), 3);
	assert_int_equal(fwd_lookup(&t, mac_b), 5);
	assert_int_equal(fwd_lookup(&t, mac_x), FWD_NONE);
	assert_int_equal(t.nb_guests, 3);
}

static void
test_table_full(void **state)
{
	struct fwd_table t;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };

	(void)state;
	fwd_table_init(&t);
	for (unsigned int i = 0; i < VHOSTD_MAX_GUESTS; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		assert_int_equal(fwd_table_add(&t, (uint16_t)i, mac), 0);
	}
	mac[5] = 0xfe;
	mac[4] = 0xfe;
	assert_int_equal(fwd_table_add(&t, 999, mac), -ENOSPC);
	for (unsigned int i = 0; i < VHOSTD_MAX_GUESTS; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		assert_int_equal(fwd_lookup(&t, mac), i);
	}
}

static void
test_from_uplink(void **state)
{
	const struct fwd_table *t = *state;
	uint8_t f[64];

	frame(f, mac_b, mac_x);
	assert_to_guest(fwd_from_uplink(t, f, 64), 1);
	frame(f, mac_x, mac_a);
	assert_int_equal(fwd_from_uplink(t, f, 64).action, FWD_DROP_UNKNOWN);
	frame(f, bcast, mac_x);
	assert_int_equal(fwd_from_uplink(t, f, 64).action, FWD_FLOOD);
	frame(f, mcast, mac_x);
	assert_int_equal(fwd_from_uplink(t, f, 64).action, FWD_FLOOD);
	assert_int_equal(fwd_from_uplink(t, f, 13).action, FWD_DROP_RUNT);
}

static void
test_pipe(void **state)
{
	struct fwd_table t;
	uint8_t f[64];

	(void)state;
	/* One guest on the uplink: everything goes to it, whatever the MAC. */
	fwd_table_init(&t);
	fwd_table_add(&t, 4, NULL);
	frame(f, mac_x, mac_a);
	assert_to_guest(fwd_from_uplink(&t, f, 64), 4);
	/* A guest alone on an uplink sends broadcast to the wire only. */
	frame(f, bcast, mac_a);
	assert_int_equal(fwd_from_guest(&t, 4, NULL, false, f, 64).action, FWD_TO_UPLINK);
}

static void
test_from_guest(void **state)
{
	const struct fwd_table *t = *state;
	uint8_t f[64];

	/* To the other guest: local, never on the wire. */
	frame(f, mac_b, mac_a);
	assert_to_guest(fwd_from_guest(t, 0, mac_a, true, f, 64), 1);
	/* To an outside MAC: the uplink. */
	frame(f, mac_x, mac_a);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, true, f, 64).action, FWD_TO_UPLINK);
	/* To itself: hairpin is not delivered back, it goes out. */
	frame(f, mac_a, mac_a);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, true, f, 64).action, FWD_TO_UPLINK);
	/* Broadcast with two guests: flood. */
	frame(f, bcast, mac_a);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, true, f, 64).action, FWD_FLOOD);
	/* Spoofed source: dropped with mac-check, passed without. */
	frame(f, mac_x, mac_b);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, true, f, 64).action, FWD_DROP_SPOOFED);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, false, f, 64).action, FWD_TO_UPLINK);
	assert_int_equal(fwd_from_guest(t, 0, mac_a, true, f, 10).action, FWD_DROP_RUNT);
}

static void
test_announce(void **state)
{
	uint8_t f[64];

	(void)state;
	frame(f, bcast, mac_a);
	f[12] = 0x80;
	f[13] = 0x35;			/* RARP */
	assert_true(fwd_is_announce(f, 60));
	assert_false(fwd_is_announce(f, 13));
	/* Gratuitous ARP: sender IP 192.0.2.5 == target IP. */
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memcpy(f + 22, mac_a, 6);
	memcpy(f + 28, "\xc0\x00\x02\x05", 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, "\xc0\x00\x02\x05", 4);
	assert_true(fwd_is_announce(f, 60));
	assert_false(fwd_is_announce(f, 41));		/* truncated */
	/* An ordinary ARP request asks for another address. */
	f[41] = 0x06;
	assert_false(fwd_is_announce(f, 60));
	/* IPv4 is no announcement. */
	f[12] = 0x08;
	f[13] = 0x00;
	assert_false(fwd_is_announce(f, 60));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test_setup(test_from_uplink, two_guests),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test_setup(test_from_guest, two_guests),
		cmocka_unit_test(test_announce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
