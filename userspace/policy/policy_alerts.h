/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A kernel policy event (struct ew_event) as an alert event: built-in
 * signature ids (builtin_sids.h), category naming the detection, severity, action,
 * and metadata naming the protected address, port, service and policy generation.
 */
#ifndef EDGEWATCH_POLICY_ALERTS_H
#define EDGEWATCH_POLICY_ALERTS_H

#include <stdint.h>

#include "datapath.h"
#include "flow_export.h"
#include "detect/alert_limiter.h"

/* The detection of an event type, or NULL for a type this build does not know. */
struct policy_detection {
	uint32_t type;		/* enum ew_event_type */
	uint32_t sid;
	const char *name;	/* stats key: "mgmt_violation", ... */
	const char *signature;
	const char *category;
};

const struct policy_detection *policy_detection_of(uint32_t type);
/* Detections, in event type order (EW_EVENT_MGMT_VIOLATION first). */
const struct policy_detection *policy_detections(size_t *count);

/*
 * Who and what an event is about: the source, the protected address (egress: where
 * the protected address connected to) and the port there, as the rate limit keys it.
 */
void policy_event_subject(const struct ew_event *ev, struct alert_limit_key *k);

/* Severity: 1 for an exposure and for a violation in drop mode, else 2. */
int policy_event_severity(const struct ew_event *ev);

/*
 * Emit ev as an alert event through x's output; the limiter's summary says what else it
 * stands for: earlier events of the same subject ("suppressed"), or, for an aggregate
 * alert, the events of many sources to ev's target and port ("aggregate"; ev is the
 * latest of them). 0 or -errno (the EVE sink's).
 */
int policy_alert_write(const struct flow_exporter *x, const struct ew_event *ev,
		       const struct alert_summary *summary);

#endif /* EDGEWATCH_POLICY_ALERTS_H */
