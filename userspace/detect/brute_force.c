// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Brute force / password guessing on authentication services, judged by flow shape
 * (the payload is encrypted or not sampled): one source making many short, small,
 * completed connections to one service of one host. An "attempt" is a TCP flow that
 * ended with a completed handshake (both sides' SYN, the initiator's ACK), where the
 * server said something (a banner, a key exchange: at least 3 packets each way), that
 * stayed within the service's byte band both ways and lasted less than its duration
 * cap. For SNMP (udp/161) an attempt is a request that got no answer (a wrong v1/v2c
 * community is dropped silently by the agent). Anchor: Zeek's ssh/detect-bruteforcing
 * (30 failed logins in 30 minutes); without payload we count login-shaped connections
 * instead of failed logins, with the table's window (1800 s) and attempts (20).
 *
 * A connection of the same service that is long or large (beyond the band, or an
 * active-timeout record) after the attempts is what a SOC most wants to know: a login
 * may have succeeded. It is reported into the episode as "possible_success" with its
 * size and duration (the episode's next alert carries it).
 *
 * State: one entry per (source, target, service) in a bounded LRU map. Windows are
 * tumbling, anchored on the first attempt's own time (flow records arrive late and out
 * of order, so arrival order is never used). No tick: a stale entry restarts its window
 * at its next attempt, and the LRU bounds memory.
 *
 * Distributed brute force (a botnet: many sources, each a few attempts, below the
 * per-source threshold) is summed per (target, service) in a second map of the same
 * bound: see "distributed" below.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "detect/detector.h"
#include "detect/lru_map.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define NS 1000000000ull

/*
 * The services and their attempt shape. Bands are per direction over the whole flow
 * (bytes include headers). Why these numbers:
 *  - ssh: a key exchange plus a few password tries is 2-6 KB each way (post-quantum
 *    hybrid kex adds ~1.2 KB); 16 KB leaves room, while an interactive session or a
 *    file copy passes it. 30 s: hydra/ncrack retry within seconds.
 *  - telnet/ftp: a banner, a prompt and a failed login are a few hundred bytes; 8 KB.
 *  - rdp: TLS + CredSSP (NTLM) exchanges are 10-30 KB; a real session is megabytes.
 *  - vnc: RFB handshake + DES challenge, < 1 KB; 8 KB.
 *  - http(s): a TLS handshake (certificate chain 3-6 KB) and a login form answer;
 *    24 KB, 10 s. Only toward the management addresses (or a 10x threshold: below).
 */
enum svc {
	SVC_SSH, SVC_TELNET, SVC_FTP, SVC_RDP, SVC_VNC, SVC_SNMP, SVC_HTTP,
};

struct svc_def {
	uint32_t sid;
	const char *name;
	uint64_t band;		/* bytes each way at most for an attempt */
	uint64_t max_ns;	/* duration at most for an attempt */
	uint32_t dist_sid;	/* many sources at one target (distributed); 0: not judged */
};

static const struct svc_def svcs[] = {
	[SVC_SSH] = { 9000201, "ssh", 16384, 30 * NS, 9000211 },
	[SVC_TELNET] = { 9000202, "telnet", 8192, 30 * NS, 9000212 },
	[SVC_FTP] = { 9000203, "ftp", 8192, 30 * NS, 9000213 },
	[SVC_RDP] = { 9000204, "rdp", 65536, 30 * NS, 9000214 },
	[SVC_VNC] = { 9000205, "vnc", 8192, 30 * NS, 9000215 },
	[SVC_SNMP] = { 9000206, "snmp", 0, 0, 0 },
	[SVC_HTTP] = { 9000207, "http", 24576, 10 * NS, 9000217 },
};

/*
 * HTTP(S) without configured management addresses: every web server counts, and an
 * ordinary client (a health checker, an API poller with no keep-alive) makes many short
 * connections; so the threshold is 10 times the attempts (200 in 30 minutes by
 * default: a login form hammered, not a page being browsed).
 */
#define HTTP_UNPROTECTED_FACTOR 10

/*
 * SNMP is judged over one minute, not the window: a poller whose device is down sends
 * a request and 5 retries per poll unanswered (net-snmp's default), 180 in 30 minutes,
 * but 6 in a minute; a community dictionary (onesixtyone, hydra) sends hundreds a
 * second. A record spanning more than the minute (one socket kept across polls) counts
 * its requests at its mean rate over one minute.
 */
#define SNMP_WINDOW_NS (60 * NS)

struct bf_key {
	uint8_t family;
	uint8_t proto;
	uint8_t svc;
	uint8_t pad;
	uint16_t port;
	uint16_t pad2;
	uint8_t src[16];
	uint8_t dst[16];
};

struct bf_state {
	uint64_t win_start_ns;	/* first attempt of the window (flow's own time) */
	uint64_t last_ns;	/* latest attempt */
	uint64_t attempts;
	uint64_t bytes_fwd, bytes_rev;	/* of the attempts: for the evidence's means */
	uint64_t dur_ns;
	uint64_t success_bytes;	/* a long or large session after the attempts: 0 none */
	uint64_t success_ns;	/* its duration */
	uint64_t success_at_ns;
};

/*
 * Distributed brute force, per (target, service), over the same window: a botnet's
 * sources each make a few attempts (fail2ban's and sshguard's per-source bans, and our
 * own per-source threshold, never see them), together many. Anchors: Zeek's
 * detect-bruteforcing counts per guesser (30 in 30 minutes) and lets an operator exempt
 * (client, server) subnet pairs; ntopng's host checks keep counters per victim as well
 * as per attacker. We count at the victim, with three conditions, all in one window:
 *  - attempts >= DIST_ATTEMPTS_FACTOR x `attempts` (100 by default): five per-source
 *    thresholds' worth of failed-looking connections toward one service of one host;
 *  - distinct sources >= `attempts` (20): many sources, so one guesser (already alerted
 *    per source) or a handful of admins never make it;
 *  - attempts >= the other connections to the service (sessions: long or large, a
 *    login that worked): a busy server's clients mostly log in and stay; under a
 *    botnet the short refused connections are most of what reaches the port. Flow shape
 *    decides what is an attempt, as for one source (classify()), so many clients each
 *    with one long session add sessions, never attempts.
 * Only the login services whose per-source threshold is the plain one: not SNMP (many
 * pollers retrying a device that is down are many sources of unanswered requests) and
 * HTTP(S) only toward configured management addresses (without them every web server's
 * visitors would count).
 * Sources: distinct ones estimated by linear counting over EW_FLOOD_SRC_BITS bits (the
 * flood detector's hash; exact enough to a thousand or two), and the busiest kept by the
 * space-saving algorithm in DIST_TOP slots (a newcomer replaces the slot with the fewest
 * attempts and inherits its count as its error): any source with more than 1/DIST_TOP of
 * the window's attempts is kept, and each is ranked by what it surely made (count minus
 * error), so a uniform botnet's inherited counts never outrank a real heavy hitter. The
 * first DETECT_LIST_ITEMS of them are named in the alert.
 * Memory: about 1.8 KB an entry, max-tracked / 16 entries (4096 targets by default:
 * 7 MB at most, allocated as used), least recently used forgotten first, counted.
 */
#define DIST_ATTEMPTS_FACTOR 5
#define DIST_TOP 64
#define DIST_MAP_DIVISOR 16

struct bf_dist_state {
	uint64_t win_start_ns;
	uint64_t last_ns;
	uint64_t attempts;
	uint64_t sessions;	/* the service's other connections in the window */
	uint32_t top_attempts[DIST_TOP];
	uint32_t top_error[DIST_TOP];	/* of top_attempts, inherited from the slot's last */
	uint8_t top_src[DIST_TOP][16];
	uint8_t src_bits[EW_FLOOD_SRC_BITS / 8];
};

struct bf_detector {
	struct detector base;
	struct lru_map *map;
	struct lru_map *dist;	/* (target, service) -> struct bf_dist_state */
	uint64_t window_ns;
	uint64_t attempts;
};

/* The service of a flow, or -1. */
static int service_of(const struct detect_flow *f)
{
	if (f->proto == IPPROTO_UDP)
		return f->dport == 161 ? SVC_SNMP : -1;
	if (f->proto != IPPROTO_TCP)
		return -1;
	switch (f->dport) {
	case 22: return SVC_SSH;
	case 23: return SVC_TELNET;
	case 21: return SVC_FTP;
	case 3389: return SVC_RDP;
	case 80: case 443: case 8080: case 8443: return SVC_HTTP;
	default:
		return f->dport >= 5900 && f->dport <= 5910 ? SVC_VNC : -1;
	}
}

static int bf_create(struct detector **out, const struct ew_config *cfg, struct detect *hub)
{
	struct bf_detector *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	err = lru_map_new(&d->map, cfg->anomaly.value[EW_AP_MAX_TRACKED], sizeof(struct bf_key),
			  sizeof(struct bf_state));
	if (!err)
		err = lru_map_new(&d->dist,
				  cfg->anomaly.value[EW_AP_MAX_TRACKED] / DIST_MAP_DIVISOR ?
				  cfg->anomaly.value[EW_AP_MAX_TRACKED] / DIST_MAP_DIVISOR : 1,
				  sizeof(struct bf_key), sizeof(struct bf_dist_state));
	if (err) {
		lru_map_free(d->map);
		free(d);
		return err;
	}
	d->base.hub = hub;
	d->window_ns = (uint64_t)cfg->anomaly.value[EW_AP_BRUTE_WINDOW] * NS;
	d->attempts = cfg->anomaly.value[EW_AP_BRUTE_ATTEMPTS];
	*out = &d->base;
	return 0;
}

static uint64_t threshold_of(const struct bf_detector *d, int svc, const struct detect_flow *f)
{
	if (svc == SVC_HTTP && !detect_config(d->base.hub)->management.addresses.count)
		return d->attempts * HTTP_UNPROTECTED_FACTOR;
	(void)f;
	return d->attempts;
}

/* 1: the flow is an attempt; 0: not one; -1: a session (long or large: a possible success). */
static int classify(int svc, const struct detect_flow *f)
{
	const struct svc_def *s = &svcs[svc];
	uint64_t dur = f->end_ns > f->first_ns ? f->end_ns - f->first_ns : 0;

	if (svc == SVC_SNMP) {
		/* unanswered requests; an answered one is an ordinary poll */
		return f->flow_pkts_rev == 0 && f->flow_pkts_fwd > 0 ? 1 : 0;
	}
	if (!(f->flags_fwd & TCP_SYN) || (f->flags_rev & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK)
	    || !(f->flags_fwd & TCP_ACK))
		return 0;	/* never established: a scan's probe, not a login */
	if (!f->ends || dur > s->max_ns || f->flow_bytes_fwd > s->band ||
	    f->flow_bytes_rev > s->band)
		return -1;
	/* the server spoke (banner, key exchange) and the client answered: a connect()
	 * probe that resets right after the handshake is the scan detector's */
	if (f->flow_pkts_rev < 3 || f->flow_pkts_fwd < 3)
		return 0;
	return 1;
}

static void bf_report(struct bf_detector *d, int svc, const struct detect_flow *f,
		      const struct bf_state *st, uint64_t threshold, uint64_t ts)
{
	uint64_t window_ns = svc == SVC_SNMP ? SNMP_WINDOW_NS : d->window_ns;
	struct anomaly_number n[DETECT_NUMBERS_MAX];
	struct anomaly_report r;
	size_t k = 0;
	uint64_t a = st->attempts ? st->attempts : 1;

	n[k++] = (struct anomaly_number){ "attempts", (double)st->attempts, 1 };
	n[k++] = (struct anomaly_number){ "threshold", (double)threshold, 1 };
	n[k++] = (struct anomaly_number){ "window_s", (double)(window_ns / NS), 1 };
	n[k++] = (struct anomaly_number){ "span_s",
					  (double)((st->last_ns - st->win_start_ns) / NS), 1 };
	n[k++] = (struct anomaly_number){ "mean_bytes_toserver", (double)(st->bytes_fwd / a), 1 };
	n[k++] = (struct anomaly_number){ "mean_bytes_toclient", (double)(st->bytes_rev / a), 1 };
	n[k++] = (struct anomaly_number){ "mean_duration_ms", (double)(st->dur_ns / a / 1000000),
					  1 };
	n[k++] = (struct anomaly_number){ "possible_success", st->success_bytes ? 1.0 : 0.0, 1 };
	if (st->success_bytes) {
		n[k++] = (struct anomaly_number){ "session_bytes", (double)st->success_bytes, 1 };
		n[k++] = (struct anomaly_number){ "session_duration_s",
						  (double)(st->success_ns / NS), 1 };
	}
	memset(&r, 0, sizeof(r));
	r.sid = svcs[svc].sid;
	r.flow = f;
	r.to_server = 1;
	r.family = f->family;
	r.source = f->src;
	r.target = f->dst;
	r.port = f->dport;
	r.proto = f->proto;
	r.ts_ns = ts;
	r.window_s = window_ns / NS;
	r.numbers = n;
	r.number_count = k;
	detect_report(d->base.hub, &r);
}

/* Note src in the window's top sources (space-saving) and its distinct-source bits. */
static void dist_note_source(struct bf_dist_state *st, const uint8_t *src)
{
	union ew_addr a;
	uint32_t bit;
	int i, min = 0;

	memcpy(a.u8, src, 16);
	bit = ew_flood_src_bit(&a);
	st->src_bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
	for (i = 0; i < DIST_TOP; i++) {
		if (st->top_attempts[i] && !memcmp(st->top_src[i], src, 16)) {
			st->top_attempts[i]++;
			return;
		}
		if (st->top_attempts[i] < st->top_attempts[min])
			min = i;
	}
	memcpy(st->top_src[min], src, 16);
	st->top_error[min] = st->top_attempts[min];	/* 0 for an empty slot */
	st->top_attempts[min]++;
}

/* What the source of slot i surely made in the window. */
static uint32_t dist_sure(const struct bf_dist_state *st, int i)
{
	return st->top_attempts[i] - st->top_error[i];
}

static void dist_report(struct bf_detector *d, int svc, uint16_t port,
			const struct detect_flow *f, const struct bf_dist_state *st, uint64_t sources)
{
	static const uint8_t many[16];
	char names[DETECT_LIST_ITEMS][DETECT_ITEM_LEN];
	const char *items[DETECT_LIST_ITEMS];
	int order[DIST_TOP], n = 0, i, j;
	uint64_t total = st->attempts + st->sessions;

	/* the kept sources, most sure attempts first */
	for (i = 0; i < DIST_TOP; i++) {
		if (!st->top_attempts[i])
			continue;
		for (j = n; j > 0 && dist_sure(st, order[j - 1]) < dist_sure(st, i); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	if (n > DETECT_LIST_ITEMS)
		n = DETECT_LIST_ITEMS;
	for (i = 0; i < n; i++) {
		detect_addr_text(f->family, st->top_src[order[i]], names[i]);
		items[i] = names[i];
	}
	{
		struct anomaly_number numbers[] = {
			{ "attempts", (double)st->attempts, 1 },
			{ "threshold", (double)(d->attempts * DIST_ATTEMPTS_FACTOR), 1 },
			{ "threshold_sources", (double)d->attempts, 1 },
			{ "window_s", (double)(d->window_ns / NS), 1 },
			{ "span_s", (double)((st->last_ns - st->win_start_ns) / NS), 1 },
			{ "sessions", (double)st->sessions, 1 },
			{ "attempt_share", total ? (double)st->attempts / (double)total : 0, 0 },
			{ "top_source_attempts", n ? dist_sure(st, order[0]) : 0, 1 },
		};
		struct anomaly_list list = { "sources", items, (size_t)n, sources };
		struct anomaly_report r = {
			.sid = svcs[svc].dist_sid,
			.flow = f,
			.to_server = 1,
			.family = f->family,
			.source = many,	/* one episode per (target, service), whoever tips it */
			.target = f->dst,
			.port = port,	/* VNC: 5900, its displays are one service */
			.proto = f->proto,
			.ts_ns = f->end_ns,
			.window_s = d->window_ns / NS,
			.numbers = numbers,
			.number_count = sizeof(numbers) / sizeof(numbers[0]),
			.lists = &list,
			.list_count = 1,
		};

		detect_report(d->base.hub, &r);
	}
}

/*
 * A flow of a login service, summed at its target: kind 1 an attempt, -1 a session (long
 * or large). key: the per-source key (its source is cleared here).
 */
static void dist_flow(struct bf_detector *d, int svc, int kind, struct bf_key *key,
		      const struct detect_flow *f)
{
	const struct ew_cidr_list *mgmt = &detect_config(d->base.hub)->management.addresses;
	struct bf_dist_state *st;
	/* an attempt at its start (as per source); a session at its record's end: a long
	 * one began long before, and its start must not drag the window back */
	uint64_t t = kind > 0 ? f->first_ns : f->end_ns, sources;
	int created;

	if (!svcs[svc].dist_sid || (svc == SVC_HTTP && !mgmt->count))
		return;
	/* a session counts once (its first record), not at every active timeout */
	if (kind < 0 && f->start_ns >= f->first_ns + NS)
		return;
	memset(key->src, 0, sizeof(key->src));
	st = lru_map_upsert(d->dist, key, &created, NULL, NULL);
	if (created || t >= st->win_start_ns + d->window_ns) {
		memset(st, 0, sizeof(*st));
		st->win_start_ns = t;
	} else if (t < st->win_start_ns && kind > 0) {
		st->win_start_ns = t;	/* arrived out of order: it opens the window */
	}
	if (f->end_ns > st->last_ns)
		st->last_ns = f->end_ns;
	if (kind < 0) {
		st->sessions++;
		return;
	}
	st->attempts++;
	dist_note_source(st, f->src);
	sources = detect_distinct_estimate(st->src_bits, EW_FLOOD_SRC_BITS);
	if (st->attempts >= d->attempts * DIST_ATTEMPTS_FACTOR && sources >= d->attempts &&
	    st->attempts >= st->sessions)
		dist_report(d, svc, key->port, f, st, sources);
}

static void bf_flow(struct detector *base, const struct detect_flow *f)
{
	struct bf_detector *d = (struct bf_detector *)base;
	const struct ew_cidr_list *mgmt = &detect_config(base->hub)->management.addresses;
	struct bf_key key;
	struct bf_state *st;
	uint64_t threshold, t, window;
	int svc = service_of(f), kind, created;

	if (svc < 0)
		return;
	if (svc == SVC_HTTP && mgmt->count && !detect_in_cidrs(mgmt, f->family, f->dst))
		return;	/* web traffic to anything but the management plane */
	kind = classify(svc, f);
	if (!kind)
		return;
	memset(&key, 0, sizeof(key));
	key.family = f->family;
	key.proto = f->proto;
	key.svc = (uint8_t)svc;
	/* VNC displays 5900-5910 are one service; the others are one port each */
	key.port = svc == SVC_VNC ? 5900 : f->dport;
	memcpy(key.src, f->src, 16);
	memcpy(key.dst, f->dst, 16);
	threshold = threshold_of(d, svc, f);
	{
		struct bf_key target = key;

		dist_flow(d, svc, kind, &target, f);
	}
	if (kind < 0) {
		/* a session: noted only where attempts came first (an entry exists) */
		st = lru_map_get(d->map, &key);
		if (!st || !st->attempts || f->first_ns < st->win_start_ns)
			return;
		st->success_bytes = f->flow_bytes_fwd + f->flow_bytes_rev;
		st->success_ns = f->end_ns > f->first_ns ? f->end_ns - f->first_ns : 0;
		st->success_at_ns = f->end_ns;
		if (st->attempts >= threshold)
			bf_report(d, svc, f, st, threshold, f->end_ns);
		return;
	}
	st = lru_map_upsert(d->map, &key, &created, NULL, NULL);
	t = f->first_ns;
	window = svc == SVC_SNMP ? SNMP_WINDOW_NS : d->window_ns;
	if (created || t >= st->win_start_ns + window) {
		/* a new window; a session noted in the old one belongs to it */
		memset(st, 0, sizeof(*st));
		st->win_start_ns = t;
	} else if (t < st->win_start_ns) {
		st->win_start_ns = t;	/* arrived out of order: it opens the window */
	}
	if (svc == SVC_SNMP) {
		/* one flow may carry many requests (one socket, many communities) */
		uint64_t span = f->end_ns > f->start_ns ? f->end_ns - f->start_ns : 0;

		st->attempts += span > SNMP_WINDOW_NS ?
			f->pkts_fwd * SNMP_WINDOW_NS / span : f->pkts_fwd;
	} else {
		st->attempts++;
	}
	st->bytes_fwd += f->flow_bytes_fwd;
	st->bytes_rev += f->flow_bytes_rev;
	st->dur_ns += f->end_ns > f->first_ns ? f->end_ns - f->first_ns : 0;
	if (f->end_ns > st->last_ns)
		st->last_ns = f->end_ns;
	if (st->attempts >= threshold)
		bf_report(d, svc, f, st, threshold, f->end_ns);
}

static void bf_stats(const struct detector *base, struct stats_detector *out)
{
	const struct bf_detector *d = (const struct bf_detector *)base;

	out->tracked = out->capacity = out->evicted = out->bytes = 0;
	detect_stats_add_map(out, d->map);
	detect_stats_add_map(out, d->dist);
}

static void bf_destroy(struct detector *base)
{
	struct bf_detector *d = (struct bf_detector *)base;

	lru_map_free(d->map);
	lru_map_free(d->dist);
	free(d);
}

const struct detector_ops brute_force_detector_ops = {
	.id = EW_DETECTOR_BRUTE_FORCE,
	.create = bf_create,
	.flow = bf_flow,
	.stats = bf_stats,
	.destroy = bf_destroy,
};
