/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A replay flow table sized to the capture (issue 11).
 *
 * The sweeper walks every bucket of the flow table (bpf_for_each_map_elem), so a sweep
 * costs the configured table's 262,144 buckets however few flows a capture has; a sparse
 * capture (a day of a few frames a minute) sweeps at nearly every frame and paid
 * ~1.4 ms each time. Replay gives such a capture a table of the size it can fill, and
 * puts what each sweep hands over back into the order the configured table's walk would
 * have produced, so the output stays byte-identical:
 *  - replay's table has a zero hash seed (BPF_F_ZERO_SEED), so a flow's bucket is the
 *    kernel's jhash of its key, masked by the bucket count (a power of two);
 *  - a flow in bucket b of the configured table is in bucket b & (small - 1) of the small
 *    one, and two flows sharing a configured bucket keep their relative order in the
 *    small one (both tables put a new or replaced entry at the head of its bucket's list,
 *    through the same sequence of updates);
 *  - so a stable sort of a sweep's records by their configured bucket gives the
 *    configured table's walk order.
 * Only where nothing else can depend on the walk order: the table cannot come near the
 * pressure mark (the forced exports and the debris pass choose flows by walk order), the
 * sweep fits one pass of the ended ring (a second pass would repeat the first pass's hot
 * reports), and the hot ring cannot overflow (which reports are lost depends on order).
 */
#ifndef EDGEWATCH_REPLAY_TABLE_H
#define EDGEWATCH_REPLAY_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "datapath.h"

/* The most frames captures of capture_bytes can hold (no record is shorter than 16 bytes). */
uint64_t replay_frames_bound(uint64_t capture_bytes);

/*
 * The flow table slots for a replay of captures totalling capture_bytes, with the
 * configured table of `configured` slots and the sweeper's hot-flow threshold hot_pkts
 * (0: no hot reports): a power of two no smaller than every frame the captures can hold
 * (no record is shorter than 16 bytes), or 0 when the configured table must be used.
 */
uint32_t replay_table_slots(uint32_t configured, uint64_t capture_bytes, uint64_t hot_pkts);

/*
 * The entries replay's LRU maps (blocked_flows, frags, frag_pending) need for captures
 * totalling capture_bytes on a machine of ncpus possible CPUs, so that none evicts (a
 * map already smaller keeps its size: datapath_load only shrinks). An LRU starts evicting before it is full:
 * when a CPU finds its local free list empty and the global one holds fewer than the
 * refill target (at most 128, kernel/bpf/bpf_lru_list.c), while each other CPU's local
 * list may hold up to that many. Each frame adds at most one entry to each map, and an
 * update of an existing key takes a free node before it gives the old one back: so
 * twice the frames, plus 128 for each CPU and one more, leave the global list its
 * refill with nothing evicted.
 */
uint32_t replay_lru_entries(uint64_t capture_bytes, int ncpus);

/* The bucket of key in a zero-seeded BPF hash map of `slots` max entries. */
uint32_t flow_table_bucket(const struct flow_key *key, uint32_t slots);

/*
 * Whether this kernel's hash map walks its buckets in the order flow_table_bucket()
 * computes: a small map is filled and walked. 1 yes, 0 no (or it cannot tell).
 */
int replay_table_order_matches(void);

/*
 * A sweep's records held back and handed on in the configured table's walk order.
 * Records are copied whole (size bytes each, the flow key at key_offset).
 */
struct bucket_reorder {
	uint32_t slots;		/* the configured table's */
	size_t size;
	size_t key_offset;
	unsigned char *items;	/* count records of size bytes, in arrival order */
	uint64_t *sort_keys;	/* bucket << 32 | arrival index: a sort that is stable */
	size_t count, cap;
};

void bucket_reorder_init(struct bucket_reorder *r, uint32_t slots, size_t size,
			 size_t key_offset);
/* Hold one record. 0, or -ENOMEM (the caller hands it on at once instead). */
int bucket_reorder_add(struct bucket_reorder *r, const void *record);
/* Hand on every record held, in walk order, to fn(ctx, record); then hold none. */
void bucket_reorder_flush(struct bucket_reorder *r, void (*fn)(void *ctx, const void *record),
			  void *ctx);
void bucket_reorder_free(struct bucket_reorder *r);

#endif
