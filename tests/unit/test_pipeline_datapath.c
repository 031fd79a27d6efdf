// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payload pipeline with the real datapath (root): frames through the XDP program
 * with BPF_PROG_TEST_RUN, samples through the real ring buffer.
 * - a `drop` rule in enforce mode puts the flow in blocked_flows, the rest of the flow is
 *   dropped in XDP, the block stays over an active-timeout record and goes with the flow;
 * - the same rule in monitor mode only alerts;
 * - overload: more samples than the ring buffer and the queue hold; every one is counted
 *   (kernel sample_lost, pipeline dropped_queue_full), and alerts resume after.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "datapath_loader.h"
#include "replay_batch.h"
#include "../support/packet_builder.h"
#include "../support/test.h"
#include "pipeline_fixture.h"

#define CLIENT "198.18.7.10"
#define SERVER "198.18.0.1"
#define SERVER_PORT 8080
#define XDP_DROP_VERDICT 1
#define XDP_PASS_VERDICT 2

static const char rules_text[] =
	"drop tcp any any -> any any (msg:\"TEST drop the flow\"; flow:to_server,established; "
	"content:\"EVIL-DROP\"; sid:9900100; rev:1;)\n"
	"alert http any any -> any any (msg:\"TEST attack marker\"; http.uri; "
	"content:\"/attack-marker\"; sid:9900101; rev:1;)\n";

struct lab {
	struct datapath_instance dp;
	struct pipeline_fixture f;
	struct ring_buffer *samples;
	struct replay_batch batch;	/* frames run as replay runs them */
	uint64_t now_ns;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	return sample_pipeline_on_sample(ctx, data, size);
}

/* The sampling settings and rules_enforce in the set in force, as the policy writes them. */
static int set_policy(struct lab *lab, int enforce)
{
	__u32 set = lab->dp.skel->bss->policy_gen & 1;
	struct policy_config pc = {
		.generation = lab->dp.skel->bss->policy_gen,
		.sample_first = 4,
		.sample_flagged_cap = 32,
		.sample_one_in = 0,
		.rules_enforce = enforce ? 1 : 0,
	};

	return bpf_map_update_elem(bpf_map__fd(lab->dp.skel->maps.policy_configs), &set, &pc,
				   BPF_ANY);
}

static int lab_open(struct lab *lab, int enforce, int synchronous, size_t queue_slots)
{
	struct datapath_options dopts = { .replay = 1 };
	struct fixture_options o = { .rules_text = rules_text, .synchronous = synchronous,
				     .workers = 1, .queue_slots = queue_slots, .dp = &lab->dp };

	memset(lab, 0, sizeof(*lab));
	lab->now_ns = 1000ULL * 1000000000ULL;
	if (datapath_load(&lab->dp, &dopts))
		return -1;
	if (set_policy(lab, enforce))
		return -1;
	if (fixture_open(&lab->f, &o))
		return -1;
	lab->samples = ring_buffer__new(bpf_map__fd(lab->dp.skel->maps.samples), on_sample,
					lab->f.sp, NULL);
	if (replay_batch_init(&lab->batch, lab->dp.skel, 1))
		return -1;
	return lab->samples ? 0 : -1;
}

static void lab_close(struct lab *lab)
{
	ring_buffer__free(lab->samples);
	fixture_close(&lab->f);	/* the pipeline first: it releases its blocks */
	datapath_destroy(&lab->dp);
}

/* A TCP frame from src:sport to dst:dport carrying text (may be ""). */
static void tcp_frame(struct pkt *p, const char *src, uint16_t sport, const char *dst,
		      uint16_t dport, uint8_t flags, const char *text)
{
	size_t len = strlen(text);

	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = src, .dst = dst });
	pkt_tcp(p, sport, dport, flags, 0);
	if (len) {
		pkt_payload(p, len, 0);
		memcpy(pkt_hdr(p, pkt_find(p, PKT_PAYLOAD, 0)), text, len);
	}
	pkt_finish(p);
}

/* Run one frame through XDP; the verdict, or -1. */
static int run(struct lab *lab, const struct pkt *p)
{
	int verdict;

	lab->now_ns += 1000000;
	if (replay_batch_run_one(&lab->batch, p->data, p->len, p->len, lab->now_ns, &verdict))
		return -1;
	return verdict;
}

/* Client to server (to_server) or back, on the client's port. */
static int send_tcp(struct lab *lab, uint16_t cport, int from_client, uint8_t flags,
		    const char *text)
{
	struct pkt p;

	if (from_client)
		tcp_frame(&p, CLIENT, cport, SERVER, SERVER_PORT, flags, text);
	else
		tcp_frame(&p, SERVER, SERVER_PORT, CLIENT, cport, flags, text);
	return pkt_ok(&p) ? run(lab, &p) : -1;
}

static void handshake(struct lab *lab, uint16_t cport)
{
	send_tcp(lab, cport, 1, PKT_TCP_SYN, "");
	send_tcp(lab, cport, 0, PKT_TCP_SYN | PKT_TCP_ACK, "");
	send_tcp(lab, cport, 1, PKT_TCP_ACK, "");
}

static struct flow_key key_of(uint16_t cport)
{
	struct flow_key key;
	bool client_is_a;

	dp_flow_key(&key, &client_is_a, CLIENT, cport, SERVER, SERVER_PORT, 6);
	return key;
}

static int blocked(struct lab *lab, const struct flow_key *key)
{
	__u8 v;

	return bpf_map_lookup_elem(bpf_map__fd(lab->dp.skel->maps.blocked_flows), key, &v) == 0;
}

static uint64_t kernel_counter(struct lab *lab, enum ew_counter id)
{
	struct ew_counters c;

	if (counters_read(bpf_map__fd(lab->dp.skel->maps.counters), &c))
		return UINT64_MAX;
	return counters_total(&c, id);
}

static void test_drop_rule_blocks_flow(struct test_case *t)
{
	struct lab lab;
	struct flow_key key = key_of(40100);
	struct flow_record rec;
	struct json_object *alerts[4], *stats;
	int flows_fd, verdict;

	if (geteuid())
		SKIP(t, "needs root (BPF)");
	CHECK(t, lab_open(&lab, 1, 1, 0) == 0, "lab did not start (BTF? the verifier?)");
	flows_fd = bpf_map__fd(lab.dp.skel->maps.flows);
	handshake(&lab, 40100);
	verdict = send_tcp(&lab, 40100, 1, PKT_TCP_PSH | PKT_TCP_ACK, "GET /x EVIL-DROP\r\n");
	EXPECT(t, verdict == XDP_PASS_VERDICT, "the packet that matched: verdict %d", verdict);
	ring_buffer__consume(lab.samples);
	fixture_read_events(&lab.f);
	CHECK(t, fixture_alerts(&lab.f, alerts, 4) == 1, "expected 1 alert");
	EXPECT(t, jint(alerts[0], "alert.signature_id") == 9900100, "sid");
	EXPECT(t, !strcmp(jstr(alerts[0], "alert.action"), "blocked"), "action %s",
	       jstr(alerts[0], "alert.action"));
	EXPECT(t, jint(alerts[0], "flow.pkts_toserver") == 3, "the flow as of now: %lld",
	       (long long)jint(alerts[0], "flow.pkts_toserver"));
	CHECK(t, blocked(&lab, &key), "no blocked_flows entry");
	EXPECT(t, lab.dp.skel->bss->blocked_count == 1, "blocked_count %u",
	       lab.dp.skel->bss->blocked_count);

	/* the rest of the flow is dropped, in both directions; other flows pass */
	EXPECT(t, send_tcp(&lab, 40100, 1, PKT_TCP_PSH | PKT_TCP_ACK, "more") == XDP_DROP_VERDICT,
	       "the flow's next packet passed");
	EXPECT(t, send_tcp(&lab, 40100, 0, PKT_TCP_ACK, "") == XDP_DROP_VERDICT,
	       "the server's packet passed");
	EXPECT(t, send_tcp(&lab, 40101, 1, PKT_TCP_SYN, "") == XDP_PASS_VERDICT,
	       "another flow was dropped");
	EXPECT(t, kernel_counter(&lab, EW_CNT_VERDICT_DROP_RULE) == 2, "verdict_drop_rule %llu",
	       (unsigned long long)kernel_counter(&lab, EW_CNT_VERDICT_DROP_RULE));

	/* an active-timeout record: the flow is still in the table, the block stays */
	CHECK(t, bpf_map_lookup_elem(flows_fd, &key, &rec) == 0, "flow not in the table");
	EXPECT(t, sample_pipeline_flow_alerted(lab.f.sp, rec.flow_seq, 0) == 1, "flow.alerted");
	EXPECT(t, blocked(&lab, &key) && lab.dp.skel->bss->blocked_count == 1,
	       "an active-timeout record released the block");

	/* the flow ends: the sweeper deletes it, then writes its event */
	CHECK(t, bpf_map_lookup_and_delete_elem(flows_fd, &key, &rec) == 0, "delete");
	EXPECT(t, sample_pipeline_flow_alerted(lab.f.sp, rec.flow_seq, 1) == 1, "flow.alerted");
	EXPECT(t, !blocked(&lab, &key), "the block outlived the flow");
	EXPECT(t, lab.dp.skel->bss->blocked_count == 0, "blocked_count %u",
	       lab.dp.skel->bss->blocked_count);
	EXPECT(t, send_tcp(&lab, 40100, 1, PKT_TCP_SYN, "") == XDP_PASS_VERDICT,
	       "a new flow on the same 5-tuple was dropped");

	ring_buffer__consume(lab.samples);	/* the samples of the dropped packets too */
	stats = pipeline_stats(lab.f.sp);
	EXPECT(t, jint(stats, "rules.flows_blocked") == 1 &&
		       jint(stats, "rules.flows_unblocked") == 1,
	       "blocked %lld unblocked %lld", (long long)jint(stats, "rules.flows_blocked"),
	       (long long)jint(stats, "rules.flows_unblocked"));
	EXPECT(t, (uint64_t)jint(stats, "samples.read") == kernel_counter(&lab, EW_CNT_SAMPLE_SENT),
	       "samples read %lld != sample_sent %llu", (long long)jint(stats, "samples.read"),
	       (unsigned long long)kernel_counter(&lab, EW_CNT_SAMPLE_SENT));
	json_object_put(stats);
	lab_close(&lab);
}

static void test_drop_rule_monitor_mode(struct test_case *t)
{
	struct lab lab;
	struct flow_key key = key_of(40200);
	struct json_object *alerts[4], *stats;

	if (geteuid())
		SKIP(t, "needs root (BPF)");
	CHECK(t, lab_open(&lab, 0, 1, 0) == 0, "lab did not start");
	handshake(&lab, 40200);
	send_tcp(&lab, 40200, 1, PKT_TCP_PSH | PKT_TCP_ACK, "EVIL-DROP");
	ring_buffer__consume(lab.samples);
	fixture_read_events(&lab.f);
	CHECK(t, fixture_alerts(&lab.f, alerts, 4) == 1, "expected 1 alert");
	EXPECT(t, !strcmp(jstr(alerts[0], "alert.action"), "allowed"), "action %s",
	       jstr(alerts[0], "alert.action"));
	EXPECT(t, !blocked(&lab, &key) && lab.dp.skel->bss->blocked_count == 0,
	       "blocked in monitor mode");
	EXPECT(t, send_tcp(&lab, 40200, 1, PKT_TCP_ACK, "") == XDP_PASS_VERDICT, "dropped");
	stats = pipeline_stats(lab.f.sp);
	EXPECT(t, jint(stats, "rules.drop_not_enforced") == 1, "drop_not_enforced");
	json_object_put(stats);
	lab_close(&lab);
}

/* A flood of new flows with payload, one sample each, more than anything can hold. */
static void flood(struct lab *lab, int flows, int first)
{
	static const char request[] =
		"GET /index.html HTTP/1.1\r\nHost: gw.example\r\nUser-Agent: flood/1.0\r\n"
		"Accept: */*\r\n\r\n";
	char src[32];
	struct pkt p;
	int i;

	for (i = first; i < first + flows; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", 10 + (i >> 16 & 0x3f),
			 1 + (i >> 8 & 0xff));
		tcp_frame(&p, src, (uint16_t)(1024 + (i & 0xff)), SERVER, 80,
			  PKT_TCP_PSH | PKT_TCP_ACK, request);
		run(lab, &p);
	}
}

static void test_overload_counted(struct test_case *t)
{
	struct lab lab;
	struct json_object *alerts[8], *stats;
	uint64_t sent, lost;
	int64_t read, scanned, dropped;
	size_t n, i;
	int found = 0;

	if (geteuid())
		SKIP(t, "needs root (BPF)");
	/* live: one worker, a 16-sample queue */
	CHECK(t, lab_open(&lab, 0, 0, 16) == 0, "lab did not start");
	/* 30000 samples of ~600 bytes, not consumed: more than the 8 MiB ring holds */
	flood(&lab, 30000, 0);
	ring_buffer__consume(lab.samples);
	/* and a second wave read as it comes, still faster than one worker scans */
	for (i = 0; i < 20; i++) {
		flood(&lab, 1000, 30000 + (int)i * 1000);
		ring_buffer__consume(lab.samples);
	}
	sample_pipeline_drain(lab.f.sp);
	sent = kernel_counter(&lab, EW_CNT_SAMPLE_SENT);
	lost = kernel_counter(&lab, EW_CNT_SAMPLE_LOST);
	stats = pipeline_stats(lab.f.sp);
	read = jint(stats, "samples.read");
	scanned = jint(stats, "samples.scanned");
	dropped = jint(stats, "samples.dropped_queue_full");
	printf("overload: 50000 samples: kernel sent %llu lost %llu; pipeline read %lld "
	       "scanned %lld dropped_queue_full %lld\n", (unsigned long long)sent,
	       (unsigned long long)lost, (long long)read, (long long)scanned, (long long)dropped);
	EXPECT(t, lost > 0, "the ring buffer never overflowed");
	EXPECT(t, sent + lost == 50000, "sent %llu + lost %llu != 50000 samples taken",
	       (unsigned long long)sent, (unsigned long long)lost);
	EXPECT(t, (uint64_t)read == sent, "read %lld != sent %llu", (long long)read,
	       (unsigned long long)sent);
	EXPECT(t, dropped > 0, "the queue never overflowed");
	EXPECT(t, scanned + dropped == read, "scanned + dropped != read");
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	EXPECT(t, jint(stats, "rules.alerts") == 0, "the flood raised alerts");
	json_object_put(stats);

	/* the load drops: an attack is seen again */
	handshake(&lab, 40300);
	send_tcp(&lab, 40300, 1, PKT_TCP_PSH | PKT_TCP_ACK,
		 "GET /attack-marker HTTP/1.1\r\nHost: gw\r\n\r\n");
	ring_buffer__consume(lab.samples);
	fixture_read_events(&lab.f);
	n = fixture_alerts(&lab.f, alerts, 8);
	for (i = 0; i < n; i++)
		found |= jint(alerts[i], "alert.signature_id") == 9900101 &&
			 jint(alerts[i], "src_port") == 40300;
	EXPECT(t, n == 1 && found, "after the flood: %zu alerts, the attack's %s", n,
	       found ? "among them" : "missing");
	lab_close(&lab);
}

int main(void)
{
	test_program = "test_pipeline_datapath";
	libbpf_set_print(NULL);
	RUN(test_drop_rule_blocks_flow);
	RUN(test_drop_rule_monitor_mode);
	RUN(test_overload_counted);
	return test_summary();
}
