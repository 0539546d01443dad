/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control commands' table (docs/control-protocol.md) without its
 * handlers: what the dispatcher checks, shared by the daemon, the unit
 * tests and the fuzzer.  A command or a parameter is added here once.
 */
#include <errno.h>

#include "vhostd/ctl_table.h"

#define DIM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct ctl_param p_name[] = { { "name", CTL_STRING, true } };
static const struct ctl_param p_capture[] = {
	{ "name", CTL_STRING, true }, { "file", CTL_STRING, true },
	{ "count", CTL_INT, false },
};
static const struct ctl_param p_add[] = {
	{ "name", CTL_STRING, true }, { "socket", CTL_STRING, true },
	{ "uplink", CTL_STRING, false }, { "mode", CTL_STRING, false },
	{ "mac", CTL_STRING, false }, { "mac_check", CTL_BOOL, false },
	{ "queues", CTL_INT, false }, { "features", CTL_STRING, false },
	{ "notify", CTL_STRING, false }, { "persist", CTL_BOOL, false },
	{ "socket_owner", CTL_STRING, false }, { "socket_group", CTL_STRING, false },
	{ "socket_mode", CTL_STRING, false },	/* octal text, "0660" */
	{ "queue_affinity", CTL_STRING, false },
	/* Rate limits as in the file ("100M"), and the guest's own pool size. */
	{ "tx_rate", CTL_STRING, false }, { "tx_pps", CTL_STRING, false },
	{ "tx_burst", CTL_STRING, false }, { "rx_rate", CTL_STRING, false },
	{ "rx_pps", CTL_STRING, false }, { "rx_burst", CTL_STRING, false },
	{ "mbufs", CTL_INT, false },
};
static const struct ctl_param p_affinity[] = {
	{ "name", CTL_STRING, true }, { "affinity", CTL_STRING, true },
};
static const struct ctl_param p_stats[] = {
	{ "kind", CTL_STRING, false }, { "name", CTL_STRING, false },
	{ "reset", CTL_BOOL, false },
};
static const struct ctl_param p_events[] = {
	{ "name", CTL_STRING, true },
	{ "since", CTL_INT, false },	/* seconds since the epoch; < 0: back from now */
};
static const struct ctl_param p_level[] = { { "level", CTL_STRING, true } };

#define PARAMS(p) p, DIM(p)

const struct ctl_cmd ctl_table[CTL_NB_CMDS] = {
	[CTL_CMD_VERSION] = { "version", NULL, NULL, 0, "vhostd and DPDK versions" },
	[CTL_CMD_HELP] = { "help", NULL, NULL, 0, "this table" },
	[CTL_CMD_GUEST_LIST] = { "guest.list", NULL, NULL, 0, "guests, one line each" },
	[CTL_CMD_GUEST_SHOW] = { "guest.show", NULL, PARAMS(p_name),
	  "a guest: connection, features, vrings, counters" },
	[CTL_CMD_GUEST_ADD] = { "guest.add", NULL, PARAMS(p_add), "add a guest at run time" },
	[CTL_CMD_GUEST_DEL] = { "guest.del", NULL, PARAMS(p_name), "remove a guest" },
	[CTL_CMD_UPLINK_LIST] = { "uplink.list", NULL, NULL, 0, "uplinks, one line each" },
	[CTL_CMD_UPLINK_SHOW] = { "uplink.show", NULL, PARAMS(p_name),
	  "an uplink and its counters" },
	[CTL_CMD_STATS] = { "stats", NULL, PARAMS(p_stats),
	  "counters (reset them with reset: true)" },
	[CTL_CMD_WORKERS] = { "workers", NULL, NULL, 0,
	  "workers: queues, busy %, cycles per packet" },
	[CTL_CMD_LOG_LEVEL] = { "log-level", NULL, PARAMS(p_level), "set vhostd's log level" },
	[CTL_CMD_CAPTURE_START] = { "capture.start", NULL, PARAMS(p_capture),
	  "write a guest's frames to a new pcapng file (count 0: until capture.stop)" },
	[CTL_CMD_CAPTURE_STOP] = { "capture.stop", NULL, PARAMS(p_name), "stop a guest's capture" },
	[CTL_CMD_GUEST_AFFINITY] = { "guest.affinity", NULL, PARAMS(p_affinity),
	  "pin a guest's queue pairs to worker CPUs (\"0:1,1:2\"; \"none\" unpins)" },
	[CTL_CMD_UPLINK_AFFINITY] = { "uplink.affinity", NULL, PARAMS(p_affinity),
	  "pin an uplink's RX queues to worker CPUs (\"0:1,1:2\"; \"none\" unpins)" },
	[CTL_CMD_GUEST_EVENTS] = { "guest.events", NULL, PARAMS(p_events),
	  "a guest's flight recorder: control events, oldest first (since: epoch "
	  "seconds, or negative: seconds back)" },
	[CTL_CMD_GUEST_WHY] = { "guest.why", NULL, PARAMS(p_name),
	  "why a guest lost frames in the last 10 s: guest slow, host slow, wire or policy" },
};

int
ctl_table_bind(struct ctl_cmd out[CTL_NB_CMDS], const ctl_handler handlers[CTL_NB_CMDS])
{
	for (unsigned int i = 0; i < CTL_NB_CMDS; i++) {
		/* A hole in the designated initializers above has no name. */
		if (ctl_table[i].name == NULL || handlers[i] == NULL)
			return -EINVAL;
		out[i] = ctl_table[i];
		out[i].handler = handlers[i];
	}
	return 0;
}
