/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CAPTURE_H
#define VHOSTD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct vhostd;
struct guest;

/* Start capturing a guest's frames into a new pcapng file (absolute path,
 * created with O_EXCL); count 0 = until capture_stop().  Caller holds
 * d->lock.  0 or -errno with a message. */
int capture_start(struct vhostd *d, struct guest *g, const char *path, uint64_t count,
		  char *err, size_t errlen);
/* Stop and close; -ENOENT if none.  *last (if not NULL) gets the final
 * numbers, after the last frames were written.  Caller holds d->lock. */
int capture_stop(struct vhostd *d, struct guest *g, json_t **last);
/* Any capture running (the main loop then drains more often). */
bool capture_active(struct vhostd *d);
/* Main loop: write out what workers copied; close captures that are done. */
void capture_poll(struct vhostd *d);
/* {"file", "written", "limit", "lost"} or null. */
json_t *capture_json(const struct guest *g);

#endif
