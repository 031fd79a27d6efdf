// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `edgewatch check-config`: load a config as `run` would, print what it says or why not. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "check_config.h"
#include "payload/shipped_rules.h"
#include "payload/rules_config.h"
#include "policy/policy_tables.h"
#include "config/mgmt_ports.h"
#include "rules/rules.h"

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: edgewatch check-config [-q] FILE\n"
		"       edgewatch check-config --list-ports [--markdown]\n"
		"       edgewatch check-config --list-anomaly [--markdown]\n"
		"\n"
		"Validate an edgewatch config file without touching the kernel: YAML syntax,\n"
		"every key and value, the rule variables, and the rule files its globs name.\n"
		"On success print a summary and exit 0; on error print\n"
		"FILE:LINE:COLUMN: error: WHY and exit 1.\n"
		"\n"
		"Options:\n"
		"  -q, --quiet       print nothing on success\n"
		"  -l, --list-ports  print the default management port list and the service\n"
		"                    names usable in ports: lists, then exit\n"
		"  -a, --list-anomaly  print every anomaly.* key (the detectors' switches,\n"
		"                    thresholds and windows) with its default, then exit\n"
		"      --markdown    with --list-ports or --list-anomaly: as a Markdown table\n"
		"  -h, --help        this help\n"
		"\n"
		"Examples:\n"
		"  edgewatch check-config /etc/edgewatch/edgewatch.yaml\n"
		"  edgewatch check-config -q edgewatch.yaml && systemctl reload edgewatch\n"
		"  edgewatch check-config --list-ports\n");
}

/* Why the rules module refuses one variable, at the line that set it. */
static void print_var_error(const struct config_rule_var *var, const char *why)
{
	const char *group = var->is_port ? "port-groups" : "address-groups";

	if (!var->where)
		fprintf(stderr, "edgewatch check-config: error: default %s \"%s\": %s\n",
			var->name, var->value, why);
	else if (!strcmp(var->name, "HOME_NET"))
		fprintf(stderr, "%s:%d:%d: error: home-net: %s\n", var->where->file,
			var->where->line, var->where->column, why);
	else if (!strcmp(var->name, "EXTERNAL_NET"))
		fprintf(stderr, "%s:%d:%d: error: external-net: %s\n", var->where->file,
			var->where->line, var->where->column, why);
	else
		fprintf(stderr, "%s:%d:%d: error: vars.%s.%s: %s\n", var->where->file,
			var->where->line, var->where->column, group, var->name, why);
}

/* Hand one variable to the rules module, as `run` does. */
static int set_rule_var(const struct config_rule_var *var, void *user)
{
	const char *why = "?";
	int err;

	err = var->is_port ? rule_vars_set_port(user, var->name, var->value, &why)
			   : rule_vars_set_address(user, var->name, var->value, &why);
	if (err)
		print_var_error(var, why);
	return err;
}

/*
 * Once all are set: what each expands to, as a rule using it would build it. Groups that
 * list each other multiply; `run` would refuse every rule using one (at the rule's line),
 * so the file is refused here, at the variable's line.
 */
static int check_rule_var_expansion(const struct config_rule_var *var, void *user)
{
	const char *why = "?";
	int err = rule_vars_check_expansion(user, var->name, &why);

	if (err)
		print_var_error(var, why);
	return err;
}

/*
 * vars: values are Suricata rule syntax, which only the rules module parses: give them
 * to it, so a value that `run` would refuse fails here too, at its line.
 */
static int check_rule_vars(const struct ew_config *cfg)
{
	struct rule_vars *vars = rule_vars_new();
	int err;

	if (!vars) {
		fprintf(stderr, "edgewatch check-config: out of memory\n");
		return -ENOMEM;
	}
	err = config_rule_vars(cfg, set_rule_var, vars);
	if (!err)
		err = config_rule_vars(cfg, check_rule_var_expansion, vars);
	rule_vars_free(vars);
	return err;
}

/*
 * What only starting or reloading would otherwise find, found here without a kernel:
 * the policy built into its tables (more than 63 port classes, too many protected
 * addresses), and the rule files loaded and compiled with the file's variables.
 */
static int check_policy_and_rules(const struct ew_config *cfg)
{
	struct policy_tables tables = {};
	struct policy_hosts no_interface = {};
	struct rules_load_summary summary;
	struct ruleset *rs = NULL;
	char why[512];
	int err;

	/* an empty interface address list: management.addresses omitted means "the
	 * interface's own", which only the running daemon knows */
	err = policy_tables_build(&tables, cfg, &no_interface, why, sizeof(why));
	policy_tables_free(&tables);
	if (err) {
		fprintf(stderr, "%s\n", why);
		return err;
	}
	if (!cfg->rules.file_count)
		return 0;
	err = rules_load_from_config(cfg, &rs, &summary, NULL, 0);	/* problems are logged */
	ruleset_free(rs);
	return err;
}

int cmd_check_config(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "list-ports", no_argument, NULL, 'l' },
		{ "list-anomaly", no_argument, NULL, 'a' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int quiet = 0, list_ports = 0, list_anomaly = 0, markdown = 0, opt, ret;
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	optind = 0;	/* glibc: restart scanning, whatever parsed argv before */
	while ((opt = getopt_long(argc, argv, "+qlah", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = 1;
			break;
		case 'l':
			list_ports = 1;
			break;
		case 'a':
			list_anomaly = 1;
			break;
		case 'm':
			markdown = 1;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (list_ports && optind == argc) {
		mgmt_ports_print(stdout, markdown ? MGMT_PORTS_MARKDOWN : MGMT_PORTS_TEXT);
		return 0;
	}
	if (list_anomaly && !list_ports && optind == argc) {
		config_anomaly_keys_print(stdout, markdown);
		return 0;
	}
	if (list_ports || list_anomaly || markdown || optind != argc - 1) {
		fprintf(stderr, "edgewatch check-config: %s\n",
			list_ports && list_anomaly ? "--list-ports or --list-anomaly, not both"
			: list_ports		   ? "--list-ports takes no FILE"
			: list_anomaly		   ? "--list-anomaly takes no FILE"
			: markdown ? "--markdown goes with --list-ports or --list-anomaly"
				   : "expected one FILE");
		print_usage(stderr);
		return 2;
	}

	ret = config_load_file(argv[optind], &cfg, &err);
	if (ret) {
		fprintf(stderr, "%s\n", config_error_format(&err, message, sizeof(message)));
		return 1;
	}
	/* what run would load: the shipped rules where the file says nothing of rules */
	if (shipped_rules_apply(cfg, 1)) {
		fprintf(stderr, "edgewatch check-config: out of memory\n");
		config_free(cfg);
		return 1;
	}
	ret = check_rule_vars(cfg);
	if (!ret)
		ret = check_policy_and_rules(cfg);
	if (!ret && !quiet)
		config_print_summary(cfg, stdout);
	config_free(cfg);
	return ret ? 1 : 0;
}
