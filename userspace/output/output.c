// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The fan-out of events to sinks: see output.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve_format.h"
#include "output/eve_seal.h"
#include "output/output.h"
#include "output/pcap_evidence.h"

int output_open(struct output *out, const char *eve_path, const char *iface)
{
	return output_open_rotating(out, eve_path, NULL, iface);
}

/* A seal the EVE file wrote: to every sink that carries seals (not the EVE sink, 0). */
static void fan_out_seal(void *ctx, const char *line, size_t len, uint64_t now_ns)
{
	struct output *out = ctx;
	int i;

	for (i = 1; i < out->sink_count; i++)
		if (out->sinks[i]->ops->seal)
			out->sinks[i]->ops->seal(out->sinks[i], line, len, now_ns);
}

int output_open_rotating(struct output *out, const char *eve_path,
			 const struct eve_rotation *rot, const char *iface)
{
	struct output_sink *eve;
	int err;

	memset(out, 0, sizeof(*out));
	out->iface = iface;
	err = eve_sink_open(&eve, &out->eve, eve_path, rot);
	if (err)
		return err;
	eve_set_seal_listener(out->eve, fan_out_seal, out);
	return output_add_sink(out, eve);
}

int output_add_sink(struct output *out, struct output_sink *sink)
{
	if (out->sink_count == OUTPUT_SINKS_MAX) {
		sink->ops->close(sink);
		return -ENOSPC;
	}
	out->sinks[out->sink_count++] = sink;
	out->line_types |= sink->line_types;
	return 0;
}

const char *output_event_type_name(enum output_event_type type)
{
	static const char *const names[OUTPUT_EVENT_TYPES] = {
		[OUTPUT_FLOW] = "flow",
		[OUTPUT_ALERT] = "alert",
		[OUTPUT_STATS] = "stats",
		[OUTPUT_INVENTORY] = "inventory",
	};

	return type < OUTPUT_EVENT_TYPES ? names[type] : "unknown";
}

void output_sinks_stats(struct output *out, struct stats_sinks *sinks)
{
	_Static_assert(OUTPUT_SINKS_MAX <= STATS_SINKS_MAX, "a stats slot per sink");
	int i, type;

	int n = 0;

	for (i = 0; i < out->sink_count; i++) {
		const struct output_sink_totals *t = &out->sinks[i]->totals;

		if (out->sinks[i]->ops->not_a_destination)
			continue;
		sinks->sink[n].name = out->sinks[i]->ops->name;
		/* alerts are counted by the scanner threads too (see count()) */
		for (type = 0; type < OUTPUT_EVENT_TYPES; type++) {
			sinks->sink[n].totals.events[type] =
				__atomic_load_n(&t->events[type], __ATOMIC_RELAXED);
			sinks->sink[n].totals.errors[type] =
				__atomic_load_n(&t->errors[type], __ATOMIC_RELAXED);
		}
		n++;
	}
	sinks->count = n;
}

void output_close(struct output *out)
{
	int i;

	if (!out)
		return;
	for (i = 0; i < out->sink_count; i++)
		out->sinks[i]->ops->close(out->sinks[i]);
	out->sink_count = 0;
	out->line_types = 0;
	out->eve = NULL;
	pcap_evidence_close(out->evidence);
	out->evidence = NULL;
}

void output_set_evidence(struct output *out, struct pcap_evidence *pe)
{
	pcap_evidence_close(out->evidence);
	out->evidence = pe;
}

void output_pcap_stats(struct output *out, struct stats_pcap *pcap)
{
	memset(pcap, 0, sizeof(*pcap));
	if (out->evidence)
		pcap_evidence_stats(out->evidence, pcap);
}

int output_sample_evidence(struct output *out, uint64_t flow_id, const struct alert_packet *pkt)
{
	return out->evidence ? pcap_evidence_sample(out->evidence, flow_id, pkt) : 0;
}

/* The counts are only read by the thread writing stats: relaxed atomics suffice. */
static void count(struct output_sink *s, enum output_event_type type, int err)
{
	__atomic_fetch_add(err ? &s->totals.errors[type] : &s->totals.events[type], 1,
			   __ATOMIC_RELAXED);
}

/* One sink's op for an event of type; line: the EVE line if the sink reads it. */
static int sink_take(struct output_sink *s, enum output_event_type type, const void *ev,
		     const struct output_line *line)
{
	if (!(s->line_types & OUTPUT_LINE(type)))
		line = NULL;
	switch (type) {
	case OUTPUT_FLOW:
		return s->ops->flow(s, ev, line);
	case OUTPUT_ALERT:
		return s->ops->alert(s, ev, line);
	case OUTPUT_INVENTORY:
		return s->ops->inventory(s, ev, line);
	default:
		return s->ops->stats(s, ev, line);
	}
}

/*
 * ev to every sink (only: to that one alone, not counted), its EVE line (at most cap
 * bytes) formatted first if a sink reads it. The line lives in this call's buffer: a
 * flow's on the stack, an alert's or stats' (larger, rarer) on the heap; never a shared
 * one, since alerts come from several threads at once.
 */
static int fan_out(struct output *out, struct output_sink *only, enum output_event_type type,
		   const void *ev, size_t cap)
{
	char small[JSON_LINE_MAX], *buf = NULL;
	struct output_line line = { 0 };
	struct json_line jl;
	int i, err, first = 0;

	if ((only ? only->line_types : out->line_types) & OUTPUT_LINE(type)) {
		buf = cap <= sizeof(small) ? small : malloc(cap);
		if (buf) {
			json_line_init(&jl, buf, cap);
			line.err = eve_format_event(&jl, type, ev, out->iface);
			line.buf = line.err ? NULL : jl.buf;
			line.len = line.err ? 0 : jl.len;
		} else {
			line.err = -ENOMEM;
		}
	}
	if (only) {
		first = sink_take(only, type, ev, &line);
	} else {
		for (i = 0; i < out->sink_count; i++) {
			/* a sink without an inventory op leaves those events out, uncounted */
			if (type == OUTPUT_INVENTORY && !out->sinks[i]->ops->inventory)
				continue;
			err = sink_take(out->sinks[i], type, ev, &line);
			count(out->sinks[i], type, err);
			if (i == 0)
				first = err;
		}
	}
	if (buf != small)
		free(buf);
	return first;
}

int output_flow(struct output *out, const struct flow_event *ev)
{
	return fan_out(out, NULL, OUTPUT_FLOW, ev, JSON_LINE_MAX);
}

int output_alert(struct output *out, const struct alert_event *ev)
{
	struct alert_event with_pcap;
	struct alert_pcap ref;

	/* the evidence first, so the alert's line names where its packet went; a packet
	 * not written is the evidence's loss (counted), the alert still goes out */
	if (out->evidence && !pcap_evidence_alert(out->evidence, ev, &ref)) {
		with_pcap = *ev;
		with_pcap.pcap = &ref;
		ev = &with_pcap;
	}
	return fan_out(out, NULL, OUTPUT_ALERT, ev, eve_alert_line_max(ev));
}

int output_inventory(struct output *out, const struct inventory_event *ev)
{
	return fan_out(out, NULL, OUTPUT_INVENTORY, ev, eve_inventory_line_max(ev));
}

int output_inventory_line(const struct inventory_event *ev, const char *iface, char *buf,
			  size_t cap)
{
	struct json_line jl;
	int err;

	json_line_init(&jl, buf, cap);
	err = eve_format_event(&jl, OUTPUT_INVENTORY, ev, iface);
	return err ? err : (int)jl.len;
}

int output_stats(struct output *out, const struct stats_snapshot *snap)
{
	return fan_out(out, NULL, OUTPUT_STATS, snap, EVE_STATS_LINE_MAX);
}

int output_stats_to(struct output *out, struct output_sink *sink,
		    const struct stats_snapshot *snap)
{
	return fan_out(out, sink, OUTPUT_STATS, snap, EVE_STATS_LINE_MAX);
}

int output_flush(struct output *out)
{
	int i, err, first = 0;

	for (i = 0; i < out->sink_count; i++) {
		err = out->sinks[i]->ops->flush(out->sinks[i]);
		if (i == 0)
			first = err;
	}
	return first;
}

int output_chown_eve(struct output *out, uid_t uid, gid_t gid)
{
	return out->eve ? eve_chown(out->eve, uid, gid) : 0;
}

int output_reopen(struct output *out)
{
	int i, err, first = 0;

	for (i = 0; i < out->sink_count; i++) {
		err = out->sinks[i]->ops->reopen(out->sinks[i]);
		if (err && !first)
			first = err;
	}
	return first;
}

void output_drain(struct output *out)
{
	int i;

	for (i = 0; i < out->sink_count; i++)
		if (out->sinks[i]->ops->drain)
			out->sinks[i]->ops->drain(out->sinks[i]);
}

void output_queued_sinks(struct output *out, struct stats_snapshot *snap)
{
	int i;

	snap->queued_sink_count = 0;
	for (i = 0; i < out->sink_count && snap->queued_sink_count < STATS_QUEUED_SINKS; i++)
		if (out->sinks[i]->ops->account)
			out->sinks[i]->ops->account(out->sinks[i],
						    &snap->queued_sinks[snap->queued_sink_count++]);
}

uint64_t output_eve_written(struct output *out)
{
	return eve_events_written(out->eve);
}

void output_eve_stats(struct output *out, struct stats_output *eve)
{
	struct eve_rotation_stats rs;
	struct eve_seal_counts ss;

	eve->events_written = eve_events_written(out->eve);
	eve->write_errors = eve_write_errors(out->eve);
	eve_rotation_stats(out->eve, &rs);
	eve->rotating = rs.rotating;
	eve->compressing = rs.compressing;
	eve->rotations = rs.rotations;
	eve->rotate_failed = rs.rotate_failed;
	eve->compressed = rs.compressed;
	eve->compress_failed = rs.compress_failed;
	eve_seal_stats(out->eve, &ss);
	eve->sealing = ss.sealing;
	eve->seals = ss.seals;
	eve->seal_failed = ss.failed;
	eve->seal_key_store_failed = ss.key_store_failed;
	eve->seal_epoch = ss.epoch;
}

uint64_t output_eve_errors(struct output *out)
{
	return eve_write_errors(out->eve);
}

struct eve_tally output_flows_lost(struct output *out, enum ew_flow_end reason)
{
	return eve_lost_tally(out->eve, eve_flow_tally_class(reason));
}
