/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exact text of every error an operator can hit in a config file
 * (src/lib/config*.c), one case a line.  test_config.c has what a good
 * file gives, test_config_limits.c the limits.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
