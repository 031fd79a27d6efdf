/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a server's first bytes say, whichever protocol: an SNMPv1/v2c response on UDP
 * (snmp.h: sysDescr, product and version from the data file's sysdescr lines,
 * sysObjectID), else the banner parsers (banner.h). The one place the inventory asks.
 */
#ifndef EDGEWATCH_INVENTORY_RECOGNISE_H
#define EDGEWATCH_INVENTORY_RECOGNISE_H

#include <stddef.h>
#include <stdint.h>

#include "inventory/banner.h"
#include "output/stats.h"

struct edge_software;

/*
 * The service the bytes name (also in b->service; BANNER_NONE: nothing recognised, b
 * zeroed). counts takes the SNMP responses and the malformed ones by reason. sw may be
 * NULL (no data: SNMP services are listed without product).
 */
enum banner_service inventory_recognise(const struct edge_software *sw, uint8_t proto,
					const uint8_t *p, size_t len, struct banner *b,
					struct stats_inventory *counts);

#endif /* EDGEWATCH_INVENTORY_RECOGNISE_H */
