/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parser step for what follows an IP header: L4 ports, or the next header to parse. */
#ifndef EDGEWATCH_PARSE_L4_BPF_H
#define EDGEWATCH_PARSE_L4_BPF_H

static __always_inline void set_payload(struct parse_state *ps, void *data, void *payload)
{
	ps->payload_off = payload - data;
}

static __always_inline int parse_l4(struct parse_state *ps, void *data, void *pos, void *end)
{
	ps->next = NEXT_DONE;
	switch (ps->ipproto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = pos;
		__u32 doff;

		if (!HDR_HAS(ps, data, th, sizeof(*th), end))
			return EW_CNT_PKT_TRUNC_L4;
		ps->sport = th->source;
		ps->dport = th->dest;
		/* byte 13 of the TCP header: CWR ECE URG ACK PSH RST SYN FIN */
		ps->tcp_flags = ((__u8 *)th)[13];
		ps->tcp_seq = bpf_ntohl(th->seq);
		doff = th->doff * 4;
		if (doff >= sizeof(*th) && HDR_HAS(ps, data, th, doff, end))
			set_payload(ps, data, (void *)th + doff);
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = pos;

		if (!HDR_HAS(ps, data, uh, sizeof(*uh), end))
			return EW_CNT_PKT_TRUNC_L4;
		ps->sport = uh->source;
		ps->dport = uh->dest;
		set_payload(ps, data, uh + 1);
		return parse_udp_tunnel(ps, data, uh, end);
	}
	case IPPROTO_SCTP: {
		__be16 *ports = pos;

		/* 12-byte common header: source port, destination port, tag, checksum */
		if (!HDR_HAS(ps, data, ports, 12, end))
			return EW_CNT_PKT_TRUNC_L4;
		ps->sport = ports[0];
		ps->dport = ports[1];
		set_payload(ps, data, pos + 12);
		return 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *icmp = pos;

		/* type, code, checksum, then 4 bytes that depend on the type */
		if (!HDR_HAS(ps, data, icmp, 8, end))
			return EW_CNT_PKT_TRUNC_L4;
		ps->icmp_type = icmp[0];
		ps->icmp_code = icmp[1];
		/* the echo messages in the flow's flag bytes (datapath.h: which way answers) */
		if (icmp[0] == (ps->ipproto == IPPROTO_ICMP ? 8 : 128))
			ps->tcp_flags = EW_ICMP_SENT_ECHO_REQUEST;
		else if (icmp[0] == (ps->ipproto == IPPROTO_ICMP ? 0 : 129))
			ps->tcp_flags = EW_ICMP_SENT_ECHO_REPLY;
		set_payload(ps, data, icmp + 8);
		return 0;
	}
	case IPPROTO_ESP: {
		__be32 *esp = pos;

		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_ESP);
		if (!HDR_HAS(ps, data, esp, 8, end))	/* SPI, sequence number */
			return EW_CNT_PKT_TRUNC_L4;
		ps->spi = esp[0];
		return 0;
	}
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
		/* extension headers in IPv6; in IPv4 ordinary portless protocols */
		if (ps->family == 6)
			ps->next = NEXT_IPV6_EXT;
		return 0;
	case IPPROTO_AH:
		ps->next = NEXT_IPV6_EXT;	/* same shape in IPv4 and IPv6 */
		return 0;
	case IPPROTO_IPIP:
	case IPPROTO_IPV6: {
		int err = enter_tunnel(ps, EW_CNT_ENCAP_IPIP);

		if (err)
			return err;
		ps->next = ps->ipproto == IPPROTO_IPIP ? NEXT_IPV4 : NEXT_IPV6;
		return 0;
	}
	case IPPROTO_GRE:
		ps->next = NEXT_GRE;
		return 0;
	default:		/* OSPF, VRRP, IGMP, PIM, no next header (59), ...: portless */
		return 0;
	}
}

#endif /* EDGEWATCH_PARSE_L4_BPF_H */
