// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli_parse_u64(const char *option, const char *text, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		log_error("%s: \"%s\" is not a whole number from %llu to %llu", option, text,
			  (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cli_parse_duration(const char *option, const char *text, uint64_t *out_ns)
{
	char *end;
	unsigned long long v;
	uint64_t unit = 1;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (!errno && end != text && text[0] != '-') {
		if (*end == '\0' || strcmp(end, "s") == 0)
			unit = 1;
		else if (strcmp(end, "m") == 0)
			unit = 60;
		else if (strcmp(end, "h") == 0)
			unit = 3600;
		else
			unit = 0;
		if (unit && v <= UINT64_MAX / 1000000000ULL / unit) {
			*out_ns = v * unit * 1000000000ULL;
			return 0;
		}
	}
	log_error("%s: \"%s\" is not a duration (seconds, or a number with s, m or h)", option,
		  text);
	return -EINVAL;
}

int cli_apply_config(const char *path, struct engine_settings *settings)
{
	(void)settings;
	if (!path)
		return 0;
	log_error("-c %s: configuration files are read once the config module lands; "
		  "run without -c for the defaults", path);
	return 1;
}
