/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature pinning, the daemon's side (pin.h has the why): save what a
 * guest negotiated when its device starts; at registration, keep offering
 * what a still-connected guest negotiated although the configuration now
 * removes it.  librte_vhost fixes a socket's offer at registration, so a
 * pin lasts as long as this vhostd serves the guest; the record it reads
 * decides whether the next one pins again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/fs.h"
#include "lib/pin.h"
#include "control/vhostd.h"
#include "vhostd/features.h"

void
guest_pin_save(struct vhostd *d, struct guest *g, uint64_t features, uint64_t protocol)
{
	char dir[VHOSTD_PATH_MAX + 16], path[VHOSTD_PATH_MAX * 2 + 64];
	struct pin_record r = {
		.negotiated = features & ~PIN_IGNORED,
		.offered = g->offered,
		.protocol = protocol,
		.time = (int64_t)time(NULL),
	};
	struct stat st;
	char *text;
	json_t *j;
	int ret;

	/* Client mode: which QEMU this was (pin.h, sock_ino). */
	if (g->cfg.mode == GUEST_MODE_CLIENT && stat(g->cfg.socket, &st) == 0) {
		r.sock_dev = (uint64_t)st.st_dev;
		r.sock_ino = (uint64_t)st.st_ino;
	}
	snprintf(dir, sizeof(dir), "%s/features", d->cfg.daemon.state_dir);
	ret = fs_mkdirs(dir, 0750);
	if (ret == 0)
		ret = pin_path(d->cfg.daemon.state_dir, g->cfg.name, path, sizeof(path));
	if (ret == 0) {
		j = pin_record_json(&r, g->cfg.name);
		text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
		json_decref(j);
		/* Whole or not at all: a torn record would pin nothing. */
		ret = text != NULL ? fs_write_atomic(path, text, strlen(text), 0640) : -ENOMEM;
		free(text);
	}
	if (ret != 0)
		LOG(WARNING, "guest %s: cannot save its negotiated features in %s: %s; a "
		    "restarted vhostd will not know them", g->cfg.name, dir, strerror(-ret));
}

void
guest_pin_forget(struct vhostd *d, const char *name)
{
	char path[VHOSTD_PATH_MAX * 2 + 64];
	int ret;

	if (pin_path(d->cfg.daemon.state_dir, name, path, sizeof(path)) != 0)
		return;
	ret = fs_unlink_durable(path);
	if (ret != 0 && ret != -ENOENT)
		LOG(WARNING, "guest %s: cannot remove %s: %s", name, path, strerror(-ret));
}

uint64_t
guest_pin_offer(struct vhostd *d, struct guest *g, uint64_t lib, uint64_t offered)
{
	char err[256], when[32], names[1024], more[1024];
	uint64_t lacking, pinned, cannot;
	struct pin_record r;
	int ret;

	ret = pin_load(d->cfg.daemon.state_dir, g->cfg.name, &r, err, sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (ret != 0) {
		LOG(WARNING, "guest %s: saved features unreadable (%s): nothing pinned",
		    g->cfg.name, err);
		return 0;
	}
	pin_time_format(r.time, when, sizeof(when));
	if (g->cfg.mode == GUEST_MODE_CLIENT && !pin_same_frontend(&r, g->cfg.socket)) {
		LOG(INFO, "guest %s: the features saved %s belong to a QEMU that no longer "
		    "listens on %s: nothing pinned", g->cfg.name, when, g->cfg.socket);
		return 0;
	}
	lacking = r.negotiated & ~offered;
	pinned = lacking & lib;
	cannot = lacking & ~lib;
	if (pinned != 0) {
		features_format_policy(pinned, names, sizeof(names));
		features_format(pinned, more, sizeof(more));
		LOG(WARNING, "guest %s: keeping %s offered although the configuration removes "
		    "%s: the connected guest negotiated %s (saved %s) and its QEMU refuses a "
		    "backend that lacks a feature it acked; the configured offer applies once "
		    "the guest connects fresh (a new QEMU)", g->cfg.name, names,
		    __builtin_popcountll(pinned) > 1 ? "them" : "it", more, when);
	}
	if (cannot != 0) {
		features_format_policy(cannot, names, sizeof(names));
		LOG(ERR, "guest %s: the connected guest negotiated %s (saved %s), which this "
		    "vhostd cannot offer (librte_vhost lacks it): its QEMU will refuse to "
		    "reconnect (\"vhost lacks feature mask\") until it is restarted", g->cfg.name,
		    names, when);
	}
	return pinned;
}
