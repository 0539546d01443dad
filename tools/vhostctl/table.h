/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aligned text tables: add cells row by row, print once at the end with
 * each column as wide as its widest cell, two blanks between columns, no
 * trailing blanks.  Numbers are right-aligned, text left-aligned.
 */
#ifndef VHOSTCTL_TABLE_H
#define VHOSTCTL_TABLE_H

#include <stdio.h>

#include <jansson.h>

#define TABLE_MAX_COLS 16

struct table {
	unsigned int nb_cols;
	const char *head[TABLE_MAX_COLS];
	char align[TABLE_MAX_COLS];	/* 'l' or 'r' */
	char **cells;			/* nb_rows * nb_cols, row-major */
	unsigned int nb_rows;
	unsigned int cur;		/* cells filled in the last row */
	unsigned int cap;		/* rows allocated */
	int err;			/* first allocation failure, sticky */
};

/* align: one 'l' or 'r' per column, e.g. "llrr". */
void table_init(struct table *t, const char *align, const char *const head[]);
void table_row(struct table *t);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON scalar: string as is, integer, real (%.1f), yes/no, "-" for null or missing. */
void table_cell_json(struct table *t, const json_t *v);
/* 0, or -ENOMEM when a cell could not be stored. */
int table_print(struct table *t, FILE *f, const char *indent);
void table_free(struct table *t);

/* The text table_cell_json() shows for v, in buf. */
const char *json_scalar_text(const json_t *v, char *buf, size_t len);

#endif
