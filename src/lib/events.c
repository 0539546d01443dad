/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A guest's flight recorder (include/vhostd/events.h).  The ring is written
 * by librte_vhost's callback threads and the main thread and read by the
 * main thread, under the ring's own mutex: held for a copy, never across
 * I/O, and never taken by a worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vhostd/events.h"

#define DIM(a)	(sizeof(a) / sizeof((a)[0]))

/* The one table of kinds: their names and their arguments' names, for the
 * JSON view, the text view, the saved file and docs/operations.md. */
static const struct {
	const char *name;
	const char *args[EVENTS_NB_ARGS];	/* NULL: unused */
	uint8_t hex;				/* arg bits shown as 0x... */
	uint8_t flag;				/* arg bits shown as true/false */
} kinds[EV_NB_KINDS] = {
	[EV_CONNECT] = { "connect", { "vid" }, 0, 0 },
	[EV_DISCONNECT] = { "disconnect", { "vid" }, 0, 0 },
	[EV_DEVICE_READY] = { "device-ready", { "vid", "vrings" }, 0, 0 },
	[EV_DEVICE_STOPPED] = { "device-stopped", { "vid" }, 0, 0 },
	[EV_FEATURES_OFFERED] = { "features-offered", { "features" }, 1, 0 },
	[EV_FEATURES_SET] = { "features-set", { "features" }, 1, 0 },
	[EV_MEM_TABLE] = { "mem-table", { "regions", "bytes" }, 0, 0 },
	[EV_VRING_ENABLE] = { "vring-enable", { "vring" }, 0, 0 },
	[EV_VRING_DISABLE] = { "vring-disable", { "vring" }, 0, 0 },
	[EV_KICK_FD] = { "kick-fd", { "vring", "fd" }, 0, 2 },
	[EV_CALL_FD] = { "call-fd", { "vring", "fd" }, 0, 2 },
	[EV_DIRTY_LOG_START] = { "dirty-log-start", { "features" }, 1, 0 },
	[EV_DIRTY_LOG_BASE] = { "dirty-log-base", { "bytes", "offset" }, 0, 0 },
	[EV_DIRTY_LOG_STOP] = { "dirty-log-stop", { "features" }, 1, 0 },
	[EV_REFUSED] = { "refused", { "request" }, 0, 0 },
	[EV_RATE_LIMITED] = { "rate-limited", { "drops" }, 0, 0 },
	[EV_QUEUE_MOVE] = { "queue-move", { "queue", "from", "to" }, 0, 0 },
	[EV_RESTART] = { "restart", { NULL }, 0, 0 },
};

void
events_init(struct events *e)
{
	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
}

void
events_reset(struct events *e)
{
	pthread_mutex_lock(&e->lock);
	e->next = e->first = 0;
	pthread_mutex_unlock(&e->lock);
}

void
events_fini(struct events *e)
{
	pthread_mutex_destroy(&e->lock);
}

const char *
events_kind_name(enum event_kind kind)
{
	return (unsigned int)kind < EV_NB_KINDS ? kinds[kind].name : "unknown";
}

int
events_kind_parse(const char *name)
{
	for (unsigned int k = 0; name != NULL && k < EV_NB_KINDS; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (int)k;
	return -1;
}

static int64_t
clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
events_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* Caller holds e->lock. */
static void
push(struct events *e, const struct event *ev)
{
	struct event *slot = &e->ring[e->next % EVENTS_RING];

	*slot = *ev;
	slot->seq = e->next++;
}

void
events_add_at(struct events *e, enum event_kind kind, int64_t real_ns, uint64_t mono_ns,
	      const uint64_t arg[EVENTS_NB_ARGS], const char *text)
{
	struct event ev = { .real_ns = real_ns, .mono_ns = mono_ns, .kind = kind };

	memcpy(ev.arg, arg, sizeof(ev.arg));
	if (text != NULL)
		snprintf(ev.text, sizeof(ev.text), "%s", text);
	pthread_mutex_lock(&e->lock);
	push(e, &ev);
	pthread_mutex_unlock(&e->lock);
}

void
events_add(struct events *e, enum event_kind kind, uint64_t a0, uint64_t a1, uint64_t a2,
	   const char *text)
{
	const uint64_t arg[EVENTS_NB_ARGS] = { a0, a1, a2 };

	events_add_at(e, kind, clock_ns(CLOCK_REALTIME), (uint64_t)clock_ns(CLOCK_MONOTONIC), arg,
		      text);
}

/* Oldest kept seq.  Caller holds e->lock. */
static uint64_t
oldest(const struct events *e)
{
	uint64_t lo = e->next > EVENTS_RING ? e->next - EVENTS_RING : 0;

	return lo > e->first ? lo : e->first;
}

void
events_format_time(int64_t real_ns, char *buf, size_t len)
{
	time_t s = (time_t)(real_ns / 1000000000);
	struct tm tm;
	char day[32];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ldZ", day, (long)(real_ns % 1000000000) / 1000);
}

void
events_format_details(const struct event *ev, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if ((unsigned int)ev->kind >= EV_NB_KINDS)
		return;
	for (unsigned int a = 0; a < EVENTS_NB_ARGS && kinds[ev->kind].args[a] != NULL; a++) {
		const char *sep = off ? " " : "";
		int n;

		if (kinds[ev->kind].hex & (1u << a))
			n = snprintf(buf + off, len - off, "%s%s=0x%016" PRIx64, sep,
				     kinds[ev->kind].args[a], ev->arg[a]);
		else if (kinds[ev->kind].flag & (1u << a))
			n = snprintf(buf + off, len - off, "%s%s=%s", sep, kinds[ev->kind].args[a],
				     ev->arg[a] ? "yes" : "no");
		else
			n = snprintf(buf + off, len - off, "%s%s=%" PRIu64, sep,
				     kinds[ev->kind].args[a], ev->arg[a]);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (ev->text[0] != '\0')
		snprintf(buf + off, len - off, "%sreason=\"%s\"", off ? " " : "", ev->text);
}

static json_t *
event_json(const struct event *ev)
{
	char when[48], hex[24];
	json_t *j;

	events_format_time(ev->real_ns, when, sizeof(when));
	j = json_pack("{s:I, s:s, s:I, s:s}", "seq", (json_int_t)ev->seq, "time", when, "ts_ns",
		      (json_int_t)ev->real_ns, "kind", events_kind_name(ev->kind));
	if (j == NULL)
		return NULL;
	for (unsigned int a = 0; a < EVENTS_NB_ARGS && kinds[ev->kind].args[a] != NULL; a++) {
		json_t *v;

		if (kinds[ev->kind].hex & (1u << a)) {
			snprintf(hex, sizeof(hex), "0x%016" PRIx64, ev->arg[a]);
			v = json_string(hex);
		} else if (kinds[ev->kind].flag & (1u << a)) {
			v = json_boolean(ev->arg[a] != 0);
		} else {
			v = json_integer((json_int_t)ev->arg[a]);
		}
		json_object_set_new(j, kinds[ev->kind].args[a], v);
	}
	if (ev->text[0] != '\0')
		json_object_set_new(j, "reason", json_string(ev->text));
	return j;
}

/* A copy of the kept events, oldest first; *n of them.  Caller frees. */
static struct event *
snapshot(struct events *e, unsigned int *n, uint64_t *dropped)
{
	struct event *copy = malloc(sizeof(*copy) * EVENTS_RING);
	uint64_t lo;

	*n = 0;
	if (copy == NULL)
		return NULL;
	pthread_mutex_lock(&e->lock);
	lo = oldest(e);
	*dropped = lo;
	for (uint64_t s = lo; s < e->next; s++)
		copy[(*n)++] = e->ring[s % EVENTS_RING];
	pthread_mutex_unlock(&e->lock);
	return copy;
}

json_t *
events_json(struct events *e, int64_t since_ns)
{
	unsigned int n;
	uint64_t dropped;
	struct event *copy = snapshot(e, &n, &dropped);
	json_t *list = json_array();

	if (copy == NULL || list == NULL) {
		free(copy);
		json_decref(list);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		if (copy[i].real_ns >= since_ns)
			json_array_append_new(list, event_json(&copy[i]));
	free(copy);
	return json_pack("{s:I, s:o}", "dropped", (json_int_t)dropped, "events", list);
}

void
events_print(struct events *e, FILE *f, const char *prefix, unsigned int last)
{
	unsigned int n;
	uint64_t dropped;
	struct event *copy = snapshot(e, &n, &dropped);

	if (copy == NULL)
		return;
	if (dropped != 0 || n > last)
		fprintf(f, "%s %" PRIu64 " older events not shown\n", prefix,
			dropped + (n > last ? n - last : 0));
	for (unsigned int i = n > last ? n - last : 0; i < n; i++) {
		char when[48], details[160];

		events_format_time(copy[i].real_ns, when, sizeof(when));
		events_format_details(&copy[i], details, sizeof(details));
		fprintf(f, "%s %s %s%s%s\n", prefix, when, events_kind_name(copy[i].kind),
			details[0] ? " " : "", details);
	}
	free(copy);
}

/* A saved event back into ev; -EINVAL with err. */
static int
event_parse(const json_t *j, struct event *ev, char *err, size_t errlen)
{
	json_t *seq = json_object_get(j, "seq"), *ts = json_object_get(j, "ts_ns");
	const char *reason = json_string_value(json_object_get(j, "reason"));
	int kind = events_kind_parse(json_string_value(json_object_get(j, "kind")));

	memset(ev, 0, sizeof(*ev));
	if (kind < 0 || !json_is_integer(seq) || !json_is_integer(ts) || json_integer_value(seq) < 0) {
		snprintf(err, errlen, "an event without a known kind, seq or ts_ns");
		return -EINVAL;
	}
	ev->kind = (enum event_kind)kind;
	ev->seq = (uint64_t)json_integer_value(seq);
	ev->real_ns = json_integer_value(ts);
	for (unsigned int a = 0; a < EVENTS_NB_ARGS && kinds[kind].args[a] != NULL; a++) {
		json_t *v = json_object_get(j, kinds[kind].args[a]);
		const char *s = json_string_value(v);
		char *end;

		if (json_is_integer(v)) {
			ev->arg[a] = (uint64_t)json_integer_value(v);
		} else if (json_is_boolean(v)) {
			ev->arg[a] = json_is_true(v);
		} else if (s != NULL && strncmp(s, "0x", 2) == 0) {
			errno = 0;
			ev->arg[a] = strtoull(s, &end, 16);
			if (errno != 0 || *end != '\0') {
				snprintf(err, errlen, "%s event: bad %s", kinds[kind].name,
					 kinds[kind].args[a]);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "%s event without %s", kinds[kind].name,
				 kinds[kind].args[a]);
			return -EINVAL;
		}
	}
	if (reason != NULL)
		snprintf(ev->text, sizeof(ev->text), "%s", reason);
	return 0;
}

int
events_restore(struct events *e, const json_t *saved, char *err, size_t errlen)
{
	json_t *list = json_object_get(saved, "events"), *v;
	struct event *old, *now;
	unsigned int nb_old, nb_now;
	uint64_t dropped_now, last_seq = 0;
	size_t i;
	int ret = 0;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "no \"events\" list");
		return -EINVAL;
	}
	/* Only the newest EVENTS_RING - 1 fit beside the restart marker. */
	nb_old = 0;
	old = malloc(sizeof(*old) * EVENTS_RING);
	if (old == NULL)
		return -ENOMEM;
	json_array_foreach(list, i, v) {
		struct event ev;

		ret = event_parse(v, &ev, err, errlen);
		if (ret == 0 && i > 0 && ev.seq <= last_seq) {
			snprintf(err, errlen, "events out of order (seq %" PRIu64 ")", ev.seq);
			ret = -EINVAL;
		}
		if (ret != 0)
			goto out;
		last_seq = ev.seq;
		if (json_array_size(list) - i < EVENTS_RING)
			old[nb_old++] = ev;
	}
	now = snapshot(e, &nb_now, &dropped_now);
	if (now == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&e->lock);
	/* Numbered on from the oldest saved one: what the last run dropped
	 * stays counted; the restart and what came since follow. */
	e->first = nb_old != 0 ? old[0].seq : 0;
	e->next = e->first;
	for (unsigned int k = 0; k < nb_old; k++)
		push(e, &old[k]);
	{
		struct event mark = { .kind = EV_RESTART, .real_ns = nb_now ? now[0].real_ns
									      : clock_ns(CLOCK_REALTIME),
				      .mono_ns = (uint64_t)clock_ns(CLOCK_MONOTONIC) };

		push(e, &mark);
	}
	for (unsigned int k = 0; k < nb_now; k++)
		push(e, &now[k]);
	pthread_mutex_unlock(&e->lock);
	free(now);
out:
	free(old);
	return ret;
}
