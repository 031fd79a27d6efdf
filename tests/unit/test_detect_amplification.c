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
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config/config.h"
#include "detect/detect.h"
#include "flow_export.h"
#include "output/output.h"
#include "../support/json_field.h"
#include "../support/test.h"

#define SEC 1000000000ULL
#define T0 (1700000000ULL * SEC)
#define VICTIM "198.18.0.1"
#define VICTIM_BE 0xc6120001u

struct amp_rig {
	char eve[64];
	struct output out;
	struct flow_exporter x;
	struct ew_config *cfg;
	struct detect *d;
};

static int amp_rig_open(struct amp_rig *r)
{
	int fd;

	memset(r, 0, sizeof(*r));
	strcpy(r->eve, "/tmp/edgewatch-test-amp.XXXXXX");
	fd = mkstemp(r->eve);
	if (fd < 0)
		return -1;
	close(fd);
	r->cfg = config_defaults();
	if (!r->cfg || output_open(&r->out, r->eve, "test0"))
		return -1;
	flow_exporter_init(&r->x, &r->out, 1, 0);
	r->cfg->anomaly.on = 1;
	r->cfg->anomaly.enabled[EW_DETECTOR_AMPLIFICATION] = 1;
	return detect_new(&r->d, r->cfg, &r->x) || !r->d ? -1 : 0;
}

/* End the run and read the EVE file back: its alert events, in order (count returned). */
static int amp_rig_alerts(struct amp_rig *r, struct json_object **out, int max, uint64_t end)
{
	char buf[16384];
	int count = 0;
	FILE *in;

	detect_finish(r->d, end);
	detect_free(r->d);
	flow_exporter_destroy(&r->x);
	output_close(&r->out);
	in = fopen(r->eve, "r");
	while (in && fgets(buf, sizeof(buf), in)) {
		struct json_object *ev = json_tokener_parse(buf), *type;

		if (!ev)
			continue;
		if (count < max && json_object_object_get_ex(ev, "event_type", &type) &&
		    !strcmp(json_object_get_string(type), "alert"))
			out[count++] = ev;
		else
			json_object_put(ev);
	}
	if (in)
		fclose(in);
	unlink(r->eve);
	config_free(r->cfg);
	return count;
}

static void amp_free(struct json_object **a, int n)
{
	for (int i = 0; i < n; i++)
		json_object_put(a[i]);
}

/* A field's text, "" when absent. */
static const char *get(struct json_object *o, const char *path)
{
	const char *v = o ? field(o, path) : NULL;

	return v ? v : "";
}

/* One ended flow record: initiator ini (sport) -> responder resp (dport), at t. */
struct rec {
	uint32_t ini, resp;
	uint16_t sport, dport;
	uint8_t proto, flags_fwd, flags_rev;
	uint64_t pkts_fwd, bytes_fwd, pkts_rev, bytes_rev;
};

static void send_rec(struct amp_rig *r, const struct rec *c, uint64_t t)
{
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	uint32_t a = htonl(c->ini), b = htonl(c->resp);

	memset(&key, 0, sizeof(key));
	memset(&rec, 0, sizeof(rec));
	memset(&ev, 0, sizeof(ev));
	key.family = 4;
	key.proto = c->proto;
	memcpy(key.addr_a.u8, &a, 4);
	memcpy(key.addr_b.u8, &b, 4);
	key.port_a = htons(c->sport);
	key.port_b = htons(c->dport);
	rec.initiator = 0;
	rec.first_seen_ns = t;
	rec.last_seen_ns = t + SEC;
	rec.packets[EW_DIR_TO_SERVER] = ev.packets[EW_DIR_TO_SERVER] = c->pkts_fwd;
	rec.bytes[EW_DIR_TO_SERVER] = ev.bytes[EW_DIR_TO_SERVER] = c->bytes_fwd;
	rec.packets[EW_DIR_TO_CLIENT] = ev.packets[EW_DIR_TO_CLIENT] = c->pkts_rev;
	rec.bytes[EW_DIR_TO_CLIENT] = ev.bytes[EW_DIR_TO_CLIENT] = c->bytes_rev;
	rec.tcp_flags[EW_DIR_TO_SERVER] = c->flags_fwd;
	rec.tcp_flags[EW_DIR_TO_CLIENT] = c->flags_rev;
	ev.flow.key = &key;
	ev.flow.rec = &rec;
	ev.reason = EW_END_TIMEOUT;
	ev.start_ns = t;
	ev.end_ns = t + SEC;
	detect_flow(r->d, &ev);
}

/* n reflectors 198.19.0.(1..n) each sending `answers` answers of `size` bytes from
 * sport to the victim, unasked, within 30 s. */
static void reflect(struct amp_rig *r, int n, uint16_t sport, uint16_t dport, int answers,
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
	struct amp_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	reflect(&r, 30, 53, 33333, 20, 3000);	/* 30 x 60 KB = 1.8 MB in 30 s */
	n = amp_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(get(a[0], "alert.category"), "Amplification"), "category %s",
	       get(a[0], "alert.category"));
	EXPECT(t, !strcmp(get(a[0], "alert.signature_id"), "9000401"), "sid %s",
	       get(a[0], "alert.signature_id"));
	EXPECT(t, !strcmp(get(a[0], "anomaly.technique"), "DNS amplification"), "technique");
	EXPECT(t, !strcmp(get(a[0], "dest_ip"), VICTIM), "dest %s", get(a[0], "dest_ip"));
	EXPECT(t, !strncmp(get(a[0], "src_ip"), "198.19.0.", 9), "src %s", get(a[0], "src_ip"));
	/* one episode for the target: start, then end with the latest evidence */
	EXPECT(t, n <= 2, "%d alerts for one attack", n);
	EXPECT(t, atoi(get(a[n - 1], "anomaly.reflectors_total")) == 30, "reflectors %s",
	       get(a[n - 1], "anomaly.reflectors_total"));
	EXPECT(t, !strcmp(get(a[n - 1], "anomaly.reflectors.0"), "198.19.0.1"), "first %s",
	       get(a[n - 1], "anomaly.reflectors.0"));
	EXPECT(t, atoll(get(a[n - 1], "anomaly.bytes")) == 1800000, "bytes %s",
	       get(a[n - 1], "anomaly.bytes"));
	EXPECT(t, atof(get(a[n - 1], "anomaly.mean_answer_size")) == 3000, "mean %s",
	       get(a[n - 1], "anomaly.mean_answer_size"));
	EXPECT(t, atoi(get(a[n - 1], "anomaly.window")) == 60, "window %s",
	       get(a[n - 1], "anomaly.window"));
	amp_free(a, n);
}

/* Just over both thresholds: 12 reflectors, 12 x 90 KB = 1.08 MB (doubling either
 * threshold silences it). */
static void test_just_over_thresholds(struct test_case *t)
{
	struct json_object *a[16];
	struct amp_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	reflect(&r, 12, 123, 40123, 200, 450);	/* NTP monlist answers: 200 x 450 bytes */
	n = amp_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(get(a[0], "alert.signature_id"), "9000402"), "sid %s",
	       get(a[0], "alert.signature_id"));
	EXPECT(t, atoi(get(a[n - 1], "anomaly.reflectors_total")) == 12, "reflectors %s",
	       get(a[n - 1], "anomaly.reflectors_total"));
	amp_free(a, n);
}

/* Nothing alerts when the records are fed. */
static void quiet(struct test_case *t, void (*feed)(struct amp_rig *))
{
	struct json_object *a[16];
	struct amp_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	feed(&r);
	n = amp_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	EXPECT(t, n == 0, "%d alerts: %s", n, n ? get(a[0], "alert.signature") : "");
	amp_free(a, n);
}

/* A client (the victim's address) asks 30 resolvers: its queries initiate the flows,
 * the resolvers' (big) answers come back on them. */
static void resolver_answers(struct amp_rig *r)
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
static void answered_midstream(struct amp_rig *r)
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

static void five_reflectors(struct amp_rig *r)
{
	reflect(r, 5, 53, 33333, 100, 4000);	/* 2 MB, but from only 5 */
}

static void test_five_reflectors_quiet(struct test_case *t)
{
	quiet(t, five_reflectors);
}

static void ntp_peers(struct amp_rig *r)
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
	struct amp_rig r;
	int n;

	CHECK(t, amp_rig_open(&r) == 0, "rig");
	/* 30 web servers SYN-ACK the victim (whose address was spoofed in SYNs to them),
	 * 60 retransmitted SYN-ACKs of 60 bytes each: 108 KB, no answer */
	for (int i = 0; i < 30; i++) {
		struct rec c = { 0xc6130001u + (uint32_t)i, VICTIM_BE, 443, 40000, 6, 0x12, 0,
				 60, 60 * 60, 0, 0 };

		send_rec(&r, &c, T0 + (uint64_t)i * SEC);
	}
	n = amp_rig_alerts(&r, a, 16, T0 + 200 * SEC);
	CHECK(t, n >= 1, "%d alerts", n);
	EXPECT(t, !strcmp(get(a[0], "alert.signature_id"), "9000430"), "sid %s",
	       get(a[0], "alert.signature_id"));
	EXPECT(t, !strcmp(get(a[0], "dest_ip"), VICTIM), "dest %s", get(a[0], "dest_ip"));
	EXPECT(t, atoi(get(a[n - 1], "anomaly.reflectors_total")) == 30, "reflectors %s",
	       get(a[n - 1], "anomaly.reflectors_total"));
	amp_free(a, n);
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
	return test_summary();
}
