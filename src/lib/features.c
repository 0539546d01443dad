/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio feature bits: names, the config's feature policy, decoding.
 * Bit numbers from the virtio 1.2 spec, 5.1.3 (network device) and 6
 * (reserved feature bits); vhost-user adds bit 30 (protocol features).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vhostd/features.h"

#define BIT(n) (1ULL << (n))

static const struct feature_desc feature_table[] = {
	{ "csum",          "VIRTIO_NET_F_CSUM",                0 },
	{ "guest-csum",    "VIRTIO_NET_F_GUEST_CSUM",          1 },
	{ "ctrl-guest-offloads", "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS", 2 },
	{ "mtu",           "VIRTIO_NET_F_MTU",                 3 },
	{ "mac",           "VIRTIO_NET_F_MAC",                 5 },
	{ "gso",           "VIRTIO_NET_F_GSO",                 6 },
	{ "guest-tso4",    "VIRTIO_NET_F_GUEST_TSO4",          7 },
	{ "guest-tso6",    "VIRTIO_NET_F_GUEST_TSO6",          8 },
	{ "guest-ecn",     "VIRTIO_NET_F_GUEST_ECN",           9 },
	{ "guest-ufo",     "VIRTIO_NET_F_GUEST_UFO",          10 },
	{ "host-tso4",     "VIRTIO_NET_F_HOST_TSO4",          11 },
	{ "host-tso6",     "VIRTIO_NET_F_HOST_TSO6",          12 },
	{ "host-ecn",      "VIRTIO_NET_F_HOST_ECN",           13 },
	{ "host-ufo",      "VIRTIO_NET_F_HOST_UFO",           14 },
	{ "mrg-rxbuf",     "VIRTIO_NET_F_MRG_RXBUF",          15 },
	{ "status",        "VIRTIO_NET_F_STATUS",             16 },
	{ "ctrl-vq",       "VIRTIO_NET_F_CTRL_VQ",            17 },
	{ "ctrl-rx",       "VIRTIO_NET_F_CTRL_RX",            18 },
	{ "ctrl-vlan",     "VIRTIO_NET_F_CTRL_VLAN",          19 },
	{ "ctrl-rx-extra", "VIRTIO_NET_F_CTRL_RX_EXTRA",      20 },
	{ "guest-announce", "VIRTIO_NET_F_GUEST_ANNOUNCE",    21 },
	{ "mq",            "VIRTIO_NET_F_MQ",                 22 },
	{ "ctrl-mac-addr", "VIRTIO_NET_F_CTRL_MAC_ADDR",      23 },
	{ "notify-on-empty", "VIRTIO_F_NOTIFY_ON_EMPTY",      24 },
	{ "any-layout",    "VIRTIO_F_ANY_LAYOUT",             27 },
	{ "indirect-desc", "VIRTIO_RING_F_INDIRECT_DESC",     28 },
	{ "event-idx",     "VIRTIO_RING_F_EVENT_IDX",         29 },
	{ NULL,            "VHOST_USER_F_PROTOCOL_FEATURES",  30 },
	{ "version-1",     "VIRTIO_F_VERSION_1",              32 },
	{ "iommu-platform", "VIRTIO_F_ACCESS_PLATFORM",       33 },
	{ "packed-ring",   "VIRTIO_F_RING_PACKED",            34 },
	{ "in-order",      "VIRTIO_F_IN_ORDER",               35 },
	{ "order-platform", "VIRTIO_F_ORDER_PLATFORM",        36 },
	{ "sr-iov",        "VIRTIO_F_SR_IOV",                 37 },
	{ "notification-data", "VIRTIO_F_NOTIFICATION_DATA",  38 },
	{ "ring-reset",    "VIRTIO_F_RING_RESET",             40 },
	{ NULL,            "VHOST_F_LOG_ALL",                 26 },
	{ "notf-coal",     "VIRTIO_NET_F_NOTF_COAL",          53 },
	{ "hash-report",   "VIRTIO_NET_F_HASH_REPORT",        57 },
	{ "rss",           "VIRTIO_NET_F_RSS",                60 },
	{ "rsc-ext",       "VIRTIO_NET_F_RSC_EXT",            61 },
	{ "standby",       "VIRTIO_NET_F_STANDBY",            62 },
	{ "speed-duplex",  "VIRTIO_NET_F_SPEED_DUPLEX",       63 },
};

#define N_FEATURES (sizeof(feature_table) / sizeof(feature_table[0]))

/*
 * Checksum and TSO offloads are on: a frame with a partial checksum or a
 * 64 KiB TCP/IPv4 frame from a guest is finished by the uplink when it can,
 * else in software (offload.c), and delivered as it is to guests that
 * negotiated GUEST_CSUM/GUEST_TSO.  What vhostd cannot finish is off unless
 * asked for: UFO (librte_gso does no UDP fragmentation offload here), ECN,
 * CTRL_GUEST_OFFLOADS, and HOST_TSO6 unless the uplink segments in hardware.
 */
_Static_assert(FEATURES_OFFLOADS_ON == (BIT(0) | BIT(1) | BIT(7) | BIT(8) | BIT(11)),
	       "FEATURES_OFFLOADS_ON: csum, guest-csum, guest-tso4/6, host-tso4");
_Static_assert(FEATURES_OFFLOADS_OFF == (BIT(2) | BIT(6) | BIT(9) | BIT(10) | BIT(12) |
					 BIT(13) | BIT(14)),
	       "FEATURES_OFFLOADS_OFF: ctrl-guest-offloads, gso, ECN, UFO, host-tso6");
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
		if ((remove ? add : del) & BIT(f->bit)) {
			snprintf(err, errlen, "feature '%s' both added and removed", item);
			return -EINVAL;
		}
		if (remove)
			del |= BIT(f->bit);
		else
			add |= BIT(f->bit);
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

		if (!(bits & BIT(bit)))
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
