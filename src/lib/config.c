/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file: INI text to struct config.
 *
 * libinih splits lines into [section] and key = value; the rest is ours.
 * We feed it through our own line reader (ini_parse_stream) because:
 *  - every message must name FILE:LINE, and the handler's line-number
 *    argument depends on how the library was built (Debian's r55 .so
 *    passes one that its ini.h does not declare);
 *  - inline comments must work with both '#' and ';', while the library
 *    build decides which (if any) it strips;
 *  - libinih's fixed line buffer (INI_MAX_LINE) would silently split a
 *    long line in two, and an indented line would become a continuation
 *    of the previous value: the reader rejects the first and hands over
 *    lines with no leading blanks, so neither can happen;
 *  - empty sections ("[guest]", or an [uplink] without keys) never reach
 *    the handler, so section headers are checked as they are read.
 *
 * The whole file is parsed into a scratch struct config and copied out only
 * when it is valid, so a failed reload leaves the caller's config intact.
 * Checks that need the whole file (guest -> uplink references, duplicate
 * sockets, MACs and devices) run after the last line.
 *
 * What a single value may be, and the reason when it is not, is in
 * config_value.c: here are the files, lines, sections and keys.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "vhostd/config.h"
#include "vhostd/devargs.h"
#include "vhostd/features.h"
#include "vhostd/notify.h"
#include "vhostd/utf8.h"

#include "lib/config_value.h"

#define DEFAULT_CORE		1
#define DEFAULT_MEMORY_MB	256
#define DEFAULT_LOG_LEVEL	7	/* info */
#define DEFAULT_CONTROL_SOCKET	"/run/vhostd/control.sock"
#define DEFAULT_STATE_DIR	"/var/lib/vhostd"
#define DEFAULT_QUEUES		1
#define DEFAULT_DESCRIPTORS	1024
/* Idle time before an adaptive worker sleeps: long enough that the gaps
 * between bursts of a loaded guest never reach it, short enough that an
 * idle host stops spinning at once (docs/performance.md, "Idle CPU and
 * wake-up latency"). */
#define DEFAULT_IDLE_THRESHOLD_US 200
/* Longest sleep of a worker polling an uplink without RX interrupts: the
 * worst wait of a frame from it, and 1000 wake-ups/s when idle. */
#define DEFAULT_IDLE_BACKOFF_MAX_US 1000
/* Rebalancing: look every 10 s; move only for a 25 % lighter busiest
 * worker (OVS's pmd-auto-lb-improvement-threshold is 25 too). */
#define DEFAULT_REBALANCE_INTERVAL 10
#define DEFAULT_REBALANCE_MARGIN 25

/* A config file is a few kilobytes; refuse to slurp /dev/zero. */
#define CONFIG_FILE_MAX		(1024 * 1024)

#define FIELD_SIZE(type, field)	sizeof(((type *)0)->field)

const char config_embedded_default[] =
	"; vhostd built-in configuration (vhostd --print-default-config).\n"
	";\n"
	"; It needs no NIC: the uplink is a TAP interface, vhostd0, that DPDK's\n"
	"; net_tap driver creates in the host kernel, and one guest, vm1, is\n"
	"; served on /run/vhostd/vm1.sock.  Frames vm1 sends come out of vhostd0\n"
	"; on the host and the other way round.  Save this output to a file, edit\n"
	"; it, check it with `vhostd -n -c FILE` and run `vhostd -c FILE`.\n"
	"; Every key is described in docs/configuration.md.\n"
	"\n"
	"[daemon]\n"
	"; CPUs for the forwarding workers (a list like 1-3,6).  The main lcore,\n"
	"; the control thread, is chosen apart from them.\n"
	"cores = 1\n"
	"; DPDK memory comes from hugepages; set to no on hosts without them.\n"
	"hugepages = yes\n"
	"; Where vhostctl talks to vhostd (docs/control-protocol.md).\n"
	"control-socket = /run/vhostd/control.sock\n"
	"\n"
	"[uplink up0]\n"
	"; The host side of the switch.  For a NIC or a VF, use its PCI address\n"
	"; instead, e.g. device = 0000:3b:02.1\n"
	"device = net_tap0,iface=vhostd0\n"
	"\n"
	"[guest vm1]\n"
	"; vhostd creates this vhost-user socket (mode = server) and QEMU connects:\n"
	";   -object memory-backend-memfd,id=mem0,size=1G,share=on\n"
	";   -numa node,memdev=mem0\n"
	";   -chardev socket,id=chr0,path=/run/vhostd/vm1.sock\n"
	";   -netdev vhost-user,id=net0,chardev=chr0\n"
	";   -device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56\n"
	"socket = /run/vhostd/vm1.sock\n"
	"mode = server\n"
	"uplink = up0\n"
	"; The guest's MAC: frames from any other source address are dropped\n"
	"; (mac-check defaults to yes once a mac is set).\n"
	"mac = 52:54:00:12:34:56\n"
	"; Queue pairs served; QEMU needs queues=N on -netdev to use more than one.\n"
	"queues = 1\n";

/* Parser state (one per parse; nothing here outlives config_parse_*). */

struct key_desc;

/* Checks value and, only if it is valid, stores it into obj. */
typedef int (*key_setter)(void *obj, const struct key_desc *k, const char *value,
			  char *why, size_t whylen);

struct key_desc {
	const char *name;
	key_setter set;
	size_t offset;			/* field in the section's struct */
	size_t size;			/* for strings: size of the field */
	const struct uint_range *range;	/* for set_uint */
	value_checker check;		/* for set_string */
};

struct section_desc {
	const char *type;
	bool named;
	unsigned int max;		/* sections of this type in one file */
	const struct key_desc *keys;
	unsigned int nb_keys;
};

#define MAX_KEYS	32	/* keys per section type; bits of section.seen */
#define MAX_SECTIONS	(1 + VHOSTD_MAX_UPLINKS + VHOSTD_MAX_GUESTS)

struct section {
	const struct section_desc *desc;
	void *obj;			/* config_daemon, _uplink or _guest */
	char title[sizeof("uplink ") + VHOSTD_NAME_MAX];
	int line;
	uint32_t seen;			/* keys set, by index in desc->keys */
	int key_line[MAX_KEYS];
};

struct parser {
	struct config cfg;		/* scratch, copied out on success */
	const char *name;		/* file name in messages */
	const char *text;
	size_t len;
	size_t pos;
	int line;			/* line last handed to libinih */
	struct section sections[MAX_SECTIONS];
	unsigned int nb_sections;
	struct section *cur;
	struct section *uplink_sec[VHOSTD_MAX_UPLINKS];
	struct section *guest_sec[VHOSTD_MAX_GUESTS];
	int err;			/* first error; parsing stops there */
	char *errbuf;
	size_t errlen;
};

static void __attribute__((format(printf, 3, 4)))
report(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Record the first error as "FILE:LINE: [SECTION] KEY: what".  section and
 * key may each be NULL; later errors are dropped (one message, and what
 * follows a bad line is often noise).
 */
static int __attribute__((format(printf, 5, 6)))
fail(struct parser *p, int line, const char *section, const char *key,
     const char *fmt, ...)
{
	char what[768];
	va_list ap;

	if (p->err != 0)
		return p->err;
	p->err = -EINVAL;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	if (section != NULL && key != NULL)
		report(p->errbuf, p->errlen, "%s:%d: [%s] %s: %s",
		       p->name, line, section, key, what);
	else if (section != NULL)
		report(p->errbuf, p->errlen, "%s:%d: [%s]: %s",
		       p->name, line, section, what);
	else if (key != NULL)
		report(p->errbuf, p->errlen, "%s:%d: %s: %s",
		       p->name, line, key, what);
	else
		report(p->errbuf, p->errlen, "%s:%d: %s", p->name, line, what);
	return p->err;
}

/* Key setters: the value is checked in full (config_value.c) before it is stored. */

static int
set_uint(void *obj, const struct key_desc *k, const char *value, char *why,
	 size_t whylen)
{
	unsigned int *dst = (unsigned int *)((char *)obj + k->offset);

	return value_parse_uint(value, k->range, dst, why, whylen);
}

static int
set_bool(void *obj, const struct key_desc *k, const char *value, char *why,
	 size_t whylen)
{
	bool *dst = (bool *)((char *)obj + k->offset);

	return value_parse_bool(value, dst, why, whylen);
}

/*
 * k->check makes sure the value fits the field (k->size) with its NUL; for
 * the Unix socket paths, the field is as large as sockaddr_un.sun_path.
 */
static int
set_string(void *obj, const struct key_desc *k, const char *value, char *why,
	   size_t whylen)
{
	char *dst = (char *)obj + k->offset;

	if (k->check(value, k->size, why, whylen) != 0)
		return -EINVAL;
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int
set_cores(void *obj, const struct key_desc *k, const char *value, char *why,
	  size_t whylen)
{
	struct config_daemon *d = obj;
	uint16_t cpus[VHOSTD_MAX_WORKERS];
	unsigned int nb;

	(void)k;
	if (value_parse_cpu_list(value, cpus, VHOSTD_MAX_WORKERS, &nb, why, whylen) != 0)
		return -EINVAL;
	memcpy(d->cores, cpus, nb * sizeof(cpus[0]));
	d->nb_cores = nb;
	return 0;
}

static int
set_log_level(void *obj, const struct key_desc *k, const char *value, char *why,
	      size_t whylen)
{
	struct config_daemon *d = obj;

	(void)k;
	return value_parse_log_level(value, &d->log_level, why, whylen);
}

static int
set_mode(void *obj, const struct key_desc *k, const char *value, char *why,
	 size_t whylen)
{
	struct config_guest *g = obj;

	(void)k;
	return value_parse_guest_mode(value, &g->mode, why, whylen);
}

static int
set_notify(void *obj, const struct key_desc *k, const char *value, char *why,
	   size_t whylen)
{
	struct config_guest *g = obj;

	(void)k;
	return value_parse_notify_mode(value, &g->notify, why, whylen);
}

static int
set_mac(void *obj, const struct key_desc *k, const char *value, char *why,
	size_t whylen)
{
	struct config_guest *g = obj;

	(void)k;
	if (value_parse_unicast_mac(value, g->mac, why, whylen) != 0)
		return -EINVAL;
	g->has_mac = true;
	return 0;
}

static int
set_features(void *obj, const struct key_desc *k, const char *value, char *why,
	     size_t whylen)
{
	struct config_guest *g = obj;
	uint64_t on, off;

	(void)k;
	if (features_parse_policy(value, &on, &off, why, whylen) != 0)
		return -EINVAL;
	g->features_on = on;
	g->features_off = off;
	return 0;
}

static int
set_socket_owner(void *obj, const struct key_desc *k, const char *value, char *why,
		 size_t whylen)
{
	struct config_guest *g = obj;
	uid_t uid;

	(void)k;
	if (value_parse_user(value, sizeof(g->socket_owner), &uid, why, whylen) != 0)
		return -EINVAL;
	snprintf(g->socket_owner, sizeof(g->socket_owner), "%s", value);
	g->socket_uid = uid;
	return 0;
}

static int
set_socket_group(void *obj, const struct key_desc *k, const char *value, char *why,
		 size_t whylen)
{
	struct config_guest *g = obj;
	gid_t gid;

	(void)k;
	if (value_parse_group(value, sizeof(g->socket_group), &gid, why, whylen) != 0)
		return -EINVAL;
	snprintf(g->socket_group, sizeof(g->socket_group), "%s", value);
	g->socket_gid = gid;
	return 0;
}

static int
set_socket_mode(void *obj, const struct key_desc *k, const char *value, char *why,
		size_t whylen)
{
	struct config_guest *g = obj;

	(void)k;
	return value_parse_socket_mode(value, &g->socket_mode, why, whylen);
}

/* Rate limits (tx-rate, rx-pps, tx-burst...): a uint64_t field at k->offset. */
static int
set_quantity(void *obj, const struct key_desc *k, enum value_quantity kind, const char *value,
	     char *why, size_t whylen)
{
	return value_parse_quantity(value, kind, (uint64_t *)((char *)obj + k->offset), why,
				    whylen);
}

static int
set_bitrate(void *obj, const struct key_desc *k, const char *value, char *why, size_t whylen)
{
	return set_quantity(obj, k, VALUE_BITRATE, value, why, whylen);
}

static int
set_pktrate(void *obj, const struct key_desc *k, const char *value, char *why, size_t whylen)
{
	return set_quantity(obj, k, VALUE_PKTRATE, value, why, whylen);
}

static int
set_bytes(void *obj, const struct key_desc *k, const char *value, char *why, size_t whylen)
{
	return set_quantity(obj, k, VALUE_BYTES, value, why, whylen);
}

/* control-group: the syntax, then the group must exist (vhostd -n says so). */
static int
set_control_group(void *obj, const struct key_desc *k, const char *value, char *why,
		  size_t whylen)
{
	struct config_daemon *d = obj;
	gid_t gid;

	if (value_parse_group(value, k->size, &gid, why, whylen) != 0)
		return -EINVAL;
	snprintf(d->control_group, sizeof(d->control_group), "%s", value);
	return 0;
}

/* Syntax only here: queues and [daemon] cores are checked at the end
 * (finish_affinity), as they may come later in the file. */
static int
set_affinity(void *obj, const struct key_desc *k, const char *value, char *why,
	     size_t whylen)
{
	return config_parse_affinity(value, VHOSTD_MAX_QUEUES, NULL,
				     (struct config_affinity *)((char *)obj + k->offset), why, whylen);
}

/* The sections and their keys. */

static const struct uint_range memory_range = { 64, 65536, false, false, "MB" };
static const struct uint_range mbufs_range = { 1024, 1048576, true, false, NULL };
static const struct uint_range stats_range = { 0, 86400, false, false, "seconds" };
static const struct uint_range queues_range = { 1, VHOSTD_MAX_QUEUES, false, false, NULL };
static const struct uint_range max_guests_range = { 1, VHOSTD_MAX_GUESTS, false, false, NULL };
static const struct uint_range desc_range = { 64, 4096, false, true, NULL };
static const struct uint_range mtu_range = { 68, 9600, true, false, NULL };
static const struct uint_range idle_range = { 0, 1000000, false, false, "microseconds" };
static const struct uint_range backoff_range = { NOTIFY_BACKOFF_MIN_US, 100000, false, false,
						  "microseconds" };
static const struct uint_range guest_mbufs_range = { 512, 1048576, true, false, NULL };
static const struct uint_range rebalance_range = { 0, 3600, false, false, "seconds" };
static const struct uint_range margin_range = { 1, 100, false, false, "percent" };

#define DAEMON(f)	offsetof(struct config_daemon, f)
#define UPLINK(f)	offsetof(struct config_uplink, f)
#define GUEST(f)	offsetof(struct config_guest, f)

static const struct key_desc daemon_keys[] = {
	{ .name = "cores", .set = set_cores },
	{ .name = "memory", .set = set_uint, .offset = DAEMON(memory_mb),
	  .range = &memory_range },
	{ .name = "hugepages", .set = set_bool, .offset = DAEMON(hugepages) },
	{ .name = "huge-dir", .set = set_string, .offset = DAEMON(huge_dir),
	  .size = FIELD_SIZE(struct config_daemon, huge_dir),
	  .check = value_check_optional_path },
	{ .name = "file-prefix", .set = set_string, .offset = DAEMON(file_prefix),
	  .size = FIELD_SIZE(struct config_daemon, file_prefix),
	  .check = value_check_file_prefix },
	{ .name = "log-level", .set = set_log_level },
	{ .name = "control-socket", .set = set_string,
	  .offset = DAEMON(control_socket),
	  .size = FIELD_SIZE(struct config_daemon, control_socket),
	  .check = value_check_abs_path },
	{ .name = "control-group", .set = set_control_group,
	  .size = FIELD_SIZE(struct config_daemon, control_group) },
	{ .name = "state-dir", .set = set_string, .offset = DAEMON(state_dir),
	  .size = FIELD_SIZE(struct config_daemon, state_dir),
	  .check = value_check_abs_path },
	{ .name = "mbufs", .set = set_uint, .offset = DAEMON(mbufs),
	  .range = &mbufs_range },
	{ .name = "stats-interval", .set = set_uint, .offset = DAEMON(stats_interval),
	  .range = &stats_range },
	{ .name = "vring-stats", .set = set_bool, .offset = DAEMON(vring_stats) },
	{ .name = "max-guests", .set = set_uint, .offset = DAEMON(max_guests),
	  .range = &max_guests_range },
	{ .name = "max-queue-pairs", .set = set_uint, .offset = DAEMON(max_queue_pairs),
	  .range = &queues_range },
	{ .name = "idle-threshold-us", .set = set_uint, .offset = DAEMON(idle_threshold_us),
	  .range = &idle_range },
	{ .name = "idle-backoff-max-us", .set = set_uint, .offset = DAEMON(idle_backoff_max_us),
	  .range = &backoff_range },
	{ .name = "rebalance-interval", .set = set_uint, .offset = DAEMON(rebalance_interval),
	  .range = &rebalance_range },
	{ .name = "rebalance-margin", .set = set_uint, .offset = DAEMON(rebalance_margin),
	  .range = &margin_range },
};

enum { UPLINK_DEVICE };

static const struct key_desc uplink_keys[] = {
	[UPLINK_DEVICE] = { .name = "device", .set = set_string,
			    .offset = UPLINK(device),
			    .size = FIELD_SIZE(struct config_uplink, device),
			    .check = value_check_device },
	{ .name = "queues", .set = set_uint, .offset = UPLINK(queues),
	  .range = &queues_range },
	{ .name = "rx-descriptors", .set = set_uint, .offset = UPLINK(rx_desc),
	  .range = &desc_range },
	{ .name = "tx-descriptors", .set = set_uint, .offset = UPLINK(tx_desc),
	  .range = &desc_range },
	{ .name = "mtu", .set = set_uint, .offset = UPLINK(mtu), .range = &mtu_range },
	{ .name = "queue-affinity", .set = set_affinity, .offset = UPLINK(affinity) },
};

enum {
	GUEST_SOCKET, GUEST_MODE, GUEST_UPLINK, GUEST_MAC, GUEST_MAC_CHECK, GUEST_QUEUES,
	GUEST_FEATURES, GUEST_SOCKET_OWNER, GUEST_SOCKET_GROUP, GUEST_SOCKET_MODE,
};

static const struct key_desc guest_keys[] = {
	[GUEST_SOCKET] = { .name = "socket", .set = set_string,
			   .offset = GUEST(socket),
			   .size = FIELD_SIZE(struct config_guest, socket),
			   .check = value_check_abs_path },
	[GUEST_MODE] = { .name = "mode", .set = set_mode },
	[GUEST_UPLINK] = { .name = "uplink", .set = set_string,
			   .offset = GUEST(uplink),
			   .size = FIELD_SIZE(struct config_guest, uplink),
			   .check = value_check_uplink_name },
	[GUEST_MAC] = { .name = "mac", .set = set_mac },
	[GUEST_MAC_CHECK] = { .name = "mac-check", .set = set_bool,
			      .offset = GUEST(mac_check) },
	[GUEST_QUEUES] = { .name = "queues", .set = set_uint, .offset = GUEST(queues),
			   .range = &queues_range },
	[GUEST_FEATURES] = { .name = "features", .set = set_features },
	[GUEST_SOCKET_OWNER] = { .name = "socket-owner", .set = set_socket_owner },
	[GUEST_SOCKET_GROUP] = { .name = "socket-group", .set = set_socket_group },
	[GUEST_SOCKET_MODE] = { .name = "socket-mode", .set = set_socket_mode },
	{ .name = "notify", .set = set_notify },
	{ .name = "tx-rate", .set = set_bitrate, .offset = GUEST(tx_limit.bps) },
	{ .name = "tx-pps", .set = set_pktrate, .offset = GUEST(tx_limit.pps) },
	{ .name = "tx-burst", .set = set_bytes, .offset = GUEST(tx_limit.burst) },
	{ .name = "rx-rate", .set = set_bitrate, .offset = GUEST(rx_limit.bps) },
	{ .name = "rx-pps", .set = set_pktrate, .offset = GUEST(rx_limit.pps) },
	{ .name = "rx-burst", .set = set_bytes, .offset = GUEST(rx_limit.burst) },
	{ .name = "mbufs", .set = set_uint, .offset = GUEST(mbufs), .range = &guest_mbufs_range },
	{ .name = "queue-affinity", .set = set_affinity, .offset = GUEST(affinity) },
};

#define N_KEYS(keys)	(sizeof(keys) / sizeof((keys)[0]))

_Static_assert(N_KEYS(daemon_keys) <= MAX_KEYS, "daemon keys overflow section.seen");
_Static_assert(N_KEYS(uplink_keys) <= MAX_KEYS, "uplink keys overflow section.seen");
_Static_assert(N_KEYS(guest_keys) <= MAX_KEYS, "guest keys overflow section.seen");

static const struct section_desc daemon_section = {
	"daemon", false, 1, daemon_keys, N_KEYS(daemon_keys),
};
static const struct section_desc uplink_section = {
	"uplink", true, VHOSTD_MAX_UPLINKS, uplink_keys, N_KEYS(uplink_keys),
};
static const struct section_desc guest_section = {
	"guest", true, VHOSTD_MAX_GUESTS, guest_keys, N_KEYS(guest_keys),
};

static const struct section_desc *const section_descs[] = {
	&daemon_section, &uplink_section, &guest_section,
};

#define SECTION_RULE "[daemon], [uplink NAME] or [guest NAME]"

static bool
key_seen(const struct section *s, unsigned int key)
{
	return (s->seen & (1u << key)) != 0;
}

void
config_init(struct config *cfg)
{
	struct config_daemon *d = &cfg->daemon;

	memset(cfg, 0, sizeof(*cfg));
	d->cores[0] = DEFAULT_CORE;
	d->nb_cores = 1;
	d->memory_mb = DEFAULT_MEMORY_MB;
	d->hugepages = true;
	d->vring_stats = true;
	d->max_guests = VHOSTD_DEFAULT_GUESTS;
	d->max_queue_pairs = VHOSTD_MAX_QUEUES;
	d->idle_threshold_us = DEFAULT_IDLE_THRESHOLD_US;
	d->idle_backoff_max_us = DEFAULT_IDLE_BACKOFF_MAX_US;
	d->rebalance_interval = DEFAULT_REBALANCE_INTERVAL;
	d->rebalance_margin = DEFAULT_REBALANCE_MARGIN;
	d->log_level = DEFAULT_LOG_LEVEL;
	memcpy(d->control_socket, DEFAULT_CONTROL_SOCKET, sizeof(DEFAULT_CONTROL_SOCKET));
	memcpy(d->state_dir, DEFAULT_STATE_DIR, sizeof(DEFAULT_STATE_DIR));
}

const struct config_uplink *
config_find_uplink(const struct config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nb_uplinks; i++)
		if (strcmp(cfg->uplinks[i].name, name) == 0)
			return &cfg->uplinks[i];
	return NULL;
}

static int
unknown_key(struct parser *p, const char *key)
{
	const struct section_desc *desc = p->cur->desc;
	char list[256];
	size_t used = 0;

	list[0] = '\0';
	for (unsigned int i = 0; i < desc->nb_keys && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", desc->keys[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail(p, p->line, p->cur->title, key, "unknown key (expected one of: %s)", list);
}

/* Reading lines: everything libinih must not see, or would see wrongly. */

static void
trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static const struct section_desc *
find_section_desc(const char *type, size_t len)
{
	for (size_t i = 0; i < sizeof(section_descs) / sizeof(section_descs[0]); i++)
		if (strlen(section_descs[i]->type) == len &&
		    memcmp(section_descs[i]->type, type, len) == 0)
			return section_descs[i];
	return NULL;
}

const char *
config_key_name(const char *section_type, unsigned int i)
{
	const struct section_desc *desc = find_section_desc(section_type, strlen(section_type));

	return desc != NULL && i < desc->nb_keys ? desc->keys[i].name : NULL;
}

static void
section_new(struct parser *p, struct section *s)
{
	struct config *cfg = &p->cfg;
	const char *name = strchr(s->title, ' ') ? strchr(s->title, ' ') + 1 : "";

	if (s->desc == &daemon_section) {
		s->obj = &cfg->daemon;
	} else if (s->desc == &uplink_section) {
		struct config_uplink *u = &cfg->uplinks[cfg->nb_uplinks];

		p->uplink_sec[cfg->nb_uplinks++] = s;
		snprintf(u->name, sizeof(u->name), "%s", name);
		u->queues = DEFAULT_QUEUES;
		u->rx_desc = DEFAULT_DESCRIPTORS;
		u->tx_desc = DEFAULT_DESCRIPTORS;
		u->line = s->line;
		s->obj = u;
	} else {
		struct config_guest *g = &cfg->guests[cfg->nb_guests];

		p->guest_sec[cfg->nb_guests++] = s;
		snprintf(g->name, sizeof(g->name), "%s", name);
		g->mode = GUEST_MODE_SERVER;
		g->queues = DEFAULT_QUEUES;
		g->notify = NOTIFY_ADAPTIVE;
		g->socket_uid = (uid_t)-1;
		g->socket_gid = (gid_t)-1;
		g->socket_mode = -1;
		g->line = s->line;
		s->obj = g;
	}
}

/* "[TYPE NAME]": checked and opened here, as empty sections never reach the handler. */
static int
section_line(struct parser *p, const char *b, const char *e, char *out, size_t outlen)
{
	const struct section_desc *desc;
	const char *ib = b + 1, *ie = e - 1, *tb, *te, *nb, *ne;
	struct section *s;
	char raw[160];
	unsigned int count = 0;

	if (e - b < 2 || e[-1] != ']')
		return fail(p, p->line, NULL, NULL,
			    "'%.*s' is not a section header (expected " SECTION_RULE " alone on the line)",
			    (int)(e - b), b);
	trim(&ib, &ie);
	snprintf(raw, sizeof(raw), "%.*s", (int)(ie - ib), ib);
	if (ib == ie)
		return fail(p, p->line, raw, NULL, "empty section header (expected " SECTION_RULE ")");

	tb = ib;
	for (te = tb; te < ie && !isspace((unsigned char)*te); te++)
		;
	nb = te;
	ne = ie;
	trim(&nb, &ne);

	desc = find_section_desc(tb, (size_t)(te - tb));
	if (desc == NULL)
		return fail(p, p->line, raw, NULL,
			    "unknown section type '%.*s' (expected " SECTION_RULE ")",
			    (int)(te - tb), tb);
	if (desc->named && nb == ne)
		return fail(p, p->line, raw, NULL, "missing name (expected [%s NAME])",
			    desc->type);
	if (!desc->named && nb != ne)
		return fail(p, p->line, raw, NULL, "[%s] takes no name", desc->type);
	if (desc->named && !value_valid_name(nb, (size_t)(ne - nb)))
		return fail(p, p->line, raw, NULL,
			    "'%.*s' is not a valid name (expected " NAME_RULE ")",
			    (int)(ne - nb), nb);

	for (unsigned int i = 0; i < p->nb_sections; i++) {
		const struct section *old = &p->sections[i];
		const char *old_name;

		if (old->desc != desc)
			continue;
		count++;
		old_name = strchr(old->title, ' ') ? strchr(old->title, ' ') + 1 : "";
		if (strlen(old_name) == (size_t)(ne - nb) &&
		    memcmp(old_name, nb, (size_t)(ne - nb)) == 0)
			return fail(p, p->line, raw, NULL, "duplicate section (first on line %d)",
				    old->line);
	}
	if (count >= desc->max)
		return fail(p, p->line, raw, NULL, "too many [%s] sections (expected at most %u)",
			    desc->type, desc->max);

	s = &p->sections[p->nb_sections++];
	s->desc = desc;
	s->line = p->line;
	if (desc->named)
		snprintf(s->title, sizeof(s->title), "%s %.*s", desc->type, (int)(ne - nb), nb);
	else
		snprintf(s->title, sizeof(s->title), "%s", desc->type);
	section_new(p, s);
	p->cur = s;

	if (strlen(s->title) + 4 > outlen)
		return fail(p, p->line, s->title, NULL, "line too long for the INI parser");
	snprintf(out, outlen, "[%s]\n", s->title);
	return 0;
}

static int
key_line(struct parser *p, const char *b, const char *e, char *out, size_t outlen)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	const char *kb = b, *ke, *vb, *ve = e;
	const char *title = p->cur ? p->cur->title : NULL;
	char key[64];
	size_t klen, vlen;

	if (eq == NULL)
		return fail(p, p->line, title, NULL,
			    "'%.*s' is not a key = value line, a [section] header or a comment",
			    (int)(e - b), b);
	ke = eq;
	vb = eq + 1;
	trim(&kb, &ke);
	trim(&vb, &ve);
	if (kb == ke)
		return fail(p, p->line, title, NULL, "'%.*s' has no key before '='",
			    (int)(e - b), b);
	klen = (size_t)(ke - kb);
	vlen = (size_t)(ve - vb);
	snprintf(key, sizeof(key), "%.*s", (int)klen, kb);

	if (p->cur == NULL)
		return fail(p, p->line, NULL, key,
			    "key outside a section (expected a " SECTION_RULE " header before it)");
	/* libinih would split "a:b = c" at the ':'; no key of ours has one. */
	if (klen >= sizeof(key) ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != klen)
		return unknown_key(p, key);
	/* "key=value\n" and the NUL must fit, or libinih would cut the line. */
	if (klen + 1 + vlen + 2 > outlen)
		return fail(p, p->line, title, key,
			    "line too long (expected key and value within %zu characters, the INI parser's limit)",
			    outlen > 3 ? outlen - 3 : 0);
	memcpy(out, kb, klen);
	out[klen] = '=';
	memcpy(out + klen + 1, vb, vlen);
	out[klen + 1 + vlen] = '\n';
	out[klen + 2 + vlen] = '\0';
	return 0;
}

/*
 * Normalise one physical line into out: comments removed, blanks trimmed,
 * "[section]" or "key=value".  Inline comments start at '#' or ';' at the
 * start of the line or after a blank, so "iface=a#b" keeps its '#'.
 */
static int
filter_line(struct parser *p, const char *b, size_t n, char *out, size_t outlen)
{
	const char *e;

	if (outlen < 2)
		return fail(p, p->line, NULL, NULL, "INI parser line buffer too small");
	if (p->line == 1 && n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0) {
		b += 3;
		n -= 3;
	}
	for (size_t i = 0; i < n; i++) {
		if ((b[i] == '#' || b[i] == ';') &&
		    (i == 0 || isspace((unsigned char)b[i - 1]))) {
			n = i;
			break;
		}
	}
	e = b + n;
	trim(&b, &e);
	for (const char *c = b; c < e; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return fail(p, p->line, p->cur ? p->cur->title : NULL, NULL,
				    "control character 0x%02x in the line (expected plain text)",
				    (unsigned char)*c);
	/* Names and paths end up in the control protocol's JSON, which is
	 * UTF-8 only (comments, stripped above, may be anything). */
	for (const char *c = b; c < e;) {
		size_t len = utf8_seq_len((const unsigned char *)c, (size_t)(e - c));

		if (len == 0)
			return fail(p, p->line, p->cur ? p->cur->title : NULL, NULL,
				    "byte 0x%02x is not UTF-8 (expected UTF-8 text)",
				    (unsigned char)*c);
		c += len;
	}

	if (b == e) {
		memcpy(out, "\n", 2);
		return 0;
	}
	if (*b == '[')
		return section_line(p, b, e, out, outlen);
	return key_line(p, b, e, out, outlen);
}

/* ini_reader: one physical line per call, so our count is libinih's. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *raw, *nl;
	size_t rawlen;

	if (p->err != 0 || p->pos >= p->len || num < 0)
		return NULL;
	raw = p->text + p->pos;
	nl = memchr(raw, '\n', p->len - p->pos);
	rawlen = nl != NULL ? (size_t)(nl - raw) : p->len - p->pos;
	p->pos += rawlen + (nl != NULL);
	p->line++;
	if (filter_line(p, raw, rawlen, str, (size_t)num) != 0)
		return NULL;
	return str;
}

#if INI_HANDLER_LINENO
static int
handle_key(void *user, const char *section, const char *name, const char *value,
	   int lineno)
#else
static int
handle_key(void *user, const char *section, const char *name, const char *value)
#endif
{
	struct parser *p = user;
	struct section *s = p->cur;
	char why[512];
	unsigned int k;

	(void)section;	/* p->cur is the same section, with its line */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (p->err != 0)
		return 0;
	/* Section-start calls, in builds with INI_CALL_HANDLER_ON_NEW_SECTION. */
	if (name == NULL || value == NULL)
		return 1;
	if (s == NULL)
		return 0;	/* read_line rejects keys outside sections */

	for (k = 0; k < s->desc->nb_keys; k++)
		if (strcmp(s->desc->keys[k].name, name) == 0)
			break;
	if (k == s->desc->nb_keys) {
		unknown_key(p, name);
		return 0;
	}
	if (key_seen(s, k)) {
		fail(p, p->line, s->title, name, "set twice (first on line %d)", s->key_line[k]);
		return 0;
	}
	why[0] = '\0';
	if (s->desc->keys[k].set(s->obj, &s->desc->keys[k], value, why, sizeof(why)) != 0) {
		fail(p, p->line, s->title, name, "%s", why);
		return 0;
	}
	s->seen |= 1u << k;
	s->key_line[k] = p->line;
	return 1;
}

/* Checks that need the whole file. */

static void
uplink_names(const struct config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < cfg->nb_uplinks && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 cfg->uplinks[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

#define SOCKET_PERM_CLIENT \
	"only for mode = server (in client mode QEMU creates the socket and sets its permissions)"

/*
 * socket-owner, -group and -mode are for a socket vhostd creates.  An owner
 * or group without a mode gets 0660: connecting to a Unix socket takes
 * write permission, which the usual umask leaves to the owner alone.
 * Returns the index of a key that does not apply, or -1.
 */
static int
guest_socket_perms(struct config_guest *g, unsigned int seen)
{
	static const unsigned int keys[] = {
		GUEST_SOCKET_OWNER, GUEST_SOCKET_GROUP, GUEST_SOCKET_MODE,
	};

	for (unsigned int i = 0; i < N_KEYS(keys); i++)
		if ((seen & (1u << keys[i])) && g->mode == GUEST_MODE_CLIENT)
			return (int)keys[i];
	if (g->socket_mode < 0 && (g->socket_uid != (uid_t)-1 || g->socket_gid != (gid_t)-1))
		g->socket_mode = 0660;
	return -1;
}

/*
 * A burst is the bucket of a bit rate: alone it limits nothing, which is
 * more likely a typo than a wish.  Returns the index of a tx-burst or
 * rx-burst key set without the rate of its direction, or -1; *rate gets
 * the name of the missing key.
 */
static int
guest_lone_burst(const struct config_guest *g, unsigned int seen, const char **rate)
{
	static const struct {
		const char *burst;
		const char *rate;
		size_t off;
	} dirs[] = {
		{ "tx-burst", "tx-rate", offsetof(struct config_guest, tx_limit) },
		{ "rx-burst", "rx-rate", offsetof(struct config_guest, rx_limit) },
	};

	for (unsigned int d = 0; d < N_KEYS(dirs); d++) {
		const struct config_rate *r = (const void *)((const char *)g + dirs[d].off);

		for (unsigned int k = 0; k < N_KEYS(guest_keys); k++)
			if (strcmp(guest_keys[k].name, dirs[d].burst) == 0 &&
			    (seen & (1u << k)) && r->burst != 0 && r->bps == 0) {
				*rate = dirs[d].rate;
				return (int)k;
			}
	}
	return -1;
}

/* Entries of librte_vhost's poll set that a guest takes (limits.h), and
 * why the next guest does not fit, or NULL. */
static unsigned int
fdset_entries(const struct config_guest *g)
{
	return g->mode == GUEST_MODE_SERVER ? 2 : 1;
}

static const char *
fdset_full(unsigned int used, const struct config_guest *g, char *why, size_t len)
{
	if (used + fdset_entries(g) <= VHOSTD_VHOST_FDSET)
		return NULL;
	snprintf(why, len, "no room in librte_vhost's poll set: the guests before take %u of "
		 "its %u entries, and a %s-mode guest takes %u (lib/vhost/fd_man.h MAX_FDS: "
		 "at most %u guests in server mode, %u in client mode)", used,
		 VHOSTD_VHOST_FDSET, g->mode == GUEST_MODE_SERVER ? "server" : "client",
		 fdset_entries(g), VHOSTD_VHOST_FDSET / 2, VHOSTD_VHOST_FDSET);
	return why;
}

static int
finish_guest(struct parser *p, struct section *s)
{
	const char *rate;
	const struct config *cfg = &p->cfg;
	struct config_guest *g = s->obj;
	char names[VHOSTD_MAX_UPLINKS * (VHOSTD_NAME_MAX + 2)];
	int k;

	if (!key_seen(s, GUEST_SOCKET))
		return fail(p, s->line, s->title, NULL,
			    "missing required key 'socket' (expected the vhost-user socket path, e.g. socket = /run/vhostd/%s.sock)",
			    g->name);

	if (!key_seen(s, GUEST_MAC_CHECK))
		g->mac_check = g->has_mac;
	else if (g->mac_check && !g->has_mac)
		return fail(p, s->key_line[GUEST_MAC_CHECK], s->title, "mac-check",
			    "is on but no mac is set (expected a mac = xx:xx:xx:xx:xx:xx line, or mac-check = no)");
	k = guest_socket_perms(g, s->seen);
	if (k >= 0)
		return fail(p, s->key_line[k], s->title, guest_keys[k].name, SOCKET_PERM_CLIENT);
	k = guest_lone_burst(g, s->seen, &rate);
	if (k >= 0)
		return fail(p, s->key_line[k], s->title, guest_keys[k].name,
			    "has no effect without %s (expected a %s line, or no %s)", rate, rate,
			    guest_keys[k].name);
	if (g->queues > cfg->daemon.max_queue_pairs)
		return fail(p, s->key_line[GUEST_QUEUES], s->title, "queues",
			    "%u is more than [daemon] max-queue-pairs = %u", g->queues,
			    cfg->daemon.max_queue_pairs);

	uplink_names(cfg, names, sizeof(names));
	if (key_seen(s, GUEST_UPLINK)) {
		if (config_find_uplink(cfg, g->uplink) != NULL)
			return 0;
		if (cfg->nb_uplinks == 0)
			return fail(p, s->key_line[GUEST_UPLINK], s->title, "uplink",
				    "'%s' is not a configured uplink (the file has no [uplink NAME] section)",
				    g->uplink);
		return fail(p, s->key_line[GUEST_UPLINK], s->title, "uplink",
			    "'%s' is not a configured uplink (expected one of: %s)",
			    g->uplink, names);
	}
	if (cfg->nb_uplinks == 1) {
		memcpy(g->uplink, cfg->uplinks[0].name, sizeof(g->uplink));
		return 0;
	}
	if (cfg->nb_uplinks == 0)
		return fail(p, s->line, s->title, NULL,
			    "no uplink to attach to (expected an [uplink NAME] section in the file)");
	return fail(p, s->line, s->title, NULL,
		    "missing required key 'uplink' (expected one of: %s; it may be left out only when there is a single uplink)",
		    names);
}

static int
finish_cross_checks(struct parser *p)
{
	const struct config *cfg = &p->cfg;

	for (unsigned int j = 1; j < cfg->nb_uplinks; j++) {
		char idj[VHOSTD_DEVARGS_MAX];

		devargs_name(cfg->uplinks[j].device, idj, sizeof(idj));
		for (unsigned int i = 0; i < j; i++) {
			char idi[VHOSTD_DEVARGS_MAX];

			devargs_name(cfg->uplinks[i].device, idi, sizeof(idi));
			if (strcmp(idi, idj) == 0)
				return fail(p, p->uplink_sec[j]->key_line[UPLINK_DEVICE],
					    p->uplink_sec[j]->title, "device",
					    "'%s' is the same device as [%s] (line %d)",
					    cfg->uplinks[j].device, p->uplink_sec[i]->title,
					    p->uplink_sec[i]->key_line[UPLINK_DEVICE]);
		}
	}

	for (unsigned int j = 0; j < cfg->nb_guests; j++) {
		const struct config_guest *gj = &cfg->guests[j];
		const struct section *sj = p->guest_sec[j];

		if (strcmp(gj->socket, cfg->daemon.control_socket) == 0)
			return fail(p, sj->key_line[GUEST_SOCKET], sj->title, "socket",
				    "'%s' is the [daemon] control-socket (expected a path of its own)",
				    gj->socket);
		for (unsigned int i = 0; i < j; i++) {
			const struct config_guest *gi = &cfg->guests[i];
			const struct section *si = p->guest_sec[i];

			if (strcmp(gi->socket, gj->socket) == 0)
				return fail(p, sj->key_line[GUEST_SOCKET], sj->title, "socket",
					    "'%s' is already used by [%s] (line %d)",
					    gj->socket, si->title, si->key_line[GUEST_SOCKET]);
			/* Two guests may share a MAC on one uplink: the source and
			 * destination of a live migration on one host.  The MAC table
			 * follows whichever announced itself last (vhostd warns). */
		}
	}
	return 0;
}

/* queue-affinity against the section's queues and the [daemon] cores. */
static int
finish_affinity(struct parser *p, struct section *s)
{
	bool guest = s->desc == &guest_section;
	struct config_affinity *a = guest ? &((struct config_guest *)s->obj)->affinity
					  : &((struct config_uplink *)s->obj)->affinity;
	unsigned int queues = guest ? ((struct config_guest *)s->obj)->queues
				    : ((struct config_uplink *)s->obj)->queues;
	char text[VHOSTD_MAX_QUEUES * 12], why[256];

	if (a->mask == 0)
		return 0;
	config_format_affinity(a, text, sizeof(text));
	if (config_parse_affinity(text, queues, &p->cfg.daemon, a, why, sizeof(why)) == 0)
		return 0;
	for (unsigned int k = 0; k < s->desc->nb_keys; k++)
		if (strcmp(s->desc->keys[k].name, "queue-affinity") == 0)
			return fail(p, s->key_line[k], s->title, "queue-affinity", "%s", why);
	return fail(p, s->line, s->title, "queue-affinity", "%s", why);
}

static int
finish(struct parser *p)
{
	if (p->cfg.nb_guests > p->cfg.daemon.max_guests) {
		const struct section *s = p->guest_sec[p->cfg.daemon.max_guests];

		return fail(p, s->line, s->title, NULL,
			    "more [guest] sections than [daemon] max-guests = %u (expected at "
			    "most %u, or a larger max-guests)", p->cfg.daemon.max_guests,
			    p->cfg.daemon.max_guests);
	}
	for (unsigned int i = 0, used = 0; i < p->cfg.nb_guests; i++) {
		char why[320];

		if (fdset_full(used, &p->cfg.guests[i], why, sizeof(why)) != NULL)
			return fail(p, p->guest_sec[i]->line, p->guest_sec[i]->title, NULL, "%s",
				    why);
		used += fdset_entries(&p->cfg.guests[i]);
	}
	for (unsigned int i = 0; i < p->nb_sections; i++) {
		struct section *s = &p->sections[i];

		if (s->desc == &uplink_section && !key_seen(s, UPLINK_DEVICE))
			return fail(p, s->line, s->title, NULL,
				    "missing required key 'device' (expected a PCI address like 0000:3b:02.1 or vdev devargs like net_tap0,iface=vhostd0)");
		if (s->desc != &daemon_section && finish_affinity(p, s) != 0)
			return p->err;
		if (s->desc == &guest_section && finish_guest(p, s) != 0)
			return p->err;
	}
	return finish_cross_checks(p);
}

static int
parse_text(struct config *cfg, const char *text, size_t len, const char *name,
	   char *err, size_t errlen)
{
	struct parser *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		report(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	config_init(&p->cfg);
	snprintf(p->cfg.path, sizeof(p->cfg.path), "%s", name);
	p->name = name;
	p->text = text;
	p->len = len;
	p->errbuf = err;
	p->errlen = err != NULL ? errlen : 0;

	rc = ini_parse_stream(read_line, p, handle_key, p);
	if (p->err == 0 && rc > 0) {
		/* Not expected: read_line hands libinih only lines it accepts. */
		fail(p, rc, NULL, NULL, "syntax error");
	} else if (p->err == 0 && rc < 0) {
		report(err, errlen, "%s: out of memory", name);
		p->err = -ENOMEM;
	}
	if (p->err == 0)
		finish(p);

	rc = p->err;
	if (rc == 0) {
		*cfg = p->cfg;
		report(err, errlen, "%s", "");
	}
	free(p);
	return rc;
}

int
config_parse_string(struct config *cfg, const char *text, const char *name,
		    char *err, size_t errlen)
{
	if (name == NULL)
		name = "(string)";
	if (text == NULL) {
		report(err, errlen, "%s: no configuration text", name);
		return -EINVAL;
	}
	return parse_text(cfg, text, strlen(text), name, err, errlen);
}

static int
read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	size_t size = 4096, used = 0;
	char *buf, *bigger;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		report(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	buf = malloc(size);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto err_close;
	}
	for (;;) {
		ssize_t n;

		if (used == size) {
			bigger = realloc(buf, size * 2);
			if (bigger == NULL) {
				rc = -ENOMEM;
				goto err_free;
			}
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			report(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
			goto err_free;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > CONFIG_FILE_MAX) {
			rc = -EFBIG;
			report(err, errlen,
			       "%s: larger than %d bytes (expected a vhostd config file)",
			       path, CONFIG_FILE_MAX);
			goto err_free;
		}
	}
	close(fd);
	*text = buf;
	*len = used;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	if (rc == -ENOMEM)
		report(err, errlen, "%s: out of memory", path);
	return rc;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path == NULL) {
		report(err, errlen, "no configuration file given");
		return -EINVAL;
	}
	/* cfg->path is used later (file-prefix derivation): never truncate it. */
	if (strlen(path) >= sizeof(cfg->path)) {
		report(err, errlen, "%s: path too long (expected at most %zu characters)",
		       path, sizeof(cfg->path) - 1);
		return -ENAMETOOLONG;
	}
	rc = read_file(path, &text, &len, err, errlen);
	if (rc != 0)
		return rc;
	rc = parse_text(cfg, text, len, path, err, errlen);
	free(text);
	return rc;
}

/*
 * Guests defined at run time (the control socket's guest.add): the same
 * keys, setters and checks as a [guest NAME] section, without a file.
 * Messages read "[guest NAME] KEY: what is wrong".
 */

int
config_guest_new(struct config_guest *g, const char *name, char *err, size_t errlen)
{
	char why[128];

	memset(g, 0, sizeof(*g));
	/* Checked first: the name rule's message below quotes the name. */
	if (config_check_text(name, why, sizeof(why)) != 0) {
		report(err, errlen, "guest name: %s", why);
		return -EINVAL;
	}
	if (!value_valid_name(name, strlen(name))) {
		report(err, errlen, "guest name '%s' is not valid (expected %s)", name, NAME_RULE);
		return -EINVAL;
	}
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->mode = GUEST_MODE_SERVER;
	g->queues = DEFAULT_QUEUES;
	g->notify = NOTIFY_ADAPTIVE;
	g->socket_uid = (uid_t)-1;
	g->socket_gid = (gid_t)-1;
	g->socket_mode = -1;
	return 0;
}

int
config_guest_set(struct config_guest *g, const char *key, const char *value,
		 unsigned int *seen, char *err, size_t errlen)
{
	char why[512] = "";

	for (unsigned int k = 0; k < N_KEYS(guest_keys); k++) {
		if (strcmp(guest_keys[k].name, key) != 0)
			continue;
		/* Before the key's own rule, which may quote the value. */
		if (config_check_text(value, why, sizeof(why)) != 0 ||
		    guest_keys[k].set(g, &guest_keys[k], value, why, sizeof(why)) != 0) {
			report(err, errlen, "[guest %s] %s: %s", g->name, key, why);
			return -EINVAL;
		}
		*seen |= 1u << k;
		return 0;
	}
	report(err, errlen, "[guest %s] %s: unknown key", g->name, key);
	return -EINVAL;
}

int
config_guest_finish(struct config_guest *g, unsigned int seen, const struct config *cfg,
		    const struct config_guest *const *others, unsigned int nb_others,
		    char *err, size_t errlen)
{
	char names[VHOSTD_MAX_UPLINKS * (VHOSTD_NAME_MAX + 2)], why[320];
	unsigned int used = 0;
	const char *rate;
	int k;

	/* The caps first: when it is reached, nothing else about the guest matters. */
	if (nb_others >= cfg->daemon.max_guests) {
		report(err, errlen, "[guest %s]: no room for another guest ([daemon] max-guests "
		       "= %u)", g->name, cfg->daemon.max_guests);
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < nb_others; i++)
		used += fdset_entries(others[i]);
	if (fdset_full(used, g, why, sizeof(why)) != NULL) {
		report(err, errlen, "[guest %s]: %s", g->name, why);
		return -ENOSPC;
	}
	if (!(seen & (1u << GUEST_SOCKET))) {
		report(err, errlen, "[guest %s]: missing required key 'socket'", g->name);
		return -EINVAL;
	}
	if (!(seen & (1u << GUEST_MAC_CHECK))) {
		g->mac_check = g->has_mac;
	} else if (g->mac_check && !g->has_mac) {
		report(err, errlen, "[guest %s] mac-check: is on but no mac is set", g->name);
		return -EINVAL;
	}
	k = guest_socket_perms(g, seen);
	if (k >= 0) {
		report(err, errlen, "[guest %s] %s: " SOCKET_PERM_CLIENT, g->name,
		       guest_keys[k].name);
		return -EINVAL;
	}
	k = guest_lone_burst(g, seen, &rate);
	if (k >= 0) {
		report(err, errlen, "[guest %s] %s: has no effect without %s", g->name,
		       guest_keys[k].name, rate);
		return -EINVAL;
	}
	if (g->queues > cfg->daemon.max_queue_pairs) {
		report(err, errlen, "[guest %s] queues: %u is more than [daemon] max-queue-pairs "
		       "= %u", g->name, g->queues, cfg->daemon.max_queue_pairs);
		return -EINVAL;
	}
	if (g->affinity.mask != 0) {
		char text[VHOSTD_MAX_QUEUES * 12], why[256];

		config_format_affinity(&g->affinity, text, sizeof(text));
		if (config_parse_affinity(text, g->queues, &cfg->daemon, &g->affinity, why,
					  sizeof(why)) != 0) {
			report(err, errlen, "[guest %s] queue-affinity: %s", g->name, why);
			return -EINVAL;
		}
	}
	uplink_names(cfg, names, sizeof(names));
	if (!(seen & (1u << GUEST_UPLINK))) {
		if (cfg->nb_uplinks != 1) {
			report(err, errlen, "[guest %s]: missing required key 'uplink' (expected "
			       "one of: %s)", g->name, names);
			return -EINVAL;
		}
		memcpy(g->uplink, cfg->uplinks[0].name, sizeof(g->uplink));
	} else if (config_find_uplink(cfg, g->uplink) == NULL) {
		report(err, errlen, "[guest %s] uplink: '%s' is not a configured uplink "
		       "(expected one of: %s)", g->name, g->uplink, names);
		return -ENOENT;
	}
	if (strcmp(g->socket, cfg->daemon.control_socket) == 0) {
		report(err, errlen, "[guest %s] socket: '%s' is the [daemon] control-socket",
		       g->name, g->socket);
		return -EEXIST;
	}
	for (unsigned int i = 0; i < nb_others; i++) {
		const struct config_guest *o = others[i];

		if (strcmp(o->name, g->name) == 0) {
			report(err, errlen, "[guest %s]: a guest of that name exists", g->name);
			return -EEXIST;
		}
		if (strcmp(o->socket, g->socket) == 0) {
			report(err, errlen, "[guest %s] socket: '%s' is already used by [guest %s]",
			       g->name, g->socket, o->name);
			return -EEXIST;
		}
		/* A shared MAC is allowed: see finish_cross_checks(). */
	}
	return 0;
}
