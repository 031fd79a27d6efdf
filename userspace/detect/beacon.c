// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Beaconing across connections (sid 9000501): per (source, destination, port, proto) the
 * last BEACON_RING connections' start times and sizes, scored for regularity
 * (beacon_score.c) once min-connections are in; alerted above anomaly.beacon.score
 * unless the pair looks like a poller or a popular service (peers). Inside one flow
 * (sid 9000502) is beacon_in_flow.c, with the same threshold and peer sets.
 * detect/README.md (## beacon) says why each number is what it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/beacon_internal.h"
#include "detect/beacon_score.h"

#define NS BEACON_NS
#define BEACON_MIN_PERIOD_S 1.0
#define PEER_SLOTS 8	/* distinct regular peers remembered per side (>= any sane peers) */

struct conn {
	uint64_t start_ns;
	uint64_t bytes;
};

/*
 * A pair's first connection. Most pairs are seen once (a client's one visit, a spoofed
 * flood's made-up sources): the ring (~530 bytes) is made only at the second connection,
 * so one-off pairs fill this small tier (~140 bytes an entry with the map's own) and can
 * never push a beaconing pair's history out of the ring tier.
 */
struct pair_seed {
	struct conn first;
};

/*
 * A seed pushed out of the seed tier by newer pairs (max-tracked new pairs arrive
 * between a pair's first two connections: a busy edge makes thousands a minute) leaves
 * a ghost: its first connection in 12 bytes, in a direct-mapped table of
 * GHOST_PER_SEED x max-tracked slots, placed by a hash of the pair and checked by a
 * 32-bit tag of another part of it. A new seed whose ghost is there takes its first
 * connection back, so the pair's second connection still promotes it with both. Without
 * it a beacon whose period is longer than the seed tier's churn started over at every
 * connection and was never scored (tests/unit/test_detect_beacon.c: at max-tracked 256,
 * 256 one-off pairs between its first two connections were enough). A ghost lasts until
 * another evicted seed lands on its slot: it survives k more evictions with probability
 * about e^(-k / slots), so a beacon now survives up to about 4 x max-tracked one-off
 * pairs between its first two connections (78% of the time at 1 x, 37% at 4 x) instead
 * of max-tracked. Memory: 12 bytes a slot (3 MB at the default 65,536), counted in the
 * stats' bytes as slots are used.
 */
#define GHOST_PER_SEED 4

struct seed_ghost {
	uint32_t tag;		/* 0: empty */
	uint32_t start_s;	/* the first connection's start (wall clock seconds) */
	uint32_t bytes;		/* its bytes both ways (at most 4 GB) */
};

struct pair_state {
	struct conn ring[BEACON_RING];
	uint32_t next;		/* where the next connection goes */
	uint32_t held;		/* connections in the ring */
	uint64_t total;		/* connections seen (may exceed the ring) */
};

/* A destination's regular callers, or a source's regular callees, on one port. */
struct peer_key {
	uint8_t side;		/* 0: addr is the destination; 1: the source */
	uint8_t family, proto, pad;
	uint16_t port, pad2;
	uint8_t addr[16];
};

struct peer_state {
	uint32_t hashes[PEER_SLOTS];
	uint32_t count;
};

/* Services whose clients poll by design (NTP, DNS, SNMP, DHCP, mDNS, NetBIOS, SSDP):
 * their regularity says nothing; exclude prefixes to watch them anyway. */
static int polled_service(uint8_t proto, uint16_t port)
{
	switch (port) {
	case 53:
		return 1;
	case 67: case 68: case 123: case 137: case 138: case 161: case 162: case 1900:
	case 5353:
		return proto == 17;
	}
	return 0;
}

static uint32_t addr_hash(const uint8_t *a)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h | 1;	/* 0 marks an empty slot */
}

uint32_t beacon_peer_note(struct beacon *b, const struct pair_key *pk, int side, int add)
{
	struct peer_key k;
	struct peer_state *st;
	uint32_t h, i;
	int created;

	memset(&k, 0, sizeof(k));
	k.side = (uint8_t)side;
	k.family = pk->family;
	k.proto = pk->proto;
	k.port = pk->port;
	memcpy(k.addr, side ? pk->src : pk->dst, 16);
	h = addr_hash(side ? pk->dst : pk->src);
	if (!add) {
		st = lru_map_get(b->peer_sets, &k);
		return st ? st->count : 0;
	}
	st = lru_map_upsert(b->peer_sets, &k, &created, NULL, NULL);
	for (i = 0; i < PEER_SLOTS && st->hashes[i]; i++)
		if (st->hashes[i] == h)
			return st->count;
	if (i < PEER_SLOTS)
		st->hashes[i] = h;
	st->count++;
	return st->count;
}

/* The ghost slot of k and its tag (FNV-1a over the key's bytes: slot from the low
 * half, tag from the high). */
static struct seed_ghost *ghost_of(struct beacon *b, const struct pair_key *k, uint32_t *tag)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	*tag = (uint32_t)(h >> 32) | 1;	/* never 0: an empty slot */
	return &b->ghosts[(uint32_t)h % b->ghost_slots];
}

/* lru_map's eviction hook of the seed tier: the seed leaves its ghost. */
static void seed_evicted(void *ctx, const void *key, void *value)
{
	struct beacon *b = ctx;
	const struct pair_seed *seed = value;
	struct seed_ghost *g;
	uint32_t tag;

	g = ghost_of(b, key, &tag);
	if (!g->tag)
		b->ghosts_used++;
	g->tag = tag;
	g->start_s = (uint32_t)(seed->first.start_ns / NS);
	g->bytes = seed->first.bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)seed->first.bytes;
}

/* A new seed of k: its ghost's first connection into first (1), or none there (0). */
static int ghost_take(struct beacon *b, const struct pair_key *k, struct conn *first)
{
	uint32_t tag;
	struct seed_ghost *g = ghost_of(b, k, &tag);

	if (g->tag != tag)
		return 0;
	first->start_ns = (uint64_t)g->start_s * NS;
	first->bytes = g->bytes;
	g->tag = 0;
	b->ghosts_used--;
	return 1;
}

static int beacon_create(struct detector **out, const struct ew_config *cfg, struct detect *hub)
{
	size_t cap = cfg->anomaly.value[EW_AP_MAX_TRACKED];
	struct beacon *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->base.hub = hub;
	b->min_conns = cfg->anomaly.value[EW_AP_BEACON_MIN_CONNECTIONS];
	if (b->min_conns > BEACON_RING)
		b->min_conns = BEACON_RING;
	b->threshold = cfg->anomaly.value[EW_AP_BEACON_SCORE] / 100.0;
	b->window_ns = (uint64_t)cfg->anomaly.value[EW_AP_BEACON_WINDOW] * NS;
	b->peers = cfg->anomaly.value[EW_AP_BEACON_PEERS];
	err = lru_map_new(&b->pairs, cap, sizeof(struct pair_key), sizeof(struct pair_state));
	if (!err)
		err = lru_map_new(&b->seeds, cap, sizeof(struct pair_key), sizeof(struct pair_seed));
	if (!err)
		err = lru_map_new(&b->peer_sets, cap, sizeof(struct peer_key),
				  sizeof(struct peer_state));
	if (!err) {
		/* calloc: pages are touched only as seeds are evicted onto them */
		b->ghost_slots = cap * GHOST_PER_SEED;
		b->ghosts = calloc(b->ghost_slots, sizeof(*b->ghosts));
		if (!b->ghosts)
			err = -ENOMEM;
	}
	if (!err)
		err = beacon_in_flow_new(b, cfg);
	if (err) {
		free(b->ghosts);
		lru_map_free(b->pairs);
		lru_map_free(b->seeds);
		lru_map_free(b->peer_sets);
		free(b);
		return err;
	}
	*out = &b->base;
	return 0;
}

static void beacon_alert(struct beacon *b, const struct detect_flow *f, const struct pair_key *k,
			 const struct pair_state *st, const struct beacon_score *s)
{
	struct anomaly_number numbers[] = {
		{ "connections", (double)st->total, 1 },
		{ "scored", (double)st->held, 1 },
		{ "interval_s", s->interval_s, 0 },
		{ "interval_mad_s", s->interval_mad_s, 0 },
		{ "missed", (double)s->folded, 1 },
		{ "bytes_median", s->size_median, 1 },
	};
	struct anomaly_number parts[] = {
		{ "ts_skew", s->ts_skew, 0 },
		{ "ts_madm", s->ts_madm, 0 },
		{ "ds_skew", s->ds_skew, 0 },
		{ "ds_madm", s->ds_madm, 0 },
		{ "count", s->count, 0 },
	};
	struct anomaly_report r = {
		.sid = 9000501,
		.flow = f,
		.to_server = 1,
		.family = k->family,
		.source = k->src,
		.target = k->dst,
		.port = k->port,
		.proto = k->proto,
		.ts_ns = f->start_ns,
		.window_s = b->window_ns / NS,
		.numbers = numbers,
		.number_count = sizeof(numbers) / sizeof(numbers[0]),
		.has_score = 1,
		.score = s->score,
		.score_parts = parts,
		.score_part_count = sizeof(parts) / sizeof(parts[0]),
	};

	detect_report(b->base.hub, &r);
}

static void beacon_flow(struct detector *d, const struct detect_flow *f)
{
	struct beacon *b = (struct beacon *)d;
	double start_s[BEACON_RING], size[BEACON_RING];
	struct beacon_score s;
	struct pair_state *st;
	struct pair_key k;
	uint64_t newest = 0;
	uint32_t i, n = 0;
	int created, regular_peers;

	if (polled_service(f->proto, f->dport))
		return;
	memset(&k, 0, sizeof(k));
	k.family = f->family;
	k.proto = f->proto;
	k.port = f->dport;
	memcpy(k.src, f->src, 16);
	memcpy(k.dst, f->dst, 16);
	beacon_in_flow_record(b, f, &k);
	/* a connection once: its first record (active-timeout records continue it) */
	if (f->start_ns != f->first_ns)
		return;
	st = lru_map_get(b->pairs, &k);
	if (!st) {
		struct pair_seed *seed = lru_map_upsert(b->seeds, &k, &created, seed_evicted, b);

		/* pushed out by other pairs before: its first connection comes back */
		if (created && ghost_take(b, &k, &seed->first))
			created = 0;
		/* the first connection, or one after the seed's left the window */
		if (created || seed->first.start_ns + b->window_ns < f->first_ns) {
			seed->first.start_ns = f->first_ns;
			seed->first.bytes = f->flow_bytes_fwd + f->flow_bytes_rev;
			return;
		}
		st = lru_map_upsert(b->pairs, &k, &created, NULL, NULL);
		st->ring[0] = seed->first;
		st->next = st->held = 1;
		st->total = 1;
		lru_map_delete(b->seeds, &k);
	}
	st->ring[st->next].start_ns = f->first_ns;
	st->ring[st->next].bytes = f->flow_bytes_fwd + f->flow_bytes_rev;
	st->next = (st->next + 1) % BEACON_RING;
	if (st->held < BEACON_RING)
		st->held++;
	st->total++;
	for (i = 0; i < st->held; i++)
		if (st->ring[i].start_ns > newest)
			newest = st->ring[i].start_ns;
	/* only the window's connections count (times are the flows' own, not arrival) */
	for (i = 0; i < st->held; i++) {
		if (st->ring[i].start_ns + b->window_ns < newest)
			continue;
		/* relative to the newest: seconds in a double keep sub-ms precision */
		start_s[n] = -(double)(newest - st->ring[i].start_ns) / NS;
		size[n] = (double)st->ring[i].bytes;
		n++;
	}
	/* half the history is enough to call a pair regular for the peer counts: a
	 * poller's other pairs are marked before the first reaches min-connections */
	if (n < 3 || n < (b->min_conns + 1) / 2)
		return;
	beacon_score_of(start_s, size, n, &s);
	/* connections under a second apart are a flood, a scan or a retry storm (the flood
	 * and scan detectors' business), not a call-back: a SYN flood at 100/s is "regular" */
	if (s.score < b->threshold || s.interval_s < BEACON_MIN_PERIOD_S)
		return;
	regular_peers = beacon_peer_note(b, &k, 0, 1) >= b->peers;
	regular_peers |= beacon_peer_note(b, &k, 1, 1) >= b->peers;
	if (n < b->min_conns)
		return;
	if (regular_peers) {
		b->suppressed++;
		return;
	}
	beacon_alert(b, f, &k, st, &s);
}

static void beacon_stats(const struct detector *d, struct stats_detector *out)
{
	const struct beacon *b = (const struct beacon *)d;

	out->tracked = out->capacity = out->evicted = out->bytes = 0;
	detect_stats_add_map(out, b->pairs);
	detect_stats_add_map(out, b->seeds);
	detect_stats_add_map(out, b->peer_sets);
	out->bytes += b->ghosts_used * sizeof(struct seed_ghost);
	beacon_in_flow_stats(b, out);
}

static void beacon_tick(struct detector *d, uint64_t now_ns)
{
	beacon_in_flow_due((struct beacon *)d, now_ns, 0);
}

static void beacon_finish(struct detector *d, uint64_t now_ns)
{
	beacon_in_flow_due((struct beacon *)d, now_ns, 1);
}

static void beacon_destroy(struct detector *d)
{
	struct beacon *b = (struct beacon *)d;

	lru_map_free(b->pairs);
	lru_map_free(b->seeds);
	lru_map_free(b->peer_sets);
	free(b->ghosts);
	beacon_in_flow_free(b);
	free(b);
}

const struct detector_ops beacon_detector_ops = {
	.id = EW_DETECTOR_BEACON,
	.create = beacon_create,
	.flow = beacon_flow,
	.tick = beacon_tick,
	.finish = beacon_finish,
	.stats = beacon_stats,
	.destroy = beacon_destroy,
};
