/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_GUEST_ARGS_H
#define VHOSTD_GUEST_ARGS_H

/*
 * guest.add's arguments (docs/control-protocol.md) to a validated struct
 * config_guest: each parameter is the [guest NAME] key of the same name
 * with '-' for '_', set with config_guest_set() and checked by
 * config_guest_check(), so guest.add, the state directory's replay and
 * the fuzzer read a guest as the config file does.  Pure: no DPDK, no
 * daemon state; the caller passes its configuration and its guests.
 */

#include <jansson.h>

#include "vhostd/config.h"

/*
 * args: the request's object (name, socket, ...; persist is ignored).
 * others: the guests that exist.  Returns 0, or -EINVAL/-ENOENT/-EEXIST/
 * -ENOSPC with "[guest NAME] KEY: why" (or "guest name ...") in err.
 */
int guest_args_parse(json_t *args, const struct config *cfg,
		     const struct config_guest *const *others, unsigned int nb_others,
		     struct config_guest *cg, char *err, size_t errlen);

#endif
