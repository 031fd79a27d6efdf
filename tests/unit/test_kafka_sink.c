// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Kafka sink against librdkafka's mock cluster (rdkafka_mock.h: brokers in this
 * process, on loopback ephemeral ports; no Kafka needed). Events go in through the sink's
 * ops, are consumed back from the cluster and compared with what was sent:
 *  - every event arrives once, in its type's topic, with its key (flow_id; HOST/IFACE for
 *    stats; none for an alert without a flow), its value the event's EVE line, and a
 *    key's events in the order they were handed over;
 *  - a broker outage mid-run: what fits the queue arrives after it, what does not is
 *    counted as dropped_queue_full, exactly;
 *  - brokers down at close: the drain is bounded and what is left is lost_at_close;
 *  - a line too large for the hand-off queue or for librdkafka: counted, not sent;
 *  - a drain while a producer keeps producing ends by its deadline.
 * The account balances in each: taken = sent + in_queue + every loss; and it does in a
 * snapshot taken while two threads produce and the poll thread reports (the counts are
 * atomics, not under a lock: a snapshot never sees an outcome before its taken).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "config/config.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "../support/test.h"

#define BROKERS 3
#define PARTITIONS 4
#define IFACE "wan0"
#define SALT 77
#define MAX_SENT 512

static const char *const suffixes[OUTPUT_EVENT_TYPES] = {
	[OUTPUT_FLOW] = "flow",
	[OUTPUT_ALERT] = "alert",
	[OUTPUT_STATS] = "stats",
};

/* What the test handed to the sink and expects back, in order. */
struct sent_message {
	enum output_event_type type;
	char key[320];			/* "" : no key */
	char *value;
	int seen;
};

struct harness {
	rd_kafka_t *owner;		/* the mock cluster's handle */
	rd_kafka_mock_cluster_t *mcluster;
	char prefix[32];
	struct ew_kafka_broker brokers[BROKERS];
	struct ew_kafka_property properties[2];
	struct ew_kafka_output cfg;
	struct output_sink *sink;
	struct sent_message sent[MAX_SENT];
	size_t sent_count;
	char stats_key[320];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void harness_free(struct harness *h)
{
	size_t i;

	if (h->sink)
		h->sink->ops->close(h->sink);
	for (i = 0; i < h->sent_count; i++)
		free(h->sent[i].value);
	for (i = 0; i < BROKERS; i++)
		free(h->brokers[i].host);
	if (h->mcluster)
		rd_kafka_mock_cluster_destroy(h->mcluster);
	if (h->owner)
		rd_kafka_destroy(h->owner);
	free(h);
}

/* A mock cluster with the three topics, and the sink pointed at it. NULL: why says. */
static struct harness *harness_new(const char *prefix, uint32_t queue_messages, char *why,
				   size_t why_len)
{
	struct harness *h = calloc(1, sizeof(*h));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char topic[64], hostname[256] = "", *list, *item, *save = NULL;
	size_t n = 0;
	int type;

	if (!h || !conf)
		goto fail_conf;
	rd_kafka_conf_set(conf, "log_level", "3", why, why_len);
	h->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, why_len);
	if (!h->owner)
		goto fail_conf;
	h->mcluster = rd_kafka_mock_cluster_new(h->owner, BROKERS);
	if (!h->mcluster) {
		snprintf(why, why_len, "rd_kafka_mock_cluster_new failed");
		goto fail;
	}
	snprintf(h->prefix, sizeof(h->prefix), "%s", prefix);
	for (type = 0; type < OUTPUT_EVENT_TYPES; type++) {
		snprintf(topic, sizeof(topic), "%s.%s", prefix, suffixes[type]);
		rd_kafka_mock_topic_create(h->mcluster, topic, PARTITIONS, 1);
	}
	/* "127.0.0.1:PORT,127.0.0.1:PORT,...": the sink's brokers, as the config has them */
	list = strdup(rd_kafka_mock_cluster_bootstraps(h->mcluster));
	for (item = strtok_r(list, ",", &save); item && n < BROKERS;
	     item = strtok_r(NULL, ",", &save), n++) {
		char *colon = strrchr(item, ':');

		*colon = '\0';
		h->brokers[n].host = strdup(item);
		h->brokers[n].port = (uint16_t)atoi(colon + 1);
	}
	free(list);
	/* a broker back up is reconnected to at once, not after up to 10 s of backoff */
	h->properties[0] = (struct ew_kafka_property){ "reconnect.backoff.max.ms", "200" };
	h->properties[1] = (struct ew_kafka_property){ "log_level", "2" };
	h->cfg = (struct ew_kafka_output){
		.enabled = 1,
		.brokers = h->brokers,
		.broker_count = n,
		.topic_prefix = h->prefix,
		.queue_messages = queue_messages,
		.client_id = "edgewatch-test",
		.compression = "lz4",
		.properties = h->properties,
		.property_count = 2,
	};
	if (kafka_sink_open(&h->sink, &h->cfg, IFACE)) {
		snprintf(why, why_len, "kafka_sink_open failed");
		h->sink = NULL;
		goto fail;
	}
	gethostname(hostname, sizeof(hostname) - 1);
	snprintf(h->stats_key, sizeof(h->stats_key), "%s/" IFACE, hostname);
	return h;
fail_conf:
	if (conf && (!h || !h->owner))
		rd_kafka_conf_destroy(conf);
fail:
	if (h)
		harness_free(h);
	return NULL;
}

/* A TCP flow numbered n (its flow_id follows from n), 198.18.x.y -> 198.19.0.1:443. */
static void flow_fixture(uint32_t n, struct flow_key *key, struct flow_record *rec)
{
	memset(key, 0, sizeof(*key));
	memset(rec, 0, sizeof(*rec));
	key->family = 4;
	key->proto = 6;
	key->addr_a.be32[0] = htobe32(0xc6120000u | (n + 1));
	key->addr_b.be32[0] = htobe32(0xc6130001u);
	key->port_a = htobe16((uint16_t)(20000 + n));
	key->port_b = htobe16(443);
	rec->first_seen_ns = 1000;
	rec->flow_seq = 100 + n;
}

/* Flow n's event (flow_fixture), its flow fields computed; key and rec hold the flow. */
static void flow_event_of(uint32_t n, struct flow_key *key, struct flow_record *rec,
			  struct flow_event *ev)
{
	flow_fixture(n, key, rec);
	memset(ev, 0, sizeof(*ev));
	ev->flow.key = key;
	ev->flow.rec = rec;
	flow_fields_of(key, rec, SALT, &ev->flow.fields);
}

static void remember(struct harness *h, enum output_event_type type, const char *key,
		     const struct json_line *jl)
{
	struct sent_message *m = &h->sent[h->sent_count++];

	m->type = type;
	snprintf(m->key, sizeof(m->key), "%s", key ? key : "");
	m->value = strndup(jl->buf, jl->len);
}

/* The line as the fan-out lends it to the sink (output.h). */
static struct output_line line_of(const struct json_line *jl)
{
	return (struct output_line){ .buf = jl->buf, .len = jl->len };
}

/* The flow's record number `round` (packets = round + 1: its events differ). */
static int send_flow(struct harness *h, uint32_t n, uint32_t round)
{
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	char buf[JSON_LINE_MAX], id[32];
	struct output_line line;
	struct json_line jl;

	flow_event_of(n, &key, &rec, &ev);
	ev.reason = EW_END_ACTIVE_TIMEOUT;
	ev.packets[0] = round + 1;
	ev.bytes[0] = 60 * (round + 1);
	ev.start_ns = 1639426166000000000ULL;
	ev.end_ns = ev.start_ns + round * 1000000000ULL;
	json_line_init(&jl, buf, sizeof(buf));
	eve_format_flow(&jl, &ev, IFACE);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)ev.flow.fields.flow_id);
	remember(h, OUTPUT_FLOW, id, &jl);
	line = line_of(&jl);
	return h->sink->ops->flow(h->sink, &ev, &line);
}

static int send_alert(struct harness *h, uint32_t n, uint32_t sid, int table_full)
{
	struct flow_key key;
	struct flow_record rec;
	struct alert_event a;
	char buf[8192], id[32];
	struct output_line line;
	struct json_line jl;

	flow_fixture(n, &key, &rec);
	alert_event_init(&a, &key, &rec, 1, 2000, 1639426166000000000LL, SALT);
	a.gid = 1;
	a.sid = sid;
	a.rev = 1;
	a.signature = "EDGEWATCH test";
	a.category = "Attempted Administrator Privilege Gain";
	a.severity = 1;
	a.flow_table_full = table_full;
	json_line_init(&jl, buf, sizeof(buf));
	eve_format_alert(&jl, &a, IFACE);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)a.flow.fields.flow_id);
	remember(h, OUTPUT_ALERT, table_full ? NULL : id, &jl);
	line = line_of(&jl);
	return h->sink->ops->alert(h->sink, &a, &line);
}

static int send_stats(struct harness *h, uint64_t ts_s)
{
	struct stats_snapshot *s = calloc(1, sizeof(*s));
	char *buf = malloc(EVE_STATS_LINE_MAX);
	struct output_line line;
	struct json_line jl;
	int err = -ENOMEM;

	if (s && buf) {
		s->ts_ns = ts_s * 1000000000ULL;
		s->uptime_s = ts_s;
		json_line_init(&jl, buf, EVE_STATS_LINE_MAX);
		eve_format_stats(&jl, s, IFACE);
		remember(h, OUTPUT_STATS, h->stats_key, &jl);
		line = line_of(&jl);
		err = h->sink->ops->stats(h->sink, s, &line);
	}
	free(buf);
	free(s);
	return err;
}

static void account(struct harness *h, struct stats_sink_queue *a)
{
	h->sink->ops->account(h->sink, a);
}

/* Both producers are through: taken reached total (one snapshot, read again). */
static int counted_done(struct harness *h, uint64_t total)
{
	struct stats_sink_queue a;

	account(h, &a);
	return a.taken >= total;
}

static int balances(const struct stats_sink_queue *a)
{
	return a->taken == a->sent + a->in_queue + a->dropped_queue_full + a->lost_at_close +
				   a->send_failed + a->format_failed;
}

/* Wait (at most ms) until the sink has delivered `sent` messages. */
static int wait_sent(struct harness *h, uint64_t sent, uint64_t ms)
{
	uint64_t deadline = now_ms() + ms;
	struct stats_sink_queue a;

	do {
		account(h, &a);
		if (a.sent >= sent)
			return 1;
		usleep(20000);
	} while (now_ms() < deadline);
	return 0;
}

static void set_brokers(struct harness *h, int up)
{
	int id;

	for (id = 1; id <= BROKERS; id++)
		if (up)
			rd_kafka_mock_broker_set_up(h->mcluster, id);
		else
			rd_kafka_mock_broker_set_down(h->mcluster, id);
}

/*
 * Consume every partition of the three topics from the start, for up to ms or until
 * `expected` messages arrived (then a little longer: a duplicate would show); match each
 * with the next unseen message the test sent to that topic with that key. 0, or the
 * reason it does not match in why.
 */
static int consume_and_match(struct harness *h, size_t expected, uint64_t ms, char *why,
			     size_t why_len)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
	char topic[64], errstr[512];
	size_t got = 0, i;
	uint64_t deadline = now_ms() + ms, extra = 0;
	rd_kafka_t *rk;
	int type, p, ret = -1;

	rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(h->mcluster),
			  errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "group.id", "edgewatch-test", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof(errstr));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(why, why_len, "consumer: %s", errstr);
		rd_kafka_topic_partition_list_destroy(parts);
		return -1;
	}
	for (type = 0; type < OUTPUT_EVENT_TYPES; type++) {
		snprintf(topic, sizeof(topic), "%s.%s", h->prefix, suffixes[type]);
		for (p = 0; p < PARTITIONS; p++)
			rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
				RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_assign(rk, parts);
	snprintf(why, why_len, "timed out with %zu of %zu messages", got, expected);
	while (now_ms() < deadline && (!extra || now_ms() < extra)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		const char *t;
		char key[320];

		if (!m)
			continue;
		if (m->err) {
			rd_kafka_message_destroy(m);
			continue;
		}
		t = rd_kafka_topic_name(m->rkt);
		snprintf(key, sizeof(key), "%.*s", m->key ? (int)m->key_len : 0,
			 m->key ? (const char *)m->key : "");
		for (i = 0; i < h->sent_count; i++) {
			struct sent_message *s = &h->sent[i];

			snprintf(topic, sizeof(topic), "%s.%s", h->prefix, suffixes[s->type]);
			if (!s->seen && !strcmp(topic, t) && !strcmp(s->key, key))
				break;	/* the first unseen of this topic and key */
		}
		if (i == h->sent_count) {
			snprintf(why, why_len, "%s key \"%s\": not sent, or a duplicate: %.*s", t, key,
				 (int)m->len, (const char *)m->payload);
			rd_kafka_message_destroy(m);
			goto out;
		}
		if (strlen(h->sent[i].value) != m->len ||
		    memcmp(h->sent[i].value, m->payload, m->len)) {
			snprintf(why, why_len, "%s key \"%s\": out of order or not the EVE line:\n"
				 " got: %.*s\nwant: %s", t, key, (int)m->len,
				 (const char *)m->payload, h->sent[i].value);
			rd_kafka_message_destroy(m);
			goto out;
		}
		h->sent[i].seen = 1;
		rd_kafka_message_destroy(m);
		if (++got == expected)
			extra = now_ms() + 500;
		snprintf(why, why_len, "timed out with %zu of %zu messages", got, expected);
	}
	if (got == expected)
		ret = 0;
out:
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return ret;
}

/* The ones the test sent that did not arrive (expected: dropped), marked seen. */
static size_t mark_dropped(struct harness *h, size_t from, size_t count)
{
	size_t i;

	for (i = from; i < from + count; i++)
		h->sent[i].seen = 1;
	return count;
}

static void test_every_event_arrives(struct test_case *t)
{
	char why[2048] = "";
	struct harness *h = harness_new("ew-every", 1000, why, sizeof(why));
	struct stats_sink_queue a;
	uint32_t n, round;
	int err = 0;

	CHECK(t, h, "%s", why);
	/* interleaved: each flow's records and alerts, flows after one another */
	for (round = 0; round < 5; round++) {
		for (n = 0; n < 20; n++) {
			err |= send_flow(h, n, round);
			if (round == 1 || round == 3)
				err |= send_alert(h, n, 9000000 + round, 0);
		}
		err |= send_stats(h, 1639426166 + round);
	}
	err |= send_alert(h, 99, 9000099, 1);	/* no flow: no key */
	EXPECT(t, !err, "a sink op refused an event");
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, a.taken == h->sent_count && a.sent == h->sent_count && !a.in_queue &&
			  balances(&a),
	       "taken %llu sent %llu in_queue %llu (handed %zu)", (unsigned long long)a.taken,
	       (unsigned long long)a.sent, (unsigned long long)a.in_queue, h->sent_count);
	EXPECT(t, !consume_and_match(h, h->sent_count, 20000, why, sizeof(why)), "%s", why);
	EXPECT(t, !strcmp(a.name, "kafka"), "name %s", a.name);
	harness_free(h);
}

static void test_outage_loses_only_what_overflows(struct test_case *t)
{
	enum { QUEUE = 30, BEFORE = 10, DURING = 40, AFTER = 10 };
	char why[2048] = "";
	struct harness *h = harness_new("ew-outage", QUEUE, why, sizeof(why));
	struct stats_sink_queue a;
	size_t during_from;
	uint32_t i;

	CHECK(t, h, "%s", why);
	for (i = 0; i < BEFORE; i++)
		send_flow(h, i % 3, i);
	CHECK(t, wait_sent(h, BEFORE, 20000), "the first %d not delivered", BEFORE);
	set_brokers(h, 0);
	during_from = h->sent_count;
	for (i = 0; i < DURING; i++)
		send_flow(h, i % 3, BEFORE + i);
	account(h, &a);
	EXPECT(t, a.dropped_queue_full == DURING - QUEUE && a.in_queue == QUEUE && balances(&a),
	       "during the outage: dropped %llu in_queue %llu (queue %d, sent %d)",
	       (unsigned long long)a.dropped_queue_full, (unsigned long long)a.in_queue, QUEUE,
	       DURING);
	set_brokers(h, 1);
	EXPECT(t, wait_sent(h, BEFORE + QUEUE, 30000), "the queued ones not delivered after");
	for (i = 0; i < AFTER; i++)
		send_flow(h, i % 3, BEFORE + DURING + i);
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, a.sent == BEFORE + QUEUE + AFTER && a.dropped_queue_full == DURING - QUEUE &&
			  !a.in_queue && !a.lost_at_close && !a.send_failed && balances(&a),
	       "sent %llu dropped %llu lost %llu failed %llu", (unsigned long long)a.sent,
	       (unsigned long long)a.dropped_queue_full, (unsigned long long)a.lost_at_close,
	       (unsigned long long)a.send_failed);
	/* the overflow is the last DURING - QUEUE of the outage: never handed to librdkafka */
	mark_dropped(h, during_from + QUEUE, DURING - QUEUE);
	EXPECT(t, !consume_and_match(h, BEFORE + QUEUE + AFTER, 20000, why, sizeof(why)), "%s",
	       why);
	harness_free(h);
}

static void test_down_at_close_counted(struct test_case *t)
{
	char why[2048] = "";
	struct harness *h = harness_new("ew-close", 100, why, sizeof(why));
	struct stats_sink_queue a;
	uint64_t started;
	uint32_t i;

	CHECK(t, h, "%s", why);
	set_brokers(h, 0);
	for (i = 0; i < 5; i++)
		send_flow(h, i, 0);
	started = now_ms();
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, now_ms() - started < 5000, "the drain took %llu ms",
	       (unsigned long long)(now_ms() - started));
	EXPECT(t, a.taken == 5 && a.lost_at_close == 5 && !a.sent && !a.in_queue && balances(&a),
	       "taken %llu lost_at_close %llu sent %llu in_queue %llu",
	       (unsigned long long)a.taken, (unsigned long long)a.lost_at_close,
	       (unsigned long long)a.sent, (unsigned long long)a.in_queue);
	harness_free(h);
}

/* A flow event whose line is len bytes of JSON-ish filler (not remembered: never arrives). */
static int send_flow_of_size(struct harness *h, size_t len)
{
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	char *text = malloc(len);
	struct output_line line = { .buf = text, .len = len };
	int err;

	if (!text)
		return -ENOMEM;
	memset(text, 'x', len);
	flow_event_of(7, &key, &rec, &ev);
	err = h->sink->ops->flow(h->sink, &ev, &line);
	free(text);
	return err;
}

/*
 * A line too large for the sink's hand-off queue (32 MiB) is refused at once; one that
 * fits it but not librdkafka's message.max.bytes (1,000,000 by default) is refused by
 * librdkafka on the sender's thread: both counted as too large (format_failed), neither
 * delays the next message, the account balances.
 */
static void test_too_large_counted(struct test_case *t)
{
	char why[2048] = "";
	struct harness *h = harness_new("ew-large", 100, why, sizeof(why));
	struct stats_sink_queue a;
	int err;

	CHECK(t, h, "%s", why);
	err = send_flow_of_size(h, 33u << 20);
	EXPECT(t, err == -EMSGSIZE, "a 33 MiB line: %d, not -EMSGSIZE", err);
	err = send_flow_of_size(h, 2u << 20);
	EXPECT(t, !err, "a 2 MiB line refused by the engine's side: %d", err);
	send_flow(h, 1, 0);
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, a.taken == 3 && a.format_failed == 2 && a.sent == 1 && !a.in_queue &&
			  !a.dropped_queue_full && balances(&a),
	       "taken %llu too large %llu sent %llu in_queue %llu dropped %llu",
	       (unsigned long long)a.taken, (unsigned long long)a.format_failed,
	       (unsigned long long)a.sent, (unsigned long long)a.in_queue,
	       (unsigned long long)a.dropped_queue_full);
	EXPECT(t, !consume_and_match(h, 1, 20000, why, sizeof(why)), "%s", why);
	harness_free(h);
}

#define HAMMER_QUEUE 500
#define HAMMER_EACH 20000

/* A producer of HAMMER_EACH flow events with one line (not remembered: not consumed). */
static void *hammer_produce(void *arg)
{
	struct output_sink *sink = arg;
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	static const char text[] = "{\"event_type\":\"flow\"}";
	struct output_line line = { .buf = text, .len = sizeof(text) - 1 };
	int i;

	flow_event_of(1, &key, &rec, &ev);
	for (i = 0; i < HAMMER_EACH; i++)
		sink->ops->flow(sink, &ev, &line);
	return NULL;
}

/*
 * Two producers, the sender and the poll thread against snapshots in a loop: every
 * snapshot has in_queue within the sink's queue bound plus the two produces in progress
 * plus what was taken while the snapshot was read (an outcome read before its taken
 * would make it wrap below zero), taken and the outcomes never go back; at the end every
 * message was delivered or dropped for the full queue, none in between.
 */
static void test_account_under_two_producers(struct test_case *t)
{
	char why[2048] = "";
	struct harness *h = harness_new("ew-hammer", HAMMER_QUEUE, why, sizeof(why));
	struct stats_sink_queue a, last = { 0 };
	pthread_t producers[2];
	uint64_t since;
	int started = 0, done = 0, i, snapshots = 0, bad = 0;

	CHECK(t, h, "%s", why);
	for (i = 0; i < 2; i++)
		started += !pthread_create(&producers[i], NULL, hammer_produce, h->sink);
	CHECK(t, started == 2, "pthread_create");
	while (!done) {
		done = counted_done(h, 2 * HAMMER_EACH);
		account(h, &a);
		snapshots++;
		/* in_queue: at most the queue and the two produces in progress when the
		 * outcomes were read, and the messages taken after that, before taken was
		 * read (all taken since the previous snapshot read taken: a producer can take
		 * and drop several meanwhile) */
		if (a.in_queue > HAMMER_QUEUE + 2 + (a.taken - last.taken) ||
		    a.taken < last.taken || a.sent < last.sent ||
		    a.dropped_queue_full < last.dropped_queue_full || !balances(&a)) {
			if (!bad++)
				test_fail(t, __FILE__, __LINE__, "snapshot %d: taken %llu sent %llu "
					  "dropped %llu in_queue %llu (before: taken %llu sent %llu)",
					  snapshots, (unsigned long long)a.taken,
					  (unsigned long long)a.sent,
					  (unsigned long long)a.dropped_queue_full,
					  (unsigned long long)a.in_queue,
					  (unsigned long long)last.taken, (unsigned long long)last.sent);
		}
		last = a;
	}
	for (i = 0; i < 2; i++)
		pthread_join(producers[i], NULL);
	/* the queue delivered before the drain, whose 2 s a loaded machine may need */
	for (since = now_ms(); now_ms() - since < 30000; usleep(10000)) {
		account(h, &a);
		if (!a.in_queue)
			break;
	}
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, a.taken == 2 * HAMMER_EACH && a.sent + a.dropped_queue_full == a.taken &&
			  !a.in_queue && !a.lost_at_close && !a.send_failed && balances(&a),
	       "at the end: taken %llu sent %llu dropped %llu lost %llu failed %llu",
	       (unsigned long long)a.taken, (unsigned long long)a.sent,
	       (unsigned long long)a.dropped_queue_full, (unsigned long long)a.lost_at_close,
	       (unsigned long long)a.send_failed);
	EXPECT(t, snapshots > 10, "only %d snapshots while producing", snapshots);
	harness_free(h);
}

#define STEADY_PRODUCERS 2

/* A producer that keeps producing until told to stop (at most 10 s, 2,000,000 events). */
struct steady_producer {
	struct output_sink *sink;
	int stop;		/* atomic */
	uint64_t produced;
};

static void *steady_produce(void *arg)
{
	struct steady_producer *p = arg;
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	static const char text[] = "{\"event_type\":\"flow\"}";
	struct output_line line = { .buf = text, .len = sizeof(text) - 1 };
	uint64_t until = now_ms() + 10000;

	flow_event_of(2, &key, &rec, &ev);
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) && p->produced < 2000000 &&
	       (p->produced % 1024 || now_ms() < until)) {
		p->sink->ops->flow(p->sink, &ev, &line);
		p->produced++;
	}
	return NULL;
}

/*
 * A drain while producers keep producing (alerts come from several threads): it ends by
 * its deadline (2 s, plus the purge's 1 s), not when they stop, and the account balances
 * (every message produced taken, each with one outcome). Here the mock cluster is the
 * slower part, so most of them are dropped for the full queue and the hand-off queue
 * empties between batches; a sender slower than its producers (which this test cannot
 * arrange) is what the closer's abort in settle_handoff() is for.
 */
static void test_drain_ends_while_producing(struct test_case *t)
{
	char why[2048] = "";
	struct harness *h = harness_new("ew-steady", 100000, why, sizeof(why));
	struct steady_producer p[STEADY_PRODUCERS] = { 0 };
	struct stats_sink_queue a;
	uint64_t started, took, produced = 0;
	pthread_t threads[STEADY_PRODUCERS];
	int i, running = 0;

	CHECK(t, h, "%s", why);
	for (i = 0; i < STEADY_PRODUCERS; i++) {
		p[i].sink = h->sink;
		running += !pthread_create(&threads[i], NULL, steady_produce, &p[i]);
	}
	CHECK(t, running == STEADY_PRODUCERS, "pthread_create");
	usleep(200000);
	started = now_ms();
	h->sink->ops->drain(h->sink);
	took = now_ms() - started;
	for (i = 0; i < STEADY_PRODUCERS; i++) {
		__atomic_store_n(&p[i].stop, 1, __ATOMIC_RELEASE);
		pthread_join(threads[i], NULL);
		produced += p[i].produced;
	}
	EXPECT(t, took < 5000, "the drain took %llu ms while %llu events were produced",
	       (unsigned long long)took, (unsigned long long)produced);
	h->sink->ops->drain(h->sink);
	account(h, &a);
	EXPECT(t, a.taken == produced && !a.in_queue && !a.send_failed && balances(&a),
	       "taken %llu (produced %llu) sent %llu dropped %llu lost %llu in_queue %llu",
	       (unsigned long long)a.taken, (unsigned long long)produced,
	       (unsigned long long)a.sent, (unsigned long long)a.dropped_queue_full,
	       (unsigned long long)a.lost_at_close, (unsigned long long)a.in_queue);
	harness_free(h);
}

int main(void)
{
	test_program = "test_kafka_sink";
	RUN(test_every_event_arrives);
	RUN(test_outage_loses_only_what_overflows);
	RUN(test_down_at_close_counted);
	RUN(test_too_large_counted);
	RUN(test_drain_ends_while_producing);
	RUN(test_account_under_two_producers);
	return test_summary();
}
