// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy events on the ring buffer, and what the policy runtime writes of them:
 * - exposure: a protected address answers a violator (SYN-ACK, a UDP reply) through tc
 *   egress -> an exposure event and an entry in the `exposures` inventory map; an
 *   allowed source's answers raise nothing;
 * - egress: a connection a protected address opens through tc egress to a destination
 *   (or port) egress.allow does not allow; allowed ones, any-port entries and other
 *   hosts' connections raise nothing;
 * - fragments: a tiny first fragment and an overlapping fragment aimed at a protected
 *   address; the same aimed elsewhere raise nothing;
 * - the runtime: the events through policy_runtime_on_event() become alerts in the EVE
 *   file, a duplicated record is written once, repeats are rate-limited and flushed;
 *   a spoofed flood of 2,000 sources to one port is aggregated (alerts O(bound)).
 */
#include <json-c/json.h>

#include "detect/alert_limiter.h"
#include "output/stats.h"
#include "test_policy.h"

#define OUTSIDER4 "198.19.9.9"
#define ALLOWED4 "198.18.7.7"
#define OUTSIDER6 "2001:db8:9999::9"

static const char policy_yaml[] =
	"management:\n"
	"  addresses: [" GW4 ", \"" GW6 "\"]\n"
	"  ports: [ssh, telnet, snmp]\n"
	"  alert-rate-limit: 60\n"
	"  allow:\n"
	"    - from: [198.18.7.0/24]\n"
	"egress:\n"
	"  allow:\n"
	"    - to: [198.18.20.0/24]\n"
	"      ports: [tcp/443]\n"
	"    - to: [198.18.21.0/24]\n"
	"    - ports: [udp/53]\n";

static int setup(struct test_case *t, struct policy_fixture *f)
{
	int err = fixture_open(f);

	if (!err)
		err = fixture_install(f, policy_yaml);
	if (err)
		test_fail(t, __FILE__, __LINE__, "setup: %s %s", strerror(-err), f->err);
	return err;
}

static int exposure_entry(struct policy_fixture *f, const char *addr, uint8_t proto,
			  uint16_t port, struct exposure_entry *e)
{
	struct exposure_key k = {};

	k.family = strchr(addr, ':') ? 6 : 4;
	inet_pton(k.family == 4 ? AF_INET : AF_INET6, addr, k.addr.u8);
	k.proto = proto;
	k.port = htons(port);
	return bpf_map_lookup_elem(bpf_map__fd(f->dp.skel->maps.exposures), &k, e) ? -errno : 0;
}

static void test_exposure_tcp(struct test_case *t)
{
	struct policy_fixture f;
	struct exposure_entry e;
	const struct ew_event *ev;
	uint8_t outsider[16] = {};
	struct pkt p;

	if (setup(t, &f))
		goto cleanup;
	tcp_frame(&p, 0, OUTSIDER4, 40000, GW4, 22, PKT_TCP_SYN);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "SYN");
	tcp_frame(&p, 0, GW4, 22, OUTSIDER4, 40000, PKT_TCP_SYN | PKT_TCP_ACK);
	EXPECT(t, fixture_tc(&f, &p) == 0, "SYN-ACK through tc");
	tcp_frame(&p, 0, GW4, 22, OUTSIDER4, 40000, PKT_TCP_ACK);
	EXPECT(t, fixture_tc(&f, &p) == 0, "ACK through tc");
	fixture_events(&f);
	EXPECT(t, f.nevents == 2 && fixture_count(&f, EW_EVENT_MGMT_VIOLATION) == 1 &&
		  fixture_count(&f, EW_EVENT_MGMT_EXPOSURE) == 1,
	       "%d events: expected one violation and one exposure", f.nevents);
	ev = fixture_find(&f, EW_EVENT_MGMT_EXPOSURE);
	if (ev)
		EXPECT(t, ev->hook == EW_HOOK_TC_EGRESS &&
			  ev->from_a == (ev->record.initiator != 0),
		       "the exposure is the gateway's answer, on tc egress");
	CHECK(t, exposure_entry(&f, GW4, 6, 22, &e) == 0, "no exposures entry for %s tcp/22", GW4);
	inet_pton(AF_INET, OUTSIDER4, outsider);
	EXPECT(t, e.flows == 1 && e.last_source_family == 4 &&
		  !memcmp(e.last_source.u8, outsider, 16) && e.first_seen_ns == e.last_seen_ns &&
		  e.first_seen_ns == f.now_ns - MS, "entry: flows %llu",
	       (unsigned long long)e.flows);

	/* an allowed source's SYN-ACK: no event, no entry */
	f.nevents = 0;
	tcp_frame(&p, 0, ALLOWED4, 40001, GW4, 23, PKT_TCP_SYN);
	fixture_xdp(&f, &p);
	tcp_frame(&p, 0, GW4, 23, ALLOWED4, 40001, PKT_TCP_SYN | PKT_TCP_ACK);
	fixture_tc(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 0, "%d events for an allowed source", f.nevents);
	EXPECT(t, exposure_entry(&f, GW4, 6, 23, &e) == -ENOENT, "tcp/23 is not exposed");

	/* a violator whose SYN got no answer (RST is no SYN-ACK): violation only */
	f.nevents = 0;
	tcp_frame(&p, 0, OUTSIDER4, 40002, GW4, 23, PKT_TCP_SYN);
	fixture_xdp(&f, &p);
	tcp_frame(&p, 0, GW4, 23, OUTSIDER4, 40002, PKT_TCP_RST | PKT_TCP_ACK);
	fixture_tc(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && fixture_count(&f, EW_EVENT_MGMT_VIOLATION) == 1,
	       "a closed port is not exposed: %d events", f.nevents);
cleanup:
	fixture_close(&f);
}

static void test_exposure_udp_v6(struct test_case *t)
{
	struct policy_fixture f;
	struct exposure_entry e;
	struct pkt p;

	if (setup(t, &f))
		goto cleanup;
	udp_frame(&p, 0, OUTSIDER6, 50000, GW6, 161);
	fixture_xdp(&f, &p);
	udp_frame(&p, 0, GW6, 161, OUTSIDER6, 50000);
	fixture_tc(&f, &p);
	udp_frame(&p, 0, GW6, 161, OUTSIDER6, 50000);
	fixture_tc(&f, &p);
	fixture_events(&f);
	EXPECT(t, fixture_count(&f, EW_EVENT_MGMT_VIOLATION) == 1 &&
		  fixture_count(&f, EW_EVENT_MGMT_EXPOSURE) == 1 && f.nevents == 2,
	       "%d events", f.nevents);
	CHECK(t, exposure_entry(&f, GW6, 17, 161, &e) == 0, "no exposures entry");
	EXPECT(t, e.flows == 1 && e.last_source_family == 6, "entry");
cleanup:
	fixture_close(&f);
}

/* A connection the gateway opens (tc egress SYN): egress violation or not. */
static int egress_events(struct policy_fixture *f, const char *src, const char *dst,
			 uint8_t proto, uint16_t dport)
{
	static uint16_t sport = 50000;
	struct pkt p;

	f->nevents = 0;
	if (proto == 6)
		tcp_frame(&p, 0, src, ++sport, dst, dport, PKT_TCP_SYN);
	else
		udp_frame(&p, 0, src, ++sport, dst, dport);
	fixture_tc(f, &p);
	fixture_tc(f, &p);	/* a second packet: still one event */
	fixture_events(f);
	return fixture_count(f, EW_EVENT_EGRESS_VIOLATION) + 100 * (f->nevents - fixture_count(
		f, EW_EVENT_EGRESS_VIOLATION));
}

static void test_egress(struct test_case *t)
{
	struct policy_fixture f;
	struct ew_counters before, after;
	int n;

	if (setup(t, &f))
		goto cleanup;
	CHECK(t, dp_counters(&f.dp, &before) == 0, "counters");
	n = egress_events(&f, GW4, "198.18.30.5", 6, 443);
	EXPECT(t, n == 1, "to a destination not allowed: %d", n);
	n = egress_events(&f, GW4, "198.18.20.5", 6, 443);
	EXPECT(t, n == 0, "allowed destination and port: %d", n);
	n = egress_events(&f, GW4, "198.18.20.5", 6, 80);
	EXPECT(t, n == 1, "allowed destination, other port: %d", n);
	n = egress_events(&f, GW4, "198.18.21.9", 6, 4444);
	EXPECT(t, n == 0, "any port to 198.18.21.0/24: %d", n);
	n = egress_events(&f, GW4, "198.18.99.9", 17, 53);
	EXPECT(t, n == 0, "udp/53 to any destination: %d", n);
	n = egress_events(&f, GW6, "2001:db8:53::53", 17, 53);
	EXPECT(t, n == 0, "udp/53 to any IPv6 destination: %d", n);
	n = egress_events(&f, GW6, "2001:db8:53::53", 6, 443);
	EXPECT(t, n == 1, "IPv6, not allowed: %d", n);
	n = egress_events(&f, OTHER_HOST4, "198.18.30.5", 6, 443);
	EXPECT(t, n == 0, "a host that is not protected: %d", n);
	CHECK(t, dp_counters(&f.dp, &after) == 0, "counters");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_TC_EGRESS,
				EW_CNT_POLICY_EGRESS_VIOLATION) == 3, "egress counter");
	EXPECT(t, counter_delta(&before, &after, EW_HOOK_TC_EGRESS, EW_CNT_VERDICT_PASS) == 16,
	       "egress is never dropped");
cleanup:
	fixture_close(&f);
}

/* An ICMP or ICMPv6 message the gateway sends through tc egress: egress events for it. */
static int egress_icmp_events(struct policy_fixture *f, const char *src, const char *dst,
			      uint8_t type)
{
	struct pkt p;

	f->nevents = 0;
	pkt_init(&p);
	pkt_eth(&p);
	ip_header(&p, src, dst);
	if (strchr(src, ':'))
		pkt_icmpv6(&p, type, 0);
	else
		pkt_icmp(&p, type, 0, 0x77, 1);
	pkt_payload(&p, 32, 'i');
	pkt_finish(&p);
	pkt_pad(&p, 60);
	fixture_tc(f, &p);
	fixture_events(f);
	return fixture_count(f, EW_EVENT_EGRESS_VIOLATION) + 100 * (f->nevents - fixture_count(
		f, EW_EVENT_EGRESS_VIOLATION));
}

/*
 * Only an echo request opens a connection: the gateway's echo replies, unreachables and
 * IPv6 neighbour discovery answer or announce, and must not read as the device calling
 * out to a destination egress.allow does not list.
 */
static void test_egress_icmp(struct test_case *t)
{
	static const struct {
		const char *src, *dst;
		uint8_t type;
		int events;
		const char *what;
	} rows[] = {
		{ GW4, "198.18.30.5", 8, 1, "echo request to a destination not allowed" },
		{ GW4, "198.18.21.9", 8, 0, "echo request to an any-port destination" },
		{ GW4, "198.18.30.6", 0, 0, "echo reply" },
		{ GW4, "198.18.30.7", 3, 0, "destination unreachable" },
		{ GW6, "2001:db8:77::7", 128, 1, "ICMPv6 echo request, not allowed" },
		{ GW6, "2001:db8:77::8", 136, 0, "neighbour advertisement" },
		{ GW6, "2001:db8:77::9", 135, 0, "neighbour solicitation" },
		{ GW6, "2001:db8:77::a", 143, 0, "MLDv2 report" },
	};
	struct policy_fixture f;
	size_t i;
	int n;

	if (setup(t, &f))
		goto cleanup;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = egress_icmp_events(&f, rows[i].src, rows[i].dst, rows[i].type);
		EXPECT(t, n == rows[i].events, "%s: %d events, want %d", rows[i].what, n,
		       rows[i].events);
	}
cleanup:
	fixture_close(&f);
}

#define FRAG_ID 0x4242

/* RFC 1858 tiny fragment: 8 bytes of TCP header (ports, sequence), no flags. */
static void tiny_fragment(struct pkt *p, const char *src, uint16_t sport, const char *dst,
			  uint16_t dport, uint16_t id)
{
	struct pkt_layer *tcp;

	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = src, .dst = dst, .id = id,
					 .more_fragments = true });
	pkt_payload_as(p, 6, 8);
	tcp = pkt_find(p, PKT_PAYLOAD, 0);
	if (tcp) {
		pkt_hdr(p, tcp)[0] = sport >> 8;
		pkt_hdr(p, tcp)[1] = sport & 0xFF;
		pkt_hdr(p, tcp)[2] = dport >> 8;
		pkt_hdr(p, tcp)[3] = dport & 0xFF;
	}
	pkt_finish(p);
	pkt_pad(p, 60);
}

static void tiny_first(struct pkt *p, const char *dst, uint16_t dport)
{
	tiny_fragment(p, OUTSIDER4, 40000, dst, dport, FRAG_ID);
}

/* A first fragment of 40 bytes (TCP SYN + 20 bytes), and one overlapping it at 32. */
static void frag_first(struct pkt *p, const char *dst)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTSIDER4, .dst = dst, .id = FRAG_ID + 1,
					 .more_fragments = true });
	pkt_tcp(p, 40000, 9999, PKT_TCP_SYN, 0);
	pkt_payload(p, 20, 0);
	pkt_finish(p);
}

static void frag_overlapping(struct pkt *p, const char *dst)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTSIDER4, .dst = dst, .id = FRAG_ID + 1,
					 .frag_offset = 32 });
	pkt_payload_as(p, 6, 30);
	pkt_finish(p);
}

static void test_fragments(struct test_case *t)
{
	struct policy_fixture f;
	const struct ew_event *ev;
	struct pkt p;

	if (setup(t, &f))
		goto cleanup;
	tiny_first(&p, GW4, 9999);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && fixture_count(&f, EW_EVENT_FRAG_TINY) == 1,
	       "tiny fragment at the gateway: %d events", f.nevents);
	ev = fixture_find(&f, EW_EVENT_FRAG_TINY);
	if (ev)
		EXPECT(t, ev->record.flags & EW_FLOW_F_TINY_FRAGMENT, "flow flag");

	f.nevents = 0;
	CHECK(t, dp_reset(&f.dp) == 0, "reset");
	tiny_first(&p, OTHER_HOST4, 9999);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 0, "tiny fragment elsewhere: %d events", f.nevents);

	f.nevents = 0;
	frag_first(&p, GW4);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "first fragment");
	frag_overlapping(&p, GW4);
	EXPECT(t, fixture_xdp(&f, &p) == XDP_PASS_VERDICT, "overlap");
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && fixture_count(&f, EW_EVENT_FRAG_OVERLAP) == 1,
	       "overlap at the gateway: %d events", f.nevents);

	f.nevents = 0;
	frag_first(&p, OTHER_HOST4);
	fixture_xdp(&f, &p);
	frag_overlapping(&p, OTHER_HOST4);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 0, "overlap elsewhere: %d events", f.nevents);

	/* a tiny fragment that also overlaps the datagram's first fragment: both alerts */
	f.nevents = 0;
	CHECK(t, dp_reset(&f.dp) == 0, "reset");
	frag_first(&p, GW4);
	fixture_xdp(&f, &p);
	tiny_fragment(&p, OUTSIDER4, 40000, GW4, 9999, FRAG_ID + 1);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 2 && fixture_count(&f, EW_EVENT_FRAG_TINY) == 1 &&
		  fixture_count(&f, EW_EVENT_FRAG_OVERLAP) == 1,
	       "tiny and overlapping at once: %d events (tiny %d, overlap %d)", f.nevents,
	       fixture_count(&f, EW_EVENT_FRAG_TINY), fixture_count(&f, EW_EVENT_FRAG_OVERLAP));

	/* the flow's tiny fragments first went outward: the one aimed at the gateway
	 * still alerts (the packet's own bits decide, not the flow's) */
	f.nevents = 0;
	CHECK(t, dp_reset(&f.dp) == 0, "reset");
	tiny_fragment(&p, GW4, 9999, OUTSIDER4, 40000, FRAG_ID + 2);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	/* (the gateway opened the flow to a destination egress.allow lacks: that alert) */
	EXPECT(t, fixture_count(&f, EW_EVENT_FRAG_TINY) == 0 &&
		  fixture_count(&f, EW_EVENT_EGRESS_VIOLATION) == f.nevents,
	       "a tiny fragment from the gateway: %d fragment events",
	       fixture_count(&f, EW_EVENT_FRAG_TINY));
	f.nevents = 0;
	tiny_fragment(&p, OUTSIDER4, 40000, GW4, 9999, FRAG_ID + 3);
	fixture_xdp(&f, &p);
	tiny_fragment(&p, OUTSIDER4, 40000, GW4, 9999, FRAG_ID + 4);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && fixture_count(&f, EW_EVENT_FRAG_TINY) == 1,
	       "tiny fragments at the gateway after one from it: %d events, want 1",
	       f.nevents);
cleanup:
	fixture_close(&f);
}

/* Alerts in the EVE file by signature id; and the sum of their "suppressed". */
static int eve_alerts(const char *path, uint32_t sid, uint64_t *suppressed)
{
	char line[16384];
	int n = 0;
	FILE *file = fopen(path, "r");

	*suppressed = 0;
	while (file && fgets(line, sizeof(line), file)) {
		struct json_object *o = json_tokener_parse(line), *alert, *v;

		if (o && json_object_object_get_ex(o, "alert", &alert) &&
		    json_object_object_get_ex(alert, "signature_id", &v) &&
		    (uint32_t)json_object_get_int64(v) == sid) {
			n++;
			if (json_object_object_get_ex(o, "suppressed", &v))
				*suppressed += json_object_get_int64(v);
		}
		json_object_put(o);
	}
	if (file)
		fclose(file);
	return n;
}

/*
 * Five flows from one outsider to ssh within the rate limit window: one alert now, the
 * rest held and written at the flush as one alert with "suppressed": 3; a record the
 * kernel reported twice is written once.
 */
static void test_runtime_alerts(struct test_case *t)
{
	struct policy_fixture f;
	uint64_t suppressed;
	struct pkt p;
	int i, n;

	if (setup(t, &f))
		goto cleanup;
	for (i = 0; i < 5; i++) {
		tcp_frame(&p, 0, OUTSIDER4, 41000 + i, GW4, 22, PKT_TCP_SYN);
		fixture_xdp(&f, &p);
	}
	tcp_frame(&p, 0, OUTSIDER4, 42000, GW4, 23, PKT_TCP_SYN);
	fixture_xdp(&f, &p);
	fixture_events(&f);
	CHECK(t, f.nevents == 6, "%d events", f.nevents);
	for (i = 0; i < f.nevents; i++)
		EXPECT(t, policy_runtime_on_event(f.policy, &f.events[i], sizeof(f.events[i])) == 0,
		       "on_event");
	/* the kernel's race: the same (flow, type) twice */
	policy_runtime_on_event(f.policy, &f.events[0], sizeof(f.events[0]));
	output_flush(&f.out);
	n = eve_alerts(f.eve_path, 9000001, &suppressed);
	EXPECT(t, n == 2 && suppressed == 0, "before the flush: %d alerts (ssh and telnet)", n);
	policy_runtime_flush(f.policy);
	n = eve_alerts(f.eve_path, 9000001, &suppressed);
	EXPECT(t, n == 3 && suppressed == 3,
	       "after the flush: %d alerts, suppressed %llu (expected 3 and 3: 6 flows)", n,
	       (unsigned long long)suppressed);
	/* a record of the wrong size is counted, not written */
	EXPECT(t, policy_runtime_on_event(f.policy, &f.events[0], 10) == 0, "short record");
	n = eve_alerts(f.eve_path, 9000001, &suppressed);
	EXPECT(t, n == 3, "the short record was written");
cleanup:
	fixture_close(&f);
}

/* What the EVE file's policy violation alerts add up to. */
struct eve_alert_tally {
	int alerts;
	int aggregates;			/* alerts with an "aggregate" object */
	uint64_t suppressed;
	uint64_t aggregate_events;	/* sum of aggregate.events */
	uint64_t aggregate_sources;
	size_t sample;			/* sample_sources of the last aggregate */
};

static void eve_alert_tally_of(const char *path, uint32_t sid, struct eve_alert_tally *e)
{
	char line[16384];
	FILE *file = fopen(path, "r");

	memset(e, 0, sizeof(*e));
	while (file && fgets(line, sizeof(line), file)) {
		struct json_object *o = json_tokener_parse(line), *alert, *v, *g;

		if (o && json_object_object_get_ex(o, "alert", &alert) &&
		    json_object_object_get_ex(alert, "signature_id", &v) &&
		    (uint32_t)json_object_get_int64(v) == sid) {
			e->alerts++;
			if (json_object_object_get_ex(o, "suppressed", &v))
				e->suppressed += json_object_get_int64(v);
			if (json_object_object_get_ex(o, "aggregate", &g)) {
				e->aggregates++;
				if (json_object_object_get_ex(g, "events", &v))
					e->aggregate_events += json_object_get_int64(v);
				if (json_object_object_get_ex(g, "sources", &v))
					e->aggregate_sources += json_object_get_int64(v);
				if (json_object_object_get_ex(g, "sample_sources", &v))
					e->sample = json_object_array_length(v);
			}
		}
		json_object_put(o);
	}
	if (file)
		fclose(file);
}

static int runtime_on_record(void *ctx, void *data, size_t size)
{
	return policy_runtime_on_event(ctx, data, size);
}

#define FLOOD_SOURCES 2000

/*
 * A spoofed flood through the real XDP program: 2,000 sources, one SYN each, to ssh on
 * the gateway, within one rate limit window. The alerts written are O(bound), not
 * O(sources): the first 32 sources one by one, the rest in one aggregate alert whose
 * counts add up with the others to the 2,000 events; the stats' sum holds.
 */
static void test_runtime_spoofed_flood(struct test_case *t)
{
	struct policy_fixture f;
	struct ring_buffer *ring = NULL;
	struct stats_policy st;
	struct eve_alert_tally e;
	char src[INET_ADDRSTRLEN];
	struct pkt p;
	int i;

	if (setup(t, &f))
		goto cleanup;
	/* the runtime reads the ring itself, as the daemon does (the fixture keeps 64) */
	ring = ring_buffer__new(bpf_map__fd(f.dp.skel->maps.events), runtime_on_record,
				f.policy, NULL);
	CHECK(t, ring, "ring buffer");
	for (i = 0; i < FLOOD_SOURCES; i++) {
		snprintf(src, sizeof(src), "198.19.%d.%d", 10 + i / 250, 1 + i % 250);
		tcp_frame(&p, 0, src, 40000, GW4, 22, PKT_TCP_SYN);
		fixture_xdp(&f, &p);
		if (i % 256 == 255)	/* 256 events of 256 bytes: well within the ring */
			ring_buffer__consume(ring);
	}
	ring_buffer__consume(ring);
	policy_runtime_stats(f.policy, &st);
	CHECK(t, st.events_read == FLOOD_SOURCES, "%llu events read",
	      (unsigned long long)st.events_read);
	EXPECT(t, st.alerts_written == ALERT_AGGREGATE_SOURCES_DEFAULT &&
		  st.held == FLOOD_SOURCES - ALERT_AGGREGATE_SOURCES_DEFAULT,
	       "before the flush: %llu alerts, %llu held", (unsigned long long)st.alerts_written,
	       (unsigned long long)st.held);
	policy_runtime_flush(f.policy);
	policy_runtime_stats(f.policy, &st);
	EXPECT(t, st.held == 0 &&
		  st.aggregated == FLOOD_SOURCES - ALERT_AGGREGATE_SOURCES_DEFAULT - 1 &&
		  st.events_read == st.events_invalid + st.events_deduplicated +
					    st.alerts_written + st.suppressed + st.aggregated +
					    st.held,
	       "stats: read %llu, alerts %llu, suppressed %llu, aggregated %llu, held %llu",
	       (unsigned long long)st.events_read, (unsigned long long)st.alerts_written,
	       (unsigned long long)st.suppressed, (unsigned long long)st.aggregated,
	       (unsigned long long)st.held);
	eve_alert_tally_of(f.eve_path, 9000001, &e);
	EXPECT(t, e.alerts <= 2 * ALERT_AGGREGATE_SOURCES_DEFAULT + 2,
	       "%d alerts for %d sources: not bounded by the aggregation", e.alerts,
	       FLOOD_SOURCES);
	EXPECT(t, e.aggregates == 1 &&
		  e.aggregate_events == FLOOD_SOURCES - ALERT_AGGREGATE_SOURCES_DEFAULT &&
		  e.aggregate_sources == FLOOD_SOURCES - ALERT_AGGREGATE_SOURCES_DEFAULT &&
		  e.sample == ALERT_SAMPLE_SOURCES,
	       "%d aggregate alerts: %llu events, %llu sources, %zu in the sample", e.aggregates,
	       (unsigned long long)e.aggregate_events, (unsigned long long)e.aggregate_sources,
	       e.sample);
	/* every event in exactly one alert: itself, a "suppressed" or an aggregate's */
	EXPECT(t, (uint64_t)(e.alerts - e.aggregates) + e.suppressed + e.aggregate_events ==
			  FLOOD_SOURCES,
	       "alerts %d, suppressed %llu, aggregated %llu: not %d events", e.alerts,
	       (unsigned long long)e.suppressed, (unsigned long long)e.aggregate_events,
	       FLOOD_SOURCES);
cleanup:
	ring_buffer__free(ring);
	fixture_close(&f);
}

int main(void)
{
	test_program = "test_policy_events";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	RUN(test_exposure_tcp);
	RUN(test_exposure_udp_v6);
	RUN(test_egress);
	RUN(test_egress_icmp);
	RUN(test_fragments);
	RUN(test_runtime_alerts);
	RUN(test_runtime_spoofed_flood);
	return test_summary();
}
