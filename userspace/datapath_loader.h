/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The datapath's lifecycle (libbpf skeleton): open -> set rodata, size maps -> load ->
 * attach XDP (ingress) and tc (egress) -> pin maps -> ... -> detach -> unpin.
 */
#ifndef EDGEWATCH_DATAPATH_LOADER_H
#define EDGEWATCH_DATAPATH_LOADER_H

#include <stdint.h>
#include "datapath.h"
#include "datapath.skel.h"
#include "kernel_features.h"
#include "ring_sizes.h"

enum xdp_attach_mode {
	XDP_ATTACH_AUTO = 0,	/* native where the driver has it, else generic (warned) */
	XDP_ATTACH_NATIVE,
	XDP_ATTACH_GENERIC,
};

struct datapath_options {
	int passive;		/* SPAN/ERSPAN sensor: drop mirrored copies after accounting */
	int replay;		/* clock and frame length come from replay */
	uint32_t flow_table_size;	/* 0 = EW_FLOW_TABLE_DEFAULT */
	uint32_t snaplen;		/* payload bytes per sample; 0 = EW_SNAPLEN_DEFAULT */
	uint32_t stream_depth;		/* TCP stream window per direction; 0 = off */
	uint32_t stream_segments;	/* segments sampled per window; 0 = the default */
	int l3_link;			/* the interface carries IP without a link-layer header */
	/* replay: blocked_flows, frags and frag_pending get at most this many entries
	 * (replay_lru_entries: more than the capture can fill); 0 = their defaults */
	uint32_t lru_entries;
	/* the ended_flows and samples rings' bytes (ring_sizes.h); 0 = the object's sizes */
	struct ring_sizes rings;
	/* every CPU counts atomically (struct flow_record); also set on a PREEMPT_RT
	 * kernel, where one CPU's programs may run interleaved */
	int atomic_counters;
};

struct datapath_instance {
	struct datapath *skel;
	int xdp_link_fd;	/* bpf_link: closing it (or dying) detaches */
	int tc_link_fd;		/* TCX bpf_link, or -1 with tc_classic set */
	int tc_classic;		/* attached through a clsact qdisc (kernel without TCX) */
	int ifindex;
	char ifname[32];
	enum xdp_attach_mode xdp_mode;	/* the mode that is in effect */
	char pin_dir[128];	/* "" when not pinned */
	struct kernel_probe_result features;	/* what datapath_load found the kernel has */
};

/* Open and load the programs. 0 or -errno (the reason is logged). */
int datapath_load(struct datapath_instance *dp, const struct datapath_options *opts);
/* Attach XDP on ifname's ingress and tc on its egress. */
int datapath_attach(struct datapath_instance *dp, const char *ifname, enum xdp_attach_mode mode);
/* Detach both programs (in-flight runs finish before this returns). */
void datapath_detach(struct datapath_instance *dp);
/*
 * Remove the classic tc egress filter an instance that died left on ifname (kernels
 * without TCX; with TCX there is none) and wait for its runs. 0, or -errno.
 */
int datapath_remove_orphan_tc(const char *ifname);
/* Pin the maps under dir (created). */
int datapath_pin(struct datapath_instance *dp, const char *dir);
void datapath_unpin(struct datapath_instance *dp);
/* Detach, unpin, free. NULL-safe on a zeroed instance. */
void datapath_destroy(struct datapath_instance *dp);
/* The BPF object embedded in this binary (the skeleton's ELF bytes). */
const void *datapath_object_bytes(size_t *size);

const char *xdp_attach_mode_name(enum xdp_attach_mode mode);

/*
 * Where an instance on ifname pins its maps: PIN_ROOT/IFNAME, in a bpffs of its own
 * mounted outside /sys, because `ip netns exec` mounts a new /sys (hiding a bpffs at
 * /sys/fs/bpf) but leaves /run as it is: a restart or `status` from any `ip netns exec`
 * shell finds the pins there.
 */
#define PIN_ROOT "/run/edgewatch/bpffs"	/* in LOCK_DIR (instance_lock.h) */
int pin_dir_for(const char *ifname, char *buf, size_t len);
/*
 * What ifname carries: 0 Ethernet frames, 1 bare IP packets (WireGuard, tun, PPP, IP
 * tunnels), or -errno for a link type edgewatch cannot parse (named in the log).
 */
int iface_link_is_l3(const char *ifname);
/*
 * Warn when the NIC strips VLAN tags before XDP sees them (rx-vlan-offload on a
 * driver that does so): flows would lose their VLAN ids on ingress only.
 */
void iface_warn_vlan_offload(const char *ifname);
/*
 * Make sure PIN_ROOT is a bpffs that outlives this process: one already mounted there
 * (by an earlier run, or by hand, in the host's mount namespace), else one this process
 * mounts if its mount namespace is its parents' (a bpffs mounted in a mount namespace
 * made for this process, as `ip netns exec` makes one, dies with it, and so would the
 * flow table a restart must recover: refused, saying why and what to do). 0 or -errno.
 */
int bpffs_ensure_mounted(void);

#endif /* EDGEWATCH_DATAPATH_LOADER_H */
