/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inventory's state file: the table kept across a restart of the daemon (live runs:
 * /run/edgewatch/IFACE.inventory, beside the instance's lock and status socket). Small
 * and versioned: a header (magic, format version, record size, count, CRC-32 of the
 * records) and fixed-size records; written to PATH.tmp, synced and renamed over PATH, so
 * a crash mid-write leaves the previous file whole. A file of another version or record
 * size (another build) or a bad CRC is refused with the reason: the caller starts empty.
 */
#ifndef EDGEWATCH_INVENTORY_PERSIST_H
#define EDGEWATCH_INVENTORY_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "inventory/banner.h"

#define INVENTORY_STATE_VERSION 1
#define INVENTORY_SAVED_CLIENTS 16

/* One service as saved: times on the wall clock (the datapath clock restarts). */
struct inventory_saved {
	uint8_t key[24];		/* inventory.c's struct inventory_key, as bytes */
	int64_t first_rt_ns;
	int64_t last_rt_ns;
	uint64_t flows;
	uint8_t clients[INVENTORY_SAVED_CLIENTS][16];
	uint32_t client_count;
	uint32_t clients_outside;
	uint8_t clients_capped;
	uint8_t any_outside;
	uint8_t mgmt_protected;
	uint8_t pad[5];
	struct banner banner;
};

/* n records to path, atomically. 0 or -errno (why: "PATH: reason"). */
int inventory_state_write(const char *path, const struct inventory_saved *recs, size_t n,
			  char *why, size_t why_len);
/*
 * The records of path (*recs malloc'd, the caller frees). 0; -ENOENT when there is no
 * file (a first start: not an error); another -errno with why ("PATH: reason").
 */
int inventory_state_read(const char *path, struct inventory_saved **recs, size_t *n, char *why,
			 size_t why_len);

#endif /* EDGEWATCH_INVENTORY_PERSIST_H */
