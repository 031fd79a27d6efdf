// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* SNMPv1/v2c responses for the inventory: see snmp.h. Every loop is bounded by its input. */
#include <stdio.h>
#include <string.h>

#include "inventory/snmp.h"

#define BER_INTEGER 0x02
#define BER_OCTET_STRING 0x04
#define BER_OID 0x06
#define BER_SEQUENCE 0x30
#define BER_CONTEXT_CONSTRUCTED 0xa0	/* the PDUs: [n] IMPLICIT SEQUENCE */
#define PDU_GET_RESPONSE 2

/* 1.3.6.1.2.1.1.1.0 and 1.3.6.1.2.1.1.2.0 as BER contents (X.690 8.19) */
static const uint8_t oid_sysdescr[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const uint8_t oid_sysobjectid[] = { 0x2b, 6, 1, 2, 1, 1, 2, 0 };

/* What is left to read of one element's contents. */
struct ber {
	const uint8_t *p;
	size_t len;
};

struct tlv {
	uint8_t tag;
	struct ber value;
};

const char *snmp_malformed_name(enum snmp_result r)
{
	static const char *const names[SNMP_MALFORMED_REASONS] = {
		"truncated", "bad_length", "bad_tag", "bad_integer", "bad_oid",
	};

	if (r < SNMP_MALFORMED_FIRST || r >= SNMP_RESULT_COUNT)
		return NULL;
	return names[r - SNMP_MALFORMED_FIRST];
}

/* The next element of b (advanced past it). SNMP_OK or why not. */
static enum snmp_result next_tlv(struct ber *b, struct tlv *t)
{
	size_t n, i, hdr = 2, len;

	if (b->len < 2)
		return SNMP_TRUNCATED;
	t->tag = b->p[0];
	if ((t->tag & 0x1f) == 0x1f)	/* high tag numbers: no SNMP type uses them */
		return SNMP_BAD_TAG;
	len = b->p[1];
	if (len & 0x80) {
		n = len & 0x7f;
		/* 0x80 is the indefinite form, which BER for SNMP forbids (RFC 3417 8);
		 * more than 4 octets would say 4 GiB or more in a datagram */
		if (n == 0 || n > 4)
			return SNMP_BAD_LENGTH;
		if (b->len < 2 + n)
			return SNMP_TRUNCATED;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | b->p[2 + i];
		hdr += n;
	}
	if (len > b->len - hdr)
		return SNMP_TRUNCATED;
	t->value.p = b->p + hdr;
	t->value.len = len;
	b->p += hdr + len;
	b->len -= hdr + len;
	return SNMP_OK;
}

/* The next element, which must have tag. */
static enum snmp_result expect_tlv(struct ber *b, uint8_t tag, struct tlv *t)
{
	enum snmp_result r = next_tlv(b, t);

	if (r == SNMP_OK && t->tag != tag)
		return SNMP_BAD_TAG;
	return r;
}

static enum snmp_result expect_integer(struct ber *b, long *out)
{
	struct tlv t;
	enum snmp_result r = expect_tlv(b, BER_INTEGER, &t);
	size_t i;

	if (r != SNMP_OK)
		return r;
	if (t.value.len == 0 || t.value.len > 4)
		return SNMP_BAD_INTEGER;
	*out = (t.value.p[0] & 0x80) ? -1 : 0;	/* two's complement (X.690 8.3) */
	for (i = 0; i < t.value.len; i++)
		*out = (long)((unsigned long)*out << 8 | t.value.p[i]);
	return SNMP_OK;
}

/* An OID's contents as dotted text; cut at an arc when it does not fit. */
static enum snmp_result oid_text(const struct ber *v, char *out, size_t cap)
{
	size_t i, used = 0;
	uint64_t arc = 0;
	int first = 1, bytes = 0, n;

	out[0] = '\0';
	if (!v->len || (v->p[v->len - 1] & 0x80))	/* empty, or the last arc cut short */
		return SNMP_BAD_OID;
	for (i = 0; i < v->len; i++) {
		arc = arc << 7 | (v->p[i] & 0x7f);
		if (++bytes > 5 || arc > UINT32_MAX)	/* arcs are 32 bits (RFC 2578 3.5) */
			return SNMP_BAD_OID;
		if (v->p[i] & 0x80)
			continue;
		if (first) {	/* the first octet holds two arcs: 40 * X + Y (X.690 8.19.4) */
			unsigned int x = arc < 40 ? 0 : arc < 80 ? 1 : 2;

			n = snprintf(out + used, cap - used, "%u.%llu", x,
				     (unsigned long long)(arc - 40u * x));
			first = 0;
		} else {
			n = snprintf(out + used, cap - used, ".%llu", (unsigned long long)arc);
		}
		if (n < 0 || (size_t)n >= cap - used) {
			out[used] = '\0';	/* cut at the last whole arc */
			return SNMP_OK;
		}
		used += (size_t)n;
		arc = 0;
		bytes = 0;
	}
	return SNMP_OK;
}

/* Does it start like SNMPv1/v2c: SEQUENCE, then INTEGER version 0 or 1? */
static int looks_like_snmp(const uint8_t *p, size_t len)
{
	size_t hdr;

	if (len < 2 || p[0] != BER_SEQUENCE)
		return 0;
	hdr = p[1] & 0x80 ? 2 + (p[1] & 0x7f) : 2;
	return len >= hdr + 3 && p[hdr] == BER_INTEGER && p[hdr + 1] == 1 && p[hdr + 2] <= 1;
}

static enum snmp_result read_varbinds(struct ber *list, struct snmp_info *out)
{
	struct tlv vb, name, value;
	enum snmp_result r;

	while (list->len) {
		struct ber in;

		r = expect_tlv(list, BER_SEQUENCE, &vb);
		if (r != SNMP_OK)
			return r;
		in = vb.value;
		r = expect_tlv(&in, BER_OID, &name);
		if (r == SNMP_OK)
			r = next_tlv(&in, &value);
		if (r != SNMP_OK)
			return r;
		if (name.value.len == sizeof(oid_sysdescr) &&
		    !memcmp(name.value.p, oid_sysdescr, sizeof(oid_sysdescr)) &&
		    value.tag == BER_OCTET_STRING) {
			out->sysdescr_len = value.value.len < SNMP_SYSDESCR_MAX ? value.value.len
										 : SNMP_SYSDESCR_MAX;
			memcpy(out->sysdescr, value.value.p, out->sysdescr_len);
		} else if (name.value.len == sizeof(oid_sysobjectid) &&
			   !memcmp(name.value.p, oid_sysobjectid, sizeof(oid_sysobjectid)) &&
			   value.tag == BER_OID) {
			r = oid_text(&value.value, out->sysobjectid, sizeof(out->sysobjectid));
			if (r != SNMP_OK)
				return r;
		}
		/* other values (noSuchObject [0x80], counters, ...) are skipped whole */
	}
	return SNMP_OK;
}

enum snmp_result snmp_parse(const uint8_t *p, size_t len, struct snmp_info *out)
{
	struct ber msg = { p, len }, body;
	struct tlv t, community, pdu, list;
	enum snmp_result r;
	long version, ignored;

	memset(out, 0, sizeof(*out));
	if (!looks_like_snmp(p, len))
		return SNMP_NOT_SNMP;
	r = expect_tlv(&msg, BER_SEQUENCE, &t);
	if (r != SNMP_OK)
		return r;
	body = t.value;
	r = expect_integer(&body, &version);
	if (r != SNMP_OK)
		return r;
	out->version = (int)version;
	/* the community: its shape checked, its bytes never kept (snmp.h) */
	r = expect_tlv(&body, BER_OCTET_STRING, &community);
	if (r == SNMP_OK)
		r = next_tlv(&body, &pdu);
	if (r != SNMP_OK)
		return r;
	if ((pdu.tag & 0xe0) != BER_CONTEXT_CONSTRUCTED)
		return SNMP_BAD_TAG;
	out->pdu_type = pdu.tag & 0x1f;
	if (out->pdu_type != PDU_GET_RESPONSE)
		return SNMP_NOT_RESPONSE;
	body = pdu.value;
	/* request-id, error-status, error-index */
	r = expect_integer(&body, &ignored);
	if (r == SNMP_OK)
		r = expect_integer(&body, &ignored);
	if (r == SNMP_OK)
		r = expect_integer(&body, &ignored);
	if (r == SNMP_OK)
		r = expect_tlv(&body, BER_SEQUENCE, &list);
	if (r != SNMP_OK)
		return r;
	return read_varbinds(&list.value, out);
}
