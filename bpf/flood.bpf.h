/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Live flood counts (datapath.h): new flows per destination and class, and handshakes
 * completed toward it. Called on the new-flow path and on the packet that brings the
 * initiator's first ACK, never on an established flow's ordinary packets.
 */
#ifndef EDGEWATCH_FLOOD_BPF_H
#define EDGEWATCH_FLOOD_BPF_H

#include "datapath.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

/* The packet's destination as a flood_dests key. */
static __always_inline void flood_dest_key_of(struct flood_dest_key *dk, const struct flow_key *key,
					      int from_a)
{
	dk->family = key->family;
	if (from_a)
		dk->addr = key->addr_b;
	else
		dk->addr = key->addr_a;
}

/* The destination's counts on this CPU, created when absent; NULL if it cannot be. */
static __always_inline struct flood_dest_count *flood_dest_get(const struct flood_dest_key *dk,
								__u32 hook, struct ew_counters *cnt)
{
	struct flood_dest_count *c = bpf_map_lookup_elem(&flood_dests, dk);
	struct scratch *sc;
	__u32 zero = 0;
	long err;

	if (c)
		return c;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return NULL;	/* cannot happen: one per CPU */
	/* zero from scratch: 64 more bytes of stack would not fit beside the parser's */
	__builtin_memset(&sc->fresh_flood_dest, 0, sizeof(sc->fresh_flood_dest));
	err = bpf_map_update_elem(&flood_dests, dk, &sc->fresh_flood_dest, BPF_NOEXIST);
	if (err == 0)
		cnt->count[hook & 1][EW_CNT_FLOOD_DEST_CREATED]++;
	else if (err != -17 /* EEXIST: another CPU entered it first */) {
		cnt->count[hook & 1][EW_CNT_FLOOD_DEST_FAILED]++;
		return NULL;
	}
	c = bpf_map_lookup_elem(&flood_dests, dk);
	if (!c)	/* evicted at once by a flood of other destinations */
		cnt->count[hook & 1][EW_CNT_FLOOD_DEST_FAILED]++;
	return c;
}

/*
 * A new flow (inserted with flow_seq, or refused by a full table: flow_seq 0, fr the
 * record it would have started with). Only flows whose first packet came from their initiator are attempts:
 * a TCP flow must open with a bare SYN (a SYN-ACK seen first is an answer, an ACK a
 * mid-stream pick-up).
 */
static __always_inline void flood_note_new(const struct flow_key *key, int from_a,
					   const struct parse_state *ps,
					   const struct flow_record *fr, __u64 flow_seq, __u32 hook,
					   struct ew_counters *cnt)
{
	struct flood_dest_key dk = {};
	struct flood_dest_count *c;
	__u32 gen, bit;

	if (key->proto == IPPROTO_TCP) {
		if ((ps->tcp_flags & (EW_TCP_SYN | EW_TCP_ACK)) != EW_TCP_SYN)
			return;
	} else if (key->proto != IPPROTO_UDP && key->proto != IPPROTO_ICMP &&
		   key->proto != IPPROTO_ICMPV6) {
		return;
	}
	flood_dest_key_of(&dk, key, from_a);
	c = flood_dest_get(&dk, hook, cnt);
	if (!c)
		return;
	/* constant indexes, one branch each (see flow_account: clang 14 and x[var]) */
	if (key->proto == IPPROTO_TCP)
		c->new_flows[EW_FLOOD_SYN]++;
	else if (key->proto == IPPROTO_UDP)
		c->new_flows[EW_FLOOD_UDP]++;
	else
		c->new_flows[EW_FLOOD_ICMP]++;
	c->last_flow_seq = flow_seq;
	c->last_src = from_a ? key->addr_a : key->addr_b;
	gen = flood_src_gen;
	if (c->src_gen != gen) {	/* a new read interval: this CPU's bitmap starts over */
		__builtin_memset(c->src_bits, 0, sizeof(c->src_bits));
		c->src_gen = gen;
	}
	bit = ew_flood_src_bit(&c->last_src);
	c->src_bits[(bit / 64) & (EW_FLOOD_SRC_BITS / 64 - 1)] |= 1ULL << (bit % 64);
	c->last_sport = ps->sport;
	c->last_dport = ps->dport;
	c->last_proto = key->proto;
	c->last_icmp_type = ps->icmp_type;
	c->last_icmp_code = ps->icmp_code;
}

/*
 * old_flags: the initiator's TCP flags before this packet of the initiator's (dir
 * EW_DIR_TO_SERVER) added new_flags. The first ACK after the responder's SYN-ACK
 * completes a handshake toward the packet's destination: counted, so that userspace can
 * tell half-open attempts (a spoofed SYN flood) from a busy server's connections.
 */
static __always_inline void flood_note_flags(const struct flow_key *key, int from_a,
					     const struct flow_record *fr, __u8 old_flags,
					     __u8 new_flags, __u32 hook, struct ew_counters *cnt)
{
	struct flood_dest_key dk = {};
	struct flood_dest_count *c;

	if (key->proto != IPPROTO_TCP || !(new_flags & EW_TCP_ACK) || (old_flags & EW_TCP_ACK) ||
	    !(old_flags & EW_TCP_SYN) ||
	    (fr->tcp_flags[EW_DIR_TO_CLIENT] & (EW_TCP_SYN | EW_TCP_ACK)) !=
		    (EW_TCP_SYN | EW_TCP_ACK))
		return;
	flood_dest_key_of(&dk, key, from_a);
	/* no entry: it was evicted, and its SYN with it; a new one would count the
	 * handshake without its SYN */
	c = bpf_map_lookup_elem(&flood_dests, &dk);
	if (c)
		c->handshakes++;
}

#endif /* EDGEWATCH_FLOOD_BPF_H */
