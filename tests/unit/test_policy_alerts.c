// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy events as EVE alerts (userspace/policy/policy_alerts.c): signature ids,
 * category, severity, action, metadata (protected address, port, service, generation)
 * "suppressed" and "aggregate", for each event type, read back from the EVE file as JSON.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "builtin_sids.h"
#include "output/output.h"
#include "flow_export.h"
#include "policy/policy_alerts.h"
#include "policy/policy_inventory.h"
#include "../support/json_field.h"
#include "../support/test.h"

#define OUTSIDER "198.18.7.9"
#define GATEWAY "198.18.0.1"

/* An event about a flow from src:sport to dst:dport (src started it), raised by the
 * packet going from_src ? src->dst : dst->src. */
static struct ew_event event_of(uint32_t type, const char *src, uint16_t sport, const char *dst,
				uint16_t dport, uint8_t proto, int from_src)
{
	struct ew_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.hook = EW_HOOK_XDP_INGRESS;
	ev.ts_ns = 5000000000ULL;
	ev.flow_seq = 42;
	ev.policy_gen = 7;
	ev.key.family = 4;
	ev.key.proto = proto;
	/* endpoint a is the source: the kernel's canonical order does not matter here */
	inet_pton(AF_INET, src, ev.key.addr_a.u8);
	inet_pton(AF_INET, dst, ev.key.addr_b.u8);
	ev.key.port_a = htons(sport);
	ev.key.port_b = htons(dport);
	ev.record = (struct flow_record){ .initiator = 0, .flow_seq = 42, .first_seen_ns = 1 };
	ev.record.packets[0] = 1;
	ev.from_a = from_src;
	return ev;
}

/* Write ev to a fresh EVE file and read the alert back. NULL on failure. */
static struct json_object *alert_summarised(const struct ew_event *ev,
					    const struct alert_summary *summary)
{
	char path[] = "/tmp/edgewatch-test-alert.XXXXXX";
	struct flow_exporter x;
	struct output out;
	int out_open = 0;
	struct json_object *o = NULL;
	char line[8192];
	FILE *f;
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	close(fd);
	if (output_open(&out, path, "test0"))
		goto cleanup;
	out_open = 1;
	flow_exporter_init(&x, &out, 1, 0);
	if (policy_alert_write(&x, ev, summary) == 0) {
		output_close(&out);
		out_open = 0;
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			o = json_tokener_parse(line);
		if (f)
			fclose(f);
	}
	flow_exporter_destroy(&x);
cleanup:
	if (out_open)
		output_close(&out);
	unlink(path);
	return o;
}

static struct json_object *alert_of(const struct ew_event *ev, uint64_t suppressed)
{
	struct alert_summary summary = { .suppressed = suppressed };

	return alert_summarised(ev, &summary);
}

static int is(struct json_object *o, const char *path, const char *want)
{
	const char *got = field(o, path);

	return got && !strcmp(got, want);
}

#define EXPECT_FIELD(t, o, path, want)                                                          \
	EXPECT(t, is(o, path, want), "%s is %s, expected %s", path,                             \
	       field(o, path) ? field(o, path) : "(missing)", want)

static void test_violation_alert_mode(struct test_case *t)
{
	struct ew_event ev = event_of(EW_EVENT_MGMT_VIOLATION, OUTSIDER, 40000, GATEWAY, 22, 6, 1);
	struct json_object *o = alert_of(&ev, 0);

	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "event_type", "alert");
	EXPECT_FIELD(t, o, "src_ip", OUTSIDER);
	EXPECT_FIELD(t, o, "dest_ip", GATEWAY);
	EXPECT_FIELD(t, o, "dest_port", "22");
	EXPECT_FIELD(t, o, "alert.gid", "1");
	EXPECT_FIELD(t, o, "alert.rev", "1");
	EXPECT_FIELD(t, o, "alert.signature_id", "9000001");
	EXPECT_FIELD(t, o, "alert.category", "Management Access Policy Violation");
	EXPECT_FIELD(t, o, "alert.action", "allowed");
	EXPECT_FIELD(t, o, "alert.severity", "2");
	EXPECT_FIELD(t, o, "alert.metadata.protected_ip.0", GATEWAY);
	EXPECT_FIELD(t, o, "alert.metadata.port.0", "tcp/22");
	EXPECT_FIELD(t, o, "alert.metadata.service.0", "ssh");
	EXPECT_FIELD(t, o, "alert.metadata.policy_generation.0", "7");
	EXPECT_FIELD(t, o, "alert.metadata.policy_action.0", "alert");
	EXPECT(t, !field(o, "suppressed"), "no suppressed field when nothing was held");
	EXPECT(t, !field(o, "aggregate"), "no aggregate field for a one-source alert");
	json_object_put(o);
}

static void test_violation_drop_mode(struct test_case *t)
{
	struct ew_event ev =
		event_of(EW_EVENT_MGMT_VIOLATION, OUTSIDER, 40000, GATEWAY, 161, 17, 1);
	struct json_object *o;

	ev.action = EW_ACTION_DROP;
	o = alert_of(&ev, 12);
	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.action", "blocked");
	EXPECT_FIELD(t, o, "alert.severity", "1");
	EXPECT_FIELD(t, o, "alert.metadata.port.0", "udp/161");
	EXPECT_FIELD(t, o, "alert.metadata.service.0", "snmp");
	EXPECT_FIELD(t, o, "alert.metadata.policy_action.0", "drop");
	EXPECT_FIELD(t, o, "suppressed", "12");
	json_object_put(o);

	/* drop mode, but raised on tc egress: that packet was not dropped */
	ev.hook = EW_HOOK_TC_EGRESS;
	o = alert_of(&ev, 0);
	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.action", "allowed");
	json_object_put(o);
}

/* An aggregate alert: the latest event's fields, and what it stands for. */
static void test_aggregate(struct test_case *t)
{
	struct ew_event ev = event_of(EW_EVENT_MGMT_VIOLATION, OUTSIDER, 40000, GATEWAY, 22, 6, 1);
	struct alert_summary s = { .aggregate = 1, .aggregated = 99, .sources = 40,
				   .family = 4, .sample_count = 2 };
	static const char *const want[][2] = {
		{ "src_ip", OUTSIDER },	/* the latest event's source */
		{ "alert.signature_id", "9000001" },
		{ "aggregate.events", "100" },
		{ "aggregate.sources", "40" },
		{ "aggregate.sample_sources.0", "198.19.0.1" },
		{ "aggregate.sample_sources.1", "198.19.0.2" },
	};
	struct json_object *o;
	size_t i;

	inet_pton(AF_INET, "198.19.0.1", s.sample[0]);
	inet_pton(AF_INET, "198.19.0.2", s.sample[1]);
	o = alert_summarised(&ev, &s);
	CHECK(t, o, "no alert written");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT_FIELD(t, o, want[i][0], want[i][1]);
	EXPECT(t, !field(o, "aggregate.sample_sources.2"), "two sources in the sample");
	EXPECT(t, !field(o, "suppressed"), "no suppressed field");
	json_object_put(o);
}

static void test_exposure(struct test_case *t)
{
	/* the SYN-ACK from the gateway raised it: src/dest follow that packet */
	struct ew_event ev = event_of(EW_EVENT_MGMT_EXPOSURE, OUTSIDER, 40000, GATEWAY, 23, 6, 0);
	struct json_object *o = alert_of(&ev, 0);

	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.signature_id", "9000002");
	EXPECT_FIELD(t, o, "alert.category", "Management Interface Exposed");
	EXPECT_FIELD(t, o, "alert.severity", "1");
	EXPECT_FIELD(t, o, "alert.action", "allowed");
	EXPECT_FIELD(t, o, "src_ip", GATEWAY);
	EXPECT_FIELD(t, o, "src_port", "23");
	EXPECT_FIELD(t, o, "direction", "to_client");
	EXPECT_FIELD(t, o, "alert.metadata.protected_ip.0", GATEWAY);
	EXPECT_FIELD(t, o, "alert.metadata.service.0", "telnet");
	json_object_put(o);
}

static void test_egress(struct test_case *t)
{
	struct ew_event ev =
		event_of(EW_EVENT_EGRESS_VIOLATION, GATEWAY, 50000, OUTSIDER, 4444, 6, 1);
	struct json_object *o;

	ev.hook = EW_HOOK_TC_EGRESS;
	ev.action = EW_ACTION_DROP;	/* egress is never dropped, whatever the mode */
	o = alert_of(&ev, 0);
	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.signature_id", "9000003");
	EXPECT_FIELD(t, o, "alert.category", "Egress Policy Violation");
	EXPECT_FIELD(t, o, "alert.severity", "2");
	EXPECT_FIELD(t, o, "alert.action", "allowed");
	EXPECT_FIELD(t, o, "alert.metadata.protected_ip.0", GATEWAY);
	EXPECT_FIELD(t, o, "alert.metadata.port.0", "tcp/4444");
	EXPECT(t, !field(o, "alert.metadata.service"), "egress names no management service");
	json_object_put(o);
}

static void test_fragments(struct test_case *t)
{
	/* a tiny fragment has no ports: the subject is the packet's destination */
	struct ew_event ev = event_of(EW_EVENT_FRAG_TINY, OUTSIDER, 0, GATEWAY, 0, 6, 1);
	struct alert_limit_key subject;
	struct json_object *o = alert_of(&ev, 0);
	uint8_t gw[4];

	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.signature_id", "9000004");
	EXPECT_FIELD(t, o, "alert.category", "Fragment Evasion");
	EXPECT_FIELD(t, o, "alert.metadata.protected_ip.0", GATEWAY);
	EXPECT(t, !field(o, "alert.metadata.port"), "no port for a fragment without one");
	json_object_put(o);

	/* an overlap sent by the responder's side towards the initiator */
	ev = event_of(EW_EVENT_FRAG_OVERLAP, GATEWAY, 22, OUTSIDER, 40000, 6, 0);
	policy_event_subject(&ev, &subject);
	inet_pton(AF_INET, GATEWAY, gw);
	EXPECT(t, !memcmp(subject.target, gw, 4) && subject.port == 22,
	       "subject: the packet's destination and port");
	o = alert_of(&ev, 0);
	CHECK(t, o, "no alert written");
	EXPECT_FIELD(t, o, "alert.signature_id", "9000005");
	json_object_put(o);
}

static void test_detection_table(struct test_case *t)
{
	const struct policy_detection *d;
	size_t count, i;

	d = policy_detections(&count);
	CHECK(t, count == 5, "%zu detections", count);
	for (i = 0; i < count; i++) {
		EXPECT(t, d[i].sid >= EW_SID_RESERVED_FIRST && d[i].sid <= EW_SID_RESERVED_LAST,
		       "%s: sid %u outside the reserved range", d[i].name, d[i].sid);
		EXPECT(t, policy_detection_of(d[i].type) == &d[i], "%s", d[i].name);
	}
	EXPECT(t, !policy_detection_of(0) && !policy_detection_of(99), "unknown types");
	EXPECT(t, !strcmp(policy_service_name(6, 3221), "junos-xnm"), "a range names its service");
	EXPECT(t, !policy_service_name(6, 1), "tcp/1 is no management service");
}

int main(void)
{
	test_program = "test_policy_alerts";
	RUN(test_violation_alert_mode);
	RUN(test_violation_drop_mode);
	RUN(test_aggregate);
	RUN(test_exposure);
	RUN(test_egress);
	RUN(test_fragments);
	RUN(test_detection_table);
	return test_summary();
}
