// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The userspace exposure inventory: see policy_inventory.h. A plain array searched
 * linearly: it grows by one record per exposed (address, port), a handful on a real
 * device, and an exposure event comes once per flow, not per packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "config/mgmt_ports.h"
#include "policy/policy_inventory.h"

struct exposure_inventory {
	struct exposure_record *records;
	size_t count;
	size_t max;
	uint64_t not_kept;
};

int exposure_inventory_new(struct exposure_inventory **out, size_t max_records)
{
	struct exposure_inventory *inv = calloc(1, sizeof(*inv));

	if (!inv)
		return -ENOMEM;
	inv->max = max_records;
	*out = inv;
	return 0;
}

void exposure_inventory_free(struct exposure_inventory *inv)
{
	if (!inv)
		return;
	free(inv->records);
	free(inv);
}

static struct exposure_record *find(struct exposure_inventory *inv, uint8_t family,
				    uint8_t proto, uint16_t port, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < inv->count; i++) {
		struct exposure_record *r = &inv->records[i];

		if (r->family == family && r->proto == proto && r->port == port &&
		    !memcmp(r->addr, addr, 16))
			return r;
	}
	return NULL;
}

static struct exposure_record *append(struct exposure_inventory *inv)
{
	struct exposure_record *grown;

	if (inv->count == inv->max)
		return NULL;
	grown = realloc(inv->records, (inv->count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	inv->records = grown;
	memset(&grown[inv->count], 0, sizeof(*grown));
	return &grown[inv->count++];
}

static void note_source(struct exposure_record *r, const uint8_t source[16])
{
	size_t i;

	for (i = 0; i < r->source_count; i++)
		if (!memcmp(r->sources[i], source, 16))
			return;
	if (r->source_count == EXPOSURE_SOURCES_MAX) {
		r->flows_from_unlisted++;
		return;
	}
	memcpy(r->sources[r->source_count++], source, 16);
}

int exposure_inventory_add(struct exposure_inventory *inv, uint8_t family, uint8_t proto,
			   uint16_t port, const uint8_t addr[16], const uint8_t source[16],
			   uint64_t now_ns)
{
	struct exposure_record *r = find(inv, family, proto, port, addr);

	if (!r) {
		if (inv->count == inv->max) {
			inv->not_kept++;
			return -ENOSPC;
		}
		r = append(inv);
		if (!r) {
			inv->not_kept++;
			return -ENOMEM;
		}
		r->family = family;
		r->proto = proto;
		r->port = port;
		memcpy(r->addr, addr, 16);
		r->first_seen_ns = now_ns;
	}
	if (now_ns < r->first_seen_ns)
		r->first_seen_ns = now_ns;	/* events of two CPUs, out of order */
	if (now_ns > r->last_seen_ns)
		r->last_seen_ns = now_ns;
	r->flows++;
	note_source(r, source);
	return 0;
}

uint64_t exposure_inventory_not_kept(const struct exposure_inventory *inv)
{
	return inv->not_kept;
}

const char *policy_service_name(uint8_t proto, uint16_t port)
{
	const struct mgmt_service *services;
	size_t count, i, j;

	services = mgmt_services(&count);
	for (i = 0; i < count; i++) {
		for (j = 0; j < services[i].spec_count; j++) {
			const struct ew_port_spec *s = &services[i].specs[j];

			if (s->proto == proto && s->low <= port && port <= s->high)
				return services[i].name;
		}
	}
	return NULL;
}

const struct exposure_record *exposure_inventory_records(const struct exposure_inventory *inv,
							 size_t *count)
{
	*count = inv->count;
	return inv->records;
}
