/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A second frontend on a guest socket that already has one (the owner,
 * test_intruder.py runs a virtio-user testpmd there): it connects, goes as
 * far as one stage of the setup, stays a moment and leaves.  vhostd serves
 * one frontend per socket: it should close this connection at its first
 * message; the owner's traffic is what the test watches.
 *
 *   result: closed   the backend closed the connection (refused)
 *   result: alive    every message of the stage got through, and the
 *                    backend still answered afterwards (accepted)
 *   result: left     connect only: it said nothing, the backend kept the
 *                    connection open that long, and it left
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostile.h"

#define STAY_MS 500	/* connected long enough for the owner's rate to show it */

static int
intrude(const char *what, int stage)
{
	const char *res;
	struct vu v;
	int ret;

	if (fresh(&v) != 0)
		return 2;
	if (stage < 0) {	/* connect only: never say a word */
		res = vu_closed(&v, STAY_MS) ? "closed" : "left";
		printf("intruder (%s): %s\n", what, res);
		printf("result: %s\n", res);
		vu_close(&v);
		return 0;
	}
	ret = vu_setup_until(&v, BASE_FEATURES, false, QSIZE, (enum vu_stage)stage);
	if (ret == -EPIPE || ret == -ECONNRESET) {
		res = "closed";
	} else if (ret != 0) {
		fprintf(stderr, "hostile: %s: %s\n", what, strerror(-ret));
		vu_close(&v);
		return 2;
	} else {
		res = vu_closed(&v, STAY_MS) ? "closed" : outcome(&v);
	}
	printf("intruder (%s): %s\n", what, strcmp(res, "closed") == 0 ?
	       "the backend closed the connection" : "set up, the backend answers");
	printf("result: %s\n", res);
	vu_close(&v);
	return 0;
}

int
case_intruder_connect(void)
{
	return intrude("connect only", -1);
}

int
case_intruder_features(void)
{
	return intrude("features negotiated", VU_STAGE_FEATURES);
}

int
case_intruder_mem_table(void)
{
	return intrude("memory table", VU_STAGE_MEM_TABLE);
}

int
case_intruder_vrings(void)
{
	return intrude("vrings, never kicked", VU_STAGE_VRINGS);
}

int
case_intruder_ready(void)
{
	return intrude("device ready", VU_STAGE_READY);
}
