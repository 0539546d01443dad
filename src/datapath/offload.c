/* SPDX-License-Identifier: BSD-3-Clause */
/* Software completion of guest offloads (see offload.h). */

/* rte_ipv4/6_udptcp_cksum_mbuf() (multi-segment frames) are experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "datapath/offload.h"

int
offload_finish_csum(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint32_t l4_off = m->l2_len + m->l3_len;
	uint16_t *field;
	char *hdr;

	/* Headers must sit in the first segment, as librte_vhost leaves them. */
	if (m->l2_len == 0 || m->l3_len == 0 || l4_off + sizeof(struct rte_udp_hdr) > m->data_len)
		return -EINVAL;
	hdr = rte_pktmbuf_mtod(m, char *);
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM) {
		if (l4_off + sizeof(struct rte_tcp_hdr) > m->data_len)
			return -EINVAL;
		field = &((struct rte_tcp_hdr *)(hdr + l4_off))->cksum;
	} else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
		field = &((struct rte_udp_hdr *)(hdr + l4_off))->dgram_cksum;
	} else if (l4 != 0) {
		return -EINVAL;		/* SCTP: not offered */
	} else {
		field = NULL;
	}

	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(hdr + m->l2_len);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (field != NULL) {
			*field = 0;
			*field = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
		}
	} else if (m->ol_flags & RTE_MBUF_F_TX_IPV6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(hdr + m->l2_len);

		if (field != NULL) {
			*field = 0;
			*field = rte_ipv6_udptcp_cksum_mbuf(m, ip, l4_off);
		}
	} else if (field != NULL) {
		return -EINVAL;
	}
	m->ol_flags &= ~OFFLOAD_FLAGS;
	return 0;
}

bool
offload_valid(const struct rte_mbuf *m)
{
	uint32_t hdr = offload_hdr_len(m);

	if (!(m->ol_flags & OFFLOAD_SEG_FLAGS))
		return true;
	if (m->tso_segsz == 0 || m->l2_len < RTE_ETHER_HDR_LEN ||
	    m->l3_len < sizeof(struct rte_ipv4_hdr))
		return false;
	/* TCP: data offset 5 to 15 words (RFC 9293, 3.1). */
	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	    (m->l4_len < sizeof(struct rte_tcp_hdr) || m->l4_len > 60))
		return false;
	if (hdr > m->data_len || hdr + m->tso_segsz > UINT16_MAX ||
	    m->pkt_len - m->l2_len > UINT16_MAX)
		return false;
	return m->nb_segs <= OFFLOAD_MAX_MBUFS && offload_frames(m) <= OFFLOAD_MAX_FRAMES;
}

int
offload_segment(struct rte_mbuf *m, struct rte_gso_ctx *ctx, struct rte_mbuf **out,
		uint16_t max)
{
	uint32_t gso_size = offload_hdr_len(m) + m->tso_segsz;
	int n;

	/* librte_gso 22.11 segments TCP over IPv4 (and tunnels), not IPv6. */
	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || !(m->ol_flags & RTE_MBUF_F_TX_IPV4) ||
	    m->tso_segsz == 0)
		return -ENOTSUP;
	/* gso_size is 16 bits: a sum past 65535 must not wrap into a size
	 * smaller than the headers (librte_gso then sends the frame whole). */
	if (gso_size > UINT16_MAX)
		return -EINVAL;
	ctx->gso_size = (uint16_t)gso_size;
	n = rte_gso_segment(m, ctx, out, max);
	if (n < 0)
		return n;
	if (n == 0) {
		/* Small enough already: only the checksums are left. */
		m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
		return offload_finish_csum(m);
	}
	/* Each segment is a copy of the headers (updated lengths, ids and
	 * sequence numbers) chained to a slice of the payload. */
	for (int i = 0; i < n; i++) {
		out[i]->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
		offload_finish_csum(out[i]);
	}
	rte_pktmbuf_free(m);	/* the segments hold what they need of it */
	return n;
}

/* What offload_rx_mark_partial() sets on a frame it marks. */
struct l4_desc {
	uint64_t flags;
	uint16_t phdr;		/* pseudo-header sum, as a partial checksum holds it */
	uint8_t l3_len;
	uint8_t l4_len;
};

/* The L4 checksum field of a TCP or UDP frame over IPv4 (no fragment) or
 * IPv6 (no extension header) whose headers are in the first segment, and
 * its description; NULL for any other frame. */
static uint16_t *
l4_csum_field(struct rte_mbuf *m, struct l4_desc *d)
{
	char *p = rte_pktmbuf_mtod(m, char *);
	uint32_t len = m->data_len, l3;
	uint8_t proto;

	if (len < RTE_ETHER_HDR_LEN)
		return NULL;
	switch (((struct rte_ether_hdr *)p)->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4): {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);

		if (len < RTE_ETHER_HDR_LEN + sizeof(*ip))
			return NULL;
		l3 = rte_ipv4_hdr_len(ip);
		if (l3 < sizeof(*ip) || rte_be_to_cpu_16(ip->total_length) < l3 ||
		    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return NULL;
		proto = ip->next_proto_id;
		d->phdr = rte_ipv4_phdr_cksum(ip, 0);
		d->flags = RTE_MBUF_F_TX_IPV4;
		break;
	}
	case RTE_BE16(RTE_ETHER_TYPE_IPV6): {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);

		if (len < RTE_ETHER_HDR_LEN + sizeof(*ip))
			return NULL;
		l3 = sizeof(*ip);
		proto = ip->proto;
		d->phdr = rte_ipv6_phdr_cksum(ip, 0);
		d->flags = RTE_MBUF_F_TX_IPV6;
		break;
	}
	default:
		return NULL;
	}
	d->l3_len = (uint8_t)l3;
	p += RTE_ETHER_HDR_LEN + l3;
	if (proto == IPPROTO_TCP && len >= RTE_ETHER_HDR_LEN + l3 + sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)p;

		d->flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		d->l4_len = (uint8_t)((th->data_off >> 4) * 4);
		return &th->cksum;
	}
	if (proto == IPPROTO_UDP && len >= RTE_ETHER_HDR_LEN + l3 + sizeof(struct rte_udp_hdr)) {
		d->flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		d->l4_len = sizeof(struct rte_udp_hdr);
		return &((struct rte_udp_hdr *)p)->dgram_cksum;
	}
	return NULL;
}

uint16_t
offload_rx_mark_partial(struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t marked = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct l4_desc d;
		uint16_t *field = l4_csum_field(m, &d);

		if (field == NULL || *field != d.phdr)
			continue;
		m->ol_flags |= d.flags;
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = d.l3_len;
		m->l4_len = d.l4_len;
		marked++;
	}
	return marked;
}
