/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest why, and the "losses" section of guest show: guest.why's answer
 * (docs/operations.md, "Why does a guest lose frames?") as a sentence and
 * a table of causes by direction.
 */
#include <string.h>

#include "table.h"
#include "vhostctl.h"

static const char *const causes[] = { "guest", "host", "wire", "policy" };

static json_int_t
lost(const json_t *why, const char *dir, const char *cause)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(why, "lost"),
								  dir), cause));
}

static double
secs(const json_t *why, const char *key)
{
	return json_number_value(json_object_get(why, key));
}

int
vctl_print_why_table(FILE *f, const json_t *why)
{
	static const char *const head[] = { "CAUSE", "TO_GUEST", "FROM_GUEST", NULL };
	json_int_t rx = 0, tx = 0;
	const json_t *backlog = json_object_get(why, "backlog");
	struct table t;
	int ret;

	table_init(&t, "lrr", head);
	for (size_t c = 0; c < sizeof(causes) / sizeof(causes[0]); c++) {
		table_row(&t);
		table_cell(&t, "%s", causes[c]);
		table_cell(&t, "%" JSON_INTEGER_FORMAT, lost(why, "rx", causes[c]));
		table_cell(&t, "%" JSON_INTEGER_FORMAT, lost(why, "tx", causes[c]));
		rx += lost(why, "rx", causes[c]);
		tx += lost(why, "tx", causes[c]);
	}
	table_row(&t);
	table_cell(&t, "lost");
	table_cell(&t, "%" JSON_INTEGER_FORMAT, rx);
	table_cell(&t, "%" JSON_INTEGER_FORMAT, tx);
	table_row(&t);
	table_cell(&t, "offered");
	table_cell(&t, "%" JSON_INTEGER_FORMAT, lost(why, "rx", "offered"));
	table_cell(&t, "%" JSON_INTEGER_FORMAT, lost(why, "tx", "offered"));
	ret = table_print(&t, f, "  ");
	table_free(&t);
	fprintf(f, "  stalls: guest slow %.1f s (RX ring full or no buffer posted), host slow "
		"%.1f s (worker saturated; guest TX ring full %.1f s of it)\n",
		secs(why, "guest_slow_seconds"), secs(why, "host_slow_seconds"),
		secs(why, "tx_stall_seconds"));
	if (json_integer_value(json_object_get(why, "worker")) >= 0)
		fprintf(f, "  worker %" JSON_INTEGER_FORMAT " busy %" JSON_INTEGER_FORMAT
			" %% at most, uplink RX backlog ",
			json_integer_value(json_object_get(why, "worker")),
			json_integer_value(json_object_get(why, "busy_pct")));
	else
		fprintf(f, "  no worker serves it, uplink RX backlog ");
	if (json_integer_value(backlog) >= 0)
		fprintf(f, "%" JSON_INTEGER_FORMAT " descriptors\n", json_integer_value(backlog));
	else
		fprintf(f, "unknown (the device does not count it)\n");
	return ret;
}

int
vctl_print_guest_why(FILE *f, const json_t *args, json_t *const res[])
{
	const char *s = json_string_value(json_object_get(res[0], "summary"));

	(void)args;
	fprintf(f, "%s\n\n", s != NULL ? s : "-");
	return vctl_print_why_table(f, res[0]);
}
