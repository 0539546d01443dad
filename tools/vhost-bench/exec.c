/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-bench's commands at work: one parsed command (cmd.c) becomes a
 * setting, a run started or stopped through bench.c, an NDR/PDR search
 * (trial.c), or a report on stdout (report.c); the progress line goes to
 * stderr.  The batch mode (main.c) and the console (console.c) hand their
 * lines to exec_line().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "bench.h"

#define PROGRESS_PERIOD_S 1.0

/* ---- counters and reports ---- */

static uint64_t
interval(const struct bench *b)
{
	if (!b->started_once)
		return 0;
	return (b->running ? rte_rdtsc() : b->t_stop) - b->t_base;
}


static void
collect(struct bench *b, struct report *r, const char *type, bool with_lat)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->mode = b->started_once ? cmd_mode_names[b->mode] : NULL;
	r->running = b->running;
	r->cycles = interval(b);
	r->hz = b->hz;
	r->pktlen = b->started_once ? b->rp.pktlen : b->pktlen;
	r->burst = b->started_once ? b->rp.burst : b->burst;
	r->rate_mpps = b->rate;
	r->nb_guests = b->o.nb_guests;
	for (unsigned int g = 0; g < b->o.nb_guests; g++) {
		r->guests[g].name = b->o.guests[g].name;
		r->guests[g].socket = b->o.guests[g].socket;
		r->guests[g].packed = b->o.packed;
		r->guests[g].queues = b->o.queues;
	}
	for (unsigned int i = 0; i < b->nb_streams; i++) {
		struct bench_counters c;

		report_counters_load(&c, &b->streams[i].c);
		if (b->cleared)
			report_counters_sub(&c, &b->base[i]);
		report_counters_add(&r->guests[b->streams[i].guest].c, &c);
	}
	if (with_lat) {
		bench_collect_latency(b);
		r->lat = b->lat;
	}
}

void
exec_show_stats(struct bench *b, const char *type)
{
	struct report r;

	collect(b, &r, type, b->started_once && b->mode == MODE_LATENCY);
	report_stats(stdout, &r, b->o.json);
}

static void
show_latency(struct bench *b)
{
	struct report r;

	collect(b, &r, "latency", true);
	report_latency(stdout, &r, b->o.json);
}

static void
format_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void
show_config(struct bench *b)
{
	const struct bench_opts *o = &b->o;
	char mac[24], dst[24];

	if (b->dst_self)
		snprintf(dst, sizeof(dst), "self");
	else if (b->dst_peer)
		snprintf(dst, sizeof(dst), "peer");
	else
		format_mac(b->dst_mac, dst, sizeof(dst));
	if (o->json) {
		printf("{\"type\":\"config\",\"ring\":\"%s\",\"queues\":%u,\"queue_size\":%u,"
		       "\"mrg_rxbuf\":%u,\"in_order\":%u,\"pktlen\":%u,\"burst\":%u,"
		       "\"rate_mpps\":%.4f,\"dstmac\":\"%s\",\"guests\":[",
		       o->packed ? "packed" : "split", o->queues, o->queue_size, o->mrg_rxbuf,
		       o->in_order, b->pktlen, b->burst, b->rate, dst);
		for (unsigned int g = 0; g < o->nb_guests; g++) {
			format_mac(o->guests[g].mac, mac, sizeof(mac));
			printf("%s{\"name\":\"%s\",\"socket\":", g ? "," : "", o->guests[g].name);
			report_json_string(stdout, o->guests[g].socket);
			printf(",\"mac\":\"%s\",\"port\":%u}", mac, o->guests[g].port);
		}
		printf("],\"lcores\":[");
		for (unsigned int l = 0; l < b->nb_lcores; l++) {
			printf("%s{\"lcore\":%u,\"cpu\":%u,\"streams\":[", l ? "," : "",
			       b->lcores[l].lcore_id, o->cpus[l]);
			for (unsigned int s = 0; s < b->lcores[l].nb_streams; s++)
				printf("%s\"%s.q%u\"", s ? "," : "",
				       o->guests[b->lcores[l].streams[s]->guest].name,
				       b->lcores[l].streams[s]->queue);
			printf("]}");
		}
		printf("]}\n");
		fflush(stdout);
		return;
	}
	printf("ring %s, %u queue pair(s) of %u descriptors, mrg_rxbuf %u, in_order %u\n",
	       o->packed ? "packed" : "split", o->queues, o->queue_size, o->mrg_rxbuf,
	       o->in_order);
	for (unsigned int g = 0; g < o->nb_guests; g++) {
		format_mac(o->guests[g].mac, mac, sizeof(mac));
		printf("guest %s: %s, mac %s, port %u\n", o->guests[g].name, o->guests[g].socket,
		       mac, o->guests[g].port);
	}
	for (unsigned int l = 0; l < b->nb_lcores; l++) {
		printf("lcore %u on CPU %u polls", b->lcores[l].lcore_id, o->cpus[l]);
		for (unsigned int s = 0; s < b->lcores[l].nb_streams; s++)
			printf(" %s.q%u", o->guests[b->lcores[l].streams[s]->guest].name,
			       b->lcores[l].streams[s]->queue);
		printf("\n");
	}
	if (b->rate > 0)
		printf("pktlen %u, burst %u, rate %.3f Mpps, dstmac %s\n", b->pktlen, b->burst,
		       b->rate, dst);
	else
		printf("pktlen %u, burst %u, rate unlimited, dstmac %s\n", b->pktlen, b->burst,
		       dst);
	fflush(stdout);
}

/* One progress line, rates over the last period. */
static void
progress_line(struct bench *b, uint64_t *prev_tx, uint64_t *prev_rx, uint64_t *prev_tsc)
{
	uint64_t tx, rx, now = rte_rdtsc(), dt = now - *prev_tsc;
	char lat[64] = "";

	bench_totals(b, &tx, &rx);
	if (b->mode == MODE_LATENCY) {
		bench_collect_latency(b);
		snprintf(lat, sizeof(lat), "  p99 %.1f us",
			 rate_cycles_to_us(hist_percentile(b->lat, 99), b->hz));
	}
	fprintf(stderr, "\r[%s %.0f s] tx %.3f Mpps  rx %.3f Mpps%s%s", cmd_mode_names[b->mode],
		rate_cycles_to_us(now - b->t_start, b->hz) / 1e6,
		rate_mpps(tx - *prev_tx, dt, b->hz), rate_mpps(rx - *prev_rx, dt, b->hz), lat,
		isatty(STDERR_FILENO) ? "\033[K" : "");
	fflush(stderr);
	*prev_tx = tx;
	*prev_rx = rx;
	*prev_tsc = now;
}

static void
bench_sleep(struct bench *b, double secs)
{
	double end = bench_now_s() + secs, next = bench_now_s() + PROGRESS_PERIOD_S;
	uint64_t ptx, prx, ptsc = rte_rdtsc();
	bool shown = false;

	bench_totals(b, &ptx, &prx);
	while (!bench_signalled()) {
		double left = end - bench_now_s(), step = left < 0.1 ? left : 0.1;
		struct timespec ts;

		if (left <= 0)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(step * 1e9);
		nanosleep(&ts, NULL);
		if (b->running && b->progress && bench_now_s() >= next) {
			progress_line(b, &ptx, &prx, &ptsc);
			next += PROGRESS_PERIOD_S;
			shown = true;
		}
	}
	if (shown)
		fputs(isatty(STDERR_FILENO) ? "\r\033[K" : "\n", stderr);
}

static int
exec_cmd(struct bench *b, const struct cmd *c)
{
	switch (c->op) {
	case CMD_NONE:
		return 0;
	case CMD_SET_PKTLEN:
	case CMD_SET_BURST:
	case CMD_SET_RATE:
	case CMD_SET_TRIAL:
	case CMD_SET_RESOLUTION:
	case CMD_SET_DSTMAC:
		if (b->running) {
			bench_msg("set: %s is running (stop first)", cmd_mode_names[b->mode]);
			return -EBUSY;
		}
		if (c->op == CMD_SET_PKTLEN)
			b->pktlen = c->u;
		else if (c->op == CMD_SET_BURST)
			b->burst = c->u;
		else if (c->op == CMD_SET_RATE)
			b->rate = c->d;
		else if (c->op == CMD_SET_TRIAL)
			b->trial_s = c->d;
		else if (c->op == CMD_SET_RESOLUTION)
			b->resolution = c->d;
		else {
			b->dst_self = c->mac_self;
			b->dst_peer = c->mac_peer;
			if (!c->mac_self && !c->mac_peer)
				memcpy(b->dst_mac, c->mac, 6);
		}
		return 0;
	case CMD_START:
		return bench_start(b, c->mode);
	case CMD_NDR:
	case CMD_PDR:
		return trial_search(b, c->op == CMD_PDR ? c->d / 100 : 0);
	case CMD_STOP:
		if (!b->running) {
			bench_msg("stop: nothing is running");
			return 0;
		}
		bench_stop(b);
		bench_msg("stopped %s after %.3f s", cmd_mode_names[b->mode],
		          rate_cycles_to_us(b->t_stop - b->t_start, b->hz) / 1e6);
		return 0;
	case CMD_SHOW_STATS:
		exec_show_stats(b, "stats");
		return 0;
	case CMD_SHOW_LATENCY:
		show_latency(b);
		return 0;
	case CMD_SHOW_CONFIG:
		show_config(b);
		return 0;
	case CMD_CLEAR_STATS:
		bench_clear(b);
		return 0;
	case CMD_SLEEP:
		bench_sleep(b, c->d);
		return 0;
	case CMD_HELP:
		printf("commands:\n");
		cmd_help(stdout);
		fflush(stdout);
		return 0;
	case CMD_QUIT:
		b->quit = true;
		return 0;
	}
	return 0;
}

int
exec_line(struct bench *b, const char *line)
{
	char err[256];
	struct cmd c;

	if (cmd_parse(line, &c, err, sizeof(err)) != 0) {
		bench_msg("%s", err);
		return -EINVAL;
	}
	return exec_cmd(b, &c);
}
