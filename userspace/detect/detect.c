// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The detectors' hub: see detect.h (the engine's side) and detector.h (a detector's).
 *
 * Episodes: what a detector reports about one subject (detection, source, target,
 * port) is one episode. Its first report is alerted at once ("start"); later reports
 * are folded into it (counted as suppressed, their evidence kept as the latest); every
 * anomaly.update-interval while reports keep coming, the latest evidence is alerted
 * again ("update", suppressed = the reports folded since the previous alert); once no
 * report came for the report's window, or at the end of the run, the episode is alerted
 * a last time with its totals ("end"). A scan of 10,000 ports is thus three alerts or
 * so, not 10,000, and nothing it did goes uncounted. Episodes live in a bounded map
 * (DETECT_EPISODES_MAX); one forgotten to make room is alerted as ended first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/detector.h"
#include "detect/lru_map.h"
#include "flow_export.h"
#include "log.h"

/* Episodes open at once: each holds its latest evidence (about 3 KiB). */
#define DETECT_EPISODES_MAX 4096
#define NS_PER_SEC 1000000000ULL

/* each detector adds its ops here (any order: they carry their id) */
static const struct detector_ops *const all_detectors[] = {
	&scan_detector_ops,
	&flood_detector_ops,
	&beacon_detector_ops,
	&brute_force_detector_ops,
	&amplification_detector_ops,
};

struct episode_key {
	uint32_t sid;
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t source[16];
	uint8_t target[16];	/* zero: many targets */
};

/* The latest evidence of an episode, copied out of the detector's report. */
struct evidence {
	struct anomaly_number numbers[DETECT_NUMBERS_MAX];
	size_t number_count;
	struct anomaly_list lists[DETECT_LISTS_MAX];
	const char *item_ptrs[DETECT_LISTS_MAX][DETECT_LIST_ITEMS];
	char items[DETECT_LISTS_MAX][DETECT_LIST_ITEMS][DETECT_ITEM_LEN];
	size_t list_count;
	int has_score;
	double score;
	struct anomaly_number score_parts[DETECT_NUMBERS_MAX];
	size_t score_part_count;
};

struct episode {
	uint64_t first_ns, last_ns;	/* first and latest report (wall clock) */
	uint64_t last_alert_ns;
	uint64_t reports;
	uint64_t since_alert;		/* reports folded since the last alert */
	uint64_t window_s;
	int to_server;
	struct flow_key flow_key;	/* the latest report's flow */
	struct flow_record flow_rec;
	struct evidence evidence;
};

struct detect {
	const struct ew_config *cfg;
	const struct flow_exporter *exporter;	/* output, flow id salt, clock offset */
	uint64_t update_interval_ns;
	struct detector *detectors[EW_DETECTOR_COUNT];
	struct lru_map *episodes;
	uint64_t now_ns;		/* the latest time seen (wall clock) */
	int live;			/* detect_live_on */
	struct stats_anomaly stats;
};

void detect_stats_add_map(struct stats_detector *out, const struct lru_map *m)
{
	out->tracked += lru_map_count(m);
	out->capacity += lru_map_capacity(m);
	out->evicted += lru_map_evictions(m);
	out->bytes += lru_map_bytes(m);
}

uint64_t detect_distinct_estimate(const uint8_t *bits, unsigned int nbits)
{
	unsigned int set = 0, i;

	for (i = 0; i < nbits / 8; i++)
		set += (unsigned int)__builtin_popcount(bits[i]);
	if (set >= nbits)
		set = nbits - 1;	/* saturated: the estimate's ceiling */
	return (uint64_t)llround((double)nbits * log((double)nbits / (double)(nbits - set)));
}

void detect_addr_text(uint8_t family, const uint8_t *addr, char out[DETECT_ITEM_LEN])
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, out, DETECT_ITEM_LEN))
		strcpy(out, "?");
}

static void copy_numbers(struct anomaly_number *to, size_t *to_count,
			 const struct anomaly_number *from, size_t count)
{
	if (!from)
		count = 0;
	if (count > DETECT_NUMBERS_MAX)
		count = DETECT_NUMBERS_MAX;
	if (count)	/* a report without a score has score_parts NULL: memcpy(, NULL, 0) is UB */
		memcpy(to, from, count * sizeof(*from));
	*to_count = count;
}

static void evidence_copy(struct evidence *e, const struct anomaly_report *r)
{
	size_t i, j;

	copy_numbers(e->numbers, &e->number_count, r->numbers, r->number_count);
	copy_numbers(e->score_parts, &e->score_part_count, r->score_parts, r->score_part_count);
	e->has_score = r->has_score;
	e->score = r->score;
	e->list_count = r->list_count < DETECT_LISTS_MAX ? r->list_count : DETECT_LISTS_MAX;
	for (i = 0; i < e->list_count; i++) {
		const struct anomaly_list *from = &r->lists[i];
		size_t n = from->count < DETECT_LIST_ITEMS ? from->count : DETECT_LIST_ITEMS;

		for (j = 0; j < n; j++) {
			strncpy(e->items[i][j], from->items[j], DETECT_ITEM_LEN - 1);
			e->items[i][j][DETECT_ITEM_LEN - 1] = '\0';
			e->item_ptrs[i][j] = e->items[i][j];
		}
		e->lists[i].name = from->name;
		e->lists[i].items = e->item_ptrs[i];
		e->lists[i].count = n;
		e->lists[i].total = from->total > n ? from->total : n;
	}
}

/* Alert what an episode holds now; phase "start", "update" or "end". */
static void episode_alert(struct detect *d, const struct episode_key *k, struct episode *ep,
			  const char *phase, uint64_t now_ns)
{
	const struct ew_detection *det = ew_detection_of(k->sid);
	const struct flow_exporter *x = d->exporter;
	int64_t to_realtime = flow_exporter_to_realtime(x);
	const struct evidence *ev = &ep->evidence;
	struct alert_anomaly an = {
		.detector = ew_detector_name(det->detector),
		.technique = det->technique,
		.episode = phase,
		.window_s = ep->window_s,
		.first_ns = ep->first_ns,
		.last_ns = ep->last_ns,
		.reports = ep->reports,
		.numbers = ev->numbers,
		.number_count = ev->number_count,
		.lists = ev->lists,
		.list_count = ev->list_count,
		.has_score = ev->has_score,
		.score = ev->score,
		.score_parts = ev->score_parts,
		.score_part_count = ev->score_part_count,
	};
	/* the alert's packet went from the initiator (to_server) or from the responder */
	int from_a = (ep->flow_rec.initiator == 0) == (ep->to_server != 0);
	struct alert_event a;

	alert_event_init(&a, &ep->flow_key, &ep->flow_rec, from_a,
			 (uint64_t)((int64_t)now_ns - to_realtime), to_realtime,
			 x->flow_id_salt);
	a.gid = 1;
	a.sid = det->sid;
	a.rev = 1;
	a.signature = det->signature;
	a.category = det->category;
	a.severity = det->severity;
	a.suppressed = ep->since_alert;
	a.anomaly = &an;
	ep->since_alert = 0;
	ep->last_alert_ns = now_ns;
	d->stats.alerts++;
	d->stats.detectors[det->detector].alerts++;
	if (output_alert(x->out, &a))
		d->stats.alert_errors++;
}

static void episode_end(struct detect *d, const struct episode_key *k, struct episode *ep)
{
	episode_alert(d, k, ep, "end", ep->last_ns);
	d->stats.episodes_ended++;
}

/* An episode forgotten to make room for a new one: it ends now, alerted. */
static void episode_evicted(void *ctx, const void *key, void *value)
{
	struct detect *d = ctx;

	d->stats.episodes_evicted++;
	episode_end(d, key, value);
}

void detect_report(struct detect *d, const struct anomaly_report *r)
{
	const struct ew_detection *det = ew_detection_of(r->sid);
	struct episode_key k;
	struct episode *ep;
	int created;

	if (!det) {
		log_warn("detect: report of unknown sid %u ignored", r->sid);
		return;
	}
	d->stats.reports++;
	memset(&k, 0, sizeof(k));
	k.sid = r->sid;
	k.family = r->family;
	k.proto = r->proto;
	k.port = r->port;
	memcpy(k.source, r->source, 16);
	if (r->target)
		memcpy(k.target, r->target, 16);
	ep = lru_map_upsert(d->episodes, &k, &created, episode_evicted, d);
	if (created) {
		ep->first_ns = r->ts_ns;
		d->stats.episodes_started++;
	}
	ep->reports++;
	if (r->ts_ns > ep->last_ns)
		ep->last_ns = r->ts_ns;
	ep->window_s = r->window_s;
	ep->to_server = r->to_server;
	if (r->flow) {
		ep->flow_key = *r->flow->ev->flow.key;
		ep->flow_rec = *r->flow->ev->flow.rec;
	}
	evidence_copy(&ep->evidence, r);
	if (created) {
		episode_alert(d, &k, ep, "start", r->ts_ns);
	} else if (r->ts_ns >= ep->last_alert_ns + d->update_interval_ns) {
		d->stats.episodes_updated++;
		episode_alert(d, &k, ep, "update", r->ts_ns);
	} else {
		ep->since_alert++;	/* folded: the next alert of the episode says so */
		d->stats.suppressed++;
	}
}

int detect_in_cidrs(const struct ew_cidr_list *list, uint8_t family, const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		const struct ew_cidr *c = &list->items[i];
		unsigned int bytes = c->prefix_len / 8, bits = c->prefix_len % 8;

		if (c->family != family || memcmp(c->addr, addr, bytes))
			continue;
		if (bits && ((c->addr[bytes] ^ addr[bytes]) & (uint8_t)(0xff << (8 - bits))))
			continue;
		return 1;
	}
	return 0;
}

static void detect_flow_of(const struct flow_event *ev, int64_t to_realtime,
			   struct detect_flow *f)
{
	const struct flow_record *rec = ev->flow.rec;
	const struct flow_key *key = ev->flow.key;
	struct flow_endpoints ep;

	flow_endpoints_of(key, rec, &ep);
	memset(f, 0, sizeof(*f));
	f->ev = ev;
	f->family = key->family;
	f->src = ep.src_addr;
	f->dst = ep.dst_addr;
	f->sport = ep.src_port;
	f->dport = ep.dst_port;
	f->proto = key->proto;
	f->flags_fwd = rec->tcp_flags[EW_DIR_TO_SERVER];
	f->flags_rev = rec->tcp_flags[EW_DIR_TO_CLIENT];
	f->icmp_type = rec->icmp_type;
	f->icmp_code = rec->icmp_code;
	f->pkts_fwd = ev->packets[EW_DIR_TO_SERVER];
	f->pkts_rev = ev->packets[EW_DIR_TO_CLIENT];
	f->bytes_fwd = ev->bytes[EW_DIR_TO_SERVER];
	f->bytes_rev = ev->bytes[EW_DIR_TO_CLIENT];
	f->flow_pkts_fwd = rec->packets[EW_DIR_TO_SERVER];
	f->flow_pkts_rev = rec->packets[EW_DIR_TO_CLIENT];
	f->flow_bytes_fwd = rec->bytes[EW_DIR_TO_SERVER];
	f->flow_bytes_rev = rec->bytes[EW_DIR_TO_CLIENT];
	f->start_ns = ev->start_ns;
	f->end_ns = ev->end_ns;
	f->first_ns = (uint64_t)((int64_t)rec->first_seen_ns + to_realtime);
	f->ends = ev->reason != EW_END_ACTIVE_TIMEOUT;
	f->gap_count = rec->gap_count;
	f->gap_sum_ms = rec->gap_sum_ms;
	f->gap_sumsq_ms = rec->gap_sumsq_ms;
}

void detect_flow(struct detect *d, const struct flow_event *ev)
{
	struct detect_flow f;
	int i;

	if (!d)
		return;
	detect_flow_of(ev, flow_exporter_to_realtime(d->exporter), &f);
	if (detect_in_cidrs(&d->cfg->anomaly.exclude, f.family, f.src) ||
	    detect_in_cidrs(&d->cfg->anomaly.exclude, f.family, f.dst)) {
		d->stats.flows_excluded++;
		return;
	}
	d->stats.flows_seen++;
	if (f.end_ns > d->now_ns)
		d->now_ns = f.end_ns;
	for (i = 0; i < EW_DETECTOR_COUNT; i++)
		if (d->detectors[i])
			d->detectors[i]->ops->flow(d->detectors[i], &f);
}

void detect_live_on(struct detect *d)
{
	if (d)
		d->live = 1;
}

int detect_live_counts(const struct detect *hub)
{
	return hub->live;
}

uint64_t detect_now(const struct detect *hub)
{
	return hub->now_ns;
}

uint64_t detect_hot_packets(const struct ew_config *cfg)
{
	uint32_t udp = cfg->anomaly.value[EW_AP_FLOOD_UDP_RATE];
	uint32_t icmp = cfg->anomaly.value[EW_AP_FLOOD_ICMP_RATE];
	uint32_t floor = udp < icmp ? udp : icmp;

	if (!cfg->anomaly.on || !cfg->anomaly.enabled[EW_DETECTOR_FLOOD])
		return 0;
	/* a fifth of the smaller floor: five such flows together reach it */
	return floor / 5 ? floor / 5 : 1;
}

/* Hand a live count to the detectors that take them, unless an address is excluded. */
static void live_dispatch(struct detect *d, const struct detect_live *lv)
{
	const struct detect_flow *f = lv->flow;
	int i;

	if (detect_in_cidrs(&d->cfg->anomaly.exclude, f->family, f->dst) ||
	    (lv->kind == DETECT_LIVE_HOT &&
	     detect_in_cidrs(&d->cfg->anomaly.exclude, f->family, f->src))) {
		d->stats.flows_excluded++;
		return;
	}
	if (lv->now_ns > d->now_ns)
		d->now_ns = lv->now_ns;
	for (i = 0; i < EW_DETECTOR_COUNT; i++)
		if (d->detectors[i] && d->detectors[i]->ops->live)
			d->detectors[i]->ops->live(d->detectors[i], lv);
}

/*
 * A live count as a flow record would be (a flow that goes on: start_ns..end_ns, the
 * initiator's pkts_fwd, datapath clock), handed to the detectors with lv.
 */
static void live_send(struct detect *d, const struct flow_key *key, const struct flow_record *rec,
		      uint64_t pkts_fwd, uint64_t start_ns, uint64_t end_ns, struct detect_live *lv)
{
	int64_t to_realtime = flow_exporter_to_realtime(d->exporter);
	struct flow_event ev;
	struct detect_flow f;

	memset(&ev, 0, sizeof(ev));
	ev.flow.key = key;
	ev.flow.rec = rec;
	ev.reason = EW_END_ACTIVE_TIMEOUT;	/* not an end: the flow may go on */
	ev.packets[EW_DIR_TO_SERVER] = pkts_fwd;
	ev.start_ns = (uint64_t)((int64_t)start_ns + to_realtime);
	ev.end_ns = (uint64_t)((int64_t)end_ns + to_realtime);
	detect_flow_of(&ev, to_realtime, &f);
	lv->now_ns = f.end_ns;
	lv->flow = &f;
	live_dispatch(d, lv);
	/* f dies here: lv is the caller's (gcc 12 for arm64 refuses the dangling pointer) */
	lv->flow = NULL;
}

void detect_live_dest(struct detect *d, const struct flood_dest_key *dest,
		      const uint64_t new_flows[EW_FLOOD_CLASSES], uint64_t handshakes,
		      const struct flood_dest_count *last,
		      const uint64_t src_bits[EW_FLOOD_SRC_BITS / 64], uint64_t since_ns,
		      uint64_t now_ns)
{
	struct detect_live lv = { .kind = DETECT_LIVE_DEST, .handshakes = handshakes,
				  .src_bits = src_bits };
	struct flow_key key = { .family = dest->family, .proto = last->last_proto };
	struct flow_record rec = { .flow_seq = last->last_flow_seq };

	if (!d)
		return;
	/* the latest new flow toward dest stands for them in an alert: from its initiator */
	key.addr_a = last->last_src;
	key.addr_b = dest->addr;
	key.port_a = last->last_sport;
	key.port_b = last->last_dport;
	rec.first_seen_ns = rec.last_seen_ns = now_ns;
	rec.icmp_type = last->last_icmp_type;
	rec.icmp_code = last->last_icmp_code;
	rec.tcp_flags[EW_DIR_TO_SERVER] = key.proto == IPPROTO_TCP ? EW_TCP_SYN : 0;
	memcpy(lv.new_flows, new_flows, sizeof(lv.new_flows));
	lv.since_ns = (uint64_t)((int64_t)since_ns + flow_exporter_to_realtime(d->exporter));
	live_send(d, &key, &rec, 0, now_ns, now_ns, &lv);
}

void detect_hot_flow(struct detect *d, const struct flow_hot *h)
{
	struct detect_live lv = { .kind = DETECT_LIVE_HOT, .reverse = h->dir == EW_DIR_TO_CLIENT };
	/* the responder's packets (an echo flood toward the host that opened the ICMP
	 * pair): seen as a flow its sender started, so the detectors see who sent them to
	 * whom (src the sender, dst the host they flood) */
	struct flow_record rec = { .initiator = lv.reverse ? !h->initiator : h->initiator,
				   .flow_seq = h->flow_seq };

	if (!d)
		return;
	rec.first_seen_ns = h->first_seen_ns;
	rec.last_seen_ns = h->last_seen_ns;
	rec.icmp_type = h->icmp_type;
	rec.icmp_code = h->icmp_code;
	rec.packets[EW_DIR_TO_SERVER] = h->packets;
	rec.exported_packets[EW_DIR_TO_SERVER] = h->exported_packets;
	live_send(d, &h->key, &rec, h->packets - h->exported_packets, h->since_ns, h->last_seen_ns,
		  &lv);
}

struct end_quiet {
	struct detect *d;
	uint64_t now_ns;
	int all;
};

static int end_if_quiet(void *ctx, const void *key, void *value)
{
	struct end_quiet *q = ctx;
	struct episode *ep = value;

	if (!q->all && ep->last_ns + ep->window_s * NS_PER_SEC > q->now_ns)
		return 0;
	episode_end(q->d, key, ep);
	return 1;
}

/* Time passes to now_ns: each detector's hook (tick, or finish at the end), then the
 * episodes that are over end (quiet for their window; every one when all). */
static void advance(struct detect *d, uint64_t now_ns, int all)
{
	struct end_quiet q = { d, now_ns, all };
	int i;

	if (!d)
		return;
	if (now_ns > d->now_ns)
		d->now_ns = now_ns;
	for (i = 0; i < EW_DETECTOR_COUNT; i++) {
		struct detector *det = d->detectors[i];
		void (*hook)(struct detector *, uint64_t) =
			det ? (all ? det->ops->finish : det->ops->tick) : NULL;

		if (hook)
			hook(det, d->now_ns);
	}
	lru_map_each(d->episodes, end_if_quiet, &q);
}

void detect_tick(struct detect *d, uint64_t now_ns)
{
	advance(d, now_ns, 0);
}

void detect_finish(struct detect *d, uint64_t now_ns)
{
	advance(d, now_ns, 1);
}

void detect_stats(const struct detect *d, struct stats_anomaly *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!d)
		return;
	*out = d->stats;
	out->on = 1;
	out->episodes_open = lru_map_count(d->episodes);
	out->detector_count = EW_DETECTOR_COUNT;
	for (i = 0; i < EW_DETECTOR_COUNT; i++) {
		struct stats_detector *s = &out->detectors[i];

		s->name = ew_detector_name((enum ew_detector)i);
		s->enabled = d->detectors[i] != NULL;
		if (d->detectors[i] && d->detectors[i]->ops->stats) {
			uint64_t alerts = s->alerts;

			d->detectors[i]->ops->stats(d->detectors[i], s);
			s->name = ew_detector_name((enum ew_detector)i);
			s->enabled = 1;
			s->alerts = alerts;
		}
	}
}

void detect_reconfigure(struct detect *d, const struct ew_config *cfg)
{
	if (d)
		d->cfg = cfg;
}

const struct ew_config *detect_config(const struct detect *hub)
{
	return hub->cfg;
}

int detect_new(struct detect **out, const struct ew_config *cfg, const struct flow_exporter *x)
{
	struct detect *d;
	size_t i;
	int err;

	_Static_assert(EW_DETECTOR_COUNT <= sizeof(d->stats.detectors) /
						sizeof(d->stats.detectors[0]),
		       "a stats row per detector");
	*out = NULL;
	if (!cfg->anomaly.on)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = cfg;
	d->exporter = x;
	d->update_interval_ns = (uint64_t)cfg->anomaly.value[EW_AP_UPDATE_INTERVAL] * NS_PER_SEC;
	err = lru_map_new(&d->episodes, DETECT_EPISODES_MAX, sizeof(struct episode_key),
			  sizeof(struct episode));
	if (err)
		goto fail;
	for (i = 0; i < sizeof(all_detectors) / sizeof(all_detectors[0]); i++) {
		const struct detector_ops *ops = all_detectors[i];

		if (!ops || !cfg->anomaly.enabled[ops->id])
			continue;
		err = ops->create(&d->detectors[ops->id], cfg, d);
		if (err) {
			log_error("detect: %s: cannot start: %s", ew_detector_name(ops->id),
				  strerror(-err));
			goto fail;
		}
		d->detectors[ops->id]->ops = ops;
		d->detectors[ops->id]->hub = d;
	}
	*out = d;
	return 0;
fail:
	detect_free(d);
	return err;
}

void detect_free(struct detect *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < EW_DETECTOR_COUNT; i++)
		if (d->detectors[i])
			d->detectors[i]->ops->destroy(d->detectors[i]);
	lru_map_free(d->episodes);
	free(d);
}
