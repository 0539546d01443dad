/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CTL_TABLE_H
#define VHOSTD_CTL_TABLE_H

/*
 * The control commands (docs/control-protocol.md): names, parameters,
 * types and help, all that ctl_dispatch() checks before a handler runs.
 * No handlers and no DPDK, so that the daemon (ctl_cmds.c), the unit tests
 * and the fuzzer dispatch the same table; each supplies its handlers as an
 * array indexed by enum ctl_cmd_id and binds them with ctl_table_bind().
 */

#include "vhostd/ctl_proto.h"

enum ctl_cmd_id {
	CTL_CMD_VERSION,
	CTL_CMD_HELP,
	CTL_CMD_GUEST_LIST,
	CTL_CMD_GUEST_SHOW,
	CTL_CMD_GUEST_ADD,
	CTL_CMD_GUEST_DEL,
	CTL_CMD_UPLINK_LIST,
	CTL_CMD_UPLINK_SHOW,
	CTL_CMD_STATS,
	CTL_CMD_WORKERS,
	CTL_CMD_LOG_LEVEL,
	CTL_CMD_CAPTURE_START,
	CTL_CMD_CAPTURE_STOP,
	CTL_CMD_GUEST_AFFINITY,
	CTL_CMD_UPLINK_AFFINITY,
	CTL_CMD_GUEST_EVENTS,
	CTL_CMD_GUEST_WHY,
	CTL_NB_CMDS
};

/* Entry i is command i of enum ctl_cmd_id; every handler is NULL. */
extern const struct ctl_cmd ctl_table[CTL_NB_CMDS];

/*
 * out[i] = ctl_table[i] with handlers[i] as its handler.  Returns 0, or
 * -EINVAL (out left unspecified) when a handler is missing: a command
 * that the table lists and nobody serves.
 */
int ctl_table_bind(struct ctl_cmd out[CTL_NB_CMDS], const ctl_handler handlers[CTL_NB_CMDS]);

#endif
