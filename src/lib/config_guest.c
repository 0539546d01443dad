/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What makes a guest valid, in one place: config_guest_check() decides for
 * a [guest NAME] section of the file (config.c), for guest.add and the
 * state directory's replay (guest_args.c) and for the fuzzers, and fills
 * the defaults that depend on other keys (mac-check, socket-mode, uplink).
 *
 * Where the guest comes from changes only the wording: a file's reader is
 * also told what to write instead ("(expected ...)"), and the caller adds
 * "FILE:LINE:" or nothing.  The rules, their order and their errno are the
 * same for both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vhostd/config.h"
#include "vhostd/notify.h"

#include "lib/config_keys.h"
#include "lib/config_value.h"

#define SEEN(seen, key)	(((seen) & (1u << (key))) != 0)

int
config_guest_new(struct config_guest *g, const char *name, char *err, size_t errlen)
{
	char why[128];

	memset(g, 0, sizeof(*g));
	/* Checked first: the name rule's message below quotes the name. */
	if (config_check_text(name, why, sizeof(why)) != 0) {
		config_report(err, errlen, "guest name: %s", why);
		return -EINVAL;
	}
	if (!value_valid_name(name, strlen(name))) {
		config_report(err, errlen, "guest name '%s' is not valid (expected %s)", name,
			      NAME_RULE);
		return -EINVAL;
	}
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->mode = GUEST_MODE_SERVER;
	g->queues = DEFAULT_QUEUES;
	g->notify = NOTIFY_ADAPTIVE;
	g->socket_uid = (uid_t)-1;
	g->socket_gid = (gid_t)-1;
	g->socket_mode = -1;
	return 0;
}

int
config_guest_set(struct config_guest *g, const char *key, const char *value,
		 unsigned int *seen, char *err, size_t errlen)
{
	const struct section_desc *desc = &config_guest_section;
	int k = config_key_index(desc, key);
	char why[512] = "";

	if (k < 0) {
		config_report(err, errlen, "[guest %s] %s: unknown key", g->name, key);
		return -EINVAL;
	}
	/* Before the key's own rule, which may quote the value. */
	if (config_check_text(value, why, sizeof(why)) != 0 ||
	    desc->keys[k].set(g, &desc->keys[k], value, why, sizeof(why)) != 0) {
		config_report(err, errlen, "[guest %s] %s: %s", g->name, key, why);
		return -EINVAL;
	}
	*seen |= 1u << k;
	return 0;
}

static void
uplink_names(const struct config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < cfg->nb_uplinks && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 cfg->uplinks[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * socket-owner, -group and -mode are for a socket vhostd creates.  An owner
 * or group without a mode gets 0660: connecting to a Unix socket takes
 * write permission, which the usual umask leaves to the owner alone.
 * Returns the index of a key that does not apply, or -1.
 */
static int
guest_socket_perms(struct config_guest *g, unsigned int seen)
{
	static const unsigned int keys[] = {
		GUEST_SOCKET_OWNER, GUEST_SOCKET_GROUP, GUEST_SOCKET_MODE,
	};

	for (unsigned int i = 0; i < N_KEYS(keys); i++)
		if (SEEN(seen, keys[i]) && g->mode == GUEST_MODE_CLIENT)
			return (int)keys[i];
	if (g->socket_mode < 0 && (g->socket_uid != (uid_t)-1 || g->socket_gid != (gid_t)-1))
		g->socket_mode = 0660;
	return -1;
}

/*
 * A burst is the bucket of a bit rate: alone it limits nothing, which is
 * more likely a typo than a wish.  Returns the name of a tx-burst or
 * rx-burst key set without the rate of its direction, or NULL; *rate gets
 * the name of the missing key.
 */
static const char *
guest_lone_burst(const struct config_guest *g, unsigned int seen, const char **rate)
{
	static const struct {
		const char *burst;
		const char *rate;
		size_t off;
	} dirs[] = {
		{ "tx-burst", "tx-rate", offsetof(struct config_guest, tx_limit) },
		{ "rx-burst", "rx-rate", offsetof(struct config_guest, rx_limit) },
	};

	for (unsigned int d = 0; d < N_KEYS(dirs); d++) {
		const struct config_rate *r = (const void *)((const char *)g + dirs[d].off);
		int k = config_key_index(&config_guest_section, dirs[d].burst);

		if (k >= 0 && SEEN(seen, k) && r->burst != 0 && r->bps == 0) {
			*rate = dirs[d].rate;
			return dirs[d].burst;
		}
	}
	return NULL;
}

/* Entries of librte_vhost's poll set that a guest takes (limits.h). */
static unsigned int
fdset_entries(const struct config_guest *g)
{
	return g->mode == GUEST_MODE_SERVER ? 2 : 1;
}

/*
 * The verdict: rc, the key at fault and why.  A file's reader also gets
 * hint, what to write instead; a request's sender knows what it sent.
 */
static int __attribute__((format(printf, 6, 7)))
verdict(struct config_verdict *v, enum config_origin origin, int rc, const char *key,
	const char *hint, const char *fmt, ...)
{
	va_list ap;
	int n;

	v->key = key;
	va_start(ap, fmt);
	n = vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	if (origin == CONFIG_FROM_FILE && hint != NULL && n >= 0 && (size_t)n < sizeof(v->why))
		snprintf(v->why + n, sizeof(v->why) - (size_t)n, " %s", hint);
	return rc;
}

/* The uplink: as named, or the only one there is. */
static int
check_uplink(struct config_guest *g, unsigned int seen, const struct config *cfg,
	     enum config_origin origin, struct config_verdict *v)
{
	char names[VHOSTD_MAX_UPLINKS * (VHOSTD_NAME_MAX + 2)];
	bool file = origin == CONFIG_FROM_FILE;

	uplink_names(cfg, names, sizeof(names));
	if (SEEN(seen, GUEST_UPLINK)) {
		if (config_find_uplink(cfg, g->uplink) != NULL)
			return 0;
		if (file && cfg->nb_uplinks == 0)
			return verdict(v, origin, -ENOENT, "uplink", NULL,
				       "'%s' is not a configured uplink (the file has no "
				       "[uplink NAME] section)", g->uplink);
		return verdict(v, origin, -ENOENT, "uplink", NULL,
			       "'%s' is not a configured uplink (expected one of: %s)", g->uplink,
			       names);
	}
	if (cfg->nb_uplinks == 1) {
		memcpy(g->uplink, cfg->uplinks[0].name, sizeof(g->uplink));
		return 0;
	}
	if (!file)
		return verdict(v, origin, -EINVAL, NULL, NULL,
			       "missing required key 'uplink' (expected one of: %s)", names);
	if (cfg->nb_uplinks == 0)
		return verdict(v, origin, -EINVAL, NULL, NULL, "no uplink to attach to (expected "
			       "an [uplink NAME] section in the file)");
	return verdict(v, origin, -EINVAL, NULL, NULL,
		       "missing required key 'uplink' (expected one of: %s; it may be left out "
		       "only when there is a single uplink)", names);
}

int
config_guest_check(struct config_guest *g, unsigned int seen, const struct config *cfg,
		   const struct config_guest *const *others, unsigned int nb_others,
		   enum config_origin origin, struct config_verdict *v)
{
	unsigned int used = 0, max = cfg->daemon.max_guests;
	char hint[160];
	const char *key, *rate;
	int k, rc;

	v->key = NULL;
	v->other = -1;
	v->why[0] = '\0';
	/* The caps first: when one is reached, nothing else about the guest matters. */
	if (nb_others >= max) {
		if (origin == CONFIG_FROM_FILE)
			return verdict(v, origin, -ENOSPC, NULL, NULL, "more [guest] sections than "
				       "[daemon] max-guests = %u (expected at most %u, or a larger "
				       "max-guests)", max, max);
		return verdict(v, origin, -ENOSPC, NULL, NULL, "no room for another guest "
			       "([daemon] max-guests = %u)", max);
	}
	for (unsigned int i = 0; i < nb_others; i++)
		used += fdset_entries(others[i]);
	if (used + fdset_entries(g) > VHOSTD_VHOST_FDSET)
		return verdict(v, origin, -ENOSPC, NULL, NULL, "no room in librte_vhost's poll "
			       "set: the guests before take %u of its %u entries, and a %s-mode "
			       "guest takes %u (lib/vhost/fd_man.h MAX_FDS: at most %u guests in "
			       "server mode, %u in client mode)", used, VHOSTD_VHOST_FDSET,
			       g->mode == GUEST_MODE_SERVER ? "server" : "client",
			       fdset_entries(g), VHOSTD_VHOST_FDSET / 2, VHOSTD_VHOST_FDSET);

	snprintf(hint, sizeof(hint), "(expected the vhost-user socket path, e.g. socket = "
		 "/run/vhostd/%s.sock)", g->name);
	if (!SEEN(seen, GUEST_SOCKET))
		return verdict(v, origin, -EINVAL, NULL, hint, "missing required key 'socket'");
	if (!SEEN(seen, GUEST_MAC_CHECK))
		g->mac_check = g->has_mac;
	else if (g->mac_check && !g->has_mac)
		return verdict(v, origin, -EINVAL, "mac-check", "(expected a mac = "
			       "xx:xx:xx:xx:xx:xx line, or mac-check = no)",
			       "is on but no mac is set");
	k = guest_socket_perms(g, seen);
	if (k >= 0)
		return verdict(v, origin, -EINVAL, config_guest_section.keys[k].name, NULL,
			       "only for mode = server (in client mode QEMU creates the socket and "
			       "sets its permissions)");
	key = guest_lone_burst(g, seen, &rate);
	if (key != NULL) {
		snprintf(hint, sizeof(hint), "(expected a %s line, or no %s)", rate, key);
		return verdict(v, origin, -EINVAL, key, hint, "has no effect without %s", rate);
	}
	if (g->queues > cfg->daemon.max_queue_pairs)
		return verdict(v, origin, -EINVAL, "queues", NULL, "%u is more than [daemon] "
			       "max-queue-pairs = %u", g->queues, cfg->daemon.max_queue_pairs);
	if (config_affinity_check(&g->affinity, g->queues, &cfg->daemon, hint,
				  sizeof(hint)) != 0)
		return verdict(v, origin, -EINVAL, "queue-affinity", NULL, "%s", hint);
	rc = check_uplink(g, seen, cfg, origin, v);
	if (rc != 0)
		return rc;

	if (strcmp(g->socket, cfg->daemon.control_socket) == 0)
		return verdict(v, origin, -EEXIST, "socket", "(expected a path of its own)",
			       "'%s' is the [daemon] control-socket", g->socket);
	for (unsigned int i = 0; i < nb_others; i++) {
		const struct config_guest *o = others[i];

		/* A file's duplicate sections are refused as they are read. */
		if (strcmp(o->name, g->name) == 0)
			return verdict(v, origin, -EEXIST, NULL, NULL,
				       "a guest of that name exists");
		if (strcmp(o->socket, g->socket) == 0) {
			v->other = (int)i;
			return verdict(v, origin, -EEXIST, "socket", NULL,
				       "'%s' is already used by [guest %s]", g->socket, o->name);
		}
		/* Two guests may share a MAC on one uplink: the source and
		 * destination of a live migration on one host.  The MAC table
		 * follows whichever announced itself last (vhostd warns). */
	}
	return 0;
}

int
config_guest_finish(struct config_guest *g, unsigned int seen, const struct config *cfg,
		    const struct config_guest *const *others, unsigned int nb_others,
		    char *err, size_t errlen)
{
	struct config_verdict v;
	int rc;

	rc = config_guest_check(g, seen, cfg, others, nb_others, CONFIG_FROM_REQUEST, &v);
	if (rc != 0 && v.key != NULL)
		config_report(err, errlen, "[guest %s] %s: %s", g->name, v.key, v.why);
	else if (rc != 0)
		config_report(err, errlen, "[guest %s]: %s", g->name, v.why);
	return rc;
}
