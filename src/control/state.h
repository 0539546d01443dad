/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CONTROL_STATE_H
#define VHOSTD_CONTROL_STATE_H

/* STATE_DIR/guests/NAME.json (state.c): the persistent guests' guest.add
 * parameters.  Save (atomically), remove, and read them all back. */

#include <dirent.h>
#include <stddef.h>

#include <jansson.h>

#include "vhostd/limits.h"

struct vhostd;

int state_save(struct vhostd *d, const char *name, json_t *args, char *err, size_t errlen);
void state_remove(struct vhostd *d, const char *name);

/* Reading the saved guests: state_open (-errno: no directory), then
 * state_next until NULL (each a guest's parameters, its file in path;
 * files that are no saved guest are logged and skipped), state_close. */
struct state_dir {
	DIR *dh;
	char dir[VHOSTD_PATH_MAX + 16];
};
int state_open(struct vhostd *d, struct state_dir *sd);
json_t *state_next(struct state_dir *sd, char *path, size_t len);
void state_close(struct state_dir *sd);

#endif
