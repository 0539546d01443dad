/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control commands (docs/control-protocol.md): the handlers of
 * ctl_table.c's commands.  They parse, call the control layer and render
 * with ctl_views.c.  Handlers run on the main thread (control
 * socket) or the telemetry thread; they read daemon state under d->lock.
 * guest.add and guest.del change it in an order that keeps librte_vhost's
 * callbacks (which take d->lock themselves) out of deadlock: sockets are
 * registered and unregistered without d->lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_version.h>

#include "control/capture.h"
#include "ctl/ctl.h"
#include "ctl/ctl_views.h"
#include "control/guest_why.h"
#include "control/lifecycle.h"
#include "control/vhostd.h"
#include "ports/uplink.h"
#include "vhostd/ctl_proto.h"
#include "vhostd/ctl_table.h"
#include "vhostd/features.h"
#include "vhostd/guest_args.h"

static struct uplink *
uplink_by_name(struct vhostd *d, const char *name)
{
	for (unsigned int i = 0; i < d->nb_uplinks; i++)
		if (strcmp(d->uplinks[i].cfg.name, name) == 0)
			return &d->uplinks[i];
	return NULL;
}

static const char *
arg_str(json_t *args, const char *name)
{
	return json_string_value(json_object_get(args, name));
}

/*
 * guest.list/uplink.list and guest.show/uplink.show answer alike: a list of
 * summaries, or one object's detail, read under d->lock.  What differs
 * between guests and uplinks is in this table.
 */
struct kind_view {
	const char *noun;	/* in "no guest named 'x'" */
	const char *list_key;	/* {"guests": [...]} */
	unsigned int (*slots)(const struct vhostd *d);
	json_t *(*summary_at)(struct vhostd *d, unsigned int i);	/* NULL: free slot */
	bool (*detail_named)(struct vhostd *d, const char *name, json_t **detail);
};

static unsigned int
guest_slots(const struct vhostd *d)
{
	return d->nb_guests;
}

static json_t *
guest_summary_at(struct vhostd *d, unsigned int i)
{
	return d->guests[i].in_use ? ctl_view_guest_summary(d, &d->guests[i]) : NULL;
}

static bool
guest_detail_named(struct vhostd *d, const char *name, json_t **detail)
{
	struct guest *g = guest_by_name(d, name);

	if (g != NULL)
		*detail = ctl_view_guest_detail(d, g);
	return g != NULL;
}

static unsigned int
uplink_slots(const struct vhostd *d)
{
	return d->nb_uplinks;
}

static json_t *
uplink_summary_at(struct vhostd *d, unsigned int i)
{
	return ctl_view_uplink_summary(d, &d->uplinks[i]);
}

static bool
uplink_detail_named(struct vhostd *d, const char *name, json_t **detail)
{
	struct uplink *u = uplink_by_name(d, name);

	if (u != NULL)
		*detail = ctl_view_uplink_detail(d, u);
	return u != NULL;
}

static const struct kind_view guest_view = {
	"guest", "guests", guest_slots, guest_summary_at, guest_detail_named,
};
static const struct kind_view uplink_view = {
	"uplink", "uplinks", uplink_slots, uplink_summary_at, uplink_detail_named,
};

static int
kind_list(struct vhostd *d, const struct kind_view *k, json_t **result)
{
	json_t *list = json_array();

	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < k->slots(d); i++) {
		json_t *s = k->summary_at(d, i);

		if (s != NULL)
			json_array_append_new(list, s);
	}
	pthread_mutex_unlock(&d->lock);
	*result = json_pack("{s:o}", k->list_key, list);
	return 0;
}

static int
kind_show(struct vhostd *d, const struct kind_view *k, const char *name, json_t **result,
	  char *err, size_t errlen)
{
	bool found;

	pthread_mutex_lock(&d->lock);
	found = k->detail_named(d, name, result);
	pthread_mutex_unlock(&d->lock);
	if (!found) {
		snprintf(err, errlen, "no %s named '%s'", k->noun, name);
		return -ENOENT;
	}
	return 0;
}

/* ---- handlers ---- */

static int
cmd_version(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = json_pack("{s:s, s:s}", "version", VHOSTD_VERSION, "dpdk", rte_version());
	return 0;
}

static int cmd_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);

static int
cmd_guest_list(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)args;
	(void)err;
	(void)errlen;
	return kind_list(ctx, &guest_view, result);
}

static int
cmd_guest_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return kind_show(ctx, &guest_view, arg_str(args, "name"), result, err, errlen);
}

static int
cmd_guest_add(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	json_t *p = json_object_get(args, "persist");
	json_t *saved = json_deep_copy(args);
	struct guest *g;
	int ret;

	/* What is saved is what replays: every parameter but persist. */
	json_object_del(saved, "persist");
	ret = lifecycle_guest_add(d, saved, p == NULL || json_is_true(p), &g, err, errlen);
	json_decref(saved);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&d->lock);
	*result = ctl_view_guest_summary(d, g);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int
cmd_guest_del(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *name = arg_str(args, "name");
	int ret = lifecycle_guest_del(ctx, name, err, errlen);

	if (ret == 0)
		*result = json_pack("{s:s, s:b}", "name", name, "removed", 1);
	return ret;
}

static int
cmd_uplink_list(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)args;
	(void)err;
	(void)errlen;
	return kind_list(ctx, &uplink_view, result);
}

static int
cmd_uplink_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return kind_show(ctx, &uplink_view, arg_str(args, "name"), result, err, errlen);
}

static int
cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *kind = arg_str(args, "kind"), *name = arg_str(args, "name");
	bool reset = json_is_true(json_object_get(args, "reset"));
	json_t *guests = json_object(), *uplinks = json_object();
	bool found = name == NULL;

	if (kind != NULL && strcmp(kind, "guest") != 0 && strcmp(kind, "uplink") != 0) {
		snprintf(err, errlen, "stats: kind must be guest or uplink, not '%s'", kind);
		goto inval;
	}
	if (name != NULL && kind == NULL) {
		snprintf(err, errlen, "stats: name needs kind");
		goto inval;
	}
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; (!kind || kind[0] == 'g') && i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];

		if (!g->in_use || (name != NULL && strcmp(name, g->cfg.name) != 0))
			continue;
		found = true;
		json_object_set_new(guests, g->cfg.name, ctl_view_guest_counters(d, g));
		if (reset)
			guest_counters_reset(d, g);
	}
	for (unsigned int i = 0; (!kind || kind[0] == 'u') && i < d->nb_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];

		if (name != NULL && strcmp(name, u->cfg.name) != 0)
			continue;
		found = true;
		json_object_set_new(uplinks, u->cfg.name, ctl_view_uplink_counters(u));
		if (reset)
			uplink_counters_reset(u);
	}
	pthread_mutex_unlock(&d->lock);
	if (!found) {
		json_decref(guests);
		json_decref(uplinks);
		snprintf(err, errlen, "no %s named '%s'", kind, name);
		return -ENOENT;
	}
	*result = json_pack("{s:o, s:o}", "guests", guests, "uplinks", uplinks);
	return 0;
inval:
	json_decref(guests);
	json_decref(uplinks);
	return -EINVAL;
}

static int
cmd_workers(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;

	(void)args;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->lock);
	*result = ctl_view_workers(d);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* guest.affinity and uplink.affinity: pin queues to workers, or unpin
 * them ("" or "none"); pinned queues move now, unpinned ones stay where
 * they are until the rebalancer moves them.  Not saved: to keep it, put
 * queue-affinity in the configuration (or in guest.add). */
static int
set_affinity(struct vhostd *d, bool is_guest, json_t *args, json_t **result, char *err,
	     size_t errlen)
{
	const char *name = arg_str(args, "name"), *text = arg_str(args, "affinity");
	const char *kind = is_guest ? "guest" : "uplink";
	struct config_affinity a, old, *cur;
	struct guest *g = NULL;
	struct uplink *u = NULL;
	char why[256];
	int ret;

	pthread_mutex_lock(&d->lock);
	if (is_guest)
		g = guest_by_name(d, name);
	else
		u = uplink_by_name(d, name);
	if (g == NULL && u == NULL) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "no %s named '%s'", kind, name);
		return -ENOENT;
	}
	if (config_parse_affinity(text, g != NULL ? g->cfg.queues : u->nb_rxq, &d->cfg.daemon,
				  &a, why, sizeof(why)) != 0) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "%s %s: queue-affinity: %s", kind, name, why);
		return -EINVAL;
	}
	cur = g != NULL ? &g->cfg.affinity : &u->cfg.affinity;
	old = *cur;
	*cur = a;
	ret = publish_workers(d);
	if (ret != 0) {
		*cur = old;
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "%s %s: cannot publish poll lists: %s", kind, name,
			 strerror(-ret));
		return ret;
	}
	config_format_affinity(cur, why, sizeof(why));
	LOG(INFO, "%s %s: queue-affinity set to '%s'", kind, name, why[0] ? why : "none");
	*result = json_pack("{s:s, s:o, s:o}", "name", name, "queue_affinity", ctl_view_affinity(cur),
			    "polling", g != NULL ?
				ctl_view_polling(d, g->place, cur, g->cfg.queues) :
				ctl_view_polling(d, u->place, cur, u->nb_rxq));
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int
cmd_guest_affinity(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_affinity(ctx, true, args, result, err, errlen);
}

static int
cmd_uplink_affinity(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_affinity(ctx, false, args, result, err, errlen);
}

static int
cmd_log_level(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	int level;

	(void)ctx;
	if (config_parse_log_level(arg_str(args, "level"), &level, err, errlen) != 0)
		return -EINVAL;
	rte_log_set_level(vhostd_logtype, (uint32_t)level);
	LOG(NOTICE, "log level set to %s", config_log_level_name(level));
	*result = json_pack("{s:s}", "level", config_log_level_name(level));
	return 0;
}

static int
cmd_capture_start(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name"), *file = arg_str(args, "file");
	json_int_t count = json_integer_value(json_object_get(args, "count"));
	struct guest *g;
	int ret;

	if (count < 0) {
		snprintf(err, errlen, "capture.start: count must be 0 (no limit) or more");
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		ret = -ENOENT;
	} else {
		ret = capture_start(d, g, file, (uint64_t)count, err, errlen);
		if (ret == 0)
			*result = json_pack("{s:s, s:o}", "name", name, "capture", capture_json(g));
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static int
cmd_capture_stop(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vhostd *d = ctx;
	const char *name = arg_str(args, "name");
	struct guest *g;
	json_t *last = NULL;
	int ret = -ENOENT;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
	} else if (g->capture == NULL) {
		snprintf(err, errlen, "guest %s: no capture running", name);
	} else {
		ret = capture_stop(d, g, &last);
	}
	pthread_mutex_unlock(&d->lock);
	if (ret == 0)
		*result = json_pack("{s:s, s:o}", "name", name, "capture", last);
	else
		json_decref(last);
	return ret;
}

/* The handlers of ctl_table's commands (ctl_table.c), bound by ctl_commands_bind(). */
static const ctl_handler handlers[CTL_NB_CMDS] = {
	[CTL_CMD_VERSION] = cmd_version,
	[CTL_CMD_HELP] = cmd_help,
	[CTL_CMD_GUEST_LIST] = cmd_guest_list,
	[CTL_CMD_GUEST_SHOW] = cmd_guest_show,
	[CTL_CMD_GUEST_ADD] = cmd_guest_add,
	[CTL_CMD_GUEST_DEL] = cmd_guest_del,
	[CTL_CMD_UPLINK_LIST] = cmd_uplink_list,
	[CTL_CMD_UPLINK_SHOW] = cmd_uplink_show,
	[CTL_CMD_STATS] = cmd_stats,
	[CTL_CMD_WORKERS] = cmd_workers,
	[CTL_CMD_LOG_LEVEL] = cmd_log_level,
	[CTL_CMD_CAPTURE_START] = cmd_capture_start,
	[CTL_CMD_CAPTURE_STOP] = cmd_capture_stop,
	[CTL_CMD_GUEST_AFFINITY] = cmd_guest_affinity,
	[CTL_CMD_UPLINK_AFFINITY] = cmd_uplink_affinity,
	[CTL_CMD_GUEST_EVENTS] = ctl_cmd_guest_events,
	[CTL_CMD_GUEST_WHY] = ctl_cmd_guest_why,
};

static struct ctl_cmd commands[CTL_NB_CMDS];
const struct ctl_cmd *const ctl_commands = commands;
const unsigned int ctl_nb_commands = CTL_NB_CMDS;

int
ctl_commands_bind(void)
{
	return ctl_table_bind(commands, handlers);
}

static int
cmd_help(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = ctl_describe(ctl_commands, ctl_nb_commands);
	return 0;
}
