/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inventory's state file: the table kept across a restart of the daemon (live runs:
 * /run/edgewatch/IFACE.inventory, beside the instance's lock and status socket). Small
 * and versioned: a header (magic, format version, record sizes, counts, CRC-32 of all
 * that follows it), the services' fixed-size records, then the fixed-size records of the
 * TLS / SSH facts of those services that have some; written to PATH.tmp, synced and
 * renamed over PATH, so a crash mid-write leaves the previous file whole. A file of
 * another version or record size (another build) or a bad CRC is refused with the
 * reason: the caller starts empty.
 */
#ifndef EDGEWATCH_INVENTORY_PERSIST_H
#define EDGEWATCH_INVENTORY_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "inventory/banner.h"
#include "inventory/fingerprints.h"

/* 2: the services' handshake facts are kept (1 kept their banners only) */
#define INVENTORY_STATE_VERSION 2
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

/*
 * A service's TLS / SSH facts as saved: fingerprints.h's struct as it is (no pointer in
 * it). A section of their own rather than a part of every record: the facts are about
 * 11 KiB against a service's 1 KiB, and most services (banners) have none.
 */
struct inventory_saved_fingerprints {
	uint32_t service;		/* its service: an index into the file's records */
	uint8_t pad[4];
	struct inventory_fingerprints fp;
};

/* A state file's contents (read: malloc'd, inventory_state_free()). */
struct inventory_state {
	struct inventory_saved *services;
	size_t service_count;
	struct inventory_saved_fingerprints *fingerprints;	/* each service at most once */
	size_t fingerprint_count;
};

/* st to path, atomically. 0 or -errno (why: "PATH: reason"). */
int inventory_state_write(const char *path, const struct inventory_state *st, char *why,
			  size_t why_len);
/*
 * The contents of path into *st (inventory_state_free() after, whatever the result). 0;
 * -ENOENT when there is no file (a first start: not an error); another -errno with why
 * ("PATH: reason"). A fingerprint record naming no service of the file refuses it. The
 * records' strings are as the file holds them: the caller bounds them.
 */
int inventory_state_read(const char *path, struct inventory_state *st, char *why,
			 size_t why_len);
void inventory_state_free(struct inventory_state *st);

#endif /* EDGEWATCH_INVENTORY_PERSIST_H */
