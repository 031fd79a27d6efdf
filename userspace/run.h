/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch run`: the live daemon on an uplink. */
#ifndef EDGEWATCH_RUN_H
#define EDGEWATCH_RUN_H

int cmd_run(int argc, char **argv);

#endif /* EDGEWATCH_RUN_H */
