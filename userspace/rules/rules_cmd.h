/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch rules check`: validate rule files and say what is wrong where. */
#ifndef EDGEWATCH_RULES_CMD_H
#define EDGEWATCH_RULES_CMD_H

/*
 * argv[0] is "rules", argv[1] the subcommand ("check"). Returns the exit code: 0 when every
 * rule loaded, 1 when some did not (or no file could be read), 2 on a usage error.
 */
int cmd_rules(int argc, char **argv);

#endif /* EDGEWATCH_RULES_CMD_H */
