/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL arguments from the [daemon] and [uplink] sections.  Several vhostd
 * processes and DPDK tools must run side by side on one host: each config
 * gets its own file prefix, a bounded amount of memory, and only the PCI
 * devices it names (--no-pci when it names none).
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numa.h>

#include "control/vhostd.h"
#include "vhostd/argv.h"
#include "vhostd/devargs.h"

void
eal_file_prefix(const char *config_path, char *buf, size_t len)
{
	char real[PATH_MAX];
	const char *p = config_path;
	uint32_t h = 2166136261u;	/* FNV-1a */

	if (config_path == NULL) {
		snprintf(buf, len, "vhostd-default");
		return;
	}
	if (realpath(config_path, real) != NULL)
		p = real;
	for (; *p != '\0'; p++) {
		h ^= (uint8_t)*p;
		h *= 16777619u;
	}
	snprintf(buf, len, "vhostd-%08x", h);
}

void
eal_free_args(char **argv, unsigned int argc)
{
	argv_free(argv, argc);
}

/* "a,b,c-d" of the CPUs in set. */
static void
cpuset_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && used + 8 < len; c++)
		if (CPU_ISSET(c, set))
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 used ? "," : "", c);
}

int
eal_build_args(const struct config *cfg, const char *prog, char **argv,
	       unsigned int max, unsigned int *argc, char *err, size_t errlen)
{
	const struct config_daemon *dm = &cfg->daemon;
	cpu_set_t avail, rest;
	char lcores[1024], cpus[512], prefix[64];
	unsigned int main_lcore = 0, nodes = 1;
	size_t used = 0;
	bool pci = false;
	int ret = 0;

	*argc = 0;
	CPU_ZERO(&avail);
	if (sched_getaffinity(0, sizeof(avail), &avail) != 0) {
		snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	rest = avail;
	lcores[0] = '\0';
	for (unsigned int i = 0; i < dm->nb_cores; i++) {
		unsigned int c = dm->cores[i];

		if (c >= CPU_SETSIZE || !CPU_ISSET(c, &avail)) {
			cpuset_format(&avail, cpus, sizeof(cpus));
			snprintf(err, errlen, "%s: [daemon] cores: CPU %u is not available to "
				 "this process (available: %s)", cfg->path, c, cpus);
			return -EINVAL;
		}
		CPU_CLR(c, &rest);
		/* Worker lcore ids are the CPU ids: "cores = 1" means lcore 1 on CPU 1. */
		used += (size_t)snprintf(lcores + used, sizeof(lcores) - used, "%s%u@%u",
					 used ? "," : "", c, c);
	}
	/* The main lcore takes the first free lcore id and floats over the CPUs
	 * the workers leave (all of them on a host with no CPU to spare). */
	for (main_lcore = 0; main_lcore < VHOSTD_MAX_CPU; main_lcore++) {
		bool taken = false;

		for (unsigned int i = 0; i < dm->nb_cores; i++)
			taken |= dm->cores[i] == main_lcore;
		if (!taken)
			break;
	}
	if (CPU_COUNT(&rest) == 0)
		rest = avail;
	cpuset_format(&rest, cpus, sizeof(cpus));
	snprintf(lcores + used, sizeof(lcores) - used, ",%u@(%s)", main_lcore, cpus);

	if (dm->file_prefix[0] != '\0')
		snprintf(prefix, sizeof(prefix), "%s", dm->file_prefix);
	else
		eal_file_prefix(cfg->path[0] ? cfg->path : NULL, prefix, sizeof(prefix));

	if (numa_available() >= 0)
		nodes = (unsigned int)numa_max_node() + 1;

	ret |= argv_push(argv, max, argc, "%s", prog);
	ret |= argv_push(argv, max, argc, "--lcores=%s", lcores);
	ret |= argv_push(argv, max, argc, "--main-lcore=%u", main_lcore);
	ret |= argv_push(argv, max, argc, "--file-prefix=%s", prefix);
	/* DPDK's own libraries are chatty at INFO (one line per vhost-user
	 * message): keep them at NOTICE unless the operator asks for debug. */
	ret |= argv_push(argv, max, argc, "--log-level=%d", dm->log_level);
	if (dm->log_level < 8) {
		int lib = dm->log_level < 6 ? dm->log_level : 6;

		ret |= argv_push(argv, max, argc, "--log-level=lib.*:%d", lib);
		ret |= argv_push(argv, max, argc, "--log-level=pmd.*:%d", lib);
		ret |= argv_push(argv, max, argc, "--log-level=bus.*:%d", lib);
		/* librte_vhost's data path logs a guest's bad frames from the
		 * worker, one line per frame or burst, synchronously (22.11
		 * virtio_net.c: "unsupported gso type" at WARNING, "failed to
		 * allocate memory for mbuf" at ERR, ...): a guest could flood the
		 * journal and slow its neighbours.  CRIT is below all of them;
		 * vhostd counts what it sees itself and says so rate-limited
		 * (ratelimit.h).  Its control-path type, lib.vhost.config, keeps
		 * the level above. */
		ret |= argv_push(argv, max, argc, "--log-level=lib.vhost.data:%d", RTE_LOG_CRIT);
	}
	if (dm->hugepages) {
		char limit[256];
		size_t l = 0;

		for (unsigned int n = 0; n < nodes && l + 16 < sizeof(limit); n++)
			l += (size_t)snprintf(limit + l, sizeof(limit) - l, "%s%u",
					      n ? "," : "", dm->memory_mb);
		ret |= argv_push(argv, max, argc, "-m");
		ret |= argv_push(argv, max, argc, "%u", dm->memory_mb);
		ret |= argv_push(argv, max, argc, "--socket-limit=%s", limit);
		if (dm->huge_dir[0] != '\0')
			ret |= argv_push(argv, max, argc, "--huge-dir=%s", dm->huge_dir);
	} else {
		ret |= argv_push(argv, max, argc, "--no-huge");
		ret |= argv_push(argv, max, argc, "-m");
		ret |= argv_push(argv, max, argc, "%u", dm->memory_mb);
	}
	for (unsigned int i = 0; i < cfg->nb_uplinks; i++) {
		const char *dev = cfg->uplinks[i].device;

		if (devargs_is_pci(dev)) {
			pci = true;
			ret |= argv_push(argv, max, argc, "-a");
		} else {
			ret |= argv_push(argv, max, argc, "--vdev");
		}
		ret |= argv_push(argv, max, argc, "%s", dev);
	}
	if (!pci)
		ret |= argv_push(argv, max, argc, "--no-pci");
	if (ret != 0) {
		eal_free_args(argv, *argc);
		*argc = 0;
		snprintf(err, errlen, "too many EAL arguments");
		return -E2BIG;
	}
	return 0;
}
