/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every entry of a (pinned) flow table, read in batches: `status` and `top`. */
#ifndef EDGEWATCH_FLOW_TABLE_SCAN_H
#define EDGEWATCH_FLOW_TABLE_SCAN_H

#include <stdint.h>
#include "datapath.h"

typedef void (*flow_table_visit_fn)(void *ctx, const struct flow_key *key,
				    const struct flow_record *rec);

/* Call visit for every entry of the flows map fd; *max_entries its size (0: unknown).
 * 0 or -errno. Entries that change while it reads are seen as they were or are. */
int flow_table_scan(int fd, flow_table_visit_fn visit, void *ctx, uint32_t *max_entries);

#endif /* EDGEWATCH_FLOW_TABLE_SCAN_H */
