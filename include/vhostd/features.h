/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FEATURES_H
#define VHOSTD_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * THE table of virtio feature bits: every file that tests, sets or names a
 * feature uses these names, never a bare bit number.  Bit numbers from the
 * virtio 1.2 spec, 5.1.3 (network device) and 6 (reserved feature bits);
 * vhost-user adds bit 30 (protocol features) and vhost bit 26 (LOG_ALL).
 * Columns: our name (FEATURE_<id>), bit, the short policy name used in the
 * config ("mrg-rxbuf"; NULL: not settable by policy), the spec name.
 * Prefixed FEATURE_ because <linux/virtio_net.h>, which librte_vhost pulls
 * in, already defines the spec names as macros.
 */
#define FEATURES_TABLE(X) \
	X(CSUM,                0, "csum",                "VIRTIO_NET_F_CSUM") \
	X(GUEST_CSUM,          1, "guest-csum",          "VIRTIO_NET_F_GUEST_CSUM") \
	X(CTRL_GUEST_OFFLOADS, 2, "ctrl-guest-offloads", "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS") \
	X(MTU,                 3, "mtu",                 "VIRTIO_NET_F_MTU") \
	X(MAC,                 5, "mac",                 "VIRTIO_NET_F_MAC") \
	X(GSO,                 6, "gso",                 "VIRTIO_NET_F_GSO") \
	X(GUEST_TSO4,          7, "guest-tso4",          "VIRTIO_NET_F_GUEST_TSO4") \
	X(GUEST_TSO6,          8, "guest-tso6",          "VIRTIO_NET_F_GUEST_TSO6") \
	X(GUEST_ECN,           9, "guest-ecn",           "VIRTIO_NET_F_GUEST_ECN") \
	X(GUEST_UFO,          10, "guest-ufo",           "VIRTIO_NET_F_GUEST_UFO") \
	X(HOST_TSO4,          11, "host-tso4",           "VIRTIO_NET_F_HOST_TSO4") \
	X(HOST_TSO6,          12, "host-tso6",           "VIRTIO_NET_F_HOST_TSO6") \
	X(HOST_ECN,           13, "host-ecn",            "VIRTIO_NET_F_HOST_ECN") \
	X(HOST_UFO,           14, "host-ufo",            "VIRTIO_NET_F_HOST_UFO") \
	X(MRG_RXBUF,          15, "mrg-rxbuf",           "VIRTIO_NET_F_MRG_RXBUF") \
	X(STATUS,             16, "status",              "VIRTIO_NET_F_STATUS") \
	X(CTRL_VQ,            17, "ctrl-vq",             "VIRTIO_NET_F_CTRL_VQ") \
	X(CTRL_RX,            18, "ctrl-rx",             "VIRTIO_NET_F_CTRL_RX") \
	X(CTRL_VLAN,          19, "ctrl-vlan",           "VIRTIO_NET_F_CTRL_VLAN") \
	X(CTRL_RX_EXTRA,      20, "ctrl-rx-extra",       "VIRTIO_NET_F_CTRL_RX_EXTRA") \
	X(GUEST_ANNOUNCE,     21, "guest-announce",      "VIRTIO_NET_F_GUEST_ANNOUNCE") \
	X(MQ,                 22, "mq",                  "VIRTIO_NET_F_MQ") \
	X(CTRL_MAC_ADDR,      23, "ctrl-mac-addr",       "VIRTIO_NET_F_CTRL_MAC_ADDR") \
	X(NOTIFY_ON_EMPTY,    24, "notify-on-empty",     "VIRTIO_F_NOTIFY_ON_EMPTY") \
	X(ANY_LAYOUT,         27, "any-layout",          "VIRTIO_F_ANY_LAYOUT") \
	X(INDIRECT_DESC,      28, "indirect-desc",       "VIRTIO_RING_F_INDIRECT_DESC") \
	X(EVENT_IDX,          29, "event-idx",           "VIRTIO_RING_F_EVENT_IDX") \
	X(PROTOCOL_FEATURES,  30, NULL,                  "VHOST_USER_F_PROTOCOL_FEATURES") \
	X(VERSION_1,          32, "version-1",           "VIRTIO_F_VERSION_1") \
	X(ACCESS_PLATFORM,    33, "iommu-platform",      "VIRTIO_F_ACCESS_PLATFORM") \
	X(RING_PACKED,        34, "packed-ring",         "VIRTIO_F_RING_PACKED") \
	X(IN_ORDER,           35, "in-order",            "VIRTIO_F_IN_ORDER") \
	X(ORDER_PLATFORM,     36, "order-platform",      "VIRTIO_F_ORDER_PLATFORM") \
	X(SR_IOV,             37, "sr-iov",              "VIRTIO_F_SR_IOV") \
	X(NOTIFICATION_DATA,  38, "notification-data",   "VIRTIO_F_NOTIFICATION_DATA") \
	X(RING_RESET,         40, "ring-reset",          "VIRTIO_F_RING_RESET") \
	X(LOG_ALL,            26, NULL,                  "VHOST_F_LOG_ALL") \
	X(NOTF_COAL,          53, "notf-coal",           "VIRTIO_NET_F_NOTF_COAL") \
	X(HASH_REPORT,        57, "hash-report",         "VIRTIO_NET_F_HASH_REPORT") \
	X(RSS,                60, "rss",                 "VIRTIO_NET_F_RSS") \
	X(RSC_EXT,            61, "rsc-ext",             "VIRTIO_NET_F_RSC_EXT") \
	X(STANDBY,            62, "standby",             "VIRTIO_NET_F_STANDBY") \
	X(SPEED_DUPLEX,       63, "speed-duplex",        "VIRTIO_NET_F_SPEED_DUPLEX")

enum feature_bit {
#define FEATURE_ENUM_(id, bit, policy, spec) FEATURE_##id = bit,
	FEATURES_TABLE(FEATURE_ENUM_)
#undef FEATURE_ENUM_
};

/* The mask of one feature: FEATURE_BIT(FEATURE_MQ). */
#define FEATURE_BIT(f) (1ULL << (f))

/* Does a feature set (offered, negotiated) hold feature f? */
static inline bool
features_has(uint64_t bits, enum feature_bit f)
{
	return (bits & FEATURE_BIT(f)) != 0;
}

/* One row of the table, for lookups by name. */
struct feature_desc {
	const char *policy;	/* NULL: not settable by policy */
	const char *spec;
	unsigned int bit;
};

/*
 * Checksum and TSO offloads are on: a frame with a partial checksum or a
 * 64 KiB TCP/IPv4 frame from a guest is finished by the uplink when it can,
 * else in software (offload.c), and delivered as it is to guests that
 * negotiated GUEST_CSUM/GUEST_TSO.
 */
#define FEATURES_OFFLOADS_ON (FEATURE_BIT(FEATURE_CSUM) | FEATURE_BIT(FEATURE_GUEST_CSUM) | \
			      FEATURE_BIT(FEATURE_GUEST_TSO4) | FEATURE_BIT(FEATURE_GUEST_TSO6) | \
			      FEATURE_BIT(FEATURE_HOST_TSO4))
/* Offered only on request, what vhostd cannot finish: ctrl-guest-offloads,
 * gso, ECN, UFO (librte_gso does no UDP fragmentation offload here); and
 * host-tso6, which vhostd adds itself when the uplink segments in hardware
 * (librte_gso 22.11 cannot segment TCP over IPv6). */
#define FEATURES_OFFLOADS_OFF (FEATURE_BIT(FEATURE_CTRL_GUEST_OFFLOADS) | \
			       FEATURE_BIT(FEATURE_GSO) | FEATURE_BIT(FEATURE_GUEST_ECN) | \
			       FEATURE_BIT(FEATURE_GUEST_UFO) | FEATURE_BIT(FEATURE_HOST_TSO6) | \
			       FEATURE_BIT(FEATURE_HOST_ECN) | FEATURE_BIT(FEATURE_HOST_UFO))

/* Look up by policy name; NULL if unknown. */
const struct feature_desc *features_lookup(const char *policy_name);

/* Spec name of a bit ("VIRTIO_F_RING_PACKED"), or NULL if we have none. */
const char *features_spec_name(unsigned int bit);

/*
 * Parse a policy: a list separated by commas and/or blanks of "+name",
 * "-name" or "name" (same as "+name").  Fills on/off masks; -EINVAL with a
 * message naming the bad item.  A name both added and removed is an error.
 */
int features_parse_policy(const char *text, uint64_t *on, uint64_t *off,
			  char *err, size_t errlen);

/*
 * Features vhostd offers by default, out of those librte_vhost supports
 * (lib_features): everything but FEATURES_OFFLOADS_OFF (see
 * docs/configuration.md).
 */
uint64_t features_default(uint64_t lib_features);

/* Offered set for a guest: (default | on) & ~off, limited to lib_features. */
uint64_t features_offer(uint64_t lib_features, uint64_t on, uint64_t off);

/* "VIRTIO_NET_F_MRG_RXBUF VIRTIO_F_VERSION_1 ..." ; unknown bits as "bit42". */
size_t features_format(uint64_t bits, char *buf, size_t len);
/* The same with the config's names: "guest-tso4 mrg-rxbuf ..." (spec
 * names for bits the policy cannot set). */
size_t features_format_policy(uint64_t bits, char *buf, size_t len);

#endif
