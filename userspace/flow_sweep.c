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
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int prog_fd = bpf_program__fd(skel->progs.ew_sweep), passes = 0, err;

	memset(run->result, 0, sizeof(*run->result));
	if (shutdown)
		args.flags |= EW_SWEEP_F_ALL;
	if (policy->table_size &&
	    policy->fill_hint * 100 >= (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT)
		args.flags |= EW_SWEEP_F_PRESSURE;
	/* the ring holds ~75,000 ended flows: run again until a pass did not fill it */
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
		run->result->delete_races += args.delete_races;
		run->result->reused_before_refresh += args.reused_before_refresh;
	} while (args.ring_full && ++passes < 100000);
	run->result->flows_in_table = args.kept;
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

int flow_table_drain(int flows_fd, struct flow_exporter *x, enum flow_end_reason reason,
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
		 * say when that write failed: the writer's count of lost lines does */
		lost_before = eve_write_errors(x->eve);
		for (i = 0; i < count; i++) {
			if (flow_export(x, &keys[i], &values[i], reason, now_ns)) {
				result->errors++;
				goto cleanup;
			}
		}
		err = eve_flush(x->eve);
		if (!err && eve_write_errors(x->eve) != lost_before)
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
