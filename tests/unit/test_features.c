/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/features.h"

#define BIT(n) (1ULL << (n))

/* What librte_vhost 22.11 offers for a net device (VIRTIO_NET_SUPPORTED_FEATURES
 * plus protocol features and logging), as seen from rte_vhost_driver_get_features. */
static const uint64_t lib = BIT(0) | BIT(1) | BIT(3) | BIT(7) | BIT(8) | BIT(11) |
	BIT(12) | BIT(15) | BIT(17) | BIT(18) | BIT(21) | BIT(22) | BIT(26) |
	BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(32) | BIT(34) | BIT(35);

static void
test_policy_parse(void **state)
{
	uint64_t on = 1, off = 1;
	char err[128];

	(void)state;
	assert_int_equal(features_parse_policy("-in-order, +packed-ring", &on, &off,
					       err, sizeof(err)), 0);
	assert_int_equal(on, BIT(34));
	assert_int_equal(off, BIT(35));
	assert_int_equal(features_parse_policy("csum guest-csum,,-event-idx", &on, &off,
					       err, sizeof(err)), 0);
	assert_int_equal(on, BIT(0) | BIT(1));
	assert_int_equal(off, BIT(29));
	assert_int_equal(features_parse_policy("", &on, &off, err, sizeof(err)), 0);
	assert_int_equal(on, 0);
	assert_int_equal(off, 0);
}

static void
test_policy_errors(void **state)
{
	uint64_t on, off;
	char err[128];

	(void)state;
	assert_int_equal(features_parse_policy("+warp-drive", &on, &off, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "unknown feature 'warp-drive'");
	assert_int_equal(features_parse_policy("+csum,-csum", &on, &off, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "feature 'csum' both added and removed");
	assert_int_equal(features_parse_policy("mrg-rxbuf, -", &on, &off, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "'-' without a feature name");
}

static void
test_offer(void **state)
{
	uint64_t offer;

	(void)state;
	/* Default: both ring layouts, the offloads vhostd can finish. */
	offer = features_offer(lib, 0, 0);
	assert_true(offer & BIT(34));		/* packed */
	assert_true(offer & BIT(15));		/* mrg-rxbuf */
	assert_true(offer & BIT(29));		/* event idx */
	assert_true(offer & BIT(0));		/* csum */
	assert_true(offer & BIT(1));		/* guest csum */
	assert_true(offer & BIT(11));		/* host tso4: software GSO if need be */
	assert_true(offer & BIT(7));		/* guest tso4 */
	assert_false(offer & BIT(12));		/* host tso6: only with a hardware TSO uplink */
	/* Policy on top. */
	offer = features_offer(lib, BIT(12), BIT(0) | BIT(11) | BIT(35) | BIT(34));
	assert_true(offer & BIT(12));
	assert_false(offer & BIT(0));
	assert_false(offer & BIT(11));
	assert_false(offer & BIT(34));
	assert_false(offer & BIT(35));
	/* Never more than the library can do. */
	offer = features_offer(lib, BIT(60), 0);
	assert_false(offer & BIT(60));
}

static void
test_format(void **state)
{
	char buf[256];

	(void)state;
	features_format(BIT(15) | BIT(34) | BIT(29) | BIT(50), buf, sizeof(buf));
	assert_string_equal(buf, "VIRTIO_NET_F_MRG_RXBUF VIRTIO_RING_F_EVENT_IDX "
			    "VIRTIO_F_RING_PACKED bit50");
	features_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* Truncation never overflows and ends on a whole name. */
	features_format(BIT(15) | BIT(34), buf, 30);
	assert_string_equal(buf, "VIRTIO_NET_F_MRG_RXBUF");
	assert_string_equal(features_spec_name(32), "VIRTIO_F_VERSION_1");
	assert_null(features_spec_name(4));
	assert_non_null(features_lookup("host-tso6"));
	assert_int_equal(features_lookup("host-tso6")->bit, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
