/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FWD_H
#define VHOSTD_FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "limits.h"

/*
 * The forwarding decision for one uplink and the guests attached to it.
 * Pure: no DPDK, no packets, only Ethernet addresses, so it is unit-tested
 * directly.  Guests are named by a small index chosen by the caller.
 */

#define FWD_NONE UINT16_MAX

/* Open addressing, at most half full: a lookup touches one or two slots.
 * A power of two (fwd_mac_hash masks with it). */
#define FWD_SLOTS 2048
_Static_assert((FWD_SLOTS & (FWD_SLOTS - 1)) == 0 && FWD_SLOTS >= 2 * VHOSTD_MAX_GUESTS,
	       "FWD_SLOTS: a power of two, at least twice the guests");

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

#define FWD_ETH_HLEN 14

static inline bool
fwd_is_multicast(const uint8_t *mac)
{
	return (mac[0] & 0x01) != 0;	/* IEEE 802: I/G bit, broadcast included */
}

/* The 48 bits of a MAC as a table key (0: the empty slot).  Two loads;
 * the byte order is the host's, the same for every key: on a little-endian
 * host, the first six bytes of any 8-byte load at mac, masked with
 * FWD_MAC_MASK. */
#define FWD_MAC_MASK 0xffffffffffffULL

static inline uint64_t
fwd_mac_key(const uint8_t *mac)
{
	uint32_t hi;
	uint16_t lo;

	memcpy(&hi, mac, sizeof(hi));
	memcpy(&lo, mac + 4, sizeof(lo));
	return (uint64_t)hi | (uint64_t)lo << 32;
}

/* a == b for two MACs: two loads each, where memcmp() is a call or a byte
 * loop. */
static inline bool
fwd_mac_eq(const uint8_t *a, const uint8_t *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	memcpy(&a4, a, sizeof(a4));
	memcpy(&b4, b, sizeof(b4));
	memcpy(&a2, a + 4, sizeof(a2));
	memcpy(&b2, b + 4, sizeof(b2));
	return ((a4 ^ b4) | (uint32_t)(a2 ^ b2)) == 0;
}

static inline unsigned int
fwd_mac_hash(uint64_t key)
{
	/* Guest MACs usually differ only in the last octets: mix them up. */
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 32;
	return (unsigned int)key & (FWD_SLOTS - 1);
}

/*
 * The lookups and decisions below run once per frame: inline, so that the
 * datapath pays no call and the compiler sees through the common cases.
 */

/* Guest owning mac, or FWD_NONE. */
static inline uint16_t
fwd_lookup(const struct fwd_table *t, const uint8_t *mac)
{
	uint64_t key = fwd_mac_key(mac);
	unsigned int i = fwd_mac_hash(key);

	while (t->slot[i].mac != 0) {
		if (t->slot[i].mac == key)
			return t->slot[i].guest;
		i = (i + 1) & (FWD_SLOTS - 1);
	}
	return FWD_NONE;
}

/* A frame received on the uplink.  len is the frame length. */
static inline struct fwd_decision
fwd_from_uplink(const struct fwd_table *t, const uint8_t *frame, uint32_t len)
{
	struct fwd_decision d = { FWD_DROP_UNKNOWN, FWD_NONE };

	if (t->pipe != FWD_NONE) {
		d.action = FWD_TO_GUEST;
		d.guest = t->pipe;
		return d;
	}
	if (len < FWD_ETH_HLEN) {
		d.action = FWD_DROP_RUNT;
		return d;
	}
	if (fwd_is_multicast(frame)) {
		d.action = FWD_FLOOD;
		return d;
	}
	d.guest = fwd_lookup(t, frame);
	if (d.guest != FWD_NONE)
		d.action = FWD_TO_GUEST;
	return d;
}

/* A frame sent by guest src; guest_mac is its configured MAC (or NULL). */
static inline struct fwd_decision
fwd_from_guest(const struct fwd_table *t, uint16_t src, const uint8_t *guest_mac,
	       bool mac_check, const uint8_t *frame, uint32_t len)
{
	struct fwd_decision d = { FWD_TO_UPLINK, FWD_NONE };

	if (len < FWD_ETH_HLEN) {
		d.action = FWD_DROP_RUNT;
		return d;
	}
	if (mac_check && guest_mac != NULL && !fwd_mac_eq(frame + 6, guest_mac)) {
		d.action = FWD_DROP_SPOOFED;
		return d;
	}
	/* Alone on its uplink (the VF case): everything goes to the wire; a
	 * lookup could only find the sender itself. */
	if (t->nb_guests <= 1)
		return d;
	if (fwd_is_multicast(frame)) {
		d.action = FWD_FLOOD;
		return d;
	}
	d.guest = fwd_lookup(t, frame);
	if (d.guest != FWD_NONE && d.guest != src)
		d.action = FWD_TO_GUEST;	/* local delivery, never hits the wire */
	else
		d.guest = FWD_NONE;
	return d;
}

/*
 * Does this frame announce that its source MAC is now here?  RARP (what
 * librte_vhost injects after a migration when QEMU asks, SEND_RARP) or a
 * gratuitous ARP (sender IP == target IP: VIRTIO_NET_F_GUEST_ANNOUNCE, or
 * any guest taking over an address).
 */
bool fwd_is_announce(const uint8_t *frame, uint32_t len);


#endif
