/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-bench's run control: start the forwarding lcores (counters from
 * zero), stop them, read their counters and latency, and the quit flag a
 * signal sets.  The commands (exec.c), the NDR/PDR trials (trial.c), the
 * console and main() all drive a run through these; nothing here calls
 * back up into them.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "bench.h"

static volatile sig_atomic_t signalled;

void
bench_on_signal(int sig)
{
	(void)sig;
	signalled = 1;
}

bool
bench_signalled(void)
{
	return signalled;
}

bool
bench_quit_requested(const struct bench *b)
{
	return b->quit || signalled;
}

/* Monotonic seconds, for waits and timeouts (not for rates: the TSC). */
double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vhost-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}


/* Merged latency histogram since start or clear, in b->lat. */
void
bench_collect_latency(struct bench *b)
{
	hist_init(b->lat);
	for (unsigned int i = 0; i < b->nb_lcores; i++) {
		hist_copy(b->tmp, &b->lcores[i].lat);
		hist_merge(b->lat, b->tmp);
	}
	if (b->cleared)
		hist_sub(b->lat, b->base_lat);
}

/* ---- run control ---- */

static void
build_template(struct bench *b, struct stream *s)
{
	const struct bench_guest *g = &b->o.guests[s->guest];
	struct pkt_params p = {
		/* RFC 2544 benchmark addresses: 198.18.G.Q+1 -> 198.19.0.1 */
		.src_ip = 198u << 24 | 18u << 16 | (uint32_t)s->guest << 8 | (uint32_t)(s->queue + 1),
		.dst_ip = 198u << 24 | 19u << 16 | 1u,
		.src_port = (uint16_t)(1024 + s->id),
		.dst_port = PKT_UDP_PORT,
		.len = (uint16_t)b->pktlen,
	};

	memcpy(p.src_mac, g->mac, 6);
	if (b->dst_peer)	/* the next guest: g0 -> g1 -> ... -> g0 */
		memcpy(p.dst_mac, b->o.guests[(s->guest + 1) % b->o.nb_guests].mac, 6);
	else
		memcpy(p.dst_mac, b->dst_self ? g->mac : b->dst_mac, 6);
	pkt_build(s->tmpl, &p);
}

int
bench_start(struct bench *b, enum bench_mode mode)
{
	uint64_t now = rte_rdtsc();
	double pps = b->rate * 1e6 / (double)b->nb_streams;

	if (b->running) {
		bench_msg("start: %s is running (stop first)", cmd_mode_names[b->mode]);
		return -EBUSY;
	}
	b->rp.mode = mode;
	b->rp.pktlen = (uint16_t)b->pktlen;
	b->rp.burst = (uint16_t)b->burst;
	for (unsigned int i = 0; i < b->nb_streams; i++) {
		struct stream *s = &b->streams[i];

		build_template(b, s);
		/* Slack: four bursts behind (or catch_up_s), then forget the debt. */
		double slack = RTE_MIN(RTE_MAX(pps * b->catch_up_s, 4.0 * b->burst),
				       (double)UINT32_MAX);

		rate_pace_init(&s->pace, pps, b->hz, now, (uint32_t)slack);
		memset(&s->c, 0, sizeof(s->c));
	}
	for (unsigned int l = 0; l < b->nb_lcores; l++) {
		hist_init(&b->lcores[l].lat);
		b->lcores[l].stop = false;
	}
	b->mode = mode;
	b->started_once = true;
	b->cleared = false;
	b->t_start = b->t_base = rte_rdtsc();
	b->rp.t_start = b->t_start;
	b->rp.paced = pps > 0;
	b->rp.tx_until = b->tx_for_s > 0 ? now + (uint64_t)(b->tx_for_s * (double)b->hz) : 0;
	b->rp.tx_late = b->rp.tx_until + (uint64_t)(b->tx_grace_s * (double)b->hz);
	for (unsigned int l = 0; l < b->nb_lcores; l++) {
		int ret = rte_eal_remote_launch(engine_main, &b->lcores[l], b->lcores[l].lcore_id);

		if (ret != 0) {
			bench_msg("start: cannot launch lcore %u: %s", b->lcores[l].lcore_id,
			          strerror(-ret));
			for (unsigned int k = 0; k < l; k++) {
				__atomic_store_n(&b->lcores[k].stop, true, __ATOMIC_RELEASE);
				rte_eal_wait_lcore(b->lcores[k].lcore_id);
			}
			b->t_stop = rte_rdtsc();
			return ret;
		}
	}
	b->running = true;
	return 0;
}

void
bench_stop(struct bench *b)
{
	if (!b->running)
		return;
	for (unsigned int l = 0; l < b->nb_lcores; l++)
		__atomic_store_n(&b->lcores[l].stop, true, __ATOMIC_RELEASE);
	for (unsigned int l = 0; l < b->nb_lcores; l++)
		rte_eal_wait_lcore(b->lcores[l].lcore_id);
	b->t_stop = rte_rdtsc();
	b->running = false;
}

void
bench_clear(struct bench *b)
{
	if (!b->started_once)
		return;
	/* A baseline, not a reset: the lcores stay the only writers. */
	for (unsigned int i = 0; i < b->nb_streams; i++)
		report_counters_load(&b->base[i], &b->streams[i].c);
	b->cleared = false;
	bench_collect_latency(b);
	memcpy(b->base_lat, b->lat, sizeof(*b->lat));
	b->cleared = true;
	b->t_base = b->running ? rte_rdtsc() : b->t_stop;
}

void
bench_totals(const struct bench *b, uint64_t *tx, uint64_t *rx)
{
	*tx = *rx = 0;
	for (unsigned int i = 0; i < b->nb_streams; i++) {
		*tx += __atomic_load_n(&b->streams[i].c.tx_pkts, __ATOMIC_RELAXED);
		*rx += __atomic_load_n(&b->streams[i].c.rx_pkts, __ATOMIC_RELAXED);
	}
}
