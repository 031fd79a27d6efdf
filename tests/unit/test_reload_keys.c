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

struct reload_row {
	const char *name;
	const char *running, *fresh;
	const char *eve_override;	/* run's -o, or NULL */
	int needs_rules;		/* loads rules/: run from the repository's root */
	int warnings;
	const char *named[4];		/* in the warnings */
};

static const struct reload_row rows[] = {
	{ "start_keys_named",
	  "flow:\n  table-size: 4096\n  idle-timeout: 60\nsampling:\n  snaplen: 256\n"
	  "outputs:\n  eve:\n    path: /tmp/a.json\n",
	  "flow:\n  table-size: 8192\n  idle-timeout: 30\nsampling:\n  snaplen: 128\n"
	  "outputs:\n  eve:\n    path: /tmp/b.json\n",
	  NULL, 0, 4,
	  { "flow.table-size: changed from 4096 to 8192", "flow.idle-timeout: changed from 60 to 30",
	    "sampling.snaplen: changed from 256 to 128", "outputs.eve.path: changed" } },
	/* -o wins over the file's path: changing it changes nothing */
	{ "output_override_not_named", "outputs:\n  eve:\n    path: /tmp/a.json\n",
	  "outputs:\n  eve:\n    path: /tmp/b.json\n", "/tmp/o.json", 0, 0, {} },
	/* the metrics' listening socket is opened at start; the stats interval is applied */
	{ "prometheus_listen_named",
	  "outputs:\n  prometheus:\n    listen: 127.0.0.1:9650\n  stats-interval: 60\n",
	  "outputs:\n  prometheus:\n    listen: 127.0.0.1:9651\n  stats-interval: 5\n",
	  NULL, 0, 1, { "outputs.prometheus: changed" } },
	{ "prometheus_on_named", "{}\n", "outputs:\n  prometheus: {}\n", NULL, 0, 1,
	  { "outputs.prometheus: changed" } },
	/* the Kafka producer is made at start: any of its keys changed is named */
	{ "kafka_properties_named",
	  "outputs:\n  kafka:\n    brokers: [k1:9092]\n",
	  "outputs:\n  kafka:\n    brokers: [k1:9092]\n    properties:\n"
	  "      message.timeout.ms: 1000\n",
	  NULL, 0, 1, { "outputs.kafka: changed" } },
	{ "kafka_same_not_named", "outputs:\n  kafka:\n    brokers: [k1:9092, k2:9092]\n",
	  "outputs:\n  kafka:\n    brokers: [k1:9092, k2:9092]\n", NULL, 0, 0, {} },
	/* the evidence writer is opened at start */
	{ "pcap_named", "outputs:\n  pcap:\n    dir: /tmp/a\n",
	  "outputs:\n  pcap:\n    dir: /tmp/a\n    max-total: 2GiB\n", NULL, 0, 1,
	  { "outputs.pcap: changed" } },
	/* no rules loaded: the variables only reach the policy, which takes them */
	{ "applied_keys_not_named",
	  "management:\n  action: alert\nsampling:\n  one-in: 1000\n"
	  "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.53\n",
	  "management:\n  action: drop\nsampling:\n  one-in: 10\n"
	  "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.54\n",
	  NULL, 0, 0, {} },
	/* the detectors keep their thresholds; what they skip applies at once */
	{ "anomaly_thresholds_named",
	  "anomaly:\n  exclude: [198.18.0.10/32]\n  scan: { ports: 20 }\n",
	  "anomaly:\n  exclude: [198.18.0.11/32]\n  scan: { ports: 30 }\n",
	  NULL, 0, 1, { "anomaly (detectors, thresholds, windows): changed" } },
	{ "anomaly_exclude_not_named", "anomaly:\n  exclude: [198.18.0.10/32]\n",
	  "anomaly:\n  exclude: [198.18.0.11/32]\n", NULL, 0, 0, {} },
	/* a reload reloads the payload rules (issue 10): their keys and the variables
	 * they use are applied, not named */
	{ "rules_keys_applied",
	  "rules:\n  files: [rules/edge-exploits.rules]\n"
	  "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.53\n",
	  "rules:\n  files: [rules/edge-exploits.rules, rules/lotl-linux.rules]\n"
	  "  skip-unsupported: true\n"
	  "vars:\n  address-groups:\n    DNS_SERVERS: 198.18.0.54\n",
	  NULL, 1, 0, {} },
};

static void test_reload_row(struct test_case *t, const struct reload_row *row)
{
	struct ew_config *r, *f;
	struct reload_answer a = {};
	int n, i;

	if (row->needs_rules && access("rules/edge-exploits.rules", R_OK))
		SKIP(t, "run from the repository's root (rules/ not found)");
	r = load(row->running);
	f = load(row->fresh);
	n = r && f ? reload_note_start_keys(r, f, row->eve_override, &a) : -1;
	config_free(r);
	config_free(f);
	CHECK(t, n == row->warnings, "%d warnings, want %d: %s", n, row->warnings, a.text);
	for (i = 0; i < 4 && row->named[i]; i++)
		CHECK(t, strstr(a.text, row->named[i]), "no \"%s\" in: %s", row->named[i], a.text);
}

int main(void)
{
	size_t i;

	test_program = "reload_keys";
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		RUN_ROW(test_reload_row, rows[i].name, &rows[i]);
	return test_summary();
}
