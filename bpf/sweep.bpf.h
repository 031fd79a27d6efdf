/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow table's sweeper, a BPF_PROG_TYPE_SYSCALL program that userspace runs with
 * BPF_PROG_RUN (see "The sweeper" in datapath.h). It is included by datapath.bpf.c so
 * that it shares the datapath's maps.
 */
#ifndef EDGEWATCH_SWEEP_BPF_H
#define EDGEWATCH_SWEEP_BPF_H

#include "datapath.h"
#include "maps.bpf.h"
#include "frag_pending.bpf.h"

/* Flood debris (datapath.h): a single packet in all, or TCP SYN only and no answer. */
static __always_inline int flow_is_debris(const struct flow_key *key,
					  const struct flow_record *fr)
{
	__u64 to_server = flow_dir_packets(fr, EW_DIR_TO_SERVER);
	__u64 to_client = flow_dir_packets(fr, EW_DIR_TO_CLIENT);

	if (to_server + to_client <= 1)
		return 1;
	return to_client == 0 && key->proto == IPPROTO_TCP &&
	       !(fr->tcp_flags[EW_DIR_TO_SERVER] & ~(EW_TCP_SYN | EW_TCP_ECE | EW_TCP_CWR));
}

/* The age bucket of an idle time (datapath.h, EW_SWEEP_AGE_BUCKETS): its bits in ms. */
static __always_inline __u32 sweep_age_bucket(__u64 idle_ns)
{
	__u64 ms = idle_ns / 1000000;
	__u32 b = 0;
	int i;

	for (i = 0; i < EW_SWEEP_AGE_BUCKETS - 1; i++) {
		if (!ms)
			break;
		ms >>= 1;
		b++;
	}
	return b;
}

/*
 * Has the flow ended at a->now_ns? The reason, or -1 to keep it. Takes one from
 * a->debris_budget when debris goes on it (a pass stopped by a full ring gives that
 * flow's unit up: under-freeing by a few flows is harmless).
 */
static __always_inline int sweep_decide(const struct flow_key *key, const struct flow_record *fr,
					struct sweep_args *a)
{
	__u64 last = fr->last_seen_ns, start;
	__u64 idle = a->now_ns > last ? a->now_ns - last : 0;

	if (a->flags & EW_SWEEP_F_ALL)
		return EW_END_SHUTDOWN;
	if (idle >= a->idle_ns)
		return EW_END_TIMEOUT;
	if (key->proto == IPPROTO_TCP && idle >= a->tcp_closed_ns) {
		__u8 both = fr->tcp_flags[0] | fr->tcp_flags[1];

		if ((both & EW_TCP_RST) ||
		    ((fr->tcp_flags[0] & EW_TCP_FIN) && (fr->tcp_flags[1] & EW_TCP_FIN)))
			return EW_END_CLOSED;
	}
	if ((a->flags & EW_SWEEP_F_PRESSURE) && idle >= a->pressure_idle_ns)
		return EW_END_FORCED;
	if ((a->flags & EW_SWEEP_F_DEBRIS) && flow_is_debris(key, fr)) {
		if (idle >= a->debris_older_ns)
			return EW_END_FORCED;
		if (idle >= a->debris_min_ns && a->debris_budget) {
			a->debris_budget--;
			return EW_END_FORCED;
		}
	}
	start = fr->interval_start_ns ? fr->interval_start_ns : fr->first_seen_ns;
	if (a->active_ns && a->now_ns > start && a->now_ns - start >= a->active_ns)
		return EW_END_ACTIVE_TIMEOUT;
	return -1;
}

/*
 * When a flow sweep_decide() keeps at now can end at the earliest if no packet of it
 * comes: its conditions solved for now. "idle >= t" holds from last + t on, or always
 * when t is 0 (idle is never negative). A sum that wraps only makes the time earlier:
 * replay sweeps once more, nothing is missed. The minimum over the kept flows goes to
 * userspace in sweep_args.next_end_ns.
 *
 * Kept in a global (map memory), with the timeouts it needs worked out once per sweep:
 * the verifier checks a callback as a loop until its states repeat, and values in the
 * callback's context (our stack) that branches compare are tracked exactly, so the
 * states never repeated (ew_sweep went past the 1M instruction limit). What is read
 * from a map is not tracked.
 */
struct sweep_plan {
	__u64 quiet_ns;		/* the shortest quiet time that ends a flow (idle, pressure) */
	__u64 quiet_closed_ns;	/* the same for a closed TCP flow (and tcp-closed) */
	__u64 active_ns;
	__u64 next_end_ns;	/* out: the minimum so far */
};
static volatile struct sweep_plan sweep_plan;	/* static: not in the skeleton */

static __always_inline __u64 sweep_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __always_inline void sweep_plan_start(const struct sweep_args *a)
{
	sweep_plan.quiet_ns = a->idle_ns;
	if (a->flags & EW_SWEEP_F_PRESSURE)
		sweep_plan.quiet_ns = sweep_min(sweep_plan.quiet_ns, a->pressure_idle_ns);
	sweep_plan.quiet_closed_ns = sweep_min(sweep_plan.quiet_ns, a->tcp_closed_ns);
	sweep_plan.active_ns = a->active_ns;
	sweep_plan.next_end_ns = ~0ULL;
}

static __always_inline void sweep_plan_note(const struct flow_key *key,
					    const struct flow_record *fr)
{
	__u8 closed = ((fr->tcp_flags[0] | fr->tcp_flags[1]) & EW_TCP_RST) |
		      (fr->tcp_flags[0] & fr->tcp_flags[1] & EW_TCP_FIN);
	__u64 quiet = key->proto == IPPROTO_TCP && closed ? sweep_plan.quiet_closed_ns
							   : sweep_plan.quiet_ns;
	__u64 end = quiet ? fr->last_seen_ns + quiet : 0, start;

	start = fr->interval_start_ns ? fr->interval_start_ns : fr->first_seen_ns;
	if (sweep_plan.active_ns)
		end = sweep_min(end, start + sweep_plan.active_ns);
	if (end < sweep_plan.next_end_ns)
		sweep_plan.next_end_ns = end;
}

/* What packets on other CPUs can change in a flow record while the sweeper reads it. */
struct sweep_live_fields {
	__u64 packets[2];
	__u64 bytes[2];
	__u64 last_seen_ns;
	__u32 flags;
	__u32 reported;
	__u8 tcp_flags[2];
	__u64 gap_sumsq_ms;
	__u32 gap_count;
	__u32 gap_sum_ms;
};

/*
 * The counters of a flow that may have changed since copy was taken (a packet of the
 * flow on another CPU), read again after the delete. A deleted element of a
 * preallocated hash can be reused by a new flow at once, so they are taken only if the
 * element still holds our flow (the same flow_seq) both before and after the reads;
 * otherwise copy stays as it was before the delete. 0, or -1 when the element was reused.
 */
static __always_inline int sweep_refresh_counters(struct flow_record *copy,
						  const struct flow_record *fr)
{
	struct sweep_live_fields now;

	if (fr->flow_seq != copy->flow_seq)
		return -1;
	barrier();	/* the reads stay between the two checks */
	/* both parts of each count (datapath.h): copy is folded (flow_record_fold) */
	now.packets[0] = flow_dir_packets(fr, EW_DIR_TO_SERVER);
	now.packets[1] = flow_dir_packets(fr, EW_DIR_TO_CLIENT);
	now.bytes[0] = flow_dir_bytes(fr, EW_DIR_TO_SERVER);
	now.bytes[1] = flow_dir_bytes(fr, EW_DIR_TO_CLIENT);
	now.last_seen_ns = fr->last_seen_ns;
	now.tcp_flags[0] = fr->tcp_flags[0];
	now.tcp_flags[1] = fr->tcp_flags[1];
	now.flags = fr->flags;
	now.reported = fr->reported;
	now.gap_sumsq_ms = fr->gap_sumsq_ms;
	now.gap_count = fr->gap_count;
	now.gap_sum_ms = fr->gap_sum_ms;
	barrier();
	/* a new flow written over the element between the two checks changes flow_seq */
	if (fr->flow_seq != copy->flow_seq)
		return -1;
	copy->packets[0] = now.packets[0];
	copy->packets[1] = now.packets[1];
	copy->bytes[0] = now.bytes[0];
	copy->bytes[1] = now.bytes[1];
	copy->last_seen_ns = now.last_seen_ns;
	copy->tcp_flags[0] = now.tcp_flags[0];
	copy->tcp_flags[1] = now.tcp_flags[1];
	copy->flags = now.flags;
	copy->reported = now.reported;
	copy->gap_sumsq_ms = now.gap_sumsq_ms;
	copy->gap_count = now.gap_count;
	copy->gap_sum_ms = now.gap_sum_ms;
	return 0;
}

/* The previous hot sweep's now_ns: every kept UDP/ICMP flow's hot_mark is of then. */
__u64 sweep_hot_prev_ns = 0;

/*
 * A kept UDP or ICMP flow that sent at least hot_pkts packets one way since the previous
 * hot sweep (hot_mark) and since its last record, at least hot_pkts a second on average
 * over that span, goes on hot_flows (datapath.h, "Live flood counts"). The span starts at
 * the latest of the previous hot sweep, the last record and the flow's first packet: a
 * long quiet flow (a monitor's ping every second for an hour) that turns into a flood is
 * judged on the flood's rate, not on the hour's average (which kept it under the rate
 * for minutes, and spread what it reported over the hour). TCP is left out: SYN floods
 * are judged on new flows per destination, and a busy TCP flow is not a flood. The
 * responder's way counts for ICMP only (a UDP server's answers are asked for: a QUIC
 * download is a fast UDP flow toward its client): ICMP flows are keyed by address pair,
 * so an echo flood toward a host that opened the pair (its port-unreachable answers to a
 * UDP flood, an earlier ping of its own) travels the responder's way. Either way, an ICMP
 * way that sent echo replies and never a request is answering, and is not reported.
 * Returns the packets of the span (0: not hot).
 */
__noinline __u64 sweep_hot_count(const struct flow_record *fr, struct sweep_args *a, __u8 proto,
				 int dir)
{
	__u64 since, pkts, secs, total, exported;
	__u32 mark;
	__u8 echo;

	/* a global function, verified once on its own (so its arguments are checked
	 * here): inlined into the for_each callback, these branches multiplied the
	 * callback's states past the verifier's 1M-instruction budget once the gap sums
	 * were in the same callback. The flow key cannot be an argument (the verifier
	 * takes a global function's pointer arguments as writable, and a map key is not). */
	if (!fr || !a)
		return 0;
	if (proto != IPPROTO_UDP && proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6)
		return 0;
	/* constant indexes, one branch each (see flow_account: clang 14 and x[var]) */
	if (dir == EW_DIR_TO_SERVER) {
		echo = fr->tcp_flags[EW_DIR_TO_SERVER];
		total = flow_dir_packets(fr, EW_DIR_TO_SERVER);
		exported = fr->exported_packets[EW_DIR_TO_SERVER];
		mark = fr->hot_mark[EW_DIR_TO_SERVER];
	} else {
		if (proto == IPPROTO_UDP)
			return 0;
		echo = fr->tcp_flags[EW_DIR_TO_CLIENT];
		total = flow_dir_packets(fr, EW_DIR_TO_CLIENT);
		exported = fr->exported_packets[EW_DIR_TO_CLIENT];
		mark = fr->hot_mark[EW_DIR_TO_CLIENT];
	}
	/* ICMP: a way that sent echo replies and no request only answered (either way: the
	 * host that opened the pair answers a flood of the other's requests) */
	if (proto != IPPROTO_UDP &&
	    (echo & (EW_ICMP_SENT_ECHO_REQUEST | EW_ICMP_SENT_ECHO_REPLY)) == EW_ICMP_SENT_ECHO_REPLY)
		return 0;
	since = fr->interval_start_ns ? fr->interval_start_ns : fr->first_seen_ns;
	pkts = total - exported;
	/* marked at the previous hot sweep (the flow was there then): only what came since.
	 * 32 bits of a count: the difference is right while fewer than 2^32 packets come
	 * in one sweep interval */
	if (sweep_hot_prev_ns > since) {
		since = sweep_hot_prev_ns;
		if ((__u32)((__u32)total - mark) < pkts)
			pkts = (__u32)((__u32)total - mark);
	}
	secs = a->now_ns > since ? (a->now_ns - since) / 1000000000ULL : 0;
	if (pkts < a->hot_pkts || (secs > 1 && pkts / secs < a->hot_pkts))
		return 0;
	return pkts;
}

static __always_inline void sweep_note_hot_dir(const struct flow_key *key,
					       const struct flow_record *fr,
					       struct sweep_args *a, int dir)
{
	struct flow_hot *h;
	__u64 pkts = sweep_hot_count(fr, a, key->proto, dir);

	if (!pkts)
		return;
	h = bpf_ringbuf_reserve(&hot_flows, sizeof(*h), 0);
	if (!h) {
		a->hot_lost++;
		return;
	}
	h->key = *key;
	h->flow_seq = fr->flow_seq;
	h->first_seen_ns = fr->first_seen_ns;
	h->since_ns = fr->interval_start_ns ? fr->interval_start_ns : fr->first_seen_ns;
	if (sweep_hot_prev_ns > h->since_ns)
		h->since_ns = sweep_hot_prev_ns;
	h->last_seen_ns = fr->last_seen_ns;
	h->packets = dir == EW_DIR_TO_SERVER ? flow_dir_packets(fr, EW_DIR_TO_SERVER)
					     : flow_dir_packets(fr, EW_DIR_TO_CLIENT);
	h->exported_packets = h->packets - pkts;
	h->initiator = fr->initiator;
	h->icmp_type = fr->icmp_type;
	h->icmp_code = fr->icmp_code;
	h->dir = (__u8)dir;
	__builtin_memset(h->pad, 0, sizeof(h->pad));
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	a->hot_reported++;
}

static __always_inline void sweep_note_hot(const struct flow_key *key, struct flow_record *fr,
					   struct sweep_args *a)
{
	if (key->proto != IPPROTO_UDP && key->proto != IPPROTO_ICMP &&
	    key->proto != IPPROTO_ICMPV6)
		return;
	sweep_note_hot_dir(key, fr, a, EW_DIR_TO_SERVER);
	sweep_note_hot_dir(key, fr, a, EW_DIR_TO_CLIENT);
	/* the next hot sweep measures from here (a plain store: the datapath never
	 * writes hot_mark, and a packet counted meanwhile is in the next interval) */
	fr->hot_mark[EW_DIR_TO_SERVER] = (__u32)flow_dir_packets(fr, EW_DIR_TO_SERVER);
	fr->hot_mark[EW_DIR_TO_CLIENT] = (__u32)flow_dir_packets(fr, EW_DIR_TO_CLIENT);
}

/*
 * Judge one flow of the sweep: -1 keeps it (and notes what a kept flow tells: the next
 * end, hot flows, debris), else the reason it ends. A global function, verified once
 * on its own: inlined into the for_each callback, which the verifier checks as a loop
 * until its states repeat, these branches multiplied the callback's states past the 1M
 * instruction budget (6.18.44; 6.18's earlier builds and 6.1 passed). The key is a copy
 * on the callback's stack: a global function's pointer arguments are taken as writable,
 * and a map key is not; and no map helper takes such an argument as a key on 6.1
 * ("R2 type=mem expected=fp, ..."), so ending the flow stays in the callback.
 */
__noinline int sweep_judge(struct flow_key *key, struct flow_record *fr, struct sweep_args *a)
{
	int reason;

	if (!key || !fr || !a)
		return -1;
	a->visited++;
	reason = sweep_decide(key, fr, a);
	if (reason < 0) {
		a->kept++;
		a->kept_packets += flow_dir_packets(fr, EW_DIR_TO_SERVER) +
				   flow_dir_packets(fr, EW_DIR_TO_CLIENT) -
				   fr->exported_packets[0] - fr->exported_packets[1];
		sweep_plan_note(key, fr);
		if ((a->flags & EW_SWEEP_F_HOT) && a->hot_pkts)
			sweep_note_hot(key, fr, a);
		if (flow_is_debris(key, fr))
			a->debris_kept[sweep_age_bucket(a->now_ns > fr->last_seen_ns ?
							a->now_ns - fr->last_seen_ns : 0) &
				       (EW_SWEEP_AGE_BUCKETS - 1)]++;
		return -1;
	}
	return reason;
}

/*
 * bpf_for_each_map_elem's callback over the flow table: judge the flow, and end it when
 * it is over (its record on ended_flows, then deleted). 0 to go on, 1 to stop (the ring
 * is full).
 */
static long sweep_one(struct bpf_map *map, struct flow_key *key, struct flow_record *fr,
		      struct sweep_args *a)
{
	struct flow_key k = *key;
	struct flow_end *rec;
	int reason;

	reason = sweep_judge(&k, fr, a);
	if (reason < 0)
		return 0;
	/* the record first: no flow leaves the table without one */
	rec = bpf_ringbuf_reserve(&ended_flows, sizeof(*rec), 0);
	if (!rec) {
		a->ring_full = 1;
		return 1;	/* stop: userspace drains the ring and runs us again */
	}
	rec->reason = reason;
	rec->pad = 0;
	rec->key = *key;
	rec->record = *fr;
	flow_record_fold(&rec->record);	/* one count per direction for userspace */
	if (reason == EW_END_ACTIVE_TIMEOUT) {
		/* the flow goes on: what this record covers is the next one's baseline */
		fr->exported_packets[0] = rec->record.packets[0];
		fr->exported_packets[1] = rec->record.packets[1];
		fr->exported_bytes[0] = rec->record.bytes[0];
		fr->exported_bytes[1] = rec->record.bytes[1];
		fr->interval_start_ns = a->now_ns;
		/* the gaps are sums, not totals with a baseline: take out what the record
		 * carries, atomically, so a gap added since the copy stays for the next */
		__sync_fetch_and_add(&fr->gap_count, -rec->record.gap_count);
		__sync_fetch_and_add(&fr->gap_sum_ms, -rec->record.gap_sum_ms);
		__sync_fetch_and_add(&fr->gap_sumsq_ms, -rec->record.gap_sumsq_ms);
		sweep_plan_note(key, fr);
		a->kept++;
		a->kept_packets += flow_dir_packets(fr, EW_DIR_TO_SERVER) +
				   flow_dir_packets(fr, EW_DIR_TO_CLIENT) -
				   rec->record.packets[0] - rec->record.packets[1];
	} else if (bpf_map_delete_elem(map, key)) {
		bpf_ringbuf_discard(rec, 0);
		a->delete_races++;
		return 0;
	} else if (sweep_refresh_counters(&rec->record, fr)) {
		/* packets counted between the copy and the delete go in the record too;
		 * not possible here: a new flow took the element first */
		a->reused_before_refresh++;
	}
	/*
	 * Known limit: a program on another CPU that found this flow before the delete
	 * and adds to it after the read above counts a packet (pkt_flow) that is in no
	 * record. It takes a packet of the flow in flight in the ~100 ns between copy and
	 * read-back, at the moment the flow ends; a final sweep (programs detached) has
	 * none. If a new flow takes the element in that instant, the late add lands in
	 * it: one packet with an atomic add, but the flow owner's plain add (load, add,
	 * store) can store the old flow's whole owner count over the new flow's (datapath.h,
	 * struct flow_record). Closing it needs the element kept until an RCU grace
	 * period has passed.
	 */
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	a->ended++;
	return 0;
}

SEC("syscall")
int ew_sweep(struct sweep_args *ctx)
{
	/* the callback's context must be on the stack, not the program's ctx */
	struct sweep_args a = *ctx;

	a.ring_full = 0;
	a.visited = a.ended = a.kept = a.kept_packets = a.delete_races = 0;
	a.reused_before_refresh = 0;
	a.hot_reported = a.hot_lost = 0;
	sweep_plan_start(&a);
	__builtin_memset(a.debris_kept, 0, sizeof(a.debris_kept));
	bpf_for_each_map_elem(&flows, sweep_one, &a, 0);
	if ((a.flags & EW_SWEEP_F_HOT) && a.hot_pkts && !a.ring_full)
		sweep_hot_prev_ns = a.now_ns;	/* every kept flow's hot_mark is of now */
	a.next_end_ns = sweep_plan.next_end_ns;
	/* fragments still waiting for their first fragment: over after the fragment
	 * timeout, or at shutdown (they stay first-missing, counted as expired) */
	frag_pending_sweep(a.now_ns, !!(a.flags & EW_SWEEP_F_ALL));
	*ctx = a;
	return 0;
}

#endif /* EDGEWATCH_SWEEP_BPF_H */
