/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What test_datapath.c and test_datapath_offload.c share: fake guest and
 * uplink ports behind struct vport_ops (ports 0 and 1 are guests, 2 the
 * uplink), a worker over them (fx), real mbufs from a real mempool, and
 * the check that no mbuf leaked.
 */
#ifndef DP_FIXTURE_H
#define DP_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_gso.h>

#include "datapath/poll_list.h"
#include "datapath/offload.h"

#define NB_MBUFS 1023
#define FAKE_PORTS 4

struct fake_port {
	struct rte_mbuf *rx[64];	/* frames waiting to be received */
	unsigned int nb_rx;
	unsigned int tx_room;		/* how many tx accepts before "full" */
	unsigned int nb_tx;
	unsigned int tx_calls;
	uint8_t tx_dst[256][6];		/* what it sent: destination MACs */
	uint16_t tx_q[256];		/* ... and on which queue pair */
	bool copies;			/* guest: copy and free; uplink: keep */
	struct rte_mbuf *kept[256];
	unsigned int started;
	unsigned int prepared;		/* frames its prepare looked at */
	uint32_t refuse_len;		/* prepare refuses frames this long */
};

/* Ports: 0 = guest 0, 1 = guest 1, 2 = uplink. */
struct fixture {
	struct fwd_table fwd;
	struct port_stats gstats[2], gmain[2], ustats;
	struct ratelimit glog[2];
	struct dp_guest guests[2];
	struct dp_uplink uplink;
	struct dp_rxq rxq[3];
	struct queue_load load[3];
	uint16_t to_flush[2];
	struct dp_worker w;
};

extern struct fake_port ports[FAKE_PORTS];
extern struct rte_mempool *pool, *indirect;
extern struct rte_gso_ctx gso;
extern const struct vport_ops fake_ops;
/* An uplink with TX offloads, whose driver has a prepare step. */
extern const struct vport_ops fake_prepare_ops;
extern const uint8_t mac0[6], mac1[6], macx[6], bcast[6];
extern struct fixture fx;

/* Guests 0..nb_guests-1 ready, one queue pair each, and the uplink. */
void setup_fixture(unsigned int nb_guests);
/* A frame of len bytes from src to dst, waiting on port's receive side. */
void inject(unsigned int port, const uint8_t *dst, const uint8_t *src, unsigned int len);
/* Free what the fake uplink kept, then check that the pool is whole. */
void assert_no_leak(void);
/* EAL, the pools, then the tests: main() of a datapath test. */
int dp_fixture_run(const char *name, const struct CMUnitTest *tests, size_t nb_tests);

#endif
