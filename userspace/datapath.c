// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "datapath_loader.h"
#include "instance_lock.h"
#include "log.h"

/* Not in Debian 12's uapi headers (kernel 6.1); stable kernel ABI values since 6.6. */
#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47
#endif

const char *xdp_attach_mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_ATTACH_NATIVE:
		return "native";
	case XDP_ATTACH_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

int pin_dir_for(const char *ifname, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", PIN_ROOT, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int iface_link_is_l3(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		log_error("%s: %s", ifname, errno == ENODEV ? "no such interface in this network "
							     "namespace" : strerror(errno));
		goto cleanup;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:	/* loopback frames have an Ethernet-shaped header */
		err = 0;
		break;
	case ARPHRD_NONE:	/* WireGuard, tun */
	case ARPHRD_PPP:
	case ARPHRD_RAWIP:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
		err = 1;
		break;
	default:
		log_error("%s: link type %u is neither Ethernet nor bare IP; edgewatch cannot "
			  "parse it", ifname, ifr.ifr_hwaddr.sa_family);
		err = -EPROTONOSUPPORT;
		break;
	}
cleanup:
	close(fd);
	return err;
}

void iface_warn_vlan_offload(const char *ifname)
{
	struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_value flags = { .cmd = ETHTOOL_GFLAGS };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&drv;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto cleanup;
	ifr.ifr_data = (void *)&flags;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto cleanup;
	/* veth says "on" but hands XDP the frame as its peer sent it */
	if ((flags.data & ETH_FLAG_RXVLAN) && strcmp(drv.driver, "veth") != 0)
		log_warn("%s: the NIC (%s) strips VLAN tags before XDP sees them (rx-vlan-offload "
			 "on): ingress flows will lack their VLAN ids while egress ones have them. "
			 "Turn it off for VLAN-aware flows: ethtool -K %s rxvlan off",
			 ifname, drv.driver, ifname);
cleanup:
	close(fd);
}

/*
 * Generic XDP runs after GRO has merged a TCP stream's segments: with GRO on, one merged
 * skb is one packet to edgewatch, so packet counts come out lower than on the wire (bytes
 * stay right). Native XDP sees frames before GRO and is not affected.
 */
static void iface_warn_generic_gro(const char *ifname)
{
	struct ethtool_value gro = { .cmd = ETHTOOL_GGRO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1, ifname);
	ifr.ifr_data = (void *)&gro;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && gro.data)
		log_warn("%s: generic XDP sees packets after GRO has merged them (gro on): "
			 "ingress TCP packet counts will be lower than on the wire. For exact "
			 "counts: ethtool -K %s gro off", ifname, ifname);
	close(fd);
}

/* The parent of pid (from /proc/PID/stat), or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* after the last ')': the command name may hold anything */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && sscanf(p + 1, " %*c %d",
									    &ppid) != 1)
		ppid = 0;
	fclose(f);
	return ppid;
}

/*
 * Was this process's mount namespace made for it or one of its ancestors (ip netns
 * exec, unshare -m, a unit with PrivateMounts)? Then an ancestor (or pid 1) is in
 * another one: what is mounted here dies with these processes. An ancestor whose
 * namespace cannot be read ends the walk (a sandbox may hide pid 1).
 */
static int mount_ns_is_private(void)
{
	struct stat self, other;
	char path[64];
	pid_t pid = getppid();
	int depth;

	if (stat("/proc/self/ns/mnt", &self))
		return 0;
	for (depth = 0; pid > 0 && depth < 64; depth++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (stat(path, &other))
			break;
		if (other.st_ino != self.st_ino || other.st_dev != self.st_dev)
			return 1;
		if (pid == 1)
			break;
		pid = parent_of(pid);
	}
	return 0;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int bpffs_ensure_mounted(void)
{
	int err;

	if (is_bpffs(PIN_ROOT))
		return 0;
	if (mount_ns_is_private()) {
		log_error("no bpffs at %s, and one mounted from here would not outlive this "
			  "process: it runs in a mount namespace of its own (ip netns exec makes "
			  "one), and a restart after a crash could not find the flow table it "
			  "must export. Mount it once on the host: mkdir -p %s && mount -t bpf "
			  "bpf %s (or start edgewatch with nsenter --net=/run/netns/NAME, which "
			  "keeps the host's mounts)", PIN_ROOT, PIN_ROOT, PIN_ROOT);
		return -EPERM;
	}
	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", PIN_ROOT, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_error("cannot mount a bpffs at %s: %s", PIN_ROOT, strerror(-err));
		return err;
	}
	log_info("mounted a bpffs at %s (none was mounted)", PIN_ROOT);
	return 0;
}

/* CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN all effective (capget(2); libcap would be a
 * dependency for one call). */
static int has_bpf_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	const int need[] = { CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN };
	size_t i;

	if (syscall(SYS_capget, &hdr, data))
		return 1;	/* cannot tell: let the generic message stand */
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(data[need[i] / 32].effective & (1U << (need[i] % 32))))
			return 0;
	return 1;
}

/* map down to entries (0: unchanged; never up). */
static void shrink_lru(struct bpf_map *map, uint32_t entries)
{
	if (entries && entries < bpf_map__max_entries(map))
		bpf_map__set_max_entries(map, entries);
}

int datapath_load(struct datapath_instance *dp, const struct datapath_options *opts)
{
	uint32_t table_size = opts->flow_table_size ? opts->flow_table_size : EW_FLOW_TABLE_DEFAULT;
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->xdp_link_fd = -1;
	dp->tc_link_fd = -1;

	/* a kernel too old gets the missing feature named, not a verifier error */
	err = kernel_features_check(kernel_probe_libbpf, !opts->replay, &dp->features);
	if (err)
		return err;
	dp->skel = datapath__open();
	if (!dp->skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	dp->skel->rodata->cfg_passive = opts->passive ? 1 : 0;
	dp->skel->rodata->cfg_replay = opts->replay ? 1 : 0;
	/* a flow's owner adds without a lock, unless one CPU's programs can interleave */
	dp->skel->rodata->cfg_atomic_counters = 0;
	if (opts->atomic_counters || (!opts->replay && kernel_is_realtime(KERNEL_REALTIME_PATH))) {
		dp->skel->rodata->cfg_atomic_counters = 1;
		if (!opts->atomic_counters)
			log_info("PREEMPT_RT kernel: every CPU counts flows with atomic adds "
				 "(a few ns more per packet)");
	}
	dp->skel->rodata->cfg_l3_link = opts->l3_link ? 1 : 0;
	dp->skel->rodata->cfg_snaplen = sample_snaplen(opts->snaplen);
	dp->skel->rodata->cfg_stream_depth = opts->stream_depth <= EW_STREAM_DEPTH_MAX
						     ? opts->stream_depth : EW_STREAM_DEPTH_MAX;
	dp->skel->rodata->cfg_stream_segments = opts->stream_segments ? opts->stream_segments
								      : EW_STREAM_SEGMENTS_DEFAULT;
	err = bpf_map__set_max_entries(dp->skel->maps.flows, table_size);
	if (err) {
		log_error("cannot size the flow table to %u: %s", table_size, strerror(-err));
		goto fail;
	}
	/* sized to the table and the snaplen (ring_sizes.h: powers of two, whole pages) */
	if ((opts->rings.ended_flows &&
	     (err = bpf_map__set_max_entries(dp->skel->maps.ended_flows, opts->rings.ended_flows))) ||
	    (opts->rings.samples &&
	     (err = bpf_map__set_max_entries(dp->skel->maps.samples, opts->rings.samples)))) {
		log_error("cannot size the ring buffers (%u and %u bytes): %s",
			  opts->rings.ended_flows, opts->rings.samples, strerror(-err));
		goto fail;
	}
	if (opts->replay) {
		/* the same hash seed every time: the sweeper walks, and so exports, the flows
		 * of a capture in the same order at every replay */
		bpf_map__set_map_flags(dp->skel->maps.flows,
				       bpf_map__map_flags(dp->skel->maps.flows) | BPF_F_ZERO_SEED);
		bpf_map__set_map_flags(dp->skel->maps.frags,
				       bpf_map__map_flags(dp->skel->maps.frags) | BPF_F_ZERO_SEED);
		bpf_map__set_map_flags(dp->skel->maps.frag_pending,
				       bpf_map__map_flags(dp->skel->maps.frag_pending) |
					       BPF_F_ZERO_SEED);
		/*
		 * Start-up is most of a short replay's time (issue 11). Replay runs the XDP
		 * program and the sweeper only: the tc program is not verified at all. And
		 * the flow table is not preallocated: filling 262,144 slots took a third of
		 * the start-up, and a capture may use a few of them. Nothing else changes: a
		 * hash holds max_entries either way and refuses the next flow alike, and its
		 * buckets (so the sweeper's walk and the order of exported flows) are the
		 * same. A live run keeps the preallocation (no allocation per new flow in
		 * the fast path, under a flood).
		 */
		bpf_program__set_autoload(dp->skel->progs.ew_tc_egress, false);
		/* and it runs frames through ew_xdp_replay_batch (the same body, several
		 * frames a run: replay_batch.h), so the live entry point is not verified */
		bpf_program__set_autoload(dp->skel->progs.ew_xdp_ingress, false);
		bpf_map__set_map_flags(dp->skel->maps.flows,
				       bpf_map__map_flags(dp->skel->maps.flows) | BPF_F_NO_PREALLOC);
		/* an LRU is always preallocated: blocked_flows' 65,536 entries alone were
		 * ~20 ms of a short replay's start-up; a capture that cannot fill them gets
		 * fewer (replay_table.h, replay_lru_entries) */
		shrink_lru(dp->skel->maps.blocked_flows, opts->lru_entries);
		shrink_lru(dp->skel->maps.frags, opts->lru_entries);
		shrink_lru(dp->skel->maps.frag_pending, opts->lru_entries);
	} else {	/* replay's batch program: nothing for a live run to verify */
		bpf_program__set_autoload(dp->skel->progs.ew_xdp_replay_batch, false);
	}
	err = datapath__load(dp->skel);
	if ((err == -EPERM || err == -EACCES) && !has_bpf_capabilities()) {
		/* not the verifier: the process lacks a capability (a unit or container that
		 * bounds them, or not root) */
		log_error("the kernel refused the BPF programs: %s: loading them needs CAP_BPF, "
			  "CAP_PERFMON and CAP_NET_ADMIN (root, or the systemd unit's "
			  "CapabilityBoundingSet; CAP_SYS_ADMIN on kernels before 5.8); run with "
			  "-v for the kernel's reason", strerror(-err));
		goto fail;
	}
	if (err) {
		log_error("the kernel refused the BPF programs: %s (run with -v for the verifier's "
			  "reason)", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	datapath__destroy(dp->skel);
	dp->skel = NULL;
	return err;
}

static int attach_xdp(struct datapath_instance *dp, enum xdp_attach_mode mode)
{
	int prog_fd = bpf_program__fd(dp->skel->progs.ew_xdp_ingress);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd;

	if (mode != XDP_ATTACH_GENERIC) {
		opts.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &opts);
		if (fd >= 0) {
			dp->xdp_link_fd = fd;
			dp->xdp_mode = XDP_ATTACH_NATIVE;
			return 0;
		}
		if (errno == EBUSY || errno == EEXIST) {
			log_error("%s already has an XDP program: is another edgewatch (or another "
				  "XDP tool) running there? (bpftool net show dev %s)",
				  dp->ifname, dp->ifname);
			return -EBUSY;
		}
		if (mode == XDP_ATTACH_NATIVE) {
			log_error("native XDP on %s failed: %s", dp->ifname, strerror(errno));
			return -errno;
		}
		log_warn("%s: the driver has no native XDP (%s); using generic XDP, which is "
			 "slower (status shows xdp_mode generic)", dp->ifname, strerror(errno));
	}
	opts.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		int err = -errno;

		log_error("cannot attach XDP to %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	dp->xdp_link_fd = fd;
	dp->xdp_mode = XDP_ATTACH_GENERIC;
	iface_warn_generic_gro(dp->ifname);
	return 0;
}

/* Where the classic tc fallback puts the egress program (kernels without TCX). */
#define TC_CLASSIC_HANDLE 0xe6
#define TC_CLASSIC_PRIORITY 1

/* Remove our classic egress filter from ifindex. 0 or -errno (-ENOENT: none there). */
static int tc_classic_detach(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc_opts, .handle = TC_CLASSIC_HANDLE,
			    .priority = TC_CLASSIC_PRIORITY);

	return bpf_tc_detach(&hook, &tc_opts);
}

int datapath_remove_orphan_tc(const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc_opts, .handle = TC_CLASSIC_HANDLE,
			    .priority = TC_CLASSIC_PRIORITY);
	int err;

	hook.ifindex = if_nametoindex(ifname);
	if (!hook.ifindex)
		return 0;	/* attach says so, with the reason */
	if (bpf_tc_query(&hook, &tc_opts))
		return 0;	/* none: a TCX link died with its process */
	err = tc_classic_detach(hook.ifindex);
	if (err) {
		log_error("%s: cannot remove the egress filter a dead instance left (tc "
			  "handle 0x%x prio %d): %s", ifname, TC_CLASSIC_HANDLE,
			  TC_CLASSIC_PRIORITY, strerror(-err));
		return err;
	}
	log_warn("%s: removed the egress filter a dead instance left (tc handle 0x%x prio %d)",
		 ifname, TC_CLASSIC_HANDLE, TC_CLASSIC_PRIORITY);
	wait_for_bpf_runs();	/* its last packets are in the table before it is drained */
	return 0;
}

/*
 * tc egress: a TCX link (kernel >= 6.6) detaches by itself when we die. On older
 * kernels, a clsact qdisc filter, which a SIGKILL leaves behind:
 * datapath_remove_orphan_tc() removes it before the next start drains the table.
 */
static int attach_tc(struct datapath_instance *dp)
{
	int prog_fd = bpf_program__fd(dp->skel->progs.ew_tc_egress);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc_opts, .handle = TC_CLASSIC_HANDLE,
			    .priority = TC_CLASSIC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int fd, err;

	fd = bpf_link_create(prog_fd, dp->ifindex, BPF_TCX_EGRESS, NULL);
	if (fd >= 0) {
		dp->tc_link_fd = fd;
		return 0;
	}
	log_debug("TCX attach failed (%s); falling back to a clsact qdisc", strerror(errno));
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("cannot create a clsact qdisc on %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &tc_opts);
	if (err) {
		log_error("cannot attach tc egress to %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	dp->tc_classic = 1;
	return 0;
}

int datapath_attach(struct datapath_instance *dp, const char *ifname, enum xdp_attach_mode mode)
{
	int err;

	snprintf(dp->ifname, sizeof(dp->ifname), "%s", ifname);
	dp->ifindex = if_nametoindex(ifname);
	if (!dp->ifindex) {
		log_error("no interface named %s in this network namespace", ifname);
		return -ENODEV;
	}
	err = attach_xdp(dp, mode);
	if (err)
		return err;
	err = attach_tc(dp);
	if (err) {
		datapath_detach(dp);
		return err;
	}
	return 0;
}

void datapath_detach(struct datapath_instance *dp)
{
	int detached = 0;

	if (dp->xdp_link_fd >= 0) {
		close(dp->xdp_link_fd);
		dp->xdp_link_fd = -1;
		detached = 1;
	}
	if (dp->tc_link_fd >= 0) {
		close(dp->tc_link_fd);
		dp->tc_link_fd = -1;
		detached = 1;
	}
	if (dp->tc_classic) {
		tc_classic_detach(dp->ifindex);
		dp->tc_classic = 0;
		detached = 1;
	}
	/* closing a link does not wait for runs already going: their packets must land
	 * in the maps before the final sweep reads them (nothing detached: nothing runs) */
	if (detached)
		wait_for_bpf_runs();
}

/* The maps status and a restarted instance need, by name. */
static struct bpf_map *pinned_maps(struct datapath *skel, int i)
{
	struct bpf_map *maps[] = { skel->maps.flows, skel->maps.counters, skel->maps.frags,
				   skel->maps.exposures, skel->maps.policy_decisions,
				   skel->maps.instance_info };

	return i < (int)(sizeof(maps) / sizeof(maps[0])) ? maps[i] : NULL;
}

int datapath_pin(struct datapath_instance *dp, const char *dir)
{
	char path[256];
	struct bpf_map *map;
	int i, err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", dir);
	for (i = 0; (map = pinned_maps(dp->skel, i)); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err) {
			log_error("cannot pin %s: %s", path, strerror(-err));
			datapath_unpin(dp);
			return err;
		}
	}
	return 0;
}

void datapath_unpin(struct datapath_instance *dp)
{
	struct bpf_map *map;
	int i;

	if (!dp->pin_dir[0])
		return;
	for (i = 0; (map = pinned_maps(dp->skel, i)); i++)
		if (bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	rmdir(dp->pin_dir);	/* PIN_ROOT, a mount point, stays */
	dp->pin_dir[0] = '\0';
}

const void *datapath_object_bytes(size_t *size)
{
	return datapath__elf_bytes(size);
}

void datapath_destroy(struct datapath_instance *dp)
{
	if (!dp->skel)
		return;
	datapath_detach(dp);
	datapath_unpin(dp);
	datapath__destroy(dp->skel);
	dp->skel = NULL;
}
