// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Amplification / reflection: a target receiving answers it never asked for, from many
 * reflectors (detect/README.md, "## amplification", says what is counted and why).
 *
 * An unsolicited answer, in flow terms: a UDP flow whose initiator (first packet) has an
 * amplifier's well-known source port and to which the target never sent anything back
 * (the whole flow: flow_pkts_rev == 0); or a TCP flow whose initiator sent SYN+ACK and
 * got nothing back (SYN-ACK reflection). A real client asks first, so its answers are
 * flows initiated by the client and never count.
 *
 * The other side (sid 9000431): a protected host used as a reflector. Its answers on an
 * amplifier port (the flow's responder, dport in the table) are counted per (host,
 * protocol): every answered query (query and answer bytes), and apart the *amplified*
 * ones (the querier sent at most 2 packets, the answer is >= anomaly.amplification.ratio
 * times the query): a spoofed query asks once and never comes back. Alerted when, in a
 * window, amplified answers went to >= `sources` distinct sources, carried >= `bytes`,
 * and all the host's answers on that port together are >= `ratio` times their queries:
 * a real resolver's answers are a few times their queries on the whole, even when some
 * (DNSSEC, TXT) are large.
 *
 * State: one entry per (target, protocol) in a bounded LRU map, holding a ring of
 * AMP_RING tumbling windows of anomaly.amplification.window seconds placed by the
 * records' own start times (records arrive when flows end: up to the idle timeout late
 * and out of order). Older records are counted as late and not judged. Everything
 * happens on a record's arrival, O(1) per record: no tick.
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
/* Windows kept per entry: 4 x 60 s covers the 60 s idle timeout's lateness. */
#define AMP_RING 4
/* Reflectors named (the evidence's list), for the newest window only (memory: the map
 * is reserved at its capacity, 65536 entries of about 700 bytes by default). The distinct
 * count of every window is a linear-counting estimate over AMP_BITS bits: near exact at
 * the default threshold (10), good to about a thousand, saturating above. */
#define AMP_NAMED 16
#define AMP_BITS 512
/* SYN-ACKs are small (about 60 bytes): their byte threshold is bytes / AMP_SYNACK_DIV
 * (100 KB at the default: some 1700 unanswered SYN-ACKs in a window). */
#define AMP_SYNACK_DIV 10

struct amp_proto {
	uint16_t port;
	uint32_t sid;
};

/* The amplifiers (issue 9): the source port of the answer, the detection. */
static const struct amp_proto amp_protos[] = {
	{ 53, 9000401 },	/* DNS */
	{ 123, 9000402 },	/* NTP (monlist) */
	{ 161, 9000403 },	/* SNMP */
	{ 1900, 9000404 },	/* SSDP */
	{ 389, 9000405 },	/* CLDAP */
	{ 11211, 9000406 },	/* memcached */
	{ 19, 9000407 },	/* Chargen */
	{ 500, 9000408 },	/* ISAKMP */
	{ 4500, 9000408 },	/* ISAKMP NAT-T */
	{ 3702, 9000409 },	/* WS-Discovery */
};
#define AMP_PROTOS (sizeof(amp_protos) / sizeof(amp_protos[0]))
#define AMP_SYNACK AMP_PROTOS	/* the class index of SYN-ACK reflection */
#define SID_SYNACK 9000430
/* A protected host answering as a reflector on amp_protos[i]: class AMP_USED + i (the
 * same map: the entries share its bound and its eviction count). */
#define AMP_USED (AMP_SYNACK + 1)
#define SID_USED 9000431
/* A spoofed query is one packet (a retry: two); the querier never comes back. */
#define AMP_QUERY_PKTS 2

struct amp_key {
	uint8_t family;
	uint8_t class;		/* index into amp_protos, AMP_SYNACK, or AMP_USED + index */
	uint8_t pad[2];
	uint8_t target[16];	/* the victim; for AMP_USED, the protected host answering */
};

/* One window of one (target, protocol). The answers counted in bytes/pkts/flows, their
 * senders in seen (AMP_USED: the amplified answers and their receivers). */
struct amp_slot {
	uint64_t bytes, pkts, flows;
	uint64_t asked, answered;	/* AMP_USED: bytes of all answered queries, both ways */
	uint8_t seen[AMP_BITS / 8];
};

struct amp_state {
	uint64_t head;		/* newest window index + 1 (0: empty) */
	struct amp_slot slots[AMP_RING];
	uint64_t named_window;	/* the window the names are of (+1) */
	uint32_t named;
	uint8_t refl[AMP_NAMED][16];
};

struct amp {
	struct detector base;
	struct lru_map *targets;
	uint64_t window_ns;
	uint32_t reflectors;
	uint64_t bytes;
	uint32_t ratio;		/* an amplified answer: answer bytes / query bytes */
	uint32_t sources;	/* distinct receivers of amplified answers */
	uint64_t late;		/* records older than the ring: not judged (stats: late) */
};

/* The class of an unsolicited answer, or -1 (not one). */
static int amp_class(const struct detect_flow *f)
{
	size_t i;

	if (f->flow_pkts_rev)
		return -1;	/* the target answered: a conversation, not a reflection */
	if (f->proto == 6)
		return (f->flags_fwd & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) ? (int)AMP_SYNACK
										 : -1;
	if (f->proto != 17)
		return -1;
	/* both ends on the service port is a peer protocol (NTP symmetric mode, IKE
	 * 500<->500, DNS server to server, SSDP NOTIFY to 1900), not an answer */
	if (f->dport == f->sport)
		return -1;
	for (i = 0; i < AMP_PROTOS; i++)
		if (amp_protos[i].port == f->sport)
			return (int)i;
	return -1;
}

/* Multicast and broadcast targets are announcements (SSDP, WS-Discovery), not victims. */
static int group_addr(uint8_t family, const uint8_t *a)
{
	if (family == 6)
		return a[0] == 0xff;
	return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/* The slot of window w (the ring moved on to it), or NULL when w is too old. */
static struct amp_slot *amp_slot(struct amp_state *st, uint64_t w)
{
	uint64_t newest = st->head - 1, i;

	if (st->head && w + AMP_RING <= newest)
		return NULL;
	if (!st->head || w > newest) {
		/* clear the windows the head passes over (at most the whole ring) */
		uint64_t from = st->head ? newest + 1 : w;

		if (w - from >= AMP_RING)
			from = w - AMP_RING + 1;
		for (i = from; i <= w; i++)
			memset(&st->slots[i % AMP_RING], 0, sizeof(st->slots[0]));
		st->head = w + 1;
	}
	return &st->slots[w % AMP_RING];
}

/* Note a reflector in window w's slot s; named while there is room (newest window). */
static void reflector_add(struct amp_state *st, struct amp_slot *s, uint64_t w,
			  const uint8_t *addr)
{
	uint32_t h = 0x9e3779b9u;
	unsigned int i, bit;

	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x01000193u + (h >> 15);
	bit = h % AMP_BITS;
	if (s->seen[bit / 8] & (1u << (bit % 8)))
		return;	/* seen (or a collision: the estimate below allows for them) */
	s->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
	if (st->named_window != w + 1) {
		if (st->named_window > w + 1)
			return;	/* an older window: its reflectors are counted, not named */
		st->named_window = w + 1;
		st->named = 0;
	}
	if (st->named < AMP_NAMED)
		memcpy(st->refl[st->named++], addr, 16);
}

/* Distinct reflectors of a window: m ln(m / empty bits) (linear counting). */
static uint64_t reflector_count(const struct amp_slot *s)
{
	unsigned int ones = 0, i;

	for (i = 0; i < AMP_BITS / 8; i++)
		ones += (unsigned int)__builtin_popcount(s->seen[i]);
	if (ones > AMP_BITS - 1)
		ones = AMP_BITS - 1;
	return (uint64_t)llround((double)AMP_BITS * log((double)AMP_BITS / (AMP_BITS - ones)));
}

/* The addresses named in window w (as text into names, items pointing at them). */
static uint32_t named_list(const struct amp_key *k, const struct amp_state *st, uint64_t w,
			   char names[AMP_NAMED][DETECT_ITEM_LEN], const char *items[AMP_NAMED])
{
	uint32_t i;

	for (i = 0; i < st->named && st->named_window == w + 1; i++) {
		detect_addr_text(k->family, st->refl[i], names[i]);
		items[i] = names[i];
	}
	return i;
}

static void amp_report(struct amp *a, const struct amp_key *k, const struct amp_state *st,
		       const struct amp_slot *s, uint64_t w, const struct detect_flow *f)
{
	uint64_t distinct = reflector_count(s);
	uint64_t bytes_min = k->class == AMP_SYNACK ? a->bytes / AMP_SYNACK_DIV : a->bytes;
	char names[AMP_NAMED][DETECT_ITEM_LEN];
	const char *items[AMP_NAMED];
	static const uint8_t many[16];
	uint32_t i;

	if (distinct < a->reflectors || s->bytes < bytes_min)
		return;
	i = named_list(k, st, w, names, items);
	{
		struct anomaly_number numbers[] = {
			{ "bytes", (double)s->bytes, 1 },
			{ "packets", (double)s->pkts, 1 },
			{ "answers", (double)s->flows, 1 },
			{ "mean_answer_size", s->pkts ? (double)s->bytes / s->pkts : 0, 0 },
			{ "threshold_reflectors", a->reflectors, 1 },
			{ "threshold_bytes", (double)bytes_min, 1 },
		};
		struct anomaly_list refl = { "reflectors", items, i, distinct };
		struct anomaly_report r = {
			.sid = k->class == AMP_SYNACK ? SID_SYNACK : amp_protos[k->class].sid,
			.flow = f,
			.to_server = 1,	/* the alert's src: the reflector whose answer tipped it */
			.family = k->family,
			.source = many,	/* one episode per (target, protocol), however many */
			.target = k->target,
			.port = k->class == AMP_SYNACK ? 0 : amp_protos[k->class].port,
			.proto = f->proto,
			.ts_ns = f->end_ns,
			.window_s = a->window_ns / NS_PER_SEC,
			.numbers = numbers,
			.number_count = sizeof(numbers) / sizeof(numbers[0]),
			.lists = &refl,
			.list_count = 1,
		};

		detect_report(a->base.hub, &r);
	}
}

/* Sid 9000431: a protected host's amplified answers to many sources (the top comment
 * says what is counted). The alert's src is the host, dest the receiver of the answer
 * that tipped it (one episode per host and protocol). */
static void used_report(struct amp *a, const struct amp_key *k, const struct amp_state *st,
			const struct amp_slot *s, uint64_t w, const struct detect_flow *f)
{
	uint64_t distinct = reflector_count(s);
	char names[AMP_NAMED][DETECT_ITEM_LEN];
	const char *items[AMP_NAMED];
	static const uint8_t many[16];
	uint32_t i;

	if (distinct < a->sources || s->bytes < a->bytes ||
	    s->answered < (uint64_t)a->ratio * s->asked)
		return;
	i = named_list(k, st, w, names, items);
	{
		const struct amp_proto *p = &amp_protos[k->class - AMP_USED];
		struct anomaly_number numbers[] = {
			{ "bytes", (double)s->bytes, 1 },
			{ "packets", (double)s->pkts, 1 },
			{ "answers", (double)s->flows, 1 },
			{ "mean_answer_size", s->pkts ? (double)s->bytes / s->pkts : 0, 0 },
			{ "ratio", s->asked ? (double)s->answered / s->asked : 0, 0 },
			{ "threshold_sources", a->sources, 1 },
			{ "threshold_bytes", (double)a->bytes, 1 },
			{ "threshold_ratio", a->ratio, 1 },
		};
		struct anomaly_list srcs = { "sources", items, i, distinct };
		struct anomaly_report r = {
			.sid = SID_USED,
			.flow = f,
			.to_server = 0,	/* the alert's src: the host that answered */
			.family = k->family,
			.source = k->target,
			.target = many,	/* one episode per (host, protocol), however many */
			.port = p->port,
			.proto = f->proto,
			.ts_ns = f->end_ns,
			.window_s = a->window_ns / NS_PER_SEC,
			.numbers = numbers,
			.number_count = sizeof(numbers) / sizeof(numbers[0]),
			.lists = &srcs,
			.list_count = 1,
		};

		detect_report(a->base.hub, &r);
	}
}

/* The amplifier protocol of an answered query to a protected host, or -1. */
static int used_class(const struct amp *a, const struct detect_flow *f)
{
	const struct ew_cidr_list *protected = &detect_config(a->base.hub)->management.addresses;
	size_t i;

	if (f->proto != 17 || !f->flow_pkts_rev || f->dport == f->sport ||
	    group_addr(f->family, f->dst))
		return -1;
	/* with management addresses configured, only they are protected; without (replay),
	 * every host answering on an amplifier port is judged */
	if (protected->count && !detect_in_cidrs(protected, f->family, f->dst))
		return -1;
	for (i = 0; i < AMP_PROTOS; i++)
		if (amp_protos[i].port == f->dport)
			return (int)(AMP_USED + i);
	return -1;
}

/* The entry of (class, host) and its window for a record starting at start_ns; NULL
 * (counted late) when that window is no longer kept. */
static struct amp_slot *amp_window(struct amp *a, int class, uint8_t family,
				   const uint8_t *host, uint64_t start_ns, struct amp_key *k,
				   struct amp_state **st, uint64_t *w)
{
	struct amp_slot *s;
	int created;

	memset(k, 0, sizeof(*k));
	k->family = family;
	k->class = (uint8_t)class;
	memcpy(k->target, host, 16);
	*st = lru_map_upsert(a->targets, k, &created, NULL, NULL);
	*w = start_ns / a->window_ns;
	s = amp_slot(*st, *w);
	if (!s)
		a->late++;
	return s;
}

static void amp_flow(struct detector *d, const struct detect_flow *f)
{
	struct amp *a = (struct amp *)d;
	int class = amp_class(f);
	struct amp_key k;
	struct amp_state *st;
	struct amp_slot *s;
	uint64_t w;

	if (class >= 0 && !group_addr(f->family, f->dst)) {
		s = amp_window(a, class, f->family, f->dst, f->start_ns, &k, &st, &w);
		if (!s)
			return;
		s->bytes += f->bytes_fwd;
		s->pkts += f->pkts_fwd;
		s->flows++;
		reflector_add(st, s, w, f->src);
		amp_report(a, &k, st, s, w, f);
		return;
	}
	class = used_class(a, f);
	if (class < 0)
		return;
	s = amp_window(a, class, f->family, f->dst, f->start_ns, &k, &st, &w);
	if (!s)
		return;
	s->asked += f->bytes_fwd;
	s->answered += f->bytes_rev;
	if (f->flow_pkts_fwd > AMP_QUERY_PKTS ||
	    f->flow_bytes_rev < (uint64_t)a->ratio * f->flow_bytes_fwd)
		return;	/* a conversation, or an answer of ordinary size */
	s->bytes += f->bytes_rev;
	s->pkts += f->pkts_rev;
	s->flows++;
	reflector_add(st, s, w, f->src);
	used_report(a, &k, st, s, w, f);
}

static void amp_stats(const struct detector *d, struct stats_detector *out)
{
	const struct amp *a = (const struct amp *)d;

	out->tracked = out->capacity = out->evicted = out->bytes = 0;
	detect_stats_add_map(out, a->targets);
	out->late = a->late;
}

static void amp_destroy(struct detector *d)
{
	struct amp *a = (struct amp *)d;

	lru_map_free(a->targets);
	free(a);
}

static int amp_create(struct detector **out, const struct ew_config *cfg, struct detect *hub)
{
	struct amp *a = calloc(1, sizeof(*a));
	int err;

	(void)hub;
	if (!a)
		return -ENOMEM;
	err = lru_map_new(&a->targets, cfg->anomaly.value[EW_AP_MAX_TRACKED],
			  sizeof(struct amp_key), sizeof(struct amp_state));
	if (err) {
		free(a);
		return err;
	}
	a->window_ns = (uint64_t)cfg->anomaly.value[EW_AP_AMP_WINDOW] * NS_PER_SEC;
	a->reflectors = cfg->anomaly.value[EW_AP_AMP_REFLECTORS];
	a->bytes = cfg->anomaly.value[EW_AP_AMP_BYTES];
	a->ratio = cfg->anomaly.value[EW_AP_AMP_RATIO];
	a->sources = cfg->anomaly.value[EW_AP_AMP_SOURCES];
	*out = &a->base;
	return 0;
}

const struct detector_ops amplification_detector_ops = {
	.id = EW_DETECTOR_AMPLIFICATION,
	.create = amp_create,
	.flow = amp_flow,
	.stats = amp_stats,
	.destroy = amp_destroy,
};
