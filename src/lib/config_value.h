/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CONFIG_VALUE_H
#define VHOSTD_CONFIG_VALUE_H

/*
 * One configuration value, as text, to a typed value (config_value.c).
 * Internal to config.c, which knows the files, sections and keys; the
 * public helpers (config_parse_cpu_list, config_parse_mac) are declared in
 * vhostd/config.h.
 *
 * Each parser checks the whole value and writes its output only when the
 * value is valid.  Otherwise it returns -EINVAL and puts in why a reason
 * that quotes the value and says what was expected, for config.c to prefix
 * with "FILE:LINE: [section] key: ".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhostd/config.h"

/* What value_valid_name() accepts, for the messages that reject a name. */
#define NAME_RULE "1 to 31 characters from A-Z a-z 0-9 _ . -"

/* Bounds of an integer key. */
struct uint_range {
	unsigned int min;
	unsigned int max;
	bool zero_ok;		/* 0 ("automatic", "off") allowed below min */
	bool pow2;
	const char *unit;
};

/*
 * Checks a string value that config.c copies as is into a char field of
 * size bytes: on success the value and its NUL fit there.
 */
typedef int (*value_checker)(const char *value, size_t size, char *why, size_t whylen);

/* Section and uplink names; s need not be NUL-terminated. */
bool value_valid_name(const char *s, size_t len);

int value_parse_uint(const char *value, const struct uint_range *r, unsigned int *out,
		     char *why, size_t whylen);
int value_parse_bool(const char *value, bool *out, char *why, size_t whylen);
int value_parse_guest_mode(const char *value, enum guest_mode *mode, char *why,
			   size_t whylen);
int value_parse_notify_mode(const char *value, enum notify_mode *mode, char *why,
			    size_t whylen);
int value_parse_unicast_mac(const char *value, uint8_t mac[6], char *why, size_t whylen);

/* config_parse_cpu_list() with the reason; why may be NULL if whylen is 0. */
int value_parse_cpu_list(const char *s, uint16_t *cpus, unsigned int max,
			 unsigned int *nb, char *why, size_t whylen);

/* The value_checker functions, one for each kind of string key. */
int value_check_abs_path(const char *value, size_t size, char *why, size_t whylen);
int value_check_optional_path(const char *value, size_t size, char *why, size_t whylen);
int value_check_file_prefix(const char *value, size_t size, char *why, size_t whylen);
int value_check_device(const char *value, size_t size, char *why, size_t whylen);
int value_check_uplink_name(const char *value, size_t size, char *why, size_t whylen);
int value_check_group(const char *value, size_t size, char *why, size_t whylen);

/*
 * A user or group name that fits size bytes with its NUL and exists on this
 * host (getpwnam_r/getgrnam_r): its id in *uid / *gid.
 */
int value_parse_user(const char *value, size_t size, uid_t *uid, char *why, size_t whylen);
int value_parse_group(const char *value, size_t size, gid_t *gid, char *why, size_t whylen);

/* Octal permission bits, 0 to 0777 ("660" or "0660"). */
int value_parse_socket_mode(const char *value, int *mode, char *why, size_t whylen);

/* Quantities with a unit suffix: rate limits and their bursts. */
enum value_quantity {
	VALUE_BITRATE,		/* bits per second; k, M, G are powers of 1000 */
	VALUE_PKTRATE,		/* packets per second; k, M are powers of 1000 */
	VALUE_BYTES,		/* bytes; k, M are powers of 1024 */
};

/* "100M", "64k", "0": 0 always allowed (no limit, or automatic). */
int value_parse_quantity(const char *value, enum value_quantity kind, uint64_t *out,
			 char *why, size_t whylen);

#endif
