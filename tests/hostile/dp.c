/* SPDX-License-Identifier: BSD-3-Clause */
/* Datapath attacks: bad descriptor chains, buffers and virtio-net headers
 * on a valid device, and guest memory rewritten under vhostd. */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

/*
 * Set up a valid device, post the bad chain(s), then one good frame, and
 * report how many chains came back used.  librte_vhost consumes a vring in
 * order, so the good frame coming back means the bad chain was skipped;
 * its staying means the vring is stuck on the bad chain (the guest hurt
 * only itself).
 */
typedef void (*post_fn)(struct vu *v);

static int
datapath(uint64_t extra, bool packed, post_fn post, int settle_ms)
{
	struct vu v;
	uint16_t posted;
	int ret;

	if (fresh(&v) != 0)
		return 2;
	ret = vu_setup(&v, BASE_FEATURES | extra, packed, QSIZE);
	if (ret != 0) {
		fprintf(stderr, "hostile: setup: %s\n", strerror(-ret));
		vu_close(&v);
		return 2;
	}
	msleep(200);	/* vhostd publishes the device to its workers */
	post(&v);
	vu_post_frame(&v, 200, evil_mac);
	posted = v.vq[1].posted;
	/* Until everything came back, or settle_ms (the bad chain stays). */
	for (int t = 0; t < settle_ms / 10 && vu_used(&v, 1) != posted; t++)
		msleep(10);
	msleep(100);	/* and nothing more comes back */
	printf("result: %s used=%u/%u\n", outcome(&v), vu_used(&v, 1), posted);
	vu_close(&v);
	return 0;
}

static uint64_t
buf_gpa(uint32_t buf)
{
	return VU_BUF_BASE + (uint64_t)buf * VU_BUF_SIZE;
}

static void
post_split_loop(struct vu *v)
{
	uint32_t len;
	struct desc_split d[2];

	vu_frame(v, 0, evil_mac, NULL, &len);
	d[0] = (struct desc_split){ .addr = buf_gpa(0), .len = 12, .flags = D_NEXT, .next = 1 };
	d[1] = (struct desc_split){ .addr = buf_gpa(0) + 12, .len = 60, .flags = D_NEXT, .next = 0 };
	vu_split_post(v, 1, d, 2);
}

static void
post_packed_loop(struct vu *v)
{
	/* A packed chain cannot loop; the nearest thing: a chain that never
	 * ends (NEXT on every descriptor of the ring). */
	struct desc_packed d[QSIZE];
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	for (int i = 0; i < QSIZE - 1; i++)
		d[i] = (struct desc_packed){ .addr = buf_gpa(0), .len = 12, .id = VU_AUTO,
					     .flags = D_NEXT };
	vu_packed_post(v, 1, d, QSIZE - 1);
}

static void
post_long_chain(struct vu *v)
{
	/* All descriptors of the ring but one in one chain, the last pointing
	 * past the table (a chain as long as the ring would have to loop). */
	struct desc_split d[QSIZE - 1];
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	for (int i = 0; i < QSIZE - 1; i++)
		d[i] = (struct desc_split){ .addr = buf_gpa(0), .len = 12, .flags = D_NEXT,
					    .next = VU_AUTO };
	d[QSIZE - 2].next = VU_RAW | (QSIZE + 7);
	vu_split_post(v, 1, d, QSIZE - 1);
}

static void
post_one(struct vu *v, uint64_t addr, uint32_t len, uint16_t flags)
{
	if (v->packed) {
		struct desc_packed d = { .addr = addr, .len = len, .id = VU_AUTO, .flags = flags };

		vu_packed_post(v, 1, &d, 1);
	} else {
		struct desc_split d = { .addr = addr, .len = len, .flags = flags };

		vu_split_post(v, 1, &d, 1);
	}
}

static void
post_zero_len(struct vu *v)
{
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	post_one(v, buf_gpa(0), 0, 0);
}

static void
post_unmapped(struct vu *v)
{
	post_one(v, 0x40000000ULL, 72, 0);		/* past the only region */
	post_one(v, VU_MEM_SIZE - 8, 72, 0);		/* runs off its end */
	post_one(v, 0xfffffffffffffff0ULL, 72, 0);	/* addr + len wraps */
}

static void
post_short_chain(struct vu *v)
{
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	post_one(v, buf_gpa(0), 6, 0);	/* half a virtio-net header */
	post_one(v, buf_gpa(1), 12, 0);	/* a header and no frame */
}

static void
post_indirect(struct vu *v)
{
	/* An indirect table of 17 bytes, one of 0 bytes, one of 1 MiB (more
	 * entries than the ring), and one whose entry points back into
	 * itself as another indirect table. */
	struct desc_split *t = vu_gpa(v, buf_gpa(10));
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	t[0] = (struct desc_split){ .addr = buf_gpa(0), .len = len };
	post_one(v, buf_gpa(10), 17, D_INDIRECT);
	post_one(v, buf_gpa(10), 0, D_INDIRECT);
	post_one(v, buf_gpa(10), 1u << 20, D_INDIRECT);
	t = vu_gpa(v, buf_gpa(11));
	t[0] = (struct desc_split){ .addr = buf_gpa(11), .len = 16, .flags = D_INDIRECT };
	post_one(v, buf_gpa(11), 16, D_INDIRECT);
}

static void
post_packed_bad_id(struct vu *v)
{
	struct desc_packed d = { .addr = buf_gpa(0), .id = 0xfff0 };
	uint32_t len;

	vu_frame(v, 0, evil_mac, NULL, &len);
	d.len = len;
	vu_packed_post(v, 1, &d, 1);
	d.id = 3;	/* the id of a buffer still outstanding below */
	vu_packed_post(v, 1, &d, 1);
	vu_packed_post(v, 1, &d, 1);
}

static void
post_cross_region(struct vu *v)
{
	/* Two regions, adjacent in guest physical space but not in the
	 * backend's mapping; one frame straddles them. */
	struct vu_region r[2];
	uint64_t at = VU_MEM_SIZE / 2 - 30;
	uint8_t frame[72];
	uint32_t len;

	vu_mem_region(v, &r[0]);
	r[0].size = VU_MEM_SIZE / 2;
	r[1] = r[0];
	r[1].gpa = r[1].mmap_offset = VU_MEM_SIZE / 2;
	r[1].uaddr += VU_MEM_SIZE / 2;
	mem_table(v, 2, r, 2);
	vu_frame(v, 0, evil_mac, NULL, &len);
	memcpy(frame, vu_gpa(v, buf_gpa(0)), len);
	memcpy(vu_gpa(v, at), frame, len);
	post_one(v, at, len, 0);
}

static void
offload_frame_n(struct vu *v, uint32_t buf, const struct vnet_hdr *h, uint32_t *len,
		uint16_t payload)
{
	/* IPv4 + TCP + payload bytes. */
	uint8_t *p = vu_gpa(v, buf_gpa(buf));
	uint8_t *ip = p + sizeof(*h) + 14, *tcp = ip + 20;
	uint16_t tot = (uint16_t)(20 + 20 + payload);

	vu_frame(v, buf, evil_mac, (struct vnet_hdr *)h, len);
	p[sizeof(*h) + 12] = 0x08;
	p[sizeof(*h) + 13] = 0x00;
	memset(ip, 0, tot);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = 1;
	ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 2;
	tcp[12] = 5 << 4;
	*len = (uint32_t)(sizeof(*h) + 14 + tot);
}

static void
offload_frame(struct vu *v, uint32_t buf, const struct vnet_hdr *h, uint32_t *len)
{
	offload_frame_n(v, buf, h, len, 100);
}

/* One IPv4/TCP frame of payload bytes behind h, in buffer buf, posted. */
static void
post_offload(struct vu *v, uint32_t buf, const struct vnet_hdr *h, uint16_t payload)
{
	uint32_t len;

	offload_frame_n(v, buf, h, &len, payload);
	post_one(v, buf_gpa(buf), len, 0);
}

/* A TCPv4 GSO frame as a guest driver would post it, but for gso_size. */
static void
post_gso(struct vu *v, uint16_t gso_size, uint16_t payload)
{
	struct vnet_hdr h = { .flags = VNET_HDR_F_NEEDS_CSUM, .gso_type = VNET_HDR_GSO_TCPV4,
			      .hdr_len = 14 + 20 + 20, .gso_size = gso_size,
			      .csum_start = 14 + 20, .csum_offset = 16 };

	post_offload(v, 0, &h, payload);
}

static void
post_csum_start(struct vu *v)
{
	struct vnet_hdr h = { .flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 4000,
			      .csum_offset = 16 };

	post_offload(v, 0, &h, 100);
	h.csum_start = 14 + 20;
	h.csum_offset = 3000;	/* the checksum field past the frame */
	post_offload(v, 1, &h, 100);
}

static void
post_gso_zero(struct vu *v)
{
	post_gso(v, 0, 100);
}

static void
post_gso_tiny(struct vu *v)
{
	/* 1400 bytes in segments of 1: more segments than vhostd makes of a
	 * frame (OFFLOAD_MAX_FRAMES in offload.h). */
	post_gso(v, 1, 1400);
}

/*
 * Frames at full rate for FLOOD_S seconds: the TX vring is kept full, each
 * chain reposted as soon as it comes back.  All descriptors point at one
 * buffer (vhostd only reads it).  A well-formed IPv4/TCP frame with the
 * header h: with gso_type 2 (no such type, virtio 1.2, 5.1.6) librte_vhost
 * 22.11 logs "unsupported gso type" for every frame.
 */
#define FLOOD_S 3

static void
flood(struct vu *v, const struct vnet_hdr *h)
{
	struct timespec t0, t;
	unsigned long sent = 0;
	uint32_t len;

	offload_frame(v, 0, h, &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		while ((uint16_t)(v->vq[1].avail_idx - vu_used(v, 1)) < QSIZE - 1) {
			post_one(v, buf_gpa(0), len, 0);
			sent++;
		}
		msleep(0);	/* a yield: the ring is full */
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < FLOOD_S);
	printf("flood: %lu frames in %d s\n", sent, FLOOD_S);
}

static void
post_flood_gso_type(struct vu *v)
{
	struct vnet_hdr h = { .gso_type = 2, .hdr_len = 14 + 20 + 20, .gso_size = 1448 };

	flood(v, &h);
}

/* The control: the same frames without an offload request. */
static void
post_flood_valid(struct vu *v)
{
	struct vnet_hdr h = { 0 };

	flood(v, &h);
}

/* Guest memory rewritten while vhostd reads it: a thread flips the length
 * (and address) of every TX descriptor while frames are posted. */
static volatile int flipping;

static void *
flipper(void *arg)
{
	struct vu *v = arg;
	uint32_t x = 12345;

	while (__atomic_load_n(&flipping, __ATOMIC_RELAXED)) {
		for (int i = 0; i < QSIZE; i++) {
			x = x * 1103515245u + 12345u;
			if (v->packed) {
				struct desc_packed *d = vu_gpa(v, v->vq[1].desc_gpa);

				__atomic_store_n(&d[i].len, x >> 16, __ATOMIC_RELAXED);
			} else {
				struct desc_split *d = vu_gpa(v, v->vq[1].desc_gpa);

				__atomic_store_n(&d[i].len, x >> 16, __ATOMIC_RELAXED);
				if (x & 0x100)
					__atomic_store_n(&d[i].flags, (uint16_t)(x & 7),
							 __ATOMIC_RELAXED);
				__atomic_store_n(&d[i].next, (uint16_t)(x >> 20), __ATOMIC_RELAXED);
			}
		}
	}
	return NULL;
}

static void
post_flip(struct vu *v)
{
	pthread_t t;

	flipping = 1;
	pthread_create(&t, NULL, flipper, v);
	for (int i = 0; i < 2000; i++) {
		vu_post_frame(v, (uint32_t)(i % 64), evil_mac);
		/* keep the vring from filling: repost what came back */
		if (!v->packed && (uint16_t)(v->vq[1].avail_idx - vu_used(v, 1)) >= QSIZE - 1)
			break;
		if (v->packed && i >= QSIZE - 2)
			break;
		if (i % 16 == 0)
			msleep(1);
	}
	msleep(1000);
	__atomic_store_n(&flipping, 0, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
}

int case_split_loop(void) { return datapath(0, false, post_split_loop, 1500); }
int case_packed_loop(void) { return datapath(0, true, post_packed_loop, 1500); }
int case_long_chain(void) { return datapath(0, false, post_long_chain, 1500); }
int case_zero_len(void) { return datapath(0, false, post_zero_len, 1500); }
int case_unmapped(void) { return datapath(0, false, post_unmapped, 1500); }
int case_unmapped_packed(void) { return datapath(0, true, post_unmapped, 1500); }
int case_cross_region(void) { return datapath(0, false, post_cross_region, 1500); }
int case_short_chain(void) { return datapath(0, false, post_short_chain, 1500); }
int case_short_chain_packed(void) { return datapath(0, true, post_short_chain, 1500); }
int case_indirect(void)
{
	return datapath(1ULL << F_INDIRECT_DESC, false, post_indirect, 1500);
}
int case_packed_bad_id(void) { return datapath(0, true, post_packed_bad_id, 1500); }
int case_csum_start(void) { return datapath(1ULL << F_CSUM, false, post_csum_start, 1500); }
int case_gso_zero(void)
{
	return datapath((1ULL << F_CSUM) | (1ULL << F_HOST_TSO4), false, post_gso_zero, 1500);
}
int case_gso_tiny(void)
{
	return datapath((1ULL << F_CSUM) | (1ULL << F_HOST_TSO4), false, post_gso_tiny, 1500);
}
int case_flip(void) { return datapath(0, false, post_flip, 2000); }
int case_flood_gso_type(void)
{
	return datapath((1ULL << F_CSUM) | (1ULL << F_HOST_TSO4), false, post_flood_gso_type, 1500);
}
int case_flood_valid(void)
{
	return datapath((1ULL << F_CSUM) | (1ULL << F_HOST_TSO4), false, post_flood_valid, 1500);
}
int case_flip_packed(void) { return datapath(0, true, post_flip, 2000); }

/*
 * RX direction: frames vhostd floods toward this guest land in buffers it
 * posted on vring 0.  One connection per kind of bad buffer, each kept up
 * for a while (the test has the good guest send broadcasts meanwhile).
 */
static int
rx_bad(bool packed)
{
	const char *what[] = { "read-only", "zero-length", "unmapped", "loop" };
	int alive = 0;

	for (int k = 0; k < 4; k++) {
		struct vu v;

		if (fresh(&v) != 0 || vu_setup(&v, BASE_FEATURES, packed, QSIZE) != 0) {
			vu_close(&v);
			return 2;
		}
		if (packed) {
			struct desc_packed d = { .addr = buf_gpa(0), .len = VU_BUF_SIZE,
						 .id = VU_AUTO, .flags = D_WRITE };

			if (k == 0)
				d.flags = 0;
			else if (k == 1)
				d.len = 0;
			else if (k == 2)
				d.addr = 0x40000000ULL;
			else
				d.flags |= D_NEXT;	/* a chain that never ends */
			for (int i = 0; i < (k == 3 ? QSIZE - 1 : 1); i++)
				vu_packed_post(&v, 0, &d, 1);
		} else {
			struct desc_split d[2] = {
				{ .addr = buf_gpa(0), .len = VU_BUF_SIZE, .flags = D_WRITE },
				{ .addr = buf_gpa(1), .len = VU_BUF_SIZE, .flags = D_WRITE | D_NEXT,
				  .next = 0 },
			};

			if (k == 0)
				d[0].flags = 0;
			else if (k == 1)
				d[0].len = 0;
			else if (k == 2)
				d[0].addr = 0x40000000ULL;
			else
				d[0].flags |= D_NEXT, d[0].next = VU_AUTO;
			vu_split_post(&v, 0, d, k == 3 ? 2 : 1);
		}
		msleep(700);
		const char *o = outcome(&v);

		printf("RX buffer %s: %s, %u of %u used\n", what[k], o, vu_used(&v, 0),
		       v.vq[0].posted);
		alive += strcmp(o, "alive") == 0;
		vu_close(&v);
	}
	printf("result: %s\n", alive == 4 ? "alive" : alive == 0 ? "closed" : "mixed");
	return 0;
}

/*
 * Dirty logging (live migration): VHOST_F_LOG_ALL, then SET_LOG_BASE of
 * size bytes at offset of a file file_size long, then RX buffers (the good
 * guest floods broadcasts into them) and tx_frames frames: with the log on,
 * every write into guest memory and every used ring entry sets a bit.
 */
static int
dirty_log(uint64_t size, uint64_t offset, off_t file_size, const char *what, int tx_frames)
{
	struct {
		uint64_t size, offset;
	} log = { size, offset };
	int fd = memfd_create("hostile-log", MFD_CLOEXEC);
	struct vu v;
	int ret;

	if (fd < 0 || ftruncate(fd, file_size) != 0 || fresh(&v) != 0)
		return 2;
	ret = vu_setup(&v, BASE_FEATURES | (1ULL << F_LOG_ALL), false, QSIZE);
	if (ret == 0)
		ret = vu_send(&v, VU_SET_LOG_BASE, 0, &log, sizeof(log), &fd, 1);
	close(fd);
	if (ret == 0)
		ret = vu_recv_u64(&v, VU_SET_LOG_BASE, NULL, 3000);
	printf("SET_LOG_BASE of %lu bytes %s: %s\n", (unsigned long)log.size, what,
	       ret == -EPIPE ? "closed" : ret != 0 ? strerror(-ret) : "answered");
	if (ret == 0) {
		for (uint32_t i = 0; i < 64; i++) {
			struct desc_split d = { .addr = buf_gpa(i), .len = VU_BUF_SIZE,
						.flags = D_WRITE };

			vu_split_post(&v, 0, &d, 1);
		}
		for (int i = 0; i < tx_frames; i++)
			vu_post_frame(&v, 100 + (uint32_t)i, evil_mac);
		msleep(1500);
		printf("RX buffers used: %u of 64, TX chains used: %u of %d\n", vu_used(&v, 0),
		       vu_used(&v, 1), tx_frames);
	}
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}

/* A log file shorter than the size announced: a write to a mapped page
 * past the end of a file is SIGBUS. */
int
case_log_base_short(void)
{
	return dirty_log(1u << 20, 0, 0, "on an empty file", 0);
}

/* A log at a non-zero offset of a file long enough.  librte_vhost
 * 22.11.11 maps [offset, offset + size) of the file but writes the bits at
 * mapping + offset + bit / 8: past the mapping, into whatever vhostd has
 * there.  Both directions are logged. */
int
case_log_base_offset(void)
{
	return dirty_log(4096, 1ULL << 30, (off_t)(1ULL << 30) + 4096, "at offset 1073741824", 16);
}

/*
 * Dirty logging done right, as QEMU does it around a live migration: on a
 * running device, VHOST_F_LOG_ALL acked, a log that fits its file, then
 * VHOST_F_LOG_ALL cleared (the migration ended).  The control case of
 * log-base-short, and what the flight recorder's dirty-log-start,
 * dirty-log-base and dirty-log-stop events are checked against.
 */
int
case_migrate_log(void)
{
	struct {
		uint64_t size, offset;
	} log = { 4096, 0 };
	uint64_t f;
	struct vu v;
	int ret;

	if (fresh(&v) != 0)
		return 2;
	ret = vu_setup(&v, BASE_FEATURES, false, QSIZE);
	f = v.features | (1ULL << F_LOG_ALL);
	if (ret == 0)
		ret = vu_send(&v, VU_SET_FEATURES, 0, &f, sizeof(f), NULL, 0);
	if (ret == 0)
		ret = vu_send(&v, VU_SET_LOG_BASE, 0, &log, sizeof(log), &v.memfd, 1);
	if (ret == 0)
		ret = vu_recv_u64(&v, VU_SET_LOG_BASE, NULL, 3000);
	f = v.features;
	if (ret == 0)
		ret = vu_send(&v, VU_SET_FEATURES, 0, &f, sizeof(f), NULL, 0);
	printf("dirty logging on, a log of %lu bytes, off again: %s\n", (unsigned long)log.size,
	       ret != 0 ? strerror(-ret) : "ok");
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}

int case_rx_bad(void) { return rx_bad(false); }
int case_rx_bad_packed(void) { return rx_bad(true); }

/* A valid device and one good frame: the control case. */
static void post_nothing(struct vu *v) { (void)v; }
int case_valid(void) { return datapath(0, false, post_nothing, 1500); }
