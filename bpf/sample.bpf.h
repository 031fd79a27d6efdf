/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload sampling for the rules engine: in TCP flows, every payload segment of each
 * direction whose stream offset is below cfg_stream_depth (the stream window, which
 * userspace reassembles: payload/stream_reassembly.h), at most cfg_stream_segments of
 * them; in other flows (and TCP with the window off) the first K payload packets in
 * each direction; then every payload packet of a flagged flow up to a cap, and 1-in-N
 * of the rest, each with up to cfg_snaplen bytes of the innermost L4 payload and the
 * frame's headers before it (struct sample_header: the evidence writes the real bytes).
 * Samples that do not fit in the ring buffer are counted (EW_CNT_SAMPLE_LOST), never
 * silently dropped.
 */
#ifndef EDGEWATCH_SAMPLE_BPF_H
#define EDGEWATCH_SAMPLE_BPF_H

#include "datapath.h"
#include "maps.bpf.h"

/* Bytes of payload per sample: fixed at load, so records have a constant size. */
const volatile __u32 cfg_snaplen = EW_SNAPLEN_DEFAULT;

/*
 * Stream window, fixed at load (sampling.stream-depth, 0 = off, and stream-segments):
 * fixed so that a flow's samples[]/stream_segs[] bytes mean one thing for its life.
 */
const volatile __u32 cfg_stream_depth = 0;
const volatile __u32 cfg_stream_segments = EW_STREAM_SEGMENTS_DEFAULT;

/*
 * One direction of a TCP flow: note the base sequence number (ISN + 1 from a SYN, else
 * the first payload segment's) and decide whether this segment is in the window.
 * Called with pointers to that direction's fields, so the index is a constant in the
 * caller (see flow_account(): clang 14 and x[var] in a map value). The base is a plain
 * write: two CPUs taking the first segments of one direction at once agree on it
 * unless those segments differ, and then userspace sees a hole or an overlap, counted.
 */
static __always_inline int stream_decide_dir(struct flow_record *fr, const struct parse_state *ps,
					     __u32 *base, __u16 *segs, __u32 base_bit,
					     __u32 syn_bit, __u32 on_wire, __u32 *off,
					     __u8 *stream_flags)
{
	__u32 data_seq = ps->tcp_seq;

	if (ps->tcp_flags & EW_TCP_SYN) {
		/* a SYN's data (TCP Fast Open) starts after the ISN */
		data_seq++;
		*base = data_seq;
		__sync_fetch_and_or(&fr->flags, base_bit | syn_bit);
	} else if (!on_wire) {
		return 0;
	} else if (!(fr->flags & base_bit)) {
		*base = data_seq;
		__sync_fetch_and_or(&fr->flags, base_bit);
	}
	if (!on_wire)
		return 0;
	*off = data_seq - *base;
	/* before the base (wrapped) or past the depth: outside the window */
	if (*off >= cfg_stream_depth)
		return 0;
	if (*segs >= cfg_stream_segments)
		return -1;
	(*segs)++;
	*stream_flags = fr->flags & syn_bit ? EW_STREAM_F_SYN_BASE : 0;
	return 1;
}

/*
 * TCP with the window on: 1 when the segment is in its direction's window (off and
 * flags set for the sample header), -1 when it is but the direction's segment cap is
 * spent, 0 otherwise. Sees SYNs and empty segments too (for the base).
 */
static __always_inline int stream_decide(struct flow_record *fr, int dir,
					 const struct parse_state *ps, __u32 on_wire, __u32 *off,
					 __u8 *stream_flags)
{
	if (dir == EW_DIR_TO_SERVER)
		return stream_decide_dir(fr, ps, &fr->stream_base[EW_DIR_TO_SERVER],
					 &fr->stream_segs[EW_DIR_TO_SERVER],
					 EW_FLOW_F_STREAM_BASE_TO_SERVER,
					 EW_FLOW_F_STREAM_SYN_TO_SERVER, on_wire, off, stream_flags);
	return stream_decide_dir(fr, ps, &fr->stream_base[EW_DIR_TO_CLIENT],
				 &fr->stream_segs[EW_DIR_TO_CLIENT], EW_FLOW_F_STREAM_BASE_TO_CLIENT,
				 EW_FLOW_F_STREAM_SYN_TO_CLIENT, on_wire, off, stream_flags);
}

static __always_inline int stream_window_on(const struct parse_state *ps)
{
	return cfg_stream_depth && ps->ipproto == IPPROTO_TCP;
}

/*
 * Should this payload packet be sampled (stream_decide() has already said no when the
 * window is on)? 0, or the enum ew_sample_reason.
 */
static __always_inline int sample_decide(struct flow_record *fr, int dir,
					 const struct policy_config *cfg, int stream_on)
{
	__u32 zero = 0, *draw;
	int flagged = fr->policy_verdict == EW_POLICY_VIOLATION || fr->egress_violation;

	/* constant indexes: see flow_account(); a TCP flow with the window on has no
	 * first-K samples (its window took their place and their bytes) */
	if (!stream_on && dir == EW_DIR_TO_SERVER) {
		if (fr->samples[EW_DIR_TO_SERVER] < cfg->sample_first) {
			fr->samples[EW_DIR_TO_SERVER]++;
			return EW_SAMPLE_FIRST;
		}
	} else if (!stream_on && fr->samples[EW_DIR_TO_CLIENT] < cfg->sample_first) {
		fr->samples[EW_DIR_TO_CLIENT]++;
		return EW_SAMPLE_FIRST;
	}
	if (flagged && fr->flagged_samples < cfg->sample_flagged_cap) {
		fr->flagged_samples++;
		return EW_SAMPLE_FLAGGED;
	}
	if (!cfg->sample_one_in)
		return 0;
	draw = bpf_map_lookup_elem(&sample_draw, &zero);
	if (!draw)
		return 0;
	if (++*draw < cfg->sample_one_in)
		return 0;
	*draw = 0;
	return EW_SAMPLE_ONE_IN_N;
}

/*
 * The payload bytes of the packet: from payload_off to the end of the IP datagram (or
 * of the frame), at most the snap length. 0 when there is none.
 */
static __always_inline __u32 sample_payload_len(const struct parse_state *ps, __u32 frame_len,
						__u32 *on_wire)
{
	__u32 end = ps->ip_end && ps->ip_end < frame_len ? ps->ip_end : frame_len;

	if (!ps->payload_off || ps->payload_off >= end)
		return 0;
	*on_wire = end - ps->payload_off;
	return *on_wire < cfg_snaplen ? *on_wire : cfg_snaplen;
}

/* Reserve a sample record and fill its header; the caller copies the payload in. */
static __always_inline struct sample_header *
sample_reserve(struct ew_counters *cnt, const struct flow_key *key, const struct flow_record *fr,
	       const struct parse_state *ps, int from_a, int dir, int reason, __u32 hook,
	       __u32 frame_len, __u32 payload_len, __u32 cap_len, __u64 now)
{
	struct sample_header *s;

	s = bpf_ringbuf_reserve(&samples, sizeof(*s) + cfg_snaplen + EW_SAMPLE_HEADROOM, 0);
	if (!s) {
		cnt->count[hook & 1][EW_CNT_SAMPLE_LOST]++;
		return NULL;
	}
	s->ts_ns = now;
	s->flow_seq = fr->flow_seq;
	s->key = *key;
	s->frame_len = frame_len;
	s->payload_len = payload_len;
	s->payload_off = ps->payload_off;
	s->cap_len = cap_len;
	s->from_a = from_a;
	s->dir = dir;
	s->hook = hook;
	s->reason = reason;
	s->tcp_flags = ps->tcp_flags;
	s->initiator = fr->initiator;
	s->policy_verdict = fr->policy_verdict;
	s->stream_flags = 0;
	s->stream_off = 0;
	/* the headers fit the room after the payload, or are not copied (hdr_len 0) */
	s->hdr_len = ps->payload_off <= EW_SAMPLE_HEADROOM ? ps->payload_off : 0;
	__builtin_memset(s->pad, 0, sizeof(s->pad));
	return s;
}

/*
 * Does this sample wake the daemon (issue 11)? A ring buffer's wake-up is an irq_work:
 * the CPU that submits interrupts itself, which on a virtual machine is a write to the
 * APIC that exits to the hypervisor. With the kernel's default (wake when the consumer
 * had caught up) a daemon that keeps up was woken by every sample: at 10,000 samples a
 * second (1 in 1,000 of 10 Mpps) that was 4% of all the profile's samples, a third of
 * the program's own. So a sample wakes the daemon only when EW_SAMPLE_WAKE_NS have passed
 * since the last one that did (at most 1,000 wake-ups a second); the ones in between are
 * read with the next one that wakes it or by the run loop, which reads the rings on every
 * pass and waits at most SAMPLE_POLL_MS while samples come (userspace/run.c). A lone
 * sample wakes it at once. samples_woken_ns is a plain store: two CPUs racing cost one
 * extra wake-up; the run loop reads it too. Replay reads the ring after every frame that
 * wrote to it and is never woken.
 */
__u64 samples_woken_ns = 0;

static __always_inline __u64 sample_wake_flags(__u64 now)
{
	if (cfg_replay || now - samples_woken_ns < EW_SAMPLE_WAKE_NS)
		return BPF_RB_NO_WAKEUP;
	samples_woken_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

/* The copy failed (or there was none to make): hand nothing over, count it. */
static __always_inline void sample_finish(struct ew_counters *cnt, struct sample_header *s,
					  int copy_err, __u32 hook)
{
	if (copy_err) {
		bpf_ringbuf_discard(s, BPF_RB_NO_WAKEUP);
		cnt->count[hook & 1][EW_CNT_SAMPLE_COPY_FAILED]++;
		return;
	}
	bpf_ringbuf_submit(s, sample_wake_flags(s->ts_ns));
	cnt->count[hook & 1][EW_CNT_SAMPLE_SENT]++;
}

#endif /* EDGEWATCH_SAMPLE_BPF_H */
