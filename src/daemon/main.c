/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhostd: lifecycle.  Parse the config, start EAL, open uplinks, start
 * workers, register guest sockets, then run the control loop until SIGTERM
 * or SIGINT; stop everything in reverse order and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>
#include <rte_version.h>

#include <systemd/sd-daemon.h>

#include "control/lifecycle.h"
#include "control/capture.h"
#include "ctl/ctl.h"
#include "datapath/poll_list.h"
#include "lib/pin.h"
#include "control/guest_why.h"
#include "control/vhostd.h"
#include "ports/uplink.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static volatile sig_atomic_t hup_seen;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else if (sig == SIGHUP)
		hup_seen = 1;	/* no reload yet: say so instead of dying */
	else
		stop_requested = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vhostd [-c FILE] [-n]\n"
		"  -c, --config FILE         configuration (default: the embedded one,\n"
		"                            see --print-default-config)\n"
		"  -n, --check               check the configuration and exit\n"
		"      --print-default-config print the embedded configuration\n"
		"  -V, --version             print the version\n"
		"  -h, --help                this text\n"
		"Signals: SIGTERM/SIGINT stop, SIGUSR1 prints counters.\n");
}

static void
print_stats(struct vhostd *d, FILE *f)
{
	pthread_mutex_lock(&d->lock);
	fprintf(f, "vhostd stats: workers=%u guests=%u uplinks=%u publishes=%lu\n",
		d->nb_workers, guest_count(d), d->nb_uplinks, d->publishes);
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		const struct worker *wk = &d->workers[w];
		uint64_t busy = wk->busy_cycles, idle = wk->idle_cycles, pkts = wk->pkts;

		uint64_t sleep = wk->sleep_cycles;

		fprintf(f, "worker %u lcore=%u loops=%lu busy_loops=%lu busy_cycles=%lu "
			"idle_cycles=%lu pkts=%lu cycles_per_pkt=%.1f busy_pct=%.1f "
			"sleep_cycles=%lu switches=%lu rechecks=%lu sleeps=%lu wakeups=%lu "
			"timeouts=%lu\n", w,
			wk->lcore, wk->loops, wk->busy_loops, busy, idle, pkts,
			pkts ? (double)busy / (double)pkts : 0.0,
			load_worker_pct(wk),
			sleep, wk->notify.switches, wk->notify.rechecks, wk->notify.sleeps,
			wk->notify.wakeups, wk->notify.timeouts);
	}
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use) {
			guest_print_stats(d, &d->guests[i], f);
			guest_events_print(&d->guests[i], f);
		}
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		uplink_print_stats(&d->uplinks[i], f);
	fprintf(f, "vhostd stats end\n");
	fflush(f);
	pthread_mutex_unlock(&d->lock);
}

/* Enough mbufs for every descriptor that can hold one, plus what workers
 * keep in flight, with room to spare; the config may override. */
static unsigned int
pool_size(const struct vhostd *d)
{
	unsigned int n = 4096;

	if (d->cfg.daemon.mbufs != 0)
		return d->cfg.daemon.mbufs;
	for (unsigned int i = 0; i < d->cfg.nb_uplinks; i++) {
		const struct config_uplink *u = &d->cfg.uplinks[i];

		n += u->queues * u->rx_desc + d->nb_workers * u->tx_desc;
	}
	n += d->nb_workers * (d->cfg.daemon.max_guests + d->cfg.nb_uplinks + 1) * DP_BUF;
	return n;
}

struct rte_mempool *
vhostd_pool(struct vhostd *d, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (socket < 0 || socket >= (int)RTE_DIM(d->pools))
		socket = 0;
	if (d->pools[socket] != NULL)
		return d->pools[socket];
	snprintf(name, sizeof(name), "mbufs-%d", socket);
	d->pools[socket] = rte_pktmbuf_pool_create(name, d->pool_mbufs, 256, 0,
						   d->pool_room, socket);
	if (d->pools[socket] == NULL) {
		LOG(ERR, "cannot create %u mbufs on NUMA node %d: %s (raise [daemon] memory, "
		    "or lower mbufs or descriptors)", d->pool_mbufs, socket,
		    rte_strerror(rte_errno));
		return NULL;
	}
	LOG(INFO, "mbuf pool %s: %u mbufs of %u bytes", name, d->pool_mbufs, d->pool_room);
	return d->pools[socket];
}

/* The uplink's RX queues fill from the pool of the NUMA node its device
 * is on: probed first, then given its pool. */
static int
open_uplink(struct vhostd *d, struct uplink *u, const struct config_uplink *cfg,
	    uint16_t index)
{
	struct rte_mempool *pool;
	int ret;

	ret = uplink_probe(u, cfg, index, d->nb_workers);
	if (ret != 0)
		return ret;
	pool = vhostd_pool(d, u->socket);
	if (pool == NULL)
		return -ENOMEM;
	ret = uplink_configure(u, pool);
	if (ret != 0)
		return ret;
	return uplink_start(u, d->cfg.daemon.idle_backoff_max_us);
}

static void
stop(struct vhostd *d)
{
	/* Workers first: once offline, grace periods no longer wait for them,
	 * so the destroy_device callbacks that unregistering triggers return. */
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		__atomic_store_n(&d->workers[w].stop, true, __ATOMIC_RELAXED);
		worker_wake(&d->workers[w]);	/* asleep: look at the flag now */
	}
	rte_eal_mp_wait_lcore();
	ctl_close(d);
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use && d->guests[i].capture != NULL)
			capture_stop(d, &d->guests[i], NULL);
	pthread_mutex_unlock(&d->lock);
	lifecycle_stop(d);
	print_stats(d, stderr);
	guest_events_save(d);	/* after unregistering: the disconnects are in */
	publish_free_all(d);
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		uplink_close(&d->uplinks[i]);	/* frees its counters too */
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			guest_fini(d, &d->guests[i]);
	guest_pools_reap(d, true);	/* uplinks closed: every mbuf is back */
	for (unsigned int w = 0; w < d->nb_workers; w++)
		rte_mempool_free(d->workers[w].gso_indirect);
	for (unsigned int s = 0; s < RTE_DIM(d->pools); s++)
		rte_mempool_free(d->pools[s]);
	rte_free(d->guests);
	free(d->event_rings);
	rte_free(d->uplinks);
	for (unsigned int w = 0; w < d->nb_workers; w++)
		if (d->workers[w].wake_fd >= 0)
			close(d->workers[w].wake_fd);
	rte_free(d->workers);
	rte_free(d->qsv);
	if (d->event_fd >= 0)
		close(d->event_fd);
}

/*
 * File descriptors a guest of `pairs` queue pairs may hold open: its socket
 * and connection (server mode), up to 8 memory regions (vhost-user's
 * VHOST_MEMORY_BASELINE_NREGIONS, QEMU's usual), a kick and a call eventfd
 * per vring, and the worker's duplicate of each TX vring's kick eventfd
 * (publish.c, notify_setup).  The daemon itself needs NOFILE_BASE.
 */
#define NOFILE_BASE 256
#define NOFILE_PER_GUEST(pairs) (2 + 8 + 5 * (pairs))

/* Warn, once at start, when RLIMIT_NOFILE cannot hold max-guests guests:
 * the guest whose connection hits the limit would fail, and only it.  The
 * soft limit is first raised to the hard one (systemd unit: LimitNOFILE). */
static void
check_nofile(const struct vhostd *d)
{
	const struct config *cfg = &d->cfg;
	unsigned int need = NOFILE_BASE;
	struct rlimit rl;

	for (unsigned int i = 0; i < cfg->nb_guests; i++)
		need += NOFILE_PER_GUEST(cfg->guests[i].queues);
	need += (cfg->daemon.max_guests - cfg->nb_guests) * NOFILE_PER_GUEST(1);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		LOG(WARNING, "open file limit %llu is below the %u that max-guests = %u guests "
		    "may need (%u per single-pair guest): connections beyond it fail (raise "
		    "LimitNOFILE= in the unit, or ulimit -n)", (unsigned long long)rl.rlim_cur,
		    need, cfg->daemon.max_guests, NOFILE_PER_GUEST(1));
}

static int
start(struct vhostd *d)
{
	const struct config *cfg = &d->cfg;
	unsigned int max_mtu = RTE_ETHER_MTU, rx_room = 0;
	size_t sz;
	int ret;

	d->event_fd = -1;
	check_nofile(d);
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->slots_lock, NULL);
	d->workers = rte_zmalloc("workers", cfg->daemon.nb_cores * sizeof(*d->workers),
				 RTE_CACHE_LINE_SIZE);
	sz = rte_rcu_qsbr_get_memsize(cfg->daemon.nb_cores);
	d->qsv = rte_zmalloc("rcu", sz, RTE_CACHE_LINE_SIZE);
	d->uplinks = rte_zmalloc("uplinks", (cfg->nb_uplinks + 1) * sizeof(*d->uplinks), 0);
	/* Slots for [daemon] max-guests only: each costs its struct guest and
	 * flight recorder (docs/operations.md, "Sizing"). */
	d->guests = rte_zmalloc("guests", cfg->daemon.max_guests * sizeof(*d->guests), 0);
	d->event_rings = calloc(cfg->daemon.max_guests, sizeof(*d->event_rings));
	if (d->workers == NULL || d->qsv == NULL || d->uplinks == NULL || d->guests == NULL ||
	    d->event_rings == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->daemon.max_guests; i++)
		events_init(&d->event_rings[i]);
	d->nb_workers = cfg->daemon.nb_cores;	/* stop() walks only what exists */
	rte_rcu_qsbr_init(d->qsv, d->nb_workers);
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		d->workers[w].index = w;
		d->workers[w].lcore = cfg->daemon.cores[w];
		d->workers[w].qsv = d->qsv;
		d->workers[w].epoll_fd = -1;
		d->workers[w].wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	for (unsigned int w = 0; w < d->nb_workers; w++)
		if (d->workers[w].wake_fd < 0)
			return -errno;

	for (unsigned int i = 0; i < cfg->nb_uplinks; i++) {
		max_mtu = RTE_MAX(max_mtu, cfg->uplinks[i].mtu);
		rx_room = RTE_MAX(rx_room, uplink_rx_room(&cfg->uplinks[i]));
	}
	d->pool_room = (uint16_t)RTE_MIN(RTE_MAX(RTE_MAX((unsigned int)RTE_MBUF_DEFAULT_BUF_SIZE,
							 max_mtu + RTE_ETHER_HDR_LEN +
							 RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN +
							 RTE_PKTMBUF_HEADROOM),
						 rx_room + RTE_PKTMBUF_HEADROOM),
					 (unsigned int)UINT16_MAX);
	d->pool_mbufs = pool_size(d);

	for (unsigned int i = 0; i < cfg->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];

		d->nb_uplinks++;	/* counted first: stop() closes what opened */
		ret = open_uplink(d, u, &cfg->uplinks[i], (uint16_t)i);
		if (ret != 0)
			return ret;
	}
	for (unsigned int i = 0; i < cfg->nb_guests; i++) {
		struct guest *g = guest_slot_alloc(d);

		ret = guest_init(d, g, &cfg->guests[i]);
		if (ret != 0)
			return ret;
	}
	for (unsigned int i = 0; i < d->nb_guests; i++)
		guest_warn_shared_mac(d, &d->guests[i]);
	/* Software TSO: segment headers from the uplinks' pool, payload
	 * references from a small pool of indirect mbufs per worker. */
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		struct worker *wk = &d->workers[w];
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof(name), "gso-%u", w);
		wk->gso_indirect = rte_pktmbuf_pool_create(name, 4095, 128, 0, 0,
							   (int)rte_lcore_to_socket_id(wk->lcore));
		if (wk->gso_indirect == NULL)
			return -ENOMEM;
		wk->gso = (struct rte_gso_ctx){
			.direct_pool = vhostd_pool(d, (int)rte_lcore_to_socket_id(wk->lcore)),
			.indirect_pool = wk->gso_indirect,
			.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		};
		if (wk->gso.direct_pool == NULL)
			return -ENOMEM;
	}
	ret = lifecycle_init(d);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&d->lock);
	ret = publish_workers(d);
	pthread_mutex_unlock(&d->lock);
	if (ret != 0)
		return ret;
	for (unsigned int w = 0; w < d->nb_workers; w++) {
		ret = rte_eal_remote_launch(worker_main, &d->workers[w], d->workers[w].lcore);
		if (ret != 0) {
			LOG(ERR, "cannot launch worker on lcore %u: %s", d->workers[w].lcore,
			    rte_strerror(-ret));
			return ret;
		}
	}
	ret = lifecycle_start(d);
	if (ret != 0)
		return ret;
	ret = ctl_open(d);
	if (ret != 0)
		return ret;
	/* Guests added at run time before a restart come back now. */
	lifecycle_replay(d);
	/* Every guest is back: their records of the last run follow them. */
	guest_events_load(d);
	return 0;
}

static void
run(struct vhostd *d)
{
	unsigned int interval = d->cfg.daemon.stats_interval;
	time_t next = time(NULL) + interval;
	uint64_t watchdog_usec = 0, last_ping = 0;
	struct timespec now;

	/* systemd: Type=notify; feed WatchdogSec= from this loop, which is
	 * the one that would hang if the control path did. */
	if (sd_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	sd_notifyf(0, "READY=1\nSTATUS=serving %u guest(s) on %u uplink(s)",
		   guest_count(d), d->nb_uplinks);

	while (!stop_requested) {
		struct pollfd pfd[32];
		unsigned int n = 1;
		uint64_t v;
		int ready;

		pfd[0] = (struct pollfd){ .fd = d->event_fd, .events = POLLIN };
		n += ctl_pollfds(d, pfd + 1, RTE_DIM(pfd) - 1);
		/* 200 ms idle; 5 ms while a capture fills its ring. */
		ready = poll(pfd, n, capture_active(d) ? 5 : 200);
		if (ready > 0 && (pfd[0].revents & POLLIN) &&
		    read(d->event_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			LOG(ERR, "eventfd read: %s", strerror(errno));
		/* Also when nothing is ready: it drops clients that stopped reading. */
		ctl_serve(d, pfd + 1, ready > 0 ? n - 1 : 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (watchdog_usec != 0 &&
		    (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000 - last_ping >
		    watchdog_usec / 2) {
			last_ping = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
			sd_notify(0, "WATCHDOG=1");
		}
		if (d->pending)
			lifecycle_apply_pending(d);
		lifecycle_apply_announcements(d);
		if (d->nb_retired_pools != 0)
			guest_pools_reap(d, false);
		capture_poll(d);
		rebalance_tick(d);
		guest_why_sample(d);
		if (hup_seen) {
			hup_seen = 0;
			LOG(NOTICE, "SIGHUP: configuration reload is not supported; ignored");
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(d, stderr);
		}
		if (interval != 0 && time(NULL) >= next) {
			next += interval;
			print_stats(d, stderr);
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "print-default-config", no_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check = false;
	char err[512];
	char *eal_argv[64], *eal_copy[64];
	unsigned int eal_argc = 0;
	struct vhostd *d;
	struct sigaction sa;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:nVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'P':
			fputs(config_embedded_default, stdout);
			return 0;
		case 'V':
			printf("vhostd %s (%s)\n", VHOSTD_VERSION, rte_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return 1;
	if (path != NULL)
		ret = config_load(&d->cfg, path, err, sizeof(err));
	else
		ret = config_parse_string(&d->cfg, config_embedded_default,
					  "<embedded default>", err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "vhostd: %s\n", err);
		free(d);
		return 2;
	}
	if (check) {
		printf("%s: OK: %u worker core(s), %u uplink(s), %u guest(s)\n",
		       path ? path : "<embedded default>", d->cfg.daemon.nb_cores,
		       d->cfg.nb_uplinks, d->cfg.nb_guests);
		pin_check_config(&d->cfg, stderr);	/* warnings only: exit 0 */
		free(d);
		return 0;
	}
	if (path == NULL)
		d->cfg.path[0] = '\0';	/* file prefix "vhostd-default" */

	ret = eal_build_args(&d->cfg, argv[0], eal_argv, RTE_DIM(eal_argv), &eal_argc,
			     err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "vhostd: %s\n", err);
		free(d);
		return 2;
	}
	/* Before EAL starts its threads, so that they inherit the dispositions
	 * and a SIGTERM or SIGUSR1 during start-up is not fatal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* rte_eal_init permutes argv and writes argv[0] into another slot:
	 * hand it a copy of the array and free the strings from ours. */
	memcpy(eal_copy, eal_argv, sizeof(eal_copy));
	if (rte_eal_init((int)eal_argc, eal_copy) < 0) {
		fprintf(stderr, "vhostd: cannot initialise DPDK: %s (are hugepages reserved "
			"and mounted? see README.md, or set [daemon] hugepages = no)\n",
			rte_strerror(rte_errno));
		eal_free_args(eal_argv, eal_argc);
		free(d);
		return 1;
	}
	rte_log_set_level(vhostd_logtype, (uint32_t)d->cfg.daemon.log_level);
	/* EAL 22.11 logs every line to stdout and to syslog: under systemd the
	 * journal would get each twice.  One stream, stderr. */
	rte_openlog_stream(stderr);
	/* Uplink ports visible to dpdk-dumpcap (a secondary process). */
	if (rte_pdump_init() != 0)
		LOG(WARNING, "rte_pdump_init failed: dpdk-dumpcap will not see the uplinks");
	for (unsigned int i = 0; i < eal_argc; i++)
		if (strncmp(eal_argv[i], "--file-prefix=", 14) == 0)
			LOG(INFO, "DPDK file prefix %s (dpdk-telemetry.py -f %s, dpdk-dumpcap "
			    "--file-prefix %s)", eal_argv[i] + 14, eal_argv[i] + 14, eal_argv[i] + 14);

	ret = start(d);
	if (ret == 0) {
		LOG(NOTICE, "vhostd %s ready: %u worker(s), %u uplink(s), %u guest(s)",
		    VHOSTD_VERSION, d->nb_workers, d->nb_uplinks, guest_count(d));
		run(d);
		sd_notify(0, "STOPPING=1");
		LOG(NOTICE, "stopping");
	} else {
		LOG(ERR, "start failed: %s", strerror(-ret));
	}
	stop(d);
	rte_pdump_uninit();
	rte_eal_cleanup();
	eal_free_args(eal_argv, eal_argc);
	free(d);
	return ret == 0 ? 0 : 1;
}
