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

/* Packet outcome, verdict, encapsulation and event counters (struct ew_counters). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ew_counters);
} counters SEC(".maps");

/* Per-CPU sequence for flow_record.flow_seq. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} flow_seq SEC(".maps");

#endif /* EDGEWATCH_MAPS_BPF_H */
