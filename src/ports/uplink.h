/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PORTS_UPLINK_H
#define VHOSTD_PORTS_UPLINK_H

/*
 * The ethdev adapter (uplink.c): the only file that talks to ethdev.  The
 * layers above get an uplink ready in three steps and read what the device
 * says through the functions below, never through rte_eth_* themselves.
 * The caller owns the struct uplink and gives the mempool: uplink.c
 * includes and calls nothing above src/ports.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_spinlock.h>

#include "vhostd/config.h"
#include "vhostd/limits.h"
#include "vhostd/placement.h"
#include "vhostd/ratelimit.h"
#include "vhostd/stats.h"

struct rte_mempool;

struct uplink {
	struct config_uplink cfg;
	uint16_t index;
	uint16_t port;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t nb_rxd;		/* descriptors per queue, as the device took them */
	uint16_t nb_txd;
	unsigned int nb_workers;	/* counter blocks in stats */
	int socket;
	bool started;
	bool shared_txq;		/* fewer TX queues than workers */
	bool rx_intr;			/* every RX queue has an interrupt fd */
	uint64_t tx_offloads;		/* RTE_ETH_TX_OFFLOAD_* enabled: the device
					 * finishes these for guests */
	bool rx_partial_csum;		/* may receive unfinished checksums
					 * (net_af_packet, offload.h) */
	struct rte_mempool *pool;
	struct ratelimit log_limit;	/* bad frames from the wire (datapath.c) */
	struct queue_place place[VHOSTD_MAX_QUEUES];	/* RX queues (place.h) */
	rte_spinlock_t txlock[VHOSTD_MAX_WORKERS];
	struct port_stats *stats;	/* one block per worker */
	struct port_stats base;		/* subtracted: set by a stats reset */
};

/*
 * 1. Probe: find the port the EAL made of cfg->device, check that it has
 *    the queues the config asks for, learn its NUMA node (u->socket: the
 *    caller picks the mempool there).  nb_workers: one TX queue and one
 *    counter block each.  uplink_close() undoes a failed probe too.
 * 2. Configure: queues, RSS, MTU, offloads; RX queues fill from pool.
 * 3. Start: the device, its RX interrupts, promiscuous mode.
 *    idle_backoff_max_us is only for the log line of a device without RX
 *    interrupts.
 */
int uplink_probe(struct uplink *u, const struct config_uplink *cfg, uint16_t index,
		 unsigned int nb_workers);
int uplink_configure(struct uplink *u, struct rte_mempool *pool);
int uplink_start(struct uplink *u, unsigned int idle_backoff_max_us);
void uplink_close(struct uplink *u);

/* Data bytes an mbuf needs for the device's RX beyond what the MTU asks
 * (net_af_packet: its ring frame size), or 0.  Before the probe. */
unsigned int uplink_rx_room(const struct config_uplink *cfg);

/* The fd that becomes readable when RX queue q has frames (epoll), or -1
 * when the device has no RX interrupts. */
int uplink_rx_intr_fd(const struct uplink *u, uint16_t q);

/* Counters since the last reset (per-worker blocks summed, minus base). */
void uplink_counters(const struct uplink *u, struct port_stats *out);
void uplink_counters_reset(struct uplink *u);
void uplink_print_stats(const struct uplink *u, FILE *f);

/* What the device says about itself now (uplink list/show). */
struct uplink_facts {
	const char *driver;		/* "?" when the device does not say */
	bool link_up;
	uint32_t speed_mbps;
	uint8_t mac[6];
	uint16_t mtu;			/* 0: unknown */
	bool promiscuous;
};
void uplink_facts(const struct uplink *u, struct uplink_facts *f);

/* The device's own loss counters: frames it had no descriptor or no mbuf
 * for (rx_missed), frames it failed to send (tx_errors).  -errno when it
 * cannot tell or is not started. */
int uplink_device_losses(const struct uplink *u, uint64_t *rx_missed, uint64_t *tx_errors);

/* Descriptors waiting for a worker in the fullest RX queue read, or -1 when
 * the driver cannot tell (-ENOTSUP on most virtual devices).  Read-only. */
int uplink_rx_backlog(const struct uplink *u);

#endif
