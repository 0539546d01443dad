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

#include "config_fixture.h"

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
		cmocka_unit_test(test_error_keeps_config),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_queue_affinity),
		cmocka_unit_test(test_rate_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
