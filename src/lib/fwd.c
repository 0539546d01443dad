/* SPDX-License-Identifier: BSD-3-Clause */
/* MAC table and the forwarding decision (see include/vhostd/fwd.h). */
#include <errno.h>
#include <string.h>

#include "vhostd/fwd.h"

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
		uint64_t key = fwd_mac_key(mac);
		unsigned int i = fwd_mac_hash(key);

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

bool
fwd_is_announce(const uint8_t *frame, uint32_t len)
{
	uint16_t type;

	if (len < FWD_ETH_HLEN)
		return false;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == 0x8035)		/* RARP */
		return true;
	/* ARP for IPv4 over Ethernet: htype 1, ptype 0x0800, hlen 6, plen 4;
	 * sender IP at 14+14, target IP at 14+24. */
	if (type != 0x0806 || len < FWD_ETH_HLEN + 28)
		return false;
	if (frame[14] != 0 || frame[15] != 1 || frame[16] != 0x08 || frame[17] != 0 ||
	    frame[18] != 6 || frame[19] != 4)
		return false;
	return memcmp(frame + FWD_ETH_HLEN + 14, frame + FWD_ETH_HLEN + 24, 4) == 0;
}
