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

#define OFFLOAD_FLAGS (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG | \
		       RTE_MBUF_F_TX_IP_CKSUM)

static inline bool
offload_pending(const struct rte_mbuf *m)
{
	return (m->ol_flags & OFFLOAD_FLAGS) != 0;
}

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
