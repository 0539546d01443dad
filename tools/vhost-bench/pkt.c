/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame template and stamps (pure C). */
#include <errno.h>
#include <string.h>

#include "pkt.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t
pkt_ipv4_cksum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
pkt_build(uint8_t tmpl[PKT_TEMPLATE_LEN], const struct pkt_params *p)
{
	uint8_t *ip = tmpl + PKT_ETH_LEN, *udp = ip + 20;

	if (p->len < PKT_TEMPLATE_LEN)
		return -EINVAL;
	memset(tmpl, 0, PKT_TEMPLATE_LEN);
	memcpy(tmpl, p->dst_mac, 6);
	memcpy(tmpl + 6, p->src_mac, 6);
	put16(tmpl + 12, 0x0800);		/* IPv4 */
	ip[0] = 0x45;				/* version 4, 20-byte header */
	put16(ip + 2, (uint16_t)(p->len - PKT_ETH_LEN));
	put16(ip + 6, 0x4000);			/* DF, no fragments */
	ip[8] = 64;				/* TTL */
	ip[9] = 17;				/* UDP */
	put32(ip + 12, p->src_ip);
	put32(ip + 16, p->dst_ip);
	put16(ip + 10, pkt_ipv4_cksum(ip));
	put16(udp, p->src_port);
	put16(udp + 2, p->dst_port);
	put16(udp + 4, (uint16_t)(p->len - PKT_ETH_LEN - 20));
	/* udp + 6: checksum 0, none (RFC 768) */
	pkt_stamp(tmpl, 0, 0);
	return 0;
}

/* The stamp is in host order: it never leaves this process's view. */
void
pkt_stamp(uint8_t *frame, uint16_t stream, uint64_t tsc)
{
	uint8_t *s = frame + PKT_HDR_LEN;
	uint32_t magic = PKT_MAGIC;

	memcpy(s, &magic, 4);
	memcpy(s + 4, &stream, 2);
	memset(s + 6, 0, 2);
	memcpy(s + 8, &tsc, 8);
}

bool
pkt_read_stamp(const uint8_t *frame, size_t len, uint16_t *stream, uint64_t *tsc)
{
	const uint8_t *s = frame + PKT_HDR_LEN;
	uint32_t magic;

	if (len < PKT_TEMPLATE_LEN || frame[12] != 0x08 || frame[13] != 0x00 ||
	    frame[PKT_ETH_LEN + 9] != 17)
		return false;
	memcpy(&magic, s, 4);
	if (magic != PKT_MAGIC)
		return false;
	memcpy(stream, s + 4, 2);
	memcpy(tsc, s + 8, 8);
	return true;
}
