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
#include "datapath/worker.h"

struct rte_mempool;
struct rte_rcu_qsbr;
struct dp_worker;
struct fwd_table;
struct ctl;
struct dp_capture;

#define NO_WORKER UINT16_MAX

/* The control side of a queue's load (rebalance.c): counters at the last
 * measurement, and what the interval before it added. */
struct queue_meter {
	uint64_t seen_cycles;
	uint64_t seen_pkts;
	uint64_t last_cycles;
	uint64_t last_pkts;
};

struct uplink {
	struct config_uplink cfg;
	uint16_t index;
	uint16_t port;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	int socket;
	bool started;
	bool shared_txq;		/* fewer TX queues than workers */
	bool rx_intr;			/* every RX queue has an interrupt fd */
	uint64_t tx_offloads;		/* RTE_ETH_TX_OFFLOAD_* enabled: the device
					 * finishes these for guests */
	bool rx_partial_csum;		/* may receive unfinished checksums
					 * (net_af_packet, offload.h) */
	struct rte_mempool *pool;
	struct ratelimit log_limit;	/* bad frames from the wire (datapath.c) */
	uint16_t rxq_worker[VHOSTD_MAX_QUEUES];	/* assigned (placement) */
	uint16_t rxq_polled[VHOSTD_MAX_QUEUES];	/* in this worker's published list */
	struct queue_load rxq_load[VHOSTD_MAX_QUEUES];	/* written by its worker */
	struct queue_meter rxq_meter[VHOSTD_MAX_QUEUES];
	rte_spinlock_t txlock[VHOSTD_MAX_WORKERS];
	struct port_stats *stats;	/* one block per worker */
	struct port_stats base;		/* subtracted: set by a stats reset */
};

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
					 * guest_apply_pending() */
	uint16_t nb_pairs;		/* pairs served */
	uint16_t txq_worker[VHOSTD_MAX_QUEUES];	/* assigned (placement) */
	uint16_t txq_polled[VHOSTD_MAX_QUEUES];	/* in this worker's published list */
	struct queue_load txq_load[VHOSTD_MAX_QUEUES];	/* written by its worker */
	struct queue_meter txq_meter[VHOSTD_MAX_QUEUES];
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
	bool dirty_log;			/* VHOST_F_LOG_ALL acked (vhost.c, on_message) */
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
	/* Load measurement and rebalancing (rebalance.c), main thread only. */
	struct {
		uint64_t tsc;			/* of the last measurement, 0: none yet */
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

/* rebalance.c: measure per-queue load every interval and move queues off
 * an overloaded worker (main thread, takes d->lock). */
void rebalance_tick(struct vhostd *d);
/* Busy cycles of the last interval as a percentage of one worker. */
double rebalance_pct(const struct vhostd *d, uint64_t cycles);

/* main.c: the mbuf pool of a NUMA node, created on first use. */
struct rte_mempool *vhostd_pool(struct vhostd *d, int socket);

/* uplink.c */
int uplink_open(struct vhostd *d, struct uplink *u, const struct config_uplink *cfg,
		uint16_t index);
void uplink_close(struct uplink *u);
/* Data bytes an mbuf needs for the device's RX beyond what the MTU asks
 * (net_af_packet: its ring frame size), or 0. */
unsigned int uplink_rx_room(const struct config_uplink *cfg);
void uplink_print_stats(struct vhostd *d, struct uplink *u, FILE *f);
/* Counters since the last reset (per-worker blocks summed, minus base). */
void uplink_counters(struct vhostd *d, struct uplink *u, struct port_stats *out);
void uplink_counters_reset(struct vhostd *d, struct uplink *u);
/* The fd that becomes readable when RX queue q has frames (epoll), or -1
 * when the device has no RX interrupts. */
int uplink_rx_intr_fd(const struct uplink *u, uint16_t q);

/* vhost.c: the only file that talks to librte_vhost's control API. */
int vhost_init(struct vhostd *d);
/* What a vring looks like right now (guest show).  Caller holds d->lock and
 * the guest is running, so its memory is mapped. */
struct vring_info {
	uint16_t size;
	uint16_t last_avail_idx;	/* vhost's own progress */
	uint16_t last_used_idx;
	int avail_idx;			/* split: the driver's avail->idx; -1 packed */
	int used_idx;			/* split: used->idx; -1 packed */
	bool kicks_suppressed;		/* we asked the guest not to kick */
	bool guest_suppresses_interrupts;
	int used_event;			/* split + EVENT_IDX: the guest's used_event; else -1 */
};
int vhost_vring_info(const struct guest *g, uint16_t vring, struct vring_info *vi);
/* Negotiated vhost-user protocol features, MTU and NUMA node of guest memory. */
void vhost_device_info(const struct guest *g, uint64_t *protocol, uint16_t *mtu, int *numa);
const char *vhost_protocol_feature_name(unsigned int bit);
/* librte_vhost's counters for a vring ([daemon] vring-stats), among them
 * guest_notifications: interrupts raised toward the guest.  JSON null when
 * off.  Caller holds d->lock. */
json_t *vhost_vring_stats(const struct guest *g, uint16_t vring);

/* Kicks since the last call drained from the kick eventfds of a running
 * guest that nobody else reads (the workers count those they read while
 * asleep: guest_kicks() adds them).  Caller holds d->lock (so the device
 * cannot be destroyed meanwhile). */
uint64_t vhost_guest_kicks(struct guest *g);
/* A duplicate of vring's kick eventfd (the caller closes it), or -1. */
int vhost_kick_fd(const struct guest *g, uint16_t vring);
int vhost_guest_register(struct vhostd *d, struct guest *g);
void vhost_guest_unregister(struct vhostd *d, struct guest *g);

/* frontend.c: what vhostd accepts from a vhost-user frontend. */
/* Longest vring a frontend may set up (SET_VRING_NUM): QEMU's virtio-net
 * allows 1024, DPDK virtio-user up to 32768 (tools/bench uses 4096);
 * librte_vhost takes about 40 bytes of vhostd's heap per entry. */
#define FRONTEND_MAX_RING_SIZE 4096
/* Why librte_vhost must not see this message (its struct vhu_msg_context,
 * 22.11), or NULL; queues is the guest's.  May make the message's
 * notification fd non-blocking. */
const char *frontend_msg_check(const void *msg, unsigned int queues);
/* The request, and whether the frontend waits for an answer (REPLY_ACK). */
uint32_t frontend_msg_request(const void *msg, bool *needs_reply);
/* true when the message is answered from here (msg is then the reply). */
bool frontend_msg_answer(void *msg, unsigned int queues);
/* Close the fds that came with a refused message. */
void frontend_msg_close_fds(void *msg);
/* Refuse a message with no answer: the connection is closed. */
void frontend_msg_refuse(void *msg);
/* The flight recorder's view of a message for g (events.h), refused ones
 * (why != NULL) with the reason; g may be NULL. */
void frontend_msg_record(struct guest *g, const void *msg, const char *why);

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
/* Main thread: apply vring state changes recorded by callbacks. */
void guest_apply_pending(struct vhostd *d);
/* Does g own its MAC in its uplink's table (it may share it)?  d->lock held. */
bool guest_owns_mac(struct vhostd *d, const struct guest *g);
/* Main thread: move MACs to the guests that announced them. */
void guest_apply_announcements(struct vhostd *d);
/* Log the guests g shares its MAC with, if any. */
void guest_warn_shared_mac(struct vhostd *d, const struct guest *g);
struct guest *guest_by_socket(struct vhostd *d, const char *path);
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
void guest_counters_reset(struct vhostd *d, struct guest *g);
/* Kicks since the last call: those the workers read from g's TX vrings
 * while asleep, plus vhost_guest_kicks().  Caller holds d->lock. */
uint64_t guest_kicks(struct vhostd *d, struct guest *g);
const char *guest_state_name(const struct guest *g);

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
bool eal_is_pci(const char *devargs);

#endif
