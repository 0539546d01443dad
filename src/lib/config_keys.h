/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CONFIG_KEYS_H
#define VHOSTD_CONFIG_KEYS_H

/*
 * The keys of each section type (config_keys.c), shared inside src/lib by
 * the INI walk (config.c) and the guest rules (config_guest.c), so that a
 * [guest NAME] section and a guest.add request are read by the same
 * table.  Internal: the public interface is vhostd/config.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhostd/config.h"

#include "lib/config_value.h"

#define DEFAULT_QUEUES		1
#define DEFAULT_DESCRIPTORS	1024

struct key_desc;

/* Checks value and, only if it is valid, stores it into obj. */
typedef int (*key_setter)(void *obj, const struct key_desc *k, const char *value,
			  char *why, size_t whylen);

struct key_desc {
	const char *name;
	key_setter set;
	size_t offset;			/* field in the section's struct */
	size_t size;			/* for strings: size of the field */
	const struct uint_range *range;	/* for set_uint */
	value_checker check;		/* for set_string */
	enum value_quantity quantity;	/* for set_quantity */
	size_t id_offset;		/* for set_account: the uid or gid field */
	bool user;			/* for set_account: a user, not a group */
};

struct section_desc {
	const char *type;
	bool named;
	unsigned int max;		/* sections of this type in one file */
	const struct key_desc *keys;
	unsigned int nb_keys;
};

#define MAX_KEYS	32	/* keys per section type; bits of a "seen" mask */
#define N_KEYS(keys)	(sizeof(keys) / sizeof((keys)[0]))

extern const struct section_desc config_daemon_section;
extern const struct section_desc config_uplink_section;
extern const struct section_desc config_guest_section;

/* Indexes in the keys of config_uplink_section and config_guest_section. */
enum { UPLINK_DEVICE };
enum {
	GUEST_SOCKET, GUEST_MODE, GUEST_UPLINK, GUEST_MAC, GUEST_MAC_CHECK, GUEST_QUEUES,
	GUEST_FEATURES, GUEST_SOCKET_OWNER, GUEST_SOCKET_GROUP, GUEST_SOCKET_MODE,
};

/* The section type named by type[0..len), or NULL. */
const struct section_desc *config_section_desc(const char *type, size_t len);

/* The index of key name in desc, or -1. */
int config_key_index(const struct section_desc *desc, const char *name);

/*
 * queue-affinity against the section's queues and the [daemon] cores, which
 * may come after it in a file (set_affinity checks only the syntax).
 * 0, or -EINVAL with the reason in why.
 */
int config_affinity_check(struct config_affinity *a, unsigned int queues,
			  const struct config_daemon *d, char *why, size_t whylen);

/* snprintf into err, if there is one. */
void config_report(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
