// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The beacon score (userspace/detect/beacon_score.c): fixed and jittered call-backs score
 * above the default threshold (0.80), a missed call-back and an outlier do not sink it,
 * random (Poisson) visits and constant-size requests at random times stay below it.
 * Random series use a fixed-seed generator, so every run sees the same numbers.
 * Through the hub: a call-back every 5 minutes is alerted (9000501) even when 400
 * one-off pairs (a spoofed flood's, or a busy edge's one-visit clients) pass between each
 * two of its connections, from its second on, with max-tracked 256: they fill the seed
 * tier, never the ring tier (fails with one tier: the beacon's history is evicted and it
 * is never scored).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "datapath.h"
#include "detect/beacon_score.h"
#include "../support/detect_rig.h"
#include "../support/test_rng.h"
#include "../support/test.h"

#define THRESHOLD 0.80	/* anomaly.beacon.score's default */
#define N 24

/* n call-backs every period seconds, +/- jitter (a fraction: uniform), of size bytes. */
static void series(double *ts, double *size, size_t n, double period, double jitter, double bytes)
{
	double t = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		ts[i] = t;
		size[i] = bytes;
		t += period * (1 + jitter * (2 * uniform() - 1));
	}
}

static void test_fixed(struct test_case *t)
{
	double ts[N], size[N];
	struct beacon_score s;

	rng_state = 1;
	series(ts, size, N, 30, 0, 400);
	beacon_score_of(ts, size, N, &s);
	EXPECT(t, s.score > 0.99, "fixed 30 s: score %.3f", s.score);
	EXPECT(t, fabs(s.interval_s - 30) < 1e-6, "interval %.3f", s.interval_s);
}

static void test_jitter(struct test_case *t)
{
	static const double jitters[] = { 0.1, 0.2, 0.3 };	/* +/- 50%: README */
	double ts[N], size[N];
	struct beacon_score s;
	size_t i, seed;

	/* every seed, not a lucky one */
	for (i = 0; i < 3; i++)
		for (seed = 1; seed <= 20; seed++) {
			rng_state = seed * 7919;
			series(ts, size, N, 60, jitters[i], 900 + 50 * uniform());
			beacon_score_of(ts, size, N, &s);
			EXPECT(t, s.score >= THRESHOLD, "60 s +/- %.0f%% seed %zu: score %.3f "
			       "(ts_skew %.2f ts_madm %.2f)", jitters[i] * 100, seed, s.score,
			       s.ts_skew, s.ts_madm);
		}
}

static void test_missed_and_outlier(struct test_case *t)
{
	double ts[N], size[N];
	struct beacon_score s;
	size_t i;

	rng_state = 3;
	series(ts, size, N, 60, 0.1, 500);
	/* one call-back missed (the implant slept): remove the 10th */
	for (i = 10; i + 1 < N; i++)
		ts[i] = ts[i + 1];
	size[5] = 50000;	/* one task result came back: a big connection */
	beacon_score_of(ts, size, N - 1, &s);
	EXPECT(t, s.folded == 1, "missed call-backs folded: %zu", s.folded);
	EXPECT(t, s.score >= THRESHOLD, "score %.3f", s.score);
}

/* Random visits: exponential gaps (a browser revisiting a site), sizes random too. */
static void test_random_visits(struct test_case *t)
{
	double ts[N], size[N], now = 0;
	struct beacon_score s;
	size_t i, seed;

	for (seed = 1; seed <= 20; seed++) {
		rng_state = seed * 104729;
		for (i = 0; i < N; i++) {
			ts[i] = now;
			now += -log(1 - uniform()) * 300;
			size[i] = 2000 + 60000 * uniform();
		}
		beacon_score_of(ts, size, N, &s);
		EXPECT(t, s.score < THRESHOLD, "seed %zu: score %.3f", seed, s.score);
		/* constant-size requests at random times (an API poller of a web page) */
		for (i = 0; i < N; i++)
			size[i] = 700;
		beacon_score_of(ts, size, N, &s);
		EXPECT(t, s.score < THRESHOLD, "constant size, seed %zu: score %.3f", seed,
		       s.score);
	}
}

static void test_too_few(struct test_case *t)
{
	double ts[2] = { 0, 30 }, size[2] = { 1, 1 };
	struct beacon_score s;

	beacon_score_of(ts, size, 2, &s);
	EXPECT(t, s.score == 0, "two connections are no pattern: %.3f", s.score);
}

/*
 * A call-back every 5 minutes with `between` one-off pairs passing between each two of
 * its connections (from its second on when !first_too), at max-tracked 256: alerted?
 */
static int beacon_among_one_offs(struct test_case *t, uint32_t between, int first_too,
				 uint32_t *debris_out, int *alerts)
{
	const uint8_t all = EW_TCP_SYN | EW_TCP_ACK | EW_TCP_PSH | EW_TCP_FIN;
	const uint64_t t0 = 1700000000ULL * RIG_SEC;
	struct json_object *a[16];
	struct detect_rig r;
	uint32_t i, j, debris = 0;
	int n, found = 0;

	if (detect_rig_config(&r, EW_DETECTOR_BEACON)) {
		EXPECT(t, 0, "rig");
		return 0;
	}
	r.cfg->anomaly.value[EW_AP_MAX_TRACKED] = 256;
	if (detect_rig_start(&r)) {
		EXPECT(t, 0, "start");
		return 0;
	}
	for (i = 0; i < 16; i++) {
		uint64_t at = t0 + i * 300 * RIG_SEC;
		struct rig_flow beat = { 0xc6120505u, 0xc6120909u, 40000 + i, 443, 6, all, all, 0,
					 6, 700, 5, 1500, at, at + RIG_SEC, 0 };

		detect_rig_send(&r, &beat);
		for (j = 0; (i >= 1 || first_too) && j < between; j++, debris++) {
			struct rig_flow once = { 0xc6130000u + debris, 0xc6120001u + (debris & 63),
						 1024, 443, 6, EW_TCP_SYN, 0, 0, 1, 60, 0, 0,
						 at + j * 1000000ULL, at + 2 * RIG_SEC, 0 };

			detect_rig_send(&r, &once);
		}
	}
	n = detect_rig_alerts(&r, a, 16, t0 + 20 * 300 * RIG_SEC);
	for (i = 0; i < (uint32_t)n; i++)
		found |= !strcmp(rig_get(a[i], "alert.signature_id"), "9000501") &&
			 !strcmp(rig_get(a[i], "src_ip"), "198.18.5.5");
	detect_rig_free(a, n);
	*debris_out = debris;
	*alerts = n;
	return found;
}

/* From its second connection on, the pair is in the ring tier: 400 one-off pairs
 * between each two call-backs (more than the seed tier holds) cannot push it out. */
static void test_one_off_pairs_do_not_evict(struct test_case *t)
{
	uint32_t debris;
	int n;

	EXPECT(t, beacon_among_one_offs(t, 400, 0, &debris, &n),
	       "the 5-minute call-back among %u one-off pairs: %d alerts, none its", debris, n);
}

/*
 * Between its first two connections the pair is a seed among the one-off pairs: with
 * max-tracked (256) or more new pairs in between, the seed was evicted before the second
 * came, every time, and the beacon was never scored (255: alerted; 256: not). Its ghost
 * gives the first connection back: 300 between every two call-backs, its first two
 * included, are alerted; so are 600 (the ghost table has 4 x max-tracked slots).
 */
static void test_one_off_pairs_between_first_two(struct test_case *t)
{
	static const uint32_t betweens[] = { 255, 256, 300, 600 };
	uint32_t debris;
	size_t i;
	int n;

	for (i = 0; i < sizeof(betweens) / sizeof(betweens[0]); i++)
		EXPECT(t, beacon_among_one_offs(t, betweens[i], 1, &debris, &n),
		       "%u one-off pairs between every two call-backs (%u in all): %d alerts, "
		       "none the call-back's", betweens[i], debris, n);
}

int main(void)
{
	test_program = "test_detect_beacon";
	RUN(test_fixed);
	RUN(test_jitter);
	RUN(test_missed_and_outlier);
	RUN(test_random_visits);
	RUN(test_too_few);
	RUN(test_one_off_pairs_do_not_evict);
	RUN(test_one_off_pairs_between_first_two);
	return test_summary();
}
