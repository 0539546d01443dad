/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PORT_H
#define VHOSTD_PORT_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/*
 * The burst boundary between the forwarding loop and the libraries that move
 * packets (librte_vhost, ethdev).  rte_eth_rx_burst is static inline and
 * cannot be wrapped by the linker, so the loop calls ports through this
 * table; unit tests hand it fake ports.  One indirect call per burst.
 *
 * Queue numbers are queue pairs: for a guest, rx dequeues from the guest's
 * TX virtqueue (vring 2q+1) and tx enqueues into its RX virtqueue (2q).
 */
struct vport_ops {
	uint16_t (*rx)(uint16_t id, uint16_t q, struct rte_mempool *mp,
		       struct rte_mbuf **pkts, uint16_t n);
	/* Returns how many of pkts[] the port took; it owns (frees) those.
	 * The caller still owns pkts[ret..n). */
	uint16_t (*tx)(uint16_t id, uint16_t q, struct rte_mbuf **pkts, uint16_t n);
	/* Make pkts ready for tx, as rte_eth_tx_prepare (pseudo-header sums
	 * for the device's offloads; its limits checked).  Returns how many
	 * leading frames are ready: pkts[ret], when ret < n, is refused and
	 * the ones after it were not looked at.  NULL: nothing to prepare. */
	uint16_t (*prepare)(uint16_t id, uint16_t q, struct rte_mbuf **pkts, uint16_t n);
	/* A worker starts polling queue pair q (may be NULL).  Returns 0 when
	 * done, so it is not called again for this poll list. */
	int (*poll_start)(uint16_t id, uint16_t q);
	/* Ask queue q to notify us (on) or not (off) when frames arrive: a
	 * guest's kicks on its TX vring, an uplink's RX interrupt.  May be
	 * NULL (the queue cannot notify).  Called by a worker about to sleep
	 * (notify.c), never on the fast path. */
	int (*notify)(uint16_t id, uint16_t q, bool on);
};

extern const struct vport_ops vhost_port_ops;
extern const struct vport_ops ethdev_port_ops;
extern const struct vport_ops ethdev_offload_port_ops;	/* with prepare */

#endif
