/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every struct and enum that crosses the kernel/userspace boundary, defined once.
 *
 * Included by bpf/datapath.bpf.c (after vmlinux.h) and by userspace (after
 * <linux/types.h>). Fixed-width types only, network order marked __be*, explicit
 * padding, no bitfields; every struct has a _Static_assert on its size so a change
 * shows up at compile time on both sides.
 */
#ifndef EDGEWATCH_DATAPATH_H
#define EDGEWATCH_DATAPATH_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Where a packet was seen. Index of the outer dimension of the counters map. */
enum ew_hook {
	EW_HOOK_XDP_INGRESS = 0,
	EW_HOOK_TC_EGRESS = 1,
	EW_HOOK_MAX,
};

/*
 * Counters, per CPU, one array slot per (hook, counter): index = hook * EW_CNT_MAX + id.
 * The numbers are stable (status output and stats events name them through
 * userspace/counter_names.c); append, never renumber.
 *
 * Group OUTCOME: every packet the programs see ends in exactly one of these, so
 * sum(OUTCOME) == EW_CNT_PKT_SEEN. EW_CNT_PKT_FLOW is the only outcome that puts the
 * packet in a flow; all others are the "no-flow reasons".
 * Group VERDICT: every packet also ends in exactly one verdict.
 * Group ENCAP: one count per packet per encapsulation type it carried.
 * Group EVENT: things that happened, not per packet.
 */
enum ew_counter {
	EW_CNT_PKT_SEEN = 0,

	/* OUTCOME (first .. last are contiguous) */
	EW_CNT_PKT_FLOW,		/* accounted in a flow of the flow table */
	EW_CNT_PKT_NON_IP,		/* no IP inside (ARP, LLDP, STP, PPPoE discovery...) */
	EW_CNT_PKT_EMPTY,		/* zero-length frame */
	EW_CNT_PKT_TRUNC_ETH,		/* frame shorter than an Ethernet header */
	EW_CNT_PKT_TRUNC_VLAN,
	EW_CNT_PKT_TRUNC_MPLS,
	EW_CNT_PKT_TRUNC_PPPOE,
	EW_CNT_PKT_TRUNC_IPV4,
	EW_CNT_PKT_TRUNC_IPV6,
	EW_CNT_PKT_TRUNC_IPV6_EXT,
	EW_CNT_PKT_TRUNC_GRE,		/* GRE or ERSPAN header cut short */
	EW_CNT_PKT_TRUNC_TUNNEL,	/* VXLAN/Geneve/Teredo header cut short */
	EW_CNT_PKT_TRUNC_L4,		/* TCP/UDP/ICMP/SCTP header cut short (not a fragment) */
	EW_CNT_PKT_BAD_IPV4_IHL,	/* IHL < 5 or beyond the total length */
	EW_CNT_PKT_BAD_IP_VERSION,	/* ethertype says IP, version nibble disagrees */
	EW_CNT_PKT_TOO_MANY_VLAN,	/* more than EW_MAX_VLAN_TAGS tags */
	EW_CNT_PKT_TOO_MANY_MPLS,	/* more than EW_MAX_MPLS_LABELS labels */
	EW_CNT_PKT_TOO_MANY_IPV6_EXT,	/* more than EW_MAX_IPV6_EXT extension headers */
	EW_CNT_PKT_TOO_MANY_LAYERS,	/* more than EW_MAX_TUNNELS encapsulations, or the
					 * parser's step budget ran out */
	EW_CNT_PKT_FRAG_FIRST_MISSING,	/* non-first fragment whose first fragment was not
					 * seen (lost, out of order, or evicted) */
	EW_CNT_PKT_FLOW_TABLE_FULL,	/* new flow, but the flow table had no free slot */
	EW_CNT_PKT_OUTCOME_LAST = EW_CNT_PKT_FLOW_TABLE_FULL,

	/* VERDICT */
	EW_CNT_VERDICT_PASS,
	EW_CNT_VERDICT_DROP_PASSIVE,	/* --passive sensor: mirrored copy dropped after accounting */
	EW_CNT_VERDICT_LAST = EW_CNT_VERDICT_DROP_PASSIVE,

	/* ENCAP: packets that carried each encapsulation (a packet can count in several) */
	EW_CNT_ENCAP_VLAN,
	EW_CNT_ENCAP_QINQ,
	EW_CNT_ENCAP_MPLS,
	EW_CNT_ENCAP_PPPOE,
	EW_CNT_ENCAP_GRE,
	EW_CNT_ENCAP_ERSPAN,
	EW_CNT_ENCAP_VXLAN,
	EW_CNT_ENCAP_GENEVE,
	EW_CNT_ENCAP_IPIP,		/* IPv4 or IPv6 directly in IPv4 or IPv6 (incl. 6in4) */
	EW_CNT_ENCAP_TEREDO,
	EW_CNT_ENCAP_IPV6_EXT,
	EW_CNT_ENCAP_FRAGMENT,
	EW_CNT_ENCAP_ESP,
	EW_CNT_ENCAP_LAST = EW_CNT_ENCAP_ESP,

	/* EVENT */
	EW_CNT_FLOW_CREATED,		/* new flows inserted */
	EW_CNT_FLOW_CREATE_RACE,	/* another CPU inserted the same flow first; merged */
	EW_CNT_FRAG_TRACKED,		/* first fragments remembered for their followers */
	EW_CNT_FRAG_ATTRIBUTED,		/* non-first fragments put in their first fragment's flow */
	EW_CNT_FRAG_TINY_FIRST,		/* first fragment too short for the L4 header */
	EW_CNT_FRAG_TRACK_FAILED,	/* the fragment map refused an insert (its followers
					 * will count as FRAG_FIRST_MISSING) */
	EW_CNT_TUNNEL_INNER_NON_IP,	/* tunnel whose inner frame is not IP: keyed on the
					 * outer header */

	EW_CNT_MAX,
};

/*
 * The counters map holds one of these per CPU in a single slot: one lookup per packet,
 * then plain increments. Userspace sums the CPUs.
 */
struct ew_counters {
	__u64 count[EW_HOOK_MAX][EW_CNT_MAX];
};

/* Parser bounds: deep enough for every real stack we know of, small enough to verify. */
#define EW_MAX_VLAN_TAGS 3	/* 802.1ad + 802.1Q (QinQ), and one more as Suricata allows */
#define EW_MAX_MPLS_LABELS 6
#define EW_MAX_IPV6_EXT 8
#define EW_MAX_TUNNELS 3	/* encapsulations (GRE, VXLAN, ...) before the innermost IP */

/* Encapsulations a flow's first packet carried (flow_record.encap); bit per EW_CNT_ENCAP_*. */
#define EW_ENCAP_BIT(cnt) (1u << ((cnt) - EW_CNT_ENCAP_VLAN))

/* IP address, 16 bytes. IPv4 uses the first 4 bytes, the rest stays zero. */
union ew_addr {
	__u8 u8[16];
	__be32 be32[4];
	__u64 u64[2];
};

/*
 * Flow table key: the innermost IP header and its L4 ports, bidirectional. The two
 * endpoints are stored in canonical order (endpoint a is the smaller (address, port)),
 * so both directions of a flow find the same entry with a single lookup; which side
 * started the flow is in flow_record.initiator.
 * ICMP/ICMPv6 and protocols without ports use ports 0. ESP uses its SPI (each
 * security association is its own flow, as Suricata keys them).
 * The VLAN ids are part of the key: the same addresses on two VLANs are two networks.
 */
struct flow_key {
	union ew_addr addr_a;
	union ew_addr addr_b;
	__be16 port_a;
	__be16 port_b;
	__u8 proto;		/* IPPROTO_* of the innermost L4 */
	__u8 family;		/* 4 or 6 */
	__u16 vlan[EW_MAX_VLAN_TAGS];	/* outermost first, VID only (0 = none), host order */
	__be32 spi;		/* ESP security parameter index, else 0 */
};
_Static_assert(sizeof(struct flow_key) == 48, "flow_key layout");

/* Packet direction inside a flow. */
enum ew_dir {
	EW_DIR_TO_SERVER = 0,	/* from the initiator */
	EW_DIR_TO_CLIENT = 1,
};

/* flow_record.flags */
#define EW_FLOW_F_TINY_FRAGMENT 0x01	/* a first fragment too short for its L4 header */
#define EW_FLOW_F_FRAGMENTED 0x02	/* carried IP fragments */
#define EW_FLOW_F_INNER_NON_IP 0x04	/* tunnel with a non-IP inner frame, keyed on outer */

/*
 * Flow table value. Counters are updated with atomic adds (both directions of a flow
 * can be on different CPUs: XDP ingress and tc egress). Only the kernel writes an
 * entry; userspace reads it, and deletes it when the flow is exported.
 */
struct flow_record {
	__u64 packets[2];	/* indexed by enum ew_dir */
	__u64 bytes[2];		/* frame length as received/sent, L2 header included */
	__u64 first_seen_ns;	/* clock: see datapath.bpf.c ew_now_ns() */
	__u64 last_seen_ns;
	__u64 flow_seq;		/* unique per flow: (cpu << 48) | per-cpu sequence */
	__u8 tcp_flags[2];	/* OR of TCP flags, per direction */
	__u8 initiator;		/* 0: endpoint a of the key started the flow, 1: endpoint b */
	__u8 first_hook;	/* enum ew_hook of the first packet */
	__u8 flags;		/* EW_FLOW_F_* */
	__u8 outer_family;	/* family of outer_src/outer_dst; 0 when not tunnelled */
	__u8 icmp_type;		/* ICMP/ICMPv6 type and code of the first packet (the */
	__u8 icmp_code;		/* Community ID of an ICMP flow depends on them) */
	__u32 encap;		/* EW_ENCAP_BIT()s of the first packet */
	__u32 tunnel_id;	/* VXLAN/Geneve VNI or GRE key of the innermost tunnel */
	union ew_addr outer_src;	/* outermost IP header of the first packet (tunnel */
	union ew_addr outer_dst;	/* endpoints), when the flow is tunnelled */
};
_Static_assert(sizeof(struct flow_record) == 104, "flow_record layout");

/*
 * Fragment tracking: the identity of a fragmented IP datagram (the outermost
 * fragmented IP header) -> the flow its first fragment was accounted in.
 */
struct frag_key {
	union ew_addr src;
	union ew_addr dst;
	__u32 id;		/* IPv4 identification (16 bits) or IPv6 fragment id */
	__u8 proto;		/* IPv4 protocol / IPv6 next header after the fragment header */
	__u8 family;
	__u16 vlan;		/* outermost VID: ids are only unique per L2 domain */
};
_Static_assert(sizeof(struct frag_key) == 40, "frag_key layout");

struct frag_entry {
	struct flow_key flow;
	__u64 first_seen_ns;
	__u8 from_a;		/* the datagram's source is endpoint a of flow */
	__u8 pad[7];
};
_Static_assert(sizeof(struct frag_entry) == 64, "frag_entry layout");

/* Default sizes (userspace may resize before load; see README "Flow table"). */
#define EW_FLOW_TABLE_DEFAULT 262144
#define EW_FRAG_TABLE_DEFAULT 8192

#endif /* EDGEWATCH_DATAPATH_H */
