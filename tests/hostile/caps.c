/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resources one connection can make vhostd allocate: vrings (up to 256 in
 * librte_vhost 22.11) of up to 32768 entries, each with shadow rings from
 * vhostd's heap.  With REPLY_ACK the frontend learns which SET_VRING_NUM
 * failed and keeps the connection, so it can fill the heap and stay.
 * The case then holds the connection (hold(): the test adds a guest and
 * connects a good one meanwhile).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

#define P_REPLY_ACK 3	/* VHOST_USER_PROTOCOL_F_REPLY_ACK */

static int
negotiate_reply_ack(struct vu *v)
{
	uint64_t f = 0, pf = 0;
	int ret = fresh(v);

	if (ret == 0)
		ret = vu_send(v, VU_GET_FEATURES, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_recv_u64(v, VU_GET_FEATURES, &f, 3000);
	f &= BASE_FEATURES | (1ULL << F_PROTOCOL_FEATURES);
	if (ret == 0)
		ret = vu_send(v, VU_SET_OWNER, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_send(v, VU_SET_FEATURES, 0, &f, sizeof(f), NULL, 0);
	if (ret == 0)
		ret = vu_send(v, VU_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_recv_u64(v, VU_GET_PROTOCOL_FEATURES, &pf, 3000);
	pf &= 1ULL << P_REPLY_ACK;
	if (ret == 0)
		ret = vu_send(v, VU_SET_PROTOCOL_FEATURES, 0, &pf, sizeof(pf), NULL, 0);
	if (ret == 0 && pf == 0)
		ret = -ENOTSUP;
	return ret;
}

/* SET_VRING_NUM with NEED_REPLY: 0 accepted, 1 refused, -errno. */
static int
vring_num(struct vu *v, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { index, num };
	uint64_t ack = 0;
	int ret = vu_send(v, VU_SET_VRING_NUM, VU_NEED_REPLY, st, sizeof(st), NULL, 0);

	if (ret == 0)
		ret = vu_recv_u64(v, VU_SET_VRING_NUM, &ack, 3000);
	return ret != 0 ? ret : ack != 0;
}

/*
 * Every vring librte_vhost allows, 32768 entries each; where that is
 * refused, 4096.  Stops at the first vring refused both ways (the heap is
 * as full as this connection can make it), then holds.
 */
int
case_vring_flood(void)
{
	unsigned int big = 0, small = 0, refused = 0, last = 0;
	struct vu v;
	int r = 0;

	if (negotiate_reply_ack(&v) != 0)
		return 2;
	for (last = 0; last < 256; last++) {
		r = vring_num(&v, last, 32768);
		if (r == 0) {
			big++;
			continue;
		}
		if (r < 0)
			break;
		refused++;
		r = vring_num(&v, last, 4096);
		if (r != 0) {
			refused += r > 0;
			break;
		}
		small++;
	}
	printf("vrings set up: %u of 32768 entries, %u of 4096; %u refused; stopped at vring %u "
	       "(%s)\n", big, small, refused, last, r < 0 ? strerror(-r) : r ? "refused" : "end");
	hold();
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}

/* The queue count the backend announces, and ring sizes over the cap on
 * the vrings a guest with one queue pair has. */
int
case_ring_size_cap(void)
{
	static const uint32_t nums[] = { 4096, 8192, 16384, 32768 };
	unsigned int refused = 0;
	uint64_t max = 0;
	struct vu v;

	if (negotiate_reply_ack(&v) != 0)
		return 2;
	/* What the backend says it takes (QEMU checks its queues against it). */
	if (vu_send(&v, VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0) != 0 ||
	    vu_recv_u64(&v, VU_GET_QUEUE_NUM, &max, 3000) != 0)
		return 2;
	printf("GET_QUEUE_NUM: %lu\n", (unsigned long)max);
	for (uint32_t q = 0; q < 3; q++) {
		for (unsigned int i = 0; i < 4; i++) {
			int r = vring_num(&v, q, nums[i]);

			if (r < 0) {
				printf("SET_VRING_NUM %u on vring %u: %s\n", nums[i], q, strerror(-r));
				printf("result: closed\n");
				vu_close(&v);
				return 0;
			}
			printf("SET_VRING_NUM %u on vring %u: %s\n", nums[i], q,
			       r ? "refused" : "accepted");
			refused += r;
		}
	}
	printf("%u of 12 refused\n", refused);
	printf("result: %s\n", outcome(&v));
	vu_close(&v);
	return 0;
}
