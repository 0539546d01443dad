/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for config_guest_check() (src/lib/config_guest.c), the one
 * place that decides whether a guest is valid: each rule once, the same
 * guest written as a [guest NAME] section of a file and sent as guest.add
 * arguments (guest_args.c, what the daemon and the state replay call).
 * Both must give the same verdict: refused on the same key, or accepted
 * with the same guest, defaults filled alike.
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

#include <jansson.h>

#include "vhostd/config.h"
#include "vhostd/guest_args.h"

/* Two uplinks, a guest vm1, and [daemon] caps a rule can reach. */
#define DAEMON	"[daemon]\ncores = 1\nmax-queue-pairs = 4\n"
#define BASE	DAEMON "max-guests = 2\n" GUESTS
#define FULL	DAEMON "max-guests = 1\n" GUESTS
#define GUESTS	\
		"control-socket = /run/t/control.sock\n" \
		"[uplink up0]\ndevice = net_tap0\n[uplink up1]\ndevice = net_tap1\n" \
		"[guest vm1]\nsocket = /run/t/vm1.sock\nuplink = up0\n"
/* One uplink: a guest may leave uplink out. */
#define ONE	"[daemon]\ncores = 1\ncontrol-socket = /run/t/control.sock\n" \
		"[uplink up0]\ndevice = net_tap0\n"

struct rule {
	const char *what;
	const char *base;		/* the file before the new guest */
	const char *keys[12];		/* the new guest's KEY, VALUE pairs, NULL-ended */
	int rc;				/* guest.add's verdict */
	const char *message;		/* guest.add's message ("" when accepted) */
};

static const struct rule rules[] = {
	{ "max-guests", FULL, { "socket", "/run/t/new.sock", "uplink", "up0" },
	  -ENOSPC, "[guest new]: no room for another guest ([daemon] max-guests = 1)" },
	{ "socket required", BASE, { "uplink", "up0" },
	  -EINVAL, "[guest new]: missing required key 'socket'" },
	{ "mac-check needs a mac", BASE, { "socket", "/run/t/new.sock", "uplink", "up0",
					   "mac-check", "yes" },
	  -EINVAL, "[guest new] mac-check: is on but no mac is set" },
	{ "socket permissions are for server mode", BASE,
	  { "socket", "/run/t/new.sock", "uplink", "up0", "mode", "client", "socket-mode", "600" },
	  -EINVAL, "[guest new] socket-mode: only for mode = server (in client mode QEMU creates "
		   "the socket and sets its permissions)" },
	{ "a burst needs its rate", BASE,
	  { "socket", "/run/t/new.sock", "uplink", "up0", "rx-burst", "64k" },
	  -EINVAL, "[guest new] rx-burst: has no effect without rx-rate" },
	{ "queues within max-queue-pairs", BASE,
	  { "socket", "/run/t/new.sock", "uplink", "up0", "queues", "8" },
	  -EINVAL, "[guest new] queues: 8 is more than [daemon] max-queue-pairs = 4" },
	{ "queue-affinity on a worker's CPU", BASE,
	  { "socket", "/run/t/new.sock", "uplink", "up0", "queue-affinity", "0:3" },
	  -EINVAL, "[guest new] queue-affinity: CPU 3 of queue 0 runs no worker (expected one "
		   "of the [daemon] cores)" },
	{ "uplink must exist", BASE, { "socket", "/run/t/new.sock", "uplink", "up9" },
	  -ENOENT, "[guest new] uplink: 'up9' is not a configured uplink (expected one of: up0, "
		   "up1)" },
	{ "uplink required among several", BASE, { "socket", "/run/t/new.sock" },
	  -EINVAL, "[guest new]: missing required key 'uplink' (expected one of: up0, up1)" },
	{ "not the control socket", BASE, { "socket", "/run/t/control.sock", "uplink", "up1" },
	  -EEXIST, "[guest new] socket: '/run/t/control.sock' is the [daemon] control-socket" },
	{ "a socket of its own", BASE, { "socket", "/run/t/vm1.sock", "uplink", "up1" },
	  -EEXIST, "[guest new] socket: '/run/t/vm1.sock' is already used by [guest vm1]" },
	/* Accepted: the defaults that depend on other keys, filled alike. */
	{ "the only uplink, mac-check from mac", ONE,
	  { "socket", "/run/t/new.sock", "mac", "52:54:00:00:00:02" }, 0, "" },
	{ "socket-mode 0660 with an owner", BASE,
	  { "socket", "/run/t/new.sock", "uplink", "up1", "socket-group", "root" }, 0, "" },
	{ "a shared MAC (live migration)", BASE "mac = 52:54:00:00:00:01\n",
	  { "socket", "/run/t/new.sock", "uplink", "up0", "mac", "52:54:00:00:00:01" }, 0, "" },
};

/* A config is ~20 KiB: off the stack. */
static struct config *
parse(const char *text, char *err, size_t errlen, int *rc)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	*rc = config_parse_string(cfg, text, "t.conf", err, errlen);
	return cfg;
}

/* The rule's guest as guest.add sends it: parameters are keys with '_' for '-'. */
static json_t *
request(const struct rule *r)
{
	json_t *args = json_pack("{s:s}", "name", "new");

	for (unsigned int i = 0; r->keys[i] != NULL; i += 2) {
		char param[32];

		snprintf(param, sizeof(param), "%s", r->keys[i]);
		for (char *c = param; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		if (strcmp(param, "queues") == 0)
			json_object_set_new(args, param, json_integer(atoi(r->keys[i + 1])));
		else
			json_object_set_new(args, param, json_string(r->keys[i + 1]));
	}
	return args;
}

static void
check_rule(const struct rule *r)
{
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	char text[2048], ferr[1024], rerr[1024], prefix[64];
	struct config *base, *file;
	struct config_guest cg;
	size_t used;
	json_t *args;
	int frc, rc;

	print_message("  %s\n", r->what);
	base = parse(r->base, ferr, sizeof(ferr), &rc);
	assert_int_equal(rc, 0);
	used = (size_t)snprintf(text, sizeof(text), "%s[guest new]\n", r->base);
	for (unsigned int i = 0; r->keys[i] != NULL; i += 2)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s = %s\n", r->keys[i],
					 r->keys[i + 1]);
	file = parse(text, ferr, sizeof(ferr), &frc);

	for (unsigned int i = 0; i < base->nb_guests; i++)
		others[i] = &base->guests[i];
	args = request(r);
	rerr[0] = '\0';
	rc = guest_args_parse(args, base, others, base->nb_guests, &cg, rerr, sizeof(rerr));
	json_decref(args);
	print_message("    file: %s\n    guest.add: %s\n", ferr, rerr);

	assert_int_equal(rc, r->rc);
	assert_string_equal(rerr, r->message);
	if (r->rc != 0) {
		/* Refused by the file too, on the same key: "[guest new] KEY:". */
		assert_int_equal(frc, -EINVAL);
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(strchr(rerr, ':') - rerr + 1), rerr);
		assert_non_null(strstr(ferr, prefix));
		assert_true(strncmp(ferr, "t.conf:", 7) == 0);
	} else {
		struct config_guest *fg = &file->guests[file->nb_guests - 1];

		assert_int_equal(frc, 0);
		fg->line = 0;
		assert_memory_equal(fg, &cg, sizeof(cg));
	}
	free(base);
	free(file);
}

static void
test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		check_rule(&rules[i]);
}

/* The defaults the check fills, spelled out (the rules above compare them). */
static void
test_defaults_filled(void **state)
{
	struct config *base;
	struct config_guest cg;
	char err[512];
	json_t *args;
	int rc;

	(void)state;
	base = parse(ONE, err, sizeof(err), &rc);
	assert_int_equal(rc, 0);
	args = json_pack("{s:s, s:s, s:s, s:s}", "name", "new", "socket", "/run/t/new.sock",
			 "mac", "52:54:00:00:00:02", "socket_owner", "root");
	assert_int_equal(guest_args_parse(args, base, NULL, 0, &cg, err, sizeof(err)), 0);
	assert_string_equal(cg.uplink, "up0");
	assert_true(cg.mac_check);
	assert_int_equal(cg.socket_mode, 0660);
	json_decref(args);

	/* A replayed file that is not what the table types: refused, no crash. */
	args = json_pack("{s:s, s:{}}", "name", "new", "socket");
	assert_int_equal(guest_args_parse(args, base, NULL, 0, &cg, err, sizeof(err)), -EINVAL);
	json_decref(args);
	args = json_pack("{s:s}", "socket", "/run/t/new.sock");
	assert_int_equal(guest_args_parse(args, base, NULL, 0, &cg, err, sizeof(err)), -EINVAL);
	json_decref(args);
	free(base);
}

/* The log-level names, for [daemon] log-level and the log-level command. */
static void
test_log_level(void **state)
{
	char why[256];
	int level = 0;

	(void)state;
	assert_int_equal(config_parse_log_level("DEBUG", &level, why, sizeof(why)), 0);
	assert_int_equal(level, 8);
	assert_int_equal(config_parse_log_level("3", &level, why, sizeof(why)), 0);
	assert_string_equal(config_log_level_name(level), "critical");
	assert_null(config_log_level_name(9));
	assert_int_equal(config_parse_log_level("chatty", &level, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "'chatty' is not a log level (expected emergency, alert, "
			    "critical, error, warning, notice, info, debug or 1 to 8)");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_rules),
	cmocka_unit_test(test_defaults_filled),
	cmocka_unit_test(test_log_level),
};

int
main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
