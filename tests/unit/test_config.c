/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the config parser (src/lib/config.c): values, defaults,
 * comments, and the exact text of every error an operator can hit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhostd/config.h"
#include "vhostd/features.h"

#define BIT(n) (1ULL << (n))

/* Bits from features.c's table (virtio 1.2, 5.1.3 and 6). */
#define F_GUEST_CSUM	1
#define F_HOST_TSO4	11
#define F_MRG_RXBUF	15
#define F_PACKED_RING	34
#define F_IN_ORDER	35

static const char example_conf[] =
	"[daemon]\n"
	"cores = 1            # worker lcores; the main lcore is chosen apart from them\n"
	"control-socket = /run/vhostd/control.sock\n"
	"\n"
	"[uplink up0]\n"
	"device = net_tap0,iface=vhostd0     # or 0000:3b:02.1 for a VF\n"
	"queues = 1\n"
	"\n"
	"[guest vm1]\n"
	"socket = /run/vhostd/vm1.sock\n"
	"mode = server                        # or client\n"
	"uplink = up0\n"
	"mac = 52:54:00:12:34:56\n"
	"queues = 2\n"
	"features = -in-order, +packed-ring   # policy over the defaults\n";

/* A config is ~20 KiB: keep it off the test's stack. */
static struct config *
new_config(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	return cfg;
}

static struct config *
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

static void
assert_mac(const uint8_t *mac, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
	   uint8_t e, uint8_t f)
{
	const uint8_t want[6] = { a, b, c, d, e, f };

	assert_memory_equal(mac, want, sizeof(want));
}

static void
test_example(void **state)
{
	struct config *cfg = parse_ok(example_conf);
	const struct config_guest *g = &cfg->guests[0];
	const struct config_uplink *u = &cfg->uplinks[0];

	(void)state;
	assert_string_equal(cfg->path, "t.conf");
	assert_int_equal(cfg->daemon.nb_cores, 1);
	assert_int_equal(cfg->daemon.cores[0], 1);
	assert_string_equal(cfg->daemon.control_socket, "/run/vhostd/control.sock");

	assert_int_equal(cfg->nb_uplinks, 1);
	assert_string_equal(u->name, "up0");
	assert_string_equal(u->device, "net_tap0,iface=vhostd0");
	assert_int_equal(u->queues, 1);
	assert_int_equal(u->line, 5);

	assert_int_equal(cfg->nb_guests, 1);
	assert_string_equal(g->name, "vm1");
	assert_string_equal(g->socket, "/run/vhostd/vm1.sock");
	assert_int_equal(g->mode, GUEST_MODE_SERVER);
	assert_string_equal(g->uplink, "up0");
	assert_true(g->has_mac);
	assert_mac(g->mac, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
	assert_true(g->mac_check);
	assert_int_equal(g->queues, 2);
	assert_int_equal(g->features_on, BIT(F_PACKED_RING));
	assert_int_equal(g->features_off, BIT(F_IN_ORDER));
	assert_int_equal(g->line, 9);
	assert_ptr_equal(config_find_uplink(cfg, "up0"), u);
	assert_null(config_find_uplink(cfg, "up1"));
	free(cfg);
}

static void
assert_daemon_defaults(const struct config_daemon *d)
{
	assert_int_equal(d->nb_cores, 1);
	assert_int_equal(d->cores[0], 1);
	assert_int_equal(d->memory_mb, 256);
	assert_true(d->hugepages);
	assert_string_equal(d->huge_dir, "");
	assert_string_equal(d->file_prefix, "");
	assert_int_equal(d->log_level, 7);
	assert_string_equal(d->control_socket, "/run/vhostd/control.sock");
	assert_int_equal(d->mbufs, 0);
	assert_int_equal(d->stats_interval, 0);
	assert_int_equal(d->idle_threshold_us, 200);
	assert_int_equal(d->idle_backoff_max_us, 1000);
}

static void
test_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = new_config();
	config_init(cfg);
	assert_daemon_defaults(&cfg->daemon);
	assert_int_equal(cfg->nb_uplinks, 0);
	assert_int_equal(cfg->nb_guests, 0);
	free(cfg);

	/* An empty file and an empty [daemon] are the defaults, no guests. */
	cfg = parse_ok("");
	assert_daemon_defaults(&cfg->daemon);
	assert_int_equal(cfg->nb_uplinks, 0);
	assert_int_equal(cfg->nb_guests, 0);
	free(cfg);

	cfg = parse_ok("[daemon]\n[uplink u]\ndevice = net_null0\n"
		       "[guest g]\nsocket = /run/g.sock\n");
	assert_daemon_defaults(&cfg->daemon);
	assert_int_equal(cfg->uplinks[0].queues, 1);
	assert_int_equal(cfg->uplinks[0].rx_desc, 1024);
	assert_int_equal(cfg->uplinks[0].tx_desc, 1024);
	assert_int_equal(cfg->uplinks[0].mtu, 0);
	assert_int_equal(cfg->guests[0].mode, GUEST_MODE_SERVER);
	assert_string_equal(cfg->guests[0].uplink, "u");	/* the only uplink */
	assert_false(cfg->guests[0].has_mac);
	assert_false(cfg->guests[0].mac_check);
	assert_int_equal(cfg->guests[0].queues, 1);
	assert_int_equal(cfg->guests[0].features_on, 0);
	assert_int_equal(cfg->guests[0].features_off, 0);
	assert_int_equal(cfg->guests[0].notify, NOTIFY_ADAPTIVE);
	free(cfg);

	/* Notification modes, any case; the idle threshold may be 0. */
	cfg = parse_ok("[daemon]\nidle-threshold-us = 0\n[uplink u]\ndevice = net_null0\n"
		       "[guest a]\nsocket = /run/a.sock\nnotify = poll\n"
		       "[guest b]\nsocket = /run/b.sock\nnotify = Interrupt\n"
		       "[guest c]\nsocket = /run/c.sock\nnotify = adaptive\n");
	assert_int_equal(cfg->daemon.idle_threshold_us, 0);
	assert_int_equal(cfg->guests[0].notify, NOTIFY_POLL);
	assert_int_equal(cfg->guests[1].notify, NOTIFY_INTERRUPT);
	assert_int_equal(cfg->guests[2].notify, NOTIFY_ADAPTIVE);
	assert_string_equal(config_notify_mode_name(cfg->guests[0].notify), "poll");
	assert_string_equal(config_notify_mode_name(cfg->guests[1].notify), "interrupt");
	assert_string_equal(config_notify_mode_name(cfg->guests[2].notify), "adaptive");
	free(cfg);
	cfg = parse_ok("[daemon]\nidle-threshold-us = 1000000\n");
	assert_int_equal(cfg->daemon.idle_threshold_us, 1000000);
	free(cfg);
	cfg = parse_ok("[daemon]\nidle-backoff-max-us = 50\n");
	assert_int_equal(cfg->daemon.idle_backoff_max_us, 50);
	free(cfg);
	cfg = parse_ok("[daemon]\nidle-backoff-max-us = 100000\n");
	assert_int_equal(cfg->daemon.idle_backoff_max_us, 100000);
	free(cfg);

	/* Uplinks without guests are fine (guests can be added at runtime). */
	cfg = parse_ok("[uplink u]\ndevice = net_null0\n");
	assert_int_equal(cfg->nb_uplinks, 1);
	assert_int_equal(cfg->nb_guests, 0);
	free(cfg);
}

static void
test_embedded_default(void **state)
{
	struct config *cfg = parse_ok(config_embedded_default);

	(void)state;
	assert_int_equal(cfg->daemon.nb_cores, 1);
	assert_int_equal(cfg->daemon.cores[0], 1);
	assert_true(cfg->daemon.hugepages);
	assert_string_equal(cfg->daemon.control_socket, "/run/vhostd/control.sock");
	assert_int_equal(cfg->nb_uplinks, 1);
	assert_string_equal(cfg->uplinks[0].name, "up0");
	assert_string_equal(cfg->uplinks[0].device, "net_tap0,iface=vhostd0");
	assert_int_equal(cfg->nb_guests, 1);
	assert_string_equal(cfg->guests[0].name, "vm1");
	assert_string_equal(cfg->guests[0].socket, "/run/vhostd/vm1.sock");
	assert_int_equal(cfg->guests[0].mode, GUEST_MODE_SERVER);
	assert_string_equal(cfg->guests[0].uplink, "up0");
	assert_mac(cfg->guests[0].mac, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
	assert_true(cfg->guests[0].mac_check);
	assert_int_equal(cfg->guests[0].queues, 1);
	free(cfg);
}

static void
test_comments_values(void **state)
{
	struct config *cfg;

	(void)state;
	/* '#' or ';' start a comment at the start of a line or after a blank. */
	cfg = parse_ok("; full-line comment\n"
		       "# another one\n"
		       "   ; indented comment\n"
		       "[daemon]            ; the daemon\n"
		       "cores = 2-3         # worker lcores\n"
		       "memory = 512        ; MB per NUMA node\n"
		       "huge-dir = /dev/hugepages#1\n"
		       "[uplink up0]  # the only uplink\n"
		       "device = net_tap0,iface=a;b ;comment\n"
		       "queues = 4\t# after a tab\n");
	assert_int_equal(cfg->daemon.nb_cores, 2);
	assert_int_equal(cfg->daemon.cores[0], 2);
	assert_int_equal(cfg->daemon.cores[1], 3);
	assert_int_equal(cfg->daemon.memory_mb, 512);
	assert_string_equal(cfg->daemon.huge_dir, "/dev/hugepages#1");
	assert_string_equal(cfg->uplinks[0].device, "net_tap0,iface=a;b");
	assert_int_equal(cfg->uplinks[0].queues, 4);
	free(cfg);

	/* CRLF line ends, a UTF-8 BOM, blanks around '=' and values. */
	cfg = parse_ok("\xef\xbb\xbf[daemon]\r\n\tmemory\t=\t128\t\r\n\r\nlog-level=debug\r\n");
	assert_int_equal(cfg->daemon.memory_mb, 128);
	assert_int_equal(cfg->daemon.log_level, 8);
	free(cfg);
}

static void
test_cpu_lists(void **state)
{
	static const struct {
		const char *text;
		unsigned int nb;
		uint16_t cpus[8];
	} good[] = {
		{ "1", 1, { 1 } },
		{ "0", 1, { 0 } },
		{ "1-3,6", 4, { 1, 2, 3, 6 } },
		{ "6,1-2", 3, { 1, 2, 6 } },
		{ "0-1, 8 - 9", 4, { 0, 1, 8, 9 } },
		{ "1023", 1, { 1023 } },
		{ "5-5", 1, { 5 } },
	};
	static const char *const bad[] = {
		"", " ", "1-", "-1", "+1", "a", "1,,2", "1,", ",1", "1 2", "3-1",
		"1024", "0-1024", "1,1", "1-3,2", "0x1", "1.5", "99999999999999999999999",
	};
	uint16_t cpus[VHOSTD_MAX_WORKERS];
	unsigned int nb;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		nb = 0;
		assert_int_equal(config_parse_cpu_list(good[i].text, cpus,
						       VHOSTD_MAX_WORKERS, &nb), 0);
		assert_int_equal(nb, good[i].nb);
		assert_memory_equal(cpus, good[i].cpus, nb * sizeof(cpus[0]));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nb = 77;
		if (config_parse_cpu_list(bad[i], cpus, VHOSTD_MAX_WORKERS, &nb) != -EINVAL)
			fail_msg("cpu list '%s' accepted", bad[i]);
		assert_int_equal(nb, 77);	/* untouched on error */
	}
	/* More CPUs than the caller has room for. */
	assert_int_equal(config_parse_cpu_list("0-3", cpus, 4, &nb), 0);
	assert_int_equal(config_parse_cpu_list("0-4", cpus, 4, &nb), -EINVAL);
	assert_int_equal(config_parse_cpu_list(NULL, cpus, 4, &nb), -EINVAL);
}

static void
test_parse_mac(void **state)
{
	static const char *const bad[] = {
		"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56",
		"5:54:00:12:34:56", "52:54:00:12:34:5g", "52:54:00:12:34:56 ",
		"525400123456", "52:54:00:12:34:567",
	};
	uint8_t mac[6] = { 0 };

	(void)state;
	assert_int_equal(config_parse_mac("52:54:00:12:34:56", mac), 0);
	assert_mac(mac, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
	assert_int_equal(config_parse_mac("FE:dc:BA:98:76:54", mac), 0);
	assert_mac(mac, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54);
	/* Syntax only: group addresses are the config's business. */
	assert_int_equal(config_parse_mac("ff:ff:ff:ff:ff:ff", mac), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 0xaa, sizeof(mac));
		if (config_parse_mac(bad[i], mac) != -EINVAL)
			fail_msg("MAC '%s' accepted", bad[i]);
		assert_mac(mac, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa);
	}
}

static void
test_values(void **state)
{
	static const char *const levels[] = {
		"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
	};
	static const struct {
		const char *text;
		bool value;
	} bools[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
		{ "on", true }, { "off", false }, { "1", true }, { "0", false },
		{ "YES", true }, { "Off", false },
	};
	struct config *cfg;
	char text[256];

	(void)state;
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof(text), "[daemon]\nlog-level = %s\n", levels[i]);
		cfg = parse_ok(text);
		assert_int_equal(cfg->daemon.log_level, i + 1);
		free(cfg);
		snprintf(text, sizeof(text), "[daemon]\nlog-level = %d\n", i + 1);
		cfg = parse_ok(text);
		assert_int_equal(cfg->daemon.log_level, i + 1);
		free(cfg);
	}
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		snprintf(text, sizeof(text), "[daemon]\nhugepages = %s\n", bools[i].text);
		cfg = parse_ok(text);
		assert_int_equal(cfg->daemon.hugepages, bools[i].value);
		free(cfg);
	}

	cfg = parse_ok("[daemon]\n"
		       "cores = 2-4,8\n"
		       "memory = 65536\n"
		       "hugepages = no\n"
		       "huge-dir = /mnt/huge\n"
		       "file-prefix = vhostd_A-1\n"
		       "control-socket = /tmp/ctl.sock\n"
		       "mbufs = 1048576\n"
		       "stats-interval = 86400\n"
		       "[uplink up0]\n"
		       "device = 0000:3b:02.1\n"
		       "queues = 16\n"
		       "rx-descriptors = 64\n"
		       "tx-descriptors = 4096\n"
		       "mtu = 9600\n"
		       "[guest vm1]\n"
		       "socket = /tmp/vm1.sock\n"
		       "mode = CLIENT\n"
		       "mac = 02:00:00:00:00:01\n"
		       "mac-check = no\n"
		       "queues = 16\n"
		       "features =\n");
	assert_int_equal(cfg->daemon.nb_cores, 4);
	assert_int_equal(cfg->daemon.cores[3], 8);
	assert_int_equal(cfg->daemon.memory_mb, 65536);
	assert_false(cfg->daemon.hugepages);
	assert_string_equal(cfg->daemon.huge_dir, "/mnt/huge");
	assert_string_equal(cfg->daemon.file_prefix, "vhostd_A-1");
	assert_string_equal(cfg->daemon.control_socket, "/tmp/ctl.sock");
	assert_int_equal(cfg->daemon.mbufs, 1048576);
	assert_int_equal(cfg->daemon.stats_interval, 86400);
	assert_string_equal(cfg->uplinks[0].device, "0000:3b:02.1");
	assert_int_equal(cfg->uplinks[0].queues, 16);
	assert_int_equal(cfg->uplinks[0].rx_desc, 64);
	assert_int_equal(cfg->uplinks[0].tx_desc, 4096);
	assert_int_equal(cfg->uplinks[0].mtu, 9600);
	assert_int_equal(cfg->guests[0].mode, GUEST_MODE_CLIENT);
	assert_true(cfg->guests[0].has_mac);
	assert_false(cfg->guests[0].mac_check);
	assert_int_equal(cfg->guests[0].queues, 16);
	free(cfg);

	/* Lower bounds, and 0 where it means "automatic". */
	cfg = parse_ok("[daemon]\nmemory = 64\nmbufs = 1024\n"
		       "[uplink up0]\ndevice = net_null0\nmtu = 68\n");
	assert_int_equal(cfg->daemon.memory_mb, 64);
	assert_int_equal(cfg->daemon.mbufs, 1024);
	assert_int_equal(cfg->uplinks[0].mtu, 68);
	free(cfg);
	cfg = parse_ok("[daemon]\nmbufs = 0\nstats-interval = 0\nfile-prefix =\n");
	assert_int_equal(cfg->daemon.mbufs, 0);
	free(cfg);
}

static void
test_features_policy(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[uplink up0]\ndevice = net_null0\n"
		       "[guest vm1]\nsocket = /run/vm1.sock\n"
		       "features = +guest-csum host-tso4,-mrg-rxbuf  -in-order\n"
		       "[guest vm2]\nsocket = /run/vm2.sock\n");
	assert_int_equal(cfg->guests[0].features_on, BIT(F_GUEST_CSUM) | BIT(F_HOST_TSO4));
	assert_int_equal(cfg->guests[0].features_off, BIT(F_MRG_RXBUF) | BIT(F_IN_ORDER));
	assert_int_equal(cfg->guests[1].features_on, 0);
	assert_int_equal(cfg->guests[1].features_off, 0);
	free(cfg);
}

static void
test_cross_references(void **state)
{
	struct config *cfg;

	(void)state;
	/* Guests may come before their uplink; names are per section type. */
	cfg = parse_ok("[guest up0]\nsocket = /run/a.sock\nuplink = up1\n"
		       "mac = 52:54:00:00:00:01\n"
		       "[guest b]\nsocket = /run/b.sock\nuplink = up0\n"
		       "mac = 52:54:00:00:00:01\n"
		       "[uplink up0]\ndevice = net_tap0\n"
		       "[uplink up1]\ndevice = net_tap1\n");
	assert_int_equal(cfg->nb_guests, 2);
	assert_string_equal(cfg->guests[0].uplink, "up1");
	assert_string_equal(cfg->guests[1].uplink, "up0");
	assert_string_equal(config_find_uplink(cfg, "up1")->device, "net_tap1");
	free(cfg);

	/* Longest names, and same MAC on different uplinks. */
	cfg = parse_ok("[uplink abcdefghijklmnopqrstuvwxyz.-_01]\ndevice = 0000:3b:02.1\n"
		       "[uplink b]\ndevice = 0000:3b:02.2\n"
		       "[guest abcdefghijklmnopqrstuvwxyz.-_01]\nsocket = /run/a.sock\n"
		       "uplink = abcdefghijklmnopqrstuvwxyz.-_01\n");
	assert_string_equal(cfg->guests[0].name, "abcdefghijklmnopqrstuvwxyz.-_01");
	free(cfg);
}

static void
test_limits(void **state)
{
	char *text = malloc(16384);
	char err[512];
	struct config *cfg = new_config();
	size_t n;

	(void)state;
	assert_non_null(text);
	n = 0;
	for (int i = 0; i < VHOSTD_MAX_UPLINKS + 1; i++)
		n += (size_t)snprintf(text + n, 16384 - n,
				      "[uplink u%d]\ndevice = net_null%d\n", i, i);
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:33: [uplink u16]: too many [uplink] sections (expected at most 16)");

	/* The longest socket path that fits sun_path with its NUL. */
	n = (size_t)snprintf(text, 16384, "[daemon]\ncontrol-socket = /");
	memset(text + n, 'x', VHOSTD_PATH_MAX - 2);
	text[n + VHOSTD_PATH_MAX - 2] = '\0';
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(strlen(cfg->daemon.control_socket), VHOSTD_PATH_MAX - 1);

	/* libinih's line buffer bounds key + value; say so instead of cutting. */
	n = (size_t)snprintf(text, 16384, "[daemon]\n[uplink up0]\ndevice = net_tap0,iface=");
	memset(text + n, 'x', 240);
	text[n + 240] = '\0';
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	{
		static const char want[] =
			"t.conf:3: [uplink up0] device: line too long (expected key and value within ";

		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("got '%s'", err);
	}

	/* Overlong comment lines are fine: comments never reach libinih. */
	n = (size_t)snprintf(text, 16384, "[daemon] ; ");
	memset(text + n, 'c', 1000);
	snprintf(text + n + 1000, 16384 - n - 1000, "\nmemory = 128\n");
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg->daemon.memory_mb, 128);

	free(cfg);
	free(text);
}

/* The guest ceiling: librte_vhost's poll set of 1023 usable entries, two
 * per server-mode guest, one per client-mode guest (limits.h). */
static void
test_guest_ceiling(void **state)
{
	const size_t len = 1 << 17;
	char *text = malloc(len);
	char err[512];
	struct config *cfg = new_config();
	const struct config_guest **others = calloc(VHOSTD_MAX_GUESTS, sizeof(*others));
	struct config_guest g;
	unsigned int seen = 0;
	size_t n;

	(void)state;
	assert_non_null(text);
	assert_non_null(others);
	n = (size_t)snprintf(text, len, "[daemon]\nmax-guests = 1023\n[uplink up0]\n"
			     "device = net_null0\n");
	for (int i = 0; i < 511; i++)
		n += (size_t)snprintf(text + n, len - n, "[guest g%d]\nsocket = /run/g%d.sock\n",
				      i, i);
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg->nb_guests, 511);
	/* guest.add: one more server-mode guest does not fit, a client-mode one does. */
	for (unsigned int i = 0; i < cfg->nb_guests; i++)
		others[i] = &cfg->guests[i];
	assert_int_equal(config_guest_new(&g, "g511", err, sizeof(err)), 0);
	assert_int_equal(config_guest_set(&g, "socket", "/run/g511.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, others, 511, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "[guest g511]: no room in librte_vhost's poll set: the guests "
			    "before take 1022 of its 1023 entries, and a server-mode guest takes "
			    "2 (lib/vhost/fd_man.h MAX_FDS: at most 511 guests in server mode, "
			    "1023 in client mode)");
	assert_int_equal(config_guest_set(&g, "mode", "client", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, others, 511, err, sizeof(err)), 0);
	/* The file: the 512th server-mode guest is refused at config check. */
	snprintf(text + n, len - n, "[guest g511]\nsocket = /run/g511.sock\n");
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1027: [guest g511]: no room in librte_vhost's poll set: "
			    "the guests before take 1022 of its 1023 entries, and a server-mode "
			    "guest takes 2 (lib/vhost/fd_man.h MAX_FDS: at most 511 guests in "
			    "server mode, 1023 in client mode)");

	/* All in client mode: 1023, then the section limit. */
	n = (size_t)snprintf(text, len, "[daemon]\nmax-guests = 1023\n[uplink up0]\n"
			     "device = net_null0\n");
	for (int i = 0; i < VHOSTD_MAX_GUESTS; i++)
		n += (size_t)snprintf(text + n, len - n, "[guest g%d]\nsocket = /run/g%d.sock\n"
				      "mode = client\n", i, i);
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg->nb_guests, VHOSTD_MAX_GUESTS);
	snprintf(text + n, len - n, "[guest one-more]\nsocket = /run/x.sock\nmode = client\n");
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3074: [guest one-more]: too many [guest] sections "
			    "(expected at most 1023)");

	/* The default max-guests, 64, bounds a file without the key. */
	n = (size_t)snprintf(text, len, "[uplink up0]\ndevice = net_null0\n");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(text + n, len - n, "[guest g%d]\nsocket = /run/g%d.sock\n",
				      i, i);
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:131: [guest g64]: more [guest] sections than [daemon] "
			    "max-guests = 64 (expected at most 64, or a larger max-guests)");
	free(others);
	free(cfg);
	free(text);
}

#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define LONG_PATH "/" X100 "xxxxxxx"		/* 108 characters */
#define NAME_32	"abcdefghijklmnopqrstuvwxyz012345"

#define UP0	"[uplink up0]\ndevice = net_tap0\n"		/* lines 1-2 */
#define VM1	UP0 "[guest vm1]\nsocket = /run/vm1.sock\n"	/* lines 1-4 */

#define DAEMON_KEYS "cores, memory, hugepages, huge-dir, file-prefix, log-level, " \
	"control-socket, control-group, state-dir, mbufs, stats-interval, vring-stats, " \
	"max-guests, max-queue-pairs, idle-threshold-us, idle-backoff-max-us, " \
	"rebalance-interval, rebalance-margin"
#define GUEST_KEYS "socket, mode, uplink, mac, mac-check, queues, features, " \
	"socket-owner, socket-group, socket-mode, notify, tx-rate, tx-pps, tx-burst, " \
	"rx-rate, rx-pps, rx-burst, mbufs, queue-affinity"
#define SECTIONS "[daemon], [uplink NAME] or [guest NAME]"
#define DEVICE_HINT "a PCI address like 0000:3b:02.1 or vdev devargs like net_tap0,iface=vhostd0"
#define NAME_RULE "1 to 31 characters from A-Z a-z 0-9 _ . -"

static const struct {
	const char *text;
	const char *error;
} invalid[] = {
	/* [daemon] values */
	{ "[daemon]\ncores = 1-\n",
	  "t.conf:2: [daemon] cores: '1-' is not a CPU list (expected CPU ids and ranges like 1-3,6)" },
	{ "[daemon]\ncores =\n",
	  "t.conf:2: [daemon] cores: '' is not a CPU list (expected CPU ids and ranges like 1-3,6)" },
	{ "[daemon]\ncores = 1,,2\n",
	  "t.conf:2: [daemon] cores: '1,,2' is not a CPU list (expected CPU ids and ranges like 1-3,6)" },
	{ "[daemon]\ncores = 1024\n",
	  "t.conf:2: [daemon] cores: CPU 1024 is out of range (expected ids 0 to 1023)" },
	{ "[daemon]\ncores = 0-32\n",
	  "t.conf:2: [daemon] cores: 33 CPUs listed (expected at most 32)" },
	{ "[daemon]\ncores = 3-1\n",
	  "t.conf:2: [daemon] cores: '3-1' is a reversed range (expected LOW-HIGH)" },
	{ "[daemon]\ncores = 1-3,2\n",
	  "t.conf:2: [daemon] cores: CPU 2 is listed twice" },
	{ "[daemon]\nmemory = 32\n",
	  "t.conf:2: [daemon] memory: '32' is out of range (expected 64 to 65536 MB)" },
	{ "[daemon]\nmemory = 512M\n",
	  "t.conf:2: [daemon] memory: '512M' is not an integer (expected 64 to 65536 MB)" },
	{ "[daemon]\nmemory = -256\n",
	  "t.conf:2: [daemon] memory: '-256' is not an integer (expected 64 to 65536 MB)" },
	{ "[daemon]\nmemory = 18446744073709551617\n",
	  "t.conf:2: [daemon] memory: '18446744073709551617' is out of range (expected 64 to 65536 MB)" },
	{ "[daemon]\nhugepages = maybe\n",
	  "t.conf:2: [daemon] hugepages: 'maybe' is not a boolean (expected yes, no, true, false, on, off, 1 or 0)" },
	{ "[daemon]\nhuge-dir = hugepages\n",
	  "t.conf:2: [daemon] huge-dir: 'hugepages' is not an absolute path (expected a path starting with /)" },
	{ "[daemon]\nfile-prefix = a/b\n",
	  "t.conf:2: [daemon] file-prefix: 'a/b' is not a valid file prefix (expected up to 63 characters from A-Z a-z 0-9 _ -)" },
	{ "[daemon]\nfile-prefix = " X10 X10 X10 X10 X10 X10 "xxxx\n",
	  "t.conf:2: [daemon] file-prefix: '" X10 X10 X10 X10 X10 X10 "xxxx' is not a valid file prefix (expected up to 63 characters from A-Z a-z 0-9 _ -)" },
	{ "[daemon]\nlog-level = loud\n",
	  "t.conf:2: [daemon] log-level: 'loud' is not a log level (expected emergency, alert, critical, error, warning, notice, info, debug or 1 to 8)" },
	{ "[daemon]\nlog-level = 9\n",
	  "t.conf:2: [daemon] log-level: '9' is not a log level (expected emergency, alert, critical, error, warning, notice, info, debug or 1 to 8)" },
	{ "[daemon]\ncontrol-socket = run/vhostd.sock\n",
	  "t.conf:2: [daemon] control-socket: 'run/vhostd.sock' is not an absolute path (expected a path starting with /)" },
	{ "[daemon]\ncontrol-socket = " LONG_PATH "\n",
	  "t.conf:2: [daemon] control-socket: '" LONG_PATH "' is too long (108 characters, expected at most 107)" },
	{ "[daemon]\ncontrol-group = 9wheel\n",
	  "t.conf:2: [daemon] control-group: '9wheel' is not a group name (expected 1 to 31 characters from a-z 0-9 _ -, not starting with a digit or -)" },
	{ "[daemon]\nstate-dir = var/lib/vhostd\n",
	  "t.conf:2: [daemon] state-dir: 'var/lib/vhostd' is not an absolute path (expected a path starting with /)" },
	{ "[daemon]\nmbufs = 100\n",
	  "t.conf:2: [daemon] mbufs: '100' is out of range (expected 0 or 1024 to 1048576)" },
	{ "[daemon]\nstats-interval = 86401\n",
	  "t.conf:2: [daemon] stats-interval: '86401' is out of range (expected 0 to 86400 seconds)" },

	/* keys and lines */
	{ "[daemon]\nworkers = 2\n",
	  "t.conf:2: [daemon] workers: unknown key (expected one of: " DAEMON_KEYS ")" },
	{ "[daemon]\nlog:level = 1\n",
	  "t.conf:2: [daemon] log:level: unknown key (expected one of: " DAEMON_KEYS ")" },
	{ "[daemon]\ncores = 1\nmemory = 128\ncores = 2\n",
	  "t.conf:4: [daemon] cores: set twice (first on line 2)" },
	{ "cores = 1\n",
	  "t.conf:1: cores: key outside a section (expected a " SECTIONS " header before it)" },
	{ "[daemon]\nhugepages\n",
	  "t.conf:2: [daemon]: 'hugepages' is not a key = value line, a [section] header or a comment" },
	{ "[daemon]\ncores = 1\n  2\n",
	  "t.conf:3: [daemon]: '2' is not a key = value line, a [section] header or a comment" },
	{ "[daemon]\n= 1\n",
	  "t.conf:2: [daemon]: '= 1' has no key before '='" },
	{ "[daemon]\ncores = 1\x01\n",
	  "t.conf:2: [daemon]: control character 0x01 in the line (expected plain text)" },
	/* Found by tests/fuzz/fuzz_config (regress/config/latin1-socket-path):
	 * accepted, it made the guest vanish from the control protocol's JSON. */
	{ "[uplink u]\ndevice = net_null0\n[guest g]\nsocket = /run/caf\xe9.sock ; \xe9\n",
	  "t.conf:4: [guest g]: byte 0xe9 is not UTF-8 (expected UTF-8 text)" },
	{ "[daemon]\nstate-dir = /var/lib/\xed\xa0\x80\n",	/* a UTF-16 surrogate */
	  "t.conf:2: [daemon]: byte 0xed is not UTF-8 (expected UTF-8 text)" },
	{ "; comment\n\n# comment\n[daemon] ; x\nmemory = 1 ; one MB\n",
	  "t.conf:5: [daemon] memory: '1' is out of range (expected 64 to 65536 MB)" },
	{ UP0 "mtu = 9000#\n",	/* no blank before '#': part of the value */
	  "t.conf:3: [uplink up0] mtu: '9000#' is not an integer (expected 0 or 68 to 9600)" },
	{ "[daemon]\r\nmemory = 8\r\n",
	  "t.conf:2: [daemon] memory: '8' is out of range (expected 64 to 65536 MB)" },

	/* section headers */
	{ "[daemon]\n[daemon]\n",
	  "t.conf:2: [daemon]: duplicate section (first on line 1)" },
	{ "[daemon main]\n",
	  "t.conf:1: [daemon main]: [daemon] takes no name" },
	{ "[guest]\n",
	  "t.conf:1: [guest]: missing name (expected [guest NAME])" },
	{ "[uplink ]\n",
	  "t.conf:1: [uplink]: missing name (expected [uplink NAME])" },
	{ "[switch sw0]\n",
	  "t.conf:1: [switch sw0]: unknown section type 'switch' (expected " SECTIONS ")" },
	{ "[guest vm/1]\n",
	  "t.conf:1: [guest vm/1]: 'vm/1' is not a valid name (expected " NAME_RULE ")" },
	{ "[guest vm 1]\n",
	  "t.conf:1: [guest vm 1]: 'vm 1' is not a valid name (expected " NAME_RULE ")" },
	{ "[uplink " NAME_32 "]\n",
	  "t.conf:1: [uplink " NAME_32 "]: '" NAME_32 "' is not a valid name (expected " NAME_RULE ")" },
	{ "[guest vm1\n",
	  "t.conf:1: '[guest vm1' is not a section header (expected " SECTIONS " alone on the line)" },
	{ "[guest vm1] x\n",
	  "t.conf:1: '[guest vm1] x' is not a section header (expected " SECTIONS " alone on the line)" },
	{ "[]\n",
	  "t.conf:1: []: empty section header (expected " SECTIONS ")" },
	{ UP0 "[uplink up0]\n",
	  "t.conf:3: [uplink up0]: duplicate section (first on line 1)" },

	/* [uplink NAME] */
	{ "[uplink up0]\nqueues = 2\n",
	  "t.conf:1: [uplink up0]: missing required key 'device' (expected " DEVICE_HINT ")" },
	{ "[uplink up0]\ndevice =\n",
	  "t.conf:2: [uplink up0] device: empty (expected " DEVICE_HINT ")" },
	{ UP0 "queues = 0\n",
	  "t.conf:3: [uplink up0] queues: '0' is out of range (expected 1 to 16)" },
	{ UP0 "queues = 17\n",
	  "t.conf:3: [uplink up0] queues: '17' is out of range (expected 1 to 16)" },
	{ UP0 "rx-descriptors = 1000\n",
	  "t.conf:3: [uplink up0] rx-descriptors: '1000' is not a power of two (expected a power of two from 64 to 4096)" },
	{ UP0 "tx-descriptors = 8192\n",
	  "t.conf:3: [uplink up0] tx-descriptors: '8192' is out of range (expected a power of two from 64 to 4096)" },
	{ UP0 "mtu = 50\n",
	  "t.conf:3: [uplink up0] mtu: '50' is out of range (expected 0 or 68 to 9600)" },
	{ UP0 "[uplink up1]\ndevice = net_tap0,iface=other\n",
	  "t.conf:4: [uplink up1] device: 'net_tap0,iface=other' is the same device as [uplink up0] (line 2)" },
	{ "[uplink a]\ndevice = 0000:3B:02.1\n[uplink b]\ndevice = 3b:02.1\n",
	  "t.conf:4: [uplink b] device: '3b:02.1' is the same device as [uplink a] (line 2)" },

	/* [guest NAME] */
	{ UP0 "[guest vm1]\nmode = server\n",
	  "t.conf:3: [guest vm1]: missing required key 'socket' (expected the vhost-user socket path, e.g. socket = /run/vhostd/vm1.sock)" },
	{ UP0 "[guest vm1]\nsocket = vm1.sock\n",
	  "t.conf:4: [guest vm1] socket: 'vm1.sock' is not an absolute path (expected a path starting with /)" },
	{ UP0 "[guest vm1]\nsocket = " LONG_PATH "\n",
	  "t.conf:4: [guest vm1] socket: '" LONG_PATH "' is too long (108 characters, expected at most 107)" },
	{ VM1 "mode = both\n",
	  "t.conf:5: [guest vm1] mode: 'both' is not a mode (expected server or client)" },
	{ VM1 "uplink = up9\n",
	  "t.conf:5: [guest vm1] uplink: 'up9' is not a configured uplink (expected one of: up0)" },
	{ VM1 "uplink = up 0\n",
	  "t.conf:5: [guest vm1] uplink: 'up 0' is not a valid uplink name (expected " NAME_RULE ")" },
	{ "[guest vm1]\nsocket = /run/vm1.sock\nuplink = up0\n",
	  "t.conf:3: [guest vm1] uplink: 'up0' is not a configured uplink (the file has no [uplink NAME] section)" },
	{ UP0 "[uplink up1]\ndevice = net_tap1\n[guest vm1]\nsocket = /run/vm1.sock\n",
	  "t.conf:5: [guest vm1]: missing required key 'uplink' (expected one of: up0, up1; it may be left out only when there is a single uplink)" },
	{ "[guest vm1]\nsocket = /run/vm1.sock\n",
	  "t.conf:1: [guest vm1]: no uplink to attach to (expected an [uplink NAME] section in the file)" },
	{ VM1 "mac = zz:00\n",
	  "t.conf:5: [guest vm1] mac: 'zz:00' is not a MAC address (expected six hex octets like 52:54:00:12:34:56)" },
	{ VM1 "mac = 01:00:5e:00:00:01\n",
	  "t.conf:5: [guest vm1] mac: '01:00:5e:00:00:01' is a multicast address (expected a unicast address: low bit of the first octet clear)" },
	{ VM1 "mac = ff:ff:ff:ff:ff:ff\n",
	  "t.conf:5: [guest vm1] mac: 'ff:ff:ff:ff:ff:ff' is a multicast address (expected a unicast address: low bit of the first octet clear)" },
	{ VM1 "mac = 00:00:00:00:00:00\n",
	  "t.conf:5: [guest vm1] mac: '00:00:00:00:00:00' is all zeros (expected the guest's unicast address)" },
	{ VM1 "mac-check = yes\nqueues = 2\n",
	  "t.conf:5: [guest vm1] mac-check: is on but no mac is set (expected a mac = xx:xx:xx:xx:xx:xx line, or mac-check = no)" },
	{ VM1 "queues = 0\n",
	  "t.conf:5: [guest vm1] queues: '0' is out of range (expected 1 to 16)" },
	{ VM1 "device = net_tap1\n",
	  "t.conf:5: [guest vm1] device: unknown key (expected one of: " GUEST_KEYS ")" },
	{ VM1 "features = +turbo\n",
	  "t.conf:5: [guest vm1] features: unknown feature 'turbo'" },
	{ VM1 "features = +in-order -in-order\n",
	  "t.conf:5: [guest vm1] features: feature 'in-order' both added and removed" },
	{ VM1 "notify = sometimes\n",
	  "t.conf:5: [guest vm1] notify: 'sometimes' is not a notification mode (expected adaptive, interrupt or poll)" },
	{ VM1 "notify =\n",
	  "t.conf:5: [guest vm1] notify: '' is not a notification mode (expected adaptive, interrupt or poll)" },
	{ VM1 "notify = poll\nnotify = adaptive\n",
	  "t.conf:6: [guest vm1] notify: set twice (first on line 5)" },
	{ "[daemon]\nidle-threshold-us = 1000001\n",
	  "t.conf:2: [daemon] idle-threshold-us: '1000001' is out of range (expected 0 to 1000000 microseconds)" },
	{ "[daemon]\nidle-threshold-us = 200us\n",
	  "t.conf:2: [daemon] idle-threshold-us: '200us' is not an integer (expected 0 to 1000000 microseconds)" },
	{ "[daemon]\nidle-backoff-max-us = 49\n",
	  "t.conf:2: [daemon] idle-backoff-max-us: '49' is out of range (expected 50 to 100000 microseconds)" },
	{ "[daemon]\nidle-backoff-max-us = 100001\n",
	  "t.conf:2: [daemon] idle-backoff-max-us: '100001' is out of range (expected 50 to 100000 microseconds)" },
	{ "[daemon]\nidle-backoff-max-us = 1ms\n",
	  "t.conf:2: [daemon] idle-backoff-max-us: '1ms' is not an integer (expected 50 to 100000 microseconds)" },
	{ VM1 "[guest vm2]\nsocket = /run/vm1.sock\n",
	  "t.conf:6: [guest vm2] socket: '/run/vm1.sock' is already used by [guest vm1] (line 4)" },

	/* Caps, socket owner, group and mode (docs/security.md) */
	{ "[daemon]\nmax-guests = 0\n",
	  "t.conf:2: [daemon] max-guests: '0' is out of range (expected 1 to 1023)" },
	{ "[daemon]\nmax-guests = 1024\n",
	  "t.conf:2: [daemon] max-guests: '1024' is out of range (expected 1 to 1023)" },
	{ "[daemon]\nmax-queue-pairs = 17\n",
	  "t.conf:2: [daemon] max-queue-pairs: '17' is out of range (expected 1 to 16)" },
	{ "[daemon]\nmax-guests = 1\n" VM1 "[guest vm2]\nsocket = /run/vm2.sock\n",
	  "t.conf:7: [guest vm2]: more [guest] sections than [daemon] max-guests = 1 (expected at most 1, or a larger max-guests)" },
	{ "[daemon]\nmax-queue-pairs = 2\n" VM1 "queues = 4\n",
	  "t.conf:7: [guest vm1] queues: 4 is more than [daemon] max-queue-pairs = 2" },
	{ "[daemon]\ncontrol-group = nosuchgroup-vhostd\n",
	  "t.conf:2: [daemon] control-group: no group 'nosuchgroup-vhostd' on this host (expected a name that `getent group nosuchgroup-vhostd` finds, e.g. kvm)" },
	{ VM1 "socket-owner = nosuchuser-vhostd\n",
	  "t.conf:5: [guest vm1] socket-owner: no user 'nosuchuser-vhostd' on this host (expected a name that `getent passwd nosuchuser-vhostd` finds, e.g. libvirt-qemu)" },
	{ VM1 "socket-owner = Root\n",
	  "t.conf:5: [guest vm1] socket-owner: 'Root' is not a user name (expected 1 to 31 characters from a-z 0-9 _ -, not starting with a digit or -)" },
	{ VM1 "socket-owner =\n",
	  "t.conf:5: [guest vm1] socket-owner: '' is not a user name (expected 1 to 31 characters from a-z 0-9 _ -, not starting with a digit or -)" },
	{ VM1 "socket-group = nosuchgroup-vhostd\n",
	  "t.conf:5: [guest vm1] socket-group: no group 'nosuchgroup-vhostd' on this host (expected a name that `getent group nosuchgroup-vhostd` finds, e.g. kvm)" },
	{ VM1 "socket-group = " NAME_32 "\n",
	  "t.conf:5: [guest vm1] socket-group: '" NAME_32 "' is not a group name (expected 1 to 31 characters from a-z 0-9 _ -, not starting with a digit or -)" },
	{ VM1 "socket-mode = 0999\n",
	  "t.conf:5: [guest vm1] socket-mode: '0999' is not a socket mode (expected permission bits in octal, 0 to 0777, e.g. 0660)" },
	{ VM1 "socket-mode = 1777\n",
	  "t.conf:5: [guest vm1] socket-mode: '1777' is not a socket mode (expected permission bits in octal, 0 to 0777, e.g. 0660)" },
	{ VM1 "socket-mode = rw-rw----\n",
	  "t.conf:5: [guest vm1] socket-mode: 'rw-rw----' is not a socket mode (expected permission bits in octal, 0 to 0777, e.g. 0660)" },
	{ VM1 "socket-mode = 00660\n",
	  "t.conf:5: [guest vm1] socket-mode: '00660' is not a socket mode (expected permission bits in octal, 0 to 0777, e.g. 0660)" },
	{ VM1 "socket-mode =\n",
	  "t.conf:5: [guest vm1] socket-mode: '' is not a socket mode (expected permission bits in octal, 0 to 0777, e.g. 0660)" },
	{ VM1 "mode = client\nsocket-mode = 0660\n",
	  "t.conf:6: [guest vm1] socket-mode: only for mode = server (in client mode QEMU creates the socket and sets its permissions)" },
	{ VM1 "socket-group = root\nmode = client\n",
	  "t.conf:5: [guest vm1] socket-group: only for mode = server (in client mode QEMU creates the socket and sets its permissions)" },
	{ UP0 "[guest vm1]\nsocket = /run/vhostd/control.sock\n",
	  "t.conf:4: [guest vm1] socket: '/run/vhostd/control.sock' is the [daemon] control-socket (expected a path of its own)" },
	/* Rate limits and the guest's pool. */
	{ VM1 "tx-rate = 100Mbit\n",
	  "t.conf:5: [guest vm1] tx-rate: '100Mbit' is not a rate (expected bits per second, e.g. 100M: digits with an optional k, M or G suffix (powers of 1000))" },
	{ VM1 "rx-rate = 1.5G\n",
	  "t.conf:5: [guest vm1] rx-rate: '1.5G' is not a rate (expected bits per second, e.g. 100M: digits with an optional k, M or G suffix (powers of 1000))" },
	{ VM1 "tx-rate = 100m\n",
	  "t.conf:5: [guest vm1] tx-rate: '100m' is not a rate (expected bits per second, e.g. 100M: digits with an optional k, M or G suffix (powers of 1000))" },
	{ VM1 "tx-rate = 999\n",
	  "t.conf:5: [guest vm1] tx-rate: '999' is out of range (expected 0 for no limit, or 1k to 1000G bits per second)" },
	{ VM1 "tx-rate = 1001G\n",
	  "t.conf:5: [guest vm1] tx-rate: '1001G' is out of range (expected 0 for no limit, or 1k to 1000G bits per second)" },
	{ VM1 "tx-rate = 99999999999999999999999\n",
	  "t.conf:5: [guest vm1] tx-rate: '99999999999999999999999' is out of range (expected 0 for no limit, or 1k to 1000G bits per second)" },
	{ VM1 "tx-pps = 10G\n",
	  "t.conf:5: [guest vm1] tx-pps: '10G' is not a packet rate (expected packets per second, e.g. 50k: digits with an optional k or M suffix (powers of 1000))" },
	{ VM1 "rx-pps = 1001M\n",
	  "t.conf:5: [guest vm1] rx-pps: '1001M' is out of range (expected 0 for no limit, or 1 to 1000M packets per second)" },
	{ VM1 "tx-rate = 1G\ntx-burst = 1k\n",
	  "t.conf:6: [guest vm1] tx-burst: '1k' is out of range (expected 0 for automatic, or 2k to 1024M bytes)" },
	{ VM1 "tx-rate = 1G\ntx-burst = 64 k\n",
	  "t.conf:6: [guest vm1] tx-burst: '64 k' is not a size (expected bytes, e.g. 64k: digits with an optional k or M suffix (powers of 1024))" },
	{ VM1 "tx-pps = 1M\ntx-burst = 64k\n",
	  "t.conf:6: [guest vm1] tx-burst: has no effect without tx-rate (expected a tx-rate line, or no tx-burst)" },
	{ VM1 "rx-burst = 64k\n",
	  "t.conf:5: [guest vm1] rx-burst: has no effect without rx-rate (expected a rx-rate line, or no rx-burst)" },
	{ VM1 "tx-rate = 1G\ntx-rate = 2G\n",
	  "t.conf:6: [guest vm1] tx-rate: set twice (first on line 5)" },
	{ VM1 "mbufs = 100\n",
	  "t.conf:5: [guest vm1] mbufs: '100' is out of range (expected 0 or 512 to 1048576)" },
};

static void
test_invalid(void **state)
{
	struct config *cfg = new_config();
	unsigned int failures = 0;
	char err[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int rc;

		memset(err, 0, sizeof(err));
		rc = config_parse_string(cfg, invalid[i].text, "t.conf", err, sizeof(err));
		if (rc != -EINVAL || strcmp(err, invalid[i].error) != 0) {
			print_error("case %zu: rc %d\n  text: %s\n  got:  %s\n  want: %s\n",
				    i, rc, invalid[i].text, err, invalid[i].error);
			failures++;
		}
	}
	free(cfg);
	assert_int_equal(failures, 0);
}

/* Validate, then commit: a bad file leaves the caller's config alone. */
static void
test_error_keeps_config(void **state)
{
	struct config *cfg = parse_ok(example_conf);
	struct config *copy = new_config();
	char err[256];

	(void)state;
	memcpy(copy, cfg, sizeof(*cfg));
	assert_int_equal(config_parse_string(cfg, "[daemon]\nmemory = 128\ncores = x\n",
					     "t.conf", err, sizeof(err)), -EINVAL);
	assert_memory_equal(cfg, copy, sizeof(*cfg));
	/* No message buffer is fine too. */
	assert_int_equal(config_parse_string(cfg, "[bad", "t.conf", NULL, 0), -EINVAL);
	assert_memory_equal(cfg, copy, sizeof(*cfg));
	free(copy);
	free(cfg);
}

static void
test_load(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX";
	struct config *cfg = new_config();
	char err[512];
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(config_load(cfg, "/nonexistent/vhostd.conf", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/vhostd.conf: cannot open: No such file or directory");

	assert_int_equal(config_load(cfg, "/", err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/: cannot read: Is a directory");

	assert_int_equal(config_load(cfg, "/dev/zero", err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "/dev/zero: larger than 1048576 bytes (expected a vhostd config file)");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(example_conf, f);
	fclose(f);
	assert_int_equal(config_load(cfg, path, err, sizeof(err)), 0);
	assert_string_equal(cfg->path, path);
	assert_string_equal(cfg->guests[0].socket, "/run/vhostd/vm1.sock");

	/* Messages name the file as given. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[daemon]\n\n[guest vm1]\nsocket = /run/vm1.sock\nmac = zz:00\n", f);
	fclose(f);
	assert_int_equal(config_load(cfg, path, err, sizeof(err)), -EINVAL);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "%s:5: [guest vm1] mac: 'zz:00' is not a MAC address (expected six hex octets like 52:54:00:12:34:56)",
			 path);
		assert_string_equal(err, want);
	}
	unlink(path);
	free(cfg);
}

/* Socket owner, group and mode: resolved when parsed; 0660 with an owner or group. */
static void
test_socket_permissions(void **state)
{
	struct config *cfg;
	const struct passwd *nobody = getpwnam("nobody");

	(void)state;
	assert_non_null(nobody);
	cfg = parse_ok(UP0 "[guest a]\nsocket = /run/a.sock\n"
		       "[guest b]\nsocket = /run/b.sock\nsocket-owner = root\nsocket-group = root\n"
		       "socket-mode = 640\n"
		       "[guest c]\nsocket = /run/c.sock\nsocket-owner = nobody\n"
		       "[guest d]\nsocket = /run/d.sock\nsocket-mode = 0\n"
		       "[guest e]\nsocket = /run/e.sock\nsocket-group = root\nsocket-mode = 0600\n");
	/* Nothing set: the socket is left as librte_vhost creates it. */
	assert_string_equal(cfg->guests[0].socket_owner, "");
	assert_int_equal(cfg->guests[0].socket_uid, (uid_t)-1);
	assert_int_equal(cfg->guests[0].socket_gid, (gid_t)-1);
	assert_int_equal(cfg->guests[0].socket_mode, -1);
	assert_string_equal(cfg->guests[1].socket_owner, "root");
	assert_string_equal(cfg->guests[1].socket_group, "root");
	assert_int_equal(cfg->guests[1].socket_uid, 0);
	assert_int_equal(cfg->guests[1].socket_gid, 0);
	assert_int_equal(cfg->guests[1].socket_mode, 0640);
	assert_int_equal(cfg->guests[2].socket_uid, nobody->pw_uid);
	assert_int_equal(cfg->guests[2].socket_gid, (gid_t)-1);
	assert_int_equal(cfg->guests[2].socket_mode, 0660);
	assert_int_equal(cfg->guests[3].socket_uid, (uid_t)-1);
	assert_int_equal(cfg->guests[3].socket_mode, 0);
	assert_int_equal(cfg->guests[4].socket_gid, 0);
	assert_int_equal(cfg->guests[4].socket_mode, 0600);
	free(cfg);

	/* The caps: 64 guests and 16 queue pairs unless lowered. */
	cfg = parse_ok("");
	assert_int_equal(cfg->daemon.max_guests, 64);
	assert_int_equal(cfg->daemon.max_queue_pairs, 16);
	free(cfg);
	cfg = parse_ok("[daemon]\nmax-guests = 2\nmax-queue-pairs = 4\ncontrol-group = root\n"
		       UP0 "[guest a]\nsocket = /run/a.sock\nqueues = 4\n"
		       "[guest b]\nsocket = /run/b.sock\n");
	assert_int_equal(cfg->daemon.max_guests, 2);
	assert_int_equal(cfg->daemon.max_queue_pairs, 4);
	assert_string_equal(cfg->daemon.control_group, "root");
	assert_int_equal(cfg->guests[0].queues, 4);
	free(cfg);
}

/* guest.add over the caps, and the socket keys at run time. */
static void
test_runtime_caps(void **state)
{
	struct config *cfg = new_config();
	struct config_guest vm1, g;
	const struct config_guest *others[1] = { &vm1 };
	unsigned int seen = 0;
	char err[512];

	(void)state;
	assert_int_equal(config_parse_string(cfg, "[daemon]\nmax-guests = 1\nmax-queue-pairs = 2\n"
					     UP0 "[guest vm1]\nsocket = /run/vm1.sock\n",
					     "t.conf", err, sizeof(err)), 0);
	vm1 = cfg->guests[0];
	assert_int_equal(config_guest_new(&g, "vm2", err, sizeof(err)), 0);
	assert_int_equal(g.socket_uid, (uid_t)-1);
	assert_int_equal(g.socket_gid, (gid_t)-1);
	assert_int_equal(g.socket_mode, -1);
	assert_int_equal(config_guest_set(&g, "socket", "/run/vm2.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, others, 1, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "[guest vm2]: no room for another guest ([daemon] max-guests = 1)");
	assert_int_equal(config_guest_set(&g, "queues", "4", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] queues: 4 is more than [daemon] max-queue-pairs = 2");
	assert_int_equal(config_guest_set(&g, "queues", "2", &seen, err, sizeof(err)), 0);

	assert_int_equal(config_guest_set(&g, "socket-owner", "nosuchuser-vhostd", &seen, err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] socket-owner: no user 'nosuchuser-vhostd' on this "
			    "host (expected a name that `getent passwd nosuchuser-vhostd` finds, "
			    "e.g. libvirt-qemu)");
	assert_int_equal(config_guest_set(&g, "socket-group", "nosuchgroup-vhostd", &seen, err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] socket-group: no group 'nosuchgroup-vhostd' on this "
			    "host (expected a name that `getent group nosuchgroup-vhostd` finds, "
			    "e.g. kvm)");
	assert_int_equal(config_guest_set(&g, "socket-mode", "8", &seen, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[guest vm2] socket-mode: '8' is not a socket mode (expected "
			    "permission bits in octal, 0 to 0777, e.g. 0660)");
	assert_int_equal(config_guest_set(&g, "socket-group", "root", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(g.socket_gid, 0);
	assert_int_equal(g.socket_mode, 0660);
	assert_int_equal(config_guest_set(&g, "mode", "client", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] socket-group: only for mode = server (in client "
			    "mode QEMU creates the socket and sets its permissions)");
	free(cfg);
}

/* guest.add at run time: the keys and checks of a [guest NAME] section. */
static void
test_runtime_guest(void **state)
{
	struct config cfg;
	struct config_guest g, vm1;
	const struct config_guest *others[1];
	unsigned int seen = 0;
	char err[512];

	(void)state;
	assert_int_equal(config_parse_string(&cfg, "[uplink up0]\ndevice = net_null0\n"
					     "[uplink up1]\ndevice = net_null1\n", "t.conf",
					     err, sizeof(err)), 0);
	assert_int_equal(config_guest_new(&vm1, "vm1", err, sizeof(err)), 0);
	assert_int_equal(config_guest_set(&vm1, "socket", "/run/vm1.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_set(&vm1, "uplink", "up0", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_set(&vm1, "mac", "52:54:00:00:00:01", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&vm1, seen, &cfg, NULL, 0, err, sizeof(err)), 0);
	assert_true(vm1.mac_check);		/* defaults to on with a mac */
	assert_int_equal(vm1.notify, NOTIFY_ADAPTIVE);
	assert_int_equal(config_guest_set(&vm1, "notify", "poll", &seen, err, sizeof(err)), 0);
	assert_int_equal(vm1.notify, NOTIFY_POLL);
	others[0] = &vm1;

	assert_int_equal(config_guest_new(&g, "bad name", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "guest name 'bad name' is not valid (expected " NAME_RULE ")");
	/* Control characters are named, not quoted: they would forge a log line. */
	assert_int_equal(config_guest_new(&g, "vm\x1b[2J", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "guest name: control character 0x1b at byte 3 (expected "
			    "printable text)");
	assert_int_equal(config_guest_new(&g, "vm2", err, sizeof(err)), 0);
	seen = 0;
	assert_int_equal(config_guest_set(&g, "mac", "zz", &seen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] mac: 'zz' is not a MAC address (expected six "
			    "hex octets like 52:54:00:12:34:56)");
	assert_int_equal(config_guest_set(&g, "colour", "blue", &seen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] colour: unknown key");
	assert_int_equal(config_guest_set(&g, "notify", "never", &seen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] notify: 'never' is not a notification mode "
			    "(expected adaptive, interrupt or poll)");
	assert_int_equal(config_guest_set(&g, "socket", "/run/vm2.sock\nFORGED", &seen, err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] socket: control character 0x0a at byte 14 "
			    "(expected printable text)");
	assert_int_equal(config_guest_set(&g, "socket-group", "root\x7f", &seen, err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] socket-group: control character 0x7f at byte 5 "
			    "(expected printable text)");
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[guest vm2]: missing required key 'socket'");
	assert_int_equal(config_guest_set(&g, "socket", "/run/vm1.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[guest vm2]: missing required key 'uplink' (expected one "
			    "of: up0, up1)");
	assert_int_equal(config_guest_set(&g, "uplink", "up9", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(config_guest_set(&g, "uplink", "up0", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(err, "[guest vm2] socket: '/run/vm1.sock' is already used by "
			    "[guest vm1]");
	assert_int_equal(config_guest_set(&g, "socket", "/run/vm2.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_set(&g, "mac", "52:54:00:00:00:01", &seen, err,
					  sizeof(err)), 0);
	/* A shared MAC is a live migration on one host: accepted. */
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)), 0);
	/* The same MAC behind another uplink is another L2 domain: fine too. */
	assert_int_equal(config_guest_set(&g, "uplink", "up1", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)), 0);
	assert_int_equal(config_guest_new(&g, "vm1", err, sizeof(err)), 0);
	seen = 0;
	config_guest_set(&g, "socket", "/run/other.sock", &seen, err, sizeof(err));
	config_guest_set(&g, "uplink", "up1", &seen, err, sizeof(err));
	assert_int_equal(config_guest_finish(&g, seen, &cfg, others, 1, err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(err, "[guest vm1]: a guest of that name exists");
}

/* Rate limits: units, defaults (no limit), both directions, at run time. */
static void
test_rate_limits(void **state)
{
	struct config *cfg;
	struct config_guest g;
	unsigned int seen = 0;
	char err[512];

	(void)state;
	cfg = parse_ok(UP0 "[guest a]\nsocket = /run/a.sock\n"
		       "[guest b]\nsocket = /run/b.sock\ntx-rate = 100M\ntx-burst = 64k\n"
		       "rx-rate = 2G\nrx-pps = 50k\nmbufs = 4096\n"
		       "[guest c]\nsocket = /run/c.sock\ntx-pps = 1M\nrx-rate = 1000\n"
		       "rx-burst = 1M\ntx-rate = 0\n");
	assert_int_equal(cfg->guests[0].tx_limit.bps, 0);
	assert_int_equal(cfg->guests[0].tx_limit.pps, 0);
	assert_int_equal(cfg->guests[0].tx_limit.burst, 0);
	assert_int_equal(cfg->guests[0].rx_limit.bps, 0);
	assert_int_equal(cfg->guests[0].mbufs, 0);
	assert_int_equal(cfg->guests[1].tx_limit.bps, 100000000);
	assert_int_equal(cfg->guests[1].tx_limit.burst, 65536);
	assert_int_equal(cfg->guests[1].rx_limit.bps, 2000000000);
	assert_int_equal(cfg->guests[1].rx_limit.pps, 50000);
	assert_int_equal(cfg->guests[1].rx_limit.burst, 0);
	assert_int_equal(cfg->guests[1].mbufs, 4096);
	assert_int_equal(cfg->guests[2].tx_limit.pps, 1000000);
	assert_int_equal(cfg->guests[2].tx_limit.bps, 0);
	assert_int_equal(cfg->guests[2].rx_limit.bps, 1000);
	assert_int_equal(cfg->guests[2].rx_limit.burst, 1048576);
	free(cfg);

	/* guest.add takes the same keys, with the same checks. */
	cfg = parse_ok(UP0);
	assert_int_equal(config_guest_new(&g, "vm2", err, sizeof(err)), 0);
	assert_int_equal(config_guest_set(&g, "socket", "/run/vm2.sock", &seen, err,
					  sizeof(err)), 0);
	assert_int_equal(config_guest_set(&g, "rx-rate", "10G", &seen, err, sizeof(err)), 0);
	assert_int_equal(g.rx_limit.bps, 10000000000ULL);
	assert_int_equal(config_guest_set(&g, "tx-rate", "fast", &seen, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[guest vm2] tx-rate: 'fast' is not a rate (expected bits per "
			    "second, e.g. 100M: digits with an optional k, M or G suffix (powers "
			    "of 1000))");
	assert_int_equal(config_guest_set(&g, "tx-burst", "128k", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] tx-burst: has no effect without tx-rate");
	assert_int_equal(config_guest_set(&g, "tx-rate", "1G", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(g.tx_limit.burst, 131072);
	free(cfg);
}

/* queue-affinity (guests and uplinks) and the rebalancing keys. */
static void
test_queue_affinity(void **state)
{
	static const struct {
		const char *text;
		const char *error;
	} bad[] = {
		{ "[daemon]\ncores = 0,1\n" UP0 "[guest vm1]\nsocket = /s\nqueues = 2\n"
		  "queue-affinity = 0:1,2:0\n",
		  "t.conf:8: [guest vm1] queue-affinity: queue 2 does not exist (expected 0 to 1: "
		  "queues = 2)" },
		{ "[daemon]\ncores = 0,1\n" UP0 "[guest vm1]\nsocket = /s\nqueues = 2\n"
		  "queue-affinity = 0:3\n",
		  "t.conf:8: [guest vm1] queue-affinity: CPU 3 of queue 0 runs no worker (expected "
		  "one of the [daemon] cores)" },
		/* The cores come after the section: checked at the end all the same. */
		{ UP0 "queue-affinity = 0:0\n[daemon]\ncores = 1\n",
		  "t.conf:3: [uplink up0] queue-affinity: CPU 0 of queue 0 runs no worker (expected "
		  "one of the [daemon] cores)" },
		{ VM1 "queue-affinity = 0:1,0:1\n",
		  "t.conf:5: [guest vm1] queue-affinity: queue 0 is pinned twice" },
		{ VM1 "queue-affinity = 0-1\n",
		  "t.conf:5: [guest vm1] queue-affinity: '0-1' is not a queue affinity (expected "
		  "QUEUE:CPU pairs like 0:1,1:2, or none)" },
		{ VM1 "queue-affinity = 0:1,\n",
		  "t.conf:5: [guest vm1] queue-affinity: '0:1,' is not a queue affinity (expected "
		  "QUEUE:CPU pairs like 0:1,1:2, or none)" },
		{ VM1 "queue-affinity = 99:1\n",
		  "t.conf:5: [guest vm1] queue-affinity: queue 99 does not exist (expected 0 to 15: "
		  "queues = 16)" },
		{ "[daemon]\nrebalance-interval = 4000\n",
		  "t.conf:2: [daemon] rebalance-interval: '4000' is out of range (expected 0 to 3600 "
		  "seconds)" },
		{ "[daemon]\nrebalance-margin = 0\n",
		  "t.conf:2: [daemon] rebalance-margin: '0' is out of range (expected 1 to 100 "
		  "percent)" },
	};
	struct config *cfg = parse_ok("[daemon]\ncores = 0-3\n[uplink up0]\ndevice = net_null0\n"
				      "queues = 4\nqueue-affinity = 3:2, 0 : 1\n"
				      "[guest vm1]\nsocket = /s\nqueues = 2\nqueue-affinity = 1:3\n"
				      "[guest vm2]\nsocket = /t\nqueue-affinity = none\n");
	struct config_guest g;
	unsigned int seen = 0, failures = 0;
	char err[512], text[64];

	(void)state;
	assert_int_equal(cfg->daemon.rebalance_interval, 10);	/* defaults */
	assert_int_equal(cfg->daemon.rebalance_margin, 25);
	assert_int_equal(cfg->uplinks[0].affinity.mask, 0x9);
	assert_int_equal(cfg->uplinks[0].affinity.cpu[0], 1);
	assert_int_equal(cfg->uplinks[0].affinity.cpu[3], 2);
	assert_int_equal(cfg->guests[0].affinity.mask, 0x2);
	assert_int_equal(cfg->guests[0].affinity.cpu[1], 3);
	assert_int_equal(cfg->guests[1].affinity.mask, 0);
	config_format_affinity(&cfg->uplinks[0].affinity, text, sizeof(text));
	assert_string_equal(text, "0:1,3:2");
	free(cfg);

	cfg = parse_ok("[daemon]\nrebalance-interval = 0\nrebalance-margin = 5\n");
	assert_int_equal(cfg->daemon.rebalance_interval, 0);
	assert_int_equal(cfg->daemon.rebalance_margin, 5);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = config_parse_string(cfg, bad[i].text, "t.conf", err, sizeof(err));

		if (rc != -EINVAL || strcmp(err, bad[i].error) != 0) {
			print_error("case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc, err,
				    bad[i].error);
			failures++;
		}
	}
	assert_int_equal(failures, 0);

	/* At run time (guest.add): the same rules against the daemon's cores. */
	assert_int_equal(config_parse_string(cfg, "[daemon]\ncores = 1\n"
					     "[uplink up0]\ndevice = net_null0\n", "t.conf",
					     err, sizeof(err)), 0);
	assert_int_equal(config_guest_new(&g, "vm3", err, sizeof(err)), 0);
	config_guest_set(&g, "socket", "/u", &seen, err, sizeof(err));
	assert_int_equal(config_guest_set(&g, "queue-affinity", "0:2", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm3] queue-affinity: CPU 2 of queue 0 runs no worker "
			    "(expected one of the [daemon] cores)");
	assert_int_equal(config_guest_set(&g, "queue-affinity", "0:1", &seen, err, sizeof(err)), 0);
	assert_int_equal(config_guest_finish(&g, seen, cfg, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(g.affinity.mask, 1);
	assert_int_equal(g.affinity.cpu[0], 1);
	free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_embedded_default),
		cmocka_unit_test(test_comments_values),
		cmocka_unit_test(test_cpu_lists),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_features_policy),
		cmocka_unit_test(test_cross_references),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_guest_ceiling),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_error_keeps_config),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_runtime_guest),
		cmocka_unit_test(test_socket_permissions),
		cmocka_unit_test(test_runtime_caps),
		cmocka_unit_test(test_queue_affinity),
		cmocka_unit_test(test_rate_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
