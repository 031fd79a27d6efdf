// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The Prometheus exposition of a stats snapshot: see prom_format.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "output/event.h"
#include "output/output.h"
#include "output/prom_format.h"

#define NS_PER_US 1000ULL
#define US_PER_SEC 1000000ULL

void prom_text_free(struct prom_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static int reserve(struct prom_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 16384;
	char *buf;

	if (t->err)
		return t->err;
	if (t->len + more < t->cap)
		return 0;
	while (cap <= t->len + more)
		cap *= 2;
	buf = realloc(t->buf, cap);
	if (!buf)
		return t->err = -ENOMEM;
	t->buf = buf;
	t->cap = cap;
	return 0;
}

static void put(struct prom_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct prom_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(t, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A label value as the format quotes it: \, " and newline escaped. */
static void put_label_value(struct prom_text *t, const char *value)
{
	const char *p;

	if (reserve(t, 2 * strlen(value) + 1))
		return;
	for (p = value; *p; p++) {
		if (*p == '\\' || *p == '"' || *p == '\n')
			t->buf[t->len++] = '\\';
		t->buf[t->len++] = *p == '\n' ? 'n' : *p;
	}
}

static void family(struct prom_text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k="v",...} (labels: key, value, ..., NULL; or NULL for none), without the value */
static void series(struct prom_text *t, const char *name, const char *const *labels)
{
	size_t i;

	put(t, "%s", name);
	if (!labels || !labels[0])
		return;
	put(t, "{");
	for (i = 0; labels[i]; i += 2) {
		put(t, "%s%s=\"", i ? "," : "", labels[i]);
		put_label_value(t, labels[i + 1]);
		put(t, "\"");
	}
	put(t, "}");
}

static void sample(struct prom_text *t, const char *name, const char *const *labels,
		   uint64_t value)
{
	series(t, name, labels);
	put(t, " %llu\n", (unsigned long long)value);
}

/* A value in seconds from microseconds: exact, no float rounding. */
static void sample_us(struct prom_text *t, const char *name, const char *const *labels,
		      uint64_t us)
{
	series(t, name, labels);
	put(t, " %llu.%06llu\n", (unsigned long long)(us / US_PER_SEC),
	    (unsigned long long)(us % US_PER_SEC));
}

#define LABELS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A family of one series without labels. */
static void one(struct prom_text *t, const char *name, const char *type, const char *help,
		uint64_t value)
{
	family(t, name, type, help);
	sample(t, name, NULL, value);
}

static void counter(struct prom_text *t, const char *name, const char *help, uint64_t value)
{
	one(t, name, "counter", help, value);
}

static void gauge(struct prom_text *t, const char *name, const char *help, uint64_t value)
{
	one(t, name, "gauge", help, value);
}

/* The packet evidence: what was written, kept, removed for the budget, and lost. */
static void put_pcap(struct prom_text *t, const struct stats_pcap *p)
{
	counter(t, "edgewatch_pcap_packets_total", "Packets written to the evidence files",
		p->packets);
	counter(t, "edgewatch_pcap_alerts_total", "Alerts with packets in the evidence files",
		p->alerts);
	gauge(t, "edgewatch_pcap_bytes", "Bytes in the evidence files kept", p->bytes);
	counter(t, "edgewatch_pcap_files_removed_total",
		"Oldest evidence files removed for outputs.pcap.max-total", p->files_removed);
	counter(t, "edgewatch_pcap_failures_total",
		"Evidence files or packets that could not be opened, written or removed",
		p->open_failed + p->write_failed + p->remove_failed);
}

static void put_datapath(struct prom_text *t, const struct ew_counters *c)
{
	int hook, id;

	/* the "event" group counts flows, fragments, events and samples, not packets */
	family(t, "edgewatch_datapath_packets_total", "counter",
	       "Packets the BPF programs saw (group seen), by outcome (each packet has one), by "
	       "verdict (one each) and by encapsulation crossed");
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++)
			if (counter_group_of(id) != COUNTER_GROUP_EVENT)
				sample(t, "edgewatch_datapath_packets_total",
				       LABELS("hook", hook_name(hook), "group",
					      counter_group_name(counter_group_of(id)), "counter",
					      counter_name(id)),
				       c->count[hook][id]);
	family(t, "edgewatch_datapath_events_total", "counter",
	       "What else the BPF programs count: flows created, fragments tracked, policy "
	       "packets, events and samples sent to userspace or lost");
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++)
			if (counter_group_of(id) == COUNTER_GROUP_EVENT)
				sample(t, "edgewatch_datapath_events_total",
				       LABELS("hook", hook_name(hook), "counter", counter_name(id)),
				       c->count[hook][id]);
}

static void put_flows(struct prom_text *t, const struct stats_snapshot *s)
{
	const struct stats_flows *f = &s->flows;
	int reason;

	family(t, "edgewatch_flows_exported_total", "counter",
	       "Flow events written, by end reason");
	for (reason = 0; reason < EW_END_MAX; reason++)
		sample(t, "edgewatch_flows_exported_total",
		       LABELS("reason", flow_end_reason_name(reason)), f->exported.flows[reason]);
	counter(t, "edgewatch_flow_exported_packets_total",
		"Packets (both directions) in the flow events written", f->exported.packets);
	counter(t, "edgewatch_flow_exported_bytes_total",
		"Bytes (both directions) in the flow events written", f->exported.bytes);
	counter(t, "edgewatch_flow_recovered_packets_total",
		"Packets in flows recovered from an instance that died", f->exported.recovered_packets);
	counter(t, "edgewatch_flow_write_errors_total",
		"Flow events the output could not write (lost, counted)", f->exported.write_errors);
	counter(t, "edgewatch_flow_write_failed_packets_total",
		"Packets in the flow events the output could not write",
		f->exported.write_failed_packets);
	gauge(t, "edgewatch_flow_table_entries", "Flows in the flow table at the last sweep",
	      f->in_table);
	gauge(t, "edgewatch_flow_table_packets",
	      "Packets in the flows still in the table at the last sweep",
	      s->conservation.packets_in_table);
	gauge(t, "edgewatch_flow_table_slots", "Size of the flow table", f->table_size);
	counter(t, "edgewatch_flow_sweeps_total", "Sweeps of the flow table run", f->sweeps);
	counter(t, "edgewatch_flow_sweep_errors_total", "Sweeps that failed", f->sweep_errors);
	counter(t, "edgewatch_flow_sweep_delete_races_total",
		"Flows another deleter removed under the sweeper", f->sweep_delete_races);
	counter(t, "edgewatch_flow_sweep_reused_before_refresh_total",
		"Table slots reused before the sweeper's last read-back",
		f->sweep_reused_before_refresh);
}

static void put_conservation(struct prom_text *t, const struct stats_conservation *c)
{
	gauge(t, "edgewatch_conservation_hooks_add_up",
	      "1 when every program's outcomes and verdicts each add up to its packets",
	      c->hooks_add_up);
	gauge(t, "edgewatch_conservation_final",
	      "1 in the last snapshot of a run (programs detached, table flushed)", c->final);
	/* as in the EVE stats event: under traffic the counters move while they are read */
	if (c->final)
		gauge(t, "edgewatch_conservation_balanced",
		      "1 when every packet put in a flow is exported, in the table or counted "
		      "lost (final snapshot only)",
		      c->balanced);
}

static void put_policy(struct prom_text *t, const struct stats_policy *p)
{
	size_t i;

	family(t, "edgewatch_policy_info", "gauge",
	       "The management policy in force (always 1; its settings are the labels)");
	sample(t, "edgewatch_policy_info",
	       LABELS("action", p->drop ? "drop" : "alert", "management",
		      p->management ? "true" : "false", "egress", p->egress ? "true" : "false"),
	       1);
	gauge(t, "edgewatch_policy_generation", "Generation of the policy installed",
	      p->generation);
	gauge(t, "edgewatch_policy_protected_addresses", "Addresses the policy protects",
	      p->protected_addresses);
	if (p->has_decisions) {
		family(t, "edgewatch_policy_decisions_total", "counter",
		       "Management flows decided, by decision");
		sample(t, "edgewatch_policy_decisions_total", LABELS("decision", "allowed"),
		       p->decisions_allowed);
		sample(t, "edgewatch_policy_decisions_total", LABELS("decision", "violation"),
		       p->decisions_violation);
	}
	family(t, "edgewatch_policy_installs_total", "counter",
	       "Policy installs (start and reloads), by result");
	sample(t, "edgewatch_policy_installs_total", LABELS("result", "done"), p->installs_done);
	sample(t, "edgewatch_policy_installs_total", LABELS("result", "refused"),
	       p->installs_refused);
	counter(t, "edgewatch_policy_install_cleanup_errors_total",
		"Errors removing what a refused or replaced install left",
		p->installs_cleanup_errors);
	family(t, "edgewatch_policy_last_install_seconds", "gauge",
	       "Duration of the last policy install");
	sample_us(t, "edgewatch_policy_last_install_seconds", NULL, p->last_install_us);
	family(t, "edgewatch_policy_last_reader_wait_seconds", "gauge",
	       "Time the last install waited for the datapath's readers of the old policy");
	sample_us(t, "edgewatch_policy_last_reader_wait_seconds", NULL, p->last_reader_wait_us);
	counter(t, "edgewatch_policy_events_read_total", "Policy events read from the kernel",
		p->events_read);
	counter(t, "edgewatch_policy_events_invalid_total", "Policy events refused as invalid",
		p->events_invalid);
	counter(t, "edgewatch_policy_events_deduplicated_total",
		"Policy events dropped as repeats of one already alerted", p->events_deduplicated);
	counter(t, "edgewatch_policy_alerts_written_total", "Policy alerts handed to the output",
		p->alerts_written);
	counter(t, "edgewatch_policy_alerts_suppressed_total",
		"Policy events the alert rate limit held back (counted in the next alert)",
		p->suppressed);
	gauge(t, "edgewatch_policy_alerts_held", "Policy events the rate limiter holds now",
	      p->held);
	counter(t, "edgewatch_policy_alert_write_errors_total",
		"Policy alerts the output could not write", p->write_errors);
	family(t, "edgewatch_policy_alerts_total", "counter",
	       "Policy alerts by built-in detection");
	for (i = 0; i < p->detection_count; i++)
		sample(t, "edgewatch_policy_alerts_total",
		       LABELS("detection", p->detections[i].name), p->detections[i].alerts);
	gauge(t, "edgewatch_policy_exposures",
	      "Management services seen answering a source not allowed (the inventory)",
	      p->exposure_count);
	counter(t, "edgewatch_policy_exposures_not_listed_total",
		"Exposures the full inventory could not list", p->exposures_not_listed);
}

static void put_samples(struct prom_text *t, const struct stats_samples *s)
{
	counter(t, "edgewatch_samples_read_total", "Payload samples read from the kernel",
		s->read);
	counter(t, "edgewatch_samples_queued_total", "Payload samples queued for the scanners",
		s->queued);
	family(t, "edgewatch_samples_total", "counter",
	       "Payload samples by outcome (read = every outcome + those in the queue)");
	sample(t, "edgewatch_samples_total", LABELS("outcome", "scanned"), s->scanned);
	sample(t, "edgewatch_samples_total", LABELS("outcome", "scan_failed"), s->scan_failed);
	sample(t, "edgewatch_samples_total", LABELS("outcome", "dropped_queue_full"),
	       s->dropped_queue_full);
	sample(t, "edgewatch_samples_total", LABELS("outcome", "dropped_malformed"),
	       s->dropped_malformed);
	sample(t, "edgewatch_samples_total", LABELS("outcome", "not_scanned_no_rules"),
	       s->not_scanned_no_rules);
	gauge(t, "edgewatch_sample_queue_entries", "Payload samples waiting in the queue",
	      s->in_queue);
	gauge(t, "edgewatch_sample_queue_slots", "Size of the sample queue", s->queue_slots);
	gauge(t, "edgewatch_sample_queue_high_water", "Most samples the queue ever held",
	      s->queue_high_water);
	gauge(t, "edgewatch_sample_workers", "Scanner threads", s->workers);
	gauge(t, "edgewatch_samples_balanced", "1 when read = every outcome + in the queue",
	      s->balanced);
}

static void put_streams(struct prom_text *t, const struct stats_streams *s)
{
#define STREAMS_COUNTER(name, help) counter(t, "edgewatch_stream_" #name "_total", help, s->name);
#define STREAMS_GAUGE(name, help) gauge(t, "edgewatch_stream_" #name, help, s->name);
	STATS_STREAMS_COUNTERS(STREAMS_COUNTER)
	STATS_STREAMS_GAUGES(STREAMS_GAUGE)
#undef STREAMS_COUNTER
#undef STREAMS_GAUGE
}

static void put_rules(struct prom_text *t, const struct stats_rules *r)
{
	static const struct {
		const char *name;
		const char *help;
		size_t offset;
	} counters[] = {
#define RULES_COUNTER(field, help) \
	{ "edgewatch_rules_" #field "_total", help, offsetof(struct stats_rules, field) }
		RULES_COUNTER(matches, "Payload rule matches"),
		RULES_COUNTER(alerts, "Payload rule alerts handed to the output"),
		RULES_COUNTER(deduplicated, "Rule alerts dropped as repeats on the same flow"),
		RULES_COUNTER(alert_errors, "Rule alerts the output could not write"),
		RULES_COUNTER(drop_matches, "Matches of drop rules"),
		RULES_COUNTER(drop_not_enforced, "Drop rule matches in monitor mode (not dropped)"),
		RULES_COUNTER(drop_flow_gone, "Drop rule matches whose flow had already ended"),
		RULES_COUNTER(flows_blocked, "Flows blocked in the kernel by a drop rule"),
		RULES_COUNTER(flows_unblocked, "Blocks released"),
		RULES_COUNTER(block_failed, "Blocks the kernel refused"),
		RULES_COUNTER(flows_forgotten, "Flows with alerts forgotten because they ended"),
		RULES_COUNTER(flows_evicted, "Flows with alerts forgotten because the table was full"),
		RULES_COUNTER(http_requests, "HTTP requests normalised for the rules"),
		RULES_COUNTER(http_truncated, "HTTP requests cut short by the sample"),
		RULES_COUNTER(candidates, "Prefilter candidates checked"),
		RULES_COUNTER(budget_exhausted, "Scans stopped by their match budget"),
		RULES_COUNTER(pcre_errors, "PCRE evaluation errors"),
		RULES_COUNTER(scan_errors, "Hyperscan scan errors"),
#undef RULES_COUNTER
	};
	size_t i;

	gauge(t, "edgewatch_rule_files", "Rule files loaded", r->files);
	gauge(t, "edgewatch_rules_loaded", "Payload rules compiled", r->loaded);
	gauge(t, "edgewatch_rules_skipped", "Payload rules skipped as unsupported", r->skipped);
	gauge(t, "edgewatch_rules_no_prefilter", "Payload rules without a literal to prefilter on",
	      r->no_prefilter);
	gauge(t, "edgewatch_rules_cache_hit", "1 when the compiled database came from the cache",
	      r->cache_hit);
	gauge(t, "edgewatch_rules_flows_with_alerts", "Flows remembered for their rule alerts",
	      r->flows_with_alerts);
	gauge(t, "edgewatch_rules_generation",
	      "Generation of the payload rules in force (1 at start, +1 per reload applied)",
	      r->generation);
	family(t, "edgewatch_rules_reload_total", "counter",
	       "Reloads of the payload rules, by result (failed: the running rules stayed)");
	sample(t, "edgewatch_rules_reload_total", LABELS("result", "ok"), r->reloads_ok);
	sample(t, "edgewatch_rules_reload_total", LABELS("result", "failed"), r->reloads_failed);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		counter(t, counters[i].name, counters[i].help,
			*(const uint64_t *)((const char *)r + counters[i].offset));
}

static void put_sink_totals(struct prom_text *t, const char *name, const char *help,
			    const struct stats_sinks *sinks, int errors)
{
	size_t i;
	int type;

	family(t, name, "counter", help);
	for (i = 0; i < sinks->count; i++)
		for (type = 0; type < OUTPUT_EVENT_TYPES; type++)
			sample(t, name,
			       LABELS("sink", sinks->sink[i].name, "type",
				      output_event_type_name(type)),
			       errors ? sinks->sink[i].totals.errors[type]
				      : sinks->sink[i].totals.events[type]);
}

/* The sinks with a queue (syslog): where every message they took went, by outcome. */
static void put_sink_queues(struct prom_text *t, const struct stats_snapshot *s)
{
	static const struct {
		const char *outcome;
		size_t offset;
	} outcomes[] = {
		{ "sent", offsetof(struct stats_sink_queue, sent) },
		{ "dropped_queue_full", offsetof(struct stats_sink_queue, dropped_queue_full) },
		{ "lost_at_close", offsetof(struct stats_sink_queue, lost_at_close) },
		{ "send_failed", offsetof(struct stats_sink_queue, send_failed) },
		{ "format_failed", offsetof(struct stats_sink_queue, format_failed) },
	};
	static const struct {
		const char *name, *type, *help;
		size_t offset;
	} others[] = {
		{ "edgewatch_output_queue_taken_total", "counter",
		  "Messages a queued sink took (= its outcomes + in queue)",
		  offsetof(struct stats_sink_queue, taken) },
		{ "edgewatch_output_queue_messages", "gauge",
		  "Messages waiting in a queued sink, or being sent",
		  offsetof(struct stats_sink_queue, in_queue) },
		{ "edgewatch_output_queue_truncated_total", "counter",
		  "Messages sent cut to the datagram bound (UDP)",
		  offsetof(struct stats_sink_queue, truncated) },
		{ "edgewatch_output_connect_failures_total", "counter",
		  "Connections to a sink's collector that failed",
		  offsetof(struct stats_sink_queue, connect_failures) },
		{ "edgewatch_output_reconnects_total", "counter",
		  "Connections to a sink's collector after the first",
		  offsetof(struct stats_sink_queue, reconnects) },
	};
	size_t i, k;

	if (!s->queued_sink_count)
		return;
	family(t, "edgewatch_output_queue_outcomes_total", "counter",
	       "Messages a queued sink took, by what became of them (lost unless sent)");
	for (i = 0; i < s->queued_sink_count; i++)
		for (k = 0; k < sizeof(outcomes) / sizeof(outcomes[0]); k++)
			sample(t, "edgewatch_output_queue_outcomes_total",
			       LABELS("sink", s->queued_sinks[i].name, "outcome",
				      outcomes[k].outcome),
			       *(const uint64_t *)((const char *)&s->queued_sinks[i] +
						   outcomes[k].offset));
	for (k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
		family(t, others[k].name, others[k].type, others[k].help);
		for (i = 0; i < s->queued_sink_count; i++)
			sample(t, others[k].name, LABELS("sink", s->queued_sinks[i].name),
			       *(const uint64_t *)((const char *)&s->queued_sinks[i] +
						   others[k].offset));
	}
}

static void put_output(struct prom_text *t, const struct stats_snapshot *s,
		       const struct prom_alert_counts *alerts)
{
	size_t i;

	counter(t, "edgewatch_eve_lines_written_total",
		"EVE lines written or waiting to be (this snapshot's stats event included)",
		s->eve.events_written);
	counter(t, "edgewatch_eve_lines_lost_total", "EVE lines lost in writing",
		s->eve.write_errors);
	put_sink_totals(t, "edgewatch_output_events_total",
			"Events each sink accepted, by event type (before this snapshot's stats "
			"event)",
			&s->sinks, 0);
	put_sink_totals(t, "edgewatch_output_errors_total",
			"Events each sink refused (lost), by event type", &s->sinks, 1);
	put_sink_queues(t, s);
	counter(t, "edgewatch_eve_rotations_total", "EVE files closed by a rotation",
		s->eve.rotations);
	counter(t, "edgewatch_eve_rotate_failures_total",
		"EVE rotations that failed (the file in use kept)", s->eve.rotate_failed);
	counter(t, "edgewatch_eve_files_compressed_total", "Rotated EVE files gzipped",
		s->eve.compressed);
	counter(t, "edgewatch_eve_compress_failures_total",
		"Rotated EVE files left uncompressed (a gzip failed)", s->eve.compress_failed);
	if (s->eve.sealing) {	/* outputs.eve.seal: the stats event's eve.seal */
		counter(t, "edgewatch_eve_seals_total", "EVE seal records written", s->eve.seals);
		counter(t, "edgewatch_eve_seal_failures_total",
			"EVE seals that could not be made (their lines wait for the next)",
			s->eve.seal_failed);
		counter(t, "edgewatch_eve_seal_key_store_failures_total",
			"Sealing key file rewrites that failed (the old epoch's key left on disk)",
			s->eve.seal_key_store_failed);
	}
	if (s->pcap.enabled)	/* outputs.pcap: the stats event's pcap */
		put_pcap(t, &s->pcap);
	family(t, "edgewatch_alerts_total", "counter",
	       "Alerts handed to the output, by category and origin (builtin: edgewatch's "
	       "reserved sids; rule: payload rules)");
	for (i = 0; i < alerts->count; i++)
		sample(t, "edgewatch_alerts_total",
		       LABELS("category", alerts->classes[i].category, "origin",
			      alerts->classes[i].builtin ? "builtin" : "rule"),
		       alerts->classes[i].alerts);
	counter(t, "edgewatch_alerts_category_overflow_total",
		"Alerts of categories past the sink's table (in no category series)",
		alerts->overflow);
}

/* The anomaly detectors: flows seen, reports, episodes, alerts, and each one's memory. */
static void put_anomaly(struct prom_text *t, const struct stats_anomaly *a)
{
	static const char *const memory_help = "Entries the detector tracks now";
	size_t i;

	counter(t, "edgewatch_anomaly_flows_total", "Flow records the anomaly detectors looked at",
		a->flows_seen);
	counter(t, "edgewatch_anomaly_flows_excluded_total",
		"Flow records not looked at (anomaly.exclude)", a->flows_excluded);
	counter(t, "edgewatch_anomaly_reports_total", "Findings the detectors reported",
		a->reports);
	counter(t, "edgewatch_anomaly_reports_suppressed_total",
		"Findings folded into an open episode (not alerted on their own)", a->suppressed);
	family(t, "edgewatch_anomaly_episodes_total", "counter", "Anomaly episodes, by event");
	sample(t, "edgewatch_anomaly_episodes_total", LABELS("event", "started"),
	       a->episodes_started);
	sample(t, "edgewatch_anomaly_episodes_total", LABELS("event", "updated"),
	       a->episodes_updated);
	sample(t, "edgewatch_anomaly_episodes_total", LABELS("event", "ended"), a->episodes_ended);
	sample(t, "edgewatch_anomaly_episodes_total", LABELS("event", "evicted"),
	       a->episodes_evicted);
	gauge(t, "edgewatch_anomaly_episodes_open", "Anomaly episodes open now", a->episodes_open);
	counter(t, "edgewatch_anomaly_alert_errors_total", "Anomaly alerts the output refused",
		a->alert_errors);
	family(t, "edgewatch_anomaly_alerts_total", "counter", "Anomaly alerts, by detector");
	for (i = 0; i < a->detector_count; i++)
		sample(t, "edgewatch_anomaly_alerts_total", LABELS("detector", a->detectors[i].name),
		       a->detectors[i].alerts);
	family(t, "edgewatch_anomaly_tracked_entries", "gauge", memory_help);
	for (i = 0; i < a->detector_count; i++)
		sample(t, "edgewatch_anomaly_tracked_entries",
		       LABELS("detector", a->detectors[i].name), a->detectors[i].tracked);
	family(t, "edgewatch_anomaly_evictions_total", "counter",
	       "Entries a detector forgot to make room (least recently used first)");
	for (i = 0; i < a->detector_count; i++)
		sample(t, "edgewatch_anomaly_evictions_total",
		       LABELS("detector", a->detectors[i].name), a->detectors[i].evicted);
	family(t, "edgewatch_anomaly_late_records_total", "counter",
	       "Flow records that arrived after their window was dropped: counted, not judged");
	for (i = 0; i < a->detector_count; i++)
		sample(t, "edgewatch_anomaly_late_records_total",
		       LABELS("detector", a->detectors[i].name), a->detectors[i].late);
	family(t, "edgewatch_anomaly_memory_bytes", "gauge", "Memory a detector's maps hold");
	for (i = 0; i < a->detector_count; i++)
		sample(t, "edgewatch_anomaly_memory_bytes",
		       LABELS("detector", a->detectors[i].name), a->detectors[i].bytes);
	if (!a->live.on)
		return;
	/* the live flood counts (the kernel's flood_dests map, the sweeper's hot flows) */
	gauge(t, "edgewatch_flood_live_destinations",
	      "Destinations in the kernel's new-flow count map at the last read",
	      a->live.dests_tracked);
	gauge(t, "edgewatch_flood_live_destinations_capacity",
	      "Destinations the kernel's new-flow count map holds at most", a->live.dests_capacity);
	counter(t, "edgewatch_flood_live_destinations_evicted_total",
		"Destinations forgotten to make room (least recently used)", a->live.dests_evicted);
	counter(t, "edgewatch_flood_live_destinations_failed_total",
		"New flows whose destination could not be entered", a->live.dests_failed);
	counter(t, "edgewatch_flood_live_reads_total", "Reads of the new-flow count map",
		a->live.reads);
	counter(t, "edgewatch_flood_live_read_errors_total",
		"Reads of the new-flow count map that failed", a->live.read_errors);
	counter(t, "edgewatch_flood_live_hot_reports_total",
		"Hot flows (a flood's packets in one flow) the sweeper reported",
		a->live.hot_reports);
	counter(t, "edgewatch_flood_live_hot_lost_total",
		"Hot-flow reports the sweeper's ring had no room for", a->live.hot_lost);
}

/* The passive inventory: its services now, by flag, its table and its events. */
static void put_inventory(struct prom_text *t, const struct stats_inventory *v)
{
	int f;

	gauge(t, "edgewatch_inventory_services", "Services in the edge inventory now", v->services);
	gauge(t, "edgewatch_inventory_capacity", "Services the inventory holds (inventory.table-size)",
	      v->capacity);
	counter(t, "edgewatch_inventory_evicted_total",
		"Services forgotten to make room (least recently seen first)", v->evicted);
	family(t, "edgewatch_inventory_flagged_services", "gauge",
	       "Services in the inventory now with each flag");
	for (f = 0; f < INVENTORY_FLAG_COUNT; f++)
		sample(t, "edgewatch_inventory_flagged_services",
		       LABELS("flag", inventory_flag_name(f)), v->flagged[f]);
	counter(t, "edgewatch_inventory_not_home_net_total",
		"Server banners from outside home-net, not recorded", v->not_home_net);
	counter(t, "edgewatch_inventory_alerts_total",
		"End-of-life and known-exploited alerts written", v->alerts);
	counter(t, "edgewatch_inventory_alerts_suppressed_total",
		"Inventory alerts held by the per-service rate limit", v->alerts_suppressed);
}

int prom_format_stats(struct prom_text *t, const struct stats_snapshot *s,
		      const struct prom_alert_counts *alerts)
{
	family(t, "edgewatch_stats_timestamp_seconds", "gauge",
	       "Wall-clock time of this snapshot (the timestamp of its EVE stats event)");
	sample_us(t, "edgewatch_stats_timestamp_seconds", NULL, s->ts_ns / NS_PER_US);
	gauge(t, "edgewatch_uptime_seconds", "Seconds since the datapath was attached",
	      s->uptime_s);
	if (s->xdp_mode) {
		family(t, "edgewatch_xdp_mode_info", "gauge",
		       "How XDP is attached (always 1; native or generic is the label)");
		sample(t, "edgewatch_xdp_mode_info", LABELS("mode", s->xdp_mode), 1);
	}
	put_datapath(t, &s->counters);
	put_flows(t, s);
	put_conservation(t, &s->conservation);
	if (s->has_policy)
		put_policy(t, &s->policy);
	if (s->has_pipeline) {
		put_samples(t, &s->samples);
		put_rules(t, &s->rules);
		if (s->streams.on)
			put_streams(t, &s->streams);
	}
	if (s->anomaly.on)
		put_anomaly(t, &s->anomaly);
	if (s->inventory.on)
		put_inventory(t, &s->inventory);
	if (s->kernel.on) {
		gauge(t, "edgewatch_kernel_map_bytes",
		      "Kernel memory the datapath's maps hold (their memlock, read at start)",
		      s->kernel.map_bytes);
		gauge(t, "edgewatch_kernel_ringbuf_bytes", "Of which ring buffers",
		      s->kernel.ringbuf_bytes);
		counter(t, "edgewatch_clock_wakeups_total",
			"Times a packet woke the datapath clock after it slept (idle)",
			s->kernel.clock_wakeups);
	}
	put_output(t, s, alerts);
	if (!t->err && reserve(t, 1) == 0)
		t->buf[t->len] = '\0';
	return t->err;
}
