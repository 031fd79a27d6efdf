// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Configuration -> policy map contents (userspace/policy/policy_tables.c), without the
 * kernel: port classes and their indexes, ranges cut by allow entries, folding of
 * nested prefixes, VLAN keys, egress "any port" and "any destination", protected
 * addresses, the per-set config, and the errors an install reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "config/config.h"
#include "config/mgmt_ports.h"
#include "policy/policy_tables.h"
#include "../support/test.h"

#define BIT(i) (1ULL << (i))

static struct ew_config *load(struct test_case *t, const char *yaml)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	if (config_load_buffer("test.yaml", yaml, strlen(yaml), &cfg, &err)) {
		test_fail(t, __FILE__, __LINE__, "config did not load: %s",
			  config_error_format(&err, message, sizeof(message)));
		return NULL;
	}
	return cfg;
}

/* Build from yaml; 0 or the error (message in err). */
static int build(struct test_case *t, const char *yaml, const struct policy_hosts *iface,
		 struct policy_tables *tables, char *err, size_t errlen)
{
	struct ew_config *cfg = load(t, yaml);
	int ret;

	if (!cfg)
		return -EINVAL;
	err[0] = '\0';
	ret = policy_tables_build(tables, cfg, iface, err, errlen);
	config_free(cfg);
	return ret;
}

/* The allow entry of (family, vlan, prefix text), or NULL. */
static const struct policy_prefix *entry(const struct policy_prefixes *list, uint16_t vlan,
					 const char *prefix)
{
	char addr_text[64];
	uint8_t addr[16] = {};
	const char *slash = strchr(prefix, '/');
	int len = atoi(slash + 1), family;
	size_t i;

	snprintf(addr_text, sizeof(addr_text), "%.*s", (int)(slash - prefix), prefix);
	family = strchr(addr_text, ':') ? 6 : 4;
	inet_pton(family == 4 ? AF_INET : AF_INET6, addr_text, addr);
	for (i = 0; i < list->count; i++) {
		const struct policy_prefix *p = &list->items[i];

		if (p->family == family && p->vlan == vlan && p->prefix_len == len &&
		    !memcmp(p->addr, addr, 16))
			return p;
	}
	return NULL;
}

static void test_default_ports_one_class_per_spec(struct test_case *t)
{
	struct policy_tables tables;
	const struct mgmt_service *services;
	size_t count, i, j, ports = 0;
	char err[256];

	CHECK(t, build(t, "{}", NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	services = mgmt_services(&count);
	for (i = 0; i < count; i++) {
		for (j = 0; j < services[i].spec_count; j++) {
			const struct ew_port_spec *s = &services[i].specs[j];
			int idx = policy_port_class_of(&tables.mgmt_ports, s->proto, s->low);

			EXPECT(t, idx >= 0, "%s has no class", services[i].name);
			if (idx >= 0)
				EXPECT(t, tables.mgmt_ports.items[idx].low == s->low &&
					  tables.mgmt_ports.items[idx].high == s->high,
				       "%s: class %u-%u", services[i].name,
				       tables.mgmt_ports.items[idx].low,
				       tables.mgmt_ports.items[idx].high);
			ports += s->high - s->low + 1;
		}
	}
	EXPECT(t, tables.mgmt_ports.count == mgmt_services_spec_count(), "%zu classes, %zu specs",
	       tables.mgmt_ports.count, mgmt_services_spec_count());
	EXPECT(t, tables.mgmt_ports.port_count == ports, "%zu ports", tables.mgmt_ports.port_count);
	/* no config file, no interface: nothing protected, management off */
	EXPECT(t, !tables.config.mgmt_enabled && !tables.config.egress_enabled, "enabled");
	EXPECT(t, tables.addresses_from_iface, "addresses should come from the interface");
	policy_tables_free(&tables);
}

static void test_port_indexes_and_ranges(struct test_case *t)
{
	struct policy_tables tables;
	const struct policy_port_classes *c = &tables.mgmt_ports;
	char err[256];

	CHECK(t, build(t, "management: {ports: [udp/161, tcp/8000-8100, tcp/22]}", NULL, &tables,
		       err, sizeof(err)) == 0, "build: %s", err);
	/* ordered by protocol (tcp first) then port: the index is the allow bit */
	CHECK(t, c->count == 3, "%zu classes", c->count);
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 22) == 0, "tcp/22");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 8000) == 1, "tcp/8000");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 8050) == 1, "tcp/8050");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 8100) == 1, "tcp/8100");
	EXPECT(t, policy_port_class_of(c, IPPROTO_UDP, 161) == 2, "udp/161");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 7999) == -1, "tcp/7999");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 8101) == -1, "tcp/8101");
	EXPECT(t, policy_port_class_of(c, IPPROTO_UDP, 22) == -1, "udp/22");
	EXPECT(t, policy_port_class_of(c, IPPROTO_TCP, 161) == -1, "tcp/161");
	EXPECT(t, c->port_count == 1 + 101 + 1, "%zu ports", c->port_count);
	policy_tables_free(&tables);
}

/* An allow for part of a range cuts the range: only that part's bit is allowed. */
static void test_allow_cuts_range(struct test_case *t)
{
	static const char yaml[] =
		"management:\n"
		"  ports: [tcp/8000-8100, tcp/22]\n"
		"  allow:\n"
		"    - from: [198.18.1.0/24]\n"
		"      ports: [tcp/8050]\n"
		"    - from: [198.18.2.0/24]\n";
	struct policy_tables tables;
	const struct policy_port_classes *c = &tables.mgmt_ports;
	const struct policy_prefix *p;
	int idx;
	char err[256];

	CHECK(t, build(t, yaml, NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	CHECK(t, c->count == 4, "%zu classes (22, 8000-8049, 8050, 8051-8100)", c->count);
	idx = policy_port_class_of(c, IPPROTO_TCP, 8050);
	CHECK(t, idx >= 0 && c->items[idx].low == 8050 && c->items[idx].high == 8050, "8050");
	p = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.1.0/24");
	CHECK(t, p && p->port_mask == BIT(idx), "mask %#llx",
	      p ? (unsigned long long)p->port_mask : 0);
	/* ports omitted: every management port, none other */
	p = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.2.0/24");
	CHECK(t, p && p->port_mask == 0xF, "all-ports mask %#llx",
	      p ? (unsigned long long)p->port_mask : 0);
	policy_tables_free(&tables);
}

static void test_fold_nested_prefixes(struct test_case *t)
{
	static const char yaml[] =
		"management:\n"
		"  ports: [ssh, snmp, telnet]\n"
		"  allow:\n"
		"    - from: [198.18.0.0/16]\n"
		"      ports: [ssh]\n"
		"    - from: [198.18.5.0/24, 198.19.5.0/24]\n"
		"      ports: [snmp]\n"
		"    - from: [198.18.5.7]\n"
		"      ports: [telnet]\n"
		"    - from: [2001:db8::/32]\n"
		"      ports: [ssh]\n"
		"    - from: [2001:db8:5::/48]\n"
		"      ports: [snmp]\n";
	struct policy_tables tables;
	const struct policy_port_classes *c = &tables.mgmt_ports;
	uint64_t ssh, snmp, telnet;
	const struct policy_prefix *p16, *p24, *p32, *other24, *v6_32, *v6_48;
	char err[256];

	CHECK(t, build(t, yaml, NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	ssh = BIT(policy_port_class_of(c, IPPROTO_TCP, 22));
	telnet = BIT(policy_port_class_of(c, IPPROTO_TCP, 23));
	snmp = BIT(policy_port_class_of(c, IPPROTO_UDP, 161));
	p16 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.0.0/16");
	p24 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.5.0/24");
	p32 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.5.7/32");
	other24 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.19.5.0/24");
	v6_32 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "2001:db8::/32");
	v6_48 = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "2001:db8:5::/48");
	CHECK(t, p16 && p24 && p32 && other24 && v6_32 && v6_48, "an entry is missing");
	EXPECT(t, tables.mgmt_allow.count == 6, "%zu entries", tables.mgmt_allow.count);
	EXPECT(t, p16->port_mask == ssh, "/16 %#llx", (unsigned long long)p16->port_mask);
	EXPECT(t, p24->port_mask == (ssh | snmp), "/24 %#llx", (unsigned long long)p24->port_mask);
	EXPECT(t, p32->port_mask == (ssh | snmp | telnet), "/32 %#llx",
	       (unsigned long long)p32->port_mask);
	EXPECT(t, other24->port_mask == snmp, "outside the /16: %#llx",
	       (unsigned long long)other24->port_mask);
	EXPECT(t, v6_32->port_mask == ssh && v6_48->port_mask == (ssh | snmp), "IPv6 folding");
	policy_tables_free(&tables);
}

/* A VLAN entry is its own key: the kernel ORs the any-VLAN and the VLAN lookups. */
static void test_vlan_entries(struct test_case *t)
{
	static const char yaml[] =
		"management:\n"
		"  ports: [ssh, snmp]\n"
		"  allow:\n"
		"    - from: [198.18.0.0/15]\n"
		"      ports: [snmp]\n"
		"    - from: [198.18.10.0/24]\n"
		"      ports: [ssh]\n"
		"      vlan: 100\n"
		"    - from: [198.18.10.0/24]\n"
		"      ports: [snmp]\n"
		"      vlan: 100\n"
		"    - from: [198.18.10.0/23]\n"
		"      vlan: 200\n";
	struct policy_tables tables;
	const struct policy_port_classes *c = &tables.mgmt_ports;
	const struct policy_prefix *any, *v100, *v200;
	uint64_t ssh, snmp;
	char err[256];

	CHECK(t, build(t, yaml, NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	ssh = BIT(policy_port_class_of(c, IPPROTO_TCP, 22));
	snmp = BIT(policy_port_class_of(c, IPPROTO_UDP, 161));
	any = entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.0.0/15");
	v100 = entry(&tables.mgmt_allow, 100, "198.18.10.0/24");
	v200 = entry(&tables.mgmt_allow, 200, "198.18.10.0/23");
	CHECK(t, any && v100 && v200, "an entry is missing");
	/* the two vlan 100 entries are merged; nothing folds across vlan keys */
	EXPECT(t, tables.mgmt_allow.count == 3, "%zu entries", tables.mgmt_allow.count);
	EXPECT(t, any->port_mask == snmp, "any vlan: %#llx", (unsigned long long)any->port_mask);
	EXPECT(t, v100->port_mask == (ssh | snmp), "vlan 100: %#llx",
	       (unsigned long long)v100->port_mask);
	EXPECT(t, v200->port_mask == (ssh | snmp), "vlan 200 (all ports): %#llx",
	       (unsigned long long)v200->port_mask);
	EXPECT(t, !entry(&tables.mgmt_allow, EW_POLICY_VLAN_ANY, "198.18.10.0/24"),
	       "a vlan entry leaked into the any-vlan key");
	policy_tables_free(&tables);
}

static void test_egress(struct test_case *t)
{
	static const char yaml[] =
		"management: {addresses: [198.18.0.1]}\n"
		"egress:\n"
		"  allow:\n"
		"    - to: [198.18.20.0/24]\n"
		"      ports: [udp/123, tcp/443]\n"
		"    - ports: [udp/53]\n"
		"    - to: [198.18.30.0/24, 2001:db8:30::/48]\n";
	struct policy_tables tables;
	const struct policy_port_classes *c = &tables.egress_ports;
	const struct policy_prefix *any4, *any6, *p20, *p30, *v6;
	uint64_t ntp, https, dns, any_port = BIT(EW_PORT_ANY_BIT);
	char err[256];

	CHECK(t, build(t, yaml, NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	CHECK(t, c->count == 3, "%zu egress classes", c->count);
	ntp = BIT(policy_port_class_of(c, IPPROTO_UDP, 123));
	https = BIT(policy_port_class_of(c, IPPROTO_TCP, 443));
	dns = BIT(policy_port_class_of(c, IPPROTO_UDP, 53));
	any4 = entry(&tables.egress_allow, EW_POLICY_VLAN_ANY, "0.0.0.0/0");
	any6 = entry(&tables.egress_allow, EW_POLICY_VLAN_ANY, "::/0");
	p20 = entry(&tables.egress_allow, EW_POLICY_VLAN_ANY, "198.18.20.0/24");
	p30 = entry(&tables.egress_allow, EW_POLICY_VLAN_ANY, "198.18.30.0/24");
	v6 = entry(&tables.egress_allow, EW_POLICY_VLAN_ANY, "2001:db8:30::/48");
	CHECK(t, any4 && any6 && p20 && p30 && v6, "an entry is missing");
	/* "to" omitted is any destination; folding gives every prefix the /0's ports */
	EXPECT(t, any4->port_mask == dns && any6->port_mask == dns, "any destination: dns only");
	EXPECT(t, p20->port_mask == (ntp | https | dns), "/20: %#llx",
	       (unsigned long long)p20->port_mask);
	EXPECT(t, p30->port_mask == (any_port | dns) && v6->port_mask == (any_port | dns),
	       "ports omitted: the any-port bit");
	EXPECT(t, tables.config.egress_enabled && tables.config.mgmt_enabled, "enabled");
	policy_tables_free(&tables);

	CHECK(t, build(t, "management: {addresses: [198.18.0.1]}\negress: {allow: []}", NULL,
		       &tables, err, sizeof(err)) == 0, "build: %s", err);
	EXPECT(t, tables.config.egress_enabled && !tables.egress_allow.count,
	       "allow: [] monitors with nothing allowed");
	policy_tables_free(&tables);
	CHECK(t, build(t, "management: {addresses: [198.18.0.1]}", NULL, &tables, err,
		       sizeof(err)) == 0, "build: %s", err);
	EXPECT(t, !tables.config.egress_enabled, "egress section left out: not monitored");
	policy_tables_free(&tables);
}

static int has_host(const struct policy_hosts *h, const char *text)
{
	uint8_t addr[16] = {};
	int family = strchr(text, ':') ? 6 : 4;
	size_t i;

	inet_pton(family == 4 ? AF_INET : AF_INET6, text, addr);
	for (i = 0; i < h->count; i++)
		if (h->items[i].family == family && !memcmp(h->items[i].addr, addr, 16))
			return 1;
	return 0;
}

static void test_protected_addresses(struct test_case *t)
{
	struct policy_tables tables;
	struct policy_hosts iface = {};
	uint8_t addr[16] = {};
	char err[256];

	CHECK(t, build(t, "management: {addresses: [198.18.0.1, 198.18.0.4/30, 2001:db8::1]}",
		       NULL, &tables, err, sizeof(err)) == 0, "build: %s", err);
	EXPECT(t, tables.protected_addrs.count == 6, "%zu hosts", tables.protected_addrs.count);
	EXPECT(t, has_host(&tables.protected_addrs, "198.18.0.1") &&
		  has_host(&tables.protected_addrs, "198.18.0.4") &&
		  has_host(&tables.protected_addrs, "198.18.0.7") &&
		  has_host(&tables.protected_addrs, "2001:db8::1"), "hosts");
	EXPECT(t, !has_host(&tables.protected_addrs, "198.18.0.8"), "198.18.0.8 is outside");
	EXPECT(t, tables.config.mgmt_enabled && !tables.addresses_from_iface, "configured");
	policy_tables_free(&tables);

	inet_pton(AF_INET, "198.18.0.9", addr);
	CHECK(t, policy_hosts_add(&iface, 4, addr) == 0, "add");
	CHECK(t, build(t, "management: {action: drop}", &iface, &tables, err, sizeof(err)) == 0,
	      "build: %s", err);
	EXPECT(t, tables.protected_addrs.count == 1 &&
		  has_host(&tables.protected_addrs, "198.18.0.9"), "the interface's address");
	EXPECT(t, tables.config.mgmt_enabled, "management on");
	policy_tables_free(&tables);
	policy_hosts_free(&iface);
}

static void test_config_fields(struct test_case *t)
{
	struct policy_tables tables;
	char err[256];

	CHECK(t, build(t, "management: {action: drop, addresses: [198.18.0.1]}\n"
			  "sampling: {first-packets: 7, flagged-cap: 99, one-in: 5000}", NULL,
		       &tables, err, sizeof(err)) == 0, "build: %s", err);
	EXPECT(t, tables.config.action == EW_ACTION_DROP && tables.config.rules_enforce,
	       "drop enforces the policy and the drop rules");
	EXPECT(t, tables.config.sample_first == 7 && tables.config.sample_flagged_cap == 99 &&
		  tables.config.sample_one_in == 5000, "sampling");
	EXPECT(t, tables.config.generation == 0, "the installer sets the generation");
	policy_tables_free(&tables);
	CHECK(t, build(t, "management: {addresses: [198.18.0.1]}", NULL, &tables, err,
		       sizeof(err)) == 0, "build: %s", err);
	EXPECT(t, tables.config.action == EW_ACTION_ALERT && !tables.config.rules_enforce,
	       "alert by default");
	policy_tables_free(&tables);
}

static void expect_error(struct test_case *t, const char *yaml, int code, const char *message)
{
	struct policy_tables tables;
	char err[512];
	int ret = build(t, yaml, NULL, &tables, err, sizeof(err));

	EXPECT(t, ret == code, "returned %d, expected %d (%s)", ret, code, err);
	EXPECT(t, strstr(err, message), "message \"%s\" lacks \"%s\"", err, message);
	EXPECT(t, !tables.mgmt_allow.items && !tables.protected_addrs.items, "tables not empty");
	policy_tables_free(&tables);
}

static void test_errors(struct test_case *t)
{
	char yaml[8192];
	size_t len, i;

	/* 64 distinct management ports: one more than the allow masks have bits */
	len = snprintf(yaml, sizeof(yaml), "management:\n  ports: [");
	for (i = 0; i < 64; i++)
		len += snprintf(yaml + len, sizeof(yaml) - len, "%stcp/%zu", i ? ", " : "",
				1000 + 2 * i);
	snprintf(yaml + len, sizeof(yaml) - len, "]\n");
	expect_error(t, yaml, -E2BIG, "test.yaml: management.ports: 64 distinct");

	/* one range, cut by allow entries: the 32nd entry (line 4 + 2 * 31) passes 63 */
	len = snprintf(yaml, sizeof(yaml), "management:\n  ports: [tcp/1-65535]\n  allow:\n");
	for (i = 0; i < 40; i++)
		len += snprintf(yaml + len, sizeof(yaml) - len,
				"    - from: [198.18.0.%zu]\n      ports: [tcp/%zu]\n", i,
				100 + 2 * i);
	expect_error(t, yaml, -E2BIG, "test.yaml:66:7: management.allow[31]: its ports split");

	expect_error(t, "management: {addresses: [198.18.0.0/16]}", -E2BIG,
		     "test.yaml: management.addresses: 198.18.0.0/16 makes more than 4096");

	len = snprintf(yaml, sizeof(yaml), "egress:\n  allow:\n");
	for (i = 0; i < 70; i++)
		len += snprintf(yaml + len, sizeof(yaml) - len, "    - ports: [udp/%zu]\n",
				2000 + 2 * i);
	expect_error(t, yaml, -E2BIG, "test.yaml:66:7: egress.allow[63]: the egress ports make");

	/* every TCP and UDP port is more than a set's half of the port map */
	expect_error(t, "management: {ports: [tcp/1-65535, udp/1-65535]}", -E2BIG,
		     "management.ports: 131070 port numbers; at most 65536");
}

int main(void)
{
	test_program = "test_policy_tables";
	RUN(test_default_ports_one_class_per_spec);
	RUN(test_port_indexes_and_ranges);
	RUN(test_allow_cuts_range);
	RUN(test_fold_nested_prefixes);
	RUN(test_vlan_entries);
	RUN(test_egress);
	RUN(test_protected_addresses);
	RUN(test_config_fields);
	RUN(test_errors);
	return test_summary();
}
