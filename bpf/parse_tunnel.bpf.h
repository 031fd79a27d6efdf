/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Parser steps for tunnels: GRE (RFC 2784/2890; enhanced GRE of PPTP; ERSPAN types I,
 * II, III), and the UDP tunnels VXLAN (4789), Geneve (6081) and Teredo (3544).
 */
#ifndef EDGEWATCH_PARSE_TUNNEL_BPF_H
#define EDGEWATCH_PARSE_TUNNEL_BPF_H

#define VXLAN_PORT 4789
#define GENEVE_PORT 6081
#define TEREDO_PORT 3544

#define GRE_F_CSUM 0x8000
#define GRE_F_ROUTING 0x4000
#define GRE_F_KEY 0x2000
#define GRE_F_SEQ 0x1000
#define GRE_F_ACK 0x0080	/* enhanced GRE (version 1) only */
#define GRE_VERSION_MASK 0x0007

/*
 * What a tunnel header names with an ethertype (GRE, Geneve): IPv4, IPv6 or a whole
 * Ethernet frame. 1 when it was one of these (ps->next set), 0 for the caller to decide.
 */
static __always_inline int tunnel_payload_next(struct parse_state *ps, __u16 ethertype)
{
	switch (ethertype) {
	case ETH_P_IP:
		ps->next = NEXT_IPV4;
		return 1;
	case ETH_P_IPV6:
		ps->next = NEXT_IPV6;
		return 1;
	case ETH_P_TEB:
		ps->next = NEXT_ETH;
		return 1;
	default:
		return 0;
	}
}

struct gre_hdr {
	__be16 flags;
	__be16 protocol;
};

/* PPP inside enhanced GRE: address/control may be compressed away (ACFC), and the
 * protocol may be one byte (PFC). */
static __always_inline int parse_gre_ppp(struct parse_state *ps, void *data, __u8 *ppp,
					 void *end)
{
	__u16 ppp_proto;

	if (!HDR_HAS(ps, data, ppp, 4, end))
		return EW_CNT_PKT_TRUNC_GRE;
	if (ppp[0] == 0xff && ppp[1] == 0x03)
		ppp += 2;
	if (ppp[0] & 0x01) {
		ppp_proto = ppp[0];
		ppp += 1;
	} else {
		ppp_proto = (ppp[0] << 8) | ppp[1];
		ppp += 2;
	}
	cursor_set(ps, data, ppp);
	if (ppp_proto == PPP_IP)
		ps->next = NEXT_IPV4;
	else if (ppp_proto == PPP_IPV6)
		ps->next = NEXT_IPV6;
	else
		inner_not_ip(ps);
	return 0;
}

static __always_inline int parse_gre(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct gre_hdr *greh = pos;
	__u32 len = sizeof(*greh);
	__u16 flags, proto;
	__u8 *inner;
	int err;

	if (!HDR_HAS(ps, data, greh, sizeof(*greh), end))
		return EW_CNT_PKT_TRUNC_GRE;
	err = enter_tunnel(ps, EW_CNT_ENCAP_GRE);
	if (err)
		return err;
	flags = bpf_ntohs(greh->flags);
	proto = bpf_ntohs(greh->protocol);

	/*
	 * Versions 2-7 are undefined, and RFC 1701 source routing puts a variable list of
	 * routing entries before the payload: neither says where the inner frame starts
	 * (Linux drops both). Keyed on the IP header that carried them.
	 */
	if ((flags & GRE_VERSION_MASK) > 1 ||
	    ((flags & GRE_VERSION_MASK) == 0 && (flags & GRE_F_ROUTING))) {
		inner_not_ip(ps);
		return 0;
	}
	if ((flags & GRE_VERSION_MASK) == 1) {
		/* Enhanced GRE (RFC 2637, PPTP): the key (payload length, call id) is
		 * always there, sequence and acknowledgement numbers are optional. */
		len += 4;
		if (flags & GRE_F_SEQ)
			len += 4;
		if (flags & GRE_F_ACK)
			len += 4;
	} else {
		if (flags & GRE_F_CSUM)
			len += 4;	/* checksum + reserved */
		if (flags & GRE_F_KEY) {
			__be32 *key = (void *)greh + len;

			if (!HDR_HAS(ps, data, key, sizeof(*key), end))
				return EW_CNT_PKT_TRUNC_GRE;
			ps->tunnel_id = bpf_ntohl(*key);
			len += 4;
		}
		if (flags & GRE_F_SEQ)
			len += 4;
	}
	inner = (void *)greh + len;
	if (!HDR_HAS(ps, data, inner, 0, end))
		return EW_CNT_PKT_TRUNC_GRE;
	cursor_set(ps, data, inner);
	if (tunnel_payload_next(ps, proto))
		return 0;

	switch (proto) {
	case ETH_P_MPLS_UC:
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_MPLS);
		ps->next = NEXT_MPLS;
		break;
	case ETH_P_ERSPAN:
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_ERSPAN);
		/* Type II has a sequence number and an 8-byte header; type I neither. */
		if (flags & GRE_F_SEQ) {
			if (!HDR_HAS(ps, data, inner, 8, end))
				return EW_CNT_PKT_TRUNC_GRE;
			cursor_set(ps, data, inner + 8);
		}
		ps->next = NEXT_ETH;
		break;
	case ETH_P_ERSPAN3:
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_ERSPAN);
		/* 12-byte header; its last bit (O) adds an 8-byte platform subheader */
		if (!HDR_HAS(ps, data, inner, 12, end))
			return EW_CNT_PKT_TRUNC_GRE;
		if (inner[11] & 0x01) {
			if (!HDR_HAS(ps, data, inner, 20, end))
				return EW_CNT_PKT_TRUNC_GRE;
			cursor_set(ps, data, inner + 20);
		} else {
			cursor_set(ps, data, inner + 12);
		}
		ps->next = NEXT_ETH;
		break;
	case ETH_P_PPP:
		return parse_gre_ppp(ps, data, inner, end);
	default:
		inner_not_ip(ps);
		break;
	}
	return 0;
}

struct vxlan_hdr {
	__u8 flags;		/* 0x08: VNI valid */
	__u8 reserved1[3];
	__be32 vni_reserved;
};

struct geneve_hdr {
	__u8 ver_optlen;	/* version 2 | option length 6 (4-byte units) */
	__u8 flags;
	__be16 protocol;
	__be32 vni_reserved;
};

static __always_inline int parse_vxlan(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct vxlan_hdr *vh = pos;
	int err;

	/* A datagram too short for the header is plain UDP; a frame cut inside it is not. */
	if (!IN_DATAGRAM(ps, data, vh, sizeof(*vh)))
		return 0;
	if (!CURSOR_HAS(vh, sizeof(*vh), end)) {
		ps->frame_short = 1;
		return EW_CNT_PKT_TRUNC_TUNNEL;
	}
	if (!(vh->flags & 0x08))
		return 0;	/* not VXLAN after all: plain UDP */
	err = enter_tunnel(ps, EW_CNT_ENCAP_VXLAN);
	if (err)
		return err;
	ps->tunnel_id = bpf_ntohl(vh->vni_reserved) >> 8;
	cursor_set(ps, data, vh + 1);
	ps->next = NEXT_ETH;
	return 0;
}

static __always_inline int parse_geneve(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct geneve_hdr *gh = pos;
	__u32 len;
	int err;

	/* A datagram too short for the header is plain UDP; a frame cut inside it is not. */
	if (!IN_DATAGRAM(ps, data, gh, sizeof(*gh)))
		return 0;
	if (!CURSOR_HAS(gh, sizeof(*gh), end)) {
		ps->frame_short = 1;
		return EW_CNT_PKT_TRUNC_TUNNEL;
	}
	if ((gh->ver_optlen >> 6) != 0)
		return 0;	/* an unknown version: plain UDP */
	len = sizeof(*gh) + (gh->ver_optlen & 0x3F) * 4;
	if (!HDR_HAS(ps, data, gh, len, end))
		return EW_CNT_PKT_TRUNC_TUNNEL;
	err = enter_tunnel(ps, EW_CNT_ENCAP_GENEVE);
	if (err)
		return err;
	ps->tunnel_id = bpf_ntohl(gh->vni_reserved) >> 8;
	cursor_set(ps, data, (void *)gh + len);
	if (!tunnel_payload_next(ps, bpf_ntohs(gh->protocol)))
		inner_not_ip(ps);
	return 0;
}

/*
 * Teredo (RFC 4380): IPv6 in UDP/3544, optionally after an authentication and an
 * origin indication header. It is Teredo only if what follows is an IPv6 header whose
 * length fills the UDP payload exactly; anything else on port 3544 stays plain UDP.
 */
static __always_inline int parse_teredo(struct parse_state *ps, void *data, void *pos, void *end,
					__u32 udp_payload_len)
{
	__u8 *p = pos;
	struct ipv6hdr *ip6h;
	__u32 hdr_len = 0;
	int err;

	if (!HDR_HAS(ps, data, p, 2, end))
		return 0;
	if (p[0] == 0x00 && p[1] == 0x01) {
		/* authentication: type 2, id-len 1, au-len 1, id, au, nonce 8, confirm 1 */
		if (!HDR_HAS(ps, data, p, 4, end))
			return 0;
		hdr_len = 4 + p[2] + p[3] + 9;	/* <= 523 */
		p += hdr_len;
		if (!HDR_HAS(ps, data, p, 2, end))
			return 0;
	}
	if (p[0] == 0x00 && p[1] == 0x00) {
		hdr_len += 8;	/* origin indication: type 2, port 2, address 4 */
		p += 8;
	}
	ip6h = (void *)p;
	if (!HDR_HAS(ps, data, ip6h, sizeof(*ip6h), end))
		return 0;
	if (ip6h->version != 6 ||
	    bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h) + hdr_len != udp_payload_len)
		return 0;
	err = enter_tunnel(ps, EW_CNT_ENCAP_TEREDO);
	if (err)
		return err;
	cursor_set(ps, data, ip6h);
	ps->next = NEXT_IPV6;
	return 0;
}

/* After a UDP header at udp: is it one of the tunnels edgewatch decapsulates? */
static __always_inline int parse_udp_tunnel(struct parse_state *ps, void *data, struct udphdr *uh,
					    void *end)
{
	__u16 sport = bpf_ntohs(uh->source);
	__u16 dport = bpf_ntohs(uh->dest);
	__u16 ulen = bpf_ntohs(uh->len);

	if (dport == VXLAN_PORT)
		return parse_vxlan(ps, data, uh + 1, end);
	if (dport == GENEVE_PORT)
		return parse_geneve(ps, data, uh + 1, end);
	if ((sport == TEREDO_PORT || dport == TEREDO_PORT) && ulen > sizeof(*uh))
		return parse_teredo(ps, data, uh + 1, end, ulen - sizeof(*uh));
	return 0;
}

#endif /* EDGEWATCH_PARSE_TUNNEL_BPF_H */
