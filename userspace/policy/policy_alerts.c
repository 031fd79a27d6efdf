// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Policy events as EVE alerts: see policy_alerts.h and userspace/policy/README.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "builtin_sids.h"
#include "config/config_net.h"
#include "policy/policy_alerts.h"
#include "policy/policy_inventory.h"

static const struct policy_detection detections[] = {
	{ EW_EVENT_MGMT_VIOLATION, EW_SID_MGMT_VIOLATION, "mgmt_violation",
	  "EDGEWATCH POLICY management port reached from a source not allowed",
	  "Management Access Policy Violation" },
	{ EW_EVENT_MGMT_EXPOSURE, EW_SID_MGMT_EXPOSURE, "mgmt_exposure",
	  "EDGEWATCH POLICY management interface answered a source not allowed",
	  "Management Interface Exposed" },
	{ EW_EVENT_EGRESS_VIOLATION, EW_SID_EGRESS_VIOLATION, "egress_violation",
	  "EDGEWATCH POLICY protected address opened a connection egress does not allow",
	  "Egress Policy Violation" },
	{ EW_EVENT_FRAG_TINY, EW_SID_FRAG_TINY, "frag_tiny",
	  "EDGEWATCH POLICY tiny first fragment aimed at a protected address",
	  "Fragment Evasion" },
	{ EW_EVENT_FRAG_OVERLAP, EW_SID_FRAG_OVERLAP, "frag_overlap",
	  "EDGEWATCH POLICY overlapping fragment aimed at a protected address",
	  "Fragment Evasion" },
};

#define DETECTION_COUNT (sizeof(detections) / sizeof(detections[0]))

const struct policy_detection *policy_detection_of(uint32_t type)
{
	size_t i;

	for (i = 0; i < DETECTION_COUNT; i++)
		if (detections[i].type == type)
			return &detections[i];
	return NULL;
}

const struct policy_detection *policy_detections(size_t *count)
{
	*count = DETECTION_COUNT;
	return detections;
}

void policy_event_subject(const struct ew_event *ev, struct alert_limit_key *k)
{
	const struct flow_key *key = &ev->key;
	/* the endpoint that started the flow, and the one that answered */
	int a_started = ev->record.initiator == 0;
	const union ew_addr *from, *to;
	__be16 port;

	memset(k, 0, sizeof(*k));
	k->type = ev->type;
	k->family = key->family;
	k->proto = key->proto;
	if (ev->type == EW_EVENT_FRAG_TINY || ev->type == EW_EVENT_FRAG_OVERLAP) {
		/* aimed at the packet's destination */
		from = ev->from_a ? &key->addr_a : &key->addr_b;
		to = ev->from_a ? &key->addr_b : &key->addr_a;
		port = ev->from_a ? key->port_b : key->port_a;
	} else {
		/* violation, exposure: the initiator reached the protected responder;
		 * egress: the protected initiator reached the responder */
		from = a_started ? &key->addr_a : &key->addr_b;
		to = a_started ? &key->addr_b : &key->addr_a;
		port = a_started ? key->port_b : key->port_a;
	}
	memcpy(k->source, from->u8, 16);
	memcpy(k->target, to->u8, 16);
	k->port = ntohs(port);
}

int policy_event_severity(const struct ew_event *ev)
{
	if (ev->type == EW_EVENT_MGMT_EXPOSURE)
		return 1;
	if (ev->type == EW_EVENT_MGMT_VIOLATION && ev->action == EW_ACTION_DROP)
		return 1;
	return 2;
}

/* Was the packet that raised ev dropped? Only XDP drops, and only violating flows. */
static int event_blocked(const struct ew_event *ev)
{
	return ev->type == EW_EVENT_MGMT_VIOLATION && ev->action == EW_ACTION_DROP &&
	       ev->hook == EW_HOOK_XDP_INGRESS;
}

/* Metadata: key -> value pairs (Suricata writes each value in a list). */
struct policy_metadata {
	struct alert_metadata pairs[6];
	size_t count;
	char protected_ip[INET6_ADDRSTRLEN];
	char port[CONFIG_PORT_SPEC_STRLEN];
	char generation[16];
};

static void metadata_add(struct policy_metadata *md, const char *key, const char *value)
{
	md->pairs[md->count].key = key;
	md->pairs[md->count].value = value;
	md->count++;
}

/* The address the policy protects: the target, but for egress the source. */
static void build_metadata(struct policy_metadata *md, const struct ew_event *ev,
			   const struct alert_limit_key *subject)
{
	int af = subject->family == 4 ? AF_INET : AF_INET6;
	const uint8_t *protected = ev->type == EW_EVENT_EGRESS_VIOLATION ? subject->source
									  : subject->target;
	struct ew_port_spec spec = { subject->proto, subject->port, subject->port };
	const char *service = NULL;

	md->count = 0;
	inet_ntop(af, protected, md->protected_ip, sizeof(md->protected_ip));
	metadata_add(md, "protected_ip", md->protected_ip);
	if (subject->port && (subject->proto == IPPROTO_TCP || subject->proto == IPPROTO_UDP)) {
		config_port_spec_format(&spec, md->port, sizeof(md->port));
		metadata_add(md, "port", md->port);
		if (ev->type != EW_EVENT_EGRESS_VIOLATION)
			service = policy_service_name(subject->proto, subject->port);
	}
	if (service)
		metadata_add(md, "service", service);
	snprintf(md->generation, sizeof(md->generation), "%u", ev->policy_gen);
	metadata_add(md, "policy_generation", md->generation);
	metadata_add(md, "policy_action", ev->action == EW_ACTION_DROP ? "drop" : "alert");
}

/* The limiter's aggregate as the alert's: addresses as text. */
struct policy_aggregate {
	struct alert_aggregate out;
	char text[ALERT_SAMPLE_SOURCES][INET6_ADDRSTRLEN];
	const char *sample[ALERT_SAMPLE_SOURCES];
};

static const struct alert_aggregate *aggregate_of(const struct alert_summary *s,
						  struct policy_aggregate *g)
{
	int af = s->family == 4 ? AF_INET : AF_INET6;
	size_t i;

	if (!s->aggregate)
		return NULL;
	g->out.events = s->aggregated + 1;
	g->out.sources = s->sources;
	for (i = 0; i < s->sample_count && i < ALERT_SAMPLE_SOURCES; i++) {
		inet_ntop(af, s->sample[i], g->text[i], sizeof(g->text[i]));
		g->sample[i] = g->text[i];
	}
	g->out.sample_sources = g->sample;
	g->out.sample_count = i;
	return &g->out;
}

int policy_alert_write(const struct flow_exporter *x, const struct ew_event *ev,
		       const struct alert_summary *summary)
{
	const struct policy_detection *d = policy_detection_of(ev->type);
	struct alert_limit_key subject;
	struct policy_aggregate aggregate;
	struct policy_metadata md;
	struct alert_event a;

	if (!d)
		return -EINVAL;
	policy_event_subject(ev, &subject);
	build_metadata(&md, ev, &subject);
	alert_event_init(&a, &ev->key, &ev->record, ev->from_a, ev->ts_ns,
			 flow_exporter_to_realtime(x), x->flow_id_salt);
	a.sid = d->sid;
	a.signature = d->signature;
	a.category = d->category;
	a.severity = policy_event_severity(ev);
	a.blocked = event_blocked(ev);
	a.metadata = md.pairs;
	a.metadata_count = md.count;
	a.suppressed = summary->suppressed;
	a.aggregate = aggregate_of(summary, &aggregate);
	a.flow_table_full = (ev->flags & EW_EVENT_F_NO_FLOW) != 0;
	return output_alert(x->out, &a);
}
