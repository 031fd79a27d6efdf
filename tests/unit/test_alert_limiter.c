// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert rate limiter and the event deduplicator (userspace/detect/alert_limiter.c):
 * what is written, held, reported as "suppressed", aggregated, flushed and evicted, with
 * the sum events == alerts + suppressed + aggregated + held checked after every step.
 */
#include <string.h>

#include "datapath.h"
#include "detect/alert_limiter.h"
#include "../support/test.h"

#define SEC 1000000000ULL

/* What the limiter made of the events so far. */
struct tally {
	uint64_t events;
	uint64_t alerts;
	uint64_t suppressed;
	uint64_t aggregated;
	uint64_t last_emitted_seq;	/* flow_seq of the last alert emitted by the limiter */
	uint64_t last_emitted_suppressed;
	struct alert_summary last_aggregate;	/* of the last aggregate alert emitted */
	int emitted;
	int aggregates;			/* aggregate alerts emitted */
};

static void on_emit(void *ctx, const void *event, const struct alert_summary *s)
{
	const struct ew_event *ev = event;
	struct tally *t = ctx;

	t->alerts++;
	t->suppressed += s->suppressed;
	t->aggregated += s->aggregated;
	t->last_emitted_seq = ev->flow_seq;
	t->last_emitted_suppressed = s->suppressed;
	t->emitted++;
	if (s->aggregate) {
		t->aggregates++;
		t->last_aggregate = *s;
	}
}

/* source: the last two bytes of 198.19.x.y, so a test can have 65,536 of them */
static struct alert_limit_key key_of(uint32_t type, uint16_t source, uint16_t port)
{
	struct alert_limit_key k;

	memset(&k, 0, sizeof(k));
	k.type = type;
	k.family = 4;
	k.proto = 6;
	k.port = port;
	k.source[0] = 198, k.source[1] = 19, k.source[2] = source >> 8;
	k.source[3] = source & 0xFF;
	k.target[0] = 198, k.target[1] = 18, k.target[3] = 1;
	return k;
}

/* One event through the limiter; returns the verdict, counts it in tally. */
static enum alert_limit_verdict send(struct alert_limiter *l, struct tally *t,
				     const struct alert_limit_key *k, uint64_t seq,
				     uint64_t now_ns, uint64_t *suppressed)
{
	struct ew_event ev = { .type = k->type, .flow_seq = seq, .ts_ns = now_ns };
	struct alert_summary summary;
	enum alert_limit_verdict v;

	t->events++;
	v = alert_limiter_check(l, k, &ev, now_ns, &summary, on_emit, t);
	*suppressed = summary.suppressed;
	if (v == ALERT_LIMIT_WRITE) {
		t->alerts++;
		t->suppressed += summary.suppressed;
	}
	return v;
}

static int balanced(const struct alert_limiter *l, const struct tally *t)
{
	return t->events == t->alerts + t->suppressed + t->aggregated + alert_limiter_held(l);
}

static void test_no_window_writes_every_event(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key k = key_of(EW_EVENT_MGMT_VIOLATION, 9, 22);
	struct tally tally = {};
	uint64_t s;
	int i;

	CHECK(t, alert_limiter_new(&l, 16, sizeof(struct ew_event)) == 0, "new");
	for (i = 0; i < 5; i++)
		EXPECT(t, send(l, &tally, &k, i, i, &s) == ALERT_LIMIT_WRITE && s == 0,
		       "event %d held", i);
	EXPECT(t, alert_limiter_keys(l) == 0 && balanced(l, &tally), "nothing kept");
	alert_limiter_free(l);
}

static void test_window(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key k = key_of(EW_EVENT_MGMT_VIOLATION, 9, 22);
	struct tally tally = {};
	uint64_t s, t0 = 1000 * SEC;

	CHECK(t, alert_limiter_new(&l, 16, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	CHECK(t, send(l, &tally, &k, 1, t0, &s) == ALERT_LIMIT_WRITE && s == 0, "first");
	CHECK(t, send(l, &tally, &k, 2, t0 + 1 * SEC, &s) == ALERT_LIMIT_HOLD, "2nd");
	CHECK(t, send(l, &tally, &k, 3, t0 + 30 * SEC, &s) == ALERT_LIMIT_HOLD, "3rd");
	/* a little out of order (another CPU): still in the window */
	CHECK(t, send(l, &tally, &k, 4, t0 - 1, &s) == ALERT_LIMIT_HOLD, "earlier");
	CHECK(t, send(l, &tally, &k, 5, t0 + 59 * SEC, &s) == ALERT_LIMIT_HOLD, "5th");
	EXPECT(t, alert_limiter_held(l) == 4 && balanced(l, &tally), "held %llu",
	       (unsigned long long)alert_limiter_held(l));
	/* the window is over: written, and it reports the four held */
	CHECK(t, send(l, &tally, &k, 6, t0 + 60 * SEC, &s) == ALERT_LIMIT_WRITE && s == 4,
	      "after the window: suppressed %llu", (unsigned long long)s);
	EXPECT(t, alert_limiter_held(l) == 0 && balanced(l, &tally), "after the report");
	/* the new window starts at that alert */
	CHECK(t, send(l, &tally, &k, 7, t0 + 100 * SEC, &s) == ALERT_LIMIT_HOLD, "7th");
	CHECK(t, send(l, &tally, &k, 8, t0 + 110 * SEC, &s) == ALERT_LIMIT_HOLD, "8th");
	CHECK(t, send(l, &tally, &k, 9, t0 + 200 * SEC, &s) == ALERT_LIMIT_WRITE && s == 2,
	      "second window: suppressed %llu", (unsigned long long)s);
	EXPECT(t, tally.alerts == 3 && tally.suppressed == 6 && balanced(l, &tally), "tally");
	alert_limiter_free(l);
}

static void test_keys_are_independent(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key a = key_of(EW_EVENT_MGMT_VIOLATION, 9, 22);
	struct alert_limit_key other_port = key_of(EW_EVENT_MGMT_VIOLATION, 9, 23);
	struct alert_limit_key other_source = key_of(EW_EVENT_MGMT_VIOLATION, 10, 22);
	struct alert_limit_key other_type = key_of(EW_EVENT_MGMT_EXPOSURE, 9, 22);
	struct tally tally = {};
	uint64_t s;

	CHECK(t, alert_limiter_new(&l, 16, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	EXPECT(t, send(l, &tally, &a, 1, SEC, &s) == ALERT_LIMIT_WRITE, "a");
	EXPECT(t, send(l, &tally, &other_port, 2, SEC, &s) == ALERT_LIMIT_WRITE, "port");
	EXPECT(t, send(l, &tally, &other_source, 3, SEC, &s) == ALERT_LIMIT_WRITE, "source");
	EXPECT(t, send(l, &tally, &other_type, 4, SEC, &s) == ALERT_LIMIT_WRITE, "type");
	EXPECT(t, send(l, &tally, &a, 5, 2 * SEC, &s) == ALERT_LIMIT_HOLD, "a again");
	EXPECT(t, alert_limiter_keys(l) == 4 && balanced(l, &tally), "keys");
	alert_limiter_free(l);
}

/* At shutdown, each key's latest held event is written, standing for the others. */
static void test_flush(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key a = key_of(EW_EVENT_MGMT_VIOLATION, 9, 22);
	struct alert_limit_key b = key_of(EW_EVENT_MGMT_VIOLATION, 10, 22);
	struct tally tally = {};
	uint64_t s;

	CHECK(t, alert_limiter_new(&l, 16, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	send(l, &tally, &a, 1, SEC, &s);
	send(l, &tally, &a, 2, 2 * SEC, &s);
	send(l, &tally, &a, 3, 3 * SEC, &s);
	send(l, &tally, &a, 4, 4 * SEC, &s);
	send(l, &tally, &b, 5, SEC, &s);	/* b: written, nothing held */
	CHECK(t, alert_limiter_held(l) == 3, "held");
	alert_limiter_flush(l, on_emit, &tally);
	EXPECT(t, tally.emitted == 1, "%d alerts flushed (b had nothing held)", tally.emitted);
	EXPECT(t, tally.last_emitted_seq == 4 && tally.last_emitted_suppressed == 2,
	       "flushed seq %llu suppressed %llu", (unsigned long long)tally.last_emitted_seq,
	       (unsigned long long)tally.last_emitted_suppressed);
	EXPECT(t, alert_limiter_held(l) == 0 && alert_limiter_keys(l) == 0, "forgotten");
	EXPECT(t, tally.events == 5 && balanced(l, &tally), "every event counted");
	alert_limiter_free(l);
}

/* A full table evicts the least recently used key; its held events are written first. */
static void test_eviction_loses_nothing(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key a = key_of(EW_EVENT_MGMT_VIOLATION, 1, 22);
	struct alert_limit_key b = key_of(EW_EVENT_MGMT_VIOLATION, 2, 22);
	struct alert_limit_key c = key_of(EW_EVENT_MGMT_VIOLATION, 3, 22);
	struct tally tally = {};
	uint64_t s;

	CHECK(t, alert_limiter_new(&l, 2, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	send(l, &tally, &a, 1, SEC, &s);
	send(l, &tally, &b, 2, SEC, &s);
	send(l, &tally, &a, 3, 2 * SEC, &s);	/* held; a is now the most recently used */
	send(l, &tally, &b, 4, 2 * SEC, &s);	/* held */
	send(l, &tally, &b, 5, 3 * SEC, &s);	/* held: b is used last */
	CHECK(t, send(l, &tally, &c, 6, 3 * SEC, &s) == ALERT_LIMIT_WRITE, "c");
	EXPECT(t, tally.emitted == 1 && tally.last_emitted_seq == 3 &&
		  tally.last_emitted_suppressed == 0, "a evicted with its held event: seq %llu",
	       (unsigned long long)tally.last_emitted_seq);
	EXPECT(t, alert_limiter_keys(l) == 2 && alert_limiter_held(l) == 2, "b and c kept");
	EXPECT(t, balanced(l, &tally), "every event counted");
	/* a comes back as a new key: written */
	EXPECT(t, send(l, &tally, &a, 7, 4 * SEC, &s) == ALERT_LIMIT_WRITE, "a again");
	EXPECT(t, tally.last_emitted_seq == 5 && tally.last_emitted_suppressed == 1,
	       "b evicted: seq %llu", (unsigned long long)tally.last_emitted_seq);
	EXPECT(t, balanced(l, &tally), "every event counted");
	alert_limiter_free(l);
}

/* n events to 198.18.0.1:port at now_ns + i ms, sources first..first+n-1; balanced after
 * each; returns the alerts written directly. */
static int flood(struct test_case *t, struct alert_limiter *l, struct tally *tally,
		 uint16_t first, int n, uint16_t port, uint64_t now_ns, int *unbalanced)
{
	struct alert_limit_key k;
	uint64_t s;
	int i, written = 0;

	for (i = 0; i < n; i++) {
		k = key_of(EW_EVENT_MGMT_VIOLATION, first + i, port);
		if (send(l, tally, &k, 1000 + i, now_ns + i * 1000000ULL, &s) == ALERT_LIMIT_WRITE)
			written++;
		if (!balanced(l, tally))
			(*unbalanced)++;
	}
	(void)t;
	return written;
}

static int sample_is(const struct alert_summary *s, uint16_t first, size_t n)
{
	struct alert_limit_key k;
	size_t i;

	if (s->sample_count != n || s->family != 4)
		return 0;
	for (i = 0; i < n; i++) {
		k = key_of(0, first + i, 0);
		if (memcmp(s->sample[i], k.source, 16))
			return 0;
	}
	return 1;
}

/*
 * 2,000 spoofed sources to one port in one window: the first 32 alerted one by one, the
 * other 1,968 (each sent twice) in one aggregate alert written when the window is over,
 * its counts exact; the sum holds after every event.
 */
static void test_aggregate_many_sources(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key k;
	struct tally tally = {};
	uint64_t s, t0 = 1000 * SEC;
	int written, unbalanced = 0;

	CHECK(t, alert_limiter_new(&l, 16384, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	written = flood(t, l, &tally, 0, 2000, 22, t0, &unbalanced);
	written += flood(t, l, &tally, 0, 2000, 22, t0 + 10 * SEC, &unbalanced);
	EXPECT(t, written == ALERT_AGGREGATE_SOURCES_DEFAULT && tally.emitted == 0,
	       "%d alerts written for 2,000 sources (want %d), %d emitted", written,
	       ALERT_AGGREGATE_SOURCES_DEFAULT, tally.emitted);
	EXPECT(t, alert_limiter_held(l) == 4000 - 32, "held %llu",
	       (unsigned long long)alert_limiter_held(l));
	EXPECT(t, alert_limiter_aggregates(l) == 1, "%zu aggregates", alert_limiter_aggregates(l));
	/* the window is over: the next event writes the aggregate first, then itself */
	k = key_of(EW_EVENT_MGMT_VIOLATION, 5000, 22);
	EXPECT(t, send(l, &tally, &k, 9999, t0 + 70 * SEC, &s) == ALERT_LIMIT_WRITE && s == 0,
	       "a new source in the next window is alerted");
	CHECK(t, tally.aggregates == 1, "%d aggregate alerts", tally.aggregates);
	EXPECT(t, tally.last_aggregate.aggregated == 2 * 1968 - 1 &&
		  tally.last_aggregate.sources == 1968,
	       "aggregate: %llu events, %llu sources; want 3936 and 1968",
	       (unsigned long long)tally.last_aggregate.aggregated + 1,
	       (unsigned long long)tally.last_aggregate.sources);
	EXPECT(t, sample_is(&tally.last_aggregate, 32, ALERT_SAMPLE_SOURCES),
	       "the sample is the first 8 aggregated sources");
	EXPECT(t, tally.last_emitted_seq == 1000 + 1999, "the aggregate shows the latest event");
	/* the per-source held of the first 32 (their second event) come at the flush */
	alert_limiter_flush(l, on_emit, &tally);
	EXPECT(t, tally.aggregates == 1 && tally.alerts == 32 + 1 + 1 + 32,
	       "%llu alerts in all", (unsigned long long)tally.alerts);
	EXPECT(t, alert_limiter_held(l) == 0 && alert_limiter_aggregates(l) == 0, "forgotten");
	EXPECT(t, unbalanced == 0 && balanced(l, &tally), "%d steps unbalanced", unbalanced);
	alert_limiter_free(l);
}

/* Up to the bound, the same verdicts as with no aggregation at all. */
static void test_aggregate_below_bound(struct test_case *t)
{
	struct alert_limiter *on, *off;
	struct tally t_on = {}, t_off = {};
	struct alert_limit_key k;
	uint64_t s_on, s_off;
	int i, round, same = 1, unbalanced = 0;

	CHECK(t, alert_limiter_new(&on, 64, sizeof(struct ew_event)) == 0, "new");
	CHECK(t, alert_limiter_new(&off, 64, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(on, 60 * SEC);
	alert_limiter_set_window(off, 60 * SEC);
	alert_limiter_set_aggregate(off, 0);
	for (round = 0; round < 3; round++)
		for (i = 0; i < ALERT_AGGREGATE_SOURCES_DEFAULT; i++) {
			uint64_t now = (1 + round * 45) * SEC + i;

			k = key_of(EW_EVENT_MGMT_VIOLATION, i, 22);
			if (send(on, &t_on, &k, i, now, &s_on) !=
				    send(off, &t_off, &k, i, now, &s_off) ||
			    s_on != s_off)
				same = 0;
			if (!balanced(on, &t_on))
				unbalanced++;
		}
	EXPECT(t, same, "verdicts differ below the bound");
	alert_limiter_flush(on, on_emit, &t_on);
	alert_limiter_flush(off, on_emit, &t_off);
	EXPECT(t, t_on.alerts == t_off.alerts && t_on.suppressed == t_off.suppressed &&
		  t_on.aggregates == 0, "flush: %llu alerts, %d aggregates",
	       (unsigned long long)t_on.alerts, t_on.aggregates);
	EXPECT(t, unbalanced == 0 && balanced(on, &t_on), "%d steps unbalanced", unbalanced);
	alert_limiter_free(on);
	alert_limiter_free(off);
}

/*
 * Windows go on: a flood in the next window alerts its first 32 sources again (also those
 * aggregated before), aggregates the rest; the flush writes the pending aggregate. Other
 * ports aggregate on their own.
 */
static void test_aggregate_windows(struct test_case *t)
{
	struct alert_limiter *l;
	struct tally tally = {};
	uint64_t t0 = 1000 * SEC;
	int written, unbalanced = 0;

	CHECK(t, alert_limiter_new(&l, 1024, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	written = flood(t, l, &tally, 0, 50, 22, t0, &unbalanced);
	written += flood(t, l, &tally, 0, 40, 23, t0, &unbalanced);
	EXPECT(t, written == 64, "%d alerts: 32 for each port", written);
	written = flood(t, l, &tally, 40, 50, 22, t0 + 60 * SEC, &unbalanced);
	EXPECT(t, written == 32, "next window: %d alerts", written);
	CHECK(t, tally.aggregates == 1, "port 22's first window written");
	EXPECT(t, tally.last_aggregate.aggregated == 17 && tally.last_aggregate.sources == 18 &&
		  sample_is(&tally.last_aggregate, 32, 8), "first window: %llu sources",
	       (unsigned long long)tally.last_aggregate.sources);
	alert_limiter_flush(l, on_emit, &tally);
	EXPECT(t, tally.aggregates == 3, "%d aggregates (22 twice, 23 once)", tally.aggregates);
	EXPECT(t, unbalanced == 0 && balanced(l, &tally) && alert_limiter_held(l) == 0,
	       "%d steps unbalanced", unbalanced);
	alert_limiter_free(l);
}

/* A full aggregate table forgets the least recently used one, written first. */
static void test_aggregate_eviction(struct test_case *t)
{
	struct alert_limiter *l;
	struct tally tally = {};
	int port, unbalanced = 0;

	CHECK(t, alert_limiter_new(&l, 3, sizeof(struct ew_event)) == 0, "new");
	alert_limiter_set_window(l, 60 * SEC);
	alert_limiter_set_aggregate(l, 1);
	for (port = 22; port < 25; port++)
		flood(t, l, &tally, 0, 2, port, SEC, &unbalanced);
	EXPECT(t, alert_limiter_aggregates(l) == 3 && tally.aggregates == 0, "3 pending");
	flood(t, l, &tally, 0, 1, 25, SEC, &unbalanced);
	EXPECT(t, alert_limiter_aggregates(l) == 3 && tally.aggregates == 1 &&
		  tally.last_aggregate.sources == 1, "port 22's aggregate evicted, written");
	alert_limiter_flush(l, on_emit, &tally);
	EXPECT(t, tally.aggregates == 3, "%d aggregates", tally.aggregates);
	EXPECT(t, unbalanced == 0 && balanced(l, &tally), "%d steps unbalanced", unbalanced);
	alert_limiter_free(l);
}

static void test_dedup(struct test_case *t)
{
	struct event_dedup *d;

	CHECK(t, event_dedup_new(&d, 3) == 0, "new");
	EXPECT(t, !event_dedup_seen(d, 100, EW_EVENT_MGMT_VIOLATION), "first");
	EXPECT(t, event_dedup_seen(d, 100, EW_EVENT_MGMT_VIOLATION), "the same pair twice");
	EXPECT(t, !event_dedup_seen(d, 100, EW_EVENT_MGMT_EXPOSURE), "another type, same flow");
	EXPECT(t, !event_dedup_seen(d, 101, EW_EVENT_MGMT_VIOLATION), "another flow");
	EXPECT(t, event_dedup_seen(d, 100, EW_EVENT_MGMT_EXPOSURE), "remembered");
	/* a fourth pair pushes out the oldest */
	EXPECT(t, !event_dedup_seen(d, 102, EW_EVENT_MGMT_VIOLATION), "fourth");
	EXPECT(t, !event_dedup_seen(d, 100, EW_EVENT_MGMT_VIOLATION), "the oldest was forgotten");
	EXPECT(t, event_dedup_seen(d, 102, EW_EVENT_MGMT_VIOLATION), "the newest is kept");
	event_dedup_free(d);
}

int main(void)
{
	test_program = "test_alert_limiter";
	RUN(test_no_window_writes_every_event);
	RUN(test_window);
	RUN(test_keys_are_independent);
	RUN(test_flush);
	RUN(test_eviction_loses_nothing);
	RUN(test_aggregate_many_sources);
	RUN(test_aggregate_below_bound);
	RUN(test_aggregate_windows);
	RUN(test_aggregate_eviction);
	RUN(test_dedup);
	return test_summary();
}
