/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Human output.  Every printer takes the result as vhostd sent it and
 * tolerates missing or null fields (shown as "-"): an older or newer vhostd
 * must not make vhostctl crash, only print less.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "table.h"
#include "vhostctl.h"

static json_t *
get(const json_t *o, const char *key)
{
	return json_object_get(o, key);	/* NULL unless o is an object with key */
}

static const char *
text(const json_t *o, const char *key, char *buf, size_t len)
{
	return json_scalar_text(get(o, key), buf, len);
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(get(o, key));	/* 0 unless an integer */
}

/* "  label         value" */
static void __attribute__((format(printf, 3, 4)))
field(FILE *f, const char *label, const char *fmt, ...)
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
	fprintf(f, "vhostd %s (%s)\n", text(res[0], "version", b1, sizeof(b1)),
		text(res[0], "dpdk", b2, sizeof(b2)));
	fprintf(f, "vhostctl %s\n", VHOSTD_VERSION);
	return 0;
}

int
vctl_print_log_level(FILE *f, const json_t *args, json_t *const res[])
{
	char b[64];

	(void)args;
	fprintf(f, "log level: %s\n", text(res[0], "level", b, sizeof(b)));
	return 0;
}

static const char *
source_text(const json_t *g)
{
	const char *src = json_string_value(get(g, "source"));

	if (src == NULL)
		return "-";
	if (strcmp(src, "runtime") == 0 && json_is_true(get(g, "persistent")))
		return "runtime,saved";
	return src;
}

int
vctl_print_guest_list(FILE *f, const json_t *args, json_t *const res[])
{
	static const char *const head[] = { "NAME", "STATE", "RING", "PAIRS", "MODE",
		"UPLINK", "MAC", "SOURCE", "SOCKET" };
	const json_t *guests = get(res[0], "guests");
	const json_t *g;
	struct table t;
	size_t i;
	int ret;

	(void)args;
	if (json_array_size(guests) == 0) {
		fprintf(f, "no guests\n");
		return 0;
	}
	table_init(&t, "lllrlllll", head);
	json_array_foreach(guests, i, g) {
		char b1[64], b2[64];

		table_row(&t);
		table_cell_json(&t, get(g, "name"));
		table_cell_json(&t, get(g, "state"));
		table_cell_json(&t, get(g, "ring"));
		table_cell(&t, "%s/%s", text(g, "pairs", b1, sizeof(b1)),
			   text(g, "queues", b2, sizeof(b2)));
		table_cell_json(&t, get(g, "mode"));
		table_cell_json(&t, get(g, "uplink"));
		table_cell_json(&t, get(g, "mac"));
		table_cell(&t, "%s", source_text(g));
		table_cell_json(&t, get(g, "socket"));
	}
	ret = table_print(&t, f, "");
	table_free(&t);
	return ret;
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
	table_cell_json(t, get(q, "rx_pkts"));
	table_cell_json(t, get(q, "rx_bytes"));
	table_cell_json(t, get(q, "tx_pkts"));
	table_cell_json(t, get(q, "tx_bytes"));
	table_cell(t, "%" JSON_INTEGER_FORMAT, drops_sum(get(q, "drops")));
}

/* One row per queue and a total row for a COUNTERS object. */
static void
counter_rows(struct table *t, const char *kind, const char *name, const json_t *c)
{
	const json_t *q;
	size_t i;

	json_array_foreach(get(c, "queues"), i, q) {
		char b[64];

		if (get(q, "queue") != NULL)
			text(q, "queue", b, sizeof(b));
		else
			snprintf(b, sizeof(b), "%zu", i);
		counter_row(t, kind, name, b, q);
	}
	counter_row(t, kind, name, "total", get(c, "total"));
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
	const json_t *queues = get(c, "queues");
	const json_t *q;
	char label[128];
	size_t i;

	if (json_array_size(queues) > 1) {
		json_array_foreach(queues, i, q) {
			char b[64];

			snprintf(label, sizeof(label), "%sq%s", prefix,
				 get(q, "queue") ? text(q, "queue", b, sizeof(b)) : "?");
			drop_line(f, indent, label, get(q, "drops"));
		}
	}
	snprintf(label, sizeof(label), "%stotal", prefix);
	drop_line(f, indent, label, get(get(c, "total"), "drops"));
}

static int
print_counters(FILE *f, const json_t *c)
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

static bool
name_in(const char *name, const json_t *list)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return true;
	return false;
}

static void
name_lines(FILE *f, const json_t *names, const json_t *except)
{
	const json_t *v;
	size_t i;
	bool any = false;

	json_array_foreach(names, i, v) {
		if (!json_is_string(v) || name_in(json_string_value(v), except))
			continue;
		fprintf(f, "    %s\n", json_string_value(v));
		any = true;
	}
	if (!any)
		fprintf(f, "    none\n");
}

static void
print_features(FILE *f, const json_t *g)
{
	const json_t *feat = get(g, "features");
	const json_t *proto = get(g, "protocol_features");
	const json_t *neg = get(feat, "negotiated_names");
	char b1[64], b2[64];

	fprintf(f, "\nvirtio features (offered %s, negotiated %s)\n",
		text(feat, "offered", b1, sizeof(b1)), text(feat, "negotiated", b2, sizeof(b2)));
	/* Without a driver there is nothing negotiated (null, or an empty list). */
	if (json_is_string(get(feat, "negotiated"))) {
		fprintf(f, "  negotiated:\n");
		name_lines(f, neg, NULL);
		fprintf(f, "  offered, not accepted by the driver:\n");
		name_lines(f, get(feat, "offered_names"), neg);
	} else {
		fprintf(f, "  negotiated: none (no driver)\n  offered:\n");
		name_lines(f, get(feat, "offered_names"), NULL);
	}
	/* Kept for a guest that negotiated them before vhostd restarted
	 * (operations.md, "Upgrades and restarts"); absent from old daemons. */
	if (json_array_size(get(feat, "pinned_names")) != 0) {
		fprintf(f, "  pinned (offered although the configuration removes them):\n");
		name_lines(f, get(feat, "pinned_names"), NULL);
	}
	fprintf(f, "\nvhost-user protocol features (%s)\n  negotiated:\n",
		text(proto, "negotiated", b1, sizeof(b1)));
	name_lines(f, get(proto, "names"), NULL);
}

static int
print_vrings(FILE *f, const json_t *vrings)
{
	/* AVAIL_IDX and USED_IDX (the rings' own indexes, split rings) are
	 * shown when vhostd sends them: AVAIL_IDX - LAST_AVAIL is what the
	 * guest posted that vhostd has not taken yet. */
	static const char *const head[] = { "VRING", "QUEUE", "DIR", "ENABLED", "SIZE",
		"AVAIL_IDX", "LAST_AVAIL", "USED_IDX", "LAST_USED", "KICKS_SUPPRESSED",
		"GUEST_SUPPRESSES_IRQ", "WORKER", "ASLEEP" };
	static const char *const keys[] = { "index", "queue", "direction", "enabled", "size",
		"avail_idx", "last_avail_idx", "used_idx", "last_used_idx", "kicks_suppressed",
		"guest_suppresses_interrupts", "worker", "worker_asleep" };
	const json_t *v;
	struct table t;
	size_t i;
	int ret;

	fprintf(f, "\nvrings\n");
	if (json_array_size(vrings) == 0) {
		fprintf(f, "  none\n");
		return 0;
	}
	table_init(&t, "rrllrrrrrllrl", head);
	json_array_foreach(vrings, i, v) {
		table_row(&t);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			table_cell_json(&t, get(v, keys[k]));
	}
	ret = table_print(&t, f, "  ");
	table_free(&t);
	return ret;
}

/* Who polls each receive queue, and what it costs (guest show, uplink
 * show, guest/uplink affinity).  Nothing when vhostd sent no "polling". */
static int
print_polling(FILE *f, const json_t *list)
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
			table_cell_json(&t, get(q, keys[k]));
	}
	ret = table_print(&t, f, "  ");
	table_free(&t);
	return ret;
}

int
vctl_print_affinity(FILE *f, const json_t *args, json_t *const res[])
{
	const char *map = json_string_value(get(res[0], "queue_affinity"));
	char b[128];

	(void)args;
	fprintf(f, "%s: queue-affinity %s\n", text(res[0], "name", b, sizeof(b)),
		map != NULL && map[0] != '\0' ? map : "none");
	return print_polling(f, get(res[0], "polling"));
}

static json_int_t
total_drop(const json_t *g, const char *reason)
{
	return num(get(get(get(g, "counters"), "total"), "drops"), reason);
}

/*
 * What an operator checks first when a guest has no network
 * (docs/operations.md, "A guest has no network").
 */
static void
print_hints(FILE *f, const json_t *g)
{
	const char *state = json_string_value(get(g, "state"));
	const char *mode = json_string_value(get(g, "mode"));
	const char *cause, *summary;
	char b[128], m[64];
	int n = 0;

	fprintf(f, "\nchecks\n");
	if (state != NULL && strcmp(state, "waiting") == 0) {
		if (mode != NULL && strcmp(mode, "client") == 0)
			fprintf(f, "  - no connection: is QEMU listening on %s (server=on)?\n",
				text(g, "socket", b, sizeof(b)));
		else
			fprintf(f, "  - no connection: is QEMU started with -chardev socket,path=%s?\n",
				text(g, "socket", b, sizeof(b)));
		n++;
	}
	if (state != NULL && strcmp(state, "running") == 0 && json_is_integer(get(g, "pairs")) &&
	    num(g, "pairs") == 0) {
		fprintf(f, "  - running but no queue pair enabled: is the interface up in the guest?\n");
		n++;
	}
	if (total_drop(g, "spoofed") > 0) {
		fprintf(f, "  - frames dropped as spoofed: the guest sends from a MAC other than %s "
			"(compare QEMU's mac=)\n", text(g, "mac", m, sizeof(m)));
		n++;
	}
	/* Waiting: not_ready drops are the expected consequence, said above. */
	if (total_drop(g, "not_ready") > 0 && (state == NULL || strcmp(state, "waiting") != 0)) {
		fprintf(f, "  - frames dropped as not_ready: they came while the guest had no "
			"queue enabled\n");
		n++;
	}
	if (total_drop(g, "guest_ring_full") > 0) {
		fprintf(f, "  - frames dropped as guest_ring_full: the guest does not empty its "
			"RX rings fast enough\n");
		n++;
	}
	/* The last seconds' dominant cause (guest why): its sentence. */
	cause = json_string_value(get(get(g, "why"), "cause"));
	summary = json_string_value(get(get(g, "why"), "summary"));
	if (cause != NULL && summary != NULL && strcmp(cause, "none") != 0) {
		fprintf(f, "  - %s (guest why)\n", summary);
		n++;
	}
	if (n == 0)
		fprintf(f, "  nothing to report\n");
}

/* "FILE, 12 of 100 frames written, 0 lost" (limit 0: no limit). */
static void
capture_text(const json_t *c, char *buf, size_t len)
{
	char b1[64], b2[64], b3[64], b4[64];

	if (!json_is_object(c)) {
		snprintf(buf, len, "none");
		return;
	}
	if (num(c, "limit") > 0)
		snprintf(buf, len, "%s, %s of %s frames written, %s lost",
			 text(c, "file", b1, sizeof(b1)), text(c, "written", b2, sizeof(b2)),
			 text(c, "limit", b3, sizeof(b3)), text(c, "lost", b4, sizeof(b4)));
	else
		snprintf(buf, len, "%s, %s frames written, %s lost",
			 text(c, "file", b1, sizeof(b1)), text(c, "written", b2, sizeof(b2)),
			 text(c, "lost", b3, sizeof(b3)));
}

int
vctl_print_capture(FILE *f, const json_t *args, json_t *const res[])
{
	char b[64], cap[512];

	capture_text(get(res[0], "capture"), cap, sizeof(cap));
	fprintf(f, "capture of guest %s %s: %s\n", text(res[0], "name", b, sizeof(b)),
		get(args, "file") != NULL ? "started" : "stopped", cap);
	return 0;
}

/* "20000000 bit/s (burst 2097152 bytes), 5000 pkt/s" or "none". */
static void
limit_field(FILE *f, const char *label, const json_t *l)
{
	if (!json_is_object(l)) {
		field(f, label, "none");
		return;
	}
	if (num(l, "bps") != 0 && num(l, "pps") != 0)
		field(f, label, "%" JSON_INTEGER_FORMAT " bit/s (burst %" JSON_INTEGER_FORMAT
		      " bytes), %" JSON_INTEGER_FORMAT " pkt/s", num(l, "bps"),
		      num(l, "burst_bytes"), num(l, "pps"));
	else if (num(l, "bps") != 0)
		field(f, label, "%" JSON_INTEGER_FORMAT " bit/s (burst %" JSON_INTEGER_FORMAT
		      " bytes)", num(l, "bps"), num(l, "burst_bytes"));
	else
		field(f, label, "%" JSON_INTEGER_FORMAT " pkt/s", num(l, "pps"));
}

/* One line per event: "TIME KIND key=value ...", the arguments in the
 * order vhostd sent them (events.c's kind table). */
int
vctl_print_guest_events(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *list = get(res[0], "events"), *ev;
	json_int_t dropped = num(res[0], "dropped");
	size_t i;

	(void)args;
	if (dropped > 0)
		fprintf(f, "(%lld older events dropped)\n", (long long)dropped);
	json_array_foreach(list, i, ev) {
		const char *key;
		char b1[64], b2[64];
		json_t *v;

		fprintf(f, "%s %s", text(ev, "time", b1, sizeof(b1)), text(ev, "kind", b2, sizeof(b2)));
		json_object_foreach((json_t *)ev, key, v) {
			char b[128];

			if (strcmp(key, "seq") == 0 || strcmp(key, "time") == 0 ||
			    strcmp(key, "ts_ns") == 0 || strcmp(key, "kind") == 0)
				continue;
			if (json_is_string(v) && strcmp(key, "reason") == 0)
				fprintf(f, " %s=\"%s\"", key, json_string_value(v));
			else
				fprintf(f, " %s=%s", key, json_scalar_text(v, b, sizeof(b)));
		}
		fputc('\n', f);
	}
	if (json_array_size(list) == 0)
		fprintf(f, "no events\n");
	return 0;
}

int
vctl_print_guest_show(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *g = res[0];
	char b1[128], b2[128];
	int ret;

	(void)args;
	fprintf(f, "guest %s\n", text(g, "name", b1, sizeof(b1)));
	if (json_is_integer(get(g, "vid")))
		field(f, "state", "%s (vid %" JSON_INTEGER_FORMAT ")",
		      text(g, "state", b1, sizeof(b1)), num(g, "vid"));
	else
		field(f, "state", "%s", text(g, "state", b1, sizeof(b1)));
	field(f, "socket", "%s (%s)", text(g, "socket", b1, sizeof(b1)),
	      text(g, "mode", b2, sizeof(b2)));
	field(f, "uplink", "%s", text(g, "uplink", b1, sizeof(b1)));
	field(f, "mac", "%s, mac-check %s", text(g, "mac", b1, sizeof(b1)),
	      json_is_true(get(g, "mac_check")) ? "on" : "off");
	field(f, "ring", "%s", text(g, "ring", b1, sizeof(b1)));
	field(f, "queue pairs", "%s served of %s", text(g, "pairs", b1, sizeof(b1)),
	      text(g, "queues", b2, sizeof(b2)));
	field(f, "numa node", "%s", text(g, "numa_node", b1, sizeof(b1)));
	field(f, "mtu", "%s", text(g, "mtu", b1, sizeof(b1)));
	/* Refused: another frontend tried the socket while one was connected. */
	if (num(g, "refused_connections") > 0)
		field(f, "connections", "%s connects, %s disconnects, %" JSON_INTEGER_FORMAT
		      " refused", text(g, "connects", b1, sizeof(b1)),
		      text(g, "disconnects", b2, sizeof(b2)), num(g, "refused_connections"));
	else
		field(f, "connections", "%s connects, %s disconnects",
		      text(g, "connects", b1, sizeof(b1)), text(g, "disconnects", b2, sizeof(b2)));
	field(f, "kicks", "%s", text(g, "kicks", b1, sizeof(b1)));
	field(f, "notify", "%s", text(g, "notify", b1, sizeof(b1)));
	if (json_is_object(get(g, "rate_limits"))) {
		limit_field(f, "tx limit", get(get(g, "rate_limits"), "tx"));
		limit_field(f, "rx limit", get(get(g, "rate_limits"), "rx"));
	}
	if (json_is_object(get(g, "mbuf_pool")))
		field(f, "mbuf pool", "%s, %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		      " in use", text(get(g, "mbuf_pool"), "name", b1, sizeof(b1)),
		      num(get(g, "mbuf_pool"), "in_use"), num(get(g, "mbuf_pool"), "size"));
	field(f, "source", "%s", source_text(g));
	if (get(g, "capture") != NULL) {
		char cap[512];

		capture_text(get(g, "capture"), cap, sizeof(cap));
		field(f, "capture", "%s", cap);
	}
	if (json_is_string(get(g, "queue_affinity")))
		field(f, "affinity", "%s", json_string_value(get(g, "queue_affinity"))[0] ?
		      json_string_value(get(g, "queue_affinity")) : "none");
	print_features(f, g);
	ret = print_vrings(f, get(g, "vrings"));
	if (ret == 0)
		ret = print_polling(f, get(g, "polling"));
	if (ret == 0)
		ret = print_counters(f, get(g, "counters"));
	if (ret == 0 && json_is_object(get(g, "why"))) {
		fprintf(f, "\nlosses (last %.0f s)\n", json_number_value(get(get(g, "why"), "seconds")));
		ret = vctl_print_why_table(f, get(g, "why"));
	}
	print_hints(f, g);
	return ret;
}

int
vctl_print_guest_add(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *g = res[0];
	char b1[64], b2[128], b3[64], b4[64], b5[64];

	(void)args;
	fprintf(f, "guest %s added: socket %s (%s), uplink %s, state %s, %s\n",
		text(g, "name", b1, sizeof(b1)), text(g, "socket", b2, sizeof(b2)),
		text(g, "mode", b3, sizeof(b3)), text(g, "uplink", b4, sizeof(b4)),
		text(g, "state", b5, sizeof(b5)),
		json_is_true(get(g, "persistent")) ? "saved" : "not saved");
	return 0;
}

int
vctl_print_guest_del(FILE *f, const json_t *args, json_t *const res[])
{
	char b[128];

	(void)args;
	fprintf(f, "guest %s removed\n", text(res[0], "name", b, sizeof(b)));
	return 0;
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
	const json_t *uplinks = get(res[0], "uplinks");
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
		table_cell_json(&t, get(u, "name"));
		table_cell_json(&t, get(u, "port"));
		table_cell_json(&t, get(u, "driver"));
		table_cell_json(&t, get(u, "link"));
		table_cell_json(&t, get(u, "rx_queues"));
		table_cell_json(&t, get(u, "tx_queues"));
		table_cell_json(&t, get(u, "numa_node"));
		join(get(u, "guests"), b, sizeof(b));
		table_cell(&t, "%s", b);
		table_cell_json(&t, get(u, "device"));
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
	fprintf(f, "uplink %s\n", text(u, "name", b1, sizeof(b1)));
	field(f, "device", "%s", text(u, "device", b1, sizeof(b1)));
	field(f, "port", "%s (%s)", text(u, "port", b1, sizeof(b1)),
	      text(u, "driver", b2, sizeof(b2)));
	if (json_is_integer(get(u, "speed_mbps")))
		field(f, "link", "%s, %" JSON_INTEGER_FORMAT " Mb/s",
		      text(u, "link", b1, sizeof(b1)), num(u, "speed_mbps"));
	else
		field(f, "link", "%s", text(u, "link", b1, sizeof(b1)));
	field(f, "mac", "%s", text(u, "mac", b1, sizeof(b1)));
	field(f, "mtu", "%s", text(u, "mtu", b1, sizeof(b1)));
	field(f, "promiscuous", "%s", text(u, "promiscuous", b1, sizeof(b1)));
	field(f, "queues", "%s rx, %s tx", text(u, "rx_queues", b1, sizeof(b1)),
	      text(u, "tx_queues", b2, sizeof(b2)));
	field(f, "numa node", "%s", text(u, "numa_node", b1, sizeof(b1)));
	join(get(u, "guests"), b1, sizeof(b1));
	field(f, "guests", "%s", b1);
	if (json_is_string(get(u, "queue_affinity")))
		field(f, "affinity", "%s", json_string_value(get(u, "queue_affinity"))[0] ?
		      json_string_value(get(u, "queue_affinity")) : "none");
	if (print_polling(f, get(u, "polling")) != 0)
		return -EIO;
	return print_counters(f, get(u, "counters"));
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
		json_object_foreach(get(res[0], groups[k].key), name, c)
			counter_rows(&t, groups[k].kind, name, c);
	if (t.nb_rows == 0) {
		fprintf(f, "no counters\n");
		ret = 0;
	} else {
		ret = table_print(&t, f, "");
	}
	table_free(&t);
	for (size_t k = 0; k < 2; k++) {
		json_object_foreach(get(res[0], groups[k].key), name, c) {
			char prefix[128];

			snprintf(prefix, sizeof(prefix), "%s %s ", groups[k].kind, name);
			drop_lines(f, "drops ", prefix, c);
		}
	}
	if (json_is_true(get(args, "reset")))
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

	if (!json_is_object(get(json_array_get(workers, 0), "notify")))
		return 0;
	fprintf(f, "\n");
	table_init(&t, "rlrrrrr", head);
	json_array_foreach(workers, i, w) {
		const json_t *nt = get(w, "notify");
		char b[64];

		table_row(&t);
		table_cell_json(&t, get(w, "index"));
		/* "adaptive, asleep", "adaptive, backs off": see docs/architecture.md */
		table_cell(&t, "%s%s%s", text(nt, "mode", b, sizeof(b)),
			   json_is_true(get(nt, "asleep")) ? ", asleep" : "",
			   json_is_true(get(nt, "backoff")) ? ", backs off" : "");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			table_cell_json(&t, get(nt, keys[k]));
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
	const json_t *workers = get(res[0], "workers");
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
		table_cell_json(&t, get(w, "index"));
		table_cell_json(&t, get(w, "lcore"));
		table_cell_json(&t, get(w, "busy_pct"));
		table_cell_json(&t, get(w, "cycles_per_pkt"));
		table_cell_json(&t, get(w, "pkts"));
		table_cell_json(&t, get(w, "loops"));
		list[0] = '\0';
		json_array_foreach(get(w, "queues"), j, q) {
			char extra[64] = "";
			int n;

			/* "(pinned, 43.1%)": the pin and the last interval's load. */
			if (json_is_number(get(q, "load_pct")) || json_is_true(get(q, "pinned")))
				snprintf(extra, sizeof(extra), " (%s%s%.1f%%)",
					 json_is_true(get(q, "pinned")) ? "pinned" : "",
					 json_is_true(get(q, "pinned")) ? ", " : "",
					 json_number_value(get(q, "load_pct")));
			n = snprintf(list + off, sizeof(list) - off, "%s%s %s q%s%s",
				     j ? ", " : "", text(q, "kind", b1, sizeof(b1)),
				     text(q, "name", b2, sizeof(b2)),
				     text(q, "queue", b3, sizeof(b3)), extra);

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
	if (json_is_object(get(res[0], "rebalance"))) {
		const json_t *r = get(res[0], "rebalance");

		if (num(r, "interval") > 0)
			fprintf(f, "rebalancing: every %" JSON_INTEGER_FORMAT " s, margin %"
				JSON_INTEGER_FORMAT " %%; %" JSON_INTEGER_FORMAT " rebalance(s), %"
				JSON_INTEGER_FORMAT " queue(s) moved\n", num(r, "interval"),
				num(r, "margin"), num(r, "rebalances"), num(r, "moves"));
		else
			fprintf(f, "rebalancing: off\n");
	}
	return ret;
}
