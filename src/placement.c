/* SPDX-License-Identifier: BSD-3-Clause */
#include "vhostd/placement.h"

unsigned int
placement_pick(const unsigned int *load, unsigned int nb_workers)
{
	unsigned int best = 0;

	for (unsigned int w = 1; w < nb_workers; w++)
		if (load[w] < load[best])
			best = w;
	return best;
}
