/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOSTD_FUZZ_CHECK_H
#define VHOSTD_FUZZ_CHECK_H

/*
 * What the fuzz targets check beyond the sanitizers: a failed CHECK aborts,
 * which libFuzzer reports as a crash and keeps the input that did it.
 */

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define DIM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
