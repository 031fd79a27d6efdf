// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The beacon score (userspace/detect/beacon_score.c): fixed and jittered call-backs score
 * above the default threshold (0.80), a missed call-back and an outlier do not sink it,
 * random (Poisson) visits and constant-size requests at random times stay below it.
 * Random series use a fixed-seed generator, so every run sees the same numbers.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "detect/beacon_score.h"
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

int main(void)
{
	test_program = "test_detect_beacon";
	RUN(test_fixed);
	RUN(test_jitter);
	RUN(test_missed_and_outlier);
	RUN(test_random_visits);
	RUN(test_too_few);
	return test_summary();
}
