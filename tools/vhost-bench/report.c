/* SPDX-License-Identifier: BSD-3-Clause */
/* Human and JSON reports (pure C). */
#include <string.h>

#include "rate.h"
#include "report.h"

#define NB_FIELDS (sizeof(struct bench_counters) / sizeof(uint64_t))

static const uint64_t *
fields_c(const struct bench_counters *c)
{
	return (const uint64_t *)c;
}

static uint64_t *
fields(struct bench_counters *c)
{
	return (uint64_t *)c;
}

void
report_counters_load(struct bench_counters *dst, const struct bench_counters *src)
{
	for (size_t i = 0; i < NB_FIELDS; i++)
		fields(dst)[i] = __atomic_load_n(&fields_c(src)[i], __ATOMIC_RELAXED);
}

void
report_counters_add(struct bench_counters *dst, const struct bench_counters *src)
{
	for (size_t i = 0; i < NB_FIELDS; i++)
		fields(dst)[i] += fields_c(src)[i];
}

void
report_counters_sub(struct bench_counters *dst, const struct bench_counters *base)
{
	for (size_t i = 0; i < NB_FIELDS; i++)
		fields(dst)[i] -= fields_c(base)[i];
}

void
report_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole != 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void
json_counters(FILE *f, const struct report *r, const struct bench_counters *c)
{
	fprintf(f, "\"tx_pkts\":%lu,\"tx_bytes\":%lu,\"rx_pkts\":%lu,\"rx_bytes\":%lu,"
		"\"tx_mpps\":%.4f,\"rx_mpps\":%.4f,\"tx_gbps\":%.4f,\"rx_gbps\":%.4f,"
		"\"tx_full_pct\":%.2f,\"tx_nombuf\":%lu,\"rx_empty_pct\":%.2f,\"rx_foreign\":%lu",
		c->tx_pkts, c->tx_bytes, c->rx_pkts, c->rx_bytes,
		rate_mpps(c->tx_pkts, r->cycles, r->hz), rate_mpps(c->rx_pkts, r->cycles, r->hz),
		rate_gbps(c->tx_bytes, r->cycles, r->hz), rate_gbps(c->rx_bytes, r->cycles, r->hz),
		pct(c->tx_full, c->tx_bursts), c->tx_nombuf, pct(c->rx_empty, c->rx_polls),
		c->rx_foreign);
}

static void
json_latency_fields(FILE *f, const struct report *r)
{
	const struct hist *h = r->lat;
	uint64_t hz = r->hz;

	fprintf(f, "\"samples\":%lu,\"min_us\":%.3f,\"mean_us\":%.3f,\"p50_us\":%.3f,"
		"\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f", h->count,
		rate_cycles_to_us(h->count ? h->min : 0, hz),
		h->count ? hist_mean(h) * 1e6 / (double)hz : 0.0,
		rate_cycles_to_us(hist_percentile(h, 50), hz),
		rate_cycles_to_us(hist_percentile(h, 99), hz),
		rate_cycles_to_us(hist_percentile(h, 99.9), hz),
		rate_cycles_to_us(h->max, hz));
}

static void
total_of(const struct report *r, struct bench_counters *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < r->nb_guests; i++)
		report_counters_add(t, &r->guests[i].c);
}

static void
stats_json(FILE *f, const struct report *r)
{
	struct bench_counters t;

	fprintf(f, "{\"type\":");
	report_json_string(f, r->type);
	fprintf(f, ",\"mode\":");
	if (r->mode != NULL)
		report_json_string(f, r->mode);
	else
		fprintf(f, "null");
	fprintf(f, ",\"running\":%s,\"elapsed_s\":%.3f,\"tsc_hz\":%lu,\"pktlen\":%u,"
		"\"burst\":%u,\"rate_mpps\":%.4f,\"guests\":[", r->running ? "true" : "false",
		rate_cycles_to_us(r->cycles, r->hz) / 1e6, r->hz, r->pktlen, r->burst, r->rate_mpps);
	for (unsigned int i = 0; i < r->nb_guests; i++) {
		const struct report_guest *g = &r->guests[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		report_json_string(f, g->name);
		fprintf(f, ",\"socket\":");
		report_json_string(f, g->socket);
		fprintf(f, ",\"ring\":\"%s\",\"queues\":%u,", g->packed ? "packed" : "split",
			g->queues);
		json_counters(f, r, &g->c);
		fputc('}', f);
	}
	total_of(r, &t);
	fprintf(f, "],\"total\":{");
	json_counters(f, r, &t);
	fputc('}', f);
	if (r->lat != NULL) {
		fprintf(f, ",\"latency\":{");
		json_latency_fields(f, r);
		fputc('}', f);
	}
	fprintf(f, "}\n");
}

static void
text_row(FILE *f, const char *name, const char *ring, const char *queues,
	 const struct report *r, const struct bench_counters *c)
{
	fprintf(f, "%-8s %-6s %2s %14lu %8.3f %7.2f %14lu %8.3f %7.2f %6.1f%% %6.1f%%\n",
		name, ring, queues, c->tx_pkts, rate_mpps(c->tx_pkts, r->cycles, r->hz),
		rate_gbps(c->tx_bytes, r->cycles, r->hz), c->rx_pkts,
		rate_mpps(c->rx_pkts, r->cycles, r->hz), rate_gbps(c->rx_bytes, r->cycles, r->hz),
		pct(c->tx_full, c->tx_bursts), pct(c->rx_empty, c->rx_polls));
}

static void
stats_text(FILE *f, const struct report *r)
{
	struct bench_counters t;
	char rate[32];

	if (r->rate_mpps > 0)
		snprintf(rate, sizeof(rate), "%.3f Mpps", r->rate_mpps);
	else
		snprintf(rate, sizeof(rate), "unlimited");
	fprintf(f, "%s: %s, %u B, burst %u, rate %s, %.3f s%s\n",
		strcmp(r->type, "final") == 0 ? "final" : "stats",
		r->mode != NULL ? r->mode : "never started", r->pktlen, r->burst, rate,
		rate_cycles_to_us(r->cycles, r->hz) / 1e6, r->running ? " (running)" : "");
	fprintf(f, "%-8s %-6s %2s %14s %8s %7s %14s %8s %7s %7s %7s\n", "guest", "ring", "q",
		"TX packets", "TX Mpps", "TX Gb/s", "RX packets", "RX Mpps", "RX Gb/s",
		"TX full", "RX idle");
	for (unsigned int i = 0; i < r->nb_guests; i++) {
		const struct report_guest *g = &r->guests[i];
		char q[8];

		snprintf(q, sizeof(q), "%u", g->queues);
		text_row(f, g->name, g->packed ? "packed" : "split", q, r, &g->c);
	}
	total_of(r, &t);
	if (r->nb_guests > 1)
		text_row(f, "total", "", "", r, &t);
	if (t.tx_nombuf != 0 || t.rx_foreign != 0)
		fprintf(f, "TX bursts without mbufs: %lu, foreign frames received: %lu\n",
			t.tx_nombuf, t.rx_foreign);
	if (r->lat != NULL)
		report_latency(f, r, false);
}

void
report_stats(FILE *f, const struct report *r, bool json)
{
	if (json)
		stats_json(f, r);
	else
		stats_text(f, r);
	fflush(f);
}

void
report_latency(FILE *f, const struct report *r, bool json)
{
	static const struct hist empty = { .min = UINT64_MAX };
	struct report copy = *r;
	const struct hist *h;

	if (copy.lat == NULL)
		copy.lat = &empty;
	h = copy.lat;
	if (json) {
		fprintf(f, "{\"type\":\"latency\",\"mode\":");
		if (r->mode != NULL)
			report_json_string(f, r->mode);
		else
			fprintf(f, "null");
		fputc(',', f);
		json_latency_fields(f, &copy);
		fprintf(f, "}\n");
	} else if (h->count == 0) {
		fprintf(f, "latency: no samples (run 'start latency')\n");
	} else {
		fprintf(f, "latency: %lu round trips, us: min %.2f  mean %.2f  p50 %.2f  "
			"p99 %.2f  p99.9 %.2f  max %.2f\n", h->count,
			rate_cycles_to_us(h->min, r->hz), hist_mean(h) * 1e6 / (double)r->hz,
			rate_cycles_to_us(hist_percentile(h, 50), r->hz),
			rate_cycles_to_us(hist_percentile(h, 99), r->hz),
			rate_cycles_to_us(hist_percentile(h, 99.9), r->hz),
			rate_cycles_to_us(h->max, r->hz));
	}
	fflush(f);
}
