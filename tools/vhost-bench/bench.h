/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_H
#define VHOST_BENCH_H

/*
 * vhost-bench: the guest side of a vhost-user backend, played by DPDK's
 * virtio-user driver.  Files by role:
 *   cmd.c     command table and parser            (pure, unit-tested)
 *   hist.c    latency histogram, percentiles      (pure, unit-tested)
 *   rate.c    rates and TX pacing                 (pure, unit-tested)
 *   pkt.c     frame template and stamps           (pure, unit-tested)
 *   report.c  human table and JSON                (pure, unit-tested)
 *   ndr.c     NDR/PDR search                      (pure, unit-tested)
 *   port.c    EAL arguments, virtio-user ports    (DPDK)
 *   engine.c  the forwarding lcores' loop         (DPDK)
 *   bench.c   run control: start, stop, counters  (DPDK)
 *   trial.c   trials for the NDR/PDR search       (DPDK)
 *   exec.c    one command at work, reports        (DPDK)
 *   console.c librte_cmdline console              (DPDK)
 *   backend.c the backend's own counters (vhostd control socket)
 *   main.c    options, batch mode
 * Calls go down that list (main -> console -> exec -> trial -> bench),
 * never back up: tools/check-layers.py checks that there is no circle.
 *
 * Threads: the main lcore parses and executes commands; forwarding lcores
 * run engine_main() between "start" and "stop" (rte_eal_remote_launch /
 * rte_eal_wait_lcore).  While they run, each writes only its own streams'
 * counters and its own histogram (relaxed atomic stores); the main lcore
 * reads them with relaxed loads and never writes them.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "cmd.h"
#include "hist.h"
#include "pkt.h"
#include "rate.h"
#include "report.h"

#define BENCH_MAX_GUESTS REPORT_MAX_GUESTS
#define BENCH_MAX_QUEUES 16
#define BENCH_MAX_LCORES 16
#define BENCH_MAX_STREAMS (BENCH_MAX_GUESTS * BENCH_MAX_QUEUES)
#define BENCH_MAX_CMDS 256

struct rte_mempool;

struct bench_guest {
	char name[16];			/* g0, g1, ... */
	char vdev[32];			/* net_virtio_user0, ... */
	const char *socket;
	uint8_t mac[6];
	uint16_t port;
	bool probed;
	bool started;
};

/* From the command line; fixed for the life of the process. */
struct bench_opts {
	unsigned int nb_guests;
	struct bench_guest guests[BENCH_MAX_GUESTS];
	unsigned int nb_macs;
	unsigned int queues;
	bool packed;
	unsigned int mrg_rxbuf;
	unsigned int in_order;
	unsigned int queue_size;
	bool server;			/* virtio-user listens (backend in client mode) */
	unsigned int nb_cpus;
	unsigned int cpus[BENCH_MAX_LCORES];	/* one forwarding lcore each */
	int main_cpu;			/* -1: the first forwarding CPU */
	bool hugepages;
	unsigned int memory_mb;
	char file_prefix[64];
	unsigned int log_level;
	const char *eal_extra;
	const char *vhostd_ctl;		/* vhostd's control socket: loss by place */
	double link_timeout;		/* seconds */
	bool json;
	bool progress;			/* forced on (default: stderr is a tty) */
	bool interactive;
	const char *cmd_file;		/* "-": stdin */
	unsigned int nb_cmds;
	const char *cmds[BENCH_MAX_CMDS];
};

/* What a run sends; set by the main lcore before launch, read-only after. */
struct run_params {
	enum bench_mode mode;
	uint16_t pktlen;
	uint16_t burst;
	uint64_t t_start;		/* TSC at start: older stamps are not this run's */
	uint64_t tx_until;		/* TSC: send nothing due after it; 0: no end */
	uint64_t tx_late;		/* TSC: and send nothing at all after it */
	bool paced;
};

/* One guest queue pair, polled by one lcore. */
struct stream {
	uint16_t id;
	uint16_t guest;
	uint16_t port;
	uint16_t queue;
	struct rate_pace pace;
	uint8_t tmpl[PKT_TEMPLATE_LEN];
	struct bench_counters c __rte_cache_aligned;
} __rte_cache_aligned;

struct lcore_ctx {
	unsigned int lcore_id;
	unsigned int nb_streams;
	struct stream *streams[BENCH_MAX_STREAMS];
	struct rte_mempool *pool;
	const struct run_params *rp;
	bool stop;			/* set by the main lcore (release) */
	struct hist lat __rte_cache_aligned;	/* round trips in TSC cycles */
} __rte_cache_aligned;

/* The whole program's state: owned by the main lcore. */
struct bench {
	struct bench_opts o;
	struct rte_mempool *pool;
	uint64_t hz;
	unsigned int nb_streams;
	struct stream *streams;
	unsigned int nb_lcores;
	struct lcore_ctx *lcores;
	struct run_params rp;

	/* settings ("set ...") */
	uint32_t pktlen;
	uint32_t burst;
	double rate;			/* Mpps over all TX streams, 0: unlimited */
	bool dst_self;
	bool dst_peer;			/* each guest to the next one's MAC */
	uint8_t dst_mac[6];

	/* run state */
	bool running;
	bool started_once;
	enum bench_mode mode;
	uint64_t t_start;
	uint64_t t_stop;
	uint64_t t_base;		/* start, or the last "clear stats" */
	bool cleared;
	struct bench_counters base[BENCH_MAX_STREAMS];
	struct hist *base_lat;		/* merged histogram at the last clear */
	struct hist *lat;		/* scratch: merged histogram */
	struct hist *tmp;		/* scratch: one lcore's copy */
	bool progress;
	bool quit;

	/* NDR/PDR search ("set trial", "set resolution", "ndr", "pdr") */
	double trial_s;
	double resolution;		/* Mpps */
	double catch_up_s;		/* pacer debt kept over a stall; 0: 4 bursts */
	double tx_for_s;		/* a timed run (trial) sends this long; 0: no end */
	double tx_grace_s;		/* ... and what fell due, until this much later */
};

/* port.c */
int port_eal_args(const struct bench_opts *o, char **argv, unsigned int max, unsigned int *argc);
void port_eal_free(char **argv, unsigned int argc);
struct rte_mempool *port_pool_create(const struct bench_opts *o);
int port_open(struct bench_opts *o, struct rte_mempool *pool);
int port_wait_link(const struct bench_opts *o);
void port_close(struct bench_opts *o);

/* engine.c */
int engine_main(void *arg);

/* console.c: returns when the user quits or closes stdin. */
int console_run(struct bench *b);

/* exec.c: parse and execute one command line; -EINVAL on a bad command. */
int exec_line(struct bench *b, const char *line);
/* The "stats" report (type "stats", or "final" at exit) on stdout. */
void exec_show_stats(struct bench *b, const char *type);

/* bench.c: the quit command, or SIGINT/SIGTERM (bench_on_signal). */
bool bench_quit_requested(const struct bench *b);
void bench_on_signal(int sig);
bool bench_signalled(void);
/* Run control: start (counters from zero), stop (waits for the lcores). */
int bench_start(struct bench *b, enum bench_mode mode);
void bench_stop(struct bench *b);
void bench_totals(const struct bench *b, uint64_t *tx, uint64_t *rx);
/* A baseline for the counters and latency ("clear stats"). */
void bench_clear(struct bench *b);
/* Merged latency histogram since start or clear, in b->lat. */
void bench_collect_latency(struct bench *b);
/* Monotonic seconds, for waits and timeouts. */
double bench_now_s(void);
/* "vhost-bench: " and a line on stderr. */
void bench_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* trial.c: an NDR (loss_ratio 0) or PDR search in loopback mode, with the
 * current pktlen, burst and rate (the upper bound); the report to stdout. */
int trial_search(struct bench *b, double loss_ratio);

#endif
