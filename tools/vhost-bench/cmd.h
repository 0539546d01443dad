/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VHOST_BENCH_CMD_H
#define VHOST_BENCH_CMD_H

/*
 * The command language of vhost-bench, shared by batch mode (arguments, -f
 * FILE) and the interactive console: one table, one parser, no EAL.  The
 * console, the help text and the unit tests all read cmd_table[].
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Frame sizes: no FCS (virtio carries none).  60 is the Ethernet minimum
 * without FCS; 2048 is one default mbuf's data room (single segment). */
#define CMD_PKTLEN_MIN 60
#define CMD_PKTLEN_MAX 2048
#define CMD_BURST_MAX 256
#define CMD_RATE_MAX 1000.0		/* Mpps */
#define CMD_SLEEP_MAX 86400.0		/* seconds */
#define CMD_TRIAL_MAX 3600.0		/* seconds */
#define CMD_LINE_MAX 256

enum cmd_op {
	CMD_NONE,			/* blank line or comment */
	CMD_SET_PKTLEN,
	CMD_SET_BURST,
	CMD_SET_RATE,
	CMD_SET_DSTMAC,
	CMD_SET_TRIAL,
	CMD_SET_RESOLUTION,
	CMD_START,
	CMD_STOP,
	CMD_NDR,
	CMD_PDR,
	CMD_SHOW_STATS,
	CMD_SHOW_LATENCY,
	CMD_SHOW_CONFIG,
	CMD_CLEAR_STATS,
	CMD_SLEEP,
	CMD_HELP,
	CMD_QUIT,
};

enum bench_mode {
	MODE_TXONLY,
	MODE_RXONLY,
	MODE_LOOPBACK,
	MODE_LATENCY,
	MODE_MAX,
};

extern const char *const cmd_mode_names[MODE_MAX];

enum cmd_arg {
	ARG_NONE,
	ARG_UINT,			/* decimal, min..max */
	ARG_DOUBLE,			/* decimal fraction, 0..dmax */
	ARG_MODE,			/* a cmd_mode_names[] entry */
	ARG_MAC,			/* xx:xx:xx:xx:xx:xx, "self" or "peer" */
};

struct cmd_def {
	const char *words;		/* "set pktlen": keyword(s) before the argument */
	enum cmd_op op;
	enum cmd_arg arg;
	uint32_t min, max;		/* ARG_UINT; ARG_DOUBLE: min 1 refuses 0 */
	double dmax;			/* ARG_DOUBLE */
	const char *usage;
	const char *help;
};

extern const struct cmd_def cmd_table[];
extern const unsigned int cmd_table_len;

struct cmd {
	enum cmd_op op;
	uint32_t u;			/* pktlen, burst */
	double d;			/* rate (Mpps, 0 = unlimited), sleep (s), loss (%) */
	enum bench_mode mode;
	bool mac_self;			/* dstmac self: each guest's own MAC */
	bool mac_peer;			/* dstmac peer: the next guest's MAC */
	uint8_t mac[6];
};

/* Parse one command.  Text after '#' is a comment; a blank line gives
 * CMD_NONE.  Returns 0, or -EINVAL with a one-line reason in err. */
int cmd_parse(const char *line, struct cmd *out, char *err, size_t errlen);

/* Split text into commands: one per line, and lines at ';'; '#' starts a
 * comment to the end of its line.  Calls fn for each non-blank piece, stops
 * at the first non-zero return and returns it. */
int cmd_split(const char *text, int (*fn)(const char *piece, void *arg), void *arg);

/* "52:54:00:12:34:56" -> bytes; false if malformed. */
bool cmd_parse_mac(const char *s, uint8_t mac[6]);

/* The first word of every command, each once ("set", "start", ...), in
 * table order: for the console's completion.  Returns how many. */
unsigned int cmd_keywords(const char **out, unsigned int max);

void cmd_help(FILE *f);

#endif
