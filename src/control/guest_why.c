/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop attribution on the daemon side (include/vhostd/why.h has the
 * classifier): once a second the main thread turns each guest's counters,
 * its uplink's and its workers' busy cycles into a why_tick, kept in a ring
 * of the last WHY_TICKS seconds.  Workers only count, as always; nothing
 * here runs on them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "control/guest_why.h"
#include "control/vhostd.h"
#include "ports/uplink.h"

/* Counters at the last sample, and the ticks made of their changes. */
struct why_hist {
	char name[VHOSTD_NAME_MAX];	/* whose: a new guest in the slot starts over */
	const void *owner;		/* ... and its counters (the same name added again) */
	bool primed;
	struct queue_stats seen;
	uint64_t uplink_tx_full;
	uint64_t nic_rx_missed;
	uint64_t nic_tx_errors;
	uint64_t ns;
	struct why_tick ring[WHY_TICKS];
	unsigned int next;
	unsigned int count;
	uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES];	/* since the guest was added */
	uint64_t guest_slow_ns;
	uint64_t host_slow_ns;
};

/* An uplink's counters at one sample. */
struct why_uplink {
	uint64_t tx_full;
	uint64_t rx_missed;
	uint64_t tx_errors;
	int32_t backlog;
};

/* Written by the main thread's sampler under d->lock; read under d->lock
 * by the control handlers (main thread, and DPDK's telemetry thread). */
static struct why_hist hist[VHOSTD_MAX_GUESTS];
static uint64_t busy_seen[VHOSTD_MAX_WORKERS];
static uint64_t tsc_seen;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void
uplink_sample(const struct uplink *u, struct why_uplink *out)
{
	struct port_stats sum;
	struct queue_stats total;

	memset(out, 0, sizeof(*out));
	out->backlog = -1;
	uplink_counters(u, &sum);
	stats_total(&sum, VHOSTD_MAX_QUEUES, &total);
	out->tx_full = total.drops[DROP_UPLINK_TX_FULL];
	if (!u->started)
		return;
	/* The device's own counters, and descriptors waiting for a worker. */
	uplink_device_losses(u, &out->rx_missed, &out->tx_errors);
	out->backlog = uplink_rx_backlog(u);
}

/* The busiest worker that polls one of g's TX vrings or one of its
 * uplink's RX queues (those deliver its frames). */
static void
busiest(struct vhostd *d, const struct guest *g, const uint8_t pct[], struct why_tick *t)
{
	const struct uplink *u = &d->uplinks[g->uplink];

	t->worker = -1;
	for (unsigned int q = 0; q < g->nb_pairs && q < VHOSTD_MAX_QUEUES; q++) {
		uint16_t w = g->place[q].worker;

		if (w < d->nb_workers && (t->worker < 0 || pct[w] > t->busy_pct)) {
			t->worker = (int16_t)w;
			t->busy_pct = pct[w];
		}
	}
	for (unsigned int q = 0; q < u->nb_rxq && q < VHOSTD_MAX_QUEUES; q++) {
		uint16_t w = u->place[q].worker;

		if (w < d->nb_workers && (t->worker < 0 || pct[w] > t->busy_pct)) {
			t->worker = (int16_t)w;
			t->busy_pct = pct[w];
		}
	}
}

/* Its rings right now: an RX ring with no buffer posted, a TX ring full
 * (virtio 1.2, 2.7.6: avail->idx runs ahead of what the device used). */
static void
rings(const struct guest *g, struct why_tick *t)
{
	for (uint16_t q = 0; q < g->nb_pairs; q++) {
		struct vring_info vi;

		if (guest_vring_info(g, (uint16_t)(2 * q), &vi) == 0 && vi.avail_idx >= 0 &&
		    (uint16_t)(vi.avail_idx - vi.last_avail_idx) == 0)
			t->rx_ring_full = true;
		if (guest_vring_info(g, (uint16_t)(2 * q + 1), &vi) == 0 && vi.avail_idx >= 0 &&
		    (uint16_t)(vi.avail_idx - vi.last_avail_idx) >= vi.size)
			t->tx_ring_full = true;
	}
}

static bool
went_back(const struct queue_stats *now, const struct queue_stats *seen)
{
	return now->rx_pkts < seen->rx_pkts || now->tx_pkts < seen->tx_pkts;
}

static void
guest_sample(struct vhostd *d, struct guest *g, const struct why_uplink *ul,
	     const uint8_t pct[], uint64_t now)
{
	struct why_hist *h = &hist[g->index];
	struct port_stats sum;
	struct queue_stats total;
	struct why_tick t = { .backlog = ul->backlog };
	uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES] = { { 0 } };

	guest_counters(d, g, &sum);
	stats_total(&sum, g->cfg.queues, &total);
	/* The flight recorder's rate-limit trips come from the same sum. */
	guest_events_rate_sample(g, total.drops[DROP_RATE_LIMITED]);
	/* A new guest in the slot, or a stats reset: a new baseline. */
	if (h->owner != g->stats || strcmp(h->name, g->cfg.name) != 0) {
		memset(h, 0, sizeof(*h));
		snprintf(h->name, sizeof(h->name), "%s", g->cfg.name);
		h->owner = g->stats;
	}
	if (!h->primed || went_back(&total, &h->seen) || ul->tx_full < h->uplink_tx_full)
		goto rebase;
	t.ns = now - h->ns;
	t.rx_pkts = total.rx_pkts - h->seen.rx_pkts;
	t.tx_pkts = total.tx_pkts - h->seen.tx_pkts;
	for (int r = 0; r < DROP_MAX; r++)
		t.drops[r] = total.drops[r] - h->seen.drops[r];
	t.uplink_tx_full = ul->tx_full - h->uplink_tx_full;
	t.nic_rx_missed = ul->rx_missed - h->nic_rx_missed;
	t.nic_tx_errors = ul->tx_errors - h->nic_tx_errors;
	t.limits = (g->cfg.rx_limit.bps || g->cfg.rx_limit.pps ? WHY_LIMIT_RX : 0) |
		   (g->cfg.tx_limit.bps || g->cfg.tx_limit.pps ? WHY_LIMIT_TX : 0);
	busiest(d, g, pct, &t);
	if (g->state == GUEST_RUNNING)
		rings(g, &t);
	/* An RX ring without buffers matters once frames come for it. */
	t.rx_ring_full = t.drops[DROP_GUEST_RING_FULL] > 0 || (t.rx_ring_full && t.rx_pkts > 0);
	h->ring[h->next] = t;
	h->next = (h->next + 1) % WHY_TICKS;
	if (h->count < WHY_TICKS)
		h->count++;
	why_classify(&t, lost);
	for (int dir = 0; dir < WHY_NB_DIRS; dir++)
		for (int c = 0; c < WHY_NB_CAUSES; c++)
			h->lost[dir][c] += lost[dir][c];
	if (t.rx_ring_full)
		h->guest_slow_ns += t.ns;
	if (t.busy_pct >= WHY_BUSY_PCT)
		h->host_slow_ns += t.ns;
rebase:
	h->primed = true;
	h->seen = total;
	h->uplink_tx_full = ul->tx_full;
	h->nic_rx_missed = ul->rx_missed;
	h->nic_tx_errors = ul->tx_errors;
	h->ns = now;
}

void
guest_why_sample(struct vhostd *d)
{
	static struct why_uplink ul[VHOSTD_MAX_UPLINKS];
	static uint64_t last;
	uint8_t pct[VHOSTD_MAX_WORKERS] = { 0 };
	uint64_t now = mono_ns(), tsc = rte_get_tsc_cycles();

	if (now - last < 1000000000)
		return;
	last = now;
	/* Each worker's busy share of the second, as `workers` counts it. */
	for (unsigned int w = 0; w < d->nb_workers && w < VHOSTD_MAX_WORKERS; w++) {
		uint64_t busy = d->workers[w].busy_cycles;

		if (tsc_seen != 0 && tsc > tsc_seen) {
			double p = load_pct(busy - busy_seen[w], tsc - tsc_seen);

			pct[w] = (uint8_t)(p > 100 ? 100 : p);
		}
		busy_seen[w] = busy;
	}
	tsc_seen = tsc;
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->nb_uplinks && i < VHOSTD_MAX_UPLINKS; i++)
		uplink_sample(&d->uplinks[i], &ul[i]);
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		if (g->in_use && g->uplink < d->nb_uplinks && g->index < VHOSTD_MAX_GUESTS)
			guest_sample(d, g, &ul[g->uplink], pct, now);
	}
	pthread_mutex_unlock(&d->lock);
}

/* g's history, or NULL before its first sample. */
static const struct why_hist *
hist_of(const struct guest *g)
{
	const struct why_hist *h = g->index < VHOSTD_MAX_GUESTS ? &hist[g->index] : NULL;

	return h != NULL && h->owner == g->stats && strcmp(h->name, g->cfg.name) == 0 ? h : NULL;
}

int
guest_why_report(const struct guest *g, struct why_report *r)
{
	const struct why_hist *h = hist_of(g);

	if (h == NULL) {
		why_summarize(NULL, 0, r);
		return 0;
	}
	why_summarize(h->ring, h->count, r);
	return 0;
}

/* The last interval: the sentence, the causes per direction, the raw
 * counters behind them and the stalls. */
json_t *
guest_why_json(const struct guest *g)
{
	struct why_report r;
	char sentence[512];
	json_t *j, *causes, *raw;

	guest_why_report(g, &r);
	why_sentence(&r, g->cfg.name, sentence, sizeof(sentence));
	causes = json_object();
	for (int dir = 0; dir < WHY_NB_DIRS; dir++) {
		json_t *o = json_pack("{s:I, s:I}", "offered",
				      (json_int_t)why_offered(&r, (enum why_dir)dir),
				      "delivered", (json_int_t)r.delivered[dir]);

		for (int c = 0; c < WHY_NB_CAUSES; c++)
			json_object_set_new(o, why_cause_name((enum why_cause)c),
					    json_integer((json_int_t)r.lost[dir][c]));
		json_object_set_new(causes, why_dir_name((enum why_dir)dir), o);
	}
	raw = json_object();
	for (int d = 0; d < DROP_MAX; d++)
		json_object_set_new(raw, drop_reason_names[d] + 5,
				    json_integer((json_int_t)r.drops[d]));
	json_object_set_new(raw, "uplink_tx_full", json_integer((json_int_t)r.uplink_tx_full));
	json_object_set_new(raw, "nic_rx_missed", json_integer((json_int_t)r.nic_rx_missed));
	json_object_set_new(raw, "nic_tx_errors", json_integer((json_int_t)r.nic_tx_errors));
	j = json_pack("{s:s, s:s, s:s, s:f, s:o, s:o, s:f, s:f, s:f, s:i, s:i, s:i}",
		      "summary", sentence, "cause", why_cause_name(r.cause),
		      "direction", why_dir_name(r.dir), "seconds", (double)r.ns / 1e9,
		      "lost", causes, "counters", raw,
		      "guest_slow_seconds", (double)r.guest_slow_ns / 1e9,
		      "host_slow_seconds", (double)r.host_slow_ns / 1e9,
		      "tx_stall_seconds", (double)r.tx_stall_ns / 1e9,
		      "worker", r.worker, "busy_pct", (int)r.busy_pct, "backlog", r.backlog);
	return j;
}

/* Since the guest was added: counters for Prometheus (rate() over them). */
json_t *
guest_why_totals_json(const struct guest *g)
{
	const struct why_hist *h = hist_of(g);
	bool mine = h != NULL;
	json_t *j = json_object();

	for (int dir = 0; dir < WHY_NB_DIRS; dir++) {
		json_t *o = json_object();

		for (int c = 0; c < WHY_NB_CAUSES; c++)
			json_object_set_new(o, why_cause_name((enum why_cause)c),
					    json_integer(mine ? (json_int_t)h->lost[dir][c] : 0));
		json_object_set_new(j, why_dir_name((enum why_dir)dir), o);
	}
	json_object_set_new(j, "guest_slow_seconds",
			    json_real(mine ? (double)h->guest_slow_ns / 1e9 : 0));
	json_object_set_new(j, "host_slow_seconds",
			    json_real(mine ? (double)h->host_slow_ns / 1e9 : 0));
	return j;
}
