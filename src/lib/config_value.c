/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration values: one value string to a typed value, or to a reason.
 *
 * Nothing here knows about files, lines, sections or libinih; config.c
 * finds the value of a key and calls in here.  The reasons quote the value
 * and say what was expected, because they end up in front of whoever wrote
 * the file.  The same syntax serves the public config_parse_cpu_list() and
 * config_parse_mac(), which give no reason, only -EINVAL.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vhostd/config.h"

#include "lib/config_value.h"

/* Decimal digits only: no sign, no blanks, no 0x.  -ERANGE on overflow. */
static int
parse_ulong(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (~0UL - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Digits at *s, advancing it; *overflow set instead of wrapping. */
static bool
scan_digits(const char **s, unsigned long *out, bool *overflow)
{
	const char *p = *s;
	unsigned long v = 0;

	*overflow = false;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (~0UL - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
	}
	*s = p;
	*out = v;
	return true;
}

static const char *
skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * The reasons are written with snprintf(why, whylen, ...), which writes
 * nothing when whylen is 0: config_parse_cpu_list() passes NULL, 0.
 */
int
value_parse_cpu_list(const char *s, uint16_t *cpus, unsigned int max,
		     unsigned int *nb, char *why, size_t whylen)
{
	uint64_t set[(VHOSTD_MAX_CPU + 63) / 64] = { 0 };
	unsigned int count = 0, n = 0;
	const char *p = s;

	for (;;) {
		const char *lo_start, *lo_end, *hi_start = NULL;
		unsigned long lo, hi;
		bool lo_ovf, hi_ovf = false;

		p = skip_blanks(p);
		lo_start = p;
		if (!scan_digits(&p, &lo, &lo_ovf))
			goto syntax;
		lo_end = p;
		hi = lo;
		p = skip_blanks(p);
		if (*p == '-') {
			p = skip_blanks(p + 1);
			hi_start = p;
			if (!scan_digits(&p, &hi, &hi_ovf))
				goto syntax;
		}
		if (lo_ovf || lo >= VHOSTD_MAX_CPU || hi_ovf || hi >= VHOSTD_MAX_CPU) {
			const char *b = lo_ovf || lo >= VHOSTD_MAX_CPU ? lo_start : hi_start;
			const char *e = b == lo_start ? lo_end : p;

			snprintf(why, whylen, "CPU %.*s is out of range (expected ids 0 to %u)",
				 (int)(e - b), b, VHOSTD_MAX_CPU - 1);
			return -EINVAL;
		}
		if (hi < lo) {
			snprintf(why, whylen, "'%lu-%lu' is a reversed range (expected LOW-HIGH)",
				 lo, hi);
			return -EINVAL;
		}
		for (unsigned long c = lo; c <= hi; c++) {
			if (set[c / 64] & (1ULL << (c % 64))) {
				snprintf(why, whylen, "CPU %lu is listed twice", c);
				return -EINVAL;
			}
			set[c / 64] |= 1ULL << (c % 64);
			count++;
		}
		p = skip_blanks(p);
		if (*p == '\0')
			break;
		if (*p != ',')
			goto syntax;
		p++;
	}
	if (count > max) {
		snprintf(why, whylen, "%u CPUs listed (expected at most %u)", count, max);
		return -EINVAL;
	}
	for (unsigned int c = 0; c < VHOSTD_MAX_CPU; c++)
		if (set[c / 64] & (1ULL << (c % 64)))
			cpus[n++] = (uint16_t)c;
	*nb = n;
	return 0;

syntax:
	snprintf(why, whylen,
		 "'%s' is not a CPU list (expected CPU ids and ranges like 1-3,6)", s);
	return -EINVAL;
}

int
config_parse_cpu_list(const char *s, uint16_t *cpus, unsigned int max,
		      unsigned int *nb)
{
	if (s == NULL || cpus == NULL || nb == NULL)
		return -EINVAL;
	return value_parse_cpu_list(s, cpus, max, nb, NULL, 0);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
config_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++) {
		const char *o = s + 3 * i;
		int hi = hex_value(o[0]), lo = hex_value(o[1]);

		if (hi < 0 || lo < 0 || (i < 5 && o[2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

int
config_check_text(const char *value, char *why, size_t whylen)
{
	for (size_t i = 0; value[i] != '\0'; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(why, whylen, "control character 0x%02x at byte %zu (expected "
				 "printable text)", c, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* [A-Za-z0-9_.-]{1,VHOSTD_NAME_MAX-1}: safe in logs, paths and the CLI. */
bool
value_valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= VHOSTD_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return false;
	return true;
}

int
value_parse_uint(const char *value, const struct uint_range *r, unsigned int *out,
		 char *why, size_t whylen)
{
	char expect[96];
	unsigned long n;
	int rc;

	snprintf(expect, sizeof(expect), "%s%s%u to %u%s%s",
		 r->pow2 ? "a power of two from " : "", r->zero_ok ? "0 or " : "",
		 r->min, r->max, r->unit ? " " : "", r->unit ? r->unit : "");

	rc = parse_ulong(value, &n);
	if (rc == -EINVAL) {
		snprintf(why, whylen, "'%s' is not an integer (expected %s)", value, expect);
		return -EINVAL;
	}
	if (rc == -ERANGE || n > r->max || (n < r->min && !(r->zero_ok && n == 0))) {
		snprintf(why, whylen, "'%s' is out of range (expected %s)", value, expect);
		return -EINVAL;
	}
	if (r->pow2 && (n & (n - 1)) != 0) {
		snprintf(why, whylen, "'%s' is not a power of two (expected %s)", value, expect);
		return -EINVAL;
	}
	*out = (unsigned int)n;
	return 0;
}

int
value_parse_bool(const char *value, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	snprintf(why, whylen,
		 "'%s' is not a boolean (expected yes, no, true, false, on, off, 1 or 0)",
		 value);
	return -EINVAL;
}

/* Same order as RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8). */
static const char *const log_level_names[] = {
	"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
};

const char *
config_log_level_name(int level)
{
	return level >= 1 && level <= 8 ? log_level_names[level - 1] : NULL;
}

int
config_parse_log_level(const char *value, int *level, char *why, size_t whylen)
{
	unsigned long n;

	for (unsigned int i = 0; i < 8; i++) {
		if (strcasecmp(value, log_level_names[i]) == 0) {
			*level = (int)i + 1;
			return 0;
		}
	}
	if (parse_ulong(value, &n) == 0 && n >= 1 && n <= 8) {
		*level = (int)n;
		return 0;
	}
	snprintf(why, whylen,
		 "'%s' is not a log level (expected emergency, alert, critical, error, warning, notice, info, debug or 1 to 8)",
		 value);
	return -EINVAL;
}

int
value_parse_guest_mode(const char *value, enum guest_mode *mode, char *why,
		       size_t whylen)
{
	if (strcasecmp(value, "server") == 0) {
		*mode = GUEST_MODE_SERVER;
	} else if (strcasecmp(value, "client") == 0) {
		*mode = GUEST_MODE_CLIENT;
	} else {
		snprintf(why, whylen, "'%s' is not a mode (expected server or client)", value);
		return -EINVAL;
	}
	return 0;
}

int
value_parse_notify_mode(const char *value, enum notify_mode *mode, char *why, size_t whylen)
{
	if (strcasecmp(value, "adaptive") == 0) {
		*mode = NOTIFY_ADAPTIVE;
	} else if (strcasecmp(value, "interrupt") == 0) {
		*mode = NOTIFY_INTERRUPT;
	} else if (strcasecmp(value, "poll") == 0) {
		*mode = NOTIFY_POLL;
	} else {
		snprintf(why, whylen,
			 "'%s' is not a notification mode (expected adaptive, interrupt or poll)",
			 value);
		return -EINVAL;
	}
	return 0;
}

const char *
config_notify_mode_name(enum notify_mode mode)
{
	return mode == NOTIFY_POLL ? "poll" : mode == NOTIFY_INTERRUPT ? "interrupt" : "adaptive";
}

/*
 * Rates and sizes: digits and one optional suffix, nothing else ("100M",
 * "64k").  No fractions: "1.5G" is written 1500M.  Rates count in SI
 * powers of 1000, as link speeds do; sizes in powers of 1024, as buffers
 * do, so that "64k" of burst is one 64 KiB TSO frame.
 */
static const struct quantity_desc {
	const char *what;		/* "'%s' is not ..." */
	const char *expect;		/* after "expected " */
	const char *range;		/* the bounds, as written in the docs */
	const char *suffixes;		/* allowed suffix letters */
	uint64_t base;			/* 1000 or 1024 */
	uint64_t min;
	uint64_t max;
} quantities[] = {
	[VALUE_BITRATE] = { "a rate", "bits per second, e.g. 100M: digits with an optional "
			    "k, M or G suffix (powers of 1000)",
			    "0 for no limit, or 1k to 1000G bits per second", "kMG",
			    1000, 1000, 1000ULL * 1000 * 1000 * 1000 },
	[VALUE_PKTRATE] = { "a packet rate", "packets per second, e.g. 50k: digits with an "
			    "optional k or M suffix (powers of 1000)",
			    "0 for no limit, or 1 to 1000M packets per second", "kM",
			    1000, 1, 1000ULL * 1000 * 1000 },
	[VALUE_BYTES] = { "a size", "bytes, e.g. 64k: digits with an optional k or M suffix "
			  "(powers of 1024)",
			  "0 for automatic, or 2k to 1024M bytes", "kM",
			  1024, 2048, 1024ULL * 1024 * 1024 },
};

int
value_parse_quantity(const char *value, enum value_quantity kind, uint64_t *out,
		     char *why, size_t whylen)
{
	const struct quantity_desc *q = &quantities[kind];
	const char *p = value;
	unsigned long n;
	uint64_t mult = 1;
	bool ovf;

	if (!scan_digits(&p, &n, &ovf))
		goto syntax;
	if (*p != '\0') {
		const char *at = p[1] == '\0' ? strchr(q->suffixes, *p) : NULL;

		if (at == NULL)
			goto syntax;
		for (const char *s = q->suffixes; s <= at; s++)
			mult *= q->base;
	}
	if (ovf || (n != 0 && (n > q->max / mult || n * mult < q->min))) {
		snprintf(why, whylen, "'%s' is out of range (expected %s)", value, q->range);
		return -EINVAL;
	}
	*out = n * mult;
	return 0;
syntax:
	snprintf(why, whylen, "'%s' is not %s (expected %s)", value, q->what, q->expect);
	return -EINVAL;
}

/* The guest's own address: the syntax of config_parse_mac(), unicast only. */
int
value_parse_unicast_mac(const char *value, uint8_t mac[6], char *why, size_t whylen)
{
	static const uint8_t zero[6];
	uint8_t m[6];

	if (config_parse_mac(value, m) != 0) {
		snprintf(why, whylen,
			 "'%s' is not a MAC address (expected six hex octets like 52:54:00:12:34:56)",
			 value);
		return -EINVAL;
	}
	/* IEEE 802-2014, 8.2: the I/G bit (low bit of the first octet) marks a group address. */
	if (m[0] & 0x01) {
		snprintf(why, whylen,
			 "'%s' is a multicast address (expected a unicast address: low bit of the first octet clear)",
			 value);
		return -EINVAL;
	}
	if (memcmp(m, zero, sizeof(m)) == 0) {
		snprintf(why, whylen,
			 "'%s' is all zeros (expected the guest's unicast address)", value);
		return -EINVAL;
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

int
value_check_abs_path(const char *value, size_t size, char *why, size_t whylen)
{
	if (value[0] != '/') {
		snprintf(why, whylen,
			 "'%s' is not an absolute path (expected a path starting with /)",
			 value);
		return -EINVAL;
	}
	if (strlen(value) >= size) {
		snprintf(why, whylen, "'%s' is too long (%zu characters, expected at most %zu)",
			 value, strlen(value), size - 1);
		return -EINVAL;
	}
	return 0;
}

/* Like an absolute path, but "" keeps the default (EAL picks the mount). */
int
value_check_optional_path(const char *value, size_t size, char *why, size_t whylen)
{
	if (value[0] == '\0')
		return 0;
	return value_check_abs_path(value, size, why, whylen);
}

/* It names DPDK's runtime directory and files: keep it to safe characters. */
int
value_check_file_prefix(const char *value, size_t size, char *why, size_t whylen)
{
	size_t len = strlen(value);

	if (len >= size ||
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_-") != len) {
		snprintf(why, whylen,
			 "'%s' is not a valid file prefix (expected up to %zu characters from A-Z a-z 0-9 _ -)",
			 value, size - 1);
		return -EINVAL;
	}
	return 0;
}

int
value_check_device(const char *value, size_t size, char *why, size_t whylen)
{
	size_t len = strlen(value);

	if (len == 0) {
		snprintf(why, whylen,
			 "empty (expected a PCI address like 0000:3b:02.1 or vdev devargs like net_tap0,iface=vhostd0)");
		return -EINVAL;
	}
	if (len >= size) {
		snprintf(why, whylen, "%zu characters long (expected at most %zu)",
			 len, size - 1);
		return -EINVAL;
	}
	return 0;
}

/* Only the syntax here: the [uplink] may come later in the file. */
int
value_check_uplink_name(const char *value, size_t size, char *why, size_t whylen)
{
	size_t len = strlen(value);

	if (!value_valid_name(value, len) || len >= size) {
		snprintf(why, whylen, "'%s' is not a valid uplink name (expected " NAME_RULE ")",
			 value);
		return -EINVAL;
	}
	return 0;
}

/* A Unix user or group name as useradd(8) accepts it: [a-z_][a-z0-9_-]*, at most 31. */
static bool
valid_account_name(const char *value, size_t size)
{
	size_t n = strlen(value);

	if (n == 0 || n >= size || !(islower((unsigned char)value[0]) || value[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!islower((unsigned char)value[i]) && !isdigit((unsigned char)value[i]) &&
		    value[i] != '_' && value[i] != '-')
			return false;
	return true;
}

#define ACCOUNT_RULE "characters from a-z 0-9 _ -, not starting with a digit or -"

/* kind: "user" or "group", as the messages name it. */
static int
check_account_name(const char *kind, const char *value, size_t size, char *why,
		   size_t whylen)
{
	if (valid_account_name(value, size))
		return 0;
	snprintf(why, whylen, "'%s' is not a %s name (expected 1 to %zu " ACCOUNT_RULE ")",
		 value, kind, size - 1);
	return -EINVAL;
}

int
value_check_group(const char *value, size_t size, char *why, size_t whylen)
{
	return check_account_name("group", value, size, why, whylen);
}

/*
 * Users and groups are looked up when the value is read, so that vhostd -n
 * and guest.add report a typo, not a socket QEMU cannot open later.  id is
 * a uid_t or a gid_t: both unsigned int on Linux (else callers would not
 * compile).
 */
static int
lookup_account(bool group, const char *value, size_t size, unsigned int *id, char *why,
	       size_t whylen)
{
	const char *kind = group ? "group" : "user";
	struct passwd pw, *pw_res = NULL;
	struct group gr, *gr_res = NULL;
	char buf[16384];
	int rc;

	if (check_account_name(kind, value, size, why, whylen) != 0)
		return -EINVAL;
	if (group)
		rc = getgrnam_r(value, &gr, buf, sizeof(buf), &gr_res);
	else
		rc = getpwnam_r(value, &pw, buf, sizeof(buf), &pw_res);
	if (gr_res == NULL && pw_res == NULL) {
		if (rc != 0)
			snprintf(why, whylen, "cannot look up %s '%s': %s", kind, value,
				 strerror(rc));
		else
			snprintf(why, whylen, "no %s '%s' on this host (expected a name that "
				 "`getent %s %s` finds, e.g. %s)", kind, value,
				 group ? "group" : "passwd", value, group ? "kvm" : "libvirt-qemu");
		return -EINVAL;
	}
	*id = group ? gr.gr_gid : pw.pw_uid;
	return 0;
}

int
value_parse_user(const char *value, size_t size, uid_t *uid, char *why, size_t whylen)
{
	return lookup_account(false, value, size, uid, why, whylen);
}

int
value_parse_group(const char *value, size_t size, gid_t *gid, char *why, size_t whylen)
{
	return lookup_account(true, value, size, gid, why, whylen);
}

/* Permission bits only: no setuid, setgid or sticky bit on a socket. */
int
value_parse_socket_mode(const char *value, int *mode, char *why, size_t whylen)
{
	size_t n = strlen(value);
	unsigned long m = 0;

	if (n > 0 && n <= 4 && strspn(value, "01234567") == n)
		m = strtoul(value, NULL, 8);
	if (n == 0 || n > 4 || strspn(value, "01234567") != n || m > 0777) {
		snprintf(why, whylen, "'%s' is not a socket mode (expected permission bits in "
			 "octal, 0 to 0777, e.g. 0660)", value);
		return -EINVAL;
	}
	*mode = (int)m;
	return 0;
}

/* queue-affinity = QUEUE:CPU[,QUEUE:CPU...]; "" or "none": no pins. */
int
config_parse_affinity(const char *s, unsigned int queues, const struct config_daemon *d,
		      struct config_affinity *out, char *why, size_t whylen)
{
	struct config_affinity a = { 0 };
	const char *p = skip_blanks(s);

	if (*p == '\0' || strcmp(p, "none") == 0) {
		*out = a;
		return 0;
	}
	for (;;) {
		unsigned long q, cpu;
		bool q_ovf, cpu_ovf;
		bool core = d == NULL;

		p = skip_blanks(p);
		if (!scan_digits(&p, &q, &q_ovf))
			goto syntax;
		p = skip_blanks(p);
		if (*p != ':')
			goto syntax;
		p = skip_blanks(p + 1);
		if (!scan_digits(&p, &cpu, &cpu_ovf))
			goto syntax;
		if (q_ovf || q >= queues) {
			snprintf(why, whylen, "queue %lu does not exist (expected 0 to %u: queues = %u)",
				 q, queues - 1, queues);
			return -EINVAL;
		}
		if (a.mask & (1u << q)) {
			snprintf(why, whylen, "queue %lu is pinned twice", q);
			return -EINVAL;
		}
		for (unsigned int i = 0; d != NULL && i < d->nb_cores; i++)
			core |= !cpu_ovf && d->cores[i] == cpu;
		if (cpu_ovf || cpu >= VHOSTD_MAX_CPU || !core) {
			snprintf(why, whylen, "CPU %lu of queue %lu runs no worker (expected one of the "
				 "[daemon] cores)", cpu, q);
			return -EINVAL;
		}
		a.mask |= 1u << q;
		a.cpu[q] = (uint16_t)cpu;
		p = skip_blanks(p);
		if (*p == '\0')
			break;
		if (*p != ',')
			goto syntax;
		p++;
	}
	*out = a;
	return 0;

syntax:
	snprintf(why, whylen, "'%s' is not a queue affinity (expected QUEUE:CPU pairs like "
		 "0:1,1:2, or none)", s);
	return -EINVAL;
}

void
config_format_affinity(const struct config_affinity *a, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int q = 0; q < VHOSTD_MAX_QUEUES && used < len; q++) {
		int n;

		if (!(a->mask & (1u << q)))
			continue;
		n = snprintf(buf + used, len - used, "%s%u:%u", used ? "," : "", q, a->cpu[q]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
