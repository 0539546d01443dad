/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vhostd/argv.h"

int
argv_push(char **argv, unsigned int max, unsigned int *argc, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (*argc + 1 >= max)
		return -E2BIG;
	va_start(ap, fmt);
	ret = vasprintf(&argv[*argc], fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	(*argc)++;
	argv[*argc] = NULL;
	return 0;
}

void
argv_free(char **argv, unsigned int argc)
{
	for (unsigned int i = 0; i < argc; i++)
		free(argv[i]);
}
