/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Header-only packet parser shared by the XDP and tc programs.
 *
 * The parser walks the encapsulations one header per step; each step reads the header
 * at the cursor (ps->off), checks its bounds against data_end, and says what comes
 * next (ps->next). The innermost IP header and the L4 header after it give the flow
 * key; the outermost IP header is remembered as the tunnel endpoints; a tunnel whose
 * inner frame is not IP is keyed on the IP header that carried it.
 *
 * Why steps are global functions: as one inlined loop, every combination of headers
 * is a separate path for the verifier, and the program passed 1,000,000 verified
 * instructions before it was complete. A global (non-static, noinline) BPF function is
 * verified once, on its own, for any input; the loop that calls it then has nothing
 * left to explore. That is also why struct parse_state holds offsets, not pointers:
 * a global function's memory argument may only contain scalars. parse_step() is
 * instantiated once per program type (datapath.bpf.c) because its context argument
 * must be typed.
 *
 * The parser only reads the packet, so the same code serves XDP, tc and
 * BPF_PROG_TEST_RUN in replay.
 */
#ifndef EDGEWATCH_PARSE_BPF_H
#define EDGEWATCH_PARSE_BPF_H

#include "datapath.h"

#define ETH_P_IP 0x0800
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ1 0x9100	/* pre-standard QinQ outer tag, still seen on trunks */
#define ETH_P_IPV6 0x86DD
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define ETH_P_PPP_SES 0x8864
#define ETH_P_TEB 0x6558	/* transparent Ethernet bridging (GRE, Geneve) */
#define ETH_P_ERSPAN 0x88BE	/* ERSPAN type I (no header) and II */
#define ETH_P_ERSPAN3 0x22EB
#define ETH_P_PPP 0x880B	/* PPP in enhanced GRE (PPTP) */

#define PPP_IP 0x0021
#define PPP_IPV6 0x0057

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_IPIP 4
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_GRE 47
#define IPPROTO_ESP 50
#define IPPROTO_AH 51
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60
#define IPPROTO_MH 135
#define IPPROTO_SCTP 132

/*
 * Step budget of the parser loop: the deepest stack we accept is Ethernet + 2 VLAN +
 * PPPoE + IP + 8 IPv6 extension headers + L4, inside up to EW_MAX_TUNNELS tunnels; a
 * packet needing more steps is counted as EW_CNT_PKT_TOO_MANY_LAYERS.
 */
#define EW_PARSE_STEPS 32
/*
 * The cursor never goes past this offset: it bounds every packet access for the
 * verifier. Large enough for jumbo frames and for IPv6 extension headers of up to
 * 2 KiB each (THC's covert-channel destination options are 1.4 KiB).
 */
#define EW_PARSE_MAX_OFF 16384

/* What the cursor points at. */
enum parse_next {
	NEXT_ETH = 0,
	NEXT_VLAN,
	NEXT_MPLS,
	NEXT_PPPOE,
	NEXT_IPV4,
	NEXT_IPV6,
	NEXT_IPV6_EXT,	/* ps->ipproto is an extension header */
	NEXT_L4,	/* dispatch on ps->ipproto */
	NEXT_GRE,
	NEXT_DONE,
};

enum frag_state {
	FRAG_NONE = 0,
	FRAG_FIRST,	/* offset 0, more fragments follow: carries the L4 header */
	FRAG_NONFIRST,	/* offset > 0: no L4 header, belongs to the first fragment's flow */
};

/* Everything the parser found; scalars only (see above). Zeroed before parsing. */
struct parse_state {
	__u16 off;		/* cursor: offset of the next header */
	__u16 l3_off;		/* innermost IP header */
	__u16 outer_l3_off;	/* outermost IP header */
	__u16 payload_off;	/* innermost L4 payload, 0 if unknown */
	__u32 ip_end;		/* end of the innermost IP datagram (offset); 0: no limit */
	__be32 spi;
	__be16 sport;
	__be16 dport;
	__u32 encap;		/* EW_ENCAP_BIT()s */
	__u32 tunnel_id;
	__u32 tcp_seq;		/* innermost TCP header's sequence number, host order */
	__u16 vlan[EW_MAX_VLAN_TAGS];
	__u8 next;		/* enum parse_next */
	__u8 ipproto;		/* L4 protocol of the innermost IP header */
	__u8 family;		/* family of the innermost IP header: 4, 6, 0 before any */
	__u8 outer_family;
	__u8 ip_layers;		/* IP headers parsed (>1: tunnelled) */
	__u8 tunnels;		/* encapsulations entered */
	__u8 vlan_tags;
	__u8 mpls_labels;
	__u8 ipv6_ext;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 frag;		/* enum frag_state of the outermost fragmented IP header */
	__u8 tiny_fragment;	/* a first fragment ended inside a header */
	__u8 inner_non_ip;	/* a tunnel carried a non-IP frame */
	__u8 frame_vlan_tags;	/* tags of the current Ethernet frame (QinQ: 2 or more) */
	__u8 gso;		/* tc: a GSO super-packet (set before parsing) */
	__u8 frame_short;	/* a header ran past the end of the frame (or of the skb's
				 * linear data), not of its datagram */
	__u16 frag_start;	/* the fragment's data in its datagram, [start, end) in */
	__u16 frag_end;		/* 8-byte units (for overlaps); valid when frag != NONE */
	struct frag_key frag_key;	/* valid when frag != FRAG_NONE */
};

/* Bounds check the verifier can follow: len a constant or a small bounded scalar. */
#define CURSOR_HAS(pos, len, end) ((void *)(pos) + (len) <= (void *)(end))

/*
 * Do len bytes at pos lie inside the current IP datagram (its total/payload length)?
 * Always true before the first IP header. Frames shorter than 60 bytes are padded on
 * the wire, and a first fragment ends where its datagram says: without this, the
 * padding or the next bytes of the capture would be read as a header.
 */
#define IN_DATAGRAM(ps, data, pos, len)                                                        \
	(!(ps)->ip_end ||                                                                      \
	 (__u32)((void *)(pos) - (void *)(data)) + (__u32)(len) <= (ps)->ip_end)

/*
 * A header at pos: inside the current datagram, and in the packet (for the verifier).
 * Which one ends first matters: a datagram that ends inside a header is a short (maybe
 * tiny-fragment) datagram; a frame that ends first was cut (snap length, linear skb data)
 * and says nothing about the datagram.
 */
#define HDR_HAS(ps, data, pos, len, end)                                                       \
	(IN_DATAGRAM(ps, data, pos, len) &&                                                    \
	 (CURSOR_HAS(pos, len, end) || ((ps)->frame_short = 1, 0)))

/*
 * The packet pointer at offset off, which the caller has checked against
 * EW_PARSE_MAX_OFF. clang 14 may re-read the offset from ps after that check and add the
 * unchecked copy, leaving the verifier an unbounded pointer ("offset is outside of the
 * packet"); the mask, a no-op for a checked offset, bounds the very register clang adds.
 * Older verifiers lose the check another way too: clang spills the offset to the stack,
 * checks one fill and adds another, and before Linux 6.4 or so the verifier does not carry
 * a bound found on a register over to the stack slot it came from (seen on 6.1: "invalid
 * access to packet, off=20 size=4 ... R5 offset is outside of the packet" in the IPv6
 * fragment header's path). The mask bounds the register that is added whatever its origin.
 */
static __always_inline void *cursor_ptr(void *data, __u64 off)
{
	asm volatile("%0 &= 0x7fff" : "+r"(off));
	return data + off;
}
_Static_assert(EW_PARSE_MAX_OFF <= 0x7fff, "cursor_ptr's mask covers the parse window");

/* Move the cursor to pos (a pointer into the packet that starts at data). */
static __always_inline void cursor_set(struct parse_state *ps, void *data, void *pos)
{
	ps->off = pos - data;
}

/* An encapsulation: bounded, so a crafted nest of tunnels cannot exhaust the parser. */
static __always_inline int enter_tunnel(struct parse_state *ps, __u32 encap_cnt)
{
	if (ps->tunnels >= EW_MAX_TUNNELS)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	ps->tunnels++;
	ps->encap |= EW_ENCAP_BIT(encap_cnt);
	return 0;
}

/* The frame inside a tunnel (or MPLS/PPP) is not IP. */
static __always_inline void inner_not_ip(struct parse_state *ps)
{
	ps->next = NEXT_DONE;
	ps->inner_non_ip = ps->family != 0;
}

#include "parse_l2.bpf.h"
#include "parse_ip.bpf.h"
#include "parse_tunnel.bpf.h"
#include "parse_l4.bpf.h"

/*
 * One step: parse the header at the cursor. Returns 0 to go on (ps->next says with
 * what, NEXT_DONE to stop), else an EW_CNT_PKT_* outcome.
 */
static __always_inline int parse_step(struct parse_state *ps, void *data, void *data_end)
{
	void *pos;
	__u32 off = ps->off;

	if (off > EW_PARSE_MAX_OFF)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	pos = cursor_ptr(data, off);

	switch (ps->next) {
	case NEXT_ETH:
		return parse_eth(ps, data, pos, data_end);
	case NEXT_VLAN:
		return parse_vlan(ps, data, pos, data_end);
	case NEXT_MPLS:
		return parse_mpls(ps, data, pos, data_end);
	case NEXT_PPPOE:
		return parse_pppoe(ps, data, pos, data_end);
	case NEXT_IPV4:
		return parse_ipv4(ps, data, pos, data_end);
	case NEXT_IPV6:
		return parse_ipv6(ps, data, pos, data_end);
	case NEXT_IPV6_EXT:
		return parse_ipv6_ext(ps, data, pos, data_end);
	case NEXT_L4:
		return parse_l4(ps, data, pos, data_end);
	case NEXT_GRE:
		return parse_gre(ps, data, pos, data_end);
	default:
		ps->next = NEXT_DONE;
		return 0;
	}
}

/*
 * After the last step: 0 when a flow key can be built (an IP header was found), else
 * the outcome. err is what the last step returned.
 */
/* Is the outcome a header cut short (one of the pkt_trunc_* counters)? */
static __always_inline int is_truncation(int outcome)
{
	return outcome >= EW_CNT_PKT_TRUNC_ETH && outcome <= EW_CNT_PKT_TRUNC_L4;
}

static __always_inline int parse_finish(struct parse_state *ps, int err)
{
	if (err) {
		/* A first fragment that ends inside a header is an evasion attempt, not a
		 * broken packet: it is accounted on its IP header (portless) and flagged. A
		 * frame cut short (a capture's snap length) is not that. */
		if (ps->frag == FRAG_FIRST && ps->family && !ps->frame_short &&
		    is_truncation(err)) {
			ps->tiny_fragment = 1;
			ps->sport = 0;
			ps->dport = 0;
			ps->payload_off = 0;
			return 0;
		}
		return err;
	}
	if (ps->next != NEXT_DONE)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	if (ps->family == 0)
		return EW_CNT_PKT_NON_IP;
	return 0;
}

/*
 * Where parsing starts on an interface that carries IP without a link-layer header
 * (WireGuard, tun, PPP, raw IP): the version nibble says which. Anything else there is
 * not IP.
 */
static __always_inline void parse_start_l3(struct parse_state *ps, void *data, void *data_end)
{
	__u8 *first = data;

	ps->next = NEXT_DONE;
	if (!CURSOR_HAS(first, 1, data_end))
		return;
	if (*first >> 4 == 4)
		ps->next = NEXT_IPV4;
	else if (*first >> 4 == 6)
		ps->next = NEXT_IPV6;
}

/*
 * The common case, inline: Ethernet, at most one VLAN tag, IPv4 or IPv6 without
 * extension headers or fragmentation, then TCP, UDP that is no tunnel, ICMP or ICMPv6.
 * Each step is a BPF-to-BPF call, and those calls are a third of an established flow's
 * cost (BENCHMARKS.md); this path makes none. It runs the very per-header functions the
 * steps run, in their fixed order, so it fills ps exactly as they would. Returns 1 when
 * it parsed the whole packet; 0 means "not the common case" (or malformed): the caller
 * then starts over from a fresh ps with the steps, which also name any error.
 */
static __always_inline int parse_fast(struct parse_state *ps, void *data, void *data_end,
				      int l3_link)
{
	__u32 off;

	if (data >= data_end)
		return 0;
	if (l3_link)
		parse_start_l3(ps, data, data_end);
	else if (parse_eth(ps, data, data, data_end))
		return 0;
	if (ps->next == NEXT_VLAN) {
		off = ps->off;
		if (off > EW_PARSE_MAX_OFF ||
		    parse_vlan(ps, data, cursor_ptr(data, off), data_end))
			return 0;
	}
	off = ps->off;
	if (off > EW_PARSE_MAX_OFF)
		return 0;
	if (ps->next == NEXT_IPV4) {
		if (parse_ipv4(ps, data, cursor_ptr(data, off), data_end))
			return 0;
	} else if (ps->next == NEXT_IPV6) {
		if (parse_ipv6(ps, data, cursor_ptr(data, off), data_end))
			return 0;
	} else {
		return 0;
	}
	if (ps->next != NEXT_L4 || ps->frag != FRAG_NONE)
		return 0;
	switch (ps->ipproto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		return 0;
	}
	off = ps->off;
	if (off > EW_PARSE_MAX_OFF || parse_l4(ps, data, cursor_ptr(data, off), data_end))
		return 0;
	return ps->next == NEXT_DONE;
}

#endif /* EDGEWATCH_PARSE_BPF_H */
