/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SNMP for the inventory (issue 14): an agent's answer (SNMPv1/v2c GetResponse, RFC 1157
 * and RFC 3416; BER, X.690) read for sysDescr (1.3.6.1.2.1.1.1.0) and sysObjectID
 * (1.3.6.1.2.1.1.2.0). Pure code over hostile bytes: every length is checked against
 * what is left of its enclosing element before it is used; a message that starts like
 * SNMP (SEQUENCE, then INTEGER version 0 or 1) and then breaks the rules is malformed,
 * with a reason to count; anything else is not SNMP and costs nothing.
 *
 * The community string is checked for its shape and never kept: it is the password of
 * SNMPv1/v2c (RFC 1157 section 3.2.5: sent in clear with every message), and a log or an
 * EVE line holding it would hand the device's management plane to whoever reads it. Only
 * the fact that one was seen counts (the cleartext_mgmt flag).
 */
#ifndef EDGEWATCH_INVENTORY_SNMP_H
#define EDGEWATCH_INVENTORY_SNMP_H

#include <stddef.h>
#include <stdint.h>

/* sysDescr bytes kept (before escaping); the rest of a longer one is cut. */
#define SNMP_SYSDESCR_MAX 255
/* sysObjectID dotted ("1.3.6.1.4.1.9.1.1208"): 128 arcs of up to 10 digits do not fit,
 * an OID longer than this is kept cut at an arc. */
#define SNMP_OID_TEXT_LEN 96

enum snmp_result {
	SNMP_NOT_SNMP = 0,	/* not an SNMPv1/v2c message: not counted */
	SNMP_OK,		/* a response; sysdescr/sysobjectid when it carried them */
	SNMP_NOT_RESPONSE,	/* a request, a trap or a report: nothing of the agent's */
	/* malformed, by reason (counted: stats.inventory.snmp_malformed.*) */
	SNMP_TRUNCATED,		/* a length runs past its enclosing element */
	SNMP_BAD_LENGTH,	/* indefinite form, or more than 4 length octets */
	SNMP_BAD_TAG,		/* an element of the wrong type where the PDU needs one */
	SNMP_BAD_INTEGER,	/* an INTEGER of 0 or more than 4 octets */
	SNMP_BAD_OID,		/* an OID empty, or with an arc cut short or too long */
	SNMP_RESULT_COUNT,
};

#define SNMP_MALFORMED_FIRST SNMP_TRUNCATED
#define SNMP_MALFORMED_REASONS (SNMP_RESULT_COUNT - SNMP_MALFORMED_FIRST)

struct snmp_info {
	int version;				/* 0: SNMPv1, 1: SNMPv2c */
	int pdu_type;				/* the context tag's number (2: GetResponse) */
	size_t sysdescr_len;			/* 0: not in the response */
	uint8_t sysdescr[SNMP_SYSDESCR_MAX];	/* raw: the caller escapes it */
	char sysobjectid[SNMP_OID_TEXT_LEN];	/* "": not in the response */
};

/* "truncated", "bad_length", ... for a malformed result; NULL for the others. */
const char *snmp_malformed_name(enum snmp_result r);

/* Read one UDP payload. out is zeroed first. */
enum snmp_result snmp_parse(const uint8_t *p, size_t len, struct snmp_info *out);

#endif /* EDGEWATCH_INVENTORY_SNMP_H */
