// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "payload/rules_config.h"

/* Append one line to why (a reload's answer), as much as fits. */
static void why_append(char *why, size_t why_len, const char *line)
{
	size_t used;

	if (!why || !why_len)
		return;
	used = strlen(why);
	if (used + 1 < why_len)
		snprintf(why + used, why_len - used, "%s%s", used ? "\n" : "", line);
}

/* Where the variables go, and where a refusal is told (why: a reload's answer). */
struct vars_target {
	struct rule_vars *vars;
	char *why;
	size_t why_len;
};

/* One variable from the config into the rules module; its refusal names the config line. */
static int set_rule_var(const struct config_rule_var *var, void *user)
{
	struct vars_target *target = user;
	const char *why = "invalid value";
	char line[600];
	int err;

	err = var->is_port ? rule_vars_set_port(target->vars, var->name, var->value, &why)
			   : rule_vars_set_address(target->vars, var->name, var->value, &why);
	if (!err)
		return 0;
	if (var->where)
		snprintf(line, sizeof(line), "%s:%d:%d: rule variable %s: %s", var->where->file,
			 var->where->line, var->where->column, var->name, why);
	else
		snprintf(line, sizeof(line), "rule variable %s (default \"%s\"): %s", var->name,
			 var->value, why);
	log_error("%s", line);
	why_append(target->why, target->why_len, line);
	return err;
}

static void log_problem(const struct rules_problem *problem, char *why, size_t why_len)
{
	char where[300] = "", line[700];

	if (problem->file[0] && problem->line > 0)
		snprintf(where, sizeof(where), "%s:%d:%d: ", problem->file, problem->line,
			 problem->column);
	else if (problem->file[0])
		snprintf(where, sizeof(where), "%s: ", problem->file);
	snprintf(line, sizeof(line), "%s%s%s%s%s", where, problem->skipped ? "skipped: " : "",
		 problem->keyword, problem->keyword[0] ? ": " : "", problem->message);
	/* the logger says "error:" or "warning:" first; a skipped rule says so too */
	log_msg(problem->skipped ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR, "%s", line);
	if (!problem->skipped)
		why_append(why, why_len, line);
}

int rules_load_from_config(const struct ew_config *cfg, struct ruleset **out,
			   struct rules_load_summary *summary, char *why, size_t why_len)
{
	struct ruleset_options opts = {
		.classification_file = cfg->rules.classification,
		.cache_dir = cfg->rules.cache_dir,
		.skip_unsupported = cfg->rules.skip_unsupported,
	};
	struct rules_report report = { 0 };
	struct vars_target target = { .why = why, .why_len = why_len };
	struct rule_vars *vars = NULL;
	char line[160];
	size_t i;
	int err;

	*out = NULL;
	if (why && why_len)
		why[0] = '\0';
	memset(summary, 0, sizeof(*summary));
	summary->files = cfg->rules.file_count;
	if (!cfg->rules.file_count)
		return 0;
	vars = rule_vars_new();
	if (!vars)
		return -ENOMEM;
	target.vars = vars;
	err = config_rule_vars(cfg, set_rule_var, &target);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		goto cleanup;
	}
	err = ruleset_load(out, (const char *const *)cfg->rules.files, cfg->rules.file_count, vars,
			   &opts, &report);
	for (i = 0; i < report.count; i++)
		log_problem(&report.problems[i], why, why_len);
	if (err) {
		snprintf(line, sizeof(line), "the payload rules did not load (%zu file%s): %s",
			 cfg->rules.file_count, cfg->rules.file_count == 1 ? "" : "s",
			 strerror(-err));
		log_error("%s", line);
		why_append(why, why_len, line);
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
