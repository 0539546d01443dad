/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HOSTILE_VU_H
#define HOSTILE_VU_H

/*
 * A minimal vhost-user frontend (docs: QEMU docs/interop/vhost-user.rst),
 * written from the protocol description so that it can also say things a
 * real frontend never would.  Guest memory is one memfd mapped here; guest
 * physical address 0 is the start of the memfd.  Two vrings (one queue
 * pair), split or packed, built by hand in that memory.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requests (vhost-user.rst, "Front-end message types"). */
enum {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_SLAVE_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_POSTCOPY_ADVISE = 28,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
};

#define VU_VERSION 0x1
#define VU_NEED_REPLY (1u << 3)
#define VU_VRING_NOFD (1u << 8)
#define VU_MAX_REGIONS 8
#define VU_HDR_SIZE 12

/* Feature bits used here (virtio 1.2, 5.1.3 and 6). */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_HOST_TSO4 11
#define F_MRG_RXBUF 15
#define F_LOG_ALL 26
#define F_INDIRECT_DESC 28
#define F_EVENT_IDX 29
#define F_PROTOCOL_FEATURES 30
#define F_VERSION_1 32
#define F_RING_PACKED 34

struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/* virtio 1.2, 5.1.6: the header in front of every frame (VERSION_1: 12 bytes). */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_GSO_TCPV4 1

/* Descriptor flags: split (2.7.5) and packed (2.8.1). */
#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4
#define D_AVAIL (1u << 7)
#define D_USED (1u << 15)

struct desc_split {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct desc_packed {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct vu_vq {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int kick, call;
	uint16_t avail_idx;	/* split: next avail->idx; packed: next slot */
	uint16_t next_desc;	/* split: next free descriptor slot */
	uint16_t posted;	/* chains made available */
	bool wrap;		/* packed: driver ring wrap counter */
};

struct vu {
	int sock;
	int memfd;
	uint8_t *mem;
	uint64_t memsz;
	uint64_t features;	/* negotiated */
	uint16_t qsize;
	bool packed;
	struct vu_vq vq[2];	/* 0: RX (device writes), 1: TX (device reads) */
};

/* Guest memory layout (guest physical addresses). */
#define VU_MEM_SIZE (4u << 20)
#define VU_BUF_BASE 0x100000u
#define VU_BUF_SIZE 2048u

int vu_connect(struct vu *v, const char *path);
void vu_close(struct vu *v);

/* One message: header (request, flags, size = len), payload, fds. */
int vu_send(struct vu *v, uint32_t req, uint32_t flags, const void *payload, uint32_t len,
	    const int *fds, int nfds);
/* Raw bytes on the socket, with fds, no framing. */
int vu_send_raw(struct vu *v, const void *buf, size_t len, const int *fds, int nfds);
/* A reply's u64 payload (val NULL: a reply of any size, e.g. the empty one
 * librte_vhost 22.11 sends to SET_LOG_BASE); -EPIPE if the backend closed
 * the connection, -ETIMEDOUT if nothing came within ms. */
int vu_recv_u64(struct vu *v, uint32_t req, uint64_t *val, int ms);
/* true when the backend still answers GET_FEATURES (a round trip: every
 * message sent before has been handled). */
bool vu_alive(struct vu *v);
/* true when the backend closed the connection within ms. */
bool vu_closed(struct vu *v, int ms);

/* Guest memory; the region table describing it. */
int vu_mem_create(struct vu *v);
void vu_mem_region(const struct vu *v, struct vu_region *r);
static inline void *
vu_gpa(const struct vu *v, uint64_t gpa)
{
	return v->mem + gpa;
}

/*
 * A valid device: features (wanted & offered), memory table, two vrings of
 * qsize, kick and call eventfds.  Returns 0 when the backend answered after
 * the last message (the device is then running on its side).
 */
int vu_setup(struct vu *v, uint64_t want, bool packed, uint16_t qsize);
/* The same, stopping after a stage: features negotiated (SET_FEATURES),
 * memory table sent, vrings set up but never kicked (no SET_VRING_KICK: not
 * ready for librte_vhost), or ready (vu_setup).  Only READY waits for an
 * answer after the last message. */
enum vu_stage { VU_STAGE_FEATURES, VU_STAGE_MEM_TABLE, VU_STAGE_VRINGS, VU_STAGE_READY };
int vu_setup_until(struct vu *v, uint64_t want, bool packed, uint16_t qsize, enum vu_stage last);
int vu_set_vring(struct vu *v, uint32_t req, uint32_t index, uint32_t num);
int vu_set_vring_addr(struct vu *v, int q);

/*
 * Make a chain of n descriptors available on vring q, at the next free
 * slots.  Split: a NEXT descriptor whose next is VU_AUTO links to the
 * following slot; VU_RAW | i is descriptor index i as is; any other next
 * is an offset from the head's slot (0 makes a loop).  Packed: id VU_AUTO means the head's slot; AVAIL/USED are
 * set from the wrap counter, the head's flags written last.  Returns the
 * head's slot.
 */
#define VU_AUTO 0xffff
#define VU_RAW 0x8000
uint16_t vu_split_post(struct vu *v, int q, const struct desc_split *d, int n);
uint16_t vu_packed_post(struct vu *v, int q, const struct desc_packed *d, int n);
/* A well-formed frame (header + 60-byte Ethernet frame) into buffer slot
 * buf; posted on the TX vring. */
void vu_frame(struct vu *v, uint32_t buf, const uint8_t src[6], struct vnet_hdr *hdr,
	      uint32_t *len);
void vu_post_frame(struct vu *v, uint32_t buf, const uint8_t src[6]);
/* Descriptors the device has returned on vring q so far. */
uint16_t vu_used(const struct vu *v, int q);

#endif
