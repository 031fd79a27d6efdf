// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The beacon score: see beacon_score.h and detect/README.md (## beacon). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/beacon_score.h"

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of sorted v (linear between neighbours). */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/*
 * Dispersion and skew of v (sorted in place): 1 - |Bowley skewness| and 1 - MAD/median,
 * both in 0..1. Quartiles and medians, not means: one outlier (a beacon delayed by a
 * sleeping laptop) moves neither much.
 */
static void regularity(double *v, size_t n, double *skew_part, double *madm_part, double *median,
		       double *mad)
{
	double dev[2 * BEACON_RING];
	double q1, q2, q3;
	size_t i;

	qsort(v, n, sizeof(*v), double_cmp);
	q1 = quantile(v, n, 0.25);
	q2 = quantile(v, n, 0.5);
	q3 = quantile(v, n, 0.75);
	/* equal quartiles: no spread to be skewed (a perfect beacon) */
	*skew_part = q3 - q1 > 1e-9 ? clamp01(1 - fabs((q1 + q3 - 2 * q2) / (q3 - q1))) : 1;
	for (i = 0; i < n; i++)
		dev[i] = fabs(v[i] - q2);
	qsort(dev, n, sizeof(*dev), double_cmp);
	*median = q2;
	*mad = quantile(dev, n, 0.5);
	*madm_part = q2 > 1e-9 ? clamp01(1 - *mad / q2) : 0;
}

/* k when interval is within 15% of k medians (k 2..4: missed call-backs), else 1. */
static size_t fold_factor(double interval, double median)
{
	double ratio = interval / median;
	size_t k = (size_t)(ratio + 0.5);

	return k >= 2 && k <= 4 && fabs(ratio - (double)k) <= 0.15 * (double)k ? k : 1;
}

void beacon_score_of(const double *start_s, const double *size, size_t n, struct beacon_score *out)
{
	double ts[BEACON_RING], iv[2 * BEACON_RING], ds[BEACON_RING];
	double first_median, unused;
	size_t i, k, m = 0;

	memset(out, 0, sizeof(*out));
	if (n > BEACON_RING)
		n = BEACON_RING;
	if (n < 3)
		return;
	memcpy(ts, start_s, n * sizeof(*ts));
	memcpy(ds, size, n * sizeof(*ds));
	/* records arrive when flows end, out of order: sort by start */
	qsort(ts, n, sizeof(*ts), double_cmp);
	for (i = 1; i < n; i++)
		iv[m++] = ts[i] - ts[i - 1];
	/*
	 * Better than RITA here: a missed call-back (implant asleep, one lost connection)
	 * makes one interval twice the period and skews every part. An interval within 20%
	 * of 2, 3 or 4 medians counts as that many intervals of its k-th part.
	 */
	{
		double tmp[2 * BEACON_RING];

		memcpy(tmp, iv, m * sizeof(*tmp));
		qsort(tmp, m, sizeof(*tmp), double_cmp);
		first_median = quantile(tmp, m, 0.5);
	}
	if (first_median > 1e-9) {
		size_t orig = m, candidates = 0;

		/* random gaps also fall near 2-4 medians: only a few such are missed beacons */
		for (i = 0; i < orig; i++)
			candidates += fold_factor(iv[i], first_median) > 1;
		for (i = 0; candidates <= orig / 8 && i < orig; i++) {
			k = fold_factor(iv[i], first_median);
			if (k < 2)
				continue;
			iv[i] /= (double)k;
			for (; k > 1 && m < 2 * BEACON_RING; k--)
				iv[m++] = iv[i];
			out->folded++;
		}
	}
	out->intervals = m;
	regularity(iv, m, &out->ts_skew, &out->ts_madm, &out->interval_s, &out->interval_mad_s);
	regularity(ds, n, &out->ds_skew, &out->ds_madm, &out->size_median, &unused);
	/* half a ring of intervals is enough history to believe the pattern */
	out->count = clamp01((double)m / (BEACON_RING / 2));
	/*
	 * Timing weighs most: sizes of C2 polls vary when tasks come back, and the count
	 * part only grows. RITA averages timing and size equally; with constant-size
	 * requests at random times (a browser polling an API) that would pass 0.8. Inside
	 * timing, MAD/median weighs 3 to 1 over skew: symmetric jitter leaves the skew of 20
	 * intervals to chance (0.4-1.0 seen), while the MAD is steady.
	 */
	out->score = 0.6 * (out->ts_skew + 3 * out->ts_madm) / 4 +
		     0.25 * (out->ds_skew + out->ds_madm) / 2 + 0.15 * out->count;
}

void beacon_gap_score_of(uint32_t gap_count, uint32_t gap_sum_ms, uint64_t gap_sumsq_ms,
			 double span_ms, uint64_t bytes, struct beacon_gap_score *out)
{
	double n = gap_count, mean, var;

	memset(out, 0, sizeof(*out));
	if (gap_count < 2 || !gap_sum_ms)
		return;
	mean = gap_sum_ms / n;
	/* sumsq/n - mean^2 loses nothing that matters in a double (ms^2 sums < 2^53 for
	 * a week of 1-minute gaps); rounding can make a perfect beacon's a hair negative */
	var = (double)gap_sumsq_ms / n - mean * mean;
	out->interval_s = mean / 1e3;
	out->interval_sd_s = var > 0 ? sqrt(var) / 1e3 : 0;
	out->cv = out->interval_sd_s / out->interval_s;
	out->score = clamp01(1 - out->cv);
	out->quiet = span_ms > 0 ? clamp01(gap_sum_ms / span_ms) : 0;
	out->burst_bytes = (double)bytes / (n + 1);
}
