/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_CONFIG_H
#define VHOSTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "limits.h"

/*
 * The configuration as parsed from an INI file (libinih).  Plain data: no
 * DPDK types, so the parser, vhostd -n and the unit tests need no EAL.
 */

enum guest_mode {
	GUEST_MODE_SERVER,	/* vhostd listens, QEMU connects */
	GUEST_MODE_CLIENT,	/* QEMU listens (server=on), vhostd connects and reconnects */
};

/* How a worker learns that a guest sent something (notify.c). */
enum notify_mode {
	NOTIFY_ADAPTIVE,	/* poll; sleep on kicks after idle-threshold-us of idleness */
	NOTIFY_INTERRUPT,	/* sleep on kicks as soon as a poll finds nothing */
	NOTIFY_POLL,		/* busy-poll, kicks always suppressed: the worker never sleeps */
};

struct config_daemon {
	uint16_t cores[VHOSTD_MAX_WORKERS];	/* worker CPU ids, ascending, unique */
	unsigned int nb_cores;
	unsigned int memory_mb;		/* DPDK memory per NUMA node */
	bool hugepages;			/* false: --no-huge (tests, tiny hosts) */
	char huge_dir[VHOSTD_PATH_MAX];	/* "" = EAL's choice */
	char file_prefix[64];		/* "" = derived from the config path */
	int log_level;			/* RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) */
	char control_socket[VHOSTD_PATH_MAX];
	char control_group[VHOSTD_NAME_MAX];	/* "" = the daemon's group */
	char state_dir[VHOSTD_PATH_MAX];	/* runtime guests are saved here */
	unsigned int mbufs;		/* mbufs per pool, 0 = sized automatically */
	unsigned int stats_interval;	/* seconds between periodic stats logs, 0 = off */
	bool vring_stats;		/* librte_vhost per-vring statistics */
	unsigned int max_guests;	/* guests at once, file and run time */
	unsigned int max_queue_pairs;	/* cap on every guest's queues */
	unsigned int idle_threshold_us;	/* adaptive: idle time before a worker sleeps */
	unsigned int idle_backoff_max_us;	/* cap on a sleep that nothing can end */
	unsigned int guest_ring_wait_us;	/* frames wait for room in a guest's RX ring */
	unsigned int rebalance_interval;	/* seconds between load checks, 0 = no moves */
	unsigned int rebalance_margin;	/* percent the busiest worker must gain */
};

/* queue-affinity: queue (guest pair, uplink RX queue) q is polled by the
 * worker on CPU cpu[q] when bit q of mask is set; never moved. */
struct config_affinity {
	uint32_t mask;
	uint16_t cpu[VHOSTD_MAX_QUEUES];
};

struct config_uplink {
	char name[VHOSTD_NAME_MAX];
	char device[VHOSTD_DEVARGS_MAX];	/* PCI address or vdev devargs */
	unsigned int queues;		/* RX queues (TX queues: one per worker) */
	unsigned int rx_desc;
	unsigned int tx_desc;
	unsigned int mtu;		/* 0 = leave the device's MTU */
	struct config_affinity affinity;
	int line;			/* where the section starts, for messages */
};

/* A per-guest rate limit in one direction (rte_meter srTCM, color blind). */
struct config_rate {
	uint64_t bps;			/* bits per second, 0 = no byte limit */
	uint64_t pps;			/* packets per second, 0 = no packet limit */
	uint64_t burst;			/* bytes, 0 = automatic (see config.c) */
};

struct config_guest {
	char name[VHOSTD_NAME_MAX];
	char socket[VHOSTD_PATH_MAX];
	enum guest_mode mode;
	char uplink[VHOSTD_NAME_MAX];
	bool has_mac;
	uint8_t mac[6];
	bool mac_check;			/* drop frames whose source is not mac */
	unsigned int queues;		/* max queue pairs served */
	uint64_t features_on;		/* feature policy: offer these on top of defaults */
	uint64_t features_off;		/* ... and never offer these */
	/* Server mode: who may connect to the socket vhostd creates.  Names as
	 * written, ids resolved when parsed ((uid_t)-1: left as created). */
	char socket_owner[VHOSTD_NAME_MAX];
	char socket_group[VHOSTD_NAME_MAX];
	uid_t socket_uid;
	gid_t socket_gid;
	int socket_mode;		/* permission bits, -1 = left as created */
	enum notify_mode notify;
	/* Rate limits, one per direction as the guest sees it: tx is what the
	 * guest sends (guest -> vhostd), rx what it receives.  0 = no limit. */
	struct config_rate tx_limit;
	struct config_rate rx_limit;
	unsigned int mbufs;		/* its own dequeue pool, 0 = sized automatically */
	struct config_affinity affinity;
	int line;
};

struct config {
	char path[VHOSTD_PATH_MAX * 2];	/* file the config came from, for messages */
	struct config_daemon daemon;
	struct config_uplink uplinks[VHOSTD_MAX_UPLINKS];
	unsigned int nb_uplinks;
	struct config_guest guests[VHOSTD_MAX_GUESTS];
	unsigned int nb_guests;
};

/* Defaults for the [daemon] section and an empty uplink/guest list. */
void config_init(struct config *cfg);

/*
 * Parse an INI file.  Returns 0, or -EINVAL (bad content), -ENOENT/-EACCES
 * (cannot read) with a message "FILE:LINE: [section] key: what is wrong"
 * in err.  On error *cfg is unspecified.
 * (config.c parses into a scratch copy, so today *cfg is left untouched on
 * error; other errors: -EISDIR, -EFBIG over 1 MiB, -ENAMETOOLONG, -ENOMEM.)
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Same, from a string; name is used in messages in place of a path. */
int config_parse_string(struct config *cfg, const char *text, const char *name,
			char *err, size_t errlen);

/* The embedded default (no NIC needed): one net_tap uplink, one guest. */
extern const char config_embedded_default[];

const struct config_uplink *config_find_uplink(const struct config *cfg, const char *name);

/*
 * The keys of a section type ("daemon", "uplink", "guest"), in the parser's
 * order: the i-th name, or NULL past the last (or for an unknown type).
 * For checks that the documentation names every key (test_config_docs).
 */
const char *config_key_name(const char *section_type, unsigned int i);

/*
 * A guest defined at run time (control socket): the keys and checks of a
 * [guest NAME] section.  new() sets defaults; set() applies one key (seen
 * records which); finish() checks required keys and the guest against the
 * configuration's uplinks and control socket and the other guests
 * (config_guest_check, below).
 * Return 0 or -EINVAL/-ENOENT/-EEXIST/-ENOSPC with "[guest NAME] KEY: why" in err.
 */
int config_guest_new(struct config_guest *g, const char *name, char *err, size_t errlen);
int config_guest_set(struct config_guest *g, const char *key, const char *value,
		     unsigned int *seen, char *err, size_t errlen);
int config_guest_finish(struct config_guest *g, unsigned int seen, const struct config *cfg,
			const struct config_guest *const *others, unsigned int nb_others,
			char *err, size_t errlen);

/*
 * Whether a guest is valid: the one place for its rules, used by a file's
 * [guest NAME] sections, guest.add, the state directory's replay (both
 * through config_guest_finish) and the fuzzers.  g has its keys set
 * (config_guest_set; seen records which); others are the guests before
 * it (the file's earlier sections, or the daemon's guests).  Fills the
 * defaults that depend on other keys: mac-check, socket-mode, the uplink
 * when there is one.  Returns 0, or -ENOSPC (a cap is reached), -EINVAL,
 * -ENOENT (no such uplink), -EEXIST (name or socket taken) with the
 * verdict in v: the key at fault (NULL: the guest as a whole), the index
 * in others of the guest it clashes with (or -1), and why.  A file's
 * reader is also told what to write instead; the rules are the same.
 */
enum config_origin {
	CONFIG_FROM_FILE,
	CONFIG_FROM_REQUEST,
};

struct config_verdict {
	const char *key;
	int other;
	char why[512];
};

int config_guest_check(struct config_guest *g, unsigned int seen, const struct config *cfg,
		       const struct config_guest *const *others, unsigned int nb_others,
		       enum config_origin origin, struct config_verdict *v);

/*
 * A string a control client gave (a name, a socket or file path, any
 * guest.add value) is text: no control character, byte < 0x20 or 0x7f, that
 * would end or forge a log line (journald splits at '\n'), move a terminal's
 * cursor ("\x1b[...") or cut a path short.  -EINVAL with which byte and
 * where in why; the value itself is not quoted.
 */
int config_check_text(const char *value, char *why, size_t whylen);

/*
 * Parse "0-3,6,8-9" into ascending unique CPU ids; -EINVAL on bad syntax.
 * Also -EINVAL for an id >= VHOSTD_MAX_CPU, a CPU listed twice, a reversed
 * range or more than max CPUs; cpus and *nb are written only on success.
 */
int config_parse_cpu_list(const char *s, uint16_t *cpus, unsigned int max,
			  unsigned int *nb);

/*
 * Parse "52:54:00:12:34:56"; -EINVAL on bad syntax.
 * Syntax only (two hex digits per octet, ':' between): group and all-zero
 * addresses are accepted here; the [guest] mac key rejects them.
 */
int config_parse_mac(const char *s, uint8_t mac[6]);

/*
 * Parse a queue-affinity value, "QUEUE:CPU[,QUEUE:CPU...]" ("0:1,1:2":
 * queue 0 on CPU 1, queue 1 on CPU 2), or "" / "none" for no pins.  Checks
 * syntax, queue < queues, each queue once, and that every CPU is one of
 * the [daemon] cores.  -EINVAL with the reason in why.
 */
int config_parse_affinity(const char *s, unsigned int queues, const struct config_daemon *d,
			  struct config_affinity *out, char *why, size_t whylen);
/* Back to text, "0:1,1:2" ("" when empty). */
void config_format_affinity(const struct config_affinity *a, char *buf, size_t len);

/*
 * A log level by name ("emergency" .. "debug", any case) or number (1..8,
 * RTE_LOG_EMERG .. RTE_LOG_DEBUG): [daemon] log-level and the log-level
 * command.  -EINVAL with the reason in why.
 */
int config_parse_log_level(const char *value, int *level, char *why, size_t whylen);
/* Its name, "emergency" .. "debug"; NULL out of 1..8. */
const char *config_log_level_name(int level);

/* "adaptive", "interrupt" or "poll". */
const char *config_notify_mode_name(enum notify_mode mode);

#endif
