// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Beaconing inside one long-lived flow (sid 9000502): a keep-alive C2 in one QUIC,
 * WebSocket or TLS flow. The kernel sums each flow's gaps between bursts
 * (flow_record.gap_*, bpf/flow.bpf.h); each record (an active-timeout record: since the
 * previous one) is scored here for regularity (beacon_gap_score_of), with the across-
 * connection half's threshold and peer sets (beacon_internal.h). detect/README.md
 * ("Inside one flow") says why each number is what it is.
 *
 * A regular record is held for one active timeout before it is judged: by then every
 * long flow that was alive with it has written a record too, so a poller's sessions to
 * its devices, or a popular service's clients, are known as such (peers) before the
 * first of them could alert.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/beacon_internal.h"
#include "detect/beacon_score.h"

/*
 * A beat is small: a heartbeat's TLS records and their ACKs are a few hundred bytes to a
 * few KB; a media segment fetched over a kept-alive connection is tens to hundreds of KB.
 * And the flow is mostly silent between beats: a busy flow with regular pauses is not a
 * heartbeat.
 */
#define BURST_BYTES_MAX 16384.0
#define QUIET_MIN 0.5
/*
 * A pattern of a long-lived flow: its gaps sum to 10 minutes at least (20 beats of a
 * 30 s heartbeat; the across-connection half needs 10 connections, 10 minutes at its
 * usual 60 s). A few minutes of regular traffic is common in ordinary sessions: paced
 * transfer chunks, an admin's scripted commands, a progress poll during a job.
 */
#define MIN_QUIET_MS 600000u
/* Regular records waiting for their peers (a few per beaconing or keep-alive flow per
 * active timeout); when full, the oldest is judged early (its peers may be incomplete). */
#define HOLD_MAX 1024

struct held {
	uint64_t due_ns;
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	struct detect_flow f;
	struct pair_key k;
	struct beacon_gap_score s;
};

struct beacon_in_flow {
	uint64_t hold_ns;
	uint64_t window_s;	/* an episode goes on while its records keep coming */
	struct held *ring;	/* HOLD_MAX, oldest at head */
	size_t head, count;
	size_t touched;		/* slots ever used: the memory the ring holds so far */
};

/*
 * Protocols whose long-lived sessions keep alive by design, between configured peers:
 * routing (BGP 179, LDP 646, BFD 3784/3785), VPN tunnels (IKE 500/4500, L2TP 1701, PPTP
 * 1723, OpenVPN 1194, WireGuard 51820; ESP, AH and GRE have no ports: by protocol), SIP
 * registrations (5060/5061), mobile push (APNs 5223, FCM 5228), MQTT (1883/8883), and
 * ICMP (a gateway's failover ping, a monitor's: all echoes of a host pair are one flow).
 * Idle, each is a perfect beacon. Ports are the responder's. To watch one anyway there
 * is no switch: these are documented (README) as not judged.
 */
static int keepalive_service(uint8_t proto, uint16_t port)
{
	switch (proto) {
	case 1: case 47: case 50: case 51: case 58:	/* ICMP, GRE, ESP, AH, ICMPv6 */
		return 1;
	}
	switch (port) {
	case 179: case 646: case 1723: case 5223: case 5228: case 1883: case 8883:
		return proto == 6;
	case 500: case 4500: case 1701: case 3784: case 3785: case 51820:
		return proto == 17;
	case 1194: case 5060: case 5061:
		return 1;
	}
	return 0;
}

int beacon_in_flow_new(struct beacon *b, const struct ew_config *cfg)
{
	struct beacon_in_flow *in = calloc(1, sizeof(*in));

	if (!in)
		return -ENOMEM;
	/* calloc: pages are touched only as records are held */
	in->ring = calloc(HOLD_MAX, sizeof(*in->ring));
	if (!in->ring) {
		free(in);
		return -ENOMEM;
	}
	in->hold_ns = (uint64_t)cfg->flow.active_timeout * BEACON_NS;
	/* reports come an active timeout apart, each an active timeout after its record's
	 * end (the hold): the episode stays open over both, and an idle timeout more */
	in->window_s = 2 * (uint64_t)cfg->flow.active_timeout + cfg->flow.idle_timeout;
	b->in_flow = in;
	return 0;
}

void beacon_in_flow_free(struct beacon *b)
{
	if (!b->in_flow)
		return;
	free(b->in_flow->ring);
	free(b->in_flow);
	b->in_flow = NULL;
}

static void alert(struct beacon *b, const struct held *h)
{
	const struct detect_flow *f = &h->f;
	struct anomaly_number numbers[] = {
		{ "gaps", (double)f->gap_count, 1 },
		{ "interval_s", h->s.interval_s, 0 },
		{ "interval_sd_s", h->s.interval_sd_s, 0 },
		{ "bytes_per_burst", h->s.burst_bytes, 1 },
		{ "quiet_share", h->s.quiet, 0 },
		{ "record_s", (double)(f->end_ns - f->start_ns) / BEACON_NS, 0 },
	};
	struct anomaly_number parts[] = {
		{ "cv", h->s.cv, 0 },
	};
	struct anomaly_report r = {
		.sid = 9000502,
		.flow = f,
		.to_server = 1,
		.family = h->k.family,
		.source = h->k.src,
		.target = h->k.dst,
		.port = h->k.port,
		.proto = h->k.proto,
		.ts_ns = f->end_ns,
		.window_s = b->in_flow->window_s,
		.numbers = numbers,
		.number_count = sizeof(numbers) / sizeof(numbers[0]),
		.has_score = 1,
		.score = h->s.score,
		.score_parts = parts,
		.score_part_count = sizeof(parts) / sizeof(parts[0]),
	};

	detect_report(b->base.hub, &r);
}

/* The oldest held record: a poller's or a popular service's (peers), or an alert. */
static void judge_head(struct beacon *b)
{
	struct beacon_in_flow *in = b->in_flow;
	const struct held *h = &in->ring[in->head];

	if (beacon_peer_note(b, &h->k, 0, 0) >= b->peers ||
	    beacon_peer_note(b, &h->k, 1, 0) >= b->peers)
		b->suppressed++;
	else
		alert(b, h);
	in->head = (in->head + 1) % HOLD_MAX;
	in->count--;
}

/* Keep a copy of the record whose pointers point into the copy. */
static void hold(struct beacon *b, const struct detect_flow *f, const struct pair_key *k,
		 const struct beacon_gap_score *s)
{
	struct beacon_in_flow *in = b->in_flow;
	struct held *h;

	if (in->count == HOLD_MAX)
		judge_head(b);	/* early: nothing is dropped, its peers may be incomplete */
	h = &in->ring[(in->head + in->count) % HOLD_MAX];
	in->count++;
	if (in->touched < HOLD_MAX)	/* the ring goes round: every slot, in time */
		in->touched++;
	h->due_ns = f->end_ns + in->hold_ns;
	h->key = *f->ev->flow.key;
	h->rec = *f->ev->flow.rec;
	h->ev = *f->ev;
	h->ev.flow.key = &h->key;
	h->ev.flow.rec = &h->rec;
	if (f->ev->flow.fields.proto == f->ev->flow.fields.proto_buf)
		h->ev.flow.fields.proto = h->ev.flow.fields.proto_buf;
	h->k = *k;
	h->f = *f;
	h->f.ev = &h->ev;
	h->f.src = h->k.src;
	h->f.dst = h->k.dst;
	h->s = *s;
}

void beacon_in_flow_record(struct beacon *b, const struct detect_flow *f,
			   const struct pair_key *k)
{
	struct beacon_gap_score s;

	if (f->gap_count < b->min_conns || f->gap_sum_ms < MIN_QUIET_MS ||
	    keepalive_service(f->proto, f->dport) || f->end_ns <= f->start_ns)
		return;
	beacon_gap_score_of(f->gap_count, f->gap_sum_ms, f->gap_sumsq_ms,
			    (double)(f->end_ns - f->start_ns) / 1e6, f->bytes_fwd + f->bytes_rev,
			    &s);
	if (s.score < b->threshold || s.burst_bytes > BURST_BYTES_MAX || s.quiet < QUIET_MIN)
		return;
	/* regular: counted on both sides now, so that the pairs held with it see it */
	beacon_peer_note(b, k, 0, 1);
	beacon_peer_note(b, k, 1, 1);
	hold(b, f, k, &s);
}

void beacon_in_flow_due(struct beacon *b, uint64_t now_ns, int all)
{
	struct beacon_in_flow *in = b->in_flow;

	while (in->count && (all || in->ring[in->head].due_ns <= now_ns))
		judge_head(b);
}

void beacon_in_flow_stats(const struct beacon *b, struct stats_detector *out)
{
	out->tracked += b->in_flow->count;
	out->capacity += HOLD_MAX;
	/* like lru_map_bytes(): the slots used so far (the untouched rest of the calloc'd
	 * ring is not memory yet) */
	out->bytes += sizeof(*b->in_flow) + b->in_flow->touched * sizeof(struct held);
}
