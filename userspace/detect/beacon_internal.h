/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The beacon detector's two halves share this: across connections (beacon.c, sid
 * 9000501) and inside one flow (beacon_in_flow.c, sid 9000502) score different things
 * but share the threshold and the peer sets (a poller's or a popular service's regular
 * pairs, whichever way they were found regular).
 */
#ifndef EDGEWATCH_DETECT_BEACON_INTERNAL_H
#define EDGEWATCH_DETECT_BEACON_INTERNAL_H

#include <stdint.h>

#include "detect/detector.h"
#include "detect/lru_map.h"

#define BEACON_NS 1000000000ull

struct pair_key {
	uint8_t family, proto;
	uint16_t port;
	uint8_t src[16], dst[16];
};

struct beacon_in_flow;

struct beacon {
	struct detector base;
	uint32_t min_conns, peers;
	double threshold;
	uint64_t window_ns;
	struct lru_map *pairs;		/* pair_key -> pair_state (the ring), from 2 connections */
	struct lru_map *seeds;		/* pair_key -> pair_seed: a pair's first connection */
	struct lru_map *peer_sets;
	struct seed_ghost *ghosts;	/* seeds pushed out by other pairs (beacon.c) */
	size_t ghost_slots;
	uint64_t ghosts_used;		/* slots written at least once (for the bytes) */
	uint64_t suppressed;	/* regular but a poller's or a popular service's */
	struct beacon_in_flow *in_flow;
};

/* Note k as regular on its destination's side (0) or its source's (1) when add, and
 * return the number of distinct regular peers there. */
uint32_t beacon_peer_note(struct beacon *b, const struct pair_key *k, int side, int add);

/* Inside one flow (beacon_in_flow.c). */
int beacon_in_flow_new(struct beacon *b, const struct ew_config *cfg);
void beacon_in_flow_free(struct beacon *b);		/* NULL-safe */
void beacon_in_flow_record(struct beacon *b, const struct detect_flow *f,
			   const struct pair_key *k);
/* Judge the held records that are due at now_ns (every one when all). */
void beacon_in_flow_due(struct beacon *b, uint64_t now_ns, int all);
/* Adds the held records to out. */
void beacon_in_flow_stats(const struct beacon *b, struct stats_detector *out);

#endif /* EDGEWATCH_DETECT_BEACON_INTERNAL_H */
