/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_GUEST_WHY_H
#define VHOSTD_GUEST_WHY_H

/* guest_why.c: drop attribution per guest (include/vhostd/why.h), sampled
 * once a second by the main thread. */

#include <jansson.h>

#include "vhostd/why.h"

struct vhostd;
struct guest;

/* Main thread, from the main loop: a tick for every guest once a second
 * (takes d->lock). */
void guest_why_sample(struct vhostd *d);
/* The last WHY_TICKS seconds of g.  Caller holds d->lock. */
int guest_why_report(const struct guest *g, struct why_report *r);
/* guest.why's result (without the name), or NULL.  Caller holds d->lock. */
json_t *guest_why_json(const struct guest *g);
/* Frames lost by direction and cause since g was added, and its stalls
 * (guest.list, for Prometheus).  Caller holds d->lock. */
json_t *guest_why_totals_json(const struct guest *g);

#endif
