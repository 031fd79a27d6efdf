// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli_parse_duration(const char *option, const char *text, uint64_t *out_ns)
{
	uint64_t seconds;

	if (config_parse_duration(text, strlen(text), &seconds) ||
	    seconds > UINT64_MAX / 1000000000ULL) {
		log_error("%s: \"%s\" is not a duration (seconds, or a number with s, m, h or d)",
			  option, text);
		return -EINVAL;
	}
	*out_ns = seconds * 1000000000ULL;
	return 0;
}

int cli_load_config(const char *path, struct ew_config **cfg)
{
	struct config_error err;
	char msg[CONFIG_ERROR_STRLEN];

	if (!path) {
		*cfg = config_defaults();
		if (!*cfg) {
			log_error("out of memory");
			return 1;
		}
		return 0;
	}
	if (config_load_file(path, cfg, &err) < 0) {
		fprintf(stderr, "%s\n", config_error_format(&err, msg, sizeof(msg)));
		return 1;
	}
	return 0;
}
