/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch inventory EVE_FILE... [--json]`: the edge's services, sorted by risk. */
#ifndef EDGEWATCH_INVENTORY_INVENTORY_CMD_H
#define EDGEWATCH_INVENTORY_INVENTORY_CMD_H

int cmd_inventory(int argc, char **argv);

#endif /* EDGEWATCH_INVENTORY_INVENTORY_CMD_H */
