// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Kafka sink: every event's EVE JSON line (formatted once by the fan-out, output.c)
 * as one message, to the topic
 * of its type (PREFIX.alert, PREFIX.flow, PREFIX.stats, PREFIX.inventory), keyed by
 * flow_id (a flow's events land in one partition, in order), the stats by HOST/IFACE and
 * an inventory record by its service (ADDR/PORT/PROTO: a service's records in order).
 *
 * The engine's thread does not call librdkafka: rd_kafka_produce (its allocation and copy
 * of the message, the partitioner's CRC of the key, its queue lock) was the largest part
 * of what all sinks cost that thread (BENCHMARKS.md, output wing). The engine copies the
 * key and line into a hand-off queue of the sink's own (a byte ring, as syslog's), and a
 * sender thread hands them to librdkafka in order, gathering batches as syslog's sender
 * does (sink_clock.h, struct sink_pace). queue-messages bounds every message taken and
 * without an outcome, in the hand-off queue and in librdkafka's (the latter is configured
 * a little above it, so it never refuses one the sink let in): a full queue drops the
 * new message at once, counted, and the engine never waits. What librdkafka refuses on
 * the sender's thread (too large, a fatal producer state) is counted there: the sink op
 * returned 0 for it already, so the fan-out's error total does not see it, the sink's
 * account does.
 * The producer is idempotent: librdkafka retries until message.timeout.ms, and a retry
 * neither reorders nor duplicates within a partition. Delivery reports, served by a poll
 * thread of the sink's own, say where each message went.
 *
 * Where every message went: taken = sent + in_queue + dropped_queue_full +
 * lost_at_close + send_failed + format_failed (stats.h, struct stats_sink_queue).
 * librdkafka gives every message it took exactly one delivery report, so in_queue is
 * what was taken and has no outcome yet: an exact count, not librdkafka's outq_len
 * (which counts requests too). Those counters are atomics, not under the sink's lock:
 * the engine's thread (a produce per event) and the poll thread (a report per message)
 * took that lock for every message and met on it (BENCHMARKS.md, output wing). A
 * snapshot reads the outcomes first and taken last; every outcome is counted after its
 * message's taken (same thread, or after librdkafka handed the message from one to the
 * other), so in_queue = taken - outcomes is never negative and the sum exact. A message
 * taken (even dropped) between the two reads is in in_queue: it has no outcome yet as
 * far as that snapshot knows.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <librdkafka/rdkafka.h>

#include "config/config.h"
#include "log.h"
#include "output/byte_ring.h"
#include "output/json_line.h"
#include "output/output.h"
#include "output/sink_clock.h"

#define DRAIN_MS 2000		/* at the end: how long the brokers get */
#define PURGE_WAIT_MS 1000	/* then: how long the purged messages' reports get */
#define POLL_MS 100		/* the poll thread's wait: how soon it sees stop */
#define KEY_MAX 320		/* "HOST/IFACE" (HOST up to 255), or a service's ADDR/PORT/PROTO */
/*
 * The hand-off queue's bounds: queue-messages messages, at most HANDOFF_MESSAGES_MAX,
 * and HANDOFF_BYTES. A burst of that many events (the sweeper ends thousands of flows at
 * once) fits while the sender hands them over; librdkafka's own queue, up to
 * queue-messages, then holds what the brokers have not taken. The bytes are allocated
 * lazily by the kernel, and the ring starts over at offset 0 whenever it empties (after
 * each batch while the sender keeps up); a sender that stays behind walks all of it and
 * keeps it resident: 32 MiB at most.
 */
#define HANDOFF_MESSAGES_MAX 65536
#define HANDOFF_BYTES (32u << 20)
#define HANDOFF_BATCH 64	/* the sender gathers this many before it is woken */

/*
 * A message's key. A flow's is its flow_id in decimal, written by the sender: on the
 * engine's thread the decimal was half of what the hand-off cost (BENCHMARKS.md).
 */
enum message_key_kind {
	KEY_NONE,	/* an alert without a flow: any partition */
	KEY_FLOW_ID,
	KEY_TEXT,	/* HOST/IFACE, a service's ADDR/PORT/PROTO */
};

struct message_key {
	enum message_key_kind kind;
	uint64_t flow_id;	/* KEY_FLOW_ID */
	const char *text;	/* KEY_TEXT */
};

/* A message in the hand-off queue: a text key's bytes, then the value, in the byte ring. */
struct handoff_message {
	char *buf;
	uint64_t flow_id;	/* KEY_FLOW_ID */
	uint32_t key_len, len;	/* key_len: KEY_TEXT's bytes in buf */
	uint8_t type;
	uint8_t key_kind;	/* enum message_key_kind */
};

/* A topic per event type, and one for the seal records (outputs.eve.seal). */
#define KAFKA_SEAL_TOPIC OUTPUT_EVENT_TYPES
#define KAFKA_TOPICS (OUTPUT_EVENT_TYPES + 1)

struct kafka_sink {
	struct output_sink base;
	rd_kafka_t *rk;
	rd_kafka_topic_t *topics[KAFKA_TOPICS];	/* per event type, then PREFIX.seal */
	char stats_key[KEY_MAX];
	char *bootstrap;		/* for messages */
	pthread_t poller;
	int stopping;			/* the poll thread: end (atomic) */
	uint32_t queue_messages;	/* outputs.kafka.queue-messages */

	/* where every message went: __atomic_* only, without the lock (see the top) */
	struct {
		uint64_t taken, sent, send_failed, lost_at_close, dropped_queue_full,
			format_failed;
	} counts;

	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t settled;		/* every message taken has its outcome */
	pthread_cond_t wake;		/* the sender: a message, or stop */
	pthread_cond_t idle;		/* the closer: the hand-off queue emptied, or a batch ended */
	pthread_t sender;
	struct handoff_message *handoff;	/* handoff_slots of them, their bytes in bytes */
	size_t handoff_slots;
	struct byte_ring bytes;
	size_t head, count;		/* the hand-off queue */
	int in_flight;			/* the sender hands a batch over (outside the lock) */
	int sender_stopping;
	int handoff_abort;		/* the closer empties the hand-off queue: no new batch */
	uint64_t outcomes_read;		/* the outcomes when produce last read them */
	struct sink_pace pace;		/* when the sender is woken */
	uint64_t errors_logged_at;
	int warned_full;
	struct stats_sink_queue account;	/* but its counts: counts */
};

static struct kafka_sink *kafka_sink_of(struct output_sink *s)
{
	return (struct kafka_sink *)s;
}

static void count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
}

static uint64_t counted(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

/* The counts into out, in_queue their difference: outcomes first, taken last. */
static void read_counts(const struct kafka_sink *ks, struct stats_sink_queue *out)
{
	out->sent = counted(&ks->counts.sent);
	out->send_failed = counted(&ks->counts.send_failed);
	out->lost_at_close = counted(&ks->counts.lost_at_close);
	out->dropped_queue_full = counted(&ks->counts.dropped_queue_full);
	out->format_failed = counted(&ks->counts.format_failed);
	out->taken = counted(&ks->counts.taken);
	out->in_queue = out->taken - out->sent - out->send_failed - out->lost_at_close -
			out->dropped_queue_full - out->format_failed;
}

/* Taken, no outcome yet. */
static uint64_t in_queue(const struct kafka_sink *ks)
{
	struct stats_sink_queue c;

	read_counts(ks, &c);
	return c.in_queue;
}

/*
 * A failed delivery by its cause, for stats.outputs.kafka.send_failed_by: the first kinds
 * seen keep a slot each, the last slot takes the rest as "other". Under the lock.
 */
static void count_failure(struct kafka_sink *ks, rd_kafka_resp_err_t err)
{
	struct stats_sink_queue *a = &ks->account;
	const char *name = rd_kafka_err2name(err);
	size_t i;

	count(&ks->counts.send_failed);
	for (i = 0; i < a->failure_kind_count; i++) {
		if (!strcmp(a->failures[i].name, name) ||
		    (i == STATS_SINK_FAILURE_KINDS - 1)) {
			a->failures[i].count++;
			return;
		}
	}
	/* a kind not seen before: the first of it is logged, the rest counted */
	log_warn("kafka: a message failed: %s (%s); this kind of failure is counted in "
		 "stats.outputs.kafka.send_failed_by", rd_kafka_err2str(err), name);
	a->failures[i].name = i == STATS_SINK_FAILURE_KINDS - 1 ? "other" : name;
	a->failures[i].count = 1;
	a->failure_kind_count++;
}

/* librdkafka's delivery report (the poll thread): sent, failed, or purged at close. */
static void delivery_report(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *ks = opaque;

	if (!m->err) {
		count(&ks->counts.sent);
	} else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		   m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		count(&ks->counts.lost_at_close);	/* in flight: maybe delivered, unknowable */
	} else {
		pthread_mutex_lock(&ks->lock);
		count_failure(ks, m->err);
		pthread_mutex_unlock(&ks->lock);
	}
	/* the lock only to wake a waiter: it checks in_queue under it before it waits */
	if (!in_queue(ks)) {
		pthread_mutex_lock(&ks->lock);
		pthread_cond_broadcast(&ks->settled);
		pthread_mutex_unlock(&ks->lock);
	}
}

/*
 * librdkafka's errors (its threads): a broker that cannot be reached is counted; the
 * first such error after a delivery is logged, so an outage is one line, not one per
 * retry. A fatal error (the idempotent producer's state lost) is always logged.
 */
static void client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_sink *ks = opaque;
	char fatal[512];
	int log_it;

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		log_error("kafka: fatal producer error: %s; every later message fails (counted)",
			  fatal);
		return;
	}
	pthread_mutex_lock(&ks->lock);
	if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
	    err == RD_KAFKA_RESP_ERR__RESOLVE)
		ks->account.connect_failures++;
	log_it = ks->errors_logged_at != counted(&ks->counts.sent) + 1;
	ks->errors_logged_at = counted(&ks->counts.sent) + 1;
	pthread_mutex_unlock(&ks->lock);
	if (log_it)
		log_warn("kafka: %s: %s; messages queue meanwhile (librdkafka retries until "
			 "message.timeout.ms)", rd_kafka_err2str((rd_kafka_resp_err_t)err), reason);
}

/* librdkafka's own log lines: errors and warnings shown, the rest with -v. */
static void client_log(const rd_kafka_t *rk, int level, const char *facility, const char *buf)
{
	log_msg(level <= 4 ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, "kafka: %s: %s", facility, buf);
}

static void *poll_main(void *arg)
{
	struct kafka_sink *ks = arg;

	while (!__atomic_load_n(&ks->stopping, __ATOMIC_ACQUIRE))
		rd_kafka_poll(ks->rk, POLL_MS);
	return NULL;
}

/* A message dropped for a full queue (ours or librdkafka's). Under the lock. */
static void count_queue_full(struct kafka_sink *ks)
{
	count(&ks->counts.dropped_queue_full);
	if (!ks->warned_full)
		log_warn("kafka: queue full (outputs.kafka.queue-messages, or librdkafka's "
			 "queue.buffering.max.kbytes): the brokers %s are down or slow; new "
			 "messages are dropped and counted", ks->bootstrap);
	ks->warned_full = 1;
}

/*
 * The sender: one message of the hand-off queue to librdkafka (which copies it), or
 * counted by why librdkafka did not take it. Outside the lock.
 */
static void hand_over(struct kafka_sink *ks, const struct handoff_message *m)
{
	char flow_id[DECIMAL_U64_MAX];
	const char *key = m->key_kind == KEY_TEXT ? m->buf : NULL;
	size_t key_len = m->key_len;
	rd_kafka_resp_err_t err;

	if (m->key_kind == KEY_FLOW_ID) {	/* decimal_u64, not snprintf: BENCHMARKS.md */
		key_len = decimal_u64(m->flow_id, flow_id);
		key = flow_id;
	}
	if (!rd_kafka_produce(ks->topics[m->type], RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
			      m->buf + m->key_len, m->len, (void *)key, key_len, NULL))
		return;
	err = rd_kafka_last_error();
	pthread_mutex_lock(&ks->lock);
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		count_queue_full(ks);	/* queue.buffering.max.kbytes */
	else if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		count(&ks->counts.format_failed);
	else
		count_failure(ks, err);
	/* the last outcome a drain waits for may be this one, not a delivery report */
	if (!in_queue(ks))
		pthread_cond_broadcast(&ks->settled);
	pthread_mutex_unlock(&ks->lock);
}

/* The oldest message leaves the hand-off queue (handed over or lost). Under the lock. */
static void pop_handoff(struct kafka_sink *ks)
{
	struct handoff_message *m = &ks->handoff[ks->head];

	byte_ring_release_oldest(&ks->bytes, (size_t)m->key_len + m->len);
	m->buf = NULL;
	ks->head = (ks->head + 1) % ks->handoff_slots;
	ks->count--;
	sink_pace_sent(&ks->pace, 1);
	if (!ks->count)
		pthread_cond_broadcast(&ks->idle);
}

/* Up to HANDOFF_BATCH messages from the head to librdkafka, outside the lock (the
 * producers append behind them meanwhile: their bytes stay reserved until popped). */
static void hand_over_batch(struct kafka_sink *ks)
{
	struct handoff_message batch[HANDOFF_BATCH];
	size_t i, n = ks->count < HANDOFF_BATCH ? ks->count : HANDOFF_BATCH;

	for (i = 0; i < n; i++)
		batch[i] = ks->handoff[(ks->head + i) % ks->handoff_slots];
	ks->in_flight = 1;
	pthread_mutex_unlock(&ks->lock);
	for (i = 0; i < n; i++)
		hand_over(ks, &batch[i]);
	pthread_mutex_lock(&ks->lock);
	ks->in_flight = 0;
	for (i = 0; i < n; i++)
		pop_handoff(ks);
	pthread_cond_broadcast(&ks->idle);
}

static void *sender_main(void *arg)
{
	struct kafka_sink *ks = arg;

	pthread_mutex_lock(&ks->lock);
	for (;;) {
		enum sink_sender_step step =
			sink_pace_next(&ks->pace, &ks->wake, &ks->lock, ks->count,
				       HANDOFF_BATCH, ks->handoff_abort, ks->sender_stopping);

		if (step == SINK_STOP)
			break;
		if (step == SINK_LOOK_AGAIN)
			continue;
		hand_over_batch(ks);
	}
	pthread_mutex_unlock(&ks->lock);
	return NULL;
}

/*
 * Is there room for one more message under queue-messages? Without reading the outcome
 * counts, which the poll thread writes for every delivery (each read a cache line from
 * the other core, on the engine's thread), as long as the outcomes last read say so:
 * outcomes only grow, so taken minus them bounds in_queue from above. Under the lock.
 */
static int below_bound(struct kafka_sink *ks)
{
	struct stats_sink_queue c;

	if (counted(&ks->counts.taken) - ks->outcomes_read < ks->queue_messages)
		return 1;
	read_counts(ks, &c);
	ks->outcomes_read = c.taken - c.in_queue;
	return c.in_queue < ks->queue_messages;
}

/*
 * The engine's part (any producer thread): the key and the line copied into the
 * hand-off queue, or counted as dropped. The bound is queue-messages over every message
 * taken and without an outcome yet (here or in librdkafka's queue); read before this
 * one is taken, under the lock, so two producers cannot both take the last place.
 */
static int produce(struct kafka_sink *ks, int type, const struct message_key *key,
		   const char *line, size_t len)
{
	size_t key_len = key->kind == KEY_TEXT ? strlen(key->text) : 0;
	struct handoff_message *m;
	char *room = NULL;
	int full;

	pthread_mutex_lock(&ks->lock);
	/* before this one is taken: below_bound counts what was taken before it */
	full = !below_bound(ks) || ks->count >= ks->handoff_slots;
	count(&ks->counts.taken);	/* before its outcome, always (see the top) */
	if (ks->sender_stopping) {	/* after close began */
		count(&ks->counts.lost_at_close);
		pthread_mutex_unlock(&ks->lock);
		return 0;
	}
	if (!len || len > HANDOFF_BYTES - key_len) {
		count(&ks->counts.format_failed);	/* empty, or larger than the whole queue */
		pthread_mutex_unlock(&ks->lock);
		return len ? -EMSGSIZE : -EINVAL;
	}
	if (!full)
		room = byte_ring_reserve(&ks->bytes, key_len + len);
	if (!room) {
		count_queue_full(ks);
		pthread_mutex_unlock(&ks->lock);
		return 0;
	}
	if (key_len)
		memcpy(room, key->text, key_len);
	memcpy(room + key_len, line, len);
	m = &ks->handoff[(ks->head + ks->count) % ks->handoff_slots];
	*m = (struct handoff_message){ .buf = room, .flow_id = key->flow_id,
				       .key_len = (uint32_t)key_len, .len = (uint32_t)len,
				       .type = (uint8_t)type, .key_kind = (uint8_t)key->kind };
	/* one wake per gathered batch, not per message (sink_clock.h, struct sink_pace) */
	if (sink_pace_queued(&ks->pace, ++ks->count, HANDOFF_BATCH))
		pthread_cond_signal(&ks->wake);
	pthread_mutex_unlock(&ks->lock);
	return 0;
}

static int format_failed(struct kafka_sink *ks, int err)
{
	count(&ks->counts.taken);
	count(&ks->counts.format_failed);
	return err;
}

/*
 * The event's EVE line as a message of type with its key, into the hand-off queue. The
 * sender then has librdkafka copy it (RD_KAFKA_MSG_F_COPY: into the one allocation that
 * holds its message header, so handing over a buffer of ours with F_FREE would cost the
 * same malloc and copy).
 */
static int produce_line(struct kafka_sink *ks, enum output_event_type type,
			const struct message_key *key, const struct output_line *line)
{
	if (line->err)
		return format_failed(ks, line->err);	/* the EVE sink counts it too */
	return produce(ks, type, key, line->buf, line->len);
}

static int kafka_sink_flow(struct output_sink *s, const struct flow_event *ev,
			   const struct output_line *line)
{
	struct message_key key = { KEY_FLOW_ID, ev->flow.fields.flow_id, NULL };

	return produce_line(kafka_sink_of(s), OUTPUT_FLOW, &key, line);
}

static int kafka_sink_alert(struct output_sink *s, const struct alert_event *ev,
			    const struct output_line *line)
{
	/* no flow (the table was full): no key, any partition */
	struct message_key key = { ev->flow_table_full ? KEY_NONE : KEY_FLOW_ID,
				   ev->flow.fields.flow_id, NULL };

	return produce_line(kafka_sink_of(s), OUTPUT_ALERT, &key, line);
}

/* A service's records (new, changed, summaries) in one partition, in order. */
static int kafka_sink_inventory(struct output_sink *s, const struct inventory_event *ev,
				const struct output_line *line)
{
	char text[KEY_MAX], addr[INET6_ADDRSTRLEN] = "?";
	struct message_key key = { KEY_TEXT, 0, text };

	inet_ntop(ev->family == 6 ? AF_INET6 : AF_INET, ev->addr, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%u/%u", addr, ev->port, ev->proto);
	return produce_line(kafka_sink_of(s), OUTPUT_INVENTORY, &key, line);
}

static int kafka_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			    const struct output_line *line)
{
	struct kafka_sink *ks = kafka_sink_of(s);
	struct message_key key = { KEY_TEXT, 0, ks->stats_key };

	return produce_line(ks, OUTPUT_STATS, &key, line);
}

/* Seal records to PREFIX.seal, keyed by the stats key (HOST/IFACE): one EVE stream's
 * seals in one partition, in order, the last one what `log verify --last-seal` takes. */
static int kafka_sink_seal(struct output_sink *s, const char *line, size_t len, uint64_t ts_ns)
{
	struct kafka_sink *ks = kafka_sink_of(s);
	struct message_key key = { KEY_TEXT, 0, ks->stats_key };

	return produce(ks, KAFKA_SEAL_TOPIC, &key, line, len);
}

static int kafka_sink_nothing(struct output_sink *s)
{
	return 0;	/* the sender and librdkafka send as soon as they can; no files */
}

static void wait_settled(struct kafka_sink *ks, uint64_t deadline_ms)
{
	while (in_queue(ks) && sink_now_ms() < deadline_ms)
		sink_wait_until(&ks->settled, &ks->lock, deadline_ms);
}

/*
 * The hand-off queue to librdkafka at once (no gathering while the closer waits); what
 * the sender could not hand over by the deadline (it never waits for a broker, so only a
 * starved sender) is lost at close. Under the lock.
 */
static void settle_handoff(struct kafka_sink *ks, uint64_t deadline_ms)
{
	ks->pace.hurry = 1;
	pthread_cond_signal(&ks->wake);
	while ((ks->count || ks->in_flight) && sink_now_ms() < deadline_ms)
		sink_wait_until(&ks->idle, &ks->lock, deadline_ms);
	if (ks->count) {
		/* producers outran the sender: it starts no new batch while the rest goes */
		ks->handoff_abort = 1;
		while (ks->in_flight)
			pthread_cond_wait(&ks->idle, &ks->lock);
		while (ks->count) {
			count(&ks->counts.lost_at_close);
			pop_handoff(ks);
		}
		ks->handoff_abort = 0;
		pthread_cond_signal(&ks->wake);
	}
	ks->pace.hurry = 0;
}

/*
 * Give the sender and the brokers until DRAIN_MS from now to take what is queued; then
 * purge the rest (queued and in flight), whose reports count it as lost at close.
 * Under the lock.
 */
static void settle(struct kafka_sink *ks)
{
	uint64_t deadline = sink_now_ms() + DRAIN_MS;

	settle_handoff(ks, deadline);
	wait_settled(ks, deadline);
	if (!in_queue(ks))
		return;
	pthread_mutex_unlock(&ks->lock);
	rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	pthread_mutex_lock(&ks->lock);
	wait_settled(ks, sink_now_ms() + PURGE_WAIT_MS);
}

static void kafka_sink_drain(struct output_sink *s)
{
	struct kafka_sink *ks = kafka_sink_of(s);

	pthread_mutex_lock(&ks->lock);
	settle(ks);
	pthread_mutex_unlock(&ks->lock);
}

static void kafka_sink_account(struct output_sink *s, struct stats_sink_queue *out)
{
	struct kafka_sink *ks = kafka_sink_of(s);

	pthread_mutex_lock(&ks->lock);
	*out = ks->account;
	pthread_mutex_unlock(&ks->lock);
	read_counts(ks, out);
	out->name = "kafka";
}

static void log_losses(const struct kafka_sink *ks, uint64_t lost_before)
{
	struct stats_sink_queue counts = ks->account, *a = &counts;
	size_t i;

	read_counts(ks, a);
	/* what the final stats event could not say: the messages after it (itself) */
	if (a->lost_at_close > lost_before)
		log_warn("kafka: %llu messages lost at close (the brokers %s did not take them "
			 "in %d ms)", (unsigned long long)(a->lost_at_close - lost_before),
			 ks->bootstrap, DRAIN_MS);
	if (!(a->dropped_queue_full + a->lost_at_close + a->send_failed + a->format_failed))
		return;
	log_warn("kafka: %llu of %llu messages delivered; lost: %llu queue full, %llu at "
		 "close, %llu failed, %llu too large", (unsigned long long)a->sent,
		 (unsigned long long)a->taken, (unsigned long long)a->dropped_queue_full,
		 (unsigned long long)a->lost_at_close, (unsigned long long)a->send_failed,
		 (unsigned long long)a->format_failed);
	for (i = 0; i < a->failure_kind_count; i++)
		log_warn("kafka: failed: %llu %s", (unsigned long long)a->failures[i].count,
			 a->failures[i].name);
}

static void destroy_sync(struct kafka_sink *ks)
{
	pthread_cond_destroy(&ks->settled);
	pthread_cond_destroy(&ks->wake);
	pthread_cond_destroy(&ks->idle);
	pthread_mutex_destroy(&ks->lock);
}

static void kafka_sink_free(struct kafka_sink *ks)
{
	int type;

	for (type = 0; type < KAFKA_TOPICS; type++)
		if (ks->topics[type])
			rd_kafka_topic_destroy(ks->topics[type]);
	if (ks->rk)
		rd_kafka_destroy(ks->rk);
	byte_ring_free(&ks->bytes);
	free(ks->handoff);
	free(ks->bootstrap);
	free(ks);
}

static void kafka_sink_close(struct output_sink *s)
{
	struct kafka_sink *ks = kafka_sink_of(s);
	uint64_t lost;

	pthread_mutex_lock(&ks->lock);
	lost = counted(&ks->counts.lost_at_close);
	settle(ks);
	ks->sender_stopping = 1;	/* later produces are dropped, counted */
	pthread_cond_signal(&ks->wake);
	pthread_mutex_unlock(&ks->lock);
	pthread_join(ks->sender, NULL);
	__atomic_store_n(&ks->stopping, 1, __ATOMIC_RELEASE);
	pthread_join(ks->poller, NULL);
	/* no reports after the poll thread: what has none yet is lost, and stays counted */
	__atomic_fetch_add(&ks->counts.lost_at_close, in_queue(ks), __ATOMIC_SEQ_CST);
	log_losses(ks, lost);
	destroy_sync(ks);
	kafka_sink_free(ks);
}

static const struct output_sink_ops kafka_sink_ops = {
	.name = "kafka",
	.flow = kafka_sink_flow,
	.alert = kafka_sink_alert,
	.stats = kafka_sink_stats,
	.inventory = kafka_sink_inventory,
	.seal = kafka_sink_seal,
	.flush = kafka_sink_nothing,
	.reopen = kafka_sink_nothing,
	.close = kafka_sink_close,
	.drain = kafka_sink_drain,
	.account = kafka_sink_account,
};

/* "host:port,[2001:db8::1]:port,...": bootstrap.servers. NULL when out of memory. */
static char *bootstrap_servers(const struct ew_kafka_output *cfg)
{
	size_t i, len = 1;
	char *text;

	for (i = 0; i < cfg->broker_count; i++)
		len += strlen(cfg->brokers[i].host) + 10;	/* "[", "]:65535", "," */
	text = calloc(1, len);
	if (!text)
		return NULL;
	for (i = 0; i < cfg->broker_count; i++) {
		int v6 = strchr(cfg->brokers[i].host, ':') != NULL;

		snprintf(text + strlen(text), len - strlen(text), "%s%s%s%s:%u", i ? "," : "",
			 v6 ? "[" : "", cfg->brokers[i].host, v6 ? "]" : "", cfg->brokers[i].port);
	}
	return text;
}

/* The producer's configuration: ours, then the pass-through properties. 0 or -EINVAL. */
static int configure(struct kafka_sink *ks, const struct ew_kafka_output *cfg,
		     rd_kafka_conf_t *conf, char *why, size_t why_len)
{
	char queue_messages[16];
	const struct {
		const char *name;
		const char *value;
	} ours[] = {
		{ "bootstrap.servers", ks->bootstrap },
		{ "client.id", cfg->client_id },
		{ "compression.type", cfg->compression },
		{ "queue.buffering.max.messages", queue_messages },
		/* a retry neither reorders nor duplicates a flow's events */
		{ "enable.idempotence", "true" },
	};
	size_t i;

	/*
	 * The sink's own bound (produce) is the one that counts; librdkafka's is set above
	 * it, so that it never refuses a message the sink let in while the delivery report
	 * that freed a place is still being served (librdkafka counts its message until the
	 * callback returns: one at a time, so any margin of one or more would do).
	 * queue-messages is at most 10,000,000, librdkafka's bound 2^31 - 1.
	 */
	snprintf(queue_messages, sizeof(queue_messages), "%u",
		 cfg->queue_messages + HANDOFF_BATCH);
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (rd_kafka_conf_set(conf, ours[i].name, ours[i].value, why, why_len))
			return -EINVAL;
	for (i = 0; i < cfg->property_count; i++)
		if (rd_kafka_conf_set(conf, cfg->properties[i].name, cfg->properties[i].value,
				      why, why_len))
			return -EINVAL;
	rd_kafka_conf_set_opaque(conf, ks);
	rd_kafka_conf_set_dr_msg_cb(conf, delivery_report);
	rd_kafka_conf_set_error_cb(conf, client_error);
	rd_kafka_conf_set_log_cb(conf, client_log);
	return 0;
}

static int init_sync(struct kafka_sink *ks)
{
	int err = sink_cond_init(&ks->settled);

	if (err)
		return err;
	err = sink_sync_init(&ks->lock, &ks->wake, &ks->idle);
	if (err)	/* sink_sync_init undid its own */
		pthread_cond_destroy(&ks->settled);
	return err;
}

/* The producer and its topics; errors logged. 0 or -errno. */
static int start_producer(struct kafka_sink *ks, const struct ew_kafka_output *cfg)
{
	static const char *const suffixes[KAFKA_TOPICS] = {
		[OUTPUT_FLOW] = "flow",
		[OUTPUT_ALERT] = "alert",
		[OUTPUT_STATS] = "stats",
		[OUTPUT_INVENTORY] = "inventory",
		[KAFKA_SEAL_TOPIC] = "seal",
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[512] = "", topic[256];
	int type;

	if (!conf)
		return -ENOMEM;
	if (configure(ks, cfg, conf, why, sizeof(why))) {
		rd_kafka_conf_destroy(conf);
		log_error("kafka: %s", why);
		return -EINVAL;
	}
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!ks->rk) {	/* conflicting properties, an unreadable CA file, ... */
		rd_kafka_conf_destroy(conf);
		log_error("kafka: cannot create the producer: %s", why);
		return -EINVAL;
	}
	for (type = 0; type < KAFKA_TOPICS; type++) {
		snprintf(topic, sizeof(topic), "%s.%s", cfg->topic_prefix, suffixes[type]);
		ks->topics[type] = rd_kafka_topic_new(ks->rk, topic, NULL);
		if (!ks->topics[type]) {
			log_error("kafka: topic %s: %s", topic,
				  rd_kafka_err2str(rd_kafka_last_error()));
			return -EINVAL;
		}
	}
	return 0;
}

int kafka_sink_open(struct output_sink **out, const struct ew_kafka_output *cfg,
		    const char *iface)
{
	struct kafka_sink *ks = calloc(1, sizeof(*ks));
	char hostname[256] = "";
	int err;

	if (!ks)
		return -ENOMEM;
	ks->base.ops = &kafka_sink_ops;
	ks->base.line_types = OUTPUT_LINE(OUTPUT_FLOW) | OUTPUT_LINE(OUTPUT_ALERT) |
			      OUTPUT_LINE(OUTPUT_STATS) | OUTPUT_LINE(OUTPUT_INVENTORY);
	gethostname(hostname, sizeof(hostname) - 1);
	snprintf(ks->stats_key, sizeof(ks->stats_key), "%s%s%s", hostname, iface ? "/" : "",
		 iface ? iface : "");
	ks->queue_messages = cfg->queue_messages;
	ks->handoff_slots = cfg->queue_messages < HANDOFF_MESSAGES_MAX ? cfg->queue_messages
								     : HANDOFF_MESSAGES_MAX;
	ks->handoff = calloc(ks->handoff_slots, sizeof(*ks->handoff));
	ks->bootstrap = bootstrap_servers(cfg);
	if (!ks->bootstrap || !ks->handoff || byte_ring_init(&ks->bytes, HANDOFF_BYTES)) {
		kafka_sink_free(ks);
		return -ENOMEM;
	}
	err = init_sync(ks);
	if (err) {
		kafka_sink_free(ks);
		return err;
	}
	err = start_producer(ks, cfg);
	if (!err)
		err = -pthread_create(&ks->poller, NULL, poll_main, ks);
	if (err) {
		destroy_sync(ks);
		kafka_sink_free(ks);
		return err;
	}
	err = -pthread_create(&ks->sender, NULL, sender_main, ks);
	if (err) {
		__atomic_store_n(&ks->stopping, 1, __ATOMIC_RELEASE);
		pthread_join(ks->poller, NULL);
		destroy_sync(ks);
		kafka_sink_free(ks);
		return err;
	}
	*out = &ks->base;
	return 0;
}
