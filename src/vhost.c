/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * librte_vhost adapter: sockets, feature policy, device callbacks.  The only
 * file that calls librte_vhost's control API (the datapath calls go through
 * vhost_port_ops below).
 *
 * Callback context matters.  librte_vhost calls vring_state_changed and
 * features_changed while it holds every virtqueue lock of the device
 * (vhost_user_msg_handler, 22.11), and a worker may be spinning on one of
 * those locks inside rte_vhost_enqueue_burst: waiting there for an RCU
 * grace period would deadlock.  So those callbacks only record the change
 * and wake the main thread.  new_device and destroy_device run with the
 * locks released and publish synchronously: when destroy_device returns,
 * librte_vhost unmaps guest memory, so no worker may still hold the vid.
 */
/* rte_vhost_get_negotiated_protocol_features() is experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "dataplane.h"
#include "vhostd.h"
#include "vhostd/features.h"

static struct vhostd *vhostd;	/* librte_vhost callbacks carry no context */

static uint16_t
vhost_rx(uint16_t vid, uint16_t q, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_vhost_dequeue_burst(vid, (uint16_t)(2 * q + 1), mp, pkts, n);
}

static uint16_t
vhost_tx(uint16_t vid, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_vhost_enqueue_burst(vid, (uint16_t)(2 * q), pkts, n);

	/* Enqueue copied the frames into guest buffers: ours to free. */
	rte_pktmbuf_free_bulk(pkts, sent);
	return sent;
}

static int
vhost_poll_start(uint16_t vid, uint16_t q)
{
	/* We poll: the guest need not kick us (virtio 1.2, 2.7.10 / 2.8.10:
	 * used->flags NO_NOTIFY, or with EVENT_IDX, avail_event left behind). */
	int a = rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q), 0);
	int b = rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q + 1), 0);

	return a == 0 && b == 0 ? 0 : -EAGAIN;
}

/*
 * A worker about to sleep asks for kicks on the guest's TX vring.  With
 * VIRTIO_RING_F_EVENT_IDX, librte_vhost 22.11 does it the event-index way
 * (virtio 1.2, 2.7.10: avail_event = last_avail_idx, so the next buffer the
 * driver makes available kicks; packed ring 2.8.10: off_wrap and
 * RING_EVENT_FLAGS_DESC); without it, used->flags NO_NOTIFY is cleared
 * (packed: RING_EVENT_FLAGS_ENABLE).  "Off" with EVENT_IDX writes nothing
 * on a split ring: avail_event stays behind and the driver stops kicking
 * once it has passed it.  The caller re-polls after "on": a buffer made
 * available before the driver could see avail_event raises no kick.
 */
static int
vhost_notify(uint16_t vid, uint16_t q, bool on)
{
	return rte_vhost_enable_guest_notification(vid, (uint16_t)(2 * q + 1), on) == 0 ? 0
											 : -EAGAIN;
}

const struct vport_ops vhost_port_ops = {
	.rx = vhost_rx,
	.tx = vhost_tx,
	.poll_start = vhost_poll_start,
	.notify = vhost_notify,
};

int
vhost_kick_fd(const struct guest *g, uint16_t vring)
{
	struct rte_vhost_vring vr;

	if (g->state != GUEST_RUNNING || rte_vhost_get_vhost_vring(g->vid, vring, &vr) != 0 ||
	    vr.kickfd < 0)
		return -1;
	/* Our own reference: librte_vhost closes its fd when the frontend
	 * sends another (SET_VRING_KICK) or the device goes; the worker's
	 * epoll set and reads stay on this one until the list is retired. */
	return fcntl(vr.kickfd, F_DUPFD_CLOEXEC, 0);
}

static struct guest *
guest_of_socket(int vid)
{
	char path[PATH_MAX];

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return NULL;
	return guest_by_socket(vhostd, path);
}

/* The guest whose served connection vid is, or NULL.  Callbacks keyed by
 * vid go through here: a connection the guest does not serve (waiting,
 * refused, or gone) never reaches its state (guest_conn_claim). */
static struct guest *
guest_of_vid(int vid)
{
	struct guest *g = guest_of_socket(vid);

	return g != NULL && guest_conn_is(g, vid) ? g : NULL;
}

/*
 * One frontend per guest socket (guest.c, guest_conn_claim), decided here.
 *
 * librte_vhost 22.11 runs every connection callback of server sockets on
 * one thread (vhost-events), in the order poll() lists the fds, listening
 * sockets first.  A frontend that closes its connection and connects again
 * at once is accepted before the old connection's EOF is handled: refused
 * at accept, 706 of 2000 such reconnects failed (measured).  So a
 * connection that comes while another is served waits, with no device, and
 * its first message decides: by then the old connection's teardown has run
 * (its EOF was seen in the poll round of the accept, and the new fd is
 * polled from the next round on).  One connection waits at most; others
 * are refused at accept.  A refused connection is closed.
 */
static void
serve_connection(struct guest *g, int vid)
{
	__atomic_store_n(&g->vring_enabled, 0, __ATOMIC_RELEASE);
	g->dirty_log = false;
	events_add(g->events, EV_CONNECT, (uint64_t)vid, 0, 0, NULL);
	LOG(INFO, "guest %s: vhost-user connection (vid %d)", g->cfg.name, vid);
}

static void
refuse_connection(struct guest *g, int vid)
{
	uint64_t n = __atomic_add_fetch(&g->refused_conns, 1, __ATOMIC_RELAXED);

	if (!g->refused_warned)
		LOG(WARNING, "guest %s: refused another vhost-user connection on %s (vid %d) while "
		    "vid %d is served: one frontend per guest socket (%lu refused so far; "
		    "logged once per connection served)", g->cfg.name, g->cfg.socket, vid,
		    __atomic_load_n(&g->conn_vid, __ATOMIC_RELAXED), n);
	g->refused_warned = true;
}

/* Before each message: may vid's connection talk to librte_vhost? */
static bool
connection_admitted(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return false;
	if (guest_conn_is(g, vid))
		return true;
	if (guest_conn_waits(g, vid) && guest_conn_claim(g, vid) == 0) {
		serve_connection(g, vid);
		return true;
	}
	/* It keeps the waiting place until librte_vhost has closed it. */
	refuse_connection(g, vid);
	return false;
}

static void
wake_main(void)
{
	uint64_t one = 1;

	vhostd->pending = 1;
	if (write(vhostd->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG(ERR, "eventfd write: %s", strerror(errno));
}

json_t *
vhost_vring_stats(const struct guest *g, uint16_t vring)
{
	struct rte_vhost_stat_name names[64];
	struct rte_vhost_stat vals[64];
	json_t *o;
	int n;

	if (g->state != GUEST_RUNNING)
		return json_null();
	n = rte_vhost_vring_stats_get_names(g->vid, vring, names, RTE_DIM(names));
	if (n <= 0 || n > (int)RTE_DIM(names) ||
	    rte_vhost_vring_stats_get(g->vid, vring, vals, (unsigned int)n) != n)
		return json_null();	/* vring-stats = no */
	o = json_object();
	for (int i = 0; i < n; i++) {
		/* "rx_q0_good_packets" -> "good_packets": the vring is implied. */
		const char *name = names[vals[i].id].name;
		const char *u = strchr(name, '_');

		u = u != NULL ? strchr(u + 1, '_') : NULL;
		json_object_set_new(o, u != NULL ? u + 1 : name, json_integer((json_int_t)vals[i].value));
	}
	return o;
}

uint64_t
vhost_guest_kicks(struct vhostd *d, struct guest *g)
{
	/* Workers that sleep read the kicks of the TX vrings they wait on. */
	uint64_t seen = worker_guest_kicks(d, g->index), total = seen - g->kicks_read;

	g->kicks_read = seen;
	if (g->state != GUEST_RUNNING)
		return total;
	/* While we poll, nobody reads a vring's kick eventfd: its counter is the
	 * number of times the guest notified us since the last read.  With
	 * suppression working it stays near zero.  A guest in adaptive or
	 * interrupt mode has its TX kick eventfds read by the workers: reading
	 * them here would steal their wake-ups. */
	for (uint16_t i = 0; i < g->nb_vrings; i++) {
		struct rte_vhost_vring vr;
		uint64_t n;

		struct pollfd pfd;

		if (g->cfg.notify != NOTIFY_POLL && i % 2 == 1)
			continue;
		if (rte_vhost_get_vhost_vring(g->vid, i, &vr) != 0 || vr.kickfd < 0)
			continue;
		/* The fd comes from the frontend and may be a blocking eventfd:
		 * read only what is there, never wait (we hold d->lock). */
		pfd = (struct pollfd){ .fd = vr.kickfd, .events = POLLIN };
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) &&
		    read(vr.kickfd, &n, sizeof(n)) == sizeof(n))
			total += n;
	}
	return total;
}

static const char *const protocol_names[] = {
	[0] = "VHOST_USER_PROTOCOL_F_MQ",
	[1] = "VHOST_USER_PROTOCOL_F_LOG_SHMFD",
	[2] = "VHOST_USER_PROTOCOL_F_RARP",
	[3] = "VHOST_USER_PROTOCOL_F_REPLY_ACK",
	[4] = "VHOST_USER_PROTOCOL_F_NET_MTU",
	[5] = "VHOST_USER_PROTOCOL_F_SLAVE_REQ",
	[6] = "VHOST_USER_PROTOCOL_F_CROSS_ENDIAN",
	[7] = "VHOST_USER_PROTOCOL_F_CRYPTO_SESSION",
	[8] = "VHOST_USER_PROTOCOL_F_PAGEFAULT",
	[9] = "VHOST_USER_PROTOCOL_F_CONFIG",
	[10] = "VHOST_USER_PROTOCOL_F_SLAVE_SEND_FD",
	[11] = "VHOST_USER_PROTOCOL_F_HOST_NOTIFIER",
	[12] = "VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD",
	[13] = "VHOST_USER_PROTOCOL_F_RESET_DEVICE",
	[14] = "VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS",
	[15] = "VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS",
	[16] = "VHOST_USER_PROTOCOL_F_STATUS",
};

const char *
vhost_protocol_feature_name(unsigned int bit)
{
	return bit < RTE_DIM(protocol_names) ? protocol_names[bit] : NULL;
}

void
vhost_device_info(const struct guest *g, uint64_t *protocol, uint16_t *mtu, int *numa)
{
	*protocol = 0;
	*mtu = 0;
	*numa = -1;
	if (g->state != GUEST_RUNNING)
		return;
	rte_vhost_get_negotiated_protocol_features(g->vid, protocol);
	if (rte_vhost_get_mtu(g->vid, mtu) != 0)
		*mtu = 0;
	*numa = rte_vhost_get_numa_node(g->vid);
}

int
vhost_vring_info(const struct guest *g, uint16_t vring, struct vring_info *vi)
{
	struct rte_vhost_vring vr;
	bool event_idx = g->features & (1ULL << 29);	/* VIRTIO_RING_F_EVENT_IDX */

	memset(vi, 0, sizeof(*vi));
	vi->avail_idx = vi->used_idx = vi->used_event = -1;
	if (g->state != GUEST_RUNNING || vring >= g->nb_vrings ||
	    rte_vhost_get_vhost_vring(g->vid, vring, &vr) != 0 || vr.desc == NULL)
		return -ENOENT;
	vi->size = vr.size;
	rte_vhost_get_vring_base(g->vid, vring, &vi->last_avail_idx, &vi->last_used_idx);
	if (g->features & (1ULL << 34)) {
		/* virtio 1.2, 2.8.10: event suppression structures. */
		const volatile struct vring_packed_desc_event *dev = vr.device_event;
		const volatile struct vring_packed_desc_event *drv = vr.driver_event;

		vi->kicks_suppressed = dev->flags == VRING_PACKED_EVENT_FLAG_DISABLE;
		vi->guest_suppresses_interrupts = drv->flags == VRING_PACKED_EVENT_FLAG_DISABLE;
		return 0;
	}
	/* virtio 1.2, 2.7.7 and 2.7.10: flags, or with EVENT_IDX the event
	 * indexes after the rings (avail_event after used->ring[size], used_event
	 * after avail->ring[size]). */
	const volatile struct vring_avail *avail = vr.avail;
	const volatile struct vring_used *used = vr.used;

	vi->avail_idx = avail->idx;
	vi->used_idx = used->idx;
	if (event_idx) {
		/* The used ring is an array of 8-byte elements: avail_event is the
		 * 16-bit word right after it. */
		const volatile uint16_t *after_used =
			(const volatile uint16_t *)((uintptr_t)used + offsetof(struct vring_used, ring) +
						    vr.size * sizeof(struct vring_used_elem));
		uint16_t avail_event = *after_used;

		vi->used_event = avail->ring[vr.size];
		/* Left behind by rte_vhost_enable_guest_notification(0). */
		vi->kicks_suppressed = avail_event != vi->last_avail_idx;
		vi->guest_suppresses_interrupts =
			(uint16_t)(vi->used_event + 1) != (uint16_t)vi->used_idx;
	} else {
		vi->kicks_suppressed = (used->flags & VRING_USED_F_NO_NOTIFY) != 0;
		vi->guest_suppresses_interrupts = (avail->flags & VRING_AVAIL_F_NO_INTERRUPT) != 0;
	}
	return 0;
}

/*
 * Messages librte_vhost 22.11 mishandles, refused before it sees them
 * (tests/hostile tries each; docs/security.md has the table).
 *
 * What the filter is given is librte_vhost's struct vhu_msg_context
 * (internal, vhost_user.h): the packed message (request, flags, size, then
 * a payload union), followed by the fds that came with it.  The union is
 * 632 bytes in 22.11, the largest payload it reads (measured: GET_FEATURES
 * with 632 payload bytes is answered, with 633 the connection is closed).
 * A refused message's fds are ours to close: after a filter's ERR,
 * librte_vhost closes the connection but not them (the hostile-fds-* and
 * hostile-repeat-inflight tests count vhostd's fds).
 *
 * GET_INFLIGHT_FD / SET_INFLIGHT_FD (31, 32) size a shared region from
 * num_queues * queue_size taken from the frontend, whether or not the
 * inflight protocol feature was negotiated: ten requests with 0xffff each
 * grew a 22.11 backend by ~10 GB and leaked fds (FIELD-NOTES).  Inflight
 * tracking serves vhost-user-blk; no virtio-net frontend uses it, and
 * vhostd does not offer the protocol feature, so both are refused.
 *
 * SET_MEM_TABLE (5): a region whose mmap_offset + memory_size overflows
 * fails to map, and 22.11 then leaks the region's fd (free_mem_region
 * closes only mapped regions).  Regions that wrap around the guest
 * physical or the frontend's address space are accepted by 22.11 and can
 * never be matched.  The table is checked whole here (vhost-user spec,
 * "Memory regions description": size, guest address, user address, mmap
 * offset), and each region must lie inside its file (fd_covers).
 *
 * SET_LOG_BASE (6): a dirty log larger than its file crashes vhostd with
 * SIGBUS at the first logged write (fd_covers).  A frontend can still
 * shrink a file after it was checked; sealed memfds (QEMU's memfd backend
 * seals by default) cannot be shrunk.
 */
#define VHOST_USER_GET_FEATURES 1
#define VHOST_USER_SET_FEATURES 2
#define VHOST_USER_SET_MEM_TABLE 5
#define VHOST_USER_SET_LOG_BASE 6
#define VHOST_USER_SET_VRING_KICK 12
#define VHOST_USER_SET_VRING_CALL 13
#define VHOST_USER_SET_VRING_ENABLE 18
#define VHOST_USER_GET_INFLIGHT_FD 31
#define VHOST_USER_SET_INFLIGHT_FD 32
#define VHOST_USER_PAYLOAD_SIZE 632	/* sizeof(VhostUserMsg.payload), 22.11 */
#define VHOST_USER_MAX_FDS 8		/* VHOST_MEMORY_MAX_NREGIONS */
#define VHOST_USER_NEED_REPLY (1u << 3)

struct vhost_user_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_ctx {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		struct {
			uint32_t nregions;
			uint32_t padding;
			struct vhost_user_region regions[VHOST_USER_MAX_FDS];
		} memory;
		uint8_t raw[VHOST_USER_PAYLOAD_SIZE];
	} payload;
	int fds[VHOST_USER_MAX_FDS];
	int fd_num;
} __attribute__((packed));

_Static_assert(offsetof(struct vhost_user_ctx, fds) == 12 + VHOST_USER_PAYLOAD_SIZE,
	       "librte_vhost 22.11 vhu_msg_context layout");
/* Where the fds sit depends on the payload union of one release: closing
 * the wrong ints would close vhostd's own fds.  Other releases: leave them. */
#define VHOST_USER_FDS_KNOWN (RTE_VER_YEAR == 22 && RTE_VER_MONTH == 11)

/*
 * The file behind fd must hold [offset, offset + size): librte_vhost maps
 * what the frontend announces, and touching a mapped page past the end of
 * the file is SIGBUS, for the whole of vhostd (measured: a dirty log of
 * 1 MiB on an empty memfd, then frames toward the guest).  Only regular
 * files (memfd, hugetlbfs, shm) have a size to check.
 */
static bool
fd_covers(int fd, uint64_t offset, uint64_t size)
{
	struct stat st;

	if (!VHOST_USER_FDS_KNOWN || fstat(fd, &st) != 0)
		return true;	/* librte_vhost will find out */
	return !S_ISREG(st.st_mode) || (st.st_size >= 0 && offset + size >= offset &&
					  offset + size <= (uint64_t)st.st_size);
}

static const char *
check_mem_table(const struct vhost_user_ctx *ctx)
{
	uint32_t n = ctx->payload.memory.nregions;

	if (ctx->size < offsetof(struct vhost_user_ctx, payload.memory.regions) -
			offsetof(struct vhost_user_ctx, payload) ||
	    n == 0 || n > VHOST_USER_MAX_FDS)
		return "bad region count";
	for (uint32_t i = 0; i < n; i++) {
		struct vhost_user_region r;

		memcpy(&r, &ctx->payload.memory.regions[i], sizeof(r));
		if (r.memory_size == 0)
			return "empty region";
		if (r.mmap_offset + r.memory_size < r.mmap_offset ||
		    r.guest_phys_addr + r.memory_size < r.guest_phys_addr ||
		    r.userspace_addr + r.memory_size < r.userspace_addr)
			return "region wraps around (offset, guest or user address + size)";
		if (ctx->fd_num == (int)n && !fd_covers(ctx->fds[i], r.mmap_offset, r.memory_size))
			return "region larger than its file";
	}
	return NULL;
}

static const char *
check_log_base(const struct vhost_user_ctx *ctx)
{
	uint64_t size, offset;

	if (ctx->size < 2 * sizeof(uint64_t) || ctx->fd_num != 1)
		return NULL;	/* librte_vhost refuses those */
	memcpy(&size, ctx->payload.raw, sizeof(size));
	memcpy(&offset, ctx->payload.raw + sizeof(size), sizeof(offset));
	return fd_covers(ctx->fds[0], offset, size) ? NULL : "dirty log larger than its file";
}

/* Close what came with a refused message.  The layout is checked as far as
 * it can be: a count librte_vhost could have written, and open fds. */
static void
close_msg_fds(struct vhost_user_ctx *ctx)
{
	int n = ctx->fd_num;

	if (!VHOST_USER_FDS_KNOWN || n < 0 || n > VHOST_USER_MAX_FDS)
		return;
	for (int i = 0; i < n; i++) {
		if (ctx->fds[i] >= 0 && fcntl(ctx->fds[i], F_GETFD) >= 0)
			close(ctx->fds[i]);
		ctx->fds[i] = -1;
	}
	ctx->fd_num = 0;
}

/*
 * The flight recorder's view of a message (events.h): what the frontend
 * asked for, as the filter saw it; refused ones with the reason.  Payloads
 * shorter than the request's are left to librte_vhost to refuse.
 */
static void
record_message(int vid, const struct vhost_user_ctx *ctx, const char *why)
{
	struct guest *g = guest_of_vid(vid);
	const uint8_t *p = ctx->payload.raw;
	uint64_t u = 0, v = 0, bytes = 0;
	bool log_all;

	if (g == NULL)
		return;
	if (why != NULL) {
		events_add(g->events, EV_REFUSED, ctx->request, 0, 0, why);
		return;
	}
	if (ctx->size >= sizeof(u))
		memcpy(&u, p, sizeof(u));
	if (ctx->size >= 2 * sizeof(u))
		memcpy(&v, p + sizeof(u), sizeof(v));
	switch (ctx->request) {
	case VHOST_USER_GET_FEATURES:
		events_add(g->events, EV_FEATURES_OFFERED, g->offered, 0, 0, NULL);
		break;
	case VHOST_USER_SET_FEATURES:
		if (ctx->size < sizeof(u))
			break;
		events_add(g->events, EV_FEATURES_SET, u, 0, 0, NULL);
		/* VHOST_F_LOG_ALL (vhost-user spec, "Migration"): dirty logging on/off. */
		log_all = RTE_VHOST_NEED_LOG(u);
		if (log_all != g->dirty_log)
			events_add(g->events, log_all ? EV_DIRTY_LOG_START : EV_DIRTY_LOG_STOP, u,
				   0, 0, NULL);
		g->dirty_log = log_all;
		break;
	case VHOST_USER_SET_MEM_TABLE:
		if (ctx->size < 8 || ctx->payload.memory.nregions > VHOST_USER_MAX_FDS)
			break;
		for (uint32_t i = 0; i < ctx->payload.memory.nregions; i++)
			bytes += ctx->payload.memory.regions[i].memory_size;
		events_add(g->events, EV_MEM_TABLE, ctx->payload.memory.nregions, bytes, 0, NULL);
		break;
	case VHOST_USER_SET_LOG_BASE:
		if (ctx->size >= 2 * sizeof(u))
			events_add(g->events, EV_DIRTY_LOG_BASE, u, v, 0, NULL);
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		/* vhost-user spec: bits 0-7 the vring, bit 8 set when no fd came. */
		if (ctx->size >= sizeof(u))
			events_add(g->events, ctx->request == VHOST_USER_SET_VRING_KICK ?
				   EV_KICK_FD : EV_CALL_FD, u & 0xff, !(u & 0x100), 0, NULL);
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		/* struct vhost_vring_state: u32 index, u32 num (1: enable). */
		if (ctx->size >= 8)
			events_add(g->events, (u >> 32) ? EV_VRING_ENABLE : EV_VRING_DISABLE,
				   u & 0xffffffff, 0, 0, NULL);
		break;
	default:
		break;
	}
}

static enum rte_vhost_msg_result
on_message(int vid, void *msg)
{
	struct vhost_user_ctx *ctx = msg;
	const char *why;
	struct guest *g;

	if (!connection_admitted(vid)) {
		/* Closed even when a reply is asked for: librte_vhost answers
		 * an ERR with NEED_REPLY and keeps the connection open. */
		ctx->flags &= ~VHOST_USER_NEED_REPLY;
		close_msg_fds(ctx);
		return RTE_VHOST_MSG_RESULT_ERR;
	}
	switch (ctx->request) {
	case VHOST_USER_GET_INFLIGHT_FD:
	case VHOST_USER_SET_INFLIGHT_FD:
		why = "inflight tracking is not offered";
		break;
	case VHOST_USER_SET_MEM_TABLE:
		why = check_mem_table(ctx);
		break;
	case VHOST_USER_SET_LOG_BASE:
		why = check_log_base(ctx);
		break;
	default:
		why = NULL;
		break;
	}
	record_message(vid, ctx, why);
	if (why == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;	/* librte_vhost's to handle */
	close_msg_fds(ctx);
	g = guest_of_vid(vid);
	if (g != NULL) {
		__atomic_fetch_add(&g->refused_msgs, 1, __ATOMIC_RELAXED);
		ratelimit_log(&g->log_limit, RTE_LOG_WARNING, "guest %s: refused vhost-user "
			      "request %u (%s); %s", g->cfg.name, ctx->request, why,
			      ctx->flags & VHOST_USER_NEED_REPLY ? "answered with an error" :
			      "the connection is closed");
	}
	return RTE_VHOST_MSG_RESULT_ERR;
}

static const struct rte_vhost_user_extern_ops message_filter = {
	.pre_msg_handle = on_message,
};

/*
 * librte_vhost 22.11 (socket.c, vhost_user_add_connection): a negative
 * return closes the new connection and frees its vid before the fd is
 * polled; no destroy_connection follows.
 */
static int
on_new_connection(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return -1;
	/* Without the filter no message is checked, and a waiting connection
	 * would never be decided on. */
	if (rte_vhost_extern_callback_register(vid, &message_filter, NULL) != 0) {
		LOG(ERR, "guest %s: cannot filter vhost-user messages; closing vid %d",
		    g->cfg.name, vid);
		return -1;
	}
	if (guest_conn_claim(g, vid) == 0) {
		serve_connection(g, vid);
	} else if (guest_conn_wait(g, vid) != 0) {
		refuse_connection(g, vid);
		return -EBUSY;
	}
	return 0;
}

static void
on_destroy_connection(int vid)
{
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return;
	if (guest_conn_is(g, vid)) {
		events_add(g->events, EV_DISCONNECT, (uint64_t)vid, 0, 0, NULL);
		LOG(INFO, "guest %s: vhost-user connection closed (vid %d)", g->cfg.name, vid);
	}
	guest_conn_release(g, vid);	/* the next frontend may be served */
}

static int
on_new_device(int vid)
{
	struct guest *g = guest_of_vid(vid);
	char names[1024];
	uint64_t features = 0;
	int ret;

	if (g == NULL)
		return -1;
	rte_vhost_get_negotiated_features(vid, &features);
	pthread_mutex_lock(&vhostd->lock);
	g->vid = vid;
	g->features = features;
	g->nb_vrings = rte_vhost_get_vring_num(vid);
	g->state = GUEST_RUNNING;
	g->nb_pairs = guest_served_pairs(g);
	g->connects++;
	/* Where librte_vhost found the guest's memory (it moves its own
	 * structures there, numa_realloc).  Read again on every new_device,
	 * so a device recreated after a memory table change is placed anew:
	 * destroy_device released its queues. */
	g->numa = rte_vhost_get_numa_node(vid);
	ret = dataplane_publish(vhostd);
	pthread_mutex_unlock(&vhostd->lock);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot publish poll lists: %s", g->cfg.name, strerror(-ret));
		return -1;
	}
	events_add(g->events, EV_DEVICE_READY, (uint64_t)vid, g->nb_vrings, 0, NULL);
	features_format(features, names, sizeof(names));
	LOG(INFO, "guest %s: device ready (vid %d), %s ring, %u vrings, serving %u queue "
	    "pair(s), NUMA node %d", g->cfg.name, vid,
	    features & (1ULL << 34) ? "packed" : "split", g->nb_vrings, g->nb_pairs,
	    rte_vhost_get_numa_node(vid));
	LOG(INFO, "guest %s: features 0x%016lx: %s", g->cfg.name, features, names);
	if (g->nb_vrings / 2 > g->cfg.queues)
		LOG(WARNING, "guest %s: the driver set up %u queue pairs, queues = %u: the "
		    "extra pairs are not served", g->cfg.name, g->nb_vrings / 2, g->cfg.queues);
	return 0;
}

static void
on_destroy_device(int vid)
{
	/* Keyed by the device, not the connection: the device served must
	 * stop whatever happened to its connection (workers still poll it),
	 * and no other vid may stop it. */
	struct guest *g = guest_of_socket(vid);

	if (g == NULL)
		return;
	pthread_mutex_lock(&vhostd->lock);
	if (g->state != GUEST_RUNNING || g->vid != vid) {
		pthread_mutex_unlock(&vhostd->lock);
		return;
	}
	g->state = GUEST_DOWN;
	g->nb_pairs = 0;
	g->disconnects++;
	if (dataplane_publish(vhostd) != 0)
		LOG(ERR, "guest %s: cannot publish poll lists", g->cfg.name);
	g->vid = -1;
	pthread_mutex_unlock(&vhostd->lock);
	events_add(g->events, EV_DEVICE_STOPPED, (uint64_t)vid, 0, 0, NULL);
	LOG(INFO, "guest %s: device stopped (vid %d)", g->cfg.name, vid);
}

static int
on_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct guest *g = guest_of_vid(vid);

	/* Virtqueue locks held: record and defer (see the top of this file). */
	if (g == NULL || vring >= 64)
		return 0;
	if (enable)
		__atomic_fetch_or(&g->vring_enabled, 1ULL << vring, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&g->vring_enabled, ~(1ULL << vring), __ATOMIC_RELEASE);
	__atomic_store_n(&g->vring_changed, 1, __ATOMIC_RELEASE);
	wake_main();
	return 0;
}

static int
on_features_changed(int vid, uint64_t features)
{
	struct guest *g = guest_of_vid(vid);

	if (g != NULL)
		LOG(INFO, "guest %s: features changed to 0x%016lx%s", g->cfg.name, features,
		    RTE_VHOST_NEED_LOG(features) ? " (dirty logging: migration)" : "");
	return 0;
}

static const struct rte_vhost_device_ops device_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state_changed,
	.features_changed = on_features_changed,
	.new_connection = on_new_connection,
	.destroy_connection = on_destroy_connection,
};

int
vhost_init(struct vhostd *d)
{
	vhostd = d;
	d->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return d->event_fd < 0 ? -errno : 0;
}

/*
 * Server mode: make sure the socket's directory exists, and remove a socket
 * file left by a process that died, but never one somebody listens on.
 */
static int
prepare_server_path(const struct guest *g)
{
	const char *path = g->cfg.socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[VHOSTD_PATH_MAX];
	struct stat st;
	char *slash;
	int fd, ret;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			LOG(ERR, "guest %s: cannot create %s: %s", g->cfg.name, dir, strerror(errno));
			return -errno;
		}
	}
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		LOG(ERR, "guest %s: %s exists and is not a socket", g->cfg.name, path);
		return -EEXIST;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (ret == 0) {
		LOG(ERR, "guest %s: %s is in use by another process", g->cfg.name, path);
		return -EADDRINUSE;
	}
	LOG(INFO, "guest %s: removing stale socket %s", g->cfg.name, path);
	return unlink(path) == 0 ? 0 : -errno;
}

static bool
has_socket_perms(const struct config_guest *c)
{
	return c->mode == GUEST_MODE_SERVER &&
	       (c->socket_uid != (uid_t)-1 || c->socket_gid != (gid_t)-1 || c->socket_mode >= 0);
}

/*
 * Server mode: give the socket librte_vhost just bound its socket-owner,
 * -group and -mode.  Changed through an O_PATH|O_NOFOLLOW descriptor, so
 * that a symlink swapped in by whoever can write the directory is never
 * followed (chown(2) on a path would follow it).
 */
static int
apply_socket_perms(const struct guest *g)
{
	const struct config_guest *c = &g->cfg;
	char proc[40];
	struct stat st;
	int fd, ret = 0;

	fd = open(c->socket, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = -errno;
		LOG(ERR, "guest %s: cannot open socket %s to set its permissions: %s", c->name,
		    c->socket, strerror(-ret));
		goto out;
	}
	if (!S_ISSOCK(st.st_mode)) {
		ret = -EEXIST;
		LOG(ERR, "guest %s: %s is no longer a socket; not changing it", c->name, c->socket);
		goto out;
	}
	/*
	 * The mode first, while the socket is still vhostd's: chmod(2) of a file
	 * owned by someone else takes CAP_FOWNER, which the systemd unit does not
	 * grant.  Until the chown below, the mode's user and group bits are
	 * those of vhostd's own user and group, so nobody else gets in early.
	 * fchmod() refuses O_PATH descriptors; the /proc link reaches the inode.
	 */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (c->socket_mode >= 0 && chmod(proc, (mode_t)c->socket_mode) != 0) {
		ret = -errno;
		LOG(ERR, "guest %s: cannot set mode %04o on socket %s: %s", c->name,
		    (unsigned int)c->socket_mode, c->socket, strerror(-ret));
		goto out;
	}
	if ((c->socket_uid != (uid_t)-1 || c->socket_gid != (gid_t)-1) &&
	    fchownat(fd, "", c->socket_uid, c->socket_gid, AT_EMPTY_PATH) != 0) {
		ret = -errno;
		LOG(ERR, "guest %s: cannot give socket %s to user '%s' group '%s': %s (socket-owner "
		    "needs CAP_CHOWN; without it socket-group must be a group of vhostd's user)",
		    c->name, c->socket, c->socket_owner[0] ? c->socket_owner : "(unchanged)",
		    c->socket_group[0] ? c->socket_group : "(unchanged)", strerror(-ret));
		goto out;
	}
	LOG(INFO, "guest %s: socket %s owner %s, group %s, mode %04o", c->name, c->socket,
	    c->socket_owner[0] ? c->socket_owner : "(vhostd's)",
	    c->socket_group[0] ? c->socket_group : "(vhostd's)",
	    c->socket_mode >= 0 ? (unsigned int)c->socket_mode : st.st_mode & 0777);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
vhost_guest_register(struct vhostd *d, struct guest *g)
{
	const char *path = g->cfg.socket;
	uint64_t flags = 0, lib = 0, missing;
	mode_t old_umask = 0;
	char names[1024];
	bool perms;
	int ret;

	/* Per-vring counters in librte_vhost, among them the interrupts raised
	 * toward the guest (guest_notifications), for guest show. */
	if (d->cfg.daemon.vring_stats)
		flags |= RTE_VHOST_USER_NET_STATS_ENABLE;
	if (g->cfg.mode == GUEST_MODE_CLIENT) {
		flags |= RTE_VHOST_USER_CLIENT;	/* reconnects until QEMU listens */
	} else {
		ret = prepare_server_path(g);
		if (ret != 0)
			return ret;
	}
	/* 1. register */
	if (rte_vhost_driver_register(path, flags) != 0) {
		LOG(ERR, "guest %s: cannot register vhost-user socket %s", g->cfg.name, path);
		return -EINVAL;
	}
	/* 2. feature policy */
	rte_vhost_driver_get_features(path, &lib);
	g->offered = features_offer(lib, g->cfg.features_on, g->cfg.features_off);
	if (g->cfg.queues == 1)
		g->offered &= ~(1ULL << 22);	/* VIRTIO_NET_F_MQ: nothing to steer */
	/* TCP over IPv6 is segmented only by hardware (librte_gso 22.11 has no
	 * IPv6 TCP): offer HOST_TSO6 when the uplink does it. */
	if ((d->uplinks[g->uplink].tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    !(g->cfg.features_off & (1ULL << FEATURE_HOST_TSO6)))
		g->offered |= lib & (1ULL << FEATURE_HOST_TSO6);
	if ((g->offered & (1ULL << FEATURE_HOST_TSO6)) &&
	    !(d->uplinks[g->uplink].tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		LOG(WARNING, "guest %s: host-tso6 offered by policy but uplink %s cannot segment: "
		    "IPv6 TSO frames to it will be dropped (drop_bad_offload)", g->cfg.name,
		    g->cfg.uplink);
	missing = g->cfg.features_on & ~lib;
	if (missing != 0) {
		features_format(missing, names, sizeof(names));
		LOG(WARNING, "guest %s: librte_vhost cannot offer %s", g->cfg.name, names);
	}
	/* Only ever remove bits: rte_vhost_driver_set_features() would also
	 * switch off librte_vhost's built-in net backend (it takes the caller
	 * for a device of its own), and every burst call would then fail. */
	ret = rte_vhost_driver_disable_features(path, lib & ~g->offered);
	/* No inflight tracking for a net device (see on_message). */
	if (ret == 0) {
		uint64_t proto = 0;

		rte_vhost_driver_get_protocol_features(path, &proto);
		ret = rte_vhost_driver_set_protocol_features(path,
			proto & ~(1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
	}
	/* 3. callbacks */
	if (ret == 0)
		ret = rte_vhost_driver_callback_register(path, &device_ops);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot set up %s", g->cfg.name, path);
		goto err_unregister;
	}
	g->registered = true;
	/* 4. start: server mode listens now; client mode starts connecting.
	 * A socket with permissions of its own is born 0600 (bind(2) follows
	 * the umask; no other thread creates files meanwhile) and opened up
	 * only by apply_socket_perms(): nobody else connects in between. */
	perms = has_socket_perms(&g->cfg);
	if (perms)
		old_umask = umask(0177);
	ret = rte_vhost_driver_start(path);
	if (perms)
		umask(old_umask);
	if (ret != 0) {
		LOG(ERR, "guest %s: cannot start vhost-user socket %s", g->cfg.name, path);
		g->registered = false;
		goto err_unregister;
	}
	ret = perms ? apply_socket_perms(g) : 0;
	if (ret != 0) {
		g->registered = false;
		rte_vhost_driver_unregister(path);	/* removes the socket file */
		return ret;			/* EPERM says "CAP_CHOWN" to guest.add */
	}
	features_format(g->offered, names, sizeof(names));
	LOG(INFO, "guest %s: %s %s, uplink %s, offering %s", g->cfg.name,
	    g->cfg.mode == GUEST_MODE_CLIENT ? "connecting to" : "listening on", path,
	    g->cfg.uplink, names);
	return 0;

err_unregister:
	rte_vhost_driver_unregister(path);
	return -EINVAL;
}

void
vhost_guest_unregister(struct vhostd *d, struct guest *g)
{
	(void)d;
	if (!g->registered)
		return;
	/* Closes the connection; destroy_device runs first if the device is up
	 * (destroy_connection does not: the connection is released here). */
	if (rte_vhost_driver_unregister(g->cfg.socket) != 0)
		LOG(WARNING, "guest %s: unregister %s failed", g->cfg.name, g->cfg.socket);
	guest_conn_forget(g);
	g->registered = false;
}
