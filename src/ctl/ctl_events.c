/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest.events (docs/control-protocol.md): a guest's flight recorder
 * (events.h).  Apart from ctl_cmds.c, which holds the other handlers.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl/ctl.h"
#include "control/vhostd.h"

int
ctl_guest_reply(struct vhostd *d, const char *name, json_t *(*make)(struct guest *g, void *arg),
		void *arg, json_t **result, char *err, size_t errlen)
{
	struct guest *g;
	json_t *j = NULL;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g != NULL)
		j = make(g, arg);
	pthread_mutex_unlock(&d->lock);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_object_set_new(j, "name", json_string(name));
	*result = j;
	return 0;
}

static json_t *
events_of(struct guest *g, void *arg)
{
	return events_json(g->events, *(const int64_t *)arg);
}

int
ctl_cmd_guest_events(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *since = json_object_get(args, "since");
	int64_t since_ns = 0;

	/* since: seconds since the epoch, or back from now when negative. */
	if (since != NULL) {
		json_int_t s = json_integer_value(since);

		if (s < -(json_int_t)(100LL * 365 * 86400) || s > INT64_MAX / 1000000000) {
			snprintf(err, errlen, "since: %lld is out of range (seconds since the "
				 "epoch, or negative: seconds back from now)", (long long)s);
			return -EINVAL;
		}
		since_ns = s < 0 ? events_now_ns() + (int64_t)s * 1000000000 : (int64_t)s * 1000000000;
	}
	return ctl_guest_reply(d, name, events_of, &since_ns, result, err, errlen);
}
