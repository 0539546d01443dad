/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio feature bits: names, the config's feature policy, decoding.
 * The bits and their names are features.h's FEATURES_TABLE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vhostd/features.h"

static const struct feature_desc feature_table[] = {
#define FEATURE_ROW_(id, bit, policy, spec) { policy, spec, bit },
	FEATURES_TABLE(FEATURE_ROW_)
#undef FEATURE_ROW_
};

#define N_FEATURES (sizeof(feature_table) / sizeof(feature_table[0]))

/* The masks in features.h, as they were written by number before the
 * names (docs/configuration.md lists them). */
_Static_assert(FEATURES_OFFLOADS_ON == 0x983ULL, "FEATURES_OFFLOADS_ON");
_Static_assert(FEATURES_OFFLOADS_OFF == 0x7644ULL, "FEATURES_OFFLOADS_OFF");
static const uint64_t features_offloads = FEATURES_OFFLOADS_OFF;

const struct feature_desc *
features_lookup(const char *policy_name)
{
	for (size_t i = 0; i < N_FEATURES; i++)
		if (feature_table[i].policy != NULL &&
		    strcmp(feature_table[i].policy, policy_name) == 0)
			return &feature_table[i];
	return NULL;
}

const char *
features_spec_name(unsigned int bit)
{
	for (size_t i = 0; i < N_FEATURES; i++)
		if (feature_table[i].bit == bit)
			return feature_table[i].spec;
	return NULL;
}

int
features_parse_policy(const char *text, uint64_t *on, uint64_t *off,
		      char *err, size_t errlen)
{
	uint64_t add = 0, del = 0;
	const char *p = text;

	while (*p != '\0') {
		char item[64];
		size_t n = 0;
		bool remove = false;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p == '+' || *p == '-') {
			remove = *p == '-';
			p++;
		}
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p)) {
			if (n + 1 >= sizeof(item)) {
				snprintf(err, errlen, "feature name too long");
				return -EINVAL;
			}
			item[n++] = *p++;
		}
		item[n] = '\0';
		if (n == 0) {
			snprintf(err, errlen, "'%c' without a feature name",
				 remove ? '-' : '+');
			return -EINVAL;
		}

		const struct feature_desc *f = features_lookup(item);
		if (f == NULL) {
			snprintf(err, errlen, "unknown feature '%s'", item);
			return -EINVAL;
		}
		if ((remove ? add : del) & FEATURE_BIT(f->bit)) {
			snprintf(err, errlen, "feature '%s' both added and removed", item);
			return -EINVAL;
		}
		if (remove)
			del |= FEATURE_BIT(f->bit);
		else
			add |= FEATURE_BIT(f->bit);
	}
	*on = add;
	*off = del;
	return 0;
}

uint64_t
features_default(uint64_t lib_features)
{
	return lib_features & ~features_offloads;
}

uint64_t
features_offer(uint64_t lib_features, uint64_t on, uint64_t off)
{
	return (features_default(lib_features) | (on & lib_features)) & ~off;
}

static const char *
policy_name(unsigned int bit)
{
	for (size_t i = 0; i < N_FEATURES; i++)
		if (feature_table[i].bit == bit)
			return feature_table[i].policy != NULL ? feature_table[i].policy
							       : feature_table[i].spec;
	return NULL;
}

static size_t
format_bits(uint64_t bits, const char *(*name_of)(unsigned int), char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned int bit = 0; bit < 64; bit++) {
		char unknown[16];
		const char *name;
		int n;

		if (!(bits & FEATURE_BIT(bit)))
			continue;
		name = name_of(bit);
		if (name == NULL) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		n = (int)strlen(name) + (used ? 1 : 0);
		if ((size_t)n >= len - used)
			break;	/* whole names only */
		snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
		used += (size_t)n;
	}
	return used;
}

size_t
features_format(uint64_t bits, char *buf, size_t len)
{
	return format_bits(bits, features_spec_name, buf, len);
}

size_t
features_format_policy(uint64_t bits, char *buf, size_t len)
{
	return format_bits(bits, policy_name, buf, len);
}
