/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest's life, in one place: added (from the configuration at start,
 * guest.add, or the state directory's replay), its socket opened, and
 * deleted.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "control/capture.h"
#include "control/lifecycle.h"
#include "control/state.h"
#include "control/vhostd.h"

int
lifecycle_start(struct vhostd *d)
{
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		int ret = vhost_guest_register(d, &d->guests[i]);	/* all in use: no holes yet */

		if (ret != 0)
			return ret;
	}
	return 0;
}

void
lifecycle_stop(struct vhostd *d)
{
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			vhost_guest_unregister(d, &d->guests[i]);
}

/* args -> a validated struct config_guest, with the rules of a [guest] section. */
static int
guest_from_args(struct vhostd *d, json_t *args, struct config_guest *cg, char *err,
		size_t errlen)
{
	static const char *const keys[][2] = {
		/* protocol name, config key */
		{ "socket", "socket" }, { "mode", "mode" }, { "uplink", "uplink" },
		{ "mac", "mac" }, { "mac_check", "mac-check" }, { "queues", "queues" },
		{ "features", "features" }, { "notify", "notify" },
		{ "socket_owner", "socket-owner" }, { "socket_group", "socket-group" },
		{ "socket_mode", "socket-mode" }, { "queue_affinity", "queue-affinity" },
		{ "tx_rate", "tx-rate" }, { "tx_pps", "tx-pps" }, { "tx_burst", "tx-burst" },
		{ "rx_rate", "rx-rate" }, { "rx_pps", "rx-pps" }, { "rx_burst", "rx-burst" },
		{ "mbufs", "mbufs" },
	};
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	unsigned int seen = 0, nb = 0;
	int ret;

	ret = config_guest_new(cg, json_string_value(json_object_get(args, "name")), err, errlen);
	if (ret != 0)
		return ret;
	for (size_t k = 0; k < RTE_DIM(keys); k++) {
		json_t *v = json_object_get(args, keys[k][0]);
		char buf[64];
		const char *text = buf;

		if (v == NULL)
			continue;
		if (json_is_boolean(v))
			text = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		else
			text = json_string_value(v);
		ret = config_guest_set(cg, keys[k][1], text, &seen, err, errlen);
		if (ret != 0)
			return ret;
	}
	for (unsigned int i = 0; i < d->nb_guests; i++)
		if (d->guests[i].in_use)
			others[nb++] = &d->guests[i].cfg;
	return config_guest_finish(cg, seen, &d->cfg, others, nb, err, errlen);
}

int
lifecycle_guest_add(struct vhostd *d, json_t *args, bool persist, struct guest **out, char *err,
		    size_t errlen)
{
	struct config_guest cg;
	struct guest *g;
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = guest_from_args(d, args, &cg, err, errlen);
	if (ret != 0) {
		pthread_mutex_unlock(&d->lock);
		return ret;
	}
	g = guest_slot_alloc(d);
	if (g == NULL) {
		pthread_mutex_unlock(&d->lock);
		snprintf(err, errlen, "no room for another guest (at most %u)",
			 d->cfg.daemon.max_guests);
		return -ENOSPC;
	}
	ret = guest_init(d, g, &cg);
	if (ret == -ENOMEM && cg.mbufs != 0)
		snprintf(err, errlen, "[guest %s] mbufs: no memory for a pool of %u mbufs (raise "
			 "[daemon] memory, or lower mbufs)", cg.name, cg.mbufs);
	if (ret == 0 && persist)
		ret = state_save(d, cg.name, args, err, errlen);
	if (ret == 0) {
		g->runtime = true;
		g->persistent = persist;
		/* In the MAC table (not ready) before its socket exists. */
		ret = publish_workers(d);
	}
	pthread_mutex_unlock(&d->lock);
	/* Registration may run callbacks that take d->lock: not held here. */
	if (ret == 0)
		ret = vhost_guest_register(d, g);
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "[guest %s]: cannot start its socket %s: %s", cg.name,
				 cg.socket, strerror(-ret));
		if (persist)
			state_remove(d, cg.name);
		pthread_mutex_lock(&d->lock);
		guest_slot_free(d, g);
		publish_workers(d);
		pthread_mutex_unlock(&d->lock);
		guest_fini(d, g);
		return ret == -EADDRINUSE ? -EEXIST : ret;
	}
	LOG(INFO, "guest %s: added at run time%s", cg.name, persist ? " (persistent)" : "");
	pthread_mutex_lock(&d->lock);
	guest_warn_shared_mac(d, g);
	pthread_mutex_unlock(&d->lock);
	*out = g;
	return 0;
}

int
lifecycle_guest_del(struct vhostd *d, const char *name, char *err, size_t errlen)
{
	struct guest *g;

	pthread_mutex_lock(&d->lock);
	g = guest_by_name(d, name);
	if (g != NULL)
		capture_stop(d, g, NULL);	/* if any: closes the file */
	pthread_mutex_unlock(&d->lock);
	if (g == NULL) {
		snprintf(err, errlen, "no guest named '%s'", name);
		return -ENOENT;
	}
	/* Closes the connection: on_destroy runs (and takes d->lock). */
	vhost_guest_unregister(d, g);
	pthread_mutex_lock(&d->lock);
	guest_slot_free(d, g);
	publish_workers(d);	/* after its grace period no worker sees it */
	pthread_mutex_unlock(&d->lock);
	if (g->persistent)
		state_remove(d, name);
	guest_pin_forget(d, name);	/* a guest added again starts fresh */
	LOG(INFO, "guest %s: removed at run time", name);
	guest_fini(d, g);
	return 0;
}

void
lifecycle_replay(struct vhostd *d)
{
	char path[VHOSTD_PATH_MAX + 300];
	struct state_dir sd;
	json_t *args;

	if (state_open(d, &sd) != 0)
		return;
	while ((args = state_next(&sd, path, sizeof(path))) != NULL) {
		char err[512] = "";
		struct guest *g;

		/* The same checks as a guest.add: a file that no longer fits the
		 * configuration is skipped, the others start. */
		if (lifecycle_guest_add(d, args, false, &g, err, sizeof(err)) != 0) {
			LOG(ERR, "%s: %s; skipped", path, err);
		} else {
			g->persistent = true;
			LOG(INFO, "guest %s: restored from %s", g->cfg.name, path);
		}
		json_decref(args);
	}
	state_close(&sd);
}
