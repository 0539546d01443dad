/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_BACKEND_H
#define VHOST_BENCH_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* vhostd's "stats" result ({"guests": ..., "uplinks": ...}), or NULL with
 * a reason in err. */
json_t *backend_stats(const char *path, char *err, size_t errlen);

/* Per guest and uplink: packets and each non-zero drop reason between two
 * "stats" results, their sum, and what of `lost` no reason accounts for.
 * One compact JSON object ({"vhostd": {...}}); the caller frees it. */
char *backend_where(const json_t *before, const json_t *after, uint64_t lost);

#endif
