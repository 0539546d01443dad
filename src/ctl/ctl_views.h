/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CTL_VIEWS_H
#define VHOSTD_CTL_VIEWS_H

/* ctl_views.c: what the control commands show of guests, uplinks and
 * workers, as JSON (docs/control-protocol.md).  Caller holds d->lock. */

#include <jansson.h>

#include "vhostd/config.h"

struct vhostd;
struct guest;
struct uplink;
struct queue_place;

/* guest.list, guest.add / guest.show. */
json_t *ctl_view_guest_summary(struct vhostd *d, const struct guest *g);
json_t *ctl_view_guest_detail(struct vhostd *d, struct guest *g);
/* uplink.list / uplink.show. */
json_t *ctl_view_uplink_summary(struct vhostd *d, const struct uplink *u);
json_t *ctl_view_uplink_detail(struct vhostd *d, struct uplink *u);
/* stats: counters since the last reset, each queue with its busy cycles. */
json_t *ctl_view_guest_counters(struct vhostd *d, struct guest *g);
json_t *ctl_view_uplink_counters(struct uplink *u);
/* Who polls each of nb receive queues, its pin and its load. */
json_t *ctl_view_polling(struct vhostd *d, const struct queue_place *place,
			 const struct config_affinity *a, unsigned int nb);
/* queue-affinity as the config writes it. */
json_t *ctl_view_affinity(const struct config_affinity *a);
/* workers: each worker, its queues and load; rebalancing and publishing. */
json_t *ctl_view_workers(struct vhostd *d);

#endif
