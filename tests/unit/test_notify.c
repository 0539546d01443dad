/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When a worker sleeps (src/lib/notify.c), against a fake worker: scripted poll
 * results and sleep outcomes, and a log of what the state machine asked
 * for (arm, poll, sleep with its timeout, disarm).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vhostd/notify.h"

struct fake {
	unsigned int polls[32];		/* what each poll returns, in order */
	unsigned int nb_polls;
	int sleeps[32];			/* what each sleep returns */
	unsigned int nb_sleeps;
	unsigned int next_poll;
	unsigned int next_sleep;
	bool armed;
	char log[1024];
};

static void
say(struct fake *f, const char *fmt, ...)
{
	size_t used = strlen(f->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->log + used, sizeof(f->log) - used, fmt, ap);
	va_end(ap);
}

static void
fake_arm(void *ctx, bool on)
{
	struct fake *f = ctx;

	f->armed = on;
	say(f, on ? "arm " : "disarm ");
}

static unsigned int
fake_poll(void *ctx)
{
	struct fake *f = ctx;
	unsigned int n = f->next_poll < f->nb_polls ? f->polls[f->next_poll] : 0;

	f->next_poll++;
	say(f, "poll=%u ", n);
	return n;
}

static int
fake_sleep(void *ctx, unsigned int timeout_us)
{
	struct fake *f = ctx;
	int r;

	/* A sleep on unarmed queues would never end. */
	assert_true(f->armed);
	assert_true(f->next_sleep < f->nb_sleeps);
	r = f->sleeps[f->next_sleep++];
	say(f, "sleep(%u)=%d ", timeout_us, r);
	return r;
}

static const struct notify_ops fake_ops = {
	.arm = fake_arm, .poll = fake_poll, .sleep = fake_sleep,
};

/* The same, scripted from the same list, for the poll of the queues that
 * cannot notify (worker.c: dp_poll_quiet). */
static unsigned int
fake_poll_quiet(void *ctx)
{
	struct fake *f = ctx;
	unsigned int n = f->next_poll < f->nb_polls ? f->polls[f->next_poll] : 0;

	f->next_poll++;
	say(f, "quiet=%u ", n);
	return n;
}

static const struct notify_ops quiet_ops = {
	.arm = fake_arm, .poll = fake_poll, .poll_quiet = fake_poll_quiet, .sleep = fake_sleep,
};

static struct fake fk;
static struct notify nt;

static void
setup_cap(uint64_t threshold, bool backoff, unsigned int backoff_max_us)
{
	memset(&fk, 0, sizeof(fk));
	memset(&nt, 0, sizeof(nt));
	notify_configure(&nt, threshold, backoff, backoff_max_us);
}

/* [daemon] idle-backoff-max-us's default. */
static void
setup(uint64_t threshold, bool backoff)
{
	setup_cap(threshold, backoff, 1000);
}

static unsigned int
after(unsigned int n, uint64_t now)
{
	return notify_after_poll(&nt, &fake_ops, &fk, n, now);
}

/* Poll mode: idle forever, never arms. */
static void
test_poll_never_sleeps(void **state)
{
	(void)state;
	setup(NOTIFY_NEVER, false);
	for (uint64_t t = 1; t < 100000; t += 1000)
		assert_int_equal(after(0, t), 0);
	assert_string_equal(fk.log, "");
	assert_int_equal(nt.switches, 0);
	assert_int_equal(nt.sleeps, 0);
}

/* Adaptive: idle counting, then arm -> recheck -> sleep -> wake -> poll -> disarm. */
static void
test_adaptive_cycle(void **state)
{
	(void)state;
	setup(100, false);
	fk.polls[0] = 0;		/* the recheck after arming */
	fk.polls[1] = 3;		/* after the wake-up: the guest's frames */
	fk.nb_polls = 2;
	fk.sleeps[0] = 1;		/* woken by a kick */
	fk.nb_sleeps = 1;

	assert_int_equal(after(0, 1000), 0);	/* idle clock starts */
	assert_int_equal(after(0, 1050), 0);
	assert_int_equal(after(0, 1099), 0);	/* 99 cycles: not yet */
	assert_string_equal(fk.log, "");
	assert_int_equal(after(0, 1100), 3);	/* 100: sleep, and what woke us */
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=1 poll=3 disarm ");
	assert_false(fk.armed);
	assert_int_equal(nt.switches, 1);
	assert_int_equal(nt.sleeps, 1);
	assert_int_equal(nt.wakeups, 1);
	assert_int_equal(nt.timeouts, 0);
	assert_int_equal(nt.rechecks, 0);

	/* Awake: a whole threshold of idleness again before the next sleep. */
	fk.log[0] = '\0';
	assert_int_equal(after(0, 1200), 0);
	assert_int_equal(after(0, 1299), 0);
	assert_string_equal(fk.log, "");
}

/* Traffic keeps the clock at zero: the gaps between bursts never add up. */
static void
test_busy_resets_idle_clock(void **state)
{
	(void)state;
	setup(100, false);
	for (uint64_t t = 1000; t < 100000; t += 60) {
		assert_int_equal(after(0, t), 0);	/* a 60-cycle gap ... */
		assert_int_equal(after(5, t + 30), 0);	/* ... then a burst */
	}
	assert_string_equal(fk.log, "");
	assert_int_equal(nt.switches, 0);
}

/* The race: a frame made available just before arming raised no kick;
 * the recheck finds it and the worker does not sleep. */
static void
test_recheck_finds_frames(void **state)
{
	(void)state;
	setup(0, false);
	fk.polls[0] = 2;
	fk.nb_polls = 1;
	assert_int_equal(after(0, 5), 2);
	assert_string_equal(fk.log, "arm poll=2 disarm ");
	assert_int_equal(nt.rechecks, 1);
	assert_int_equal(nt.sleeps, 0);
	assert_false(fk.armed);
}

/* Interrupt mode (threshold 0): the first idle poll arms. */
static void
test_interrupt_sleeps_at_once(void **state)
{
	(void)state;
	setup(0, false);
	fk.polls[1] = 1;
	fk.nb_polls = 2;
	fk.sleeps[0] = 1;
	fk.nb_sleeps = 1;
	assert_int_equal(after(0, 42), 1);
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=1 poll=1 disarm ");
}

/* A spurious wake-up (nothing to poll) sleeps again, still armed, re-arming
 * for devices whose interrupts fire once per enable. */
static void
test_spurious_wakeup(void **state)
{
	(void)state;
	setup(0, false);
	fk.polls[3] = 7;
	fk.nb_polls = 4;
	fk.sleeps[0] = 1;
	fk.sleeps[1] = 1;
	fk.sleeps[2] = 1;
	fk.nb_sleeps = 3;
	assert_int_equal(after(0, 1), 7);
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=1 poll=0 arm sleep(100000)=1 "
			    "poll=0 arm sleep(100000)=1 poll=7 disarm ");
	assert_int_equal(nt.switches, 1);
	assert_int_equal(nt.sleeps, 3);
	assert_int_equal(nt.wakeups, 3);
}

/* A queue that cannot notify: sleeps grow from the minimum to the cap. */
static void
test_backoff(void **state)
{
	(void)state;
	setup(0, true);
	for (int i = 0; i < 7; i++)
		fk.sleeps[i] = 0;	/* timed out */
	fk.sleeps[7] = 1;
	fk.nb_sleeps = 8;
	fk.polls[8] = 1;
	fk.nb_polls = 9;
	assert_int_equal(after(0, 1), 1);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 poll=0 arm sleep(100)=0 poll=0 arm "
			    "sleep(200)=0 poll=0 arm sleep(400)=0 poll=0 arm sleep(800)=0 poll=0 arm "
			    "sleep(1000)=0 poll=0 arm sleep(1000)=0 poll=0 arm sleep(1000)=1 poll=1 "
			    "disarm ");
	assert_int_equal(nt.timeouts, 7);
	assert_int_equal(nt.wakeups, 1);
	assert_int_equal(nt.sleeps, 8);

	/* The next sleep starts short again. */
	fk.log[0] = '\0';
	fk.next_poll = fk.nb_polls = 0;
	fk.next_sleep = 0;
	fk.sleeps[0] = 0;
	fk.sleeps[1] = 1;
	fk.polls[1] = 4;
	fk.nb_polls = 2;
	assert_int_equal(after(0, 2), 4);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 poll=4 disarm ");
}

/*
 * With a quiet poll: a timed wake-up polls only the queues that cannot
 * notify, until NOTIFY_SAFETY_US of timed sleeps have passed since the last
 * full poll (50 .. 25600 doubling is 51150 us, then one sleep of the 50000
 * cap: past 100000, a full poll).  A wake-up by an event polls everything,
 * and so does a quiet poll's caller once it finds frames.
 */
static void
test_backoff_quiet(void **state)
{
	(void)state;
	setup_cap(0, true, 50000);
	for (int i = 0; i < 11; i++)
		fk.sleeps[i] = 0;	/* timed out */
	fk.sleeps[11] = 1;
	fk.nb_sleeps = 12;
	fk.polls[12] = 2;
	fk.nb_polls = 13;
	assert_int_equal(notify_after_poll(&nt, &quiet_ops, &fk, 0, 1), 2);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 quiet=0 arm sleep(100)=0 quiet=0 arm "
			    "sleep(200)=0 quiet=0 arm sleep(400)=0 quiet=0 arm sleep(800)=0 quiet=0 "
			    "arm sleep(1600)=0 quiet=0 arm sleep(3200)=0 quiet=0 arm "
			    "sleep(6400)=0 quiet=0 arm sleep(12800)=0 quiet=0 arm "
			    "sleep(25600)=0 quiet=0 arm sleep(50000)=0 poll=0 arm "
			    "sleep(50000)=1 poll=2 disarm ");
	assert_int_equal(nt.quiet_polls, 10);
	assert_int_equal(nt.timeouts, 11);
	assert_int_equal(nt.wakeups, 1);

	/* Frames from a queue that cannot notify end the sleep. */
	setup(0, true);
	fk.sleeps[0] = 0;
	fk.nb_sleeps = 1;
	fk.polls[1] = 3;
	fk.nb_polls = 2;
	assert_int_equal(notify_after_poll(&nt, &quiet_ops, &fk, 0, 1), 3);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 quiet=3 disarm ");
	assert_int_equal(nt.quiet_polls, 1);

	/* Without back-off every sleep is NOTIFY_SAFETY_US long: each timed
	 * wake-up polls everything, as before. */
	setup(0, false);
	fk.sleeps[0] = 0;
	fk.nb_sleeps = 1;
	fk.polls[1] = 1;
	fk.nb_polls = 2;
	assert_int_equal(notify_after_poll(&nt, &quiet_ops, &fk, 0, 1), 1);
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=0 poll=1 disarm ");
	assert_int_equal(nt.quiet_polls, 0);
}

/* Another cap: it ends the doubling, even between two powers of two; the
 * smallest cap sleeps the minimum every time. */
static void
test_backoff_cap(void **state)
{
	(void)state;
	setup_cap(0, true, 300);
	for (int i = 0; i < 5; i++)
		fk.sleeps[i] = 0;	/* timed out */
	fk.sleeps[5] = 1;
	fk.nb_sleeps = 6;
	fk.polls[6] = 2;
	fk.nb_polls = 7;
	assert_int_equal(after(0, 1), 2);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 poll=0 arm sleep(100)=0 poll=0 arm "
			    "sleep(200)=0 poll=0 arm sleep(300)=0 poll=0 arm sleep(300)=0 poll=0 arm "
			    "sleep(300)=1 poll=2 disarm ");
	assert_int_equal(nt.timeouts, 5);

	setup_cap(0, true, NOTIFY_BACKOFF_MIN_US);
	fk.sleeps[0] = fk.sleeps[1] = 0;
	fk.sleeps[2] = 1;
	fk.nb_sleeps = 3;
	fk.polls[3] = 1;
	fk.nb_polls = 4;
	assert_int_equal(after(0, 1), 1);
	assert_string_equal(fk.log, "arm poll=0 sleep(50)=0 poll=0 arm sleep(50)=0 poll=0 arm "
			    "sleep(50)=1 poll=1 disarm ");
}

/* A new list (or stop) before sleeping: no sleep, the armed queues are
 * disarmed while the list is still ours. */
static void
test_nosleep_disarms(void **state)
{
	(void)state;
	setup(0, false);
	fk.sleeps[0] = NOTIFY_NOSLEEP;
	fk.nb_sleeps = 1;
	assert_int_equal(after(0, 1), 0);
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=-1 disarm ");
	assert_int_equal(nt.sleeps, 0);
	assert_false(fk.armed);
	assert_int_equal(nt.idle_since, 0);
}

/* A new list published while asleep: the old one may be freed, so it is
 * neither polled nor disarmed (the new list's first poll disables kicks). */
static void
test_stale_list_untouched(void **state)
{
	(void)state;
	setup(0, false);
	fk.sleeps[0] = NOTIFY_STALE;
	fk.nb_sleeps = 1;
	assert_int_equal(after(0, 1), 0);
	assert_string_equal(fk.log, "arm poll=0 sleep(100000)=-2 ");
	assert_int_equal(nt.sleeps, 0);
	assert_int_equal(nt.idle_since, 0);
}

/* A new list: a new threshold, the idle clock restarts. */
static void
test_configure(void **state)
{
	(void)state;
	setup(100, false);
	assert_int_equal(after(0, 1000), 0);
	notify_configure(&nt, NOTIFY_NEVER, false, 1000);
	assert_int_equal(nt.idle_since, 0);
	assert_int_equal(after(0, 5000), 0);
	assert_string_equal(fk.log, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_never_sleeps),
		cmocka_unit_test(test_adaptive_cycle),
		cmocka_unit_test(test_busy_resets_idle_clock),
		cmocka_unit_test(test_recheck_finds_frames),
		cmocka_unit_test(test_interrupt_sleeps_at_once),
		cmocka_unit_test(test_spurious_wakeup),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_backoff_cap),
		cmocka_unit_test(test_backoff_quiet),
		cmocka_unit_test(test_nosleep_disarms),
		cmocka_unit_test(test_stale_list_untouched),
		cmocka_unit_test(test_configure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
