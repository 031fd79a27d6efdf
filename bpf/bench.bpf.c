// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for `make bench` only: the baselines the datapath is measured against in the
 * same run, and the live-frames traffic generator.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "datapath.h"	/* struct flow_key, struct flow_record: the ladder's table shapes */

/* Baseline of BPF_PROG_TEST_RUN: the cost of running any XDP program at all. */
SEC("xdp")
int bench_empty_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* Baseline of the live test: the fastest a veth can take frames through XDP. */
SEC("xdp")
int bench_empty_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* What the two kernel clocks cost: why the datapath reads neither and uses the
 * clock_now_ns variable userspace keeps current (see userspace/clock.c). */
__u64 clock_sink = 0;

SEC("xdp")
int bench_ktime(struct xdp_md *ctx)
{
	clock_sink += bpf_ktime_get_ns();
	return XDP_PASS;
}

SEC("xdp")
int bench_ktime_coarse(struct xdp_md *ctx)
{
	clock_sink += bpf_ktime_get_coarse_ns();
	return XDP_PASS;
}

/*
 * Baseline of the established-flow path (issue 11): the least a flow counter can be, an
 * IPv4 5-tuple in an LRU hash with packets and bytes added atomically. No encapsulation,
 * no IPv6, no fragments, no policy, no sampling, no end of flow: what edgewatch's
 * datapath does beyond this is what its ratio to this program prices.
 */
struct minimal_key {
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u8 proto, pad[3];
};

struct minimal_count {
	__u64 packets, bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct minimal_key);
	__type(value, struct minimal_count);
} minimal_flows SEC(".maps");

/* XDP_PASS for BPF_PROG_TEST_RUN; the live bench sets XDP_DROP, as edgewatch --passive */
const volatile __u32 minimal_verdict = XDP_PASS;

/* The IPv4 header of an untagged frame, its ports after it (no IP options: the bench's
 * frames have none); NULL when it is not one. */
static __always_inline struct iphdr *minimal_ipv4(void *data, void *data_end, __be16 **ports)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	*ports = (void *)(ip + 1);
	if ((void *)(*ports + 2) > data_end || eth->h_proto != bpf_htons(0x0800))
		return NULL;
	return ip;
}

static __always_inline void minimal_key_of(struct minimal_key *k, const struct iphdr *ip,
					  const __be16 *ports)
{
	k->saddr = ip->saddr;
	k->daddr = ip->daddr;
	k->sport = ports[0];
	k->dport = ports[1];
	k->proto = ip->protocol;
}

/* The counting itself: packets and bytes added atomically, a new entry inserted. */
static __always_inline void count_minimal(void *map, const void *key, __u64 len)
{
	struct minimal_count one = { 1, len }, *c = bpf_map_lookup_elem(map, key);

	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, len);
	} else {
		bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
	}
}

SEC("xdp")
int bench_minimal_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct minimal_key k = {};
	struct iphdr *ip;
	__be16 *ports;

	ip = minimal_ipv4(data, data_end, &ports);
	if (!ip)
		return minimal_verdict;
	minimal_key_of(&k, ip, ports);
	count_minimal(&minimal_flows, &k, data_end - data);
	return minimal_verdict;
}

/*
 * The ladder from the minimal counter to the datapath's flow table (issue 11: where do
 * the established flow's ns over the counter go?). The same counting, with one thing
 * changed at a time towards the datapath's table: the key (edgewatch's 48-byte struct
 * flow_key, hashed whole), the value (its 224-byte struct flow_record: the counters of
 * the packet's direction and last_seen_ns), both (the datapath's table shape, as a
 * preallocated hash like its `flows`). What the datapath costs over the last rung is the
 * rest of its work: the parser, the policy, the per-CPU outcome counters, sampling.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct flow_key);
	__type(value, struct minimal_count);
} ladder_wide_key SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct minimal_key);
	__type(value, struct flow_record);
} ladder_record SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct flow_key);
	__type(value, struct flow_record);
} ladder_table_shape SEC(".maps");

/* A fresh record's home (a 224-byte value is too large for the stack beside the rest). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_record);
} ladder_fresh SEC(".maps");

__u64 ladder_now_ns = 1;	/* as the datapath's clock_now_ns: a variable, not a helper */

static __always_inline void ladder_wide(struct flow_key *k, const struct iphdr *ip,
					const __be16 *ports)
{
	k->addr_a.be32[3] = ip->saddr;
	k->addr_b.be32[3] = ip->daddr;
	k->port_a = ports[0];
	k->port_b = ports[1];
	k->proto = ip->protocol;
	k->family = 4;
}

/* The datapath's per-packet writes to its record: its direction's counters, last_seen. */
static __always_inline void ladder_count_record(void *map, const void *key, __u64 len)
{
	struct flow_record *fr = bpf_map_lookup_elem(map, key), *fresh;
	__u32 zero = 0;

	if (fr) {
		__sync_fetch_and_add(&fr->packets[0], 1);
		__sync_fetch_and_add(&fr->bytes[0], len);
		if (ladder_now_ns > fr->last_seen_ns)
			fr->last_seen_ns = ladder_now_ns;
		return;
	}
	fresh = bpf_map_lookup_elem(&ladder_fresh, &zero);
	if (!fresh)
		return;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->packets[0] = 1;
	fresh->bytes[0] = len;
	fresh->first_seen_ns = fresh->last_seen_ns = ladder_now_ns;
	bpf_map_update_elem(map, key, fresh, BPF_NOEXIST);
}

/* A rung: the frame's key of key_type (made by key_of), counted by count in map. */
#define LADDER_RUNG(name, key_type, key_of, count, map)                                      \
	SEC("xdp")                                                                             \
	int name(struct xdp_md *ctx)                                                           \
	{                                                                                      \
		void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end; \
		key_type k = {};                                                               \
		struct iphdr *ip;                                                              \
		__be16 *ports;                                                                 \
                                                                                               \
		ip = minimal_ipv4(data, data_end, &ports);                                     \
		if (!ip)                                                                       \
			return minimal_verdict;                                                \
		key_of(&k, ip, ports);                                                         \
		count(&map, &k, data_end - data);                                              \
		return minimal_verdict;                                                        \
	}

LADDER_RUNG(bench_ladder_wide_key, struct flow_key, ladder_wide, count_minimal, ladder_wide_key)
LADDER_RUNG(bench_ladder_record, struct minimal_key, minimal_key_of, ladder_count_record,
	    ladder_record)
LADDER_RUNG(bench_ladder_table_shape, struct flow_key, ladder_wide, ladder_count_record,
	    ladder_table_shape)

/*
 * What a compact flow table would give (issue 11, live at 50,000 flows): the
 * datapath's per-packet fields only (its direction's counters, last_seen_ns, the
 * owner's sequence, the flags, the policy's and sampling's bytes: 64 bytes), the rest of
 * a record elsewhere and not touched per packet; with the 48-byte key, and with a
 * 16-byte one (a hash of the key, the key itself elsewhere).
 */
struct ladder_hot {
	__u64 packets[2], bytes[2];
	__u64 last_seen_ns, flow_seq;
	__u32 flags, policy_gen;
	__u8 tcp_flags[2], initiator, policy_verdict, samples[2], pad[2];
};
_Static_assert(sizeof(struct ladder_hot) == 64, "ladder_hot layout");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct flow_key);
	__type(value, struct ladder_hot);
} ladder_compact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct minimal_key);
	__type(value, struct ladder_hot);
} ladder_compact_key16 SEC(".maps");

static __always_inline void ladder_count_hot(void *map, const void *key, __u64 len)
{
	struct ladder_hot *h = bpf_map_lookup_elem(map, key), fresh = {};

	if (h) {
		__sync_fetch_and_add(&h->packets[0], 1);
		__sync_fetch_and_add(&h->bytes[0], len);
		if (ladder_now_ns > h->last_seen_ns)
			h->last_seen_ns = ladder_now_ns;
		return;
	}
	fresh.packets[0] = 1;
	fresh.bytes[0] = len;
	fresh.last_seen_ns = ladder_now_ns;
	bpf_map_update_elem(map, key, &fresh, BPF_NOEXIST);
}

LADDER_RUNG(bench_ladder_compact, struct flow_key, ladder_wide, ladder_count_hot, ladder_compact)
LADDER_RUNG(bench_ladder_compact_key16, struct minimal_key, minimal_key_of, ladder_count_hot,
	    ladder_compact_key16)

/*
 * Traffic generator, run with BPF_F_TEST_XDP_LIVE_FRAMES: each run rewrites the UDP
 * source port of the template frame (Ethernet/IPv4/UDP, no options) so that the frames
 * spread over gen_flows flows, and transmits it (XDP_TX) out of the veth it was "received"
 * on, to the program under test on the peer. Checksums are left alone: XDP does not
 * check them.
 */
const volatile __u32 gen_flows = 1;
__u32 gen_next = 0;

SEC("xdp")
int bench_live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be16 *sport = data + 14 + 20;	/* Ethernet + IPv4 without options */
	__u32 n;

	if ((void *)(sport + 1) > data_end)
		return XDP_ABORTED;
	n = __sync_fetch_and_add(&gen_next, 1);
	*sport = bpf_htons(10000 + n % gen_flows);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
