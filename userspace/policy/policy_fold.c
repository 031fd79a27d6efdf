// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Allow lists folded for an LPM trie. The kernel looks a source up once per vlan key
 * and uses the longest match alone, so an entry must already hold what every shorter
 * entry containing it allows: an allow for 198.18.0.0/16 (ssh) and one for
 * 198.18.5.0/24 (snmp) become /16 -> ssh and /24 -> ssh|snmp.
 *
 * Sorted by (family, vlan, address, length), a prefix comes after every prefix that
 * contains it, and prefixes are either nested or disjoint; so one pass with a stack of
 * the chain of enclosing prefixes folds the list in O(n log n) (10,000 entries: a few
 * milliseconds; comparing every pair would take seconds).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_tables.h"

int policy_prefixes_add(struct policy_prefixes *list, const struct policy_prefix *entry)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct policy_prefix *grown = realloc(list->items, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		list->items = grown;
		list->cap = cap;
	}
	list->items[list->count++] = *entry;
	return 0;
}

void policy_prefixes_free(struct policy_prefixes *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}

size_t policy_prefixes_count_family(const struct policy_prefixes *list, uint8_t family)
{
	size_t i, n = 0;

	for (i = 0; i < list->count; i++)
		n += list->items[i].family == family;
	return n;
}

static int prefix_order(const void *pa, const void *pb)
{
	const struct policy_prefix *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->vlan != b->vlan)
		return a->vlan < b->vlan ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	return a->prefix_len < b->prefix_len ? -1 : a->prefix_len > b->prefix_len;
}

static int same_key(const struct policy_prefix *a, const struct policy_prefix *b)
{
	return a->family == b->family && a->vlan == b->vlan && a->prefix_len == b->prefix_len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Does outer (same family and vlan) contain inner? */
static int prefix_contains(const struct policy_prefix *outer, const struct policy_prefix *inner)
{
	unsigned int full = outer->prefix_len / 8, rest = outer->prefix_len % 8;
	uint8_t bits;

	if (outer->family != inner->family || outer->vlan != inner->vlan ||
	    outer->prefix_len > inner->prefix_len)
		return 0;
	if (memcmp(outer->addr, inner->addr, full))
		return 0;
	if (!rest)
		return 1;
	bits = (uint8_t)(0xFF << (8 - rest));
	return (outer->addr[full] & bits) == (inner->addr[full] & bits);
}

/* Sort and merge entries with the same key. */
static void prefixes_merge(struct policy_prefixes *list)
{
	size_t i, out = 0;

	if (!list->count)
		return;
	qsort(list->items, list->count, sizeof(list->items[0]), prefix_order);
	for (i = 1; i < list->count; i++) {
		if (same_key(&list->items[out], &list->items[i]))
			list->items[out].port_mask |= list->items[i].port_mask;
		else
			list->items[++out] = list->items[i];
	}
	list->count = out + 1;
}

void policy_prefixes_fold(struct policy_prefixes *list)
{
	/* the chain of enclosing prefixes: at most 129 deep (/0 .. /128) */
	size_t stack[129], depth = 0, i;

	prefixes_merge(list);
	for (i = 0; i < list->count; i++) {
		struct policy_prefix *cur = &list->items[i];

		while (depth && !prefix_contains(&list->items[stack[depth - 1]], cur))
			depth--;
		if (depth)
			cur->port_mask |= list->items[stack[depth - 1]].port_mask;
		stack[depth++] = i;
	}
}
