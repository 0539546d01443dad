/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CONTROL_LIFECYCLE_H
#define VHOSTD_CONTROL_LIFECYCLE_H

/*
 * A guest's life (lifecycle.c): add, delete, replay at start, and its
 * frontend's connect and disconnect, which librte_vhost's callbacks hand
 * here through the adapter (ports/vhost.h, struct vhost_events).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct vhostd;
struct guest;

/* Install the callbacks and the main thread's wake-up eventfd (d->event_fd). */
int lifecycle_init(struct vhostd *d);
/* Open the sockets of the configuration's guests (start-up). */
int lifecycle_start(struct vhostd *d);
/* Guests added at run time before a restart (the state directory) come back. */
void lifecycle_replay(struct vhostd *d);
/* Close every guest's socket (stop): their devices stop first. */
void lifecycle_stop(struct vhostd *d);
/* Main thread: apply the vring state changes on_vring_state recorded
 * (d->pending), and move MACs to the guests that announced them (live
 * migration): both republish when something changed. */
void lifecycle_apply_pending(struct vhostd *d);
void lifecycle_apply_announcements(struct vhostd *d);
/* guest.add: args (guest.add's parameters) checked as a [guest] section,
 * the guest started, and with persist saved in the state directory; a bad
 * request changes nothing (err says why). */
int lifecycle_guest_add(struct vhostd *d, json_t *args, bool persist, struct guest **out,
			char *err, size_t errlen);
/* guest.del: -ENOENT without such a guest. */
int lifecycle_guest_del(struct vhostd *d, const char *name, char *err, size_t errlen);

#endif
