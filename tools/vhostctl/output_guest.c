/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Human output of one guest: guest list, show, events, add, del, capture
 * and affinity.  Missing or null fields print as "-" (output.c).
 */
#include <errno.h>
#include <string.h>

#include "output.h"
#include "table.h"
#include "vhostctl.h"

static const char *
source_text(const json_t *g)
{
	const char *src = json_string_value(out_get(g, "source"));

	if (src == NULL)
		return "-";
	if (strcmp(src, "runtime") == 0 && json_is_true(out_get(g, "persistent")))
		return "runtime,saved";
	return src;
}

int
vctl_print_guest_list(FILE *f, const json_t *args, json_t *const res[])
{
	static const char *const head[] = { "NAME", "STATE", "RING", "PAIRS", "MODE",
		"UPLINK", "MAC", "SOURCE", "SOCKET" };
	const json_t *guests = out_get(res[0], "guests");
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
		table_cell_json(&t, out_get(g, "name"));
		table_cell_json(&t, out_get(g, "state"));
		table_cell_json(&t, out_get(g, "ring"));
		table_cell(&t, "%s/%s", out_text(g, "pairs", b1, sizeof(b1)),
			   out_text(g, "queues", b2, sizeof(b2)));
		table_cell_json(&t, out_get(g, "mode"));
		table_cell_json(&t, out_get(g, "uplink"));
		table_cell_json(&t, out_get(g, "mac"));
		table_cell(&t, "%s", source_text(g));
		table_cell_json(&t, out_get(g, "socket"));
	}
	ret = table_print(&t, f, "");
	table_free(&t);
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
	const json_t *feat = out_get(g, "features");
	const json_t *proto = out_get(g, "protocol_features");
	const json_t *neg = out_get(feat, "negotiated_names");
	char b1[64], b2[64];

	fprintf(f, "\nvirtio features (offered %s, negotiated %s)\n",
		out_text(feat, "offered", b1, sizeof(b1)), out_text(feat, "negotiated", b2, sizeof(b2)));
	/* Without a driver there is nothing negotiated (null, or an empty list). */
	if (json_is_string(out_get(feat, "negotiated"))) {
		fprintf(f, "  negotiated:\n");
		name_lines(f, neg, NULL);
		fprintf(f, "  offered, not accepted by the driver:\n");
		name_lines(f, out_get(feat, "offered_names"), neg);
	} else {
		fprintf(f, "  negotiated: none (no driver)\n  offered:\n");
		name_lines(f, out_get(feat, "offered_names"), NULL);
	}
	/* Kept for a guest that negotiated them before vhostd restarted
	 * (operations.md, "Upgrades and restarts"); absent from old daemons. */
	if (json_array_size(out_get(feat, "pinned_names")) != 0) {
		fprintf(f, "  pinned (offered although the configuration removes them):\n");
		name_lines(f, out_get(feat, "pinned_names"), NULL);
	}
	fprintf(f, "\nvhost-user protocol features (%s)\n  negotiated:\n",
		out_text(proto, "negotiated", b1, sizeof(b1)));
	name_lines(f, out_get(proto, "names"), NULL);
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
			table_cell_json(&t, out_get(v, keys[k]));
	}
	ret = table_print(&t, f, "  ");
	table_free(&t);
	return ret;
}

int
vctl_print_affinity(FILE *f, const json_t *args, json_t *const res[])
{
	const char *map = json_string_value(out_get(res[0], "queue_affinity"));
	char b[128];

	(void)args;
	fprintf(f, "%s: queue-affinity %s\n", out_text(res[0], "name", b, sizeof(b)),
		map != NULL && map[0] != '\0' ? map : "none");
	return out_polling(f, out_get(res[0], "polling"));
}

static json_int_t
total_drop(const json_t *g, const char *reason)
{
	return out_num(out_get(out_get(out_get(g, "counters"), "total"), "drops"), reason);
}

/*
 * What an operator checks first when a guest has no network
 * (docs/operations.md, "A guest has no network").
 */
static void
print_hints(FILE *f, const json_t *g)
{
	const char *state = json_string_value(out_get(g, "state"));
	const char *mode = json_string_value(out_get(g, "mode"));
	const char *cause, *summary;
	char b[128], m[64];
	int n = 0;

	fprintf(f, "\nchecks\n");
	if (state != NULL && strcmp(state, "waiting") == 0) {
		if (mode != NULL && strcmp(mode, "client") == 0)
			fprintf(f, "  - no connection: is QEMU listening on %s (server=on)?\n",
				out_text(g, "socket", b, sizeof(b)));
		else
			fprintf(f, "  - no connection: is QEMU started with -chardev socket,path=%s?\n",
				out_text(g, "socket", b, sizeof(b)));
		n++;
	}
	if (state != NULL && strcmp(state, "running") == 0 && json_is_integer(out_get(g, "pairs")) &&
	    out_num(g, "pairs") == 0) {
		fprintf(f, "  - running but no queue pair enabled: is the interface up in the guest?\n");
		n++;
	}
	if (total_drop(g, "spoofed") > 0) {
		fprintf(f, "  - frames dropped as spoofed: the guest sends from a MAC other than %s "
			"(compare QEMU's mac=)\n", out_text(g, "mac", m, sizeof(m)));
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
	cause = json_string_value(out_get(out_get(g, "why"), "cause"));
	summary = json_string_value(out_get(out_get(g, "why"), "summary"));
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
	if (out_num(c, "limit") > 0)
		snprintf(buf, len, "%s, %s of %s frames written, %s lost",
			 out_text(c, "file", b1, sizeof(b1)), out_text(c, "written", b2, sizeof(b2)),
			 out_text(c, "limit", b3, sizeof(b3)), out_text(c, "lost", b4, sizeof(b4)));
	else
		snprintf(buf, len, "%s, %s frames written, %s lost",
			 out_text(c, "file", b1, sizeof(b1)), out_text(c, "written", b2, sizeof(b2)),
			 out_text(c, "lost", b3, sizeof(b3)));
}

int
vctl_print_capture(FILE *f, const json_t *args, json_t *const res[])
{
	char b[64], cap[512];

	capture_text(out_get(res[0], "capture"), cap, sizeof(cap));
	fprintf(f, "capture of guest %s %s: %s\n", out_text(res[0], "name", b, sizeof(b)),
		out_get(args, "file") != NULL ? "started" : "stopped", cap);
	return 0;
}

/* "20000000 bit/s (burst 2097152 bytes), 5000 pkt/s" or "none". */
static void
limit_field(FILE *f, const char *label, const json_t *l)
{
	if (!json_is_object(l)) {
		out_field(f, label, "none");
		return;
	}
	if (out_num(l, "bps") != 0 && out_num(l, "pps") != 0)
		out_field(f, label, "%" JSON_INTEGER_FORMAT " bit/s (burst %" JSON_INTEGER_FORMAT
		      " bytes), %" JSON_INTEGER_FORMAT " pkt/s", out_num(l, "bps"),
		      out_num(l, "burst_bytes"), out_num(l, "pps"));
	else if (out_num(l, "bps") != 0)
		out_field(f, label, "%" JSON_INTEGER_FORMAT " bit/s (burst %" JSON_INTEGER_FORMAT
		      " bytes)", out_num(l, "bps"), out_num(l, "burst_bytes"));
	else
		out_field(f, label, "%" JSON_INTEGER_FORMAT " pkt/s", out_num(l, "pps"));
}

/* One line per event: "TIME KIND key=value ...", the arguments in the
 * order vhostd sent them (events.c's kind table). */
int
vctl_print_guest_events(FILE *f, const json_t *args, json_t *const res[])
{
	const json_t *list = out_get(res[0], "events"), *ev;
	json_int_t dropped = out_num(res[0], "dropped");
	size_t i;

	(void)args;
	if (dropped > 0)
		fprintf(f, "(%lld older events dropped)\n", (long long)dropped);
	json_array_foreach(list, i, ev) {
		const char *key;
		char b1[64], b2[64];
		json_t *v;

		fprintf(f, "%s %s", out_text(ev, "time", b1, sizeof(b1)), out_text(ev, "kind", b2, sizeof(b2)));
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
	fprintf(f, "guest %s\n", out_text(g, "name", b1, sizeof(b1)));
	if (json_is_integer(out_get(g, "vid")))
		out_field(f, "state", "%s (vid %" JSON_INTEGER_FORMAT ")",
		      out_text(g, "state", b1, sizeof(b1)), out_num(g, "vid"));
	else
		out_field(f, "state", "%s", out_text(g, "state", b1, sizeof(b1)));
	out_field(f, "socket", "%s (%s)", out_text(g, "socket", b1, sizeof(b1)),
	      out_text(g, "mode", b2, sizeof(b2)));
	out_field(f, "uplink", "%s", out_text(g, "uplink", b1, sizeof(b1)));
	out_field(f, "mac", "%s, mac-check %s", out_text(g, "mac", b1, sizeof(b1)),
	      json_is_true(out_get(g, "mac_check")) ? "on" : "off");
	out_field(f, "ring", "%s", out_text(g, "ring", b1, sizeof(b1)));
	out_field(f, "queue pairs", "%s served of %s", out_text(g, "pairs", b1, sizeof(b1)),
	      out_text(g, "queues", b2, sizeof(b2)));
	out_field(f, "numa node", "%s", out_text(g, "numa_node", b1, sizeof(b1)));
	out_field(f, "mtu", "%s", out_text(g, "mtu", b1, sizeof(b1)));
	/* Refused: another frontend tried the socket while one was connected. */
	if (out_num(g, "refused_connections") > 0)
		out_field(f, "connections", "%s connects, %s disconnects, %" JSON_INTEGER_FORMAT
		      " refused", out_text(g, "connects", b1, sizeof(b1)),
		      out_text(g, "disconnects", b2, sizeof(b2)), out_num(g, "refused_connections"));
	else
		out_field(f, "connections", "%s connects, %s disconnects",
		      out_text(g, "connects", b1, sizeof(b1)), out_text(g, "disconnects", b2, sizeof(b2)));
	out_field(f, "kicks", "%s", out_text(g, "kicks", b1, sizeof(b1)));
	out_field(f, "notify", "%s", out_text(g, "notify", b1, sizeof(b1)));
	if (json_is_object(out_get(g, "rate_limits"))) {
		limit_field(f, "tx limit", out_get(out_get(g, "rate_limits"), "tx"));
		limit_field(f, "rx limit", out_get(out_get(g, "rate_limits"), "rx"));
	}
	if (json_is_object(out_get(g, "mbuf_pool")))
		out_field(f, "mbuf pool", "%s, %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		      " in use", out_text(out_get(g, "mbuf_pool"), "name", b1, sizeof(b1)),
		      out_num(out_get(g, "mbuf_pool"), "in_use"), out_num(out_get(g, "mbuf_pool"), "size"));
	out_field(f, "source", "%s", source_text(g));
	if (out_get(g, "capture") != NULL) {
		char cap[512];

		capture_text(out_get(g, "capture"), cap, sizeof(cap));
		out_field(f, "capture", "%s", cap);
	}
	if (json_is_string(out_get(g, "queue_affinity")))
		out_field(f, "affinity", "%s", json_string_value(out_get(g, "queue_affinity"))[0] ?
		      json_string_value(out_get(g, "queue_affinity")) : "none");
	print_features(f, g);
	ret = print_vrings(f, out_get(g, "vrings"));
	if (ret == 0)
		ret = out_polling(f, out_get(g, "polling"));
	if (ret == 0)
		ret = out_counters(f, out_get(g, "counters"));
	if (ret == 0 && json_is_object(out_get(g, "why"))) {
		fprintf(f, "\nlosses (last %.0f s)\n", json_number_value(out_get(out_get(g, "why"), "seconds")));
		ret = vctl_print_why_table(f, out_get(g, "why"));
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
		out_text(g, "name", b1, sizeof(b1)), out_text(g, "socket", b2, sizeof(b2)),
		out_text(g, "mode", b3, sizeof(b3)), out_text(g, "uplink", b4, sizeof(b4)),
		out_text(g, "state", b5, sizeof(b5)),
		json_is_true(out_get(g, "persistent")) ? "saved" : "not saved");
	return 0;
}

int
vctl_print_guest_del(FILE *f, const json_t *args, json_t *const res[])
{
	char b[128];

	(void)args;
	fprintf(f, "guest %s removed\n", out_text(res[0], "name", b, sizeof(b)));
	return 0;
}
