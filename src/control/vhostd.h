/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_VHOSTD_H
#define VHOSTD_VHOSTD_H

/* Daemon state: owned by the control side, guarded by vhostd.lock. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_gso.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "vhostd/config.h"
#include "vhostd/events.h"
#include "vhostd/log.h"
#include "vhostd/notify.h"
#include "vhostd/ratelimit.h"
#include "vhostd/stats.h"
#include "ports/frontend.h"
#include "ports/uplink.h"
#include "ports/vhost.h"
#include "datapath/worker.h"

#include "control/place.h"

struct rte_mempool;
struct rte_rcu_qsbr;
struct dp_worker;
struct fwd_table;
struct ctl;
struct dp_capture;


enum guest_state {
	GUEST_DOWN,			/* no vhost device */
	GUEST_RUNNING,			/* new_device seen */
};

struct guest {
	bool in_use;			/* slot holds a guest (runtime add/del) */
	bool runtime;			/* added through the control socket */
	bool persistent;		/* ... and saved in the state directory */
	struct config_guest cfg;
	uint16_t index;
	uint16_t uplink;
	bool registered;		/* socket registered with librte_vhost */
	enum guest_state state;
	int vid;			/* the device's, while RUNNING */
	/* One frontend per guest socket (guest_conn_claim): the vid of the
	 * connection served, and of the one that may wait for its first
	 * message to be decided on (-1: none).  Atomic: set and cleared by
	 * librte_vhost's threads, read by every callback keyed by vid. */
	int conn_vid;
	int wait_vid;
	uint64_t offered;		/* features offered */
	uint64_t pinned;		/* ... of which kept for a connected guest
					 * although the config removes them (guest_pin.c) */
	uint64_t features;		/* negotiated */
	uint16_t nb_vrings;
	uint64_t vring_enabled;		/* bit per vring, atomic: set from callbacks */
	int vring_changed;		/* atomic: a vring changed state since the last
					 * lifecycle_apply_pending() */
	uint16_t nb_pairs;		/* pairs served */
	struct queue_place place[VHOSTD_MAX_QUEUES];	/* TX vrings of its pairs (place.h) */
	int numa;			/* node of its memory at new_device; -1 unknown */
	uint64_t connects;
	uint64_t disconnects;
	uint64_t kicks;			/* guest notifications seen (sampled) */
	uint64_t kicks_read;		/* workers' kicks at the last sample (guest_kicks) */
	uint64_t refused_msgs;		/* vhost-user messages refused (vhost.c) */
	struct ratelimit log_limit;	/* its misbehaviour's log lines (ratelimit.h) */
	struct ratelimit conn_limit;	/* its connect/close lines: a frontend (or a
					 * QEMU that refuses vhostd) may loop on them */
	uint64_t refused_conns;		/* connections refused: another was open */
	bool refused_warned;		/* logged once per connection served */
	struct rte_mempool *pool;	/* its own dequeue pool; NULL: the uplink's */
	struct dp_capture *capture;	/* active packet capture (capture.c) */
	struct events *events;		/* its flight recorder (events.h): a ring of
					 * d->event_rings, reset with the slot */
	bool dirty_log;			/* VHOST_F_LOG_ALL acked (lifecycle.c, on_message) */
	uint64_t rl_drops_seen;		/* rate-limit drops at the last sample
					 * (guest_events_rate_sample) */
	bool rl_dropping;		/* ... and they rose in that interval */
	/* A guest sharing its MAC with another (live migration on one host)
	 * owns it in the MAC table once it announces itself: workers set
	 * announce_req, the main thread gives it the next announce_seq. */
	int announce_req;
	uint64_t announce_seq;
	struct port_stats *stats;	/* one block per worker */
	struct port_stats base;		/* subtracted: set by a stats reset */
};

struct vhostd {
	struct config cfg;
	pthread_mutex_t lock;		/* guests, uplinks, publishing */
	unsigned int nb_workers;
	struct worker *workers;
	struct rte_rcu_qsbr *qsv;
	unsigned int nb_uplinks;
	struct uplink *uplinks;
	/* Guest slots: [0, nb_guests) may hold holes (in_use false) once
	 * guests are removed at run time.  slots_lock guards slot allocation
	 * and lookup by socket, and is never held across a grace period, so
	 * the librte_vhost callbacks may take it in any context. */
	unsigned int nb_guests;
	struct guest *guests;		/* VHOSTD_MAX_GUESTS slots */
	pthread_mutex_t slots_lock;
	struct fwd_table *fwd;		/* current tables, one per uplink */
	uint64_t publishes;
	uint64_t publish_cycles;	/* TSC cycles the last publish took (workers) */
	uint64_t publish_cycles_max;
	uint64_t announces;		/* last announce_seq given */
	int event_fd;			/* vhost callbacks -> main thread */
	/* The guests' flight recorders, one per slot, outside DPDK memory
	 * and never freed before exit: a late callback of a deleted guest
	 * still writes into a ring that exists. */
	struct events *event_rings;
	bool events_restored;		/* guest_events_load ran: saving is safe */
	struct ctl *ctl;		/* control socket (ctl.c) */
	unsigned int pool_mbufs;
	uint16_t pool_room;
	struct rte_mempool *pools[8];	/* one per NUMA node in use */
	unsigned int guest_pools_made;	/* names guest pools uniquely */
	/* Pools of deleted guests, freed once their mbufs are back (guest.c). */
	struct rte_mempool *retired_pools[VHOSTD_MAX_GUESTS];
	unsigned int nb_retired_pools;
	volatile int pending;		/* vring states changed, republish */
	bool holding;			/* publish.c: publishing without moving queues */
	/* Load sampling (load.c) and rebalancing (rebalance.c), main thread only. */
	struct {
		uint64_t tsc;			/* of the last sample, 0: none yet */
		uint64_t interval;		/* TSC cycles the last interval lasted */
		uint64_t busy_seen[VHOSTD_MAX_WORKERS];
		uint64_t busy_last[VHOSTD_MAX_WORKERS];
		bool settle;			/* queues just moved: skip an interval */
		uint64_t rebalances;		/* times queues were moved */
		uint64_t moves;			/* queues moved */
	} balance;
};

/* publish.c: rebuild every worker's poll list from the current state and
 * publish it; returns after a grace period, when no worker can see the old
 * lists (so a destroyed vid is never touched again).  Caller holds d->lock. */
int publish_workers(struct vhostd *d);
void publish_free_all(struct vhostd *d);

/* rebalance.c: sample per-queue load every interval (load.c) and move
 * queues off an overloaded worker (main thread, takes d->lock). */
void rebalance_tick(struct vhostd *d);

/* main.c: the mbuf pool of a NUMA node, created on first use. */
struct rte_mempool *vhostd_pool(struct vhostd *d, int socket);

/* uplink.c: ports/uplink.h */

/* guest.c */
/* Fill a slot from guest_slot_alloc() with a validated config. */
int guest_init(struct vhostd *d, struct guest *g, const struct config_guest *cfg);
/* After a grace period.  Frees g's pool, or retires it while its mbufs
 * are still out (guest_pools_reap frees it later). */
void guest_fini(struct vhostd *d, struct guest *g);
/* Main thread: free retired pools that are whole again; force: all of them
 * (at exit, once the uplinks are closed). */
void guest_pools_reap(struct vhostd *d, bool force);
/* Pairs to serve: leading pairs with both vrings enabled, capped by config. */
uint16_t guest_served_pairs(const struct guest *g);
/* Does g own its MAC in its uplink's table (it may share it)?  d->lock held. */
bool guest_owns_mac(struct vhostd *d, const struct guest *g);
/* Log the guests g shares its MAC with, if any. */
void guest_warn_shared_mac(struct vhostd *d, const struct guest *g);
/* One frontend per guest socket.  Claim: make connection vid the one g
 * serves (no longer waiting, if it was); -EBUSY while another is served.
 * Wait: let vid wait to be decided on (-EBUSY: one waits already).
 * Release: vid's connection is gone (served or waiting; any other vid
 * changes nothing). */
int guest_conn_claim(struct guest *g, int vid);
int guest_conn_wait(struct guest *g, int vid);
void guest_conn_release(struct guest *g, int vid);
/* The socket was unregistered: no connection is left (librte_vhost calls
 * no destroy_connection then). */
void guest_conn_forget(struct guest *g);
/* Is vid the connection g serves (callbacks keyed by vid touch g only
 * then), the one that waits? */
bool guest_conn_is(const struct guest *g, int vid);
bool guest_conn_waits(const struct guest *g, int vid);
struct guest *guest_by_name(struct vhostd *d, const char *name);
unsigned int guest_count(struct vhostd *d);
/* A free slot (marked in use, zeroed) or NULL; under slots_lock. */
struct guest *guest_slot_alloc(struct vhostd *d);
void guest_slot_free(struct vhostd *d, struct guest *g);
void guest_print_stats(struct vhostd *d, struct guest *g, FILE *f);
void guest_counters(struct vhostd *d, struct guest *g, struct port_stats *out);
/* The counter block only the main thread writes (after the workers'). */
struct port_stats *guest_stats_main(const struct vhostd *d, struct guest *g);
void guest_counters_reset(struct vhostd *d, struct guest *g);
const char *guest_state_name(const struct guest *g);

/* guest_device.c: its vhost device, read through the adapter (ports/vhost.h).
 * Caller holds d->lock, so a running device cannot be destroyed meanwhile. */
/* What a vring looks like right now (guest show); -ENOENT unless running. */
int guest_vring_info(const struct guest *g, uint16_t vring, struct vring_info *vi);
/* Negotiated vhost-user protocol features, MTU and NUMA node of guest memory. */
void guest_device_info(const struct guest *g, uint64_t *protocol, uint16_t *mtu, int *numa);
/* librte_vhost's counters for a vring ([daemon] vring-stats); JSON null when
 * off or not running. */
json_t *guest_vring_stats(const struct guest *g, uint16_t vring);
/* A duplicate of vring's kick eventfd (the caller closes it), or -1. */
int guest_kick_fd(const struct guest *g, uint16_t vring);
/* Kicks since the last call: drained from the kick eventfds of a running
 * guest that nobody else reads, plus those the workers read while asleep. */
uint64_t guest_kicks(struct vhostd *d, struct guest *g);
/* Kicks the workers read from guest slot's TX vrings while asleep (summed). */
uint64_t guest_workers_kicks(const struct vhostd *d, uint16_t slot);

/* guest_events.c: the flight recorders' daemon side (main thread). */
/* Turn a guest's rate-limit drops that start rising into an event (once a
 * second; the workers only count). */
/* Once a second, with g's rate_limited drops summed (guest_why.c's sample
 * has them): a rate-limit trip event when they start rising.  d->lock held. */
void guest_events_rate_sample(struct guest *g, uint64_t drops);
/* SIGUSR1's dump: a guest's latest events. */
void guest_events_print(struct guest *g, FILE *f);
/* STATE_DIR/events/NAME.json: written for every guest at a clean stop,
 * read back (and removed) at start for the guests that exist again. */
void guest_events_save(struct vhostd *d);
void guest_events_load(struct vhostd *d);

/* guest_pin.c: feature pinning across restarts (pin.h).  Save what g
 * negotiated (device start); forget it (the frontend closed its connection,
 * or the guest was deleted); the saved bits the offer lacks that a
 * restarted vhostd keeps offering (logged, with those it cannot offer). */
void guest_pin_save(struct vhostd *d, struct guest *g, uint64_t features, uint64_t protocol);
void guest_pin_forget(struct vhostd *d, const char *name);
uint64_t guest_pin_offer(struct vhostd *d, struct guest *g, uint64_t lib, uint64_t offered);

/* eal.c */
int eal_build_args(const struct config *cfg, const char *prog, char **argv,
		   unsigned int max, unsigned int *argc, char *err, size_t errlen);
void eal_free_args(char **argv, unsigned int argc);
void eal_file_prefix(const char *config_path, char *buf, size_t len);

#endif
