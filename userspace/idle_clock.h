/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live datapath's clock (datapath.bpf.c, ew_now_ns): a thread writes CLOCK_MONOTONIC
 * into the skeleton's .bss every millisecond while packets flow, and sleeps when none
 * has read it for IDLE_CLOCK_SLEEP_TICKS ticks; the first packet then takes the exact
 * time itself and wakes the thread through the clock_wake ring buffer.
 */
#ifndef EDGEWATCH_IDLE_CLOCK_H
#define EDGEWATCH_IDLE_CLOCK_H

#include <pthread.h>
#include <stdint.h>

/* Ticks (ms) without a packet before the thread sleeps: a trickle of packets further
 * apart than this costs one wake-up and this many ticks per packet. */
#define IDLE_CLOCK_SLEEP_TICKS 20

struct datapath;
struct ring_buffer;

struct idle_clock {
	struct datapath *skel;
	struct ring_buffer *wake_ring;	/* clock_wake */
	pthread_t thread;
	volatile int running;
	/* counts each tick that found packets had read the clock, and each wake-up: it
	 * moves whenever packets flowed (engine.c skips sweeps while it stands still) */
	uint64_t activity;		/* atomic */
	uint64_t wakeups;		/* atomic: times a packet woke the thread */
};

/* Write the time and start the thread. 0 or -errno (logged). */
int idle_clock_start(struct idle_clock *c, struct datapath *skel);
/* Stop the thread (waits up to IDLE_CLOCK_POLL_MS); safe on a clock never started. */
void idle_clock_stop(struct idle_clock *c);
/* The activity count (see struct idle_clock). */
uint64_t idle_clock_activity(const struct idle_clock *c);

#endif /* EDGEWATCH_IDLE_CLOCK_H */
