/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the printers of output.c and output_guest.c share: field readers
 * that tolerate a missing or null field, and the tables both a guest and
 * an uplink show.  Internal to vhostctl's output.
 */
#ifndef VHOSTCTL_OUTPUT_H
#define VHOSTCTL_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

/* o[key], NULL unless o is an object with key. */
json_t *out_get(const json_t *o, const char *key);
/* o[key] as text in buf, as a table cell shows it (json_scalar_text). */
const char *out_text(const json_t *o, const char *key, char *buf, size_t len);
/* o[key], 0 unless an integer. */
json_int_t out_num(const json_t *o, const char *key);
/* "  label         value" */
void out_field(FILE *f, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A counters object (per queue, totals, drops by reason) as a table. */
int out_counters(FILE *f, const json_t *c);
/* Who polls each receive queue, and what it costs; nothing without "polling". */
int out_polling(FILE *f, const json_t *list);

#endif
