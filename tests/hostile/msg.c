/* SPDX-License-Identifier: BSD-3-Clause */
/* Message-level attacks: framing, fds, repetition, memory tables, vring
 * numbers, order (see hostile.c for what a case prints). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hostile.h"

int
case_truncated_header(void)
{
	struct vu v;
	uint32_t hdr[3] = { VU_GET_FEATURES, VU_VERSION, 0 };

	if (fresh(&v) != 0)
		return 2;
	vu_send_raw(&v, hdr, 6, NULL, 0);	/* half a header, then silence */
	printf("result: %s\n", vu_closed(&v, 2000) ? "closed" : "alive");
	vu_close(&v);
	return 0;
}

int
case_oversize_payload(void)
{
	static const uint32_t sizes[] = { 4096, 65536, 0x7fffffff, 0xffffffff };
	int closed = 0;

	for (unsigned int i = 0; i < 4; i++) {
		uint32_t msg[3 + 16] = { VU_SET_FEATURES, VU_VERSION, sizes[i] };
		struct vu v;

		if (fresh(&v) != 0)
			return 2;
		vu_send_raw(&v, msg, sizeof(msg), NULL, 0);
		closed += vu_closed(&v, 2000);
		vu_close(&v);
	}
	return report("payload size larger than the message", closed, 4);
}

int
case_unknown_request(void)
{
	static const uint32_t reqs[] = { 0, 23, 26, 27, 33, 34, 35, 36, 37, 38, 41, 60,
					 1000, 0x7fffffff, 0xffffffff };
	int n = (int)(sizeof(reqs) / sizeof(reqs[0])), closed = 0;

	for (int i = 0; i < n; i++) {
		uint64_t zero[4] = { 0 };
		struct vu v;

		if (fresh_negotiated(&v) != 0)
			return 2;
		vu_send(&v, reqs[i], 0, zero, sizeof(zero), NULL, 0);
		const char *o = outcome(&v);

		printf("request %u: %s\n", reqs[i], o);
		closed += strcmp(o, "closed") == 0;
		vu_close(&v);
	}
	return report("unknown request codes", closed, n);
}

/* Every request that carries fds, with the wrong number of them; and a
 * request that carries none, with one. */
struct fd_req {
	uint32_t req;
	int want;	/* fds the request carries */
	uint32_t len;	/* payload size */
};

static const struct fd_req fd_reqs[] = {
	{ VU_SET_MEM_TABLE, 1, 8 + 32 },
	{ VU_SET_LOG_BASE, 1, 16 },
	{ VU_SET_LOG_FD, 1, 0 },
	{ VU_SET_VRING_KICK, 1, 8 },
	{ VU_SET_VRING_CALL, 1, 8 },
	{ VU_SET_VRING_ERR, 1, 8 },
	{ VU_SET_SLAVE_REQ_FD, 1, 0 },
	{ VU_SET_INFLIGHT_FD, 1, 24 },
	{ VU_ADD_MEM_REG, 1, 8 + 32 },
	{ VU_SET_FEATURES, 0, 8 },
	{ VU_SET_VRING_NUM, 0, 8 },
	{ VU_GET_FEATURES, 0, 0 },
};

static void
fill_payload(const struct vu *v, uint32_t req, uint8_t *p, uint32_t len)
{
	memset(p, 0, len);
	if (req == VU_SET_MEM_TABLE) {
		uint32_t one = 1;

		memcpy(p, &one, 4);
		vu_mem_region(v, (struct vu_region *)(p + 8));
	} else if (req == VU_ADD_MEM_REG) {
		vu_mem_region(v, (struct vu_region *)(p + 8));
	} else if (req == VU_SET_LOG_BASE) {
		uint64_t size = 4096;

		memcpy(p, &size, 8);
	} else if (req == VU_SET_INFLIGHT_FD) {
		uint64_t size = 4096;
		uint16_t nq = 2, qs = QSIZE;

		memcpy(p, &size, 8);
		memcpy(p + 16, &nq, 2);
		memcpy(p + 18, &qs, 2);
	} else if (req == VU_SET_VRING_NUM) {
		uint32_t num = QSIZE;

		memcpy(p + 4, &num, 4);
	}
}

static int
wrong_fds(int delta)
{
	int n = (int)(sizeof(fd_reqs) / sizeof(fd_reqs[0])), closed = 0, sent = 0;

	for (int i = 0; i < n; i++) {
		int want = fd_reqs[i].want + delta;
		int fds[16];
		uint8_t payload[64];
		struct vu v;

		if (want < 0)
			continue;	/* cannot send fewer than none */
		if (fresh_negotiated(&v) != 0)
			return 2;
		for (int k = 0; k < want; k++)
			fds[k] = eventfd(0, EFD_CLOEXEC);
		fill_payload(&v, fd_reqs[i].req, payload, fd_reqs[i].len);
		vu_send(&v, fd_reqs[i].req, 0, payload, fd_reqs[i].len, fds, want);
		for (int k = 0; k < want; k++)
			close(fds[k]);
		const char *o = outcome(&v);

		printf("request %u with %d fds (takes %d): %s\n", fd_reqs[i].req, want,
		       fd_reqs[i].want, o);
		closed += strcmp(o, "closed") == 0;
		sent++;
		vu_close(&v);
	}
	return report(delta > 0 ? "too many fds" : "too few fds", closed, sent);
}

int
case_fds_too_many(void)
{
	int r = wrong_fds(1);

	return r != 0 ? r : wrong_fds(8);	/* 9 and more: past SCM_RIGHTS room */
}

int
case_fds_too_few(void)
{
	return wrong_fds(-1);
}

static int
repeat(uint32_t req, int times)
{
	struct vu v;
	int i;

	if (fresh_negotiated(&v) != 0)
		return 2;
	for (i = 0; i < times; i++) {
		uint8_t payload[64];
		uint32_t len = 0;
		int fd = -1;

		if (req == VU_SET_MEM_TABLE) {
			len = 8 + 32;
			fd = v.memfd;
		} else if (req == VU_SET_VRING_KICK) {
			uint64_t file = (uint64_t)(i & 1);

			len = 8;
			memcpy(payload, &file, 8);
			fd = eventfd(0, EFD_CLOEXEC);
		} else if (req == VU_SET_LOG_BASE) {
			len = 16;
			fd = v.memfd;
		}
		if (req != VU_SET_VRING_KICK)
			fill_payload(&v, req, payload, len);
		if (vu_send(&v, req, 0, payload, len, &fd, fd >= 0) != 0)
			break;
		if (req == VU_SET_VRING_KICK)
			close(fd);
		if (req == VU_SET_LOG_BASE) {
			/* librte_vhost answers SET_LOG_BASE (QEMU waits for it). */
			if (vu_recv_u64(&v, VU_SET_LOG_BASE, NULL, 3000) != 0)
				break;
		}
	}
	printf("sent %d of %d\n", i, times);
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}

int
case_repeat_mem_table(void)
{
	return repeat(VU_SET_MEM_TABLE, 1000);
}

int
case_repeat_vring_kick(void)
{
	return repeat(VU_SET_VRING_KICK, 1000);
}

int
case_repeat_log_base(void)
{
	return repeat(VU_SET_LOG_BASE, 1000);
}

int
case_repeat_inflight(void)
{
	int closed = 0;

	/* Refused messages close the connection: a thousand connections. */
	for (int i = 0; i < 1000; i++) {
		uint8_t payload[24];
		uint32_t req = i & 1 ? VU_SET_INFLIGHT_FD : VU_GET_INFLIGHT_FD;
		struct vu v;

		if (fresh_negotiated(&v) != 0)
			return 2;
		fill_payload(&v, VU_SET_INFLIGHT_FD, payload, sizeof(payload));
		vu_send(&v, req, 0, payload, sizeof(payload), &v.memfd, req == VU_SET_INFLIGHT_FD);
		closed += vu_closed(&v, 2000);
		vu_close(&v);
	}
	return report("GET/SET_INFLIGHT_FD", closed, 1000);
}

int
mem_table(struct vu *v, uint32_t nregions, const struct vu_region *r, int nfds)
{
	struct {
		uint32_t nregions;
		uint32_t padding;
		struct vu_region r[VU_MAX_REGIONS];
	} mt = { .nregions = nregions };
	int fds[VU_MAX_REGIONS];

	for (int i = 0; i < VU_MAX_REGIONS; i++) {
		mt.r[i] = r[i < (int)nregions ? i : 0];
		fds[i] = v->memfd;
	}
	return vu_send(v, VU_SET_MEM_TABLE, 0, &mt, sizeof(mt), fds, nfds);
}

int
case_too_many_regions(void)
{
	struct vu_region r[VU_MAX_REGIONS];
	struct vu v;

	if (fresh_negotiated(&v) != 0)
		return 2;
	vu_mem_region(&v, &r[0]);
	for (int i = 1; i < VU_MAX_REGIONS; i++)
		r[i] = r[0];
	mem_table(&v, 9, r, VU_MAX_REGIONS);
	printf("9 regions (8 fds): %s\n", outcome(&v));
	vu_close(&v);
	if (fresh_negotiated(&v) != 0)
		return 2;
	mem_table(&v, 0xffffffff, r, VU_MAX_REGIONS);
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}

int
case_region_overflow(void)
{
	/* size + mmap_offset wraps; gpa + size wraps; uaddr + size wraps. */
	struct vu_region bad[4];
	int closed = 0;

	for (int i = 0; i < 4; i++) {
		struct vu v;

		if (fresh_negotiated(&v) != 0)
			return 2;
		vu_mem_region(&v, &bad[i]);
		if (i == 0)
			bad[i].mmap_offset = 0xfffffffffffff000ULL;
		else if (i == 1)
			bad[i].size = 0xfffffffffffff000ULL, bad[i].mmap_offset = 0x2000;
		else if (i == 2)
			bad[i].gpa = 0xffffffffffff0000ULL;
		else
			bad[i].uaddr = 0xffffffffffff0000ULL;
		mem_table(&v, 1, &bad[i], 1);
		const char *o = outcome(&v);

		printf("region gpa 0x%lx size 0x%lx uaddr 0x%lx offset 0x%lx: %s\n",
		       (unsigned long)bad[i].gpa, (unsigned long)bad[i].size,
		       (unsigned long)bad[i].uaddr, (unsigned long)bad[i].mmap_offset, o);
		closed += strcmp(o, "closed") == 0;
		vu_close(&v);
	}
	return report("region offset + size overflow", closed, 4);
}

int
case_vring_index(void)
{
	static const uint32_t idx[] = { 256, 257, 1000, 0xffffffff };
	int closed = 0;

	for (int i = 0; i < 4; i++) {
		struct vu v;

		if (fresh_negotiated(&v) != 0)
			return 2;
		vu_set_vring(&v, i & 1 ? VU_SET_VRING_BASE : VU_SET_VRING_NUM, idx[i], QSIZE);
		closed += strcmp(outcome(&v), "closed") == 0;
		vu_close(&v);
	}
	return report("vring index out of range", closed, 4);
}

int
case_ring_size(void)
{
	static const uint32_t nums[] = { 0, 3, 1000, 32769, 65535, 0xffffffff };
	int closed = 0;

	for (int i = 0; i < 6; i++) {
		struct vu v;

		if (fresh_negotiated(&v) != 0)
			return 2;
		vu_set_vring(&v, VU_SET_VRING_NUM, 0, nums[i]);
		const char *o = outcome(&v);

		printf("SET_VRING_NUM %u: %s\n", nums[i], o);
		closed += strcmp(o, "closed") == 0;
		vu_close(&v);
	}
	return report("non-power-of-two ring sizes", closed, 6);
}

/* SET_VRING_ADDR before SET_MEM_TABLE; SET_VRING_KICK before SET_FEATURES;
 * GET_VRING_BASE of a ring never started; then a valid setup on the same
 * connection must still work (or be refused, not crash). */
int
case_wrong_order(void)
{
	uint64_t file = 0;
	int kick = eventfd(0, EFD_CLOEXEC);
	struct vu v;
	int ret;

	if (fresh(&v) != 0 || vu_mem_create(&v) != 0)
		return 2;
	v.vq[0].desc_gpa = 0;
	v.vq[0].avail_gpa = 0x8000;
	v.vq[0].used_gpa = 0xc000;
	vu_send(&v, VU_SET_VRING_KICK, 0, &file, sizeof(file), &kick, 1);
	close(kick);
	vu_set_vring_addr(&v, 0);
	vu_set_vring(&v, VU_GET_VRING_BASE, 1, 0);
	vu_send(&v, VU_SET_VRING_ENABLE, 0, (uint32_t[2]){ 0, 1 }, 8, NULL, 0);
	printf("out of order: %s\n", outcome(&v));
	vu_close(&v);
	if (fresh(&v) != 0)
		return 2;
	ret = vu_setup(&v, BASE_FEATURES, false, QSIZE);
	printf("valid setup after: %s\n", ret == 0 ? "ok" : strerror(-ret));
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}
