/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_DEVARGS_H
#define VHOSTD_DEVARGS_H

/*
 * An uplink's devargs ([uplink] device): a PCI address ("0000:3b:02.1",
 * "3b:02.1", with ",key=value" arguments) or a vdev ("net_tap0,iface=x").
 * The one reading of them, for the EAL's arguments (-a or --vdev), the
 * config's check that two uplinks do not name one device, and the port
 * lookup (devargs.c; plain C, unit-tested alone).
 */

#include <stdbool.h>
#include <stddef.h>

/* Does devargs start with a PCI address, domain optional, then '\0' or ','? */
bool devargs_is_pci(const char *devargs);

/*
 * The name DPDK gives the device devargs probe: the part before the first
 * ',' ("net_tap0" of "net_tap0,iface=x"), a PCI address in DPDK's own
 * form, "0000:3b:02.1" of "3B:2.1" (rte_pci_device_name): two spellings
 * of one address name one device.
 */
void devargs_name(const char *devargs, char *name, size_t len);

#endif
