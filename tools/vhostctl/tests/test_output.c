/* SPDX-License-Identifier: BSD-3-Clause */
/* Human output from canned results: tables, guest show, robustness. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixtures.h"
#include "table.h"
#include "vhostctl.h"

/* The printer's output for one result (and args as JSON text, or NULL). */
static char *
render(fx_printer print, const char *result, const char *args_text)
{
	json_t *res[VCTL_MAX_REQUESTS] = { fx_load(result) };
	json_t *args = args_text ? fx_load(args_text) : json_object();
	char *buf = fx_print(print, args, res);

	json_decref(res[0]);
	json_decref(args);
	return buf;
}

static void
expect_output(fx_printer print, const char *result, const char *args, const char *expected)
{
	char *out = render(print, result, args);

	if (strcmp(out, expected) != 0)
		fail_msg("output:\n%s\nexpected:\n%s", out, expected);
	free(out);
}

static void
test_table_alignment(void **state)
{
	static const char *const head[] = { "NAME", "COUNT", "NOTE" };
	struct table t;
	json_t *real = json_real(2.25);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	table_init(&t, "lrl", head);
	table_row(&t);
	table_cell(&t, "a");
	table_cell(&t, "%d", 1234567);
	table_cell(&t, "last column is not padded");
	table_row(&t);
	table_cell(&t, "longer-name");
	table_cell_json(&t, NULL);		/* missing: "-" */
	/* a short row: the remaining cell is empty */
	table_row(&t);
	table_cell_json(&t, json_true());
	table_cell_json(&t, real);
	table_cell_json(&t, json_false());
	assert_int_equal(table_print(&t, f, "> "), 0);
	table_free(&t);
	json_decref(real);
	fclose(f);
	assert_string_equal(buf,
		"> NAME           COUNT  NOTE\n"
		"> a            1234567  last column is not padded\n"
		"> longer-name        -  \n"
		"> yes              2.2  no\n");
	free(buf);
}

static void
test_guest_list(void **state)
{
	(void)state;
	expect_output(vctl_print_guest_list, fx_guest_list, NULL,
		"NAME  STATE    RING    PAIRS  MODE    UPLINK  MAC                SOURCE         SOCKET\n"
		"vm1   running  packed    2/2  server  up0     52:54:00:12:34:56  config         /run/vhostd/vm1.sock\n"
		"vm-2  waiting  -         0/1  client  up0     -                  runtime,saved  /run/vhostd/vm-2.sock\n");
	expect_output(vctl_print_guest_list, "{\"guests\": []}", NULL, "no guests\n");
}

static void
test_uplinks(void **state)
{
	(void)state;
	expect_output(vctl_print_uplink_list, fx_uplink_list, NULL,
		"NAME  PORT  DRIVER    LINK  RXQ  TXQ  NUMA  GUESTS    DEVICE\n"
		"up0      0  net_tap   up      1    2     0  vm1,vm-2  net_tap0,iface=vhostd0\n"
		"vf1      1  net_iavf  down    4    2     1  -         0000:3b:02.1\n");
	expect_output(vctl_print_uplink_show, fx_uplink_show, NULL,
		"uplink up0\n"
		"  device        net_tap0,iface=vhostd0\n"
		"  port          0 (net_tap)\n"
		"  link          up, 10000 Mb/s\n"
		"  mac           02:00:00:00:00:01\n"
		"  mtu           1500\n"
		"  promiscuous   yes\n"
		"  queues        1 rx, 2 tx\n"
		"  numa node     0\n"
		"  guests        vm1\n"
		"\n"
		"counters\n"
		"  QUEUE  RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES  DROPS\n"
		"  0         1507     96448       20      1280      7\n"
		"  total     1507     96448       20      1280      7\n"
		"  drops total: unknown_dst 7\n");
}

static void
test_stats(void **state)
{
	static const char table[] =
		"KIND    NAME  QUEUE  RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES  DROPS\n"
		"guest   vm1   0         1000     64000       20      1280     15\n"
		"guest   vm1   1          500     32000        0         0      0\n"
		"guest   vm1   total     1500     96000       20      1280     15\n"
		"guest   vm-2  0            0         0        0         0      0\n"
		"guest   vm-2  total        0         0        0         0      0\n"
		"uplink  up0   0         1507     96448       20      1280      7\n"
		"uplink  up0   total     1507     96448       20      1280      7\n"
		"drops guest vm1 q0: guest_ring_full 12, not_ready 3\n"
		"drops guest vm1 total: guest_ring_full 12, not_ready 3\n"
		"drops uplink up0 total: unknown_dst 7\n";
	char *reset;

	(void)state;
	expect_output(vctl_print_stats, fx_stats, NULL, table);
	assert_int_equal(asprintf(&reset, "%scounters reset (the values above are from "
				  "before the reset)\n", table) > 0, 1);
	expect_output(vctl_print_stats, fx_stats, "{\"reset\": true}", reset);
	free(reset);
	expect_output(vctl_print_stats, "{\"guests\": {}, \"uplinks\": {}}", NULL, "no counters\n");
	/* Filtered by kind: only one member. */
	expect_output(vctl_print_stats, "{\"uplinks\": {\"up0\": " UPLINK0_COUNTERS "}}", NULL,
		"KIND    NAME  QUEUE  RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES  DROPS\n"
		"uplink  up0   0         1507     96448       20      1280      7\n"
		"uplink  up0   total     1507     96448       20      1280      7\n"
		"drops uplink up0 total: unknown_dst 7\n");
}

static void
test_workers(void **state)
{
	(void)state;
	expect_output(vctl_print_workers, fx_workers, NULL,
		"WORKER  LCORE  BUSY%  CYCLES/PKT   PKTS    LOOPS  QUEUES\n"
		"     0      1    2.0        50.0  40000  1000000  uplink up0 q0, guest vm1 q1\n"
		"     1      3    0.0         0.0      0        5  guest vm1 q0\n"
		"\n"
		"WORKER  NOTIFY            SWITCHES  SLEEPS  WAKEUPS  TIMEOUTS  RECHECKS\n"
		"     0  adaptive, asleep        12      10        9         1         2\n"
		"     1  poll                     0       0        0         0         0\n");
	expect_output(vctl_print_workers, "{\"workers\": []}", NULL, "no workers\n");
	/* Loads over the last interval, pins, and the rebalancer's summary. */
	expect_output(vctl_print_workers,
		"{\"workers\": [{\"index\": 0, \"lcore\": 1, \"busy_pct\": 99.5,"
		" \"cycles_per_pkt\": 80.0, \"pkts\": 10, \"loops\": 20, \"queues\": ["
		"  {\"kind\": \"uplink\", \"name\": \"up0\", \"queue\": 0, \"pinned\": true,"
		"   \"load_pct\": 60.25},"
		"  {\"kind\": \"guest\", \"name\": \"vm1\", \"queue\": 1, \"pinned\": false,"
		"   \"load_pct\": 39.0}]}],"
		" \"rebalance\": {\"interval\": 10, \"margin\": 25, \"rebalances\": 2, \"moves\": 3}}",
		NULL,
		"WORKER  LCORE  BUSY%  CYCLES/PKT  PKTS  LOOPS  QUEUES\n"
		"     0      1   99.5        80.0    10     20  uplink up0 q0 (pinned, 60.2%), "
		"guest vm1 q1 (39.0%)\n"
		"rebalancing: every 10 s, margin 25 %; 2 rebalance(s), 3 queue(s) moved\n");
	expect_output(vctl_print_affinity,
		"{\"name\": \"vm1\", \"queue_affinity\": \"0:1\", \"polling\": ["
		" {\"queue\": 0, \"worker\": 1, \"lcore\": 1, \"pinned\": true, \"pkts\": 100,"
		"  \"busy_cycles\": 5000, \"cycles_per_pkt\": 50.0, \"load_pct\": 1.5},"
		" {\"queue\": 1, \"worker\": null, \"lcore\": null, \"pinned\": false, \"pkts\": 0,"
		"  \"busy_cycles\": 0, \"cycles_per_pkt\": 0.0, \"load_pct\": 0.0}]}", NULL,
		"vm1: queue-affinity 0:1\n"
		"\npolling (LOAD%: share of a worker over the last interval)\n"
		"  QUEUE  WORKER  LCORE  PINNED  PKTS  BUSY_CYCLES  CYCLES/PKT  LOAD%\n"
		"      0       1      1  yes      100         5000        50.0    1.5\n"
		"      1       -      -  no         0            0         0.0    0.0\n");
}

static void
test_guest_show_running(void **state)
{
	static const char *const lines[] = {
		"guest vm1\n  state         running (vid 0)\n",
		"  socket        /run/vhostd/vm1.sock (server)\n",
		"  mac           52:54:00:12:34:56, mac-check on\n",
		"  ring          split\n",
		"  queue pairs   1 served of 2\n",
		"  connections   3 connects, 2 disconnects, 1 refused\n",
		"  notify        adaptive\n",
		"  source        runtime,saved\n",
		/* negotiated features one per line; offered but refused apart */
		"virtio features (offered 0x170006f8028, negotiated 0x100008000)\n"
		"  negotiated:\n"
		"    VIRTIO_NET_F_MRG_RXBUF\n"
		"    VIRTIO_F_VERSION_1\n"
		"  offered, not accepted by the driver:\n"
		"    VIRTIO_NET_F_MTU\n"
		"    VIRTIO_RING_F_EVENT_IDX\n"
		"    VIRTIO_F_RING_PACKED\n"
		"  pinned (offered although the configuration removes them):\n"
		"    VIRTIO_NET_F_MRG_RXBUF\n",
		"vhost-user protocol features (0x1)\n  negotiated:\n    VHOST_USER_PROTOCOL_F_MQ\n",
		"vrings\n"
		"  VRING  QUEUE  DIR  ENABLED  SIZE  AVAIL_IDX  LAST_AVAIL  USED_IDX  LAST_USED  "
		"KICKS_SUPPRESSED  GUEST_SUPPRESSES_IRQ  WORKER  ASLEEP\n"
		"      0      0  rx   yes      1024        130         123       123        123  "
		"yes               no                         -  -\n"
		"      1      0  tx   yes      1024          -       65535         -      65530  "
		"yes               yes                        1  no\n",
		"counters\n"
		"  QUEUE  RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES  DROPS\n"
		"  0         1000     64000       20      1280     15\n"
		"  1          500     32000        0         0      0\n"
		"  total     1500     96000       20      1280     15\n"
		"  drops q0: guest_ring_full 12, not_ready 3\n"
		"  drops total: guest_ring_full 12, not_ready 3\n",
		"checks\n"
		"  - frames dropped as not_ready: they came while the guest had no queue enabled\n"
		"  - frames dropped as guest_ring_full: the guest does not empty its RX rings "
		"fast enough\n",
		NULL,
	};
	char *out = render(vctl_print_guest_show, fx_guest_show, NULL);

	(void)state;
	fx_expect_lines(out, lines);
	free(out);
}

static void
test_guest_show_waiting(void **state)
{
	static const char *const lines[] = {
		"guest vm-2\n  state         waiting\n",
		"  mac           -, mac-check off\n",
		"  ring          -\n",
		"  mtu           -\n",
		"  kicks         -\n",
		"  negotiated: none (no driver)\n  offered:\n    VIRTIO_NET_F_CSUM\n",
		"vhost-user protocol features (-)\n  negotiated:\n    none\n",
		"vrings\n  none\n",
		"checks\n  - no connection: is QEMU started with "
		"-chardev socket,path=/run/vhostd/vm-2.sock?\n",
		NULL,
	};
	char *out = render(vctl_print_guest_show, fx_guest_waiting, NULL);

	(void)state;
	fx_expect_lines(out, lines);
	assert_null(strstr(out, "drops"));
	free(out);
}

static void
test_guest_show_checks(void **state)
{
	char *out;

	(void)state;
	/* Client mode, waiting: vhostd is the one connecting. */
	out = render(vctl_print_guest_show, "{\"name\": \"c\", \"state\": \"waiting\", "
		     "\"mode\": \"client\", \"socket\": \"/q.sock\"}", NULL);
	assert_non_null(strstr(out, "  - no connection: is QEMU listening on /q.sock (server=on)?\n"));
	free(out);
	/* Running with no pair enabled, and spoofed frames. */
	out = render(vctl_print_guest_show, "{\"name\": \"r\", \"state\": \"running\", \"pairs\": 0, "
		     "\"mac\": \"52:54:00:00:00:01\", \"counters\": {\"total\": {\"drops\": "
		     "{\"spoofed\": 4}}}}", NULL);
	assert_non_null(strstr(out, "  - running but no queue pair enabled"));
	assert_non_null(strstr(out, "  - frames dropped as spoofed: the guest sends from a MAC "
			       "other than 52:54:00:00:00:01"));
	free(out);
	/* All well. */
	out = render(vctl_print_guest_show, "{\"name\": \"ok\", \"state\": \"running\", \"pairs\": 1}",
		     NULL);
	assert_non_null(strstr(out, "checks\n  nothing to report\n"));
	free(out);
}

/* Unexpected shapes print less, never crash. */
static void
test_robust(void **state)
{
	static const char *const junk[] = {
		"{}",
		"{\"guests\": 5, \"uplinks\": [1], \"workers\": {\"a\": 1}, \"vrings\": 3}",
		"{\"guests\": [1, null, {\"name\": 3}], \"uplinks\": [{\"guests\": [1]}], "
		"\"workers\": [{\"queues\": [7]}]}",
		"{\"counters\": {\"queues\": [{\"drops\": [1]}], \"total\": 1}, "
		"\"features\": {\"negotiated_names\": [1, \"X\"], \"offered_names\": {}}, "
		"\"vrings\": [null, 1, {\"index\": \"zero\"}]}",
		"{\"guests\": {\"vm1\": {\"queues\": 1, \"total\": {\"drops\": {\"x\": \"y\"}}}}}",
		"{\"events\": [1, null, {\"kind\": [], \"reason\": 3}], \"dropped\": \"x\"}",
	};
	const fx_printer printers[] = {
		vctl_print_version, vctl_print_guest_list, vctl_print_guest_show,
		vctl_print_guest_add, vctl_print_guest_del, vctl_print_uplink_list,
		vctl_print_uplink_show, vctl_print_stats, vctl_print_workers, vctl_print_log_level,
		vctl_print_capture, vctl_print_guest_events, vctl_print_guest_why,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		for (size_t p = 0; p < sizeof(printers) / sizeof(printers[0]); p++)
			free(render(printers[p], junk[i], NULL));
}

static void
test_guest_events(void **state)
{
	static const char result[] = "{\"name\": \"vm1\", \"dropped\": 3, \"events\": ["
		"{\"seq\": 3, \"time\": \"2026-12-06T21:30:00.000001Z\", \"ts_ns\": 1, "
		"\"kind\": \"connect\", \"vid\": 0},"
		"{\"seq\": 4, \"time\": \"2026-12-06T21:30:00.000002Z\", \"ts_ns\": 2, "
		"\"kind\": \"kick-fd\", \"vring\": 1, \"fd\": true},"
		"{\"seq\": 5, \"time\": \"2026-12-06T21:30:00.000003Z\", \"ts_ns\": 3, "
		"\"kind\": \"refused\", \"request\": 31, \"reason\": \"no inflight\"}]}";

	(void)state;
	expect_output(vctl_print_guest_events, result, "{\"name\": \"vm1\"}",
		      "(3 older events dropped)\n"
		      "2026-12-06T21:30:00.000001Z connect vid=0\n"
		      "2026-12-06T21:30:00.000002Z kick-fd vring=1 fd=yes\n"
		      "2026-12-06T21:30:00.000003Z refused request=31 reason=\"no inflight\"\n");
	expect_output(vctl_print_guest_events, "{\"dropped\": 0, \"events\": []}", NULL,
		      "no events\n");
}

static void
test_guest_why(void **state)
{
	static const char result[] = "{\"name\": \"vm1\", \"summary\": \"vm1 lost 5 of 10 "
		"frames to it in the last 10 s (50.0 %): mostly guest slow: ...\", "
		"\"cause\": \"guest\", \"direction\": \"rx\", \"seconds\": 10.0, "
		"\"lost\": {\"rx\": {\"offered\": 10, \"delivered\": 5, \"guest\": 4, "
		"\"host\": 0, \"wire\": 0, \"policy\": 1}, \"tx\": {\"offered\": 7, "
		"\"delivered\": 7, \"guest\": 0, \"host\": 0, \"wire\": 0, \"policy\": 0}}, "
		"\"guest_slow_seconds\": 8.0, \"host_slow_seconds\": 0.0, "
		"\"tx_stall_seconds\": 0.0, \"worker\": 0, \"busy_pct\": 34, \"backlog\": -1}";

	(void)state;
	expect_output(vctl_print_guest_why, result, "{\"name\": \"vm1\"}",
		      "vm1 lost 5 of 10 frames to it in the last 10 s (50.0 %): mostly guest "
		      "slow: ...\n\n"
		      "  CAUSE    TO_GUEST  FROM_GUEST\n"
		      "  guest           4           0\n"
		      "  host            0           0\n"
		      "  wire            0           0\n"
		      "  policy          1           0\n"
		      "  lost            5           0\n"
		      "  offered        10           7\n"
		      "  stalls: guest slow 8.0 s (RX ring full or no buffer posted), host slow "
		      "0.0 s (worker saturated; guest TX ring full 0.0 s of it)\n"
		      "  worker 0 busy 34 % at most, uplink RX backlog unknown (the device does "
		      "not count it)\n");
}

static void
test_capture(void **state)
{
	static const char started[] = "{\"name\": \"vm1\", \"capture\": {\"file\": \"/tmp/vm1.pcapng\","
		" \"written\": 0, \"limit\": 100, \"lost\": 0}}";
	static const char stopped[] = "{\"name\": \"vm1\", \"capture\": {\"file\": \"/tmp/vm1.pcapng\","
		" \"written\": 5, \"limit\": 0, \"lost\": 2}}";
	char *out;

	(void)state;
	expect_output(vctl_print_capture, started, "{\"name\": \"vm1\", \"file\": \"/tmp/vm1.pcapng\"}",
		      "capture of guest vm1 started: /tmp/vm1.pcapng, 0 of 100 frames written, 0 lost\n");
	expect_output(vctl_print_capture, stopped, "{\"name\": \"vm1\"}",
		      "capture of guest vm1 stopped: /tmp/vm1.pcapng, 5 frames written, 2 lost\n");
	/* guest show: a capture line when the field is there. */
	out = render(vctl_print_guest_show, "{\"name\": \"vm1\", \"capture\": {\"file\": \"/f\", "
		     "\"written\": 1, \"limit\": 0, \"lost\": 0}}", NULL);
	assert_non_null(strstr(out, "  capture       /f, 1 frames written, 0 lost\n"));
	free(out);
	out = render(vctl_print_guest_show, "{\"name\": \"vm1\", \"capture\": null}", NULL);
	assert_non_null(strstr(out, "  capture       none\n"));
	free(out);
}

static void
test_small_printers(void **state)
{
	char *expected;

	(void)state;
	assert_int_equal(asprintf(&expected, "vhostd 0.1.0 (DPDK 22.11.11)\nvhostctl %s\n",
				  VHOSTD_VERSION) > 0, 1);
	expect_output(vctl_print_version, "{\"version\": \"0.1.0\", \"dpdk\": \"DPDK 22.11.11\"}",
		      NULL, expected);
	free(expected);
	expect_output(vctl_print_log_level, "{\"level\": \"debug\"}", NULL, "log level: debug\n");
	expect_output(vctl_print_guest_del, "{\"name\": \"vm1\", \"removed\": true}", NULL,
		      "guest vm1 removed\n");
	expect_output(vctl_print_guest_add,
		      "{\"name\": \"vm3\", \"socket\": \"/s/vm3.sock\", \"mode\": \"server\", "
		      "\"uplink\": \"up0\", \"state\": \"waiting\", \"persistent\": true}", NULL,
		      "guest vm3 added: socket /s/vm3.sock (server), uplink up0, state waiting, "
		      "saved\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_guest_list),
		cmocka_unit_test(test_uplinks),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_guest_show_running),
		cmocka_unit_test(test_guest_show_waiting),
		cmocka_unit_test(test_guest_show_checks),
		cmocka_unit_test(test_robust),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_guest_events),
		cmocka_unit_test(test_guest_why),
		cmocka_unit_test(test_small_printers),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
