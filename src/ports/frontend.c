/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What vhostd accepts from a vhost-user frontend: the messages librte_vhost
 * 22.11 would mishandle, refused before it sees them (vhost.c's on_message
 * calls frontend_msg_check), and reads of the fds the frontend handed over.
 * tests/hostile tries each; docs/security.md has the table.
 *
 * What the filter is given is librte_vhost's struct vhu_msg_context
 * (internal, vhost_user.h): the packed message (request, flags, size, then
 * a payload union), followed by the fds that came with it.  The union is
 * 632 bytes in 22.11, the largest payload it reads (measured: GET_FEATURES
 * with 632 payload bytes is answered, with 633 the connection is closed).
 * A refused message's fds are ours to close: after a filter's ERR,
 * librte_vhost closes the connection but not them (the hostile-fds-* and
 * hostile-repeat-inflight tests count vhostd's fds).  Fields are read
 * whatever the message's size says: librte_vhost reads them so too.
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
 * seals by default) cannot be shrunk.  And the log must start at offset 0
 * of its file: 22.11.11 (like upstream since 2024, "fix offset while
 * mapping log base address") maps mmap(0, size, fd, offset) but sets
 * log_base = addr + offset, so every dirty bit lands offset bytes past the
 * mapping, in whatever vhostd has mapped there.  QEMU (vhost-user.c,
 * vhost_user_set_log_base) always sends mmap_offset 0.
 *
 * SET_VRING_NUM/ADDR/BASE, GET_VRING_BASE, SET_VRING_ENABLE and
 * SET_VRING_KICK/CALL/ERR (8-14, 18) name a vring: 22.11 accepts any up to
 * 255 and SET_VRING_NUM any power of two up to 32768, allocating shadow
 * rings from vhostd's heap for each (about 40 bytes an entry: 256 vrings
 * of 32768 took 335 MB, more than [daemon] memory, and no other guest could
 * start).  A guest gets the vrings of its queues pairs plus one control
 * queue (virtio 1.2, 5.1.2: index 2N), and rings of at most
 * FRONTEND_MAX_RING_SIZE entries.  GET_QUEUE_NUM (17) is answered here
 * with the guest's queues, not librte_vhost's 128: QEMU then refuses a
 * netdev with more queues at start ("you are asking more queues than
 * supported") instead of failing at the first vring past them.
 *
 * SET_VRING_KICK/CALL/ERR carry an fd (unless bit 8, "no fd", is set) that
 * vhostd reads (kicks) and librte_vhost writes (eventfd_write on the call
 * fd, from a worker).  A pipe, a socket or a file there can block either
 * for good: a stuck worker never reports a quiescent state, the next poll
 * list publish waits for it with the lock held, and the watchdog kills
 * vhostd.  So it must be an eventfd (vhost-user spec: "an eventfd"), and
 * it is made non-blocking here, before librte_vhost stores it: an eventfd
 * write only waits when the counter would pass 2^64 - 2, which the
 * frontend can arrange on a blocking one.  O_NONBLOCK belongs to the open
 * file, which the frontend shares and can change back; vhostd's own reads
 * do not depend on it (notify_fd_read), librte_vhost's call writes do
 * (docs/security.md, "Still open").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_version.h>
#include <rte_vhost.h>

#include "ports/frontend.h"
#include "vhostd/events.h"

#define VHOST_USER_GET_FEATURES 1
#define VHOST_USER_SET_FEATURES 2
#define VHOST_USER_SET_MEM_TABLE 5
#define VHOST_USER_SET_LOG_BASE 6
#define VHOST_USER_SET_VRING_NUM 8
#define VHOST_USER_SET_VRING_ADDR 9
#define VHOST_USER_SET_VRING_BASE 10
#define VHOST_USER_GET_VRING_BASE 11
#define VHOST_USER_SET_VRING_KICK 12
#define VHOST_USER_SET_VRING_CALL 13
#define VHOST_USER_SET_VRING_ERR 14
#define VHOST_USER_GET_QUEUE_NUM 17
#define VHOST_USER_SET_VRING_ENABLE 18
#define VHOST_USER_GET_INFLIGHT_FD 31
#define VHOST_USER_SET_INFLIGHT_FD 32
#define VHOST_USER_PAYLOAD_SIZE 632	/* sizeof(VhostUserMsg.payload), 22.11 */
#define VHOST_USER_MAX_FDS 8		/* VHOST_MEMORY_MAX_NREGIONS */
#define VHOST_USER_VRING_IDX_MASK 0xffu	/* vhost-user spec: "vring descriptor index" */
#define VHOST_USER_VRING_NOFD (1u << 8)
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
		struct {
			uint32_t index;	/* also the first field of vring_addr */
			uint32_t num;
		} state;
		uint64_t u64;
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

/* No system call says "eventfd"; the kernel names its anonymous inode. */
static bool
fd_is_eventfd(int fd)
{
	char proc[40], link[32];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") == 0;
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
	if (offset != 0)
		return "dirty log at a non-zero mmap_offset (its bits would land past the mapping)";
	return fd_covers(ctx->fds[0], offset, size) ? NULL : "dirty log larger than its file";
}

static const char *
check_vring(const struct vhost_user_ctx *ctx, unsigned int queues)
{
	uint32_t index, num;

	switch (ctx->request) {
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		index = (uint32_t)(ctx->payload.u64 & VHOST_USER_VRING_IDX_MASK);
		break;
	default:
		memcpy(&index, &ctx->payload.state.index, sizeof(index));
		break;
	}
	if (index > 2 * queues)
		return "vring beyond the guest's queues and control queue";
	if (ctx->request == VHOST_USER_SET_VRING_NUM) {
		memcpy(&num, &ctx->payload.state.num, sizeof(num));
		if (num > FRONTEND_MAX_RING_SIZE)
			return "ring larger than " RTE_STR(FRONTEND_MAX_RING_SIZE) " entries";
	}
	if (ctx->request >= VHOST_USER_SET_VRING_KICK && ctx->request <= VHOST_USER_SET_VRING_ERR &&
	    !(ctx->payload.u64 & VHOST_USER_VRING_NOFD) && ctx->fd_num == 1 && VHOST_USER_FDS_KNOWN) {
		int fl;

		if (!fd_is_eventfd(ctx->fds[0]))
			return "notification fd is not an eventfd";
		fl = fcntl(ctx->fds[0], F_GETFL);
		if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(ctx->fds[0], F_SETFL, fl | O_NONBLOCK) != 0))
			return "notification fd cannot be made non-blocking";
	}
	return NULL;
}

const char *
frontend_msg_check(const void *msg, unsigned int queues)
{
	const struct vhost_user_ctx *ctx = msg;

	switch (ctx->request) {
	case VHOST_USER_GET_INFLIGHT_FD:
	case VHOST_USER_SET_INFLIGHT_FD:
		return "inflight tracking is not offered";
	case VHOST_USER_SET_MEM_TABLE:
		return check_mem_table(ctx);
	case VHOST_USER_SET_LOG_BASE:
		return check_log_base(ctx);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_ADDR:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
	case VHOST_USER_SET_VRING_ENABLE:
		return check_vring(ctx, queues);
	default:
		return NULL;
	}
}

bool
frontend_msg_answer(void *msg, unsigned int queues)
{
	struct vhost_user_ctx *ctx = msg;

	if (ctx->request != VHOST_USER_GET_QUEUE_NUM)
		return false;
	ctx->payload.u64 = queues;
	ctx->size = sizeof(ctx->payload.u64);
	ctx->fd_num = 0;
	return true;
}

uint32_t
frontend_msg_request(const void *msg, bool *needs_reply)
{
	const struct vhost_user_ctx *ctx = msg;

	*needs_reply = ctx->flags & VHOST_USER_NEED_REPLY;
	return ctx->request;
}

/*
 * The flight recorder's view of a message (events.h): what the frontend
 * asked for, as the filter saw it; refused ones with the reason.  Payloads
 * shorter than the request's are left to librte_vhost to refuse.
 */
void
frontend_msg_record(struct events *ev, const void *msg, const char *why, uint64_t offered,
		    bool *dirty_log)
{
	const struct vhost_user_ctx *ctx = msg;
	const uint8_t *p = ctx->payload.raw;
	uint64_t u = 0, v = 0, bytes = 0;
	bool log_all;

	if (why != NULL) {
		events_add(ev, EV_REFUSED, ctx->request, 0, 0, why);
		return;
	}
	if (ctx->size >= sizeof(u))
		memcpy(&u, p, sizeof(u));
	if (ctx->size >= 2 * sizeof(u))
		memcpy(&v, p + sizeof(u), sizeof(v));
	switch (ctx->request) {
	case VHOST_USER_GET_FEATURES:
		events_add(ev, EV_FEATURES_OFFERED, offered, 0, 0, NULL);
		break;
	case VHOST_USER_SET_FEATURES:
		if (ctx->size < sizeof(u))
			break;
		events_add(ev, EV_FEATURES_SET, u, 0, 0, NULL);
		/* VHOST_F_LOG_ALL (vhost-user spec, "Migration"): dirty logging on/off. */
		log_all = RTE_VHOST_NEED_LOG(u);
		if (log_all != *dirty_log)
			events_add(ev, log_all ? EV_DIRTY_LOG_START : EV_DIRTY_LOG_STOP, u,
				   0, 0, NULL);
		*dirty_log = log_all;
		break;
	case VHOST_USER_SET_MEM_TABLE:
		if (ctx->size < 8 || ctx->payload.memory.nregions > VHOST_USER_MAX_FDS)
			break;
		for (uint32_t i = 0; i < ctx->payload.memory.nregions; i++)
			bytes += ctx->payload.memory.regions[i].memory_size;
		events_add(ev, EV_MEM_TABLE, ctx->payload.memory.nregions, bytes, 0, NULL);
		break;
	case VHOST_USER_SET_LOG_BASE:
		if (ctx->size >= 2 * sizeof(u))
			events_add(ev, EV_DIRTY_LOG_BASE, u, v, 0, NULL);
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		/* vhost-user spec: bits 0-7 the vring, bit 8 set when no fd came. */
		if (ctx->size >= sizeof(u))
			events_add(ev, ctx->request == VHOST_USER_SET_VRING_KICK ?
				   EV_KICK_FD : EV_CALL_FD, u & 0xff, !(u & 0x100), 0, NULL);
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		/* struct vhost_vring_state: u32 index, u32 num (1: enable). */
		if (ctx->size >= 8)
			events_add(ev, (u >> 32) ? EV_VRING_ENABLE : EV_VRING_DISABLE,
				   u & 0xffffffff, 0, 0, NULL);
		break;
	default:
		break;
	}
}

/* Refuse a message and close the connection: no answer is sent even when
 * one is asked for (librte_vhost answers an ERR with NEED_REPLY and keeps
 * the connection open). */
void
frontend_msg_refuse(void *msg)
{
	struct vhost_user_ctx *ctx = msg;

	ctx->flags &= ~VHOST_USER_NEED_REPLY;
	frontend_msg_close_fds(msg);
}

/* Close what came with a refused message.  The layout is checked as far as
 * it can be: a count librte_vhost could have written, and open fds. */
void
frontend_msg_close_fds(void *msg)
{
	struct vhost_user_ctx *ctx = msg;
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
