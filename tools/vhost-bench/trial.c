/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trials for the NDR/PDR search (ndr.c): each is a loopback run that
 * offers rate x "set trial" seconds frames, then a drain (RX still polled
 * until nothing more comes back), so that frames still in the rings count
 * as received, not lost.  With --vhostd-ctl, vhostd's counters are read
 * before and after each trial to say where the missing frames went.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "backend.h"
#include "bench.h"
#include "ndr.h"

/* The drain ends when every frame came back, or after this many 10 ms
 * polls without a new one, or after DRAIN_MAX_MS.  Quiet for 300 ms: on a
 * shared machine a backend thread can be off its CPU for tens of ms, and
 * frames it still holds would count as lost (and come back late in the
 * next trial). */
#define DRAIN_POLL_NS 10000000L
#define DRAIN_QUIET 30
#define DRAIN_MAX_MS 2000
/* A trial's offered rate is its average: when the forwarding lcore was
 * off its CPU (vhost-bench shares CPUs with the backend), the pacer sends
 * what fell due afterwards instead of forgetting it, for the whole trial
 * and up to TRIAL_GRACE of it (at least TRIAL_GRACE_MIN_S) past its end.
 * What is not sent by then is a shortfall: a backend that pushed back. */
#define TRIAL_GRACE 0.1
#define TRIAL_GRACE_MIN_S 0.05

struct trial_ctx {
	struct bench *b;
	unsigned int n;			/* trials run */
	char *details[NDR_MAX_TRIALS];
	bool backend_failed;		/* said once */
};

static void
nap(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	nanosleep(&ts, NULL);
}

/* -EINTR when the user interrupted. */
static int
trial_wait(const struct bench *b, double secs)
{
	uint64_t end = rte_rdtsc() + (uint64_t)(secs * (double)b->hz);

	while (rte_rdtsc() < end) {
		uint64_t left_ns = (end - rte_rdtsc()) * 1000000000ull / b->hz;

		if (bench_quit_requested(b))
			return -EINTR;
		nap(left_ns < 100000000ull ? (long)left_ns : 100000000L);
	}
	return 0;
}

/* Frames that came back during this trial but were sent before it: a
 * backend that held them past the last drain. */
static uint64_t
late_frames(const struct bench *b)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < b->nb_streams; i++)
		n += __atomic_load_n(&b->streams[i].c.rx_foreign, __ATOMIC_RELAXED);
	return n;
}

/* After the trial's end: until nothing more comes back. */
static void
drain(struct bench *b)
{
	uint64_t tx, rx, prev_tx, prev_rx;
	unsigned int quiet = 0;

	bench_totals(b, &prev_tx, &prev_rx);
	for (long waited = 0; quiet < DRAIN_QUIET && waited < DRAIN_MAX_MS * 1000000L;
	     waited += DRAIN_POLL_NS) {
		uint64_t late;

		nap(DRAIN_POLL_NS);
		late = late_frames(b);	/* before rx: rx - late cannot wrap */
		bench_totals(b, &tx, &rx);
		if (rx - late >= tx && tx == prev_tx)
			break;		/* all of this trial's frames are back */
		quiet = rx == prev_rx && tx == prev_tx ? quiet + 1 : 0;
		prev_tx = tx;
		prev_rx = rx;
	}
}

static json_t *
backend_snapshot(struct trial_ctx *tc)
{
	const char *path = tc->b->o.vhostd_ctl;
	char err[256];
	json_t *s;

	if (path == NULL)
		return NULL;
	s = backend_stats(path, err, sizeof(err));
	if (s == NULL && !tc->backend_failed) {
		bench_msg("no loss by place: %s", err);
		tc->backend_failed = true;
	}
	return s;
}

static int
trial_one(struct ndr_trial *t, void *arg)
{
	struct trial_ctx *tc = arg;
	struct bench *b = tc->b;
	json_t *before, *after;
	int ret;

	before = backend_snapshot(tc);
	b->rate = t->rate;
	/* Latency mode: every frame carries its send time, so one sent
	 * before this trial is told apart (rx_foreign) and not counted. */
	ret = bench_start(b, MODE_LATENCY);
	if (ret != 0) {
		json_decref(before);
		return ret;
	}
	ret = trial_wait(b, b->trial_s);
	drain(b);
	bench_stop(b);
	bench_totals(b, &t->sent, &t->received);
	t->late = late_frames(b);
	t->received -= t->late;
	t->secs = b->trial_s;
	after = before != NULL ? backend_snapshot(tc) : NULL;
	if (after != NULL && tc->n < NDR_MAX_TRIALS) {
		uint64_t lost = t->sent > t->received ? t->sent - t->received : 0;

		tc->details[tc->n] = backend_where(before, after, lost);
		t->detail = tc->details[tc->n];
	}
	json_decref(before);
	json_decref(after);
	tc->n++;
	if (b->progress || !b->o.json)
		bench_msg("trial %u%s at %s%.4f Mpps: sent %lu, received %lu (and %lu late) "
			  "in %.2f s", tc->n, t->verify ? " (verify)" : "",
			  t->rate > 0 ? "" : "unlimited, ",
			  t->rate > 0 ? t->rate : (double)t->sent / t->secs / 1e6, t->sent,
			  t->received, t->late, t->secs);
	return ret;
}

int
trial_search(struct bench *b, double loss_ratio)
{
	struct ndr_params p = {
		.max_mpps = b->rate,
		.resolution = b->resolution,
		.loss_ratio = loss_ratio,
		.duration = b->trial_s,
		.pktlen = b->pktlen,
	};
	struct trial_ctx tc = { .b = b };
	struct ndr_search *s;
	double rate = b->rate;
	char err[128];
	int ret;

	if (b->running) {
		bench_msg("%s: %s is running (stop first)", loss_ratio > 0 ? "pdr" : "ndr",
			  cmd_mode_names[b->mode]);
		return -EBUSY;
	}
	s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	ret = ndr_init(s, &p, err, sizeof(err));
	if (ret != 0) {
		bench_msg("%s: %s", loss_ratio > 0 ? "pdr" : "ndr", err);
		free(s);
		return ret;
	}
	b->catch_up_s = b->trial_s;
	b->tx_for_s = b->trial_s;
	b->tx_grace_s = b->trial_s * TRIAL_GRACE > TRIAL_GRACE_MIN_S ?
			b->trial_s * TRIAL_GRACE : TRIAL_GRACE_MIN_S;
	ret = ndr_run(s, trial_one, &tc);
	b->catch_up_s = 0;
	b->tx_for_s = 0;
	b->tx_grace_s = 0;
	b->rate = rate;
	ndr_report(stdout, s, b->o.json);
	if (ret == -ERANGE || ret == -ETIMEDOUT)
		bench_msg("%s: %s", loss_ratio > 0 ? "pdr" : "ndr",
			  ret == -ERANGE ? "even the lowest rate lost frames" :
			  "no convergence within the trial limit (a noisy backend?)");
	for (unsigned int i = 0; i < NDR_MAX_TRIALS; i++)
		free(tc.details[i]);
	free(s);
	return ret;
}
