// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule variables from the config, the summary, and `edgewatch check-config`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "check_config.h"
#include "rules/rules.h"
#include "../support/test.h"

struct emitted {
	char text[1024];	/* "NAME=value(port|address)@line;" for each variable */
	size_t len;
	int stop_after;		/* return 7 from this call on (0: never) */
	int calls;
};

static int record_var(const struct config_rule_var *var, void *user)
{
	struct emitted *out = user;

	out->len += (size_t)snprintf(out->text + out->len, sizeof(out->text) - out->len,
				     "%s=%s(%s)@%d;", var->name, var->value,
				     var->is_port ? "port" : "address",
				     var->where ? var->where->line : 0);
	out->calls++;
	return out->stop_after && out->calls >= out->stop_after ? 7 : 0;
}

static struct ew_config *load_text(struct test_case *t, const char *yaml)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	if (config_load_buffer("test.yaml", yaml, strlen(yaml), &cfg, &err))
		test_fail(t, __FILE__, __LINE__, "%s",
			  config_error_format(&err, message, sizeof(message)));
	return cfg;
}

static const char vars_yaml[] = "home-net: [198.18.0.0/15, 2001:db8::/32]\n"
				"vars:\n"
				"  address-groups:\n"
				"    DNS_SERVERS: \"[198.18.0.53]\"\n"
				"  port-groups:\n"
				"    HTTP_PORTS: \"[80,8080]\"\n"
				"    SSH_PORTS: 22\n";

static void test_rule_vars(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, vars_yaml);
	struct emitted out = {};
	int ret;

	CHECK(t, cfg, "load");
	ret = config_rule_vars(cfg, record_var, &out);
	config_free(cfg);
	CHECK(t, ret == 0, "config_rule_vars: %d", ret);
	CHECK(t, !strcmp(out.text, "HOME_NET=[198.18.0.0/15,2001:db8::/32](address)@1;"
				   "EXTERNAL_NET=!$HOME_NET(address)@0;"
				   "DNS_SERVERS=[198.18.0.53](address)@4;"
				   "HTTP_PORTS=[80,8080](port)@6;"
				   "SSH_PORTS=22(port)@7;"),
	      "got %s", out.text);
}

static void test_rule_vars_defaults(struct test_case *t)
{
	struct ew_config *cfg = config_defaults();
	struct emitted out = {};

	CHECK(t, cfg, "defaults");
	EXPECT(t, config_rule_vars(cfg, record_var, &out) == 0, "config_rule_vars");
	config_free(cfg);
	CHECK(t, !strcmp(out.text, "HOME_NET=[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12,fc00::/7]"
				   "(address)@0;EXTERNAL_NET=!$HOME_NET(address)@0;"),
	      "got %s", out.text);
}

static void test_rule_vars_external_net(struct test_case *t)
{
	struct ew_config *any = load_text(t, "external-net: any\n");
	struct ew_config *list = load_text(t, "home-net: [10.0.0.0/8]\n"
					      "external-net: [0.0.0.0/1, \"::1\"]\n");
	struct emitted out_any = {}, out_list = {};

	EXPECT(t, any && config_rule_vars(any, record_var, &out_any) == 0, "any");
	EXPECT(t, list && config_rule_vars(list, record_var, &out_list) == 0, "list");
	config_free(any);
	config_free(list);
	CHECK(t, strstr(out_any.text, "EXTERNAL_NET=any(address)@1;"), "got %s", out_any.text);
	CHECK(t, !strcmp(out_list.text, "HOME_NET=[10.0.0.0/8](address)@1;"
					"EXTERNAL_NET=[0.0.0.0/1,::1](address)@2;"),
	      "got %s", out_list.text);
}

/* A callback's nonzero return stops the walk and comes back. */
static void test_rule_vars_stop(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, vars_yaml);
	struct emitted out = { .stop_after = 3 };
	int ret;

	CHECK(t, cfg, "load");
	ret = config_rule_vars(cfg, record_var, &out);
	config_free(cfg);
	CHECK(t, ret == 7 && out.calls == 3, "ret %d after %d calls", ret, out.calls);
}

static int set_rule_var(const struct config_rule_var *var, void *user)
{
	const char *why = NULL;
	int ret;

	ret = var->is_port ? rule_vars_set_port(user, var->name, var->value, &why)
			   : rule_vars_set_address(user, var->name, var->value, &why);
	if (ret)
		fprintf(stderr, "%s=%s: %s\n", var->name, var->value, why ? why : "?");
	return ret;
}

/* What the config produces, the rules module accepts. */
static void test_rule_vars_accepted_by_rules(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, "home-net: [198.18.0.0/15, \"2001:db8::/32\"]\n"
					     "external-net: [0.0.0.0/0]\n"
					     "vars:\n"
					     "  address-groups:\n    DNS: \"[198.18.0.53]\"\n"
					     "  port-groups:\n    WEB: \"[80,8080]\"\n");
	struct ew_config *defaults = config_defaults();
	struct rule_vars *vars = rule_vars_new();
	int ret = -1, ret_defaults = -1;

	if (cfg && vars)
		ret = config_rule_vars(cfg, set_rule_var, vars);
	if (defaults && vars)
		ret_defaults = config_rule_vars(defaults, set_rule_var, vars);
	rule_vars_free(vars);
	config_free(cfg);
	config_free(defaults);
	CHECK(t, ret == 0, "rules refused a config variable: %d", ret);
	CHECK(t, ret_defaults == 0, "rules refused a default variable: %d", ret_defaults);
}

static void test_print_summary(struct test_case *t)
{
	struct ew_config *cfg = load_text(
		t, "home-net: [198.18.0.0/15]\n"
		   "management:\n  action: drop\n  addresses: [198.18.0.1]\n"
		   "  ports: [ssh, snmp, tcp/8000-8100, tcp/9000, udp/9000]\n"
		   "  allow:\n    - from: [198.18.10.0/24]\n  alert-rate-limit: 0\n"
		   "egress:\n  allow:\n    - ports: [udp/53]\n"
		   "sampling: {one-in: 0, first-packets: 1}\n"
		   "rules:\n  files: [tests/config/rules/*.rules]\n  skip-unsupported: true\n");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(t, cfg && out, "load");
	config_print_summary(cfg, out);
	fclose(out);
	config_free(cfg);
	EXPECT(t, !strcmp(text,
			  "test.yaml: valid\n"
			  "  home-net:     198.18.0.0/15\n"
			  "  external-net: !$HOME_NET\n"
			  "  management:   drop (enforcing); addresses: 198.18.0.1\n"
			  "                5 ports (tcp/22, udp/161, tcp/8000-8100, tcp/9000, ... "
			  "(1 more)); 1 allow entry; every attempt alerts\n"
			  "  egress:       monitored, 1 allow entry\n"
			  "  flow:         262144 slots; timeouts idle 60s, active 1800s, "
			  "tcp-closed 5s; sweep every 1s\n"
			  "  sampling:     first 1 payload packet per direction, 32 of a flagged "
			  "flow, none after that; snaplen 1500; TCP stream window 4096 bytes (512 "
			  "segments) per direction\n"
			  "  rules:        tests/config/rules/a.rules, tests/config/rules/b.rules\n"
			  "                classification (default); cache off; "
			  "skip-unsupported yes\n"
			  "  outputs:      eve to stdout; stats every 60s\n"
			  "  run:          as user edgewatch (default)\n"),
	       "got:\n%s", text);
	free(text);
}

/* Run cmd_check_config with stdout and stderr captured; returns its exit code. */
static int run_cmd(int argc, char **argv, char **out, char **err)
{
	char out_path[] = "/tmp/edgewatch-out-XXXXXX", err_path[] = "/tmp/edgewatch-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	FILE *in;
	size_t len;
	int code;

	fflush(stdout);
	fflush(stderr);
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	code = cmd_check_config(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(out_fd);
	close(err_fd);
	*out = NULL;
	*err = NULL;
	len = 0;
	in = fopen(out_path, "r");
	if (in && getdelim(out, &len, '\0', in) < 0) {
		free(*out);	/* getdelim allocates even when the file is empty */
		*out = strdup("");
	}
	if (in)
		fclose(in);
	len = 0;
	in = fopen(err_path, "r");
	if (in && getdelim(err, &len, '\0', in) < 0) {
		free(*err);
		*err = strdup("");
	}
	if (in)
		fclose(in);
	unlink(out_path);
	unlink(err_path);
	return code;
}

struct cmd_row {
	const char *name;
	const char *args[4];
	int code;
	const char *stdout_starts;	/* NULL: stdout empty */
	const char *stderr_starts;	/* NULL: stderr empty */
};

static const struct cmd_row cmd_rows[] = {
	{ "cmd_valid", { "tests/config/minimal.yaml" }, 0, "tests/config/minimal.yaml: valid\n",
	  NULL },
	{ "cmd_quiet", { "-q", "tests/config/minimal.yaml" }, 0, NULL, NULL },
	{ "cmd_invalid", { "tests/config/bad_cidr.yaml" }, 1, NULL,
	  "tests/config/bad_cidr.yaml:7:30: error: management.allow[1].from[1]: "
	  "\"198.18.10.0/33\" is not a valid CIDR (prefix length 33 > 32)\n" },
	{ "cmd_bad_rule_var", { "tests/config/bad_var.yaml" }, 1, NULL,
	  "tests/config/bad_var.yaml:4:17: error: vars.port-groups.HTTP_PORTS: " },
	{ "cmd_exponential_vars", { "tests/config/exponential_vars.yaml" }, 1, NULL,
	  "tests/config/exponential_vars.yaml:5:9: error: vars.address-groups.G0: $G0 expands to "
	  "more than 8192 addresses: variables that list each other multiply (limit 8192 "
	  "items)\n" },
	{ "cmd_missing_file", { "tests/config/none.yaml" }, 1, NULL,
	  "tests/config/none.yaml: error: cannot open: No such file or directory\n" },
	{ "cmd_list_ports", { "--list-ports" }, 0, "NAME             PORTS", NULL },
	{ "cmd_list_ports_markdown", { "-l", "--markdown" }, 0, "| name | ports | why |\n", NULL },
	{ "cmd_help", { "--help" }, 0, "Usage: edgewatch check-config [-q] FILE\n", NULL },
	{ "cmd_no_file", { NULL }, 2, NULL, "edgewatch check-config: expected one FILE\n" },
	{ "cmd_two_files", { "a.yaml", "b.yaml" }, 2, NULL,
	  "edgewatch check-config: expected one FILE\n" },
	{ "cmd_list_ports_and_file", { "--list-ports", "a.yaml" }, 2, NULL,
	  "edgewatch check-config: --list-ports takes no FILE\n" },
	{ "cmd_markdown_alone", { "--markdown", "a.yaml" }, 2, NULL,
	  "edgewatch check-config: --markdown goes with --list-ports or --list-anomaly\n" },
	{ "cmd_bad_option", { "--frobnicate" }, 2, NULL, "" },
};

static void test_cmd_row(struct test_case *t, const struct cmd_row *row)
{
	char *argv[6] = { "check-config" }, *out, *err;
	int argc = 1, code;
	size_t i;

	for (i = 0; i < 4 && row->args[i]; i++)
		argv[argc++] = (char *)row->args[i];
	code = run_cmd(argc, argv, &out, &err);
	EXPECT(t, code == row->code, "exit code %d, want %d", code, row->code);
	if (row->stdout_starts)
		EXPECT(t, out && !strncmp(out, row->stdout_starts, strlen(row->stdout_starts)),
		       "stdout: %s", out);
	else
		EXPECT(t, out && !out[0], "stdout not empty: %s", out);
	if (row->stderr_starts)
		EXPECT(t, err && !strncmp(err, row->stderr_starts, strlen(row->stderr_starts)),
		       "stderr: %s", err);
	else
		EXPECT(t, err && !err[0], "stderr not empty: %s", err);
	free(out);
	free(err);
}

int main(void)
{
	size_t i;

	test_program = "test_config_vars";
	RUN(test_rule_vars);
	RUN(test_rule_vars_defaults);
	RUN(test_rule_vars_external_net);
	RUN(test_rule_vars_stop);
	RUN(test_rule_vars_accepted_by_rules);
	RUN(test_print_summary);
	for (i = 0; i < sizeof(cmd_rows) / sizeof(cmd_rows[0]); i++)
		RUN_ROW(test_cmd_row, cmd_rows[i].name, &cmd_rows[i]);
	return test_summary();
}
