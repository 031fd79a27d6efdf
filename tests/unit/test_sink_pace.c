// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * When a queued sink's sender thread is woken (output/sink_clock.c, struct sink_pace):
 * the producer wakes an idle sender for the first message only, a gathering sender once
 * when a batch is queued, a running one never; the sender gathers until the batch or the
 * deadline, then owes everything queued at that moment before it gathers again; a drain
 * (hurry) never waits. Then the protocol with a real sender thread: every message is
 * taken, a lone message is not held past the gathering, and a burst costs the producer
 * one wake per batch, not one per message.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "output/sink_clock.h"
#include "../support/test.h"

#define BATCH 64

static void test_producer_wakes(struct test_case *t)
{
	struct sink_pace p = { .state = SINK_SENDER_IDLE };

	CHECK(t, sink_pace_queued(&p, 1, BATCH) == 1, "an idle sender is woken by the first");
	CHECK(t, sink_pace_queued(&p, 2, BATCH) == 0, "and not again by the second");
	p.state = SINK_SENDER_GATHERING;
	CHECK(t, sink_pace_queued(&p, BATCH - 1, BATCH) == 0, "gathering: no wake under a batch");
	CHECK(t, sink_pace_queued(&p, BATCH, BATCH) == 1, "gathering: one wake at a batch");
	CHECK(t, p.state == SINK_SENDER_RUNNING, "the wake is not repeated");
	CHECK(t, sink_pace_queued(&p, BATCH + 1, BATCH) == 0, "running: no wake");
}

static void test_sender_gathers_then_owes(struct test_case *t)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t wake;
	struct sink_pace p = { 0 };
	uint64_t before;

	CHECK(t, !sink_cond_init(&wake), "cond");
	pthread_mutex_lock(&lock);
	before = sink_now_ms();
	CHECK(t, sink_pace_gather(&p, &wake, &lock, 3, BATCH) == 1,
	      "3 of a batch of 64 queued: the sender waits to gather");
	CHECK(t, p.gather_until_ms >= before + SINK_GATHER_MS &&
		 p.gather_until_ms <= sink_now_ms() + SINK_GATHER_MS,
	      "the gathering ends SINK_GATHER_MS after it began (%llu, began %llu)",
	      (unsigned long long)p.gather_until_ms, (unsigned long long)before);
	CHECK(t, p.state == SINK_SENDER_RUNNING, "running after the wait");
	while (sink_now_ms() < p.gather_until_ms)	/* a spurious wake-up returns early */
		sink_pace_gather(&p, &wake, &lock, 3, BATCH);
	CHECK(t, sink_pace_gather(&p, &wake, &lock, 5, BATCH) == 0, "past the deadline: send");
	CHECK(t, p.owed == 5 && p.gather_until_ms == 0, "owes the 5 queued (owed %zu)", p.owed);
	sink_pace_sent(&p, 2);
	CHECK(t, sink_pace_gather(&p, &wake, &lock, 4, BATCH) == 0,
	      "still owed 3: sent without a gathering");
	sink_pace_sent(&p, 7);	/* more left (an abort's pops) than owed: none owed */
	CHECK(t, p.owed == 0, "owed never wraps (%zu)", p.owed);
	CHECK(t, sink_pace_gather(&p, &wake, &lock, BATCH, BATCH) == 0 && p.owed == BATCH,
	      "a full batch is sent at once");
	sink_pace_sent(&p, BATCH);
	p.hurry = 1;
	CHECK(t, sink_pace_gather(&p, &wake, &lock, 1, BATCH) == 0 && p.owed == 1,
	      "a drain waits: no gathering");
	pthread_mutex_unlock(&lock);
	pthread_cond_destroy(&wake);
}

/* A toy queued sink: a count of queued messages, the protocol of the real ones. */
struct toy_sink {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct sink_pace pace;
	size_t count, taken, wakes;
	int stopping;
};

static void *toy_sender(void *arg)
{
	struct toy_sink *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		enum sink_sender_step step = sink_pace_next(&s->pace, &s->wake, &s->lock, s->count,
							    BATCH, 0, s->stopping);

		if (step == SINK_STOP)
			break;
		if (step == SINK_LOOK_AGAIN)
			continue;
		s->taken += s->count;	/* "sent" */
		sink_pace_sent(&s->pace, s->count);
		s->count = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void toy_queue(struct toy_sink *s)
{
	pthread_mutex_lock(&s->lock);
	if (sink_pace_queued(&s->pace, ++s->count, BATCH)) {
		s->wakes++;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
}

static size_t toy_taken(struct toy_sink *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->taken;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void test_with_a_sender_thread(struct test_case *t)
{
	static struct toy_sink s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const size_t burst = 64 * BATCH;
	pthread_t sender;
	size_t i, wakes;
	int waited;

	CHECK(t, !sink_cond_init(&s.wake), "cond");
	CHECK(t, !pthread_create(&sender, NULL, toy_sender, &s), "sender thread");

	/* a lone message leaves after the gathering, without another one behind it
	 * (bounded wait: 2 s, 400 times the gathering) */
	toy_queue(&s);
	for (waited = 0; toy_taken(&s) < 1 && waited < 2000; waited++)
		usleep(1000);
	EXPECT(t, toy_taken(&s) == 1, "a lone message was not taken in 2 s");

	pthread_mutex_lock(&s.lock);
	wakes = s.wakes;
	pthread_mutex_unlock(&s.lock);
	/* a message every 20 us: a sender woken per message has emptied the queue before
	 * the next one comes, so without the gathering each message would wake it */
	for (i = 0; i < burst; i++) {
		struct timespec t0, now;

		toy_queue(&s);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while ((now.tv_sec - t0.tv_sec) * 1000000000L + now.tv_nsec - t0.tv_nsec < 20000);
	}
	for (waited = 0; toy_taken(&s) < burst + 1 && waited < 2000; waited++)
		usleep(1000);
	pthread_mutex_lock(&s.lock);
	EXPECT(t, s.taken == burst + 1, "every message taken (%zu of %zu)", s.taken, burst + 1);
	/* at most two wakes per batch (the first message, then the batch), whatever the
	 * scheduling; one per message without the gathering */
	EXPECT(t, s.wakes - wakes <= 2 * (burst / BATCH) + 2,
	       "%zu wakes for %zu messages in batches of %d", s.wakes - wakes, burst, BATCH);
	s.stopping = 1;
	pthread_cond_signal(&s.wake);
	pthread_mutex_unlock(&s.lock);
	pthread_join(sender, NULL);
	pthread_cond_destroy(&s.wake);
}

int main(void)
{
	test_program = "test_sink_pace";
	RUN(test_producer_wakes);
	RUN(test_sender_gathers_then_owes);
	RUN(test_with_a_sender_thread);
	return test_summary();
}
