/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend's own counters around an NDR/PDR trial, to say where the
 * frames the generator missed were lost.  vhostd only, through its control
 * socket's "stats" (docs/control-protocol.md), with vhostctl's socket code;
 * testpmd and OVS keep their counters to themselves here (tools/bench
 * reads them around a whole run).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "vhostctl.h"

#define BACKEND_TIMEOUT_MS 2000

json_t *
backend_stats(const char *path, char *err, size_t errlen)
{
	static const char req[] = "{\"cmd\":\"stats\"}\n";
	struct vctl_conn c;
	json_t *answer, *result = NULL;
	json_error_t jerr;
	char *reply = NULL;
	size_t len;
	int ret;

	ret = vctl_connect(&c, path, BACKEND_TIMEOUT_MS);
	if (ret == 0)
		ret = vctl_transact(&c, req, sizeof(req) - 1, VCTL_MAX_REPLY, &reply, &len);
	vctl_close(&c);
	if (ret != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return NULL;
	}
	answer = json_loadb(reply, len, 0, &jerr);
	free(reply);
	if (answer == NULL || !json_is_true(json_object_get(answer, "ok")) ||
	    !json_is_object(json_object_get(answer, "result"))) {
		snprintf(err, errlen, "%s: the stats answer is not "
			 "{\"ok\": true, \"result\": {...}}", path);
		json_decref(answer);
		return NULL;
	}
	result = json_incref(json_object_get(answer, "result"));
	json_decref(answer);
	return result;
}

static json_int_t
delta(const json_t *before, const json_t *after, const char *key)
{
	return json_integer_value(json_object_get(after, key)) -
	       json_integer_value(json_object_get(before, key));
}

/* One guest's or uplink's packets and non-zero drops over the trial; adds
 * the drops to *total. */
static json_t *
where_one(const json_t *before, const json_t *after, json_int_t *total)
{
	const json_t *b = json_object_get(before, "total"), *a = json_object_get(after, "total");
	const json_t *bd = json_object_get(b, "drops"), *ad = json_object_get(a, "drops");
	json_t *out = json_object(), *drops = json_object();
	const char *reason;
	json_t *v;

	json_object_set_new(out, "rx_pkts", json_integer(delta(b, a, "rx_pkts")));
	json_object_set_new(out, "tx_pkts", json_integer(delta(b, a, "tx_pkts")));
	json_object_foreach((json_t *)ad, reason, v) {
		json_int_t d = json_integer_value(v) -
			       json_integer_value(json_object_get(bd, reason));

		if (d == 0)
			continue;
		json_object_set_new(drops, reason, json_integer(d));
		*total += d;
	}
	json_object_set_new(out, "drops", drops);
	return out;
}

char *
backend_where(const json_t *before, const json_t *after, uint64_t lost)
{
	static const char *const kinds[] = { "guests", "uplinks" };
	json_t *out = json_object(), *vd = json_object();
	json_int_t total = 0;
	char *text;

	for (size_t k = 0; k < 2; k++) {
		const json_t *bk = json_object_get(before, kinds[k]);
		json_t *ak = json_object_get(after, kinds[k]), *list = json_object(), *v;
		const char *name;

		/* Only what existed on both sides: a guest added mid-trial has
		 * no baseline. */
		json_object_foreach(ak, name, v) {
			const json_t *bv = json_object_get(bk, name);

			if (bv != NULL)
				json_object_set_new(list, name, where_one(bv, v, &total));
		}
		json_object_set_new(vd, kinds[k], list);
	}
	json_object_set_new(vd, "drops", json_integer(total));
	/* Lost end to end but counted by no drop reason: lost in the
	 * generator's own rings, or beyond the backend. */
	json_object_set_new(vd, "unaccounted", json_integer((json_int_t)lost - total));
	json_object_set_new(out, "vhostd", vd);
	text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(out);
	return text;
}
