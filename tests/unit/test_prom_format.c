// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus exposition of a stats snapshot (output/prom_format.c): the naming rules
 * (edgewatch_ prefix, counters end in _total, HELP and TYPE once per family before its
 * samples, no series twice), the values where they come from in the snapshot, label
 * values escaped, and `promtool check metrics` on the result where promtool is installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "output/prom_format.h"
#include "../support/test.h"

#define FAMILIES_MAX 256

/* A snapshot where every value is distinct, so a value found names its field. */
static void fill_snapshot(struct stats_snapshot *s, int final)
{
	int hook, id, reason;

	memset(s, 0, sizeof(*s));
	s->ts_ns = 1700000000123456789ULL;
	s->xdp_mode = "native";
	s->uptime_s = 42;
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++)
			s->counters.count[hook][id] = 1000 * (hook + 1) + id;
	for (reason = 0; reason < EW_END_MAX; reason++)
		s->flows.exported.flows[reason] = 500 + reason;
	s->flows.exported.bytes = 123456;
	s->flows.in_table = 7;
	s->conservation.hooks_add_up = 1;
	s->conservation.final = final;
	s->conservation.balanced = 1;
	s->has_policy = 1;
	s->policy.detection_count = 2;
	s->policy.detections[0].name = "mgmt_violation";
	s->policy.detections[0].alerts = 11;
	s->policy.detections[1].name = "mgmt_exposure";
	s->policy.detections[1].alerts = 12;
	s->policy.last_install_us = 1500;
	s->has_pipeline = 1;
	s->samples.scanned = 77;
	s->rules.pcre_errors = 3;
	s->rules.generation = 4;
	s->rules.reloads_ok = 3;
	s->rules.reloads_failed = 2;
	s->eve.write_errors = 9;
	s->sinks.count = 2;
	s->sinks.sink[0].name = "eve";
	s->sinks.sink[0].totals.events[OUTPUT_FLOW] = 31;
	s->sinks.sink[1].name = "prometheus";
	s->sinks.sink[1].totals.errors[OUTPUT_STATS] = 2;
	s->anomaly.on = 1;
	s->anomaly.detector_count = 2;
	s->anomaly.detectors[0].name = "flood";
	s->anomaly.detectors[0].evicted = 61;
	s->anomaly.detectors[0].late = 62;
	s->anomaly.detectors[1].name = "amplification";
	s->anomaly.detectors[1].late = 63;
	s->anomaly.live.on = 1;
	s->anomaly.live.dests_tracked = 71;
	s->anomaly.live.hot_lost = 72;
	s->inventory.on = 1;
	s->inventory.services = 81;
	s->inventory.flagged[INVENTORY_KNOWN_EXPLOITED] = 82;
	s->inventory.flagged[INVENTORY_CLEARTEXT_MGMT] = 83;
}

static const struct prom_alert_class alert_classes[] = {
	{ (char *)"Attempted Administrator \"Privilege\" Gain\\", 0, 5 },
	{ (char *)"management-plane-violation", 1, 6 },
};

static char *render(struct stats_snapshot *s)
{
	struct prom_alert_counts alerts = { alert_classes, 2, 4 };
	struct prom_text t = {};

	if (prom_format_stats(&t, s, &alerts))
		return NULL;
	return t.buf;
}

/* The sample line of series (name and labels as rendered), or NULL. */
static const char *find_series(const char *text, const char *series)
{
	size_t len = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[len] == ' ')
			return p + len + 1;
		p += len;
	}
	return NULL;
}

static int value_is(const char *text, const char *series, const char *value)
{
	const char *v = find_series(text, series);

	return v && !strncmp(v, value, strlen(value)) && v[strlen(value)] == '\n';
}

static void test_values(struct test_case *t)
{
	struct stats_snapshot s;
	char expected[32];
	char *text;

	fill_snapshot(&s, 0);
	text = render(&s);
	CHECK(t, text, "render failed");
	EXPECT(t, value_is(text, "edgewatch_stats_timestamp_seconds", "1700000000.123456"),
	       "timestamp");
	EXPECT(t, value_is(text, "edgewatch_inventory_services", "81"), "inventory services");
	EXPECT(t, value_is(text, "edgewatch_inventory_flagged_services{flag=\"known_exploited\"}",
			   "82"), "inventory known_exploited");
	EXPECT(t, value_is(text, "edgewatch_inventory_flagged_services{flag=\"cleartext_mgmt\"}",
			   "83"), "inventory cleartext_mgmt");
	snprintf(expected, sizeof(expected), "%d", 1000 + EW_CNT_PKT_FLOW);
	EXPECT(t, value_is(text, "edgewatch_datapath_packets_total{hook=\"xdp_ingress\","
				 "group=\"outcome\",counter=\"pkt_flow\"}", expected), "pkt_flow");
	EXPECT(t, value_is(text, "edgewatch_datapath_packets_total{hook=\"tc_egress\","
				 "group=\"seen\",counter=\"pkt_seen\"}", "2000"), "pkt_seen");
	snprintf(expected, sizeof(expected), "%d", 2000 + EW_CNT_FLOW_CREATED);
	EXPECT(t, value_is(text, "edgewatch_datapath_events_total{hook=\"tc_egress\","
				 "counter=\"flow_created\"}", expected), "flow_created");
	EXPECT(t, !strstr(text, "group=\"event\""), "an event counter among the packets");
	EXPECT(t, value_is(text, "edgewatch_flows_exported_total{reason=\"timeout\"}", "500"),
	       "timeout");
	EXPECT(t, value_is(text, "edgewatch_flows_exported_total{reason=\"shutdown\"}", "504"),
	       "shutdown");
	EXPECT(t, value_is(text, "edgewatch_flow_exported_bytes_total", "123456"), "bytes");
	EXPECT(t, value_is(text, "edgewatch_flow_table_entries", "7"), "in table");
	EXPECT(t, value_is(text, "edgewatch_policy_alerts_total{detection=\"mgmt_exposure\"}",
			   "12"), "detection");
	EXPECT(t, value_is(text, "edgewatch_policy_last_install_seconds", "0.001500"),
	       "install seconds");
	EXPECT(t, value_is(text, "edgewatch_samples_total{outcome=\"scanned\"}", "77"), "scanned");
	EXPECT(t, value_is(text, "edgewatch_rules_pcre_errors_total", "3"), "pcre");
	EXPECT(t, value_is(text, "edgewatch_rules_generation", "4"), "rules generation");
	EXPECT(t, value_is(text, "edgewatch_rules_reload_total{result=\"ok\"}", "3"),
	       "rule reloads ok");
	EXPECT(t, value_is(text, "edgewatch_rules_reload_total{result=\"failed\"}", "2"),
	       "rule reloads failed");
	EXPECT(t, value_is(text, "edgewatch_eve_lines_lost_total", "9"), "eve lost");
	EXPECT(t, value_is(text, "edgewatch_output_events_total{sink=\"eve\",type=\"flow\"}",
			   "31"), "sink events");
	EXPECT(t, value_is(text, "edgewatch_output_errors_total{sink=\"prometheus\","
				 "type=\"stats\"}", "2"), "sink errors");
	EXPECT(t, value_is(text, "edgewatch_alerts_total{category=\"Attempted Administrator "
				 "\\\"Privilege\\\" Gain\\\\\",origin=\"rule\"}", "5"),
	       "escaped category");
	EXPECT(t, value_is(text, "edgewatch_alerts_total{category="
				 "\"management-plane-violation\",origin=\"builtin\"}", "6"),
	       "builtin category");
	EXPECT(t, value_is(text, "edgewatch_alerts_category_overflow_total", "4"), "overflow");
	EXPECT(t, value_is(text, "edgewatch_xdp_mode_info{mode=\"native\"}", "1"), "xdp mode");
	EXPECT(t, value_is(text, "edgewatch_anomaly_evictions_total{detector=\"flood\"}", "61"),
	       "detector evictions");
	/* records too late to be judged: counted per detector, not lost silently */
	EXPECT(t, value_is(text, "edgewatch_anomaly_late_records_total{detector=\"flood\"}",
			   "62"), "flood late");
	EXPECT(t, value_is(text, "edgewatch_anomaly_late_records_total{detector="
				 "\"amplification\"}", "63"), "amplification late");
	/* the live flood counts, losses included */
	EXPECT(t, value_is(text, "edgewatch_flood_live_destinations", "71"), "live destinations");
	EXPECT(t, value_is(text, "edgewatch_flood_live_hot_lost_total", "72"), "hot reports lost");
	/* under traffic the sum cannot be exact: balanced only in the final snapshot */
	EXPECT(t, !strstr(text, "edgewatch_conservation_balanced"), "balanced before the end");
	free(text);
	fill_snapshot(&s, 1);
	text = render(&s);
	CHECK(t, text, "render failed");
	EXPECT(t, value_is(text, "edgewatch_conservation_balanced", "1"), "final balanced");
	EXPECT(t, !strstr(text, "edgewatch_eve_seals_total"), "seal counters while not sealing");
	free(text);
	/* outputs.eve.seal: the stats event's eve.seal as counters */
	s.eve.sealing = 1;
	s.eve.seals = 41;
	s.eve.seal_failed = 2;
	s.eve.seal_key_store_failed = 3;
	text = render(&s);
	CHECK(t, text, "render failed");
	EXPECT(t, value_is(text, "edgewatch_eve_seals_total", "41") &&
	       value_is(text, "edgewatch_eve_seal_failures_total", "2") &&
	       value_is(text, "edgewatch_eve_seal_key_store_failures_total", "3"), "seal counters");
	free(text);
}

/* Every line a HELP, a TYPE or a sample of the family they announced; names by the rules. */
static void test_naming_rules(struct test_case *t)
{
	char *families[FAMILIES_MAX], *text, *line, *save = NULL, current[128] = "", type[16] = "";
	struct stats_snapshot s;
	size_t count = 0, i, name_len;

	fill_snapshot(&s, 1);
	text = render(&s);
	CHECK(t, text, "render failed");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7)) {
			name_len = strcspn(line + 7, " ");
			CHECK(t, name_len < sizeof(current), "name too long: %s", line);
			memcpy(current, line + 7, name_len);
			current[name_len] = '\0';
			CHECK(t, !strncmp(current, "edgewatch_", 10), "prefix: %s", current);
			for (i = 0; i < count; i++)
				CHECK(t, strcmp(families[i], current), "family twice: %s", current);
			CHECK(t, count < FAMILIES_MAX, "too many families");
			families[count++] = strdup(current);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			CHECK(t, !strncmp(line + 7, current, strlen(current)) &&
					 line[7 + strlen(current)] == ' ',
			      "TYPE without its HELP: %s", line);
			snprintf(type, sizeof(type), "%s", line + 8 + strlen(current));
			CHECK(t, !strcmp(type, "counter") || !strcmp(type, "gauge"), "type %s", type);
			name_len = strlen(current);
			CHECK(t, !strcmp(type, "gauge") ||
					 (name_len > 6 && !strcmp(current + name_len - 6, "_total")),
			      "counter without _total: %s", current);
			CHECK(t, strcmp(type, "gauge") || name_len < 6 ||
					 strcmp(current + name_len - 6, "_total"),
			      "gauge named _total: %s", current);
			continue;
		}
		CHECK(t, type[0], "sample before HELP and TYPE: %s", line);
		name_len = strcspn(line, "{ ");
		CHECK(t, name_len == strlen(current) && !strncmp(line, current, name_len),
		      "sample of another family under %s: %s", current, line);
	}
	CHECK(t, count > 50, "only %zu families", count);
	for (i = 0; i < count; i++)
		free(families[i]);
	free(text);
}

/* Prometheus' own linter on what a scrape would get. */
static void test_promtool(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-prom-XXXXXX", cmd[128];
	struct stats_snapshot s;
	char *text;
	FILE *f;
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1"))
		SKIP(t, "promtool not installed (make deps: Debian's prometheus)");
	fill_snapshot(&s, 1);
	text = render(&s);
	CHECK(t, text, "render failed");
	fd = mkstemp(path);
	CHECK(t, fd >= 0, "mkstemp");
	f = fdopen(fd, "w");
	CHECK(t, f, "fdopen");
	fputs(text, f);
	fclose(f);
	free(text);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	rc = system(cmd);
	unlink(path);
	CHECK(t, rc == 0, "promtool check metrics failed (its complaints above)");
}

int main(void)
{
	test_program = "test_prom_format";
	RUN(test_values);
	RUN(test_naming_rules);
	RUN(test_promtool);
	return test_summary();
}
