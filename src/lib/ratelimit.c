/* SPDX-License-Identifier: BSD-3-Clause */
/* Rate-limited logging of guest misbehaviour (see ratelimit.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <rte_log.h>

#include "vhostd/ratelimit.h"

extern int vhostd_logtype;

#define NS_PER_S 1000000000ull

bool
ratelimit_pass(struct ratelimit *rl, uint64_t now_ns, uint64_t *suppressed)
{
	bool pass;

	if (__atomic_test_and_set(&rl->busy, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&rl->suppressed, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (rl->start_ns == 0 || now_ns - rl->start_ns >= RATELIMIT_INTERVAL_S * NS_PER_S) {
		rl->start_ns = now_ns != 0 ? now_ns : 1;
		rl->printed = 0;
	}
	pass = rl->printed < RATELIMIT_BURST;
	if (pass) {
		rl->printed++;
		*suppressed = __atomic_exchange_n(&rl->suppressed, 0, __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_add(&rl->suppressed, 1, __ATOMIC_RELAXED);
	}
	__atomic_clear(&rl->busy, __ATOMIC_RELEASE);
	return pass;
}

void
ratelimit_log(struct ratelimit *rl, uint32_t level, const char *fmt, ...)
{
	struct timespec ts;
	uint64_t held = 0;
	char msg[512];
	va_list ap;

	/* The coarse clock: no system call, and 4 ms are plenty here. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (!ratelimit_pass(rl, (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec, &held))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (held != 0)
		rte_log(level, vhostd_logtype, "vhostd: %s (and %" PRIu64 " more not logged "
			"since the last)\n", msg, held);
	else
		rte_log(level, vhostd_logtype, "vhostd: %s\n", msg);
}
