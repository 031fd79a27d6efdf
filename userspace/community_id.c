// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "community_id.h"

struct icmp_pair {
	uint8_t type;
	uint8_t counterpart;
};

/* Request/response types, as Zeek pairs them: the counterpart stands in for a port. */
static const struct icmp_pair icmp4_pairs[] = {
	{ 8, 0 }, { 0, 8 },	/* echo */
	{ 13, 14 }, { 14, 13 },	/* timestamp */
	{ 15, 16 }, { 16, 15 },	/* information */
	{ 10, 9 }, { 9, 10 },	/* router solicitation / advertisement */
	{ 17, 18 }, { 18, 17 },	/* address mask */
};

static const struct icmp_pair icmp6_pairs[] = {
	{ 128, 129 }, { 129, 128 },	/* echo */
	{ 130, 131 }, { 131, 130 },	/* multicast listener query / report */
	{ 133, 134 }, { 134, 133 },	/* router solicitation / advertisement */
	{ 135, 136 }, { 136, 135 },	/* neighbour solicitation / advertisement */
	{ 139, 140 }, { 140, 139 },	/* who-are-you */
	{ 144, 145 }, { 145, 144 },	/* home agent address discovery */
};

/*
 * ICMP type/code -> (src port, dst port). Returns 1 when the message is one-way
 * (no counterpart): then the endpoints are not reordered.
 */
static int icmp_ports(uint8_t proto, uint16_t *sport, uint16_t *dport)
{
	const struct icmp_pair *pairs = proto == IPPROTO_ICMP ? icmp4_pairs : icmp6_pairs;
	size_t n = proto == IPPROTO_ICMP ? sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0])
				       : sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]);
	size_t i;

	for (i = 0; i < n; i++) {
		if (pairs[i].type == *sport) {
			*dport = pairs[i].counterpart;
			return 0;
		}
	}
	return 1;	/* type stays the source "port", code the destination one */
}

int community_id_v1(uint16_t seed, int family, const uint8_t *src, const uint8_t *dst,
		    uint8_t proto, uint16_t src_port, uint16_t dst_port,
		    char out[COMMUNITY_ID_LEN])
{
	uint8_t buf[2 + 16 + 16 + 2 + 2 + 2];
	uint8_t digest[SHA_DIGEST_LENGTH];
	size_t alen, len = 0;
	int has_ports, one_way = 0, swap;
	const uint8_t *a = src, *b = dst;
	uint16_t pa = src_port, pb = dst_port, nbo;

	if (family != 4 && family != 6)
		return -EINVAL;
	alen = family == 4 ? 4 : 16;
	has_ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
		    proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		one_way = icmp_ports(proto, &pa, &pb);

	/* The smaller (address, port) comes first, unless the ICMP message is one-way. */
	if (!one_way) {
		int cmp = memcmp(a, b, alen);

		swap = cmp > 0 || (cmp == 0 && has_ports && pa > pb);
		if (swap) {
			const uint8_t *t = a;
			uint16_t tp = pa;

			a = b;
			b = t;
			pa = pb;
			pb = tp;
		}
	}

	nbo = htons(seed);
	memcpy(buf + len, &nbo, 2);
	len += 2;
	memcpy(buf + len, a, alen);
	len += alen;
	memcpy(buf + len, b, alen);
	len += alen;
	buf[len++] = proto;
	buf[len++] = 0;
	if (has_ports) {
		nbo = htons(pa);
		memcpy(buf + len, &nbo, 2);
		len += 2;
		nbo = htons(pb);
		memcpy(buf + len, &nbo, 2);
		len += 2;
	}
	SHA1(buf, len, digest);
	memcpy(out, "1:", 2);
	/* 20 bytes -> 28 base64 characters + NUL: fits in COMMUNITY_ID_LEN - 2 */
	EVP_EncodeBlock((unsigned char *)out + 2, digest, sizeof(digest));
	return 0;
}
