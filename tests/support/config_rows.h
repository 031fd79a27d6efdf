/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Config tests as tables of bad sections (test_config_syslog.c, test_config_kafka.c):
 * a section's YAML from memory as "edgewatch.yaml", and a row's exact error message.
 */
#ifndef EDGEWATCH_TEST_CONFIG_ROWS_H
#define EDGEWATCH_TEST_CONFIG_ROWS_H

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "test.h"

/* The config of yaml, or NULL with the formatted error in message. */
static inline struct ew_config *config_rows_load(const char *yaml, char *message,
						 size_t message_len)
{
	struct config_error err;
	struct ew_config *cfg = NULL;

	message[0] = '\0';
	if (config_load_buffer("edgewatch.yaml", yaml, strlen(yaml), &cfg, &err))
		config_error_format(&err, message, message_len);
	return cfg;
}

struct config_error_row {
	const char *name;
	const char *yaml;	/* the section's lines after "outputs:\n  SECTION:\n" */
	const char *expected;
};

/* outputs.SECTION with row's lines is refused with exactly row's message. */
static inline void config_rows_check(struct test_case *t, const char *section,
				     const struct config_error_row *row)
{
	char yaml[512], message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg;

	snprintf(yaml, sizeof(yaml), "outputs:\n  %s:\n%s", section, row->yaml);
	cfg = config_rows_load(yaml, message, sizeof(message));
	config_free(cfg);
	CHECK(t, !cfg, "accepted");
	CHECK(t, !strcmp(message, row->expected), "\n got: %s\nwant: %s", message, row->expected);
}

#endif /* EDGEWATCH_TEST_CONFIG_ROWS_H */
