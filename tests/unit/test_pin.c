/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature pinning's saved record and vhostd -n's check (src/lib/pin.c), in a
 * scratch state directory: what a restarted vhostd reads back is what
 * was written, a record that is not one is refused, the check names the
 * features the configuration removes, and a record of a QEMU that no
 * longer listens (client mode) is left alone.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/pin.h"
#include "vhostd/features.h"

#define BIT(n) (1ULL << (n))
#define GUEST_TSO4 7
#define MRG_RXBUF 15
#define MQ 22
#define VERSION_1 32

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vhostd-test-pin-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
write_record(const char *name, const struct pin_record *r)
{
	char path[256];
	json_t *j = pin_record_json(r, name);

	snprintf(path, sizeof(path), "%s/features", dir);
	mkdir(path, 0750);
	assert_int_equal(pin_path(dir, name, path, sizeof(path)), 0);
	assert_int_equal(json_dump_file(j, path, 0), 0);
	json_decref(j);
}

static void
record_round_trip(void **state)
{
	struct pin_record r = {
		.negotiated = BIT(GUEST_TSO4) | BIT(MRG_RXBUF) | BIT(VERSION_1) | BIT(30) | BIT(26),
		.offered = 0x1234567890abcdefULL, .protocol = 0x8cb, .time = 1796592610,
		.sock_dev = 2049, .sock_ino = 77,
	}, back;
	char err[128];

	(void)state;
	write_record("vm1", &r);
	assert_int_equal(pin_load(dir, "vm1", &back, err, sizeof(err)), 0);
	/* LOG_ALL (migration) and PROTOCOL_FEATURES are never pinned. */
	assert_int_equal(back.negotiated, BIT(GUEST_TSO4) | BIT(MRG_RXBUF) | BIT(VERSION_1));
	assert_int_equal(back.offered, r.offered);
	assert_int_equal(back.protocol, r.protocol);
	assert_int_equal(back.time, r.time);
	assert_int_equal(back.sock_dev, 2049);
	assert_int_equal(back.sock_ino, 77);
	assert_int_equal(pin_load(dir, "nobody", &back, err, sizeof(err)), -ENOENT);
}

static void
record_refused(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"negotiated\": 128, \"offered\": \"0x1\", \"protocol_features\": \"0x1\", "
		"\"time\": 1}",
		"{\"negotiated\": \"0xzz\", \"offered\": \"0x1\", \"protocol_features\": \"0x1\", "
		"\"time\": 1}",
		"{\"negotiated\": \"0x1\", \"offered\": \"0x1\", \"protocol_features\": \"0x1\"}",
		"{\"negotiated\": \"0x1\", \"offered\": \"0x1\", \"protocol_features\": \"0x1\", "
		"\"time\": 1, \"frontend_socket\": {\"dev\": \"x\"}}",
	};
	struct pin_record r;
	char err[128], path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		assert_non_null(j);
		err[0] = '\0';
		assert_int_equal(pin_record_parse(j, &r, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
		json_decref(j);
	}
	/* Not JSON at all: refused with the file's name. */
	snprintf(path, sizeof(path), "%s/features", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/features/torn.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"negotiated\": \"0x", f);
	fclose(f);
	assert_int_equal(pin_load(dir, "torn", &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "torn.json"));
}

static void
config_removes(void **state)
{
	struct config_guest c = { .queues = 1 };
	uint64_t neg = BIT(GUEST_TSO4) | BIT(MRG_RXBUF) | BIT(MQ) | BIT(VERSION_1) |
		       BIT(FEATURE_HOST_TSO6) | BIT(30);
	char err[128];

	(void)state;
	/* queues = 1 takes MQ away; host-tso6 depends on the uplink. */
	assert_int_equal(pin_config_removes(&c, neg), BIT(MQ));
	c.queues = 2;
	assert_int_equal(pin_config_removes(&c, neg), 0);
	assert_int_equal(features_parse_policy("-guest-tso4 -mrg-rxbuf", &c.features_on,
					       &c.features_off, err, sizeof(err)), 0);
	assert_int_equal(pin_config_removes(&c, neg), BIT(GUEST_TSO4) | BIT(MRG_RXBUF));
	/* An offload off by default that the guest had (it was asked for). */
	c.features_off = 0;
	assert_int_equal(pin_config_removes(&c, neg | BIT(9)), BIT(9));
	c.features_on = BIT(9);
	assert_int_equal(pin_config_removes(&c, neg | BIT(9)), 0);
}

static char *
check_output(struct config *cfg)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	memset(buf, 0, sizeof(buf));
	pin_check_config(cfg, f);
	fclose(f);
	return buf;
}

static void
check_warns(void **state)
{
	static struct config cfg;
	struct pin_record r = { .negotiated = BIT(GUEST_TSO4) | BIT(VERSION_1),
				.time = 1796592610 };
	char err[128], *out;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.daemon.state_dir, sizeof(cfg.daemon.state_dir), "%s", dir);
	cfg.nb_guests = 2;
	snprintf(cfg.guests[0].name, sizeof(cfg.guests[0].name), "vm1");
	snprintf(cfg.guests[1].name, sizeof(cfg.guests[1].name), "vm2");
	cfg.guests[0].queues = cfg.guests[1].queues = 1;
	write_record("vm1", &r);
	write_record("vm2", &r);
	/* Nothing removed: silent. */
	out = check_output(&cfg);
	assert_string_equal(out, "");
	assert_int_equal(features_parse_policy("-guest-tso4", &cfg.guests[0].features_on,
					       &cfg.guests[0].features_off, err, sizeof(err)), 0);
	out = check_output(&cfg);
	assert_non_null(strstr(out, "guest vm1: the configuration removes guest-tso4, which the "
			       "connected guest negotiated (saved 2026-12-06T"));
	assert_null(strstr(out, "vm2"));
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));	/* one line */
}

/* Client mode: the record names QEMU's listening socket file; another file
 * at that path (a new QEMU) or none means the guest connects fresh. */
static void
check_client_frontend(void **state)
{
	static struct config cfg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pin_record r = { .negotiated = BIT(GUEST_TSO4), .time = 1 };
	struct stat st;
	char err[128];
	int fd;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.daemon.state_dir, sizeof(cfg.daemon.state_dir), "%s", dir);
	cfg.nb_guests = 1;
	snprintf(cfg.guests[0].name, sizeof(cfg.guests[0].name), "vm3");
	snprintf(cfg.guests[0].socket, sizeof(cfg.guests[0].socket), "%s/qemu.sock", dir);
	cfg.guests[0].mode = GUEST_MODE_CLIENT;
	cfg.guests[0].queues = 1;
	features_parse_policy("-guest-tso4", &cfg.guests[0].features_on,
			      &cfg.guests[0].features_off, err, sizeof(err));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg.guests[0].socket);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(stat(sa.sun_path, &st), 0);
	r.sock_dev = (uint64_t)st.st_dev;
	r.sock_ino = (uint64_t)st.st_ino;
	write_record("vm3", &r);
	assert_true(pin_same_frontend(&r, sa.sun_path));
	assert_non_null(strstr(check_output(&cfg), "guest vm3: the configuration removes "
			       "guest-tso4"));
	r.sock_ino++;
	assert_false(pin_same_frontend(&r, sa.sun_path));
	write_record("vm3", &r);
	assert_string_equal(check_output(&cfg), "");
	close(fd);
	unlink(sa.sun_path);
	r.sock_ino--;
	assert_false(pin_same_frontend(&r, sa.sun_path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_round_trip),
		cmocka_unit_test(record_refused),
		cmocka_unit_test(config_removes),
		cmocka_unit_test(check_warns),
		cmocka_unit_test(check_client_frontend),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
