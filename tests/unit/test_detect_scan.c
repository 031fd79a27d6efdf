// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The scan detector (userspace/detect/scan.c) through the hub: flow records in, EVE
 * alerts out, at the default thresholds (ports 20 in 300 s, hosts 25, slow: 40 in 3600 s).
 * - the technique is named from the probes' flags: SYN (refused, and SYN then the
 *   scanner's RST), connect, FIN, NULL, Xmas, ACK, UDP; ICMP echo, TCP and UDP sweeps;
 * - exactly at the threshold alerts, one below does not (doubling it silences the first);
 * - completed connections weigh a quarter: 40 answered ports are quiet, 16 refused plus
 *   16 completed (16 + 4 = 20) alert;
 * - the window: 30 ports 20 s apart (15 in any 300 s) are quiet; a slow scan, 45 ports 70
 *   s apart, alerts in the slow window only (both fail if the probe time were the
 *   arrival's, not the flow's first packet); records arriving in reverse order count;
 * - mid-stream pick-ups (ACK with data, no SYN) are no probes;
 * - a spoofed flood (one probe from each of many sources) fills only the seed tier: a
 *   scanner half-way through its scan keeps its set and is alerted when it goes on, and
 *   the flood's memory is the seeds' (fails with one tier: the flood evicts the scanner).
 */
#include "datapath.h"
#include "../support/detect_rig.h"
#include "../support/test.h"

#define T0 (1700000000ULL * RIG_SEC)
#define SCANNER 0xc6120709u	/* 198.18.7.9 */
#define TARGET 0xc6120001u	/* 198.18.0.1 */
#define SYN EW_TCP_SYN
#define ACK EW_TCP_ACK
#define RST EW_TCP_RST
#define FIN EW_TCP_FIN
#define PSH EW_TCP_PSH
#define URG EW_TCP_URG

/* A probe's shape: protocol, flags both ways, packets both ways. */
struct shape {
	uint8_t proto, fwd, rev;
	uint64_t pkts_fwd, pkts_rev;
};

static const struct shape REFUSED_SYN = { 6, SYN, RST | ACK, 1, 1 };
static const struct shape COMPLETED = { 6, SYN | ACK | PSH | FIN, SYN | ACK | PSH | FIN, 8, 8 };

static int scan_rig(struct detect_rig *r)
{
	return detect_rig_config(r, EW_DETECTOR_SCAN) || detect_rig_start(r) ? -1 : 0;
}

/* One probe from SCANNER to dst:port with shape s, its first packet at t. */
static void probe(struct detect_rig *r, uint32_t dst, uint16_t port, const struct shape *s,
		  uint64_t t)
{
	struct rig_flow f = { SCANNER, dst, 40000, port, s->proto, s->fwd, s->rev,
			      s->proto == 1 ? 8 : 0, s->pkts_fwd, 60 * s->pkts_fwd,
			      s->pkts_rev, 60 * s->pkts_rev, t, t + RIG_SEC / 10, 0 };

	detect_rig_send(r, &f);
}

/* n ports (from 1000) of TARGET probed with shape s, gap apart from T0. */
static void port_scan(struct detect_rig *r, int n, const struct shape *s, uint64_t gap)
{
	for (int i = 0; i < n; i++)
		probe(r, TARGET, (uint16_t)(1000 + i), s, T0 + (uint64_t)i * gap);
}

/* The alerts of a run; n set to their count (at most 16). */
static int run_end(struct detect_rig *r, struct json_object **a)
{
	return detect_rig_alerts(r, a, 16, T0 + 7200 * RIG_SEC);
}

/* Every alert of the run has this sid and technique, from SCANNER (to dest, if set). */
static void expect_scan(struct test_case *t, struct json_object **a, int n, const char *sid,
			const char *technique, const char *dest)
{
	EXPECT(t, n >= 1, "%s: no alert", technique);
	for (int i = 0; i < n; i++) {
		EXPECT(t, !strcmp(rig_get(a[i], "alert.signature_id"), sid), "%s: sid %s",
		       technique, rig_get(a[i], "alert.signature_id"));
		EXPECT(t, !strcmp(rig_get(a[i], "anomaly.technique"), technique),
		       "technique %s, want %s", rig_get(a[i], "anomaly.technique"), technique);
		EXPECT(t, !strcmp(rig_get(a[i], "src_ip"), "198.18.7.9"), "src %s",
		       rig_get(a[i], "src_ip"));
		if (dest)
			EXPECT(t, !strcmp(rig_get(a[i], "dest_ip"), dest), "dest %s",
			       rig_get(a[i], "dest_ip"));
	}
}

static void test_techniques_from_flags(struct test_case *t)
{
	static const struct {
		struct shape s;
		const char *sid, *technique;
	} rows[] = {
		{ { 6, SYN, RST | ACK, 1, 1 }, "9000101", "SYN scan" },
		{ { 6, SYN, 0, 2, 0 }, "9000101", "SYN scan" },		/* unanswered */
		{ { 6, SYN | RST, SYN | ACK, 2, 1 }, "9000101", "SYN scan" },	/* half open */
		{ { 6, FIN, RST | ACK, 1, 1 }, "9000103", "FIN scan" },
		{ { 6, 0, RST | ACK, 1, 1 }, "9000104", "NULL scan" },
		{ { 6, FIN | PSH | URG, 0, 1, 0 }, "9000105", "Xmas scan" },
		{ { 6, ACK, RST, 1, 1 }, "9000106", "ACK scan" },
		{ { 17, 0, 0, 1, 0 }, "9000107", "UDP scan" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct json_object *a[16];
		struct detect_rig r;
		int n;

		CHECK(t, scan_rig(&r) == 0, "rig");
		port_scan(&r, 25, &rows[i].s, RIG_SEC);
		n = run_end(&r, a);
		expect_scan(t, a, n, rows[i].sid, rows[i].technique, "198.18.0.1");
		detect_rig_free(a, n);
	}
}

/* nmap -sT: refused SYNs on closed ports, an empty completed handshake on open ones. */
static void test_connect_scan(struct test_case *t)
{
	static const struct shape connect = { 6, SYN | ACK | RST, SYN | ACK, 3, 1 };
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, scan_rig(&r) == 0, "rig");
	probe(&r, TARGET, 22, &connect, T0);	/* an open port first: the name sticks */
	port_scan(&r, 25, &REFUSED_SYN, RIG_SEC);
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000102", "connect scan", "198.18.0.1");
	detect_rig_free(a, n);
}

static void test_threshold_exact(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 20, &REFUSED_SYN, RIG_SEC);	/* ports: 20 */
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000101", "SYN scan", "198.18.0.1");
	EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.distinct")) == 20 &&
		  atoi(rig_get(a[n - 1], "anomaly.threshold")) == 20 &&
		  atoi(rig_get(a[n - 1], "anomaly.window")) == 300, "evidence distinct %s "
	       "threshold %s window %s", n ? rig_get(a[n - 1], "anomaly.distinct") : "",
	       n ? rig_get(a[n - 1], "anomaly.threshold") : "",
	       n ? rig_get(a[n - 1], "anomaly.window") : "");
	detect_rig_free(a, n);

	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 19, &REFUSED_SYN, RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "19 ports: %d alerts", n);
	detect_rig_free(a, n);
}

static void test_completed_weigh_a_quarter(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* a busy client: 40 ports answered and used (weight 10) */
	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 40, &COMPLETED, RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "40 completed ports: %d alerts", n);
	detect_rig_free(a, n);

	/* 16 refused (16) and 16 completed (4): 20 */
	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 16, &REFUSED_SYN, RIG_SEC);
	for (int i = 0; i < 16; i++)
		probe(&r, TARGET, (uint16_t)(2000 + i), &COMPLETED, T0 + (uint64_t)(20 + i) * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n >= 1, "16 refused + 16 completed: no alert");
	EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.failed")) == 16 &&
		  atoi(rig_get(a[n - 1], "anomaly.completed")) == 16, "failed %s completed %s",
	       n ? rig_get(a[n - 1], "anomaly.failed") : "",
	       n ? rig_get(a[n - 1], "anomaly.completed") : "");
	detect_rig_free(a, n);
}

static void test_window(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* 30 ports 20 s apart: 15 in any 300 s, 30 in the hour (slow-ports 40) */
	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 30, &REFUSED_SYN, 20 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "30 ports over 600 s: %d alerts", n);
	detect_rig_free(a, n);
}

static void test_slow_scan(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* nmap --scan-delay 70s: 45 ports, at most 5 in any 300 s */
	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 45, &REFUSED_SYN, 70 * RIG_SEC);
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000101", "SYN scan", "198.18.0.1");
	EXPECT(t, n >= 1 && atoi(rig_get(a[0], "anomaly.window")) == 3600 &&
		  atoi(rig_get(a[0], "anomaly.threshold")) == 40 &&
		  atoi(rig_get(a[0], "anomaly.distinct")) == 40, "window %s threshold %s "
	       "distinct %s", n ? rig_get(a[0], "anomaly.window") : "",
	       n ? rig_get(a[0], "anomaly.threshold") : "",
	       n ? rig_get(a[0], "anomaly.distinct") : "");
	detect_rig_free(a, n);
}

/* Records come when flows end, out of order: each probe counts at its own time. */
static void test_out_of_order(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, scan_rig(&r) == 0, "rig");
	for (int i = 24; i >= 0; i--)
		probe(&r, TARGET, (uint16_t)(1000 + i), &REFUSED_SYN, T0 + (uint64_t)i * RIG_SEC);
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000101", "SYN scan", "198.18.0.1");
	detect_rig_free(a, n);
}

static void test_midstream_no_probe(struct test_case *t)
{
	static const struct shape midstream = { 6, ACK | PSH, ACK | PSH, 10, 10 };
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, scan_rig(&r) == 0, "rig");
	port_scan(&r, 30, &midstream, RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "mid-stream flows: %d alerts", n);
	detect_rig_free(a, n);
}

/* One probe of shape s to each of n hosts 198.18.1.(1..n) on port. */
static void sweep(struct detect_rig *r, int n, uint16_t port, const struct shape *s)
{
	for (int i = 0; i < n; i++)
		probe(r, 0xc6120101u + (uint32_t)i, port, s, T0 + (uint64_t)i * RIG_SEC);
}

static void test_sweeps(struct test_case *t)
{
	static const struct {
		struct shape s;
		uint16_t port;
		const char *sid, *technique;
	} rows[] = {
		{ { 1, 0, 0, 1, 0 }, 0, "9000111", "ICMP echo sweep" },
		{ { 6, SYN, 0, 1, 0 }, 445, "9000112", "TCP sweep" },
		{ { 17, 0, 0, 1, 0 }, 161, "9000113", "UDP sweep" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct json_object *a[16];
		struct detect_rig r;
		int n;

		CHECK(t, scan_rig(&r) == 0, "rig");
		sweep(&r, 25, rows[i].port, &rows[i].s);	/* hosts: 25 */
		n = run_end(&r, a);
		expect_scan(t, a, n, rows[i].sid, rows[i].technique, NULL);
		EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.hosts_total")) == 25 &&
			  !strcmp(rig_get(a[n - 1], "anomaly.hosts.0"), "198.18.1.1"),
		       "%s: hosts %s first %s", rows[i].technique,
		       n ? rig_get(a[n - 1], "anomaly.hosts_total") : "",
		       n ? rig_get(a[n - 1], "anomaly.hosts.0") : "");
		detect_rig_free(a, n);

		CHECK(t, scan_rig(&r) == 0, "rig");
		sweep(&r, 24, rows[i].port, &rows[i].s);
		n = run_end(&r, a);
		EXPECT(t, n == 0, "%s of 24 hosts: %d alerts", rows[i].technique, n);
		detect_rig_free(a, n);
	}
}

/* A sweep of 10 ports, 2000 spoofed one-SYN sources, 10 ports more: one port scan of 20. */
static void test_spoofed_flood_keeps_scanner(struct test_case *t)
{
	struct json_object *a[16];
	struct stats_anomaly st;
	struct detect_rig r;
	uint32_t i;
	int n;

	CHECK(t, detect_rig_config(&r, EW_DETECTOR_SCAN) == 0, "rig");
	r.cfg->anomaly.value[EW_AP_MAX_TRACKED] = 256;
	CHECK(t, detect_rig_start(&r) == 0, "start");
	for (i = 0; i < 10; i++)
		probe(&r, TARGET, (uint16_t)(1000 + i), &REFUSED_SYN, T0 + i * RIG_SEC);
	for (i = 0; i < 2000; i++) {
		struct rig_flow f = { 0xc6130000u + i, TARGET, 1024, 80, 6, SYN, 0, 0, 1, 60,
				      0, 0, T0 + 20 * RIG_SEC + i * 1000, T0 + 21 * RIG_SEC, 0 };

		detect_rig_send(&r, &f);
	}
	detect_stats(r.d, &st);
	/* the seeds: 2 x 256 entries of ~130 bytes; full sets would be 2 x 256 x ~700 */
	EXPECT(t, st.detectors[EW_DETECTOR_SCAN].bytes < 256 * 2 * 200 + 2 * 10 * 1024,
	       "scan state after the flood: %llu bytes",
	       (unsigned long long)st.detectors[EW_DETECTOR_SCAN].bytes);
	EXPECT(t, st.detectors[EW_DETECTOR_SCAN].evicted >= 2000 - 2 * 256,
	       "evictions counted: %llu",
	       (unsigned long long)st.detectors[EW_DETECTOR_SCAN].evicted);
	for (i = 10; i < 20; i++)
		probe(&r, TARGET, (uint16_t)(1000 + i), &REFUSED_SYN, T0 + 30 * RIG_SEC + i * RIG_SEC);
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000101", "SYN scan", "198.18.0.1");
	EXPECT(t, n >= 1 && atoi(rig_get(a[0], "anomaly.distinct")) == 20,
	       "the scan's 20 ports after the flood: %d alerts, distinct %s", n,
	       n ? rig_get(a[0], "anomaly.distinct") : "");
	detect_rig_free(a, n);
}

/* The seed carries its probes into the set: repeats of the first port are counted. */
static void test_seed_counts_repeats(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, scan_rig(&r) == 0, "rig");
	probe(&r, TARGET, 999, &REFUSED_SYN, T0);
	probe(&r, TARGET, 999, &REFUSED_SYN, T0);
	probe(&r, TARGET, 999, &REFUSED_SYN, T0);
	port_scan(&r, 19, &REFUSED_SYN, RIG_SEC);	/* 999 and 19 more: 20 ports */
	n = run_end(&r, a);
	expect_scan(t, a, n, "9000101", "SYN scan", "198.18.0.1");
	EXPECT(t, n >= 1 && atoi(rig_get(a[0], "anomaly.probes")) == 22 &&
		  atoi(rig_get(a[0], "anomaly.distinct")) == 20,
	       "probes %s distinct %s", n ? rig_get(a[0], "anomaly.probes") : "",
	       n ? rig_get(a[0], "anomaly.distinct") : "");
	detect_rig_free(a, n);
}

int main(void)
{
	test_program = "test_detect_scan";
	RUN(test_techniques_from_flags);
	RUN(test_connect_scan);
	RUN(test_threshold_exact);
	RUN(test_completed_weigh_a_quarter);
	RUN(test_window);
	RUN(test_slow_scan);
	RUN(test_out_of_order);
	RUN(test_midstream_no_probe);
	RUN(test_sweeps);
	RUN(test_spoofed_flood_keeps_scanner);
	RUN(test_seed_counts_repeats);
	return test_summary();
}
