/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Not an attack: many well-behaved frontends from one process, the cheap
 * guests of tests/integration/test_scale.py.  --socket is a prefix: guest i
 * is PREFIXi.sock.  Each connection negotiates, sets up small split rings
 * and sends one frame; the case prints how many came up and how many frames
 * came back used, then holds every connection until stdin has a line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hostile.h"

#define MANY_QSIZE 64
#define MANY_MAX 1024

static int many_count = 1;

void
many_set_count(const char *arg)
{
	many_count = atoi(arg);
}

/* Five fds per guest (socket, memfd, two kicks, two calls): past the
 * default soft limit of 1024 for a few hundred guests. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
case_many(void)
{
	struct vu *v;
	int up = 0, used = 0, posted = 0;

	if (many_count < 1 || many_count > MANY_MAX) {
		fprintf(stderr, "hostile: --count: 1 to %d\n", MANY_MAX);
		return 2;
	}
	raise_nofile();
	v = calloc((size_t)many_count, sizeof(*v));
	if (v == NULL)
		return 2;
	for (int i = 0; i < many_count; i++) {
		char path[256];

		v[i].sock = v[i].memfd = -1;
		v[i].vq[0].kick = v[i].vq[0].call = v[i].vq[1].kick = v[i].vq[1].call = -1;
		snprintf(path, sizeof(path), "%s%d.sock", sock_path, i);
		if (vu_connect(&v[i], path) != 0 ||
		    vu_setup(&v[i], BASE_FEATURES, false, MANY_QSIZE) != 0) {
			fprintf(stderr, "hostile: guest %d (%s) did not come up\n", i, path);
			vu_close(&v[i]);
			continue;
		}
		up++;
	}
	msleep(300);	/* vhostd publishes the devices to its workers */
	for (int i = 0; i < many_count; i++)
		if (v[i].sock >= 0) {
			vu_post_frame(&v[i], 0, evil_mac);
			posted++;
		}
	for (int t = 0; t < 300; t++) {
		used = 0;
		for (int i = 0; i < many_count; i++)
			used += v[i].sock >= 0 ? vu_used(&v[i], 1) : 0;
		if (used == posted)
			break;
		msleep(10);
	}
	printf("many: %d of %d guests up\n", up, many_count);
	printf("result: alive used=%d/%d\n", used, posted);
	fflush(stdout);
	hold();
	for (int i = 0; i < many_count; i++)
		vu_close(&v[i]);
	free(v);
	return 0;
}
