/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The maps of the datapath, defined once for the XDP and tc programs. */
#ifndef EDGEWATCH_MAPS_BPF_H
#define EDGEWATCH_MAPS_BPF_H

#include "datapath.h"

/*
 * Flow table. A preallocated hash, not an LRU: an LRU would evict flows without
 * telling anyone, and edgewatch must count every flow it loses. When full, new flows
 * are refused and counted (EW_CNT_PKT_FLOW_TABLE_FULL); the daemon's sweeper exports
 * and deletes ended flows. Measurements behind this choice: BENCHMARKS.md.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EW_FLOW_TABLE_DEFAULT);
	__type(key, struct flow_key);
	__type(value, struct flow_record);
} flows SEC(".maps");

/*
 * First fragments seen -> the flow their followers belong to. An LRU is right here: an
 * evicted entry only makes later fragments count as EW_CNT_PKT_FRAG_FIRST_MISSING.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EW_FRAG_TABLE_DEFAULT);
	__type(key, struct frag_key);
	__type(value, struct frag_entry);
} frags SEC(".maps");

/*
 * Datagrams whose non-first fragments came before the first one -> their counts
 * (struct frag_pending). An LRU: a flood of fragments that never get a first one must
 * not lock the table; an evicted entry's packets only stay EW_CNT_PKT_FRAG_FIRST_MISSING,
 * where they were counted on arrival (evictions: held - joined - expired - pending).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EW_FRAG_PENDING_TABLE_DEFAULT);
	__type(key, struct frag_key);
	__type(value, struct frag_pending);
} frag_pending SEC(".maps");

/* Packet outcome, verdict, encapsulation and event counters (struct ew_counters). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_counters);
} counters SEC(".maps");

/*
 * Per-CPU room for records built before they are inserted: on the stack they would
 * push the program past the verifier's 512-byte stack limit.
 */
struct scratch {
	struct flow_record fresh_flow;
	struct exposure_entry fresh_exposure;
	struct flood_dest_count fresh_flood_dest;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* About this instance, for the one that may have to recover its flows (datapath.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct instance_info);
} instance_info SEC(".maps");

/* Per-CPU sequence for flow_record.flow_seq. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} flow_seq SEC(".maps");

/* ---- management and egress policy: two sets, see datapath.h --------------------- */

/* (set, proto, port) of management ports -> the port's index (its bit in allow masks) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_port_key);
	__type(value, __u32);
} mgmt_ports SEC(".maps");

/* (set, proto, port) of egress allow entries -> the port's index */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_port_key);
	__type(value, __u32);
} egress_ports SEC(".maps");

/* (set, address) of the protected management plane -> 1 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EW_POLICY_SETS * 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_addr_key);
	__type(value, __u8);
} protected_addrs SEC(".maps");

/* Sources allowed to reach management ports: (set, vlan, prefix) -> ports */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_lpm_v4_key);
	__type(value, struct policy_allow);
} mgmt_allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_lpm_v6_key);
	__type(value, struct policy_allow);
} mgmt_allow_v6 SEC(".maps");

/* Destinations protected addresses may open connections to: (set, any, prefix) -> ports */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_lpm_v4_key);
	__type(value, struct policy_allow);
} egress_allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EW_POLICY_SETS * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_lpm_v6_key);
	__type(value, struct policy_allow);
} egress_allow_v6 SEC(".maps");

/* What each set does (action, enabled parts, sampling) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EW_POLICY_SETS);
	__type(key, __u32);
	__type(value, struct policy_config);
} policy_configs SEC(".maps");

/* Management decisions per generation (generation % EW_POLICY_GEN_SLOTS) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_POLICY_GEN_SLOTS);
	__type(key, __u32);
	__type(value, struct policy_decisions);
} policy_decisions SEC(".maps");

/* Exposure inventory, for `edgewatch status` */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exposure_key);
	__type(value, struct exposure_entry);
} exposures SEC(".maps");

/* Flows a `drop` rule matched (enforce mode): the rest of them is dropped in XDP */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, __u8);
} blocked_flows SEC(".maps");

/*
 * The rate limit of events about packets without a flow entry (datapath.h,
 * EW_NOFLOW_EVENT_*): when each subject last had one. An LRU is right here: an evicted
 * subject only gets its next event a little early, and the per-CPU budget still bounds
 * the ring's load.
 */
struct noflow_event_key {
	union ew_addr source;	/* the initiator (for egress: the protected address) */
	union ew_addr target;	/* the responder */
	__u32 type;		/* enum ew_event_type */
	__be16 port;		/* the responder's port */
	__u8 proto;
	__u8 family;
	__u16 vlan;		/* outermost VID */
	__u8 pad[6];
};
_Static_assert(sizeof(struct noflow_event_key) == 48, "noflow_event_key layout");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct noflow_event_key);
	__type(value, __u64);	/* datapath clock of the subject's last event */
} noflow_events SEC(".maps");

/* Per CPU: events about flow-less packets sent in the current interval. */
struct noflow_budget {
	__u64 interval_start_ns;
	__u64 sent;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct noflow_budget);
} noflow_budget SEC(".maps");

/*
 * New flows per destination, for the flood detector (datapath.h, "Live flood counts").
 * Per CPU: the new-flow path adds without atomics. An LRU: the key is the destination,
 * so spoofed sources never grow it; a flood of random destinations evicts the least
 * recently used (counted by userspace: flood_dest_created - entries present).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, EW_FLOOD_DEST_TABLE_DEFAULT);
	__type(key, struct flood_dest_key);
	__type(value, struct flood_dest_count);
} flood_dests SEC(".maps");

/* ---- to userspace ------------------------------------------------------------- */

/* Flows that ended, written by the sweeper (struct flow_end) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EW_ENDED_RINGBUF_SIZE);
} ended_flows SEC(".maps");

/* Hot flows, written by the sweeper (struct flow_hot) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EW_HOT_RINGBUF_SIZE);
} hot_flows SEC(".maps");

/* Alerts the kernel raises (struct ew_event): small, never starved by samples */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EW_EVENTS_RINGBUF_SIZE);
} events SEC(".maps");

/* Payload samples (struct sample_header + payload) for the rules engine */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EW_SAMPLES_RINGBUF_SIZE);
} samples SEC(".maps");

/* Live only: a packet that found the clock asleep wakes its thread (ew_now_ns) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* one page, the least a ring can have */
} clock_wake SEC(".maps");

/* The 1-in-N sampling draw, per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sample_draw SEC(".maps");

/* ---- variables userspace writes (the skeleton's .bss, mmapped) ------------------- */

/* The clock of the fast path: see ew_now_ns() in datapath.bpf.c. */
__u64 clock_now_ns = 0;
/*
 * Live only, the idle clock (ew_now_ns): userspace sets clock_asleep when it stops
 * writing clock_now_ns (no packet for a while); the datapath sets clock_used when it
 * finds it clear (one write per clock tick and CPU, not per packet) and
 * clock_wake_sent when it has woken the clock thread.
 */
__u32 clock_asleep = 0;
__u32 clock_used = 0;
__u32 clock_wake_sent = 0;
/* The policy generation in force; its set is generation & 1. */
__u32 policy_gen = 0;
/* The live flood counts' source bitmaps' generation (datapath.h, EW_FLOOD_SRC_BITS). */
__u32 flood_src_gen = 0;
/* Entries in blocked_flows: while 0, no packet pays for the lookup. */
__u32 blocked_count = 0;
/*
 * Replay only: the earliest time of a packet with FIN or RST since userspace last set it
 * to ~0 (after each sweep). Such a packet can close a TCP flow, which then ends after
 * the tcp-closed timeout; replay needs it to know when a sweep can end something.
 * Replay sets it to ~0 before its first frame (0 would only make every sweep run).
 */
__u64 replay_closing_ns = 0;
/*
 * Replay only: the sweeper's hot_pkts (0: no hot flows reported), set by userspace
 * before the first frame; replay_hot_seen goes to 1 when a frame leaves a UDP or ICMP
 * flow with at least that many packets one way since its last record and the
 * previous hot sweep (sweep_hot_count can then hold for it), and userspace clears it after each sweep.
 * Without it replay had to sweep at every tick that hot_pkts frames reached.
 */
__u64 replay_hot_pkts = 0;
__u32 replay_hot_seen = 0;

/* ---- set by userspace before load (rodata) ---------------------------------------- */

/* replay: frames come from a capture through BPF_PROG_TEST_RUN on one CPU */
const volatile __u8 cfg_replay = 0;
/* 1: every CPU counts a flow atomically, its owner too (struct flow_record): set on
 * PREEMPT_RT kernels, where one CPU's programs may run interleaved */
const volatile __u8 cfg_atomic_counters = 0;

#endif /* EDGEWATCH_MAPS_BPF_H */
