/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature pinning across restarts: the saved record of a guest's last
 * negotiation, and vhostd -n's check against it (pin.h).  The daemon's
 * side (saving at device start, pinning at registration) is in
 * guest_pin.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/pin.h"
#include "vhostd/features.h"


static json_t *
hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	return json_string(buf);
}

static int
unhex(const json_t *j, const char *key, uint64_t *out, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(j, key));
	unsigned long long v;
	char *end;

	if (s == NULL || strncmp(s, "0x", 2) != 0) {
		snprintf(err, errlen, "'%s' is not a hex string", key);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s + 2, &end, 16);
	if (errno != 0 || *end != '\0' || end == s + 2) {
		snprintf(err, errlen, "'%s' is not a hex string", key);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

void
pin_time_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

json_t *
pin_record_json(const struct pin_record *r, const char *name)
{
	char when[32], neg[1024];
	json_t *j;

	pin_time_format(r->time, when, sizeof(when));
	features_format_policy(r->negotiated, neg, sizeof(neg));
	j = json_pack("{s:s, s:o, s:s, s:o, s:o, s:I, s:s}", "name", name,
		      "negotiated", hex(r->negotiated), "negotiated_names", neg,
		      "offered", hex(r->offered), "protocol_features", hex(r->protocol),
		      "time", (json_int_t)r->time, "time_iso", when);
	if (j != NULL && r->sock_ino != 0)
		json_object_set_new(j, "frontend_socket", json_pack("{s:I, s:I}",
			"dev", (json_int_t)r->sock_dev, "ino", (json_int_t)r->sock_ino));
	return j;
}

int
pin_record_parse(const json_t *j, struct pin_record *r, char *err, size_t errlen)
{
	const json_t *fs, *t;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j)) {
		snprintf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	ret = unhex(j, "negotiated", &r->negotiated, err, errlen);
	if (ret == 0)
		ret = unhex(j, "offered", &r->offered, err, errlen);
	if (ret == 0)
		ret = unhex(j, "protocol_features", &r->protocol, err, errlen);
	if (ret != 0)
		return ret;
	t = json_object_get(j, "time");
	if (!json_is_integer(t)) {
		snprintf(err, errlen, "'time' is not an integer");
		return -EINVAL;
	}
	r->time = json_integer_value(t);
	fs = json_object_get(j, "frontend_socket");
	if (fs != NULL) {
		const json_t *dev = json_object_get(fs, "dev"), *ino = json_object_get(fs, "ino");

		if (!json_is_integer(dev) || !json_is_integer(ino)) {
			snprintf(err, errlen, "'frontend_socket' wants integers dev and ino");
			return -EINVAL;
		}
		r->sock_dev = (uint64_t)json_integer_value(dev);
		r->sock_ino = (uint64_t)json_integer_value(ino);
	}
	r->negotiated &= ~PIN_IGNORED;
	return 0;
}

int
pin_path(const char *state_dir, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/features/%s.json", state_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
pin_load(const char *state_dir, const char *name, struct pin_record *r, char *err,
	 size_t errlen)
{
	char path[VHOSTD_PATH_MAX * 2 + 64];
	json_error_t jerr;
	json_t *j;
	int ret;

	ret = pin_path(state_dir, name, path, sizeof(path));
	if (ret != 0) {
		snprintf(err, errlen, "state path too long");
		return ret;
	}
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		struct stat st;

		if (stat(path, &st) != 0 && errno == ENOENT)
			return -ENOENT;
		snprintf(err, errlen, "%s: %s", path, jerr.text);
		return -EINVAL;
	}
	ret = pin_record_parse(j, r, err, errlen);
	json_decref(j);
	return ret;
}

bool
pin_same_frontend(const struct pin_record *r, const char *socket)
{
	struct stat st;

	if (r->sock_ino == 0)
		return true;
	return stat(socket, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       (uint64_t)st.st_dev == r->sock_dev && (uint64_t)st.st_ino == r->sock_ino;
}

uint64_t
pin_config_removes(const struct config_guest *c, uint64_t negotiated)
{
	uint64_t removed = c->features_off |
			   (FEATURES_OFFLOADS_OFF & ~c->features_on & ~FEATURE_BIT(FEATURE_HOST_TSO6));

	if (c->queues == 1)
		removed |= FEATURE_BIT(FEATURE_MQ);	/* vhost.c: nothing to steer */
	return negotiated & removed & ~PIN_IGNORED;
}

unsigned int
pin_check_config(const struct config *cfg, FILE *f)
{
	unsigned int warnings = 0;

	for (unsigned int i = 0; i < cfg->nb_guests; i++) {
		const struct config_guest *c = &cfg->guests[i];
		struct pin_record r;
		char err[256], names[1024], when[32];
		uint64_t removed;
		int ret;

		ret = pin_load(cfg->daemon.state_dir, c->name, &r, err, sizeof(err));
		if (ret == -ENOENT)
			continue;
		if (ret != 0) {
			fprintf(f, "vhostd: warning: guest %s: saved features unreadable: %s\n",
				c->name, err);
			warnings++;
			continue;
		}
		if (c->mode == GUEST_MODE_CLIENT && !pin_same_frontend(&r, c->socket))
			continue;	/* its QEMU is gone: the next one starts fresh */
		removed = pin_config_removes(c, r.negotiated);
		if (removed == 0)
			continue;
		features_format_policy(removed, names, sizeof(names));
		pin_time_format(r.time, when, sizeof(when));
		fprintf(f, "vhostd: warning: guest %s: the configuration removes %s, which the "
			"connected guest negotiated (saved %s in %s/features/%s.json): vhostd "
			"will keep offering %s to that guest until it connects fresh\n", c->name,
			names, when, cfg->daemon.state_dir, c->name,
			__builtin_popcountll(removed) > 1 ? "them" : "it");
		warnings++;
	}
	return warnings;
}
