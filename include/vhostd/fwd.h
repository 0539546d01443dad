/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FWD_H
#define VHOSTD_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

/*
 * The forwarding decision for one uplink and the guests attached to it.
 * Pure: no DPDK, no packets, only Ethernet addresses, so it is unit-tested
 * directly.  Guests are named by a small index chosen by the caller.
 */

#define FWD_NONE UINT16_MAX

/* Open addressing, at most half full: a lookup touches one or two slots. */
#define FWD_SLOTS (4 * VHOSTD_MAX_GUESTS)

struct fwd_table {
	uint16_t nb_guests;			/* attached guests, MAC or not */
	uint16_t guests[VHOSTD_MAX_GUESTS];	/* flood list */
	uint16_t pipe;				/* the only guest, or FWD_NONE */
	struct {
		uint64_t mac;			/* 48-bit key; 0 = empty */
		uint16_t guest;
	} slot[FWD_SLOTS];
};

enum fwd_action {
	FWD_TO_GUEST,		/* one guest: decision.guest */
	FWD_TO_UPLINK,		/* out of the uplink */
	FWD_FLOOD,		/* broadcast/multicast: every guest but the source (+ uplink) */
	FWD_DROP_UNKNOWN,	/* unicast to nobody we know */
	FWD_DROP_SPOOFED,	/* source MAC is not the guest's */
	FWD_DROP_RUNT,		/* shorter than an Ethernet header */
};

struct fwd_decision {
	enum fwd_action action;
	uint16_t guest;
};

void fwd_table_init(struct fwd_table *t);

/* Attach a guest; mac may be NULL (the guest gets broadcast only, or pipe).
 * -EEXIST if the MAC is taken, -ENOSPC if full. */
int fwd_table_add(struct fwd_table *t, uint16_t guest, const uint8_t *mac);

/* Guest owning mac, or FWD_NONE. */
uint16_t fwd_lookup(const struct fwd_table *t, const uint8_t *mac);

/* A frame received on the uplink.  len is the frame length. */
struct fwd_decision fwd_from_uplink(const struct fwd_table *t,
				    const uint8_t *frame, uint32_t len);

/* A frame sent by guest src; guest_mac is its configured MAC (or NULL). */
struct fwd_decision fwd_from_guest(const struct fwd_table *t, uint16_t src,
				   const uint8_t *guest_mac, bool mac_check,
				   const uint8_t *frame, uint32_t len);

/*
 * Does this frame announce that its source MAC is now here?  RARP (what
 * librte_vhost injects after a migration when QEMU asks, SEND_RARP) or a
 * gratuitous ARP (sender IP == target IP: VIRTIO_NET_F_GUEST_ANNOUNCE, or
 * any guest taking over an address).
 */
bool fwd_is_announce(const uint8_t *frame, uint32_t len);

static inline bool
fwd_is_multicast(const uint8_t *mac)
{
	return (mac[0] & 0x01) != 0;	/* IEEE 802: I/G bit, broadcast included */
}

#endif
