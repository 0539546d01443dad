/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CTL_H
#define VHOSTD_CTL_H

/* The control socket, its commands and telemetry. */

#include <poll.h>
#include <stdbool.h>

#include <jansson.h>

#include "vhostd/ctl_proto.h"

struct vhostd;
struct guest;

/* ctl_table.c's commands with ctl_cmds.c's handlers, once bound: at start,
 * before anything dispatches (-EINVAL: a command without a handler). */
extern const struct ctl_cmd *const ctl_commands;
extern const unsigned int ctl_nb_commands;
int ctl_commands_bind(void);

/* Open the control socket ([daemon] control-socket, mode 0660, group
 * control-group) and register the telemetry commands. */
int ctl_open(struct vhostd *d);
void ctl_close(struct vhostd *d);
/* Fill pollfds for the listener and clients; returns how many. */
unsigned int ctl_pollfds(struct vhostd *d, struct pollfd *pfd, unsigned int max);
/* Serve whatever the pollfds of ctl_pollfds() reported. */
void ctl_serve(struct vhostd *d, const struct pollfd *pfd, unsigned int n);

/* guest.events (ctl_events.c). */
int ctl_cmd_guest_events(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);
/* A guest's answer: make(g, arg) under d->lock, with "name" added;
 * -ENOENT without such a guest, -ENOMEM when make returns NULL
 * (ctl_events.c). */
int ctl_guest_reply(struct vhostd *d, const char *name, json_t *(*make)(struct guest *g, void *arg),
		    void *arg, json_t **result, char *err, size_t errlen);
/* guest.why (ctl_why.c). */
int ctl_cmd_guest_why(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);

#endif
