/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_PKT_H
#define VHOST_BENCH_PKT_H

/*
 * The frames vhost-bench sends: Ethernet / IPv4 / UDP (RFC 2544's
 * 198.18.0.0/15 benchmark addresses), IPv4 header checksum set, UDP
 * checksum 0 (none, allowed over IPv4).  The UDP payload starts with a
 * stamp: a magic number, the sending stream and the TSC at transmission;
 * latency mode reads it back.  Pure C, byte by byte, no DPDK headers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_LEN 14
#define PKT_HDR_LEN 42			/* Ethernet + IPv4 + UDP */
#define PKT_STAMP_LEN 16
#define PKT_TEMPLATE_LEN (PKT_HDR_LEN + PKT_STAMP_LEN)	/* copied per frame */
#define PKT_MAGIC 0x76626e68u		/* "vbnh" */
#define PKT_UDP_PORT 9			/* discard */

struct pkt_params {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip;		/* host order */
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;			/* whole frame, no FCS */
};

/* Writes the first PKT_TEMPLATE_LEN bytes of the frame (headers and a stamp
 * with stream 0, TSC 0).  Returns 0, or -EINVAL if len cannot hold them. */
int pkt_build(uint8_t tmpl[PKT_TEMPLATE_LEN], const struct pkt_params *p);

/* Stamp a frame built from the template. */
void pkt_stamp(uint8_t *frame, uint16_t stream, uint64_t tsc);

/* A frame of ours?  Then its stream and TSC. */
bool pkt_read_stamp(const uint8_t *frame, size_t len, uint16_t *stream, uint64_t *tsc);

/* RFC 1071 checksum of an IPv4 header (ihl 5), as stored. */
uint16_t pkt_ipv4_cksum(const uint8_t *ip);

#endif
