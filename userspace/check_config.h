/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch check-config`: validate a config file without touching the kernel. */
#ifndef EDGEWATCH_CHECK_CONFIG_H
#define EDGEWATCH_CHECK_CONFIG_H

/*
 * argv[0] is the subcommand ("check-config"); options and FILE follow. Returns the exit
 * code: 0 valid (summary on stdout), 1 invalid (the formatted error on stderr), 2 usage.
 */
int cmd_check_config(int argc, char **argv);

#endif /* EDGEWATCH_CHECK_CONFIG_H */
