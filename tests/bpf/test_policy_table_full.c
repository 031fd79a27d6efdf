// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy while the flow table is full (issue 7, item 1): a 16-flow table filled by
 * UDP flows nobody protects, then packets whose flows cannot be created:
 * - drop mode: a forbidden source's SYN to ssh is dropped (verdict_drop_policy_noflow),
 *   with a violation event on the ring marked EW_EVENT_F_NO_FLOW (flow_seq 0); an
 *   allowed source and a port nobody protects pass; every packet has exactly one
 *   outcome and one verdict;
 * - the kernel's rate limit: one event per subject per second (repeats counted in
 *   event_noflow_suppressed), and 64 per CPU per second over all subjects (a spoofed
 *   flood of 100 sources: 64 events, 36 suppressed);
 * - alert mode passes the packet and still reports it; egress through tc too;
 * - the runtime writes the event as an alert with "flow_table_full": true, no flow_id.
 */
#include <sched.h>
#include <json-c/json.h>

#include "test_policy.h"

#define OUTSIDER4 "198.19.9.9"
#define ALLOWED4 "198.18.7.7"
#define TABLE 16
#define NS (1000 * MS)

#define POLICY_YAML(action)                                                                     \
	"management:\n"                                                                        \
	"  action: " action "\n"                                                               \
	"  addresses: [" GW4 "]\n"                                                             \
	"  ports: [ssh]\n"                                                                     \
	"  allow:\n"                                                                           \
	"    - from: [198.18.7.0/24]\n"                                                        \
	"egress:\n"                                                                            \
	"  allow:\n"                                                                           \
	"    - to: [198.18.20.0/24]\n"

/* A datapath with a TABLE-flow table, the policy installed, the table filled. */
static int setup(struct test_case *t, struct policy_fixture *f, const char *yaml)
{
	struct pkt p;
	int err = fixture_open_with(f, &(struct dp_options){ .flow_table_size = TABLE }), i;

	if (!err)
		err = fixture_install(f, yaml);
	for (i = 0; !err && i < TABLE; i++) {
		udp_frame(&p, 0, "198.18.40.1", 1000 + i, OTHER_HOST4, 9);
		if (fixture_xdp(f, &p) != XDP_PASS_VERDICT)
			err = -EIO;
	}
	if (!err && dp_flow_count(&f->dp) != TABLE)
		err = -ENOSPC;
	if (err)
		test_fail(t, __FILE__, __LINE__, "setup: %s %s", strerror(-err), f->err);
	return err;
}

/* Every packet run: one outcome and one verdict, on both hooks. */
static void check_balanced(struct test_case *t, const struct ew_counters *before,
			   const struct ew_counters *after)
{
	int hook;

	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		uint64_t seen = counter_delta(before, after, hook, EW_CNT_PKT_SEEN);
		uint64_t outcomes = counters_outcome_sum(after, hook) -
				    counters_outcome_sum(before, hook);
		uint64_t verdicts = counters_verdict_sum(after, hook) -
				    counters_verdict_sum(before, hook);

		EXPECT(t, seen == outcomes && seen == verdicts,
		       "%s: seen %llu, outcomes %llu, verdicts %llu", hook_name(hook),
		       (unsigned long long)seen, (unsigned long long)outcomes,
		       (unsigned long long)verdicts);
	}
}

static void syn(struct pkt *p, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	tcp_frame(p, 0, src, sport, dst, dport, PKT_TCP_SYN);
}

static void test_drop_mode(struct test_case *t)
{
	struct policy_fixture f;
	struct ew_counters before, after;
	const struct ew_event *ev;
	struct flow_key key;
	bool src_is_a;
	struct pkt p;
	int verdict;

	if (setup(t, &f, POLICY_YAML("drop")))
		goto cleanup;
	CHECK(t, dp_counters(&f.dp, &before) == 0, "counters");
	syn(&p, OUTSIDER4, 40000, GW4, 22);
	verdict = fixture_xdp(&f, &p);
	EXPECT(t, verdict == XDP_DROP_VERDICT, "forbidden SYN: XDP verdict %d, want drop", verdict);
	CHECK(t, dp_counters(&f.dp, &after) == 0, "counters");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_PKT_FLOW_TABLE_FULL) == 1, "the table was not full");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_VERDICT_DROP_POLICY_NOFLOW) == 1 &&
			  counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
					EW_CNT_VERDICT_DROP_POLICY) == 0,
	       "verdict: drop_policy_noflow %llu, drop_policy %llu",
	       (unsigned long long)counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
						 EW_CNT_VERDICT_DROP_POLICY_NOFLOW),
	       (unsigned long long)counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
						 EW_CNT_VERDICT_DROP_POLICY));
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_POLICY_VIOLATION) == 1 &&
			  counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
					EW_CNT_POLICY_NOFLOW) == 1,
	       "policy_violation and policy_noflow");
	EXPECT(t, dp_flow_count(&f.dp) == TABLE, "a flow was made");
	CHECK(t, fixture_events(&f) >= 0, "ring buffer");
	EXPECT(t, f.nevents == 1, "%d events, want 1", f.nevents);
	ev = fixture_find(&f, EW_EVENT_MGMT_VIOLATION);
	CHECK(t, ev, "no violation event");
	dp_flow_key(&key, &src_is_a, OUTSIDER4, 40000, GW4, 22, 6);
	EXPECT(t, (ev->flags & EW_EVENT_F_NO_FLOW) && ev->flow_seq == 0 &&
			  ev->record.flow_seq == 0,
	       "flags 0x%x, flow_seq %llu: not marked flow-less", ev->flags,
	       (unsigned long long)ev->flow_seq);
	EXPECT(t, !memcmp(&ev->key, &key, sizeof(key)) && ev->from_a == src_is_a &&
			  ev->action == EW_ACTION_DROP && ev->hook == EW_HOOK_XDP_INGRESS &&
			  ev->policy_gen == fixture_gen(&f) && ev->record.initiator == !src_is_a,
	       "event fields: key, direction, action %u, generation %u", ev->action,
	       ev->policy_gen);

	/* the same subject again within the second (another source port): dropped,
	 * not reported again */
	f.nevents = 0;
	syn(&p, OUTSIDER4, 40001, GW4, 22);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_DROP_VERDICT, "second forbidden SYN passed");
	/* an allowed source and a port nobody protects pass, and report nothing */
	syn(&p, ALLOWED4, 40002, GW4, 22);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "allowed source dropped");
	syn(&p, OUTSIDER4, 40003, GW4, 443);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "https dropped");
	syn(&p, OUTSIDER4, 40004, OTHER_HOST4, 22);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "unprotected host dropped");
	CHECK(t, dp_counters(&f.dp, &after) == 0, "counters");
	fixture_events(&f);
	EXPECT(t, f.nevents == 0, "%d events within the second", f.nevents);
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_EVENT_NOFLOW_SUPPRESSED) == 1,
	       "suppressed %llu, want 1",
	       (unsigned long long)counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
						 EW_CNT_EVENT_NOFLOW_SUPPRESSED));
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_VERDICT_DROP_POLICY_NOFLOW) == 2 &&
			  counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_VERDICT_PASS) ==
				  3 &&
			  counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
					EW_CNT_POLICY_ALLOWED) == 1,
	       "verdicts of the five packets");
	check_balanced(t, &before, &after);

	/* a second later the subject is reported again */
	f.now_ns += NS;
	syn(&p, OUTSIDER4, 40005, GW4, 22);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_DROP_VERDICT, "forbidden SYN passed");
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && (f.events[0].flags & EW_EVENT_F_NO_FLOW),
	       "%d events a second later, want 1", f.nevents);
cleanup:
	fixture_close(&f);
}

/* A spoofed flood to ssh: every subject new, the per-CPU budget caps the events. */
static void test_budget(struct test_case *t)
{
	struct policy_fixture f;
	struct ew_counters before, after;
	char src[32];
	struct pkt p;
	int i, dropped = 0;

	if (setup(t, &f, POLICY_YAML("drop")))
		goto cleanup;
	f.now_ns += 2 * NS;	/* a fresh interval */
	CHECK(t, dp_counters(&f.dp, &before) == 0, "counters");
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.19.10.%d", i + 1);
		syn(&p, src, 40000, GW4, 22);
		f.now_ns += 1000;	/* 100 packets within a millisecond: one interval */
		dropped += dp_run_xdp(&f.dp, p.data, p.len, f.now_ns, &(uint32_t){ 0 }) == 0;
	}
	CHECK(t, dp_counters(&f.dp, &after) == 0, "counters");
	fixture_events(&f);
	EXPECT(t, dropped == 100, "%d runs", dropped);
	EXPECT(t, f.nevents + f.events_overflow == EW_NOFLOW_EVENT_BUDGET,
	       "%d events, want %d", f.nevents + f.events_overflow, EW_NOFLOW_EVENT_BUDGET);
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_EVENT_NOFLOW_SUPPRESSED) == 100 - EW_NOFLOW_EVENT_BUDGET,
	       "suppressed %llu",
	       (unsigned long long)counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
						 EW_CNT_EVENT_NOFLOW_SUPPRESSED));
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_VERDICT_DROP_POLICY_NOFLOW) == 100, "every one dropped");
	check_balanced(t, &before, &after);
cleanup:
	fixture_close(&f);
}

/* Alert mode passes and reports; the gateway's own connection out is judged on tc. */
static void test_alert_mode_and_egress(struct test_case *t)
{
	struct policy_fixture f;
	struct ew_counters before, after;
	const struct ew_event *ev;
	struct pkt p;

	if (setup(t, &f, POLICY_YAML("alert")))
		goto cleanup;
	CHECK(t, dp_counters(&f.dp, &before) == 0, "counters");
	syn(&p, OUTSIDER4, 40000, GW4, 22);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "alert mode dropped");
	syn(&p, GW4, 50000, "198.18.30.5", 443);
	EXPECT(t, fixture_tc(&f, &p) == 0, "tc");
	syn(&p, GW4, 50001, "198.18.20.5", 443);
	EXPECT(t, fixture_tc(&f, &p) == 0, "tc");
	CHECK(t, dp_counters(&f.dp, &after) == 0, "counters");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_TC_EGRESS, EW_CNT_PKT_FLOW_TABLE_FULL) ==
			  2, "the table was not full on tc");
	fixture_events(&f);
	EXPECT(t, f.nevents == 2, "%d events, want a violation and an egress violation",
	       f.nevents);
	ev = fixture_find(&f, EW_EVENT_MGMT_VIOLATION);
	EXPECT(t, ev && (ev->flags & EW_EVENT_F_NO_FLOW) && ev->action == EW_ACTION_ALERT,
	       "violation event");
	ev = fixture_find(&f, EW_EVENT_EGRESS_VIOLATION);
	EXPECT(t, ev && (ev->flags & EW_EVENT_F_NO_FLOW) && ev->hook == EW_HOOK_TC_EGRESS,
	       "egress event");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_VERDICT_PASS) == 1,
	       "verdict pass");
	check_balanced(t, &before, &after);
cleanup:
	fixture_close(&f);
}

/* The runtime's alert for a flow-less event: flow_table_full, no flow_id, blocked. */
static void test_runtime_alert(struct test_case *t)
{
	struct policy_fixture f;
	struct json_object *o = NULL, *v, *alert;
	char line[16384];
	int alerts = 0, marked = 0;
	struct pkt p;
	FILE *file;

	if (setup(t, &f, POLICY_YAML("drop")))
		goto cleanup;
	syn(&p, OUTSIDER4, 40000, GW4, 22);
	fixture_xdp(&f, &p);
	f.now_ns += 2 * NS;
	syn(&p, OUTSIDER4, 40001, GW4, 22);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	CHECK(t, f.nevents == 2, "%d events", f.nevents);
	/* two flow-less events with flow_seq 0: neither is a "duplicate" of the other */
	policy_runtime_on_event(f.policy, &f.events[0], sizeof(f.events[0]));
	policy_runtime_on_event(f.policy, &f.events[1], sizeof(f.events[1]));
	policy_runtime_flush(f.policy);
	file = fopen(f.eve_path, "r");
	while (file && fgets(line, sizeof(line), file)) {
		o = json_tokener_parse(line);
		if (o && json_object_object_get_ex(o, "alert", &alert) &&
		    json_object_object_get_ex(alert, "signature_id", &v) &&
		    json_object_get_int64(v) == 9000001) {
			alerts++;
			if (json_object_object_get_ex(o, "flow_table_full", &v) &&
			    json_object_get_boolean(v) && !json_object_object_get_ex(o, "flow_id", NULL) &&
			    json_object_object_get_ex(alert, "action", &v) &&
			    !strcmp(json_object_get_string(v), "blocked"))
				marked++;
		}
		json_object_put(o);
	}
	if (file)
		fclose(file);
	/* one alert now, the second held by the rate limit and written at the flush */
	EXPECT(t, alerts == 2 && marked == 2, "%d alerts, %d marked flow_table_full", alerts,
	       marked);
cleanup:
	fixture_close(&f);
}

int main(void)
{
	cpu_set_t one;

	test_program = "test_policy_table_full";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	/* the event budget is per CPU: the whole test on one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	RUN(test_drop_mode);
	RUN(test_budget);
	RUN(test_alert_mode_and_egress);
	RUN(test_runtime_alert);
	return test_summary();
}
