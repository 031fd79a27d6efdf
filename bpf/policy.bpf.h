/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The management-plane and egress policy, decided once per flow (and again after a
 * reload), then applied to every packet of the flow at the cost of one comparison.
 * A packet whose flow could not be created (the table is full) is decided on its own,
 * with the same maps: the policy never needs the flow table, so a flood that fills it
 * opens nothing. The maps and the two-set reload scheme are described in datapath.h.
 */
#ifndef EDGEWATCH_POLICY_BPF_H
#define EDGEWATCH_POLICY_BPF_H

#include "datapath.h"
#include "maps.bpf.h"

static __always_inline int addr_is_protected(__u8 set, __u8 family, const union ew_addr *addr)
{
	struct policy_addr_key k = {};

	k.set = set;
	k.family = family;
	k.addr = *addr;
	return bpf_map_lookup_elem(&protected_addrs, &k) != NULL;
}

/* The index of (proto, port) in a port table, or -1. */
static __always_inline int port_index(void *ports, __u8 set, __u8 proto, __be16 port)
{
	struct policy_port_key k = { .set = set, .proto = proto, .port = port };
	__u32 *idx = bpf_map_lookup_elem(ports, &k);

	return idx ? (int)(*idx & 63) : -1;
}

/* The ports an allow list grants addr on vlan: entries for that vlan and for any vlan. */
static __always_inline __u64 allow_mask(void *trie_v4, void *trie_v6, __u8 set, __u8 family,
					const union ew_addr *addr, __u16 vlan)
{
	struct policy_allow *a;
	__u64 mask = 0;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		__u16 v = pass == 0 ? EW_POLICY_VLAN_ANY : vlan;

		if (pass == 1 && (vlan == 0 || vlan == EW_POLICY_VLAN_ANY))
			break;
		if (family == 4) {
			struct policy_lpm_v4_key k = { .prefixlen = 24 + 32, .set = set };

			k.vlan_be[0] = v >> 8;
			k.vlan_be[1] = v & 0xff;
			__builtin_memcpy(k.addr, addr->u8, 4);
			a = bpf_map_lookup_elem(trie_v4, &k);
		} else {
			struct policy_lpm_v6_key k = { .prefixlen = 24 + 128, .set = set };

			k.vlan_be[0] = v >> 8;
			k.vlan_be[1] = v & 0xff;
			__builtin_memcpy(k.addr, addr->u8, 16);
			a = bpf_map_lookup_elem(trie_v6, &k);
		}
		if (a)
			mask |= a->port_mask;
	}
	return mask;
}

/*
 * Does the flow count as a connection its initiator opened? ICMP and ICMPv6 only for an
 * echo request: neighbour discovery, router and multicast-listener messages and errors
 * answer or announce, they open nothing (and a neighbour advertisement sent to one host
 * would otherwise look like the device calling out).
 */
static __always_inline int flow_is_opened_connection(const struct flow_key *key,
						     const struct flow_record *fr)
{
	if (key->proto == IPPROTO_ICMP)
		return fr->icmp_type == 8;
	if (key->proto == IPPROTO_ICMPV6)
		return fr->icmp_type == 128;
	return 1;
}

/*
 * Decide the flow under generation gen: is it a management flow (its responder is a
 * protected address and its destination port a management port), and is its
 * initiator allowed? Did a protected address open it to a destination the egress
 * policy does not allow?
 */
static __always_inline void policy_decide(struct flow_record *fr, const struct flow_key *key,
					  const struct policy_config *cfg, __u32 gen)
{
	__u8 set = gen & 1;
	int a_started = fr->initiator == 0;
	const union ew_addr *src = a_started ? &key->addr_a : &key->addr_b;
	const union ew_addr *dst = a_started ? &key->addr_b : &key->addr_a;
	__be16 dport = a_started ? key->port_b : key->port_a;
	__u8 verdict = EW_POLICY_NONE, port = 0, egress = 0;
	int idx;

	if (cfg->mgmt_enabled && addr_is_protected(set, key->family, dst)) {
		idx = port_index(&mgmt_ports, set, key->proto, dport);
		if (idx >= 0) {
			__u64 mask = allow_mask(&mgmt_allow_v4, &mgmt_allow_v6, set, key->family,
						src, key->vlan[0]);

			verdict = (mask >> idx) & 1 ? EW_POLICY_ALLOWED : EW_POLICY_VIOLATION;
			port = idx;
		}
	}
	if (cfg->egress_enabled && flow_is_opened_connection(key, fr) &&
	    addr_is_protected(set, key->family, src)) {
		__u64 mask = allow_mask(&egress_allow_v4, &egress_allow_v6, set, key->family, dst,
					0);

		idx = port_index(&egress_ports, set, key->proto, dport);
		egress = !((mask >> EW_PORT_ANY_BIT) & 1) && !(idx >= 0 && ((mask >> idx) & 1));
	}
	fr->policy_verdict = verdict;
	fr->policy_port = port;
	fr->egress_violation = egress;
	fr->policy_gen = gen;
}

/*
 * Hand an event about the flow to userspace, or count that there was no room. flags:
 * EW_EVENT_F_NO_FLOW when fr is not in the table (the packet has no flow entry).
 */
static __always_inline void event_emit(struct ew_counters *cnt, __u32 hook, __u32 type,
				       const struct flow_key *key, const struct flow_record *fr,
				       int from_a, __u8 action, __u64 now, __u32 flags)
{
	struct ew_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		cnt->count[hook & 1][EW_CNT_EVENT_LOST]++;
		return;
	}
	ev->type = type;
	ev->hook = hook;
	ev->from_a = from_a;
	ev->action = action;
	ev->policy_port = fr->policy_port;
	ev->ts_ns = now;
	ev->flow_seq = fr->flow_seq;
	ev->policy_gen = fr->policy_gen;
	ev->flags = flags;
	ev->key = *key;
	ev->record = *fr;
	flow_record_fold(&ev->record);	/* one count per direction for userspace */
	bpf_ringbuf_submit(ev, 0);
	cnt->count[hook & 1][EW_CNT_EVENT_SENT]++;
}

/* A protected address answered a violator: remember it for the exposure inventory. */
static __always_inline void exposure_record(const struct flow_key *key, const struct flow_record *fr,
					    __u64 now)
{
	int a_started = fr->initiator == 0;
	struct exposure_key k = {};
	struct exposure_entry *e, *fresh;
	struct scratch *sc;
	__u32 zero = 0;

	k.addr = a_started ? key->addr_b : key->addr_a;
	k.family = key->family;
	k.proto = key->proto;
	k.port = a_started ? key->port_b : key->port_a;
	e = bpf_map_lookup_elem(&exposures, &k);
	if (e) {
		e->last_seen_ns = now;
		e->flows++;
		e->last_source = a_started ? key->addr_a : key->addr_b;
		e->last_source_family = key->family;
		return;
	}
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return;
	fresh = &sc->fresh_exposure;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->first_seen_ns = now;
	fresh->last_seen_ns = now;
	fresh->flows = 1;
	fresh->last_source = a_started ? key->addr_a : key->addr_b;
	fresh->last_source_family = key->family;
	bpf_map_update_elem(&exposures, &k, fresh, BPF_NOEXIST);
}

/*
 * May an event about a packet without a flow entry go out now? One per subject (type,
 * initiator, responder, port, vlan) per EW_NOFLOW_EVENT_INTERVAL_NS, and at most
 * EW_NOFLOW_EVENT_BUDGET per CPU per interval in all: a spoofed flood makes every
 * subject new, and must not fill the ring that real alerts need. What is held back is
 * counted.
 */
static __always_inline int noflow_event_due(struct ew_counters *cnt, const struct flow_key *key,
					    const struct flow_record *fr, __u32 type, __u32 hook,
					    __u64 now)
{
	int a_started = fr->initiator == 0;
	struct noflow_event_key k = {};
	struct noflow_budget *budget;
	__u64 *last;
	__u32 zero = 0;

	k.source = a_started ? key->addr_a : key->addr_b;
	k.target = a_started ? key->addr_b : key->addr_a;
	k.port = a_started ? key->port_b : key->port_a;
	k.type = type;
	k.proto = key->proto;
	k.family = key->family;
	k.vlan = key->vlan[0];
	last = bpf_map_lookup_elem(&noflow_events, &k);
	/* not now - *last: a clock a little behind (merged captures) must not wrap */
	if (last && now < *last + EW_NOFLOW_EVENT_INTERVAL_NS)
		goto suppressed;
	budget = bpf_map_lookup_elem(&noflow_budget, &zero);
	if (!budget)
		goto suppressed;	/* cannot happen: a one-slot per-CPU array */
	if (now >= budget->interval_start_ns + EW_NOFLOW_EVENT_INTERVAL_NS ||
	    now < budget->interval_start_ns) {
		budget->interval_start_ns = now;
		budget->sent = 0;
	}
	if (budget->sent >= EW_NOFLOW_EVENT_BUDGET)
		goto suppressed;
	budget->sent++;
	bpf_map_update_elem(&noflow_events, &k, &now, BPF_ANY);
	return 1;
suppressed:
	cnt->count[hook & 1][EW_CNT_EVENT_NOFLOW_SUPPRESSED]++;
	return 0;
}

/*
 * Is this the packet that reports bit's event? In a flow: the first to set the bit in
 * fr->reported (once per flow). Without a flow entry (noflow): noflow_event_due().
 */
static __always_inline int event_due(struct ew_counters *cnt, struct flow_record *fr,
				     const struct flow_key *key, __u32 bit, __u32 type, int noflow,
				     __u32 hook, __u64 now)
{
	if (noflow)
		return noflow_event_due(cnt, key, fr, type, hook, now);
	return !flow_set_bits(&fr->reported, bit);
}

/*
 * Apply the policy to one packet of fr (direction dir, its source endpoint a when
 * from_a): cfg, the config of generation gen, the one in force (datapath.bpf.c,
 * policy_now). Returns the action for it: EW_ACTION_DROP when the policy enforces and the
 * flow violates it, else EW_ACTION_ALERT. noflow: fr is not in the table but the
 * record the packet's flow would have started with (the table was full), decided for
 * this packet alone; its events carry EW_EVENT_F_NO_FLOW and are rate-limited.
 */
static __always_inline int policy_apply(struct ew_counters *cnt, const struct policy_config *cfg,
					__u32 gen, struct flow_record *fr,
					const struct flow_key *key, const struct parse_state *ps,
					int from_a, int dir, __u64 pkts, __u32 hook, __u64 now,
					int noflow)
{
	__u32 slot = gen % EW_POLICY_GEN_SLOTS;
	__u32 ev_flags = noflow ? EW_EVENT_F_NO_FLOW : 0;
	struct policy_decisions *dec;
	int action = EW_ACTION_ALERT;

	if (!gen)
		return EW_ACTION_ALERT;	/* no policy loaded (yet) */
	if (fr->policy_gen != gen)
		policy_decide(fr, key, cfg, gen);
	if (noflow && (fr->policy_verdict != EW_POLICY_NONE || fr->egress_violation))
		cnt->count[hook & 1][EW_CNT_POLICY_NOFLOW] += pkts;

	if (fr->policy_verdict != EW_POLICY_NONE) {
		dec = bpf_map_lookup_elem(&policy_decisions, &slot);
		if (fr->policy_verdict == EW_POLICY_ALLOWED) {
			cnt->count[hook & 1][EW_CNT_POLICY_ALLOWED] += pkts;
			if (dec)
				dec->allowed += pkts;
		} else {
			cnt->count[hook & 1][EW_CNT_POLICY_VIOLATION] += pkts;
			if (dec)
				dec->violation += pkts;
			if (cfg->action == EW_ACTION_DROP && hook == EW_HOOK_XDP_INGRESS)
				action = EW_ACTION_DROP;
			if (event_due(cnt, fr, key, EW_REPORTED_VIOLATION, EW_EVENT_MGMT_VIOLATION,
				      noflow, hook, now)) {
				event_emit(cnt, hook, EW_EVENT_MGMT_VIOLATION, key, fr, from_a,
					   cfg->action, now, ev_flags);
			}
			/* the protected address answers: SYN-ACK, or any packet of UDP & co */
			if (dir == EW_DIR_TO_CLIENT &&
			    (key->proto != IPPROTO_TCP ||
			     (ps->tcp_flags & (EW_TCP_SYN | EW_TCP_ACK)) == (EW_TCP_SYN | EW_TCP_ACK)) &&
			    event_due(cnt, fr, key, EW_REPORTED_EXPOSURE, EW_EVENT_MGMT_EXPOSURE,
				      noflow, hook, now)) {
				cnt->count[hook & 1][EW_CNT_POLICY_EXPOSURE]++;
				exposure_record(key, fr, now);
				event_emit(cnt, hook, EW_EVENT_MGMT_EXPOSURE, key, fr, from_a,
					   cfg->action, now, ev_flags);
			}
		}
	}
	if (fr->egress_violation && event_due(cnt, fr, key, EW_REPORTED_EGRESS,
					      EW_EVENT_EGRESS_VIOLATION, noflow, hook, now)) {
		cnt->count[hook & 1][EW_CNT_POLICY_EGRESS_VIOLATION]++;
		event_emit(cnt, hook, EW_EVENT_EGRESS_VIOLATION, key, fr, from_a, cfg->action, now,
			   ev_flags);
	}
	return action;
}

/*
 * Fragment evasion: the packet (of fr, its source endpoint a when from_a) is a tiny
 * first fragment or overlaps an earlier one (frag_bits: its own EW_FLOW_F_TINY_FRAGMENT
 * / EW_FLOW_F_FRAG_OVERLAP, not the flow's, which may come from the other direction)
 * and is aimed at a protected address: one event per kind per flow. Fragments aimed
 * elsewhere use up nothing. cfg and gen: the policy in force, as for policy_apply().
 *
 * Called where the packet's overlap bit is last used, not from policy_apply(): carried
 * to the end of the program, it doubled the verifier's states there (past 1M insns).
 */
static __always_inline void policy_frag_evasion(struct ew_counters *cnt,
						const struct policy_config *cfg, __u32 gen,
						struct flow_record *fr, const struct flow_key *key,
						int from_a, __u32 hook, __u64 now, __u32 frag_bits)
{
	__u32 kinds, first;

	if (!gen ||
	    !addr_is_protected(gen & 1, key->family, from_a ? &key->addr_b : &key->addr_a))
		return;
	kinds = (frag_bits & EW_FLOW_F_TINY_FRAGMENT ? EW_REPORTED_FRAG_TINY : 0) |
		(frag_bits & EW_FLOW_F_FRAG_OVERLAP ? EW_REPORTED_FRAG_OVERLAP : 0);
	first = kinds & ~flow_set_bits(&fr->reported, kinds);
	if (first & EW_REPORTED_FRAG_TINY)
		event_emit(cnt, hook, EW_EVENT_FRAG_TINY, key, fr, from_a, cfg->action, now, 0);
	if (first & EW_REPORTED_FRAG_OVERLAP)
		event_emit(cnt, hook, EW_EVENT_FRAG_OVERLAP, key, fr, from_a, cfg->action, now, 0);
}

#endif /* EDGEWATCH_POLICY_BPF_H */
