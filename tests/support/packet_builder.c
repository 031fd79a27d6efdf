// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <string.h>

#include "packet_builder.h"

/* A PKT_PAYLOAD without a type: the header before it names "nothing follows". */
#define PKT_TYPE_NONE UINT32_MAX

#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88B5
#define IPPROTO_NO_NEXT_HEADER 59
#define PPP_PROTO_LCP 0xC021

static void put16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xFF;
}

static void put32(uint8_t *at, uint32_t v)
{
	put16(at, v >> 16);
	put16(at + 2, v & 0xFFFF);
}

int pkt_parse_addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!text)
		return 0;
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, out) == 1)
		return 6;
	return 0;
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

/* Reserve len zeroed bytes for a header of kind; NULL (and p->error) if it does not fit. */
static uint8_t *pkt_push(struct pkt *p, enum pkt_kind kind, size_t len)
{
	struct pkt_layer *l;
	uint8_t *hdr;

	if (p->error || p->len + len > PKT_MAX_LEN || p->layers >= PKT_MAX_LAYERS) {
		p->error = 1;
		return NULL;
	}
	l = &p->layer[p->layers++];
	l->kind = kind;
	l->off = p->len;
	l->len = len;
	hdr = p->data + p->len;
	memset(hdr, 0, len);
	p->len += len;
	return hdr;
}

static struct pkt_layer *pkt_last(struct pkt *p)
{
	return &p->layer[p->layers - 1];
}

void pkt_eth(struct pkt *p)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *h = pkt_push(p, PKT_ETH, 14);

	if (!h)
		return;
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid)
{
	uint8_t *h = pkt_push(p, PKT_VLAN, 4);

	if (!h)
		return;
	pkt_last(p)->type = tpid;
	put16(h, vid & 0x0FFF);
}

void pkt_mpls(struct pkt *p, uint32_t label)
{
	uint8_t *h = pkt_push(p, PKT_MPLS, 4);

	if (h)
		put32(h, (label << 12) | 64);	/* bottom-of-stack bit: pkt_finish() */
}

void pkt_pw_cw(struct pkt *p)
{
	pkt_push(p, PKT_PW_CW, 4);
}

void pkt_pppoe(struct pkt *p, uint16_t session_id)
{
	uint8_t *h = pkt_push(p, PKT_PPPOE, 8);

	if (!h)
		return;
	h[0] = 0x11;	/* version 1, type 1 */
	put16(h + 2, session_id);
}

void pkt_ppp(struct pkt *p)
{
	uint8_t *h = pkt_push(p, PKT_PPP, 4);

	if (!h)
		return;
	h[0] = 0xFF;	/* address */
	h[1] = 0x03;	/* control */
}

void pkt_ppp_compressed(struct pkt *p)
{
	pkt_push(p, PKT_PPP, 1);
}

void pkt_arp(struct pkt *p)
{
	uint8_t *h = pkt_push(p, PKT_ARP, 28);

	if (!h)
		return;
	put16(h, 1);		/* Ethernet */
	put16(h + 2, 0x0800);
	h[4] = 6;
	h[5] = 4;
	put16(h + 6, 1);	/* request */
	h[8] = 0x02;
	h[13] = 0x01;
	put32(h + 14, 0xC6120001);	/* 198.18.0.1 asks for 198.18.0.2 */
	put32(h + 24, 0xC6120002);
}

void pkt_ipv4(struct pkt *p, const struct pkt_ipv4 *ip)
{
	size_t hdr_len = 20 + ip->options_len;
	uint8_t addr[16];
	uint16_t frag;
	uint8_t *h;

	if (ip->options_len % 4 || hdr_len > 60) {
		p->error = 1;
		return;
	}
	h = pkt_push(p, PKT_IPV4, hdr_len);
	if (!h)
		return;
	h[0] = 0x40 | (hdr_len / 4);
	put16(h + 4, ip->id);
	frag = (ip->frag_offset / 8) & 0x1FFF;
	if (ip->more_fragments)
		frag |= 0x2000;
	if (ip->dont_fragment)
		frag |= 0x4000;
	put16(h + 6, frag);
	h[8] = ip->ttl ? ip->ttl : 64;
	if (pkt_parse_addr(ip->src, addr) != 4)
		p->error = 1;
	memcpy(h + 12, addr, 4);
	if (pkt_parse_addr(ip->dst, addr) != 4)
		p->error = 1;
	memcpy(h + 16, addr, 4);
	if (ip->options_len)
		memcpy(h + 20, ip->options, ip->options_len);
	pkt_last(p)->type_override = ip->proto;
}

void pkt_ipv6(struct pkt *p, const char *src, const char *dst)
{
	uint8_t *h = pkt_push(p, PKT_IPV6, 40);

	if (!h)
		return;
	h[0] = 0x60;
	h[7] = 64;	/* hop limit */
	if (pkt_parse_addr(src, h + 8) != 6 || pkt_parse_addr(dst, h + 24) != 6)
		p->error = 1;
}

void pkt_ipv6_ext(struct pkt *p, enum pkt_kind kind, uint8_t len8)
{
	size_t len = (len8 + 1) * 8;
	uint8_t *h;

	if (kind != PKT_IPV6_HOPOPTS && kind != PKT_IPV6_ROUTING && kind != PKT_IPV6_DSTOPTS) {
		p->error = 1;
		return;
	}
	h = pkt_push(p, kind, len);
	if (!h)
		return;
	h[1] = len8;
	if (kind != PKT_IPV6_ROUTING) {
		h[2] = 1;		/* PadN over the rest of the header */
		h[3] = len - 4;
	}
	/* routing: type 0, segments left 0: nothing for a router to do */
}

void pkt_ipv6_frag(struct pkt *p, uint16_t offset, bool more, uint32_t id)
{
	uint8_t *h = pkt_push(p, PKT_IPV6_FRAG, 8);

	if (!h)
		return;
	put16(h + 2, (offset & 0xFFF8) | (more ? 1 : 0));
	put32(h + 4, id);
}

void pkt_ah(struct pkt *p, uint32_t spi)
{
	uint8_t *h = pkt_push(p, PKT_AH, 24);	/* 12 bytes + 12-byte ICV (HMAC-SHA1-96) */

	if (!h)
		return;
	h[1] = 24 / 4 - 2;
	put32(h + 4, spi);
	put32(h + 8, 1);
}

void pkt_gre(struct pkt *p, const struct pkt_gre *gre)
{
	uint16_t flags = gre->version & 0x7;
	size_t len = 4, at;
	uint8_t *h;

	if (gre->version == 1) {
		len += 4;	/* the key is mandatory in enhanced GRE */
		flags |= 0x2000;
		if (gre->seq_present)
			len += 4;
		if (gre->ack_present)
			len += 4;
	} else {
		if (gre->csum)
			len += 4;
		if (gre->key_present)
			len += 4;
		if (gre->seq_present)
			len += 4;
	}
	h = pkt_push(p, PKT_GRE, len);
	if (!h)
		return;
	if (gre->csum && gre->version != 1)
		flags |= 0x8000;
	if (gre->key_present && gre->version != 1)
		flags |= 0x2000;
	if (gre->seq_present)
		flags |= 0x1000;
	if (gre->ack_present && gre->version == 1)
		flags |= 0x0080;
	put16(h, flags);
	at = 4;
	if (gre->version == 1) {
		put16(h + 6, gre->call_id);	/* payload length: pkt_finish() */
		at += 4;
	} else {
		if (gre->csum)
			at += 4;	/* checksum 0: receivers do not verify it here */
		if (gre->key_present) {
			put32(h + at, gre->key);
			at += 4;
		}
	}
	if (gre->seq_present) {
		put32(h + at, gre->seq);
		at += 4;
	}
	if (gre->ack_present && gre->version == 1)
		put32(h + at, gre->seq);
	pkt_last(p)->type_override = gre->proto;
}

void pkt_erspan2(struct pkt *p, uint16_t session_id, uint16_t vlan)
{
	uint8_t *h = pkt_push(p, PKT_ERSPAN2, 8);

	if (!h)
		return;
	/* version 1 | VLAN 12 ; COS 3 | En 2 | T 1 | session 10 ; reserved 12 | index 20 */
	put16(h, 0x1000 | (vlan & 0x0FFF));
	put16(h + 2, session_id & 0x3FF);
	put32(h + 4, 1);
}

void pkt_erspan3(struct pkt *p, uint16_t session_id, uint16_t vlan, bool platform_subheader)
{
	uint8_t *h = pkt_push(p, PKT_ERSPAN3, platform_subheader ? 20 : 12);

	if (!h)
		return;
	/* version 2 | VLAN ; COS | BSO | T | session ; timestamp ; SGT | P | FT | HW ID | D |
	 * Gra | O */
	put16(h, 0x2000 | (vlan & 0x0FFF));
	put16(h + 2, session_id & 0x3FF);
	put32(h + 4, 0x12345678);
	h[11] = platform_subheader ? 0x01 : 0x00;
	if (platform_subheader)
		h[12] = 0x08;	/* platform id 0x3 subheader, contents irrelevant here */
}

void pkt_vxlan(struct pkt *p, uint32_t vni)
{
	uint8_t *h = pkt_push(p, PKT_VXLAN, 8);

	if (!h)
		return;
	h[0] = 0x08;	/* I: VNI valid */
	put32(h + 4, vni << 8);
}

void pkt_geneve(struct pkt *p, uint32_t vni, uint8_t opt_len)
{
	uint8_t *h;

	if (opt_len % 4 || opt_len > 252 || opt_len == 4) {
		p->error = 1;	/* one option TLV: 4-byte header + at least 4 bytes of data */
		return;
	}
	h = pkt_push(p, PKT_GENEVE, 8 + opt_len);
	if (!h)
		return;
	h[0] = opt_len / 4;	/* version 0 */
	put32(h + 4, vni << 8);
	if (opt_len) {
		put16(h + 8, 0x0103);	/* option class */
		h[10] = 0x80;		/* type: critical */
		h[11] = (opt_len - 4) / 4;
	}
}

void pkt_teredo_auth(struct pkt *p, uint8_t id_len, uint8_t auth_len)
{
	/* RFC 4380 5.1.1: type 0x0001, id-len, au-len, client id, auth value, nonce (8),
	 * confirmation (1) */
	uint8_t *h = pkt_push(p, PKT_TEREDO_AUTH, 4 + id_len + auth_len + 9);

	if (!h)
		return;
	h[1] = 0x01;
	h[2] = id_len;
	h[3] = auth_len;
	memset(h + 4, 0xA5, id_len + auth_len + 8);
}

void pkt_teredo_origin(struct pkt *p, uint16_t port, const char *addr)
{
	uint8_t *h = pkt_push(p, PKT_TEREDO_ORIGIN, 8);
	uint8_t a[16];
	int i;

	if (!h)
		return;
	/* RFC 4380 5.1.1: port and address are sent inverted (obfuscated) */
	put16(h + 2, port ^ 0xFFFF);
	if (pkt_parse_addr(addr, a) != 4)
		p->error = 1;
	for (i = 0; i < 4; i++)
		h[4 + i] = a[i] ^ 0xFF;
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t opt_len)
{
	uint8_t *h;
	int i;

	if (opt_len % 4 || opt_len > 40) {
		p->error = 1;
		return;
	}
	h = pkt_push(p, PKT_TCP, 20 + opt_len);
	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, 1000);
	put32(h + 8, (flags & PKT_TCP_ACK) ? 2000 : 0);
	h[12] = ((20 + opt_len) / 4) << 4;
	h[13] = flags;
	put16(h + 14, 64240);
	for (i = 0; i < opt_len; i++)
		h[20 + i] = 0x01;	/* NOP */
	if (opt_len >= 4) {
		h[20] = 2;		/* MSS 1460 */
		h[21] = 4;
		put16(h + 22, 1460);
	}
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = pkt_push(p, PKT_UDP, 8);

	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	uint8_t *h = pkt_push(p, PKT_ICMP, 8);

	if (!h)
		return;
	h[0] = type;
	h[1] = code;
	put16(h + 4, id);
	put16(h + 6, seq);
}

void pkt_icmpv6(struct pkt *p, uint8_t type, uint8_t code)
{
	uint8_t *h = pkt_push(p, PKT_ICMPV6, 8);

	if (!h)
		return;
	h[0] = type;
	h[1] = code;
}

void pkt_sctp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = pkt_push(p, PKT_SCTP, 12);

	if (!h)
		return;
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, 0xCAFE0001);	/* verification tag */
}

void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq)
{
	uint8_t *h = pkt_push(p, PKT_ESP, 8);

	if (!h)
		return;
	put32(h, spi);
	put32(h + 4, seq);
}

void pkt_payload(struct pkt *p, size_t len, uint8_t fill)
{
	uint8_t *h = pkt_push(p, PKT_PAYLOAD, len);
	size_t i;

	if (!h)
		return;
	pkt_last(p)->type = PKT_TYPE_NONE;
	for (i = 0; i < len; i++)
		h[i] = fill + i;
}

void pkt_payload_as(struct pkt *p, uint32_t type, size_t len)
{
	pkt_payload(p, len, 0x41);
	if (!p->error)
		pkt_last(p)->type = type;
}

/* What an ethertype field (Ethernet, VLAN, GRE, Geneve) calls the next header. */
static uint32_t ethertype_of(const struct pkt_layer *next)
{
	if (!next)
		return ETHERTYPE_LOCAL_EXPERIMENTAL;
	switch (next->kind) {
	case PKT_ETH:
		return 0x6558;	/* transparent Ethernet bridging */
	case PKT_VLAN:
		return next->type;
	case PKT_MPLS:
		return 0x8847;
	case PKT_PPPOE:
		return 0x8864;
	case PKT_ARP:
		return 0x0806;
	case PKT_IPV4:
		return 0x0800;
	case PKT_IPV6:
		return 0x86DD;
	case PKT_ERSPAN2:
		return 0x88BE;
	case PKT_ERSPAN3:
		return 0x22EB;
	case PKT_PPP:
		return 0x880B;
	case PKT_PAYLOAD:
		return next->type == PKT_TYPE_NONE ? ETHERTYPE_LOCAL_EXPERIMENTAL : next->type;
	default:
		return ETHERTYPE_LOCAL_EXPERIMENTAL;
	}
}

/* What an IP protocol / next header field calls the next header. */
static uint32_t ipproto_of(const struct pkt_layer *next)
{
	if (!next)
		return IPPROTO_NO_NEXT_HEADER;
	switch (next->kind) {
	case PKT_TCP:
		return 6;
	case PKT_UDP:
		return 17;
	case PKT_ICMP:
		return 1;
	case PKT_ICMPV6:
		return 58;
	case PKT_SCTP:
		return 132;
	case PKT_ESP:
		return 50;
	case PKT_AH:
		return 51;
	case PKT_GRE:
		return 47;
	case PKT_IPV4:
		return 4;
	case PKT_IPV6:
		return 41;
	case PKT_IPV6_HOPOPTS:
		return 0;
	case PKT_IPV6_ROUTING:
		return 43;
	case PKT_IPV6_FRAG:
		return 44;
	case PKT_IPV6_DSTOPTS:
		return 60;
	case PKT_PAYLOAD:
		return next->type == PKT_TYPE_NONE ? IPPROTO_NO_NEXT_HEADER : next->type;
	default:
		return IPPROTO_NO_NEXT_HEADER;
	}
}

/* What a PPP protocol field calls the next header. */
static uint32_t pppproto_of(const struct pkt_layer *next)
{
	if (!next)
		return PPP_PROTO_LCP;
	switch (next->kind) {
	case PKT_IPV4:
		return 0x0021;
	case PKT_IPV6:
		return 0x0057;
	case PKT_PAYLOAD:
		return next->type == PKT_TYPE_NONE ? PPP_PROTO_LCP : next->type;
	default:
		return PPP_PROTO_LCP;
	}
}

static uint16_t ipv4_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2)
		sum += (h[i] << 8) | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return ~sum & 0xFFFF;
}

void pkt_finish(struct pkt *p)
{
	size_t end = p->len;
	int i;

	if (p->error)
		return;
	for (i = 0; i < p->layers; i++) {
		struct pkt_layer *l = &p->layer[i];
		const struct pkt_layer *next = i + 1 < p->layers ? &p->layer[i + 1] : NULL;
		uint8_t *h = p->data + l->off;
		uint32_t over = l->type_override;

		switch (l->kind) {
		case PKT_ETH:
			put16(h + 12, ethertype_of(next));
			break;
		case PKT_VLAN:
			put16(h + 2, ethertype_of(next));
			break;
		case PKT_MPLS:
			if (!next || next->kind != PKT_MPLS)
				h[2] |= 0x01;	/* bottom of stack */
			break;
		case PKT_PPPOE:
			put16(h + 4, end - l->off - 6);
			put16(h + 6, pppproto_of(next));
			break;
		case PKT_PPP:
			if (l->len == 1)
				h[0] = pppproto_of(next);
			else
				put16(h + 2, pppproto_of(next));
			break;
		case PKT_IPV4:
			put16(h + 2, end - l->off);
			h[9] = over ? over : ipproto_of(next);
			put16(h + 10, 0);
			put16(h + 10, ipv4_checksum(h, l->len));
			break;
		case PKT_IPV6:
			put16(h + 4, end - l->off - 40);
			h[6] = ipproto_of(next);
			break;
		case PKT_IPV6_HOPOPTS:
		case PKT_IPV6_ROUTING:
		case PKT_IPV6_DSTOPTS:
		case PKT_IPV6_FRAG:
		case PKT_AH:
			h[0] = ipproto_of(next);
			break;
		case PKT_GRE:
			put16(h + 2, over ? over : ethertype_of(next));
			if ((h[1] & 0x07) == 1)
				put16(h + 4, end - l->off - l->len);
			break;
		case PKT_GENEVE:
			put16(h + 2, ethertype_of(next));
			break;
		case PKT_UDP:
			put16(h + 4, end - l->off);
			break;
		default:
			break;
		}
	}
}

void pkt_pad(struct pkt *p, size_t min_len)
{
	if (p->error || p->len >= min_len)
		return;
	if (min_len > PKT_MAX_LEN) {
		p->error = 1;
		return;
	}
	memset(p->data + p->len, 0, min_len - p->len);
	p->len = min_len;
}

struct pkt_layer *pkt_find(struct pkt *p, enum pkt_kind kind, int n)
{
	int i;

	for (i = 0; i < p->layers; i++)
		if (p->layer[i].kind == kind && n-- == 0)
			return &p->layer[i];
	return NULL;
}

const char *pkt_kind_name(enum pkt_kind kind)
{
	static const char *const names[] = {
		[PKT_ETH] = "eth",
		[PKT_VLAN] = "vlan",
		[PKT_MPLS] = "mpls",
		[PKT_PW_CW] = "pw_cw",
		[PKT_PPPOE] = "pppoe",
		[PKT_PPP] = "ppp",
		[PKT_ARP] = "arp",
		[PKT_IPV4] = "ipv4",
		[PKT_IPV6] = "ipv6",
		[PKT_IPV6_HOPOPTS] = "hopopts",
		[PKT_IPV6_ROUTING] = "routing",
		[PKT_IPV6_DSTOPTS] = "dstopts",
		[PKT_IPV6_FRAG] = "frag6",
		[PKT_AH] = "ah",
		[PKT_GRE] = "gre",
		[PKT_ERSPAN2] = "erspan2",
		[PKT_ERSPAN3] = "erspan3",
		[PKT_VXLAN] = "vxlan",
		[PKT_GENEVE] = "geneve",
		[PKT_TEREDO_AUTH] = "teredo_auth",
		[PKT_TEREDO_ORIGIN] = "teredo_origin",
		[PKT_TCP] = "tcp",
		[PKT_UDP] = "udp",
		[PKT_ICMP] = "icmp",
		[PKT_ICMPV6] = "icmpv6",
		[PKT_SCTP] = "sctp",
		[PKT_ESP] = "esp",
		[PKT_PAYLOAD] = "payload",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]) || !names[kind])
		return "unknown";
	return names[kind];
}
