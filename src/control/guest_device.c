/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest's vhost device as the control side reads it: the adapter
 * (ports/vhost.c) knows vids, this file knows which vid serves which guest
 * and when its memory is mapped (state RUNNING, under d->lock: the device
 * cannot be destroyed meanwhile).
 */
#include <errno.h>

#include "control/vhostd.h"

int
guest_vring_info(const struct guest *g, uint16_t vring, struct vring_info *vi)
{
	if (g->state != GUEST_RUNNING || vring >= g->nb_vrings)
		return -ENOENT;
	return vhost_vring_info(g->vid, g->features, vring, vi);
}

void
guest_device_info(const struct guest *g, uint64_t *protocol, uint16_t *mtu, int *numa)
{
	uint64_t features;

	*protocol = 0;
	*mtu = 0;
	*numa = -1;
	if (g->state != GUEST_RUNNING)
		return;
	vhost_device_features(g->vid, &features, protocol);
	if (vhost_device_mtu(g->vid, mtu) != 0)
		*mtu = 0;
	*numa = vhost_device_numa(g->vid);
}

json_t *
guest_vring_stats(const struct guest *g, uint16_t vring)
{
	return g->state == GUEST_RUNNING ? vhost_vring_stats(g->vid, vring) : json_null();
}

int
guest_kick_fd(const struct guest *g, uint16_t vring)
{
	return g->state == GUEST_RUNNING ? vhost_kick_fd(g->vid, vring) : -1;
}

uint64_t
guest_workers_kicks(const struct vhostd *d, uint16_t slot)
{
	uint64_t n = 0;

	for (unsigned int w = 0; w < d->nb_workers; w++)
		n += __atomic_load_n(&d->workers[w].kicks[slot], __ATOMIC_RELAXED);
	return n;
}

uint64_t
guest_kicks(struct vhostd *d, struct guest *g)
{
	/* Workers that sleep read the kicks of the TX vrings they wait on. */
	uint64_t seen = guest_workers_kicks(d, g->index), total = seen - g->kicks_read;

	g->kicks_read = seen;
	if (g->state != GUEST_RUNNING)
		return total;
	/* While we poll, nobody reads a vring's kick eventfd: its counter is the
	 * number of times the guest notified us since the last read.  With
	 * suppression working it stays near zero.  A guest in adaptive or
	 * interrupt mode has its TX kick eventfds read by the workers: reading
	 * them here would steal their wake-ups. */
	for (uint16_t i = 0; i < g->nb_vrings; i++)
		if (g->cfg.notify == NOTIFY_POLL || i % 2 == 0)
			total += vhost_vring_kicks(g->vid, i);
	return total;
}
