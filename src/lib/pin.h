/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_PIN_H
#define VHOSTD_PIN_H

/*
 * Feature pinning across restarts (pin.c): what a guest negotiated, saved
 * in STATE_DIR/features/NAME.json at every device start, so that a vhostd
 * started again (or upgraded) keeps offering a connected guest what it
 * acked.  QEMU 7.2 remembers the features its guest acked and, when it
 * reconnects to a restarted backend, refuses one that no longer offers
 * them all (hw/net/vhost_net.c, vhost_net_init: "vhost lacks feature mask
 * ... for backend"), and redials forever: the guest's network is gone
 * until it is rebooted.  Plain C and jansson, no DPDK: unit-tested alone.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "vhostd/config.h"
#include "vhostd/features.h"

struct pin_record {
	uint64_t negotiated;	/* virtio features the driver acked (no LOG_ALL) */
	uint64_t offered;	/* what the vhostd that saved it offered */
	uint64_t protocol;	/* vhost-user protocol features */
	int64_t time;		/* when: seconds since the epoch */
	/* Client mode: the frontend's listening socket file (device, inode).
	 * A new QEMU binds a new one: a record naming another belongs to a
	 * frontend that is gone.  0, 0: not known (server mode). */
	uint64_t sock_dev;
	uint64_t sock_ino;
};

/* Bits never pinned: VHOST_F_LOG_ALL comes and goes with a migration,
 * VHOST_USER_F_PROTOCOL_FEATURES is librte_vhost's to offer. */
#define PIN_IGNORED (FEATURE_BIT(FEATURE_LOG_ALL) | FEATURE_BIT(FEATURE_PROTOCOL_FEATURES))

json_t *pin_record_json(const struct pin_record *r, const char *name);
/* -EINVAL with the reason in err when j is not a record. */
int pin_record_parse(const json_t *j, struct pin_record *r, char *err, size_t errlen);

/* "2026-12-06T21:30:10Z" */
void pin_time_format(int64_t t, char *buf, size_t len);

/* STATE_DIR/features/NAME.json; -ENAMETOOLONG. */
int pin_path(const char *state_dir, const char *name, char *buf, size_t len);

/* Read the record of guest name: 0, -ENOENT (none), or -EINVAL with err. */
int pin_load(const char *state_dir, const char *name, struct pin_record *r, char *err,
	     size_t errlen);

/* Does the record describe the frontend listening on socket now?  Always
 * for server mode (no identity saved); client mode compares the socket
 * file's device and inode. */
bool pin_same_frontend(const struct pin_record *r, const char *socket);

/* The negotiated features a guest's configuration removes from the offer,
 * as far as the configuration alone tells (vhostd -n: no librte_vhost).
 * host-tso6 depends on the uplink and is left out. */
uint64_t pin_config_removes(const struct config_guest *c, uint64_t negotiated);

/* vhostd -n: warn on f about every guest of cfg whose saved negotiation the
 * configuration would no longer offer.  Returns the number of warnings. */
unsigned int pin_check_config(const struct config *cfg, FILE *f);

#endif
