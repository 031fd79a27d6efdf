// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule variables from the config: HOME_NET, EXTERNAL_NET and the vars: groups.
 *
 * Suricata's other default groups (HTTP_SERVERS: "$HOME_NET", HTTP_PORTS: "80", ...) are
 * not repeated here: rule_vars_new() (userspace/rules/rule_vars.c) starts from exactly
 * those, and resolves references when a rule uses them, so they follow the HOME_NET set
 * from here. One table of Suricata's defaults, not two that drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* "[a,b,c]". NULL when out of memory. */
static char *format_cidr_group(const struct ew_cidr_list *list)
{
	char cidr[CONFIG_CIDR_STRLEN];
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fputc('[', out);
	for (i = 0; i < list->count; i++)
		fprintf(out, "%s%s", i ? "," : "",
			config_format_cidr(&list->items[i], cidr, sizeof(cidr)));
	fputc(']', out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

static int emit_groups(const struct ew_rule_var *groups, size_t count, int is_port,
		       config_rule_var_fn emit, void *user)
{
	struct config_rule_var var;
	size_t i;
	int ret = 0;

	for (i = 0; i < count && !ret; i++) {
		var = (struct config_rule_var){ groups[i].name, groups[i].value, is_port,
						&groups[i].where };
		ret = emit(&var, user);
	}
	return ret;
}

static const struct config_location *configured(const struct config_location *where)
{
	return where->line ? where : NULL;
}

int config_rule_vars(const struct ew_config *cfg, config_rule_var_fn emit, void *user)
{
	char *home_net = NULL, *external_net = NULL;
	struct config_rule_var var;
	int ret = -ENOMEM;

	home_net = format_cidr_group(&cfg->home_net);
	if (cfg->external_net_kind == EW_EXTERNAL_NET_LIST)
		external_net = format_cidr_group(&cfg->external_net);
	else if (cfg->external_net_kind == EW_EXTERNAL_NET_ANY)
		external_net = strdup("any");
	else
		external_net = strdup("!$HOME_NET");
	if (!home_net || !external_net)
		goto cleanup;

	var = (struct config_rule_var){ "HOME_NET", home_net, 0, configured(&cfg->home_net_where) };
	ret = emit(&var, user);
	if (ret)
		goto cleanup;
	var = (struct config_rule_var){ "EXTERNAL_NET", external_net, 0,
					configured(&cfg->external_net_where) };
	ret = emit(&var, user);
	if (ret)
		goto cleanup;
	ret = emit_groups(cfg->address_groups, cfg->address_group_count, 0, emit, user);
	if (ret)
		goto cleanup;
	ret = emit_groups(cfg->port_groups, cfg->port_group_count, 1, emit, user);
cleanup:
	free(home_net);
	free(external_net);
	return ret;
}
