/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file: INI text to struct config.
 *
 * libinih splits lines into [section] and key = value; the rest is ours.
 * We feed it through our own line reader (ini_parse_stream) because:
 *  - every message must name FILE:LINE, and the handler's line-number
 *    argument depends on how the library was built (Debian's r55 .so
 *    passes one that its ini.h does not declare);
 *  - inline comments must work with both '#' and ';', while the library
 *    build decides which (if any) it strips;
 *  - libinih's fixed line buffer (INI_MAX_LINE) would silently split a
 *    long line in two, and an indented line would become a continuation
 *    of the previous value: the reader rejects the first and hands over
 *    lines with no leading blanks, so neither can happen;
 *  - empty sections ("[guest]", or an [uplink] without keys) never reach
 *    the handler, so section headers are checked as they are read.
 *
 * The whole file is parsed into a scratch struct config and copied out only
 * when it is valid, so a failed reload leaves the caller's config intact.
 * Checks that need the whole file (guest -> uplink references, duplicate
 * sockets, MACs and devices) run after the last line.
 *
 * Here are the files, lines and sections.  The keys and their setters are
 * in config_keys.c, what a single value may be in config_value.c, and what
 * makes a guest valid in config_guest.c (shared with guest.add).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "vhostd/config.h"
#include "vhostd/devargs.h"
#include "vhostd/utf8.h"

#include "lib/config_keys.h"
#include "lib/config_value.h"

/* A config file is a few kilobytes; refuse to slurp /dev/zero. */
#define CONFIG_FILE_MAX		(1024 * 1024)

#define SECTION_RULE "[daemon], [uplink NAME] or [guest NAME]"

/* Parser state (one per parse; nothing here outlives config_parse_*). */

#define MAX_SECTIONS	(1 + VHOSTD_MAX_UPLINKS + VHOSTD_MAX_GUESTS)

struct section {
	const struct section_desc *desc;
	void *obj;			/* config_daemon, _uplink or _guest */
	char title[sizeof("uplink ") + VHOSTD_NAME_MAX];
	int line;
	uint32_t seen;			/* keys set, by index in desc->keys */
	int key_line[MAX_KEYS];
};

struct parser {
	struct config cfg;		/* scratch, copied out on success */
	const char *name;		/* file name in messages */
	const char *text;
	size_t len;
	size_t pos;
	int line;			/* line last handed to libinih */
	struct section sections[MAX_SECTIONS];
	unsigned int nb_sections;
	struct section *cur;
	struct section *uplink_sec[VHOSTD_MAX_UPLINKS];
	struct section *guest_sec[VHOSTD_MAX_GUESTS];
	int err;			/* first error; parsing stops there */
	char *errbuf;
	size_t errlen;
};


/*
 * Record the first error as "FILE:LINE: [SECTION] KEY: what".  section and
 * key may each be NULL; later errors are dropped (one message, and what
 * follows a bad line is often noise).
 */
static int __attribute__((format(printf, 5, 6)))
fail(struct parser *p, int line, const char *section, const char *key,
     const char *fmt, ...)
{
	char what[768];
	va_list ap;

	if (p->err != 0)
		return p->err;
	p->err = -EINVAL;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	if (section != NULL && key != NULL)
		config_report(p->errbuf, p->errlen, "%s:%d: [%s] %s: %s",
		       p->name, line, section, key, what);
	else if (section != NULL)
		config_report(p->errbuf, p->errlen, "%s:%d: [%s]: %s",
		       p->name, line, section, what);
	else if (key != NULL)
		config_report(p->errbuf, p->errlen, "%s:%d: %s: %s",
		       p->name, line, key, what);
	else
		config_report(p->errbuf, p->errlen, "%s:%d: %s", p->name, line, what);
	return p->err;
}

static bool
key_seen(const struct section *s, unsigned int key)
{
	return (s->seen & (1u << key)) != 0;
}

static int
unknown_key(struct parser *p, const char *key)
{
	const struct section_desc *desc = p->cur->desc;
	char list[512];
	size_t used = 0;

	list[0] = '\0';
	for (unsigned int i = 0; i < desc->nb_keys && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", desc->keys[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail(p, p->line, p->cur->title, key, "unknown key (expected one of: %s)", list);
}

/* Reading lines: everything libinih must not see, or would see wrongly. */

static void
trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static void
section_new(struct parser *p, struct section *s)
{
	struct config *cfg = &p->cfg;
	const char *name = strchr(s->title, ' ') ? strchr(s->title, ' ') + 1 : "";

	if (s->desc == &config_daemon_section) {
		s->obj = &cfg->daemon;
	} else if (s->desc == &config_uplink_section) {
		struct config_uplink *u = &cfg->uplinks[cfg->nb_uplinks];

		p->uplink_sec[cfg->nb_uplinks++] = s;
		snprintf(u->name, sizeof(u->name), "%s", name);
		u->queues = DEFAULT_QUEUES;
		u->rx_desc = DEFAULT_DESCRIPTORS;
		u->tx_desc = DEFAULT_DESCRIPTORS;
		u->line = s->line;
		s->obj = u;
	} else {
		struct config_guest *g = &cfg->guests[cfg->nb_guests];

		p->guest_sec[cfg->nb_guests++] = s;
		/* The same defaults as guest.add; section_line checked the name. */
		config_guest_new(g, name, NULL, 0);
		g->line = s->line;
		s->obj = g;
	}
}

/* "[TYPE NAME]": checked and opened here, as empty sections never reach the handler. */
static int
section_line(struct parser *p, const char *b, const char *e, char *out, size_t outlen)
{
	const struct section_desc *desc;
	const char *ib = b + 1, *ie = e - 1, *tb, *te, *nb, *ne;
	struct section *s;
	char raw[160];
	unsigned int count = 0;

	if (e - b < 2 || e[-1] != ']')
		return fail(p, p->line, NULL, NULL,
			    "'%.*s' is not a section header (expected " SECTION_RULE " alone on the line)",
			    (int)(e - b), b);
	trim(&ib, &ie);
	snprintf(raw, sizeof(raw), "%.*s", (int)(ie - ib), ib);
	if (ib == ie)
		return fail(p, p->line, raw, NULL, "empty section header (expected " SECTION_RULE ")");

	tb = ib;
	for (te = tb; te < ie && !isspace((unsigned char)*te); te++)
		;
	nb = te;
	ne = ie;
	trim(&nb, &ne);

	desc = config_section_desc(tb, (size_t)(te - tb));
	if (desc == NULL)
		return fail(p, p->line, raw, NULL,
			    "unknown section type '%.*s' (expected " SECTION_RULE ")",
			    (int)(te - tb), tb);
	if (desc->named && nb == ne)
		return fail(p, p->line, raw, NULL, "missing name (expected [%s NAME])",
			    desc->type);
	if (!desc->named && nb != ne)
		return fail(p, p->line, raw, NULL, "[%s] takes no name", desc->type);
	if (desc->named && !value_valid_name(nb, (size_t)(ne - nb)))
		return fail(p, p->line, raw, NULL,
			    "'%.*s' is not a valid name (expected " NAME_RULE ")",
			    (int)(ne - nb), nb);

	for (unsigned int i = 0; i < p->nb_sections; i++) {
		const struct section *old = &p->sections[i];
		const char *old_name;

		if (old->desc != desc)
			continue;
		count++;
		old_name = strchr(old->title, ' ') ? strchr(old->title, ' ') + 1 : "";
		if (strlen(old_name) == (size_t)(ne - nb) &&
		    memcmp(old_name, nb, (size_t)(ne - nb)) == 0)
			return fail(p, p->line, raw, NULL, "duplicate section (first on line %d)",
				    old->line);
	}
	if (count >= desc->max)
		return fail(p, p->line, raw, NULL, "too many [%s] sections (expected at most %u)",
			    desc->type, desc->max);

	s = &p->sections[p->nb_sections++];
	s->desc = desc;
	s->line = p->line;
	if (desc->named)
		snprintf(s->title, sizeof(s->title), "%s %.*s", desc->type, (int)(ne - nb), nb);
	else
		snprintf(s->title, sizeof(s->title), "%s", desc->type);
	section_new(p, s);
	p->cur = s;

	if (strlen(s->title) + 4 > outlen)
		return fail(p, p->line, s->title, NULL, "line too long for the INI parser");
	snprintf(out, outlen, "[%s]\n", s->title);
	return 0;
}

static int
key_line(struct parser *p, const char *b, const char *e, char *out, size_t outlen)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	const char *kb = b, *ke, *vb, *ve = e;
	const char *title = p->cur ? p->cur->title : NULL;
	char key[64];
	size_t klen, vlen;

	if (eq == NULL)
		return fail(p, p->line, title, NULL,
			    "'%.*s' is not a key = value line, a [section] header or a comment",
			    (int)(e - b), b);
	ke = eq;
	vb = eq + 1;
	trim(&kb, &ke);
	trim(&vb, &ve);
	if (kb == ke)
		return fail(p, p->line, title, NULL, "'%.*s' has no key before '='",
			    (int)(e - b), b);
	klen = (size_t)(ke - kb);
	vlen = (size_t)(ve - vb);
	snprintf(key, sizeof(key), "%.*s", (int)klen, kb);

	if (p->cur == NULL)
		return fail(p, p->line, NULL, key,
			    "key outside a section (expected a " SECTION_RULE " header before it)");
	/* libinih would split "a:b = c" at the ':'; no key of ours has one. */
	if (klen >= sizeof(key) ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != klen)
		return unknown_key(p, key);
	/* "key=value\n" and the NUL must fit, or libinih would cut the line. */
	if (klen + 1 + vlen + 2 > outlen)
		return fail(p, p->line, title, key,
			    "line too long (expected key and value within %zu characters, the INI parser's limit)",
			    outlen > 3 ? outlen - 3 : 0);
	memcpy(out, kb, klen);
	out[klen] = '=';
	memcpy(out + klen + 1, vb, vlen);
	out[klen + 1 + vlen] = '\n';
	out[klen + 2 + vlen] = '\0';
	return 0;
}

/*
 * Normalise one physical line into out: comments removed, blanks trimmed,
 * "[section]" or "key=value".  Inline comments start at '#' or ';' at the
 * start of the line or after a blank, so "iface=a#b" keeps its '#'.
 */
static int
filter_line(struct parser *p, const char *b, size_t n, char *out, size_t outlen)
{
	const char *e;

	if (outlen < 2)
		return fail(p, p->line, NULL, NULL, "INI parser line buffer too small");
	if (p->line == 1 && n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0) {
		b += 3;
		n -= 3;
	}
	for (size_t i = 0; i < n; i++) {
		if ((b[i] == '#' || b[i] == ';') &&
		    (i == 0 || isspace((unsigned char)b[i - 1]))) {
			n = i;
			break;
		}
	}
	e = b + n;
	trim(&b, &e);
	for (const char *c = b; c < e; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return fail(p, p->line, p->cur ? p->cur->title : NULL, NULL,
				    "control character 0x%02x in the line (expected plain text)",
				    (unsigned char)*c);
	/* Names and paths end up in the control protocol's JSON, which is
	 * UTF-8 only (comments, stripped above, may be anything). */
	for (const char *c = b; c < e;) {
		size_t len = utf8_seq_len((const unsigned char *)c, (size_t)(e - c));

		if (len == 0)
			return fail(p, p->line, p->cur ? p->cur->title : NULL, NULL,
				    "byte 0x%02x is not UTF-8 (expected UTF-8 text)",
				    (unsigned char)*c);
		c += len;
	}

	if (b == e) {
		memcpy(out, "\n", 2);
		return 0;
	}
	if (*b == '[')
		return section_line(p, b, e, out, outlen);
	return key_line(p, b, e, out, outlen);
}

/* ini_reader: one physical line per call, so our count is libinih's. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *raw, *nl;
	size_t rawlen;

	if (p->err != 0 || p->pos >= p->len || num < 0)
		return NULL;
	raw = p->text + p->pos;
	nl = memchr(raw, '\n', p->len - p->pos);
	rawlen = nl != NULL ? (size_t)(nl - raw) : p->len - p->pos;
	p->pos += rawlen + (nl != NULL);
	p->line++;
	if (filter_line(p, raw, rawlen, str, (size_t)num) != 0)
		return NULL;
	return str;
}

#if INI_HANDLER_LINENO
static int
handle_key(void *user, const char *section, const char *name, const char *value,
	   int lineno)
#else
static int
handle_key(void *user, const char *section, const char *name, const char *value)
#endif
{
	struct parser *p = user;
	struct section *s = p->cur;
	char why[512];
	int k;

	(void)section;	/* p->cur is the same section, with its line */
#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	if (p->err != 0)
		return 0;
	/* Section-start calls, in builds with INI_CALL_HANDLER_ON_NEW_SECTION. */
	if (name == NULL || value == NULL)
		return 1;
	if (s == NULL)
		return 0;	/* read_line rejects keys outside sections */

	k = config_key_index(s->desc, name);
	if (k < 0) {
		unknown_key(p, name);
		return 0;
	}
	if (key_seen(s, (unsigned int)k)) {
		fail(p, p->line, s->title, name, "set twice (first on line %d)", s->key_line[k]);
		return 0;
	}
	why[0] = '\0';
	if (s->desc->keys[k].set(s->obj, &s->desc->keys[k], value, why, sizeof(why)) != 0) {
		fail(p, p->line, s->title, name, "%s", why);
		return 0;
	}
	s->seen |= 1u << k;
	s->key_line[k] = p->line;
	return 1;
}

/* Checks that need the whole file. */

/* queue-affinity against the uplink's queues and the [daemon] cores. */
static int
finish_uplink(struct parser *p, struct section *s)
{
	struct config_uplink *u = s->obj;
	int k = config_key_index(s->desc, "queue-affinity");
	char why[256];

	if (!key_seen(s, UPLINK_DEVICE))
		return fail(p, s->line, s->title, NULL,
			    "missing required key 'device' (expected a PCI address like 0000:3b:02.1 or vdev devargs like net_tap0,iface=vhostd0)");
	if (config_affinity_check(&u->affinity, u->queues, &p->cfg.daemon, why,
				  sizeof(why)) != 0)
		return fail(p, s->key_line[k], s->title, "queue-affinity", "%s", why);
	return 0;
}

/* Two [uplink] sections that DPDK would probe as one device. */
static int
finish_devices(struct parser *p)
{
	const struct config *cfg = &p->cfg;

	for (unsigned int j = 1; j < cfg->nb_uplinks; j++) {
		char idj[VHOSTD_DEVARGS_MAX];

		devargs_name(cfg->uplinks[j].device, idj, sizeof(idj));
		for (unsigned int i = 0; i < j; i++) {
			char idi[VHOSTD_DEVARGS_MAX];

			devargs_name(cfg->uplinks[i].device, idi, sizeof(idi));
			if (strcmp(idi, idj) == 0)
				return fail(p, p->uplink_sec[j]->key_line[UPLINK_DEVICE],
					    p->uplink_sec[j]->title, "device",
					    "'%s' is the same device as [%s] (line %d)",
					    cfg->uplinks[j].device, p->uplink_sec[i]->title,
					    p->uplink_sec[i]->key_line[UPLINK_DEVICE]);
		}
	}
	return 0;
}

/* Each [guest] against the uplinks, the [daemon] and the sections before it. */
static int
finish_guests(struct parser *p)
{
	const struct config_guest *before[VHOSTD_MAX_GUESTS];

	for (unsigned int i = 0; i < p->cfg.nb_guests; i++) {
		const struct section *s = p->guest_sec[i];
		struct config_verdict v;
		int line = s->line;

		if (config_guest_check(&p->cfg.guests[i], s->seen, &p->cfg, before, i,
				       CONFIG_FROM_FILE, &v) == 0) {
			before[i] = &p->cfg.guests[i];
			continue;
		}
		if (v.key != NULL && s->key_line[config_key_index(s->desc, v.key)] != 0)
			line = s->key_line[config_key_index(s->desc, v.key)];
		if (v.other < 0)
			return fail(p, line, s->title, v.key, "%s", v.why);
		return fail(p, line, s->title, v.key, "%s (line %d)", v.why,
			    p->guest_sec[v.other]->key_line[GUEST_SOCKET]);
	}
	return 0;
}

static int
finish(struct parser *p)
{
	for (unsigned int i = 0; i < p->cfg.nb_uplinks; i++)
		if (finish_uplink(p, p->uplink_sec[i]) != 0)
			return p->err;
	if (finish_devices(p) != 0)
		return p->err;
	return finish_guests(p);
}

static int
parse_text(struct config *cfg, const char *text, size_t len, const char *name,
	   char *err, size_t errlen)
{
	struct parser *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		config_report(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	config_init(&p->cfg);
	snprintf(p->cfg.path, sizeof(p->cfg.path), "%s", name);
	p->name = name;
	p->text = text;
	p->len = len;
	p->errbuf = err;
	p->errlen = err != NULL ? errlen : 0;

	rc = ini_parse_stream(read_line, p, handle_key, p);
	if (p->err == 0 && rc > 0) {
		/* Not expected: read_line hands libinih only lines it accepts. */
		fail(p, rc, NULL, NULL, "syntax error");
	} else if (p->err == 0 && rc < 0) {
		config_report(err, errlen, "%s: out of memory", name);
		p->err = -ENOMEM;
	}
	if (p->err == 0)
		finish(p);

	rc = p->err;
	if (rc == 0) {
		*cfg = p->cfg;
		config_report(err, errlen, "%s", "");
	}
	free(p);
	return rc;
}

int
config_parse_string(struct config *cfg, const char *text, const char *name,
		    char *err, size_t errlen)
{
	if (name == NULL)
		name = "(string)";
	if (text == NULL) {
		config_report(err, errlen, "%s: no configuration text", name);
		return -EINVAL;
	}
	return parse_text(cfg, text, strlen(text), name, err, errlen);
}


static int
read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	size_t size = 4096, used = 0;
	char *buf, *bigger;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		config_report(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	buf = malloc(size);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto err_close;
	}
	for (;;) {
		ssize_t n;

		if (used == size) {
			bigger = realloc(buf, size * 2);
			if (bigger == NULL) {
				rc = -ENOMEM;
				goto err_free;
			}
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			config_report(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
			goto err_free;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > CONFIG_FILE_MAX) {
			rc = -EFBIG;
			config_report(err, errlen,
			       "%s: larger than %d bytes (expected a vhostd config file)",
			       path, CONFIG_FILE_MAX);
			goto err_free;
		}
	}
	close(fd);
	*text = buf;
	*len = used;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	if (rc == -ENOMEM)
		config_report(err, errlen, "%s: out of memory", path);
	return rc;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path == NULL) {
		config_report(err, errlen, "no configuration file given");
		return -EINVAL;
	}
	/* cfg->path is used later (file-prefix derivation): never truncate it. */
	if (strlen(path) >= sizeof(cfg->path)) {
		config_report(err, errlen, "%s: path too long (expected at most %zu characters)",
		       path, sizeof(cfg->path) - 1);
		return -ENAMETOOLONG;
	}
	rc = read_file(path, &text, &len, err, errlen);
	if (rc != 0)
		return rc;
	rc = parse_text(cfg, text, len, path, err, errlen);
	free(text);
	return rc;
}
