/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest.add's arguments to a struct config_guest, with the keys and rules
 * of a [guest NAME] section (config_guest.c).  Outside ctl_cmds.c so that
 * the fuzzer and the unit tests run this very code without a daemon.
 */
#include <stdio.h>

#include "vhostd/config.h"
#include "vhostd/guest_args.h"

/* Protocol parameter, config key; in the order they are applied. */
static const char *const keys[][2] = {
	{ "socket", "socket" }, { "mode", "mode" }, { "uplink", "uplink" },
	{ "mac", "mac" }, { "mac_check", "mac-check" }, { "queues", "queues" },
	{ "features", "features" }, { "notify", "notify" },
	{ "socket_owner", "socket-owner" }, { "socket_group", "socket-group" },
	{ "socket_mode", "socket-mode" }, { "queue_affinity", "queue-affinity" },
	{ "tx_rate", "tx-rate" }, { "tx_pps", "tx-pps" }, { "tx_burst", "tx-burst" },
	{ "rx_rate", "rx-rate" }, { "rx_pps", "rx-pps" }, { "rx_burst", "rx-burst" },
	{ "mbufs", "mbufs" },
};

int
guest_args_parse(json_t *args, const struct config *cfg,
		 const struct config_guest *const *others, unsigned int nb_others,
		 struct config_guest *cg, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	unsigned int seen = 0;
	int ret;

	/* The dispatcher requires a string name; a replayed file may lack one. */
	ret = config_guest_new(cg, name != NULL ? name : "", err, errlen);
	if (ret != 0)
		return ret;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *v = json_object_get(args, keys[k][0]);
		char buf[64];
		const char *text = buf;

		if (v == NULL)
			continue;
		/* The table types each parameter; a replayed file is not checked by it. */
		if (json_is_boolean(v))
			text = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v))
			text = json_string_value(v);
		else
			text = "";
		ret = config_guest_set(cg, keys[k][1], text, &seen, err, errlen);
		if (ret != 0)
			return ret;
	}
	return config_guest_finish(cg, seen, cfg, others, nb_others, err, errlen);
}
