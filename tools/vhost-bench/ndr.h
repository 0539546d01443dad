/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_NDR_H
#define VHOST_BENCH_NDR_H

/*
 * NDR/PDR search (RFC 2544, 26.1 "Throughput"; RFC 9411 names the partial
 * drop rate): the highest offered rate at which at most a given share of
 * the frames is lost, by bisection over fixed-length trials, then one
 * verification trial at the rate found.  Pure C: the caller runs the trials
 * (a function pointer), so the unit tests drive the search with fake
 * devices.
 *
 * Loss is end to end: frames the generator sent minus frames that came back.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NDR_MAX_TRIALS 64
/* A trial whose generator fell more than this short of the requested rate
 * (the backend pushed back: the guest's TX ring stayed full) did not offer
 * that rate, so it cannot pass at it. */
#define NDR_SHORTFALL 0.05

struct ndr_params {
	double max_mpps;		/* first trial; 0: as fast as the generator can */
	double resolution;		/* Mpps: stop when the bounds are this close */
	double loss_ratio;		/* 0: NDR; 0.005: PDR at 0.5 % */
	double duration;		/* seconds per trial, for the trial function */
	uint32_t pktlen;		/* for the report's Gbit/s */
};

struct ndr_trial {
	double rate;			/* requested Mpps; 0: unlimited */
	bool verify;			/* the final verification trial */
	/* filled by the trial function */
	double secs;			/* how long the generator sent */
	uint64_t sent;
	uint64_t received;		/* of the frames this trial sent */
	uint64_t late;			/* sent before this trial, back during it */
	const char *detail;		/* JSON object (loss by place) or NULL; caller's */
	/* filled by ndr_record() */
	double offered;			/* Mpps actually sent */
	uint64_t lost;
	bool pass;
};

enum ndr_phase { NDR_PROBE, NDR_BISECT, NDR_VERIFY, NDR_DONE };

struct ndr_search {
	struct ndr_params p;
	enum ndr_phase phase;
	double lo;			/* highest rate that passed (or the floor) */
	double hi;			/* lowest rate that failed */
	bool lo_passed;
	double verify_rate;		/* requested rate of the verification; 0: unlimited */
	unsigned int nb_trials;
	struct ndr_trial trials[NDR_MAX_TRIALS];
	unsigned int failed_verifications;
	int status;			/* 0; -ERANGE: nothing passed; -ETIMEDOUT: too many trials */
	double result;			/* Mpps, when status is 0 and phase NDR_DONE */
};

/* Checks the parameters; -EINVAL with a reason in err. */
int ndr_init(struct ndr_search *s, const struct ndr_params *p, char *err, size_t errlen);

/* The next trial to run, or false when the search is over. */
bool ndr_next(const struct ndr_search *s, struct ndr_trial *t);

/* Judges a trial ndr_next() asked for (secs, sent, received filled in) and
 * moves the search on. */
void ndr_record(struct ndr_search *s, const struct ndr_trial *t);

/* Whether a trial meets the loss ratio at its rate. */
bool ndr_trial_pass(const struct ndr_params *p, const struct ndr_trial *t);

/* Runs the whole search: fn fills in one trial, returns 0 or -errno (which
 * ends the search and is returned). */
typedef int (*ndr_trial_fn)(struct ndr_trial *t, void *arg);
int ndr_run(struct ndr_search *s, ndr_trial_fn fn, void *arg);

/* One line per trial and a result line, or one JSON object. */
void ndr_report(FILE *f, const struct ndr_search *s, bool json);

#endif
