/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_LOG_H
#define VHOSTD_LOG_H

/* vhostd's log lines, from every layer (the log type is main.c's). */

#include <rte_log.h>

extern int vhostd_logtype;
#define LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vhostd_logtype, "vhostd: " fmt "\n", ##__VA_ARGS__)

#endif
