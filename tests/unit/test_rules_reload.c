// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payload rules reloaded while samples are scanned (issue 10): worker threads scan
 * a stream of samples while this thread swaps the rules again and again; every sample
 * is scanned once, by one whole ruleset (each alert carries the sid of one of the two
 * sets), nothing is dropped, the counters balance, and ASan sees no use after free of
 * a generation a worker still held. A rule file that does not load leaves the running
 * set alerting; a reload to `rules.files: []` and back; a stream window in flight is
 * scanned by the rules in force when its range completes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "pipeline_fixture.h"

/* Two sets that alert on the same bytes under different sids. */
static const char rules_a[] =
	"alert tcp any any -> any any (msg:\"set A\"; content:\"ATTACK\"; sid:1001; rev:1;)\n";
static const char rules_b[] =
	"alert tcp any any -> any any (msg:\"set B\"; content:\"ATTACK\"; sid:1002; rev:1;)\n";
/* line 2: a pcre that does not compile */
static const char rules_broken[] =
	"alert tcp any any -> any any (msg:\"set A\"; content:\"ATTACK\"; sid:1001; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"bad\"; pcre:\"/(unclosed/\"; sid:1003; rev:1;)\n";

#define SWAP_SAMPLES 4000	/* under FIXTURE_MAX_EVENTS: every alert is read back */
#define SWAP_EVERY 50		/* 80 swaps */

/* The run loop's part while the rules compile on their own thread: here, a pause. */
static void keep_up(void *user)
{
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 100 * 1000 };

	(void)user;
	nanosleep(&pause, NULL);
}

/* Rewrite the fixture's rules file and reload cfg. 0, or the prepare's error. */
static int reload_rules(struct pipeline_fixture *f, const struct ew_config *cfg,
			const char *text, char *why, size_t why_len)
{
	struct rules_generation *next = NULL;
	int err;

	if (text && fixture_write_file(f->rules_path, text))
		return -1;
	err = sample_pipeline_rules_prepare(f->sp, cfg, &next, why, why_len, keep_up, f);
	if (!err)
		sample_pipeline_rules_commit(f->sp, next);
	return err;
}

static struct sample_spec attack(uint64_t flow_seq)
{
	struct sample_spec s = { .flow_seq = flow_seq, .src = "198.18.5.9",
				 .sport = (uint16_t)(1024 + flow_seq % 60000),
				 .dst = "198.18.0.1", .dport = 80,
				 .payload = "GET /?q=ATTACK HTTP/1.1\r\nHost: x\r\n\r\n" };

	return s;
}

static size_t alerts_with_sid(struct pipeline_fixture *f, int64_t sid)
{
	size_t i, n = 0;

	for (i = 0; i < f->event_count; i++)
		if (jint(f->events[i], "alert.signature_id") == sid)
			n++;
	return n;
}

/* Two workers scan while this thread swaps the rules every 50 samples. */
static void test_swap_while_scanning(struct test_case *t)
{
	struct fixture_options o = { .rules_text = rules_a, .workers = 2,
				     .queue_slots = SWAP_SAMPLES };
	struct pipeline_fixture f;
	struct json_object *stats;
	char why[1024];
	int swaps = 0, failed = 0;
	size_t from_a, from_b;
	uint32_t i;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	for (i = 0; i < SWAP_SAMPLES; i++) {
		struct sample_spec s = attack(1000 + i);

		CHECK(t, sample_feed(f.sp, &s) == 0, "feed");
		if (i % SWAP_EVERY == SWAP_EVERY - 1) {
			failed += reload_rules(&f, f.cfg, swaps % 2 ? rules_a : rules_b, why,
					       sizeof(why)) != 0;
			swaps++;
		}
	}
	sample_pipeline_drain(f.sp);
	stats = pipeline_stats(f.sp);
	EXPECT(t, failed == 0, "%d reloads failed", failed);
	EXPECT(t, jint(stats, "samples.read") == SWAP_SAMPLES, "read %lld",
	       (long long)jint(stats, "samples.read"));
	/* none dropped for a swap, none scanned twice */
	EXPECT(t, jint(stats, "samples.scanned") == SWAP_SAMPLES, "scanned %lld",
	       (long long)jint(stats, "samples.scanned"));
	EXPECT(t, jint(stats, "samples.dropped_queue_full") == 0, "dropped %lld",
	       (long long)jint(stats, "samples.dropped_queue_full"));
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	/* every sample is its own flow and matches in both sets: one alert each */
	EXPECT(t, jint(stats, "rules.matches") == SWAP_SAMPLES, "matches %lld",
	       (long long)jint(stats, "rules.matches"));
	EXPECT(t, jint(stats, "rules.alerts") == SWAP_SAMPLES, "alerts %lld",
	       (long long)jint(stats, "rules.alerts"));
	EXPECT(t, jint(stats, "rules.generation") == 1 + swaps, "generation %lld, %d swaps",
	       (long long)jint(stats, "rules.generation"), swaps);
	EXPECT(t, jint(stats, "rules.reloads.ok") == swaps, "reloads.ok %lld",
	       (long long)jint(stats, "rules.reloads.ok"));
	EXPECT(t, jint(stats, "rules.reloads.failed") == 0, "reloads.failed");
	EXPECT(t, jint(stats, "rules.loaded") == 1, "loaded %lld",
	       (long long)jint(stats, "rules.loaded"));
	/* the scan counters survive the contexts they were counted in */
	EXPECT(t, jint(stats, "rules.candidates") == SWAP_SAMPLES, "candidates %lld",
	       (long long)jint(stats, "rules.candidates"));
	json_object_put(stats);
	fixture_read_events(&f);
	from_a = alerts_with_sid(&f, 1001);
	from_b = alerts_with_sid(&f, 1002);
	EXPECT(t, f.line_count == SWAP_SAMPLES, "%zu events", f.line_count);
	EXPECT(t, from_a + from_b == SWAP_SAMPLES, "%zu + %zu alerts of the two sets", from_a,
	       from_b);
	EXPECT(t, from_b > 0, "no alert of set B: the swap did not take");
	fixture_close(&f);
}

/* A broken or missing rule file: the running set stays and keeps alerting. */
static void test_broken_reload_keeps_running(struct test_case *t)
{
	struct fixture_options o = { .rules_text = rules_a, .synchronous = 1 };
	struct pipeline_fixture f;
	struct json_object *stats;
	struct sample_spec s;
	char why[1024], want[200];
	int err;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	err = reload_rules(&f, f.cfg, rules_broken, why, sizeof(why));
	EXPECT(t, err < 0, "a pcre that does not compile reloaded");
	snprintf(want, sizeof(want), "%s:2:", f.rules_path);
	EXPECT(t, strstr(why, want) && strstr(why, "pcre"), "why names no file:line: %s", why);
	unlink(f.rules_path);
	err = reload_rules(&f, f.cfg, NULL, why, sizeof(why));
	EXPECT(t, err < 0, "a missing rule file reloaded");
	EXPECT(t, strstr(why, f.rules_path), "why does not name the missing file: %s", why);
	s = attack(7);
	CHECK(t, sample_feed(f.sp, &s) == 0, "feed");
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "rules.reloads.failed") == 2, "reloads.failed %lld",
	       (long long)jint(stats, "rules.reloads.failed"));
	EXPECT(t, jint(stats, "rules.reloads.ok") == 0, "reloads.ok");
	EXPECT(t, jint(stats, "rules.generation") == 1, "generation %lld",
	       (long long)jint(stats, "rules.generation"));
	json_object_put(stats);
	fixture_read_events(&f);
	EXPECT(t, alerts_with_sid(&f, 1001) == 1, "the running set did not alert");
	fixture_close(&f);
}

static struct ew_config *config_of(const char *yaml)
{
	struct config_error cerr;
	struct ew_config *cfg = NULL;

	if (config_load_buffer("reload-test.yaml", yaml, strlen(yaml), &cfg, &cerr))
		fprintf(stderr, "config: %s\n", cerr.message);
	return cfg;
}

/* Started without rules (no workers), rules added by a reload, then `files: []`. */
static void test_rules_added_and_removed(struct test_case *t)
{
	struct fixture_options o = { .rules_text = NULL, .workers = 2 };
	struct ew_config *with = NULL, *without = NULL;
	struct pipeline_fixture f;
	struct json_object *stats;
	struct sample_spec s;
	char yaml[512], why[1024];

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	CHECK(t, fixture_write_file(f.rules_path, rules_b) == 0, "rules file");
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  files: [\"%s\"]\n  classification: rules/classification.config\n",
		 f.rules_path);
	with = config_of(yaml);
	without = config_of("rules:\n  files: []\n");
	CHECK(t, with && without, "configs");
	s = attack(1);
	sample_feed(f.sp, &s);
	EXPECT(t, reload_rules(&f, with, NULL, why, sizeof(why)) == 0, "reload: %s", why);
	s = attack(2);
	sample_feed(f.sp, &s);
	sample_pipeline_drain(f.sp);
	EXPECT(t, reload_rules(&f, without, NULL, why, sizeof(why)) == 0, "reload: %s", why);
	s = attack(3);
	sample_feed(f.sp, &s);
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "samples.read") == 3, "read");
	EXPECT(t, jint(stats, "samples.scanned") == 1, "scanned %lld",
	       (long long)jint(stats, "samples.scanned"));
	EXPECT(t, jint(stats, "samples.not_scanned_no_rules") == 2, "not scanned %lld",
	       (long long)jint(stats, "samples.not_scanned_no_rules"));
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	EXPECT(t, jint(stats, "rules.generation") == 3, "generation");
	EXPECT(t, jint(stats, "rules.loaded") == 0, "loaded after files: []");
	json_object_put(stats);
	fixture_read_events(&f);
	EXPECT(t, alerts_with_sid(&f, 1002) == 1, "%zu alerts of the reloaded rules",
	       alerts_with_sid(&f, 1002));
	config_free(with);
	config_free(without);
	fixture_close(&f);
}

/* One segment of a stream window (reason EW_SAMPLE_STREAM) at offset off. */
static void feed_segment(struct sample_pipeline *sp, const char *payload, uint32_t off,
			 uint8_t tcp_flags)
{
	uint8_t buf[sizeof(struct sample_header) + 256] __attribute__((aligned(8)));
	struct sample_spec s = { .flow_seq = 77, .src = "198.18.5.9", .sport = 40077,
				 .dst = "198.18.0.1", .dport = 2323, .tcp_flags = tcp_flags,
				 .payload = payload };
	struct sample_header *hdr = (struct sample_header *)buf;
	size_t len = sample_make(buf, &s);

	hdr->reason = EW_SAMPLE_STREAM;
	hdr->stream_flags = EW_STREAM_F_SYN_BASE;
	hdr->stream_off = off;
	sample_pipeline_on_sample(sp, buf, len);
}

/*
 * A window in flight across a swap keeps its bytes (they are the reassembler's, not the
 * database's) and is scanned, when its range completes, by the rules then in force.
 */
static void test_window_in_flight(struct test_case *t)
{
	struct fixture_options o = { .rules_text = rules_a, .synchronous = 1 };
	struct pipeline_fixture f;
	char why[1024];

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	feed_segment(f.sp, "echo ATT", 0, 0x10);	/* ACK: no write boundary yet */
	EXPECT(t, reload_rules(&f, f.cfg, rules_b, why, sizeof(why)) == 0, "reload: %s", why);
	feed_segment(f.sp, "ACK; id\n", 8, 0x18);	/* PSH: the range is scanned */
	fixture_read_events(&f);
	EXPECT(t, alerts_with_sid(&f, 1002) == 1 && alerts_with_sid(&f, 1001) == 0,
	       "the window was not scanned by the new set: %zu of B, %zu of A",
	       alerts_with_sid(&f, 1002), alerts_with_sid(&f, 1001));
	fixture_close(&f);
}

/* What the consumer does while the shipped rules compile: reads a sample, counts. */
struct consumer {
	struct sample_pipeline *sp;
	unsigned long calls;
};

static void consume_while_compiling(void *user)
{
	struct consumer *c = user;
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 1000 * 1000 };
	struct sample_spec s = attack(500 + c->calls);

	if (c->calls++ < 3)
		sample_feed(c->sp, &s);
	nanosleep(&pause, NULL);
}

/*
 * The compile runs beside the consumer: the shipped rules without a cache take long
 * enough that the consumer is called meanwhile, and what it reads is scanned by the
 * running set.
 */
static void test_compile_beside_consumer(struct test_case *t)
{
	struct fixture_options o = { .rules_text = rules_a, .synchronous = 1 };
	struct rules_generation *next = NULL;
	struct pipeline_fixture f;
	struct ew_config *shipped;
	struct consumer c = { 0 };
	char why[1024];
	int err;

	if (access("rules/classification.config", R_OK))
		SKIP(t, "run from the repository's root (rules/ not found)");
	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	shipped = config_of("rules:\n  files: [rules/*.rules]\n"
			    "  classification: rules/classification.config\n");
	CHECK(t, shipped, "config");
	c.sp = f.sp;
	err = sample_pipeline_rules_prepare(f.sp, shipped, &next, why, sizeof(why),
					    consume_while_compiling, &c);
	EXPECT(t, err == 0, "reload: %s", why);
	EXPECT(t, c.calls > 0, "the consumer was not called while the rules compiled");
	fixture_read_events(&f);
	EXPECT(t, alerts_with_sid(&f, 1001) == (c.calls < 3 ? c.calls : 3),
	       "%zu alerts of the running set for the samples read meanwhile",
	       alerts_with_sid(&f, 1001));
	if (!err)
		sample_pipeline_rules_commit(f.sp, next);
	config_free(shipped);
	fixture_close(&f);
}

int main(void)
{
	test_program = "rules_reload";
	RUN(test_swap_while_scanning);
	RUN(test_broken_reload_keeps_running);
	RUN(test_rules_added_and_removed);
	RUN(test_window_in_flight);
	RUN(test_compile_beside_consumer);
	return test_summary();
}
