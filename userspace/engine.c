// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine.h"
#include "detect/detect.h"
#include "flood_live.h"
#include "log.h"
#include "output/eve_seal.h"
#include "output/pcap_evidence.h"
#include "inventory/inventory.h"
#include "payload/sample_pipeline.h"
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
	s->stream_depth = cfg->sampling.stream_depth;
	s->stream_segments = cfg->sampling.stream_segments;
	s->eve_path = eve_path ? eve_path : cfg->outputs.eve_path;
	s->eve_rotation.interval_s = cfg->outputs.eve_rotate_interval;
	s->eve_rotation.max_bytes = cfg->outputs.eve_max_size;
	s->eve_rotation.gzip = cfg->outputs.eve_compress_gzip;
	s->eve_seal_key = cfg->outputs.eve_seal_key;
	s->eve_seal_interval = cfg->outputs.eve_seal_interval;
}

/* outputs.eve.seal: the key file refused (mode, form) is an error that stops the run. */
static int engine_seal_eve(struct engine *e)
{
	struct eve_seal *seal;
	char why[SEAL_WHY_LEN];
	int err;

	if (!e->settings.eve_seal_key)
		return 0;
	err = eve_seal_open(&seal, e->settings.eve_seal_key, e->settings.eve_seal_interval,
			    why);
	if (err) {
		log_error("outputs.eve.seal.key %s: %s", e->settings.eve_seal_key, why);
		return err;
	}
	eve_attach_seal(e->output.eve, seal);
	return 0;
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
	const struct sample_header *hdr = data;

	/* the server's first bytes to the inventory first (the pipeline counts and drops
	 * what is malformed; the inventory only skips it) */
	if (e->inventory && size >= sizeof(*hdr) && hdr->cap_len <= size - sizeof(*hdr))
		inventory_on_sample(e->inventory, hdr, (const uint8_t *)(hdr + 1));
	return sample_pipeline_on_sample(e->pipeline, data, size);
}

static int flow_alerted(void *ctx, uint64_t flow_seq, int ended)
{
	struct engine *e = ctx;

	return e->pipeline && sample_pipeline_flow_alerted(e->pipeline, flow_seq, ended);
}

/* Every flow record the exporter writes, to the anomaly detectors. */
static void observe_flow(void *ctx, const struct flow_event *ev)
{
	detect_flow(ctx, ev);
}

static void dispatch_hot(void *ctx, const void *report)
{
	struct engine *e = ctx;

	detect_hot_flow(e->detect, report);
}

static int on_hot(void *ctx, void *data, size_t size)
{
	struct engine *e = ctx;

	if (size < sizeof(struct flow_hot))
		return 0;
	/* replay with a sized table: held for the sweep's end (out of memory: now) */
	if (e->settings.replay_table_slots && bucket_reorder_add(&e->hot_reorder, data) == 0)
		return 0;
	dispatch_hot(e, data);
	return 0;
}

/*
 * The live flood counts, when the flood detector runs (datapath.h, "Live flood
 * counts"): from here on, what they count is not counted again from flow records.
 */
static int engine_init_flood_live(struct engine *e)
{
	struct bpf_map *dests = e->dp.skel->maps.flood_dests;
	int err;

	e->hot_pkts = e->detect ? detect_hot_packets(e->cfg) : 0;
	if (!e->hot_pkts)
		return 0;
	err = flood_live_new(&e->flood_live, bpf_map__fd(dests), bpf_map__max_entries(dests),
			     &e->dp.skel->bss->flood_src_gen);
	if (err)
		return err;
	e->hot_ring = ring_buffer__new(bpf_map__fd(e->dp.skel->maps.hot_flows), on_hot, e, NULL);
	if (!e->hot_ring)
		return -errno;
	detect_live_on(e->detect);
	return 0;
}

/* The ring buffers, the policy and the payload pipeline, around a loaded datapath. */
static int engine_init_consumers(struct engine *e, const char *iface)
{
	struct policy_runtime_params pp = {
		.dp = &e->dp, .exporter = &e->exporter, .ifname = iface,
	};
	struct sample_pipeline_params sp = {
		.cfg = e->cfg, .dp = &e->dp, .exporter = &e->exporter,
		.synchronous = e->settings.replay,
	};
	char why[512] = "";
	int err;

	e->rings = ring_buffer__new(bpf_map__fd(e->dp.skel->maps.events), on_event, e, NULL);
	if (!e->rings)
		return -errno;
	e->sweep_run.x = &e->exporter;
	e->sweep_run.result = &e->sweep_result;
	if (e->settings.replay_table_slots) {
		bucket_reorder_init(&e->ended_reorder, e->settings.flow_table_size,
				    sizeof(struct flow_end), offsetof(struct flow_end, key));
		bucket_reorder_init(&e->hot_reorder, e->settings.flow_table_size,
				    sizeof(struct flow_hot), offsetof(struct flow_hot, key));
		e->sweep_run.reorder = &e->ended_reorder;
	}
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
	err = detect_new(&e->detect, e->cfg, &e->exporter);
	if (err)
		return err;
	err = inventory_new(&e->inventory, e->cfg, &e->exporter);
	if (err)
		return err;
	if (e->detect) {
		e->exporter.observe = observe_flow;
		e->exporter.observe_ctx = e->detect;
	}
	err = engine_init_flood_live(e);
	if (err) {
		log_error("cannot start the live flood counts: %s", strerror(-err));
		return err;
	}
	err = policy_runtime_install(e->policy, e->cfg, why, sizeof(why));
	if (err)
		log_error("%s", why);
	return err;
}

/*
 * outputs.syslog: a sink of its own (queue and sender thread); its loss is counted in
 * stats.outputs.syslog and logged, and does not change the exit status (the EVE file is
 * the record; a collector outage is the collector's).
 */
static int engine_add_syslog_sink(struct engine *e)
{
	const struct ew_syslog_output *so = &e->cfg->outputs.syslog;
	struct output_sink *sink;
	int err;

	if (!so->enabled)
		return 0;
	err = syslog_sink_open(&sink, so);
	if (!err)
		err = output_add_sink(&e->output, sink);
	if (err)
		log_error("cannot start the syslog output to %s port %u: %s", so->host, so->port,
			  strerror(-err));
	return err;
}

/*
 * outputs.ipfix: flow records to a collector (live runs and replay alike: a capture's
 * flows are worth a collector's time); a sink of its own like syslog, its loss counted
 * in stats.outputs.ipfix, the exit status unchanged.
 */
static int engine_add_ipfix_sink(struct engine *e)
{
	const struct ew_ipfix_output *io = &e->cfg->outputs.ipfix;
	struct output_sink *sink;
	char where[CONFIG_ENDPOINT_STRLEN];
	int err;

	if (!io->enabled)
		return 0;
	err = ipfix_sink_open(&sink, io);
	if (!err)
		err = output_add_sink(&e->output, sink);
	if (err)
		log_error("cannot start the IPFIX output to %s (outputs.ipfix.collector): %s",
			  config_format_endpoint(&io->collector, where, sizeof(where)),
			  strerror(-err));
	return err;
}

/*
 * outputs.kafka: a sink of its own (librdkafka's queue and a poll thread); like syslog,
 * its loss is counted in stats.outputs.kafka and logged, and does not change the exit
 * status. Replay too: a capture's events published like a live run's.
 */
static int engine_add_kafka_sink(struct engine *e)
{
	const struct ew_kafka_output *ko = &e->cfg->outputs.kafka;
	struct output_sink *sink;
	int err;

	if (!ko->enabled)
		return 0;
	err = kafka_sink_open(&sink, ko, e->iface[0] ? e->iface : NULL);
	if (!err)
		err = output_add_sink(&e->output, sink);
	if (err)
		log_error("cannot start the Kafka output (outputs.kafka): %s", strerror(-err));
	return err;
}

/*
 * outputs.pcap: the packets of alerted flows as pcapng (live runs and replay: a replay's
 * evidence is how a capture's alerts are handed over). A directory that cannot be written
 * is logged and counted in stats.pcap, never fatal: the alerts still go out.
 */
static int engine_add_pcap_evidence(struct engine *e)
{
	const struct ew_config *cfg = e->cfg;
	struct pcap_evidence_config pc = { .dir = cfg->outputs.pcap.dir,
					   .max_file_size = cfg->outputs.pcap.max_file_size,
					   .max_total = cfg->outputs.pcap.max_total };
	struct pcap_evidence *pe;
	int err;

	if (!pc.dir)
		return 0;
	err = pcap_evidence_open(&pe, &pc);
	if (err) {
		log_error("cannot start the packet evidence (outputs.pcap): %s", strerror(-err));
		return err;
	}
	output_set_evidence(&e->output, pe);
	return 0;
}

/*
 * outputs.prometheus: /metrics (live runs only). Replay serves no metrics: it is an offline run that
 * ends in seconds, and the live daemon of the same config may hold the port.
 */
static int engine_add_prometheus_sink(struct engine *e, const struct ew_config *cfg)
{
	const struct ew_endpoint *listen = &cfg->outputs.prometheus.listen;
	struct output_sink *sink;
	char where[CONFIG_ENDPOINT_STRLEN];
	int err;

	if (!cfg->outputs.prometheus.enabled || e->settings.replay)
		return 0;
	config_format_endpoint(listen, where, sizeof(where));
	err = prometheus_sink_open(&sink, listen);
	if (!err)
		err = output_add_sink(&e->output, sink);
	if (err)
		log_error("cannot serve Prometheus metrics on %s (outputs.prometheus.listen): %s",
			  where, strerror(-err));
	else
		log_info("Prometheus metrics on http://%s/metrics", where);
	return err;
}

int engine_init(struct engine *e, const struct engine_settings *s, const struct ew_config *cfg,
		const char *iface, uint64_t flow_id_salt)
{
	struct datapath_options dopts = {
		.passive = s->passive,
		.replay = s->replay,
		.flow_table_size = s->replay_table_slots ? s->replay_table_slots
							 : s->flow_table_size,
		.snaplen = s->snaplen,
		.stream_depth = s->stream_depth,
		.stream_segments = s->stream_segments,
		.l3_link = s->l3_link,
		.lru_entries = s->replay_lru_entries,
	};
	int err;

	/* from the configured table, also when replay sizes its own (ring_sizes.h) */
	ring_sizes_for(&dopts.rings, s->flow_table_size, s->snaplen, s->replay_frames,
		       (size_t)sysconf(_SC_PAGESIZE));
	memset(e, 0, sizeof(*e));
	e->settings = *s;
	e->cfg = cfg;
	snprintf(e->iface, sizeof(e->iface), "%s", iface ? iface : "");
	err = output_open_rotating(&e->output, s->eve_path, &s->eve_rotation,
				   e->iface[0] ? e->iface : NULL);
	if (err) {
		log_error("cannot open EVE output %s: %s", s->eve_path, eve_open_error(err));
		return err;
	}
	e->output_open = 1;
	err = engine_seal_eve(e);
	if (!err)
		err = engine_add_syslog_sink(e);
	if (!err)
		err = engine_add_ipfix_sink(e);
	if (!err)
		err = engine_add_kafka_sink(e);
	if (!err)
		err = engine_add_prometheus_sink(e, cfg);
	if (!err)
		err = engine_add_pcap_evidence(e);
	if (err) {
		output_close(&e->output);
		e->output_open = 0;
		return err;
	}
	err = datapath_load(&e->dp, &dopts);
	if (err) {
		output_close(&e->output);
		e->output_open = 0;
		return err;
	}
	if (!s->replay && map_memory_read(e->dp.skel->obj, &e->map_memory))
		log_warn("the maps' kernel memory: no memlock in /proc/self/fdinfo");
	flow_exporter_init(&e->exporter, &e->output, flow_id_salt,
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

/*
 * While a reload compiles the rules: what the run loop does between signals (samples and
 * events read, flows swept, status refreshed), so nothing waits for the compile. The
 * policy and rules in force are still the old ones; the poll's wait paces the loop.
 */
static void engine_keep_up(void *user)
{
	struct engine *e = user;
	uint64_t now;

	engine_poll(e, 10);
	engine_consume(e);	/* samples submitted without a wake-up (bpf/sample.bpf.h) */
	now = datapath_clock_now_ns();
	engine_maybe_sweep(e, now);
	engine_refresh_status(e, now);
}

int engine_reload(struct engine *e, const struct ew_config *cfg, char *why, size_t why_len)
{
	struct rules_generation *rules = NULL;
	int err = 0;

	/* the rules first, beside the running ones: a rule file that does not load refuses
	 * the whole reload before the policy changes, so a reload is all or nothing */
	if (e->pipeline)
		err = sample_pipeline_rules_prepare(e->pipeline, cfg, &rules, why, why_len,
						    engine_keep_up, e);
	if (err) {
		log_error("reload refused, the running policy and rules stay:\n%s", why);
		return err;
	}
	err = policy_runtime_install(e->policy, cfg, why, why_len);
	if (err) {
		if (e->pipeline)
			sample_pipeline_rules_abort(e->pipeline, rules);
		log_error("reload refused, the running policy and rules stay: %s", why);
		return err;
	}
	if (e->pipeline)
		sample_pipeline_rules_commit(e->pipeline, rules);
	e->cfg = cfg;
	/* the caller frees the old configuration next: nothing may keep pointing into it */
	detect_reconfigure(e->detect, cfg);
	inventory_reconfigure(e->inventory, cfg);
	return 0;
}

int engine_poll(struct engine *e, int timeout_ms)
{
	int n = ring_buffer__poll(e->rings, timeout_ms);

	return n == -EINTR ? 0 : n;
}

int engine_consume(struct engine *e)
{
	return ring_buffer__consume(e->rings);
}

int engine_poll_fd(const struct engine *e)
{
	return ring_buffer__epoll_fd(e->rings);
}

int engine_start_clock(struct engine *e)
{
	return idle_clock_start(&e->clock, e->dp.skel);
}

static void sweep_policy_of(const struct engine *e, struct sweep_policy *p)
{
	p->idle_timeout_ns = e->settings.idle_timeout_ns;
	p->active_timeout_ns = e->settings.active_timeout_ns;
	p->tcp_closed_timeout_ns = e->settings.tcp_closed_timeout_ns;
	p->table_size = e->settings.flow_table_size;
	p->fill_hint = e->sweep_result.flows_in_table;
	p->hot_pkts = e->hot_pkts;
}

static void totals_add(struct engine_totals *t, const struct sweep_result *r)
{
	t->sweeps++;
	t->sweep_errors += r->errors;
	t->delete_races += r->delete_races;
	t->reused_before_refresh += r->reused_before_refresh;
	t->hot_reported += r->hot_reported;
	t->hot_lost += r->hot_lost;
}

/*
 * Read the live flood counts at now_ns (every tick; in replay only when new flows were
 * made since the last read: reads that are skipped only merge intervals).
 */
static void engine_live_read(struct engine *e, uint64_t now_ns)
{
	struct ew_counters c;
	uint64_t created, failed, made;

	if (!e->flood_live || engine_read_counters(e, &c))
		return;
	created = counters_total(&c, EW_CNT_FLOOD_DEST_CREATED);
	failed = counters_total(&c, EW_CNT_FLOOD_DEST_FAILED);
	made = counters_total(&c, EW_CNT_FLOW_CREATED) + counters_total(&c, EW_CNT_PKT_FLOW_TABLE_FULL);
	if (e->settings.replay && made == e->live_new_flows)
		return;
	e->live_new_flows = made;
	/* what a read counts happened since the previous one (the first: since the start) */
	if (flood_live_read(e->flood_live, e->detect, e->live_read_ns ? e->live_read_ns : e->start_ns,
			    now_ns, created, failed))
		log_warn("live flood counts: cannot read the kernel's map");
	e->live_read_ns = now_ns;
}

/* What runs after each sweep: the detectors' time is the flows' (capture time in replay). */
static void engine_tick(struct engine *e, uint64_t now_ns)
{
	detect_tick(e->detect, now_ns + flow_exporter_to_realtime(&e->exporter));
	inventory_tick(e->inventory, now_ns);
	output_flush(&e->output);
}

static int engine_sweep(struct engine *e, uint64_t now_ns, int shutdown)
{
	struct sweep_policy policy;
	int err;

	sweep_policy_of(e, &policy);
	e->sweep_run.now_ns = now_ns;
	err = flow_table_sweep_bpf(e->dp.skel, e->ended_ring, &e->sweep_run, &policy, shutdown);
	if (e->hot_ring) {	/* after the records: they bring what hot reports then skip */
		ring_buffer__consume(e->hot_ring);
		if (e->settings.replay_table_slots)
			bucket_reorder_flush(&e->hot_reorder, dispatch_hot, e);
	}
	totals_add(&e->totals, &e->sweep_result);
	sweep_schedule_swept(&e->schedule, &e->sweep_result, err);
	if (err)
		log_warn("flow sweep: %s", strerror(-err));
	/* at shutdown every flow has ended: the detectors say what they still hold */
	if (shutdown) {
		detect_finish(e->detect, now_ns + flow_exporter_to_realtime(&e->exporter));
		inventory_finish(e->inventory);
		output_flush(&e->output);
	} else {
		engine_tick(e, now_ns);
	}
	return err;
}

int engine_maybe_sweep(struct engine *e, uint64_t now_ns)
{
	int err;

	if (now_ns < e->next_sweep_ns)
		return 0;
	/* the next tick, should this one be skipped (replay: nothing can have ended) */
	e->next_sweep_ns = now_ns + e->settings.sweep_interval_ns;
	engine_live_read(e, now_ns);
	if (e->settings.replay) {	/* the tick passes either way: the same ticks as before */
		struct sweep_policy policy;

		sweep_policy_of(e, &policy);
		if (!sweep_schedule_due(&e->schedule, &policy, now_ns))
			return 0;
	} else {			/* follow NTP steps of the wall clock (scanner threads
					 * read it for their alerts: an atomic store) */
		uint64_t activity = idle_clock_activity(&e->clock);

		__atomic_store_n(&e->exporter.clock_to_realtime_ns,
				 datapath_clock_to_realtime_ns(), __ATOMIC_RELAXED);
		if (!sweep_schedule_due_live(&e->schedule, now_ns,
					     activity != e->prev_swept_activity,
					     e->sweep_result.over_high_water)) {
			/* nothing to end: the detectors' windows still move on time */
			engine_tick(e, now_ns);
			return 0;
		}
		/* before the walk: packets during it make the next ticks sweep */
		e->prev_swept_activity = e->swept_activity;
		e->swept_activity = activity;
	}
	err = engine_sweep(e, now_ns, 0);
	/* sooner while a flood keeps the table over its high-water mark */
	e->next_sweep_ns = now_ns + flow_sweep_interval(&e->sweep_result,
							e->settings.sweep_interval_ns);
	return err;
}

int engine_flush(struct engine *e, uint64_t now_ns)
{
	/* what the datapath still holds for us first: alerts before their flows end */
	ring_buffer__consume(e->rings);
	sample_pipeline_drain(e->pipeline);
	policy_runtime_flush(e->policy);
	/* new flows since the last tick: only the live counts count them */
	engine_live_read(e, now_ns);
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

int engine_take_stats(struct engine *e, uint64_t now_ns, int final, struct stats_snapshot *s)
{
	struct stats_conservation *cons = &s->conservation;
	struct flow_export_totals *totals = &s->flows.exported;
	const struct ew_counters *c = &s->counters;
	int hook, err;

	memset(s, 0, sizeof(*s));
	err = engine_read_counters(e, &s->counters);
	if (err)
		return err;
	s->ts_ns = now_ns + e->exporter.clock_to_realtime_ns;
	if (!e->settings.replay)
		s->xdp_mode = xdp_attach_mode_name(e->dp.xdp_mode);
	s->uptime_s = now_ns > e->start_ns ? (now_ns - e->start_ns) / NS_PER_SEC : 0;
	/* after the sweep's flush: flow events a failed flush lost are counted as lost */
	flow_export_totals(&e->exporter, totals);
	s->flows.in_table = e->sweep_result.flows_in_table;
	s->flows.table_size = e->settings.flow_table_size;
	s->flows.sweeps = e->totals.sweeps;
	if (!e->settings.replay) {
		s->kernel.on = 1;
		s->kernel.maps = e->map_memory.maps;
		s->kernel.map_bytes = e->map_memory.bytes;
		s->kernel.ringbuf_bytes = e->map_memory.ringbuf_bytes;
		s->kernel.clock_wakeups = __atomic_load_n(&e->clock.wakeups, __ATOMIC_RELAXED);
	}
	s->flows.sweep_errors = e->totals.sweep_errors;
	s->flows.sweep_delete_races = e->totals.delete_races;
	s->flows.sweep_reused_before_refresh = e->totals.reused_before_refresh;

	/*
	 * Conservation: per program, every packet seen has exactly one outcome and one
	 * verdict; the packets put in flows are in flow events, still in the table (as of
	 * the last sweep), or in events the output lost (counted). Under traffic the
	 * counters move while they are read, so only the final sum (programs detached,
	 * table flushed) can be exact: "balanced" is in the final stats event only.
	 */
	cons->hooks_add_up = 1;
	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		uint64_t h_seen = c->count[hook][EW_CNT_PKT_SEEN];

		cons->hooks_add_up &= h_seen == counters_outcome_sum(c, hook) &&
				      h_seen == counters_verdict_sum(c, hook);
	}
	cons->packets_seen = counters_total(c, EW_CNT_PKT_SEEN);
	cons->packets_in_flows = counters_total(c, EW_CNT_PKT_FLOW);
	cons->packets_exported = totals->packets;
	cons->packets_in_table = e->sweep_result.packets_pending;
	cons->packets_write_failed = totals->write_failed_packets;
	cons->final = final;
	/* flows a dead instance left and that could not be recovered are lost too */
	cons->balanced = cons->hooks_add_up && !e->lost_dead_instance_flows &&
			 cons->packets_in_flows == totals->packets + cons->packets_in_table +
							   totals->write_failed_packets;

	s->has_policy = e->policy != NULL;
	if (e->policy)
		policy_runtime_stats(e->policy, &s->policy);
	s->has_pipeline = e->pipeline != NULL;
	if (e->pipeline)
		sample_pipeline_stats(e->pipeline, &s->samples, &s->rules, &s->streams);
	detect_stats(e->detect, &s->anomaly);
	inventory_stats(e->inventory, &s->inventory);
	flood_live_stats(e->flood_live, &s->anomaly.live);
	s->anomaly.live.hot_reports = e->totals.hot_reported;
	s->anomaly.live.hot_lost = e->totals.hot_lost;
	output_eve_stats(&e->output, &s->eve);
	output_pcap_stats(&e->output, &s->pcap);
	output_queued_sinks(&e->output, s);
	output_sinks_stats(&e->output, &s->sinks);
	return 0;
}

/* Where the final account goes when the output cannot take it: stderr, in words. */
static void log_account(const struct stats_snapshot *s)
{
	const struct stats_conservation *c = &s->conservation;

	log_error("final account: %llu packets seen, %llu in flows: %llu exported, %llu in the "
		  "table, %llu in flow records lost in writing; %llu EVE lines written, %llu "
		  "lost",
		  (unsigned long long)c->packets_seen, (unsigned long long)c->packets_in_flows,
		  (unsigned long long)c->packets_exported, (unsigned long long)c->packets_in_table,
		  (unsigned long long)c->packets_write_failed,
		  (unsigned long long)s->eve.events_written - 1,
		  (unsigned long long)s->eve.write_errors);
}

/* The end of the run, on stderr: where every sink's events went. */
static void log_sink_accounts(const struct stats_snapshot *s)
{
	size_t i, q;
	int type;

	for (i = 0; i < s->sinks.count; i++) {
		uint64_t taken = 0, refused = 0;

		for (type = 0; type < OUTPUT_EVENT_TYPES; type++) {
			taken += s->sinks.sink[i].totals.events[type];
			refused += s->sinks.sink[i].totals.errors[type];
		}
		log_info("output %s: %llu events taken, %llu refused", s->sinks.sink[i].name,
			 (unsigned long long)taken, (unsigned long long)refused);
	}
	for (q = 0; q < s->queued_sink_count; q++) {
		const struct stats_sink_queue *a = &s->queued_sinks[q];
		int lost = a->dropped_queue_full || a->lost_at_close || a->send_failed ||
			   a->format_failed;

		log_msg(lost ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
			"output %s: %llu messages: %llu sent, %llu still queued, %llu dropped "
			"(queue full), %llu lost at close, %llu send failed, %llu format failed; "
			"%llu connect failures",
			a->name, (unsigned long long)a->taken, (unsigned long long)a->sent,
			(unsigned long long)a->in_queue, (unsigned long long)a->dropped_queue_full,
			(unsigned long long)a->lost_at_close, (unsigned long long)a->send_failed,
			(unsigned long long)a->format_failed,
			(unsigned long long)a->connect_failures);
	}
	log_info("output eve: %llu lines written, %llu lost; %llu rotations, %llu files "
		 "compressed, %llu left uncompressed",
		 (unsigned long long)s->eve.events_written, (unsigned long long)s->eve.write_errors,
		 (unsigned long long)s->eve.rotations, (unsigned long long)s->eve.compressed,
		 (unsigned long long)s->eve.compress_failed);
}

int engine_write_stats(struct engine *e, uint64_t now_ns, int final)
{
	struct stats_snapshot *s = calloc(1, sizeof(*s));
	const struct stats_conservation *c;
	int err, flush_err;

	if (!s)
		return -ENOMEM;
	if (final)	/* the queued sinks' account, exact: where each message went */
		output_drain(&e->output);
	err = engine_take_stats(e, now_ns, final, s);
	if (err) {
		log_error("cannot read the counters: %s", strerror(-err));
		free(s);
		return err;
	}
	c = &s->conservation;
	s->eve.events_written++;	/* the stats event is one of the lines it counts */
	err = output_stats(&e->output, s);
	flush_err = output_flush(&e->output);
	err = err ? err : flush_err;
	if (final)
		log_sink_accounts(s);
	if (err && final) {
		log_error("the final stats event could not be written: %s", strerror(-err));
		log_account(s);
	}
	if (!err && final && !c->balanced) {
		if (e->lost_dead_instance_flows)
			log_error("not balanced: the flows of the instance that died before this "
				  "one were lost (see the start of this log)");
		log_error("conservation sum does not balance: %s; in flows %llu, exported %llu + "
			  "in table %llu + lost in writing %llu",
			  c->hooks_add_up ? "each program's outcomes and verdicts add up"
					  : "a program's outcomes or verdicts do not add up to its "
					    "packets",
			  (unsigned long long)c->packets_in_flows,
			  (unsigned long long)c->packets_exported,
			  (unsigned long long)c->packets_in_table,
			  (unsigned long long)c->packets_write_failed);
		err = 1;
	}
	free(s);
	return err;
}

int engine_add_status_sink(struct engine *e)
{
	struct output_sink *sink;
	int err = status_sink_open(&sink, e->iface);

	if (err)
		return err;
	err = output_add_sink(&e->output, sink);
	if (!err)
		e->status_sink = sink;
	return err;
}

#define STATUS_REFRESH_NS NS_PER_SEC

void engine_refresh_status(struct engine *e, uint64_t now_ns)
{
	struct stats_snapshot *s;

	if (!e->status_sink || now_ns < e->next_status_ns)
		return;
	e->next_status_ns = now_ns + STATUS_REFRESH_NS;
	s = malloc(sizeof(*s));
	/* a snapshot status cannot get is one status does not show: no more to do */
	if (s && engine_take_stats(e, now_ns, 0, s) == 0)
		output_stats_to(&e->output, e->status_sink, s);
	free(s);
}

int engine_output_lost(struct engine *e)
{
	return output_eve_errors(&e->output) != 0;
}

void engine_destroy(struct engine *e)
{
	idle_clock_stop(&e->clock);
	sample_pipeline_free(e->pipeline);
	e->pipeline = NULL;
	detect_free(e->detect);
	e->detect = NULL;
	inventory_free(e->inventory);
	e->inventory = NULL;
	e->exporter.observe = NULL;
	policy_runtime_free(e->policy);
	e->policy = NULL;
	ring_buffer__free(e->rings);
	e->rings = NULL;
	ring_buffer__free(e->ended_ring);
	e->ended_ring = NULL;
	ring_buffer__free(e->hot_ring);
	e->hot_ring = NULL;
	bucket_reorder_free(&e->ended_reorder);
	bucket_reorder_free(&e->hot_reorder);
	e->sweep_run.reorder = NULL;
	flood_live_free(e->flood_live);
	e->flood_live = NULL;
	datapath_destroy(&e->dp);
	flow_exporter_destroy(&e->exporter);
	if (e->output_open)
		output_close(&e->output);
	e->output_open = 0;
	e->status_sink = NULL;
}
