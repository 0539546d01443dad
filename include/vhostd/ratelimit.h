/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_RATELIMIT_H
#define VHOSTD_RATELIMIT_H

/*
 * Guest misbehaviour is logged through one cold function, rate-limited
 * (Linux's vq_err / net_ratelimit habit): at most RATELIMIT_BURST messages
 * per RATELIMIT_INTERVAL_S seconds per limiter, the next one that goes out
 * says how many were held back.  A guest sending bad frames at line rate
 * then costs the journal a few lines, and the worker no write per frame.
 *
 * One limiter per guest or uplink (in its struct guest / struct uplink),
 * shared by every worker: a worker that finds it busy counts its message
 * as suppressed instead of waiting.
 */

#include <stdbool.h>
#include <stdint.h>

/* Linux's DEFAULT_RATELIMIT_BURST and DEFAULT_RATELIMIT_INTERVAL. */
#define RATELIMIT_BURST		10
#define RATELIMIT_INTERVAL_S	5

struct ratelimit {
	uint8_t busy;			/* a worker is in ratelimit_pass() */
	uint32_t printed;		/* messages out in the current interval */
	uint64_t start_ns;		/* of the current interval; 0: none yet */
	uint64_t suppressed;		/* held back since the last one out */
};

/*
 * May a message go out at now_ns (CLOCK_MONOTONIC)?  When it may,
 * *suppressed is how many were held back before it (reset).
 */
bool ratelimit_pass(struct ratelimit *rl, uint64_t now_ns, uint64_t *suppressed);

/* Log at level (RTE_LOG_*) through rl; the vhostd log type and prefix, as LOG(). */
void ratelimit_log(struct ratelimit *rl, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), cold));

#endif
