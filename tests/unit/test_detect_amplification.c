// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The amplification detector (userspace/detect/amplification.c) through the hub: flow
 * records in, EVE alerts out. DNS answers nobody asked for, from 30 reflectors, 1.8 MB
 * in a minute, alert (DNS amplification, the target, the reflectors, the mean answer
 * size); a client's own queries to 30 resolvers (the client initiated, the resolvers
 * answered) do not, nor do answers the target went on to talk to; 5 reflectors
 * sending 2 MB do not (under the reflector threshold);
 * NTP monlist answers from 12 reflectors (1.08 MB: just over both thresholds) alert;
 * NTP peers (123 <-> 123) do not; unanswered SYN-ACKs from 30 servers alert (SYN-ACK
 * reflection). Thresholds: defaults (reflectors 10, bytes 1 MB).
 *
 * The other side (sid 9000431, a protected host used as a reflector): an open resolver
 * answering 400 spoofed sources one query each with 3000-byte answers alerts (src the
 * resolver, Reflection); so do monlist answers to 12 sources (just over sources and
 * bytes) and 11-times answers (just over the ratio); an authoritative server whose
 * large DNSSEC answers (1.2 MB of them, 19 times their queries) are a fifth of its
 * answers does not (its answers as a whole are 6 times its queries), nor do the same
 * spoofed answers from a host outside management.addresses when they are set.
 * A record older than the windows kept is counted in the stats as late.
 */
#include "../support/detect_rig.h"
#include "../support/test.h"

#define SEC RIG_SEC
#define T0 (1700000000ULL * SEC)
#define VICTIM "198.18.0.1"
#define VICTIM_BE 0xc6120001u

static int amp_rig_open(struct detect_rig *r)
{
	return detect_rig_config(r, EW_DETECTOR_AMPLIFICATION) || detect_rig_start(r) ? -1 : 0;
}

/* One ended flow record: initiator ini (sport) -> responder resp (dport), at t. */
struct rec {
	uint32_t ini, resp;
	uint16_t sport, dport;
	uint8_t proto, flags_fwd, flags_rev;
	uint64_t pkts_fwd, bytes_fwd, pkts_rev, bytes_rev;
};

static void send_rec(struct detect_rig *r, const struct rec *c, uint64_t t)
{
	struct rig_flow f = { c->ini, c->resp, c->sport, c->dport, c->proto, c->flags_fwd,
			      c->flags_rev, 0, c->pkts_fwd, c->bytes_fwd, c->pkts_rev,
			      c->bytes_rev, t, t + SEC, 0 };

	detect_rig_send(r, &f);
}

/* n reflectors 198.19.0.(1..n) each sending `answers` answers of `size` bytes from
 * sport to the victim, unasked, within 30 s. */
static void reflect(struct detect_rig *r, int n, uint16_t sport, uint16_t dport, int answers,
		    uint64_t size)
{
	for (int i = 0; i < n; i++) {
		struct rec c = { 0xc6130001u + (uint32_t)i, VICTIM_BE, sport, dport, 17, 0, 0,
				 (uint64_t)answers, (uint64_t)answers * size, 0, 0 };

		send_rec(r, &c, T0 + (uint64_t)i * SEC);
	}
}

static void test_dns_amplification_30_reflectors(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	reflect(&r, 30, 53, 33333, 20, 3000);	/* 30 x 60 KB = 1.8 MB in 30 s */
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.category"), "Amplification"), "category %s",
	       rig_get(a[0], "alert.category"));
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000401"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	EXPECT(t, !strcmp(rig_get(a[0], "anomaly.technique"), "DNS amplification"), "technique");
	EXPECT(t, !strcmp(rig_get(a[0], "dest_ip"), VICTIM), "dest %s", rig_get(a[0], "dest_ip"));
	EXPECT(t, !strncmp(rig_get(a[0], "src_ip"), "198.19.0.", 9), "src %s", rig_get(a[0], "src_ip"));
	/* one episode for the target: start, then end with the latest evidence */
	EXPECT(t, n <= 2, "%d alerts for one attack", n);
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.reflectors_total")) == 30, "reflectors %s",
	       rig_get(a[n - 1], "anomaly.reflectors_total"));
	EXPECT(t, !strcmp(rig_get(a[n - 1], "anomaly.reflectors.0"), "198.19.0.1"), "first %s",
	       rig_get(a[n - 1], "anomaly.reflectors.0"));
	EXPECT(t, atoll(rig_get(a[n - 1], "anomaly.bytes")) == 1800000, "bytes %s",
	       rig_get(a[n - 1], "anomaly.bytes"));
	EXPECT(t, atof(rig_get(a[n - 1], "anomaly.mean_answer_size")) == 3000, "mean %s",
	       rig_get(a[n - 1], "anomaly.mean_answer_size"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.window")) == 60, "window %s",
	       rig_get(a[n - 1], "anomaly.window"));
	detect_rig_free(a, n);
}

/* Just over both thresholds: 12 reflectors, 12 x 90 KB = 1.08 MB (doubling either
 * threshold silences it). */
static void test_just_over_thresholds(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	reflect(&r, 12, 123, 40123, 200, 450);	/* NTP monlist answers: 200 x 450 bytes */
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000402"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.reflectors_total")) == 12, "reflectors %s",
	       rig_get(a[n - 1], "anomaly.reflectors_total"));
	detect_rig_free(a, n);
}

/* Nothing alerts when the records are fed. */
static void quiet(struct test_case *t, void (*feed)(struct detect_rig *))
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	feed(&r);
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	EXPECT(t, n == 0, "%d alerts: %s", n, n ? rig_get(a[0], "alert.signature") : "");
	detect_rig_free(a, n);
}

/* A client (the victim's address) asks 30 resolvers: its queries initiate the flows,
 * the resolvers' (big) answers come back on them. */
static void resolver_answers(struct detect_rig *r)
{
	for (int i = 0; i < 30; i++) {
		struct rec c = { VICTIM_BE, 0xc6130001u + (uint32_t)i, (uint16_t)(40000 + i), 53,
				 17, 0, 0, 20, 20 * 80, 20, 20 * 3000 };

		send_rec(r, &c, T0 + (uint64_t)i * SEC);
	}
}

static void test_resolver_answers_quiet(struct test_case *t)
{
	quiet(t, resolver_answers);
}

/* Flows first seen at the answer (the query was before the capture, or the table
 * forgot it) that the client then went on with: the target sent packets back. */
static void answered_midstream(struct detect_rig *r)
{
	for (int i = 0; i < 30; i++) {
		struct rec c = { 0xc6130001u + (uint32_t)i, VICTIM_BE, 53, 33333, 17, 0, 0,
				 20, 20 * 3000, 5, 5 * 80 };

		send_rec(r, &c, T0 + (uint64_t)i * SEC);
	}
}

static void test_answered_midstream_quiet(struct test_case *t)
{
	quiet(t, answered_midstream);
}

static void five_reflectors(struct detect_rig *r)
{
	reflect(r, 5, 53, 33333, 100, 4000);	/* 2 MB, but from only 5 */
}

static void test_five_reflectors_quiet(struct test_case *t)
{
	quiet(t, five_reflectors);
}

static void ntp_peers(struct detect_rig *r)
{
	reflect(r, 30, 123, 123, 20, 3000);	/* symmetric mode: both ends on 123 */
}

static void test_ntp_peers_quiet(struct test_case *t)
{
	quiet(t, ntp_peers);
}

static void test_syn_ack_reflection(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	/* 30 web servers SYN-ACK the victim (whose address was spoofed in SYNs to them),
	 * 60 retransmitted SYN-ACKs of 60 bytes each: 108 KB, no answer */
	for (int i = 0; i < 30; i++) {
		struct rec c = { 0xc6130001u + (uint32_t)i, VICTIM_BE, 443, 40000, 6, 0x12, 0,
				 60, 60 * 60, 0, 0 };

		send_rec(&r, &c, T0 + (uint64_t)i * SEC);
	}
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000430"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	EXPECT(t, !strcmp(rig_get(a[0], "dest_ip"), VICTIM), "dest %s", rig_get(a[0], "dest_ip"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.reflectors_total")) == 30, "reflectors %s",
	       rig_get(a[n - 1], "anomaly.reflectors_total"));
	detect_rig_free(a, n);
}

#define RESOLVER_BE 0xc6120035u	/* 198.18.0.53: the protected host */

/* n querier(s) 198.19.(i/256).(i%256) each ask the resolver once, in its own flow
 * (pkts packets, qbytes) and get an answer of abytes (apkts packets), within 30 s (T0 is
 * 20 s into a 60 s window: one window). */
static void ask(struct detect_rig *r, int n, uint32_t first, uint16_t port, uint64_t pkts,
		uint64_t qbytes, uint64_t apkts, uint64_t abytes)
{
	for (int i = 0; i < n; i++) {
		struct rec c = { first + (uint32_t)i, RESOLVER_BE, (uint16_t)(20000 + i), port,
				 17, 0, 0, pkts, qbytes, apkts, abytes };

		send_rec(r, &c, T0 + (uint64_t)i * 30 * SEC / (uint64_t)n);
	}
}

static void test_used_as_reflector_spoofed(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	/* ANY queries of 80 bytes, 3000-byte answers (3 fragments): 1.2 MB to 400 sources */
	ask(&r, 400, 0xc6130001u, 53, 1, 80, 3, 3000);
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, n <= 2, "%d alerts for one episode", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000431"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	EXPECT(t, !strcmp(rig_get(a[0], "alert.category"), "Reflection"), "category %s",
	       rig_get(a[0], "alert.category"));
	EXPECT(t, !strcmp(rig_get(a[0], "src_ip"), "198.18.0.53"), "src %s", rig_get(a[0], "src_ip"));
	EXPECT(t, !strcmp(rig_get(a[0], "src_port"), "53"), "src_port %s", rig_get(a[0], "src_port"));
	EXPECT(t, !strncmp(rig_get(a[0], "dest_ip"), "198.19.", 7), "dest %s", rig_get(a[0], "dest_ip"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.sources_total")) >= 360 &&
		  atoi(rig_get(a[n - 1], "anomaly.sources_total")) <= 440, "sources %s",
	       rig_get(a[n - 1], "anomaly.sources_total"));
	EXPECT(t, atoll(rig_get(a[n - 1], "anomaly.bytes")) == 1200000, "bytes %s",
	       rig_get(a[n - 1], "anomaly.bytes"));
	EXPECT(t, atof(rig_get(a[n - 1], "anomaly.ratio")) == 37.5, "ratio %s",
	       rig_get(a[n - 1], "anomaly.ratio"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.threshold_ratio")) == 10, "threshold %s",
	       rig_get(a[n - 1], "anomaly.threshold_ratio"));
	detect_rig_free(a, n);
}

/* Just over sources and bytes: monlist, 12 sources asking twice (two flows each) with
 * one 50-byte packet, 100 answer pages of 482 bytes: 1.157 MB (doubling `sources` or
 * `bytes` silences it). */
static void test_used_as_reflector_just_over(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	ask(&r, 12, 0xc6130001u, 123, 1, 50, 100, 48200);
	ask(&r, 12, 0xc6130001u, 123, 1, 50, 100, 48200);
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000431"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.sources_total")) == 12, "sources %s",
	       rig_get(a[n - 1], "anomaly.sources_total"));
	detect_rig_free(a, n);
}

/* Just over the ratio: answers 11 times their queries (doubling `ratio` silences it). */
static void test_used_as_reflector_ratio_just_over(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	ask(&r, 1200, 0xc6130001u, 53, 1, 80, 1, 880);	/* 1.056 MB */
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(rig_get(a[0], "alert.signature_id"), "9000431"), "sid %s",
	       rig_get(a[0], "alert.signature_id"));
	detect_rig_free(a, n);
}

/* An authoritative server of a signed zone: 4000 answers in a minute from 100
 * resolvers, 800 of them DNSKEY-sized (1500 bytes to an 80-byte query: 19 times, 1.2 MB
 * in all), the rest 200 bytes: 5.75 times on the whole. */
static void dnssec_authoritative(struct detect_rig *r)
{
	for (int i = 0; i < 4000; i++) {
		int big = i % 5 == 0;
		struct rec c = { 0xc6130001u + (uint32_t)(i % 100), RESOLVER_BE,
				 (uint16_t)(20000 + i), 53, 17, 0, 0, 1, 80, big ? 2 : 1,
				 big ? 1500 : 200 };

		send_rec(r, &c, T0 + (uint64_t)i * 30 * SEC / 4000);
	}
}

static void test_dnssec_authoritative_quiet(struct test_case *t)
{
	quiet(t, dnssec_authoritative);
}

/* The spoofed answers of test_used_as_reflector_spoofed from a host that is not one of
 * the configured management (protected) addresses. */
static void test_unprotected_host_quiet(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	{
		/* the hub reads the configuration in force: r.cfg (config_free frees this) */
		struct ew_cidr *c = calloc(1, sizeof(*c));

		CHECK(t, c != NULL, "calloc");
		c->family = 4;
		memcpy(c->addr, "\xc6\x12\x00\x01", 4);	/* 198.18.0.1/32 only */
		c->prefix_len = 32;
		r.cfg->management.addresses.items = c;
		r.cfg->management.addresses.count = 1;
	}
	ask(&r, 400, 0xc6130001u, 53, 1, 80, 3, 3000);
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	EXPECT(t, n == 0, "%d alerts: %s", n, n ? rig_get(a[0], "alert.signature") : "");
	detect_rig_free(a, n);
}

/* A record whose window left the ring (4 windows of 60 s) is counted as late. */
static void test_late_record_counted(struct test_case *t)
{
	struct stats_anomaly st;
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	reflect(&r, 1, 53, 33333, 1, 500);
	{
		struct rec c = { 0xc6130001u, VICTIM_BE, 53, 33333, 17, 0, 0, 1, 500, 0, 0 };

		send_rec(&r, &c, T0 - 300 * SEC);	/* 5 windows before the newest */
	}
	detect_stats(r.d, &st);
	EXPECT(t, st.detectors[EW_DETECTOR_AMPLIFICATION].late == 1, "late %llu",
	       (unsigned long long)st.detectors[EW_DETECTOR_AMPLIFICATION].late);
	n = detect_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	detect_rig_free(a, n);
}

int main(void)
{
	test_program = "test_detect_amplification";
	RUN(test_dns_amplification_30_reflectors);
	RUN(test_just_over_thresholds);
	RUN(test_resolver_answers_quiet);
	RUN(test_answered_midstream_quiet);
	RUN(test_five_reflectors_quiet);
	RUN(test_ntp_peers_quiet);
	RUN(test_syn_ack_reflection);
	RUN(test_used_as_reflector_spoofed);
	RUN(test_used_as_reflector_just_over);
	RUN(test_used_as_reflector_ratio_just_over);
	RUN(test_dnssec_authoritative_quiet);
	RUN(test_unprotected_host_quiet);
	RUN(test_late_record_counted);
	return test_summary();
}
