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
 * linear-counting estimate over FLOOD_SRC_BITS bits (good to two or three thousand). */
#define FLOOD_SRC_NAMED 16
/* The shortest span a window that is still open is judged over (s). */
#define FLOOD_MIN_SPAN_S 2.0
#define FLOOD_SRC_BITS EW_FLOOD_SRC_BITS	/* the kernel's: its bitmaps are ORed in */

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
	uint64_t first_ns;	/* the earliest time counted in it (0: none yet) */
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

/* What live counts have already counted of a hot flow (detect_live_on), one way: keyed
 * by flow_seq, with FLOW_SEQ_REVERSE for the responder's packets (hot ICMP answers the
 * wrong way: an echo flood toward the host that opened the pair). flow_seq is
 * (cpu << 48) | sequence: the top bit is never the flow's own. */
#define FLOW_SEQ_REVERSE (1ULL << 63)

struct flood_live_flow {
	uint64_t counted;		/* the initiator's packets counted, the whole flow */
	uint64_t until_ns;		/* up to this time (wall clock) */
};

struct flood {
	struct detector base;
	struct lru_map *dests;
	struct lru_map *live_flows;	/* flow_seq -> struct flood_live_flow */
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

/* Make w the window the sources are of (an older one: 0, its sources are not kept). */
static int source_window(struct flood_state *st, uint64_t w)
{
	if (st->src_window != w + 1) {
		if (st->src_window > w + 1)
			return 0;
		st->src_window = w + 1;
		st->src_named = 0;
		memset(st->src_bits, 0, sizeof(st->src_bits));
	}
	return 1;
}

static void source_note(struct flood_state *st, uint64_t w, const uint8_t *src)
{
	union ew_addr a;
	uint32_t h;

	if (!source_window(st, w))
		return;
	memcpy(a.u8, src, 16);
	h = ew_flood_src_bit(&a);	/* the kernel's bit for it (live counts) */
	if (st->src_bits[h / 8] & (1u << (h % 8)))
		return;
	st->src_bits[h / 8] |= (uint8_t)(1u << (h % 8));
	if (st->src_named < FLOOD_SRC_NAMED)
		memcpy(st->srcs[st->src_named++], src, 16);
}

/* The kernel's bitmap of a read's sources (EW_FLOOD_SRC_BITS, little-endian words). */
static void sources_merge(struct flood_state *st, uint64_t w, const uint64_t *bits)
{
	unsigned int i;

	if (!bits || !source_window(st, w))
		return;
	for (i = 0; i < FLOOD_SRC_BITS; i++)
		if (bits[i / 64] & (1ULL << (i % 64)))
			st->src_bits[i / 8] |= (uint8_t)(1u << (i % 8));
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

/* Something at t was counted in s. */
static void slot_touch(struct flood_slot *s, uint64_t t)
{
	if (!s->first_ns || t < s->first_ns)
		s->first_ns = t;
}

/*
 * The seconds window w is judged over: all of it once it is over; while it lasts (live
 * counts judge it then), the time since its first count (a flood that starts in the
 * middle of a window is not diluted by the quiet before it), at least FLOOD_MIN_SPAN_S
 * so that a burst of a fraction of a second is not taken for a rate.
 */
static double window_elapsed_s(const struct flood *fl, uint64_t w, const struct flood_slot *s)
{
	uint64_t now = detect_now(fl->base.hub), start = w * fl->window_ns;
	double window_s = (double)(fl->window_ns / NS_PER_SEC), elapsed;

	if (now >= start + fl->window_ns || now <= start)
		return window_s;
	if (s->first_ns > start && s->first_ns < now)
		start = s->first_ns;
	elapsed = (double)(now - start) / NS_PER_SEC;
	if (elapsed < FLOOD_MIN_SPAN_S)
		elapsed = FLOOD_MIN_SPAN_S;
	return elapsed < window_s ? elapsed : window_s;
}

static void flood_report(struct flood *fl, const struct flood_key *k, struct flood_state *st,
			 uint64_t w, const struct detect_flow *f)
{
	const struct flood_slot *s = &st->slots[w % FLOOD_RING];
	uint64_t window_s = fl->window_ns / NS_PER_SEC;
	double rate = (double)s->measured / window_elapsed_s(fl, w, s);
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
		slot_touch(s, a);
		s->pkts += (uint32_t)part;
		if (measured)
			s->measured += (uint32_t)part;
	}
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * A record's packets that live counts have not counted: the first packet was (a new
 * flow, unless the flow is a dead instance's), and a hot flow's were up to `counted`.
 */
static void live_record_packets(struct flood *fl, struct flood_state *st,
				const struct detect_flow *f)
{
	uint64_t seq = f->ev->flow.rec->flow_seq;
	struct flood_live_flow *lf = lru_map_get(fl->live_flows, &seq);
	uint64_t counted = lf ? lf->counted : f->ev->reason != EW_END_RECOVERED;
	uint64_t from = f->start_ns;

	counted = max_u64(counted, f->flow_pkts_fwd - f->pkts_fwd);
	if (lf)
		from = max_u64(from, lf->until_ns);
	if (f->flow_pkts_fwd > counted)
		spread_packets(fl, st, from, f->end_ns, f->flow_pkts_fwd - counted, 1);
	if (f->ends) {
		/* and what hot reports counted of the responder's packets (records never
		 * count those toward the initiator) */
		uint64_t rev = seq | FLOW_SEQ_REVERSE;

		lru_map_delete(fl->live_flows, &rev);
	}
	if (lf && f->ends)
		lru_map_delete(fl->live_flows, &seq);
	else if (lf) {
		lf->counted = max_u64(counted, f->flow_pkts_fwd);
		lf->until_ns = max_u64(lf->until_ns, f->end_ns);
	}
}

static void flood_key_of(struct flood_key *k, const struct detect_flow *f, int class)
{
	memset(k, 0, sizeof(*k));
	k->family = f->family;
	k->class = (uint8_t)class;
	memcpy(k->dst, f->dst, 16);
}

/* New flows toward a destination since the last read (detect_live, DEST). */
static void live_dest(struct flood *fl, const struct detect_live *lv)
{
	uint64_t window_s = fl->window_ns / NS_PER_SEC, w = lv->now_ns / fl->window_ns;
	const struct detect_flow *f = lv->flow;
	int class, created, half_open, last_class = class_of(f, &half_open);

	for (class = 0; class < FLOOD_CLASSES; class++) {
		uint64_t n = lv->new_flows[class], half;
		struct flood_key k;
		struct flood_state *st;
		struct flood_slot *s;

		if (!n)
			continue;
		flood_key_of(&k, f, class);
		st = lru_map_upsert(fl->dests, &k, &created, NULL, NULL);
		s = slot_of(st, w, window_s);
		if (!s) {
			fl->late++;
			continue;
		}
		slot_touch(s, lv->since_ns);
		s->flows += (uint32_t)n;
		s->pkts += (uint32_t)n;	/* each new flow's first packet */
		if (class == FLOOD_SYN) {
			/* attempts minus completed handshakes: what stays half-open (a
			 * handshake of a SYN read last tick may complete in this one) */
			half = n > lv->handshakes ? n - lv->handshakes : 0;
			s->half_open += (uint32_t)half;
			s->measured += (uint32_t)half;
		} else {
			s->measured += (uint32_t)n;
		}
		/* the latest source by name (the others are named when their records
		 * come), all of the read's in the count */
		if (class == last_class)
			source_note(st, w, f->src);
		sources_merge(st, w, lv->src_bits);
		flood_report(fl, &k, st, w, f);
	}
}

/* A hot flow (detect_live, HOT): its packets not counted yet, over their span. */
static void live_hot(struct flood *fl, const struct detect_live *lv)
{
	const struct detect_flow *f = lv->flow;
	uint64_t seq = f->ev->flow.rec->flow_seq | (lv->reverse ? FLOW_SEQ_REVERSE : 0);
	uint64_t counted, from = f->start_ns, w;
	int half_open, created, class = class_of(f, &half_open);
	struct flood_live_flow *lf;
	struct flood_state *st;
	struct flood_key k;

	if (class != FLOOD_UDP && class != FLOOD_ICMP)
		return;
	flood_key_of(&k, f, class);
	st = lru_map_upsert(fl->dests, &k, &created, NULL, NULL);
	lf = lru_map_upsert(fl->live_flows, &seq, &created, NULL, NULL);
	/* new here: the first packet was counted as a new flow (the initiator's way; the
	 * responder's way never makes one), the records' are counted */
	counted = created ? !lv->reverse : lf->counted;
	counted = max_u64(counted, f->flow_pkts_fwd - f->pkts_fwd);
	if (!created)
		from = max_u64(from, lf->until_ns);
	lf->counted = counted;
	if (f->flow_pkts_fwd <= counted)
		return;	/* reported again (a sweep's second pass): nothing new */
	spread_packets(fl, st, from, f->end_ns, f->flow_pkts_fwd - counted, 1);
	lf->counted = f->flow_pkts_fwd;
	lf->until_ns = max_u64(lf->until_ns, f->end_ns);
	w = f->end_ns / fl->window_ns;
	if (st->head && w + FLOOD_RING > st->head - 1) {
		source_note(st, w, f->src);
		flood_report(fl, &k, st, w, f);
	}
}

static void flood_live(struct detector *d, const struct detect_live *lv)
{
	struct flood *fl = (struct flood *)d;

	if (lv->kind == DETECT_LIVE_DEST)
		live_dest(fl, lv);
	else
		live_hot(fl, lv);
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
	/* an ICMP flow whose initiator sent echo replies and no request answered pings (the
	 * datapath's echo bits, datapath.h): its packets are no flood toward the pinger */
	if (class == FLOOD_ICMP &&
	    (f->flags_fwd & (EW_ICMP_SENT_ECHO_REQUEST | EW_ICMP_SENT_ECHO_REPLY)) ==
		    EW_ICMP_SENT_ECHO_REPLY)
		return;
	flood_key_of(&k, f, class);
	st = lru_map_upsert(fl->dests, &k, &created, NULL, NULL);
	first_record = f->start_ns < f->first_ns + NS_PER_SEC;
	w = f->first_ns / fl->window_ns;
	if (detect_live_counts(fl->base.hub)) {
		/* the new flow was counted live; only packets not counted yet are added */
		if (class != FLOOD_SYN)
			live_record_packets(fl, st, f);
		if (first_record && slot_of(st, w, window_s))
			source_note(st, w, f->src);
		return;
	}
	/* packets: over the record's own span (a single-flow UDP flood shows only here) */
	spread_packets(fl, st, f->start_ns, f->end_ns, f->pkts_fwd, class != FLOOD_SYN);
	/* the new flow: in the window of its first packet, once (an active-timeout record
	 * starts 1800 s after the flow did; the first record starts with it) */
	if (first_record) {
		s = slot_of(st, w, window_s);
		if (!s) {
			fl->late++;
			return;
		}
		slot_touch(s, f->first_ns);
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

	/* both maps: destinations, and the hot flows live counts have counted */
	out->tracked = out->capacity = out->evicted = out->bytes = 0;
	detect_stats_add_map(out, fl->dests);
	detect_stats_add_map(out, fl->live_flows);
	out->late = fl->late;
}

static void flood_destroy(struct detector *d)
{
	struct flood *fl = (struct flood *)d;

	lru_map_free(fl->dests);
	lru_map_free(fl->live_flows);
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
	/* hot flows are few (each sends hot_pkts a second): a sixteenth of max-tracked */
	if (!err)
		err = lru_map_new(&fl->live_flows,
				  cfg->anomaly.value[EW_AP_MAX_TRACKED] / 16 ?: 1, sizeof(uint64_t),
				  sizeof(struct flood_live_flow));
	if (err) {
		flood_destroy(&fl->base);
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
	.live = flood_live,
	.stats = flood_stats,
	.destroy = flood_destroy,
};
