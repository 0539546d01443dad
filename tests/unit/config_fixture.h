/* SPDX-License-Identifier: BSD-3-Clause */
/* What the config parser's unit tests share (test_config*.c): a heap
 * config, a parse that must succeed, and the snippets the cases build on. */
#ifndef VHOSTD_TEST_CONFIG_FIXTURE_H
#define VHOSTD_TEST_CONFIG_FIXTURE_H

/* A config is ~20 KiB: keep it off the test's stack. */
static inline struct config *
new_config(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	return cfg;
}

static inline struct config *
parse_ok(const char *text)
{
	struct config *cfg = new_config();
	char err[512] = "";
	int rc = config_parse_string(cfg, text, "t.conf", err, sizeof(err));

	if (rc != 0)
		print_error("unexpected error %d: %s\n", rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	return cfg;
}

#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define LONG_PATH "/" X100 "xxxxxxx"		/* 108 characters */
#define NAME_32	"abcdefghijklmnopqrstuvwxyz012345"

#define UP0	"[uplink up0]\ndevice = net_tap0\n"		/* lines 1-2 */
#define VM1	UP0 "[guest vm1]\nsocket = /run/vm1.sock\n"	/* lines 1-4 */

#define DAEMON_KEYS "cores, memory, hugepages, huge-dir, file-prefix, log-level, " \
	"control-socket, control-group, state-dir, mbufs, stats-interval, vring-stats, " \
	"max-guests, max-queue-pairs, idle-threshold-us, idle-backoff-max-us, guest-ring-wait-us, " \
	"rebalance-interval, rebalance-margin"
#define GUEST_KEYS "socket, mode, uplink, mac, mac-check, queues, features, " \
	"socket-owner, socket-group, socket-mode, notify, tx-rate, tx-pps, tx-burst, " \
	"rx-rate, rx-pps, rx-burst, mbufs, queue-affinity"
#define SECTIONS "[daemon], [uplink NAME] or [guest NAME]"
#define DEVICE_HINT "a PCI address like 0000:3b:02.1 or vdev devargs like net_tap0,iface=vhostd0"
#define NAME_RULE "1 to 31 characters from A-Z a-z 0-9 _ . -"

#endif
