/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_WHY_H
#define VHOSTD_WHY_H

/*
 * Why a guest loses frames (guest.why, docs/operations.md): every loss and
 * stall of the last seconds put in one of four causes, per direction.
 *
 *   guest   the guest is slow: its RX ring was full (drop_guest_ring_full)
 *           or it posted no RX buffer
 *   host    vhostd is slow: the worker serving the guest was saturated
 *           (frames the NIC missed meanwhile, our pool dry: drop_no_mbuf,
 *           the guest's TX ring left full)
 *   wire    the uplink is slow: its TX queue was full (drop_uplink_tx_full),
 *           the NIC missed frames while we were not busy (its TX errors
 *           are shown beside, not added)
 *   policy  vhostd refused them: rate limit, spoofed source, unknown
 *           destination, not ready, runt, an offload it could not finish
 *
 * The main thread samples counters once a second into a why_tick (the
 * change over that second); why_summarize() adds up the ticks kept and
 * why_sentence() names the dominant cause with its numbers.  Plain C, no
 * DPDK: the unit tests link it alone.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Seconds kept per guest: guest.why's "last interval". */
#define WHY_TICKS		10
/* A worker this busy over a second is saturated: it polls without a pause,
 * so whatever waits in its queues waits for it. */
#define WHY_BUSY_PCT		90

enum why_cause {
	WHY_GUEST,
	WHY_HOST,
	WHY_WIRE,
	WHY_POLICY,
	WHY_NB_CAUSES,
	WHY_NONE = WHY_NB_CAUSES,	/* nothing lost, no stall */
};

enum why_dir {
	WHY_RX,			/* to the guest */
	WHY_TX,			/* from the guest */
	WHY_NB_DIRS,
};

/* Which of the guest's rate limits are configured: drop_rate_limited is
 * one counter for both directions. */
#define WHY_LIMIT_RX	0x1
#define WHY_LIMIT_TX	0x2

/* One second of a guest's life: the change of its counters. */
struct why_tick {
	uint64_t ns;			/* how long it lasted */
	uint64_t rx_pkts;		/* delivered to the guest */
	uint64_t tx_pkts;		/* dequeued from the guest (policed ones too) */
	uint64_t drops[DROP_MAX];	/* the guest's own, by reason */
	uint64_t uplink_tx_full;	/* its uplink's drop_uplink_tx_full */
	uint64_t nic_rx_missed;		/* its uplink's ethdev imissed + rx_nombuf */
	uint64_t nic_tx_errors;		/* ... oerrors (shown, not classified) */
	uint8_t limits;			/* WHY_LIMIT_* */
	bool rx_ring_full;		/* guest_ring_full drops, or no RX buffer posted */
	bool tx_ring_full;		/* a TX ring of the guest was full at the sample */
	uint8_t busy_pct;		/* the busiest worker serving it */
	int16_t worker;			/* ... its index, -1: none serves it */
	int32_t backlog;		/* uplink RX queue occupancy, -1: unknown */
};

struct why_report {
	unsigned int ticks;
	uint64_t ns;
	uint64_t delivered[WHY_NB_DIRS];
	uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES];
	uint64_t drops[DROP_MAX];	/* the raw counters behind lost[] */
	uint64_t uplink_tx_full;
	uint64_t nic_rx_missed;
	uint64_t nic_tx_errors;
	uint64_t guest_slow_ns;		/* its RX ring full / empty of buffers */
	uint64_t host_slow_ns;		/* its worker saturated */
	uint64_t tx_stall_ns;		/* ... with the guest's TX ring full */
	unsigned int busy_pct;		/* the highest of the interval */
	int worker;			/* ... whose, -1: none */
	int backlog;			/* the highest seen, -1: unknown */
	enum why_cause cause;		/* the dominant one */
	enum why_dir dir;		/* ... the direction it hit most */
};

const char *why_cause_name(enum why_cause c);
const char *why_dir_name(enum why_dir d);

/* Classify one tick: add its losses to lost[dir][cause]. */
void why_classify(const struct why_tick *t, uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES]);

/* Add up ticks t[0..n) (any order) into r. */
void why_summarize(const struct why_tick *t, unsigned int n, struct why_report *r);

/* Offered frames in a direction: delivered + lost. */
uint64_t why_offered(const struct why_report *r, enum why_dir d);

/*
 * One sentence naming the dominant cause with its numbers:
 *   "vm1 lost 12,345 of 1,000,000 frames to it in the last 10 s (1.2 %):
 *    mostly guest slow: its RX ring was full for 8.0 s (12,001 drops,
 *    guest_ring_full); worker 0 busy 34 %."
 * Returns snprintf's length.
 */
int why_sentence(const struct why_report *r, const char *name, char *buf, size_t len);

#endif
