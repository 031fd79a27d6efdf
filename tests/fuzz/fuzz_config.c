// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the config loader: any bytes either load (and then every consumer
 * of the config runs on the result, the rule variables handed to the rules module and
 * expanded as a rule would) or give an error with a sane position and message.
 *
 *   make .output/fuzz/fuzz_config
 *   .output/fuzz/fuzz_config -dict=tests/fuzz/fuzz_config.dict -max_total_time=60 \
 *           CORPUS_DIR tests/config
 *
 * Run it from the repo root: relative rule globs in inputs then match the fixtures.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "rules/rules.h"

static FILE *sink;

static int check_var(const struct config_rule_var *var, void *user)
{
	const char *why = NULL;

	/* Names and values are C strings the rules module can take as they are. */
	if (!var->name[0] || !var->value[0])
		abort();
	fprintf(sink, "%s=%s\n", var->name, var->value);
	/* and it takes them as `run` does (it may refuse a value: a clean error) */
	if ((var->is_port ? rule_vars_set_port(user, var->name, var->value, &why)
			  : rule_vars_set_address(user, var->name, var->value, &why)) &&
	    (!why || !why[0]))
		abort();
	return 0;
}

/* Once all are set: each expanded as a rule using it would (bounded, however nested). */
static int expand_var(const struct config_rule_var *var, void *user)
{
	const char *why = NULL;
	int err = rule_vars_check_expansion(user, var->name, &why);

	if (err && (err != -E2BIG || !why || !why[0]))
		abort();
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = NULL;
	struct rule_vars *vars;
	struct config_error err;
	int ret;

	ret = config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg, &err);
	if (ret) {
		if (cfg || err.line < 0 || err.column < 0 || (err.line > 0 && err.column == 0) ||
		    !err.message[0] || strcmp(err.file, "fuzz.yaml"))
			abort();
		config_error_format(&err, message, sizeof(message));
		fputs(message, sink);
		return 0;
	}
	if (!cfg || !cfg->home_net.count || !cfg->management.ports.count)
		abort();
	vars = rule_vars_new();
	if (!vars || config_rule_vars(cfg, check_var, vars) ||
	    config_rule_vars(cfg, expand_var, vars))
		abort();
	rule_vars_free(vars);
	config_print_summary(cfg, sink);
	config_free(cfg);
	return 0;
}
