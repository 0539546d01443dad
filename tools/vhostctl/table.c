/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void
table_init(struct table *t, const char *align, const char *const head[])
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; align[i] != '\0' && i < TABLE_MAX_COLS; i++) {
		t->align[i] = align[i];
		t->head[i] = head[i];
		t->nb_cols++;
	}
}

void
table_row(struct table *t)
{
	if (t->err != 0)
		return;
	if (t->nb_rows == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16;
		char **cells = realloc(t->cells, (size_t)cap * t->nb_cols * sizeof(*cells));

		if (cells == NULL) {
			t->err = -ENOMEM;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	for (unsigned int c = 0; c < t->nb_cols; c++)
		t->cells[(size_t)t->nb_rows * t->nb_cols + c] = NULL;
	t->nb_rows++;
	t->cur = 0;
}

static void
table_put(struct table *t, char *s)
{
	if (t->err != 0 || t->nb_rows == 0 || t->cur >= t->nb_cols) {
		free(s);
		return;
	}
	if (s == NULL) {
		t->err = -ENOMEM;
		return;
	}
	t->cells[(size_t)(t->nb_rows - 1) * t->nb_cols + t->cur++] = s;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	table_put(t, s);
}

const char *
json_scalar_text(const json_t *v, char *buf, size_t len)
{
	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%.1f", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		return "-";
	}
}

void
table_cell_json(struct table *t, const json_t *v)
{
	char buf[64];

	table_cell(t, "%s", json_scalar_text(v, buf, sizeof(buf)));
}

int
table_print(struct table *t, FILE *f, const char *indent)
{
	size_t width[TABLE_MAX_COLS];

	if (t->err != 0)
		return t->err;
	for (unsigned int c = 0; c < t->nb_cols; c++) {
		width[c] = strlen(t->head[c]);
		for (unsigned int r = 0; r < t->nb_rows; r++) {
			const char *s = t->cells[(size_t)r * t->nb_cols + c];

			if (s != NULL && strlen(s) > width[c])
				width[c] = strlen(s);
		}
	}
	for (unsigned int r = 0; r <= t->nb_rows; r++) {
		fputs(indent, f);
		for (unsigned int c = 0; c < t->nb_cols; c++) {
			const char *s = r == 0 ? t->head[c] : t->cells[(size_t)(r - 1) * t->nb_cols + c];
			bool last = c + 1 == t->nb_cols;
			int w = (int)width[c];

			if (s == NULL)
				s = "";
			if (t->align[c] == 'r')
				fprintf(f, "%*s", w, s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", w, s);
			fputs(last ? "\n" : "  ", f);
		}
	}
	return 0;
}

void
table_free(struct table *t)
{
	for (size_t i = 0; i < (size_t)t->nb_rows * t->nb_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nb_rows = 0;
	t->cap = 0;
}
