// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SYN, UDP and ICMP floods: rates per destination, against the destination's own
 * baseline (detect/README.md, "## flood", says what is counted and why the defaults).
 *
 * State: one entry per (destination, class) in a bounded LRU map. Each entry holds a
 * ring of FLOOD_RING windows of anomaly.flood.window seconds, indexed by the flows' own
 * times (first_ns for new flows, start_ns..end_ns for packets), because records arrive
 * when flows end: up to the idle timeout (60 s) late and out of order. A record older
 * than the ring is counted as late and not judged. When the ring's head moves on, the
 * windows that leave it are folded into the baseline (an EWMA of the window rates), so
 * a flood never raises its own baseline while it is being judged; windows that alerted
 * are not folded at all (a long flood would otherwise teach the baseline that floods
 * are normal). Until FLOOD_WARMUP windows have been folded the baseline is not trusted
 * and only the floor decides; those windows are folded even when they alerted (a flood
 * in the warm-up is alerted, but becomes part of the baseline: documented). No periodic scan: everything happens on a record's
 * arrival, O(1) per record (tick is not needed).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detector.h"
#include "detect/lru_map.h"

#define NS_PER_SEC 1000000000ULL
#define TH_SYN 0x02
#define TH_ACK 0x10
/* Windows kept per destination: 16 x 10 s covers the 60 s idle timeout plus the 5 s
 * tcp-closed timeout and the sweeper's lag with room to spare. */
#define FLOOD_RING 16
/* Windows folded into the baseline before it is trusted (at 10 s: 5 minutes). */
#define FLOOD_WARMUP 30
/* The EWMA's weight of a new window: about the last 20 windows count. */
#define FLOOD_ALPHA 0.05
/* Sources remembered per entry (named in the evidence); the distinct count is a
 * linear-counting estimate over FLOOD_SRC_BITS bits (good to a few thousand). */
#define FLOOD_SRC_NAMED 16
#define FLOOD_SRC_BITS 1024

enum flood_class { FLOOD_SYN, FLOOD_UDP, FLOOD_ICMP, FLOOD_CLASSES };

static const uint32_t class_sid[FLOOD_CLASSES] = { 9000301, 9000302, 9000303 };
static const enum ew_anomaly_param class_floor[FLOOD_CLASSES] = {
	EW_AP_FLOOD_SYN_RATE, EW_AP_FLOOD_UDP_RATE, EW_AP_FLOOD_ICMP_RATE,
};

struct flood_key {
	uint8_t family;
	uint8_t class;
	uint8_t pad[2];
	uint8_t dst[16];
};

/* One window of one destination. */
struct flood_slot {
	uint32_t measured;	/* what the class is judged on: half-open flows (SYN) or
				 * packets toward the destination (UDP, ICMP) */
	uint32_t flows;		/* new flows (SYN: new TCP flows with a SYN) */
	uint32_t pkts;		/* packets toward the destination */
	uint32_t half_open;
};

struct flood_state {
	uint64_t head;			/* window index of the newest slot (+1: 0 = empty) */
	uint64_t born;			/* the first window seen: older slots never held data */
	struct flood_slot slots[FLOOD_RING];
	uint32_t alerted;		/* bit per slot: it alerted (kept out of the baseline) */
	uint32_t folded;		/* windows folded into the baseline */
	double baseline;		/* EWMA of the measured rate per second */
	uint64_t src_window;		/* the window the sources below are of (+1) */
	uint32_t src_named;
	uint8_t src_bits[FLOOD_SRC_BITS / 8];
	uint8_t srcs[FLOOD_SRC_NAMED][16];
};

struct flood {
	struct detector base;
	struct lru_map *dests;
	uint64_t window_ns;
	uint32_t floor[FLOOD_CLASSES];
	uint32_t factor;
	uint64_t late;			/* records older than the ring: not judged */
};

static void baseline_fold(struct flood_state *st, const struct flood_slot *s, int alerted,
			  uint64_t window_s)
{
	double rate = (double)s->measured / (double)window_s;

	/* once warm, windows that alerted stay out; while warming up they must count, or
	 * a destination steadily over the floor would never learn its (normal) rate */
	if (alerted && st->folded >= FLOOD_WARMUP)
		return;
	st->baseline = st->folded ? st->baseline + FLOOD_ALPHA * (rate - st->baseline) : rate;
	st->folded++;
}

/* Move the ring's head to window w, folding the windows that leave it. */
static void ring_advance(struct flood_state *st, uint64_t w, uint64_t window_s)
{
	uint64_t head = st->head - 1, i, steps;

	if (!st->head) {
		st->head = w + 1;
		st->born = w;
		return;
	}
	steps = w - head;
	for (i = 1; i <= steps && i <= FLOOD_RING; i++) {
		uint64_t taking = head + i;	/* takes the slot of window taking - RING */
		unsigned int idx = taking % FLOOD_RING;

		if (taking >= st->born + FLOOD_RING)	/* not a window before the first */
			baseline_fold(st, &st->slots[idx], st->alerted & (1u << idx), window_s);
		memset(&st->slots[idx], 0, sizeof(st->slots[idx]));
		st->alerted &= ~(1u << idx);
	}
	if (steps > FLOOD_RING) {
		/* quiet windows with nothing at all: the baseline decays toward 0 */
		double quiet = (double)(steps - FLOOD_RING);

		st->baseline *= pow(1.0 - FLOOD_ALPHA, quiet);
		st->folded += (uint32_t)(quiet < 1e6 ? quiet : 1e6);
	}
	st->head = w + 1;
}

/* The slot of window w, or NULL when w is older than the ring. */
static struct flood_slot *slot_of(struct flood_state *st, uint64_t w, uint64_t window_s)
{
	if (st->head && w + FLOOD_RING <= st->head - 1)
		return NULL;
	if (!st->head || w > st->head - 1)
		ring_advance(st, w, window_s);
	return &st->slots[w % FLOOD_RING];
}

static void source_note(struct flood_state *st, uint64_t w, const uint8_t *src)
{
	uint32_t h = 2166136261u;
	int i;

	if (st->src_window != w + 1) {
		if (st->src_window > w + 1)
			return;	/* an older window: its sources are not kept */
		st->src_window = w + 1;
		st->src_named = 0;
		memset(st->src_bits, 0, sizeof(st->src_bits));
	}
	for (i = 0; i < 16; i++)
		h = (h ^ src[i]) * 16777619u;
	h %= FLOOD_SRC_BITS;
	if (st->src_bits[h / 8] & (1u << (h % 8)))
		return;
	st->src_bits[h / 8] |= (uint8_t)(1u << (h % 8));
	if (st->src_named < FLOOD_SRC_NAMED)
		memcpy(st->srcs[st->src_named++], src, 16);
}

/* Linear counting: n ~ -m ln(empty / m). */
static uint64_t sources_estimate(const struct flood_state *st)
{
	unsigned int set = 0, i;

	for (i = 0; i < sizeof(st->src_bits); i++)
		set += (unsigned int)__builtin_popcount(st->src_bits[i]);
	if (set <= st->src_named)
		return st->src_named;
	if (set >= FLOOD_SRC_BITS)
		set = FLOOD_SRC_BITS - 1;
	return (uint64_t)llround(-(double)FLOOD_SRC_BITS *
				 log((double)(FLOOD_SRC_BITS - set) / FLOOD_SRC_BITS));
}

static int class_of(const struct detect_flow *f, int *half_open)
{
	*half_open = 0;
	if (f->proto == 6) {
		/* only flows that began with a SYN are connection attempts */
		if (!(f->flags_fwd & TH_SYN))
			return -1;
		/* half-open: no SYN-ACK came back, or it did and the initiator never
		 * acknowledged it (a spoofed source cannot; a real one answers RST) */
		*half_open = (f->flags_rev & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK) ||
			     !(f->flags_fwd & TH_ACK);
		return FLOOD_SYN;
	}
	if (f->proto == 17)
		return FLOOD_UDP;
	if (f->proto == 1 || f->proto == 58)
		return FLOOD_ICMP;
	return -1;
}

static void flood_report(struct flood *fl, const struct flood_key *k, struct flood_state *st,
			 uint64_t w, const struct detect_flow *f)
{
	const struct flood_slot *s = &st->slots[w % FLOOD_RING];
	uint64_t window_s = fl->window_ns / NS_PER_SEC;
	double rate = (double)s->measured / (double)window_s;
	double baseline = st->folded >= FLOOD_WARMUP ? st->baseline : 0;
	char names[FLOOD_SRC_NAMED][DETECT_ITEM_LEN];
	const char *items[FLOOD_SRC_NAMED];
	static const uint8_t many[16];
	uint32_t i;

	if (rate <= fl->floor[k->class] || rate <= (double)fl->factor * baseline)
		return;
	st->alerted |= 1u << (w % FLOOD_RING);
	for (i = 0; i < st->src_named && st->src_window == w + 1; i++) {
		detect_addr_text(k->family, st->srcs[i], names[i]);
		items[i] = names[i];
	}
	{
		struct anomaly_number numbers[] = {
			{ "rate", rate, 0 },
			{ "threshold", fl->floor[k->class], 1 },
			{ "baseline", st->baseline, 0 },
			{ "baseline_factor", fl->factor, 1 },
			{ "baseline_windows", st->folded, 1 },
			{ "packets", s->pkts, 1 },
			{ "flows", s->flows, 1 },
			{ "half_open", s->half_open, 1 },
			{ "half_open_ratio", s->flows ? (double)s->half_open / s->flows : 0, 0 },
		};
		/* "sources" and "sources_total" (an estimate past FLOOD_SRC_NAMED) */
		struct anomaly_list sources = { "sources", items, i,
						st->src_window == w + 1 ? sources_estimate(st) : 0 };
		struct anomaly_report r = {
			.sid = class_sid[k->class],
			.flow = f,
			.to_server = 1,
			.family = k->family,
			.source = many,	/* one episode per target, however many sources */
			.target = k->dst,
			.port = 0,
			.proto = f->proto,
			.ts_ns = f->end_ns,
			.window_s = window_s,
			.numbers = numbers,
			.number_count = sizeof(numbers) / sizeof(numbers[0]),
			.lists = &sources,
			.list_count = 1,
		};

		detect_report(fl->base.hub, &r);
	}
}

/* Add n to field of the windows [from_ns, to_ns] covers, proportionally to overlap. */
static void spread_packets(struct flood *fl, struct flood_state *st, uint64_t from_ns,
			   uint64_t to_ns, uint64_t n, int measured)
{
	uint64_t window_s = fl->window_ns / NS_PER_SEC, w, w0, w1, span;

	if (to_ns < from_ns)
		to_ns = from_ns;
	w0 = from_ns / fl->window_ns;
	w1 = to_ns / fl->window_ns;
	if (w1 - w0 >= FLOOD_RING)
		w0 = w1 - FLOOD_RING + 1;	/* a long record: only its last windows */
	if (from_ns < w0 * fl->window_ns)
		from_ns = w0 * fl->window_ns;
	span = to_ns - from_ns + 1;
	for (w = w0; w <= w1; w++) {
		uint64_t a = w * fl->window_ns > from_ns ? w * fl->window_ns : from_ns;
		uint64_t b = (w + 1) * fl->window_ns - 1 < to_ns ? (w + 1) * fl->window_ns - 1
								 : to_ns;
		struct flood_slot *s = slot_of(st, w, window_s);
		uint64_t part = w == w1 ? n : (uint64_t)((double)n * (double)(b - a + 1) / span);

		if (!s) {
			fl->late++;
			continue;
		}
		n -= part;
		s->pkts += (uint32_t)part;
		if (measured)
			s->measured += (uint32_t)part;
	}
}

static void flood_flow(struct detector *d, const struct detect_flow *f)
{
	struct flood *fl = (struct flood *)d;
	uint64_t window_s = fl->window_ns / NS_PER_SEC, w;
	struct flood_key k;
	struct flood_state *st;
	struct flood_slot *s;
	int created, half_open, first_record, class = class_of(f, &half_open);

	if (class < 0)
		return;
	memset(&k, 0, sizeof(k));
	k.family = f->family;
	k.class = (uint8_t)class;
	memcpy(k.dst, f->dst, 16);
	st = lru_map_upsert(fl->dests, &k, &created, NULL, NULL);
	/* packets: over the record's own span (a single-flow UDP flood shows only here) */
	spread_packets(fl, st, f->start_ns, f->end_ns, f->pkts_fwd, class != FLOOD_SYN);
	/* the new flow: in the window of its first packet, once (an active-timeout record
	 * starts 1800 s after the flow did; the first record starts with it) */
	w = f->first_ns / fl->window_ns;
	first_record = f->start_ns < f->first_ns + NS_PER_SEC;
	if (first_record) {
		s = slot_of(st, w, window_s);
		if (!s) {
			fl->late++;
			return;
		}
		s->flows++;
		if (half_open) {
			s->half_open++;
			s->measured++;
		}
		source_note(st, w, f->src);
	}
	/* judge the window(s) the record touched: the newest is enough (it holds the flow) */
	w = (first_record ? f->first_ns : f->end_ns) / fl->window_ns;
	if (st->head && w + FLOOD_RING > st->head - 1)
		flood_report(fl, &k, st, w, f);
}

static void flood_stats(const struct detector *d, struct stats_detector *out)
{
	const struct flood *fl = (const struct flood *)d;

	out->tracked = lru_map_count(fl->dests);
	out->capacity = lru_map_capacity(fl->dests);
	out->evicted = lru_map_evictions(fl->dests);
	out->bytes = lru_map_bytes(fl->dests);
	out->late = fl->late;
}

static void flood_destroy(struct detector *d)
{
	struct flood *fl = (struct flood *)d;

	lru_map_free(fl->dests);
	free(fl);
}

static int flood_create(struct detector **out, const struct ew_config *cfg, struct detect *hub)
{
	struct flood *fl = calloc(1, sizeof(*fl));
	int err, c;

	(void)hub;
	if (!fl)
		return -ENOMEM;
	err = lru_map_new(&fl->dests, cfg->anomaly.value[EW_AP_MAX_TRACKED],
			  sizeof(struct flood_key), sizeof(struct flood_state));
	if (err) {
		free(fl);
		return err;
	}
	fl->window_ns = (uint64_t)cfg->anomaly.value[EW_AP_FLOOD_WINDOW] * NS_PER_SEC;
	fl->factor = cfg->anomaly.value[EW_AP_FLOOD_BASELINE_FACTOR];
	for (c = 0; c < FLOOD_CLASSES; c++)
		fl->floor[c] = cfg->anomaly.value[class_floor[c]];
	*out = &fl->base;
	return 0;
}

const struct detector_ops flood_detector_ops = {
	.id = EW_DETECTOR_FLOOD,
	.create = flood_create,
	.flow = flood_flow,
	.stats = flood_stats,
	.destroy = flood_destroy,
};
