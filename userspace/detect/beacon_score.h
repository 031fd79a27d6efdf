/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How regular a series of call-backs is (the beacon detector's score, RITA-style): the
 * connections' start times and sizes in, a score 0..1 and its parts out. Pure
 * arithmetic, no state, so the unit tests pin the numbers. detect/README.md (## beacon)
 * explains each part and the jitter it tolerates.
 */
#ifndef EDGEWATCH_DETECT_BEACON_SCORE_H
#define EDGEWATCH_DETECT_BEACON_SCORE_H

#include <stddef.h>
#include <stdint.h>

#define BEACON_RING 32		/* connections kept per pair (<= 64: the bound) */

struct beacon_score {
	double score;		/* 0..1: the weighted parts below */
	double ts_skew;		/* 1 - |Bowley skewness| of the intervals */
	double ts_madm;		/* 1 - MAD/median of the intervals */
	double ds_skew;		/* the same for the sizes (bytes both ways) */
	double ds_madm;
	double count;		/* intervals seen, against what a full ring holds */
	double interval_s;	/* median interval */
	double interval_mad_s;
	double size_median;
	size_t intervals;	/* after folding missed beacons */
	size_t folded;		/* intervals that were 2-4 beacons long (a missed call-back) */
};

/* Score n (>= 3) connections: start times in seconds (any order) and sizes in bytes. */
void beacon_score_of(const double *start_s, const double *size, size_t n, struct beacon_score *out);

#endif /* EDGEWATCH_DETECT_BEACON_SCORE_H */
