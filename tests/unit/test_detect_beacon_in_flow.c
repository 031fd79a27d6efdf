// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Beaconing inside one flow (userspace/detect/beacon_in_flow.c, sid 9000502).
 * The score (beacon_gap_score_of) on gap sums made the way the kernel makes them (whole
 * ms): heartbeats with up to 25% jitter, and with one beat missed, score over the default
 * threshold (0.80) for every seed; a person's pauses (log-normal) score under it.
 * Through the hub: a regular record is held an active timeout (no alert at a tick
 * before, one after; finish judges what is left), and is not alerted when it is a
 * poller's (one source, 4 destinations regularly on one port, the first included), on
 * a keep-alive protocol's port, made of big bursts, has fewer gaps than
 * min-connections, or gaps that sum to less than 10 minutes.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "detect/beacon_score.h"
#include "detect/detect.h"
#include "flow_export.h"
#include "output/output.h"
#include "../support/detect_rig.h"
#include "../support/test_rng.h"
#include "../support/test.h"

#define THRESHOLD 0.80	/* anomaly.beacon.score's default */
#define SEC 1000000000ULL
#define T0 (1700000000ULL * SEC)
#define ACTIVE_S 1800	/* flow.active-timeout's default: the hold */

struct sums {
	uint32_t count, sum_ms;
	uint64_t sumsq_ms;
};

static void sums_add(struct sums *s, double gap_s)
{
	uint32_t ms = (uint32_t)(gap_s * 1000);	/* the kernel truncates to ms */

	s->count++;
	s->sum_ms += ms;
	s->sumsq_ms += (uint64_t)ms * ms;
}

/* n gaps of period +/- jitter (uniform), the way a heartbeat's are */
static struct sums heartbeat(size_t n, double period, double jitter)
{
	struct sums s = {};
	size_t i;

	for (i = 0; i < n; i++)
		sums_add(&s, period * (1 + jitter * (2 * uniform() - 1)));
	return s;
}

static void test_heartbeat_scores(struct test_case *t)
{
	/* +/- 25% at most: +/- 30% has cv 0.17 on average and some records of 30 gaps
	 * come out just under 0.80 (README, "Inside one flow") */
	static const double jitters[] = { 0, 0.1, 0.2, 0.25 };
	struct beacon_gap_score sc;
	struct sums s;
	size_t i, seed;

	for (i = 0; i < sizeof(jitters) / sizeof(jitters[0]); i++)
		for (seed = 1; seed <= 20; seed++) {
			rng_state = seed * 7919;
			s = heartbeat(30, 30, jitters[i]);
			beacon_gap_score_of(s.count, s.sum_ms, s.sumsq_ms, s.sum_ms + 30 * 50.0,
					    30 * 500, &sc);
			EXPECT(t, sc.score >= THRESHOLD, "30 s +/- %.0f%% seed %zu: score %.3f",
			       jitters[i] * 100, seed, sc.score);
			EXPECT(t, fabs(sc.interval_s - 30) < 3, "interval %.2f", sc.interval_s);
		}
	/* a missed beat (one gap of 60 s among 29 of 30 s) */
	rng_state = 5;
	s = heartbeat(29, 30, 0.1);
	sums_add(&s, 60);
	beacon_gap_score_of(s.count, s.sum_ms, s.sumsq_ms, s.sum_ms, 30 * 500, &sc);
	EXPECT(t, sc.score >= THRESHOLD, "a missed beat: score %.3f", sc.score);
	EXPECT(t, fabs(sc.burst_bytes - 30 * 500 / 31.0) < 1e-9, "bytes per burst %.1f",
	       sc.burst_bytes);	/* 30 gaps: 31 bursts */
	EXPECT(t, sc.quiet == 1, "quiet share %.3f", sc.quiet);
	/* a perfect beacon: the variance's rounding must not make it NaN */
	s = heartbeat(0, 0, 0);
	for (i = 0; i < 30; i++)
		sums_add(&s, 25);
	beacon_gap_score_of(s.count, s.sum_ms, s.sumsq_ms, s.sum_ms, 100, &sc);
	EXPECT(t, sc.score == 1 && sc.cv == 0, "perfect: score %.3f cv %.3f", sc.score, sc.cv);
	beacon_gap_score_of(1, 30000, 900000000ULL, 30000, 100, &sc);
	EXPECT(t, sc.score == 0, "one gap is no pattern: %.3f", sc.score);
}

static void test_human_pauses_score_low(struct test_case *t)
{
	struct beacon_gap_score sc;
	struct sums s;
	size_t i, seed;

	for (seed = 1; seed <= 20; seed++) {
		rng_state = seed * 104729;
		memset(&s, 0, sizeof(s));
		/* log-normal pauses (median 7 s, sigma 0.9), 1.5 s .. 55 s: a person */
		for (i = 0; i < 60; i++) {
			double u1 = uniform() + 1e-12, u2 = uniform();
			double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
			double gap = exp(2.0 + 0.9 * z);

			sums_add(&s, gap < 1.5 ? 1.5 : gap > 55 ? 55 : gap);
		}
		beacon_gap_score_of(s.count, s.sum_ms, s.sumsq_ms, s.sum_ms * 1.1, 60 * 800, &sc);
		EXPECT(t, sc.score < THRESHOLD, "seed %zu: score %.3f (cv %.2f)", seed, sc.score,
		       sc.cv);
	}
}

/* ---- through the hub ------------------------------------------------------------- */

static int rig_start(struct detect_rig *r)
{
	if (detect_rig_prepare(r))
		return -1;
	r->cfg->anomaly.enabled[EW_DETECTOR_BEACON] = 1;
	return detect_rig_start(r);
}

/* beacon alerts written so far: count, and the sid/src/dest of the last */
static int alerts_so_far(struct detect_rig *r, char *last, size_t len)
{
	char line[16384];
	int n = 0;
	FILE *f;

	output_flush(&r->out);
	f = fopen(r->path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *sid = strstr(line, "\"signature_id\":");

		if (!strstr(line, "\"event_type\":\"alert\"") || !sid)
			continue;
		n++;
		snprintf(last, len, "%s", line);
		if (!strstr(sid, "9000502"))
			snprintf(last, len, "unexpected sid: %.*s", 120, sid);
	}
	if (f)
		fclose(f);
	return n;
}

static void rig_stop(struct detect_rig *r)
{
	detect_free(r->d);
	flow_exporter_destroy(&r->x);
	output_close(&r->out);
	unlink(r->path);
	config_free(r->cfg);
}

/* A long flow's record src -> dst:dport of span_s ending at end_ns, with its gaps and
 * bytes (an active-timeout record; spans of ACTIVE_S unless said). */
static void record_of(struct detect_rig *r, uint32_t src, uint32_t dst, uint16_t dport, uint8_t proto,
		      const struct sums *s, uint64_t bytes, uint64_t end_ns, uint64_t span_s)
{
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	uint32_t a = htonl(src), b = htonl(dst);

	memset(&key, 0, sizeof(key));
	memset(&rec, 0, sizeof(rec));
	memset(&ev, 0, sizeof(ev));
	key.family = 4;
	key.proto = proto;
	memcpy(key.addr_a.u8, &a, 4);
	memcpy(key.addr_b.u8, &b, 4);
	key.port_a = htons(40000);
	key.port_b = htons(dport);
	rec.first_seen_ns = end_ns - span_s * SEC;
	rec.last_seen_ns = end_ns;
	rec.packets[0] = rec.packets[1] = s->count + 1;
	rec.bytes[0] = bytes / 2;
	rec.bytes[1] = bytes - bytes / 2;
	rec.gap_count = s->count;
	rec.gap_sum_ms = s->sum_ms;
	rec.gap_sumsq_ms = s->sumsq_ms;
	ev.flow.key = &key;
	ev.flow.rec = &rec;
	ev.reason = EW_END_ACTIVE_TIMEOUT;
	ev.packets[0] = ev.packets[1] = s->count + 1;
	ev.bytes[0] = rec.bytes[0];
	ev.bytes[1] = rec.bytes[1];
	ev.start_ns = rec.first_seen_ns;
	ev.end_ns = end_ns;
	detect_flow(r->d, &ev);
}

static void record(struct detect_rig *r, uint32_t src, uint32_t dst, uint16_t dport, uint8_t proto,
		   const struct sums *s, uint64_t bytes, uint64_t end_ns)
{
	record_of(r, src, dst, dport, proto, s, bytes, end_ns, ACTIVE_S);
}

#define IMPLANT 0xc6120a01u	/* 198.18.10.1 */
#define C2 0xc613c801u		/* 198.19.200.1 */

static void test_held_then_alerted(struct test_case *t)
{
	struct detect_rig r;
	struct sums s;
	char last[16384] = "";
	uint64_t end = T0 + ACTIVE_S * SEC;
	int n;

	CHECK(t, rig_start(&r) == 0, "rig");
	rng_state = 11;
	s = heartbeat(59, 30, 0.2);	/* 30 minutes of a 30 s heartbeat */
	record(&r, IMPLANT, C2, 443, 6, &s, 60 * 600, end);
	detect_tick(r.d, end + (ACTIVE_S - 1) * SEC);
	n = alerts_so_far(&r, last, sizeof(last));
	EXPECT(t, n == 0, "alerted before the hold was over: %s", last);
	detect_tick(r.d, end + ACTIVE_S * SEC);
	n = alerts_so_far(&r, last, sizeof(last));
	EXPECT(t, n == 1 && strstr(last, "\"src_ip\":\"198.18.10.1\"") &&
			  strstr(last, "\"dest_ip\":\"198.19.200.1\"") &&
			  strstr(last, "\"dest_port\":443") && strstr(last, "\"gaps\":59"),
	       "%d alerts after the hold; last %s", n, last);
	detect_finish(r.d, end + ACTIVE_S * SEC + SEC);
	rig_stop(&r);
}

/* Each case one record that is not alerted, even when the run finishes. */
static void test_not_alerted(struct test_case *t)
{
	struct detect_rig r;
	struct sums s, few, short_run;
	char last[16384] = "";
	uint64_t end = T0 + ACTIVE_S * SEC;
	int n, i;

	CHECK(t, rig_start(&r) == 0, "rig");
	rng_state = 12;
	s = heartbeat(59, 30, 0.1);
	few = heartbeat(9, 30, 0.1);	/* under min-connections (10) */
	short_run = heartbeat(40, 5, 0.1);	/* 200 s of beats: under 10 minutes */
	/* a poller: 4 devices on port 9100, the first one's record first */
	for (i = 0; i < 4; i++)
		record(&r, 0xc6120505u, 0xc6130610u + i, 9100, 6, &s, 60 * 1000, end + i * SEC);
	record(&r, IMPLANT, C2, 51820, 17, &s, 60 * 150, end);		/* WireGuard */
	record(&r, IMPLANT, C2, 179, 6, &s, 60 * 150, end);		/* BGP */
	record(&r, IMPLANT, C2 + 1, 443, 6, &s, 60 * 70000ULL, end);	/* big bursts */
	record(&r, IMPLANT, C2 + 2, 443, 6, &few, 10 * 500, end);
	/* quiet all along but short: a flow of 205 s */
	record_of(&r, IMPLANT, C2 + 3, 443, 6, &short_run, 41 * 500, end, 205);
	detect_finish(r.d, end + 10 * SEC);
	n = alerts_so_far(&r, last, sizeof(last));
	EXPECT(t, n == 0, "%d alerts; last %s", n, last);
	rig_stop(&r);
}

int main(void)
{
	test_program = "test_detect_beacon_in_flow";
	RUN(test_heartbeat_scores);
	RUN(test_human_pauses_score_low);
	RUN(test_held_then_alerted);
	RUN(test_not_alerted);
	return test_summary();
}
