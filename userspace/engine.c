// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine.h"
#include "log.h"

#define NS_PER_SEC 1000000000ULL

void engine_settings_defaults(struct engine_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->flow_table_size = EW_FLOW_TABLE_DEFAULT;
	s->idle_timeout_ns = 60 * NS_PER_SEC;
	s->active_timeout_ns = 1800 * NS_PER_SEC;
	s->tcp_closed_timeout_ns = 5 * NS_PER_SEC;
	s->sweep_interval_ns = 1 * NS_PER_SEC;
	s->eve_path = "-";
}

uint64_t datapath_clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t datapath_clock_to_realtime_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - mono.tv_sec) * (int64_t)NS_PER_SEC +
	       (real.tv_nsec - mono.tv_nsec);
}

int engine_init(struct engine *e, const struct engine_settings *s, const char *iface,
		uint64_t flow_id_salt)
{
	struct datapath_options dopts = {
		.passive = s->passive,
		.replay = s->replay,
		.flow_table_size = s->flow_table_size,
	};
	int err;

	memset(e, 0, sizeof(*e));
	e->settings = *s;
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
	e->clock_to_realtime_ns = s->replay ? 0 : datapath_clock_to_realtime_ns();
	flow_exporter_init(&e->exporter, e->eve, iface, flow_id_salt, e->clock_to_realtime_ns);
	return 0;
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
	p->fill_hint = e->totals.sweeps.flows_in_table;
}

static void totals_add(struct engine_totals *t, const struct sweep_result *r)
{
	int i;

	for (i = 0; i < FLOW_END_MAX; i++)
		t->sweeps.exported[i] += r->exported[i];
	t->sweeps.delete_races += r->delete_races;
	t->sweeps.errors += r->errors;
	t->sweeps.flows_in_table = r->flows_in_table;
	t->packets_pending = r->packets_pending;
	t->sweeps_run++;
}

static int engine_sweep(struct engine *e, uint64_t now_ns, int shutdown,
			enum flow_end_reason reason)
{
	struct sweep_policy policy;
	struct sweep_result result;
	int err;

	sweep_policy_of(e, &policy);
	err = flow_table_sweep(bpf_map__fd(e->dp.skel->maps.flows), &e->exporter, &policy,
			       now_ns, shutdown, reason, &result);
	totals_add(&e->totals, &result);
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
	if (!e->settings.replay)	/* follow NTP steps of the wall clock */
		e->exporter.clock_to_realtime_ns = datapath_clock_to_realtime_ns();
	return engine_sweep(e, now_ns, 0, FLOW_END_TIMEOUT);
}

int engine_flush(struct engine *e, uint64_t now_ns, enum flow_end_reason reason)
{
	return engine_sweep(e, now_ns, 1, reason);
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
	struct ew_counters c;
	uint64_t seen, outcomes, in_flows, no_flow, accounted;
	int hook, i, err, balanced;

	err = engine_read_counters(e, &c);
	if (err) {
		log_error("cannot read the counters: %s", strerror(-err));
		return err;
	}
	event = eve_event_new(now_ns + e->exporter.clock_to_realtime_ns, "stats");
	if (!event)
		return -ENOMEM;
	if (e->iface[0])
		eve_add_str(event, "in_iface", e->iface);
	stats = eve_add_object(event, "stats");
	eve_add_u64(stats, "uptime", now_ns > e->start_ns ? (now_ns - e->start_ns) / NS_PER_SEC : 0);
	add_counters(stats, &c);

	flows = eve_add_object(stats, "flows");
	exported = eve_add_object(flows, "exported");
	for (i = 0; i < FLOW_END_MAX; i++)
		eve_add_u64(exported, flow_end_reason_name(i), e->exporter.totals.flows[i]);
	eve_add_u64(flows, "packets_exported", e->exporter.totals.packets);
	eve_add_u64(flows, "bytes_exported", e->exporter.totals.bytes);
	eve_add_u64(flows, "packets_recovered", e->exporter.totals.recovered_packets);
	eve_add_u64(flows, "in_table", e->totals.sweeps.flows_in_table);
	eve_add_u64(flows, "table_size", e->settings.flow_table_size);
	eve_add_u64(flows, "write_errors", e->exporter.totals.write_errors);
	eve_add_u64(flows, "sweep_errors", e->totals.sweeps.errors);

	/*
	 * Conservation: every packet seen has exactly one outcome; the packets the
	 * kernel put in flows are exported or still in the table (as of the last sweep).
	 */
	seen = counters_total(&c, EW_CNT_PKT_SEEN);
	outcomes = 0;
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		outcomes += counters_outcome_sum(&c, hook);
	in_flows = counters_total(&c, EW_CNT_PKT_FLOW);
	no_flow = outcomes - in_flows;
	accounted = e->exporter.totals.packets + e->totals.packets_pending;
	balanced = seen == outcomes && in_flows == accounted;
	cons = eve_add_object(stats, "conservation");
	eve_add_u64(cons, "packets_seen", seen);
	eve_add_u64(cons, "packets_in_flows", in_flows);
	eve_add_u64(cons, "packets_no_flow", no_flow);
	eve_add_u64(cons, "packets_exported", e->exporter.totals.packets);
	eve_add_u64(cons, "packets_in_table", e->totals.packets_pending);
	eve_add_bool(cons, "final", final);
	eve_add_bool(cons, "balanced", balanced);

	eve = eve_add_object(stats, "eve");
	eve_add_u64(eve, "events_written", eve_events_written(e->eve) + 1);
	eve_add_u64(eve, "write_errors", eve_write_errors(e->eve));

	err = eve_write(e->eve, event);
	eve_flush(e->eve);
	if (err)
		return err;
	if (final && !balanced) {
		log_error("conservation sum does not balance: seen %llu, outcomes %llu, in flows "
			  "%llu, exported %llu + in table %llu",
			  (unsigned long long)seen, (unsigned long long)outcomes,
			  (unsigned long long)in_flows,
			  (unsigned long long)e->exporter.totals.packets,
			  (unsigned long long)e->totals.packets_pending);
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
	datapath_destroy(&e->dp);
	flow_exporter_destroy(&e->exporter);
	eve_close(e->eve);
	e->eve = NULL;
}
