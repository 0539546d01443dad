/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/devargs.h"

/* What the EAL gets (-a for a PCI address, --vdev for the rest), and the
 * name rte_eth_dev_get_port_by_name() and the config's same-device check
 * compare: one spelling per device. */
static const struct {
	const char *devargs;
	bool pci;
	const char *name;
} cases[] = {
	{ "0000:3b:02.1", true, "0000:3b:02.1" },
	{ "3b:02.1", true, "0000:3b:02.1" },
	{ "0000:3B:02.1,x=1", true, "0000:3b:02.1" },
	{ "3B:02.1,representor=[0-3]", true, "0000:3b:02.1" },
	{ "3b:2.7", true, "0000:3b:02.7" },
	{ "1:3b:2.1", true, "0001:3b:02.1" },
	{ "net_tap0,iface=vhostd0", false, "net_tap0" },
	{ "eth_af_packet0,iface=veth0", false, "eth_af_packet0" },
	{ "net_null0", false, "net_null0" },
	{ "", false, "" },
	{ "3b:02.8", false, "3b:02.8" },		/* 8 functions: 0-7 */
	{ "3b:02.1x", false, "3b:02.1x" },
	{ "3b:02", false, "3b:02" },
	{ "0000:3b:02:01.1", false, "0000:3b:02:01.1" },
	{ "abc:02.1", false, "abc:02.1" },		/* bus: 2 digits */
};

static void
test_cases(void **state)
{
	char name[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool pci = devargs_is_pci(cases[i].devargs);

		devargs_name(cases[i].devargs, name, sizeof(name));
		if (pci != cases[i].pci || strcmp(name, cases[i].name) != 0)
			fail_msg("'%s': pci %d name '%s', expected pci %d name '%s'",
				 cases[i].devargs, pci, name, cases[i].pci, cases[i].name);
	}
}

/* A short buffer gets a cut name, never an overrun. */
static void
test_short_buffer(void **state)
{
	char name[5];

	(void)state;
	devargs_name("net_tap0,iface=vhostd0", name, sizeof(name));
	assert_string_equal(name, "net_");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
