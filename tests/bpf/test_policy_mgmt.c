// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Management policy verdicts, installed by policy_runtime_install() and applied by the
 * XDP program: IPv4 and IPv6, untagged and tagged (VLAN-scoped allow entries), allowed
 * and not allowed, nested prefixes (a /16 allowed ssh and a /24 inside it snmp: the /24
 * gets both), a range cut by an allow entry, alert and drop modes. Each row sends three
 * packets of one flow and checks the XDP verdict of each, the flow's verdict, the
 * counters (EW_CNT_VERDICT_DROP_POLICY only for violating flows in drop mode) and the
 * events on the ring buffer (one violation per flow).
 */
#include "test_policy.h"

#define OUTSIDER4 "198.19.9.9"
#define OUTSIDER6 "2001:db8:9999::9"

/* {action} is alert or drop */
#define POLICY_YAML(action)                                                                     \
	"management:\n"                                                                        \
	"  action: " action "\n"                                                               \
	"  addresses: [" GW4 ", \"" GW6 "\"]\n"                                                \
	"  ports: [ssh, telnet, snmp, tcp/8000-8100]\n"                                        \
	"  allow:\n"                                                                           \
	"    - from: [198.18.0.0/16, \"2001:db8:1000::/36\"]\n"                               \
	"      ports: [ssh]\n"                                                                 \
	"    - from: [198.18.5.0/24, \"2001:db8:1005::/48\"]\n"                               \
	"      ports: [snmp]\n"                                                                \
	"    - from: [198.19.1.0/24]\n"                                                        \
	"      vlan: 100\n"                                                                    \
	"      ports: [ssh, telnet]\n"                                                         \
	"    - from: [198.19.2.0/24]\n"                                                        \
	"      ports: [tcp/8050]\n"

struct mgmt_row {
	const char *name;
	uint16_t vlan;
	const char *src;
	const char *dst;
	uint8_t proto;		/* 6 or 17 */
	uint16_t dport;
	enum ew_policy_verdict verdict;
};

#define TCP 6
#define UDP 17
#define SPORT 40000

static const struct mgmt_row rows[] = {
	{ "v4_allowed_ssh", 0, "198.18.7.7", GW4, TCP, 22, EW_POLICY_ALLOWED },
	{ "v4_16_only_no_snmp", 0, "198.18.7.7", GW4, UDP, 161, EW_POLICY_VIOLATION },
	{ "v4_nested_24_gets_ssh", 0, "198.18.5.5", GW4, TCP, 22, EW_POLICY_ALLOWED },
	{ "v4_nested_24_gets_snmp", 0, "198.18.5.5", GW4, UDP, 161, EW_POLICY_ALLOWED },
	{ "v4_nested_24_no_telnet", 0, "198.18.5.5", GW4, TCP, 23, EW_POLICY_VIOLATION },
	{ "v4_outsider_ssh", 0, OUTSIDER4, GW4, TCP, 22, EW_POLICY_VIOLATION },
	{ "v4_outsider_other_port", 0, OUTSIDER4, GW4, TCP, 9999, EW_POLICY_NONE },
	{ "v4_outsider_udp_22", 0, OUTSIDER4, GW4, UDP, 22, EW_POLICY_NONE },
	{ "v4_outsider_unprotected", 0, OUTSIDER4, OTHER_HOST4, TCP, 22, EW_POLICY_NONE },
	{ "vlan100_allowed_ssh", 100, "198.19.1.1", GW4, TCP, 22, EW_POLICY_ALLOWED },
	{ "vlan100_allowed_telnet", 100, "198.19.1.1", GW4, TCP, 23, EW_POLICY_ALLOWED },
	{ "vlan100_no_snmp", 100, "198.19.1.1", GW4, UDP, 161, EW_POLICY_VIOLATION },
	{ "vlan200_not_allowed", 200, "198.19.1.1", GW4, TCP, 22, EW_POLICY_VIOLATION },
	{ "untagged_not_allowed", 0, "198.19.1.1", GW4, TCP, 22, EW_POLICY_VIOLATION },
	{ "vlan100_any_vlan_entry", 100, "198.18.7.7", GW4, TCP, 22, EW_POLICY_ALLOWED },
	{ "range_cut_allowed_8050", 0, "198.19.2.2", GW4, TCP, 8050, EW_POLICY_ALLOWED },
	{ "range_cut_8051", 0, "198.19.2.2", GW4, TCP, 8051, EW_POLICY_VIOLATION },
	{ "range_cut_8000", 0, "198.19.2.2", GW4, TCP, 8000, EW_POLICY_VIOLATION },
	{ "v6_allowed_ssh", 0, "2001:db8:1000::7", GW6, TCP, 22, EW_POLICY_ALLOWED },
	{ "v6_36_only_no_snmp", 0, "2001:db8:1000::7", GW6, UDP, 161, EW_POLICY_VIOLATION },
	{ "v6_nested_48_gets_snmp", 0, "2001:db8:1005::5", GW6, UDP, 161, EW_POLICY_ALLOWED },
	{ "v6_nested_48_gets_ssh", 0, "2001:db8:1005::5", GW6, TCP, 22, EW_POLICY_ALLOWED },
	{ "v6_outsider_ssh", 0, OUTSIDER6, GW6, TCP, 22, EW_POLICY_VIOLATION },
	{ "v6_outsider_tagged", 100, OUTSIDER6, GW6, TCP, 22, EW_POLICY_VIOLATION },
};

#define PACKETS 3

static void build(struct pkt *p, const struct mgmt_row *row, int i)
{
	if (row->proto == TCP)
		tcp_frame(p, row->vlan, row->src, SPORT, row->dst, row->dport,
			  i == 0 ? PKT_TCP_SYN : PKT_TCP_ACK);
	else
		udp_frame(p, row->vlan, row->src, SPORT, row->dst, row->dport);
}

static void run_row(struct test_case *t, struct policy_fixture *f, const struct mgmt_row *row,
		    int enforce)
{
	struct ew_counters before, after;
	struct flow_record rec;
	const struct ew_event *ev;
	int i, verdict, expect_verdict, violation = row->verdict == EW_POLICY_VIOLATION;
	uint64_t dropped = enforce && violation ? PACKETS : 0;
	struct pkt p;

	CHECK(t, dp_reset(&f->dp) == 0, "reset");
	f->nevents = 0;
	CHECK(t, dp_counters(&f->dp, &before) == 0, "counters");
	expect_verdict = dropped ? XDP_DROP_VERDICT : XDP_PASS_VERDICT;
	for (i = 0; i < PACKETS; i++) {
		build(&p, row, i);
		CHECK(t, pkt_ok(&p), "packet");
		verdict = fixture_xdp(f, &p);
		CHECK(t, verdict == expect_verdict, "packet %d: XDP verdict %d, expected %d", i,
		      verdict, expect_verdict);
	}
	CHECK(t, fixture_flow(f, row->src, SPORT, row->dst, row->dport, row->proto, row->vlan,
			      &rec) == 0, "no flow");
	EXPECT(t, rec.policy_verdict == row->verdict, "flow verdict %u, expected %u",
	       rec.policy_verdict, row->verdict);
	EXPECT(t, rec.policy_gen == fixture_gen(f), "decided under generation %u, not %u",
	       rec.policy_gen, fixture_gen(f));
	CHECK(t, dp_counters(&f->dp, &after) == 0, "counters");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS,
				EW_CNT_VERDICT_DROP_POLICY) == dropped, "drop_policy");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_VERDICT_PASS) ==
		  PACKETS - dropped, "verdict_pass");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_POLICY_VIOLATION) ==
		  (violation ? PACKETS : 0), "policy_violation");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_XDP_INGRESS, EW_CNT_POLICY_ALLOWED) ==
		  (row->verdict == EW_POLICY_ALLOWED ? PACKETS : 0), "policy_allowed");
	CHECK(t, fixture_events(f) >= 0, "ring buffer");
	EXPECT(t, f->nevents == violation, "%d events, expected %d", f->nevents, violation);
	ev = fixture_find(f, EW_EVENT_MGMT_VIOLATION);
	if (violation && ev) {
		EXPECT(t, ev->action == (enforce ? EW_ACTION_DROP : EW_ACTION_ALERT), "action");
		EXPECT(t, ev->hook == EW_HOOK_XDP_INGRESS && ev->from_a == (rec.initiator == 0),
		       "raised by the first packet, from the initiator");
		EXPECT(t, ev->policy_gen == fixture_gen(f) && ev->flow_seq == rec.flow_seq,
		       "generation and flow");
		EXPECT(t, ev->policy_port == rec.policy_port, "port index");
	}
}

static void run_rows(int enforce)
{
	struct policy_fixture f;
	char name[96];
	size_t i;
	int err;

	err = fixture_open(&f);
	if (!err)
		err = fixture_install(&f, enforce ? POLICY_YAML("drop") : POLICY_YAML("alert"));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct test_case t = { .name = name };

		snprintf(name, sizeof(name), "%s/%s", enforce ? "drop" : "alert", rows[i].name);
		if (err)
			test_fail(&t, __FILE__, __LINE__, "setup: %s %s", strerror(-err), f.err);
		else
			run_row(&t, &f, &rows[i], enforce);
		test_finish(&t);
	}
	fixture_close(&f);
}

int main(void)
{
	test_program = "test_policy_mgmt";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	run_rows(0);
	run_rows(1);
	return test_summary();
}
