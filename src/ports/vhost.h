/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PORTS_VHOST_H
#define VHOSTD_PORTS_VHOST_H

/*
 * The librte_vhost adapter (vhost.c): sockets, the message filter's hook,
 * and reads of a device's state.  It knows nothing of guests: each socket
 * carries an opaque context, and librte_vhost's callbacks reach the layer
 * above only through the struct vhost_events it installs (control/
 * lifecycle.c), as (context, vid, event).  The datapath calls go through
 * vhost_port_ops (vhostd/port.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/*
 * What the layer above is told, with the context its socket was registered
 * with.  Called on librte_vhost's threads.  on_vring_state and on_features
 * run while librte_vhost holds every virtqueue lock of the device
 * (vhost_user_msg_handler, 22.11): they must not wait for a worker (see
 * vhost.c).  on_new_device and on_destroy run with the locks released.
 */
struct vhost_events {
	/* A new connection: 0 keeps it, < 0 closes it (no on_disconnect follows). */
	int (*on_connect)(void *ctx, int vid);
	/* Before each of its messages: may vid's connection talk to librte_vhost?
	 * false: the message is refused and the connection closed. */
	bool (*admit)(void *ctx, int vid);
	/* The queue pairs of the guest vid serves (the message filter's limits);
	 * 0 when vid serves no guest. */
	unsigned int (*queues)(void *ctx, int vid);
	/* A message the filter saw: why is NULL when librte_vhost handles it,
	 * else the reason it is refused (its fds are closed after this). */
	void (*on_message)(void *ctx, int vid, const void *msg, const char *why);
	/* The frontend closed the connection (not called for vhost_socket_unregister). */
	void (*on_disconnect)(void *ctx, int vid);
	/* The device is ready (new_device): < 0 refuses it. */
	int (*on_new_device)(void *ctx, int vid);
	/* The device stops (destroy_device): guest memory is unmapped on return. */
	void (*on_destroy)(void *ctx, int vid);
	/* A vring was enabled or disabled (virtqueue locks held). */
	void (*on_vring_state)(void *ctx, int vid, uint16_t vring, bool enable);
	/* The frontend changed the negotiated features (virtqueue locks held). */
	void (*on_features)(void *ctx, int vid, uint64_t features);
};

/* Install the layer above's callbacks: once, before any socket. */
void vhost_init(const struct vhost_events *ev);

/* A vhost-user socket, from register to unregister. */
struct vhost_socket {
	const char *path;
	const char *name;		/* for logs: the guest's */
	bool client;			/* connect to path (reconnects until it listens) */
	bool vring_stats;		/* librte_vhost's per-vring counters */
	/* Server mode: created with no access for others, then given these
	 * (uid/gid -1, mode < 0: unchanged), before anyone may connect. */
	bool perms;
	uid_t uid;
	gid_t gid;
	int mode;
	const char *owner;		/* their names as configured ("": unchanged) */
	const char *group;
};

/* Register path with librte_vhost and its callbacks, ctx theirs.  Returns
 * 0 or -errno. */
int vhost_socket_register(const struct vhost_socket *s, void *ctx);
/* What librte_vhost can offer on a registered socket. */
uint64_t vhost_socket_lib_features(const char *path);
/* Offer only these of the library's features, and no inflight tracking. */
int vhost_socket_offer(const char *path, uint64_t offered);
/* Start: listen (server) or connect (client); with perms, the socket
 * file gets them here.  -EPERM: its owner could not be set.  On failure
 * the socket is unregistered. */
int vhost_socket_start(const struct vhost_socket *s);
/* Close the socket and its connection (on_destroy runs first if the device
 * is up; on_disconnect does not).  No callback for it reaches ctx after. */
void vhost_socket_unregister(const char *path);

/* What a vring looks like right now (guest show).  The device must be up
 * (its memory mapped): the caller keeps it from being destroyed. */
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
int vhost_vring_info(int vid, uint64_t features, uint16_t vring, struct vring_info *vi);
/* Negotiated features, vhost-user protocol features, vrings, MTU and NUMA
 * node of guest memory. */
void vhost_device_features(int vid, uint64_t *features, uint64_t *protocol);
uint16_t vhost_device_vrings(int vid);
int vhost_device_numa(int vid);
int vhost_device_mtu(int vid, uint16_t *mtu);
const char *vhost_protocol_feature_name(unsigned int bit);
/* librte_vhost's counters for a vring ([daemon] vring-stats), among them
 * guest_notifications: interrupts raised toward the guest.  JSON null when
 * off. */
json_t *vhost_vring_stats(int vid, uint16_t vring);
/* Drain vring's kick eventfd, shared with the frontend: the kicks since
 * the last read, never waiting. */
uint64_t vhost_vring_kicks(int vid, uint16_t vring);
/* A duplicate of vring's kick eventfd (the caller closes it), or -1. */
int vhost_kick_fd(int vid, uint16_t vring);

#endif
