/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch status`: a running instance's counters, flow table and top talkers. */
#ifndef EDGEWATCH_STATUS_H
#define EDGEWATCH_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include "datapath.h"

struct json_object;

int cmd_status(int argc, char **argv);

/* "tcp 198.18.0.2:40000 -> 198.18.0.1:22", initiator first. */
void status_flow_text(const struct flow_key *key, const struct flow_record *rec, char *buf,
		      size_t len);
/* o.a.b.c as an unsigned number (b, c: NULL for fewer levels); 0 when o is NULL or a
 * member is missing. */
uint64_t status_json_u64(struct json_object *o, const char *a, const char *b, const char *c);
/* The running daemon's latest stats event (its status sink), parsed; NULL when there is
 * none. The caller puts it. */
struct json_object *status_daemon_snapshot(const char *ifname);

#endif /* EDGEWATCH_STATUS_H */
