/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Community ID v1 (corelight/community-id-spec): the cross-tool flow hash Zeek and
 * Suricata emit, so a SOC can join edgewatch's events with theirs.
 */
#ifndef EDGEWATCH_COMMUNITY_ID_H
#define EDGEWATCH_COMMUNITY_ID_H

#include <stdint.h>

/* "1:" + base64(SHA-1) + NUL */
#define COMMUNITY_ID_LEN 32

/*
 * Flow seen from its initiator: src is the side that started it. Addresses are 4
 * (family 4) or 16 bytes in network order; ports in host order. For ICMP/ICMPv6 pass
 * the first packet's type and code as src_port and dst_port.
 * Writes a NUL-terminated string into out. 0, or -EINVAL.
 */
int community_id_v1(uint16_t seed, int family, const uint8_t *src, const uint8_t *dst,
		    uint8_t proto, uint16_t src_port, uint16_t dst_port,
		    char out[COMMUNITY_ID_LEN]);

#endif /* EDGEWATCH_COMMUNITY_ID_H */
