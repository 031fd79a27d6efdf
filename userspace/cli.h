/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers the subcommands share, so an option means the same everywhere. */
#ifndef EDGEWATCH_CLI_H
#define EDGEWATCH_CLI_H

#include <stdint.h>
#include "config/config.h"

/* "30", "30s", "5m", "2h", "1d" -> ns (the config's duration syntax). 0 or -EINVAL, logged
 * naming the option. */
int cli_parse_duration(const char *option, const char *text, uint64_t *out_ns);

/*
 * Load the configuration file path, or the defaults when path is NULL, with what it
 * leaves unsaid about rules filled in by the shipped rules (payload/shipped_rules.h).
 * Returns 0 and *cfg (config_free() it), or 1 after printing the error (file, line,
 * column, reason).
 */
int cli_load_config(const char *path, struct ew_config **cfg);

/*
 * Check an interface name given with -i before it is used anywhere, in particular in a
 * path (the lock file, the pin directory): the kernel's own rule (dev_valid_name: 1 to
 * IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or whitespace), plus printable ASCII.
 * With must_exist, the interface must also exist in this network namespace (run);
 * status and reload name an instance that may run in another one. 0, or -EINVAL /
 * -ENODEV after logging why, naming the option.
 */
int cli_check_ifname(const char *ifname, int must_exist);

#endif /* EDGEWATCH_CLI_H */
