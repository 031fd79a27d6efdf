// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog sink: each event's EVE line (formatted once by the fan-out, output.c) put in
 * a message (syslog_format.c), formatted in the producer's thread straight into the sink's
 * own bounded queue (a byte ring preallocated at open: no allocation per message,
 * byte_ring.h), to be sent in order by a sender thread that connects, reconnects with
 * exponential backoff, and sends (syslog_transport.c). The engine never waits for the
 * collector: a full queue drops the new message and counts it. A message leaves the
 * queue once it is sent (TCP, TLS: a message cut by a dead connection is sent again on
 * the next one, so a collector may see it twice, never zero times unnoticed).
 *
 * Where every message went: taken = sent + in_queue + dropped_queue_full +
 * lost_at_close + send_failed (stats.h, struct stats_sink_queue). The final stats
 * event is preceded by a drain (bounded), so it says where every earlier message went.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output/byte_ring.h"
#include "output/output.h"
#include "output/sink_clock.h"
#include "output/syslog_format.h"
#include "output/syslog_transport.h"

#define QUEUE_MESSAGES 4096
#define QUEUE_BYTES (16u << 20)		/* the byte ring; stats lines are up to 64 KiB each */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define CONNECT_TIMEOUT_MS 2000
#define DRAIN_MS 2000			/* at the end: how long the collector gets */

struct syslog_sink {
	struct output_sink base;
	struct ew_syslog_output cfg;	/* host and ca_file: the config's, copied */
	struct syslog_origin origin;
	struct syslog_transport transport;

	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t wake;		/* the sender: a message, stop, or abort */
	pthread_cond_t idle;		/* the closer: the queue emptied, or a send ended */
	pthread_t sender;
	struct syslog_message ring[QUEUE_MESSAGES];	/* their bytes in bytes */
	struct byte_ring bytes;
	size_t head, count;
	int in_flight;			/* the head is being sent (outside the lock) */
	int stopping, aborting;
	int abort_fd;			/* the connected socket, for an abort (-1: none) */
	int warned_full;
	struct sink_pace pace;		/* when the sender is woken */
	struct stats_sink_queue account;
};

static struct syslog_sink *syslog_sink_of(struct output_sink *s)
{
	return (struct syslog_sink *)s;
}

static void pop_head(struct syslog_sink *ss)
{
	struct syslog_message *m = &ss->ring[ss->head];

	byte_ring_release_oldest(&ss->bytes, m->start + m->len);
	m->buf = NULL;
	ss->head = (ss->head + 1) % QUEUE_MESSAGES;
	ss->count--;
	sink_pace_sent(&ss->pace, 1);
	if (!ss->count)
		pthread_cond_broadcast(&ss->idle);
}

/* Connect; under the lock (released while connecting). 0, or -errno (backoff set). */
static int sender_connect(struct syslog_sink *ss, int *connected_once, uint64_t *backoff_ms,
			  uint64_t *next_try_ms)
{
	char why[512] = "";
	int err;

	pthread_mutex_unlock(&ss->lock);
	err = syslog_transport_connect(&ss->transport, CONNECT_TIMEOUT_MS, why, sizeof(why));
	pthread_mutex_lock(&ss->lock);
	if (err) {
		/* the first failure of an outage is logged; the rest are counted */
		if (*backoff_ms == BACKOFF_MIN_MS)
			log_warn("syslog: %s; retrying with backoff (up to %ds), messages queue "
				 "meanwhile", why, BACKOFF_MAX_MS / 1000);
		ss->account.connect_failures++;
		*next_try_ms = sink_now_ms() + *backoff_ms;
		*backoff_ms = *backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *backoff_ms * 2;
		return err;
	}
	if (*connected_once)
		ss->account.reconnects++;
	if (*connected_once || *backoff_ms > BACKOFF_MIN_MS)
		log_info("syslog: connected to %s port %u", ss->cfg.host, ss->cfg.port);
	*connected_once = 1;
	*backoff_ms = BACKOFF_MIN_MS;
	ss->abort_fd = ss->transport.fd;
	return 0;
}

static void sender_disconnect(struct syslog_sink *ss, int graceful)
{
	ss->abort_fd = -1;
	syslog_transport_disconnect(&ss->transport, graceful);
}

/* Sent, or failed for good (UDP): the head leaves the queue, its bytes counted. */
static void pop_sent(struct syslog_sink *ss, int sent)
{
	if (ss->cfg.transport == EW_SYSLOG_UDP && ss->ring[ss->head].len > SYSLOG_UDP_MAX)
		ss->account.truncated++;
	if (sent)
		ss->account.sent++;
	else
		ss->account.send_failed++;
	pop_head(ss);
}

/*
 * Send up to SYSLOG_SEND_BATCH messages from the head in one call (outside the lock:
 * the producers append behind them meanwhile); each leaves the queue once sent. A
 * failure drops the connection: on UDP the message that failed is lost (a datagram is
 * lossy, counted), on TCP and TLS it stays at the head for the next connection.
 */
static void sender_send_batch(struct syslog_sink *ss, uint64_t *next_try_ms)
{
	struct iovec msgs[SYSLOG_SEND_BATCH];
	size_t i, n = ss->count < SYSLOG_SEND_BATCH ? ss->count : SYSLOG_SEND_BATCH, sent;
	int err;

	for (i = 0; i < n; i++) {
		struct syslog_message *m = &ss->ring[(ss->head + i) % QUEUE_MESSAGES];

		msgs[i].iov_base = m->buf + m->start;
		msgs[i].iov_len = m->len;
		if (ss->cfg.transport == EW_SYSLOG_UDP && m->len > SYSLOG_UDP_MAX)
			msgs[i].iov_len = SYSLOG_UDP_MAX;
	}
	ss->in_flight = 1;
	pthread_mutex_unlock(&ss->lock);
	sent = 0;
	err = syslog_transport_peer_gone(&ss->transport)
		      ? -EPIPE
		      : syslog_transport_send_batch(&ss->transport, msgs, n, &sent);
	pthread_mutex_lock(&ss->lock);
	ss->in_flight = 0;
	pthread_cond_broadcast(&ss->idle);
	for (i = 0; i < sent; i++)
		pop_sent(ss, 1);
	if (!err)
		return;
	if (ss->cfg.transport == EW_SYSLOG_UDP)	/* no resend: a datagram is lossy */
		pop_sent(ss, 0);
	if (!ss->aborting)
		log_warn("syslog: sending to %s port %u failed: %s; reconnecting", ss->cfg.host,
			 ss->cfg.port, strerror(-err));
	sender_disconnect(ss, 0);
	*next_try_ms = sink_now_ms() + BACKOFF_MIN_MS;
}

static void *sender_main(void *arg)
{
	struct syslog_sink *ss = arg;
	uint64_t backoff_ms = BACKOFF_MIN_MS, next_try_ms = 0;
	int connected_once = 0;

	pthread_mutex_lock(&ss->lock);
	for (;;) {
		enum sink_sender_step step =
			sink_pace_next(&ss->pace, &ss->wake, &ss->lock, ss->count,
				       SYSLOG_SEND_BATCH, ss->aborting, ss->stopping);

		if (step == SINK_STOP)
			break;
		if (step == SINK_LOOK_AGAIN)
			continue;
		if (ss->transport.fd < 0) {
			if (sink_now_ms() < next_try_ms) {
				sink_wait_until(&ss->wake, &ss->lock, next_try_ms);
				continue;
			}
			if (sender_connect(ss, &connected_once, &backoff_ms, &next_try_ms))
				continue;
		}
		sender_send_batch(ss, &next_try_ms);
	}
	sender_disconnect(ss, 1);
	pthread_mutex_unlock(&ss->lock);
	return NULL;
}

static void count_queue_full(struct syslog_sink *ss)
{
	ss->account.dropped_queue_full++;
	if (!ss->warned_full)
		log_warn("syslog: queue full (%u messages or %u MiB): the collector at %s port %u "
			 "is down or slow; new messages are dropped and counted", QUEUE_MESSAGES,
			 QUEUE_BYTES >> 20, ss->cfg.host, ss->cfg.port);
	ss->warned_full = 1;
}

/*
 * The message of f around line, formatted into the queue's byte ring (under the lock:
 * alerts come from several threads), or counted as dropped. A line the fan-out could
 * not format is this sink's format failure (the EVE sink counts it too); one larger
 * than the whole ring can never be queued: counted as too large.
 */
static int enqueue(struct syslog_sink *ss, const struct syslog_fields *f,
		   const struct output_line *line)
{
	size_t cap = line->err ? 0 : syslog_message_cap(f, line->len);
	struct syslog_message *m;
	char *room;
	int err = line->err;

	pthread_mutex_lock(&ss->lock);
	ss->account.taken++;
	if (!err && cap > ss->bytes.size)
		err = -EMSGSIZE;
	if (err) {
		ss->account.format_failed++;
		goto out;
	}
	room = ss->count < QUEUE_MESSAGES && !ss->stopping ? byte_ring_reserve(&ss->bytes, cap)
							   : NULL;
	if (!room) {
		count_queue_full(ss);
		goto out;
	}
	m = &ss->ring[(ss->head + ss->count) % QUEUE_MESSAGES];
	syslog_format(&ss->origin, f, line->buf, line->len, room, cap, m);	/* cap: fits */
	byte_ring_shrink_last(&ss->bytes, room, m->start + m->len);
	/* one wake per gathered batch, not per message (sink_clock.h, struct sink_pace) */
	if (sink_pace_queued(&ss->pace, ++ss->count, SYSLOG_SEND_BATCH))
		pthread_cond_signal(&ss->wake);
out:
	pthread_mutex_unlock(&ss->lock);
	return err;
}

static int syslog_sink_flow(struct output_sink *s, const struct flow_event *ev,
			    const struct output_line *line)
{
	struct syslog_sink *ss = syslog_sink_of(s);
	struct syslog_fields f = syslog_fields_flow(ev);

	if (!ss->cfg.flows)
		return 0;	/* not taken: line_types did not ask for the line */
	return enqueue(ss, &f, line);
}

static int syslog_sink_alert(struct output_sink *s, const struct alert_event *ev,
			     const struct output_line *line)
{
	struct syslog_fields f = syslog_fields_alert(ev);

	return enqueue(syslog_sink_of(s), &f, line);
}

static int syslog_sink_inventory(struct output_sink *s, const struct inventory_event *ev,
				 const struct output_line *line)
{
	struct syslog_fields f = syslog_fields_inventory(ev);

	return enqueue(syslog_sink_of(s), &f, line);
}

static int syslog_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			     const struct output_line *line)
{
	struct syslog_fields f = syslog_fields_stats(snap);

	return enqueue(syslog_sink_of(s), &f, line);
}

/* Seals always (with or without flows): the collector's copy proves a truncation. */
static int syslog_sink_seal(struct output_sink *s, const char *line, size_t len, uint64_t ts_ns)
{
	struct syslog_fields f = syslog_fields_seal(ts_ns);
	struct output_line seal = { .buf = line, .len = len };

	return enqueue(syslog_sink_of(s), &f, &seal);
}

static int syslog_sink_nothing(struct output_sink *s)
{
	return 0;	/* the sender sends as soon as it can; files: none to reopen */
}

/*
 * Give the sender until DRAIN_MS from now to empty the queue; then cut what it is
 * sending and count what is left as lost at close. Under the lock.
 */
static void settle(struct syslog_sink *ss)
{
	uint64_t deadline = sink_now_ms() + DRAIN_MS;

	ss->pace.hurry = 1;	/* no gathering while the closer waits */
	pthread_cond_signal(&ss->wake);
	while ((ss->count || ss->in_flight) && sink_now_ms() < deadline)
		sink_wait_until(&ss->idle, &ss->lock, deadline);
	if (!ss->count) {
		ss->pace.hurry = 0;
		return;
	}
	ss->aborting = 1;
	if (ss->abort_fd >= 0)
		syslog_transport_abort(&ss->transport);
	while (ss->in_flight)
		pthread_cond_wait(&ss->idle, &ss->lock);
	ss->account.lost_at_close += ss->count;
	while (ss->count)
		pop_head(ss);
	ss->aborting = 0;
	ss->pace.hurry = 0;
	pthread_cond_signal(&ss->wake);
}

static void syslog_sink_drain(struct output_sink *s)
{
	struct syslog_sink *ss = syslog_sink_of(s);

	pthread_mutex_lock(&ss->lock);
	settle(ss);
	pthread_mutex_unlock(&ss->lock);
}

static void syslog_sink_account(struct output_sink *s, struct stats_sink_queue *out)
{
	struct syslog_sink *ss = syslog_sink_of(s);

	pthread_mutex_lock(&ss->lock);
	*out = ss->account;
	out->in_queue = ss->count;
	pthread_mutex_unlock(&ss->lock);
	out->name = "syslog";
}

static void syslog_sink_close(struct output_sink *s)
{
	struct syslog_sink *ss = syslog_sink_of(s);
	struct stats_sink_queue *a = &ss->account;
	uint64_t lost;

	pthread_mutex_lock(&ss->lock);
	lost = a->lost_at_close;
	settle(ss);
	ss->stopping = 1;
	pthread_cond_signal(&ss->wake);
	pthread_mutex_unlock(&ss->lock);
	pthread_join(ss->sender, NULL);
	/* what the final stats event could not say: the messages after it (itself) */
	if (a->lost_at_close > lost)
		log_warn("syslog: %llu messages lost at close (the collector at %s port %u did "
			 "not take them in %d ms)", (unsigned long long)(a->lost_at_close - lost),
			 ss->cfg.host, ss->cfg.port, DRAIN_MS);
	if (a->dropped_queue_full + a->lost_at_close + a->send_failed + a->format_failed)
		log_warn("syslog: %llu of %llu messages sent; lost: %llu queue full, %llu at "
			 "close, %llu send failed (udp), %llu too large",
			 (unsigned long long)a->sent, (unsigned long long)a->taken,
			 (unsigned long long)a->dropped_queue_full,
			 (unsigned long long)a->lost_at_close, (unsigned long long)a->send_failed,
			 (unsigned long long)a->format_failed);
	syslog_transport_free(&ss->transport);
	pthread_cond_destroy(&ss->wake);
	pthread_cond_destroy(&ss->idle);
	pthread_mutex_destroy(&ss->lock);
	byte_ring_free(&ss->bytes);
	free(ss->cfg.host);
	free(ss->cfg.ca_file);
	free(ss);
}

static const struct output_sink_ops syslog_sink_ops = {
	.name = "syslog",
	.flow = syslog_sink_flow,
	.alert = syslog_sink_alert,
	.stats = syslog_sink_stats,
	.inventory = syslog_sink_inventory,
	.seal = syslog_sink_seal,
	.flush = syslog_sink_nothing,
	.reopen = syslog_sink_nothing,
	.close = syslog_sink_close,
	.drain = syslog_sink_drain,
	.account = syslog_sink_account,
};

int syslog_sink_open(struct output_sink **out, const struct ew_syslog_output *cfg)
{
	struct syslog_sink *ss = calloc(1, sizeof(*ss));
	char hostname[256] = "", why[512] = "";
	int err;

	if (!ss)
		return -ENOMEM;
	ss->base.ops = &syslog_sink_ops;
	/* flows only when asked: otherwise the fan-out need not format a line for us */
	ss->base.line_types = OUTPUT_LINE(OUTPUT_ALERT) | OUTPUT_LINE(OUTPUT_STATS) |
			      OUTPUT_LINE(OUTPUT_INVENTORY) |
			      (cfg->flows ? OUTPUT_LINE(OUTPUT_FLOW) : 0);
	ss->cfg = *cfg;
	ss->cfg.host = strdup(cfg->host);
	ss->cfg.ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	ss->abort_fd = -1;
	gethostname(hostname, sizeof(hostname) - 1);
	syslog_origin_init(&ss->origin, cfg->facility, hostname, (int)getpid(),
			   cfg->transport != EW_SYSLOG_UDP);
	if (!ss->cfg.host || (cfg->ca_file && !ss->cfg.ca_file) ||
	    byte_ring_init(&ss->bytes, QUEUE_BYTES)) {
		err = -ENOMEM;
		goto fail;
	}
	err = syslog_transport_init(&ss->transport, &ss->cfg, why, sizeof(why));
	if (err) {
		log_error("syslog: %s", why);
		goto fail;
	}
	err = sink_sync_init(&ss->lock, &ss->wake, &ss->idle);
	if (!err)
		err = -pthread_create(&ss->sender, NULL, sender_main, ss);
	if (err) {
		log_error("syslog: cannot start the sender thread: %s", strerror(-err));
		syslog_transport_free(&ss->transport);
		goto fail;
	}
	*out = &ss->base;
	return 0;
fail:
	byte_ring_free(&ss->bytes);
	free(ss->cfg.host);
	free(ss->cfg.ca_file);
	free(ss);
	return err;
}
