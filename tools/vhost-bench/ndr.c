/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NDR/PDR search (pure C).  Bisection between the highest rate that passed
 * (lo) and the lowest that failed (hi):
 *
 *   probe    one trial at the upper bound (or unlimited); a pass ends the
 *            search at the top, a failure makes it hi
 *   bisect   try the middle until hi - lo <= resolution; lo starts at the
 *            floor (one resolution step), which is tried last if nothing
 *            above it passed
 *   verify   one more trial at lo: a pass reports lo; a failure (the device
 *            is noisy, or the pass was luck) makes lo the new hi and starts
 *            the bisection again from the floor
 *
 * A non-monotonic device (passes above a rate that failed) is bisected to
 * a local boundary: the rate reported passed twice and a rate one
 * resolution step above it failed.  NDR_MAX_TRIALS bounds the whole search.
 */
#include <errno.h>
#include <string.h>

#include "ndr.h"

int
ndr_init(struct ndr_search *s, const struct ndr_params *p, char *err, size_t errlen)
{
	if (!(p->resolution > 0)) {
		snprintf(err, errlen, "the resolution must be more than 0 Mpps");
		return -EINVAL;
	}
	if (!(p->max_mpps >= 0)) {
		snprintf(err, errlen, "the upper bound must be 0 (unlimited) or more");
		return -EINVAL;
	}
	if (!(p->loss_ratio >= 0 && p->loss_ratio < 1)) {
		snprintf(err, errlen, "the loss ratio must be at least 0 and below 100 %%");
		return -EINVAL;
	}
	if (!(p->duration > 0)) {
		snprintf(err, errlen, "the trial duration must be more than 0 s");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->phase = NDR_PROBE;
	s->lo = p->resolution;
	s->hi = p->max_mpps;
	return 0;
}

bool
ndr_next(const struct ndr_search *s, struct ndr_trial *t)
{
	memset(t, 0, sizeof(*t));
	switch (s->phase) {
	case NDR_PROBE:
		t->rate = s->p.max_mpps;
		return true;
	case NDR_BISECT:
		/* Narrow enough with nothing passed: the floor itself. */
		t->rate = s->hi - s->lo <= s->p.resolution ? s->lo : (s->lo + s->hi) / 2;
		return true;
	case NDR_VERIFY:
		t->rate = s->verify_rate;
		t->verify = true;
		return true;
	case NDR_DONE:
		break;
	}
	return false;
}

bool
ndr_trial_pass(const struct ndr_params *p, const struct ndr_trial *t)
{
	double offered = t->secs > 0 ? (double)t->sent / t->secs / 1e6 : 0;
	uint64_t lost = t->sent > t->received ? t->sent - t->received : 0;

	if (t->sent == 0)
		return false;
	if (t->rate > 0 && offered < t->rate * (1 - NDR_SHORTFALL))
		return false;
	return p->loss_ratio == 0 ? lost == 0 : (double)lost <= p->loss_ratio * (double)t->sent;
}

static void
to_verify(struct ndr_search *s, double rate)
{
	s->phase = NDR_VERIFY;
	s->verify_rate = rate;
}

void
ndr_record(struct ndr_search *s, const struct ndr_trial *in)
{
	struct ndr_trial *t;

	if (s->phase == NDR_DONE || s->nb_trials == NDR_MAX_TRIALS)
		return;
	t = &s->trials[s->nb_trials++];
	*t = *in;
	t->offered = t->secs > 0 ? (double)t->sent / t->secs / 1e6 : 0;
	t->lost = t->sent > t->received ? t->sent - t->received : 0;
	t->pass = ndr_trial_pass(&s->p, t);

	switch (s->phase) {
	case NDR_PROBE:
		if (t->pass) {
			/* Unlimited: the generator's own rate is the bound. */
			s->lo = t->rate > 0 ? t->rate : t->offered;
			s->hi = s->lo;
			s->lo_passed = true;
			to_verify(s, t->rate);
		} else {
			s->hi = t->rate > 0 ? t->rate : t->offered;
			s->phase = NDR_BISECT;
		}
		break;
	case NDR_BISECT:
		if (t->pass) {
			s->lo = t->rate;
			s->lo_passed = true;
		} else if (!s->lo_passed && t->rate <= s->lo) {
			s->status = -ERANGE;	/* even the floor lost frames */
			s->phase = NDR_DONE;
			break;
		} else {
			s->hi = t->rate;
		}
		if (s->lo_passed && s->hi - s->lo <= s->p.resolution)
			to_verify(s, s->lo);
		break;
	case NDR_VERIFY:
		if (t->pass) {
			s->result = s->lo;
			if (t->rate == 0 && t->offered < s->result)
				s->result = t->offered;
			s->phase = NDR_DONE;
			break;
		}
		s->failed_verifications++;
		s->hi = t->rate > 0 ? t->rate : t->offered;
		s->lo = s->p.resolution;
		s->lo_passed = false;
		s->phase = NDR_BISECT;
		break;
	case NDR_DONE:
		break;
	}
	if (s->phase != NDR_DONE && s->nb_trials == NDR_MAX_TRIALS) {
		s->status = -ETIMEDOUT;
		s->phase = NDR_DONE;
	}
}

int
ndr_run(struct ndr_search *s, ndr_trial_fn fn, void *arg)
{
	struct ndr_trial t;

	while (ndr_next(s, &t)) {
		int ret = fn(&t, arg);

		if (ret != 0)
			return ret;
		ndr_record(s, &t);
	}
	return s->status;
}

static const char *
status_name(const struct ndr_search *s)
{
	if (s->phase != NDR_DONE)
		return "unfinished";
	if (s->status == -ERANGE)
		return "nothing passed";
	if (s->status == -ETIMEDOUT)
		return "no convergence";
	return "found";
}

static double
loss_pct(const struct ndr_trial *t)
{
	return t->sent != 0 ? 100.0 * (double)t->lost / (double)t->sent : 0.0;
}

static void
json_trial(FILE *f, unsigned int n, const struct ndr_trial *t)
{
	fprintf(f, "{\"trial\":%u,\"rate_mpps\":%.4f,\"verify\":%s,\"secs\":%.4f,"
		"\"sent\":%lu,\"received\":%lu,\"lost\":%lu,\"loss_pct\":%.6f,"
		"\"late\":%lu,\"offered_mpps\":%.4f,\"pass\":%s",
		n, t->rate, t->verify ? "true" : "false", t->secs, t->sent, t->received,
		t->lost, loss_pct(t), t->late, t->offered, t->pass ? "true" : "false");
	if (t->detail != NULL)
		fprintf(f, ",\"where\":%s", t->detail);
	fputc('}', f);
}

void
ndr_report(FILE *f, const struct ndr_search *s, bool json)
{
	const char *kind = s->p.loss_ratio == 0 ? "ndr" : "pdr";
	bool found = s->phase == NDR_DONE && s->status == 0;
	const struct ndr_trial *v = NULL;

	for (unsigned int i = 0; i < s->nb_trials; i++)
		if (s->trials[i].verify)
			v = &s->trials[i];
	if (json) {
		fprintf(f, "{\"type\":\"%s\",\"status\":\"%s\",\"converged\":%s,"
			"\"loss_ratio_pct\":%.4f,\"resolution_mpps\":%.4f,\"max_mpps\":%.4f,"
			"\"trial_s\":%.3f,\"pktlen\":%u,\"rate_mpps\":%.4f,\"rate_gbps\":%.4f,"
			"\"lower_mpps\":%.4f,\"upper_mpps\":%.4f,\"failed_verifications\":%u,"
			"\"nb_trials\":%u,\"trials\":[",
			kind, status_name(s), found ? "true" : "false", s->p.loss_ratio * 100,
			s->p.resolution, s->p.max_mpps, s->p.duration, s->p.pktlen,
			found ? s->result : 0.0, found ? s->result * s->p.pktlen * 8 / 1e3 : 0.0,
			s->lo_passed ? s->lo : 0.0, s->hi, s->failed_verifications, s->nb_trials);
		for (unsigned int i = 0; i < s->nb_trials; i++) {
			if (i != 0)
				fputc(',', f);
			json_trial(f, i + 1, &s->trials[i]);
		}
		fputs("],\"verification\":", f);
		if (found && v != NULL)
			json_trial(f, (unsigned int)(v - s->trials) + 1, v);
		else
			fputs("null", f);
		fputs("}\n", f);
		fflush(f);
		return;
	}
	for (unsigned int i = 0; i < s->nb_trials; i++) {
		const struct ndr_trial *t = &s->trials[i];
		char rate[32];

		if (t->rate > 0)
			snprintf(rate, sizeof(rate), "%.4f Mpps", t->rate);
		else
			snprintf(rate, sizeof(rate), "unlimited");
		fprintf(f, "trial %2u%s %-14s %.2f s: sent %lu, received %lu, lost %lu "
			"(%.4f %%), offered %.4f Mpps: %s\n", i + 1, t->verify ? " (verify)" : "",
			rate, t->secs, t->sent, t->received, t->lost, loss_pct(t), t->offered,
			t->pass ? "pass" : "FAIL");
	}
	if (found)
		fprintf(f, "%s (loss <= %.3f %%): %.4f Mpps, %.4f Gbit/s at %u bytes, "
			"within %.4f Mpps, %u trials\n", s->p.loss_ratio == 0 ? "NDR" : "PDR",
			s->p.loss_ratio * 100, s->result, s->result * s->p.pktlen * 8 / 1e3,
			s->p.pktlen, s->p.resolution, s->nb_trials);
	else
		fprintf(f, "%s: %s after %u trials\n", s->p.loss_ratio == 0 ? "NDR" : "PDR",
			status_name(s), s->nb_trials);
	fflush(f);
}
