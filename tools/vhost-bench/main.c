/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-bench: options, run control and batch mode.  Commands come from the
 * arguments, then a command file (-f FILE, or - for stdin, read as it
 * arrives), then the console (-i).  Commands given as arguments or in a
 * file are all checked before EAL starts: a typo costs nothing.
 *
 * Reports go to stdout (a table, or one JSON object per line with --json);
 * messages and the progress line go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bench.h"

#ifndef VHOSTD_VERSION
#define VHOSTD_VERSION "unknown"
#endif

#define EXIT_USAGE 2
#define PROGRESS_PERIOD_S 1.0

static volatile sig_atomic_t signalled;

static void
on_signal(int sig)
{
	(void)sig;
	signalled = 1;
}

bool
bench_quit_requested(const struct bench *b)
{
	return b->quit || signalled;
}

static double
now_s(void)
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

/* ---- counters and reports ---- */

static uint64_t
interval(const struct bench *b)
{
	if (!b->started_once)
		return 0;
	return (b->running ? rte_rdtsc() : b->t_stop) - b->t_base;
}

/* Merged latency histogram since start or clear, in b->lat. */
static void
collect_latency(struct bench *b)
{
	hist_init(b->lat);
	for (unsigned int i = 0; i < b->nb_lcores; i++) {
		hist_copy(b->tmp, &b->lcores[i].lat);
		hist_merge(b->lat, b->tmp);
	}
	if (b->cleared)
		hist_sub(b->lat, b->base_lat);
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
		collect_latency(b);
		r->lat = b->lat;
	}
}

static void
show_stats(struct bench *b, const char *type)
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

static void
bench_clear(struct bench *b)
{
	if (!b->started_once)
		return;
	/* A baseline, not a reset: the lcores stay the only writers. */
	for (unsigned int i = 0; i < b->nb_streams; i++)
		report_counters_load(&b->base[i], &b->streams[i].c);
	b->cleared = false;
	collect_latency(b);
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

/* One progress line, rates over the last period. */
static void
progress_line(struct bench *b, uint64_t *prev_tx, uint64_t *prev_rx, uint64_t *prev_tsc)
{
	uint64_t tx, rx, now = rte_rdtsc(), dt = now - *prev_tsc;
	char lat[64] = "";

	bench_totals(b, &tx, &rx);
	if (b->mode == MODE_LATENCY) {
		collect_latency(b);
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
	double end = now_s() + secs, next = now_s() + PROGRESS_PERIOD_S;
	uint64_t ptx, prx, ptsc = rte_rdtsc();
	bool shown = false;

	bench_totals(b, &ptx, &prx);
	while (!signalled) {
		double left = end - now_s(), step = left < 0.1 ? left : 0.1;
		struct timespec ts;

		if (left <= 0)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(step * 1e9);
		nanosleep(&ts, NULL);
		if (b->running && b->progress && now_s() >= next) {
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
		show_stats(b, "stats");
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
bench_exec_line(struct bench *b, const char *line)
{
	char err[256];
	struct cmd c;

	if (cmd_parse(line, &c, err, sizeof(err)) != 0) {
		bench_msg("%s", err);
		return -EINVAL;
	}
	return exec_cmd(b, &c);
}

/* ---- batch mode ---- */

static int
check_piece(const char *piece, void *arg)
{
	char err[256];
	struct cmd c;

	(void)arg;
	if (cmd_parse(piece, &c, err, sizeof(err)) != 0) {
		bench_msg("%s", err);
		return -EINVAL;
	}
	return 0;
}

static int
exec_piece(const char *piece, void *arg)
{
	struct bench *b = arg;
	int ret;

	if (bench_quit_requested(b))
		return 1;
	ret = bench_exec_line(b, piece);
	if (ret == -EINVAL)
		return ret;
	return bench_quit_requested(b) ? 1 : 0;	/* runtime errors are reported, not fatal */
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (nb == NULL || cap > (1u << 20)) {
				free(nb != NULL ? nb : buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* stdin: one command per line, executed as it arrives. */
static int
run_stdin(struct bench *b)
{
	char line[CMD_LINE_MAX + 2];

	while (!bench_quit_requested(b) && fgets(line, sizeof(line), stdin) != NULL) {
		int ret = cmd_split(line, exec_piece, b);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- options ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vhost-bench -s SOCKET [-s SOCKET ...] [options] [COMMAND ...]\n"
		"Plays the guest side of a vhost-user backend with DPDK's virtio-user driver.\n"
		"Guests:\n"
		"  -s, --socket PATH      a guest on this vhost-user socket (repeat for more)\n"
		"      --mac MAC          the next guest's MAC (default 52:54:00:00:00:NN)\n"
		"  -q, --queues N         queue pairs per guest (default 1)\n"
		"      --packed|--split   virtqueue layout (default split)\n"
		"      --mrg-rxbuf 0|1    mergeable RX buffers (default 1)\n"
		"      --in-order 0|1     in-order descriptors (default 1)\n"
		"      --queue-size N     descriptors per virtqueue (default 1024)\n"
		"      --server           listen on the socket (backend in client mode)\n"
		"      --link-timeout S   wait this long for the backend (default 10)\n"
		"CPUs and memory:\n"
		"  -c, --cpus LIST        forwarding CPUs, one lcore each (default 0)\n"
		"      --main-cpu N       CPU of the main lcore (default: the first of --cpus)\n"
		"  -m, --memory MB        DPDK memory (default 256)\n"
		"      --no-huge          anonymous memory instead of hugepages\n"
		"      --file-prefix P    EAL file prefix (default: from the first socket)\n"
		"      --log-level N      EAL log level 1-8 (default 5)\n"
		"      --eal 'ARGS'       more EAL arguments\n"
		"Commands and output:\n"
		"  -f, --file FILE        commands from FILE (-: stdin, run as they arrive)\n"
		"  -i, --interactive      console after the other commands\n"
		"      --json             reports as one JSON object per line\n"
		"      --progress         progress line on stderr even when it is not a tty\n"
		"      --vhostd-ctl PATH  vhostd's control socket: ndr/pdr trials say where\n"
		"                         frames were lost (its drop counters)\n"
		"  -V, --version, -h, --help\n"
		"COMMAND arguments run first; ';' separates commands within one.\n"
		"Commands:\n");
	cmd_help(f);
	fprintf(f, "Example: vhost-bench -s /run/vhostd/vm1.sock --mac 52:54:00:12:34:56 \\\n"
		"           'set pktlen 64' 'start txonly' 'sleep 10' 'stop' 'show stats'\n"
		"NDR: vhost-bench -s SOCK 'set rate 5; set trial 2; set resolution 0.05' ndr\n");
}

static int
parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int
parse_cpus(const char *s, struct bench_opts *o)
{
	char *copy = strdup(s), *save = NULL;
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	o->nb_cpus = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL && ret == 0;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned int lo, hi;
		char *dash = strchr(t, '-');

		if (dash != NULL)
			*dash = '\0';
		if (parse_uint(t, 0, 1023, &lo) != 0 ||
		    parse_uint(dash ? dash + 1 : t, lo, 1023, &hi) != 0) {
			ret = -EINVAL;
			break;
		}
		for (unsigned int c = lo; c <= hi; c++) {
			if (o->nb_cpus == BENCH_MAX_LCORES) {
				ret = -E2BIG;
				break;
			}
			o->cpus[o->nb_cpus++] = c;
		}
	}
	free(copy);
	return ret != 0 || o->nb_cpus == 0 ? -EINVAL : 0;
}

enum {
	OPT_MAC = 256, OPT_PACKED, OPT_SPLIT, OPT_MRG, OPT_IN_ORDER, OPT_QSIZE, OPT_SERVER,
	OPT_LINK_TIMEOUT, OPT_MAIN_CPU, OPT_NO_HUGE, OPT_PREFIX, OPT_LOG_LEVEL, OPT_EAL,
	OPT_JSON, OPT_PROGRESS, OPT_VHOSTD_CTL,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "queues", required_argument, NULL, 'q' },
	{ "packed", no_argument, NULL, OPT_PACKED },
	{ "split", no_argument, NULL, OPT_SPLIT },
	{ "mrg-rxbuf", required_argument, NULL, OPT_MRG },
	{ "in-order", required_argument, NULL, OPT_IN_ORDER },
	{ "queue-size", required_argument, NULL, OPT_QSIZE },
	{ "server", no_argument, NULL, OPT_SERVER },
	{ "link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT },
	{ "cpus", required_argument, NULL, 'c' },
	{ "main-cpu", required_argument, NULL, OPT_MAIN_CPU },
	{ "memory", required_argument, NULL, 'm' },
	{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
	{ "file-prefix", required_argument, NULL, OPT_PREFIX },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "eal", required_argument, NULL, OPT_EAL },
	{ "file", required_argument, NULL, 'f' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "vhostd-ctl", required_argument, NULL, OPT_VHOSTD_CTL },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *opt, const char *val, const char *expected)
{
	bench_msg("%s: '%s' is invalid (expected %s)", opt, val, expected);
	return -EINVAL;
}

/* Returns 0, 1 for --help/--version (exit 0), or -EINVAL. */
static int
parse_options(int argc, char **argv, struct bench_opts *o)
{
	unsigned int v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->queues = 1;
	o->mrg_rxbuf = 1;
	o->in_order = 1;
	o->queue_size = 1024;
	o->nb_cpus = 1;
	o->cpus[0] = 0;
	o->main_cpu = -1;
	o->hugepages = true;
	o->memory_mb = 256;
	o->log_level = 5;
	o->link_timeout = 10;
	while ((opt = getopt_long(argc, argv, "s:q:c:m:f:iVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (o->nb_guests == BENCH_MAX_GUESTS)
				return bad("--socket", optarg, "at most 16 guests");
			if (optarg[0] == '\0' || strlen(optarg) > 107)
				return bad("--socket", optarg, "a path of 1 to 107 characters");
			o->guests[o->nb_guests++].socket = optarg;
			break;
		case OPT_MAC:
			if (o->nb_macs == BENCH_MAX_GUESTS ||
			    !cmd_parse_mac(optarg, o->guests[o->nb_macs].mac) ||
			    (o->guests[o->nb_macs].mac[0] & 1))
				return bad("--mac", optarg, "a unicast MAC like 52:54:00:12:34:56");
			o->nb_macs++;
			break;
		case 'q':
			if (parse_uint(optarg, 1, BENCH_MAX_QUEUES, &o->queues) != 0)
				return bad("--queues", optarg, "1 to 16");
			break;
		case OPT_PACKED:
		case OPT_SPLIT:
			o->packed = opt == OPT_PACKED;
			break;
		case OPT_MRG:
			if (parse_uint(optarg, 0, 1, &o->mrg_rxbuf) != 0)
				return bad("--mrg-rxbuf", optarg, "0 or 1");
			break;
		case OPT_IN_ORDER:
			if (parse_uint(optarg, 0, 1, &o->in_order) != 0)
				return bad("--in-order", optarg, "0 or 1");
			break;
		case OPT_QSIZE:
			if (parse_uint(optarg, 64, 32768, &o->queue_size) != 0 ||
			    (o->queue_size & (o->queue_size - 1)) != 0)
				return bad("--queue-size", optarg, "a power of two, 64 to 32768");
			break;
		case OPT_SERVER:
			o->server = true;
			break;
		case OPT_LINK_TIMEOUT:
			if (parse_uint(optarg, 1, 3600, &v) != 0)
				return bad("--link-timeout", optarg, "1 to 3600 seconds");
			o->link_timeout = v;
			break;
		case 'c':
			if (parse_cpus(optarg, o) != 0)
				return bad("--cpus", optarg, "a CPU list like 0 or 2-3 (at most 16)");
			break;
		case OPT_MAIN_CPU:
			if (parse_uint(optarg, 0, 1023, &v) != 0)
				return bad("--main-cpu", optarg, "a CPU id");
			o->main_cpu = (int)v;
			break;
		case 'm':
			if (parse_uint(optarg, 32, 65536, &o->memory_mb) != 0)
				return bad("--memory", optarg, "32 to 65536 MB");
			break;
		case OPT_NO_HUGE:
			o->hugepages = false;
			break;
		case OPT_PREFIX:
			if (strlen(optarg) >= sizeof(o->file_prefix) ||
			    strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_-") != strlen(optarg))
				return bad("--file-prefix", optarg, "up to 63 of A-Z a-z 0-9 _ -");
			snprintf(o->file_prefix, sizeof(o->file_prefix), "%s", optarg);
			break;
		case OPT_LOG_LEVEL:
			if (parse_uint(optarg, 1, 8, &o->log_level) != 0)
				return bad("--log-level", optarg, "1 to 8");
			break;
		case OPT_EAL:
			o->eal_extra = optarg;
			break;
		case 'f':
			o->cmd_file = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_VHOSTD_CTL:
			o->vhostd_ctl = optarg;
			break;
		case 'V':
			printf("vhost-bench %s\n", VHOSTD_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (o->nb_cmds == BENCH_MAX_CMDS) {
			bench_msg("too many command arguments (at most %d)", BENCH_MAX_CMDS);
			return -EINVAL;
		}
		o->cmds[o->nb_cmds++] = argv[i];
	}
	if (o->nb_guests == 0) {
		bench_msg("no guest: give at least one --socket");
		return -EINVAL;
	}
	if (o->nb_macs > o->nb_guests) {
		bench_msg("--mac given %u times for %u guest(s)", o->nb_macs, o->nb_guests);
		return -EINVAL;
	}
	if (o->nb_cmds == 0 && o->cmd_file == NULL && !o->interactive) {
		bench_msg("nothing to do: give commands, -f FILE or -i (see --help)");
		return -EINVAL;
	}
	for (unsigned int g = 0; g < o->nb_guests; g++) {
		struct bench_guest *gu = &o->guests[g];

		snprintf(gu->name, sizeof(gu->name), "g%u", g);
		snprintf(gu->vdev, sizeof(gu->vdev), "net_virtio_user%u", g);
		if (g >= o->nb_macs) {
			static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x00 };

			memcpy(gu->mac, base, 6);
			gu->mac[5] = (uint8_t)(g + 1);
		}
	}
	return 0;
}

/* ---- setup ---- */

static int
bench_init(struct bench *b)
{
	struct bench_opts *o = &b->o;
	unsigned int k = 0;

	b->hz = rte_get_tsc_hz();
	b->nb_lcores = o->nb_cpus;
	b->nb_streams = o->nb_guests * o->queues;
	b->streams = rte_zmalloc("vbench_streams", b->nb_streams * sizeof(*b->streams),
				 RTE_CACHE_LINE_SIZE);
	b->lcores = rte_zmalloc("vbench_lcores", b->nb_lcores * sizeof(*b->lcores),
				RTE_CACHE_LINE_SIZE);
	b->base_lat = malloc(sizeof(struct hist));
	b->lat = malloc(sizeof(struct hist));
	b->tmp = malloc(sizeof(struct hist));
	if (b->streams == NULL || b->lcores == NULL || b->base_lat == NULL || b->lat == NULL ||
	    b->tmp == NULL)
		return -ENOMEM;
	for (unsigned int l = 0; l < b->nb_lcores; l++) {
		b->lcores[l].lcore_id = l + 1;
		b->lcores[l].pool = b->pool;
		b->lcores[l].rp = &b->rp;
		hist_init(&b->lcores[l].lat);
	}
	/* Streams round robin over the lcores, queue by queue. */
	for (unsigned int q = 0; q < o->queues; q++)
		for (unsigned int g = 0; g < o->nb_guests; g++, k++) {
			struct stream *s = &b->streams[k];
			struct lcore_ctx *lc = &b->lcores[k % b->nb_lcores];

			s->id = (uint16_t)k;
			s->guest = (uint16_t)g;
			s->port = o->guests[g].port;
			s->queue = (uint16_t)q;
			lc->streams[lc->nb_streams++] = s;
		}
	b->pktlen = 64;
	b->burst = 32;
	b->rate = 0;
	b->trial_s = 1;
	b->resolution = 0.01;
	b->dst_self = true;
	b->progress = o->progress || isatty(STDERR_FILENO);
	return 0;
}

static void
bench_fini(struct bench *b)
{
	rte_free(b->streams);
	rte_free(b->lcores);
	free(b->base_lat);
	free(b->lat);
	free(b->tmp);
}

int
main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	struct bench_opts *o = &b->o;
	char *eal_argv[128], *file_text = NULL;
	unsigned int eal_argc = 0;
	struct sigaction sa;
	int ret, status = EXIT_SUCCESS;

	ret = parse_options(argc, argv, o);
	if (ret != 0)
		return ret > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	/* Check every command before anything starts. */
	for (unsigned int i = 0; i < o->nb_cmds; i++)
		if (cmd_split(o->cmds[i], check_piece, NULL) != 0)
			return EXIT_USAGE;
	if (o->cmd_file != NULL && strcmp(o->cmd_file, "-") != 0) {
		file_text = read_file(o->cmd_file);
		if (file_text == NULL) {
			bench_msg("%s: %s", o->cmd_file, strerror(errno));
			return EXIT_USAGE;
		}
		if (cmd_split(file_text, check_piece, NULL) != 0) {
			bench_msg("%s: not run", o->cmd_file);
			free(file_text);
			return EXIT_USAGE;
		}
	}
	if (o->main_cpu < 0)
		o->main_cpu = (int)o->cpus[0];

	ret = port_eal_args(o, eal_argv, RTE_DIM(eal_argv), &eal_argc);
	if (ret != 0) {
		bench_msg("too many EAL arguments");
		free(file_text);
		return EXIT_USAGE;
	}
	{
		/* rte_eal_init may permute argv: hand it a copy of the pointers. */
		char *args[RTE_DIM(eal_argv)];

		memcpy(args, eal_argv, sizeof(args));
		ret = rte_eal_init((int)eal_argc, args);
	}
	if (ret < 0) {
		bench_msg("EAL init failed: %s", rte_strerror(rte_errno));
		port_eal_free(eal_argv, eal_argc);
		free(file_text);
		return EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: a blocked read returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	b->pool = port_pool_create(o);
	if (b->pool == NULL) {
		bench_msg("cannot create the mbuf pool: %s (try --memory)",
			  rte_strerror(rte_errno));
		status = EXIT_FAILURE;
		goto out_eal;
	}
	ret = port_open(o, b->pool);
	if (ret == 0)
		ret = port_wait_link(o);
	if (ret == 0)
		ret = bench_init(b);
	if (ret != 0) {
		status = EXIT_FAILURE;
		goto out_ports;
	}
	bench_msg("%u guest(s) up, %s ring, %u queue pair(s), %u forwarding lcore(s)", o->nb_guests,
	          o->packed ? "packed" : "split", o->queues, b->nb_lcores);

	for (unsigned int i = 0; i < o->nb_cmds && ret == 0 && !bench_quit_requested(b); i++)
		ret = cmd_split(o->cmds[i], exec_piece, b);
	if (ret >= 0 && file_text != NULL && !bench_quit_requested(b))
		ret = cmd_split(file_text, exec_piece, b);
	else if (ret >= 0 && o->cmd_file != NULL && !bench_quit_requested(b))
		ret = run_stdin(b);
	if (ret >= 0 && o->interactive && !bench_quit_requested(b))
		ret = console_run(b);
	if (ret < 0)
		status = EXIT_USAGE;

	bench_stop(b);
	if (b->started_once)
		show_stats(b, "final");
	if (signalled)
		bench_msg("interrupted");
out_ports:
	bench_fini(b);
	port_close(o);
	rte_mempool_free(b->pool);
out_eal:
	rte_eal_cleanup();
	port_eal_free(eal_argv, eal_argc);
	free(file_text);
	return status;
}
