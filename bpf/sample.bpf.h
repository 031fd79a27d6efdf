/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload sampling for the rules engine: the first K payload packets of every flow in
 * each direction, every payload packet of a flagged flow up to a cap, and 1-in-N of the
 * rest, each with up to cfg_snaplen bytes of the innermost L4 payload and the frame's
 * headers before it (struct sample_header: the evidence writes the real bytes). Samples that do
 * not fit in the ring buffer are counted (EW_CNT_SAMPLE_LOST), never silently dropped.
 */
#ifndef EDGEWATCH_SAMPLE_BPF_H
#define EDGEWATCH_SAMPLE_BPF_H

#include "datapath.h"
#include "maps.bpf.h"

/* Bytes of payload per sample: fixed at load, so records have a constant size. */
const volatile __u32 cfg_snaplen = EW_SNAPLEN_DEFAULT;

/* Should this payload packet be sampled? 0, or the enum ew_sample_reason. */
static __always_inline int sample_decide(struct flow_record *fr, int dir,
					 const struct policy_config *cfg)
{
	__u32 zero = 0, *draw;
	int flagged = fr->policy_verdict == EW_POLICY_VIOLATION || fr->egress_violation;

	/* constant indexes: see flow_account() */
	if (dir == EW_DIR_TO_SERVER) {
		if (fr->samples[EW_DIR_TO_SERVER] < cfg->sample_first) {
			fr->samples[EW_DIR_TO_SERVER]++;
			return EW_SAMPLE_FIRST;
		}
	} else if (fr->samples[EW_DIR_TO_CLIENT] < cfg->sample_first) {
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
	s->pad = 0;
	/* the headers fit the room after the payload, or are not copied (hdr_len 0) */
	s->hdr_len = ps->payload_off <= EW_SAMPLE_HEADROOM ? ps->payload_off : 0;
	__builtin_memset(s->pad2, 0, sizeof(s->pad2));
	return s;
}

/* The copy failed (or there was none to make): hand nothing over, count it. */
static __always_inline void sample_finish(struct ew_counters *cnt, struct sample_header *s,
					  int copy_err, __u32 hook)
{
	if (copy_err) {
		bpf_ringbuf_discard(s, 0);
		cnt->count[hook & 1][EW_CNT_SAMPLE_COPY_FAILED]++;
		return;
	}
	bpf_ringbuf_submit(s, 0);
	cnt->count[hook & 1][EW_CNT_SAMPLE_SENT]++;
}

#endif /* EDGEWATCH_SAMPLE_BPF_H */
