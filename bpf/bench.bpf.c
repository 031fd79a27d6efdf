// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Programs for `make bench` only: the baselines the datapath is measured against in the
 * same run, and the live-frames traffic generator.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

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

SEC("xdp")
int bench_minimal_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__be16 *ports = (void *)(ip + 1);	/* no IP options: the bench's frames have none */
	struct minimal_key k = {};
	struct minimal_count one = { 1, 0 }, *c;

	if ((void *)(ports + 2) > data_end || eth->h_proto != bpf_htons(0x0800))
		return minimal_verdict;
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	k.proto = ip->protocol;
	k.sport = ports[0];
	k.dport = ports[1];
	c = bpf_map_lookup_elem(&minimal_flows, &k);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, data_end - data);
	} else {
		one.bytes = data_end - data;
		bpf_map_update_elem(&minimal_flows, &k, &one, BPF_NOEXIST);
	}
	return minimal_verdict;
}

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
