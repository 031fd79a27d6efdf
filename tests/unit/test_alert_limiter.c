// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert rate limiter and the event deduplicator (userspace/detect/alert_limiter.c):
 * what is written, held, reported as "suppressed", flushed and evicted, with the sum
 * events == alerts + suppressed + held checked after every step.
 */
#include <string.h>

#include "detect/alert_limiter.h"
#include "../support/test.h"

#define SEC 1000000000ULL

/* What the limiter made of the events so far. */
struct tally {
	uint64_t events;
	uint64_t alerts;
	uint64_t suppressed;
	uint64_t last_emitted_seq;	/* flow_seq of the last alert emitted by the limiter */
	uint64_t last_emitted_suppressed;
	int emitted;
};

static void on_emit(void *ctx, const struct ew_event *ev, uint64_t suppressed)
{
	struct tally *t = ctx;

	t->alerts++;
	t->suppressed += suppressed;
	t->last_emitted_seq = ev->flow_seq;
	t->last_emitted_suppressed = suppressed;
	t->emitted++;
}

static struct alert_limit_key key_of(uint32_t type, uint8_t source, uint16_t port)
{
	struct alert_limit_key k;

	memset(&k, 0, sizeof(k));
	k.type = type;
	k.family = 4;
	k.proto = 6;
	k.port = port;
	k.source[0] = 198, k.source[1] = 18, k.source[3] = source;
	k.target[0] = 198, k.target[1] = 18, k.target[3] = 1;
	return k;
}

/* One event through the limiter; returns the verdict, counts it in tally. */
static enum alert_limit_verdict send(struct alert_limiter *l, struct tally *t,
				     const struct alert_limit_key *k, uint64_t seq,
				     uint64_t now_ns, uint64_t *suppressed)
{
	struct ew_event ev = { .type = k->type, .flow_seq = seq, .ts_ns = now_ns };
	enum alert_limit_verdict v;

	t->events++;
	v = alert_limiter_check(l, k, &ev, now_ns, suppressed, on_emit, t);
	if (v == ALERT_LIMIT_WRITE) {
		t->alerts++;
		t->suppressed += *suppressed;
	}
	return v;
}

static int balanced(const struct alert_limiter *l, const struct tally *t)
{
	return t->events == t->alerts + t->suppressed + alert_limiter_held(l);
}

static void test_no_window_writes_every_event(struct test_case *t)
{
	struct alert_limiter *l;
	struct alert_limit_key k = key_of(EW_EVENT_MGMT_VIOLATION, 9, 22);
	struct tally tally = {};
	uint64_t s;
	int i;

	CHECK(t, alert_limiter_new(&l, 16) == 0, "new");
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

	CHECK(t, alert_limiter_new(&l, 16) == 0, "new");
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

	CHECK(t, alert_limiter_new(&l, 16) == 0, "new");
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

	CHECK(t, alert_limiter_new(&l, 16) == 0, "new");
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

	CHECK(t, alert_limiter_new(&l, 2) == 0, "new");
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
	RUN(test_dedup);
	return test_summary();
}
