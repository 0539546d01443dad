/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_LIMITS_H
#define VHOSTD_LIMITS_H

/* Hard limits.  Sized for a compute host: a few uplinks, tens of guests. */
#define VHOSTD_NAME_MAX      32   /* section names: [guest NAME], [uplink NAME] */
#define VHOSTD_PATH_MAX      108  /* sizeof(sockaddr_un.sun_path) */
#define VHOSTD_DEVARGS_MAX   256
#define VHOSTD_MAX_UPLINKS   16
#define VHOSTD_MAX_GUESTS    64
#define VHOSTD_MAX_WORKERS   32
#define VHOSTD_MAX_QUEUES    16   /* queue pairs per guest, queues per uplink */
#define VHOSTD_MAX_CPU       1024

#endif
