// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A server's first bytes to a service: SNMP, else the banners (recognise.h). */
#include <string.h>
#include <netinet/in.h>

#include "inventory/edge_software.h"
#include "inventory/recognise.h"
#include "inventory/snmp.h"
#include "text_escape.h"

_Static_assert(SNMP_MALFORMED_REASONS == sizeof(((struct stats_inventory *)0)->snmp_malformed) /
						 sizeof(uint64_t),
	       "a stats count per malformed SNMP reason");
_Static_assert(BANNER_OBJECT_ID_LEN >= SNMP_OID_TEXT_LEN, "a sysObjectID fits the banner");

/* An SNMP response as a banner: the sysDescr as the banner text, the SNMP version as the
 * protocol; the community is not in info (snmp.h says why). */
static void snmp_banner(const struct edge_software *sw, const struct snmp_info *info,
			struct banner *b)
{
	size_t shown = info->sysdescr_len < BANNER_RAW_MAX ? info->sysdescr_len : BANNER_RAW_MAX;

	b->service = BANNER_SNMP;
	strcpy(b->protocol, info->version ? "2c" : "1");
	text_escape(b->text, sizeof(b->text), (const char *)info->sysdescr, shown, "\\");
	memcpy(b->object_id, info->sysobjectid, sizeof(info->sysobjectid));
	/* the whole sysDescr (up to 255 bytes) is matched, not only the part shown */
	edge_software_sysdescr(sw, (const char *)info->sysdescr, info->sysdescr_len, b->product,
			       b->version);
}

enum banner_service inventory_recognise(const struct edge_software *sw, uint8_t proto,
					const uint8_t *p, size_t len, struct banner *b,
					struct stats_inventory *counts)
{
	struct snmp_info info;
	enum snmp_result r;

	if (proto != IPPROTO_UDP)
		return banner_parse(p, len, b);
	r = snmp_parse(p, len, &info);
	switch (r) {
	case SNMP_NOT_SNMP:
		return banner_parse(p, len, b);
	case SNMP_OK:
		counts->snmp_responses++;
		memset(b, 0, sizeof(*b));
		snmp_banner(sw, &info, b);
		return BANNER_SNMP;
	case SNMP_NOT_RESPONSE:	/* a manager's request: nothing of the agent's */
		memset(b, 0, sizeof(*b));
		return BANNER_NONE;
	default:
		counts->snmp_malformed[r - SNMP_MALFORMED_FIRST]++;
		memset(b, 0, sizeof(*b));
		return BANNER_NONE;
	}
}
