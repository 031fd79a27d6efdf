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
 * Counters, per CPU and per hook (struct ew_counters). Userspace names them in
 * userspace/counters.c; status output and stats events use those names, so a name is
 * public and stays, whatever its number.
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
	EW_CNT_VERDICT_DROP_POLICY,	/* management policy in drop mode: a violating flow */
	EW_CNT_VERDICT_DROP_RULE,	/* a flow a `drop` rule matched (enforce mode) */
	EW_CNT_VERDICT_DROP_POLICY_NOFLOW,	/* management policy in drop mode: a violating
						 * packet whose flow could not be created (the
						 * table was full), judged on its own */
	EW_CNT_VERDICT_LAST = EW_CNT_VERDICT_DROP_POLICY_NOFLOW,

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
	EW_CNT_FRAG_OVERLAP,		/* a fragment overlapping one seen before */
	EW_CNT_POLICY_ALLOWED,		/* packets of management flows from allowed sources */
	EW_CNT_POLICY_VIOLATION,	/* packets of management flows from other sources */
	EW_CNT_POLICY_EXPOSURE,		/* flows where a protected address answered a violator */
	EW_CNT_POLICY_EGRESS_VIOLATION,	/* flows a protected address opened to a destination
					 * the egress policy does not allow */
	EW_CNT_POLICY_NOFLOW,		/* packets of management (or egress-violating) flows
					 * judged without a flow entry: the table was full */
	EW_CNT_EVENT_SENT,		/* events (alerts) handed to userspace */
	EW_CNT_EVENT_LOST,		/* events the ring buffer had no room for */
	EW_CNT_EVENT_NOFLOW_SUPPRESSED,	/* events about packets without a flow entry held back
					 * by the kernel's rate limit (EW_NOFLOW_EVENT_*) */
	EW_CNT_SAMPLE_SENT,		/* payload samples handed to userspace */
	EW_CNT_SAMPLE_LOST,		/* samples the ring buffer had no room for */
	EW_CNT_SAMPLE_COPY_FAILED,	/* samples whose payload could not be copied */
	EW_CNT_FLOOD_DEST_CREATED,	/* destinations entered in flood_dests (new-flow counts
					 * per destination; see "Live flood counts") */
	EW_CNT_FLOOD_DEST_FAILED,	/* new flows whose destination could not be entered there:
					 * judged only when their records arrive */
	EW_CNT_SAMPLE_STREAM_CAPPED,	/* TCP payload segments inside the stream window not
					 * sampled for it: the direction had sampling.stream-
					 * segments already (tiny segments); 1-in-N may still */
	/*
	 * Non-first fragments that came before their first fragment (frag_pending map).
	 * Such a packet counts EW_CNT_PKT_FRAG_FIRST_MISSING when it arrives; if its
	 * first fragment comes within EW_FRAG_TIMEOUT, it moves from there to
	 * EW_CNT_PKT_FLOW (on the joining CPU: one CPU's count alone can go below zero,
	 * the sum over CPUs cannot). All four count packets, per hook they were seen on.
	 */
	EW_CNT_FRAG_PENDING_HELD,	/* added to a pending entry to wait for their first */
	EW_CNT_FRAG_PENDING_JOINED,	/* put in their flow when the first fragment came */
	EW_CNT_FRAG_PENDING_EXPIRED,	/* their first did not come within EW_FRAG_TIMEOUT */
	EW_CNT_FRAG_PENDING_FAILED,	/* the pending table refused them (never held) */

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

/* A gap between two packets of a flow this long or longer separates two bursts
 * (flow_record.gap_*): 1 s is far above a round trip or a delayed ACK (<= 500 ms), far
 * below a keep-alive period. */
#define EW_GAP_MIN_NS 1000000000ULL

/* flow_record.flags */
#define EW_FLOW_F_TINY_FRAGMENT 0x01	/* a first fragment too short for its L4 header */
#define EW_FLOW_F_FRAGMENTED 0x02	/* carried IP fragments */
#define EW_FLOW_F_INNER_NON_IP 0x04	/* tunnel with a non-IP inner frame, keyed on outer */
#define EW_FLOW_F_FRAG_OVERLAP 0x08	/* carried a fragment overlapping an earlier one */
/* stream_base[dir] holds the direction's base sequence number (sample.bpf.h) */
#define EW_FLOW_F_STREAM_BASE_TO_SERVER 0x10
#define EW_FLOW_F_STREAM_BASE_TO_CLIENT 0x20
/* ... and it came from the direction's SYN (ISN + 1), not from its first payload seen */
#define EW_FLOW_F_STREAM_SYN_TO_SERVER 0x40
#define EW_FLOW_F_STREAM_SYN_TO_CLIENT 0x80

/* flow_record.policy_verdict: the management policy's decision about the flow */
enum ew_policy_verdict {
	EW_POLICY_NONE = 0,	/* not a management flow */
	EW_POLICY_ALLOWED,	/* to a protected address's management port, from an allowed source */
	EW_POLICY_VIOLATION,	/* the same from a source the policy does not allow */
};

/* TCP header flag bits (flow_record.tcp_flags, sample_header.tcp_flags) */
#define EW_TCP_FIN 0x01
#define EW_TCP_SYN 0x02
#define EW_TCP_RST 0x04
#define EW_TCP_PSH 0x08
#define EW_TCP_ACK 0x10
#define EW_TCP_URG 0x20
#define EW_TCP_ECE 0x40
#define EW_TCP_CWR 0x80
/*
 * ICMP flows have no TCP flags: their tcp_flags[dir] bytes say which echo messages the
 * direction sent (parse_l4.bpf.h), written like TCP flags (only when new). A direction
 * that sent only echo replies is answering; the hot-flow reports leave it out.
 */
#define EW_ICMP_SENT_ECHO_REQUEST 0x40
#define EW_ICMP_SENT_ECHO_REPLY 0x80

/* flow_record.reported: what userspace has already been told about the flow, once each */
#define EW_REPORTED_VIOLATION 0x01
#define EW_REPORTED_EXPOSURE 0x02
#define EW_REPORTED_EGRESS 0x04
#define EW_REPORTED_FRAG_TINY 0x08	/* a tiny first fragment aimed at a protected address */
#define EW_REPORTED_FRAG_OVERLAP 0x10	/* an overlapping fragment aimed at one */
/* the bits that mean an alert was raised about the flow (flow.alerted) */
#define EW_REPORTED_ALERTS                                                                     \
	(EW_REPORTED_VIOLATION | EW_REPORTED_EXPOSURE | EW_REPORTED_EGRESS |                    \
	 EW_REPORTED_FRAG_TINY | EW_REPORTED_FRAG_OVERLAP)

/*
 * Flow table value, written by the kernel only: the programs count packets into it, the
 * sweeper (sweep.bpf.h) writes the baselines of its active-timeout records and deletes
 * it when the flow ends. Flag words (TCP flags included) are atomic ORs: a flow can be
 * updated at once on several CPUs (XDP ingress and tc egress, or one direction spread
 * over queues). So are the counters, but for the flow's owner: the CPU that created it
 * (flow_seq's CPU) adds into own_packets and own_bytes with plain adds, every other CPU
 * atomically into packets and bytes, and a direction's count is the sum of the two
 * (flow_dir_packets, flow_dir_bytes; flow_record_fold for a copy). A locked add waits
 * for the CPU's store buffer, which the parser has just filled: the two of them were 6
 * of the established path's 49 ns (BENCHMARKS.md, issue 11). Plain adds on the owner
 * are exact because the programs of one CPU never run interleaved: XDP in the receive
 * softirq, tc egress with bottom halves disabled, and a program is never moved to
 * another CPU while it runs. A PREEMPT_RT kernel may let them interleave (bottom-half
 * sections there are preemptible, and since 6.18 the per-CPU lock that serialised them
 * is gone unless CONFIG_PREEMPT_RT_NEEDS_BH_LOCK), so on such a kernel datapath_load
 * sets cfg_atomic_counters and every CPU adds atomically. Replay runs every frame on
 * one thread, and adds plainly into packets and bytes. Known limit: a flow deleted by
 * the sweeper while its owner is between the load and the store of its add, and whose
 * element a new flow takes in that instant, starts with the old flow's owner count
 * (with atomic adds it was one packet: sweep.bpf.h, sweep_one). The timestamps are
 * plain writes: a lost race there costs a time a few ns older.
 */
struct flow_record {
	__u64 packets[2];	/* indexed by enum ew_dir: the other CPUs' atomic adds */
	__u64 bytes[2];		/* frame length as received/sent, L2 header included */
	__u64 own_packets[2];	/* the owner CPU's plain adds */
	__u64 own_bytes[2];
	__u64 first_seen_ns;	/* datapath clock: see datapath.bpf.c */
	__u64 last_seen_ns;
	__u64 flow_seq;		/* unique per flow: (cpu << 48) | per-cpu sequence (cpu 0
				 * in replay, which runs on one CPU); the CPU owns own_* */
	__u64 interval_start_ns;	/* 0, or when the sweeper wrote its last active-timeout
					 * record: the start of the next one */
	__u64 exported_packets[2];	/* of the counts (both parts), already in
					 * active-timeout records */
	__u64 exported_bytes[2];
	__u32 flags;		/* EW_FLOW_F_* (atomic OR) */
	__u32 reported;		/* EW_REPORTED_* (atomic OR: the first to set a bit reports) */
	__u32 encap;		/* EW_ENCAP_BIT()s of the first packet */
	__u32 tunnel_id;	/* VXLAN/Geneve VNI or GRE key of the innermost tunnel */
	__u32 policy_gen;	/* the policy generation policy_verdict was decided under */
	__u8 tcp_flags[2];	/* OR of TCP flags, per direction (starts an aligned word:
				 * flow_or_tcp_flags() ORs into it atomically); ICMP:
				 * EW_ICMP_SENT_ECHO_* */
	__u8 initiator;		/* 0: endpoint a of the key started the flow, 1: endpoint b */
	__u8 first_hook;	/* enum ew_hook of the first packet */
	__u8 outer_family;	/* family of outer_src/outer_dst; 0 when not tunnelled */
	__u8 icmp_type;		/* ICMP/ICMPv6 type and code of the first packet (the */
	__u8 icmp_code;		/* Community ID of an ICMP flow depends on them) */
	__u8 policy_verdict;	/* enum ew_policy_verdict */
	__u8 policy_port;	/* the management port's index in the policy (its allow bit) */
	__u8 egress_violation;	/* a protected address opened it to a destination the egress
				 * policy does not allow */
	/*
	 * Payload samples of the first-packets kind, per direction (at most
	 * sampling.first-packets, <= 255) or, in a TCP flow with the stream window on,
	 * segments sampled for the window (at most sampling.stream-segments, <= 65535):
	 * a flow is one or the other for its whole life (the window is set at load), so
	 * the two share these bytes and the record keeps its size.
	 */
	union {
		__u8 samples[2];
		__u16 stream_segs[2];
	};
	__u16 flagged_samples;	/* samples taken because the flow is flagged */
	union {
		__u32 stream_base[2];	/* TCP: the sequence number at stream offset 0, per
					 * direction (valid with EW_FLOW_F_STREAM_BASE_*) */
		/* UDP and ICMP: each direction's packets (low 32 bits) when the sweeper
		 * last looked for hot flows (sweep.bpf.h, sweep_hot_count): the rate of
		 * the last sweep interval, not of the whole record */
		__u32 hot_mark[2];
	};
	union ew_addr outer_src;	/* outermost IP header of the first packet (tunnel */
	union ew_addr outer_dst;	/* endpoints), when the flow is tunnelled */
	/*
	 * The gaps between the flow's bursts, both directions together: a packet that
	 * comes EW_GAP_MIN_NS or more after the flow's previous one (last_seen_ns) adds
	 * the gap, in ms, here (atomic adds). Closer packets are one burst: a keep-alive's
	 * request, answer and ACKs are one beat, not three. The beacon detector scores
	 * their regularity (userspace/detect/README.md, "Inside one flow"). Since the
	 * previous active-timeout record: the sweeper subtracts what each one carried.
	 * u32 ms cannot wrap within one record: the active timeout is at most 7 days.
	 */
	__u64 gap_sumsq_ms;	/* sum of the squared gaps, ms^2 */
	__u32 gap_count;
	__u32 gap_sum_ms;
};
_Static_assert(sizeof(struct flow_record) == 224, "flow_record layout");
_Static_assert(__builtin_offsetof(struct flow_record, tcp_flags) % 4 == 0,
	       "tcp_flags starts a 4-byte word (atomic OR)");

/* The CPU whose programs add into a flow's own_packets and own_bytes (live runs). */
#define EW_FLOW_OWNER_CPU(flow_seq) ((__u32)((flow_seq) >> 48))

/* A direction's packets and bytes of a flow in the table: both parts (constant dir). */
static inline __u64 flow_dir_packets(const struct flow_record *fr, int dir)
{
	return dir == EW_DIR_TO_SERVER
		       ? fr->packets[EW_DIR_TO_SERVER] + fr->own_packets[EW_DIR_TO_SERVER]
		       : fr->packets[EW_DIR_TO_CLIENT] + fr->own_packets[EW_DIR_TO_CLIENT];
}

static inline __u64 flow_dir_bytes(const struct flow_record *fr, int dir)
{
	return dir == EW_DIR_TO_SERVER
		       ? fr->bytes[EW_DIR_TO_SERVER] + fr->own_bytes[EW_DIR_TO_SERVER]
		       : fr->bytes[EW_DIR_TO_CLIENT] + fr->own_bytes[EW_DIR_TO_CLIENT];
}

/*
 * A copy of a record made whole: the owner's counts moved into packets and bytes, so
 * that whoever reads the copy (userspace, the ended-flows ring) sees one count per
 * direction. The sweeper folds what it hands over; userspace folds what it reads
 * from the table itself (flow_table_scan, flow_table_drain).
 */
static inline void flow_record_fold(struct flow_record *r)
{
	r->packets[EW_DIR_TO_SERVER] += r->own_packets[EW_DIR_TO_SERVER];
	r->packets[EW_DIR_TO_CLIENT] += r->own_packets[EW_DIR_TO_CLIENT];
	r->bytes[EW_DIR_TO_SERVER] += r->own_bytes[EW_DIR_TO_SERVER];
	r->bytes[EW_DIR_TO_CLIENT] += r->own_bytes[EW_DIR_TO_CLIENT];
	r->own_packets[EW_DIR_TO_SERVER] = 0;
	r->own_packets[EW_DIR_TO_CLIENT] = 0;
	r->own_bytes[EW_DIR_TO_SERVER] = 0;
	r->own_bytes[EW_DIR_TO_CLIENT] = 0;
}

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

/* Fragments of a datagram whose byte ranges are kept to find overlaps. */
#define EW_FRAG_RANGES 6

struct frag_entry {
	struct flow_key flow;
	__u64 first_seen_ns;
	__u8 from_a;		/* the datagram's source is endpoint a of flow */
	__u8 nranges;		/* ranges kept (the first EW_FRAG_RANGES fragments) */
	__u8 pad[6];
	__u16 range_start[EW_FRAG_RANGES];	/* [start, end) of each fragment's data in */
	__u16 range_end[EW_FRAG_RANGES];	/* the datagram, in 8-byte units */
};
_Static_assert(sizeof(struct frag_entry) == 88, "frag_entry layout");

/*
 * A datagram's non-first fragments seen before its first one (map frag_pending, keyed by
 * struct frag_key): their counts only, never their bytes' content, until the first
 * fragment opens the flow they are added to.
 */
struct frag_pending {
	__u64 first_seen_ns;		/* the first of them: the entry expires from here */
	__u64 packets[EW_HOOK_MAX];	/* per hook they were seen on (the counters' hook) */
	__u64 bytes;
};
_Static_assert(sizeof(struct frag_pending) == 32, "frag_pending layout");

/*
 * What a restarted instance needs to know about the one that pinned the maps (an array
 * of one, pinned, written by userspace at start): the salt of its flow ids, so flows
 * it left behind are exported with the ids its alerts already used.
 */
struct instance_info {
	__u64 flow_id_salt;
	__u64 started_ns;	/* datapath clock */
};
_Static_assert(sizeof(struct instance_info) == 16, "instance_info layout");

/* Default sizes (userspace may resize before load; see README "Flow table"). */
#define EW_FLOW_TABLE_DEFAULT 262144
#define EW_FRAG_TABLE_DEFAULT 8192
#define EW_FRAG_PENDING_TABLE_DEFAULT 8192

/* ---- Management and egress policy ------------------------------------------------
 *
 * Two complete policy sets live side by side, told apart by a set number in every key
 * (0 or 1). The program uses the set of the current generation (policy_gen & 1, a
 * variable userspace writes); a reload fills the other set, then flips the generation
 * with one aligned write, so no packet ever sees a half-written policy. Every flow
 * remembers the generation its verdict came from and is decided again after a flip.
 */
#define EW_POLICY_SETS 2
/* Allow masks: bit i = the port with index i in the port table; this bit = any port. */
#define EW_PORT_ANY_BIT 63
#define EW_POLICY_MAX_PORTS 63
#define EW_POLICY_VLAN_ANY 0xFFFF	/* an allow entry without a vlan: matches any */

/* Management and egress port tables: (set, proto, port) -> index of the port. */
struct policy_port_key {
	__u8 set;
	__u8 proto;
	__be16 port;
};
_Static_assert(sizeof(struct policy_port_key) == 4, "policy_port_key layout");

/* Protected addresses (the device's management plane). */
struct policy_addr_key {
	__u8 set;
	__u8 family;
	__u8 pad[6];
	union ew_addr addr;
};
_Static_assert(sizeof(struct policy_addr_key) == 24, "policy_addr_key layout");

/*
 * Allow lists as LPM tries: the prefix covers the set (8 bits), the VLAN id (16 bits,
 * EW_POLICY_VLAN_ANY for entries without one) and the address prefix. An entry's
 * mask includes the masks of every shorter prefix containing it (userspace folds them
 * in), so the longest match alone says everything that is allowed.
 */
struct policy_lpm_v4_key {
	__u32 prefixlen;	/* 24 + address prefix length */
	__u8 set;
	__u8 vlan_be[2];
	__u8 addr[4];
	__u8 pad[1];
};
_Static_assert(sizeof(struct policy_lpm_v4_key) == 12, "policy_lpm_v4_key layout");

struct policy_lpm_v6_key {
	__u32 prefixlen;	/* 24 + address prefix length */
	__u8 set;
	__u8 vlan_be[2];
	__u8 addr[16];
	__u8 pad[1];
};
_Static_assert(sizeof(struct policy_lpm_v6_key) == 24, "policy_lpm_v6_key layout");

struct policy_allow {
	__u64 port_mask;	/* bit per port index, EW_PORT_ANY_BIT = every port */
};

/*
 * What a detection does, one list for the kernel and userspace: the management policy's
 * action (management.action), a payload rule's action, what an alert says it did.
 */
enum ew_action {
	EW_ACTION_ALERT = 0,	/* monitor: flag and report */
	EW_ACTION_DROP,		/* enforce: violating flows are dropped in XDP */
};

/* Per set: what the policy does (array map indexed by set). */
struct policy_config {
	__u32 generation;	/* the generation this set was written for */
	__u8 mgmt_enabled;	/* management policy present */
	__u8 egress_enabled;	/* egress policy present */
	__u8 action;		/* enum ew_action */
	__u8 rules_enforce;	/* `drop` rules drop the rest of their flow */
	/* payload sampling (see struct sample_header) */
	__u16 sample_first;	/* first payload packets of every flow, per direction */
	__u16 sample_flagged_cap;	/* payload packets of a flagged flow */
	__u32 sample_one_in;	/* 1-in-N of the other payload packets; 0 = off */
};
_Static_assert(sizeof(struct policy_config) == 16, "policy_config layout");

/* Decisions per generation (array indexed by generation % EW_POLICY_GEN_SLOTS): what the
 * reload test uses to prove every packet saw a whole policy. */
#define EW_POLICY_GEN_SLOTS 256
struct policy_decisions {
	__u64 allowed;
	__u64 violation;
};

/* Exposure inventory: a protected address that answered, on a management port, a
 * source the policy does not allow (a management interface reachable from outside). */
struct exposure_key {
	union ew_addr addr;	/* the protected address */
	__u8 family;
	__u8 proto;
	__be16 port;
	__u8 pad[4];
};
_Static_assert(sizeof(struct exposure_key) == 24, "exposure_key layout");

struct exposure_entry {
	__u64 first_seen_ns;	/* datapath clock */
	__u64 last_seen_ns;
	__u64 flows;		/* flows in which it answered */
	union ew_addr last_source;
	__u8 last_source_family;
	__u8 pad[7];
};
_Static_assert(sizeof(struct exposure_entry) == 48, "exposure_entry layout");

/* ---- The sweeper (ew_sweep, run by userspace with BPF_PROG_RUN) -------------------
 *
 * Ended flows leave the table in the kernel: the sweeper walks the flow table with
 * bpf_for_each_map_elem, and for each flow that ended puts a struct flow_end record on
 * the ended_flows ring buffer and deletes the flow (a record first, so no flow is
 * deleted without one). A walk in the kernel costs a third of reading the table with
 * batch syscalls (BENCHMARKS.md). When the ring buffer is full the sweeper stops and
 * says so; userspace drains it and runs the sweeper again, which goes on where the
 * deleted flows left off.
 */
enum ew_flow_end {
	EW_END_TIMEOUT = 0,	/* idle for the idle timeout */
	EW_END_ACTIVE_TIMEOUT,	/* a long flow's periodic record; the flow stays */
	EW_END_CLOSED,		/* TCP FIN both ways or RST, then quiet */
	EW_END_FORCED,		/* the table is nearly full: idle flows and flood debris go
				 * early (EW_SWEEP_F_PRESSURE, EW_SWEEP_F_DEBRIS) */
	EW_END_SHUTDOWN,	/* everything (the programs are detached) */
	EW_END_RECOVERED,	/* userspace only: left in the pinned table of an instance
				 * that died, exported by the next one */
	EW_END_MAX,
};

#define EW_SWEEP_F_ALL 0x01	/* every flow ends (reason EW_END_SHUTDOWN) */
#define EW_SWEEP_F_PRESSURE 0x02	/* idle flows over pressure_idle_ns end (EW_END_FORCED) */
#define EW_SWEEP_F_DEBRIS 0x04	/* flood debris ends (EW_END_FORCED), oldest first: see
				 * debris_older_ns */
#define EW_SWEEP_F_HOT 0x08	/* report hot flows (hot_pkts) */

/*
 * Flood debris: flows that never got an answer and look like a flood's leftovers
 * rather than a conversation: a single packet in all, or TCP that only ever sent SYN
 * (half-open, retransmits included). A spoofed SYN flood makes nothing else, and every
 * one of them is fresh, so ageing out idle flows cannot make room for real ones.
 * The sweeper counts the debris it keeps by idle time (bucket 0: under 1 ms, bucket b:
 * [2^(b-1), 2^b) ms, the last: everything older), so that userspace can pick how much
 * to free, oldest first, in a second pass.
 */
#define EW_SWEEP_AGE_BUCKETS 16
_Static_assert((EW_SWEEP_AGE_BUCKETS & (EW_SWEEP_AGE_BUCKETS - 1)) == 0,
	       "a power of two: the sweeper masks the bucket index with it");

/* The sweeper's context: in from userspace, out to it (BPF_PROG_RUN copies it back). */
struct sweep_args {
	__u64 now_ns;		/* datapath clock */
	__u64 idle_ns;
	__u64 tcp_closed_ns;
	__u64 active_ns;	/* 0: no active timeout */
	__u64 pressure_idle_ns;
	__u32 flags;		/* EW_SWEEP_F_* */
	__u32 ring_full;	/* out: stopped because ended_flows was full: run again */
	__u64 visited;		/* out: flows looked at */
	__u64 ended;		/* out: records written (flows deleted or, active, kept) */
	__u64 kept;		/* out: flows left in the table */
	__u64 kept_packets;	/* out: their packets not in any record yet */
	__u64 delete_races;	/* out: a record was ready but the flow was already gone */
	__u64 reused_before_refresh;	/* out: the deleted element held another flow before
					 * its counters could be read again: packets counted
					 * between the copy and the delete are not in the
					 * record (the conservation sum will show them) */
	__u64 next_end_ns;	/* out: the earliest time at which a flow left in the table
				 * can end if no packet comes (~0: none can); replay skips
				 * the sweeps before it (flow_sweep.h, struct sweep_schedule) */
	/* with EW_SWEEP_F_DEBRIS: debris idle for debris_older_ns or more ends, and debris
	 * idle for debris_min_ns or more while debris_budget (decremented) lasts */
	__u64 debris_older_ns;
	__u64 debris_min_ns;
	__u64 debris_budget;	/* in/out */
	__u64 debris_kept[EW_SWEEP_AGE_BUCKETS];	/* out: debris left, by idle time */
	/* with EW_SWEEP_F_HOT: a kept UDP or ICMP flow that sent at least hot_pkts packets
	 * one way since the previous such sweep (and its last record), at least hot_pkts a
	 * second on average, is reported on hot_flows (struct flow_hot): the initiator's
	 * way, and for ICMP the responder's too unless it only answered echo requests (an
	 * echo flood toward a host that opened the pair): a single-source flood is seen
	 * while it lasts */
	__u64 hot_pkts;
	__u64 hot_reported;	/* out: reports written */
	__u64 hot_lost;		/* out: reports hot_flows had no room for (those packets are
				 * counted when the flow's record arrives: late, not lost) */
};
_Static_assert(sizeof(struct sweep_args) == 280, "sweep_args layout");

struct flow_end {
	__u32 reason;		/* enum ew_flow_end */
	__u32 pad;
	struct flow_key key;
	struct flow_record record;
};
_Static_assert(sizeof(struct flow_end) == 280, "flow_end layout");

/* The object's size: the daemon and replay set their own (userspace/ring_sizes.h) */
#define EW_ENDED_RINGBUF_SIZE (16 * 1024 * 1024)

/* ---- Live flood counts (the flood detector's kernel half: detect/README.md) -------
 *
 * Flow records arrive when flows end (a half-open flow after the 60 s idle timeout), too
 * late to see a flood while it lasts. Two things give the flood detector live numbers
 * without touching the established-flow path:
 *  - flood_dests: on the new-flow path only (where the flow table insert already
 *    happens, and for new flows the full table refused), new flows are counted per
 *    destination and class, and the handshakes completed toward it (on the one packet
 *    that brings the initiator's first ACK after a SYN-ACK); userspace reads the
 *    cumulative counts every tick and judges the differences.
 *  - the sweeper reports hot flows (EW_SWEEP_F_HOT, struct flow_hot): a single-source
 *    UDP or ICMP flood is one flow, whose packets would otherwise show only in its records.
 */
enum ew_flood_class {
	EW_FLOOD_SYN = 0,	/* TCP flows opened by a SYN (not a SYN-ACK, not mid-stream) */
	EW_FLOOD_UDP,
	EW_FLOOD_ICMP,		/* ICMP and ICMPv6 */
	EW_FLOOD_CLASSES,
};

struct flood_dest_key {
	union ew_addr addr;	/* the new flow's responder */
	__u8 family;
	__u8 pad[7];
};
_Static_assert(sizeof(struct flood_dest_key) == 24, "flood_dest_key layout");

/*
 * Distinct sources of the new flows toward a destination: a linear-counting bitmap of
 * EW_FLOOD_SRC_BITS per CPU, one per read (flood_src_gen, which userspace moves on just
 * before it reads: a CPU's bitmap whose src_gen is the generation just closed holds the
 * sources since the previous read). The same bit, from the same function, on both sides.
 */
#define EW_FLOOD_SRC_BITS 512
static inline __u32 ew_flood_mix32(__u32 h)	/* MurmurHash3's finaliser */
{
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	h ^= h >> 16;
	return h;
}

static inline __u32 ew_flood_src_bit(const union ew_addr *a)
{
	__u32 h = ew_flood_mix32(a->be32[3]);

	h = ew_flood_mix32(a->be32[2] ^ h);
	h = ew_flood_mix32(a->be32[1] ^ h);
	return ew_flood_mix32(a->be32[0] ^ h) % EW_FLOOD_SRC_BITS;
}

/* Per CPU, cumulative since the entry was created (userspace keeps what it read last). */
struct flood_dest_count {
	__u64 new_flows[EW_FLOOD_CLASSES];	/* by enum ew_flood_class, table-full ones too */
	__u64 handshakes;	/* SYN flows toward it whose initiator ACKed the SYN-ACK */
	/* the latest new flow, for the alert's flow fields (flow_seq 0: the table was full) */
	__u64 last_flow_seq;
	union ew_addr last_src;
	__be16 last_sport;
	__be16 last_dport;
	__u8 last_proto;
	__u8 last_icmp_type;
	__u8 last_icmp_code;
	__u8 pad;
	__u32 src_gen;		/* the flood_src_gen src_bits are of */
	__u32 pad2;
	__u64 src_bits[EW_FLOOD_SRC_BITS / 64];
};
_Static_assert(sizeof(struct flood_dest_count) == 136, "flood_dest_count layout");

/*
 * Destinations counted at most (an LRU: a flood of random destinations evicts the least
 * recently used; userspace counts evictions as created - present). Kernel memory: per
 * entry the key, one value per possible CPU and the hash's element header, about
 * 24 + 136 x CPUs + 56 bytes: 8,192 entries on 2 CPUs about 2.9 MB, on 64 CPUs 72 MB.
 */
#define EW_FLOOD_DEST_TABLE_DEFAULT 8192

/* A hot flow, from the sweeper (EW_SWEEP_F_HOT); packets toward the responder. */
struct flow_hot {
	struct flow_key key;
	__u64 flow_seq;
	__u64 first_seen_ns;	/* datapath clock */
	__u64 since_ns;		/* the start of the span reported: the previous hot sweep, the
				 * last active-timeout record or first_seen_ns (the latest) */
	__u64 last_seen_ns;
	__u64 packets;		/* dir's packets, the whole flow so far */
	__u64 exported_packets;	/* of those, before the span (in records, or under the
				 * rate at the previous hot sweep) */
	__u8 initiator;		/* flow_record.initiator */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 dir;		/* enum ew_dir of the packets: EW_DIR_TO_CLIENT, the
				 * responder's (toward the initiator) */
	__u8 pad[4];
};
_Static_assert(sizeof(struct flow_hot) == 104, "flow_hot layout");

#define EW_HOT_RINGBUF_SIZE (256 * 1024)

/* ---- Events and samples to userspace (ring buffers) ------------------------------ */

enum ew_event_type {
	EW_EVENT_MGMT_VIOLATION = 1,	/* a management port reached from a source not allowed */
	EW_EVENT_MGMT_EXPOSURE,		/* a protected address answered such a source */
	EW_EVENT_EGRESS_VIOLATION,	/* a protected address opened a connection not allowed */
	EW_EVENT_FRAG_TINY,		/* a first fragment too short for its L4 header, aimed at a
					 * protected address */
	EW_EVENT_FRAG_OVERLAP,		/* an overlapping fragment aimed at a protected address */
};

/* ew_event.flags */
#define EW_EVENT_F_NO_FLOW 0x01	/* the packet has no flow entry (the table was full): flow_seq
				 * is 0, record is what its flow would have started with */

/*
 * Events about packets without a flow entry cannot be reported once per flow: the
 * kernel limits them instead, to one per (type, source, target, port, vlan) per
 * interval and EW_NOFLOW_EVENT_BUDGET per CPU per interval in all (a spoofed-source
 * flood makes every key new). What is held back is counted
 * (EW_CNT_EVENT_NOFLOW_SUPPRESSED).
 */
#define EW_NOFLOW_EVENT_INTERVAL_NS 1000000000ULL
#define EW_NOFLOW_EVENT_BUDGET 64

/* One event: the flow, and which way the packet that raised it went. */
struct ew_event {
	__u32 type;		/* enum ew_event_type */
	__u8 hook;		/* enum ew_hook */
	__u8 from_a;		/* the packet's source is endpoint a of key */
	__u8 action;		/* enum ew_action in force (drop: it was dropped) */
	__u8 policy_port;	/* the management port's index */
	__u64 ts_ns;		/* datapath clock */
	__u64 flow_seq;		/* 0 with EW_EVENT_F_NO_FLOW */
	__u32 policy_gen;
	__u32 flags;		/* EW_EVENT_F_* */
	struct flow_key key;
	struct flow_record record;	/* the flow as it was then (initiator, first seen) */
};
_Static_assert(sizeof(struct ew_event) == 304, "ew_event layout");

/* sample_header.reason */
enum ew_sample_reason {
	EW_SAMPLE_FIRST = 1,	/* one of the first payload packets of its direction */
	EW_SAMPLE_FLAGGED,	/* the flow is flagged (policy violation or egress) */
	EW_SAMPLE_ONE_IN_N,	/* the 1-in-N draw */
	EW_SAMPLE_STREAM,	/* a TCP segment inside its direction's stream window
				 * (sampling.stream-depth): reassembled in userspace */
};

/* sample_header.stream_flags */
#define EW_STREAM_F_SYN_BASE 0x01	/* stream_off counts from the SYN's ISN + 1 (else from
					 * the direction's first payload segment seen) */

/*
 * A payload sample: this header, then cap_len bytes of the innermost L4 payload, then
 * hdr_len bytes of the frame before the payload (its real headers, from the first byte of
 * the frame to payload_off), so the packet evidence (outputs.pcap) writes the frame as it
 * was: headers + payload is the frame's first hdr_len + cap_len bytes. hdr_len is 0 when
 * the headers are longer than EW_SAMPLE_HEADROOM (deep tunnel stacks): the payload is
 * still scanned, the evidence counts the packet as not rebuilt.
 */
struct sample_header {
	__u64 ts_ns;		/* datapath clock */
	__u64 flow_seq;
	struct flow_key key;
	__u32 frame_len;	/* the frame's length on the wire */
	__u32 payload_len;	/* L4 payload length in the packet (per its IP length) */
	__u16 payload_off;	/* where the payload starts in the frame */
	__u16 cap_len;		/* payload bytes that follow this header */
	__u8 from_a;		/* the packet's source is endpoint a of key */
	__u8 dir;		/* enum ew_dir */
	__u8 hook;		/* enum ew_hook */
	__u8 reason;		/* enum ew_sample_reason */
	__u8 tcp_flags;
	__u8 initiator;		/* flow_record.initiator */
	__u8 policy_verdict;	/* flow_record.policy_verdict */
	__u8 stream_flags;	/* EW_STREAM_F_*, with reason EW_SAMPLE_STREAM */
	__u32 stream_off;	/* TCP: the segment's sequence number less its direction's
				 * base (flow_record.stream_base): where its payload starts
				 * in the stream. Relative, so userspace needs no ISN; the
				 * kernel's base is the one its window decision used. */
	__u16 hdr_len;		/* frame header bytes after the payload (0 or payload_off) */
	__u8 pad[6];
};
_Static_assert(sizeof(struct sample_header) == 96, "sample_header layout");

/* Ring buffer sizes (bytes, powers of two). The samples ring's is the object's: the
 * daemon and replay set their own (userspace/ring_sizes.h). */
#define EW_EVENTS_RINGBUF_SIZE (256 * 1024)
#define EW_SAMPLES_RINGBUF_SIZE (8 * 1024 * 1024)
/* Largest snap length the programs accept (configuration sampling.snaplen). */
#define EW_SNAPLEN_MAX 4096
#define EW_SNAPLEN_DEFAULT 1500
/* Frame header bytes a sample carries after its payload (sample_header.hdr_len): room for
 * Ethernet, two VLAN tags, IPv6 with extension headers and TCP with options, and one
 * tunnel layer; a sample's record is the header, the snap length and this. */
#define EW_SAMPLE_HEADROOM 256

/* A sample wakes the daemon when this long has passed, on the datapath's clock, since the
 * last one that did (bpf/sample.bpf.h, sample_wake_flags; userspace/run.c reads the rest
 * without a wake-up). */
#define EW_SAMPLE_WAKE_NS 1000000ULL
/* Stream window (sampling.stream-depth, sampling.stream-segments): see sample.bpf.h */
#define EW_STREAM_DEPTH_MAX 65535
#define EW_STREAM_DEPTH_DEFAULT 4096
#define EW_STREAM_SEGMENTS_DEFAULT 512

/*
 * Replay's batches (issue 11): several frames in one BPF_PROG_TEST_RUN of
 * ew_xdp_replay_batch. Userspace packs the frames back to back in reverse order
 * ([f_n-1]...[f_1][f_0]: the first frame ends where the buffer ends) and describes each
 * in the .bss array replay_batch (index i: frame f_i), which the skeleton mmaps.
 */
#define EW_REPLAY_BATCH_MAX 64	/* a power of two: the program masks its index */
struct ew_replay_frame {
	__u64 ts_ns;		/* capture time: the datapath clock for this frame */
	__u32 wire_len;		/* length on the wire (the capture may hold less) */
	__u32 len;		/* bytes of the frame in the buffer (>= 14: Ethernet) */
	__u32 verdict;		/* out: the XDP action the body returned */
	__u32 pad;
};
_Static_assert(sizeof(struct ew_replay_frame) == 24, "ew_replay_frame layout");

#endif /* EDGEWATCH_DATAPATH_H */
