/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placement over a fake topology: four workers, 0 and 1 on NUMA node 0,
 * 2 and 3 on node 1, with synthetic per-queue loads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vhostd/placement.h"

#define INTERVAL 1000000ULL	/* cycles per interval */
#define FULL INTERVAL		/* a worker that never idles */

static const struct placement_topo two_nodes = { 4, { 0, 0, 1, 1 } };

static struct placement_queue
queue(uint16_t worker, int node, uint64_t load)
{
	return (struct placement_queue){ .worker = worker, .pin = PLACEMENT_NONE,
					 .node = node, .load = load };
}

/* Busy cycles per worker: the sum of its queues' loads. */
static void
busy_of(const struct placement_topo *t, const struct placement_queue *q, unsigned int nb,
	uint64_t *busy)
{
	for (unsigned int w = 0; w < t->nb_workers; w++)
		busy[w] = 0;
	for (unsigned int i = 0; i < nb; i++)
		busy[q[i].worker] += q[i].load;
}

static uint64_t
peak(const struct placement_topo *t, const struct placement_queue *q, unsigned int nb)
{
	uint64_t busy[VHOSTD_MAX_WORKERS], p = 0;

	busy_of(t, q, nb, busy);
	for (unsigned int w = 0; w < t->nb_workers; w++)
		p = busy[w] > p ? busy[w] : p;
	return p;
}

static unsigned int
rebalance(const struct placement_topo *t, struct placement_queue *q, unsigned int nb,
	  unsigned int margin, struct placement_move *moves)
{
	uint64_t busy[VHOSTD_MAX_WORKERS];

	busy_of(t, q, nb, busy);
	return placement_rebalance(t, busy, INTERVAL, q, nb, margin, moves, 16);
}

static void
apply(struct placement_queue *q, const struct placement_move *m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(q[m[i].queue].worker, m[i].from);
		assert_int_not_equal(m[i].from, m[i].to);
		q[m[i].queue].worker = m[i].to;
	}
}

static void
test_pick(void **state)
{
	unsigned int load[4] = { 2, 1, 1, 3 };

	(void)state;
	assert_int_equal(placement_pick(load, 4), 1);	/* lowest index on ties */
	assert_int_equal(placement_pick(load, 1), 0);
}

static void
test_spread(void **state)
{
	unsigned int load[3] = { 0, 0, 0 };

	(void)state;
	/* Placing 7 queues one by one spreads them 3/2/2. */
	for (int i = 0; i < 7; i++)
		load[placement_pick(load, 3)]++;
	assert_int_equal(load[0], 3);
	assert_int_equal(load[1], 2);
	assert_int_equal(load[2], 2);
}

static void
test_pick_node(void **state)
{
	unsigned int load[4] = { 0, 0, 5, 1 };
	bool cross = true;

	(void)state;
	/* Node 1's workers, though node 0's are idle. */
	assert_int_equal(placement_pick_node(&two_nodes, load, 1, &cross), 3);
	assert_false(cross);
	assert_int_equal(placement_pick_node(&two_nodes, load, 0, &cross), 0);
	assert_false(cross);
	/* Unknown node: anywhere, not a crossing. */
	assert_int_equal(placement_pick_node(&two_nodes, load, -1, &cross), 0);
	assert_false(cross);
	/* A node without workers: anywhere, flagged. */
	load[0] = 9;
	assert_int_equal(placement_pick_node(&two_nodes, load, 7, &cross), 1);
	assert_true(cross);
}

static void
test_assign_node_affinity(void **state)
{
	struct placement_queue q[] = {
		queue(PLACEMENT_NONE, 0, 0),	/* uplink on node 0, 2 queues */
		queue(PLACEMENT_NONE, 0, 0),
		queue(PLACEMENT_NONE, 1, 0),	/* guest memory on node 1, 3 pairs */
		queue(PLACEMENT_NONE, 1, 0),
		queue(PLACEMENT_NONE, 1, 0),
		queue(3, 0, 0),			/* placed already (across nodes): stays */
	};

	(void)state;
	placement_assign(&two_nodes, q, 6);
	assert_int_equal(q[0].worker, 0);
	assert_int_equal(q[1].worker, 1);
	/* Worker 3 holds one queue already: 2, then 2 (a tie: lowest index), then 3. */
	assert_int_equal(q[2].worker, 2);
	assert_int_equal(q[3].worker, 2);
	assert_int_equal(q[4].worker, 3);
	assert_int_equal(q[5].worker, 3);
	for (int i = 0; i < 5; i++)
		assert_false(q[i].cross);
	assert_true(q[5].cross);
}

static void
test_assign_cross_node(void **state)
{
	/* One node with workers (this machine): a guest whose memory is on
	 * node 1 is polled from node 0, and the flag says so. */
	static const struct placement_topo one_node = { 2, { 0, 0 } };
	struct placement_queue q[] = {
		queue(PLACEMENT_NONE, 1, 0), queue(PLACEMENT_NONE, 1, 0),
		queue(PLACEMENT_NONE, 0, 0), queue(PLACEMENT_NONE, -1, 0),
	};

	(void)state;
	placement_assign(&one_node, q, 4);
	assert_int_equal(q[0].worker, 0);
	assert_int_equal(q[1].worker, 1);
	assert_true(q[0].cross);
	assert_true(q[1].cross);
	assert_false(q[2].cross);
	assert_false(q[3].cross);
}

static void
test_assign_pins(void **state)
{
	struct placement_queue q[] = {
		queue(0, 0, 0), queue(PLACEMENT_NONE, 0, 0), queue(PLACEMENT_NONE, 1, 0),
		queue(PLACEMENT_NONE, 0, 0),
	};

	(void)state;
	q[0].pin = 1;			/* placed on 0, pinned to 1: moves */
	q[2].pin = 0;			/* pinned across nodes: obeyed, flagged */
	q[3].pin = 40;			/* no such worker: placed as if free */
	placement_assign(&two_nodes, q, 4);
	assert_int_equal(q[0].worker, 1);
	assert_int_equal(q[2].worker, 0);
	assert_true(q[2].cross);
	/* Node 0: worker 0 has q2, worker 1 has q0: q1 to 0, q3 to 1. */
	assert_int_equal(q[1].worker, 0);
	assert_int_equal(q[3].worker, 1);
	assert_false(q[3].cross);
}

static void
test_rebalance_needs_overload(void **state)
{
	struct placement_queue q[] = { queue(0, 0, 450000), queue(0, 0, 450000) };
	struct placement_move m[16];

	(void)state;
	/* Worker 0 is 90 % busy, worker 1 idle: below the threshold. */
	assert_int_equal(rebalance(&two_nodes, q, 2, 10, m), 0);
	q[0].load = q[1].load = FULL / 2;
	assert_int_equal(rebalance(&two_nodes, q, 2, 10, m), 1);
	assert_int_equal(m[0].to, 1);	/* the other node-0 worker */
}

static void
test_rebalance_converges(void **state)
{
	/* Twelve node-0 queues of uneven load, all on worker 0. */
	static const uint64_t loads[] = { 300, 250, 200, 150, 100, 100, 80, 60, 40, 30, 20, 10 };
	struct placement_queue q[12];
	struct placement_move m[16];
	unsigned int steps = 0, n;
	uint64_t sum = 0;

	(void)state;
	for (unsigned int i = 0; i < 12; i++) {
		q[i] = queue(0, 0, loads[i] * FULL / 1340);
		sum += q[i].load;
	}
	while ((n = rebalance(&two_nodes, q, 12, 10, m)) != 0) {
		apply(q, m, n);
		for (unsigned int i = 0; i < n; i++)
			assert_true(m[i].to == 0 || m[i].to == 1);	/* node 0 only */
		assert_true(++steps <= 3);
	}
	assert_int_equal(steps, 1);
	/* Close to half each: within the smallest queue of the even split. */
	assert_true(peak(&two_nodes, q, 12) <= sum / 2 + 10 * FULL / 1340);
}

/* Deterministic noise: a linear congruential generator, +-pct percent. */
static uint64_t
noisy(uint64_t v, unsigned int pct, uint32_t *seed)
{
	int64_t spread = (int64_t)(v * pct / 100);

	*seed = *seed * 1103515245u + 12345u;
	if (spread == 0)
		return v;
	return (uint64_t)((int64_t)v + (int64_t)((*seed >> 8) % (uint32_t)(2 * spread + 1)) - spread);
}

static void
test_rebalance_no_oscillation(void **state)
{
	static const uint64_t loads[] = { 400, 350, 300, 200, 200, 100, 90, 80, 50, 30 };
	struct placement_queue q[10], noisy_q[10];
	uint16_t first[10];
	struct placement_move m[16];
	uint32_t seed = 42;
	unsigned int n, moved = 0;

	(void)state;
	/* Two workers per node, ten queues of node 1 on worker 2, saturated. */
	for (unsigned int i = 0; i < 10; i++)
		q[i] = queue(2, 1, loads[i] * FULL / 1800);
	n = rebalance(&two_nodes, q, 10, 10, m);
	assert_true(n > 0);
	apply(q, m, n);
	for (unsigned int i = 0; i < 10; i++) {
		first[i] = q[i].worker;
		assert_true(q[i].worker == 2 || q[i].worker == 3);
	}
	/* The same loads, doubled so that both workers are overloaded and the
	 * decision is really made: a fixed point. */
	memcpy(noisy_q, q, sizeof(q));
	for (unsigned int i = 0; i < 10; i++)
		noisy_q[i].load *= 2;
	assert_int_equal(rebalance(&two_nodes, noisy_q, 10, 10, m), 0);
	/* Loads that wobble by 5 %, a hundred intervals: nothing moves while
	 * the wobble stays under the margin (doubled again: overloaded). */
	for (int round = 0; round < 100; round++) {
		memcpy(noisy_q, q, sizeof(q));
		for (unsigned int i = 0; i < 10; i++)
			noisy_q[i].load = noisy(q[i].load * 2, 5, &seed);
		n = rebalance(&two_nodes, noisy_q, 10, 10, m);
		moved += n;
		apply(noisy_q, m, n);
	}
	assert_int_equal(moved, 0);
	for (unsigned int i = 0; i < 10; i++)
		assert_int_equal(q[i].worker, first[i]);
}

static void
test_rebalance_pins(void **state)
{
	struct placement_queue q[] = {
		queue(0, 0, FULL / 2), queue(0, 0, FULL / 4), queue(0, 0, FULL / 4),
	};
	struct placement_move m[16];
	unsigned int n;

	(void)state;
	q[0].pin = 0;
	q[1].pin = 0;
	n = rebalance(&two_nodes, q, 3, 10, m);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].queue, 2);	/* the only free one */
	/* Everything on the busy worker pinned: no move at all. */
	q[2].pin = 0;
	assert_int_equal(rebalance(&two_nodes, q, 3, 10, m), 0);
}

static void
test_rebalance_margin(void **state)
{
	/* Worker 0: 60 + 40; worker 1: 40.  Moving the 40 to worker 1 makes
	 * the peak 80 (from 100): a 20 % gain. */
	struct placement_queue q[] = {
		queue(0, 0, FULL * 6 / 10), queue(0, 0, FULL * 4 / 10), queue(1, 0, FULL * 4 / 10),
	};
	struct placement_move m[16];

	(void)state;
	assert_int_equal(rebalance(&two_nodes, q, 3, 25, m), 0);
	assert_int_equal(rebalance(&two_nodes, q, 3, 20, m), 0);	/* "more than" */
	assert_int_equal(rebalance(&two_nodes, q, 3, 19, m), 1);
	assert_int_equal(m[0].queue, 1);
	assert_int_equal(m[0].to, 1);
}

static void
test_rebalance_numa(void **state)
{
	/* Node 1's two workers both busy, node 0 idle: node-1 queues stay on
	 * node 1 even though node 0 could take them. */
	struct placement_queue q[] = {
		queue(2, 1, FULL / 2), queue(2, 1, FULL / 2), queue(3, 1, FULL * 9 / 10),
	};
	struct placement_move m[16];

	(void)state;
	assert_int_equal(rebalance(&two_nodes, q, 3, 10, m), 0);
	/* With worker 3 lightly loaded, one moves there, none to node 0. */
	q[2].load = FULL / 10;
	assert_int_equal(rebalance(&two_nodes, q, 3, 10, m), 1);
	assert_int_equal(m[0].to, 3);
	/* A queue of a node without workers may go anywhere. */
	q[0].node = q[1].node = 5;
	q[2].load = FULL * 8 / 10;
	q[0].worker = q[1].worker = 3;
	q[2].worker = 2;
	assert_int_equal(rebalance(&two_nodes, q, 3, 10, m), 1);
	assert_int_equal(m[0].to, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_pick_node),
		cmocka_unit_test(test_assign_node_affinity),
		cmocka_unit_test(test_assign_cross_node),
		cmocka_unit_test(test_assign_pins),
		cmocka_unit_test(test_rebalance_needs_overload),
		cmocka_unit_test(test_rebalance_converges),
		cmocka_unit_test(test_rebalance_no_oscillation),
		cmocka_unit_test(test_rebalance_pins),
		cmocka_unit_test(test_rebalance_margin),
		cmocka_unit_test(test_rebalance_numa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
