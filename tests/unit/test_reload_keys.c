// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A reload names every setting it changes that is read only at start (issue 7 item 6),
 * and nothing a reload applies: reload_note_start_keys() over pairs of configurations.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "reload.h"
#include "../support/test.h"

/* Run from the repository's root: rule files are relative to the name's directory. */
static struct ew_config *load(const char *text)
{
	struct ew_config *cfg = NULL;
	struct config_error err;

	if (config_load_buffer("./reload-test.yaml", text, strlen(text), &cfg, &err) < 0)
		return NULL;
	return cfg;
}

/* The warnings a reload from running to fresh gives (with -o eve_override). */
static int diff(const char *running, const char *fresh, const char *eve_override,
		struct reload_answer *a)
{
	struct ew_config *r = load(running), *f = load(fresh);
	int n = -1;

	memset(a, 0, sizeof(*a));
	if (r && f)
		n = reload_note_start_keys(r, f, eve_override, a);
	config_free(r);
	config_free(f);
	return n;
}

static void test_start_keys_named(struct test_case *t)
{
	struct reload_answer a;
	int n = diff("flow:\n  table-size: 4096\n  idle-timeout: 60\nsampling:\n  snaplen: 256\n"
		     "outputs:\n  eve:\n    path: /tmp/a.json\n",
		     "flow:\n  table-size: 8192\n  idle-timeout: 30\nsampling:\n  snaplen: 128\n"
		     "outputs:\n  eve:\n    path: /tmp/b.json\n",
		     NULL, &a);

	CHECK(t, n == 4, "%d warnings: %s", n, a.text);
	CHECK(t, strstr(a.text, "flow.table-size: changed from 4096 to 8192"), "%s", a.text);
	CHECK(t, strstr(a.text, "flow.idle-timeout: changed from 60 to 30"), "%s", a.text);
	CHECK(t, strstr(a.text, "sampling.snaplen: changed from 256 to 128"), "%s", a.text);
	CHECK(t, strstr(a.text, "outputs.eve.path: changed"), "%s", a.text);
}

static void test_output_override_not_named(struct test_case *t)
{
	struct reload_answer a;
	int n = diff("outputs:\n  eve:\n    path: /tmp/a.json\n",
		     "outputs:\n  eve:\n    path: /tmp/b.json\n", "/tmp/o.json", &a);

	CHECK(t, n == 0, "-o wins over the file's path, yet: %s", a.text);
}

static void test_applied_keys_not_named(struct test_case *t)
{
	struct reload_answer a;
	int n = diff("management:\n  action: alert\nsampling:\n  one-in: 1000\n"
		     "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.53\n",
		     "management:\n  action: drop\nsampling:\n  one-in: 10\n"
		     "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.54\n",
		     NULL, &a);

	/* no rules loaded: the variables only reach the policy, which takes them */
	CHECK(t, n == 0, "a reload applies these, yet: %s", a.text);
}

static void test_rules_keys_named(struct test_case *t)
{
	struct reload_answer a;
	int n;

	if (access("rules/edge-exploits.rules", R_OK))
		SKIP(t, "run from the repository's root (rules/ not found)");
	n = diff("rules:\n  files: [rules/edge-exploits.rules]\n"
		 "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.53\n",
		 "rules:\n  files: [rules/edge-exploits.rules]\n  skip-unsupported: true\n"
		 "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.54\n",
		 NULL, &a);
	CHECK(t, n == 2, "%d warnings: %s", n, a.text);
	CHECK(t, strstr(a.text, "rules.skip-unsupported: changed"), "%s", a.text);
	CHECK(t, strstr(a.text, "vars.address-groups (as the payload rules use them)"), "%s",
	      a.text);
}

int main(void)
{
	test_program = "reload_keys";
	RUN(test_start_keys_named);
	RUN(test_output_override_not_named);
	RUN(test_applied_keys_not_named);
	RUN(test_rules_keys_named);
	return test_summary();
}
