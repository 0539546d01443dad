/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_LIMITS_H
#define VHOSTD_LIMITS_H

/* Hard limits.  Sized for a compute host: a few uplinks, hundreds of guests. */
#define VHOSTD_NAME_MAX      32   /* section names: [guest NAME], [uplink NAME] */
#define VHOSTD_PATH_MAX      108  /* sizeof(sockaddr_un.sun_path) */
#define VHOSTD_DEVARGS_MAX   256
#define VHOSTD_MAX_UPLINKS   16
/*
 * librte_vhost 22.11 watches every vhost-user socket it listens on and every
 * connection in one poll set of 1024 entries (lib/vhost/fd_man.h, MAX_FDS),
 * one of which is its own wake-up pipe: 1023 are left.  A server-mode guest
 * takes two (the listening socket and the connection), a client-mode guest
 * one (its reconnect timer lives in a list of its own, not in the set).
 * Measured by tools/bench/scale.py (docs/operations.md, "Sizing").
 */
#define VHOSTD_VHOST_FDSET   1023
#define VHOSTD_MAX_GUESTS    VHOSTD_VHOST_FDSET	/* all in client mode */
#define VHOSTD_DEFAULT_GUESTS 64	/* [daemon] max-guests: slots reserved at start */
#define VHOSTD_MAX_WORKERS   32
#define VHOSTD_MAX_QUEUES    16   /* queue pairs per guest, queues per uplink */
#define VHOSTD_MAX_CPU       1024

#endif
