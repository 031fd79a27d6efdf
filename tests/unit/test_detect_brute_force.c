// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The brute-force detector (userspace/detect/brute_force.c) through the hub: flow
 * records in, EVE alerts out, at the defaults (20 attempts in 1800 s; SNMP: 20 a minute;
 * HTTP(S) without management addresses: 200).
 * - what an attempt is: a completed handshake, the server spoke (3+ packets each way),
 *   within the service's byte band and duration cap; never-established flows, connect()
 *   probes, large or long sessions are not attempts; each service named (ssh, telnet,
 *   ftp, rdp, vnc displays 5900-5910 as one);
 * - exactly 20 attempts alert, 19 do not (doubling the threshold silences the first);
 * - the window: 20 attempts spread over 1900 s are quiet;
 * - a long session after the attempts is reported as a possible success;
 * - SNMP: 20 unanswered requests in 30 s alert, a poller's 6 a minute for 30 minutes
 *   (180 in the window) does not, answered requests never count;
 * - HTTP(S): 20 login-shaped connections are quiet without management addresses
 *   (threshold 200), and alert toward a configured management address;
 * - distributed (per target and service): 200 sources x 3 attempts alert as one episode
 *   naming the service and the top sources (the busiest first), and no per-source alert;
 *   99 attempts from 33 sources do not, 100 do (doubling the factor silences it);
 *   300 clients each with one long session do not, nor the same server with 150
 *   short connections of as many clients among them (the attempts' share); one source
 *   below its own threshold does not.
 */
#include "datapath.h"
#include "../support/detect_rig.h"
#include "../support/test.h"

#define T0 (1700000000ULL * RIG_SEC)
#define ATTACKER 0xc6120110u	/* 198.18.1.16 */
#define TARGET 0xc6120016u	/* 198.18.0.22 */
#define EST (EW_TCP_SYN | EW_TCP_ACK | EW_TCP_PSH | EW_TCP_FIN)

/* A connection's shape: flags both ways, packets and bytes both ways, duration. */
struct conn {
	uint8_t proto, fwd, rev;
	uint64_t pkts_fwd, bytes_fwd, pkts_rev, bytes_rev, dur_ns;
	int active;
};

/* a failed password try: key exchange and a refusal, 2 s */
static const struct conn LOGIN = { 6, EST, EST, 12, 3000, 10, 3500, 2 * RIG_SEC, 0 };

static int bf_rig(struct detect_rig *r)
{
	return detect_rig_config(r, EW_DETECTOR_BRUTE_FORCE) || detect_rig_start(r) ? -1 : 0;
}

/* n connections of shape c from src to TARGET:port, gap apart from t0. */
static void connect_from(struct detect_rig *r, uint32_t src, int n, uint16_t port,
			 const struct conn *c, uint64_t t0, uint64_t gap)
{
	for (int i = 0; i < n; i++) {
		uint64_t t = t0 + (uint64_t)i * gap;
		struct rig_flow f = { src, TARGET, (uint16_t)(40000 + i), port, c->proto,
				      c->fwd, c->rev, 0, c->pkts_fwd, c->bytes_fwd, c->pkts_rev,
				      c->bytes_rev, t, t + c->dur_ns, c->active };

		detect_rig_send(r, &f);
	}
}

/* n connections of shape c from ATTACKER to TARGET:port, gap apart from t0. */
static void connect_n(struct detect_rig *r, int n, uint16_t port, const struct conn *c,
		      uint64_t t0, uint64_t gap)
{
	connect_from(r, ATTACKER, n, port, c, t0, gap);
}

static int run_end(struct detect_rig *r, struct json_object **a)
{
	return detect_rig_alerts(r, a, 16, T0 + 7200 * RIG_SEC);
}

static void expect_bf(struct test_case *t, struct json_object **a, int n, const char *sid,
		      const char *technique, const char *port)
{
	EXPECT(t, n >= 1, "%s: no alert", technique);
	for (int i = 0; i < n; i++) {
		EXPECT(t, !strcmp(rig_get(a[i], "alert.signature_id"), sid), "%s: sid %s",
		       technique, rig_get(a[i], "alert.signature_id"));
		EXPECT(t, !strcmp(rig_get(a[i], "alert.category"), "Brute Force"), "category %s",
		       rig_get(a[i], "alert.category"));
		EXPECT(t, !strcmp(rig_get(a[i], "anomaly.technique"), technique),
		       "technique %s, want %s", rig_get(a[i], "anomaly.technique"), technique);
		EXPECT(t, !strcmp(rig_get(a[i], "src_ip"), "198.18.1.16") &&
			  !strcmp(rig_get(a[i], "dest_ip"), "198.18.0.22"), "%s -> %s",
		       rig_get(a[i], "src_ip"), rig_get(a[i], "dest_ip"));
		if (port)
			EXPECT(t, !strcmp(rig_get(a[i], "dest_port"), port), "port %s",
			       rig_get(a[i], "dest_port"));
	}
}

static void test_services(struct test_case *t)
{
	static const struct {
		uint16_t port;
		const char *sid, *technique, *first_port;
	} rows[] = {
		{ 22, "9000201", "SSH brute force", "22" },
		{ 23, "9000202", "Telnet brute force", "23" },
		{ 21, "9000203", "FTP brute force", "21" },
		{ 3389, "9000204", "RDP brute force", "3389" },
		{ 5901, "9000205", "VNC brute force", "5901" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct json_object *a[16];
		struct detect_rig r;
		int n;

		CHECK(t, bf_rig(&r) == 0, "rig");
		connect_n(&r, 25, rows[i].port, &LOGIN, T0, 3 * RIG_SEC);
		n = run_end(&r, a);
		expect_bf(t, a, n, rows[i].sid, rows[i].technique, rows[i].first_port);
		detect_rig_free(a, n);
	}
}

/* VNC displays are one service: 10 attempts on 5900 and 10 on 5902 make 20. */
static void test_vnc_displays_one_service(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 10, 5900, &LOGIN, T0, 3 * RIG_SEC);
	connect_n(&r, 10, 5902, &LOGIN, T0 + 40 * RIG_SEC, 3 * RIG_SEC);
	n = run_end(&r, a);
	expect_bf(t, a, n, "9000205", "VNC brute force", NULL);
	detect_rig_free(a, n);
}

static void test_threshold_exact(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 20, 22, &LOGIN, T0, 3 * RIG_SEC);
	n = run_end(&r, a);
	expect_bf(t, a, n, "9000201", "SSH brute force", "22");
	EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.attempts")) == 20 &&
		  atoi(rig_get(a[n - 1], "anomaly.threshold")) == 20 &&
		  atoi(rig_get(a[n - 1], "anomaly.possible_success")) == 0,
	       "attempts %s threshold %s", n ? rig_get(a[n - 1], "anomaly.attempts") : "",
	       n ? rig_get(a[n - 1], "anomaly.threshold") : "");
	detect_rig_free(a, n);

	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 19, 22, &LOGIN, T0, 3 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "19 attempts: %d alerts", n);
	detect_rig_free(a, n);
}

/* Not attempts: 30 of each is quiet. */
static void test_not_attempts(struct test_case *t)
{
	static const struct {
		struct conn c;
		const char *what;
	} rows[] = {
		{ { 6, EW_TCP_SYN, EW_TCP_RST | EW_TCP_ACK, 1, 60, 1, 60, RIG_SEC / 100, 0 },
		  "refused" },
		{ { 6, EW_TCP_SYN | EW_TCP_ACK | EW_TCP_RST, EW_TCP_SYN | EW_TCP_ACK, 3, 180, 1,
		    60, RIG_SEC / 100, 0 }, "connect() probe" },
		{ { 6, EST, EST, 400, 30000, 600, 900000, 20 * RIG_SEC, 0 }, "large session" },
		{ { 6, EST, EST, 12, 3000, 10, 3500, 45 * RIG_SEC, 0 }, "long connection" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct json_object *a[16];
		struct detect_rig r;
		int n;

		CHECK(t, bf_rig(&r) == 0, "rig");
		connect_n(&r, 30, 22, &rows[i].c, T0, 60 * RIG_SEC);
		n = run_end(&r, a);
		EXPECT(t, n == 0, "30 x %s: %d alerts", rows[i].what, n);
		detect_rig_free(a, n);
	}
}

static void test_window(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* 20 attempts 100 s apart: 18 in the first 1800 s, the rest open the next */
	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 20, 22, &LOGIN, T0, 100 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "20 attempts over 1900 s: %d alerts", n);
	detect_rig_free(a, n);
}

static void test_session_possible_success(struct test_case *t)
{
	static const struct conn session = { 6, EST, EST, 300, 20000, 400, 40000,
					     300 * RIG_SEC, 0 };
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 25, 22, &LOGIN, T0, 3 * RIG_SEC);
	connect_n(&r, 1, 22, &session, T0 + 100 * RIG_SEC, 0);
	n = run_end(&r, a);
	expect_bf(t, a, n, "9000201", "SSH brute force", NULL);
	EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.possible_success")) == 1 &&
		  atoi(rig_get(a[n - 1], "anomaly.session_bytes")) == 60000 &&
		  atoi(rig_get(a[n - 1], "anomaly.session_duration_s")) == 300,
	       "possible_success %s session_bytes %s duration %s",
	       n ? rig_get(a[n - 1], "anomaly.possible_success") : "",
	       n ? rig_get(a[n - 1], "anomaly.session_bytes") : "",
	       n ? rig_get(a[n - 1], "anomaly.session_duration_s") : "");
	detect_rig_free(a, n);

	/* a session without attempts before it is just a session */
	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 1, 22, &session, T0, 0);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "a lone session: %d alerts", n);
	detect_rig_free(a, n);
}

static void test_snmp_per_minute(struct test_case *t)
{
	static const struct conn unanswered = { 17, 0, 0, 1, 80, 0, 0, RIG_SEC / 100, 0 };
	static const struct conn answered = { 17, 0, 0, 1, 80, 1, 120, RIG_SEC / 100, 0 };
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	/* a community dictionary: 20 requests in 30 s, each from its own port */
	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 20, 161, &unanswered, T0, 3 * RIG_SEC / 2);
	n = run_end(&r, a);
	expect_bf(t, a, n, "9000206", "SNMP community guessing", "161");
	EXPECT(t, n >= 1 && atoi(rig_get(a[n - 1], "anomaly.window_s")) == 60, "window_s %s",
	       n ? rig_get(a[n - 1], "anomaly.window_s") : "");
	detect_rig_free(a, n);

	/* a poller whose device is down: a request and 5 retries a minute, 30 minutes */
	CHECK(t, bf_rig(&r) == 0, "rig");
	for (int m = 0; m < 30; m++)
		connect_n(&r, 6, 161, &unanswered, T0 + (uint64_t)m * 60 * RIG_SEC, RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "6 a minute for 30 minutes: %d alerts", n);
	detect_rig_free(a, n);

	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 40, 161, &answered, T0, RIG_SEC / 2);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "40 answered requests: %d alerts", n);
	detect_rig_free(a, n);
}

static void test_http_management_only(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	struct ew_cidr *c;
	int n;

	/* no management addresses: any web server, threshold 10 x 20 */
	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 30, 443, &LOGIN, T0, 3 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "30 logins to an unprotected web server: %d alerts", n);
	detect_rig_free(a, n);

	/* TARGET is a management address: 20 */
	CHECK(t, detect_rig_config(&r, EW_DETECTOR_BRUTE_FORCE) == 0, "rig");
	c = calloc(1, sizeof(*c));	/* config_free frees it */
	CHECK(t, c != NULL, "calloc");
	c->family = 4;
	c->prefix_len = 32;
	memcpy(c->addr, "\xc6\x12\x00\x16", 4);
	r.cfg->management.addresses.items = c;
	r.cfg->management.addresses.count = 1;
	CHECK(t, detect_rig_start(&r) == 0, "start");
	connect_n(&r, 30, 443, &LOGIN, T0, 3 * RIG_SEC);
	n = run_end(&r, a);
	expect_bf(t, a, n, "9000207", "HTTP(S) login brute force", "443");
	detect_rig_free(a, n);
}

#define BOT(i) (0xc6130000u + (uint32_t)(i) + 1)	/* 198.19.x.y */

/* sources x per attempts to ssh, interleaved (each round every source once), 1 s apart */
static void botnet(struct detect_rig *r, int sources, int per, uint64_t t0)
{
	for (int k = 0; k < per; k++)
		for (int i = 0; i < sources; i++)
			connect_from(r, BOT(i), 1, 22, &LOGIN,
				     t0 + (uint64_t)(k * sources + i) * RIG_SEC, 0);
}

static int count_sid(struct json_object **a, int n, const char *sid)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += !strcmp(rig_get(a[i], "alert.signature_id"), sid);
	return k;
}

static void test_distributed(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n, i;

	CHECK(t, bf_rig(&r) == 0, "rig");
	/* one bot busier than the rest (still under its own 20) leads the list */
	connect_from(&r, 0xc6120201u, 12, 22, &LOGIN, T0, 5 * RIG_SEC);
	botnet(&r, 200, 3, T0 + 100 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, count_sid(a, n, "9000201") == 0, "a per-source alert among %d", n);
	EXPECT(t, count_sid(a, n, "9000211") >= 1, "no distributed alert among %d", n);
	for (i = 0; i < n; i++) {
		if (strcmp(rig_get(a[i], "alert.signature_id"), "9000211"))
			continue;
		EXPECT(t, !strcmp(rig_get(a[i], "anomaly.technique"),
				  "distributed SSH brute force") &&
			  !strcmp(rig_get(a[i], "alert.category"), "Brute Force"),
		       "technique %s", rig_get(a[i], "anomaly.technique"));
		EXPECT(t, !strcmp(rig_get(a[i], "dest_ip"), "198.18.0.22") &&
			  !strcmp(rig_get(a[i], "dest_port"), "22"), "dest %s:%s",
		       rig_get(a[i], "dest_ip"), rig_get(a[i], "dest_port"));
		EXPECT(t, atoi(rig_get(a[i], "anomaly.attempts")) >= 100 &&
			  atoi(rig_get(a[i], "anomaly.threshold")) == 100 &&
			  atoi(rig_get(a[i], "anomaly.threshold_sources")) == 20,
		       "attempts %s threshold %s", rig_get(a[i], "anomaly.attempts"),
		       rig_get(a[i], "anomaly.threshold"));
		EXPECT(t, !strcmp(rig_get(a[i], "anomaly.sources.0"), "198.18.2.1"),
		       "top source %s", rig_get(a[i], "anomaly.sources.0"));
		EXPECT(t, atoi(rig_get(a[i], "anomaly.sources_total")) >= 20,
		       "sources_total %s", rig_get(a[i], "anomaly.sources_total"));
	}
	/* the last alert has the totals: all 600 + 12 attempts, some 200 sources */
	if (n) {
		int total = atoi(rig_get(a[n - 1], "anomaly.sources_total"));

		EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.attempts")) == 612, "attempts %s",
		       rig_get(a[n - 1], "anomaly.attempts"));
		EXPECT(t, total >= 180 && total <= 230, "sources_total %d, want ~201", total);
		EXPECT(t, atoi(rig_get(a[n - 1], "anomaly.top_source_attempts")) == 12,
		       "top %s", rig_get(a[n - 1], "anomaly.top_source_attempts"));
	}
	detect_rig_free(a, n);
}

/* 100 attempts from 33+ sources at the threshold, 99 under it. */
static void test_distributed_threshold(struct test_case *t)
{
	struct json_object *a[16];
	struct detect_rig r;
	int n;

	CHECK(t, bf_rig(&r) == 0, "rig");
	botnet(&r, 33, 3, T0);
	n = run_end(&r, a);
	EXPECT(t, count_sid(a, n, "9000211") == 0, "99 attempts alerted");
	detect_rig_free(a, n);

	CHECK(t, bf_rig(&r) == 0, "rig");
	botnet(&r, 33, 3, T0);
	connect_from(&r, BOT(40), 1, 22, &LOGIN, T0 + 200 * RIG_SEC, 0);
	n = run_end(&r, a);
	EXPECT(t, count_sid(a, n, "9000211") >= 1, "100 attempts not alerted");
	detect_rig_free(a, n);

	/* 120 attempts, but from 15 sources (8 each): not many sources */
	CHECK(t, bf_rig(&r) == 0, "rig");
	botnet(&r, 15, 8, T0);
	n = run_end(&r, a);
	EXPECT(t, count_sid(a, n, "9000211") == 0, "15 sources alerted");
	detect_rig_free(a, n);
}

/* A busy ssh server: many clients, each one long session; then some short ones too. */
static void test_distributed_busy_server(struct test_case *t)
{
	/* an interactive session: 20 minutes, 300 KB each way */
	static const struct conn SESSION = { 6, EST, EST, 3000, 300000, 3000, 300000,
					     1200 * RIG_SEC, 0 };
	struct json_object *a[16];
	struct detect_rig r;
	int n, i;

	CHECK(t, bf_rig(&r) == 0, "rig");
	for (i = 0; i < 300; i++)
		connect_from(&r, BOT(i), 1, 22, &SESSION, T0 + (uint64_t)i * 2 * RIG_SEC, 0);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "%d alerts from 300 sessions", n);
	detect_rig_free(a, n);

	/* and 150 short connections among them (scripted one-off commands, git over ssh,
	 * sftp of a small file): 150 attempts from 150 sources, but half of the 450 */
	CHECK(t, bf_rig(&r) == 0, "rig");
	for (i = 0; i < 300; i++) {
		/* records come as flows end: the sessions' 20 minutes after they began */
		connect_from(&r, BOT(i), 1, 22, &SESSION, T0 + (uint64_t)i * 2 * RIG_SEC, 0);
		if (i % 2 == 0)
			connect_from(&r, BOT(1000 + i), 1, 22, &LOGIN,
				     T0 + (1200 + (uint64_t)i * 2) * RIG_SEC, 0);
	}
	n = run_end(&r, a);
	EXPECT(t, n == 0, "%d alerts from 300 sessions and 150 short connections", n);
	detect_rig_free(a, n);

	/* one source below its own threshold: nothing */
	CHECK(t, bf_rig(&r) == 0, "rig");
	connect_n(&r, 19, 22, &LOGIN, T0, 3 * RIG_SEC);
	n = run_end(&r, a);
	EXPECT(t, n == 0, "%d alerts from one source's 19", n);
	detect_rig_free(a, n);
}

int main(void)
{
	test_program = "test_detect_brute_force";
	RUN(test_services);
	RUN(test_vnc_displays_one_service);
	RUN(test_threshold_exact);
	RUN(test_not_attempts);
	RUN(test_window);
	RUN(test_session_possible_success);
	RUN(test_snmp_per_minute);
	RUN(test_http_management_only);
	RUN(test_distributed);
	RUN(test_distributed_threshold);
	RUN(test_distributed_busy_server);
	return test_summary();
}
