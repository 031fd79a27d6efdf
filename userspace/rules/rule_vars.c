// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule variables ($HOME_NET, $HTTP_PORTS, ...). A new set starts with Suricata's default
 * address and port groups, so that rules imported from Suricata (ET Open) load without a
 * config; the config then overrides them. Values are kept as text and resolved when a rule
 * uses them, so one variable may refer to another set later (EXTERNAL_NET: "!$HOME_NET").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

struct rule_var {
	char *name;
	char *value;
	int is_port;
};

struct rule_vars {
	struct rule_var *items;
	size_t count;
	size_t capacity;
};

/* suricata.yaml's defaults (vars: address-groups / port-groups). */
static const struct {
	const char *name;
	const char *value;
	int is_port;
} default_vars[] = {
	{ "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]", 0 },
	{ "EXTERNAL_NET", "!$HOME_NET", 0 },
	{ "HTTP_SERVERS", "$HOME_NET", 0 },
	{ "SMTP_SERVERS", "$HOME_NET", 0 },
	{ "SQL_SERVERS", "$HOME_NET", 0 },
	{ "DNS_SERVERS", "$HOME_NET", 0 },
	{ "TELNET_SERVERS", "$HOME_NET", 0 },
	{ "AIM_SERVERS", "$EXTERNAL_NET", 0 },
	{ "DC_SERVERS", "$HOME_NET", 0 },
	{ "DNP3_SERVER", "$HOME_NET", 0 },
	{ "DNP3_CLIENT", "$HOME_NET", 0 },
	{ "MODBUS_CLIENT", "$HOME_NET", 0 },
	{ "MODBUS_SERVER", "$HOME_NET", 0 },
	{ "ENIP_CLIENT", "$HOME_NET", 0 },
	{ "ENIP_SERVER", "$HOME_NET", 0 },
	{ "HTTP_PORTS", "80", 1 },
	{ "SHELLCODE_PORTS", "!80", 1 },
	{ "ORACLE_PORTS", "1521", 1 },
	{ "SSH_PORTS", "22", 1 },
	{ "DNP3_PORTS", "20000", 1 },
	{ "MODBUS_PORTS", "502", 1 },
	{ "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]", 1 },
	{ "FTP_PORTS", "21", 1 },
	{ "GENEVE_PORTS", "6081", 1 },
	{ "VXLAN_PORTS", "4789", 1 },
	{ "TEREDO_PORTS", "3544", 1 },
};

static struct rule_var *find_var(const struct rule_vars *vars, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < vars->count; i++) {
		if (strlen(vars->items[i].name) == len && memcmp(vars->items[i].name, name, len) == 0)
			return &vars->items[i];
	}
	return NULL;
}

static int store_var(struct rule_vars *vars, const char *name, const char *value, int is_port)
{
	struct rule_var *var = find_var(vars, name, strlen(name));
	char *value_copy = strdup(value);

	if (!value_copy)
		return -ENOMEM;
	if (var) {
		free(var->value);
		var->value = value_copy;
		var->is_port = is_port;
		return 0;
	}
	if (vars->count == vars->capacity) {
		size_t capacity = vars->capacity ? vars->capacity * 2 : 32;
		struct rule_var *grown = realloc(vars->items, capacity * sizeof(*grown));

		if (!grown) {
			free(value_copy);
			return -ENOMEM;
		}
		vars->items = grown;
		vars->capacity = capacity;
	}
	var = &vars->items[vars->count];
	var->name = strdup(name);
	if (!var->name) {
		free(value_copy);
		return -ENOMEM;
	}
	var->value = value_copy;
	var->is_port = is_port;
	vars->count++;
	return 0;
}

void rule_vars_free(struct rule_vars *vars)
{
	size_t i;

	if (!vars)
		return;
	for (i = 0; i < vars->count; i++) {
		free(vars->items[i].name);
		free(vars->items[i].value);
	}
	free(vars->items);
	free(vars);
}

struct rule_vars *rule_vars_new(void)
{
	struct rule_vars *vars = calloc(1, sizeof(*vars));
	size_t i;

	if (!vars)
		return NULL;
	for (i = 0; i < sizeof(default_vars) / sizeof(default_vars[0]); i++) {
		if (store_var(vars, default_vars[i].name, default_vars[i].value,
			      default_vars[i].is_port)) {
			rule_vars_free(vars);
			return NULL;
		}
	}
	return vars;
}

static int valid_var_name(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int set_var(struct rule_vars *vars, const char *name, const char *value, int is_port,
		   const char **why)
{
	static __thread struct list_error error;	/* *why must outlive the call */
	struct list_node parsed;
	int err;

	if (!valid_var_name(name)) {
		*why = "variable names are letters, digits and '_' (no '$')";
		return -EINVAL;
	}
	if (!value) {
		*why = "no value";
		return -EINVAL;
	}
	/* a syntax check only: referenced variables may be set later */
	err = list_parse(&parsed, is_port ? LIST_PORT : LIST_ADDRESS, value, strlen(value), NULL,
			 &error);
	if (err) {
		*why = error.message;
		return err;
	}
	list_node_release(&parsed);
	err = store_var(vars, name, value, is_port);
	if (err)
		*why = "out of memory";
	return err;
}

int rule_vars_set_address(struct rule_vars *vars, const char *name, const char *value,
			  const char **why)
{
	return set_var(vars, name, value, 0, why);
}

int rule_vars_set_port(struct rule_vars *vars, const char *name, const char *value,
		       const char **why)
{
	return set_var(vars, name, value, 1, why);
}

const char *rule_vars_lookup(const struct rule_vars *vars, const char *name, size_t len,
			     int *is_port)
{
	const struct rule_var *var = vars ? find_var(vars, name, len) : NULL;

	if (!var)
		return NULL;
	*is_port = var->is_port;
	return var->value;
}

int rule_vars_check_expansion(const struct rule_vars *vars, const char *name, const char **why)
{
	static __thread struct list_error error;	/* *why must outlive the call */
	struct list_node parsed;
	const char *value;
	char *reference;
	int is_port = 0, err;

	value = rule_vars_lookup(vars, name, strlen(name), &is_port);
	if (!value)
		return 0;
	if (asprintf(&reference, "$%s", name) < 0) {
		*why = "out of memory";
		return -ENOMEM;
	}
	err = list_parse(&parsed, is_port ? LIST_PORT : LIST_ADDRESS, reference, strlen(reference),
			 vars, &error);
	free(reference);
	if (!err)
		list_node_release(&parsed);
	if (err != -E2BIG)
		return 0;
	*why = error.message;
	return err;
}
