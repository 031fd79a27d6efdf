/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A seeded random series for the tests (the beacon detectors' jitter): every run sees the
 * same numbers. Set rng_state (non-zero) before a series. */
#ifndef EDGEWATCH_TESTS_TEST_RNG_H
#define EDGEWATCH_TESTS_TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state;

static inline double uniform(void)	/* 0..1, xorshift64 of rng_state */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / (double)(1ull << 53);
}

#endif /* EDGEWATCH_TESTS_TEST_RNG_H */
