/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_OFFLOAD_H
#define VHOSTD_OFFLOAD_H

/*
 * Finishing a guest's offloads where the destination cannot.  A guest that
 * negotiated CSUM / HOST_TSO hands over frames with a partial L4 checksum
 * (the pseudo-header sum in the checksum field) or 64 KiB TCP frames;
 * librte_vhost describes them with mbuf TX flags.  Before such a frame goes
 * to an uplink without the matching TX offload, or to a guest that did not
 * negotiate GUEST_CSUM / GUEST_TSO, it is finished here: checksums in
 * software, TCP/IPv4 segmentation with librte_gso.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_gso.h>
#include <rte_mbuf.h>

#define OFFLOAD_SEG_FLAGS (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)
#define OFFLOAD_FLAGS (RTE_MBUF_F_TX_L4_MASK | OFFLOAD_SEG_FLAGS | RTE_MBUF_F_TX_IP_CKSUM)

/* A TSO frame becomes at most this many frames, segmented here or by the
 * device: 64 KiB at an MSS of 256.  At the smallest MSS Linux uses (88) it
 * would be 745; such frames are dropped as bad (offload_valid). */
#define OFFLOAD_MAX_FRAMES 256
/* ... and is at most this many mbufs: librte_vhost fills each mbuf before
 * it chains the next, so 64 KiB take 33 of the smallest (2 KiB) vhostd
 * makes.  More is a chain no device was asked to take. */
#define OFFLOAD_MAX_MBUFS 64

static inline bool
offload_pending(const struct rte_mbuf *m)
{
	return (m->ol_flags & OFFLOAD_FLAGS) != 0;
}

/* Bytes of m's L2, L3 and L4 headers, as its TSO request describes them. */
static inline uint32_t
offload_hdr_len(const struct rte_mbuf *m)
{
	return (uint32_t)m->l2_len + m->l3_len + m->l4_len;
}

/*
 * How many frames m is once segmented (by vhostd or the device): a TSO
 * frame's segments, 1 for any other.  Rate limits count these (tx-pps).
 */
static inline uint32_t
offload_frames(const struct rte_mbuf *m)
{
	uint32_t hdr = offload_hdr_len(m);

	if (!(m->ol_flags & OFFLOAD_SEG_FLAGS) || m->tso_segsz == 0 || m->pkt_len <= hdr)
		return 1;
	return (m->pkt_len - hdr + m->tso_segsz - 1) / m->tso_segsz;
}

/* ... and how many bytes: every segment carries a copy of the headers. */
static inline uint32_t
offload_bytes(const struct rte_mbuf *m, uint32_t frames)
{
	return m->pkt_len + (frames - 1) * offload_hdr_len(m);
}

/*
 * Is m's segmentation request one vhostd or a device may act on?  Checked
 * before a guest's TSO frame joins a burst that other guests' frames share
 * (a device's tx_prepare refusing it would stop the whole burst), and
 * before vhostd segments it.  librte_vhost 22.11 (vhost_dequeue_offload_legacy)
 * only checks gso_size != 0 and that the headers are in the first buffer;
 * here also: header lengths a real TCP/IP frame has, headers plus MSS
 * within 16 bits (librte_gso's gso_size and the IP length field: past
 * 65535 it wraps, and a wrapped size below the headers made librte_gso
 * send the whole frame as one, past the uplink's MTU), at most
 * OFFLOAD_MAX_FRAMES segments and OFFLOAD_MAX_MBUFS mbufs.  Frames with
 * checksum offloads only are always valid here (offload_finish_csum and
 * the device's tx_prepare check those).
 */
bool offload_valid(const struct rte_mbuf *m);

/* Compute the IPv4 header and L4 checksums the flags ask for, in the
 * packet; clear the flags.  0, or -EINVAL for a frame whose headers do not
 * match its flags (it is left as it was). */
int offload_finish_csum(struct rte_mbuf *m);

/*
 * Segment a TSO frame (TCP over IPv4) into frames of at most tso_segsz
 * payload, each with its checksums finished.  On success returns the
 * number of segments in out[] and drops m's reference (the segments hold
 * the payload); 0 if m needed no segmenting (its checksums are finished,
 * m stays); -errno on failure (m untouched).
 */
int offload_segment(struct rte_mbuf *m, struct rte_gso_ctx *ctx, struct rte_mbuf **out,
		    uint16_t max);

/*
 * Frames from a kernel interface read through a packet socket (net_af_packet)
 * may still carry a partial checksum: Linux hands a packet socket what the
 * sending stack left for the device to finish (CHECKSUM_PARTIAL, e.g. a veth
 * peer with TX checksumming on), with only the pseudo-header sum in the
 * TCP/UDP checksum field.  The ring says so (TP_STATUS_CSUMNOTREADY) but
 * net_af_packet 22.11 drops that status.  For each frame whose field holds
 * exactly its pseudo-header sum, set the TX flags and lengths a guest's own
 * partial checksum gets: the guest then receives it as
 * VIRTIO_NET_HDR_F_NEEDS_CSUM, or vhostd finishes it (guest without
 * GUEST_CSUM).  A complete checksum that equals the pseudo-header sum by
 * chance is marked too, harmlessly: finishing it yields the same value.
 * Returns how many frames were marked.
 */
uint16_t offload_rx_mark_partial(struct rte_mbuf **pkts, uint16_t n);

#endif
