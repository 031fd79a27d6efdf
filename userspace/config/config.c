// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Loading a config: defaults, the file, the buffer; freeing it (config.h). */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_error.h"
#include "config/config_load.h"
#include "config/config_node.h"
#include "config/mgmt_ports.h"
#include "file_read.h"

/*
 * home-net when not configured: Suricata's default (RFC 1918), plus the IPv6 unique local
 * range (RFC 4193), its counterpart on dual-stack edges.
 */
static const char *const default_home_net[] = {
	"192.168.0.0/16",
	"10.0.0.0/8",
	"172.16.0.0/12",
	"fc00::/7",
};

int config_set_defaults(struct ew_config *cfg)
{
	size_t count = sizeof(default_home_net) / sizeof(default_home_net[0]);
	const struct mgmt_service *services;
	size_t service_count, i, j;
	char why[CONFIG_WHY_LEN];

	cfg->home_net.items = calloc(count, sizeof(*cfg->home_net.items));
	if (!cfg->home_net.items)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		config_parse_cidr(default_home_net[i], &cfg->home_net.items[i], why, sizeof(why));
	cfg->home_net.count = count;
	cfg->external_net_kind = EW_EXTERNAL_NET_NOT_HOME;

	cfg->flow.table_size = 262144;
	cfg->flow.idle_timeout = 60;
	cfg->flow.active_timeout = 1800;
	cfg->flow.tcp_closed_timeout = 5;
	cfg->flow.sweep_interval = 1;
	config_anomaly_defaults(cfg);

	cfg->management.action = EW_ACTION_ALERT;
	cfg->management.alert_rate_limit = 60;
	/* detect/alert_limiter.h's ALERT_AGGREGATE_SOURCES_DEFAULT (test_config_load checks) */
	cfg->management.alert_aggregate_sources = 32;
	services = mgmt_services(&service_count);
	cfg->management.ports.items =
		calloc(mgmt_services_spec_count(), sizeof(*cfg->management.ports.items));
	if (!cfg->management.ports.items)
		return -ENOMEM;
	for (i = 0; i < service_count; i++)
		for (j = 0; j < services[i].spec_count; j++)
			cfg->management.ports.items[cfg->management.ports.count++] =
				services[i].specs[j];
	cfg->management.ports_are_default = 1;

	cfg->inventory.enabled = 1;
	cfg->inventory.table_size = 4096;
	cfg->inventory.summary_interval = 3600;
	cfg->inventory.alert_interval = 3600;

	cfg->sampling.first_packets = 4;
	cfg->sampling.flagged_cap = 32;
	cfg->sampling.one_in = 1000;
	cfg->sampling.snaplen = EW_SNAPLEN_DEFAULT;
	cfg->sampling.stream_depth = EW_STREAM_DEPTH_DEFAULT;
	cfg->sampling.stream_segments = EW_STREAM_SEGMENTS_DEFAULT;

	cfg->outputs.syslog.facility = 16;	/* local0 */
	cfg->outputs.ipfix.template_interval = 60;
	cfg->outputs.ipfix.observation_domain = 1;
	cfg->outputs.stats_interval = 60;
	cfg->outputs.eve_seal_interval = 60;
	cfg->outputs.pcap.max_file_size = 64ULL << 20;
	cfg->outputs.pcap.max_total = 1ULL << 30;
	cfg->outputs.eve_path = strdup("-");
	return cfg->outputs.eve_path ? 0 : -ENOMEM;
}

static struct ew_config *config_new(const char *source)
{
	struct ew_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->source = strdup(source);
	if (!cfg->source || config_set_defaults(cfg)) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct ew_config *config_defaults(void)
{
	return config_new("(defaults)");
}

static void free_rule_vars(struct ew_rule_var *vars, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(vars[i].name);
		free(vars[i].value);
	}
	free(vars);
}

void config_free(struct ew_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->home_net.items);
	free(cfg->external_net.items);
	free_rule_vars(cfg->address_groups, cfg->address_group_count);
	free_rule_vars(cfg->port_groups, cfg->port_group_count);
	free(cfg->management.addresses.items);
	free(cfg->management.ports.items);
	for (i = 0; i < cfg->management.allow_count; i++) {
		free(cfg->management.allow[i].from.items);
		free(cfg->management.allow[i].ports.items);
	}
	free(cfg->management.allow);
	for (i = 0; i < cfg->egress.allow_count; i++) {
		free(cfg->egress.allow[i].to.items);
		free(cfg->egress.allow[i].ports.items);
	}
	free(cfg->egress.allow);
	for (i = 0; i < cfg->rules.file_count; i++)
		free(cfg->rules.files[i]);
	free(cfg->rules.files);
	free(cfg->rules.classification);
	free(cfg->rules.cache_dir);
	free(cfg->outputs.eve_path);
	free(cfg->outputs.eve_seal_key);
	free(cfg->outputs.pcap.dir);
	free(cfg->outputs.syslog.host);
	free(cfg->outputs.syslog.ca_file);
	free(cfg->anomaly.exclude.items);
	free(cfg->run.user);
	free(cfg->inventory.software_file);
	config_free_kafka(&cfg->outputs.kafka);
	free(cfg->source);
	free(cfg);
}

static int load(const char *name, const char *base_dir, const char *buf, size_t len,
		struct ew_config **out, struct config_error *err)
{
	struct config_loader ld = { .err = err, .base_dir = base_dir };
	struct config_node *root = NULL;
	int ret;

	*out = NULL;
	ld.cfg = config_new(name);
	if (!ld.cfg) {
		ret = -ENOMEM;
		config_error_set(err, name, 0, 0, "out of memory");
		goto cleanup;
	}
	ret = config_node_parse(name, buf, len, &root, err);
	if (ret)
		goto cleanup;
	ret = config_read_document(&ld, root);
	if (ret)
		goto cleanup;
	*out = ld.cfg;
	ld.cfg = NULL;
cleanup:
	config_node_free(root);
	config_free(ld.cfg);
	return ret;
}

int config_load_buffer(const char *name, const char *buf, size_t len, struct ew_config **out,
		       struct config_error *err)
{
	memset(err, 0, sizeof(*err));
	return load(name, NULL, buf, len, out, err);
}

int config_load_file(const char *path, struct ew_config **out, struct config_error *err)
{
	char *buf = NULL, *path_copy = NULL, why[CONFIG_WHY_LEN];
	size_t len;
	int ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	ret = file_read_whole(path, "config", &buf, &len, why, sizeof(why));
	if (ret) {
		config_error_set(err, path, 0, 0, "%s", why);
		goto cleanup;
	}
	path_copy = strdup(path);
	if (!path_copy) {
		ret = -ENOMEM;
		config_error_set(err, path, 0, 0, "out of memory");
		goto cleanup;
	}
	ret = load(path, dirname(path_copy), buf, len, out, err);
cleanup:
	free(path_copy);
	free(buf);
	return ret;
}
