/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop attribution (include/vhostd/why.h): the counters of a guest's last
 * seconds put into causes, and the sentence that names the dominant one.
 * Pure C, no DPDK.
 */
#include <stdio.h>
#include <string.h>

#include "vhostd/why.h"

static const char *const cause_names[WHY_NB_CAUSES + 1] = {
	[WHY_GUEST] = "guest",
	[WHY_HOST] = "host",
	[WHY_WIRE] = "wire",
	[WHY_POLICY] = "policy",
	[WHY_NONE] = "none",
};

const char *
why_cause_name(enum why_cause c)
{
	return (unsigned int)c <= WHY_NONE ? cause_names[c] : "unknown";
}

const char *
why_dir_name(enum why_dir d)
{
	return d == WHY_RX ? "rx" : "tx";
}

/* drop_rate_limited counts both directions in one counter: with one limit
 * configured the direction is known; with both it is counted as sent
 * (docs/operations.md says so). */
static enum why_dir
rate_limit_dir(uint8_t limits)
{
	return (limits & WHY_LIMIT_TX) || !(limits & WHY_LIMIT_RX) ? WHY_TX : WHY_RX;
}

void
why_classify(const struct why_tick *t, uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES])
{
	const bool saturated = t->busy_pct >= WHY_BUSY_PCT;

	/* To the guest.  Frames the NIC missed were not polled in time: the
	 * worker's fault when it was saturated, else the wire's (the NIC). */
	lost[WHY_RX][WHY_GUEST] += t->drops[DROP_GUEST_RING_FULL];
	lost[WHY_RX][WHY_POLICY] += t->drops[DROP_NOT_READY];
	lost[WHY_RX][saturated ? WHY_HOST : WHY_WIRE] += t->nic_rx_missed;

	/* From the guest. */
	lost[WHY_TX][WHY_HOST] += t->drops[DROP_NO_MBUF];
	/* The NIC's oerrors are shown, not added: drivers differ on whether
	 * a frame tx_burst refused is counted there too (net_tap does). */
	lost[WHY_TX][WHY_WIRE] += t->uplink_tx_full;
	lost[WHY_TX][WHY_POLICY] += t->drops[DROP_SPOOFED] + t->drops[DROP_UNKNOWN_DST] +
				    t->drops[DROP_RUNT] + t->drops[DROP_BAD_OFFLOAD];
	lost[rate_limit_dir(t->limits)][WHY_POLICY] += t->drops[DROP_RATE_LIMITED];
}

static uint64_t
lost_dir(const struct why_report *r, enum why_dir d)
{
	uint64_t n = 0;

	for (int c = 0; c < WHY_NB_CAUSES; c++)
		n += r->lost[d][c];
	return n;
}

uint64_t
why_offered(const struct why_report *r, enum why_dir d)
{
	return r->delivered[d] + lost_dir(r, d);
}

/* The cause with the most frames lost; with none lost, the longest stall
 * (a guest slow to post buffers, a saturated worker), else WHY_NONE. */
static void
dominant(struct why_report *r)
{
	uint64_t best = 0;

	r->cause = WHY_NONE;
	r->dir = WHY_RX;
	for (int c = 0; c < WHY_NB_CAUSES; c++) {
		uint64_t n = r->lost[WHY_RX][c] + r->lost[WHY_TX][c];

		if (n > best) {
			best = n;
			r->cause = (enum why_cause)c;
			r->dir = r->lost[WHY_TX][c] > r->lost[WHY_RX][c] ? WHY_TX : WHY_RX;
		}
	}
	if (best > 0)
		return;
	if (r->guest_slow_ns > 0 && r->guest_slow_ns >= r->host_slow_ns) {
		r->cause = WHY_GUEST;
		r->dir = WHY_RX;
	} else if (r->host_slow_ns > 0) {
		r->cause = WHY_HOST;
		r->dir = r->tx_stall_ns > 0 ? WHY_TX : WHY_RX;
	}
}

void
why_summarize(const struct why_tick *t, unsigned int n, struct why_report *r)
{
	memset(r, 0, sizeof(*r));
	r->worker = -1;
	r->backlog = -1;
	for (unsigned int i = 0; i < n; i++) {
		const struct why_tick *k = &t[i];
		uint64_t lost[WHY_NB_DIRS][WHY_NB_CAUSES] = { { 0 } };
		uint64_t out = 0;

		r->ticks++;
		r->ns += k->ns;
		why_classify(k, lost);
		for (int c = 0; c < WHY_NB_CAUSES; c++) {
			r->lost[WHY_RX][c] += lost[WHY_RX][c];
			r->lost[WHY_TX][c] += lost[WHY_TX][c];
			out += lost[WHY_TX][c];
		}
		/* What the guest sent counts in tx_pkts once dequeued, lost
		 * afterwards or not. */
		r->delivered[WHY_RX] += k->rx_pkts;
		r->delivered[WHY_TX] += k->tx_pkts > out ? k->tx_pkts - out : 0;
		for (int d = 0; d < DROP_MAX; d++)
			r->drops[d] += k->drops[d];
		r->uplink_tx_full += k->uplink_tx_full;
		r->nic_rx_missed += k->nic_rx_missed;
		r->nic_tx_errors += k->nic_tx_errors;
		if (k->rx_ring_full)
			r->guest_slow_ns += k->ns;
		if (k->busy_pct >= WHY_BUSY_PCT) {
			r->host_slow_ns += k->ns;
			if (k->tx_ring_full)
				r->tx_stall_ns += k->ns;
		}
		if (k->worker >= 0 && (r->worker < 0 || k->busy_pct > r->busy_pct)) {
			r->busy_pct = k->busy_pct;
			r->worker = k->worker;
		}
		if (k->backlog > r->backlog)
			r->backlog = k->backlog;
	}
	dominant(r);
}

/* "12,345": thousands separated as the operator reads them. */
static const char *
count(uint64_t v, char *buf, size_t len)
{
	char digits[24];
	size_t n, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%lu", (unsigned long)v);
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* The dominant cause's numbers, after "mostly CAUSE: ". */
static int
detail(const struct why_report *r, char *buf, size_t len)
{
	char a[32], b[32], c[32];

	switch (r->cause) {
	case WHY_GUEST:
		return snprintf(buf, len, "guest slow: its RX ring was full for %.1f s (%s drops, "
				"guest_ring_full)", secs(r->guest_slow_ns),
				count(r->drops[DROP_GUEST_RING_FULL], a, sizeof(a)));
	case WHY_HOST:
		if (r->lost[WHY_RX][WHY_HOST] + r->lost[WHY_TX][WHY_HOST] == 0)
			return snprintf(buf, len, "host slow: worker %d was saturated for %.1f s, "
					"the guest's TX ring full for %.1f s of it",
					r->worker, secs(r->host_slow_ns), secs(r->tx_stall_ns));
		return snprintf(buf, len, "host slow: worker %d was saturated for %.1f s (%s "
				"missed by the NIC meanwhile, %s drop_no_mbuf)", r->worker,
				secs(r->host_slow_ns),
				count(r->lost[WHY_RX][WHY_HOST], a, sizeof(a)),
				count(r->drops[DROP_NO_MBUF], b, sizeof(b)));
	case WHY_WIRE:
		return snprintf(buf, len, "wire: the uplink's TX queue was full (%s drops, "
				"uplink_tx_full), the NIC missed %s and failed to send %s",
				count(r->uplink_tx_full, a, sizeof(a)),
				count(r->lost[WHY_RX][WHY_WIRE], b, sizeof(b)),
				count(r->nic_tx_errors, c, sizeof(c)));
	case WHY_POLICY: {
		int n = snprintf(buf, len, "policy:");
		const char *sep = " ";

		for (int d = 0; d < DROP_MAX; d++) {
			if (d == DROP_GUEST_RING_FULL || d == DROP_NO_MBUF ||
			    d == DROP_UPLINK_TX_FULL || r->drops[d] == 0 || n < 0 || (size_t)n >= len)
				continue;
			/* "drop_rate_limited" -> "rate_limited" */
			n += snprintf(buf + n, len - (size_t)n, "%s%s %s", sep,
				      count(r->drops[d], a, sizeof(a)), drop_reason_names[d] + 5);
			sep = ", ";
		}
		return n;
	}
	default:
		return snprintf(buf, len, "nothing");
	}
}

int
why_sentence(const struct why_report *r, const char *name, char *buf, size_t len)
{
	uint64_t lost = lost_dir(r, WHY_RX) + lost_dir(r, WHY_TX);
	char a[32], b[32], d[256], busy[64];
	unsigned int span = (unsigned int)((r->ns + 500000000) / 1000000000);

	if (r->worker >= 0)
		snprintf(busy, sizeof(busy), "worker %d busy %u %%", r->worker, r->busy_pct);
	else
		snprintf(busy, sizeof(busy), "no worker serves it");
	if (r->ticks == 0)
		return snprintf(buf, len, "%s: no interval measured yet (one second after it "
				"is added)", name);
	if (lost == 0 && r->cause == WHY_NONE)
		return snprintf(buf, len, "%s lost nothing in the last %u s (%s frames to it, %s "
				"from it); %s.", name, span,
				count(r->delivered[WHY_RX], a, sizeof(a)),
				count(r->delivered[WHY_TX], b, sizeof(b)), busy);
	detail(r, d, sizeof(d));
	if (lost == 0)
		return snprintf(buf, len, "%s lost nothing in the last %u s but stalled: mostly "
				"%s; %s.", name, span, d, busy);
	{
		uint64_t off = why_offered(r, r->dir);
		uint64_t in_dir = lost_dir(r, r->dir);

		return snprintf(buf, len, "%s lost %s of %s frames %s it in the last %u s "
				"(%.1f %%): mostly %s; %s.", name, count(in_dir, a, sizeof(a)),
				count(off, b, sizeof(b)), r->dir == WHY_RX ? "to" : "from",
				span, off > 0 ? 100.0 * (double)in_dir / (double)off : 0.0, d,
				busy);
	}
}
