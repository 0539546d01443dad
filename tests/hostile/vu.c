/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user frontend half of the hostile client (see vu.h). */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vu.h"

int
vu_connect(struct vu *v, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(v, 0, sizeof(*v));
	v->memfd = -1;
	for (int i = 0; i < 2; i++)
		v->vq[i].kick = v->vq[i].call = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	v->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->sock < 0)
		return -errno;
	if (connect(v->sock, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = -errno;

		close(v->sock);
		v->sock = -1;
		return err;
	}
	return 0;
}

void
vu_close(struct vu *v)
{
	if (v->sock >= 0)
		close(v->sock);
	for (int i = 0; i < 2; i++) {
		if (v->vq[i].kick >= 0)
			close(v->vq[i].kick);
		if (v->vq[i].call >= 0)
			close(v->vq[i].call);
	}
	if (v->mem != NULL)
		munmap(v->mem, v->memsz);
	if (v->memfd >= 0)
		close(v->memfd);
	v->sock = v->memfd = -1;
	v->mem = NULL;
}

int
vu_send_raw(struct vu *v, const void *buf, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 16)
		return -EINVAL;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (sendmsg(v->sock, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		return -errno ? -errno : -EIO;
	return 0;
}

int
vu_send(struct vu *v, uint32_t req, uint32_t flags, const void *payload, uint32_t len,
	const int *fds, int nfds)
{
	uint8_t buf[VU_HDR_SIZE + 4096];
	uint32_t hdr[3] = { req, VU_VERSION | flags, len };

	if (len > sizeof(buf) - VU_HDR_SIZE)
		return -EINVAL;
	memcpy(buf, hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + VU_HDR_SIZE, payload, len);
	return vu_send_raw(v, buf, VU_HDR_SIZE + len, fds, nfds);
}

static int
recv_all(struct vu *v, void *buf, size_t len, int ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = v->sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		n = recv(v->sock, (char *)buf + got, len - got, 0);
		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == ECONNRESET ? -EPIPE : -errno;
		got += (size_t)n;
	}
	return 0;
}

int
vu_recv_u64(struct vu *v, uint32_t req, uint64_t *val, int ms)
{
	uint32_t hdr[3];
	uint8_t payload[512];
	int ret;

	ret = recv_all(v, hdr, sizeof(hdr), ms);
	if (ret != 0)
		return ret;
	if (hdr[2] > sizeof(payload))
		return -EPROTO;
	ret = recv_all(v, payload, hdr[2], ms);
	if (ret != 0)
		return ret;
	if (hdr[0] != req || (val != NULL && hdr[2] < sizeof(*val))) {
		fprintf(stderr, "hostile: reply %u (size %u) to request %u\n", hdr[0], hdr[2], req);
		return -EPROTO;
	}
	if (val != NULL)
		memcpy(val, payload, sizeof(*val));
	return 0;
}

bool
vu_alive(struct vu *v)
{
	uint64_t f;

	return vu_send(v, VU_GET_FEATURES, 0, NULL, 0, NULL, 0) == 0 &&
	       vu_recv_u64(v, VU_GET_FEATURES, &f, 3000) == 0;
}

bool
vu_closed(struct vu *v, int ms)
{
	char buf[256];

	for (;;) {
		struct pollfd p = { .fd = v->sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return false;
		n = recv(v->sock, buf, sizeof(buf), 0);
		if (n <= 0)
			return true;	/* EOF or reset */
		/* a stray reply: keep reading until EOF or silence */
	}
}

int
vu_mem_create(struct vu *v)
{
	v->memsz = VU_MEM_SIZE;
	v->memfd = memfd_create("hostile-guest", MFD_CLOEXEC);
	if (v->memfd < 0 || ftruncate(v->memfd, (off_t)v->memsz) != 0)
		return -errno;
	v->mem = mmap(NULL, v->memsz, PROT_READ | PROT_WRITE, MAP_SHARED, v->memfd, 0);
	if (v->mem == MAP_FAILED) {
		v->mem = NULL;
		return -errno;
	}
	return 0;
}

void
vu_mem_region(const struct vu *v, struct vu_region *r)
{
	r->gpa = 0;
	r->size = v->memsz;
	r->uaddr = (uint64_t)(uintptr_t)v->mem;
	r->mmap_offset = 0;
}

int
vu_set_vring(struct vu *v, uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t st[2] = { index, num };

	return vu_send(v, req, 0, st, sizeof(st), NULL, 0);
}

int
vu_set_vring_addr(struct vu *v, int q)
{
	struct vu_vring_addr a = {
		.index = (uint32_t)q,
		.desc = (uint64_t)(uintptr_t)vu_gpa(v, v->vq[q].desc_gpa),
		.avail = (uint64_t)(uintptr_t)vu_gpa(v, v->vq[q].avail_gpa),
		.used = (uint64_t)(uintptr_t)vu_gpa(v, v->vq[q].used_gpa),
	};

	return vu_send(v, VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
}

int
vu_setup(struct vu *v, uint64_t want, bool packed, uint16_t qsize)
{
	return vu_setup_until(v, want, packed, qsize, VU_STAGE_READY);
}

int
vu_setup_until(struct vu *v, uint64_t want, bool packed, uint16_t qsize, enum vu_stage last)
{
	struct {
		uint32_t nregions;
		uint32_t padding;
		struct vu_region r[1];
	} mt = { .nregions = 1 };
	uint64_t offered = 0;
	int ret;

	ret = vu_send(v, VU_GET_FEATURES, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_recv_u64(v, VU_GET_FEATURES, &offered, 3000);
	if (ret != 0)
		return ret;
	if (packed)
		want |= 1ULL << F_RING_PACKED;
	v->features = want & offered;
	if ((v->features & want) != want) {
		fprintf(stderr, "hostile: backend offers 0x%016lx, wanted 0x%016lx\n",
			(unsigned long)offered, (unsigned long)want);
		return -ENOTSUP;
	}
	v->packed = packed;
	v->qsize = qsize;
	if (v->mem == NULL && (ret = vu_mem_create(v)) != 0)
		return ret;
	/* vring 0 at 0x0, vring 1 at 0x10000: descriptors, then the driver
	 * area (avail / driver event) at +0x8000, the device area (used /
	 * device event) at +0xc000. */
	for (int q = 0; q < 2; q++) {
		v->vq[q].desc_gpa = 0x10000u * (uint64_t)q;
		v->vq[q].avail_gpa = v->vq[q].desc_gpa + 0x8000;
		v->vq[q].used_gpa = v->vq[q].desc_gpa + 0xc000;
		v->vq[q].avail_idx = v->vq[q].next_desc = 0;
		v->vq[q].wrap = true;
	}
	memset(v->mem, 0, 0x20000);
	ret = vu_send(v, VU_SET_OWNER, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_send(v, VU_SET_FEATURES, 0, &v->features, sizeof(v->features), NULL, 0);
	if (ret != 0 || last == VU_STAGE_FEATURES)
		return ret;
	vu_mem_region(v, &mt.r[0]);
	ret = vu_send(v, VU_SET_MEM_TABLE, 0, &mt, sizeof(mt), &v->memfd, 1);
	for (int q = 0; q < 2 && ret == 0 && last >= VU_STAGE_VRINGS; q++) {
		int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		uint64_t file;

		if (v->vq[q].kick < 0)
			v->vq[q].kick = kick;
		else
			close(kick);
		if (v->vq[q].call < 0)
			v->vq[q].call = call;
		else
			close(call);
		ret = vu_set_vring(v, VU_SET_VRING_NUM, (uint32_t)q, qsize);
		/* Packed: bit 15 of the base is the wrap counter (starts at 1). */
		if (ret == 0)
			ret = vu_set_vring(v, VU_SET_VRING_BASE, (uint32_t)q, packed ? 1u << 15 : 0);
		if (ret == 0)
			ret = vu_set_vring_addr(v, q);
		file = (uint64_t)q;
		if (ret == 0)
			ret = vu_send(v, VU_SET_VRING_CALL, 0, &file, sizeof(file), &v->vq[q].call, 1);
		if (ret == 0 && last == VU_STAGE_READY)
			ret = vu_send(v, VU_SET_VRING_KICK, 0, &file, sizeof(file), &v->vq[q].kick, 1);
	}
	if (ret != 0 || last != VU_STAGE_READY)
		return ret;
	return vu_alive(v) ? 0 : -EPIPE;
}

/* Always notify: a backend that polls ignores it, one that sleeps
 * (adaptive notifications) needs it. */
static void
kick(const struct vu_vq *vq)
{
	uint64_t one = 1;

	if (vq->kick >= 0 && write(vq->kick, &one, sizeof(one)) < 0)
		perror("hostile: kick");
}

uint16_t
vu_split_post(struct vu *v, int q, const struct desc_split *d, int n)
{
	struct vu_vq *vq = &v->vq[q];
	struct desc_split *ring = vu_gpa(v, vq->desc_gpa);
	uint16_t *avail = vu_gpa(v, vq->avail_gpa);	/* flags, idx, ring[] */
	uint16_t head = vq->next_desc;

	for (int i = 0; i < n; i++) {
		uint16_t slot = (uint16_t)((head + i) % v->qsize);
		struct desc_split x = d[i];

		if (x.flags & D_NEXT)
			x.next = x.next == VU_AUTO ? (uint16_t)((slot + 1) % v->qsize)
				 : x.next & VU_RAW ? (uint16_t)(x.next & ~VU_RAW)
						   : (uint16_t)((head + x.next) % v->qsize);
		ring[slot] = x;
	}
	vq->next_desc = (uint16_t)((head + n) % v->qsize);
	avail[2 + vq->avail_idx % v->qsize] = head;
	vq->avail_idx++;
	vq->posted++;
	__atomic_store_n(&avail[1], vq->avail_idx, __ATOMIC_RELEASE);
	kick(vq);
	return head;
}

uint16_t
vu_packed_post(struct vu *v, int q, const struct desc_packed *d, int n)
{
	struct vu_vq *vq = &v->vq[q];
	struct desc_packed *ring = vu_gpa(v, vq->desc_gpa);
	uint16_t head = vq->avail_idx;
	uint16_t head_flags = 0;

	for (int i = 0; i < n; i++) {
		uint16_t slot = vq->avail_idx;
		uint16_t f = (uint16_t)(d[i].flags & ~(D_AVAIL | D_USED));

		/* virtio 1.2, 2.8.1: available = AVAIL equal to the wrap
		 * counter, USED the opposite. */
		f |= vq->wrap ? D_AVAIL : D_USED;
		ring[slot].addr = d[i].addr;
		ring[slot].len = d[i].len;
		ring[slot].id = d[i].id == VU_AUTO ? head : d[i].id;
		if (i == 0)
			head_flags = f;
		else
			__atomic_store_n(&ring[slot].flags, f, __ATOMIC_RELEASE);
		if (++vq->avail_idx == v->qsize) {
			vq->avail_idx = 0;
			vq->wrap = !vq->wrap;
		}
	}
	__atomic_store_n(&ring[head].flags, head_flags, __ATOMIC_RELEASE);
	vq->posted++;
	kick(vq);
	return head;
}

void
vu_frame(struct vu *v, uint32_t buf, const uint8_t src[6], struct vnet_hdr *hdr, uint32_t *len)
{
	uint8_t *p = vu_gpa(v, VU_BUF_BASE + (uint64_t)buf * VU_BUF_SIZE);
	/* to a unicast MAC nobody owns: it goes to the uplink */
	static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x07, 0x99 };

	memset(p, 0, sizeof(*hdr) + 60);
	if (hdr != NULL)
		memcpy(p, hdr, sizeof(*hdr));
	memcpy(p + sizeof(*hdr), dst, 6);
	memcpy(p + sizeof(*hdr) + 6, src, 6);
	p[sizeof(*hdr) + 12] = 0x88;	/* local experimental ethertype */
	p[sizeof(*hdr) + 13] = 0xb5;
	*len = sizeof(*hdr) + 60;
}

void
vu_post_frame(struct vu *v, uint32_t buf, const uint8_t src[6])
{
	uint64_t addr = VU_BUF_BASE + (uint64_t)buf * VU_BUF_SIZE;
	uint32_t len;

	vu_frame(v, buf, src, NULL, &len);
	if (v->packed) {
		struct desc_packed d = { .addr = addr, .len = len, .id = VU_AUTO };

		vu_packed_post(v, 1, &d, 1);
	} else {
		struct desc_split d = { .addr = addr, .len = len };

		vu_split_post(v, 1, &d, 1);
	}
}

uint16_t
vu_used(const struct vu *v, int q)
{
	if (v->packed) {
		const struct desc_packed *ring = vu_gpa(v, v->vq[q].desc_gpa);
		uint16_t n = 0;

		/* First lap only: the device writes a used element over each
		 * chain's head (in order), AVAIL and USED both 1; the rest of a
		 * chain keeps the driver's flags. */
		for (uint16_t i = 0; i < v->qsize; i++)
			n += (__atomic_load_n(&ring[i].flags, __ATOMIC_ACQUIRE) & (D_AVAIL | D_USED)) ==
			     (D_AVAIL | D_USED);
		return n;
	}
	const uint16_t *used = vu_gpa(v, v->vq[q].used_gpa);	/* flags, idx */

	return __atomic_load_n(&used[1], __ATOMIC_ACQUIRE);
}
