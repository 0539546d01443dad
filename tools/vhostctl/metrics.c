/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vhostctl metrics`: the results of stats, workers and guest.list in the
 * Prometheus text exposition format (version 0.0.4), for node_exporter's
 * textfile collector.  Each family is written as one block: "# HELP",
 * "# TYPE", then its samples; a family with no sample is left out.
 * Counters end in _total and are never reset by vhostctl (stats --reset
 * does reset them; Prometheus' rate() treats that as a counter reset).
 */
#include <string.h>

#include "vhostctl.h"

enum prom_src {
	SRC_GUEST_QUEUE,	/* stats.guests[NAME].queues[i].FIELD {guest, queue} */
	SRC_GUEST_DROPS,	/* stats.guests[NAME].total.drops {guest, reason} */
	SRC_UPLINK_QUEUE,	/* stats.uplinks[NAME].queues[i].FIELD {uplink, queue} */
	SRC_UPLINK_DROPS,	/* stats.uplinks[NAME].total.drops {uplink, reason} */
	SRC_GUEST_UP,		/* guest.list: 1 when state is running {guest} */
	SRC_GUEST,		/* guest.list guests[i].FIELD {guest} */
	SRC_GUEST_LOST,		/* guest.list guests[i].lost.FIELD.CAUSE {guest, cause} */
	SRC_GUEST_STALL,	/* guest.list guests[i].lost.FIELD {guest} */
	SRC_WORKER,		/* workers[i].FIELD {worker} */
	SRC_WORKER_NOTIFY,	/* workers[i].notify.FIELD {worker} */
};

struct prom_family {
	const char *name;
	const char *type;
	enum prom_src src;
	const char *field;
	const char *help;
};

static const struct prom_family families[] = {
	{ "vhostd_guest_rx_packets_total", "counter", SRC_GUEST_QUEUE, "rx_pkts",
	  "Frames delivered to the guest (enqueued on its RX vrings)." },
	{ "vhostd_guest_rx_bytes_total", "counter", SRC_GUEST_QUEUE, "rx_bytes",
	  "Bytes delivered to the guest." },
	{ "vhostd_guest_tx_packets_total", "counter", SRC_GUEST_QUEUE, "tx_pkts",
	  "Frames the guest sent (dequeued from its TX vrings)." },
	{ "vhostd_guest_tx_bytes_total", "counter", SRC_GUEST_QUEUE, "tx_bytes",
	  "Bytes the guest sent." },
	{ "vhostd_guest_drops_total", "counter", SRC_GUEST_DROPS, NULL,
	  "Frames to or from the guest dropped, by reason." },
	{ "vhostd_guest_up", "gauge", SRC_GUEST_UP, NULL,
	  "1 when a guest driver is connected (state running), else 0." },
	{ "vhostd_guest_queue_pairs", "gauge", SRC_GUEST, "pairs",
	  "Queue pairs served: enabled by the guest driver, at most the configured queues." },
	{ "vhostd_guest_rx_lost_total", "counter", SRC_GUEST_LOST, "rx",
	  "Frames to the guest lost, by cause: guest (its RX ring full), host (missed by "
	  "the NIC while the worker serving it was saturated), wire (missed by the NIC "
	  "otherwise), policy (rx rate limit, not ready). Sampled once a second." },
	{ "vhostd_guest_tx_lost_total", "counter", SRC_GUEST_LOST, "tx",
	  "Frames from the guest lost, by cause: host (no mbuf), wire (uplink TX queue "
	  "full), policy (tx rate limit, spoofed, unknown destination, "
	  "runt, bad offload). Sampled once a second." },
	{ "vhostd_guest_slow_seconds_total", "counter", SRC_GUEST_STALL, "guest_slow_seconds",
	  "Seconds the guest had an RX ring full or no RX buffer posted (guest slow)." },
	{ "vhostd_guest_host_slow_seconds_total", "counter", SRC_GUEST_STALL, "host_slow_seconds",
	  "Seconds a worker serving the guest was saturated (host slow)." },
	{ "vhostd_uplink_rx_packets_total", "counter", SRC_UPLINK_QUEUE, "rx_pkts",
	  "Frames received from the wire." },
	{ "vhostd_uplink_rx_bytes_total", "counter", SRC_UPLINK_QUEUE, "rx_bytes",
	  "Bytes received from the wire." },
	{ "vhostd_uplink_tx_packets_total", "counter", SRC_UPLINK_QUEUE, "tx_pkts",
	  "Frames transmitted to the wire." },
	{ "vhostd_uplink_tx_bytes_total", "counter", SRC_UPLINK_QUEUE, "tx_bytes",
	  "Bytes transmitted to the wire." },
	{ "vhostd_uplink_drops_total", "counter", SRC_UPLINK_DROPS, NULL,
	  "Frames from or to the uplink dropped, by reason." },
	{ "vhostd_guest_busy_cycles_total", "counter", SRC_GUEST_QUEUE, "busy_cycles",
	  "TSC cycles workers spent on what the guest sent on this queue pair." },
	{ "vhostd_uplink_busy_cycles_total", "counter", SRC_UPLINK_QUEUE, "busy_cycles",
	  "TSC cycles workers spent on what this uplink RX queue received." },
	{ "vhostd_worker_busy_cycles_total", "counter", SRC_WORKER, "busy_cycles",
	  "TSC cycles the worker spent in loops that moved packets." },
	{ "vhostd_worker_idle_cycles_total", "counter", SRC_WORKER, "idle_cycles",
	  "TSC cycles the worker spent in loops that found nothing." },
	{ "vhostd_worker_packets_total", "counter", SRC_WORKER, "pkts",
	  "Frames the worker received from guests and uplinks." },
	{ "vhostd_worker_loops_total", "counter", SRC_WORKER, "loops",
	  "Poll loops run by the worker." },
	{ "vhostd_worker_busy_loops_total", "counter", SRC_WORKER, "busy_loops",
	  "Poll loops that received at least one frame." },
	{ "vhostd_worker_lcore", "gauge", SRC_WORKER, "lcore",
	  "The CPU (DPDK lcore) the worker is pinned to." },
	{ "vhostd_worker_sleep_cycles_total", "counter", SRC_WORKER_NOTIFY, "sleep_cycles",
	  "TSC cycles the worker spent asleep, waiting for guest kicks or uplink interrupts." },
	{ "vhostd_worker_notify_switches_total", "counter", SRC_WORKER_NOTIFY, "switches",
	  "Times the idle worker switched from polling to notifications." },
	{ "vhostd_worker_sleeps_total", "counter", SRC_WORKER_NOTIFY, "sleeps",
	  "Times the worker slept." },
	{ "vhostd_worker_wakeups_total", "counter", SRC_WORKER_NOTIFY, "wakeups",
	  "Sleeps ended by a notification (guest kick, uplink interrupt, new poll list)." },
	{ "vhostd_worker_sleep_timeouts_total", "counter", SRC_WORKER_NOTIFY, "timeouts",
	  "Sleeps ended by their timeout (uplinks without RX interrupts are polled then)." },
};

struct prom_out {
	FILE *f;
	const struct prom_family *fam;
	bool header_done;
};

/* Label values: backslash, double quote and newline are escaped. */
static void
label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* One sample with up to two labels (l2 may be NULL); skipped unless v is a number. */
static void
sample(struct prom_out *o, const json_t *v, const char *l1, const char *v1,
       const char *l2, const char *v2)
{
	FILE *f = o->f;

	if (!json_is_number(v))
		return;
	if (!o->header_done) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", o->fam->name, o->fam->help,
			o->fam->name, o->fam->type);
		o->header_done = true;
	}
	fprintf(f, "%s{%s=\"", o->fam->name, l1);
	label_value(f, v1);
	if (l2 != NULL) {
		fprintf(f, "\",%s=\"", l2);
		label_value(f, v2);
	}
	if (json_is_integer(v))
		fprintf(f, "\"} %" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
	else
		fprintf(f, "\"} %.17g\n", json_real_value(v));
}

static void
queue_samples(struct prom_out *o, const json_t *objs, const char *label)
{
	const char *name;
	json_t *c;

	json_object_foreach((json_t *)objs, name, c) {
		const json_t *q;
		size_t i;

		json_array_foreach(json_object_get(c, "queues"), i, q) {
			const json_t *qv = json_object_get(q, "queue");
			char qbuf[32];

			if (json_is_integer(qv))
				snprintf(qbuf, sizeof(qbuf), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(qv));
			else
				snprintf(qbuf, sizeof(qbuf), "%zu", i);
			sample(o, json_object_get(q, o->fam->field), label, name, "queue", qbuf);
		}
	}
}

static void
drop_samples(struct prom_out *o, const json_t *objs, const char *label)
{
	const char *name, *reason;
	json_t *c, *v;

	json_object_foreach((json_t *)objs, name, c) {
		json_t *drops = json_object_get(json_object_get(c, "total"), "drops");

		json_object_foreach(drops, reason, v)
			sample(o, v, label, name, "reason", reason);
	}
}

static void
guest_samples(struct prom_out *o, const json_t *guests)
{
	const json_t *g;
	size_t i;

	json_array_foreach(guests, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		const char *state = json_string_value(json_object_get(g, "state"));
		json_t *v;

		if (name == NULL)
			continue;
		if (o->fam->src == SRC_GUEST_LOST) {
			const char *cause;

			json_object_foreach((json_t *)json_object_get(json_object_get(g, "lost"),
								      o->fam->field), cause, v)
				sample(o, v, "guest", name, "cause", cause);
			continue;
		}
		if (o->fam->src == SRC_GUEST_STALL) {
			sample(o, json_object_get(json_object_get(g, "lost"), o->fam->field), "guest",
			       name, NULL, NULL);
			continue;
		}
		if (o->fam->src == SRC_GUEST) {
			sample(o, json_object_get(g, o->fam->field), "guest", name, NULL, NULL);
			continue;
		}
		v = json_integer(state != NULL && strcmp(state, "running") == 0);
		sample(o, v, "guest", name, NULL, NULL);
		json_decref(v);
	}
}

static void
worker_samples(struct prom_out *o, const json_t *workers)
{
	const json_t *w;
	size_t i;

	json_array_foreach(workers, i, w) {
		const json_t *idx = json_object_get(w, "index");
		char wbuf[32];

		snprintf(wbuf, sizeof(wbuf), "%" JSON_INTEGER_FORMAT,
			 json_is_integer(idx) ? json_integer_value(idx) : (json_int_t)i);
		if (o->fam->src == SRC_WORKER_NOTIFY)
			w = json_object_get(w, "notify");
		sample(o, json_object_get(w, o->fam->field), "worker", wbuf, NULL, NULL);
	}
}

int
vctl_print_metrics(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *guests = json_object_get(res[0], "guests");
	const json_t *uplinks = json_object_get(res[0], "uplinks");
	const json_t *workers = json_object_get(res[1], "workers");
	const json_t *list = json_object_get(res[2], "guests");

	(void)args;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct prom_out o = { .f = f, .fam = &families[i] };

		switch (families[i].src) {
		case SRC_GUEST_QUEUE:
			queue_samples(&o, guests, "guest");
			break;
		case SRC_GUEST_DROPS:
			drop_samples(&o, guests, "guest");
			break;
		case SRC_UPLINK_QUEUE:
			queue_samples(&o, uplinks, "uplink");
			break;
		case SRC_UPLINK_DROPS:
			drop_samples(&o, uplinks, "uplink");
			break;
		case SRC_GUEST_UP:
		case SRC_GUEST:
		case SRC_GUEST_LOST:
		case SRC_GUEST_STALL:
			guest_samples(&o, list);
			break;
		case SRC_WORKER:
		case SRC_WORKER_NOTIFY:
			worker_samples(&o, workers);
			break;
		}
	}
	return 0;
}
