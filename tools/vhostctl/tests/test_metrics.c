/* SPDX-License-Identifier: BSD-3-Clause */
/* `vhostctl metrics`: Prometheus text format from canned results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixtures.h"
#include "vhostctl.h"

static char *
metrics(const char *stats, const char *workers, const char *guests)
{
	json_t *res[VCTL_MAX_REQUESTS] = { fx_load(stats), fx_load(workers), fx_load(guests) };
	char *buf = fx_print(vctl_print_metrics, NULL, res);

	for (int i = 0; i < VCTL_MAX_REQUESTS; i++)
		json_decref(res[i]);
	return buf;
}

static bool
is_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/*
 * The text exposition format, strictly: "# HELP name text", "# TYPE name
 * counter|gauge" once per family and before its samples, the samples of a
 * family together, label values quoted and escaped, counters named *_total,
 * a numeric value, a newline at the end.
 */
static void
check_format(const char *text)
{
	char seen[64][128];
	size_t nb_seen = 0;
	char family[128] = "", type[16] = "";
	const char *line = text;

	assert_true(text[0] == '\0' || text[strlen(text) - 1] == '\n');
	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = (size_t)(end - line);
		char buf[1024];

		assert_true(len < sizeof(buf));
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strncmp(buf, "# HELP ", 7) == 0) {
			const char *name = buf + 7;
			size_t n = strcspn(name, " ");

			assert_true(is_name(name, n));
			assert_true(name[n] == ' ' && name[n + 1] != '\0');
			for (size_t i = 0; i < nb_seen; i++)
				if (strlen(seen[i]) == n && strncmp(seen[i], name, n) == 0)
					fail_msg("family %.*s appears twice", (int)n, name);
			assert_true(nb_seen < 64 && n < 128);
			memcpy(seen[nb_seen], name, n);
			seen[nb_seen++][n] = '\0';
			memcpy(family, name, n);
			family[n] = '\0';
			type[0] = '\0';
		} else if (strncmp(buf, "# TYPE ", 7) == 0) {
			size_t n = strlen(family);

			assert_true(strncmp(buf + 7, family, n) == 0 && buf[7 + n] == ' ');
			assert_true(type[0] == '\0');
			snprintf(type, sizeof(type), "%s", buf + 8 + n);
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				assert_true(n > 6 && strcmp(family + n - 6, "_total") == 0);
		} else {
			size_t n = strcspn(buf, "{ ");
			const char *p = buf + n;
			char *num_end;

			assert_true(buf[0] != '#');
			assert_true(type[0] != '\0');
			if (strlen(family) != n || strncmp(buf, family, n) != 0)
				fail_msg("sample '%s' outside its family (now %s)", buf, family);
			if (*p == '{') {
				p++;
				while (*p != '}') {
					size_t ln = strcspn(p, "=");

					assert_true(is_name(p, ln));
					p += ln;
					assert_true(p[0] == '=' && p[1] == '"');
					for (p += 2; *p != '"'; p++) {
						assert_true(*p != '\0' && *p != '\n');
						if (*p == '\\') {
							p++;
							assert_true(*p == '\\' || *p == '"' || *p == 'n');
						}
					}
					p++;
					if (*p == ',')
						p++;
					else
						assert_true(*p == '}');
				}
				p++;
			}
			assert_true(*p == ' ');
			strtod(p + 1, &num_end);
			if (num_end == p + 1 || *num_end != '\0')
				fail_msg("bad value in '%s'", buf);
		}
		line = end + 1;
	}
}

static void
test_exact(void **state)
{
	char *out = metrics(
		"{\"guests\": {\"vm1\": {\"total\": {\"rx_pkts\": 5, \"drops\": {\"spoofed\": 2}},"
		" \"queues\": [{\"queue\": 0, \"rx_pkts\": 5, \"rx_bytes\": 320, \"tx_pkts\": 1,"
		" \"tx_bytes\": 64}]}},"
		" \"uplinks\": {\"up0\": {\"total\": {\"drops\": {\"unknown_dst\": 9}},"
		" \"queues\": [{\"queue\": 0, \"rx_pkts\": 7, \"rx_bytes\": 448, \"tx_pkts\": 1,"
		" \"tx_bytes\": 64}]}}}",
		"{\"workers\": [{\"index\": 0, \"lcore\": 1, \"loops\": 10, \"busy_loops\": 2,"
		" \"busy_cycles\": 300, \"idle_cycles\": 700, \"pkts\": 6}]}",
		"{\"guests\": [{\"name\": \"vm1\", \"state\": \"running\", \"pairs\": 1}]}");

	(void)state;
	assert_string_equal(out,
		"# HELP vhostd_guest_rx_packets_total Frames delivered to the guest (enqueued on its RX vrings).\n"
		"# TYPE vhostd_guest_rx_packets_total counter\n"
		"vhostd_guest_rx_packets_total{guest=\"vm1\",queue=\"0\"} 5\n"
		"# HELP vhostd_guest_rx_bytes_total Bytes delivered to the guest.\n"
		"# TYPE vhostd_guest_rx_bytes_total counter\n"
		"vhostd_guest_rx_bytes_total{guest=\"vm1\",queue=\"0\"} 320\n"
		"# HELP vhostd_guest_tx_packets_total Frames the guest sent (dequeued from its TX vrings).\n"
		"# TYPE vhostd_guest_tx_packets_total counter\n"
		"vhostd_guest_tx_packets_total{guest=\"vm1\",queue=\"0\"} 1\n"
		"# HELP vhostd_guest_tx_bytes_total Bytes the guest sent.\n"
		"# TYPE vhostd_guest_tx_bytes_total counter\n"
		"vhostd_guest_tx_bytes_total{guest=\"vm1\",queue=\"0\"} 64\n"
		"# HELP vhostd_guest_drops_total Frames to or from the guest dropped, by reason.\n"
		"# TYPE vhostd_guest_drops_total counter\n"
		"vhostd_guest_drops_total{guest=\"vm1\",reason=\"spoofed\"} 2\n"
		"# HELP vhostd_guest_up 1 when a guest driver is connected (state running), else 0.\n"
		"# TYPE vhostd_guest_up gauge\n"
		"vhostd_guest_up{guest=\"vm1\"} 1\n"
		"# HELP vhostd_guest_queue_pairs Queue pairs served: enabled by the guest driver, at most the configured queues.\n"
		"# TYPE vhostd_guest_queue_pairs gauge\n"
		"vhostd_guest_queue_pairs{guest=\"vm1\"} 1\n"
		"# HELP vhostd_uplink_rx_packets_total Frames received from the wire.\n"
		"# TYPE vhostd_uplink_rx_packets_total counter\n"
		"vhostd_uplink_rx_packets_total{uplink=\"up0\",queue=\"0\"} 7\n"
		"# HELP vhostd_uplink_rx_bytes_total Bytes received from the wire.\n"
		"# TYPE vhostd_uplink_rx_bytes_total counter\n"
		"vhostd_uplink_rx_bytes_total{uplink=\"up0\",queue=\"0\"} 448\n"
		"# HELP vhostd_uplink_tx_packets_total Frames transmitted to the wire.\n"
		"# TYPE vhostd_uplink_tx_packets_total counter\n"
		"vhostd_uplink_tx_packets_total{uplink=\"up0\",queue=\"0\"} 1\n"
		"# HELP vhostd_uplink_tx_bytes_total Bytes transmitted to the wire.\n"
		"# TYPE vhostd_uplink_tx_bytes_total counter\n"
		"vhostd_uplink_tx_bytes_total{uplink=\"up0\",queue=\"0\"} 64\n"
		"# HELP vhostd_uplink_drops_total Frames from or to the uplink dropped, by reason.\n"
		"# TYPE vhostd_uplink_drops_total counter\n"
		"vhostd_uplink_drops_total{uplink=\"up0\",reason=\"unknown_dst\"} 9\n"
		"# HELP vhostd_worker_busy_cycles_total TSC cycles the worker spent in loops that moved packets.\n"
		"# TYPE vhostd_worker_busy_cycles_total counter\n"
		"vhostd_worker_busy_cycles_total{worker=\"0\"} 300\n"
		"# HELP vhostd_worker_idle_cycles_total TSC cycles the worker spent in loops that found nothing.\n"
		"# TYPE vhostd_worker_idle_cycles_total counter\n"
		"vhostd_worker_idle_cycles_total{worker=\"0\"} 700\n"
		"# HELP vhostd_worker_packets_total Frames the worker received from guests and uplinks.\n"
		"# TYPE vhostd_worker_packets_total counter\n"
		"vhostd_worker_packets_total{worker=\"0\"} 6\n"
		"# HELP vhostd_worker_loops_total Poll loops run by the worker.\n"
		"# TYPE vhostd_worker_loops_total counter\n"
		"vhostd_worker_loops_total{worker=\"0\"} 10\n"
		"# HELP vhostd_worker_busy_loops_total Poll loops that received at least one frame.\n"
		"# TYPE vhostd_worker_busy_loops_total counter\n"
		"vhostd_worker_busy_loops_total{worker=\"0\"} 2\n"
		"# HELP vhostd_worker_lcore The CPU (DPDK lcore) the worker is pinned to.\n"
		"# TYPE vhostd_worker_lcore gauge\n"
		"vhostd_worker_lcore{worker=\"0\"} 1\n");
	check_format(out);
	free(out);
}

/* guest.list's "lost" (guest why's totals): by cause, with HELP text. */
static void
test_lost(void **state)
{
	char *out = metrics("{\"guests\": {}, \"uplinks\": {}}", "{\"workers\": []}",
		"{\"guests\": [{\"name\": \"vm1\", \"state\": \"running\", \"lost\": "
		"{\"rx\": {\"guest\": 12, \"host\": 0, \"wire\": 0, \"policy\": 3}, "
		"\"tx\": {\"guest\": 0, \"host\": 1, \"wire\": 7, \"policy\": 0}, "
		"\"guest_slow_seconds\": 4.0, \"host_slow_seconds\": 0.0}}]}");
	static const char *const lines[] = {
		"# HELP vhostd_guest_rx_lost_total Frames to the guest lost, by cause: guest",
		"# TYPE vhostd_guest_rx_lost_total counter\n",
		"\nvhostd_guest_rx_lost_total{guest=\"vm1\",cause=\"guest\"} 12\n",
		"\nvhostd_guest_rx_lost_total{guest=\"vm1\",cause=\"policy\"} 3\n",
		"\nvhostd_guest_tx_lost_total{guest=\"vm1\",cause=\"wire\"} 7\n",
		"\nvhostd_guest_tx_lost_total{guest=\"vm1\",cause=\"host\"} 1\n",
		"# TYPE vhostd_guest_slow_seconds_total counter\n"
		"vhostd_guest_slow_seconds_total{guest=\"vm1\"} 4\n",
		"\nvhostd_guest_host_slow_seconds_total{guest=\"vm1\"} 0\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (strstr(out, lines[i]) == NULL)
			fail_msg("no '%s' in:\n%s", lines[i], out);
	check_format(out);
	free(out);
}

/* The full fixtures: several guests, queues and workers, families kept whole. */
static void
test_format(void **state)
{
	static const char *const samples[] = {
		"vhostd_guest_rx_packets_total{guest=\"vm1\",queue=\"1\"} 500\n",
		"vhostd_guest_drops_total{guest=\"vm1\",reason=\"guest_ring_full\"} 12\n",
		"vhostd_guest_up{guest=\"vm-2\"} 0\n",
		"vhostd_uplink_drops_total{uplink=\"up0\",reason=\"unknown_dst\"} 7\n",
		"vhostd_worker_busy_cycles_total{worker=\"1\"} 0\n",
		"vhostd_worker_lcore{worker=\"1\"} 3\n",
		"vhostd_worker_sleeps_total{worker=\"0\"} 10\n",
		"vhostd_worker_wakeups_total{worker=\"0\"} 9\n",
		"vhostd_worker_notify_switches_total{worker=\"0\"} 12\n",
		"vhostd_worker_sleep_timeouts_total{worker=\"1\"} 0\n",
		NULL,
	};
	char *out = metrics(fx_stats, fx_workers, fx_guest_list);

	(void)state;
	check_format(out);
	fx_expect_lines(out, samples);
	free(out);
}

static void
test_escaping_and_empty(void **state)
{
	char *out;

	(void)state;
	out = metrics("{}", "{}", "{\"guests\": [{\"name\": \"a\\\"b\\\\c\\nd\", \"state\": \"waiting\"},"
		      " {\"state\": \"running\"}]}");
	assert_string_equal(out,
		"# HELP vhostd_guest_up 1 when a guest driver is connected (state running), else 0.\n"
		"# TYPE vhostd_guest_up gauge\n"
		"vhostd_guest_up{guest=\"a\\\"b\\\\c\\nd\"} 0\n");
	check_format(out);
	free(out);

	/* Nothing known: nothing printed (no families without samples). */
	out = metrics("{\"guests\": {}, \"uplinks\": {}}", "{\"workers\": []}", "{\"guests\": []}");
	assert_string_equal(out, "");
	free(out);

	/* Non-numbers are skipped, reals printed as such; no queue field: the index. */
	out = metrics("{\"guests\": {\"g\": {\"queues\": [{\"rx_pkts\": \"many\"}, {\"rx_pkts\": 1.5}]}}}",
		      "{}", "{}");
	assert_string_equal(out,
		"# HELP vhostd_guest_rx_packets_total Frames delivered to the guest (enqueued on its RX vrings).\n"
		"# TYPE vhostd_guest_rx_packets_total counter\n"
		"vhostd_guest_rx_packets_total{guest=\"g\",queue=\"1\"} 1.5\n");
	check_format(out);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_escaping_and_empty),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
