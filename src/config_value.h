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
int value_parse_log_level(const char *value, int *level, char *why, size_t whylen);
int value_parse_guest_mode(const char *value, enum guest_mode *mode, char *why,
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
 * What names the device in uplink devargs, for telling two [uplink]
 * sections that would probe one device apart.
 */
void value_device_id(const char *dev, char *id, size_t len);

#endif
