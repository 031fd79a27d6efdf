/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The passive edge inventory (issue 14): from the payload samples the datapath already
 * takes, the first bytes each server sends are parsed (banner.h) into a service record
 * per (server address, port, protocol, VLAN), flagged from the edge software data
 * (edge_software.h) and the configuration (home-net, management.ports), and written as
 * EVE `inventory` events (new, changed, periodic summary) and, for a service past end of
 * life or with a known-exploited version, a rate-limited EVE alert.
 *
 * The server is the flow's responder: the side that answered the initiator (TCP: the
 * SYN-ACK's sender, or the side that did not send the first SYN; UDP and the others: the
 * side that did not send the flow's first packet). Only servers inside home-net (or on a
 * protected management address) are recorded: the inventory is of the edge's own
 * devices, not of every web site its clients browse. Clients' bytes (User-Agents) are
 * never parsed.
 *
 * Fed from the samples ring buffer's consumer (the main thread), before the payload
 * scanners: the same order live and in replay, no lock. README.md in this directory.
 */
#ifndef EDGEWATCH_INVENTORY_INVENTORY_H
#define EDGEWATCH_INVENTORY_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "datapath.h"
#include "flow_export.h"
#include "output/stats.h"

/* Clients listed per service; more are counted as clients_capped. */
#define INVENTORY_CLIENTS_MAX 16
#define INVENTORY_TABLE_DEFAULT 4096

struct inventory;

/*
 * NULL *out when inventory.enabled is false. 0, or -errno (logged: the data file named
 * by inventory.software-file has a bad line, FILE:LINE: why).
 */
int inventory_new(struct inventory **out, const struct ew_config *cfg,
		  const struct flow_exporter *exporter);
void inventory_free(struct inventory *inv);	/* NULL-safe; inventory_finish() first */

/*
 * A reload (SIGHUP): cfg replaces the configuration the inventory reads (home-net,
 * management.ports, the summary and alert intervals follow it; the table size and the
 * data file are read at start). The caller frees the old one next. NULL-safe.
 */
void inventory_reconfigure(struct inventory *inv, const struct ew_config *cfg);

/* One record from the samples ring buffer (validated by the caller). NULL-safe. */
void inventory_on_sample(struct inventory *inv, const struct sample_header *hdr,
			 const uint8_t *payload);
/* The sweeper's tick (datapath clock): the periodic summary when it is due. NULL-safe. */
void inventory_tick(struct inventory *inv, uint64_t now_ns);
/* The end of the run: held alerts written with their suppressed counts. NULL-safe. */
void inventory_finish(struct inventory *inv);
/*
 * The table now, one EVE inventory line per service (change "current"), into fd: what
 * `edgewatch inventory -i IFACE` renders (status_socket.h). Main thread. 0 or -errno.
 */
int inventory_dump(struct inventory *inv, int fd);
/*
 * Keep the table in the state file path (inventory/persist.h) across restarts: load it
 * now (first_seen kept, the TLS / SSH facts as they were seen; flags judged afresh from
 * them, the data file and the configuration), save it every 60 s of the tick and at
 * inventory_finish(). A file that cannot be read is an error naming it and why: the table
 * starts empty (counted: stats.inventory.state_errors). 0 or -errno; NULL-safe.
 */
int inventory_persist(struct inventory *inv, const char *path);
/* Save the table now (atomic). 0 or -errno (logged once, counted). */
int inventory_save(struct inventory *inv);
/* The stats event's part. */
void inventory_stats(struct inventory *inv, struct stats_inventory *s);

#endif /* EDGEWATCH_INVENTORY_INVENTORY_H */
