/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch top`: a running instance, live, in a terminal. */
#ifndef EDGEWATCH_TOP_H
#define EDGEWATCH_TOP_H

int cmd_top(int argc, char **argv);

#endif /* EDGEWATCH_TOP_H */
