/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch status`: a running instance's counters, flow table and top talkers. */
#ifndef EDGEWATCH_STATUS_H
#define EDGEWATCH_STATUS_H

int cmd_status(int argc, char **argv);

#endif /* EDGEWATCH_STATUS_H */
