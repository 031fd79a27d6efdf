/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parser steps for link-layer headers: Ethernet, 802.1Q/802.1ad, MPLS, PPPoE session. */
#ifndef EDGEWATCH_PARSE_L2_BPF_H
#define EDGEWATCH_PARSE_L2_BPF_H

/* What follows a header that names its payload with an ethertype. */
static __always_inline int dispatch_ethertype(struct parse_state *ps, __u16 ethertype)
{
	switch (ethertype) {
	case ETH_P_IP:
		ps->next = NEXT_IPV4;
		break;
	case ETH_P_IPV6:
		ps->next = NEXT_IPV6;
		break;
	case ETH_P_8021Q:
	case ETH_P_8021AD:
	case ETH_P_QINQ1:
		ps->next = NEXT_VLAN;
		break;
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_MPLS);
		ps->next = NEXT_MPLS;
		break;
	case ETH_P_PPP_SES:
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_PPPOE);
		ps->next = NEXT_PPPOE;
		break;
	default:
		/* ARP, LLDP, PPPoE discovery, ...; inside a tunnel: keyed on the carrier */
		inner_not_ip(ps);
		break;
	}
	return 0;
}

static __always_inline int parse_eth(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct ethhdr *eth = pos;

	if (!HDR_HAS(ps, data, eth, sizeof(*eth), end))
		return EW_CNT_PKT_TRUNC_ETH;
	/* A new frame (tunnels carry their own); the outermost one keeps a tag that tc
	 * found already removed by the hardware (datapath.bpf.c). */
	if (pos != data)
		ps->frame_vlan_tags = 0;
	cursor_set(ps, data, eth + 1);
	return dispatch_ethertype(ps, bpf_ntohs(eth->h_proto));
}

static __always_inline int parse_vlan(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct vlan_hdr *vh = pos;
	__u16 vid;

	if (!HDR_HAS(ps, data, vh, sizeof(*vh), end))
		return EW_CNT_PKT_TRUNC_VLAN;
	if (ps->vlan_tags >= EW_MAX_VLAN_TAGS)
		return EW_CNT_PKT_TOO_MANY_VLAN;
	vid = bpf_ntohs(vh->h_vlan_TCI) & 0x0FFF;
	/* constant indexes: no variable offset into the state */
	if (ps->vlan_tags == 0)
		ps->vlan[0] = vid;
	else if (ps->vlan_tags == 1)
		ps->vlan[1] = vid;
	else
		ps->vlan[2] = vid;
	ps->vlan_tags++;
	ps->frame_vlan_tags++;
	ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_VLAN);
	/* QinQ is two tags on one frame, not one tag outside a tunnel and one inside */
	if (ps->frame_vlan_tags > 1)
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_QINQ);
	cursor_set(ps, data, vh + 1);
	return dispatch_ethertype(ps, bpf_ntohs(vh->h_vlan_encapsulated_proto));
}

/* MPLS label stack entry: label 20 | traffic class 3 | bottom of stack 1 | TTL 8 */
static __always_inline int parse_mpls(struct parse_state *ps, void *data, void *pos, void *end)
{
	__be32 *lse = pos;
	__u8 *first;

	if (!HDR_HAS(ps, data, lse, sizeof(*lse), end))
		return EW_CNT_PKT_TRUNC_MPLS;
	if (ps->mpls_labels >= EW_MAX_MPLS_LABELS)
		return EW_CNT_PKT_TOO_MANY_MPLS;
	ps->mpls_labels++;
	cursor_set(ps, data, lse + 1);
	if (!(bpf_ntohl(*lse) & 0x100)) {
		ps->next = NEXT_MPLS;
		return 0;
	}
	/* Bottom of stack: MPLS does not say what follows; the first nibble does. */
	first = (void *)(lse + 1);
	if (!HDR_HAS(ps, data, first, 1, end))
		return EW_CNT_PKT_TRUNC_MPLS;
	switch (*first >> 4) {
	case 4:
		ps->next = NEXT_IPV4;
		break;
	case 6:
		ps->next = NEXT_IPV6;
		break;
	case 0:
		/* RFC 4385 pseudowire control word, then an Ethernet frame */
		if (!HDR_HAS(ps, data, first, 4, end))
			return EW_CNT_PKT_TRUNC_MPLS;
		cursor_set(ps, data, first + 4);
		ps->next = NEXT_ETH;
		break;
	default:
		inner_not_ip(ps);
		break;
	}
	return 0;
}

struct pppoe_session_hdr {
	__u8 ver_type;
	__u8 code;
	__be16 session_id;
	__be16 length;
	__be16 ppp_proto;
};

static __always_inline int parse_pppoe(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct pppoe_session_hdr *ph = pos;

	if (!HDR_HAS(ps, data, ph, sizeof(*ph), end))
		return EW_CNT_PKT_TRUNC_PPPOE;
	cursor_set(ps, data, ph + 1);
	switch (bpf_ntohs(ph->ppp_proto)) {
	case PPP_IP:
		ps->next = NEXT_IPV4;
		break;
	case PPP_IPV6:
		ps->next = NEXT_IPV6;
		break;
	default:		/* LCP, IPCP, ... */
		inner_not_ip(ps);
		break;
	}
	return 0;
}

#endif /* EDGEWATCH_PARSE_L2_BPF_H */
