/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vhostd/devargs.h"

/* What the EAL gets: -a for a PCI address, --vdev for the rest. */
static void
test_is_pci(void **state)
{
	(void)state;
	assert_true(devargs_is_pci("0000:3b:02.1"));
	assert_true(devargs_is_pci("3b:02.1"));
	assert_true(devargs_is_pci("3B:02.1,representor=[0-3]"));
	assert_true(devargs_is_pci("3b:2.7"));
	assert_false(devargs_is_pci("net_tap0,iface=vhostd0"));
	assert_false(devargs_is_pci("eth_af_packet0,iface=veth0"));
	assert_false(devargs_is_pci("net_null0"));
	assert_false(devargs_is_pci(""));
	assert_false(devargs_is_pci("3b:02.8"));		/* 8 functions: 0-7 */
	assert_false(devargs_is_pci("3b:02.1x"));
	assert_false(devargs_is_pci("3b:02"));
	assert_false(devargs_is_pci("0000:3b:02:01.1"));
	assert_false(devargs_is_pci("abc:02.1"));		/* bus: 2 digits */
}

/* The name rte_eth_dev_get_port_by_name() and the config's duplicate check
 * compare: one spelling per device. */
static void
test_name(void **state)
{
	char name[64];

	(void)state;
	devargs_name("net_tap0,iface=vhostd0", name, sizeof(name));
	assert_string_equal(name, "net_tap0");
	devargs_name("net_null0", name, sizeof(name));
	assert_string_equal(name, "net_null0");
	devargs_name("3b:02.1", name, sizeof(name));
	assert_string_equal(name, "0000:3b:02.1");
	devargs_name("0000:3B:02.1,x=1", name, sizeof(name));
	assert_string_equal(name, "0000:3b:02.1");
	devargs_name("1:3b:2.1", name, sizeof(name));
	assert_string_equal(name, "0001:3b:02.1");
	devargs_name("net_tap0,iface=vhostd0", name, 5);
	assert_string_equal(name, "net_");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_pci),
		cmocka_unit_test(test_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
