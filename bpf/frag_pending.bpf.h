/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Non-first fragments that arrive before their first fragment (reordered on the path,
 * amplification replies, fragroute-style evasion). They carry no ports, so no flow can
 * be found for them; their packet and byte counts wait in frag_pending, keyed like the
 * first fragment's entry in frags, and the first fragment adds them to its flow.
 *
 * Counting (datapath.h, EW_CNT_FRAG_PENDING_*): a held fragment counts
 * EW_CNT_PKT_FRAG_FIRST_MISSING when it arrives, so an entry that is never joined
 * (expired, evicted, or still waiting when the counters are read) needs no correction.
 * Joining moves the entry's packets from FRAG_FIRST_MISSING to PKT_FLOW. Every packet
 * is taken out of an entry at most once: a taker reads a count and subtracts exactly
 * what it read, atomically, so what another CPU adds meanwhile stays for the next taker
 * (or stays first-missing when the entry goes).
 */
#ifndef EDGEWATCH_FRAG_PENDING_BPF_H
#define EDGEWATCH_FRAG_PENDING_BPF_H

#include "datapath.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

/* Fragments of one datagram arrive within this time, or their first is counted lost. */
#define EW_FRAG_TIMEOUT_NS (60ULL * 1000000000ULL)

/* Has the entry waited longer than a datagram's fragments may take? */
static __always_inline int frag_pending_stale(const struct frag_pending *held, __u64 now)
{
	return now > held->first_seen_ns + EW_FRAG_TIMEOUT_NS;
}

/* Take one hook's packets out of the entry; returns them. */
static __always_inline __u64 frag_pending_take(__u64 *packets)
{
	__u64 taken = *packets;

	if (taken)
		__sync_fetch_and_add(packets, -taken);
	return taken;
}

/* A stale entry found by a packet: its packets expire (they stay first-missing). */
static __always_inline void frag_pending_expire(struct frag_pending *held,
						struct ew_counters *cnt)
{
	/* constant indexes: one line per hook (see flow_account for why) */
	cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_FRAG_PENDING_EXPIRED] +=
		frag_pending_take(&held->packets[EW_HOOK_XDP_INGRESS]);
	cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_FRAG_PENDING_EXPIRED] +=
		frag_pending_take(&held->packets[EW_HOOK_TC_EGRESS]);
}

/*
 * A non-first fragment whose first fragment has not been seen: add pkts and len to its
 * datagram's pending entry (made if needed). Its outcome stays FRAG_FIRST_MISSING.
 */
static __always_inline void frag_pending_hold(const struct parse_state *ps, __u64 pkts,
					      __u64 len, __u64 now, __u32 hook,
					      struct ew_counters *cnt)
{
	struct frag_pending *held;
	int err;

	held = bpf_map_lookup_elem(&frag_pending, &ps->frag_key);
	if (held && frag_pending_stale(held, now)) {
		/* an older datagram with the same id (ids wrap): its time is over */
		frag_pending_expire(held, cnt);
		bpf_map_delete_elem(&frag_pending, &ps->frag_key);
		held = NULL;
	}
	if (!held) {
		struct frag_pending fresh = {};

		fresh.first_seen_ns = now;
		if (hook == EW_HOOK_TC_EGRESS)
			fresh.packets[EW_HOOK_TC_EGRESS] = pkts;
		else
			fresh.packets[EW_HOOK_XDP_INGRESS] = pkts;
		fresh.bytes = len;
		err = bpf_map_update_elem(&frag_pending, &ps->frag_key, &fresh, BPF_NOEXIST);
		if (err == 0) {
			cnt->count[hook & 1][EW_CNT_FRAG_PENDING_HELD] += pkts;
			return;
		}
		/* -EEXIST: another CPU made it between our lookup and insert: add to it */
		held = err == -17 ? bpf_map_lookup_elem(&frag_pending, &ps->frag_key) : NULL;
		if (!held) {
			cnt->count[hook & 1][EW_CNT_FRAG_PENDING_FAILED] += pkts;
			return;
		}
	}
	__sync_fetch_and_add(&held->packets[hook & 1], pkts);
	__sync_fetch_and_add(&held->bytes, len);
	cnt->count[hook & 1][EW_CNT_FRAG_PENDING_HELD] += pkts;
}

/*
 * A first fragment accounted in flow fr, direction dir: the fragments of its datagram
 * that came before it join the flow (all fragments of a datagram travel one way).
 * Only the counts: the flow's times stay those of the packets that made them.
 */
static __always_inline void frag_pending_join(const struct parse_state *ps,
					      struct flow_record *fr, int dir, __u64 now,
					      struct ew_counters *cnt)
{
	struct frag_pending *held;
	__u64 in, out, bytes;

	held = bpf_map_lookup_elem(&frag_pending, &ps->frag_key);
	if (!held)
		return;
	if (frag_pending_stale(held, now)) {
		frag_pending_expire(held, cnt);
		bpf_map_delete_elem(&frag_pending, &ps->frag_key);
		return;
	}
	in = frag_pending_take(&held->packets[EW_HOOK_XDP_INGRESS]);
	out = frag_pending_take(&held->packets[EW_HOOK_TC_EGRESS]);
	bytes = frag_pending_take(&held->bytes);
	bpf_map_delete_elem(&frag_pending, &ps->frag_key);
	if (!(in | out))
		return;
	/* moved, not counted again: each held packet counted FIRST_MISSING once */
	cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FRAG_FIRST_MISSING] -= in;
	cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW] += in;
	cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_FRAG_PENDING_JOINED] += in;
	cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FRAG_FIRST_MISSING] -= out;
	cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FLOW] += out;
	cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_FRAG_PENDING_JOINED] += out;
	__sync_fetch_and_add(&fr->packets[dir & 1], in + out);
	__sync_fetch_and_add(&fr->bytes[dir & 1], bytes);
}

/* ---- the sweeper's part (sweep.bpf.h): entries whose first fragment never came ---- */

struct frag_pending_sweep {
	__u64 now_ns;
	__u64 expired[EW_HOOK_MAX];	/* packets */
	__u32 all;			/* shutdown: everything still pending is over */
	__u32 pad;
};

static long frag_pending_sweep_one(struct bpf_map *map, struct frag_key *key,
				   struct frag_pending *held, struct frag_pending_sweep *sw)
{
	if (!sw->all && !frag_pending_stale(held, sw->now_ns))
		return 0;
	sw->expired[EW_HOOK_XDP_INGRESS] += frag_pending_take(&held->packets[EW_HOOK_XDP_INGRESS]);
	sw->expired[EW_HOOK_TC_EGRESS] += frag_pending_take(&held->packets[EW_HOOK_TC_EGRESS]);
	bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * Expire the pending entries older than the fragment timeout at now (all of them when
 * all is set), counting their packets EW_CNT_FRAG_PENDING_EXPIRED.
 */
static __always_inline void frag_pending_sweep(__u64 now, int all)
{
	struct frag_pending_sweep sw = { .now_ns = now, .all = all };
	struct ew_counters *cnt;
	__u32 zero = 0;

	bpf_for_each_map_elem(&frag_pending, frag_pending_sweep_one, &sw, 0);
	cnt = bpf_map_lookup_elem(&counters, &zero);
	if (!cnt)
		return;
	/* atomic: the sweeper runs in process context, a packet on this CPU can
	 * interrupt it between a plain read and write of the same counter */
	__sync_fetch_and_add(&cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_FRAG_PENDING_EXPIRED],
			     sw.expired[EW_HOOK_XDP_INGRESS]);
	__sync_fetch_and_add(&cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_FRAG_PENDING_EXPIRED],
			     sw.expired[EW_HOOK_TC_EGRESS]);
}

#endif /* EDGEWATCH_FRAG_PENDING_BPF_H */
