/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command table: CLI words -> protocol command, arguments, printer.
 * One generic parser reads every command line against its entry, so usage
 * text, parsing and the man page's list come from one place.
 *
 * Values are checked here only as far as the command line needs (a number
 * is a number, "stats" takes guest or uplink); names, MACs, paths and
 * ranges are vhostd's to judge, so the rules and messages stay in one place
 * (docs/configuration.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhostctl.h"

static const char *const stats_kinds[] = { "guest", "uplink", NULL };

#define NAME_POS(meta) (const struct vctl_pos[]){ { "name", meta, false, NULL }, { NULL } }

const struct vctl_cmd vctl_commands[] = {
	{
		.words = { "guest", "add" },
		.synopsis = "NAME --socket PATH [--mode server|client] [--uplink UPLINK] "
			    "[--mac MAC] [--queues N] [--features POLICY] [--no-mac-check] "
			    "[--socket-owner USER] [--socket-group GROUP] [--socket-mode MODE] "
			    "[--queue-affinity MAP] [--tx-rate BPS] [--tx-pps PPS] "
			    "[--tx-burst BYTES] [--rx-rate BPS] [--rx-pps PPS] [--rx-burst BYTES] "
			    "[--mbufs N] [--notify adaptive|interrupt|poll] [--no-persist]",
		.help = "serve a new guest socket (saved in the state directory "
			"unless --no-persist)",
		.pos = NAME_POS("NAME"),
		.opts = (const struct vctl_opt[]){
			{ "--socket", "socket", VCTL_STRING, true, "PATH" },
			{ "--mode", "mode", VCTL_STRING, false, "server|client" },
			{ "--uplink", "uplink", VCTL_STRING, false, "UPLINK" },
			{ "--mac", "mac", VCTL_STRING, false, "MAC" },
			{ "--queues", "queues", VCTL_INT, false, "N" },
			{ "--features", "features", VCTL_STRING, false, "POLICY" },
			{ "--mac-check", "mac_check", VCTL_TRUE, false, NULL },
			{ "--no-mac-check", "mac_check", VCTL_FALSE, false, NULL },
			{ "--socket-owner", "socket_owner", VCTL_STRING, false, "USER" },
			{ "--socket-group", "socket_group", VCTL_STRING, false, "GROUP" },
			{ "--socket-mode", "socket_mode", VCTL_STRING, false, "MODE" },
			{ "--queue-affinity", "queue_affinity", VCTL_STRING, false, "MAP" },
			{ "--tx-rate", "tx_rate", VCTL_STRING, false, "BPS" },
			{ "--tx-pps", "tx_pps", VCTL_STRING, false, "PPS" },
			{ "--tx-burst", "tx_burst", VCTL_STRING, false, "BYTES" },
			{ "--rx-rate", "rx_rate", VCTL_STRING, false, "BPS" },
			{ "--rx-pps", "rx_pps", VCTL_STRING, false, "PPS" },
			{ "--rx-burst", "rx_burst", VCTL_STRING, false, "BYTES" },
			{ "--mbufs", "mbufs", VCTL_INT, false, "N" },
			{ "--notify", "notify", VCTL_STRING, false, "adaptive|interrupt|poll" },
			{ "--no-persist", "persist", VCTL_FALSE, false, NULL },
			{ NULL },
		},
		.requests = { "guest.add" },
		.print = vctl_print_guest_add,
	},
	{
		.words = { "guest", "del" },
		.synopsis = "NAME",
		.help = "stop serving a guest, remove its socket and saved state",
		.pos = NAME_POS("NAME"),
		.requests = { "guest.del" },
		.print = vctl_print_guest_del,
	},
	{
		.words = { "guest", "list" },
		.synopsis = "",
		.help = "list guests",
		.requests = { "guest.list" },
		.print = vctl_print_guest_list,
	},
	{
		.words = { "guest", "show" },
		.synopsis = "NAME",
		.help = "a guest's connection, features, vrings and counters",
		.pos = NAME_POS("NAME"),
		.requests = { "guest.show" },
		.print = vctl_print_guest_show,
	},
	{
		.words = { "guest", "events" },
		.synopsis = "NAME [--since T]",
		.help = "a guest's flight recorder: connects, features, memory table, vrings, "
			"dirty log, refused messages, rate-limit trips, queue moves (T: seconds "
			"since the epoch, or -N: the last N seconds)",
		.pos = NAME_POS("NAME"),
		.opts = (const struct vctl_opt[]){
			{ "--since", "since", VCTL_INT, false, "T" },
			{ NULL },
		},
		.requests = { "guest.events" },
		.print = vctl_print_guest_events,
	},
	{
		.words = { "guest", "why" },
		.synopsis = "NAME",
		.help = "why the guest lost frames in the last 10 s: the dominant cause in one "
			"sentence (guest slow, host slow, wire, policy), then frames lost by "
			"cause and direction",
		.pos = NAME_POS("NAME"),
		.requests = { "guest.why" },
		.print = vctl_print_guest_why,
	},
	{
		.words = { "guest", "affinity" },
		.synopsis = "NAME MAP",
		.help = "pin the guest's queue pairs to worker CPUs: MAP is QUEUE:CPU,... "
			"(0:1,1:2), or none to unpin (not saved)",
		.pos = (const struct vctl_pos[]){
			{ "name", "NAME", false, NULL }, { "affinity", "MAP", false, NULL }, { NULL },
		},
		.requests = { "guest.affinity" },
		.print = vctl_print_affinity,
	},
	{
		.words = { "uplink", "list" },
		.synopsis = "",
		.help = "list uplinks",
		.requests = { "uplink.list" },
		.print = vctl_print_uplink_list,
	},
	{
		.words = { "uplink", "show" },
		.synopsis = "NAME",
		.help = "an uplink's port, link and counters",
		.pos = NAME_POS("NAME"),
		.requests = { "uplink.show" },
		.print = vctl_print_uplink_show,
	},
	{
		.words = { "uplink", "affinity" },
		.synopsis = "NAME MAP",
		.help = "pin the uplink's RX queues to worker CPUs: MAP is QUEUE:CPU,... "
			"(0:1,1:2), or none to unpin (not saved)",
		.pos = (const struct vctl_pos[]){
			{ "name", "NAME", false, NULL }, { "affinity", "MAP", false, NULL }, { NULL },
		},
		.requests = { "uplink.affinity" },
		.print = vctl_print_affinity,
	},
	{
		.words = { "stats" },
		.synopsis = "[guest NAME | uplink NAME] [--reset]",
		.help = "packet, byte and drop counters (--reset: show, then zero them)",
		.pos = (const struct vctl_pos[]){
			{ "kind", "guest|uplink", true, stats_kinds },
			{ "name", "NAME", true, NULL },
			{ NULL },
		},
		.opts = (const struct vctl_opt[]){
			{ "--reset", "reset", VCTL_TRUE, false, NULL },
			{ NULL },
		},
		.requests = { "stats" },
		.print = vctl_print_stats,
	},
	{
		.words = { "workers" },
		.synopsis = "",
		.help = "worker cores: queues polled, busy %, cycles per packet",
		.requests = { "workers" },
		.print = vctl_print_workers,
	},
	{
		.words = { "log-level" },
		.synopsis = "LEVEL",
		.help = "set vhostd's log level (emergency..debug or 1..8)",
		.pos = (const struct vctl_pos[]){ { "level", "LEVEL", false, NULL }, { NULL } },
		.requests = { "log-level" },
		.print = vctl_print_log_level,
	},
	{
		.words = { "capture", "start" },
		.synopsis = "NAME --write FILE [--count N]",
		.help = "write what a guest sends and receives to a new pcapng file "
			"(--count: stop after N frames)",
		.pos = NAME_POS("NAME"),
		.opts = (const struct vctl_opt[]){
			{ "--write", "file", VCTL_PATH, true, "FILE" },
			{ "-w", "file", VCTL_PATH, false, "FILE" },
			{ "--count", "count", VCTL_INT, false, "N" },
			{ "-c", "count", VCTL_INT, false, "N" },
			{ NULL },
		},
		.requests = { "capture.start" },
		.print = vctl_print_capture,
	},
	{
		.words = { "capture", "stop" },
		.synopsis = "NAME",
		.help = "stop a guest's capture and close its file",
		.pos = NAME_POS("NAME"),
		.requests = { "capture.stop" },
		.print = vctl_print_capture,
	},
	{
		.words = { "version" },
		.synopsis = "",
		.help = "vhostd's and DPDK's versions",
		.requests = { "version" },
		.print = vctl_print_version,
	},
	{
		.words = { "metrics" },
		.synopsis = "",
		.help = "counters in Prometheus text format (node_exporter textfile collector)",
		.requests = { "stats", "workers", "guest.list" },
		.print = vctl_print_metrics,
	},
};

const size_t vctl_nb_commands = sizeof(vctl_commands) / sizeof(vctl_commands[0]);

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void
cmd_name(const struct vctl_cmd *cmd, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", cmd->words[0], cmd->words[1] ? " " : "",
		 cmd->words[1] ? cmd->words[1] : "");
}

/* The entry for argv's words; *used = how many words it took. */
static const struct vctl_cmd *
lookup(int argc, char *const argv[], int *used, char *err, size_t errlen)
{
	bool first_known = false;

	for (size_t i = 0; i < vctl_nb_commands; i++) {
		const struct vctl_cmd *cmd = &vctl_commands[i];

		if (strcmp(argv[0], cmd->words[0]) != 0)
			continue;
		first_known = true;
		if (cmd->words[1] == NULL) {
			*used = 1;
			return cmd;
		}
		if (argc >= 2 && strcmp(argv[1], cmd->words[1]) == 0) {
			*used = 2;
			return cmd;
		}
	}
	if (!first_known)
		fail(err, errlen, "unknown command '%s'", argv[0]);
	else if (argc < 2)
		fail(err, errlen, "'%s' needs a subcommand", argv[0]);
	else
		fail(err, errlen, "unknown command '%s %s'", argv[0], argv[1]);
	return NULL;
}

static const struct vctl_opt *
find_opt(const struct vctl_cmd *cmd, const char *flag, size_t len)
{
	for (const struct vctl_opt *o = cmd->opts; o != NULL && o->flag != NULL; o++)
		if (strlen(o->flag) == len && strncmp(o->flag, flag, len) == 0)
			return o;
	return NULL;
}

static int
parse_int(const char *s, json_int_t *v)
{
	const char *p = s;
	char *end;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*v = n;
	return 0;
}

static int
set_arg(json_t *args, const char *key, json_t *v, const char *what, char *err, size_t errlen)
{
	if (v == NULL)
		return fail(err, errlen, "out of memory");
	if (json_object_get(args, key) != NULL) {
		json_decref(v);
		return fail(err, errlen, "%s given twice", what);
	}
	if (json_object_set_new(args, key, v) != 0)
		return fail(err, errlen, "out of memory");
	return 0;
}

static int
parse_opt(const struct vctl_cmd *cmd, const char *name, int argc, char *const argv[], int *i,
	  json_t *args, char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const struct vctl_opt *o = find_opt(cmd, arg, len);
	const char *val = NULL;
	json_int_t n;
	json_t *v;

	if (o == NULL)
		return fail(err, errlen, "'%s' has no option '%.*s'", name, (int)len, arg);
	if (o->type == VCTL_TRUE || o->type == VCTL_FALSE) {
		if (eq != NULL)
			return fail(err, errlen, "%s takes no value", o->flag);
		if (json_object_get(args, o->key) != NULL)
			return fail(err, errlen, "%s repeats or contradicts an earlier option",
				    o->flag);
		return set_arg(args, o->key, json_boolean(o->type == VCTL_TRUE), o->flag,
			       err, errlen);
	}
	if (eq != NULL) {
		val = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return fail(err, errlen, "%s needs a value (%s)", o->flag, o->metavar);
		val = argv[++*i];
	}
	if (o->type == VCTL_INT) {
		if (parse_int(val, &n) != 0)
			return fail(err, errlen, "%s: '%s' is not a number", o->flag, val);
		v = json_integer(n);
	} else if (o->type == VCTL_PATH && val[0] != '/' && val[0] != '\0') {
		char *cwd = getcwd(NULL, 0);

		if (cwd == NULL)
			return fail(err, errlen, "%s: cannot make '%s' absolute: %s", o->flag, val,
				    strerror(errno));
		v = json_sprintf("%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", val);
		free(cwd);
		if (v == NULL)
			return fail(err, errlen, "%s: '%s' is not valid UTF-8", o->flag, val);
	} else {
		v = json_string(val);
		if (v == NULL)	/* jansson refuses strings that are not UTF-8 */
			return fail(err, errlen, "%s: '%s' is not valid UTF-8", o->flag, val);
	}
	return set_arg(args, o->key, v, o->flag, err, errlen);
}

static bool
word_in(const char *w, const char *const *values)
{
	for (; *values != NULL; values++)
		if (strcmp(w, *values) == 0)
			return true;
	return false;
}

static int
check_positionals(const struct vctl_cmd *cmd, const char *name, char *const pos[], int nb_pos,
		  json_t *args, char *err, size_t errlen)
{
	int nb_required = 0, nb_total = 0;

	for (const struct vctl_pos *p = cmd->pos; p != NULL && p->key != NULL; p++) {
		nb_total++;
		nb_required += !p->optional;
	}
	if (nb_pos > nb_total)
		return fail(err, errlen, "'%s': unexpected argument '%s'", name, pos[nb_total]);
	for (int k = 0; k < nb_pos; k++) {
		const struct vctl_pos *p = &cmd->pos[k];

		if (p->values != NULL && !word_in(pos[k], p->values))
			return fail(err, errlen, "'%s': '%s' is not %s", name, pos[k], p->metavar);
	}
	if (nb_pos < nb_required)
		return fail(err, errlen, "'%s' needs %s", name, cmd->pos[nb_pos].metavar);
	if (nb_pos > nb_required && nb_pos < nb_total)
		return fail(err, errlen, "'%s': '%s' needs %s", name, pos[nb_pos - 1],
			    cmd->pos[nb_pos].metavar);
	for (int k = 0; k < nb_pos; k++) {
		json_t *v = json_string(pos[k]);

		if (v == NULL)
			return fail(err, errlen, "'%s' is not valid UTF-8", pos[k]);
		if (set_arg(args, cmd->pos[k].key, v, cmd->pos[k].metavar, err, errlen) != 0)
			return -EINVAL;
	}
	return 0;
}

int
vctl_parse(int argc, char *const argv[], struct vctl_req *req, char *err, size_t errlen)
{
	const struct vctl_cmd *cmd;
	char name[64];
	char **pos = NULL;
	int nb_pos = 0, used, ret;
	bool opts_done = false;

	req->cmd = NULL;
	req->args = NULL;
	if (argc < 1)
		return fail(err, errlen, "no command given");
	cmd = lookup(argc, argv, &used, err, errlen);
	if (cmd == NULL)
		return -EINVAL;
	cmd_name(cmd, name, sizeof(name));
	req->cmd = cmd;

	for (int i = used; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	req->args = json_object();
	pos = calloc((size_t)argc, sizeof(*pos));
	if (req->args == NULL || pos == NULL) {
		ret = fail(err, errlen, "out of memory");
		goto err_free;
	}
	for (int i = used; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && a[0] == '-' && a[1] != '\0') {
			ret = parse_opt(cmd, name, argc, argv, &i, req->args, err, errlen);
			if (ret != 0)
				goto err_free;
		} else {
			pos[nb_pos++] = argv[i];
		}
	}
	ret = check_positionals(cmd, name, pos, nb_pos, req->args, err, errlen);
	if (ret != 0)
		goto err_free;
	for (const struct vctl_opt *o = cmd->opts; o != NULL && o->flag != NULL; o++) {
		if (o->required && json_object_get(req->args, o->key) == NULL) {
			ret = fail(err, errlen, "'%s' needs %s %s", name, o->flag, o->metavar);
			goto err_free;
		}
	}
	free(pos);
	return 0;

err_free:
	free(pos);
	json_decref(req->args);
	req->args = NULL;
	return ret;
}

void
vctl_req_free(struct vctl_req *req)
{
	json_decref(req->args);
	req->args = NULL;
}

int
vctl_request_line(const char *cmd, const json_t *args, char **line, size_t *len)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	char *s;
	size_t n;

	*line = NULL;
	if (req == NULL)
		return -ENOMEM;
	if (args != NULL && json_object_size(args) > 0 &&
	    json_object_set(req, "args", (json_t *)args) != 0) {
		json_decref(req);
		return -ENOMEM;
	}
	/* Compact: no newline inside; strings' control characters are escaped. */
	s = json_dumps(req, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(req);
	if (s == NULL)
		return -ENOMEM;
	n = strlen(s);
	if (n + 1 > VCTL_MAX_REQUEST) {
		free(s);
		return -E2BIG;
	}
	char *l = realloc(s, n + 2);
	if (l == NULL) {
		free(s);
		return -ENOMEM;
	}
	l[n] = '\n';
	l[n + 1] = '\0';
	*line = l;
	*len = n + 1;
	return 0;
}

void
vctl_cmd_usage(FILE *f, const struct vctl_cmd *cmd)
{
	char name[64];

	cmd_name(cmd, name, sizeof(name));
	fprintf(f, "  %s%s%s\n      %s\n", name, cmd->synopsis[0] ? " " : "", cmd->synopsis,
		cmd->help);
}

void
vctl_usage(FILE *f)
{
	fprintf(f,
		"Usage: vhostctl [-s SOCKET] [-j] COMMAND [ARGS...]\n"
		"       vhostctl -h | -V\n"
		"\n"
		"Options:\n"
		"  -s SOCKET  vhostd's control socket (default: $" VCTL_SOCKET_ENV ", else "
		VCTL_DEFAULT_SOCKET ")\n"
		"  -j         print vhostd's JSON result instead of text\n"
		"  -h         print this help\n"
		"  -V         print vhostctl's version\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < vctl_nb_commands; i++)
		vctl_cmd_usage(f, &vctl_commands[i]);
	fprintf(f, "\nExit status: 0 ok, 1 vhostd refused or failed, 2 usage, 3 cannot connect,\n"
		"4 no such guest/uplink, 5 already exists, 6 limit reached, 7 busy,\n"
		"8 no valid answer.  See vhostctl(8).\n");
}
