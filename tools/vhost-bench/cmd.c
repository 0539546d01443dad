/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command table and parser (pure C).  A command is one or two keywords and
 * at most one argument; the whole line is checked before anything runs, so a
 * bad command changes nothing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char *const cmd_mode_names[MODE_MAX] = {
	[MODE_TXONLY] = "txonly",
	[MODE_RXONLY] = "rxonly",
	[MODE_LOOPBACK] = "loopback",
	[MODE_LATENCY] = "latency",
};

const struct cmd_def cmd_table[] = {
	{ "set pktlen", CMD_SET_PKTLEN, ARG_UINT, CMD_PKTLEN_MIN, CMD_PKTLEN_MAX, 0,
	  "set pktlen BYTES", "frame length without FCS (60 to 2048)" },
	{ "set burst", CMD_SET_BURST, ARG_UINT, 1, CMD_BURST_MAX, 0,
	  "set burst N", "frames per TX/RX burst call (1 to 256)" },
	{ "set rate", CMD_SET_RATE, ARG_DOUBLE, 0, 0, CMD_RATE_MAX,
	  "set rate MPPS", "offered load over all TX queues in Mpps; 0: as fast as possible" },
	{ "set dstmac", CMD_SET_DSTMAC, ARG_MAC, 0, 0, 0,
	  "set dstmac MAC|self|peer", "destination MAC of generated frames; self: the guest's "
	  "own; peer: the next guest's (g0 -> g1 -> ... -> g0: VM-to-VM through the backend)" },
	{ "set trial", CMD_SET_TRIAL, ARG_DOUBLE, 1, 0, CMD_TRIAL_MAX,
	  "set trial SECONDS", "length of each NDR/PDR trial (default 1)" },
	{ "set resolution", CMD_SET_RESOLUTION, ARG_DOUBLE, 1, 0, CMD_RATE_MAX,
	  "set resolution MPPS", "NDR/PDR search stops this close to the rate (default 0.01)" },
	{ "start", CMD_START, ARG_MODE, 0, 0, 0,
	  "start txonly|rxonly|loopback|latency", "start forwarding in a mode" },
	{ "stop", CMD_STOP, ARG_NONE, 0, 0, 0,
	  "stop", "stop forwarding (counters are kept)" },
	{ "ndr", CMD_NDR, ARG_NONE, 0, 0, 0,
	  "ndr", "search the highest loopback rate without loss, up to 'set rate'" },
	{ "pdr", CMD_PDR, ARG_DOUBLE, 1, 0, 99.999,
	  "pdr LOSS%", "search the highest loopback rate losing at most LOSS % of frames" },
	{ "show stats", CMD_SHOW_STATS, ARG_NONE, 0, 0, 0,
	  "show stats", "packets and rates per guest since start or clear" },
	{ "show latency", CMD_SHOW_LATENCY, ARG_NONE, 0, 0, 0,
	  "show latency", "round-trip latency percentiles (latency mode)" },
	{ "show config", CMD_SHOW_CONFIG, ARG_NONE, 0, 0, 0,
	  "show config", "guests, lcores and the current settings" },
	{ "clear stats", CMD_CLEAR_STATS, ARG_NONE, 0, 0, 0,
	  "clear stats", "restart counters, rates and latency from now" },
	{ "sleep", CMD_SLEEP, ARG_DOUBLE, 0, 0, CMD_SLEEP_MAX,
	  "sleep SECONDS", "wait (with a progress line while running)" },
	{ "help", CMD_HELP, ARG_NONE, 0, 0, 0,
	  "help", "this list" },
	{ "quit", CMD_QUIT, ARG_NONE, 0, 0, 0,
	  "quit", "stop, print the final report and exit" },
};
const unsigned int cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);

#define MAX_TOKENS 4

/* Copies line (minus its comment) into buf and cuts it into tokens. */
static unsigned int
tokenize(const char *line, char *buf, size_t len, char **tok)
{
	unsigned int n = 0;
	char *save = NULL;

	snprintf(buf, len, "%s", line);
	buf[strcspn(buf, "#\r\n")] = '\0';
	for (char *t = strtok_r(buf, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_TOKENS)
			return MAX_TOKENS + 1;	/* too many: reported by the caller */
		tok[n++] = t;
	}
	return n;
}

/* Number of leading tokens def->words matches, 0 if it does not. */
static unsigned int
match_words(const struct cmd_def *def, char **tok, unsigned int n)
{
	char words[64], *save = NULL;
	unsigned int i = 0;

	snprintf(words, sizeof(words), "%s", def->words);
	for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (i >= n || strcmp(w, tok[i]) != 0)
			return 0;
		i++;
	}
	return i;
}

bool
cmd_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int end = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != 6 || s[end] != '\0' || end != 17)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

static int
parse_arg(const struct cmd_def *def, const char *a, struct cmd *out, char *err, size_t errlen)
{
	char *end;

	switch (def->arg) {
	case ARG_UINT: {
		unsigned long long v;

		errno = 0;
		v = strtoull(a, &end, 10);
		if (a[0] < '0' || a[0] > '9' || *end != '\0' || errno != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number (expected %u to %u)",
				 def->words, a, def->min, def->max);
			return -EINVAL;
		}
		if (v < def->min || v > def->max) {
			snprintf(err, errlen, "%s: %s is out of range (expected %u to %u)",
				 def->words, a, def->min, def->max);
			return -EINVAL;
		}
		out->u = (uint32_t)v;
		return 0;
	}
	case ARG_DOUBLE: {
		double v;

		/* Plain decimals only: no sign, exponent, hex, inf or nan. */
		if (a[0] == '\0' || strspn(a, "0123456789.") != strlen(a) ||
		    strchr(a, '.') != strrchr(a, '.') || strcmp(a, ".") == 0) {
			snprintf(err, errlen, "%s: '%s' is not a number (expected 0 to %g)",
				 def->words, a, def->dmax);
			return -EINVAL;
		}
		v = strtod(a, &end);
		if (*end != '\0' || !isfinite(v) || v > def->dmax || (def->min != 0 && v == 0)) {
			snprintf(err, errlen, "%s: %s is out of range (expected %s to %g)",
				 def->words, a, def->min != 0 ? "more than 0, up" : "0", def->dmax);
			return -EINVAL;
		}
		out->d = v;
		return 0;
	}
	case ARG_MODE:
		for (int m = 0; m < MODE_MAX; m++)
			if (strcmp(a, cmd_mode_names[m]) == 0) {
				out->mode = (enum bench_mode)m;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not a mode (expected txonly, rxonly, "
			 "loopback or latency)", def->words, a);
		return -EINVAL;
	case ARG_MAC:
		if (strcmp(a, "self") == 0) {
			out->mac_self = true;
			return 0;
		}
		if (strcmp(a, "peer") == 0) {
			out->mac_peer = true;
			return 0;
		}
		if (!cmd_parse_mac(a, out->mac)) {
			snprintf(err, errlen, "%s: '%s' is not a MAC address (expected six hex "
				 "octets like 02:00:00:00:00:01, self or peer)", def->words, a);
			return -EINVAL;
		}
		return 0;
	case ARG_NONE:
		break;
	}
	return 0;
}

/* "set: expected one of: pktlen, burst, ..." for a known first word. */
static int
incomplete(char **tok, unsigned int n, char *err, size_t errlen)
{
	size_t used = 0;
	bool known = false;

	used += (size_t)snprintf(err, errlen, "%s: expected one of:", tok[0]);
	for (unsigned int i = 0; i < cmd_table_len && used < errlen; i++) {
		const char *w = cmd_table[i].words, *sp = strchr(w, ' ');

		if (sp == NULL || (size_t)(sp - w) != strlen(tok[0]) ||
		    strncmp(w, tok[0], (size_t)(sp - w)) != 0)
			continue;
		used += (size_t)snprintf(err + used, errlen - used, "%s %s", known ? "," : "",
					 sp + 1);
		known = true;
	}
	if (!known)
		snprintf(err, errlen, "unknown command '%s' (try 'help')", tok[0]);
	else if (n > 1 && used < errlen)
		snprintf(err + used, errlen - used, " (not '%s')", tok[1]);
	return -EINVAL;
}

int
cmd_parse(const char *line, struct cmd *out, char *err, size_t errlen)
{
	char buf[CMD_LINE_MAX + 1], *tok[MAX_TOKENS];
	unsigned int n;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (strlen(line) > CMD_LINE_MAX) {
		snprintf(err, errlen, "line too long (more than %d characters)", CMD_LINE_MAX);
		return -EINVAL;
	}
	n = tokenize(line, buf, sizeof(buf), tok);
	if (n == 0) {
		out->op = CMD_NONE;
		return 0;
	}
	if (n > MAX_TOKENS) {
		snprintf(err, errlen, "%s: too many words", tok[0]);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < cmd_table_len; i++) {
		const struct cmd_def *def = &cmd_table[i];
		unsigned int w = match_words(def, tok, n);
		unsigned int want = def->arg == ARG_NONE ? 0 : 1;

		if (w == 0)
			continue;
		if (n - w < want) {
			snprintf(err, errlen, "%s: missing argument (usage: %s)", def->words,
				 def->usage);
			return -EINVAL;
		}
		if (n - w > want) {
			snprintf(err, errlen, "%s: unexpected '%s' (usage: %s)", def->words,
				 tok[w + want], def->usage);
			return -EINVAL;
		}
		if (want != 0 && parse_arg(def, tok[w], out, err, errlen) != 0)
			return -EINVAL;
		out->op = def->op;
		return 0;
	}
	return incomplete(tok, n, err, errlen);
}

/* Calls fn for each ';'-separated piece of one line (comment removed). */
static int
split_line(const char *p, size_t len, int (*fn)(const char *piece, void *arg), void *arg)
{
	const char *end = p + len;

	while (p < end) {
		size_t n = strcspn(p, ";\n");
		char piece[CMD_LINE_MAX + 2];
		int ret;

		if (p + n > end)
			n = (size_t)(end - p);
		/* Longer than a line: pass a piece that still fails the length
		 * check, never a silently shortened command. */
		snprintf(piece, sizeof(piece), "%.*s", (int)(n > CMD_LINE_MAX + 1 ?
							   CMD_LINE_MAX + 1 : n), p);
		if (piece[strspn(piece, " \t\r")] != '\0') {
			ret = fn(piece, arg);
			if (ret != 0)
				return ret;
		}
		p += n + 1;
	}
	return 0;
}

int
cmd_split(const char *text, int (*fn)(const char *piece, void *arg), void *arg)
{
	const char *p = text;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		size_t code = strcspn(p, "#\n");	/* a comment may contain ';' */
		int ret;

		ret = split_line(p, code < len ? code : len, fn, arg);
		if (ret != 0)
			return ret;
		p += len;
		if (*p != '\0')
			p++;
	}
	return 0;
}

unsigned int
cmd_keywords(const char **out, unsigned int max)
{
	static char words[sizeof(cmd_table) / sizeof(cmd_table[0])][16];
	unsigned int n = 0;

	for (unsigned int i = 0; i < cmd_table_len && n < max; i++) {
		const char *w = cmd_table[i].words;
		size_t len = strcspn(w, " ");
		bool seen = false;

		for (unsigned int j = 0; j < n; j++)
			seen |= strlen(out[j]) == len && strncmp(out[j], w, len) == 0;
		if (seen)
			continue;
		snprintf(words[n], sizeof(words[n]), "%.*s", (int)len, w);
		out[n] = words[n];
		n++;
	}
	return n;
}

void
cmd_help(FILE *f)
{
	for (unsigned int i = 0; i < cmd_table_len; i++)
		fprintf(f, "  %-38s %s\n", cmd_table[i].usage, cmd_table[i].help);
}
