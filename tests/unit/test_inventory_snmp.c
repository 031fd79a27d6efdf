// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SNMP responses for the inventory (userspace/inventory/snmp.h): a GetResponse's
 * sysDescr and sysObjectID, v1 and v2c, long-form lengths; requests and traps are not
 * the agent's answer; every malformed message counted by its reason (truncated and
 * overlong lengths, the indefinite form, wrong tags, bad INTEGERs and OIDs); every
 * prefix of a good message and random mutations of it under ASan/UBSan: bounded, never
 * a read past the input. The community string is nowhere in the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/snmp.h"
#include "../support/test.h"

/* Build BER: tag, length (short or long form), contents. */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t len, int long_form)
{
	size_t n = 0;

	out[n++] = tag;
	if (long_form || len > 127) {
		out[n++] = 0x82;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = (uint8_t)len;
	}
	memcpy(out + n, v, len);
	return n + len;
}

static const uint8_t OID_SYSDESCR[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const uint8_t OID_SYSOBJECTID[] = { 0x2b, 6, 1, 2, 1, 1, 2, 0 };
/* 1.3.6.1.4.1.9.1.1208 (a Cisco product): 1208 = 0x89 0x38 in base 128 */
static const uint8_t CISCO_OBJECT[] = { 0x2b, 6, 1, 4, 1, 9, 1, 0x89, 0x38 };

/* A whole message: version, community, PDU tag, the two varbinds. */
static size_t message(uint8_t *out, int version, uint8_t pdu_tag, const char *descr,
		      int long_form)
{
	uint8_t vb1[512], vb2[64], vbs[700], pdu[800], body[900], tmp[512];
	size_t n1, n2, n, nb;
	uint8_t ver = (uint8_t)version, zero = 0;

	n = tlv(tmp, 0x06, OID_SYSDESCR, sizeof(OID_SYSDESCR), 0);
	n += tlv(tmp + n, 0x04, (const uint8_t *)descr, strlen(descr), long_form);
	n1 = tlv(vb1, 0x30, tmp, n, long_form);
	n = tlv(tmp, 0x06, OID_SYSOBJECTID, sizeof(OID_SYSOBJECTID), 0);
	n += tlv(tmp + n, 0x06, CISCO_OBJECT, sizeof(CISCO_OBJECT), 0);
	n2 = tlv(vb2, 0x30, tmp, n, 0);
	memcpy(tmp, vb1, n1);
	memcpy(tmp + n1, vb2, n2);
	n = tlv(vbs, 0x30, tmp, n1 + n2, long_form);
	nb = tlv(pdu, 0x02, (const uint8_t[]){ 0x12, 0x34 }, 2, 0);	/* request-id */
	nb += tlv(pdu + nb, 0x02, &zero, 1, 0);				/* error-status */
	nb += tlv(pdu + nb, 0x02, &zero, 1, 0);				/* error-index */
	memcpy(pdu + nb, vbs, n);
	nb += n;
	n = tlv(body, 0x02, &ver, 1, 0);
	n += tlv(body + n, 0x04, (const uint8_t *)"s3cret-community", 16, 0);
	n += tlv(body + n, pdu_tag, pdu, nb, long_form);
	return tlv(out, 0x30, body, n, long_form);
}

static const char CISCO[] = "Cisco IOS Software, C2960 Software (C2960-I7V-M), Version "
			    "12.2(58)SE1, RELEASE SOFTWARE (fc1)";

static void test_responses(struct test_case *t)
{
	uint8_t m[1024];
	struct snmp_info info;
	size_t n;
	int version, long_form;

	for (version = 0; version <= 1; version++) {
		for (long_form = 0; long_form <= 1; long_form++) {
			n = message(m, version, 0xa2, CISCO, long_form);
			EXPECT(t, snmp_parse(m, n, &info) == SNMP_OK, "v%d long %d: not read",
			       version, long_form);
			EXPECT(t, info.version == version && info.sysdescr_len == strlen(CISCO) &&
					  !memcmp(info.sysdescr, CISCO, strlen(CISCO)),
			       "v%d long %d: sysDescr '%.*s'", version, long_form,
			       (int)info.sysdescr_len, info.sysdescr);
			EXPECT(t, !strcmp(info.sysobjectid, "1.3.6.1.4.1.9.1.1208"),
			       "sysObjectID '%s'", info.sysobjectid);
			EXPECT(t, !memmem(&info, sizeof(info), "s3cret", 6),
			       "the community string is in the result");
		}
	}
	/* a sysDescr longer than the bound is cut, not overrun */
	char longer[400];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	n = message(m, 1, 0xa2, longer, 0);
	EXPECT(t, snmp_parse(m, n, &info) == SNMP_OK && info.sysdescr_len == SNMP_SYSDESCR_MAX,
	       "long sysDescr: %zu", info.sysdescr_len);
	/* requests, SNMPv2 traps: not an answer */
	n = message(m, 1, 0xa0, CISCO, 0);
	EXPECT(t, snmp_parse(m, n, &info) == SNMP_NOT_RESPONSE, "a GetRequest read as answer");
	n = message(m, 1, 0xa7, CISCO, 0);
	EXPECT(t, snmp_parse(m, n, &info) == SNMP_NOT_RESPONSE, "a trap read as answer");
	/* not SNMP: costs nothing, counts nothing */
	EXPECT(t, snmp_parse((const uint8_t *)"SSH-2.0-x\r\n", 11, &info) == SNMP_NOT_SNMP, "ssh");
	n = message(m, 3, 0xa2, CISCO, 0);	/* SNMPv3 is not parsed (no community) */
	EXPECT(t, snmp_parse(m, n, &info) == SNMP_NOT_SNMP, "v3");
	EXPECT(t, snmp_parse(m, 0, &info) == SNMP_NOT_SNMP, "empty");
}

/* Each malformed message, with its reason. */
static void test_malformed(struct test_case *t)
{
	static const struct {
		const char *name;
		uint8_t bytes[32];
		size_t len;
		enum snmp_result want;
	} rows[] = {
		/* the outer length says 200, 8 bytes follow */
		{ "outer length past the datagram", { 0x30, 0x81, 200, 0x02, 0x01, 0x01, 0x04, 0x00 },
		  8, SNMP_TRUNCATED },
		/* a 4-byte length of 0xffffffff */
		{ "overlong 4-byte length", { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01 },
		  9, SNMP_TRUNCATED },
		{ "5 length octets", { 0x30, 0x85, 0, 0, 0, 0, 9, 0x02, 0x01, 0x01 }, 10,
		  SNMP_BAD_LENGTH },
		{ "indefinite length", { 0x30, 0x80, 0x02, 0x01, 0x01, 0x04, 0x00, 0, 0 }, 9,
		  SNMP_BAD_LENGTH },
		{ "community length past its message",
		  { 0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x7f, 'p', 'u' }, 9, SNMP_TRUNCATED },
		{ "community not an OCTET STRING",
		  { 0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0xa2, 0x00, 0 }, 11,
		  SNMP_BAD_TAG },
		{ "PDU not a context tag",
		  { 0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x00, 0x30, 0x00 }, 9, SNMP_BAD_TAG },
		{ "request-id of 5 octets",
		  { 0x30, 0x0e, 0x02, 0x01, 0x01, 0x04, 0x00, 0xa2, 0x07, 0x02, 0x05, 1, 2, 3, 4, 5 },
		  16, SNMP_BAD_INTEGER },
		{ "request-id of 0 octets",
		  { 0x30, 0x09, 0x02, 0x01, 0x01, 0x04, 0x00, 0xa2, 0x02, 0x02, 0x00 }, 11,
		  SNMP_BAD_INTEGER },
		{ "varbind list truncated",
		  { 0x30, 0x12, 0x02, 0x01, 0x01, 0x04, 0x00, 0xa2, 0x0b, 0x02, 0x01, 0x01, 0x02, 0x01,
		    0x00, 0x02, 0x01, 0x00, 0x30, 0x10 }, 20, SNMP_TRUNCATED },
		{ "varbind name not an OID",
		  { 0x30, 0x16, 0x02, 0x01, 0x01, 0x04, 0x00, 0xa2, 0x0f, 0x02, 0x01, 0x01, 0x02, 0x01,
		    0x00, 0x02, 0x01, 0x00, 0x30, 0x04, 0x30, 0x02, 0x04, 0x00 }, 24, SNMP_BAD_TAG },
		{ "high tag number",
		  { 0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x00, 0xbf, 0x00 }, 9, SNMP_BAD_TAG },
	};
	struct snmp_info info;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum snmp_result r = snmp_parse(rows[i].bytes, rows[i].len, &info);

		EXPECT(t, r == rows[i].want, "%s: %d (%s), want %d (%s)", rows[i].name, r,
		       snmp_malformed_name(r) ? snmp_malformed_name(r) : "-", rows[i].want,
		       snmp_malformed_name(rows[i].want));
	}
	/* a sysObjectID whose last arc is cut short: bad_oid */
	uint8_t m[1024];
	size_t n = message(m, 1, 0xa2, "x", 0), j;

	for (j = 0; j + sizeof(CISCO_OBJECT) <= n; j++)
		if (!memcmp(m + j, CISCO_OBJECT, sizeof(CISCO_OBJECT)))
			m[j + sizeof(CISCO_OBJECT) - 1] |= 0x80;
	EXPECT(t, snmp_parse(m, n, &info) == SNMP_BAD_OID, "cut arc: %d", snmp_parse(m, n, &info));
	EXPECT(t, !strcmp(snmp_malformed_name(SNMP_TRUNCATED), "truncated") &&
			  !snmp_malformed_name(SNMP_OK), "names");
}

/* Every prefix of a good response, and 20,000 random mutations: a result, no overrun. */
static void test_hostile(struct test_case *t)
{
	uint8_t m[1024], *copy;
	struct snmp_info info;
	size_t n = message(m, 1, 0xa2, CISCO, 1), len, i;
	unsigned int seed = 14;
	int round, malformed = 0;

	for (len = 0; len < n; len++) {
		/* a heap copy of exactly len bytes: ASan sees any read past it */
		copy = malloc(len ? len : 1);
		memcpy(copy, m, len);
		enum snmp_result r = snmp_parse(copy, len, &info);

		EXPECT(t, r != SNMP_OK || info.sysdescr_len <= SNMP_SYSDESCR_MAX,
		       "prefix %zu", len);
		malformed += r >= SNMP_MALFORMED_FIRST;
		free(copy);
	}
	/* every cut after the version is malformed (truncated), never read as a response */
	EXPECT(t, malformed >= (int)n - 8, "%d of %zu prefixes malformed", malformed, n);
	for (round = 0; round < 20000; round++) {
		copy = malloc(n);
		memcpy(copy, m, n);
		for (i = 0; i < 1 + (size_t)(rand_r(&seed) % 4); i++)
			copy[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		if (snmp_parse(copy, n, &info) == SNMP_OK)
			EXPECT(t, info.sysdescr_len <= SNMP_SYSDESCR_MAX &&
					  strlen(info.sysobjectid) < SNMP_OID_TEXT_LEN,
			       "round %d: unbounded", round);
		free(copy);
	}
}

int main(void)
{
	test_program = "test_inventory_snmp";
	RUN(test_responses);
	RUN(test_malformed);
	RUN(test_hostile);
	return test_summary();
}
