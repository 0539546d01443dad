/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_ARGV_H
#define VHOSTD_ARGV_H

/* Building an EAL argv (vhostd and vhost-bench both start EAL from options). */

/* Append a formatted argument; argv stays NULL-terminated.  0, -E2BIG when
 * max would be reached, -ENOMEM. */
int argv_push(char **argv, unsigned int max, unsigned int *argc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void argv_free(char **argv, unsigned int argc);

#endif
