// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Port classes. Each management port spec (tcp/22, tcp/3220-3221) is one bit of the
 * allow masks, unless specs overlap or an allow entry names part of a range
 * (tcp/8050 out of tcp/8000-8100): then the range is cut where the entry starts and
 * ends, so that the bit of the entry's ports is set and the rest of the range stays
 * forbidden. The space is two byte maps of 65536 ports (128 KiB): simpler than interval
 * arithmetic, and a full scan takes well under a millisecond.
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "policy/policy_tables.h"

#define PORTS 65536

static int proto_slot(uint8_t proto)
{
	return proto == IPPROTO_UDP ? 1 : 0;
}

static uint8_t slot_proto(int slot)
{
	return slot ? IPPROTO_UDP : IPPROTO_TCP;
}

int port_space_init(struct port_space *s)
{
	s->covered = calloc(2, PORTS);
	s->cut = calloc(2, PORTS);
	if (!s->covered || !s->cut) {
		port_space_free(s);
		return -ENOMEM;
	}
	return 0;
}

void port_space_free(struct port_space *s)
{
	free(s->covered);
	free(s->cut);
	s->covered = NULL;
	s->cut = NULL;
}

void port_space_cut(struct port_space *s, const struct ew_port_spec *spec)
{
	uint8_t *cut = s->cut + proto_slot(spec->proto) * PORTS;

	cut[spec->low] = 1;
	if (spec->high < PORTS - 1)
		cut[spec->high + 1] = 1;
}

void port_space_cover(struct port_space *s, const struct ew_port_spec *spec)
{
	uint8_t *covered = s->covered + proto_slot(spec->proto) * PORTS;
	uint32_t port;

	for (port = spec->low; port <= spec->high; port++)
		covered[port] = 1;
	port_space_cut(s, spec);
}

/* Does a class start at port (it is covered, and cut or not covered before)? */
static int class_starts(const struct port_space *s, int slot, uint32_t port)
{
	const uint8_t *covered = s->covered + slot * PORTS, *cut = s->cut + slot * PORTS;

	return covered[port] && (port == 0 || cut[port] || !covered[port - 1]);
}

size_t port_space_class_count(const struct port_space *s)
{
	size_t count = 0;
	uint32_t port;
	int slot;

	for (slot = 0; slot < 2; slot++)
		for (port = 0; port < PORTS; port++)
			count += class_starts(s, slot, port);
	return count;
}

void port_space_classes(const struct port_space *s, struct policy_port_classes *out)
{
	struct policy_port_class *cls = NULL;
	uint32_t port;
	int slot;

	out->count = 0;
	out->port_count = 0;
	for (slot = 0; slot < 2; slot++) {
		const uint8_t *covered = s->covered + slot * PORTS;

		cls = NULL;
		for (port = 0; port < PORTS; port++) {
			if (!covered[port]) {
				cls = NULL;
				continue;
			}
			out->port_count++;
			if (class_starts(s, slot, port)) {
				if (out->count == EW_POLICY_MAX_PORTS)
					return;	/* the caller checked the count */
				cls = &out->items[out->count++];
				cls->proto = slot_proto(slot);
				cls->low = port;
			}
			if (cls)
				cls->high = port;
		}
	}
}

uint64_t policy_port_classes_mask(const struct policy_port_classes *classes,
				  const struct ew_port_spec *spec)
{
	uint64_t mask = 0;
	size_t i;

	for (i = 0; i < classes->count; i++) {
		const struct policy_port_class *c = &classes->items[i];

		if (c->proto == spec->proto && c->low >= spec->low && c->high <= spec->high)
			mask |= 1ULL << i;
	}
	return mask;
}

int policy_port_class_of(const struct policy_port_classes *classes, uint8_t proto,
			 uint16_t port)
{
	size_t i;

	for (i = 0; i < classes->count; i++) {
		const struct policy_port_class *c = &classes->items[i];

		if (c->proto == proto && c->low <= port && port <= c->high)
			return (int)i;
	}
	return -1;
}
