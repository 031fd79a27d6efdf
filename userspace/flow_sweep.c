// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"

#include "flow_sweep.h"
#include "log.h"

#define TCP_FIN 0x01
#define TCP_RST 0x04
#define PROTO_TCP 6

/* Entries read per batch syscall. */
#define SWEEP_BATCH 4096

/* Has the flow ended at now? Which reason, or -1 to keep it. */
static int flow_end_decision(const struct flow_key *key, const struct flow_record *rec,
			     const struct sweep_policy *p, uint64_t now, uint64_t interval_start,
			     int under_pressure)
{
	uint64_t idle = now > rec->last_seen_ns ? now - rec->last_seen_ns : 0;

	if (idle >= p->idle_timeout_ns)
		return FLOW_END_TIMEOUT;
	if (key->proto == PROTO_TCP && idle >= p->tcp_closed_timeout_ns) {
		int rst = (rec->tcp_flags[0] | rec->tcp_flags[1]) & TCP_RST;
		int fin_both = (rec->tcp_flags[0] & TCP_FIN) && (rec->tcp_flags[1] & TCP_FIN);

		if (rst || fin_both)
			return FLOW_END_CLOSED;
	}
	if (under_pressure && idle >= p->idle_timeout_ns / SWEEP_PRESSURE_IDLE_DIVISOR)
		return FLOW_END_FORCED;
	if (p->active_timeout_ns && now > interval_start &&
	    now - interval_start >= p->active_timeout_ns)
		return FLOW_END_ACTIVE_TIMEOUT;
	return -1;
}

/*
 * Export and delete one flow. The value comes from the delete itself
 * (lookup-and-delete), so a packet counted after our batch read is not lost.
 */
static int flow_remove_and_export(int fd, struct flow_exporter *x, const struct flow_key *key,
				  enum flow_end_reason reason, uint64_t now,
				  struct sweep_result *result)
{
	struct flow_record final;

	if (bpf_map_lookup_and_delete_elem(fd, key, &final)) {
		if (errno == ENOENT) {
			result->delete_races++;
			return 0;
		}
		result->errors++;
		return -errno;
	}
	result->exported[reason]++;
	return flow_export(x, key, &final, reason, now);
}

int flow_table_sweep(int flows_fd, struct flow_exporter *x, const struct sweep_policy *policy,
		     uint64_t now_ns, int shutdown, enum flow_end_reason shutdown_reason,
		     struct sweep_result *result)
{
	struct flow_key *keys = NULL;
	struct flow_record *values = NULL;
	struct flow_key *ended = NULL;
	uint8_t *reasons = NULL;
	size_t n_ended = 0, cap_ended = 0;
	__u32 batch_token = 0, count;
	int first = 1, done = 0, under_pressure = 0, err = 0;
	uint64_t in_table = 0;
	size_t i;
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);

	memset(result, 0, sizeof(*result));
	if (policy->table_size &&
	    policy->fill_hint * 100 >= (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT)
		under_pressure = 1;
	keys = calloc(SWEEP_BATCH, sizeof(*keys));
	values = calloc(SWEEP_BATCH, sizeof(*values));
	if (!keys || !values) {
		err = -ENOMEM;
		goto cleanup;
	}

	/* Pass 1: read everything, decide. Deleting while iterating would restart it. */
	while (!done) {
		count = SWEEP_BATCH;
		if (bpf_map_lookup_batch(flows_fd, first ? NULL : &batch_token, &batch_token, keys,
					 values, &count, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				result->errors++;
				goto cleanup;
			}
			done = 1;	/* ENOENT: this was the last batch */
		}
		first = 0;
		for (i = 0; i < count; i++) {
			int reason;

			in_table++;
			if (shutdown) {
				reason = shutdown_reason;
			} else {
				reason = flow_end_decision(&keys[i], &values[i], policy, now_ns,
							   flow_export_interval_start(x, &values[i]),
							   under_pressure);
				if (reason < 0) {
					result->packets_pending +=
						flow_export_pending_packets(x, &values[i]);
					continue;
				}
			}
			if (reason == FLOW_END_ACTIVE_TIMEOUT) {
				/* the flow goes on: export the interval, keep the entry */
				result->exported[reason]++;
				flow_export(x, &keys[i], &values[i], reason, now_ns);
				result->packets_pending +=
					flow_export_pending_packets(x, &values[i]);
				continue;
			}
			if (n_ended == cap_ended) {
				size_t cap = cap_ended ? cap_ended * 2 : 1024;
				struct flow_key *k = realloc(ended, cap * sizeof(*k));
				uint8_t *r;

				if (!k) {
					err = -ENOMEM;
					goto cleanup;
				}
				ended = k;
				r = realloc(reasons, cap);
				if (!r) {
					err = -ENOMEM;
					goto cleanup;
				}
				reasons = r;
				cap_ended = cap;
			}
			ended[n_ended] = keys[i];
			reasons[n_ended] = reason;
			n_ended++;
		}
		/* The table's fill decides whether idle flows go early from now on. */
		if (policy->table_size &&
		    in_table * 100 >= (uint64_t)policy->table_size * SWEEP_PRESSURE_PERCENT)
			under_pressure = 1;
	}
	/* Pass 2: remove and export what ended. */
	for (i = 0; i < n_ended; i++) {
		int ret = flow_remove_and_export(flows_fd, x, &ended[i], reasons[i], now_ns,
						 result);

		if (ret && !err)
			err = ret;
	}
	result->flows_in_table = in_table - n_ended;
cleanup:
	free(keys);
	free(values);
	free(ended);
	free(reasons);
	return err;
}

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
	run->result->exported[end->reason]++;
	if (flow_export(run->x, &end->key, &end->record, end->reason, run->now_ns))
		run->export_errors++;
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
	/* the ring holds ~90,000 ended flows: run again until a pass did not fill it */
	do {
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err) {
			run->result->errors++;
			return -errno;
		}
		err = ring_buffer__consume(ended_rb);
		if (err < 0) {
			run->result->errors++;
			return err;
		}
		run->result->delete_races += args.delete_races;
	} while (args.ring_full && ++passes < 100000);
	run->result->flows_in_table = args.kept;
	run->result->packets_pending = args.kept_packets - flow_export_interval_packets(run->x);
	return run->export_errors ? -EIO : 0;
}
