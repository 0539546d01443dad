/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL arguments and the guests' virtio-user ports.  Each guest is one
 * net_virtio_user vdev, hot-plugged after EAL init (the vdev bus is a
 * plugin, so rte_eal_hotplug_add rather than rte_vdev_init): a backend that
 * is not listening yet can be retried, and the error names the socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "vhostd/argv.h"

void
port_eal_free(char **argv, unsigned int argc)
{
	argv_free(argv, argc);
}

/* A stable prefix per first socket: a rerun reuses (and so cleans up) the
 * hugepage files a killed run left behind. */
static void
default_prefix(const struct bench_opts *o, char *buf, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *p = o->guests[0].socket; *p != '\0'; p++) {
		h ^= (uint8_t)*p;
		h *= 16777619u;
	}
	snprintf(buf, len, "vhost-bench-%08x", h);
}

int
port_eal_args(const struct bench_opts *o, char **argv, unsigned int max, unsigned int *argc)
{
	char lcores[512], prefix[80];
	size_t used;
	int ret = 0;

	/* lcore 0 is the main lcore (commands, reports; it mostly sleeps);
	 * lcores 1..n forward, one per CPU given. */
	used = (size_t)snprintf(lcores, sizeof(lcores), "0@%u",
				o->main_cpu >= 0 ? (unsigned int)o->main_cpu : o->cpus[0]);
	for (unsigned int i = 0; i < o->nb_cpus && used < sizeof(lcores); i++)
		used += (size_t)snprintf(lcores + used, sizeof(lcores) - used, ",%u@%u",
					 i + 1, o->cpus[i]);
	if (o->file_prefix[0] != '\0')
		snprintf(prefix, sizeof(prefix), "%s", o->file_prefix);
	else
		default_prefix(o, prefix, sizeof(prefix));

	*argc = 0;
	ret |= argv_push(argv, max, argc, "vhost-bench");
	ret |= argv_push(argv, max, argc, "--lcores=%s", lcores);
	ret |= argv_push(argv, max, argc, "--main-lcore=0");
	ret |= argv_push(argv, max, argc, "--file-prefix=%s", prefix);
	ret |= argv_push(argv, max, argc, "--log-level=%u", o->log_level);
	ret |= argv_push(argv, max, argc, "--no-pci");
	ret |= argv_push(argv, max, argc, "--no-telemetry");
	ret |= argv_push(argv, max, argc, "-m");
	ret |= argv_push(argv, max, argc, "%u", o->memory_mb);
	if (o->hugepages)
		/* vhost-user shares at most 8 memory regions: one file per
		 * memseg list instead of one per 2 MiB page. */
		ret |= argv_push(argv, max, argc, "--single-file-segments");
	else
		ret |= argv_push(argv, max, argc, "--no-huge");
	if (o->eal_extra != NULL) {
		char *copy = strdup(o->eal_extra), *save = NULL;

		if (copy == NULL)
			ret = -ENOMEM;
		for (char *t = copy ? strtok_r(copy, " \t", &save) : NULL; t != NULL;
		     t = strtok_r(NULL, " \t", &save))
			ret |= argv_push(argv, max, argc, "%s", t);
		free(copy);
	}
	if (ret != 0) {
		port_eal_free(argv, *argc);
		*argc = 0;
		return -E2BIG;
	}
	return 0;
}

struct rte_mempool *
port_pool_create(const struct bench_opts *o)
{
	unsigned int streams = o->nb_guests * o->queues;
	/* Per queue pair: a full RX ring, a full TX ring in flight and two
	 * bursts; per lcore a mempool cache and a half. */
	unsigned int n = streams * (2 * o->queue_size + 2 * CMD_BURST_MAX) +
			 (o->nb_cpus + 1) * 384 + 1024;
	unsigned int size = 8191;

	while (size < n)
		size = size * 2 + 1;	/* 2^k - 1: the ring-based pool's best fit */
	return rte_pktmbuf_pool_create("vbench_pool", size, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int
probe(const struct bench_opts *o, struct bench_guest *g)
{
	char args[512];
	double end = bench_now_s() + o->link_timeout;
	int ret;

	snprintf(args, sizeof(args), "path=%s,queues=%u,packed_vq=%u,mrg_rxbuf=%u,in_order=%u,"
		 "queue_size=%u,mac=%02x:%02x:%02x:%02x:%02x:%02x%s", g->socket, o->queues,
		 o->packed ? 1 : 0, o->mrg_rxbuf, o->in_order, o->queue_size, g->mac[0],
		 g->mac[1], g->mac[2], g->mac[3], g->mac[4], g->mac[5],
		 o->server ? ",server=1" : "");
	/* Client mode connects at probe: retry while the backend starts. */
	while ((ret = rte_eal_hotplug_add("vdev", g->vdev, args)) != 0 && !o->server &&
	       bench_now_s() < end)
		sleep_ms(100);
	if (ret != 0) {
		fprintf(stderr, "vhost-bench: guest %s: cannot %s %s (%s)\n", g->name,
			o->server ? "listen on" : "connect to", g->socket,
			o->server ? "check the path" : "is the backend listening?");
		return -ENODEV;
	}
	g->probed = true;
	return 0;
}

int
port_open(struct bench_opts *o, struct rte_mempool *pool)
{
	for (unsigned int i = 0; i < o->nb_guests; i++) {
		struct bench_guest *g = &o->guests[i];
		struct rte_eth_conf conf;
		int ret;

		ret = probe(o, g);
		if (ret != 0)
			return ret;
		ret = rte_eth_dev_get_port_by_name(g->vdev, &g->port);
		if (ret != 0)
			return ret;
		memset(&conf, 0, sizeof(conf));
		ret = rte_eth_dev_configure(g->port, (uint16_t)o->queues, (uint16_t)o->queues, &conf);
		if (ret != 0) {
			fprintf(stderr, "vhost-bench: guest %s: configure %u queue pairs: %s\n",
				g->name, o->queues, rte_strerror(-ret));
			return ret;
		}
		for (uint16_t q = 0; q < o->queues; q++) {
			ret = rte_eth_rx_queue_setup(g->port, q, (uint16_t)o->queue_size,
						     (unsigned int)rte_socket_id(), NULL, pool);
			if (ret == 0)
				ret = rte_eth_tx_queue_setup(g->port, q, (uint16_t)o->queue_size,
							     (unsigned int)rte_socket_id(), NULL);
			if (ret != 0) {
				fprintf(stderr, "vhost-bench: guest %s: queue %u: %s\n", g->name,
					q, rte_strerror(-ret));
				return ret;
			}
		}
		ret = rte_eth_dev_start(g->port);
		if (ret != 0) {
			fprintf(stderr, "vhost-bench: guest %s: start: %s\n", g->name,
				rte_strerror(-ret));
			return ret;
		}
		g->started = true;
	}
	return 0;
}

int
port_wait_link(const struct bench_opts *o)
{
	double end = bench_now_s() + o->link_timeout;

	for (unsigned int i = 0; i < o->nb_guests; i++) {
		const struct bench_guest *g = &o->guests[i];
		struct rte_eth_link link;

		for (;;) {
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(g->port, &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_UP)
				break;
			if (bench_now_s() >= end) {
				fprintf(stderr, "vhost-bench: guest %s: link still down after %.0f s "
					"(%s)\n", g->name, o->link_timeout, g->socket);
				return -ETIMEDOUT;
			}
			sleep_ms(50);
		}
	}
	return 0;
}

void
port_close(struct bench_opts *o)
{
	for (unsigned int i = 0; i < o->nb_guests; i++) {
		struct bench_guest *g = &o->guests[i];

		if (g->started) {
			rte_eth_dev_stop(g->port);
			g->started = false;
		}
		if (g->probed) {
			rte_eth_dev_close(g->port);
			rte_eal_hotplug_remove("vdev", g->vdev);
			g->probed = false;
		}
	}
}
