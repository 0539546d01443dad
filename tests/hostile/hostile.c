/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostile: a vhost-user frontend that misbehaves on purpose, one attack per
 * run, against one vhostd guest socket (tests/integration/test_hostile.py
 * drives it).  It prints what it saw of the backend's reaction on the last
 * line:
 *
 *   result: closed          the backend dropped the connection
 *   result: alive           the backend still answers (GET_FEATURES)
 *   result: alive used=N/M  datapath cases: N of the M chains posted on the
 *                           TX vring came back used
 *
 * Exit status 0 when the attack was delivered, 2 when the case could not
 * even be set up (a test failure, not an outcome).
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

const char *sock_path;
const uint8_t evil_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x07, 0x66 };

void
msleep(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int
fresh(struct vu *v)
{
	int ret = vu_connect(v, sock_path);

	if (ret != 0)
		fprintf(stderr, "hostile: connect %s: %s\n", sock_path, strerror(-ret));
	return ret;
}

int
fresh_negotiated(struct vu *v)
{
	uint64_t f = 0;
	int ret = fresh(v);

	if (ret == 0)
		ret = vu_send(v, VU_GET_FEATURES, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_recv_u64(v, VU_GET_FEATURES, &f, 3000);
	f &= BASE_FEATURES;
	if (ret == 0)
		ret = vu_send(v, VU_SET_OWNER, 0, NULL, 0, NULL, 0);
	if (ret == 0)
		ret = vu_send(v, VU_SET_FEATURES, 0, &f, sizeof(f), NULL, 0);
	if (ret == 0 && vu_mem_create(v) != 0)
		ret = -ENOMEM;
	return ret;
}

const char *
outcome(struct vu *v)
{
	return vu_closed(v, 300) || !vu_alive(v) ? "closed" : "alive";
}

void
hold(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char c;

	printf("holding\n");
	if (poll(&p, 1, 60000) == 1 && read(0, &c, 1) < 0)
		perror("hostile: stdin");
}

int
report(const char *what, int closed, int total)
{
	printf("%s: %d of %d connections closed by the backend\n", what, closed, total);
	printf("result: %s\n", closed == total ? "closed" : closed == 0 ? "alive" : "mixed");
	return 0;
}

static const struct {
	const char *name;
	int (*run)(void);
} cases[] = {
	{ "valid", case_valid },
	{ "truncated-header", case_truncated_header },
	{ "oversize-payload", case_oversize_payload },
	{ "unknown-request", case_unknown_request },
	{ "fds-too-many", case_fds_too_many },
	{ "fds-too-few", case_fds_too_few },
	{ "repeat-mem-table", case_repeat_mem_table },
	{ "repeat-vring-kick", case_repeat_vring_kick },
	{ "repeat-log-base", case_repeat_log_base },
	{ "repeat-inflight", case_repeat_inflight },
	{ "too-many-regions", case_too_many_regions },
	{ "region-overflow", case_region_overflow },
	{ "vring-index", case_vring_index },
	{ "ring-size", case_ring_size },
	{ "wrong-order", case_wrong_order },
	{ "desc-loop", case_split_loop },
	{ "desc-loop-packed", case_packed_loop },
	{ "chain-too-long", case_long_chain },
	{ "zero-length", case_zero_len },
	{ "unmapped", case_unmapped },
	{ "unmapped-packed", case_unmapped_packed },
	{ "cross-region", case_cross_region },
	{ "short-chain", case_short_chain },
	{ "short-chain-packed", case_short_chain_packed },
	{ "indirect-bad-len", case_indirect },
	{ "packed-bad-id", case_packed_bad_id },
	{ "csum-start", case_csum_start },
	{ "gso-size-zero", case_gso_zero },
	{ "gso-size-tiny", case_gso_tiny },
	{ "flip-lengths", case_flip },
	{ "flip-lengths-packed", case_flip_packed },
	{ "flood-gso-type", case_flood_gso_type },
	{ "flood-valid", case_flood_valid },
	{ "rx-bad-buffers", case_rx_bad },
	{ "rx-bad-buffers-packed", case_rx_bad_packed },
	{ "log-base-short", case_log_base_short },
	{ "migrate-log", case_migrate_log },
	{ "intruder-connect", case_intruder_connect },
	{ "intruder-features", case_intruder_features },
	{ "intruder-mem-table", case_intruder_mem_table },
	{ "intruder-vrings", case_intruder_vrings },
	{ "intruder-ready", case_intruder_ready },
	{ "log-base-offset", case_log_base_offset },
	{ "kick-pipe", case_kick_pipe },
	{ "call-pipe-full", case_call_pipe_full },
	{ "notify-fd-kinds", case_notify_fd_kinds },
	{ "call-eventfd-full", case_call_eventfd_full },
	{ "kick-socket-lowat", case_kick_socket_lowat },
	{ "vring-flood", case_vring_flood },
	{ "ring-size-cap", case_ring_size_cap },
	{ "many", case_many },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hostile --case NAME --socket PATH [--count N (many: PATH is a "
		"prefix)]\ncases:");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(f, " %s", cases[i].name);
	fprintf(f, "\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "c:s:n:h", opts, NULL)) != -1) {
		if (opt == 'c')
			name = optarg;
		else if (opt == 'n')
			many_set_count(optarg);
		else if (opt == 's')
			sock_path = optarg;
		else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (name == NULL || sock_path == NULL) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, name) == 0)
			return cases[i].run();
	fprintf(stderr, "hostile: unknown case '%s'\n", name);
	usage(stderr);
	return 2;
}
