/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers every subcommand parses its options with, so values mean the same everywhere. */
#ifndef EDGEWATCH_CLI_H
#define EDGEWATCH_CLI_H

#include <stdint.h>
#include "engine.h"

/* "30", "30s", "5m", "2h" -> ns. 0 or -EINVAL (the error is logged, naming option). */
int cli_parse_duration(const char *option, const char *text, uint64_t *out_ns);
/* A whole number in [min, max]. 0 or -EINVAL (logged). */
int cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max,
		  uint64_t *out);

/*
 * Read the configuration file (if path is not NULL) into the engine settings. Returns 0,
 * or 1 after printing the error (file, line, column, reason).
 */
int cli_apply_config(const char *path, struct engine_settings *settings);

#endif /* EDGEWATCH_CLI_H */
