/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Human output.  Every printer takes the result as vhostd sent it and
 * tolerates missing or null fields (shown as "-"): an older or newer vhostd
 * must not make vhostctl crash, only print less.  Here: the field readers
 * and the counter and polling tables every printer shares (output.h), and
 * the daemon-wide views (version, log level, uplinks, stats, workers); one
 * guest's views are in output_guest.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "output.h"
#include "table.h"
#include "vhostctl.h"

json_t *
out_get(const json_t *o, const char *key)
{
	return json_object_get(o, key);	/* NULL unless o is an object with key */
}

const char *
out_text(const json_t *o, const char *key, char *buf, size_t len)
{
	return json_scalar_text(out_get(o, key), buf, len);
}

json_int_t
out_num(const json_t *o, const char *key)
{
	return json_integer_value(out_get(o, key));	/* 0 unless an integer */
}

/* "  label         value" */
void
out_field(FILE *f, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "  %-14s", label);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

int
vctl_print_version(FILE *f, const json_t *args, json_t *const res[])
{
	char b1[64], b2[64];

	(void)args;
	fprintf(f, "vhostd %s (%s)\n", out_text(res[0], "version", b1, sizeof(b1)),
		out_text(res[0], "dpdk", b2, sizeof(b2)));
	fprintf(f, "vhostctl %s\n", VHOSTD_VERSION);
	return 0;
}

int
vctl_print_log_level(FILE *f, const json_t *args, json_t *const res[])
{
	char b[64];

	(void)args;
	fprintf(f, "log level: %s\n", out_text(res[0], "level", b, sizeof(b)));
	return 0;
}


/* Sum of a drops object's values. */
static json_int_t
drops_sum(const json_t *drops)
{
	const char *k;
	json_t *v;
	json_int_t sum = 0;

	json_object_foreach((json_t *)drops, k, v)
		sum += json_integer_value(v);
	return sum;
}

static void
counter_row(struct table *t, const char *kind, const char *name, const char *queue,
	    const json_t *q)
{
	table_row(t);
	if (kind != NULL) {
		table_cell(t, "%s", kind);
		table_cell(t, "%s", name);
	}
	table_cell(t, "%s", queue);
	table_cell_json(t, out_get(q, "rx_pkts"));
	table_cell_json(t, out_get(q, "rx_bytes"));
	table_cell_json(t, out_get(q, "tx_pkts"));
	table_cell_json(t, out_get(q, "tx_bytes"));
	table_cell(t, "%" JSON_INTEGER_FORMAT, drops_sum(out_get(q, "drops")));
}

/* One row per queue and a total row for a COUNTERS object. */
static void
counter_rows(struct table *t, const char *kind, const char *name, const json_t *c)
{
	const json_t *q;
	size_t i;

	json_array_foreach(out_get(c, "queues"), i, q) {
		char b[64];

		if (out_get(q, "queue") != NULL)
			out_text(q, "queue", b, sizeof(b));
		else
			snprintf(b, sizeof(b), "%zu", i);
		counter_row(t, kind, name, b, q);
	}
	counter_row(t, kind, name, "total", out_get(c, "total"));
}

/* "guest vm1 q0: guest_ring_full 12, not_ready 3" for non-zero drops. */
static void
drop_line(FILE *f, const char *indent, const char *label, const json_t *drops)
{
	const char *k;
	json_t *v;
	bool first = true;

	json_object_foreach((json_t *)drops, k, v) {
		if (json_integer_value(v) == 0)
			continue;
		fprintf(f, "%s%s%s %s %" JSON_INTEGER_FORMAT, first ? indent : "",
			first ? label : ",", first ? ":" : "", k, json_integer_value(v));
		first = false;
	}
	if (!first)
		fputc('\n', f);
}

/* Non-zero drops by reason: per queue when there are several, and the total. */
static void
drop_lines(FILE *f, const char *indent, const char *prefix, const json_t *c)
{
	const json_t *queues = out_get(c, "queues");
	const json_t *q;
	char label[128];
	size_t i;

	if (json_array_size(queues) > 1) {
		json_array_foreach(queues, i, q) {
			char b[64];

			snprintf(label, sizeof(label), "%sq%s", prefix,
				 out_get(q, "queue") ? out_text(q, "queue", b, sizeof(b)) : "?");
			drop_line(f, indent, label, out_get(q, "drops"));
		}
	}
	snprintf(label, sizeof(label), "%stotal", prefix);
	drop_line(f, indent, label, out_get(out_get(c, "total"), "drops"));
}

int
out_counters(FILE *f, const json_t *c)
{
	static const char *const head[] = { "QUEUE", "RX_PKTS", "RX_BYTES", "TX_PKTS",
		"TX_BYTES", "DROPS" };
	struct table t;
	int ret;

	fprintf(f, "\ncounters\n");
	if (!json_is_object(c)) {
		fprintf(f, "  none\n");
		return 0;
	}
	table_init(&t, "lrrrrr", head);
	counter_rows(&t, NULL, NULL, c);
	ret = table_print(&t, f, "  ");
	table_free(&t);
	drop_lines(f, "  drops ", "", c);
	return ret;
}


/* Who polls each receive queue, and what it costs (guest show, uplink
 * show, guest/uplink affinity).  Nothing when vhostd sent no "polling". */
int
out_polling(FILE *f, const json_t *list)
{
	static const char *const head[] = { "QUEUE", "WORKER", "LCORE", "PINNED", "PKTS",
		"BUSY_CYCLES", "CYCLES/PKT", "LOAD%" };
	static const char *const keys[] = { "queue", "worker", "lcore", "pinned", "pkts",
		"busy_cycles", "cycles_per_pkt", "load_pct" };
	const json_t *q;
	struct table t;
	size_t i;
	int ret;

	if (!json_is_array(list))
		return 0;
	fprintf(f, "\npolling (LOAD%%: share of a worker over the last interval)\n");
	if (json_array_size(list) == 0) {
		fprintf(f, "  none\n");
		return 0;
	}
	table_init(&t, "rrrlrrrr", head);
	json_array_foreach(list, i, q) {
		table_row(&t);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			table_cell_json(&t, out_get(q, keys[k]));
	}
	ret = table_print(&t, f, "  ");
	table_free(&t);
	return ret;
}


static void
join(const json_t *list, char *buf, size_t len)
{
	const json_t *v;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(list, i, v) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				 json_is_string(v) ? json_string_value(v) : "?");

		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "-");
}

int
vctl_print_uplink_list(FILE *f, const json_t *args, json_t *const res[])
{
	static const char *const head[] = { "NAME", "PORT", "DRIVER", "LINK", "RXQ", "TXQ",
		"NUMA", "GUESTS", "DEVICE" };
	const json_t *uplinks = out_get(res[0], "uplinks");
	const json_t *u;
	struct table t;
	size_t i;
	int ret;

	(void)args;
	if (json_array_size(uplinks) == 0) {
		fprintf(f, "no uplinks\n");
		return 0;
	}
	table_init(&t, "lrllrrrll", head);
	json_array_foreach(uplinks, i, u) {
		char b[1024];

		table_row(&t);
		table_cell_json(&t, out_get(u, "name"));
		table_cell_json(&t, out_get(u, "port"));
		table_cell_json(&t, out_get(u, "driver"));
		table_cell_json(&t, out_get(u, "link"));
		table_cell_json(&t, out_get(u, "rx_queues"));
		table_cell_json(&t, out_get(u, "tx_queues"));
		table_cell_json(&t, out_get(u, "numa_node"));
		join(out_get(u, "guests"), b, sizeof(b));
		table_cell(&t, "%s", b);
		table_cell_json(&t, out_get(u, "device"));
	}
	ret = table_print(&t, f, "");
	table_free(&t);
	return ret;
}

int
vctl_print_uplink_show(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *u = res[0];
	char b1[1024], b2[64];

	(void)args;
	fprintf(f, "uplink %s\n", out_text(u, "name", b1, sizeof(b1)));
	out_field(f, "device", "%s", out_text(u, "device", b1, sizeof(b1)));
	out_field(f, "port", "%s (%s)", out_text(u, "port", b1, sizeof(b1)),
	      out_text(u, "driver", b2, sizeof(b2)));
	if (json_is_integer(out_get(u, "speed_mbps")))
		out_field(f, "link", "%s, %" JSON_INTEGER_FORMAT " Mb/s",
		      out_text(u, "link", b1, sizeof(b1)), out_num(u, "speed_mbps"));
	else
		out_field(f, "link", "%s", out_text(u, "link", b1, sizeof(b1)));
	out_field(f, "mac", "%s", out_text(u, "mac", b1, sizeof(b1)));
	out_field(f, "mtu", "%s", out_text(u, "mtu", b1, sizeof(b1)));
	out_field(f, "promiscuous", "%s", out_text(u, "promiscuous", b1, sizeof(b1)));
	out_field(f, "queues", "%s rx, %s tx", out_text(u, "rx_queues", b1, sizeof(b1)),
	      out_text(u, "tx_queues", b2, sizeof(b2)));
	out_field(f, "numa node", "%s", out_text(u, "numa_node", b1, sizeof(b1)));
	join(out_get(u, "guests"), b1, sizeof(b1));
	out_field(f, "guests", "%s", b1);
	if (json_is_string(out_get(u, "queue_affinity")))
		out_field(f, "affinity", "%s", json_string_value(out_get(u, "queue_affinity"))[0] ?
		      json_string_value(out_get(u, "queue_affinity")) : "none");
	if (out_polling(f, out_get(u, "polling")) != 0)
		return -EIO;
	return out_counters(f, out_get(u, "counters"));
}

int
vctl_print_stats(FILE *f, const json_t *args, json_t *const res[])
{
	static const char *const head[] = { "KIND", "NAME", "QUEUE", "RX_PKTS", "RX_BYTES",
		"TX_PKTS", "TX_BYTES", "DROPS" };
	static const struct { const char *key, *kind; } groups[] = {
		{ "guests", "guest" }, { "uplinks", "uplink" },
	};
	struct table t;
	const char *name;
	json_t *c;
	int ret;

	table_init(&t, "lllrrrrr", head);
	for (size_t k = 0; k < 2; k++)
		json_object_foreach(out_get(res[0], groups[k].key), name, c)
			counter_rows(&t, groups[k].kind, name, c);
	if (t.nb_rows == 0) {
		fprintf(f, "no counters\n");
		ret = 0;
	} else {
		ret = table_print(&t, f, "");
	}
	table_free(&t);
	for (size_t k = 0; k < 2; k++) {
		json_object_foreach(out_get(res[0], groups[k].key), name, c) {
			char prefix[128];

			snprintf(prefix, sizeof(prefix), "%s %s ", groups[k].kind, name);
			drop_lines(f, "drops ", prefix, c);
		}
	}
	if (json_is_true(out_get(args, "reset")))
		fprintf(f, "counters reset (the values above are from before the reset)\n");
	return ret;
}

/* How each worker waits for work (notify.c): a second table, when the
 * daemon reports it. */
static int
print_worker_notify(FILE *f, const json_t *workers)
{
	static const char *const head[] = { "WORKER", "NOTIFY", "SWITCHES", "SLEEPS", "WAKEUPS",
		"TIMEOUTS", "RECHECKS" };
	static const char *const keys[] = { "switches", "sleeps", "wakeups", "timeouts",
		"rechecks" };
	const json_t *w;
	struct table t;
	size_t i;
	int ret;

	if (!json_is_object(out_get(json_array_get(workers, 0), "notify")))
		return 0;
	fprintf(f, "\n");
	table_init(&t, "rlrrrrr", head);
	json_array_foreach(workers, i, w) {
		const json_t *nt = out_get(w, "notify");
		char b[64];

		table_row(&t);
		table_cell_json(&t, out_get(w, "index"));
		/* "adaptive, asleep", "adaptive, backs off": see docs/architecture.md */
		table_cell(&t, "%s%s%s", out_text(nt, "mode", b, sizeof(b)),
			   json_is_true(out_get(nt, "asleep")) ? ", asleep" : "",
			   json_is_true(out_get(nt, "backoff")) ? ", backs off" : "");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			table_cell_json(&t, out_get(nt, keys[k]));
	}
	ret = table_print(&t, f, "");
	table_free(&t);
	return ret;
}

int
vctl_print_workers(FILE *f, const json_t *args, json_t *const res[])
{
	static const char *const head[] = { "WORKER", "LCORE", "BUSY%", "CYCLES/PKT", "PKTS",
		"LOOPS", "QUEUES" };
	const json_t *workers = out_get(res[0], "workers");
	const json_t *w, *q;
	struct table t;
	size_t i, j;
	int ret;

	(void)args;
	if (json_array_size(workers) == 0) {
		fprintf(f, "no workers\n");
		return 0;
	}
	table_init(&t, "rrrrrrl", head);
	json_array_foreach(workers, i, w) {
		char list[2048], b1[64], b2[64], b3[64];
		size_t off = 0;

		table_row(&t);
		table_cell_json(&t, out_get(w, "index"));
		table_cell_json(&t, out_get(w, "lcore"));
		table_cell_json(&t, out_get(w, "busy_pct"));
		table_cell_json(&t, out_get(w, "cycles_per_pkt"));
		table_cell_json(&t, out_get(w, "pkts"));
		table_cell_json(&t, out_get(w, "loops"));
		list[0] = '\0';
		json_array_foreach(out_get(w, "queues"), j, q) {
			char extra[64] = "";
			int n;

			/* "(pinned, 43.1%)": the pin and the last interval's load. */
			if (json_is_number(out_get(q, "load_pct")) || json_is_true(out_get(q, "pinned")))
				snprintf(extra, sizeof(extra), " (%s%s%.1f%%)",
					 json_is_true(out_get(q, "pinned")) ? "pinned" : "",
					 json_is_true(out_get(q, "pinned")) ? ", " : "",
					 json_number_value(out_get(q, "load_pct")));
			n = snprintf(list + off, sizeof(list) - off, "%s%s %s q%s%s",
				     j ? ", " : "", out_text(q, "kind", b1, sizeof(b1)),
				     out_text(q, "name", b2, sizeof(b2)),
				     out_text(q, "queue", b3, sizeof(b3)), extra);

			if (n < 0 || (size_t)n >= sizeof(list) - off)
				break;
			off += (size_t)n;
		}
		table_cell(&t, "%s", off ? list : "-");
	}
	ret = table_print(&t, f, "");
	table_free(&t);
	if (ret == 0)
		ret = print_worker_notify(f, workers);
	if (json_is_object(out_get(res[0], "rebalance"))) {
		const json_t *r = out_get(res[0], "rebalance");

		if (out_num(r, "interval") > 0)
			fprintf(f, "rebalancing: every %" JSON_INTEGER_FORMAT " s, margin %"
				JSON_INTEGER_FORMAT " %%; %" JSON_INTEGER_FORMAT " rebalance(s), %"
				JSON_INTEGER_FORMAT " queue(s) moved\n", out_num(r, "interval"),
				out_num(r, "margin"), out_num(r, "rebalances"), out_num(r, "moves"));
		else
			fprintf(f, "rebalancing: off\n");
	}
	return ret;
}
