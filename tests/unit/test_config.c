/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the config parser (src/config.c): values, defaults,
 * comments, and the exact text of every error an operator can hit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
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

	n = (size_t)snprintf(text, 16384, "[uplink up0]\ndevice = net_null0\n");
	for (int i = 0; i < VHOSTD_MAX_GUESTS; i++)
		n += (size_t)snprintf(text + n, 16384 - n,
				      "[guest g%d]\nsocket = /run/g%d.sock\n", i, i);
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg->nb_guests, VHOSTD_MAX_GUESTS);
	snprintf(text + n, 16384 - n, "[guest one-more]\nsocket = /run/x.sock\n");
	assert_int_equal(config_parse_string(cfg, text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:131: [guest one-more]: too many [guest] sections (expected at most 64)");

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

#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define LONG_PATH "/" X100 "xxxxxxx"		/* 108 characters */
#define NAME_32	"abcdefghijklmnopqrstuvwxyz012345"

#define UP0	"[uplink up0]\ndevice = net_tap0\n"		/* lines 1-2 */
#define VM1	UP0 "[guest vm1]\nsocket = /run/vm1.sock\n"	/* lines 1-4 */

#define DAEMON_KEYS "cores, memory, hugepages, huge-dir, file-prefix, log-level, " \
	"control-socket, control-group, state-dir, mbufs, stats-interval, vring-stats"
#define GUEST_KEYS "socket, mode, uplink, mac, mac-check, queues, features"
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
	{ VM1 "[guest vm2]\nsocket = /run/vm1.sock\n",
	  "t.conf:6: [guest vm2] socket: '/run/vm1.sock' is already used by [guest vm1] (line 4)" },
	{ UP0 "[guest vm1]\nsocket = /run/vhostd/control.sock\n",
	  "t.conf:4: [guest vm1] socket: '/run/vhostd/control.sock' is the [daemon] control-socket (expected a path of its own)" },
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
	others[0] = &vm1;

	assert_int_equal(config_guest_new(&g, "bad name", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "guest name 'bad name' is not valid (expected " NAME_RULE ")");
	assert_int_equal(config_guest_new(&g, "vm2", err, sizeof(err)), 0);
	seen = 0;
	assert_int_equal(config_guest_set(&g, "mac", "zz", &seen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] mac: 'zz' is not a MAC address (expected six "
			    "hex octets like 52:54:00:12:34:56)");
	assert_int_equal(config_guest_set(&g, "colour", "blue", &seen, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[guest vm2] colour: unknown key");
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
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_error_keeps_config),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_runtime_guest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
