// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live daemon's sweep schedule (flow_sweep.h, sweep_schedule_due_live): which ticks
 * sweep. The earliest end it relies on is computed by the sweeper itself:
 * tests/bpf/test_sweeper.c, test_next_end_ns.
 */
#include <stdint.h>

#include "flow_sweep.h"
#include "../support/test.h"

#define NS 1000000000ULL
#define T0 (1000 * NS)

/* The state after a sweep that kept flows ending at next_end_ns at the earliest. */
static struct sweep_schedule after_sweep(uint64_t next_end_ns, int hot, int err)
{
	struct sweep_schedule s = { 0 };
	struct sweep_result r = { .next_end_ns = next_end_ns, .hot_reported = hot };

	sweep_schedule_swept(&s, &r, err);
	return s;
}

static void test_idle_ticks_skip(struct test_case *t)
{
	struct sweep_schedule empty = after_sweep(UINT64_MAX, 0, 0);
	struct sweep_schedule kept = after_sweep(T0 + 60 * NS, 0, 0);

	EXPECT(t, !sweep_schedule_due_live(&empty, T0, 0, 0), "empty table, no traffic: swept");
	EXPECT(t, !sweep_schedule_due_live(&empty, UINT64_MAX - 1, 0, 0),
	       "empty table, much later: swept");
	EXPECT(t, !sweep_schedule_due_live(&kept, T0 + 60 * NS - 1, 0, 0),
	       "1 ns before a kept flow can end: swept");
}

static void test_what_makes_a_tick_sweep(struct test_case *t)
{
	struct sweep_schedule kept = after_sweep(T0 + 60 * NS, 0, 0);
	struct sweep_schedule hot = after_sweep(UINT64_MAX, 1, 0);
	struct sweep_schedule failed = after_sweep(UINT64_MAX, 0, -5);
	struct sweep_schedule start = { 0 };	/* before the first sweep */

	EXPECT(t, sweep_schedule_due_live(&kept, T0 + 60 * NS, 0, 0),
	       "a kept flow can end now: not swept");
	EXPECT(t, sweep_schedule_due_live(&kept, T0, 1, 0), "traffic: not swept");
	EXPECT(t, sweep_schedule_due_live(&hot, T0, 0, 0), "hot flow reported last time: not swept");
	EXPECT(t, sweep_schedule_due_live(&failed, T0, 0, 0), "last sweep failed: not swept");
	EXPECT(t, sweep_schedule_due_live(&kept, T0, 0, 1), "over the high-water mark: not swept");
	EXPECT(t, sweep_schedule_due_live(&start, T0, 0, 0), "first tick: not swept");
}

int main(void)
{
	test_program = "sweep_schedule_live";
	RUN(test_idle_ticks_skip);
	RUN(test_what_makes_a_tick_sweep);
	return test_summary();
}
