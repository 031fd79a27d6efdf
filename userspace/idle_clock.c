// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "idle_clock.h"
#include "clock.h"
#include "datapath.skel.h"
#include "log.h"

/* Asleep, the thread still looks at `running` this often (how long a stop can wait). */
#define IDLE_CLOCK_POLL_MS 200

static int on_wake(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

/* Asleep: block until a packet wakes us (or a stop), then write the time first and
 * only then clear clock_asleep, so no packet reads the stale time. */
static void idle_clock_sleep(struct idle_clock *c)
{
	volatile struct datapath__bss *bss = c->skel->bss;

	while (c->running) {
		/* consumes every record: a later wake-up finds the ring empty */
		if (ring_buffer__poll(c->wake_ring, IDLE_CLOCK_POLL_MS) > 0)
			break;
	}
	bss->clock_now_ns = datapath_clock_now_ns();
	__atomic_store_n(&bss->clock_asleep, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&c->wakeups, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->activity, 1, __ATOMIC_RELAXED);
}

static void *idle_clock_main(void *arg)
{
	struct idle_clock *c = arg;
	volatile struct datapath__bss *bss = c->skel->bss;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 1000000 };
	unsigned int quiet = 0;

	while (c->running) {
		bss->clock_now_ns = datapath_clock_now_ns();
		if (bss->clock_used) {
			bss->clock_used = 0;
			quiet = 0;
			__atomic_fetch_add(&c->activity, 1, __ATOMIC_RELAXED);
		} else if (++quiet >= IDLE_CLOCK_SLEEP_TICKS) {
			/* wake_sent first: a packet that sees asleep must be able to wake us */
			bss->clock_wake_sent = 0;
			__atomic_store_n(&bss->clock_asleep, 1, __ATOMIC_RELEASE);
			/* a packet that read the clock just before the flag was set got a
			 * time at most a tick old; it still counts as traffic */
			if (__atomic_exchange_n(&bss->clock_used, 0, __ATOMIC_ACQ_REL))
				__atomic_fetch_add(&c->activity, 1, __ATOMIC_RELAXED);
			idle_clock_sleep(c);
			quiet = 0;
			continue;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int idle_clock_start(struct idle_clock *c, struct datapath *skel)
{
	int err;

	c->skel = skel;
	c->wake_ring = ring_buffer__new(bpf_map__fd(skel->maps.clock_wake), on_wake, NULL, NULL);
	if (!c->wake_ring) {
		err = -errno;
		log_error("cannot read the clock_wake ring buffer: %s", strerror(-err));
		return err;
	}
	skel->bss->clock_now_ns = datapath_clock_now_ns();
	c->running = 1;
	err = pthread_create(&c->thread, NULL, idle_clock_main, c);
	if (err) {
		c->running = 0;
		ring_buffer__free(c->wake_ring);
		c->wake_ring = NULL;
		log_error("cannot start the clock thread: %s", strerror(err));
		return -err;
	}
	return 0;
}

void idle_clock_stop(struct idle_clock *c)
{
	if (c->running) {
		c->running = 0;
		pthread_join(c->thread, NULL);
	}
	ring_buffer__free(c->wake_ring);
	c->wake_ring = NULL;
}

uint64_t idle_clock_activity(const struct idle_clock *c)
{
	return __atomic_load_n(&c->activity, __ATOMIC_RELAXED);
}
