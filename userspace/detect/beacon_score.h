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

/*
 * Inside one flow (sid 9000502): a record's gaps between bursts, as the kernel sums them
 * (flow_record.gap_*), and its span and bytes. Only moments fit in the kernel's record
 * (three adds per burst), so the regularity is 1 - the coefficient of variation of the
 * gaps, not the quartiles the across-connection score uses.
 */
struct beacon_gap_score {
	double score;		/* 0..1: 1 - cv (the regularity) */
	double cv;		/* standard deviation / mean of the gaps */
	double interval_s;	/* mean gap */
	double interval_sd_s;
	double quiet;		/* share of the record's span spent in gaps (0..1) */
	double burst_bytes;	/* bytes (both ways) per burst: gaps + 1 bursts */
};

/* gap_count >= 2 gaps summing to gap_sum_ms (squares gap_sumsq_ms) over span_ms. */
void beacon_gap_score_of(uint32_t gap_count, uint32_t gap_sum_ms, uint64_t gap_sumsq_ms,
			 double span_ms, uint64_t bytes, struct beacon_gap_score *out);

#endif /* EDGEWATCH_DETECT_BEACON_SCORE_H */
