/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-bench's frames: valid Ethernet/IPv4/UDP headers and stamps. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pkt.h"

static const struct pkt_params params = {
	.src_mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 },
	.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 },
	.src_ip = 0xc6120001,		/* 198.18.0.1 */
	.dst_ip = 0xc6130001,		/* 198.19.0.1 */
	.src_port = 1024,
	.dst_port = 9,
	.len = 64,
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
test_headers(void **state)
{
	uint8_t f[PKT_TEMPLATE_LEN];
	const uint8_t *ip = f + 14, *udp = f + 34;

	(void)state;
	assert_int_equal(pkt_build(f, &params), 0);
	assert_memory_equal(f, params.dst_mac, 6);
	assert_memory_equal(f + 6, params.src_mac, 6);
	assert_int_equal(get16(f + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(get16(ip + 2), 50);		/* 64 - 14 */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 17);
	assert_int_equal(get16(ip + 12), 0xc612);
	assert_int_equal(get16(ip + 14), 0x0001);
	assert_int_equal(get16(ip + 16), 0xc613);
	/* A header with its checksum in place sums to 0xffff (RFC 1071). */
	assert_int_equal(pkt_ipv4_cksum(ip), 0);
	assert_int_not_equal(get16(ip + 10), 0);
	assert_int_equal(get16(udp), 1024);
	assert_int_equal(get16(udp + 2), 9);
	assert_int_equal(get16(udp + 4), 30);		/* 64 - 14 - 20 */
	assert_int_equal(get16(udp + 6), 0);		/* no UDP checksum */
}

static void
test_known_checksum(void **state)
{
	/* The worked example from RFC 1071's usual illustration (Wikipedia's
	 * IPv4 header checksum example): 0xb861. */
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	(void)state;
	assert_int_equal(pkt_ipv4_cksum(hdr), 0xb861);
}

static void
test_lengths(void **state)
{
	struct pkt_params p = params;
	uint8_t f[PKT_TEMPLATE_LEN];

	(void)state;
	p.len = 1518;
	assert_int_equal(pkt_build(f, &p), 0);
	assert_int_equal(get16(f + 16), 1504);
	assert_int_equal(get16(f + 38), 1484);
	assert_int_equal(pkt_ipv4_cksum(f + 14), 0);
	p.len = PKT_TEMPLATE_LEN;
	assert_int_equal(pkt_build(f, &p), 0);
	p.len = PKT_TEMPLATE_LEN - 1;
	assert_int_equal(pkt_build(f, &p), -EINVAL);
}

static void
test_stamp(void **state)
{
	uint8_t f[128] = { 0 };
	uint16_t id;
	uint64_t tsc;

	(void)state;
	assert_int_equal(pkt_build(f, &params), 0);
	assert_true(pkt_read_stamp(f, 64, &id, &tsc));
	assert_int_equal(id, 0);
	assert_int_equal(tsc, 0);
	pkt_stamp(f, 513, 0x0123456789abcdefull);
	assert_true(pkt_read_stamp(f, 64, &id, &tsc));
	assert_int_equal(id, 513);
	assert_int_equal(tsc, 0x0123456789abcdefull);
	/* The stamp is in the payload: headers unchanged. */
	assert_int_equal(pkt_ipv4_cksum(f + 14), 0);

	assert_false(pkt_read_stamp(f, PKT_TEMPLATE_LEN - 1, &id, &tsc));	/* short */
	f[PKT_HDR_LEN] ^= 1;
	assert_false(pkt_read_stamp(f, 64, &id, &tsc));				/* magic */
	f[PKT_HDR_LEN] ^= 1;
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_false(pkt_read_stamp(f, 64, &id, &tsc));				/* IPv6 */
	f[12] = 0x08;
	f[13] = 0x00;
	f[23] = 6;
	assert_false(pkt_read_stamp(f, 64, &id, &tsc));				/* TCP */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_known_checksum),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_stamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
