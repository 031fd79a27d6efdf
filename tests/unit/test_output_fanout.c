// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fan-out formats each event's EVE line once, however many sinks carry it
 * (output.h): the EVE file, syslog's MSG and Kafka's value. With all three on:
 *  - every flow, alert and stats event costs the producing thread exactly one format
 *    (eve_lines_formatted(); before the line was shared it cost three);
 *  - syslog's MSG is byte for byte the EVE file's line, event by event;
 *  - alerts from two threads at once: each line whole and right (the line's buffer is
 *    the call's, not a shared one), one format per alert in each thread.
 * And the seal records of a sealed EVE file (outputs.eve.seal) leave the box through
 * syslog and Kafka (PREFIX.seal), byte for byte the EVE file's seal lines, so that the
 * last seal a collector received proves a truncation of the file (`log verify
 * --last-seal`): the whole file verifies against it, the file cut after an earlier seal
 * fails as truncated.
 * Inventory records (issue 14) leave the box like alerts: syslog (MSGID inventory, notice
 * when flagged) and Kafka (PREFIX.inventory, keyed ADDR/PORT/PROTO), the EVE line's bytes.
 * The collectors (a UDP socket for syslog, librdkafka's mock cluster) live on loopback
 * in a network namespace of the test's own (unshare), so nothing reaches the host's.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "config/config.h"
#include "logcmd/log_verify.h"
#include "output/eve_format.h"
#include "output/eve_seal.h"
#include "output/output.h"
#include "../support/test.h"

#define IFACE "wan0"
#define THREAD_ALERTS 100
#define LINES_MAX 512

static rd_kafka_t *mock_owner;
static rd_kafka_mock_cluster_t *mcluster;
static struct ew_kafka_broker broker;
static char broker_host[64];
static const char *no_netns;	/* why the namespace could not be made (NULL: it was) */

/* The EVE file, syslog's collector and every sink on one output. */
struct fanout {
	char eve_path[64];
	int collector;
	struct output out;
	struct output_sink *kafka;
};

/* A network namespace of our own with its loopback up; why on failure. */
static const char *enter_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (unshare(CLONE_NEWNET))
		return "cannot unshare the network namespace (needs root)";
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = 1;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = 1;
	if (fd >= 0)
		close(fd);
	return err ? "cannot bring up the namespace's loopback" : NULL;
}

static int start_cluster(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[256], *colon;

	rd_kafka_conf_set(conf, "log_level", "2", why, sizeof(why));
	mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	mcluster = mock_owner ? rd_kafka_mock_cluster_new(mock_owner, 1) : NULL;
	if (!mcluster)
		return -1;
	rd_kafka_mock_topic_create(mcluster, "fanout.flow", 1, 1);
	rd_kafka_mock_topic_create(mcluster, "fanout.alert", 1, 1);
	rd_kafka_mock_topic_create(mcluster, "fanout.stats", 1, 1);
	rd_kafka_mock_topic_create(mcluster, "fanout.seal", 1, 1);
	rd_kafka_mock_topic_create(mcluster, "fanout.inventory", 1, 1);
	snprintf(broker_host, sizeof(broker_host), "%s",
		 rd_kafka_mock_cluster_bootstraps(mcluster));
	colon = strrchr(broker_host, ':');
	*colon = '\0';
	broker.host = broker_host;
	broker.port = (uint16_t)atoi(colon + 1);
	return 0;
}

static int fanout_open(struct fanout *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 1, 0 };	/* a datagram not there within 1 s is missing */
	socklen_t len = sizeof(a);
	int rcvbuf = 4 << 20, fd;
	struct ew_syslog_output so = { .enabled = 1, .host = "127.0.0.1",
				       .transport = EW_SYSLOG_UDP, .flows = 1, .facility = 16 };
	struct ew_kafka_output ko = { .enabled = 1, .brokers = &broker, .broker_count = 1,
				      .topic_prefix = "fanout", .queue_messages = 10000,
				      .client_id = "edgewatch-test", .compression = "none" };
	struct output_sink *sink;

	memset(f, 0, sizeof(*f));
	snprintf(f->eve_path, sizeof(f->eve_path), "/tmp/edgewatch-fanout.XXXXXX");
	fd = mkstemp(f->eve_path);
	if (fd < 0)
		return -1;
	close(fd);
	f->collector = socket(AF_INET, SOCK_DGRAM, 0);
	if (f->collector < 0 || bind(f->collector, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(f->collector, (struct sockaddr *)&a, &len))
		return -1;
	setsockopt(f->collector, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(f->collector, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	so.port = ntohs(a.sin_port);
	if (output_open(&f->out, f->eve_path, IFACE))
		return -1;
	if (syslog_sink_open(&sink, &so) || output_add_sink(&f->out, sink))
		return -1;
	if (kafka_sink_open(&f->kafka, &ko, IFACE) || output_add_sink(&f->out, f->kafka))
		return -1;
	return 0;
}

static void fanout_close(struct fanout *f)
{
	output_close(&f->out);
	if (f->collector > 0)
		close(f->collector);
	unlink(f->eve_path);
}

/* The EVE file's lines (newlines cut), after the output's flush. Their count. */
static size_t eve_lines(struct fanout *f, char **lines, size_t max)
{
	FILE *file = fopen(f->eve_path, "r");
	size_t n = 0, cap = 0;
	char *line = NULL;
	ssize_t len;

	if (!file)
		return 0;
	while (n < max && (len = getline(&line, &cap, file)) > 0) {
		line[len - 1] = '\0';
		lines[n++] = strdup(line);
	}
	free(line);
	fclose(file);
	return n;
}

static void free_lines(char **lines, size_t n)
{
	while (n--)
		free(lines[n]);
}

/* A TCP flow numbered n, 198.18.0.n:40000+n -> 198.19.0.1:443. */
static void flow_fixture(uint32_t n, struct flow_key *key, struct flow_record *rec)
{
	memset(key, 0, sizeof(*key));
	memset(rec, 0, sizeof(*rec));
	key->family = 4;
	key->proto = 6;
	key->addr_a.be32[0] = htonl(0xc6120000 | n);
	key->addr_b.be32[0] = htonl(0xc6130001);
	key->port_a = htons((uint16_t)(40000 + n));
	key->port_b = htons(443);
	rec->first_seen_ns = 1000;
	rec->flow_seq = n;
	rec->packets[0] = 3 + n;
	rec->bytes[0] = 180 + n;
}

static void alert_fixture(struct alert_event *a, struct flow_key *key, struct flow_record *rec,
			  uint32_t sid)
{
	flow_fixture(sid % 200, key, rec);
	alert_event_init(a, key, rec, 1, 2000, 1639426166000000000LL, 1);
	a->gid = 1;
	a->sid = sid;
	a->rev = 1;
	a->signature = "EDGEWATCH fan-out test";
	a->category = "Misc activity";
	a->severity = 3;
}

static void test_formatted_once(struct test_case *t)
{
	struct stats_snapshot *snap = calloc(1, sizeof(*snap));
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev = { 0 };
	struct alert_event a;
	struct fanout f;
	uint64_t before;
	uint32_t n;

	if (no_netns) {
		free(snap);
		SKIP(t, "%s", no_netns);
	}
	CHECK(t, snap && !fanout_open(&f), "cannot open the output with its sinks");
	for (n = 1; n <= 4; n++) {
		flow_fixture(n, &key, &rec);
		ev.flow.key = &key;
		ev.flow.rec = &rec;
		flow_fields_of(&key, &rec, 1, &ev.flow.fields);
		ev.reason = EW_END_CLOSED;
		ev.packets[0] = rec.packets[0];
		ev.bytes[0] = rec.bytes[0];
		ev.start_ns = 1639426166000000000ULL;
		ev.end_ns = ev.start_ns + n;
		before = eve_lines_formatted();
		output_flow(&f.out, &ev);
		EXPECT(t, eve_lines_formatted() - before == 1, "flow %u: formatted %llu times", n,
		       (unsigned long long)(eve_lines_formatted() - before));
	}
	for (n = 9000001; n <= 9000002; n++) {
		alert_fixture(&a, &key, &rec, n);
		before = eve_lines_formatted();
		output_alert(&f.out, &a);
		EXPECT(t, eve_lines_formatted() - before == 1, "alert %u: formatted %llu times", n,
		       (unsigned long long)(eve_lines_formatted() - before));
	}
	snap->ts_ns = 1639426167000000000ULL;
	before = eve_lines_formatted();
	output_stats(&f.out, snap);
	EXPECT(t, eve_lines_formatted() - before == 1, "stats: formatted %llu times",
	       (unsigned long long)(eve_lines_formatted() - before));
	output_flush(&f.out);
	output_drain(&f.out);
	output_queued_sinks(&f.out, snap);
	for (n = 0; n < snap->queued_sink_count; n++)
		EXPECT(t, snap->queued_sinks[n].sent == 7, "%s sent %llu of 7",
		       snap->queued_sinks[n].name, (unsigned long long)snap->queued_sinks[n].sent);
	EXPECT(t, snap->queued_sink_count == 2, "%zu queued sinks, want syslog and kafka",
	       (size_t)snap->queued_sink_count);
	fanout_close(&f);
	free(snap);
}

/* Syslog's MSG (after "<PRI>1 TS HOST APP PROCID MSGID SD ") is the EVE file's line. */
static void test_same_bytes(struct test_case *t)
{
	char *lines[LINES_MAX], dgram[8192], *msg;
	struct flow_key key;
	struct flow_record rec;
	struct alert_event a;
	struct fanout f;
	size_t count, i;
	ssize_t len;

	if (no_netns)
		SKIP(t, "%s", no_netns);
	CHECK(t, !fanout_open(&f), "cannot open the output with its sinks");
	for (i = 0; i < 5; i++) {
		alert_fixture(&a, &key, &rec, 9000100 + (uint32_t)i);
		output_alert(&f.out, &a);
	}
	output_flush(&f.out);
	output_drain(&f.out);
	count = eve_lines(&f, lines, LINES_MAX);
	EXPECT(t, count == 5, "%zu EVE lines, want 5", count);
	for (i = 0; i < count; i++) {
		len = recv(f.collector, dgram, sizeof(dgram) - 1, 0);
		if (len <= 0) {
			EXPECT(t, 0, "syslog message %zu missing", i);
			break;
		}
		dgram[len] = '\0';
		msg = strstr(dgram, "] {");	/* the SD element's end, then MSG */
		EXPECT(t, msg && !strcmp(msg + 2, lines[i]), "message %zu:\n got: %s\nwant: %s", i,
		       dgram, lines[i]);
	}
	free_lines(lines, count);
	fanout_close(&f);
}

struct alert_thread {
	struct output *out;
	uint32_t first_sid;
	uint64_t formatted;
};

static void *send_alerts(void *arg)
{
	struct alert_thread *at = arg;
	uint64_t before = eve_lines_formatted();
	struct flow_key key;
	struct flow_record rec;
	struct alert_event a;
	uint32_t i;

	for (i = 0; i < THREAD_ALERTS; i++) {
		alert_fixture(&a, &key, &rec, at->first_sid + i);
		output_alert(at->out, &a);
	}
	at->formatted = eve_lines_formatted() - before;
	return NULL;
}

/* Is line the EVE line of the alert with this sid? */
static int is_alert_line(const char *line, uint32_t sid)
{
	struct flow_key key;
	struct flow_record rec;
	struct alert_event a;
	struct json_line jl;
	char want[JSON_LINE_MAX];

	alert_fixture(&a, &key, &rec, sid);
	json_line_init(&jl, want, sizeof(want));
	return !eve_format_alert(&jl, &a, IFACE) && strlen(line) == jl.len &&
	       !memcmp(line, jl.buf, jl.len);
}

static void test_alerts_from_threads(struct test_case *t)
{
	struct alert_thread at[2];
	pthread_t threads[2];
	char *lines[LINES_MAX];
	char seen[2 * THREAD_ALERTS] = { 0 };
	struct fanout f;
	size_t count, i;
	int k;

	if (no_netns)
		SKIP(t, "%s", no_netns);
	CHECK(t, !fanout_open(&f), "cannot open the output with its sinks");
	for (k = 0; k < 2; k++) {
		at[k] = (struct alert_thread){ &f.out, 9001000 + k * THREAD_ALERTS, 0 };
		CHECK(t, !pthread_create(&threads[k], NULL, send_alerts, &at[k]), "thread");
	}
	for (k = 0; k < 2; k++)
		pthread_join(threads[k], NULL);
	for (k = 0; k < 2; k++)
		EXPECT(t, at[k].formatted == THREAD_ALERTS, "thread %d formatted %llu lines for %d "
		       "alerts", k, (unsigned long long)at[k].formatted, THREAD_ALERTS);
	output_flush(&f.out);
	count = eve_lines(&f, lines, LINES_MAX);
	EXPECT(t, count == 2 * THREAD_ALERTS, "%zu EVE lines, want %d", count, 2 * THREAD_ALERTS);
	for (i = 0; i < count; i++) {
		const char *sid = strstr(lines[i], "\"signature_id\":");
		uint32_t n = sid ? (uint32_t)strtoul(sid + 15, NULL, 10) - 9001000 : ~0u;

		EXPECT(t, n < 2 * THREAD_ALERTS && !seen[n] && is_alert_line(lines[i], 9001000 + n),
		       "line %zu is not one whole alert of its own: %s", i, lines[i]);
		if (n < 2 * THREAD_ALERTS)
			seen[n] = 1;
	}
	free_lines(lines, count);
	output_drain(&f.out);
	fanout_close(&f);
}

/* The values of topic's partition 0 from its start, until want or 10 s. Their count. */
static size_t consume_topic(const char *topic, char **values, size_t want)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *parts;
	time_t deadline = time(NULL) + 10;
	char why[256];
	rd_kafka_t *c;
	size_t n = 0;

	rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mcluster),
			  why, sizeof(why));
	rd_kafka_conf_set(conf, "group.id", "seal-collector", why, sizeof(why));
	c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (!c)
		return 0;
	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(c, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	while (n < want && time(NULL) < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);

		if (!m)
			continue;
		if (!m->err)
			values[n++] = strndup(m->payload, m->len);
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
	return n;
}

/* Verify lines[0..count) as one file against pub0 and the collector's last seal. */
static int verify_lines(char **lines, size_t count, const uint8_t *pub0, const char *last_seal,
			char *detail)
{
	struct log_verify v;
	char why[LOG_VERIFY_DETAIL_LEN];
	size_t i;
	int failed;

	log_verify_init(&v, pub0);
	if (log_verify_expect_seal(&v, last_seal, strlen(last_seal), why)) {
		snprintf(detail, LOG_VERIFY_DETAIL_LEN, "last seal refused: %.200s", why);
		log_verify_free(&v);
		return -1;
	}
	log_verify_file_begin(&v, "eve.json");
	for (i = 0; i < count; i++)
		log_verify_line(&v, lines[i], strlen(lines[i]));
	log_verify_file_end(&v);
	log_verify_finish(&v);
	snprintf(detail, LOG_VERIFY_DETAIL_LEN, "%s", v.last_seal_detail);
	failed = v.failed;
	log_verify_free(&v);
	return failed;
}

#define SEALS 3

static void test_seals_off_the_box(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-sealfan.XXXXXX", key[64], pub_path[80], why[SEAL_WHY_LEN];
	char *lines[LINES_MAX], *kafka[SEALS + 1], *syslog_seals[SEALS + 1] = { 0 };
	char dgram[8192], detail[LOG_VERIFY_DETAIL_LEN];
	uint8_t pub0[SEAL_KEY_LEN];
	size_t count, i, seals = 0, from_syslog = 0, from_kafka, cut = 0;
	struct flow_key fkey;
	struct flow_record rec;
	struct alert_event a;
	struct eve_seal *seal;
	struct fanout f;
	ssize_t len;
	int round;

	if (no_netns)
		SKIP(t, "%s", no_netns);
	CHECK(t, mkdtemp(dir), "mkdtemp");
	snprintf(key, sizeof(key), "%s/seal.key", dir);
	snprintf(pub_path, sizeof(pub_path), "%s.pub", key);
	CHECK(t, !seal_keygen(key, why) && !seal_pub_load(pub_path, pub0, why), "keygen: %s", why);
	CHECK(t, !fanout_open(&f), "cannot open the output with its sinks");
	CHECK(t, !eve_seal_open(&seal, key, 0, why), "seal: %s", why);
	eve_attach_seal(f.out.eve, seal);
	/* three segments: two sealed by a reopen (SIGHUP), the last at close */
	for (round = 0; round < SEALS; round++) {
		for (i = 0; i < 3; i++) {
			alert_fixture(&a, &fkey, &rec, 9002000 + (uint32_t)(round * 10 + i));
			output_alert(&f.out, &a);
		}
		output_flush(&f.out);
		if (round < SEALS - 1)
			output_reopen(&f.out);
	}
	output_drain(&f.out);
	output_close(&f.out);	/* the last seal, and the sinks' close delivers it */
	count = eve_lines(&f, lines, LINES_MAX);
	while ((len = recv(f.collector, dgram, sizeof(dgram) - 1, 0)) > 0) {
		char *msg;

		dgram[len] = '\0';
		msg = strstr(dgram, " seal - ");	/* MSGID seal, no SD: then MSG */
		if (msg && from_syslog <= SEALS)
			syslog_seals[from_syslog++] = strdup(msg + 8);
	}
	from_kafka = consume_topic("fanout.seal", kafka, SEALS);
	for (i = 0; i < count; i++) {
		if (!strstr(lines[i], "\"event_type\":\"seal\""))
			continue;
		EXPECT(t, i >= count - 1 || seals < SEALS, "more seals than %d", SEALS);
		if (seals < SEALS) {
			EXPECT(t, seals < from_syslog && !strcmp(syslog_seals[seals], lines[i]),
			       "seal %zu: syslog has %s", seals,
			       seals < from_syslog ? syslog_seals[seals] : "nothing");
			EXPECT(t, seals < from_kafka && !strcmp(kafka[seals], lines[i]),
			       "seal %zu: kafka has %s", seals,
			       seals < from_kafka ? kafka[seals] : "nothing");
		}
		if (++seals == SEALS - 1)
			cut = i + 1;	/* the file cut right after the second seal */
	}
	EXPECT(t, seals == SEALS && from_syslog == SEALS && from_kafka == SEALS,
	       "%zu seals in the EVE file, %zu at syslog, %zu at kafka; want %d", seals,
	       from_syslog, from_kafka, SEALS);
	if (seals == SEALS && from_syslog == SEALS && cut) {
		/* the collector's last seal: the whole file holds it, the cut one does not */
		EXPECT(t, verify_lines(lines, count, pub0, syslog_seals[SEALS - 1], detail) == 0,
		       "the whole file fails against the last seal: %s", detail);
		EXPECT(t, verify_lines(lines, cut, pub0, syslog_seals[SEALS - 1], detail) > 0 &&
				  strstr(detail, "truncated"),
		       "the file cut after seal 2 is not reported truncated: '%s'", detail);
	}
	for (i = 0; i < from_syslog; i++)
		free(syslog_seals[i]);
	for (i = 0; i < from_kafka; i++)
		free(kafka[i]);
	free_lines(lines, count);
	fanout_close(&f);
	snprintf(dgram, sizeof(dgram), "rm -rf %s", dir);
	if (system(dgram))
		EXPECT(t, 0, "cannot remove %s", dir);
}

#define INVENTORY_EVENTS 3

/* Each inventory record: in the EVE file, at syslog and in PREFIX.inventory, the same bytes. */
static void test_inventory_everywhere(struct test_case *t)
{
	static const uint8_t addr[4] = { 198, 18, 0, 1 };
	static const char *const changes[INVENTORY_EVENTS] = { "new", "changed", "summary" };
	char *lines[LINES_MAX], *kafka[INVENTORY_EVENTS + 1], dgram[8192], *msg;
	size_t count, i, from_kafka, from_syslog = 0;
	struct fanout f;
	ssize_t len;

	if (no_netns)
		SKIP(t, "%s", no_netns);
	CHECK(t, !fanout_open(&f), "cannot open the output with its sinks");
	for (i = 0; i < INVENTORY_EVENTS; i++) {
		struct inventory_event ev = {
			.ts_ns = 1639426166000000000ULL + i, .change = changes[i], .family = 4,
			.addr = addr, .port = 161, .proto = 17, .service = "snmp",
			.product = "cisco-ios", .version = "15.2(4)M7", .banner = "Cisco IOS",
			.title = "", .first_ns = 1639426166000000000ULL,
			.last_ns = 1639426166000000000ULL + i, .flows = 1 + i, .clients = 1,
			.flags = i ? 1u << INVENTORY_CLEARTEXT_MGMT : 0,
		};

		EXPECT(t, output_inventory(&f.out, &ev) == 0, "event %zu refused", i);
	}
	output_flush(&f.out);
	output_drain(&f.out);
	count = eve_lines(&f, lines, LINES_MAX);
	EXPECT(t, count == INVENTORY_EVENTS, "%zu EVE lines, want %d", count, INVENTORY_EVENTS);
	for (i = 0; i < count; i++) {
		const char *want_pri = i ? "<133>1 " : "<134>1 ";	/* local0: notice, info */

		len = recv(f.collector, dgram, sizeof(dgram) - 1, 0);
		if (len <= 0)
			break;
		from_syslog++;
		dgram[len] = '\0';
		msg = strstr(dgram, " inventory - ");	/* MSGID inventory, no SD: then MSG */
		EXPECT(t, msg && !strcmp(msg + 13, lines[i]) && !strncmp(dgram, want_pri, 7),
		       "syslog message %zu:\n got: %s\nwant: %s%s", i, dgram, want_pri, lines[i]);
	}
	EXPECT(t, from_syslog == count, "%zu inventory messages at syslog, want %zu", from_syslog,
	       count);
	from_kafka = consume_topic("fanout.inventory", kafka, INVENTORY_EVENTS);
	EXPECT(t, from_kafka == count, "%zu inventory messages at kafka, want %zu", from_kafka,
	       count);
	for (i = 0; i < from_kafka && i < count; i++)
		EXPECT(t, !strcmp(kafka[i], lines[i]), "kafka message %zu:\n got: %s\nwant: %s", i,
		       kafka[i], lines[i]);
	for (i = 0; i < from_kafka; i++)
		free(kafka[i]);
	free_lines(lines, count);
	fanout_close(&f);
}

int main(void)
{
	test_program = "test_output_fanout";
	/* before any thread: the namespace is the process's only while it has one thread */
	no_netns = enter_netns();
	if (!no_netns && start_cluster())
		no_netns = "cannot start librdkafka's mock cluster";
	RUN(test_formatted_once);
	RUN(test_same_bytes);
	RUN(test_alerts_from_threads);
	RUN(test_seals_off_the_box);
	RUN(test_inventory_everywhere);
	if (mcluster)
		rd_kafka_mock_cluster_destroy(mcluster);
	if (mock_owner)
		rd_kafka_destroy(mock_owner);
	return test_summary();
}
