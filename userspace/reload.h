/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch reload`: ask a running instance to read its configuration again. */
#ifndef EDGEWATCH_RELOAD_H
#define EDGEWATCH_RELOAD_H

int cmd_reload(int argc, char **argv);

#endif /* EDGEWATCH_RELOAD_H */
