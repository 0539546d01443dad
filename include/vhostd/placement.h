/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PLACEMENT_H
#define VHOSTD_PLACEMENT_H

#include <stdint.h>

/*
 * Which worker polls which receive queue.  Pure functions over counts, so
 * they are unit-tested without threads.  An assignment, once made, stays
 * until its queue goes away: moving a queue costs a grace period and risks
 * reordering, so only the rebalancer (later) may do it.
 */

/* The least loaded worker (lowest index on ties). */
unsigned int placement_pick(const unsigned int *load, unsigned int nb_workers);

#endif
