/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest.why (docs/control-protocol.md): why a guest lost frames in the
 * last seconds (guest_why.c samples, why.c classifies).  Apart from
 * ctl_cmds.c, which holds the other handlers.
 */
#include "ctl/ctl.h"
#include "control/guest_why.h"
#include "control/vhostd.h"

static json_t *
why_of(struct guest *g, void *arg)
{
	(void)arg;
	return guest_why_json(g);
}

int
ctl_cmd_guest_why(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return ctl_guest_reply(ctx, json_string_value(json_object_get(args, "name")), why_of, NULL,
			       result, err, errlen);
}
