/* SPDX-License-Identifier: BSD-3-Clause */
/* MAC table and the forwarding decision (see include/vhostd/fwd.h). */
#include <errno.h>
#include <string.h>

#include "vhostd/fwd.h"

#define ETH_HLEN 14

static inline uint64_t
mac_key(const uint8_t *m)
{
	return ((uint64_t)m[0] << 40) | ((uint64_t)m[1] << 32) |
	       ((uint64_t)m[2] << 24) | ((uint64_t)m[3] << 16) |
	       ((uint64_t)m[4] << 8) | (uint64_t)m[5];
}

static inline unsigned int
mac_hash(uint64_t key)
{
	/* Guest MACs usually differ only in the last octets: mix them up. */
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 32;
	return (unsigned int)key & (FWD_SLOTS - 1);
}

void
fwd_table_init(struct fwd_table *t)
{
	memset(t, 0, sizeof(*t));
	t->pipe = FWD_NONE;
}

int
fwd_table_add(struct fwd_table *t, uint16_t guest, const uint8_t *mac)
{
	if (t->nb_guests >= VHOSTD_MAX_GUESTS)
		return -ENOSPC;
	if (mac != NULL) {
		uint64_t key = mac_key(mac);
		unsigned int i = mac_hash(key);

		if (key == 0 || fwd_is_multicast(mac))
			return -EINVAL;
		while (t->slot[i].mac != 0) {
			if (t->slot[i].mac == key)
				return -EEXIST;
			i = (i + 1) & (FWD_SLOTS - 1);
		}
		t->slot[i].mac = key;
		t->slot[i].guest = guest;
	}
	t->guests[t->nb_guests++] = guest;
	/* One guest behind an uplink (the VF case): the NIC already filtered. */
	t->pipe = t->nb_guests == 1 ? guest : FWD_NONE;
	return 0;
}

uint16_t
fwd_lookup(const struct fwd_table *t, const uint8_t *mac)
{
	uint64_t key = mac_key(mac);
	unsigned int i = mac_hash(key);

	while (t->slot[i].mac != 0) {
		if (t->slot[i].mac == key)
			return t->slot[i].guest;
		i = (i + 1) & (FWD_SLOTS - 1);
	}
	return FWD_NONE;
}

struct fwd_decision
fwd_from_uplink(const struct fwd_table *t, const uint8_t *frame, uint32_t len)
{
	struct fwd_decision d = { FWD_DROP_UNKNOWN, FWD_NONE };

	if (t->pipe != FWD_NONE) {
		d.action = FWD_TO_GUEST;
		d.guest = t->pipe;
		return d;
	}
	if (len < ETH_HLEN) {
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

struct fwd_decision
fwd_from_guest(const struct fwd_table *t, uint16_t src, const uint8_t *guest_mac,
	       bool mac_check, const uint8_t *frame, uint32_t len)
{
	struct fwd_decision d = { FWD_TO_UPLINK, FWD_NONE };

	if (len < ETH_HLEN) {
		d.action = FWD_DROP_RUNT;
		return d;
	}
	if (mac_check && guest_mac != NULL && memcmp(frame + 6, guest_mac, 6) != 0) {
		d.action = FWD_DROP_SPOOFED;
		return d;
	}
	if (fwd_is_multicast(frame)) {
		d.action = t->nb_guests > 1 ? FWD_FLOOD : FWD_TO_UPLINK;
		return d;
	}
	d.guest = fwd_lookup(t, frame);
	if (d.guest != FWD_NONE && d.guest != src)
		d.action = FWD_TO_GUEST;	/* local delivery, never hits the wire */
	else
		d.guest = FWD_NONE;
	return d;
}

bool
fwd_is_announce(const uint8_t *frame, uint32_t len)
{
	uint16_t type;

	if (len < ETH_HLEN)
		return false;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == 0x8035)		/* RARP */
		return true;
	/* ARP for IPv4 over Ethernet: htype 1, ptype 0x0800, hlen 6, plen 4;
	 * sender IP at 14+14, target IP at 14+24. */
	if (type != 0x0806 || len < ETH_HLEN + 28)
		return false;
	if (frame[14] != 0 || frame[15] != 1 || frame[16] != 0x08 || frame[17] != 0 ||
	    frame[18] != 6 || frame[19] != 4)
		return false;
	return memcmp(frame + ETH_HLEN + 14, frame + ETH_HLEN + 24, 4) == 0;
}
