/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhostd's DPDK log type, "vhostd" (--log-level=vhostd:debug).  Every layer
 * logs through it (LOG() in control/vhostd.h, ratelimit.c), so it is
 * defined at the bottom, in lib, not in main.c: a definition at the top
 * tied every file that logs to the daemon's main.c, one circle of all
 * (tools/check-layers.py).  The unit tests leave this file out and define
 * their own vhostd_logtype.
 */
#include <rte_log.h>

RTE_LOG_REGISTER(vhostd_logtype, vhostd, INFO);
