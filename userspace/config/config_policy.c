// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the policy is about: home-net, external-net, management and egress sections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_error.h"
#include "config/config_load.h"

/* Replace list with the prefixes in node (a configured list drops the default). */
static int replace_cidr_list(struct config_loader *ld, const struct config_node *node,
			     struct ew_cidr_list *list)
{
	struct ew_cidr_list read = {};
	int err;

	err = loader_read_cidr_list(ld, node, &read);
	if (err) {
		free(read.items);
		return err;
	}
	free(list->items);
	*list = read;
	return 0;
}

/* --- home-net, external-net ------------------------------------------------------- */

int config_read_home_net(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_config *cfg = ld->cfg;

	cfg->home_net_where = (struct config_location){ cfg->source, node->line, node->column };
	return replace_cidr_list(ld, node, &cfg->home_net);
}

int config_read_external_net(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	struct ew_config *cfg = ld->cfg;
	char got[CONFIG_QUOTE_STRLEN];
	int err;

	cfg->external_net_where = (struct config_location){ cfg->source, node->line, node->column };
	if (node->kind == CONFIG_NODE_SEQUENCE) {
		err = replace_cidr_list(ld, node, &cfg->external_net);
		if (!err)
			cfg->external_net_kind = EW_EXTERNAL_NET_LIST;
		return err;
	}
	if (node->kind == CONFIG_NODE_SCALAR && !strcmp(node->value, "!$HOME_NET")) {
		cfg->external_net_kind = EW_EXTERNAL_NET_NOT_HOME;
		return 0;
	}
	if (node->kind == CONFIG_NODE_SCALAR && !strcmp(node->value, "any")) {
		cfg->external_net_kind = EW_EXTERNAL_NET_ANY;
		return 0;
	}
	return loader_fail(ld, node, "expected \"!$HOME_NET\", \"any\" or a list of CIDRs, got %s",
			   loader_describe(node, got, sizeof(got)));
}

/* --- management ------------------------------------------------------------------- */

static int read_action(struct config_loader *ld, const struct config_node *node, void *target)
{
	char got[CONFIG_QUOTE_STRLEN];

	if (node->kind == CONFIG_NODE_SCALAR && !strcmp(node->value, "alert")) {
		ld->cfg->management.action = EW_ACTION_ALERT;
		return 0;
	}
	if (node->kind == CONFIG_NODE_SCALAR && !strcmp(node->value, "drop")) {
		ld->cfg->management.action = EW_ACTION_DROP;
		return 0;
	}
	return loader_fail(ld, node, "expected alert or drop, got %s",
			   loader_describe(node, got, sizeof(got)));
}

static int read_addresses(struct config_loader *ld, const struct config_node *node,
			  void *target)
{
	return replace_cidr_list(ld, node, &ld->cfg->management.addresses);
}

static int read_mgmt_ports(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	struct ew_port_list read = {};
	int err;

	err = loader_read_port_list(ld, node, NULL, NULL, &read);
	if (err) {
		free(read.items);
		return err;
	}
	free(ld->cfg->management.ports.items);
	ld->cfg->management.ports = read;
	ld->cfg->management.ports_are_default = 0;
	return 0;
}

static int read_allow_from(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	struct ew_mgmt_allow *entry = target;

	return loader_read_cidr_list(ld, node, &entry->from);
}

static int read_allow_ports(struct config_loader *ld, const struct config_node *node,
			    void *target)
{
	struct ew_mgmt_allow *entry = target;

	/* An allowed port that is not a management port is a typo, not a policy. */
	return loader_read_port_list(ld, node, &ld->cfg->management.ports, "management.ports",
				     &entry->ports);
}

static int read_allow_vlan(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	struct ew_mgmt_allow *entry = target;
	uint32_t vlan;
	int err;

	err = loader_read_uint(ld, node, 1, 4094, &vlan);
	if (!err)
		entry->vlan = (uint16_t)vlan;
	return err;
}

static int read_mgmt_allow_entry(struct config_loader *ld, const struct config_node *node,
				 struct ew_mgmt_allow *entry)
{
	static const struct config_key keys[] = {
		{ "from", read_allow_from },
		{ "ports", read_allow_ports },
		{ "vlan", read_allow_vlan },
	};
	uint32_t present;
	int err;

	entry->where = (struct config_location){ ld->cfg->source, node->line, node->column };
	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), entry, &present);
	if (!err && !(present & 1))
		err = loader_fail(ld, node, "missing from: (the sources this entry allows)");
	return err;
}

static int read_mgmt_allow(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	struct ew_config *cfg = ld->cfg;
	struct ew_mgmt_allow *entry;
	size_t i, saved;
	int err;

	err = loader_expect_sequence(ld, node);
	for (i = 0; !err && i < node->count; i++) {
		entry = loader_append(&cfg->management.allow, &cfg->management.allow_count,
				      sizeof(*entry));
		if (!entry)
			return loader_out_of_memory(ld);
		saved = loader_push_index(ld, i);
		err = read_mgmt_allow_entry(ld, node->children[i], entry);
		loader_pop(ld, saved);
	}
	return err;
}

static int read_alert_rate_limit(struct config_loader *ld, const struct config_node *node,
				 void *target)
{
	return loader_read_duration(ld, node, 0, 86400, &ld->cfg->management.alert_rate_limit);
}

static int read_alert_aggregate_sources(struct config_loader *ld,
					const struct config_node *node, void *target)
{
	return loader_read_uint(ld, node, 0, 16384,
				&ld->cfg->management.alert_aggregate_sources);
}

int config_read_management(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	/* ports before allow: allow's ports are checked against them. */
	static const struct config_key keys[] = {
		{ "action", read_action },
		{ "addresses", read_addresses },
		{ "ports", read_mgmt_ports },
		{ "allow", read_mgmt_allow },
		{ "alert-rate-limit", read_alert_rate_limit },
		{ "alert-aggregate-sources", read_alert_aggregate_sources },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- egress ----------------------------------------------------------------------- */

static int read_egress_to(struct config_loader *ld, const struct config_node *node,
			  void *target)
{
	struct ew_egress_allow *entry = target;

	return loader_read_cidr_list(ld, node, &entry->to);
}

static int read_egress_ports(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	struct ew_egress_allow *entry = target;

	return loader_read_port_list(ld, node, NULL, NULL, &entry->ports);
}

static int read_egress_allow_entry(struct config_loader *ld, const struct config_node *node,
				   struct ew_egress_allow *entry)
{
	static const struct config_key keys[] = {
		{ "to", read_egress_to },
		{ "ports", read_egress_ports },
	};
	uint32_t present;
	int err;

	entry->where = (struct config_location){ ld->cfg->source, node->line, node->column };
	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), entry, &present);
	if (!err && !present)
		err = loader_fail(ld, node, "an allow entry needs to:, ports: or both");
	return err;
}

static int read_egress_allow(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	struct ew_config *cfg = ld->cfg;
	struct ew_egress_allow *entry;
	size_t i, saved;
	int err;

	err = loader_expect_sequence(ld, node);
	for (i = 0; !err && i < node->count; i++) {
		entry = loader_append(&cfg->egress.allow, &cfg->egress.allow_count,
				      sizeof(*entry));
		if (!entry)
			return loader_out_of_memory(ld);
		saved = loader_push_index(ld, i);
		err = read_egress_allow_entry(ld, node->children[i], entry);
		loader_pop(ld, saved);
	}
	if (!err)
		cfg->egress.monitored = 1;
	return err;
}

int config_read_egress(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "allow", read_egress_allow },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}
