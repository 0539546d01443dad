/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FEATURES_H
#define VHOSTD_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/*
 * virtio feature bits by name.  Two names per bit: the short policy name used
 * in the config ("mrg-rxbuf") and the spec name ("VIRTIO_NET_F_MRG_RXBUF").
 */
struct feature_desc {
	const char *policy;	/* NULL: not settable by policy */
	const char *spec;
	unsigned int bit;
};

/* Offload bits offered unless the policy withholds them: checksums both
 * ways, TSO from guests over IPv4 (vhostd can always finish both in
 * software) and TSO to guests. */
#define FEATURES_OFFLOADS_ON 0x983ULL	/* csum guest-csum guest-tso4/6 host-tso4 */
/* Offered only on request: ctrl-guest-offloads, gso, ECN, UFO; and
 * host-tso6, which vhostd adds itself when the uplink segments in hardware
 * (librte_gso 22.11 cannot segment TCP over IPv6). */
#define FEATURES_OFFLOADS_OFF 0x7644ULL
#define FEATURE_HOST_TSO6 12

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
