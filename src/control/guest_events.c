/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guests' flight recorders on the daemon side (events.h has the ring):
 * rate-limit trips sampled from the workers' counters, SIGUSR1's dump, and
 * the copy in the state directory that outlives a restart.  Main thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"
#include "control/vhostd.h"

/* Events shown per guest in SIGUSR1's dump (guest events shows them all). */
#define DUMP_EVENTS	16

void
guest_events_rate_sample(struct guest *g, uint64_t drops)
{
	/* A trip is the counter starting to rise: one event per episode,
	 * not one per second while the guest stays over its limit.  A
	 * stats reset moves it back: a new baseline, no event. */
	if (drops > g->rl_drops_seen && !g->rl_dropping)
		events_add(g->events, EV_RATE_LIMITED, drops - g->rl_drops_seen, 0, 0, NULL);
	g->rl_dropping = drops > g->rl_drops_seen;
	g->rl_drops_seen = drops;
}

void
guest_events_print(struct guest *g, FILE *f)
{
	char prefix[VHOSTD_NAME_MAX + 16];

	snprintf(prefix, sizeof(prefix), "guest %s event", g->cfg.name);
	events_print(g->events, f, prefix, DUMP_EVENTS);
}

static int
events_path(struct vhostd *d, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/events/%s.json", d->cfg.daemon.state_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Written whole and durably (fs_write_atomic): after a crash the file is
 * the old copy or the new, never half of one. */
static int
write_atomically(const char *path, const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	int ret;

	if (text == NULL)
		return -ENOMEM;
	ret = fs_write_atomic(path, text, strlen(text), 0640);
	free(text);
	return ret;
}

void
guest_events_save(struct vhostd *d)
{
	char dir[VHOSTD_PATH_MAX + 16], path[VHOSTD_PATH_MAX * 2 + 64];

	/* Not after a start that failed before the saved copies were read:
	 * that would replace them with a record of the failure alone. */
	if (!d->events_restored)
		return;
	snprintf(dir, sizeof(dir), "%s/events", d->cfg.daemon.state_dir);
	if (mkdir(d->cfg.daemon.state_dir, 0750) != 0 && errno != EEXIST) {
		LOG(WARNING, "cannot create %s: %s; guest events are not saved",
		    d->cfg.daemon.state_dir, strerror(errno));
		return;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		LOG(WARNING, "cannot create %s: %s; guest events are not saved", dir,
		    strerror(errno));
		return;
	}
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		json_t *j;
		int ret;

		if (!g->in_use || events_path(d, g->cfg.name, path, sizeof(path)) != 0)
			continue;
		j = events_json(g->events, 0);
		if (j == NULL)
			continue;
		json_object_set_new(j, "name", json_string(g->cfg.name));
		ret = write_atomically(path, j);
		json_decref(j);
		if (ret != 0)
			LOG(WARNING, "guest %s: cannot save its events in %s: %s", g->cfg.name,
			    path, strerror(-ret));
	}
}

void
guest_events_load(struct vhostd *d)
{
	char path[VHOSTD_PATH_MAX * 2 + 64];

	d->events_restored = true;
	for (unsigned int i = 0; i < d->nb_guests; i++) {
		struct guest *g = &d->guests[i];
		json_error_t jerr;
		char err[128];
		json_t *j;
		int ret;

		if (!g->in_use || events_path(d, g->cfg.name, path, sizeof(path)) != 0)
			continue;
		j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (j == NULL) {
			if (access(path, F_OK) == 0)
				LOG(WARNING, "guest %s: %s: %s; its earlier events are lost",
				    g->cfg.name, path, jerr.text);
			continue;
		}
		ret = events_restore(g->events, j, err, sizeof(err));
		json_decref(j);
		if (ret != 0) {
			LOG(WARNING, "guest %s: %s: %s; its earlier events are lost", g->cfg.name,
			    path, err);
			continue;
		}
		/* Read once: a later crash must not bring the same events back
		 * twice; the next clean stop writes them again. */
		unlink(path);
		LOG(INFO, "guest %s: earlier events restored from %s", g->cfg.name, path);
	}
}
