/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture of one guest into a pcapng file (librte_pcapng), for
 * debugging: workers copy the guest's frames into a ring (datapath.c,
 * dp_capture), the main thread writes them out and stops after COUNT.
 *
 * librte_pcapng 22.11 names interfaces by ethdev port; a guest has none, so
 * its frames are recorded on its uplink's interface, with the direction as
 * the guest sees it (in = delivered to the guest).  The uplinks themselves
 * are captured with dpdk-dumpcap (rte_pdump).
 */
#define ALLOW_EXPERIMENTAL_API	/* rte_pcapng_* */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "control/capture.h"
#include "datapath/poll_list.h"
#include "control/vhostd.h"

#define CAPTURE_RING 4096	/* frames between two main-loop drains (200 ms max) */

struct capture {
	struct dp_capture dp;
	rte_pcapng_t *file;
	char path[VHOSTD_PATH_MAX * 2];
	uint64_t written;
	uint64_t limit;			/* 0: until capture.stop */
};

int
capture_start(struct vhostd *d, struct guest *g, const char *path, uint64_t count,
	      char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE], why[128];
	struct capture *c;
	int fd, ret;

	if (g->capture != NULL) {
		snprintf(err, errlen, "guest %s: a capture is already running", g->cfg.name);
		return -EBUSY;
	}
	if (config_check_text(path, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "capture file: %s", why);
		return -EINVAL;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "capture file '%s': expected an absolute path", path);
		return -EINVAL;
	}
	c = rte_zmalloc("capture", sizeof(*c), 0);
	if (c == NULL)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->limit = count;
	c->dp.budget = count ? (int64_t)count : -1;
	c->dp.port = d->uplinks[g->uplink].port;
	snprintf(name, sizeof(name), "cap-%u", g->index);
	c->dp.ring = rte_ring_create(name, CAPTURE_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "capmb-%u", g->index);
	c->dp.pool = rte_pktmbuf_pool_create(name, 2 * CAPTURE_RING - 1, 64, 0,
					     (uint16_t)rte_pcapng_mbuf_size(RTE_MBUF_DEFAULT_BUF_SIZE),
					     SOCKET_ID_ANY);
	if (c->dp.ring == NULL || c->dp.pool == NULL) {
		ret = -ENOMEM;
		snprintf(err, errlen, "guest %s: no memory for a capture", g->cfg.name);
		goto err_free;
	}
	/* Created new, never through a link, never over an existing file: the
	 * control socket must not be a way to overwrite files as root. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "capture file %s: %s", path, strerror(errno));
		goto err_free;
	}
	c->file = rte_pcapng_fdopen(fd, NULL, NULL, "vhostd " VHOSTD_VERSION, g->cfg.name);
	if (c->file == NULL) {
		close(fd);
		unlink(path);
		ret = -EIO;
		snprintf(err, errlen, "capture file %s: cannot write pcapng", path);
		goto err_free;
	}
	g->capture = &c->dp;
	ret = publish_workers(d);
	if (ret != 0) {
		g->capture = NULL;
		rte_pcapng_close(c->file);
		unlink(path);
		goto err_free;
	}
	LOG(INFO, "guest %s: capturing %s%lu frames into %s", g->cfg.name,
	    count ? "" : "until stopped, ", count, path);
	return 0;

err_free:
	rte_ring_free(c->dp.ring);
	rte_mempool_free(c->dp.pool);
	rte_free(c);
	return ret;
}

static void
drain(struct capture *c)
{
	struct rte_mbuf *pkts[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(c->dp.ring, (void **)pkts, RTE_DIM(pkts), NULL)) > 0) {
		unsigned int keep = n;

		if (c->limit != 0 && c->written + n > c->limit)
			keep = (unsigned int)(c->limit - c->written);
		if (keep > 0 && rte_pcapng_write_packets(c->file, pkts, (uint16_t)keep) < 0)
			LOG(ERR, "capture %s: write failed", c->path);
		c->written += keep;
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

int
capture_stop(struct vhostd *d, struct guest *g, json_t **last)
{
	struct capture *c = (struct capture *)g->capture;

	if (c == NULL)
		return -ENOENT;
	g->capture = NULL;
	publish_workers(d);	/* after the grace period no worker copies */
	drain(c);
	if (last != NULL)
		*last = json_pack("{s:s, s:I, s:I, s:I}", "file", c->path, "written",
				  (json_int_t)c->written, "limit", (json_int_t)c->limit,
				  "lost", (json_int_t)c->dp.lost);
	rte_pcapng_close(c->file);
	LOG(INFO, "guest %s: capture %s closed, %lu frames written, %lu lost", g->cfg.name,
	    c->path, c->written, c->dp.lost);
	rte_ring_free(c->dp.ring);
	rte_mempool_free(c->dp.pool);
	rte_free(c);
	return 0;
}

bool
capture_active(struct vhostd *d)
{
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use && d->guests[i].capture != NULL)
			return true;
	return false;
}

void
capture_poll(struct vhostd *d)
{
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		struct capture *c = (struct capture *)g->capture;

		if (!g->in_use || c == NULL)
			continue;
		drain(c);
		if (c->limit != 0 && c->written >= c->limit)
			capture_stop(d, g, NULL);
	}
	pthread_mutex_unlock(&d->lock);
}

json_t *
capture_json(const struct guest *g)
{
	const struct capture *c = (const struct capture *)g->capture;

	if (c == NULL)
		return json_null();
	return json_pack("{s:s, s:I, s:I, s:I}", "file", c->path, "written",
			 (json_int_t)c->written, "limit", (json_int_t)c->limit, "lost",
			 (json_int_t)c->dp.lost);
}
