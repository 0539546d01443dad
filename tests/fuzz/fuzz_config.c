/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the configuration parser (config.c, config_value.c,
 * features.c and libinih) through vhostd -n's entry point, config_load(),
 * and the run-time guest path of guest.add (config_guest_new/set/finish).
 *
 * Input: CONFIG [NUL NUL NAME [NUL KEY NUL VALUE]...]
 *   CONFIG is a config file, read by config_load() from a memfd (so single
 *   NUL bytes and a missing final newline reach the parser as they would
 *   from disk).  What follows the first two NULs in a row is a run-time
 *   guest: its name, then key/value pairs, checked against CONFIG's
 *   configuration when it parsed, the embedded default otherwise, with that
 *   configuration's guests as the others.
 *
 * Beyond "no crash, no leak, no sanitizer report", it checks what callers
 * rely on: an error comes with a message; an accepted configuration keeps
 * every limit, has NUL-terminated strings, and guests that name an uplink
 * of the file and sockets of their own.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhostd/config.h"
#include "vhostd/utf8.h"

#include "fuzz_check.h"

/* A C string in its field, fit for a JSON answer (vhostd/utf8.h). */
#define TERMINATED(field)	CHECK(memchr((field), '\0', sizeof(field)) != NULL && \
				      valid_utf8(field))

static bool
valid_utf8(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0, len; i < n; i += len) {
		len = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (len == 0)
			return false;
	}
	return true;
}

/* What config_check_text() lets through: no byte < 0x20, no 0x7f. */
static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int memfd = -1;
static char memfd_path[64];

static void
check_config(const struct config *cfg)
{
	const struct config_daemon *d = &cfg->daemon;

	CHECK(d->nb_cores >= 1 && d->nb_cores <= VHOSTD_MAX_WORKERS);
	for (unsigned int i = 0; i < d->nb_cores; i++) {
		CHECK(d->cores[i] < VHOSTD_MAX_CPU);
		CHECK(i == 0 || d->cores[i] > d->cores[i - 1]);
	}
	CHECK(d->log_level >= 1 && d->log_level <= 8);
	TERMINATED(d->huge_dir);
	TERMINATED(d->file_prefix);
	TERMINATED(d->control_socket);
	TERMINATED(d->control_group);
	TERMINATED(d->state_dir);
	CHECK(d->control_socket[0] == '/');
	CHECK(cfg->nb_uplinks <= VHOSTD_MAX_UPLINKS);
	CHECK(cfg->nb_guests <= VHOSTD_MAX_GUESTS);
	for (unsigned int i = 0; i < cfg->nb_uplinks; i++) {
		const struct config_uplink *u = &cfg->uplinks[i];

		TERMINATED(u->name);
		TERMINATED(u->device);
		CHECK(u->name[0] != '\0' && u->device[0] != '\0');
		CHECK(u->queues >= 1 && u->queues <= VHOSTD_MAX_QUEUES);
		CHECK(config_find_uplink(cfg, u->name) == u);
	}
	for (unsigned int i = 0; i < cfg->nb_guests; i++) {
		const struct config_guest *g = &cfg->guests[i];

		TERMINATED(g->name);
		TERMINATED(g->socket);
		TERMINATED(g->uplink);
		CHECK(g->socket[0] == '/');
		CHECK(config_find_uplink(cfg, g->uplink) != NULL);
		CHECK(g->queues >= 1 && g->queues <= VHOSTD_MAX_QUEUES);
		CHECK(!g->mac_check || g->has_mac);
		CHECK(!g->has_mac || !(g->mac[0] & 1));
		CHECK((g->features_on & g->features_off) == 0);
		CHECK(strcmp(g->socket, d->control_socket) != 0);
		for (unsigned int j = 0; j < i; j++) {
			CHECK(strcmp(cfg->guests[j].name, g->name) != 0);
			CHECK(strcmp(cfg->guests[j].socket, g->socket) != 0);
		}
	}
}

/* The guest.add path: NAME NUL (KEY NUL VALUE NUL)... against cfg. */
static void
runtime_guest(const struct config *cfg, const char *p, const char *end)
{
	const struct config_guest *others[VHOSTD_MAX_GUESTS];
	struct config_guest g;
	unsigned int seen = 0;
	char err[512];
	int ret;

	for (unsigned int i = 0; i < cfg->nb_guests; i++)
		others[i] = &cfg->guests[i];
	err[0] = '\0';
	ret = config_guest_new(&g, p, err, sizeof(err));
	if (ret != 0) {
		CHECK(ret == -EINVAL && err[0] != '\0');
		return;
	}
	CHECK(memchr(g.name, '\0', sizeof(g.name)) != NULL);
	p += strlen(p) + 1;
	while (p < end) {
		const char *key = p, *value;

		p += strlen(p) + 1;
		if (p >= end)
			break;
		value = p;
		p += strlen(p) + 1;
		err[0] = '\0';
		ret = config_guest_set(&g, key, value, &seen, err, sizeof(err));
		if (ret != 0) {
			CHECK(ret == -EINVAL && err[0] != '\0');
			return;
		}
	}
	err[0] = '\0';
	ret = config_guest_finish(&g, seen, cfg, others, cfg->nb_guests, err, sizeof(err));
	if (ret != 0) {
		CHECK(err[0] != '\0');
		return;
	}
	CHECK(memchr(g.socket, '\0', sizeof(g.socket)) != NULL);
	CHECK(memchr(g.uplink, '\0', sizeof(g.uplink)) != NULL);
	CHECK(printable(g.name) && printable(g.socket) && printable(g.socket_owner) &&
	      printable(g.socket_group));
	CHECK(config_find_uplink(cfg, g.uplink) != NULL);
	CHECK(g.queues >= 1 && g.queues <= VHOSTD_MAX_QUEUES);
	CHECK(!g.mac_check || g.has_mac);
	CHECK(strcmp(g.socket, cfg->daemon.control_socket) != 0);
	for (unsigned int i = 0; i < cfg->nb_guests; i++) {
		CHECK(strcmp(cfg->guests[i].name, g.name) != 0);
		CHECK(strcmp(cfg->guests[i].socket, g.socket) != 0);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("vhostd-fuzz-config", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg, fallback;
	const char *text = (const char *)data;
	const uint8_t *sep = memmem(data, size, "\0\0", 2);
	size_t len = sep != NULL ? (size_t)(sep - data) : size;
	char err[1024];
	char *rest;
	int ret;

	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, text, len, 0) == (ssize_t)len);
	memset(&cfg, 0xa5, sizeof(cfg));	/* what the parser leaves unset shows */
	err[0] = '\0';
	ret = config_load(&cfg, memfd_path, err, sizeof(err));
	if (ret != 0) {
		CHECK(ret == -EINVAL);
		/* "FILE:LINE: ...": the message names the file. */
		CHECK(strncmp(err, memfd_path, strlen(memfd_path)) == 0);
	} else {
		CHECK(err[0] == '\0');
		check_config(&cfg);
	}
	if (sep == NULL)
		return 0;

	if (ret != 0) {
		CHECK(config_parse_string(&fallback, config_embedded_default, NULL, err,
					  sizeof(err)) == 0);
	}
	/* A copy with a NUL at the end, so that every field is a C string. */
	rest = malloc(size - len - 1);
	CHECK(rest != NULL);
	memcpy(rest, sep + 2, size - len - 2);
	rest[size - len - 2] = '\0';
	runtime_guest(ret == 0 ? &cfg : &fallback, rest, rest + (size - len - 2));
	free(rest);
	return 0;
}
