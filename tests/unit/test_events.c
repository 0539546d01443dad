/* SPDX-License-Identifier: BSD-3-Clause */
/* The flight recorder's ring: order, wraparound, --since, restore. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhostd/events.h"

static struct events ev;

static void
add(enum event_kind kind, int64_t t, uint64_t a0)
{
	const uint64_t arg[EVENTS_NB_ARGS] = { a0, 0, 0 };

	events_add_at(&ev, kind, t, (uint64_t)t, arg, NULL);
}

static int
setup(void **state)
{
	(void)state;
	events_init(&ev);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	events_fini(&ev);
	return 0;
}

static json_int_t
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void
test_order_and_names(void **state)
{
	const uint64_t arg[EVENTS_NB_ARGS] = { 3, 1, 0 };
	json_t *j, *list;

	(void)state;
	add(EV_CONNECT, 1000, 7);
	add(EV_FEATURES_SET, 2000, 0x150000000ULL);
	events_add_at(&ev, EV_KICK_FD, 3000, 3000, arg, NULL);
	events_add_at(&ev, EV_REFUSED, 4000, 4000, (uint64_t[]){ 31, 0, 0 }, "inflight");
	j = events_json(&ev, 0);
	assert_non_null(j);
	assert_int_equal(num(j, "dropped"), 0);
	list = json_object_get(j, "events");
	assert_int_equal(json_array_size(list), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "kind")),
			    "connect");
	assert_int_equal(num(json_array_get(list, 0), "vid"), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1),
							      "features")), "0x0000000150000000");
	assert_int_equal(num(json_array_get(list, 2), "vring"), 3);
	assert_true(json_is_true(json_object_get(json_array_get(list, 2), "fd")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 3), "reason")),
			    "inflight");
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(num(json_array_get(list, i), "seq"), (json_int_t)i);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "time")),
			    "1970-01-01T00:00:00.000001Z");
	json_decref(j);
}

static void
test_reset(void **state)
{
	json_t *j;

	(void)state;
	for (int i = 0; i < EVENTS_RING + 3; i++)
		add(EV_CONNECT, i, (uint64_t)i);
	events_reset(&ev);
	add(EV_DISCONNECT, 7, 1);
	j = events_json(&ev, 0);
	assert_int_equal(num(j, "dropped"), 0);
	assert_int_equal(json_array_size(json_object_get(j, "events")), 1);
	assert_int_equal(num(json_array_get(json_object_get(j, "events"), 0), "seq"), 0);
	json_decref(j);
}

static void
test_kind_table(void **state)
{
	(void)state;
	for (int k = 0; k < EV_NB_KINDS; k++) {
		assert_string_not_equal(events_kind_name((enum event_kind)k), "unknown");
		assert_int_equal(events_kind_parse(events_kind_name((enum event_kind)k)), k);
	}
	assert_int_equal(events_kind_parse("nope"), -1);
}

static void
test_wraparound(void **state)
{
	json_t *j, *list;

	(void)state;
	for (int i = 0; i < EVENTS_RING + 10; i++)
		add(EV_VRING_ENABLE, 1000 + i, (uint64_t)i);
	j = events_json(&ev, 0);
	list = json_object_get(j, "events");
	assert_int_equal(num(j, "dropped"), 10);
	assert_int_equal(json_array_size(list), EVENTS_RING);
	/* The newest EVENTS_RING, oldest first. */
	assert_int_equal(num(json_array_get(list, 0), "vring"), 10);
	assert_int_equal(num(json_array_get(list, 0), "seq"), 10);
	assert_int_equal(num(json_array_get(list, EVENTS_RING - 1), "vring"), EVENTS_RING + 9);
	json_decref(j);
}

static void
test_since(void **state)
{
	json_t *j, *list;

	(void)state;
	for (int i = 0; i < 10; i++)
		add(EV_CALL_FD, 1000 * (i + 1), (uint64_t)i);
	j = events_json(&ev, 7000);
	list = json_object_get(j, "events");
	assert_int_equal(json_array_size(list), 4);	/* 7000, 8000, 9000, 10000 */
	assert_int_equal(num(json_array_get(list, 0), "ts_ns"), 7000);
	assert_int_equal(num(j, "dropped"), 0);		/* filtered is not dropped */
	json_decref(j);
	j = events_json(&ev, 20000);
	assert_int_equal(json_array_size(json_object_get(j, "events")), 0);
	json_decref(j);
}

static void
test_print(void **state)
{
	char buf[4096] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	for (int i = 0; i < 5; i++)
		add(EV_VRING_DISABLE, 1000000000LL * (i + 1), (uint64_t)i);
	events_print(&ev, f, "guest vm1 event", 2);
	fclose(f);
	assert_non_null(strstr(buf, "guest vm1 event 3 older events not shown\n"));
	assert_non_null(strstr(buf, "guest vm1 event 1970-01-01T00:00:04.000000Z vring-disable "
				    "vring=3\n"));
	assert_non_null(strstr(buf, "vring=4\n"));
	assert_null(strstr(buf, "vring=2\n"));
}

static void
test_restore(void **state)
{
	struct events later;
	json_t *saved, *j, *list;
	char err[128];

	(void)state;
	for (int i = 0; i < EVENTS_RING + 5; i++)	/* 5 dropped before the save */
		add(EV_CONNECT, 1000 + i, (uint64_t)i);
	saved = events_json(&ev, 0);
	/* Through text, as the state directory keeps it. */
	{
		char *text = json_dumps(saved, 0);

		json_decref(saved);
		saved = json_loads(text, 0, NULL);
		free(text);
	}
	events_init(&later);
	events_add_at(&later, EV_DEVICE_READY, 5000000, 1, (uint64_t[]){ 1, 2, 0 }, NULL);
	assert_int_equal(events_restore(&later, saved, err, sizeof(err)), 0);
	j = events_json(&later, 0);
	list = json_object_get(j, "events");
	assert_int_equal(json_array_size(list), EVENTS_RING);
	/* The two oldest saved ones made room for the restart marker and the
	 * event recorded since; all seven count as dropped. */
	assert_int_equal(num(j, "dropped"), 7);
	assert_int_equal(num(json_array_get(list, 0), "vid"), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, EVENTS_RING - 2),
							      "kind")), "restart");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, EVENTS_RING - 1),
							      "kind")), "device-ready");
	for (size_t i = 1; i < EVENTS_RING; i++)
		assert_int_equal(num(json_array_get(list, i), "seq"),
				 num(json_array_get(list, i - 1), "seq") + 1);
	json_decref(j);
	json_decref(saved);
	events_fini(&later);
}

static void
test_restore_bad(void **state)
{
	const char *bad[] = {
		"{}",
		"{\"events\": [{\"seq\": 0, \"ts_ns\": 1, \"kind\": \"nope\"}]}",
		"{\"events\": [{\"seq\": 0, \"ts_ns\": 1, \"kind\": \"connect\"}]}",
		"{\"events\": [{\"seq\": 1, \"ts_ns\": 1, \"kind\": \"restart\"},"
		"              {\"seq\": 1, \"ts_ns\": 2, \"kind\": \"restart\"}]}",
		"{\"events\": [{\"seq\": 0, \"ts_ns\": 1, \"kind\": \"features-set\", "
		"\"features\": \"0xzz\"}]}",
	};
	char err[128];

	(void)state;
	add(EV_CONNECT, 1, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *saved = json_loads(bad[i], 0, NULL), *j;

		assert_non_null(saved);
		err[0] = '\0';
		assert_int_equal(events_restore(&ev, saved, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
		j = events_json(&ev, 0);	/* unchanged */
		assert_int_equal(json_array_size(json_object_get(j, "events")), 1);
		json_decref(j);
		json_decref(saved);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_names, setup, teardown),
		cmocka_unit_test(test_kind_table),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wraparound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
