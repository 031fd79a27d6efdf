/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Deep encapsulation stacks for the truncation and fuzz tests (every header kind the
 * parser knows, several bounds at once), the over-deep packets of the malformed rows,
 * and how to tell a frame BPF_PROG_TEST_RUN refused from a program that failed.
 */
#ifndef EDGEWATCH_TESTS_DEEP_STACKS_H
#define EDGEWATCH_TESTS_DEEP_STACKS_H

#include "datapath_packets.h"

static inline void deep_stack_gre_erspan_vxlan(struct pkt *p)
{
	static const uint8_t options[8] = { 0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00 };

	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	pkt_mpls(p, 1000);
	pkt_mpls(p, 2000);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTER_A, .dst = OUTER_B, .options = options,
					 .options_len = sizeof(options) });
	pkt_gre(p, &(struct pkt_gre){ .csum = true, .key_present = true, .key = 3,
				      .seq_present = true, .seq = 9 });
	pkt_erspan3(p, 4, 30, true);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 30);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_ipv6_ext(p, PKT_IPV6_HOPOPTS, 0);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 1);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 12);
	pkt_payload(p, 10, 0);
	pkt_finish(p);
}

static inline void deep_stack_pppoe_geneve_6in4(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 7);
	pkt_pppoe(p, 0x55);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 77, 8);
	pkt_eth(p);
	ip4(p, "198.18.0.3", "198.18.0.4");
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_frag(p, 0, false, 1);	/* atomic */
	pkt_icmpv6(p, 128, 0);
	pkt_payload(p, 8, 0);
	pkt_finish(p);
}

static inline void deep_stack_pptp_sctp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_ipv6_ext(p, PKT_IPV6_ROUTING, 0);
	pkt_ah(p, 0x99);
	pkt_gre(p, &(struct pkt_gre){ .version = 1, .call_id = 3, .seq_present = true,
				      .ack_present = true });
	pkt_ppp(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_sctp(p, 5000, 5001);
	pkt_payload(p, 4, 0);
	pkt_finish(p);
}

static inline void deep_stack_pseudowire_esp(struct pkt *p)
{
	pkt_eth(p);
	pkt_mpls(p, 16);
	pkt_mpls(p, 17);
	pkt_mpls(p, 18);
	pkt_pw_cw(p);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 99);
	ip4(p, OUTER_A, OUTER_B);
	ip4(p, CLIENT4, SERVER4);
	pkt_esp(p, 0x1234, 1);
	pkt_payload(p, 16, 0);
	pkt_finish(p);
}

struct stack {
	const char *name;
	void (*build)(struct pkt *p);
};

static const struct stack stacks[] = {
	{ "qinq_mpls_ipv4opt_gre_erspan3_vlan_ipv6ext_vxlan_tcp", deep_stack_gre_erspan_vxlan },
	{ "vlan_pppoe_geneve_6in4_frag_icmpv6", deep_stack_pppoe_geneve_6in4 },
	{ "ipv6_rh_ah_pptp_ppp_sctp", deep_stack_pptp_sctp },
	{ "mpls_pw_vlan_ipip_esp", deep_stack_pseudowire_esp },
};

static inline void mixed_tunnels_too_many(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 1);
	pkt_eth(p);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 2, 0);
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	syn4(p);
	finish(p);
}

/* Every bound at its limit in one packet: the parser's step budget runs out first. */
static inline void step_budget_exhausted(struct pkt *p)
{
	int i;

	pkt_eth(p);
	for (i = 0; i < EW_MAX_VLAN_TAGS; i++)
		pkt_vlan(p, PKT_TPID_8021Q, 10 + i);
	for (i = 0; i < EW_MAX_MPLS_LABELS; i++)
		pkt_mpls(p, 100 + i);
	pkt_pw_cw(p);
	pkt_eth(p);
	pkt_pppoe(p, 1);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	for (i = 0; i < EW_MAX_IPV6_EXT; i++)
		pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 0);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	syn4(p);
	finish(p);
}

/* What the test helpers return when the kernel refused to run a frame. */
#define RUN_REFUSED -2

/*
 * Did the kernel refuse to run the frame (BPF_PROG_TEST_RUN's own input checks), as
 * opposed to the program failing? XDP: frames shorter than an Ethernet header. tc: also
 * IPv4/IPv6 frames without a whole IP header.
 */
static inline bool kernel_refuses(const uint8_t *frame, size_t len, bool tc)
{
	uint16_t ethertype;

	if (len < ETH_MIN_TEST_RUN_LEN)
		return true;
	if (!tc)
		return false;
	ethertype = (frame[12] << 8) | frame[13];
	return (ethertype == 0x0800 && len < 14 + 20) || (ethertype == 0x86DD && len < 14 + 40);
}

/* Frames the kernel refused to run: they must not have moved any counter. */
static inline void check_not_run(struct test_case *t, const struct ew_counters *before, size_t len)
{
	struct ew_counters after;

	if (dp_counters(&row_dp, &after) != 0)
		EXPECT(t, 0, "%zu-byte frame refused by the kernel: cannot read the counters", len);
	else
		EXPECT(t, memcmp(before, &after, sizeof(after)) == 0,
		       "%zu-byte frame refused by the kernel, yet counters moved", len);
}

#endif /* EDGEWATCH_TESTS_DEEP_STACKS_H */
