// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "flow_sweep.h"
#include "log.h"

/* Entries read per batch syscall. */
#define DRAIN_BATCH 4096

/* The kernel's and userspace's names of why a flow ended are the same list. */
_Static_assert((int)FLOW_END_TIMEOUT == EW_END_TIMEOUT && (int)FLOW_END_ACTIVE_TIMEOUT ==
	       EW_END_ACTIVE_TIMEOUT && (int)FLOW_END_CLOSED == EW_END_CLOSED &&
	       (int)FLOW_END_FORCED == EW_END_FORCED && (int)FLOW_END_SHUTDOWN == EW_END_SHUTDOWN,
	       "enum flow_end_reason follows enum ew_flow_end");

int flow_sweep_on_ended(void *ctx, void *data, size_t size)
{
	struct sweep_run *run = ctx;
	const struct flow_end *end = data;

	if (size < sizeof(*end) || end->reason >= EW_END_MAX) {
		run->result->errors++;
		return 0;
	}
	/* a failed write is counted by the exporter, with its packets */
	if (flow_export(run->x, &end->key, &end->record, end->reason, run->now_ns))
		run->result->errors++;
	else
		run->result->exported[end->reason]++;
	return 0;
}

/*
 * Run the sweeper with args until a pass did not fill the ring (it holds ~75,000 ended
 * flows), exporting what it hands over. 0 or -errno.
 */
static int sweep_passes(int prog_fd, struct ring_buffer *ended_rb, struct sweep_run *run,
			struct sweep_args *args)
{
	/* a syscall program's context is copied back into ctx_in */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(*args));
	int passes = 0, err;

	do {
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			err = -errno;
			run->result->errors++;
			return err;
		}
		err = ring_buffer__consume(ended_rb);
		if (err < 0) {
			run->result->errors++;
			return err;
		}
		run->result->delete_races += args->delete_races;
		run->result->reused_before_refresh += args->reused_before_refresh;
	} while (args->ring_full && ++passes < 100000);
	return 0;
}

/* Idle time bounds of an age bucket (datapath.h, EW_SWEEP_AGE_BUCKETS), in ns. */
static uint64_t age_bucket_start_ns(int b)
{
	return b ? (1ULL << (b - 1)) * 1000000ULL : 0;
}

void flow_sweep_debris_plan(struct sweep_args *args, uint64_t excess)
{
	uint64_t older = 0;	/* debris in the buckets above b */
	int b;

	args->flags |= EW_SWEEP_F_DEBRIS;
	/* from the oldest bucket down: all of those above b go, b gives the rest */
	for (b = EW_SWEEP_AGE_BUCKETS - 1; b >= 0; b--) {
		if (older + args->debris_kept[b] >= excess) {
			args->debris_older_ns = b == EW_SWEEP_AGE_BUCKETS - 1 ?
							UINT64_MAX : age_bucket_start_ns(b + 1);
			args->debris_min_ns = age_bucket_start_ns(b);
			args->debris_budget = excess - older;
			return;
		}
		older += args->debris_kept[b];
	}
	/* not that much debris: all of it goes */
	args->debris_older_ns = 0;
	args->debris_min_ns = 0;
	args->debris_budget = 0;
}

uint64_t flow_sweep_interval(const struct sweep_result *result, uint64_t interval_ns)
{
	return result->over_high_water ? interval_ns / SWEEP_PRESSURE_SPEEDUP : interval_ns;
}

int flow_table_sweep_bpf(struct datapath *skel, struct ring_buffer *ended_rb,
			 struct sweep_run *run, const struct sweep_policy *policy, int shutdown)
{
	struct sweep_args args = {
		.now_ns = run->now_ns,
		.idle_ns = policy->idle_timeout_ns,
		.tcp_closed_ns = policy->tcp_closed_timeout_ns,
		.active_ns = policy->active_timeout_ns,
		.pressure_idle_ns = policy->idle_timeout_ns / SWEEP_PRESSURE_IDLE_DIVISOR,
	};
	int prog_fd = bpf_program__fd(skel->progs.ew_sweep), err;
	uint64_t high = (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT / 100;
	uint64_t low = (uint64_t)policy->table_size * SWEEP_LOW_WATER_PERCENT / 100;

	memset(run->result, 0, sizeof(*run->result));
	if (shutdown)
		args.flags |= EW_SWEEP_F_ALL;
	if (policy->table_size &&
	    policy->fill_hint * 100 >= (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT)
		args.flags |= EW_SWEEP_F_PRESSURE;
	err = sweep_passes(prog_fd, ended_rb, run, &args);
	/*
	 * Still over the high-water mark after the timeouts (a flood: every flow fresh):
	 * a second walk exports the flood's debris, oldest first, down to the low-water
	 * mark. The first walk counted it by age, which is how the second knows where to
	 * start (one walk cannot sort).
	 */
	if (!err && !shutdown && policy->table_size && args.kept >= high && args.kept > low) {
		uint64_t forced = run->result->exported[FLOW_END_FORCED];

		run->result->over_high_water = 1;
		flow_sweep_debris_plan(&args, args.kept - low);
		err = sweep_passes(prog_fd, ended_rb, run, &args);
		run->result->debris_exported = run->result->exported[FLOW_END_FORCED] - forced;
	}
	if (err)
		return err;
	run->result->flows_in_table = args.kept;
	run->result->packets_pending = args.kept_packets;
	return run->result->errors ? -EIO : 0;
}

int flow_table_drain(int flows_fd, struct flow_exporter *x, enum flow_end_reason reason,
		     uint64_t now_ns, struct sweep_result *result)
{
	struct flow_key *keys = calloc(DRAIN_BATCH, sizeof(*keys));
	struct flow_record *values = calloc(DRAIN_BATCH, sizeof(*values));
	struct flow_record final;
	__u32 count, token;
	int err = 0;
	size_t i;

	memset(result, 0, sizeof(*result));
	if (!keys || !values) {
		err = -ENOMEM;
		goto cleanup;
	}
	/*
	 * Read a batch of keys, then take each flow out with lookup-and-delete: its value
	 * comes from the delete itself. Deleting restarts nothing here, because every
	 * batch starts again from the (now smaller) table's beginning.
	 */
	for (;;) {
		count = DRAIN_BATCH;
		if (bpf_map_lookup_batch(flows_fd, NULL, &token, keys, values, &count, NULL) &&
		    errno != ENOENT) {
			err = -errno;
			result->errors++;
			goto cleanup;
		}
		if (!count)
			break;
		for (i = 0; i < count; i++) {
			if (bpf_map_lookup_and_delete_elem(flows_fd, &keys[i], &final)) {
				if (errno == ENOENT) {
					result->delete_races++;
					continue;
				}
				err = -errno;
				result->errors++;
				goto cleanup;
			}
			if (flow_export(x, &keys[i], &final, reason, now_ns))
				result->errors++;
			else
				result->exported[reason]++;
		}
	}
cleanup:
	free(keys);
	free(values);
	return err ? err : (result->errors ? -EIO : 0);
}
