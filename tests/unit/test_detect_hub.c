// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The anomaly detectors' hub (userspace/detect/detect.c) with no detector enabled:
 * reports made by hand become episodes (start, folded reports, update, end) written as
 * EVE alerts with the anomaly evidence; exclusions; the stats' sums; and the bounded
 * LRU map the detectors keep their state in (userspace/detect/lru_map.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config/config.h"
#include "detect/detect.h"
#include "detect/detector.h"
#include "detect/lru_map.h"
#include "flow_export.h"
#include "output/output.h"
#include "../support/test.h"

#define SEC 1000000000ULL
#define T0 (1700000000ULL * SEC)	/* wall clock of the reports */

struct hub_fixture {
	char path[64];
	struct ew_config *cfg;
	struct output out;
	struct flow_exporter x;
	struct detect *d;
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	struct detect_flow flow;
	uint8_t attacker[16], victim[16];
};

static int fixture_open(struct hub_fixture *f)
{
	int fd, i;

	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/edgewatch-test-detect.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	f->cfg = config_defaults();
	if (!f->cfg || output_open(&f->out, f->path, "test0"))
		return -1;
	for (i = 0; i < EW_DETECTOR_COUNT; i++)	/* reports come from the test only */
		f->cfg->anomaly.enabled[i] = 0;
	f->cfg->anomaly.value[EW_AP_UPDATE_INTERVAL] = 60;
	flow_exporter_init(&f->x, &f->out, 1, 0);
	if (detect_new(&f->d, f->cfg, &f->x) || !f->d)
		return -1;
	inet_pton(AF_INET, "198.18.7.9", f->attacker);
	inet_pton(AF_INET, "198.18.0.1", f->victim);
	f->key.family = 4;
	f->key.proto = IPPROTO_TCP;
	memcpy(f->key.addr_a.u8, f->attacker, 16);
	memcpy(f->key.addr_b.u8, f->victim, 16);
	f->key.port_a = htons(40000);
	f->key.port_b = htons(22);
	f->rec.flow_seq = 7;
	f->rec.first_seen_ns = T0;
	f->rec.last_seen_ns = T0;
	f->rec.packets[0] = 1;
	f->ev.flow.key = &f->key;
	f->ev.flow.rec = &f->rec;
	f->flow.ev = &f->ev;
	return 0;
}

/* Close the output and read back every alert line (NULL-terminated array). */
static struct json_object **fixture_alerts(struct hub_fixture *f, size_t *count)
{
	struct json_object **alerts = calloc(8192, sizeof(*alerts));
	char line[16384];
	FILE *in;

	*count = 0;
	detect_free(f->d);
	f->d = NULL;
	output_close(&f->out);
	in = fopen(f->path, "r");
	while (in && alerts && fgets(line, sizeof(line), in) && *count < 8191) {
		struct json_object *o = json_tokener_parse(line), *type;

		if (o && json_object_object_get_ex(o, "event_type", &type) &&
		    !strcmp(json_object_get_string(type), "alert"))
			alerts[(*count)++] = o;
		else
			json_object_put(o);
	}
	if (in)
		fclose(in);
	return alerts;
}

static void fixture_close(struct hub_fixture *f, struct json_object **alerts, size_t count)
{
	size_t i;

	for (i = 0; alerts && i < count; i++)
		json_object_put(alerts[i]);
	free(alerts);
	if (f->d) {	/* the alerts were not read: the output is still open */
		detect_free(f->d);
		output_close(&f->out);
	}
	flow_exporter_destroy(&f->x);
	config_free(f->cfg);
	unlink(f->path);
}

/* A port-scan report from the attacker against the victim at t, with n ports seen. */
static void report_scan(struct hub_fixture *f, uint64_t t, double ports)
{
	static const char *const port_items[] = { "22", "23", "80" };
	struct anomaly_number numbers[] = {
		{ "distinct_ports", ports, 1 }, { "threshold", 20, 1 }, { "rate", 2.5, 0 },
	};
	struct anomaly_list lists[] = { { "ports", port_items, 3, (uint64_t)ports } };
	struct anomaly_report r = {
		.sid = 9000101, .flow = &f->flow, .to_server = 1, .family = 4,
		.source = f->attacker, .target = f->victim, .proto = IPPROTO_TCP,
		.ts_ns = t, .window_s = 300, .numbers = numbers, .number_count = 3,
		.lists = lists, .list_count = 1,
	};

	detect_report(f->d, &r);
}

static const char *str_at(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x))
		return "";
	if (!b)
		return json_object_get_string(x);
	if (!json_object_object_get_ex(x, b, &y))
		return "";
	return json_object_get_string(y);
}

static int64_t int_at(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return -1;
	return json_object_get_int64(y);
}

/* start at once; reports inside the update interval folded; an update; the end after a
 * quiet window, with the latest evidence and the folded count as suppressed */
static void test_episode(struct test_case *t)
{
	struct hub_fixture f;
	struct json_object **alerts;
	struct stats_anomaly s;
	size_t n;
	int i;

	CHECK(t, fixture_open(&f) == 0, "fixture");
	report_scan(&f, T0, 20);
	for (i = 1; i <= 5; i++)			/* folded: within 60 s */
		report_scan(&f, T0 + i * SEC, 20 + i);
	report_scan(&f, T0 + 61 * SEC, 40);		/* update: 60 s after the start */
	report_scan(&f, T0 + 62 * SEC, 41);		/* folded */
	detect_tick(f.d, T0 + 62 * SEC + 299 * SEC);	/* quiet 299 s of a 300 s window */
	detect_stats(f.d, &s);
	EXPECT(t, s.episodes_open == 1, "open %llu before the window is over",
	       (unsigned long long)s.episodes_open);
	detect_tick(f.d, T0 + 62 * SEC + 300 * SEC);
	detect_stats(f.d, &s);
	CHECK(t, s.reports == 8 && s.episodes_started == 1 && s.episodes_updated == 1 &&
		 s.suppressed == 6 && s.episodes_ended == 1 && s.episodes_open == 0 &&
		 s.alerts == 3 && s.alert_errors == 0,
	      "reports %llu started %llu updated %llu suppressed %llu ended %llu open %llu "
	      "alerts %llu", (unsigned long long)s.reports,
	      (unsigned long long)s.episodes_started, (unsigned long long)s.episodes_updated,
	      (unsigned long long)s.suppressed, (unsigned long long)s.episodes_ended,
	      (unsigned long long)s.episodes_open, (unsigned long long)s.alerts);
	/* every report is in an alert: started + updated + suppressed */
	CHECK(t, s.reports == s.episodes_started + s.episodes_updated + s.suppressed, "sum");

	alerts = fixture_alerts(&f, &n);
	CHECK(t, n == 3, "%zu alerts", n);
	CHECK(t, !strcmp(str_at(alerts[0], "anomaly", "episode"), "start") &&
		 !strcmp(str_at(alerts[1], "anomaly", "episode"), "update") &&
		 !strcmp(str_at(alerts[2], "anomaly", "episode"), "end"),
	      "episodes %s %s %s", str_at(alerts[0], "anomaly", "episode"),
	      str_at(alerts[1], "anomaly", "episode"), str_at(alerts[2], "anomaly", "episode"));
	CHECK(t, !strcmp(str_at(alerts[0], "alert", "category"), "Port Scan") &&
		 int_at(alerts[0], "alert", "signature_id") == 9000101 &&
		 !strcmp(str_at(alerts[0], "anomaly", "technique"), "SYN scan") &&
		 !strcmp(str_at(alerts[0], "anomaly", "detector"), "scan") &&
		 !strcmp(str_at(alerts[0], "src_ip", NULL), "198.18.7.9") &&
		 !strcmp(str_at(alerts[0], "dest_ip", NULL), "198.18.0.1"),
	      "first alert: %s", json_object_to_json_string(alerts[0]));
	CHECK(t, int_at(alerts[0], "anomaly", "distinct_ports") == 20 &&
		 int_at(alerts[0], "anomaly", "ports_total") == 20 &&
		 int_at(alerts[0], "anomaly", "window") == 300 &&
		 !strcmp(str_at(alerts[0], "anomaly", "rate"), "2.5"),
	      "evidence: %s", str_at(alerts[0], "anomaly", NULL));
	/* the update: the 5 folded reports before it; the end: the one after it */
	CHECK(t, int_at(alerts[1], "anomaly", "distinct_ports") == 40 &&
		 json_object_get_int64(json_object_object_get(alerts[1], "suppressed")) == 5,
	      "update: %s", json_object_to_json_string(alerts[1]));
	CHECK(t, int_at(alerts[2], "anomaly", "distinct_ports") == 41 &&
		 int_at(alerts[2], "anomaly", "reports") == 8 &&
		 json_object_get_int64(json_object_object_get(alerts[2], "suppressed")) == 1,
	      "end: %s", json_object_to_json_string(alerts[2]));
	fixture_close(&f, alerts, n);
}

/* The run ends: every open episode is alerted as ended. */
static void test_finish_ends_all(struct test_case *t)
{
	struct hub_fixture f;
	struct json_object **alerts;
	struct stats_anomaly s;
	size_t n;

	CHECK(t, fixture_open(&f) == 0, "fixture");
	report_scan(&f, T0, 20);
	f.victim[3] = 2;	/* another target: another episode */
	report_scan(&f, T0, 20);
	detect_finish(f.d, T0 + SEC);
	detect_stats(f.d, &s);
	CHECK(t, s.episodes_started == 2 && s.episodes_ended == 2 && s.episodes_open == 0,
	      "started %llu ended %llu", (unsigned long long)s.episodes_started,
	      (unsigned long long)s.episodes_ended);
	alerts = fixture_alerts(&f, &n);
	CHECK(t, n == 4, "%zu alerts", n);
	fixture_close(&f, alerts, n);
}

/* More episodes than the hub holds: the oldest ends (alerted), counted as evicted. */
static void test_episodes_bounded(struct test_case *t)
{
	struct hub_fixture f;
	struct json_object **alerts;
	struct stats_anomaly s;
	size_t n;
	int i;

	CHECK(t, fixture_open(&f) == 0, "fixture");
	for (i = 0; i < 4096 + 10; i++) {
		f.attacker[2] = (uint8_t)(i >> 8);
		f.attacker[3] = (uint8_t)i;
		report_scan(&f, T0, 20);
	}
	detect_stats(f.d, &s);
	CHECK(t, s.episodes_open == 4096 && s.episodes_evicted == 10 &&
		 s.episodes_ended == 10, "open %llu evicted %llu ended %llu",
	      (unsigned long long)s.episodes_open, (unsigned long long)s.episodes_evicted,
	      (unsigned long long)s.episodes_ended);
	alerts = fixture_alerts(&f, &n);
	CHECK(t, n == 4106 + 10, "%zu alerts", n);
	fixture_close(&f, alerts, n);
}

/* A flow from or to an excluded prefix never reaches a detector. */
static void test_exclude(struct test_case *t)
{
	struct hub_fixture f;
	struct stats_anomaly s;
	char why[CONFIG_WHY_LEN];

	CHECK(t, fixture_open(&f) == 0, "fixture");
	f.cfg->anomaly.exclude.items = calloc(1, sizeof(struct ew_cidr));
	CHECK(t, f.cfg->anomaly.exclude.items, "calloc");
	config_parse_cidr("198.18.0.0/24", &f.cfg->anomaly.exclude.items[0], why, sizeof(why));
	f.cfg->anomaly.exclude.count = 1;
	detect_flow(f.d, &f.ev);	/* 198.18.7.9 -> 198.18.0.1: the responder is excluded */
	f.key.addr_b.u8[2] = 9;		/* 198.18.9.1: neither */
	detect_flow(f.d, &f.ev);
	detect_stats(f.d, &s);
	CHECK(t, s.flows_excluded == 1 && s.flows_seen == 1, "excluded %llu seen %llu",
	      (unsigned long long)s.flows_excluded, (unsigned long long)s.flows_seen);
	fixture_close(&f, NULL, 0);
}

/*
 * A reload hands the hub a new configuration and frees the old one (run.c): the new
 * exclusions apply at once and nothing reads the freed one (ASan would say so).
 */
static void test_reconfigure(struct test_case *t)
{
	struct hub_fixture f;
	struct ew_config *fresh;
	struct stats_anomaly s;
	char why[CONFIG_WHY_LEN];

	CHECK(t, fixture_open(&f) == 0, "fixture");
	fresh = config_defaults();
	CHECK(t, fresh, "config_defaults");
	memcpy(fresh->anomaly.enabled, f.cfg->anomaly.enabled, sizeof(fresh->anomaly.enabled));
	fresh->anomaly.exclude.items = calloc(1, sizeof(struct ew_cidr));
	CHECK(t, fresh->anomaly.exclude.items, "calloc");
	config_parse_cidr("198.18.7.0/24", &fresh->anomaly.exclude.items[0], why, sizeof(why));
	fresh->anomaly.exclude.count = 1;
	detect_flow(f.d, &f.ev);	/* before: looked at */
	detect_reconfigure(f.d, fresh);
	config_free(f.cfg);
	f.cfg = fresh;
	detect_flow(f.d, &f.ev);	/* after: 198.18.7.9 is excluded */
	detect_stats(f.d, &s);
	CHECK(t, s.flows_excluded == 1 && s.flows_seen == 1, "excluded %llu seen %llu",
	      (unsigned long long)s.flows_excluded, (unsigned long long)s.flows_seen);
	fixture_close(&f, NULL, 0);
}

static int evicted_count;

static void count_evicted(void *ctx, const void *key, void *value)
{
	(void)ctx;
	(void)value;
	evicted_count += *(const uint32_t *)key == 0;	/* the least recently used: key 0 */
}

static int delete_odd(void *ctx, const void *key, void *value)
{
	(void)ctx;
	(void)value;
	return *(const uint32_t *)key & 1;
}

static void test_lru_map(struct test_case *t)
{
	struct lru_map *m;
	uint32_t k, *v;
	int created;

	CHECK(t, lru_map_new(&m, 4, sizeof(k), sizeof(uint32_t)) == 0, "new");
	for (k = 0; k < 4; k++) {
		v = lru_map_upsert(m, &k, &created, count_evicted, NULL);
		CHECK(t, v && created && *v == 0, "insert %u", k);
		*v = k * 10;
	}
	k = 0;
	CHECK(t, lru_map_get(m, &k) && *(uint32_t *)lru_map_get(m, &k) == 0, "get 0");
	k = 1;	/* 0 was used last: 1 is now the least recently used */
	k = 9;
	evicted_count = 0;
	v = lru_map_upsert(m, &k, &created, count_evicted, NULL);
	CHECK(t, created && evicted_count == 0 && lru_map_evictions(m) == 1, "evicted 1, not 0");
	k = 1;
	CHECK(t, lru_map_get(m, &k) == NULL, "1 is gone");
	k = 0;
	CHECK(t, lru_map_get(m, &k) != NULL, "0 stays");
	CHECK(t, lru_map_count(m) == 4, "count %zu", lru_map_count(m));
	lru_map_each(m, delete_odd, NULL);	/* 3 and 9 */
	CHECK(t, lru_map_count(m) == 2, "after delete_odd %zu", lru_map_count(m));
	k = 2;
	lru_map_delete(m, &k);
	CHECK(t, lru_map_count(m) == 1 && lru_map_get(m, &k) == NULL, "delete 2");
	lru_map_free(m);
}

int main(void)
{
	test_program = "test_detect_hub";
	RUN(test_episode);
	RUN(test_finish_ends_all);
	RUN(test_episodes_bounded);
	RUN(test_exclude);
	RUN(test_reconfigure);
	RUN(test_lru_map);
	return test_summary();
}
