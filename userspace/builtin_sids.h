/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Signature ids of edgewatch's built-in detections (gid 1), from a reserved range
 * (9000000-9099999) that shipped and imported rules must not use. Public: SIEM
 * correlation rules key on them, so a number never changes meaning.
 */
#ifndef EDGEWATCH_BUILTIN_SIDS_H
#define EDGEWATCH_BUILTIN_SIDS_H

#define EW_SID_RESERVED_FIRST 9000000
#define EW_SID_RESERVED_LAST 9099999

/* management plane (policy) */
#define EW_SID_MGMT_VIOLATION 9000001	/* management port reached from a source not allowed */
#define EW_SID_MGMT_EXPOSURE 9000002	/* management interface answered such a source */
#define EW_SID_EGRESS_VIOLATION 9000003	/* the device opened a connection egress does not allow */
#define EW_SID_FRAG_TINY 9000004	/* tiny first fragment aimed at a protected address */
#define EW_SID_FRAG_OVERLAP 9000005	/* overlapping fragment aimed at a protected address */

/* anomaly detections: 9000101-9000599, one row each in detect/detections.c */

/* the passive inventory (userspace/inventory/): 9000601-9000699; a flagged service seen
 * answering, at most once per service and inventory.alert-interval */
#define EW_SID_INVENTORY_KNOWN_EXPLOITED 9000601	/* a version with a CISA KEV CVE:
							 * category Vulnerable Edge Software */
#define EW_SID_INVENTORY_END_OF_LIFE 9000602	/* past its end of life: category End of
						 * Life */

#endif /* EDGEWATCH_BUILTIN_SIDS_H */
