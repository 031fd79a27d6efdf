/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Flow accounting shared by the XDP and tc programs: build the bidirectional key from
 * a parsed packet, find or create the flow, add the packet to its direction, and put
 * non-first IP fragments into the flow their first fragment opened.
 */
#ifndef EDGEWATCH_FLOW_BPF_H
#define EDGEWATCH_FLOW_BPF_H

#include "datapath.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "flood.bpf.h"
#include "frag_pending.bpf.h"

/* Is (a_addr, a_port) <= (b_addr, b_port)? Any fixed total order works; this is cheap. */
static __always_inline int endpoint_le(const union ew_addr *a, __be16 a_port,
				       const union ew_addr *b, __be16 b_port)
{
	if (a->u64[0] != b->u64[0])
		return a->u64[0] < b->u64[0];
	if (a->u64[1] != b->u64[1])
		return a->u64[1] < b->u64[1];
	return a_port <= b_port;
}

/*
 * Fill key from the innermost IP header and its ports. *from_a says whether the
 * packet's source is endpoint a of the canonical key. Returns 0 or an EW_CNT_PKT_*.
 */
static __always_inline int flow_key_build(struct flow_key *key, const struct parse_state *ps,
					  void *data, void *data_end, int *from_a)
{
	union ew_addr src = {}, dst = {};
	__u32 l3_off = ps->l3_off;

	if (l3_off > EW_PARSE_MAX_OFF)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	if (ps->family == 4) {
		struct iphdr *iph = data + l3_off;

		if (!CURSOR_HAS(iph, sizeof(*iph), data_end))
			return EW_CNT_PKT_TRUNC_IPV4;
		src.be32[0] = iph->saddr;
		dst.be32[0] = iph->daddr;
	} else {
		struct ipv6hdr *ip6h = data + l3_off;

		if (!CURSOR_HAS(ip6h, sizeof(*ip6h), data_end))
			return EW_CNT_PKT_TRUNC_IPV6;
		__builtin_memcpy(&src, &ip6h->saddr, 16);
		__builtin_memcpy(&dst, &ip6h->daddr, 16);
	}

	key->proto = ps->ipproto;
	key->family = ps->family;
	key->vlan[0] = ps->vlan[0];
	key->vlan[1] = ps->vlan[1];
	key->vlan[2] = ps->vlan[2];
	key->spi = ps->spi;
	*from_a = endpoint_le(&src, ps->sport, &dst, ps->dport);
	if (*from_a) {
		key->addr_a = src;
		key->addr_b = dst;
		key->port_a = ps->sport;
		key->port_b = ps->dport;
	} else {
		key->addr_a = dst;
		key->addr_b = src;
		key->port_a = ps->dport;
		key->port_b = ps->sport;
	}
	return 0;
}

/* The outer IP header of a tunnelled flow's first packet: its tunnel endpoints. */
static __always_inline void flow_record_outer(struct flow_record *fr, const struct parse_state *ps,
					      void *data, void *data_end)
{
	__u32 off = ps->outer_l3_off;

	if (ps->ip_layers < 2 || off > EW_PARSE_MAX_OFF)
		return;
	if (ps->outer_family == 4) {
		struct iphdr *iph = data + off;

		if (!CURSOR_HAS(iph, sizeof(*iph), data_end))
			return;
		fr->outer_src.be32[0] = iph->saddr;
		fr->outer_dst.be32[0] = iph->daddr;
	} else {
		struct ipv6hdr *ip6h = data + off;

		if (!CURSOR_HAS(ip6h, sizeof(*ip6h), data_end))
			return;
		__builtin_memcpy(&fr->outer_src, &ip6h->saddr, 16);
		__builtin_memcpy(&fr->outer_dst, &ip6h->daddr, 16);
	}
	fr->outer_family = ps->outer_family;
}

static __always_inline __u64 flow_next_seq(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&flow_seq, &zero);
	/* replay runs on one CPU, whichever it was pinned to: without the CPU in the
	 * sequence, the same capture gives the same flow ids on any CPU and machine */
	__u64 cpu = cfg_replay ? 0 : bpf_get_smp_processor_id();

	if (!seq)
		return cpu << 48;
	*seq += 1;
	return (cpu << 48) | (*seq & 0xFFFFFFFFFFFFULL);
}

/* The EW_FLOW_F_* this packet brings to its flow. */
static __always_inline __u32 packet_flow_flags(const struct parse_state *ps, int frag_overlap)
{
	__u32 flags = 0;

	if (ps->frag != FRAG_NONE)
		flags |= EW_FLOW_F_FRAGMENTED;
	if (ps->tiny_fragment)
		flags |= EW_FLOW_F_TINY_FRAGMENT;
	if (ps->inner_non_ip)
		flags |= EW_FLOW_F_INNER_NON_IP;
	if (frag_overlap)
		flags |= EW_FLOW_F_FRAG_OVERLAP;
	return flags;
}

/*
 * OR a packet's TCP flags into its direction's byte, atomically: packets of one
 * direction on two CPUs (a multi-queue NIC, a multi-threaded sender on egress) must not
 * lose a FIN or RST. BPF has no byte-sized atomics, so the OR goes to the aligned word
 * tcp_flags[] starts; its other bytes get zero bits, which changes nothing. Returns the
 * direction's flags as they were before.
 */
static __always_inline __u8 flow_or_tcp_flags(struct flow_record *fr, int dir, __u8 flags)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u32 shift = 8 * (dir & 1);
#else
	__u32 shift = 24 - 8 * (dir & 1);
#endif

	/* the direction's flags before: exactly one CPU sees a flag arrive */
	return (__u8)(__sync_fetch_and_or((__u32 *)fr->tcp_flags, (__u32)flags << shift) >> shift);
}

/*
 * Set bits in a flow's flag word (flags, reported). Returns the bits of bits that were
 * already set: 0 means this caller set them all first. The plain read first keeps the
 * usual case (nothing new) free of a locked instruction.
 */
static __always_inline __u32 flow_set_bits(__u32 *word, __u32 bits)
{
	if ((*word & bits) == bits)
		return bits;
	return __sync_fetch_and_or(word, bits) & bits;
}

/*
 * A packet gap_ns after the flow's previous one: a gap between bursts when it is
 * EW_GAP_MIN_NS or more (datapath.h, flow_record.gap_*). The usual packet costs one
 * compare here; the adds run once per burst, at most once a second per flow. Atomic:
 * the flow's two directions can arrive on two CPUs at once.
 * EW_BENCH_NO_GAP_STATS is set only by `make bench`'s second build of the datapath
 * (bpf/bench_nogap.bpf.c): the established-flow cost without the gaps, measured in the
 * same run; no build that ships sets it.
 */
static __always_inline void flow_note_gap(struct flow_record *fr, __u64 gap_ns)
{
#ifndef EW_BENCH_NO_GAP_STATS
	__u32 ms;

	if (gap_ns < EW_GAP_MIN_NS)
		return;
	ms = gap_ns / 1000000;
	__sync_fetch_and_add(&fr->gap_count, 1);
	__sync_fetch_and_add(&fr->gap_sum_ms, ms);
	__sync_fetch_and_add(&fr->gap_sumsq_ms, (__u64)ms * ms);
#endif
}

/*
 * Replay: can the flow be hot at the next sweep (sweep_hot_count's count, see
 * replay_hot_pkts)? Checked on every packet of a UDP or ICMP flow, whatever its
 * direction: a plain store, replay runs on one CPU.
 */
static __always_inline void flow_note_replay_hot(const struct flow_key *key,
						 const struct flow_record *fr)
{
	__u64 fwd, rev;
	__u32 fwd_marked, rev_marked;

	if (!cfg_replay || !replay_hot_pkts)
		return;
	if (key->proto != IPPROTO_UDP && key->proto != IPPROTO_ICMP &&
	    key->proto != IPPROTO_ICMPV6)
		return;
	/* sweep_hot_count's count, either way (a sweep too many costs nothing) */
	fwd = flow_dir_packets(fr, EW_DIR_TO_SERVER) - fr->exported_packets[EW_DIR_TO_SERVER];
	fwd_marked = (__u32)flow_dir_packets(fr, EW_DIR_TO_SERVER) -
		     fr->hot_mark[EW_DIR_TO_SERVER];
	rev = flow_dir_packets(fr, EW_DIR_TO_CLIENT) - fr->exported_packets[EW_DIR_TO_CLIENT];
	rev_marked = (__u32)flow_dir_packets(fr, EW_DIR_TO_CLIENT) -
		     fr->hot_mark[EW_DIR_TO_CLIENT];
	if ((fwd >= replay_hot_pkts && fwd_marked >= replay_hot_pkts) ||
	    (key->proto != IPPROTO_UDP && rev >= replay_hot_pkts &&
	     rev_marked >= replay_hot_pkts))
		replay_hot_seen = 1;
}

/*
 * Count a packet into its flow's direction (struct flow_record: who adds where). Replay
 * runs on one thread: plain adds. Live: plain adds into own_* on the CPU that created
 * the flow, atomic adds on any other (on every CPU with cfg_atomic_counters).
 */
static __always_inline void flow_count(struct flow_record *fr, int dir, __u64 pkts, __u64 len)
{
	if (cfg_replay) {
		fr->packets[dir & 1] += pkts;
		fr->bytes[dir & 1] += len;
	} else if (!cfg_atomic_counters &&
		   bpf_get_smp_processor_id() == EW_FLOW_OWNER_CPU(fr->flow_seq)) {
		fr->own_packets[dir & 1] += pkts;
		fr->own_bytes[dir & 1] += len;
	} else {
		__sync_fetch_and_add(&fr->packets[dir & 1], pkts);
		__sync_fetch_and_add(&fr->bytes[dir & 1], len);
	}
}

/* No flow for the packet: hand back the record it would have started with. */
static __always_inline int flow_not_created(struct flow_record *fresh, struct flow_record **out)
{
	fresh->flow_seq = 0;	/* in no table: its events say EW_EVENT_F_NO_FLOW */
	*out = fresh;
	return EW_CNT_PKT_FLOW_TABLE_FULL;
}

/*
 * Add one packet (or pkts GSO segments) of len bytes to the flow of key, creating it
 * if needed. Returns EW_CNT_PKT_FLOW with the flow in *out and the packet's direction
 * in *dir_out, or EW_CNT_PKT_FLOW_TABLE_FULL with *out the record the flow would have
 * started with (per-CPU scratch, flow_seq 0; NULL if there is none) and *dir_out the
 * packet's direction in it: the policy judges the packet on it all the same.
 * frag_overlap: the packet is a fragment overlapping an earlier one of its datagram.
 */
static __always_inline int flow_account(const struct flow_key *key, int from_a,
					const struct parse_state *ps, void *data, void *data_end,
					__u64 pkts, __u64 len, __u64 now, __u32 hook,
					struct ew_counters *cnt, int frag_overlap,
					struct flow_record **out, int *dir_out)
{
	struct flow_record *fr;
	int dir, err;

	/* replay is on one CPU: a plain store (see replay_closing_ns in maps.bpf.h) */
	if (cfg_replay && (ps->tcp_flags & (EW_TCP_FIN | EW_TCP_RST)) && now < replay_closing_ns)
		replay_closing_ns = now;
	fr = bpf_map_lookup_elem(&flows, key);
	if (!fr) {
		__u32 zero = 0;
		struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
		struct flow_record *fresh;
		int initiator_is_src = 1;

		if (!sc)
			return EW_CNT_PKT_FLOW_TABLE_FULL;	/* cannot happen: one per CPU */
		fresh = &sc->fresh_flow;
		__builtin_memset(fresh, 0, sizeof(*fresh));

		/* A SYN-ACK seen first was sent by the responder. */
		if ((ps->tcp_flags & (EW_TCP_SYN | EW_TCP_ACK)) == (EW_TCP_SYN | EW_TCP_ACK))
			initiator_is_src = 0;
		fresh->initiator = (from_a == initiator_is_src) ? 0 : 1;
		/*
		 * Constant indexes: with x[dir] clang 14 has built an address as
		 * "base | dir", and the verifier refuses bitwise ops on pointers.
		 */
		if (initiator_is_src) {
			fresh->packets[EW_DIR_TO_SERVER] = pkts;
			fresh->bytes[EW_DIR_TO_SERVER] = len;
			fresh->tcp_flags[EW_DIR_TO_SERVER] = ps->tcp_flags;
		} else {
			fresh->packets[EW_DIR_TO_CLIENT] = pkts;
			fresh->bytes[EW_DIR_TO_CLIENT] = len;
			fresh->tcp_flags[EW_DIR_TO_CLIENT] = ps->tcp_flags;
		}
		fresh->first_seen_ns = now;
		fresh->last_seen_ns = now;
		fresh->first_hook = hook;
		fresh->encap = ps->encap;
		fresh->tunnel_id = ps->tunnel_id;
		fresh->icmp_type = ps->icmp_type;
		fresh->icmp_code = ps->icmp_code;
		fresh->flags = packet_flow_flags(ps, frag_overlap);
		flow_record_outer(fresh, ps, data, data_end);
		fresh->flow_seq = flow_next_seq();
		*dir_out = initiator_is_src ? EW_DIR_TO_SERVER : EW_DIR_TO_CLIENT;

		err = bpf_map_update_elem(&flows, key, fresh, BPF_NOEXIST);
		/* a new flow, in the table or refused by it (not a race: the other CPU's) */
		if (err != -17 /* EEXIST */)
			flood_note_new(key, from_a, ps, fresh, err ? 0 : fresh->flow_seq, hook, cnt);
		if (err == 0) {
			cnt->count[hook & 1][EW_CNT_FLOW_CREATED]++;
			/* the inserted copy, for the policy and sampling to update */
			fr = bpf_map_lookup_elem(&flows, key);
			if (!fr)	/* swept already: impossible */
				return flow_not_created(fresh, out);
			flow_note_replay_hot(key, fr);
			*out = fr;
			return EW_CNT_PKT_FLOW;
		}
		if (err != -17 /* EEXIST */)
			return flow_not_created(fresh, out);
		/* another CPU created it between our lookup and insert: add to theirs */
		cnt->count[hook & 1][EW_CNT_FLOW_CREATE_RACE]++;
		fr = bpf_map_lookup_elem(&flows, key);
		if (!fr)
			return flow_not_created(fresh, out);
	}

	dir = (from_a == (fr->initiator == 0)) ? EW_DIR_TO_SERVER : EW_DIR_TO_CLIENT;
	flow_count(fr, dir, pkts, len);
	/* Write only what changed: fewer dirty cache lines when both directions of a
	 * flow run on different CPUs (see struct flow_record for what a race costs). */
	if (ps->tcp_flags & ~fr->tcp_flags[dir & 1]) {
		/* new flags only: a handful of packets per flow, not the established path */
		__u8 old = flow_or_tcp_flags(fr, dir, ps->tcp_flags);

		if (dir == EW_DIR_TO_SERVER)
			flood_note_flags(key, from_a, fr, old, ps->tcp_flags, hook, cnt);
	}
	if (now > fr->last_seen_ns) {
		flow_note_gap(fr, now - fr->last_seen_ns);
		fr->last_seen_ns = now;
	}
	flow_set_bits(&fr->flags, packet_flow_flags(ps, frag_overlap));
	flow_note_replay_hot(key, fr);
	*out = fr;
	*dir_out = dir;
	return EW_CNT_PKT_FLOW;
}

/*
 * Does the fragment's data overlap a fragment of its datagram seen before? Keeps the
 * ranges of the first EW_FRAG_RANGES fragments (overlap attacks need few; a long
 * train of fragments is compared with its first ones). A repeated first fragment
 * counts too: its datagram would be reassembled from either copy.
 */
static __always_inline int frag_overlaps(struct frag_entry *entry, const struct parse_state *ps)
{
	__u32 i, n = entry->nranges;
	int overlap = 0;

	for (i = 0; i < EW_FRAG_RANGES; i++) {
		if (i >= n)
			break;
		if (ps->frag_start < entry->range_end[i] && entry->range_start[i] < ps->frag_end)
			overlap = 1;
	}
	if (n < EW_FRAG_RANGES) {
		entry->range_start[n] = ps->frag_start;
		entry->range_end[n] = ps->frag_end;
		entry->nranges = n + 1;
	}
	return overlap;
}

/*
 * A first fragment: remember its flow for the fragments that follow without ports.
 * Returns 1 when it repeats a first fragment still remembered and overlaps it.
 */
static __always_inline int frag_track(const struct parse_state *ps, const struct flow_key *key,
				      int from_a, __u64 now, __u32 hook, struct ew_counters *cnt)
{
	struct frag_entry entry = {}, *seen;

	seen = bpf_map_lookup_elem(&frags, &ps->frag_key);
	if (seen && now <= seen->first_seen_ns + EW_FRAG_TIMEOUT_NS)
		return frag_overlaps(seen, ps);

	entry.flow = *key;
	entry.from_a = from_a;
	entry.first_seen_ns = now;
	entry.nranges = 1;
	entry.range_start[0] = ps->frag_start;
	entry.range_end[0] = ps->frag_end;
	if (bpf_map_update_elem(&frags, &ps->frag_key, &entry, BPF_ANY) == 0)
		cnt->count[hook & 1][EW_CNT_FRAG_TRACKED]++;
	else
		cnt->count[hook & 1][EW_CNT_FRAG_TRACK_FAILED]++;
	return 0;
}

/*
 * A non-first fragment: the flow key of its first fragment, or
 * EW_CNT_PKT_FRAG_FIRST_MISSING. *overlap: it overlaps an earlier fragment.
 */
static __always_inline int frag_lookup(const struct parse_state *ps, struct flow_key *key,
				       int *from_a, __u64 now, int *overlap)
{
	struct frag_entry *entry;

	entry = bpf_map_lookup_elem(&frags, &ps->frag_key);
	/* Not now - first_seen: a follower stamped a little before its first fragment
	 * (captures merged from several queues) must not wrap around to "too old". */
	if (!entry || now > entry->first_seen_ns + EW_FRAG_TIMEOUT_NS)
		return EW_CNT_PKT_FRAG_FIRST_MISSING;
	*key = entry->flow;
	/* every fragment of a datagram travels the way its first fragment did */
	*from_a = entry->from_a;
	*overlap = frag_overlaps(entry, ps);
	return 0;
}

#endif /* EDGEWATCH_FLOW_BPF_H */
