/* SPDX-License-Identifier: BSD-3-Clause */
/* The control commands' table (ctl_table.c): well formed, bound only when
 * every command has a handler, and what the dispatcher checks for the
 * daemon's real commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/ctl_table.h"

static int calls;

static int
h_ok(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	calls++;
	*result = json_object();
	return 0;
}

/* Every command served by h_ok. */
static void
bind_all(ctl_handler handlers[CTL_NB_CMDS], struct ctl_cmd cmds[CTL_NB_CMDS])
{
	for (unsigned int i = 0; i < CTL_NB_CMDS; i++)
		handlers[i] = h_ok;
	assert_int_equal(ctl_table_bind(cmds, handlers), 0);
}

static void
test_well_formed(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < CTL_NB_CMDS; i++) {
		const struct ctl_cmd *c = &ctl_table[i];

		assert_non_null(c->name);
		assert_non_null(c->help);
		assert_null(c->handler);
		assert_true((c->params == NULL) == (c->nb_params == 0));
		for (unsigned int j = i + 1; j < CTL_NB_CMDS; j++)
			assert_string_not_equal(c->name, ctl_table[j].name);
		for (unsigned int k = 0; k < c->nb_params; k++) {
			assert_non_null(c->params[k].name);
			for (unsigned int l = k + 1; l < c->nb_params; l++)
				assert_string_not_equal(c->params[k].name, c->params[l].name);
		}
	}
	/* The enum and the designated initializers agree on a few. */
	assert_string_equal(ctl_table[CTL_CMD_VERSION].name, "version");
	assert_string_equal(ctl_table[CTL_CMD_GUEST_LIST].name, "guest.list");
	assert_string_equal(ctl_table[CTL_CMD_GUEST_ADD].name, "guest.add");
	assert_string_equal(ctl_table[CTL_CMD_UPLINK_AFFINITY].name, "uplink.affinity");
}

static void
test_bind(void **state)
{
	ctl_handler handlers[CTL_NB_CMDS];
	struct ctl_cmd cmds[CTL_NB_CMDS];

	(void)state;
	bind_all(handlers, cmds);
	for (unsigned int i = 0; i < CTL_NB_CMDS; i++) {
		assert_ptr_equal(cmds[i].handler, h_ok);
		assert_ptr_equal(cmds[i].name, ctl_table[i].name);
		assert_ptr_equal(cmds[i].params, ctl_table[i].params);
		assert_int_equal(cmds[i].nb_params, ctl_table[i].nb_params);
	}
	/* A command nobody serves: refused, not bound with a NULL handler. */
	handlers[CTL_CMD_STATS] = NULL;
	assert_int_equal(ctl_table_bind(cmds, handlers), -EINVAL);
}

#define ERR(msg) "{\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"" msg "\"}}"

/* The daemon's own parameters, checked before any handler runs. */
static void
test_dispatch_real_table(void **state)
{
	static const struct {
		const char *req, *answer;
	} cases[] = {
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\"}}",
		  ERR("guest.add: missing parameter 'socket'") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"socket\": \"/s\", \"mbufs\": \"8\"}}",
		  ERR("guest.add: parameter 'mbufs' must be an integer") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"socket\": \"/s\", \"tx_rate\": 1}}",
		  ERR("guest.add: parameter 'tx_rate' must be a string") },
		{ "{\"cmd\": \"stats\", \"args\": {\"reset\": \"yes\"}}",
		  ERR("stats: parameter 'reset' must be a boolean") },
		{ "{\"cmd\": \"capture.start\", \"args\": {\"name\": \"a\"}}",
		  ERR("capture.start: missing parameter 'file'") },
		{ "{\"cmd\": \"guest.affinity\", \"args\": {\"name\": \"a\", \"cpus\": \"1\"}}",
		  ERR("guest.affinity: unknown parameter 'cpus'") },
		{ "{\"cmd\": \"version\", \"args\": {\"name\": \"a\"}}",
		  ERR("version: unknown parameter 'name'") },
		{ "{\"cmd\": \"guest.add\", \"args\": {\"name\": \"a\", \"socket\": \"/s\", \"mac_check\": true, \"queues\": 2, \"tx_pps\": \"1M\"}}",
		  "{\"ok\":true,\"result\":{}}" },
	};
	ctl_handler handlers[CTL_NB_CMDS];
	struct ctl_cmd cmds[CTL_NB_CMDS];

	(void)state;
	bind_all(handlers, cmds);
	calls = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = ctl_dispatch(cmds, CTL_NB_CMDS, cases[i].req, strlen(cases[i].req),
					 NULL);

		assert_non_null(got);
		assert_string_equal(got, cases[i].answer);
		free(got);
	}
	assert_int_equal(calls, 1);	/* only the last, valid request */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_dispatch_real_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
