// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The top level and the flow, sampling, outputs and vars sections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_error.h"
#include "config/config_load.h"

/* --- flow ------------------------------------------------------------------------- */

static int read_table_size(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_uint(ld, node, 1024, 16777216, &ld->cfg->flow.table_size);
}

static int read_idle_timeout(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	return loader_read_duration(ld, node, 1, 86400, &ld->cfg->flow.idle_timeout);
}

static int read_active_timeout(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	return loader_read_duration(ld, node, 1, 7 * 86400, &ld->cfg->flow.active_timeout);
}

static int read_tcp_closed_timeout(struct config_loader *ld, const struct config_node *node,
				   void *target)
{
	return loader_read_duration(ld, node, 0, 3600, &ld->cfg->flow.tcp_closed_timeout);
}

static int read_sweep_interval(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	return loader_read_duration(ld, node, 1, 60, &ld->cfg->flow.sweep_interval);
}

int config_read_flow(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "table-size", read_table_size },
		{ "idle-timeout", read_idle_timeout },
		{ "active-timeout", read_active_timeout },
		{ "tcp-closed-timeout", read_tcp_closed_timeout },
		{ "sweep-interval", read_sweep_interval },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- sampling --------------------------------------------------------------------- */

static int read_first_packets(struct config_loader *ld, const struct config_node *node,
			      void *target)
{
	return loader_read_uint(ld, node, 0, 255, &ld->cfg->sampling.first_packets);
}

static int read_flagged_cap(struct config_loader *ld, const struct config_node *node,
			    void *target)
{
	return loader_read_uint(ld, node, 0, 65535, &ld->cfg->sampling.flagged_cap);
}

static int read_one_in(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_uint(ld, node, 0, 1000000, &ld->cfg->sampling.one_in);
}

static int read_snaplen(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_uint(ld, node, 64, 4096, &ld->cfg->sampling.snaplen);
}

static int read_stream_depth(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	return loader_read_uint(ld, node, 0, EW_STREAM_DEPTH_MAX, &ld->cfg->sampling.stream_depth);
}

static int read_stream_segments(struct config_loader *ld, const struct config_node *node,
				void *target)
{
	return loader_read_uint(ld, node, 1, 65535, &ld->cfg->sampling.stream_segments);
}

int config_read_sampling(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "first-packets", read_first_packets },
		{ "flagged-cap", read_flagged_cap },
		{ "one-in", read_one_in },
		{ "snaplen", read_snaplen },
		{ "stream-depth", read_stream_depth },
		{ "stream-segments", read_stream_segments },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- outputs ---------------------------------------------------------------------- */

static int read_eve_path(struct config_loader *ld, const struct config_node *node, void *target)
{
	char *path = NULL;
	int err;

	/* "-" is stdout, not a file next to the config. */
	if (node->kind == CONFIG_NODE_SCALAR && !strcmp(node->value, "-"))
		err = loader_read_string(ld, node, &path);
	else
		err = loader_read_path(ld, node, &path);
	if (err)
		return err;
	free(ld->cfg->outputs.eve_path);
	ld->cfg->outputs.eve_path = path;
	return 0;
}

/* Up to a week: a file per week is the longest a SIEM's retention is cut by. */
static int read_eve_rotate_interval(struct config_loader *ld, const struct config_node *node,
				    void *target)
{
	return loader_read_duration(ld, node, 1, 7 * 86400,
				    &ld->cfg->outputs.eve_rotate_interval);
}

/* At least 4 KiB (a test's small files), at most 1 TiB. */
static int read_eve_max_size(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	return loader_read_size(ld, node, 4096, 1ULL << 40, &ld->cfg->outputs.eve_max_size);
}

static int read_eve_compress(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	char got[CONFIG_QUOTE_STRLEN];
	int err = loader_expect_scalar(ld, node, "gzip or none");

	if (err)
		return err;
	if (strcmp(node->value, "gzip") && strcmp(node->value, "none"))
		return loader_fail(ld, node, "expected gzip or none, got %s",
				   loader_describe(node, got, sizeof(got)));
	ld->cfg->outputs.eve_compress_gzip = !strcmp(node->value, "gzip");
	return 0;
}

static int read_eve_seal_key(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	char *path = NULL;
	int err = loader_read_path(ld, node, &path);

	if (err)
		return err;
	free(ld->cfg->outputs.eve_seal_key);
	ld->cfg->outputs.eve_seal_key = path;
	return 0;
}

/* A second to a day: a seal a day is the least a verifier should be given. */
static int read_eve_seal_interval(struct config_loader *ld, const struct config_node *node,
				  void *target)
{
	return loader_read_duration(ld, node, 1, 86400, &ld->cfg->outputs.eve_seal_interval);
}

/* The key is what turns sealing on; the file itself is checked (0600) when the run opens it. */
static int read_eve_seal(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "key", read_eve_seal_key },
		{ "interval", read_eve_seal_interval },
	};
	int err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);

	if (!err && !ld->cfg->outputs.eve_seal_key)
		return loader_fail(ld, node, "key is missing: the file `edgewatch log keygen "
				   "KEYFILE` made");
	return err;
}

static int read_eve(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "path", read_eve_path },
		{ "rotate-interval", read_eve_rotate_interval },
		{ "max-size", read_eve_max_size },
		{ "compress", read_eve_compress },
		{ "seal", read_eve_seal },
	};
	const struct ew_config *cfg = ld->cfg;
	int err;

	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
	if (err)
		return err;
	/* stdout cannot be renamed or compressed: the pipe's reader rotates */
	if ((cfg->outputs.eve_rotate_interval || cfg->outputs.eve_max_size ||
	     cfg->outputs.eve_compress_gzip) && !strcmp(cfg->outputs.eve_path, "-"))
		return loader_fail(ld, node,
				   "rotate-interval, max-size and compress need a file path "
				   "(path is \"-\", stdout)");
	/* gzip compresses the files rotation closes: alone it would never run */
	if (cfg->outputs.eve_compress_gzip && !cfg->outputs.eve_rotate_interval &&
	    !cfg->outputs.eve_max_size)
		return loader_fail(ld, node,
				   "compress: gzip compresses rotated files: give rotate-interval "
				   "or max-size too");
	return 0;
}

static int read_prometheus_listen(struct config_loader *ld, const struct config_node *node,
				  void *target)
{
	return loader_read_endpoint(ld, node, &ld->cfg->outputs.prometheus.listen);
}

/* The section given (even {}) turns the sink on, on loopback unless listen says where. */
static int read_prometheus(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	static const struct config_key keys[] = {
		{ "listen", read_prometheus_listen },
	};
	static const struct ew_endpoint loopback = { .family = 4, .addr = { 127, 0, 0, 1 },
						     .port = 9650 };

	ld->cfg->outputs.prometheus.enabled = 1;
	ld->cfg->outputs.prometheus.listen = loopback;
	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

static int read_stats_interval(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	return loader_read_duration(ld, node, 1, 3600, &ld->cfg->outputs.stats_interval);
}

int config_read_outputs(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "eve", read_eve },
		{ "syslog", config_read_syslog },
		{ "ipfix", config_read_ipfix },
		{ "prometheus", read_prometheus },
		{ "kafka", config_read_kafka },
		{ "pcap", config_read_pcap },
		{ "stats-interval", read_stats_interval },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- vars ------------------------------------------------------------------------- */

static int valid_var_name(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || strlen(name) != len || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++)
		if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
}

static const struct ew_rule_var *find_var(const struct ew_rule_var *vars, size_t count,
					  const char *name)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	return NULL;
}

/* Why name may not be defined in this group, or NULL. */
static const char *var_name_conflict(struct config_loader *ld, const char *name, int is_port)
{
	const struct ew_config *cfg = ld->cfg;

	if (!strcmp(name, "HOME_NET"))
		return "HOME_NET is set by home-net";
	if (!strcmp(name, "EXTERNAL_NET"))
		return "EXTERNAL_NET is set by external-net";
	if (is_port && find_var(cfg->address_groups, cfg->address_group_count, name))
		return "already an address group; rule variables share one namespace";
	return NULL;
}

static int read_var(struct config_loader *ld, const struct config_node *key,
		    const struct config_node *value, int is_port)
{
	struct ew_config *cfg = ld->cfg;
	struct ew_rule_var **vars = is_port ? &cfg->port_groups : &cfg->address_groups;
	size_t *count = is_port ? &cfg->port_group_count : &cfg->address_group_count;
	char got[CONFIG_QUOTE_STRLEN];
	const struct ew_rule_var *earlier;
	struct ew_rule_var *var;
	const char *conflict;
	int err;

	if (key->kind != CONFIG_NODE_SCALAR || !valid_var_name(key->value, key->len))
		return loader_fail(ld, key,
				   "%s is not a variable name (letters, digits and _, at most 63)",
				   loader_describe(key, got, sizeof(got)));
	earlier = find_var(*vars, *count, key->value);
	if (earlier)
		return loader_fail(ld, key, "duplicate key (first at line %d, column %d)",
				   earlier->where.line, earlier->where.column);
	conflict = var_name_conflict(ld, key->value, is_port);
	if (conflict)
		return loader_fail(ld, key, "%s", conflict);
	err = loader_expect_scalar(ld, value,
				   is_port ? "a port group in rule syntax (\"[80,8080]\")"
					   : "an address group in rule syntax "
					     "(\"[198.18.0.0/15]\")");
	if (err)
		return err;
	var = loader_append(vars, count, sizeof(*var));
	if (!var)
		return loader_out_of_memory(ld);
	var->name = strdup(key->value);
	if (!var->name)
		return loader_out_of_memory(ld);
	var->where = (struct config_location){ cfg->source, value->line, value->column };
	return loader_read_string(ld, value, &var->value);
}

static int read_var_group(struct config_loader *ld, const struct config_node *node, int is_port)
{
	char got[CONFIG_QUOTE_STRLEN];
	size_t i, saved;
	int err = 0;

	if (node->kind != CONFIG_NODE_MAPPING)
		return loader_fail(ld, node, "expected a mapping (NAME: value), got %s",
				   loader_describe(node, got, sizeof(got)));
	for (i = 0; i < node->count && !err; i += 2) {
		const struct config_node *key = node->children[i];

		saved = loader_push_key(ld, key->kind == CONFIG_NODE_SCALAR ? key->value : "?");
		err = read_var(ld, key, node->children[i + 1], is_port);
		loader_pop(ld, saved);
	}
	return err;
}

static int read_address_groups(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	return read_var_group(ld, node, 0);
}

static int read_port_groups(struct config_loader *ld, const struct config_node *node,
			    void *target)
{
	return read_var_group(ld, node, 1);
}

int config_read_vars(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "address-groups", read_address_groups },
		{ "port-groups", read_port_groups },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- inventory -------------------------------------------------------------------- */

static int read_inventory_enabled(struct config_loader *ld, const struct config_node *node,
				  void *target)
{
	return loader_read_bool(ld, node, &ld->cfg->inventory.enabled);
}

static int read_inventory_table_size(struct config_loader *ld, const struct config_node *node,
				     void *target)
{
	return loader_read_uint(ld, node, 16, 1048576, &ld->cfg->inventory.table_size);
}

static int read_inventory_summary(struct config_loader *ld, const struct config_node *node,
				  void *target)
{
	return loader_read_duration(ld, node, 0, 7 * 86400, &ld->cfg->inventory.summary_interval);
}

static int read_inventory_alert(struct config_loader *ld, const struct config_node *node,
				void *target)
{
	return loader_read_duration(ld, node, 0, 7 * 86400, &ld->cfg->inventory.alert_interval);
}

static int read_inventory_software(struct config_loader *ld, const struct config_node *node,
				   void *target)
{
	free(ld->cfg->inventory.software_file);
	ld->cfg->inventory.software_file = NULL;
	return loader_read_path(ld, node, &ld->cfg->inventory.software_file);
}

int config_read_inventory(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "enabled", read_inventory_enabled },
		{ "table-size", read_inventory_table_size },
		{ "summary-interval", read_inventory_summary },
		{ "alert-interval", read_inventory_alert },
		{ "software-file", read_inventory_software },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}

/* --- the document ----------------------------------------------------------------- */

int config_read_document(struct config_loader *ld, const struct config_node *root)
{
	/* Sections are independent; the order only decides which of two errors is reported. */
	static const struct config_key keys[] = {
		{ "home-net", config_read_home_net },
		{ "external-net", config_read_external_net },
		{ "vars", config_read_vars },
		{ "flow", config_read_flow },
		{ "management", config_read_management },
		{ "egress", config_read_egress },
		{ "sampling", config_read_sampling },
		{ "rules", config_read_rules },
		{ "outputs", config_read_outputs },
		{ "anomaly", config_read_anomaly },
		{ "inventory", config_read_inventory },
		{ "run", config_read_run },
	};
	char got[CONFIG_QUOTE_STRLEN];

	if (!root || config_node_is_null(root))
		return config_error_set(ld->err, ld->cfg->source, root ? root->line : 1,
					root ? root->column : 1,
					"empty configuration (no YAML document); write at least "
					"one section, or {} for every default");
	if (root->kind != CONFIG_NODE_MAPPING)
		return loader_fail(ld, root,
				   "the top level must be a mapping of sections (home-net:, "
				   "flow:, management:, ...), got %s",
				   loader_describe(root, got, sizeof(got)));
	return loader_read_mapping(ld, root, CONFIG_KEYS(keys), NULL, NULL);
}
