// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A configuration's policy as map contents: see policy_tables.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_tables.h"

/* "FILE:LINE:COLUMN: " where the entry came from, "FILE: " for keys without a position. */
static void fail(char *err, size_t errlen, const char *file, const struct config_location *at,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail(char *err, size_t errlen, const char *file, const struct config_location *at,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	n = at && at->line > 0 ? snprintf(err, errlen, "%s:%d:%d: ", at->file, at->line,
					  at->column)
			       : snprintf(err, errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

int policy_hosts_add(struct policy_hosts *hosts, uint8_t family, const uint8_t addr[16])
{
	struct policy_host *h;

	if (hosts->count == hosts->cap) {
		size_t cap = hosts->cap ? hosts->cap * 2 : 8;
		struct policy_host *grown = realloc(hosts->items, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		hosts->items = grown;
		hosts->cap = cap;
	}
	h = &hosts->items[hosts->count++];
	memset(h, 0, sizeof(*h));
	h->family = family;
	memcpy(h->addr, addr, family == 4 ? 4 : 16);
	return 0;
}

void policy_hosts_free(struct policy_hosts *hosts)
{
	free(hosts->items);
	memset(hosts, 0, sizeof(*hosts));
}

void policy_tables_free(struct policy_tables *t)
{
	policy_hosts_free(&t->protected_addrs);
	policy_prefixes_free(&t->mgmt_allow);
	policy_prefixes_free(&t->egress_allow);
	memset(t, 0, sizeof(*t));
}

/* Hosts in a prefix, or 0 when more than the protected set can hold. */
static uint64_t prefix_hosts(const struct ew_cidr *c)
{
	unsigned int host_bits = (c->family == 4 ? 32 : 128) - c->prefix_len;

	return host_bits > 12 ? 0 : 1ULL << host_bits;
}

/* Every address of each prefix in management.addresses. */
static int add_configured_hosts(struct policy_tables *t, const struct ew_config *cfg, char *err,
				size_t errlen)
{
	char text[CONFIG_CIDR_STRLEN];
	size_t i;

	for (i = 0; i < cfg->management.addresses.count; i++) {
		const struct ew_cidr *c = &cfg->management.addresses.items[i];
		uint64_t n = prefix_hosts(c), h;
		uint8_t addr[16];
		unsigned int last = c->family == 4 ? 3 : 15;

		if (!n || t->protected_addrs.count + n > POLICY_MAX_PROTECTED) {
			fail(err, errlen, cfg->source, NULL,
			     "management.addresses: %s makes more than %d protected addresses; "
			     "list the device's own addresses",
			     config_format_cidr(c, text, sizeof(text)), POLICY_MAX_PROTECTED);
			return -E2BIG;
		}
		for (h = 0; h < n; h++) {
			memcpy(addr, c->addr, sizeof(addr));
			/* at most 12 host bits: they sit in the last two bytes */
			addr[last] |= h & 0xFF;
			addr[last - 1] |= (h >> 8) & 0xFF;
			if (policy_hosts_add(&t->protected_addrs, c->family, addr))
				return -ENOMEM;
		}
	}
	return 0;
}

static int add_protected(struct policy_tables *t, const struct ew_config *cfg,
			 const struct policy_hosts *iface_addrs, char *err, size_t errlen)
{
	size_t i;

	if (cfg->management.addresses.count)
		return add_configured_hosts(t, cfg, err, errlen);
	t->addresses_from_iface = 1;
	for (i = 0; iface_addrs && i < iface_addrs->count; i++) {
		if (t->protected_addrs.count == POLICY_MAX_PROTECTED)
			break;	/* an interface with thousands of addresses: keep the first */
		if (policy_hosts_add(&t->protected_addrs, iface_addrs->items[i].family,
				     iface_addrs->items[i].addr))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Management port classes: management.ports, cut at every allow entry's ports. Too many
 * classes is reported at the first allow entry that pushes the count past the limit.
 */
static int build_mgmt_ports(struct policy_tables *t, const struct ew_config *cfg, char *err,
			    size_t errlen)
{
	struct port_space space = {};
	size_t i, j, n;
	int ret;

	ret = port_space_init(&space);
	if (ret)
		return ret;
	for (i = 0; i < cfg->management.ports.count; i++)
		port_space_cover(&space, &cfg->management.ports.items[i]);
	n = port_space_class_count(&space);
	if (n > EW_POLICY_MAX_PORTS) {
		fail(err, errlen, cfg->source, NULL,
		     "management.ports: %zu distinct ports and ranges; at most %d (each is one bit "
		     "of the allow masks)", n, EW_POLICY_MAX_PORTS);
		ret = -E2BIG;
		goto cleanup;
	}
	for (i = 0; i < cfg->management.allow_count; i++) {
		const struct ew_mgmt_allow *a = &cfg->management.allow[i];

		for (j = 0; j < a->ports.count; j++)
			port_space_cut(&space, &a->ports.items[j]);
		/* each spec adds two cuts at most, so a class or two: count only when the
		 * bound says the limit may be passed (the count scans 128 Ki ports) */
		if (n + 2 * a->ports.count <= EW_POLICY_MAX_PORTS) {
			n += 2 * a->ports.count;
			continue;
		}
		n = port_space_class_count(&space);
		if (n > EW_POLICY_MAX_PORTS) {
			fail(err, errlen, cfg->source, &a->where,
			     "management.allow[%zu]: its ports split the management ports into "
			     "%zu classes; at most %d (each is one bit of the allow masks): allow "
			     "whole ports or ranges of management.ports", i, n,
			     EW_POLICY_MAX_PORTS);
			ret = -E2BIG;
			goto cleanup;
		}
	}
	port_space_classes(&space, &t->mgmt_ports);
	if (t->mgmt_ports.port_count > POLICY_MAX_SET_ENTRIES) {
		fail(err, errlen, cfg->source, NULL,
		     "management.ports: %zu port numbers; at most %d", t->mgmt_ports.port_count,
		     POLICY_MAX_SET_ENTRIES);
		ret = -E2BIG;
	}
cleanup:
	port_space_free(&space);
	return ret;
}

/* Cover the ports of the first n egress allow entries. */
static void cover_egress_ports(struct port_space *space, const struct ew_config *cfg, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < cfg->egress.allow[i].ports.count; j++)
			port_space_cover(space, &cfg->egress.allow[i].ports.items[j]);
}

/*
 * Egress port classes: the ports of every egress allow entry. Too many classes: the
 * entries are covered again one by one to name the first one past the limit (a wide
 * range can fill several gaps at once, so there is no cheap bound as for cuts).
 */
static int build_egress_ports(struct policy_tables *t, const struct ew_config *cfg, char *err,
			      size_t errlen)
{
	struct port_space space = {};
	size_t i, n, upto;
	int ret;

	ret = port_space_init(&space);
	if (ret)
		return ret;
	cover_egress_ports(&space, cfg, cfg->egress.allow_count);
	n = port_space_class_count(&space);
	for (i = 0; n > EW_POLICY_MAX_PORTS && i < cfg->egress.allow_count; i++) {
		const struct ew_egress_allow *a = &cfg->egress.allow[i];

		port_space_free(&space);
		ret = port_space_init(&space);
		if (ret)
			return ret;
		cover_egress_ports(&space, cfg, i + 1);
		upto = port_space_class_count(&space);
		if (upto > EW_POLICY_MAX_PORTS) {
			fail(err, errlen, cfg->source, &a->where,
			     "egress.allow[%zu]: the egress ports make %zu classes with this "
			     "entry; at most %d (each is one bit of the allow masks)", i, upto,
			     EW_POLICY_MAX_PORTS);
			ret = -E2BIG;
			goto cleanup;
		}
	}
	port_space_classes(&space, &t->egress_ports);
	if (t->egress_ports.port_count > POLICY_MAX_SET_ENTRIES) {
		fail(err, errlen, cfg->source, NULL, "egress.allow: %zu port numbers; at most %d",
		     t->egress_ports.port_count, POLICY_MAX_SET_ENTRIES);
		ret = -E2BIG;
	}
cleanup:
	port_space_free(&space);
	return ret;
}

static uint64_t all_classes(const struct policy_port_classes *classes)
{
	return classes->count >= 64 ? ~0ULL : (1ULL << classes->count) - 1;
}

static int add_prefix(struct policy_prefixes *list, const struct ew_cidr *c, uint16_t vlan,
		      uint64_t mask)
{
	struct policy_prefix p = {
		.family = c->family, .prefix_len = c->prefix_len, .vlan = vlan,
		.port_mask = mask,
	};

	memcpy(p.addr, c->addr, sizeof(p.addr));
	return policy_prefixes_add(list, &p);
}

static int build_mgmt_allow(struct policy_tables *t, const struct ew_config *cfg)
{
	size_t i, j;
	int err;

	for (i = 0; i < cfg->management.allow_count; i++) {
		const struct ew_mgmt_allow *a = &cfg->management.allow[i];
		uint16_t vlan = a->vlan ? a->vlan : EW_POLICY_VLAN_ANY;
		uint64_t mask = a->ports.count ? 0 : all_classes(&t->mgmt_ports);

		for (j = 0; j < a->ports.count; j++)
			mask |= policy_port_classes_mask(&t->mgmt_ports, &a->ports.items[j]);
		for (j = 0; j < a->from.count; j++) {
			err = add_prefix(&t->mgmt_allow, &a->from.items[j], vlan, mask);
			if (err)
				return err;
		}
	}
	policy_prefixes_fold(&t->mgmt_allow);
	return 0;
}

static int build_egress_allow(struct policy_tables *t, const struct ew_config *cfg)
{
	static const struct ew_cidr any[] = { { .family = 4 }, { .family = 6 } };
	size_t i, j, nto;
	int err;

	for (i = 0; i < cfg->egress.allow_count; i++) {
		const struct ew_egress_allow *a = &cfg->egress.allow[i];
		uint64_t mask = a->ports.count ? 0 : 1ULL << EW_PORT_ANY_BIT;
		const struct ew_cidr *to = a->to.count ? a->to.items : any;

		nto = a->to.count ? a->to.count : 2;	/* omitted: 0.0.0.0/0 and ::/0 */
		for (j = 0; j < a->ports.count; j++)
			mask |= policy_port_classes_mask(&t->egress_ports, &a->ports.items[j]);
		for (j = 0; j < nto; j++) {
			err = add_prefix(&t->egress_allow, &to[j], EW_POLICY_VLAN_ANY, mask);
			if (err)
				return err;
		}
	}
	policy_prefixes_fold(&t->egress_allow);
	return 0;
}

static int check_trie_sizes(const struct policy_prefixes *list, const char *key,
			    const char *source, char *err, size_t errlen)
{
	static const uint8_t families[] = { 4, 6 };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = policy_prefixes_count_family(list, families[i]);
		if (n > POLICY_MAX_SET_ENTRIES) {
			fail(err, errlen, source, NULL, "%s: %zu IPv%u prefixes (VLAN variants "
			     "counted); at most %d", key, n, families[i], POLICY_MAX_SET_ENTRIES);
			return -E2BIG;
		}
	}
	return 0;
}

static void build_config(struct policy_tables *t, const struct ew_config *cfg)
{
	struct policy_config *pc = &t->config;
	int enforce = cfg->management.action == EW_ACTION_DROP;

	memset(pc, 0, sizeof(*pc));
	/* egress is about connections protected addresses open: nothing to watch without */
	pc->mgmt_enabled = t->protected_addrs.count > 0;
	pc->egress_enabled = cfg->egress.monitored && t->protected_addrs.count > 0;
	pc->action = enforce ? EW_ACTION_DROP : EW_ACTION_ALERT;
	pc->rules_enforce = enforce;	/* one switch for the policy and `drop` rules */
	pc->sample_first = cfg->sampling.first_packets;
	pc->sample_flagged_cap = cfg->sampling.flagged_cap;
	pc->sample_one_in = cfg->sampling.one_in;
}

int policy_tables_build(struct policy_tables *t, const struct ew_config *cfg,
			const struct policy_hosts *iface_addrs, char *err, size_t errlen)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = add_protected(t, cfg, iface_addrs, err, errlen);
	if (!ret)
		ret = build_mgmt_ports(t, cfg, err, errlen);
	if (!ret)
		ret = build_egress_ports(t, cfg, err, errlen);
	if (!ret)
		ret = build_mgmt_allow(t, cfg);
	if (!ret)
		ret = build_egress_allow(t, cfg);
	if (ret == -ENOMEM)
		fail(err, errlen, cfg->source, NULL, "out of memory building the policy");
	if (!ret)
		ret = check_trie_sizes(&t->mgmt_allow, "management.allow", cfg->source, err,
				       errlen);
	if (!ret)
		ret = check_trie_sizes(&t->egress_allow, "egress.allow", cfg->source, err, errlen);
	if (ret) {
		policy_tables_free(t);
		return ret;
	}
	build_config(t, cfg);
	return 0;
}
