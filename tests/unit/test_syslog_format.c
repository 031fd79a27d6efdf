// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog sink's messages: RFC 5424 header, the alert's structured data with its
 * values escaped (6.3.3), severity from alert.severity, the EVE line as MSG, and the
 * octet-counting frame (RFC 6587 3.4.1) whose length is the message's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve_format.h"
#include "output/syslog_format.h"
#include "../support/test.h"

static void test_sd_escape(struct test_case *t)
{
	char out[64];
	int n = syslog_sd_escape("a\"b\\c]d[e", out, sizeof(out));

	CHECK(t, n == 12 && !strcmp(out, "a\\\"b\\\\c\\]d[e"), "got %d %s", n, out);
	CHECK(t, syslog_sd_escape("]]]]", out, 8) == -ENOSPC, "no overflow check");
	CHECK(t, syslog_sd_escape("]]]", out, 7) == 6, "exact fit refused");
}

static void test_severity(struct test_case *t)
{
	CHECK(t, syslog_alert_severity(1) == SYSLOG_CRIT, "1");
	CHECK(t, syslog_alert_severity(2) == SYSLOG_ERR, "2");
	CHECK(t, syslog_alert_severity(3) == SYSLOG_WARNING, "3");
	CHECK(t, syslog_alert_severity(4) == SYSLOG_NOTICE, "4");
	CHECK(t, syslog_alert_severity(0) == SYSLOG_NOTICE, "0");
}

static void test_hostname(struct test_case *t)
{
	struct syslog_origin o;

	syslog_origin_init(&o, 16, "sensor-1.example", 42, 0);
	CHECK(t, !strcmp(o.hostname, "sensor-1.example") && !strcmp(o.procid, "42"), "%s %s",
	      o.hostname, o.procid);
	syslog_origin_init(&o, 16, "bad name", 42, 0);
	CHECK(t, !strcmp(o.hostname, "-"), "a space in HOSTNAME: %s", o.hostname);
	syslog_origin_init(&o, 16, "", 42, 0);
	CHECK(t, !strcmp(o.hostname, "-"), "empty HOSTNAME: %s", o.hostname);
}

static void alert_fixture(struct alert_event *a, struct flow_key *key, struct flow_record *rec)
{
	memset(key, 0, sizeof(*key));
	memset(rec, 0, sizeof(*rec));
	key->family = 4;
	key->proto = 6;
	key->addr_a.be32[0] = 0x010012c6;	/* 198.18.0.1 */
	key->addr_b.be32[0] = 0x020012c6;
	key->port_a = 0x3930;		/* 12345 */
	key->port_b = 0x5000;		/* 80 */
	rec->first_seen_ns = 1000;
	rec->flow_seq = 7;
	alert_event_init(a, key, rec, 1, 2000, 1639426166000000000LL, 1);
	a->gid = 1;
	a->sid = 9000001;
	a->rev = 2;
	a->signature = "EDGEWATCH test \"quoted\" [x] back\\slash";
	a->category = "Attempted Administrator Privilege Gain";
	a->severity = 2;
}

static void test_alert_message(struct test_case *t)
{
	struct flow_key key;
	struct flow_record rec;
	struct alert_event a;
	struct syslog_origin o;
	struct syslog_message m = { 0 };
	struct syslog_fields f;
	char eve[8192], want[9000], *msg, *buf;
	size_t cap;
	struct json_line jl;
	int n;

	alert_fixture(&a, &key, &rec);
	syslog_origin_init(&o, 16, "sensor", 42, 1);
	json_line_init(&jl, eve, sizeof(eve));
	CHECK(t, eve_format_alert(&jl, &a, "wan0") == 0, "EVE format failed");
	f = syslog_fields_alert(&a);
	cap = syslog_message_cap(&f, jl.len);
	buf = malloc(cap);
	CHECK(t, buf, "malloc");
	CHECK(t, syslog_format(&o, &f, jl.buf, jl.len, buf, cap - 1, &m) == -ENOSPC,
	      "a buffer short of the cap was written");
	CHECK(t, syslog_format(&o, &f, jl.buf, jl.len, buf, cap, &m) == 0, "format failed");
	/* 2021-12-13T20:09:26.000002Z: 1639426166 s + 2000 ns */
	snprintf(want, sizeof(want),
		 "<131>1 2021-12-13T20:09:26.000002Z sensor edgewatch 42 alert "
		 "[edgewatch@32473 sid=\"9000001\" gid=\"1\" rev=\"2\" severity=\"2\" "
		 "category=\"Attempted Administrator Privilege Gain\" "
		 "signature=\"EDGEWATCH test \\\"quoted\\\" [x\\] back\\\\slash\"] %.*s",
		 (int)jl.len, jl.buf);
	msg = m.buf + m.start;
	n = atoi(msg);
	CHECK(t, n > 0 && strchr(msg, ' '), "no frame: %.40s", msg);
	msg = strchr(msg, ' ') + 1;
	CHECK(t, (size_t)n == strlen(want) && m.len == (size_t)(msg - (m.buf + m.start)) + n,
	      "frame length %d, message %zu, buffer %zu", n, strlen(want), m.len);
	CHECK(t, !strncmp(msg, want, strlen(want)), "\n got: %.*s\nwant: %s", n, msg, want);
	free(m.buf);
}

static void test_unframed_stats(struct test_case *t)
{
	struct stats_snapshot *s = calloc(1, sizeof(*s));
	struct syslog_origin o;
	struct syslog_message m = { 0 };
	struct syslog_fields f;
	size_t cap;
	char *buf;
	const char *want = "<134>1 1970-01-01T00:00:01.500000Z - edgewatch 7 stats - {";
	char *eve = malloc(EVE_STATS_LINE_MAX);
	struct json_line jl;

	CHECK(t, s && eve, "calloc");
	s->ts_ns = 1500000000ULL;
	syslog_origin_init(&o, 16, NULL, 7, 0);	/* UDP: no frame */
	json_line_init(&jl, eve, EVE_STATS_LINE_MAX);
	CHECK(t, eve_format_stats(&jl, s, NULL) == 0, "EVE format failed");
	f = syslog_fields_stats(s);
	cap = syslog_message_cap(&f, jl.len);
	buf = malloc(cap);
	CHECK(t, buf, "malloc");
	CHECK(t, syslog_format(&o, &f, jl.buf, jl.len, buf, cap, &m) == 0, "format failed");
	CHECK(t, !strncmp(m.buf + m.start, want, strlen(want)), "got %.80s", m.buf + m.start);
	CHECK(t, m.buf[m.start + m.len - 1] == '}', "MSG is not the whole JSON line");
	free(m.buf);
	free(eve);
	free(s);
}

int main(void)
{
	test_program = "test_syslog_format";
	RUN(test_sd_escape);
	RUN(test_severity);
	RUN(test_hostname);
	RUN(test_alert_message);
	RUN(test_unframed_stats);
	return test_summary();
}
