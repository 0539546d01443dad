/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "vhostd/stats.h"

const char *const drop_reason_names[DROP_MAX] = {
	[DROP_GUEST_RING_FULL] = "drop_guest_ring_full",
	[DROP_UPLINK_TX_FULL] = "drop_uplink_tx_full",
	[DROP_NO_MBUF] = "drop_no_mbuf",
	[DROP_UNKNOWN_DST] = "drop_unknown_dst",
	[DROP_SPOOFED] = "drop_spoofed",
	[DROP_NOT_READY] = "drop_not_ready",
	[DROP_RUNT] = "drop_runt",
	[DROP_BAD_OFFLOAD] = "drop_bad_offload",
	[DROP_RATE_LIMITED] = "drop_rate_limited",
};

static void
queue_add(struct queue_stats *to, const struct queue_stats *from)
{
	to->rx_pkts += from->rx_pkts;
	to->rx_bytes += from->rx_bytes;
	to->tx_pkts += from->tx_pkts;
	to->tx_bytes += from->tx_bytes;
	for (int r = 0; r < DROP_MAX; r++)
		to->drops[r] += from->drops[r];
}

void
stats_sum(const struct port_stats *blocks, unsigned int nb, struct port_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int b = 0; b < nb; b++)
		for (unsigned int q = 0; q < VHOSTD_MAX_QUEUES; q++)
			queue_add(&out->q[q], &blocks[b].q[q]);
}

void
stats_sub(struct port_stats *a, const struct port_stats *b)
{
	for (unsigned int q = 0; q < VHOSTD_MAX_QUEUES; q++) {
		a->q[q].rx_pkts -= b->q[q].rx_pkts;
		a->q[q].rx_bytes -= b->q[q].rx_bytes;
		a->q[q].tx_pkts -= b->q[q].tx_pkts;
		a->q[q].tx_bytes -= b->q[q].tx_bytes;
		for (int r = 0; r < DROP_MAX; r++)
			a->q[q].drops[r] -= b->q[q].drops[r];
	}
}

void
stats_total(const struct port_stats *s, unsigned int nb_queues, struct queue_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int q = 0; q < nb_queues && q < VHOSTD_MAX_QUEUES; q++)
		queue_add(out, &s->q[q]);
}

static void
print_line(FILE *f, const char *kind, const char *name, const char *queue,
	   const struct queue_stats *q)
{
	fprintf(f, "%s %s %s rx_pkts=%lu rx_bytes=%lu tx_pkts=%lu tx_bytes=%lu",
		kind, name, queue, q->rx_pkts, q->rx_bytes, q->tx_pkts, q->tx_bytes);
	for (int r = 0; r < DROP_MAX; r++)
		fprintf(f, " %s=%lu", drop_reason_names[r], q->drops[r]);
	fputc('\n', f);
}

void
stats_print(FILE *f, const char *kind, const char *name,
	    const struct port_stats *s, unsigned int nb_queues)
{
	struct queue_stats total;
	char qname[16];

	for (unsigned int q = 0; q < nb_queues && q < VHOSTD_MAX_QUEUES; q++) {
		snprintf(qname, sizeof(qname), "q%u", q);
		print_line(f, kind, name, qname, &s->q[q]);
	}
	stats_total(s, nb_queues, &total);
	print_line(f, kind, name, "total", &total);
}
