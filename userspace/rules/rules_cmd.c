// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * edgewatch rules check [--skip-unsupported] [--var NAME=VALUE]... [--classification FILE]
 *                       [FILE...]
 * Loads the rules exactly as the daemon would (parse, classify, compile the Hyperscan
 * database) and prints every problem as FILE:LINE:COL: error|skipped: KEYWORD: REASON.
 */
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/rules_cmd.h"

#define DEFAULT_RULES_GLOB "rules/*.rules"

static void print_usage(FILE *out)
{
	fprintf(out,
		"USAGE\n"
		"  edgewatch rules check [--skip-unsupported] [--var NAME=VALUE]...\n"
		"                        [--classification FILE] [FILE...]\n"
		"\n"
		"Load rule files (default: " DEFAULT_RULES_GLOB ") as the daemon would: parse every\n"
		"rule of the supported Suricata subset (userspace/rules/README.md), resolve the\n"
		"variables, check classtypes, compile the Hyperscan database. Every problem is\n"
		"printed as FILE:LINE:COL: error: KEYWORD: REASON (or skipped:), then a summary.\n"
		"\n"
		"OPTIONS\n"
		"  --skip-unsupported     load the rules that are fine, report the others as skipped\n"
		"  --var NAME=VALUE       set a variable; NAME ending in _PORT or _PORTS is a port\n"
		"                         variable, any other an address variable (defaults are\n"
		"                         Suricata's: HOME_NET=[192.168.0.0/16,10.0.0.0/8,\n"
		"                         172.16.0.0/12], EXTERNAL_NET=!$HOME_NET, HTTP_PORTS=80...)\n"
		"  --classification FILE  classification.config (default: rules/classification.config)\n"
		"  -h, --help             this help\n"
		"\n"
		"EXIT STATUS\n"
		"  0 every rule loaded; 1 a rule or file had a problem; 2 usage error\n"
		"\n"
		"EXAMPLES\n"
		"  edgewatch rules check\n"
		"  edgewatch rules check --var 'HOME_NET=[198.18.0.0/15,2001:db8::/32]' local.rules\n"
		"  edgewatch rules check --skip-unsupported emerging-all.rules\n");
}

static int is_port_var(const char *name, size_t len)
{
	return (len >= 5 && !strncmp(name + len - 5, "_PORT", 5)) ||
	       (len >= 6 && !strncmp(name + len - 6, "_PORTS", 6));
}

static int apply_var(struct rule_vars *vars, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *why = NULL;
	char name[128];
	int err;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
		fprintf(stderr, "rules check: --var expects NAME=VALUE, got '%s'\n", arg);
		return -1;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	err = is_port_var(name, strlen(name)) ? rule_vars_set_port(vars, name, eq + 1, &why) :
						rule_vars_set_address(vars, name, eq + 1, &why);
	if (err) {
		fprintf(stderr, "rules check: --var %s: %s\n", name, why ? why : "invalid");
		return -1;
	}
	return 0;
}

static void print_problem(const struct rules_problem *problem)
{
	const char *kind = problem->skipped ? "skipped" : "error";

	if (problem->file[0] && problem->line > 0)
		fprintf(stderr, "%s:%d:%d: ", problem->file, problem->line, problem->column);
	else if (problem->file[0])
		fprintf(stderr, "%s: ", problem->file);
	if (problem->keyword[0])
		fprintf(stderr, "%s: %s: %s\n", kind, problem->keyword, problem->message);
	else
		fprintf(stderr, "%s: %s\n", kind, problem->message);
}

static int run_check(const char *const *files, size_t file_count, const struct rule_vars *vars,
		     const struct ruleset_options *opts)
{
	struct rules_report report = { 0 };
	struct ruleset *rs = NULL;
	size_t i, errors = 0;
	int err, status;

	err = ruleset_load(&rs, files, file_count, vars, opts, &report);
	for (i = 0; i < report.count; i++) {
		print_problem(&report.problems[i]);
		errors += !report.problems[i].skipped;
	}
	printf("rules: %zu loaded, %zu skipped, %zu error%s in %zu file%s", report.loaded,
	       report.skipped, errors, errors == 1 ? "" : "s", file_count,
	       file_count == 1 ? "" : "s");
	if (!err && report.no_prefilter)
		printf("; %zu without a Hyperscan prefilter (checked on every sample)",
		       report.no_prefilter);
	printf("\n");
	if (err && !errors)
		fprintf(stderr, "error: loading the rules failed: %s\n", strerror(-err));
	status = err || report.skipped ? 1 : 0;
	ruleset_free(rs);
	rules_report_free(&report);
	return status;
}

static int cmd_rules_check(int argc, char **argv)
{
	static const struct option options[] = {
		{ "skip-unsupported", no_argument, NULL, 's' },
		{ "var", required_argument, NULL, 'v' },
		{ "classification", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ruleset_options opts = { 0 };
	struct rule_vars *vars = rule_vars_new();
	glob_t found = { 0 };
	int opt, status = 2, globbed = 0;

	if (!vars) {
		fprintf(stderr, "rules check: out of memory\n");
		return 1;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			opts.skip_unsupported = 1;
			break;
		case 'v':
			if (apply_var(vars, optarg))
				goto cleanup;
			break;
		case 'c':
			opts.classification_file = optarg;
			break;
		case 'h':
			print_usage(stdout);
			status = 0;
			goto cleanup;
		default:
			print_usage(stderr);
			goto cleanup;
		}
	}
	if (optind == argc) {
		if (glob(DEFAULT_RULES_GLOB, 0, NULL, &found) != 0 || found.gl_pathc == 0) {
			fprintf(stderr, "rules check: no FILE given and %s matches nothing\n",
				DEFAULT_RULES_GLOB);
			status = 1;
			goto cleanup;
		}
		globbed = 1;
		status = run_check((const char *const *)found.gl_pathv, found.gl_pathc, vars, &opts);
	} else {
		status = run_check((const char *const *)argv + optind, (size_t)(argc - optind), vars,
				   &opts);
	}
cleanup:
	if (globbed)
		globfree(&found);
	rule_vars_free(vars);
	return status;
}

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_rules_check(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_usage(stdout);
		return 0;
	}
	if (argc >= 2)
		fprintf(stderr, "rules: unknown subcommand '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
