// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "log.h"
#include "payload/rules_config.h"

/* One variable from the config into the rules module; its refusal names the config line. */
static int set_rule_var(const struct config_rule_var *var, void *user)
{
	const char *why = "invalid value";
	int err;

	err = var->is_port ? rule_vars_set_port(user, var->name, var->value, &why)
			   : rule_vars_set_address(user, var->name, var->value, &why);
	if (!err)
		return 0;
	if (var->where)
		log_error("%s:%d:%d: rule variable %s: %s", var->where->file,
			  var->where->line, var->where->column, var->name, why);
	else
		log_error("rule variable %s (default \"%s\"): %s", var->name, var->value, why);
	return err;
}

static void log_problem(const struct rules_problem *problem)
{
	char where[300] = "";

	if (problem->file[0] && problem->line > 0)
		snprintf(where, sizeof(where), "%s:%d:%d: ", problem->file, problem->line,
			 problem->column);
	else if (problem->file[0])
		snprintf(where, sizeof(where), "%s: ", problem->file);
	/* the logger says "error:" or "warning:" first; a skipped rule says so too */
	log_msg(problem->skipped ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR, "%s%s%s%s%s", where,
		problem->skipped ? "skipped: " : "", problem->keyword,
		problem->keyword[0] ? ": " : "", problem->message);
}

int rules_load_from_config(const struct ew_config *cfg, struct ruleset **out,
			   struct rules_load_summary *summary)
{
	struct ruleset_options opts = {
		.classification_file = cfg->rules.classification,
		.cache_dir = cfg->rules.cache_dir,
		.skip_unsupported = cfg->rules.skip_unsupported,
	};
	struct rules_report report = { 0 };
	struct rule_vars *vars = NULL;
	size_t i;
	int err;

	*out = NULL;
	memset(summary, 0, sizeof(*summary));
	summary->files = cfg->rules.file_count;
	if (!cfg->rules.file_count)
		return 0;
	vars = rule_vars_new();
	if (!vars)
		return -ENOMEM;
	err = config_rule_vars(cfg, set_rule_var, vars);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		goto cleanup;
	}
	err = ruleset_load(out, (const char *const *)cfg->rules.files, cfg->rules.file_count, vars,
			   &opts, &report);
	for (i = 0; i < report.count; i++)
		log_problem(&report.problems[i]);
	if (err) {
		log_error("the payload rules did not load (%zu file%s): %s", cfg->rules.file_count,
			  cfg->rules.file_count == 1 ? "" : "s", strerror(-err));
		goto cleanup;
	}
	summary->loaded = report.loaded;
	summary->skipped = report.skipped;
	summary->no_prefilter = report.no_prefilter;
	summary->cache_hit = report.cache_hit;
	log_info("rules: %zu loaded, %zu skipped, from %zu file%s%s", report.loaded,
		 report.skipped, cfg->rules.file_count, cfg->rules.file_count == 1 ? "" : "s",
		 report.cache_hit ? " (cached database)" : "");
cleanup:
	rules_report_free(&report);
	rule_vars_free(vars);
	return err;
}
