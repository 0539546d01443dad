/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config parser's limits (src/lib/config*.c): sizes, the guest ceiling
 * of librte_vhost's poll set, socket permissions, and what a guest added at
 * run time may change.
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

#include "config_fixture.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_guest_ceiling),
		cmocka_unit_test(test_socket_permissions),
		cmocka_unit_test(test_runtime_caps),
		cmocka_unit_test(test_runtime_guest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
