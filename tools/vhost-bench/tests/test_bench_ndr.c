/* SPDX-License-Identifier: BSD-3-Clause */
/* The NDR/PDR search against fake devices: a device that loses above a
 * capacity, one that pushes back instead, a noisy one, a non-monotonic one,
 * one that loses everything. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ndr.h"

struct fake {
	double cap;			/* Mpps forwarded; the rest is lost */
	double gen;			/* generator's top rate (unlimited trials) */
	bool push_back;			/* above cap the guest cannot send, nothing lost */
	unsigned int fail_verifications;	/* this many verifications lose one frame */
	double bands[4];		/* non-monotonic: fails in [b0,b1) and [b2,b3) */
	unsigned int calls;
};

static int
fake_trial(struct ndr_trial *t, void *arg)
{
	struct fake *f = arg;
	double rate = t->rate > 0 ? t->rate : f->gen;
	double fwd = rate < f->cap ? rate : f->cap;

	f->calls++;
	t->secs = 0.5;
	if (f->push_back)
		rate = fwd;
	t->sent = (uint64_t)(rate * 1e6 * t->secs);
	t->received = (uint64_t)(fwd * 1e6 * t->secs);
	if (f->bands[1] > 0 && ((rate >= f->bands[0] && rate < f->bands[1]) ||
				(rate >= f->bands[2] && rate < f->bands[3])))
		t->received = t->sent / 2;
	if (t->verify && f->fail_verifications > 0) {
		f->fail_verifications--;
		t->received = t->sent - 1;
	}
	return 0;
}

static const struct ndr_trial *
verification(const struct ndr_search *s)
{
	const struct ndr_trial *t = &s->trials[s->nb_trials - 1];

	assert_true(t->verify);
	return t;
}

static void
search(struct ndr_search *s, struct fake *f, double max, double res, double ratio)
{
	struct ndr_params p = { .max_mpps = max, .resolution = res, .loss_ratio = ratio,
				.duration = 0.5, .pktlen = 64 };
	char err[128];

	assert_int_equal(ndr_init(s, &p, err, sizeof(err)), 0);
	assert_int_equal(ndr_run(s, fake_trial, f), 0);
	assert_int_equal(s->phase, NDR_DONE);
	assert_int_equal(f->calls, s->nb_trials);
	/* Every trial's counts add up, and the verification is at the result. */
	for (unsigned int i = 0; i < s->nb_trials; i++)
		assert_int_equal(s->trials[i].sent, s->trials[i].received + s->trials[i].lost);
	assert_true(verification(s)->pass);
}

static void
test_ndr_finds_capacity(void **state)
{
	struct fake f = { .cap = 3.7 };
	struct ndr_search s;

	(void)state;
	search(&s, &f, 10, 0.05, 0);
	assert_true(s.result <= 3.7 && s.result >= 3.7 - 0.05);
	assert_int_equal(verification(&s)->lost, 0);
	assert_true(verification(&s)->rate == s.result);
	assert_true(s.nb_trials <= 12);	/* log2(10 / 0.05) + probe + verify */
	assert_int_equal(s.failed_verifications, 0);
}

static void
test_pdr_above_ndr(void **state)
{
	struct fake f = { .cap = 3.7 }, g = { .cap = 3.7 };
	struct ndr_search ndr, pdr;
	const struct ndr_trial *v;

	(void)state;
	search(&ndr, &f, 10, 0.01, 0);
	search(&pdr, &g, 10, 0.01, 0.005);
	/* 0.5 % loss allowed: up to cap / 0.995 offered. */
	assert_true(pdr.result <= 3.7 / 0.995 && pdr.result >= 3.7 / 0.995 - 0.01);
	assert_true(pdr.result >= ndr.result);
	v = verification(&pdr);
	assert_true(v->lost > 0 && (double)v->lost <= 0.005 * (double)v->sent);
}

static void
test_unlimited_probe(void **state)
{
	struct fake f = { .cap = 5, .gen = 2.5 }, g = { .cap = 2, .gen = 2.5 };
	struct ndr_search s;

	(void)state;
	/* The device keeps up with the generator: the generator's rate. */
	search(&s, &f, 0, 0.05, 0);
	assert_int_equal(s.nb_trials, 2);
	assert_true(s.result == 2.5 && verification(&s)->rate == 0);
	/* It does not: bisection below what the generator reached. */
	search(&s, &g, 0, 0.05, 0);
	assert_true(s.trials[0].rate == 0 && !s.trials[0].pass);
	assert_true(s.result <= 2 && s.result >= 2 - 0.05);
}

static void
test_push_back_is_not_a_pass(void **state)
{
	struct fake f = { .cap = 1.2, .push_back = true };
	struct ndr_search s;

	(void)state;
	/* Nothing is lost, but above 1.2 Mpps (and the shortfall tolerated)
	 * the rate was never offered. */
	search(&s, &f, 4, 0.02, 0);
	assert_true(s.result <= 1.2 / (1 - NDR_SHORTFALL) && s.result >= 1.2 - 0.02);
	assert_false(s.trials[0].pass);
	assert_int_equal(s.trials[0].lost, 0);
}

static void
test_noisy_verification(void **state)
{
	struct fake f = { .cap = 3.7, .fail_verifications = 1 };
	struct ndr_search s;

	(void)state;
	/* One unlucky verification costs a second bisection, and at most one
	 * more resolution step. */
	search(&s, &f, 10, 0.05, 0);
	assert_int_equal(s.failed_verifications, 1);
	assert_true(s.result <= 3.7 && s.result >= 3.7 - 2 * 0.05);
	assert_int_equal(verification(&s)->lost, 0);
}

static void
test_non_monotonic(void **state)
{
	/* Passes below 2, fails in [2, 4), passes in [4, 6), fails above. */
	struct fake f = { .cap = 6, .bands = { 2, 4, 6, 100 } };
	struct ndr_search s;
	bool fail_above = false;

	(void)state;
	search(&s, &f, 10, 0.05, 0);
	/* Not in a losing band, and a step above it lost frames. */
	assert_true(s.result < 2 || (s.result >= 4 && s.result < 6));
	for (unsigned int i = 0; i < s.nb_trials; i++)
		fail_above |= !s.trials[i].pass && s.trials[i].rate > s.result &&
			      s.trials[i].rate <= s.result + 0.05 + 1e-9;
	assert_true(fail_above);
}

static void
test_nothing_passes(void **state)
{
	struct fake f = { .cap = 0 };
	struct ndr_params p = { .max_mpps = 1, .resolution = 0.1, .duration = 1 };
	struct ndr_search s;
	char err[128];

	(void)state;
	assert_int_equal(ndr_init(&s, &p, err, sizeof(err)), 0);
	assert_int_equal(ndr_run(&s, fake_trial, &f), -ERANGE);
	assert_true(s.trials[s.nb_trials - 1].rate == 0.1);	/* the floor was tried */
}

static void
test_bounded(void **state)
{
	struct fake f = { .cap = 3, .fail_verifications = 1000 };
	struct ndr_params p = { .max_mpps = 10, .resolution = 0.01, .duration = 1 };
	struct ndr_search s;
	struct ndr_trial t;
	char err[128];

	(void)state;
	assert_int_equal(ndr_init(&s, &p, err, sizeof(err)), 0);
	assert_int_equal(ndr_run(&s, fake_trial, &f), -ETIMEDOUT);
	assert_int_equal(s.nb_trials, NDR_MAX_TRIALS);
	assert_false(ndr_next(&s, &t));
}

static int
failing_trial(struct ndr_trial *t, void *arg)
{
	(void)t;
	return ++*(int *)arg == 3 ? -EINTR : fake_trial(t, &(struct fake){ .cap = 1 });
}

static void
test_trial_error_ends_search(void **state)
{
	struct ndr_params p = { .max_mpps = 10, .resolution = 0.01, .duration = 1 };
	struct ndr_search s;
	char err[128];
	int n = 0;

	(void)state;
	assert_int_equal(ndr_init(&s, &p, err, sizeof(err)), 0);
	assert_int_equal(ndr_run(&s, failing_trial, &n), -EINTR);
	assert_int_equal(s.nb_trials, 2);
}

static void
test_bad_params(void **state)
{
	static const struct ndr_params bad[] = {
		{ .max_mpps = 1, .resolution = 0, .duration = 1 },
		{ .max_mpps = -1, .resolution = 0.1, .duration = 1 },
		{ .max_mpps = 1, .resolution = 0.1, .loss_ratio = 1, .duration = 1 },
		{ .max_mpps = 1, .resolution = 0.1, .loss_ratio = -0.1, .duration = 1 },
		{ .max_mpps = 1, .resolution = 0.1, .duration = 0 },
	};
	struct ndr_search s;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ndr_init(&s, &bad[i], err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 10);
	}
}

static void
test_report(void **state)
{
	struct fake f = { .cap = 1 };
	struct ndr_search s;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	search(&s, &f, 2, 0.1, 0.001);
	s.trials[0].detail = "{\"vhostd\":{}}";
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	ndr_report(m, &s, true);
	fclose(m);
	assert_non_null(strstr(buf, "{\"type\":\"pdr\",\"status\":\"found\",\"converged\":true,"));
	assert_non_null(strstr(buf, "\"loss_ratio_pct\":0.1000,"));
	assert_non_null(strstr(buf, "\"pass\":false,\"where\":{\"vhostd\":{}}}"));
	assert_non_null(strstr(buf, "],\"verification\":{\"trial\":"));
	assert_int_equal(strchr(buf, '\n') - buf, (long)len - 1);	/* one line */
	free(buf);
	buf = NULL;
	m = open_memstream(&buf, &len);
	ndr_report(m, &s, false);
	fclose(m);
	assert_non_null(strstr(buf, "PDR (loss <= 0.100 %): "));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ndr_finds_capacity),
		cmocka_unit_test(test_pdr_above_ndr),
		cmocka_unit_test(test_unlimited_probe),
		cmocka_unit_test(test_push_back_is_not_a_pass),
		cmocka_unit_test(test_noisy_verification),
		cmocka_unit_test(test_non_monotonic),
		cmocka_unit_test(test_nothing_passes),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_trial_error_ends_search),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
