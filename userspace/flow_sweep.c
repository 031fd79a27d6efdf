// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "flow_sweep.h"
#include "log.h"
#include "replay_table.h"

/* Entries read per batch syscall. */
#define DRAIN_BATCH 4096

static void export_ended(void *ctx, const void *record)
{
	struct sweep_run *run = ctx;
	const struct flow_end *end = record;

	/* a failed write is counted by the exporter, with its packets */
	if (flow_export(run->x, &end->key, &end->record, end->reason, run->now_ns))
		run->result->errors++;
	else
		run->result->exported[end->reason]++;
}

int flow_sweep_on_ended(void *ctx, void *data, size_t size)
{
	struct sweep_run *run = ctx;
	const struct flow_end *end = data;

	if (size < sizeof(*end) || end->reason > EW_END_SHUTDOWN) {	/* the kernel's reasons */
		run->result->errors++;
		return 0;
	}
	/* held for the sweep's end; out of memory, exported now (its place may differ) */
	if (run->reorder && bucket_reorder_add(run->reorder, end) == 0)
		return 0;
	export_ended(run, end);
	return 0;
}

int sweep_under_pressure(uint32_t table_size, uint64_t fill)
{
	return table_size && fill * 100 >= (uint64_t)table_size * SWEEP_PRESSURE_PERCENT;
}

void sweep_schedule_start(struct sweep_schedule *s, volatile __u64 *closing_ns,
			  volatile __u32 *hot_seen)
{
	memset(s, 0, sizeof(*s));
	s->next_end_ns = UINT64_MAX;
	s->first_frame_ns = UINT64_MAX;
	s->closing_ns = closing_ns;
	*closing_ns = UINT64_MAX;
	s->hot_seen = hot_seen;
	*hot_seen = 0;
}

void sweep_schedule_frame(struct sweep_schedule *s, uint64_t ts_ns)
{
	if (ts_ns < s->first_frame_ns)
		s->first_frame_ns = ts_ns;
	s->frames++;
}

/* when "idle >= timeout" first holds for a flow last seen at t (see sweep.bpf.h) */
static uint64_t end_after(uint64_t t, uint64_t timeout_ns)
{
	if (!timeout_ns)
		return 0;
	return t + timeout_ns < t ? UINT64_MAX : t + timeout_ns;
}

int sweep_schedule_due(const struct sweep_schedule *s, const struct sweep_policy *p,
		       uint64_t now_ns)
{
	uint64_t shortest = p->idle_timeout_ns;

	if (p->active_timeout_ns && p->active_timeout_ns < shortest)
		shortest = p->active_timeout_ns;
	if (now_ns >= s->next_end_ns)
		return 1;
	if (s->first_frame_ns != UINT64_MAX && now_ns >= end_after(s->first_frame_ns, shortest))
		return 1;
	if (p->hot_pkts && (s->hot_last || !s->hot_seen || *s->hot_seen))
		return 1;
	if (s->closing_ns && *s->closing_ns != UINT64_MAX &&
	    now_ns >= end_after(*s->closing_ns, p->tcp_closed_timeout_ns))
		return 1;
	/* p->fill_hint is what the last sweep kept; a frame makes at most one flow */
	return sweep_under_pressure(p->table_size, p->fill_hint + s->frames);
}

int sweep_schedule_due_live(const struct sweep_schedule *s, uint64_t now_ns, int traffic,
			    int over_high_water)
{
	return traffic || now_ns >= s->next_end_ns || s->hot_last || over_high_water;
}

void sweep_schedule_swept(struct sweep_schedule *s, const struct sweep_result *r, int err)
{
	s->next_end_ns = err ? 0 : r->next_end_ns;
	s->first_frame_ns = UINT64_MAX;
	s->frames = 0;
	/* a failed sweep may have missed a hot flow: look again at the next tick */
	s->hot_last = err || r->hot_reported || r->hot_lost;
	if (s->closing_ns)
		*s->closing_ns = UINT64_MAX;
	if (s->hot_seen)
		*s->hot_seen = 0;
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
	int passes = 0, err = 0;

	do {
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			err = -errno;
			run->result->errors++;
			break;
		}
		err = ring_buffer__consume(ended_rb);
		if (err < 0) {
			run->result->errors++;
			break;
		}
		err = 0;
		run->result->delete_races += args->delete_races;
		run->result->hot_reported += args->hot_reported;
		run->result->hot_lost += args->hot_lost;
		run->result->reused_before_refresh += args->reused_before_refresh;
	} while (args->ring_full && ++passes < 100000);
	/* the walk's records, in the configured table's order (even after a failed pass:
	 * what was handed over is exported) */
	if (run->reorder)
		bucket_reorder_flush(run->reorder, export_ended, run);
	return err;
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
		.hot_pkts = policy->hot_pkts,
	};
	int prog_fd = bpf_program__fd(skel->progs.ew_sweep), err;
	uint64_t high = (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT / 100;
	uint64_t low = (uint64_t)policy->table_size * SWEEP_LOW_WATER_PERCENT / 100;

	memset(run->result, 0, sizeof(*run->result));
	if (shutdown)
		args.flags |= EW_SWEEP_F_ALL;
	if (sweep_under_pressure(policy->table_size, policy->fill_hint))
		args.flags |= EW_SWEEP_F_PRESSURE;
	if (policy->hot_pkts && !shutdown)
		args.flags |= EW_SWEEP_F_HOT;
	err = sweep_passes(prog_fd, ended_rb, run, &args);
	args.flags &= ~EW_SWEEP_F_HOT;	/* once per sweep: the debris pass walks again */
	/*
	 * Still over the high-water mark after the timeouts (a flood: every flow fresh):
	 * a second walk exports the flood's debris, oldest first, down to the low-water
	 * mark. The first walk counted it by age, which is how the second knows where to
	 * start (one walk cannot sort).
	 */
	if (!err && !shutdown && policy->table_size && args.kept >= high && args.kept > low) {
		uint64_t forced = run->result->exported[EW_END_FORCED];

		run->result->over_high_water = 1;
		flow_sweep_debris_plan(&args, args.kept - low);
		err = sweep_passes(prog_fd, ended_rb, run, &args);
		run->result->debris_exported = run->result->exported[EW_END_FORCED] - forced;
	}
	if (err)
		return err;
	run->result->flows_in_table = args.kept;
	run->result->next_end_ns = args.next_end_ns;
	run->result->packets_pending = args.kept_packets;
	return run->result->errors ? -EIO : 0;
}

/* Delete the flows of a batch whose lines are written. */
static int drain_delete_written(int flows_fd, const struct flow_key *keys, __u32 count,
				struct sweep_result *result)
{
	__u32 i;

	for (i = 0; i < count; i++) {
		if (bpf_map_delete_elem(flows_fd, &keys[i]) == 0)
			continue;
		if (errno != ENOENT) {
			result->errors++;
			return -errno;
		}
		result->delete_races++;
	}
	return 0;
}

int flow_table_drain(int flows_fd, struct flow_exporter *x, enum ew_flow_end reason,
		     uint64_t now_ns, struct sweep_result *result)
{
	struct flow_key *keys = calloc(DRAIN_BATCH, sizeof(*keys));
	struct flow_record *values = calloc(DRAIN_BATCH, sizeof(*values));
	__u32 count, token, i;
	uint64_t lost_before;
	int err = 0;

	memset(result, 0, sizeof(*result));
	if (!keys || !values) {
		err = -ENOMEM;
		goto cleanup;
	}
	/*
	 * Per batch: read flows, write their lines, flush, and only then delete them, so a
	 * write that fails (disk full) leaves every flow not yet on disk in the table for
	 * the next try (which may repeat lines written just before the failure: a
	 * duplicate, never a loss). Deleting restarts nothing here, because every batch
	 * starts again from the (now smaller) table's beginning. The table is no running
	 * program's (its links died with its instance; run.c removes a classic tc filter
	 * first), so nothing changes a flow between its read and its delete.
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
		/* a full buffer is written out inside flow_export(), whose return does not
		 * say when that write failed: the EVE file's count of lost lines does */
		lost_before = output_eve_errors(x->out);
		for (i = 0; i < count; i++) {
			flow_record_fold(&values[i]);	/* one count per direction */
			if (flow_export(x, &keys[i], &values[i], reason, now_ns)) {
				result->errors++;
				goto cleanup;
			}
		}
		err = output_flush(x->out);
		if (!err && output_eve_errors(x->out) != lost_before)
			err = -EIO;
		if (err) {
			result->errors++;
			goto cleanup;
		}
		result->exported[reason] += count;
		err = drain_delete_written(flows_fd, keys, count, result);
		if (err)
			goto cleanup;
	}
cleanup:
	free(keys);
	free(values);
	return err ? err : (result->errors ? -EIO : 0);
}
