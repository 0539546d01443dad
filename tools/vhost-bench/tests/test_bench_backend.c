/* SPDX-License-Identifier: BSD-3-Clause */
/* Loss by place: vhostd's counters before and after a trial, reduced to
 * what changed, and a control socket that is not there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"

#define COUNTERS(rx, tx, ring_full, rate_limited) \
	"{\"total\":{\"rx_pkts\":" #rx ",\"tx_pkts\":" #tx ",\"rx_bytes\":0,\"tx_bytes\":0," \
	"\"drops\":{\"guest_ring_full\":" #ring_full ",\"rate_limited\":" #rate_limited "," \
	"\"no_mbuf\":0}},\"queues\":[]}"

static json_t *
load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

static void
test_where(void **state)
{
	json_t *before = load("{\"guests\":{\"vm1\":" COUNTERS(100, 200, 5, 1) "},"
			      "\"uplinks\":{\"up0\":" COUNTERS(200, 200, 0, 0) "}}");
	/* Over the trial: vm1 sent 1000, 30 dropped for its full RX ring and
	 * 10 by its rate limit; vm2 appeared mid-trial (no baseline). */
	json_t *after = load("{\"guests\":{\"vm1\":" COUNTERS(1060, 1200, 35, 11) ","
			     "\"vm2\":" COUNTERS(5, 5, 5, 0) "},"
			     "\"uplinks\":{\"up0\":" COUNTERS(1190, 1190, 0, 0) "}}");
	char *text;
	json_t *w, *vd, *g;

	(void)state;
	text = backend_where(before, after, 45);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));	/* one compact object */
	w = load(text);
	vd = json_object_get(w, "vhostd");
	g = json_object_get(json_object_get(vd, "guests"), "vm1");
	assert_int_equal(json_integer_value(json_object_get(g, "tx_pkts")), 1000);
	assert_int_equal(json_integer_value(json_object_get(g, "rx_pkts")), 960);
	/* Only the reasons that counted something. */
	assert_int_equal(json_object_size(json_object_get(g, "drops")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(g, "drops"),
							    "guest_ring_full")), 30);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(g, "drops"),
							    "rate_limited")), 10);
	assert_null(json_object_get(json_object_get(vd, "guests"), "vm2"));
	assert_int_equal(json_object_size(json_object_get(json_object_get(
		json_object_get(vd, "uplinks"), "up0"), "drops")), 0);
	assert_int_equal(json_integer_value(json_object_get(vd, "drops")), 40);
	/* 45 lost end to end, 40 counted: 5 somewhere no counter sees. */
	assert_int_equal(json_integer_value(json_object_get(vd, "unaccounted")), 5);
	json_decref(w);
	free(text);
	json_decref(before);
	json_decref(after);
}

static void
test_no_socket(void **state)
{
	char err[256];

	(void)state;
	assert_null(backend_stats("/nonexistent/vhostd-control.sock", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/vhostd-control.sock: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_no_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
