/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * docs/configuration.md against the parser (src/lib/config.c), so that the two
 * cannot drift: every key of [daemon], [uplink NAME] and [guest NAME] has a
 * row in its section's table and every row names a key, and each row's
 * Default column is what the parser does when the key is left out.  How
 * the column is read depends on how it starts:
 *
 *   `V` ...    the key set to V parses to the same section as the key left
 *              out, in a section with only its required keys;
 *   empty ...  the same with an empty value, when the parser takes one
 *              (keys that refuse an empty value are unset until set, which
 *              is what "empty" says);
 *   none ...   no default: a required key, or one absent until set;
 *   other      a default that depends on other keys: only [guest] uplink
 *              ("the only uplink"), checked as such.
 *
 * The man page, vhostd.conf(5), is held to the same: each key's paragraph
 * starts with "**key** = ... (default **V** ...)", "(default empty ...)",
 * "(default none)", "(default: none)" or "(required)".
 *
 * Usage: test_config_docs docs/configuration.md docs/man/vhostd.conf.5.md
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhostd/config.h"

#define MAX_ROWS	64
#define CELL_MAX	1024
#define N_CASES		6	/* the two documents x the three section types */

struct doc_row {
	char key[64];
	char dflt[CELL_MAX];		/* the Default cell, trimmed */
	int line;
};

struct doc_table {
	struct doc_row rows[MAX_ROWS];
	unsigned int nb;
};

static const char *md_path, *man_path;

/* The minimal sections each section type's keys are added to. */
static const char *const base_daemon = "[daemon]\n";
static const char *const base_uplink = "[uplink u]\ndevice = net_null0\n";
static const char *const base_guest =
	"[uplink u]\ndevice = net_null0\n[guest g]\nsocket = /run/vhostd-docs-test/g.sock\n";

static void
trim(char *s)
{
	size_t n = strlen(s), b = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[b] == ' ')
		b++;
	memmove(s, s + b, n - b + 1);
}

/* Split a table row on the '|' that are outside `code`. */
static unsigned int
split_row(const char *line, char cells[][CELL_MAX], unsigned int max)
{
	unsigned int n = 0;
	size_t len = 0;
	bool code = false;

	if (*line == '|')
		line++;
	for (; *line != '\0' && *line != '\n'; line++) {
		if (*line == '`')
			code = !code;
		if (*line == '|' && !code) {
			cells[n][len] = '\0';
			trim(cells[n]);
			if (++n == max)
				return n;
			len = 0;
			continue;
		}
		if (len + 1 < CELL_MAX)
			cells[n][len++] = *line;
	}
	return n;	/* the text after the last '|' is not a cell */
}

/* The `code` spans of a cell, one after another, into out[]. */
static unsigned int
code_spans(const char *cell, char out[][64], unsigned int max)
{
	unsigned int n = 0;

	for (const char *b = strchr(cell, '`'); b != NULL && n < max; ) {
		const char *e = strchr(b + 1, '`');

		if (e == NULL)
			break;
		snprintf(out[n++], sizeof(out[0]), "%.*s", (int)(e - b - 1), b + 1);
		b = strchr(e + 1, '`');
	}
	return n;
}

/* The document, and an empty table to read it into. */
static FILE *
open_doc(const char *doc_path, struct doc_table *t)
{
	FILE *f = fopen(doc_path, "r");

	if (f == NULL)
		fail_msg("cannot open %s", doc_path);
	memset(t, 0, sizeof(*t));
	return f;
}

/* The table of the section "## [TYPE...]" in configuration.md. */
static void
read_md_table(const char *doc_path, const char *type, struct doc_table *t)
{
	static char cells[8][CELL_MAX];
	char heading[32], line[4096];
	bool in_section = false, in_table = false;
	int lineno = 0;
	FILE *f = open_doc(doc_path, t);

	snprintf(heading, sizeof(heading), "## [%s", type);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned int n;

		lineno++;
		if (strncmp(line, "## ", 3) == 0) {
			in_section = strncmp(line, heading, strlen(heading)) == 0;
			in_table = false;
			continue;
		}
		if (!in_section || line[0] != '|') {
			in_table = in_table && line[0] == '|';
			continue;
		}
		n = split_row(line, cells, 8);
		if (n >= 2 && strcmp(cells[0], "Key") == 0 && strcmp(cells[n - 1], "Default") == 0) {
			in_table = true;
			continue;
		}
		if (!in_table || strncmp(cells[0], "---", 3) == 0 || n < 2)
			continue;
		char keys[4][64];
		unsigned int nk = code_spans(cells[0], keys, 4);

		if (nk == 0)
			fail_msg("%s:%d: a [%s] row without a `key`", doc_path, lineno, type);
		for (unsigned int k = 0; k < nk; k++) {
			struct doc_row *r = &t->rows[t->nb++];

			assert_true(t->nb <= MAX_ROWS);
			memcpy(r->key, keys[k], sizeof(r->key));
			snprintf(r->dflt, sizeof(r->dflt), "%s", cells[n - 1]);
			r->line = lineno;
		}
	}
	fclose(f);
	if (t->nb == 0)
		fail_msg("%s: no table with Key and Default columns under \"%s...]\"", doc_path,
			 heading);
}

/* A man page line "**key** = ... (default ...)": the Default cell it means. */
static void
man_default(const char *line, char *dflt, size_t len)
{
	const char *d = strstr(line, "(default");

	if (strstr(line, "(required") != NULL || d == NULL) {
		snprintf(dflt, len, "none");
		return;
	}
	d += strlen("(default");
	while (*d == ':' || *d == ' ')
		d++;
	if (strncmp(d, "**", 2) == 0) {
		const char *e = strstr(d + 2, "**");

		snprintf(dflt, len, "`%.*s`", e != NULL ? (int)(e - d - 2) : 0, d + 2);
		return;
	}
	snprintf(dflt, len, "%.*s", (int)strcspn(d, ")"), d);
	trim(dflt);
}

/* The "**key** = ..." paragraphs of the section "# \[TYPE...\]" in vhostd.conf(5). */
static void
read_man_keys(const char *doc_path, const char *type, struct doc_table *t)
{
	char heading[32], line[4096];
	bool in_section = false;
	int lineno = 0;
	FILE *f = open_doc(doc_path, t);

	snprintf(heading, sizeof(heading), "# \\[%s", type);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;
		char dflt[CELL_MAX];

		lineno++;
		if (strncmp(line, "# ", 2) == 0) {
			in_section = strncmp(line, heading, strlen(heading)) == 0;
			continue;
		}
		if (!in_section || strncmp(line, "**", 2) != 0)
			continue;
		man_default(line, dflt, sizeof(dflt));
		/* "**a**, **b**" then " = ...", or the end of the line. */
		for (;;) {
			size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			struct doc_row *r;

			if (strncmp(p, "**", 2) != 0 || n == 0 || strncmp(p + 2 + n, "**", 2) != 0)
				break;
			p += 2 + n + 2;
			if (*p != ',' && *p != ' ' && *p != '\n' && *p != '\0')
				break;
			if (*p == ',' && strncmp(p, ", **", 4) != 0)
				break;	/* prose that starts with a bold word */
			r = &t->rows[t->nb++];
			assert_true(t->nb <= MAX_ROWS);
			snprintf(r->key, sizeof(r->key), "%.*s", (int)n, p - 2 - n);
			snprintf(r->dflt, sizeof(r->dflt), "%s", dflt);
			r->line = lineno;
			if (*p != ',')
				break;
			p += 2;
		}
	}
	fclose(f);
	if (t->nb == 0)
		fail_msg("%s: no \"**key** = ...\" lines under \"%s...\\]\"", doc_path, heading);
}

static int
parse_with(const char *type, const char *line, struct config *cfg, char *err, size_t errlen)
{
	const char *base = strcmp(type, "daemon") == 0 ? base_daemon :
			   strcmp(type, "uplink") == 0 ? base_uplink : base_guest;
	char text[512];

	snprintf(text, sizeof(text), "%s%s\n", base, line);
	return config_parse_string(cfg, text, "docs-test", err, errlen);
}

/* The section the key belongs to, as parsed. */
static const void *
section_of(const char *type, const struct config *cfg, size_t *size)
{
	if (strcmp(type, "daemon") == 0) {
		*size = sizeof(cfg->daemon);
		return &cfg->daemon;
	}
	if (strcmp(type, "uplink") == 0) {
		*size = sizeof(cfg->uplinks[0]);
		return &cfg->uplinks[0];
	}
	*size = sizeof(cfg->guests[0]);
	return &cfg->guests[0];
}

/* Returns the number of disagreements, each printed with the key's name. */
static unsigned int
check_default(const char *doc_path, const char *type, const struct doc_row *r,
	      const struct config *left_out)
{
	static struct config cfg;
	char value[1][64], line[160], err[512];
	const void *a, *b;
	size_t size;

	if (strncmp(r->dflt, "none", 4) == 0)
		return 0;
	if (strncmp(r->dflt, "empty", 5) == 0) {
		value[0][0] = '\0';
	} else if (r->dflt[0] == '`') {
		code_spans(r->dflt, value, 1);
	} else if (strcmp(type, "guest") == 0 && strcmp(r->key, "uplink") == 0 &&
		   strstr(r->dflt, "the only uplink") != NULL) {
		if (strcmp(left_out->guests[0].uplink, "u") == 0)
			return 0;
		print_error("%s:%d: [%s] %s: the default is \"%s\", but the parser gave '%s'\n",
			    doc_path, r->line, type, r->key, r->dflt, left_out->guests[0].uplink);
		return 1;
	} else {
		print_error("%s:%d: [%s] %s: the Default column \"%s\" starts with neither "
			    "a `value`, \"empty\" nor \"none\"\n", doc_path, r->line, type, r->key,
			    r->dflt);
		return 1;
	}
	snprintf(line, sizeof(line), "%s = %s", r->key, value[0]);
	if (parse_with(type, line, &cfg, err, sizeof(err)) != 0) {
		if (value[0][0] == '\0')
			return 0;	/* an empty value is refused: unset until set */
		print_error("%s:%d: [%s] %s: the documented default `%s` does not parse: %s\n",
			    doc_path, r->line, type, r->key, value[0], err);
		return 1;
	}
	a = section_of(type, left_out, &size);
	b = section_of(type, &cfg, &size);
	if (memcmp(a, b, size) == 0)
		return 0;
	print_error("%s:%d: [%s] %s: documented default '%s', but '%s' is not what the parser "
		    "does when the key is left out\n", doc_path, r->line, type, r->key,
		    value[0], line);
	return 1;
}

typedef void (*doc_reader)(const char *doc_path, const char *type, struct doc_table *t);

static void
check_section(const char *doc_path, doc_reader read, const char *type)
{
	static struct doc_table t;
	static struct config left_out;
	unsigned int bad = 0;
	char err[512];

	read(doc_path, type, &t);
	if (parse_with(type, "", &left_out, err, sizeof(err)) != 0)
		fail_msg("the minimal [%s] section does not parse: %s", type, err);

	/* Every key the parser knows is documented... */
	for (unsigned int i = 0; config_key_name(type, i) != NULL; i++) {
		const char *key = config_key_name(type, i);
		unsigned int j;

		for (j = 0; j < t.nb && strcmp(t.rows[j].key, key) != 0; j++)
			;
		if (j == t.nb) {
			print_error("%s: [%s] %s: a key of the parser without a row in the table\n",
				    doc_path, type, key);
			bad++;
		}
	}
	/* ...and every documented key is one the parser knows. */
	for (unsigned int j = 0; j < t.nb; j++) {
		unsigned int i;

		for (i = 0; config_key_name(type, i) != NULL &&
			    strcmp(config_key_name(type, i), t.rows[j].key) != 0; i++)
			;
		if (config_key_name(type, i) == NULL) {
			print_error("%s:%d: [%s] %s: documented, but not a key of the parser\n",
				    doc_path, t.rows[j].line, type, t.rows[j].key);
			bad++;
			continue;
		}
		bad += check_default(doc_path, type, &t.rows[j], &left_out);
	}
	if (bad != 0)
		fail_msg("%u disagreement(s) between %s and the parser's [%s] section", bad,
			 doc_path, type);
}

struct doc_case {
	const char **path;
	doc_reader read;
	const char *type;
};

static void
test_doc_section(void **state)
{
	const struct doc_case *c = *state;

	check_section(*c->path, c->read, c->type);
}

int
main(int argc, char **argv)
{
	static const struct doc_case cases[] = {
		{ &md_path, read_md_table, "daemon" },
		{ &md_path, read_md_table, "uplink" },
		{ &md_path, read_md_table, "guest" },
		{ &man_path, read_man_keys, "daemon" },
		{ &man_path, read_man_keys, "uplink" },
		{ &man_path, read_man_keys, "guest" },
	};
	struct CMUnitTest tests[N_CASES];

	_Static_assert(sizeof(cases) / sizeof(cases[0]) == N_CASES, "one test per case");

	for (unsigned int i = 0; i < N_CASES; i++) {
		static char names[N_CASES][48];

		snprintf(names[i], sizeof(names[i]), "%s [%s]",
			 cases[i].path == &md_path ? "configuration.md" : "vhostd.conf.5.md",
			 cases[i].type);
		tests[i] = (struct CMUnitTest){ .name = names[i], .test_func = test_doc_section,
						.initial_state = (void *)&cases[i] };
	}

	if (argc != 3) {
		fprintf(stderr, "usage: %s docs/configuration.md docs/man/vhostd.conf.5.md\n",
			argv[0]);
		return 2;
	}
	md_path = argv[1];
	man_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
