// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flood detector (userspace/detect/flood.c) through the hub: flow records in, EVE
 * alerts out. A spoofed SYN flood just over the floor alerts (SYN Flood, the target, the
 * sources, the half-open ratio); completed handshakes at the same rate, and a rate under
 * the floor, do not; after warm-up a steady UDP rate over the floor is the baseline and
 * is quiet, and ten times it alerts (UDP Flood); one UDP flow's active-timeout records
 * carry a single-source flood.
 */
#include "../support/detect_rig.h"
#include "../support/test.h"

#define SEC RIG_SEC
#define TARGET "198.18.0.1"
#define TARGET_BE 0xc6120001u

static int rig_open(struct detect_rig *r, uint32_t udp_floor)
{
	if (detect_rig_config(r, EW_DETECTOR_FLOOD))
		return -1;
	if (udp_floor)
		r->cfg->anomaly.value[EW_AP_FLOOD_UDP_RATE] = udp_floor;
	return detect_rig_start(r);
}

/* One record: src -> TARGET, first packet at first_ns, this record start..end. */
static void feed(struct detect_rig *r, uint32_t src, uint16_t sport, uint16_t dport,
		 uint8_t proto, uint8_t flags_fwd, uint8_t flags_rev, uint64_t pkts,
		 uint64_t first_ns, uint64_t start_ns, uint64_t end_ns, enum ew_flow_end reason)
{
	struct rig_flow f = { src, TARGET_BE, sport, dport, proto, flags_fwd, flags_rev, 0,
			      pkts, 0, 0, 0, first_ns, end_ns,
			      reason == EW_END_ACTIVE_TIMEOUT, start_ns };

	detect_rig_send(r, &f);
}

/* per_sec TCP flows a second for secs seconds from t0, each from its own (spoofed)
 * source; handshake: completed (client ACKed the SYN-ACK) or not. */
static void syn_burst(struct detect_rig *r, uint64_t t0, int secs, int per_sec, int handshake)
{
	int s, i;

	for (s = 0; s < secs; s++)
		for (i = 0; i < per_sec; i++) {
			uint64_t t = t0 + s * SEC + (uint64_t)i * (SEC / per_sec);
			uint32_t src = 0xc6130000u + (uint32_t)(s * per_sec + i); /* 198.19/16 */

			feed(r, src, 1024 + i, 80, 6, handshake ? 0x1b : 0x02, 0x12,
			     handshake ? 6 : 1, t, t, t + SEC / 100, EW_END_TIMEOUT);
		}
}

#define T0 (1700000000ULL * SEC)

static void test_spoofed_syn_flood_alerts(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, rig_open(&r, 0) == 0, "rig");
	syn_burst(&r, T0, 10, 600, 0);	/* 600 half-open/s: over the 500/s floor */
	n = detect_rig_alerts(&r, a, 16, T0 + 20 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(field(a[0], "alert.category"), "SYN Flood"), "category %s",
	       field(a[0], "alert.category"));
	EXPECT(t, !strcmp(field(a[0], "alert.signature_id"), "9000301"), "sid");
	EXPECT(t, !strcmp(field(a[0], "dest_ip"), TARGET), "dest %s", field(a[0], "dest_ip"));
	EXPECT(t, !strcmp(field(a[0], "anomaly.technique"), "SYN flood"), "technique");
	/* every alert is of one episode (one target), however many sources */
	EXPECT(t, n <= 3, "%d alerts for one flood", n);
	EXPECT(t, atof(field(a[n - 1], "anomaly.half_open_ratio")) == 1.0, "ratio %s",
	       field(a[n - 1], "anomaly.half_open_ratio"));
	EXPECT(t, atof(field(a[n - 1], "anomaly.rate")) > 500, "rate %s",
	       field(a[n - 1], "anomaly.rate"));
	EXPECT(t, atoi(field(a[n - 1], "anomaly.sources_total")) > 1000, "sources %s",
	       field(a[n - 1], "anomaly.sources_total"));
	detect_rig_free(a, n);
}

/* 10 s of per_sec SYNs to one target (handshake: completed or not): no alert. */
static void syn_quiet(struct test_case *t, int per_sec, int handshake)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, rig_open(&r, 0) == 0, "rig");
	syn_burst(&r, T0, 10, per_sec, handshake);
	n = detect_rig_alerts(&r, a, 16, T0 + 20 * SEC);
	EXPECT(t, n == 0, "%d alerts: %s", n, n ? field(a[0], "alert.signature") : "");
	detect_rig_free(a, n);
}

static void test_completed_handshakes_quiet(struct test_case *t)
{
	syn_quiet(t, 600, 1);	/* a busy web server: every client answered */
}

static void test_under_floor_quiet(struct test_case *t)
{
	syn_quiet(t, 400, 0);
}

/* A UDP flow of rate pkts/s over [t, t + secs): one record a second, and the second's
 * tick (quiet episodes end). */
static void udp_seconds(struct detect_rig *r, uint32_t src, uint64_t t, int secs, uint64_t rate)
{
	int s;

	for (s = 0; s < secs; s++) {
		feed(r, src + (uint32_t)s, 5000, 9999, 17, 0, 0, rate, t + s * SEC,
		     t + s * SEC, t + s * SEC + SEC - 1, EW_END_TIMEOUT);
		detect_tick(r->d, t + s * SEC + SEC);
	}
}

static void test_udp_baseline(struct test_case *t)
{
	struct json_object *a[64];
	struct detect_rig r;
	int n, i, spike = 0, before = 0;
	uint64_t spike_t = T0 + 600 * SEC;

	/* floor 100 pps: a steady 150 pps is over it, alerted only while warming up */
	CHECK(t, rig_open(&r, 100) == 0, "rig");
	udp_seconds(&r, 0xc6120a00u, T0, 600, 150);
	udp_seconds(&r, 0xc6120a00u, spike_t, 10, 1400);	/* under 10 x 150 */
	udp_seconds(&r, 0xc6120a00u, spike_t + 10 * SEC, 10, 150);
	udp_seconds(&r, 0xc6120a00u, spike_t + 20 * SEC, 10, 3000);	/* 20 x the baseline */
	n = detect_rig_alerts(&r, a, 64, spike_t + 60 * SEC);
	for (i = 0; i < n; i++) {
		const char *ep = field(a[i], "anomaly.episode");

		if (!strcmp(ep, "start") && atof(field(a[i], "anomaly.rate")) > 1400)
			spike++;
		else if (!strcmp(ep, "start"))
			before++;
	}
	/* the 3000 pps window tips once its average passes 10 x 150 */
	EXPECT(t, spike == 1, "%d alerts at 20 x the baseline", spike);
	EXPECT(t, before <= 1, "%d episodes before: the baseline is not learned", before);
	EXPECT(t, n > 0 && !strcmp(field(a[n - 1], "alert.category"), "UDP Flood"), "category");
	EXPECT(t, n > 0 && atof(field(a[n - 1], "anomaly.baseline")) > 100 &&
		  atof(field(a[n - 1], "anomaly.baseline")) < 200, "baseline %s",
	       n ? field(a[n - 1], "anomaly.baseline") : "");
	detect_rig_free(a, n);
}

static void test_single_flow_udp_flood(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* one source, one flow, 30000 pps; its records come every 30 s (active timeout) */
	CHECK(t, rig_open(&r, 0) == 0, "rig");
	feed(&r, 0xc6120a07u, 4444, 53, 17, 0, 0, 900000, T0, T0, T0 + 30 * SEC,
	     EW_END_ACTIVE_TIMEOUT);
	feed(&r, 0xc6120a07u, 4444, 53, 17, 0, 0, 900000, T0, T0 + 30 * SEC, T0 + 60 * SEC,
	     EW_END_ACTIVE_TIMEOUT);
	n = detect_rig_alerts(&r, a, 16, T0 + 61 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(field(a[0], "alert.category"), "UDP Flood"), "category");
	EXPECT(t, !strcmp(field(a[0], "src_ip"), "198.18.10.7"), "src %s", field(a[0], "src_ip"));
	detect_rig_free(a, n);
}

/* ---- live counts (detect_live_on: the kernel's new-flow counts and hot flows) ---- */

/* A read of the kernel's counts toward TARGET at now: n new flows of class, hs handshakes,
 * nsrc distinct sources (198.18.2.x) in the read's bitmap. */
static void live_read(struct detect_rig *r, enum ew_flood_class class, uint64_t n, uint64_t hs,
		      int nsrc, uint64_t now)
{
	uint64_t counts[EW_FLOOD_CLASSES] = { 0 }, bits[EW_FLOOD_SRC_BITS / 64] = { 0 };
	struct flood_dest_key dest = { .family = 4 };
	struct flood_dest_count last = { .last_flow_seq = 7 };
	int i;

	inet_pton(AF_INET, TARGET, dest.addr.u8);
	for (i = 0; i < nsrc; i++) {
		union ew_addr a = { .u8 = { 198, 18, 2, (uint8_t)i } };
		uint32_t bit = ew_flood_src_bit(&a);

		bits[bit / 64] |= 1ULL << (bit % 64);
		last.last_src = a;
	}
	last.last_proto = class == EW_FLOOD_SYN ? 6 : class == EW_FLOOD_UDP ? 17 : 1;
	last.last_sport = htons(4000);
	last.last_dport = htons(80);
	counts[class] = n;
	detect_live_dest(r->d, &dest, counts, hs, &last, bits, now - SEC, now);
}

/* A hot UDP flow from 198.18.3.1 to TARGET: pkts in all since first_ns, none exported. */
static void live_hot(struct detect_rig *r, uint64_t pkts, uint64_t first_ns, uint64_t last_ns)
{
	struct flow_hot h = { .flow_seq = 99, .first_seen_ns = first_ns, .since_ns = first_ns,
			      .last_seen_ns = last_ns, .packets = pkts };

	h.key.family = 4;
	h.key.proto = 17;
	inet_pton(AF_INET, "198.18.3.1", h.key.addr_a.u8);
	inet_pton(AF_INET, TARGET, h.key.addr_b.u8);
	h.key.port_a = htons(5000);
	h.key.port_b = htons(9);
	detect_hot_flow(r->d, &h);
}

static int rig_open_live(struct detect_rig *r, uint32_t udp_floor)
{
	if (rig_open(r, udp_floor))
		return -1;
	detect_live_on(r->d);
	return 0;
}

/* 1,200 half-open attempts in the first 2 s of a window: alerted at that read, with the
 * sources of the kernel's bitmap; the same with every handshake completed: quiet. */
static void test_live_syn_flood(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, rig_open_live(&r, 0) == 0, "rig");
	live_read(&r, EW_FLOOD_SYN, 1200, 0, 40, T0 + 2 * SEC);
	n = detect_rig_alerts(&r, a, 16, T0 + 2 * SEC);
	CHECK(t, n >= 1, "no alert at the first read");
	EXPECT(t, !strcmp(field(a[0], "alert.signature_id"), "9000301") &&
			  !strcmp(field(a[0], "dest_ip"), TARGET) &&
			  !strcmp(field(a[0], "anomaly.episode"), "start"),
	       "alert %s to %s", field(a[0], "alert.signature"), field(a[0], "dest_ip"));
	EXPECT(t, atof(field(a[0], "anomaly.rate")) == 600.0, "rate %s (1200 over 2 s)",
	       field(a[0], "anomaly.rate"));
	EXPECT(t, atoi(field(a[0], "anomaly.sources_total")) >= 36 &&
			  atoi(field(a[0], "anomaly.sources_total")) <= 44,
	       "sources_total %s, want about 40", field(a[0], "anomaly.sources_total"));
	detect_rig_free(a, n);

	CHECK(t, rig_open_live(&r, 0) == 0, "rig");
	live_read(&r, EW_FLOOD_SYN, 1200, 1200, 40, T0 + 2 * SEC);
	n = detect_rig_alerts(&r, a, 16, T0 + 2 * SEC);
	EXPECT(t, n == 0, "%d alerts for completed handshakes", n);
	detect_rig_free(a, n);
}

/* Live counts under the floor, then the same flows' records: not counted twice. */
static void test_live_records_not_counted_twice(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* 4,000 half-open in a 10 s window, read every second (400/s: quiet), then their
	 * records (which, added again, would make 800/s) */
	CHECK(t, rig_open_live(&r, 0) == 0, "rig");
	for (n = 1; n <= 10; n++)
		live_read(&r, EW_FLOOD_SYN, 400, 0, 40, T0 + n * SEC - 1);
	syn_burst(&r, T0, 10, 400, 0);
	n = detect_rig_alerts(&r, a, 16, T0 + 80 * SEC);
	EXPECT(t, n == 0, "%d alerts: the records were counted again", n);
	detect_rig_free(a, n);

	/* a hot UDP flow of 15,000 packets in 9 s (1,667/s under a 2,000/s floor), then its
	 * end record (the same 15,000: 3,000/s if added again) */
	CHECK(t, rig_open_live(&r, 2000) == 0, "rig");
	live_hot(&r, 15000, T0, T0 + 9 * SEC);
	feed(&r, 0xc6120301u, 5000, 9, 17, 0, 0, 15000, T0, T0, T0 + 9 * SEC, EW_END_TIMEOUT);
	n = detect_rig_alerts(&r, a, 16, T0 + 80 * SEC);
	EXPECT(t, n == 0, "%d alerts: the hot flow's packets were counted again", n);
	detect_rig_free(a, n);
}

/* A hot flow's next report adds only what is new: 15,000 then 25,000 packets by 9.5 s
 * (2,632/s) alerts at the second report, its source named. */
static void test_live_hot_flow(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, rig_open_live(&r, 2000) == 0, "rig");
	live_hot(&r, 15000, T0, T0 + 9 * SEC);
	live_hot(&r, 15000, T0, T0 + 9 * SEC);	/* the same report again: nothing new */
	live_hot(&r, 25000, T0, T0 + 9 * SEC + SEC / 2);
	n = detect_rig_alerts(&r, a, 16, T0 + 9 * SEC + SEC / 2);
	CHECK(t, n >= 1, "no alert");
	EXPECT(t, !strcmp(field(a[0], "alert.signature_id"), "9000302") &&
			  !strcmp(field(a[0], "src_ip"), "198.18.3.1") &&
			  !strcmp(field(a[0], "dest_ip"), TARGET),
	       "alert %s from %s", field(a[0], "alert.signature"), field(a[0], "src_ip"));
	/* the first packet is the new-flow count's (a read of flood_dests), not the hot flow's */
	EXPECT(t, atoi(field(a[0], "anomaly.packets")) == 24999, "packets %s, want 24999",
	       field(a[0], "anomaly.packets"));
	detect_rig_free(a, n);
}

int main(void)
{
	test_program = "test_detect_flood";
	RUN(test_spoofed_syn_flood_alerts);
	RUN(test_completed_handshakes_quiet);
	RUN(test_under_floor_quiet);
	RUN(test_udp_baseline);
	RUN(test_single_flow_udp_flood);
	RUN(test_live_syn_flood);
	RUN(test_live_records_not_counted_twice);
	RUN(test_live_hot_flow);
	return test_summary();
}
