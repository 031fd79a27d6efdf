// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.ipfix: where the IPFIX sink sends flow records (collector, transport) and how
 * (template-interval, observation-domain). The collector is an address literal, parsed
 * by the one endpoint parser (config_net.c): an exporter's address is what a collector
 * is configured to accept, so there is no name to resolve at run time.
 */
#include <string.h>

#include "config/config_error.h"
#include "config/config_load.h"

static int read_collector(struct config_loader *ld, const struct config_node *node,
			  void *target)
{
	return loader_read_endpoint(ld, node, &ld->cfg->outputs.ipfix.collector);
}

static int read_transport(struct config_loader *ld, const struct config_node *node,
			  void *target)
{
	char got[CONFIG_QUOTE_STRLEN];
	int err = loader_expect_scalar(ld, node, "udp or tcp");

	if (err)
		return err;
	if (!strcmp(node->value, "udp"))
		ld->cfg->outputs.ipfix.transport = EW_IPFIX_UDP;
	else if (!strcmp(node->value, "tcp"))
		ld->cfg->outputs.ipfix.transport = EW_IPFIX_TCP;
	else
		return loader_fail(ld, node, "expected udp or tcp, got %s",
				   loader_describe(node, got, sizeof(got)));
	return 0;
}

/* RFC 7011 8.4: templates over UDP expire at the collector; a day is the longest sane. */
static int read_template_interval(struct config_loader *ld, const struct config_node *node,
				  void *target)
{
	return loader_read_duration(ld, node, 1, 86400, &ld->cfg->outputs.ipfix.template_interval);
}

static int read_observation_domain(struct config_loader *ld, const struct config_node *node,
				   void *target)
{
	return loader_read_uint(ld, node, 0, UINT32_MAX, &ld->cfg->outputs.ipfix.observation_domain);
}

int config_read_ipfix(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "collector", read_collector },
		{ "transport", read_transport },
		{ "template-interval", read_template_interval },
		{ "observation-domain", read_observation_domain },
	};
	struct ew_ipfix_output *io = &ld->cfg->outputs.ipfix;
	uint32_t present = 0;
	int err;

	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, &present);
	if (err)
		return err;
	if (!(present & 1u << 0))
		return loader_fail(ld, node,
				   "collector is required (IPV4:PORT or [IPV6]:PORT, e.g. "
				   "127.0.0.1:4739)");
	if (io->transport == EW_IPFIX_TCP && (present & 1u << 2))
		return loader_fail(ld, node,
				   "template-interval is only used with transport udp (over tcp "
				   "the templates go once per connection)");
	io->enabled = 1;
	return 0;
}
