/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state directory: STATE_DIR/guests/NAME.json holds the guest.add
 * parameters of each persistent guest, written whole or not at all before
 * guest.add answers, and read back at start (lifecycle.c replays them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/state.h"
#include "control/vhostd.h"
#include "lib/fs.h"

static int
state_path(struct vhostd *d, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/guests/%s.json", d->cfg.daemon.state_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
state_save(struct vhostd *d, const char *name, json_t *args, char *err, size_t errlen)
{
	char path[VHOSTD_PATH_MAX * 2 + 64], dir[VHOSTD_PATH_MAX + 16];
	char *text = NULL;
	int ret;

	snprintf(dir, sizeof(dir), "%s/guests", d->cfg.daemon.state_dir);
	ret = fs_mkdirs(dir, 0750);
	if (ret == 0)
		ret = state_path(d, name, path, sizeof(path));
	if (ret == 0) {
		text = json_dumps(args, JSON_INDENT(2) | JSON_SORT_KEYS);
		/* Whole or not at all, and on disk before guest.add answers. */
		ret = text != NULL ? fs_write_atomic(path, text, strlen(text), 0640) : -ENOMEM;
		free(text);
	}
	if (ret != 0)
		snprintf(err, errlen, "[guest %s]: cannot save it in %s: %s", name, dir,
			 strerror(-ret));
	return ret;
}

void
state_remove(struct vhostd *d, const char *name)
{
	char path[VHOSTD_PATH_MAX * 2 + 64];
	int ret;

	if (state_path(d, name, path, sizeof(path)) != 0)
		return;
	ret = fs_unlink_durable(path);
	if (ret != 0 && ret != -ENOENT)
		LOG(WARNING, "guest %s: cannot remove %s: %s", name, path, strerror(-ret));
}

int
state_open(struct vhostd *d, struct state_dir *sd)
{
	snprintf(sd->dir, sizeof(sd->dir), "%s/guests", d->cfg.daemon.state_dir);
	sd->dh = opendir(sd->dir);
	return sd->dh != NULL ? 0 : -errno;
}

json_t *
state_next(struct state_dir *sd, char *path, size_t len)
{
	struct dirent *e;

	while ((e = readdir(sd->dh)) != NULL) {
		size_t n = strlen(e->d_name);
		json_error_t jerr;
		json_t *args;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, len, "%s/%s", sd->dir, e->d_name);
		args = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (args == NULL || !json_is_string(json_object_get(args, "name"))) {
			LOG(ERR, "%s: not a saved guest (%s); skipped", path,
			    args == NULL ? jerr.text : "no name");
			json_decref(args);
			continue;
		}
		return args;
	}
	return NULL;
}

void
state_close(struct state_dir *sd)
{
	closedir(sd->dh);
	sd->dh = NULL;
}
