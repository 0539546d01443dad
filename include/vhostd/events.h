/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_EVENTS_H
#define VHOSTD_EVENTS_H

/*
 * A guest's flight recorder: a bounded ring of timestamped control events
 * (connect, features, memory table, vrings, dirty log, refused messages,
 * rate-limit trips, queue moves).  Recorded on the control side only
 * (librte_vhost's callback threads and the main thread), never by a
 * worker; read by the control socket, SIGUSR1's dump and the state
 * directory (guest.events, docs/operations.md).
 *
 * Plain C, pthread and jansson: no DPDK, so the unit tests link it alone.
 * One kind table names every kind and its arguments for the JSON view, the
 * text view and the saved file alike.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Events kept per guest; older ones are counted as dropped.  256 covers a
 * few dozen connect/disconnect cycles of a 16-pair guest (each is ~4 + 4 per
 * vring events). */
#define EVENTS_RING		256
#define EVENTS_TEXT_MAX		48
#define EVENTS_NB_ARGS		3

enum event_kind {
	EV_CONNECT,		/* vid: a vhost-user connection is served */
	EV_DISCONNECT,		/* vid: ... and closed */
	EV_DEVICE_READY,	/* vid, vrings: new_device, the datapath serves it */
	EV_DEVICE_STOPPED,	/* vid: destroy_device */
	EV_FEATURES_OFFERED,	/* features: what vhostd offers (GET_FEATURES answer) */
	EV_FEATURES_SET,	/* features: what the driver acked (SET_FEATURES) */
	EV_MEM_TABLE,		/* regions, bytes: SET_MEM_TABLE accepted */
	EV_VRING_ENABLE,	/* vring: SET_VRING_ENABLE 1 */
	EV_VRING_DISABLE,	/* vring: SET_VRING_ENABLE 0 */
	EV_KICK_FD,		/* vring, fd (1: an eventfd, 0: none, polled) */
	EV_CALL_FD,		/* vring, fd (1: an eventfd, 0: none) */
	EV_DIRTY_LOG_START,	/* features: VHOST_F_LOG_ALL acked (migration) */
	EV_DIRTY_LOG_BASE,	/* bytes, offset: SET_LOG_BASE accepted */
	EV_DIRTY_LOG_STOP,	/* features: VHOST_F_LOG_ALL cleared */
	EV_REFUSED,		/* request; text: why (the message filter) */
	EV_RATE_LIMITED,	/* drops: the rate limit started dropping */
	EV_QUEUE_MOVE,		/* queue, from, to: a worker change (rebalance) */
	EV_RESTART,		/* vhostd restarted: events before are from the last run */
	EV_NB_KINDS
};

struct event {
	uint64_t seq;		/* order of recording, across restarts */
	int64_t real_ns;	/* CLOCK_REALTIME */
	uint64_t mono_ns;	/* CLOCK_MONOTONIC (this run only) */
	enum event_kind kind;
	uint64_t arg[EVENTS_NB_ARGS];
	char text[EVENTS_TEXT_MAX];
};

struct events {
	pthread_mutex_t lock;	/* callbacks' threads write, the main thread reads */
	uint64_t next;		/* seq of the next event; next - EVENTS_RING dropped */
	uint64_t first;		/* seq of the oldest event ever kept (after a restore) */
	struct event ring[EVENTS_RING];
};

void events_init(struct events *e);
void events_fini(struct events *e);
/* Forget every event (a new guest in a reused slot); the lock stays, so a
 * callback still writing for the slot's last guest is never torn. */
void events_reset(struct events *e);

/* Record an event now (text may be NULL). */
void events_add(struct events *e, enum event_kind kind, uint64_t a0, uint64_t a1, uint64_t a2,
		const char *text);
/* ... at a given time (the unit tests, and events_restore). */
void events_add_at(struct events *e, enum event_kind kind, int64_t real_ns, uint64_t mono_ns,
		   const uint64_t arg[EVENTS_NB_ARGS], const char *text);

const char *events_kind_name(enum event_kind kind);
/* -1: no such kind. */
int events_kind_parse(const char *name);

/* Wall clock now, in ns. */
int64_t events_now_ns(void);

/*
 * {"dropped": N, "events": [...]} oldest first, those at or after since_ns
 * (0: all).  dropped counts events overwritten by newer ones, whatever
 * since_ns.  Each event: {"seq", "time" (ISO 8601 UTC), "ts_ns", "kind",
 * its arguments by name, "reason" for a text}.  NULL: out of memory.
 */
json_t *events_json(struct events *e, int64_t since_ns);

/* "2026-12-06T21:07:56.123456Z" */
void events_format_time(int64_t real_ns, char *buf, size_t len);
/* "vring=0 fd=1": an event's arguments as text. */
void events_format_details(const struct event *ev, char *buf, size_t len);
/* The last `last` events, one line each: "PREFIX TIME KIND DETAILS". */
void events_print(struct events *e, FILE *f, const char *prefix, unsigned int last);

/*
 * Put the events of an earlier run (events_json's object) before the ones
 * recorded since, with an EV_RESTART between them.  The whole object is
 * checked first: on error (-EINVAL, message in err) e is unchanged.
 */
int events_restore(struct events *e, const json_t *saved, char *err, size_t errlen);

#endif
