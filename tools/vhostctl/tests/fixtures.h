/* SPDX-License-Identifier: BSD-3-Clause */
/* Canned results, shaped as docs/control-protocol.md describes them. */
#ifndef VHOSTCTL_FIXTURES_H
#define VHOSTCTL_FIXTURES_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define DROPS(rf, tf, nm, ud, sp, nr, ru) \
	"{\"guest_ring_full\": " #rf ", \"uplink_tx_full\": " #tf ", \"no_mbuf\": " #nm \
	", \"unknown_dst\": " #ud ", \"spoofed\": " #sp ", \"not_ready\": " #nr \
	", \"runt\": " #ru "}"

/* The counters of a total or of a queue: packets, bytes, then DROPS(...). */
#define COUNTS(rx_pkts, rx_bytes, tx_pkts, tx_bytes, drops) \
	"\"rx_pkts\": " #rx_pkts ", \"rx_bytes\": " #rx_bytes ", \"tx_pkts\": " #tx_pkts \
	", \"tx_bytes\": " #tx_bytes ", \"drops\": " drops

#define GUEST1_COUNTERS \
	"{\"total\": {" COUNTS(1500, 96000, 20, 1280, DROPS(12, 0, 0, 0, 0, 3, 0)) "}," \
	" \"queues\": [" \
	"  {\"queue\": 0, " COUNTS(1000, 64000, 20, 1280, DROPS(12, 0, 0, 0, 0, 3, 0)) "}," \
	"  {\"queue\": 1, " COUNTS(500, 32000, 0, 0, DROPS(0, 0, 0, 0, 0, 0, 0)) "}]}"

#define UPLINK0_COUNTERS \
	"{\"total\": {" COUNTS(1507, 96448, 20, 1280, DROPS(0, 0, 0, 7, 0, 0, 0)) "}," \
	" \"queues\": [" \
	"  {\"queue\": 0, " COUNTS(1507, 96448, 20, 1280, DROPS(0, 0, 0, 7, 0, 0, 0)) "}]}"

#define WAITING_COUNTERS \
	"{\"total\": {" COUNTS(0, 0, 0, 0, DROPS(0, 0, 0, 0, 0, 0, 0)) "}," \
	" \"queues\": [{\"queue\": 0, " COUNTS(0, 0, 0, 0, DROPS(0, 0, 0, 0, 0, 0, 0)) "}]}"

static const char fx_stats[] =
	"{\"guests\": {\"vm1\": " GUEST1_COUNTERS ", \"vm-2\": " WAITING_COUNTERS "},"
	" \"uplinks\": {\"up0\": " UPLINK0_COUNTERS "}}";

static const char fx_guest_list[] =
	"{\"guests\": ["
	" {\"name\": \"vm1\", \"socket\": \"/run/vhostd/vm1.sock\", \"mode\": \"server\","
	"  \"uplink\": \"up0\", \"mac\": \"52:54:00:12:34:56\", \"state\": \"running\","
	"  \"ring\": \"packed\", \"queues\": 2, \"pairs\": 2, \"persistent\": false,"
	"  \"source\": \"config\"},"
	" {\"name\": \"vm-2\", \"socket\": \"/run/vhostd/vm-2.sock\", \"mode\": \"client\","
	"  \"uplink\": \"up0\", \"mac\": null, \"state\": \"waiting\", \"ring\": null,"
	"  \"queues\": 1, \"pairs\": 0, \"persistent\": true, \"source\": \"runtime\"}]}";

static const char fx_workers[] =
	"{\"workers\": ["
	" {\"index\": 0, \"lcore\": 1, \"loops\": 1000000, \"busy_loops\": 4000,"
	"  \"busy_cycles\": 2000000, \"idle_cycles\": 98000000, \"pkts\": 40000,"
	"  \"cycles_per_pkt\": 50.0, \"busy_pct\": 2.04,"
	"  \"notify\": {\"mode\": \"adaptive\", \"asleep\": true, \"backoff\": false,"
	"   \"sleep_cycles\": 900000, \"switches\": 12, \"rechecks\": 2, \"sleeps\": 10,"
	"   \"wakeups\": 9, \"timeouts\": 1},"
	"  \"queues\": [{\"kind\": \"uplink\", \"name\": \"up0\", \"queue\": 0},"
	"             {\"kind\": \"guest\", \"name\": \"vm1\", \"queue\": 1}]},"
	" {\"index\": 1, \"lcore\": 3, \"loops\": 5, \"busy_loops\": 0, \"busy_cycles\": 0,"
	"  \"idle_cycles\": 700, \"pkts\": 0, \"cycles_per_pkt\": 0.0, \"busy_pct\": 0.0,"
	"  \"notify\": {\"mode\": \"poll\", \"asleep\": false, \"backoff\": false,"
	"   \"sleep_cycles\": 0, \"switches\": 0, \"rechecks\": 0, \"sleeps\": 0,"
	"   \"wakeups\": 0, \"timeouts\": 0},"
	"  \"queues\": [{\"kind\": \"guest\", \"name\": \"vm1\", \"queue\": 0}]}]}";

static const char fx_guest_show[] =
	"{\"name\": \"vm1\", \"socket\": \"/run/vhostd/vm1.sock\", \"mode\": \"server\","
	" \"uplink\": \"up0\", \"mac\": \"52:54:00:12:34:56\", \"state\": \"running\","
	" \"ring\": \"split\", \"queues\": 2, \"pairs\": 1, \"persistent\": true,"
	" \"source\": \"runtime\", \"vid\": 0, \"mac_check\": true, \"numa_node\": 0,"
	" \"mtu\": 1500, \"connects\": 3, \"disconnects\": 2, \"kicks\": 1,"
	" \"refused_connections\": 1,"
	" \"notify\": \"adaptive\","
	" \"features\": {\"offered\": \"0x170006f8028\", \"offered_names\": ["
	"   \"VIRTIO_NET_F_MTU\", \"VIRTIO_NET_F_MRG_RXBUF\", \"VIRTIO_RING_F_EVENT_IDX\","
	"   \"VIRTIO_F_VERSION_1\", \"VIRTIO_F_RING_PACKED\"],"
	"  \"pinned\": \"0x8000\", \"pinned_names\": [\"VIRTIO_NET_F_MRG_RXBUF\"],"
	"  \"negotiated\": \"0x100008000\", \"negotiated_names\": ["
	"   \"VIRTIO_NET_F_MRG_RXBUF\", \"VIRTIO_F_VERSION_1\"]},"
	" \"protocol_features\": {\"negotiated\": \"0x1\", \"names\": [\"VHOST_USER_PROTOCOL_F_MQ\"]},"
	" \"vrings\": ["
	"  {\"index\": 0, \"queue\": 0, \"direction\": \"rx\", \"enabled\": true, \"size\": 1024,"
	"   \"avail_idx\": 130, \"used_idx\": 123, \"used_event\": 0,"
	"   \"last_avail_idx\": 123, \"last_used_idx\": 123, \"kicks_suppressed\": true,"
	"   \"guest_suppresses_interrupts\": false, \"worker\": null, \"worker_asleep\": null},"
	"  {\"index\": 1, \"queue\": 0, \"direction\": \"tx\", \"enabled\": true, \"size\": 1024,"
	"   \"last_avail_idx\": 65535, \"last_used_idx\": 65530, \"kicks_suppressed\": true,"
	"   \"guest_suppresses_interrupts\": true, \"worker\": 1, \"worker_asleep\": false}],"
	" \"counters\": " GUEST1_COUNTERS "}";

/* A guest that never connected: runtime fields are null. */
static const char fx_guest_waiting[] =
	"{\"name\": \"vm-2\", \"socket\": \"/run/vhostd/vm-2.sock\", \"mode\": \"server\","
	" \"uplink\": \"up0\", \"mac\": null, \"state\": \"waiting\", \"ring\": null,"
	" \"queues\": 1, \"pairs\": 0, \"persistent\": false, \"source\": \"config\","
	" \"vid\": null, \"mac_check\": false, \"numa_node\": null, \"mtu\": null,"
	" \"connects\": 0, \"disconnects\": 0, \"kicks\": null,"
	" \"features\": {\"offered\": \"0x1\", \"offered_names\": [\"VIRTIO_NET_F_CSUM\"],"
	"  \"negotiated\": null, \"negotiated_names\": []},"
	" \"protocol_features\": {\"negotiated\": null, \"names\": null},"
	" \"vrings\": [], \"counters\": " WAITING_COUNTERS "}";

static const char fx_uplink_list[] =
	"{\"uplinks\": ["
	" {\"name\": \"up0\", \"device\": \"net_tap0,iface=vhostd0\", \"port\": 0,"
	"  \"driver\": \"net_tap\", \"rx_queues\": 1, \"tx_queues\": 2, \"numa_node\": 0,"
	"  \"link\": \"up\", \"guests\": [\"vm1\", \"vm-2\"]},"
	" {\"name\": \"vf1\", \"device\": \"0000:3b:02.1\", \"port\": 1,"
	"  \"driver\": \"net_iavf\", \"rx_queues\": 4, \"tx_queues\": 2, \"numa_node\": 1,"
	"  \"link\": \"down\", \"guests\": []}]}";

static const char fx_uplink_show[] =
	"{\"name\": \"up0\", \"device\": \"net_tap0,iface=vhostd0\", \"port\": 0,"
	" \"driver\": \"net_tap\", \"rx_queues\": 1, \"tx_queues\": 2, \"numa_node\": 0,"
	" \"link\": \"up\", \"guests\": [\"vm1\"], \"mac\": \"02:00:00:00:00:01\", \"mtu\": 1500,"
	" \"speed_mbps\": 10000, \"promiscuous\": true, \"counters\": " UPLINK0_COUNTERS "}";

static inline json_t *
fx_load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL) {
		fprintf(stderr, "fixture: %s at %d\n", err.text, err.position);
		abort();
	}
	return j;
}

/* A vhostctl printer (vhostctl.h: vctl_print_*). */
typedef int (*fx_printer)(FILE *f, const json_t *args, json_t *const results[]);

/* What print writes for args and results, as a string to free() (the test
 * file includes cmocka.h before this). */
static inline char *
fx_print(fx_printer print, const json_t *args, json_t *const results[])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(print(f, args, results), 0);
	fclose(f);
	return buf;
}

/* Each of lines (NULL-terminated) is somewhere in out. */
static inline void
fx_expect_lines(const char *out, const char *const lines[])
{
	for (size_t i = 0; lines[i] != NULL; i++)
		if (strstr(out, lines[i]) == NULL)
			fail_msg("no line '%s' in:\n%s", lines[i], out);
}

#endif
