/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The established-flow path (issue 11): most packets belong to a flow the table already
 * holds and change nothing in it but its counters and last-seen time. Such a packet
 * skips the general accounting (datapath.bpf.c: account_packet, the policy, sampling,
 * the verdict's checks), which is written for every packet and pays its branches on
 * each. Measured in BPF_PROG_TEST_RUN on an established TCP flow: ~2-3 ns of 42 (the
 * minimal counter is 30-31), and ~5% more packets a second live at one flow
 * (BENCHMARKS.md, "The established-flow path").
 *
 * The path is a check and a count. established_check() only reads: it says yes when
 * the general path, given the same packet, would do exactly what established_count()
 * does, and nothing else. Everything else (a new flow, new TCP flags, a policy to
 * decide or a flagged flow, a sample to take, a stream window to fill, a flow to drop)
 * goes the general way, which finds the state as it was. Any change to what the
 * general path does to an established flow must be mirrored here: the BPF table test
 * test_datapath_established runs each case through both paths and compares the maps.
 */
#ifndef EDGEWATCH_ESTABLISHED_BPF_H
#define EDGEWATCH_ESTABLISHED_BPF_H

#include "datapath.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "flow.bpf.h"
#include "sample.bpf.h"

/* What established_check() found, for established_count(). */
struct established {
	struct flow_record *fr;
	__u32 *draw;	/* the 1-in-N sampling draw to advance (a payload packet), or NULL */
	int dir;	/* enum ew_dir of the packet in fr */
};

/*
 * Would the general path only count this packet into fr (the flow of key, found by the
 * caller; NULL: none)? ps came through parse_fast(): one IP header, no fragment, no
 * tunnel. cfg and gen: the policy in force (xdp_frame_run: policy_now). data_len: the
 * bytes sample_payload_len() measures the payload against, as the sampler is given
 * them. Reads only; fills *est when it says yes (1).
 */
static __always_inline int established_check(const struct parse_state *ps,
					     const struct flow_key *key, int from_a,
					     struct flow_record *fr,
					     const struct policy_config *cfg, __u32 gen,
					     __u32 data_len, __u32 hook, struct established *est)
{
	__u32 zero = 0, cap, on_wire = 0, base, *draw = NULL;
	int dir, stream_on;
	__u8 seen_flags;

	if (!fr || !cfg)
		return 0;
	/* flow_account(): the direction, and flags it has not seen (flow_or_tcp_flags) */
	dir = (from_a == (fr->initiator == 0)) ? EW_DIR_TO_SERVER : EW_DIR_TO_CLIENT;
	seen_flags = dir == EW_DIR_TO_SERVER ? fr->tcp_flags[EW_DIR_TO_SERVER]
					     : fr->tcp_flags[EW_DIR_TO_CLIENT];
	if (ps->tcp_flags & ~seen_flags)
		return 0;
	/*
	 * policy_apply() does nothing for a flow that is not a management flow and not an
	 * egress violation, once its verdict is of the generation in force; a flagged flow
	 * is also sampled differently (sample_decide)
	 */
	if (fr->policy_verdict != EW_POLICY_NONE || fr->egress_violation)
		return 0;
	if (gen && fr->policy_gen != gen)
		return 0;
	/* flow_blocked(): only XDP drops */
	if (hook == EW_HOOK_XDP_INGRESS && blocked_count &&
	    bpf_map_lookup_elem(&blocked_flows, key))
		return 0;

	/* sample_begin(): stream_decide() first, then sample_decide() for a payload */
	cap = sample_payload_len(ps, data_len, &on_wire);
	stream_on = stream_window_on(ps);
	if (stream_on) {
		if (ps->tcp_flags & EW_TCP_SYN)
			return 0;	/* sets the direction's base */
		if (cap) {
			if (dir == EW_DIR_TO_SERVER) {
				if (!(fr->flags & EW_FLOW_F_STREAM_BASE_TO_SERVER))
					return 0;
				base = fr->stream_base[EW_DIR_TO_SERVER];
			} else {
				if (!(fr->flags & EW_FLOW_F_STREAM_BASE_TO_CLIENT))
					return 0;
				base = fr->stream_base[EW_DIR_TO_CLIENT];
			}
			if (ps->tcp_seq - base < cfg_stream_depth)
				return 0;	/* in the window: a stream sample */
		}
	}
	if (cap) {
		if (!stream_on && (dir == EW_DIR_TO_SERVER ? fr->samples[EW_DIR_TO_SERVER]
							   : fr->samples[EW_DIR_TO_CLIENT]) <
					  cfg->sample_first)
			return 0;	/* one of the first K */
		if (cfg->sample_one_in) {
			draw = bpf_map_lookup_elem(&sample_draw, &zero);
			/* the draw that takes a sample is left to the general path */
			if (!draw || *draw + 1 >= cfg->sample_one_in)
				return 0;
		}
	}
	est->fr = fr;
	est->draw = draw;
	est->dir = dir;
	return 1;
}

/*
 * Count the packet as the general path would: its flow (flow_account), the outcome
 * counters (account_packet) and the sampling draw. pkts and len as account_packet's
 * (GSO segments and the bytes they carry on the wire). The verdict is the caller's.
 * EW_CNT_PKT_FLOW_ESTABLISHED stands for EW_CNT_PKT_FLOW here: one add fewer per
 * packet; counters_read() adds it back and reports it on its own as well.
 */
static __always_inline void established_count(struct ew_counters *cnt,
					      const struct parse_state *ps,
					      const struct flow_key *key,
					      const struct established *est, __u64 pkts,
					      __u64 len, __u32 hook, __u64 now)
{
	struct flow_record *fr = est->fr;

	if (est->draw)
		++*est->draw;
	if (cfg_replay && (ps->tcp_flags & (EW_TCP_FIN | EW_TCP_RST)) && now < replay_closing_ns)
		replay_closing_ns = now;
	flow_count(fr, est->dir, pkts, len);
	if (now > fr->last_seen_ns) {
		flow_note_gap(fr, now - fr->last_seen_ns);
		fr->last_seen_ns = now;
	}
	flow_note_replay_hot(key, fr);
	cnt->count[hook & 1][EW_CNT_PKT_SEEN] += pkts;
	cnt->count[hook & 1][EW_CNT_PKT_FLOW_ESTABLISHED] += pkts;
}

#endif /* EDGEWATCH_ESTABLISHED_BPF_H */
