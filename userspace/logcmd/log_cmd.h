/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch log keygen KEYFILE` and `edgewatch log verify ...`: sealed EVE files. */
#ifndef EDGEWATCH_LOGCMD_LOG_CMD_H
#define EDGEWATCH_LOGCMD_LOG_CMD_H

int cmd_log(int argc, char **argv);

#endif /* EDGEWATCH_LOGCMD_LOG_CMD_H */
