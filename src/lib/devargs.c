/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading an uplink's devargs (vhostd/devargs.h).  A PCI address is
 * [domain:]bus:device.function in hex, as DPDK's rte_pci_addr_parse()
 * takes it: up to 4 digits of domain, 2 of bus and device, and a function
 * of 0-7 (PCI 3.0, 6.1: 8 functions per device).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vhostd/devargs.h"

struct pci_addr {
	unsigned int domain, bus, dev, fn;
};

/* At least one and at most max hex digits at *p, moved past them. */
static bool
hex_field(const char **p, unsigned int max, unsigned int *out)
{
	unsigned int n = 0, v = 0;

	while (n < max && isxdigit((unsigned char)(*p)[n])) {
		char c = (char)tolower((unsigned char)(*p)[n]);

		v = v * 16 + (unsigned int)(c <= '9' ? c - '0' : c - 'a' + 10);
		n++;
	}
	*p += n;
	*out = v;
	return n > 0;
}

/* "dddd:bb:dd.f" or "bb:dd.f", then the end or ','. */
static bool
pci_parse(const char *s, struct pci_addr *a)
{
	unsigned int f[3], n = 0;
	const char *p = s;

	do {
		if (n == 3 || !hex_field(&p, n == 0 ? 4 : 2, &f[n]))
			return false;
		n++;
	} while (*p++ == ':');
	/* p is past the character that ended the fields: it must be '.' */
	if (n < 2 || p[-1] != '.' || *p < '0' || *p > '7')
		return false;
	a->fn = (unsigned int)(*p++ - '0');
	if (*p != '\0' && *p != ',')
		return false;
	if (n == 2 && f[0] > 0xff)
		return false;
	a->domain = n == 3 ? f[0] : 0;
	a->bus = f[n - 2];
	a->dev = f[n - 1];
	return true;
}

bool
devargs_is_pci(const char *devargs)
{
	struct pci_addr a;

	return pci_parse(devargs, &a);
}

void
devargs_name(const char *devargs, char *name, size_t len)
{
	struct pci_addr a;

	if (pci_parse(devargs, &a))
		snprintf(name, len, "%04x:%02x:%02x.%x", a.domain, a.bus, a.dev, a.fn);
	else
		snprintf(name, len, "%.*s", (int)strcspn(devargs, ","), devargs);
}
