// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.pcap: the defaults, every key, and every bad value's exact message with line
 * and column (dir missing, sizes out of range, a budget smaller than one file).
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "../support/config_rows.h"
#include "../support/test.h"

static void test_pcap_defaults(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg =
		config_rows_load("outputs:\n  pcap:\n    dir: /var/log/ew\n", message, sizeof(message));

	CHECK(t, cfg, "refused: %s", message);
	EXPECT(t, !strcmp(cfg->outputs.pcap.dir, "/var/log/ew") &&
			  cfg->outputs.pcap.max_file_size == 64ULL << 20 &&
			  cfg->outputs.pcap.max_total == 1ULL << 30,
	       "defaults: %s %llu %llu", cfg->outputs.pcap.dir,
	       (unsigned long long)cfg->outputs.pcap.max_file_size,
	       (unsigned long long)cfg->outputs.pcap.max_total);
	config_free(cfg);
	cfg = config_rows_load("{}\n", message, sizeof(message));
	CHECK(t, cfg && !cfg->outputs.pcap.dir, "evidence on without the section");
	config_free(cfg);
}

static void test_pcap_every_key(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = config_rows_load("outputs:\n  pcap:\n    dir: ev\n"
						 "    max-file-size: 4KiB\n    max-total: 16k\n",
						 message, sizeof(message));

	CHECK(t, cfg, "refused: %s", message);
	/* relative to the config file, as every path */
	EXPECT(t, strstr(cfg->outputs.pcap.dir, "ev") && cfg->outputs.pcap.max_file_size == 4096 &&
			  cfg->outputs.pcap.max_total == 16384,
	       "%s %llu %llu", cfg->outputs.pcap.dir,
	       (unsigned long long)cfg->outputs.pcap.max_file_size,
	       (unsigned long long)cfg->outputs.pcap.max_total);
	config_free(cfg);
}

static const struct config_error_row bad_rows[] = {
	{ "dir_missing", "    max-total: 1GiB\n",
	  "edgewatch.yaml:3:5: error: outputs.pcap: dir is missing: where the evidence files go" },
	{ "file_size_small", "    dir: /tmp\n    max-file-size: 100\n", NULL },
	{ "budget_below_file", "    dir: /tmp\n    max-file-size: 1MiB\n    max-total: 64KiB\n",
	  "edgewatch.yaml:3:5: error: outputs.pcap: max-total (65536 bytes) is less than max-file-size "
	  "(1048576 bytes): the budget must hold one whole file" },
	{ "unknown_key", "    dir: /tmp\n    max-files: 3\n", NULL },
};

static void test_pcap_bad(struct test_case *t, const struct config_error_row *row)
{
	char yaml[512], message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg;

	if (row->expected) {
		config_rows_check(t, "pcap", row);
		return;
	}
	/* the shared value readers' words: refused, naming the key's line */
	snprintf(yaml, sizeof(yaml), "outputs:\n  pcap:\n%s", row->yaml);
	cfg = config_rows_load(yaml, message, sizeof(message));
	config_free(cfg);
	CHECK(t, !cfg, "accepted");
	CHECK(t, strstr(message, "edgewatch.yaml:4:") && strstr(message, "outputs.pcap"),
	      "message: %s", message);
}

int main(void)
{
	size_t i;

	test_program = "test_config_pcap";
	RUN(test_pcap_defaults);
	RUN(test_pcap_every_key);
	for (i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++)
		RUN_ROW(test_pcap_bad, bad_rows[i].name, &bad_rows[i]);
	return test_summary();
}
