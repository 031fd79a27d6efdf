/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parser steps for IPv4 (with options), IPv6 and its extension headers, fragments. */
#ifndef EDGEWATCH_PARSE_IP_BPF_H
#define EDGEWATCH_PARSE_IP_BPF_H

#define IP_MF 0x2000
#define IP_OFFSET_MASK 0x1FFF
#define IP6_OFFSET_MASK 0xFFF8
#define IP6_MF 0x0001

/*
 * A new IP header: it becomes the innermost one; the first one is the outermost.
 * datagram_len is what the header says its datagram holds, 0 if it does not say
 * (IPv6 jumbogram); the datagram ends there, or where the one carrying it ends.
 */
static __always_inline void enter_ip(struct parse_state *ps, void *data, void *l3, __u8 family,
				     __u8 proto, __u32 datagram_len)
{
	__u16 off = l3 - data;
	__u32 ip_end = off + datagram_len;

	if (ps->ip_layers == 0) {
		ps->outer_l3_off = off;
		ps->outer_family = family;
	}
	ps->ip_layers++;
	ps->l3_off = off;
	if (datagram_len && (!ps->ip_end || ip_end < ps->ip_end))
		ps->ip_end = ip_end;
	ps->family = family;
	ps->ipproto = proto;
	ps->sport = 0;
	ps->dport = 0;
	ps->spi = 0;
	ps->payload_off = 0;
	ps->inner_non_ip = 0;
	ps->next = NEXT_L4;
}

/*
 * Only the outermost fragmented header identifies the datagram's other fragments.
 * Returns 1 when this header is that one (the caller then adds the addresses).
 * start (8-byte units) and data_len (bytes) place the fragment in its datagram.
 */
static __always_inline int remember_fragment(struct parse_state *ps, int state, __u32 id,
					     __u8 proto, __u32 start, __u32 data_len)
{
	if (ps->frag != FRAG_NONE)
		return 0;
	ps->frag = state;
	ps->frag_start = start;
	ps->frag_end = start + ((data_len + 7) >> 3);
	ps->frag_key.family = ps->family;
	ps->frag_key.proto = proto;
	ps->frag_key.id = id;
	ps->frag_key.vlan = ps->vlan[0];
	ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_FRAGMENT);
	return 1;
}

static __always_inline int parse_ipv4(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct iphdr *iph = pos;
	__u32 ihl_bytes, tot_len;
	__u16 frag_off;

	if (!HDR_HAS(ps, data, iph, sizeof(*iph), end))
		return EW_CNT_PKT_TRUNC_IPV4;
	if (iph->version != 4)
		return EW_CNT_PKT_BAD_IP_VERSION;
	ihl_bytes = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	/*
	 * IPv4 BIG TCP (Linux 6.3+): a GSO packet over 64 KiB leaves its total length 0
	 * on egress, its length is the skb's (enter_ip: 0 is "no length"). Anywhere else
	 * a total length shorter than the header is malformed.
	 */
	if (ihl_bytes < sizeof(*iph) || (ihl_bytes > tot_len && !(tot_len == 0 && ps->gso)))
		return EW_CNT_PKT_BAD_IPV4_IHL;
	/* ihl_bytes <= 60: options are skipped by a bounded amount */
	if (!HDR_HAS(ps, data, iph, ihl_bytes, end))
		return EW_CNT_PKT_TRUNC_IPV4;

	enter_ip(ps, data, iph, 4, iph->protocol, tot_len);
	cursor_set(ps, data, (void *)iph + ihl_bytes);

	frag_off = bpf_ntohs(iph->frag_off);
	if (frag_off & (IP_MF | IP_OFFSET_MASK)) {
		int nonfirst = (frag_off & IP_OFFSET_MASK) != 0;

		if (remember_fragment(ps, nonfirst ? FRAG_NONFIRST : FRAG_FIRST,
				      bpf_ntohs(iph->id), iph->protocol, frag_off & IP_OFFSET_MASK,
				      tot_len > ihl_bytes ? tot_len - ihl_bytes : 0)) {
			ps->frag_key.src.be32[0] = iph->saddr;
			ps->frag_key.dst.be32[0] = iph->daddr;
		}
		if (nonfirst)
			ps->next = NEXT_DONE;	/* no L4 header in here, only data */
	}
	return 0;
}

static __always_inline int parse_ipv6(struct parse_state *ps, void *data, void *pos, void *end)
{
	struct ipv6hdr *ip6h = pos;

	if (!HDR_HAS(ps, data, ip6h, sizeof(*ip6h), end))
		return EW_CNT_PKT_TRUNC_IPV6;
	if (ip6h->version != 6)
		return EW_CNT_PKT_BAD_IP_VERSION;
	enter_ip(ps, data, ip6h, 6, ip6h->nexthdr,
		 ip6h->payload_len ? sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len) : 0);
	cursor_set(ps, data, ip6h + 1);
	return 0;
}

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset 13 bits (8-byte units) | reserved 2 | M 1 */
	__be32 identification;
};

static __always_inline int parse_ipv6_frag(struct parse_state *ps, void *data, void *pos,
					   void *end)
{
	struct ipv6_frag_hdr *fh = pos;
	struct ipv6hdr *ip6h;
	__u32 l3_off = ps->l3_off, data_start;
	__u16 frag_off;

	if (!HDR_HAS(ps, data, fh, sizeof(*fh), end))
		return EW_CNT_PKT_TRUNC_IPV6_EXT;
	frag_off = bpf_ntohs(fh->frag_off);
	ps->ipproto = fh->nexthdr;
	cursor_set(ps, data, fh + 1);
	ps->next = NEXT_L4;
	/* offset 0 without M is an atomic fragment (RFC 6946): not fragmented */
	if (!(frag_off & (IP6_OFFSET_MASK | IP6_MF)))
		return 0;
	data_start = (void *)(fh + 1) - data;
	if (remember_fragment(ps, (frag_off & IP6_OFFSET_MASK) ? FRAG_NONFIRST : FRAG_FIRST,
			      bpf_ntohl(fh->identification), fh->nexthdr, frag_off >> 3,
			      ps->ip_end > data_start ? ps->ip_end - data_start : 0)) {
		if (l3_off > EW_PARSE_MAX_OFF)
			return EW_CNT_PKT_TOO_MANY_LAYERS;
		/* cursor_ptr: Linux 6.1's verifier loses the check above (see there) */
		ip6h = cursor_ptr(data, l3_off);
		if (!CURSOR_HAS(ip6h, sizeof(*ip6h), end))
			return EW_CNT_PKT_TRUNC_IPV6;
		__builtin_memcpy(&ps->frag_key.src, &ip6h->saddr, 16);
		__builtin_memcpy(&ps->frag_key.dst, &ip6h->daddr, 16);
	}
	if (frag_off & IP6_OFFSET_MASK)
		ps->next = NEXT_DONE;	/* no L4 header in here, only data */
	return 0;
}

/* One IPv6 extension header, or AH (same shape in IPv4 and IPv6). */
static __always_inline int parse_ipv6_ext(struct parse_state *ps, void *data, void *pos,
					  void *end)
{
	__u8 *ext = pos;
	__u32 len;

	if (ps->ipv6_ext >= EW_MAX_IPV6_EXT)
		return EW_CNT_PKT_TOO_MANY_IPV6_EXT;
	ps->ipv6_ext++;
	/* AH in IPv4 is walked here too, but it is no IPv6 extension header */
	if (ps->family == 6)
		ps->encap |= EW_ENCAP_BIT(EW_CNT_ENCAP_IPV6_EXT);
	if (ps->ipproto == IPPROTO_FRAGMENT)
		return parse_ipv6_frag(ps, data, pos, end);

	if (!HDR_HAS(ps, data, ext, 2, end))
		return EW_CNT_PKT_TRUNC_IPV6_EXT;
	if (ps->ipproto == IPPROTO_AH)
		len = (ext[1] + 2) * 4;	/* RFC 4302: 4-byte units, minus 2 */
	else
		len = (ext[1] + 1) * 8;	/* RFC 8200: 8-byte units, not counting the first */
	/* len <= 2048: a bounded move for the verifier */
	if (!HDR_HAS(ps, data, ext, len, end))
		return EW_CNT_PKT_TRUNC_IPV6_EXT;
	ps->ipproto = ext[0];
	cursor_set(ps, data, ext + len);
	ps->next = NEXT_L4;
	return 0;
}

#endif /* EDGEWATCH_PARSE_IP_BPF_H */
