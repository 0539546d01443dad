/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of each section type: their names, defaults and setters.  One
 * table serves the INI walk (config.c), guest.add (config_guest.c, through
 * config_guest_set) and the documentation check (test_config_docs), so a
 * key means the same wherever it is written.
 *
 * What a single value may be, and the reason when it is not, is in
 * config_value.c; each setter checks the whole value before it stores it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vhostd/config.h"
#include "vhostd/features.h"
#include "vhostd/notify.h"

#include "lib/config_keys.h"
#include "lib/config_value.h"

#define DEFAULT_CORE		1
#define DEFAULT_MEMORY_MB	256
#define DEFAULT_LOG_LEVEL	7	/* info */
#define DEFAULT_CONTROL_SOCKET	"/run/vhostd/control.sock"
#define DEFAULT_STATE_DIR	"/var/lib/vhostd"
/* Idle time before an adaptive worker sleeps: long enough that the gaps
 * between bursts of a loaded guest never reach it, short enough that an
 * idle host stops spinning at once (docs/performance.md, "Idle CPU and
 * wake-up latency"). */
#define DEFAULT_IDLE_THRESHOLD_US 200
/* Longest sleep of a worker polling an uplink without RX interrupts: the
 * worst wait of a frame from it, and 1000 wake-ups/s when idle. */
#define DEFAULT_IDLE_BACKOFF_MAX_US 1000
/* How long frames for a guest wait for room in its full RX ring before
 * they are dropped: longer than a vCPU's usual short absence (a host
 * tick, a preemption), short enough that a stopped guest costs nothing
 * after it (docs/configuration.md). */
#define DEFAULT_GUEST_RING_WAIT_US 1000
/* Rebalancing: look every 10 s; move only for a 25 % lighter busiest
 * worker (OVS's pmd-auto-lb-improvement-threshold is 25 too). */
#define DEFAULT_REBALANCE_INTERVAL 10
#define DEFAULT_REBALANCE_MARGIN 25

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
/* Key setters: the value is checked in full (config_value.c) before it is stored. */

static int
set_uint(void *obj, const struct key_desc *k, const char *value, char *why,
	 size_t whylen)
{
	unsigned int *dst = (unsigned int *)((char *)obj + k->offset);

	return value_parse_uint(value, k->range, dst, why, whylen);
}

/*
 * Keys whose value one parser of config_value.c reads into the field at
 * k->offset, of the type it writes.
 */
#define FIELD_SETTER(setter, type, parse)						\
	static int								\
	setter(void *obj, const struct key_desc *k, const char *value, char *why,	\
	       size_t whylen)								\
	{									\
		return parse(value, (type *)((char *)obj + k->offset), why, whylen);	\
	}

FIELD_SETTER(set_bool, bool, value_parse_bool)
FIELD_SETTER(set_log_level, int, config_parse_log_level)
FIELD_SETTER(set_mode, enum guest_mode, value_parse_guest_mode)
FIELD_SETTER(set_notify, enum notify_mode, value_parse_notify_mode)
FIELD_SETTER(set_socket_mode, int, value_parse_socket_mode)

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

/* Rate limits (tx-rate, rx-pps, tx-burst...): a uint64_t field at k->offset. */
static int
set_quantity(void *obj, const struct key_desc *k, const char *value, char *why, size_t whylen)
{
	return value_parse_quantity(value, k->quantity, (uint64_t *)((char *)obj + k->offset),
				    why, whylen);
}

/*
 * socket-owner, socket-group, control-group: the syntax, then the account
 * must exist (vhostd -n says so).  The name goes to k->offset (k->size
 * bytes), its id to k->id_offset when there is one (0: looked up again
 * when used).
 */
static int
set_account(void *obj, const struct key_desc *k, const char *value, char *why, size_t whylen)
{
	uid_t uid;
	gid_t gid;
	int rc;

	rc = k->user ? value_parse_user(value, k->size, &uid, why, whylen)
		     : value_parse_group(value, k->size, &gid, why, whylen);
	if (rc != 0)
		return -EINVAL;
	memcpy((char *)obj + k->offset, value, strlen(value) + 1);
	if (k->id_offset != 0 && k->user)
		memcpy((char *)obj + k->id_offset, &uid, sizeof(uid));
	else if (k->id_offset != 0)
		memcpy((char *)obj + k->id_offset, &gid, sizeof(gid));
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
static const struct uint_range ring_wait_range = { 0, 1000000, false, false, "microseconds" };
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
	{ .name = "log-level", .set = set_log_level, .offset = DAEMON(log_level) },
	{ .name = "control-socket", .set = set_string,
	  .offset = DAEMON(control_socket),
	  .size = FIELD_SIZE(struct config_daemon, control_socket),
	  .check = value_check_abs_path },
	{ .name = "control-group", .set = set_account, .offset = DAEMON(control_group),
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
	{ .name = "guest-ring-wait-us", .set = set_uint, .offset = DAEMON(guest_ring_wait_us),
	  .range = &ring_wait_range },
	{ .name = "rebalance-interval", .set = set_uint, .offset = DAEMON(rebalance_interval),
	  .range = &rebalance_range },
	{ .name = "rebalance-margin", .set = set_uint, .offset = DAEMON(rebalance_margin),
	  .range = &margin_range },
};

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

static const struct key_desc guest_keys[] = {
	[GUEST_SOCKET] = { .name = "socket", .set = set_string,
			   .offset = GUEST(socket),
			   .size = FIELD_SIZE(struct config_guest, socket),
			   .check = value_check_abs_path },
	[GUEST_MODE] = { .name = "mode", .set = set_mode, .offset = GUEST(mode) },
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
	[GUEST_SOCKET_OWNER] = { .name = "socket-owner", .set = set_account,
				 .offset = GUEST(socket_owner), .id_offset = GUEST(socket_uid),
				 .size = FIELD_SIZE(struct config_guest, socket_owner), .user = true },
	[GUEST_SOCKET_GROUP] = { .name = "socket-group", .set = set_account,
				 .offset = GUEST(socket_group), .id_offset = GUEST(socket_gid),
				 .size = FIELD_SIZE(struct config_guest, socket_group) },
	[GUEST_SOCKET_MODE] = { .name = "socket-mode", .set = set_socket_mode,
				 .offset = GUEST(socket_mode) },
	{ .name = "notify", .set = set_notify, .offset = GUEST(notify) },
	{ .name = "tx-rate", .set = set_quantity, .offset = GUEST(tx_limit.bps),
	  .quantity = VALUE_BITRATE },
	{ .name = "tx-pps", .set = set_quantity, .offset = GUEST(tx_limit.pps),
	  .quantity = VALUE_PKTRATE },
	{ .name = "tx-burst", .set = set_quantity, .offset = GUEST(tx_limit.burst),
	  .quantity = VALUE_BYTES },
	{ .name = "rx-rate", .set = set_quantity, .offset = GUEST(rx_limit.bps),
	  .quantity = VALUE_BITRATE },
	{ .name = "rx-pps", .set = set_quantity, .offset = GUEST(rx_limit.pps),
	  .quantity = VALUE_PKTRATE },
	{ .name = "rx-burst", .set = set_quantity, .offset = GUEST(rx_limit.burst),
	  .quantity = VALUE_BYTES },
	{ .name = "mbufs", .set = set_uint, .offset = GUEST(mbufs), .range = &guest_mbufs_range },
	{ .name = "queue-affinity", .set = set_affinity, .offset = GUEST(affinity) },
};

_Static_assert(N_KEYS(daemon_keys) <= MAX_KEYS, "daemon keys overflow a seen mask");
_Static_assert(N_KEYS(uplink_keys) <= MAX_KEYS, "uplink keys overflow a seen mask");
_Static_assert(N_KEYS(guest_keys) <= MAX_KEYS, "guest keys overflow a seen mask");

const struct section_desc config_daemon_section = {
	"daemon", false, 1, daemon_keys, N_KEYS(daemon_keys),
};
const struct section_desc config_uplink_section = {
	"uplink", true, VHOSTD_MAX_UPLINKS, uplink_keys, N_KEYS(uplink_keys),
};
const struct section_desc config_guest_section = {
	"guest", true, VHOSTD_MAX_GUESTS, guest_keys, N_KEYS(guest_keys),
};

static const struct section_desc *const section_descs[] = {
	&config_daemon_section, &config_uplink_section, &config_guest_section,
};

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
	d->guest_ring_wait_us = DEFAULT_GUEST_RING_WAIT_US;
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

const struct section_desc *
config_section_desc(const char *type, size_t len)
{
	for (size_t i = 0; i < N_KEYS(section_descs); i++)
		if (strlen(section_descs[i]->type) == len &&
		    memcmp(section_descs[i]->type, type, len) == 0)
			return section_descs[i];
	return NULL;
}

const char *
config_key_name(const char *section_type, unsigned int i)
{
	const struct section_desc *desc = config_section_desc(section_type, strlen(section_type));

	return desc != NULL && i < desc->nb_keys ? desc->keys[i].name : NULL;
}

int
config_key_index(const struct section_desc *desc, const char *name)
{
	for (unsigned int k = 0; k < desc->nb_keys; k++)
		if (strcmp(desc->keys[k].name, name) == 0)
			return (int)k;
	return -1;
}

int
config_affinity_check(struct config_affinity *a, unsigned int queues,
		      const struct config_daemon *d, char *why, size_t whylen)
{
	char text[VHOSTD_MAX_QUEUES * 12];

	if (a->mask == 0)
		return 0;
	config_format_affinity(a, text, sizeof(text));
	return config_parse_affinity(text, queues, d, a, why, whylen);
}

void
config_report(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
