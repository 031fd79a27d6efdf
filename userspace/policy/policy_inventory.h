/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exposure inventory as userspace keeps it: every (protected address, port) that
 * answered a source the policy does not allow, when, how often, and to whom. The
 * kernel keeps its own (the pinned `exposures` map, for `edgewatch status`); this one
 * also remembers several sources, and goes into the stats event.
 */
#ifndef EDGEWATCH_POLICY_INVENTORY_H
#define EDGEWATCH_POLICY_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

/* Sources listed per exposure; more are only counted. */
#define EXPOSURE_SOURCES_MAX 16

struct exposure_record {
	uint8_t family;
	uint8_t proto;
	uint16_t port;			/* host order */
	uint8_t addr[16];		/* the protected address */
	uint64_t first_seen_ns;		/* datapath clock */
	uint64_t last_seen_ns;
	uint64_t flows;			/* exposure events (one per flow) */
	uint8_t sources[EXPOSURE_SOURCES_MAX][16];
	size_t source_count;		/* distinct sources listed */
	uint64_t flows_from_unlisted;	/* flows from sources past the list's room */
};

struct exposure_inventory;

int exposure_inventory_new(struct exposure_inventory **out, size_t max_records);
void exposure_inventory_free(struct exposure_inventory *inv);	/* NULL-safe */

/* A flow in which addr answered source on (proto, port) at now_ns. 0, or -ENOSPC when the
 * inventory is full (counted in exposure_inventory_not_kept()), or -ENOMEM. */
int exposure_inventory_add(struct exposure_inventory *inv, uint8_t family, uint8_t proto,
			   uint16_t port, const uint8_t addr[16], const uint8_t source[16],
			   uint64_t now_ns);

/* Exposures that did not fit. */
uint64_t exposure_inventory_not_kept(const struct exposure_inventory *inv);

/* The records, in the order they were first seen (valid until the next add). */
const struct exposure_record *exposure_inventory_records(const struct exposure_inventory *inv,
							 size_t *count);

/* "ssh", "https-alt": the first service of the default table that holds (proto, port). */
const char *policy_service_name(uint8_t proto, uint16_t port);

#endif /* EDGEWATCH_POLICY_INVENTORY_H */
