// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "payload/shipped_rules.h"

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
	} else if (config_load_file(path, cfg, &err) < 0) {
		fprintf(stderr, "%s\n", config_error_format(&err, msg, sizeof(msg)));
		return 1;
	}
	/* what the file leaves unsaid about rules: the shipped ones */
	if (shipped_rules_apply(*cfg, 0)) {
		log_error("out of memory");
		config_free(*cfg);
		*cfg = NULL;
		return 1;
	}
	return 0;
}

int cli_check_ifname(const char *ifname, int must_exist)
{
	size_t len = strlen(ifname), i;

	/* first, so that what is echoed below is printable */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)ifname[i];

		/* '/' and ':' as the kernel refuses them; control bytes never reach a log */
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':') {
			log_error("-i: not an interface name: byte %zu is 0x%02x (an interface "
				  "name has no '/', ':', space or control character)", i + 1, c);
			return -EINVAL;
		}
	}
	if (len == 0 || len >= IFNAMSIZ || strcmp(ifname, ".") == 0 ||
	    strcmp(ifname, "..") == 0) {
		log_error("-i: \"%.*s%s\" is not an interface name (1 to %d characters, not . "
			  "or ..)", IFNAMSIZ, ifname, len > IFNAMSIZ ? "..." : "", IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (must_exist && !if_nametoindex(ifname)) {
		log_error("-i: %s: no such interface in this network namespace", ifname);
		return -ENODEV;
	}
	return 0;
}
