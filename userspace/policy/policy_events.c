// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's policy events, from the events ring buffer to alert events: checked,
 * deduplicated, exposures noted in the inventory, rate-limited, emitted. And the
 * policy's part of the stats snapshot. See userspace/policy/README.md.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "policy/policy_alerts.h"
#include "policy/policy_runtime.h"

static void write_alert(struct policy_runtime *pr, const struct ew_event *ev,
			const struct alert_summary *summary)
{
	pr->events.alerts_written++;
	pr->events.suppressed += summary->suppressed;
	pr->events.aggregated += summary->aggregated;
	if (ev->type < sizeof(pr->events.alerts_by_type) / sizeof(pr->events.alerts_by_type[0]))
		pr->events.alerts_by_type[ev->type]++;
	if (policy_alert_write(pr->p.exporter, ev, summary))
		pr->events.write_errors++;
}

/* The limiter hands back held events (flush, window over, eviction) through this. */
static void emit_held(void *ctx, const void *event, const struct alert_summary *summary)
{
	write_alert(ctx, event, summary);
}

static void note_exposure(struct policy_runtime *pr, const struct ew_event *ev,
			  const struct alert_limit_key *subject)
{
	int err = exposure_inventory_add(pr->inventory, subject->family, subject->proto,
					 subject->port, subject->target, subject->source,
					 ev->ts_ns);

	if (err == -ENOSPC && exposure_inventory_not_kept(pr->inventory) == 1)
		log_warn("the exposure inventory is full (%d entries): more exposures are "
			 "alerted and counted, not listed", POLICY_INVENTORY_MAX);
}

int policy_runtime_on_event(struct policy_runtime *pr, const void *data, size_t size)
{
	struct alert_limit_key subject;
	struct alert_summary summary;
	struct ew_event ev;

	pr->events.events_read++;
	if (size < sizeof(ev) || !policy_detection_of(((const struct ew_event *)data)->type)) {
		pr->events.invalid++;
		return 0;	/* not ours to stop the loop for */
	}
	memcpy(&ev, data, sizeof(ev));	/* the limiter may keep it; the record goes back */
	/* flow-less events (flow_seq 0) are rate-limited by the kernel, not once per flow */
	if (!(ev.flags & EW_EVENT_F_NO_FLOW) && event_dedup_seen(pr->dedup, ev.flow_seq, ev.type)) {
		pr->events.deduplicated++;
		return 0;
	}
	policy_event_subject(&ev, &subject);
	if (ev.type == EW_EVENT_MGMT_EXPOSURE)
		note_exposure(pr, &ev, &subject);
	if (alert_limiter_check(pr->limiter, &subject, &ev, ev.ts_ns, &summary, emit_held,
				pr) == ALERT_LIMIT_WRITE)
		write_alert(pr, &ev, &summary);
	return 0;
}

void policy_runtime_flush(struct policy_runtime *pr)
{
	alert_limiter_flush(pr->limiter, emit_held, pr);
	output_flush(pr->p.exporter->out);
}

void policy_runtime_stats(struct policy_runtime *pr, struct stats_policy *o)
{
	const struct policy_detection *d;
	struct policy_decisions decisions;
	size_t count, i;

	memset(o, 0, sizeof(*o));
	o->generation = pr->generation;
	o->management = pr->mgmt_enabled;
	o->egress = pr->egress_enabled;
	o->drop = pr->action == EW_ACTION_DROP;
	o->protected_addresses = pr->protected_count;
	if (pr->generation &&
	    !policy_maps_read_decisions(pr->maps.decisions, pr->generation, &decisions)) {
		o->has_decisions = 1;
		o->decisions_allowed = decisions.allowed;
		o->decisions_violation = decisions.violation;
	}
	o->installs_done = pr->install.installs;
	o->installs_refused = pr->install.refused;
	o->installs_cleanup_errors = pr->install.cleanup_errors;
	o->last_install_us = pr->install.last_install_ns / 1000;
	o->last_reader_wait_us = pr->install.last_wait_ns / 1000;
	o->events_read = pr->events.events_read;
	o->events_invalid = pr->events.invalid;
	o->events_deduplicated = pr->events.deduplicated;
	o->alerts_written = pr->events.alerts_written;
	o->suppressed = pr->events.suppressed;
	o->aggregated = pr->events.aggregated;
	o->held = alert_limiter_held(pr->limiter);
	o->write_errors = pr->events.write_errors;
	d = policy_detections(&count);
	for (i = 0; i < count && i < STATS_POLICY_DETECTIONS; i++) {
		o->detections[i].name = d[i].name;
		o->detections[i].alerts = pr->events.alerts_by_type[d[i].type];
	}
	o->detection_count = i;
	o->exposures = exposure_inventory_records(pr->inventory, &o->exposure_count);
	o->exposures_to_realtime_ns = flow_exporter_to_realtime(pr->p.exporter);
	o->exposures_not_listed = exposure_inventory_not_kept(pr->inventory);
}
