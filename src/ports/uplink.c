/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev adapter (ports/uplink.h): the only file that calls rte_eth_*.  An
 * uplink has the RX queues the config asks for (each polled by one worker)
 * and one TX queue per worker, so that workers never share a TX queue unless
 * the device has too few (then a spinlock per queue, and a warning).  What
 * differs per driver is in one table (struct driver_quirks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "datapath/poll_list.h"
#include "ports/uplink.h"
#include "vhostd/devargs.h"
#include "vhostd/log.h"

static uint16_t
eth_rx(uint16_t port, uint16_t q, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	(void)mp;
	return rte_eth_rx_burst(port, q, pkts, n);
}

static uint16_t
eth_tx(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, q, pkts, n);
}

/* With TX offloads on, the driver may need the headers adjusted first
 * (pseudo-header sums as the NIC wants them).  It stops at the first frame
 * it refuses: datapath.c drops that one, on its sender, and goes on. */
static uint16_t
eth_prepare(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_prepare(port, q, pkts, n);
}

/* Only queues with an interrupt fd are asked (publish.c).  Some drivers
 * have the fd but no enable switch (net_tap: the fd is the queue's own,
 * readable while frames wait): -ENOTSUP is then fine. */
static int
eth_notify(uint16_t port, uint16_t q, bool on)
{
	int ret = on ? rte_eth_dev_rx_intr_enable(port, q) : rte_eth_dev_rx_intr_disable(port, q);

	return ret == -ENOTSUP ? 0 : ret;
}

const struct vport_ops ethdev_port_ops = {
	.rx = eth_rx,
	.tx = eth_tx,
	.poll_start = NULL,
	.notify = eth_notify,
};

const struct vport_ops ethdev_offload_port_ops = {
	.rx = eth_rx,
	.tx = eth_tx,
	.prepare = eth_prepare,
	.poll_start = NULL,
	.notify = eth_notify,
};

/*
 * What vhostd does differently per driver: the one place that names a
 * driver.  A row is found by ethdev's driver name once the port exists,
 * by the devargs' prefix before (the probe hint, the af_packet ring).
 * Drivers without a row get the defaults: net_null, net_ring, and PCI
 * devices, NICs and VFs alike (a VF that refuses promiscuous mode is
 * handled where it is asked, uplink_start).
 */
struct driver_quirks {
	const char *driver;		/* ethdev's driver name */
	const char *vdev[2];		/* devargs prefixes that name it */
	const char *probe_hint;		/* what a failed probe most likely lacks */
	/* RX interrupts let a sleeping worker wake when frames arrive
	 * (notify.c).  ethdev has no capability flag for them: asking a
	 * driver that lacks them may fail the start, so only drivers seen
	 * working ask.  Others make a sleeping worker back off ([daemon]
	 * idle-backoff-max-us). */
	bool rx_intr;
	/* Segment in software even when the device offers TSO: net_tap
	 * (22.11) segments TSO frames itself, and under load it drops many
	 * of them as "TX full": an 8 MiB upload from a Linux guest took 42 s
	 * through it, 0.5 s with vhostd segmenting (tests/e2e offload-1500). */
	bool sw_tso;
	/* Its frames are a kernel interface's: ethdev's 1522-byte limit does
	 * not bind them, the interface's MTU does. */
	bool kernel_mtu;
	/* A TPACKET_V2 ring sized by devargs (afp_check), and frames with
	 * what the kernel's sender left for the device to finish
	 * (offload.h). */
	bool af_packet;
};

static const struct driver_quirks quirks[] = {
	{ .driver = "net_tap", .vdev = { "net_tap" },
	  .probe_hint = "net_tap needs CAP_NET_ADMIN",
	  .rx_intr = true, .sw_tso = true, .kernel_mtu = true },
	{ .driver = "net_af_packet", .vdev = { "net_af_packet", "eth_af_packet" },
	  .probe_hint = "net_af_packet needs CAP_NET_RAW: af-packet.conf under systemd",
	  .kernel_mtu = true, .af_packet = true },
	{ .driver = "net_af_xdp", .vdev = { "net_af_xdp" },
	  .probe_hint = "net_af_xdp needs CAP_NET_RAW, CAP_BPF and CAP_PERFMON" },
};

/* Kernel-backed vdevs need a capability the systemd unit may not grant
 * (docs/operations.md, "Capabilities: what needs what"); a PCI device,
 * its binding. */
static const struct driver_quirks other_vdev = {
	.probe_hint = "check the vdev name and its arguments",
};
static const struct driver_quirks pci_device = {
	.probe_hint = "check the PCI address and that it is bound to vfio-pci; without an "
		      "IOMMU, VFIO needs CAP_SYS_ADMIN and CAP_SYS_RAWIO: no-iommu.conf under "
		      "systemd",
};

static bool
has_prefix(const char *s, const char *prefix)
{
	return prefix != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Before the port exists: by what the devargs start with. */
static const struct driver_quirks *
quirks_of_devargs(const char *devargs)
{
	for (size_t i = 0; i < RTE_DIM(quirks); i++)
		for (size_t k = 0; k < RTE_DIM(quirks[i].vdev); k++)
			if (has_prefix(devargs, quirks[i].vdev[k]))
				return &quirks[i];
	if (has_prefix(devargs, "net_") || has_prefix(devargs, "eth_"))
		return &other_vdev;
	return &pci_device;
}

/* Once it exists: by its driver's name. */
static const struct driver_quirks *
quirks_of_driver(const char *driver)
{
	for (size_t i = 0; i < RTE_DIM(quirks); i++)
		if (strcmp(driver, quirks[i].driver) == 0)
			return &quirks[i];
	return &other_vdev;	/* the defaults; the probe hint is not asked */
}

int
uplink_rx_intr_fd(const struct uplink *u, uint16_t q)
{
	if (!u->rx_intr)
		return -1;
	return rte_eth_dev_rx_intr_ctl_q_get_fd(u->port, q);
}

/*
 * net_af_packet (22.11) reads a TPACKET_V2 ring of frames of `framesz`
 * bytes in blocks of `blocksz` (devargs; defaults 2048 and the page size).
 * It finds frame i at i * framesz, while the kernel starts every block
 * afresh: unless blocksz is a multiple of framesz, every frame past the
 * first block is looked for in the wrong place and traffic stops.  A frame
 * received sits 66 bytes into its ring frame (TPACKET2 header and
 * sockaddr_ll, aligned), so frames longer than framesz - 66 are cut; the
 * RX queue wants mbufs of framesz - 32 data bytes.
 */
#define AFP_RX_OFFSET 66
#define AFP_RX_DATA(framesz) ((framesz) - 32)

static void
afp_ring(const char *devargs, unsigned int *framesz, unsigned int *blocksz)
{
	const char *args = strchr(devargs, ',');
	struct rte_kvargs *kv = args != NULL ? rte_kvargs_parse(args + 1, NULL) : NULL;
	const char *v;

	*framesz = 2048;
	*blocksz = (unsigned int)getpagesize();
	if (kv == NULL)
		return;
	v = rte_kvargs_get(kv, "framesz");
	if (v != NULL)
		*framesz = (unsigned int)strtoul(v, NULL, 0);
	v = rte_kvargs_get(kv, "blocksz");
	if (v != NULL)
		*blocksz = (unsigned int)strtoul(v, NULL, 0);
	rte_kvargs_free(kv);
}

unsigned int
uplink_rx_room(const struct config_uplink *cfg)
{
	unsigned int framesz, blocksz;

	if (!quirks_of_devargs(cfg->device)->af_packet)
		return 0;
	afp_ring(cfg->device, &framesz, &blocksz);
	return framesz > 32 ? AFP_RX_DATA(framesz) : 0;
}

/* A bad ring is refused here: the PMD would start and pass nothing. */
static int
afp_check(const struct config_uplink *cfg)
{
	unsigned int framesz, blocksz;

	afp_ring(cfg->device, &framesz, &blocksz);
	if (framesz <= AFP_RX_OFFSET || blocksz % framesz != 0) {
		LOG(ERR, "uplink %s: net_af_packet with blocksz=%u and framesz=%u: blocksz must "
		    "be a multiple of framesz (DPDK 22.11 misplaces the ring's frames otherwise "
		    "and no traffic passes), e.g. framesz=9216,blocksz=36864 for MTU 9000",
		    cfg->name, blocksz, framesz);
		return -EINVAL;
	}
	if (cfg->mtu + RTE_ETHER_HDR_LEN + AFP_RX_OFFSET > framesz)
		LOG(WARNING, "uplink %s: net_af_packet framesz=%u receives frames of at most %u "
		    "bytes, less than mtu %u needs: use framesz >= %u", cfg->name, framesz,
		    framesz - AFP_RX_OFFSET, cfg->mtu,
		    RTE_ALIGN_CEIL(cfg->mtu + RTE_ETHER_HDR_LEN + AFP_RX_OFFSET, 16));
	return 0;
}

/* The device's facts (its info) and its name, for the steps after probing. */
static int
port_info(const struct uplink *u, struct rte_eth_dev_info *info)
{
	int ret = rte_eth_dev_info_get(u->port, info);

	if (ret != 0)
		LOG(ERR, "uplink %s: cannot get device info: %s", u->cfg.name, rte_strerror(-ret));
	return ret;
}

int
uplink_probe(struct uplink *u, const struct config_uplink *cfg, uint16_t index,
	     unsigned int nb_workers)
{
	const struct driver_quirks *dq = quirks_of_devargs(cfg->device);
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	u->cfg = *cfg;
	u->index = index;
	u->nb_workers = nb_workers;
	place_reset(u->place, VHOSTD_MAX_QUEUES);
	u->stats = rte_zmalloc("uplink_stats", nb_workers * sizeof(*u->stats),
			       RTE_CACHE_LINE_SIZE);
	if (u->stats == NULL)
		return -ENOMEM;

	devargs_name(u->cfg.device, name, sizeof(name));
	if (dq->af_packet) {
		ret = afp_check(&u->cfg);
		if (ret != 0)
			return ret;
		u->rx_partial_csum = true;
	}
	ret = rte_eth_dev_get_port_by_name(name, &u->port);
	if (ret != 0) {
		LOG(ERR, "uplink %s: no port for device '%s' (was it probed? the EAL's lines "
		    "above say why; %s)", u->cfg.name, u->cfg.device, dq->probe_hint);
		return -ENODEV;
	}
	ret = port_info(u, &info);
	if (ret != 0)
		return ret;
	u->socket = rte_eth_dev_socket_id(u->port);
	if (u->socket < 0)
		u->socket = 0;	/* vdevs have no node */
	if (u->cfg.queues > info.max_rx_queues) {
		LOG(ERR, "uplink %s: queues = %u but %s has at most %u RX queues",
		    u->cfg.name, u->cfg.queues, name, info.max_rx_queues);
		return -EINVAL;
	}
	u->nb_rxq = (uint16_t)u->cfg.queues;
	/* One TX queue per worker; some PMDs (net_tap) also want as many TX
	 * queues as RX queues, and a spare queue costs nothing. */
	u->nb_txq = (uint16_t)RTE_MIN(RTE_MAX(nb_workers, (unsigned int)u->nb_rxq),
				      (unsigned int)info.max_tx_queues);
	u->shared_txq = u->nb_txq < nb_workers;
	if (u->shared_txq)
		LOG(WARNING, "uplink %s: %u workers share %u TX queues (locked)",
		    u->cfg.name, nb_workers, u->nb_txq);
	for (unsigned int i = 0; i < VHOSTD_MAX_WORKERS; i++)
		rte_spinlock_init(&u->txlock[i]);
	return 0;
}

/* RSS, MTU, offloads: what rte_eth_dev_configure() gets. */
static void
port_conf(struct uplink *u, const struct rte_eth_dev_info *info,
	  const struct driver_quirks *dq, struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (u->nb_rxq > 1 && info->flow_type_rss_offloads != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	/* A device that can take the MTU at configure time gets it there;
	 * others (net_tap reports a 1522-byte max frame but follows its
	 * kernel interface's MTU) get rte_eth_dev_set_mtu() after. */
	if (u->cfg.mtu != 0 &&
	    u->cfg.mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN <= info->max_rx_pktlen)
		conf->rxmode.mtu = u->cfg.mtu;
	if (u->cfg.mtu > RTE_ETHER_MTU && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* What the device can finish for guests (checksums, TSO); the rest is
	 * done in software before a frame reaches it (offload.c). */
	u->tx_offloads = info->tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_TSO);
	if (dq->sw_tso)
		u->tx_offloads &= ~RTE_ETH_TX_OFFLOAD_TCP_TSO;
	conf->txmode.offloads |= u->tx_offloads;
	conf->intr_conf.rxq = dq->rx_intr;
}

/* The MTU the configure step could not give. */
static int
port_mtu(struct uplink *u, const struct rte_eth_dev_info *info,
	 const struct driver_quirks *dq)
{
	int ret = rte_eth_dev_set_mtu(u->port, (uint16_t)u->cfg.mtu);

	if (ret != 0 && dq->kernel_mtu) {
		LOG(WARNING, "uplink %s: mtu %u cannot be set through DPDK for %s; set "
		    "it on the kernel interface (ip link set IFACE mtu %u); mbufs are "
		    "sized for it", u->cfg.name, u->cfg.mtu, info->driver_name, u->cfg.mtu);
		return 0;
	}
	if (ret != 0)
		LOG(ERR, "uplink %s: mtu %u: %s (the device takes frames of at most %u "
		    "bytes)", u->cfg.name, u->cfg.mtu, rte_strerror(-ret), info->max_rx_pktlen);
	return ret;
}

int
uplink_configure(struct uplink *u, struct rte_mempool *pool)
{
	const struct driver_quirks *dq;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = (uint16_t)u->cfg.rx_desc, nb_txd = (uint16_t)u->cfg.tx_desc;
	int ret;

	u->pool = pool;
	ret = port_info(u, &info);
	if (ret != 0)
		return ret;
	dq = quirks_of_driver(info.driver_name);
	port_conf(u, &info, dq, &conf);
	ret = rte_eth_dev_configure(u->port, u->nb_rxq, u->nb_txq, &conf);
	if (ret != 0) {
		LOG(ERR, "uplink %s: configure failed: %s", u->cfg.name, rte_strerror(-ret));
		return ret;
	}
	u->rx_intr = conf.intr_conf.rxq;	/* asked; uplink_start checks the fds */
	if (u->cfg.mtu != 0 && conf.rxmode.mtu == 0) {
		ret = port_mtu(u, &info, dq);
		if (ret != 0)
			return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(u->port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	u->nb_rxd = nb_rxd;
	u->nb_txd = nb_txd;
	for (uint16_t q = 0; q < u->nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(u->port, q, nb_rxd, (unsigned int)u->socket,
					     NULL, u->pool);
		if (ret != 0) {
			LOG(ERR, "uplink %s: RX queue %u: %s", u->cfg.name, q, rte_strerror(-ret));
			return ret;
		}
	}
	for (uint16_t q = 0; q < u->nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(u->port, q, nb_txd, (unsigned int)u->socket, NULL);
		if (ret != 0) {
			LOG(ERR, "uplink %s: TX queue %u: %s", u->cfg.name, q, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int
uplink_start(struct uplink *u, unsigned int idle_backoff_max_us)
{
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	ret = port_info(u, &info);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start(u->port);
	if (ret != 0) {
		LOG(ERR, "uplink %s: start failed: %s", u->cfg.name, rte_strerror(-ret));
		return ret;
	}
	u->started = true;
	for (uint16_t q = 0; u->rx_intr && q < u->nb_rxq; q++)
		if (rte_eth_dev_rx_intr_ctl_q_get_fd(u->port, q) < 0)
			u->rx_intr = false;
	if (!u->rx_intr)
		LOG(INFO, "uplink %s: no RX interrupts (driver %s): a sleeping worker looks at "
		    "it at least every %u us", u->cfg.name, info.driver_name, idle_backoff_max_us);
	/* Guests own MACs the port does not: without promiscuous mode a NIC
	 * filters their unicast away.  A VF may refuse it; then its own MAC
	 * filter is the only one, which suits the single-guest (pipe) case. */
	ret = rte_eth_promiscuous_enable(u->port);
	if (ret != 0 && ret != -ENOTSUP)
		LOG(WARNING, "uplink %s: promiscuous mode refused (%s): only frames for "
		    "the port's own MAC will arrive", u->cfg.name, rte_strerror(-ret));
	devargs_name(u->cfg.device, name, sizeof(name));
	LOG(INFO, "uplink %s: port %u (%s, driver %s), %u RX / %u TX queues, %u/%u "
	    "descriptors, NUMA node %d, TX offloads:%s%s%s%s", u->cfg.name, u->port, name,
	    info.driver_name, u->nb_rxq, u->nb_txq, u->nb_rxd, u->nb_txd, u->socket,
	    u->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM ? " ipv4-csum" : "",
	    u->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM ? " tcp-csum" : "",
	    u->tx_offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM ? " udp-csum" : "",
	    u->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO ? " tso" : (u->tx_offloads ? "" : " none"));
	return 0;
}

void
uplink_close(struct uplink *u)
{
	if (u->started) {
		rte_eth_dev_stop(u->port);
		rte_eth_dev_close(u->port);
		u->started = false;
	}
	rte_free(u->stats);
	u->stats = NULL;
}

static void
uplink_sum(const struct uplink *u, struct port_stats *out)
{
	struct rte_eth_stats es;

	stats_sum(u->stats, u->nb_workers, out);
	/* Frames the driver could not receive for lack of mbufs never reach us:
	 * the driver counts them. */
	if (u->started && rte_eth_stats_get(u->port, &es) == 0)
		out->q[0].drops[DROP_NO_MBUF] = es.rx_nombuf;
}

void
uplink_counters(const struct uplink *u, struct port_stats *out)
{
	uplink_sum(u, out);
	stats_sub(out, &u->base);
}

void
uplink_counters_reset(struct uplink *u)
{
	uplink_sum(u, &u->base);
}

void
uplink_print_stats(const struct uplink *u, FILE *f)
{
	struct port_stats sum;

	uplink_counters(u, &sum);
	stats_print(f, "uplink", u->cfg.name, &sum, RTE_MAX(u->nb_rxq, u->nb_txq));
}

void
uplink_facts(const struct uplink *u, struct uplink_facts *f)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct rte_eth_link link;

	memset(f, 0, sizeof(*f));
	f->driver = rte_eth_dev_info_get(u->port, &info) == 0 ? info.driver_name : "?";
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(u->port, &link);
	f->link_up = link.link_status != 0;
	f->speed_mbps = link.link_speed;
	if (rte_eth_macaddr_get(u->port, &mac) == 0)
		memcpy(f->mac, mac.addr_bytes, sizeof(f->mac));
	rte_eth_dev_get_mtu(u->port, &f->mtu);
	f->promiscuous = rte_eth_promiscuous_get(u->port) == 1;
}

int
uplink_device_losses(const struct uplink *u, uint64_t *rx_missed, uint64_t *tx_errors)
{
	struct rte_eth_stats st;
	int ret;

	if (!u->started)
		return -ENODEV;
	ret = rte_eth_stats_get(u->port, &st);
	if (ret != 0)
		return ret;
	*rx_missed = st.imissed + st.rx_nombuf;
	*tx_errors = st.oerrors;
	return 0;
}

int
uplink_rx_backlog(const struct uplink *u)
{
	int most = -1;

	for (uint16_t q = 0; u->started && q < u->nb_rxq; q++) {
		int n = rte_eth_rx_queue_count(u->port, q);

		if (n < 0)
			break;
		most = n > most ? n : most;
	}
	return most;
}
