// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The scan detector (detect/README.md, "## scan"): one source probing many ports of one
 * host (a port scan), or one port (or ICMP echo) on many hosts (a sweep).
 *
 * Each flow record is classified as a probe from its initiator's TCP flags (SYN, SYN
 * then RST, connect, FIN, NULL, Xmas, ACK), UDP or ICMP echo, weighted 4 quarters when
 * it failed or went unanswered and 1 quarter when it completed (a handshake, an answer):
 * a busy client's answered connections weigh a quarter each, a scanner's refused or
 * unanswered probes a whole. Mid-stream pick-ups (ACK with data, no SYN seen) are no
 * probes. Per (source, host) a set of distinct ports, per (source, proto, port) a set of
 * distinct hosts, each at most SCAN_SET_MAX items with the time of their latest probe
 * (the flow's own first packet, not its arrival: records come when flows end, out of
 * order by up to the idle timeout). The weighted distinct count within the fast window
 * (anomaly.scan.window/ports/hosts) or the slow one (slow-window/slow-ports/slow-hosts)
 * reaching its threshold is reported, on every probe after that (the hub folds them).
 * Exact sets, not sketches: the thresholds are small (at most SCAN_SET_MAX, enforced by
 * the parameter table), so SCAN_SET_MAX items are exact and bounded; when a set is full
 * the oldest item makes room. Entries are never swept by tick: a stale set is pruned by
 * time on its next probe, and the LRU bounds the memory (evictions counted).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "detect/detector.h"
#include "detect/lru_map.h"

#define SCAN_SET_MAX 48		/* = the parameter table's max of ports/hosts */
#define NS_PER_SEC 1000000000ULL
#define W_FAILED 4		/* weights in quarters */
#define W_COMPLETED 1

enum probe_kind {
	P_SYN_ONLY,	/* SYN, refused or unanswered: a SYN or a connect scan */
	P_SYN_HALF,	/* SYN, SYN-ACK, then the scanner's RST without ACK: SYN scan */
	P_CONNECT,	/* handshake completed, no data, the scanner closed */
	P_COMPLETED,	/* handshake completed with data: ordinary use */
	P_FIN,
	P_NULL,
	P_XMAS,
	P_ACK,
	P_UDP,
	P_ICMP,
	P_KINDS,
};

struct probe {
	uint32_t id;		/* a port, or a host (IPv4 address, or a hash of IPv6) */
	uint32_t t_s;		/* latest probe (wall clock seconds) */
	uint8_t weight;		/* quarters */
	uint8_t kind;		/* enum probe_kind */
	uint16_t pad;
};

struct probe_set {
	uint64_t probes;	/* probes seen (repeats included) */
	uint32_t newest_s;
	uint32_t sticky_sid;	/* the technique once the flags made it unambiguous */
	uint16_t count;
	uint16_t named_count;
	uint32_t pad;
	struct probe items[SCAN_SET_MAX];
};

/*
 * A source's first probe of a host (or of one port across hosts). Most sources never send
 * a second: a spoofed flood sends one packet per address. So the first probe is kept in a
 * seed (16 bytes of value, ~130 bytes an entry with the map's own) and the full set
 * (~700 bytes) is made only when a second distinct port or host is probed. One-probe
 * sources then fill the seed tier only: a flood of them costs a fifth of the memory and
 * cannot push a real scanner's half-built set out of the full tier.
 */
struct probe_seed {
	struct probe first;
	uint32_t probes;	/* probes seen (repeats of the one item included) */
};

/* A sweep's seed also keeps the host, whole, for the alert's list. */
struct sweep_seed {
	struct probe_seed seed;
	uint8_t host[16];
};

struct pair_key {
	uint8_t family;
	uint8_t pad[3];
	uint8_t src[16];
	uint8_t dst[16];
};

struct sweep_key {
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t src[16];
};

/* A sweep also keeps the first hosts probed, whole, for the alert's list. */
struct sweep_state {
	struct probe_set set;
	uint8_t named[DETECT_LIST_ITEMS][16];
};

struct scan_detector {
	struct detector base;
	uint32_t window_s, slow_window_s;
	uint32_t ports, slow_ports, hosts, slow_hosts;
	struct lru_map *pairs;	/* pair_key -> probe_set */
	struct lru_map *sweeps;	/* sweep_key -> sweep_state */
	struct lru_map *pair_seeds;	/* pair_key -> probe_seed, until a second port */
	struct lru_map *sweep_seeds;	/* sweep_key -> sweep_seed, until a second host */
};

/* The probe a record is, or -1 (not a probe: a mid-stream pick-up, an ICMP answer). */
static int probe_of(const struct detect_flow *f, uint8_t *weight)
{
	uint8_t fwd = f->flags_fwd, rev = f->flags_rev;
	const uint8_t synack = EW_TCP_SYN | EW_TCP_ACK;

	*weight = W_FAILED;
	if (f->proto == 17) {
		if (f->flow_pkts_rev)
			*weight = W_COMPLETED;
		return P_UDP;
	}
	if (f->proto == 1 || f->proto == 58) {
		if (f->icmp_type != (f->proto == 1 ? 8 : 128))
			return -1;
		if (f->flow_pkts_rev)
			*weight = W_COMPLETED;
		return P_ICMP;
	}
	if (f->proto != 6)
		return -1;
	if (fwd & EW_TCP_SYN) {
		if ((rev & synack) == synack && (fwd & EW_TCP_ACK)) {
			*weight = W_COMPLETED;
			/* nmap -sT: SYN, ACK, RST (or FIN): no PSH, a few packets out (the
			 * service may still have sent its banner back) */
			if (!(fwd & EW_TCP_PSH) && f->flow_pkts_fwd <= 4)
				return P_CONNECT;
			return P_COMPLETED;
		}
		if ((rev & synack) == synack && (fwd & EW_TCP_RST))
			return P_SYN_HALF;
		return P_SYN_ONLY;
	}
	if (fwd & EW_TCP_ACK) {
		/* an ACK probe is one bare ACK answered by RST or nothing; anything else
		 * without a SYN is a flow picked up mid-stream, no probe */
		if (fwd == EW_TCP_ACK && f->flow_pkts_fwd <= 2 && !(rev & ~EW_TCP_RST))
			return P_ACK;
		return -1;
	}
	if (fwd == 0)
		return P_NULL;
	if (fwd == EW_TCP_FIN)
		return P_FIN;
	if ((fwd & (EW_TCP_FIN | EW_TCP_PSH | EW_TCP_URG)) ==
	    (EW_TCP_FIN | EW_TCP_PSH | EW_TCP_URG))
		return P_XMAS;
	return -1;
}

/* Add (or refresh) id in s; items older than keep_s before the newest are dropped. */
static int set_add(struct probe_set *s, uint32_t id, uint32_t t_s, uint8_t weight,
		   uint8_t kind, uint32_t keep_s)
{
	size_t i, n = 0, oldest = 0;
	int added = 1;

	if (t_s > s->newest_s)
		s->newest_s = t_s;
	s->probes++;
	for (i = 0; i < s->count; i++) {
		struct probe *p = &s->items[i];

		if ((uint64_t)p->t_s + keep_s <= s->newest_s)
			continue;	/* out of every window: dropped */
		if (p->id == id) {
			if (t_s > p->t_s)
				p->t_s = t_s;
			/* a failed probe of the port counts, even among completed ones */
			if (weight > p->weight) {
				p->weight = weight;
				p->kind = kind;
			}
			added = 0;
		}
		s->items[n++] = *p;
	}
	s->count = (uint16_t)n;
	if (!added || (uint64_t)t_s + keep_s <= s->newest_s)
		return 0;
	if (s->count == SCAN_SET_MAX) {
		for (i = 1; i < s->count; i++)
			if (s->items[i].t_s < s->items[oldest].t_s)
				oldest = i;
		s->items[oldest] = s->items[--s->count];
	}
	s->items[s->count++] = (struct probe){ .id = id, .t_s = t_s, .weight = weight,
					       .kind = kind };
	return 1;
}

/*
 * Keep this probe in the seed: the seed's first (just created), its item again, or a new
 * item when the seed's has left every window; a probe older than every window is only
 * counted. 1 when kept, 0 when it is a second distinct item (the caller promotes).
 */
static int seed_keep(struct probe_seed *s, int created, uint32_t id, uint32_t t_s,
		     uint8_t weight, uint8_t kind, uint32_t keep_s)
{
	struct probe *p = &s->first;

	s->probes++;
	if (created || (uint64_t)p->t_s + keep_s <= t_s) {
		*p = (struct probe){ .id = id, .t_s = t_s, .weight = weight, .kind = kind };
		return 1;
	}
	if ((uint64_t)t_s + keep_s <= p->t_s)
		return 1;	/* out of order by more than the slow window: too old */
	if (p->id != id)
		return 0;
	if (t_s > p->t_s)
		p->t_s = t_s;
	if (weight > p->weight) {
		p->weight = weight;
		p->kind = kind;
	}
	return 1;
}

/* A full set made from a seed; set_add() adds the second item next. */
static void set_from_seed(struct probe_set *s, const struct probe_seed *seed)
{
	s->items[0] = seed->first;
	s->count = 1;
	s->newest_s = seed->first.t_s;
	s->probes = seed->probes - 1;	/* the promoting probe, counted again by set_add */
}

/* Items of s within window_s: their weight (quarters), count and kinds. */
struct set_sum {
	uint32_t quarters, distinct, failed;
	uint32_t kinds[P_KINDS];
};

static void set_sum(const struct probe_set *s, uint32_t window_s, struct set_sum *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->count; i++) {
		const struct probe *p = &s->items[i];

		if ((uint64_t)p->t_s + window_s <= s->newest_s)
			continue;
		out->quarters += p->weight;
		out->distinct++;
		out->failed += p->weight == W_FAILED;
		out->kinds[p->kind]++;
	}
}

/* The sid of a port scan made of these probes. */
static uint32_t port_scan_sid(struct probe_set *s, const struct set_sum *sum)
{
	static const uint32_t sids[P_KINDS] = {
		[P_FIN] = 9000103, [P_NULL] = 9000104, [P_XMAS] = 9000105,
		[P_ACK] = 9000106, [P_UDP] = 9000107,
	};
	uint32_t best = P_FIN, syn_family;
	int k;

	for (k = P_FIN; k <= P_UDP; k++)
		if (sum->kinds[k] > sum->kinds[best])
			best = (uint32_t)k;
	syn_family = sum->kinds[P_SYN_ONLY] + sum->kinds[P_SYN_HALF] + sum->kinds[P_CONNECT] +
		     sum->kinds[P_COMPLETED];
	if (sum->kinds[best] >= syn_family)
		return sids[best];
	/* refused SYNs look the same from a SYN and a connect scan: the open ports tell
	 * (the scanner's RST to a SYN-ACK, or its completed empty handshake); until one
	 * is seen the scan is named a SYN scan, after that the name sticks */
	if (sum->kinds[P_SYN_HALF])
		s->sticky_sid = 9000101;
	else if (sum->kinds[P_CONNECT] && !s->sticky_sid)
		s->sticky_sid = 9000102;
	return s->sticky_sid ? s->sticky_sid : 9000101;
}

static uint32_t host_id(uint8_t family, const uint8_t *addr)
{
	uint32_t h = 2166136261u;	/* FNV-1a: IPv6 hosts are told apart by a hash */
	int i;

	if (family == 4) {
		memcpy(&h, addr, 4);
		return h;
	}
	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h;
}

static int multicast_or_broadcast(uint8_t family, const uint8_t *a)
{
	if (family == 6)
		return a[0] == 0xff;
	return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 &&
					  a[3] == 255);
}

/* Did the weighted distinct count reach a threshold? Sets *window_s and *sum. */
static int set_tripped(const struct probe_set *s, uint32_t window_s, uint32_t threshold,
		       uint32_t slow_window_s, uint32_t slow_threshold, uint32_t *used_window,
		       uint32_t *used_threshold, struct set_sum *sum)
{
	set_sum(s, window_s, sum);
	*used_window = window_s;
	*used_threshold = threshold;
	if (sum->quarters >= threshold * 4)
		return 1;
	set_sum(s, slow_window_s, sum);
	*used_window = slow_window_s;
	*used_threshold = slow_threshold;
	return sum->quarters >= slow_threshold * 4;
}

static void report(struct scan_detector *d, const struct detect_flow *f, uint32_t sid,
		   const uint8_t *target, uint16_t port, const struct probe_set *s,
		   const struct set_sum *sum, uint32_t window_s, uint32_t threshold,
		   const struct anomaly_list *list)
{
	struct anomaly_number numbers[] = {
		{ "distinct", sum->distinct, 1 },
		{ "weighted", sum->quarters / 4.0, 0 },
		{ "threshold", threshold, 1 },
		{ "failed", sum->failed, 1 },
		{ "completed", sum->distinct - sum->failed, 1 },
		{ "probes", (double)s->probes, 1 },
	};
	struct anomaly_report r = {
		.sid = sid,
		.flow = f,
		.to_server = 1,
		.family = f->family,
		.source = f->src,
		.target = target,
		.port = port,
		.proto = f->proto,
		.ts_ns = f->end_ns > f->first_ns ? f->end_ns : f->first_ns,
		.window_s = window_s,
		.numbers = numbers,
		.number_count = sizeof(numbers) / sizeof(numbers[0]),
		.lists = list,
		.list_count = 1,
	};

	detect_report(d->base.hub, &r);
}

static void port_scan_probe(struct scan_detector *d, const struct detect_flow *f, int kind,
			    uint8_t weight, uint32_t t_s)
{
	char text[DETECT_LIST_ITEMS][DETECT_ITEM_LEN];
	const char *items[DETECT_LIST_ITEMS];
	struct anomaly_list list = { "ports", items, 0, 0 };
	uint32_t window_s, threshold;
	struct pair_key k;
	struct set_sum sum;
	struct probe_set *s;
	size_t i;
	int created;

	memset(&k, 0, sizeof(k));
	k.family = f->family;
	memcpy(k.src, f->src, 16);
	memcpy(k.dst, f->dst, 16);
	s = lru_map_get(d->pairs, &k);
	if (!s) {
		struct probe_seed *seed = lru_map_upsert(d->pair_seeds, &k, &created, NULL, NULL);

		if (seed_keep(seed, created, f->dport, t_s, weight, (uint8_t)kind,
			      d->slow_window_s))
			return;
		s = lru_map_upsert(d->pairs, &k, &created, NULL, NULL);
		set_from_seed(s, seed);
		lru_map_delete(d->pair_seeds, &k);
	}
	if (!set_add(s, f->dport, t_s, weight, (uint8_t)kind, d->slow_window_s) ||
	    !set_tripped(s, d->window_s, d->ports, d->slow_window_s, d->slow_ports, &window_s,
			 &threshold, &sum))
		return;
	for (i = 0; i < s->count && list.count < DETECT_LIST_ITEMS; i++) {
		if ((uint64_t)s->items[i].t_s + window_s <= s->newest_s)
			continue;
		snprintf(text[list.count], DETECT_ITEM_LEN, "%u", s->items[i].id);
		items[list.count] = text[list.count];
		list.count++;
	}
	list.total = sum.distinct;
	report(d, f, port_scan_sid(s, &sum), f->dst, 0, s, &sum, window_s, threshold, &list);
}

static void sweep_probe(struct scan_detector *d, const struct detect_flow *f, int kind,
			uint8_t weight, uint32_t t_s)
{
	char text[DETECT_LIST_ITEMS][DETECT_ITEM_LEN];
	const char *items[DETECT_LIST_ITEMS];
	struct anomaly_list list = { "hosts", items, 0, 0 };
	uint32_t window_s, threshold, sid;
	struct sweep_key k;
	struct set_sum sum;
	struct sweep_state *st;
	size_t i;
	int created;

	memset(&k, 0, sizeof(k));
	k.family = f->family;
	k.proto = f->proto;
	k.port = kind == P_ICMP ? 0 : f->dport;
	memcpy(k.src, f->src, 16);
	st = lru_map_get(d->sweeps, &k);
	if (!st) {
		struct sweep_seed *seed = lru_map_upsert(d->sweep_seeds, &k, &created, NULL, NULL);

		if (seed_keep(&seed->seed, created, host_id(f->family, f->dst), t_s, weight,
			      (uint8_t)kind, d->slow_window_s)) {
			if (seed->seed.first.id == host_id(f->family, f->dst))
				memcpy(seed->host, f->dst, 16);
			return;
		}
		st = lru_map_upsert(d->sweeps, &k, &created, NULL, NULL);
		set_from_seed(&st->set, &seed->seed);
		memcpy(st->named[0], seed->host, 16);
		st->set.named_count = 1;
		lru_map_delete(d->sweep_seeds, &k);
	}
	if (!set_add(&st->set, host_id(f->family, f->dst), t_s, weight, (uint8_t)kind,
		     d->slow_window_s))
		return;
	if (st->set.named_count < DETECT_LIST_ITEMS)
		memcpy(st->named[st->set.named_count++], f->dst, 16);
	if (!set_tripped(&st->set, d->window_s, d->hosts, d->slow_window_s, d->slow_hosts,
			 &window_s, &threshold, &sum))
		return;
	for (i = 0; i < st->set.named_count; i++) {
		detect_addr_text(f->family, st->named[i], text[i]);
		items[i] = text[i];
	}
	list.count = st->set.named_count;
	list.total = sum.distinct;
	sid = kind == P_ICMP ? 9000111 : kind == P_UDP ? 9000113 : 9000112;
	report(d, f, sid, NULL, k.port, &st->set, &sum, window_s, threshold, &list);
}

static void scan_flow(struct detector *base, const struct detect_flow *f)
{
	struct scan_detector *d = (struct scan_detector *)base;
	uint8_t weight;
	uint32_t t_s;
	int kind = probe_of(f, &weight);

	/* a long flow's active-timeout records repeat the same port and host: the sets
	 * count it once */
	if (kind < 0 || multicast_or_broadcast(f->family, f->dst))
		return;
	t_s = (uint32_t)(f->first_ns / NS_PER_SEC);
	if (kind != P_ICMP)
		port_scan_probe(d, f, kind, weight, t_s);
	sweep_probe(d, f, kind, weight, t_s);
}

static void scan_stats(const struct detector *base, struct stats_detector *out)
{
	const struct scan_detector *d = (const struct scan_detector *)base;


	out->tracked = out->capacity = out->evicted = out->bytes = 0;
	detect_stats_add_map(out, d->pairs);
	detect_stats_add_map(out, d->sweeps);
	detect_stats_add_map(out, d->pair_seeds);
	detect_stats_add_map(out, d->sweep_seeds);
}

static void scan_destroy(struct detector *base)
{
	struct scan_detector *d = (struct scan_detector *)base;

	lru_map_free(d->pairs);
	lru_map_free(d->sweeps);
	lru_map_free(d->pair_seeds);
	lru_map_free(d->sweep_seeds);
	free(d);
}

static int scan_create(struct detector **out, const struct ew_config *cfg, struct detect *hub)
{
	const uint32_t *v = cfg->anomaly.value;
	size_t capacity = v[EW_AP_MAX_TRACKED];
	struct scan_detector *d = calloc(1, sizeof(*d));
	int err;

	(void)hub;
	if (!d)
		return -ENOMEM;
	d->window_s = v[EW_AP_SCAN_WINDOW];
	d->slow_window_s = v[EW_AP_SCAN_SLOW_WINDOW];
	/* the slow window keeps what the fast one needs too */
	if (d->slow_window_s < d->window_s)
		d->slow_window_s = d->window_s;
	d->ports = v[EW_AP_SCAN_PORTS];
	d->hosts = v[EW_AP_SCAN_HOSTS];
	d->slow_ports = v[EW_AP_SCAN_SLOW_PORTS];
	d->slow_hosts = v[EW_AP_SCAN_SLOW_HOSTS];
	err = lru_map_new(&d->pairs, capacity, sizeof(struct pair_key), sizeof(struct probe_set));
	if (!err)
		err = lru_map_new(&d->sweeps, capacity, sizeof(struct sweep_key),
				  sizeof(struct sweep_state));
	if (!err)
		err = lru_map_new(&d->pair_seeds, capacity, sizeof(struct pair_key),
				  sizeof(struct probe_seed));
	if (!err)
		err = lru_map_new(&d->sweep_seeds, capacity, sizeof(struct sweep_key),
				  sizeof(struct sweep_seed));
	if (err) {
		scan_destroy(&d->base);
		return err;
	}
	*out = &d->base;
	return 0;
}

const struct detector_ops scan_detector_ops = {
	.id = EW_DETECTOR_SCAN,
	.create = scan_create,
	.flow = scan_flow,
	.stats = scan_stats,
	.destroy = scan_destroy,
};
