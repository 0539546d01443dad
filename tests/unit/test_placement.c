/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vhostd/placement.h"

static void
test_pick(void **state)
{
	unsigned int load[4] = { 2, 1, 1, 3 };

	(void)state;
	assert_int_equal(placement_pick(load, 4), 1);	/* lowest index on ties */
	assert_int_equal(placement_pick(load, 1), 0);
}

static void
test_spread(void **state)
{
	unsigned int load[3] = { 0, 0, 0 };

	(void)state;
	/* Placing 7 queues one by one spreads them 3/2/2. */
	for (int i = 0; i < 7; i++)
		load[placement_pick(load, 3)]++;
	assert_int_equal(load[0], 3);
	assert_int_equal(load[1], 2);
	assert_int_equal(load[2], 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
