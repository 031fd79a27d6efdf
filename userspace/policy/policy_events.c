// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's policy events, from the events ring buffer to EVE alerts: checked,
 * deduplicated, exposures noted in the inventory, rate-limited, written. And the
 * policy's part of the stats event. See userspace/policy/README.md.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "policy/policy_alerts.h"
#include "policy/policy_runtime.h"

static void write_alert(struct policy_runtime *pr, const struct ew_event *ev, uint64_t suppressed)
{
	pr->events.alerts_written++;
	pr->events.suppressed += suppressed;
	if (ev->type < sizeof(pr->events.alerts_by_type) / sizeof(pr->events.alerts_by_type[0]))
		pr->events.alerts_by_type[ev->type]++;
	if (policy_alert_write(pr->p.exporter, pr->p.eve, ev, suppressed))
		pr->events.write_errors++;
}

/* The limiter hands back held events (flush, eviction) through this. */
static void emit_held(void *ctx, const struct ew_event *ev, uint64_t suppressed)
{
	write_alert(ctx, ev, suppressed);
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
	struct ew_event ev;
	uint64_t suppressed;

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
	if (alert_limiter_check(pr->limiter, &subject, &ev, ev.ts_ns, &suppressed, emit_held,
				pr) == ALERT_LIMIT_WRITE)
		write_alert(pr, &ev, suppressed);
	return 0;
}

void policy_runtime_flush(struct policy_runtime *pr)
{
	alert_limiter_flush(pr->limiter, emit_held, pr);
	eve_flush(pr->p.eve);
}

static void add_decisions(struct policy_runtime *pr, struct json_object *policy)
{
	struct policy_decisions d;
	struct json_object *o;

	if (!pr->generation || policy_maps_read_decisions(pr->maps.decisions, pr->generation, &d))
		return;
	o = eve_add_object(policy, "decisions");
	eve_add_u64(o, "allowed", d.allowed);
	eve_add_u64(o, "violation", d.violation);
}

static void add_event_totals(struct policy_runtime *pr, struct json_object *policy)
{
	const struct policy_detection *d;
	struct json_object *o, *by_type;
	size_t count, i;

	o = eve_add_object(policy, "events");
	eve_add_u64(o, "read", pr->events.events_read);
	eve_add_u64(o, "invalid", pr->events.invalid);
	eve_add_u64(o, "deduplicated", pr->events.deduplicated);
	eve_add_u64(o, "alerts_written", pr->events.alerts_written);
	eve_add_u64(o, "suppressed", pr->events.suppressed);
	eve_add_u64(o, "held", alert_limiter_held(pr->limiter));
	eve_add_u64(o, "write_errors", pr->events.write_errors);
	by_type = eve_add_object(o, "alerts");
	d = policy_detections(&count);
	for (i = 0; i < count; i++)
		eve_add_u64(by_type, d[i].name, pr->events.alerts_by_type[d[i].type]);
}

void policy_runtime_add_stats(struct policy_runtime *pr, struct json_object *stats)
{
	struct json_object *policy = eve_add_object(stats, "policy"), *o;

	eve_add_u64(policy, "generation", pr->generation);
	eve_add_bool(policy, "management", pr->mgmt_enabled);
	eve_add_bool(policy, "egress", pr->egress_enabled);
	eve_add_str(policy, "action", pr->action == EW_ACTION_DROP ? "drop" : "alert");
	eve_add_u64(policy, "protected_addresses", pr->protected_count);
	add_decisions(pr, policy);
	o = eve_add_object(policy, "installs");
	eve_add_u64(o, "done", pr->install.installs);
	eve_add_u64(o, "refused", pr->install.refused);
	eve_add_u64(o, "cleanup_errors", pr->install.cleanup_errors);
	eve_add_u64(o, "last_us", pr->install.last_install_ns / 1000);
	eve_add_u64(o, "last_reader_wait_us", pr->install.last_wait_ns / 1000);
	add_event_totals(pr, policy);
	json_object_object_add(policy, "exposures",
			       exposure_inventory_json(pr->inventory,
						       pr->p.exporter->clock_to_realtime_ns));
	eve_add_u64(policy, "exposures_not_listed", exposure_inventory_not_kept(pr->inventory));
}
