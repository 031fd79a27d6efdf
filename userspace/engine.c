// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine.h"
#include "log.h"
#include "lotl/sample_pipeline.h"
#include "policy/policy.h"

#define NS_PER_SEC 1000000000ULL

void engine_settings_from_config(struct engine_settings *s, const struct ew_config *cfg,
				 const char *eve_path)
{
	memset(s, 0, sizeof(*s));
	s->flow_table_size = cfg->flow.table_size;
	s->idle_timeout_ns = cfg->flow.idle_timeout * NS_PER_SEC;
	s->active_timeout_ns = cfg->flow.active_timeout * NS_PER_SEC;
	s->tcp_closed_timeout_ns = cfg->flow.tcp_closed_timeout * NS_PER_SEC;
	s->sweep_interval_ns = cfg->flow.sweep_interval * NS_PER_SEC;
	s->snaplen = cfg->sampling.snaplen;
	s->eve_path = eve_path ? eve_path : cfg->outputs.eve_path;
}

/* What an instance recovering our flows after a crash needs (struct instance_info). */
static int engine_write_instance_info(struct engine *e, uint64_t flow_id_salt)
{
	struct instance_info info = {
		.flow_id_salt = flow_id_salt,
		.started_ns = datapath_clock_now_ns(),
	};
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(e->dp.skel->maps.instance_info), &zero, &info, 0))
		return -errno;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct engine *e = ctx;

	return policy_runtime_on_event(e->policy, data, size);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct engine *e = ctx;

	return sample_pipeline_on_sample(e->pipeline, data, size);
}

static int flow_alerted(void *ctx, uint64_t flow_seq, int ended)
{
	struct engine *e = ctx;

	return e->pipeline && sample_pipeline_flow_alerted(e->pipeline, flow_seq, ended);
}

/* The ring buffers, the policy and the payload pipeline, around a loaded datapath. */
static int engine_init_consumers(struct engine *e, const char *iface)
{
	struct policy_runtime_params pp = {
		.dp = &e->dp, .eve = e->eve, .exporter = &e->exporter, .ifname = iface,
	};
	struct sample_pipeline_params sp = {
		.cfg = e->cfg, .dp = &e->dp, .eve = e->eve, .exporter = &e->exporter,
		.synchronous = e->settings.replay,
	};
	char why[512] = "";
	int err;

	e->rings = ring_buffer__new(bpf_map__fd(e->dp.skel->maps.events), on_event, e, NULL);
	if (!e->rings)
		return -errno;
	e->sweep_run.x = &e->exporter;
	e->sweep_run.result = &e->sweep_result;
	e->ended_ring = ring_buffer__new(bpf_map__fd(e->dp.skel->maps.ended_flows),
					 flow_sweep_on_ended, &e->sweep_run, NULL);
	if (!e->ended_ring)
		return -errno;
	err = ring_buffer__add(e->rings, bpf_map__fd(e->dp.skel->maps.samples), on_sample, e);
	if (err)
		return err;
	err = policy_runtime_new(&e->policy, &pp);
	if (err)
		return err;
	err = sample_pipeline_new(&e->pipeline, &sp);
	if (err)
		return err;
	err = policy_runtime_install(e->policy, e->cfg, why, sizeof(why));
	if (err)
		log_error("%s", why);
	return err;
}

int engine_init(struct engine *e, const struct engine_settings *s, const struct ew_config *cfg,
		const char *iface, uint64_t flow_id_salt)
{
	struct datapath_options dopts = {
		.passive = s->passive,
		.replay = s->replay,
		.flow_table_size = s->flow_table_size,
		.snaplen = s->snaplen,
		.l3_link = s->l3_link,
	};
	int err;

	memset(e, 0, sizeof(*e));
	e->settings = *s;
	e->cfg = cfg;
	snprintf(e->iface, sizeof(e->iface), "%s", iface ? iface : "");
	err = eve_open(&e->eve, s->eve_path);
	if (err) {
		log_error("cannot open EVE output %s: %s", s->eve_path, strerror(-err));
		return err;
	}
	err = datapath_load(&e->dp, &dopts);
	if (err) {
		eve_close(e->eve);
		e->eve = NULL;
		return err;
	}
	flow_exporter_init(&e->exporter, e->eve, iface, flow_id_salt,
			   s->replay ? 0 : datapath_clock_to_realtime_ns());
	e->exporter.alerted = flow_alerted;
	e->exporter.alerted_ctx = e;
	err = engine_write_instance_info(e, flow_id_salt);
	if (err) {
		engine_destroy(e);
		return err;
	}
	err = engine_init_consumers(e, iface);
	if (err) {
		engine_destroy(e);
		return err;
	}
	return 0;
}

int engine_reload(struct engine *e, const struct ew_config *cfg, char *why, size_t why_len)
{
	int err = policy_runtime_install(e->policy, cfg, why, why_len);

	if (err) {
		log_error("reload refused, the running policy stays: %s", why);
		return err;
	}
	e->cfg = cfg;
	return 0;
}

int engine_poll(struct engine *e, int timeout_ms)
{
	int n = ring_buffer__poll(e->rings, timeout_ms);

	return n < 0 && n != -EINTR ? n : 0;
}

int engine_consume(struct engine *e)
{
	int n = ring_buffer__consume(e->rings);

	return n < 0 ? n : 0;
}

int engine_poll_fd(const struct engine *e)
{
	return ring_buffer__epoll_fd(e->rings);
}

/* The datapath's clock: one write a millisecond, for every packet's timestamp. */
static void *clock_thread_main(void *arg)
{
	struct engine *e = arg;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 1000000 };

	while (e->clock_running) {
		e->dp.skel->bss->clock_now_ns = datapath_clock_now_ns();
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int engine_start_clock(struct engine *e)
{
	int err;

	e->dp.skel->bss->clock_now_ns = datapath_clock_now_ns();
	e->clock_running = 1;
	err = pthread_create(&e->clock_thread, NULL, clock_thread_main, e);
	if (err) {
		e->clock_running = 0;
		log_error("cannot start the clock thread: %s", strerror(err));
		return -err;
	}
	return 0;
}

static void sweep_policy_of(const struct engine *e, struct sweep_policy *p)
{
	p->idle_timeout_ns = e->settings.idle_timeout_ns;
	p->active_timeout_ns = e->settings.active_timeout_ns;
	p->tcp_closed_timeout_ns = e->settings.tcp_closed_timeout_ns;
	p->table_size = e->settings.flow_table_size;
	p->fill_hint = e->sweep_result.flows_in_table;
}

static void totals_add(struct engine_totals *t, const struct sweep_result *r)
{
	t->sweep_errors += r->errors;
	t->delete_races += r->delete_races;
	t->reused_before_refresh += r->reused_before_refresh;
}

static int engine_sweep(struct engine *e, uint64_t now_ns, int shutdown)
{
	struct sweep_policy policy;
	int err;

	sweep_policy_of(e, &policy);
	e->sweep_run.now_ns = now_ns;
	err = flow_table_sweep_bpf(e->dp.skel, e->ended_ring, &e->sweep_run, &policy, shutdown);
	totals_add(&e->totals, &e->sweep_result);
	if (err)
		log_warn("flow sweep: %s", strerror(-err));
	eve_flush(e->eve);
	return err;
}

int engine_maybe_sweep(struct engine *e, uint64_t now_ns)
{
	if (now_ns < e->next_sweep_ns)
		return 0;
	e->next_sweep_ns = now_ns + e->settings.sweep_interval_ns;
	if (!e->settings.replay)	/* follow NTP steps of the wall clock (scanner threads
					 * read it for their alerts: an atomic store) */
		__atomic_store_n(&e->exporter.clock_to_realtime_ns,
				 datapath_clock_to_realtime_ns(), __ATOMIC_RELAXED);
	return engine_sweep(e, now_ns, 0);
}

int engine_flush(struct engine *e, uint64_t now_ns)
{
	/* what the datapath still holds for us first: alerts before their flows end */
	ring_buffer__consume(e->rings);
	sample_pipeline_drain(e->pipeline);
	policy_runtime_flush(e->policy);
	return engine_sweep(e, now_ns, 1);
}

int engine_read_counters(struct engine *e, struct ew_counters *out)
{
	int hook, id, err;

	err = counters_read(bpf_map__fd(e->dp.skel->maps.counters), out);
	if (err)
		return err;
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++)
			out->count[hook][id] += e->userspace_counters.count[hook][id];
	return 0;
}

static void add_counters(struct json_object *stats, const struct ew_counters *c)
{
	struct json_object *hooks = eve_add_object(stats, "datapath");
	int hook, id;

	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		struct json_object *h = eve_add_object(hooks, hook_name(hook));
		struct json_object *groups[COUNTER_GROUP_EVENT + 1] = {};

		for (id = 0; id < EW_CNT_MAX; id++) {
			enum counter_group g = counter_group_of(id);

			if (g == COUNTER_GROUP_SEEN) {
				eve_add_u64(h, "pkt_seen", c->count[hook][id]);
				continue;
			}
			if (!groups[g])
				groups[g] = eve_add_object(h, counter_group_name(g));
			eve_add_u64(groups[g], counter_name(id), c->count[hook][id]);
		}
	}
}

int engine_write_stats(struct engine *e, uint64_t now_ns, int final)
{
	struct json_object *event, *stats, *flows, *exported, *cons, *eve;
	struct flow_export_totals totals;
	struct ew_counters c;
	uint64_t seen, in_flows, accounted;
	int hook, i, err, balanced, hooks_ok;

	err = engine_read_counters(e, &c);
	if (err) {
		log_error("cannot read the counters: %s", strerror(-err));
		return err;
	}
	/* after the sweep's flush: flow events a failed flush lost are counted as lost */
	flow_export_totals(&e->exporter, &totals);
	event = eve_event_new(now_ns + e->exporter.clock_to_realtime_ns, "stats");
	if (!event)
		return -ENOMEM;
	if (e->iface[0])
		eve_add_str(event, "in_iface", e->iface);
	stats = eve_add_object(event, "stats");
	if (!e->settings.replay)	/* generic XDP is slower: say so where it is counted */
		eve_add_str(stats, "xdp_mode", xdp_attach_mode_name(e->dp.xdp_mode));
	eve_add_u64(stats, "uptime", now_ns > e->start_ns ? (now_ns - e->start_ns) / NS_PER_SEC : 0);
	add_counters(stats, &c);

	flows = eve_add_object(stats, "flows");
	exported = eve_add_object(flows, "exported");
	for (i = 0; i < FLOW_END_MAX; i++)
		eve_add_u64(exported, flow_end_reason_name(i), totals.flows[i]);
	eve_add_u64(flows, "packets_exported", totals.packets);
	eve_add_u64(flows, "bytes_exported", totals.bytes);
	eve_add_u64(flows, "packets_recovered", totals.recovered_packets);
	eve_add_u64(flows, "in_table", e->sweep_result.flows_in_table);
	eve_add_u64(flows, "table_size", e->settings.flow_table_size);
	eve_add_u64(flows, "write_errors", totals.write_errors);
	eve_add_u64(flows, "sweep_errors", e->totals.sweep_errors);
	/* flows another deleter removed under the sweeper (none is expected) */
	eve_add_u64(flows, "sweep_delete_races", e->totals.delete_races);
	/* ended flows whose slot a new flow took before their last counts were read back */
	eve_add_u64(flows, "sweep_reused_before_refresh", e->totals.reused_before_refresh);

	/*
	 * Conservation: per program, every packet seen has exactly one outcome and one
	 * verdict; the packets put in flows are in flow events, still in the table (as of
	 * the last sweep), or in events the writer lost (counted). Under traffic the
	 * counters move while they are read, so only the final sum (programs detached,
	 * table flushed) can be exact: "balanced" is in the final stats event only.
	 */
	cons = eve_add_object(stats, "conservation");
	hooks_ok = 1;
	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		uint64_t h_seen = c.count[hook][EW_CNT_PKT_SEEN];
		uint64_t h_outcomes = counters_outcome_sum(&c, hook);
		uint64_t h_verdicts = counters_verdict_sum(&c, hook);

		hooks_ok &= h_seen == h_outcomes && h_seen == h_verdicts;
	}
	seen = counters_total(&c, EW_CNT_PKT_SEEN);
	in_flows = counters_total(&c, EW_CNT_PKT_FLOW);
	accounted = totals.packets + e->sweep_result.packets_pending +
		    totals.write_failed_packets;
	balanced = hooks_ok && in_flows == accounted && !e->lost_dead_instance_flows;
	eve_add_u64(cons, "packets_seen", seen);
	eve_add_u64(cons, "packets_in_flows", in_flows);
	eve_add_u64(cons, "packets_no_flow", seen - in_flows);
	eve_add_u64(cons, "packets_exported", totals.packets);
	eve_add_u64(cons, "packets_in_table", e->sweep_result.packets_pending);
	eve_add_u64(cons, "packets_write_failed", totals.write_failed_packets);
	eve_add_bool(cons, "final", final);
	if (final)
		eve_add_bool(cons, "balanced", balanced);

	policy_runtime_add_stats(e->policy, stats);
	sample_pipeline_add_stats(e->pipeline, stats);

	eve = eve_add_object(stats, "eve");
	eve_add_u64(eve, "events_written", eve_events_written(e->eve) + 1);
	eve_add_u64(eve, "write_errors", eve_write_errors(e->eve));

	err = eve_write(e->eve, event);
	eve_flush(e->eve);
	if (err)
		return err;
	if (final && !balanced) {
		if (e->lost_dead_instance_flows)
			log_error("not balanced: the flows of the instance that died before this "
				  "one were lost (see the start of this log)");
		log_error("conservation sum does not balance: %s; in flows %llu, exported %llu + "
			  "in table %llu + lost in writing %llu",
			  hooks_ok ? "each program's outcomes and verdicts add up"
				   : "a program's outcomes or verdicts do not add up to its packets",
			  (unsigned long long)in_flows,
			  (unsigned long long)totals.packets,
			  (unsigned long long)e->sweep_result.packets_pending,
			  (unsigned long long)totals.write_failed_packets);
		return 1;
	}
	return 0;
}

void engine_destroy(struct engine *e)
{
	if (e->clock_running) {
		e->clock_running = 0;
		pthread_join(e->clock_thread, NULL);
	}
	sample_pipeline_free(e->pipeline);
	e->pipeline = NULL;
	policy_runtime_free(e->policy);
	e->policy = NULL;
	ring_buffer__free(e->rings);
	e->rings = NULL;
	ring_buffer__free(e->ended_ring);
	e->ended_ring = NULL;
	datapath_destroy(&e->dp);
	flow_exporter_destroy(&e->exporter);
	eve_close(e->eve);
	e->eve = NULL;
}
