// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPFIX sink: each flow event becomes a fixed-size record (ipfix_format.c) in the
 * producer's thread and waits on the sink's own bounded queue; a sender thread packs
 * the queued records into messages (a stream's sequence numbers and templates are the
 * sender's), connects, reconnects with exponential backoff, and sends. The engine never
 * waits for the collector: a full queue drops the new record and counts it. Alerts and
 * stats are not IPFIX's: the sink takes flow events only.
 *
 * The connection is the syslog sink's (syslog_transport.c: UDP and TCP without TLS).
 * UDP: templates go with the first message and again every template-interval (RFC 7011
 * 8.4), and after a reconnect; a datagram the socket refused (ECONNREFUSED from an ICMP
 * port unreachable, ENOBUFS, ...) is not sent again: its records are counted send_failed
 * and the sequence number skips them, so the collector sees the gap too.
 * TCP: each connection is a new stream (sequence from 0) that starts with the templates;
 * records leave the queue once their message is sent, so a message cut by a dead
 * connection is sent again on the next one (a collector may see it twice, never zero
 * times unnoticed).
 *
 * Where every record went: taken = sent + in_queue + dropped_queue_full + lost_at_close
 * + send_failed (stats.h, struct stats_sink_queue, the stats event's outputs.ipfix).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "output/ipfix_format.h"
#include "output/output.h"
#include "output/sink_clock.h"
#include "output/syslog_transport.h"

#define QUEUE_RECORDS 8192
#define UDP_MESSAGE_MAX 1400		/* one datagram under a 1500-byte path MTU, unfragmented */
#define TCP_MESSAGE_MAX 16384
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define CONNECT_TIMEOUT_MS 2000
#define DRAIN_MS 2000			/* at the end: how long the collector gets */
/* records the sender gathers before it is woken (sink_clock.h): about four UDP messages */
#define GATHER_RECORDS 64

struct ipfix_sink {
	struct output_sink base;
	struct ew_ipfix_output cfg;
	char where[CONFIG_ENDPOINT_STRLEN];	/* the collector, for messages */
	char host[48];				/* its address, for the transport */
	struct ew_syslog_output transport_cfg;
	struct syslog_transport transport;

	/* the sender's own */
	struct ipfix_stream stream;
	uint8_t message[TCP_MESSAGE_MAX];

	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t wake;		/* the sender: a record, stop, or abort */
	pthread_cond_t idle;		/* the closer: the queue emptied, or a send ended */
	pthread_t sender;
	struct ipfix_flow ring[QUEUE_RECORDS];
	size_t head, count;
	int in_flight;			/* records from the head are being sent (outside the lock) */
	int stopping, aborting;
	int connected;			/* for an abort */
	int warned_full;
	struct sink_pace pace;		/* when the sender is woken */
	struct stats_sink_queue account;
};

static struct ipfix_sink *ipfix_sink_of(struct output_sink *s)
{
	return (struct ipfix_sink *)s;
}

static void pop_records(struct ipfix_sink *is, size_t n)
{
	is->head = (is->head + n) % QUEUE_RECORDS;
	is->count -= n;
	sink_pace_sent(&is->pace, n);
	if (!is->count)
		pthread_cond_broadcast(&is->idle);
}

/* Connect; under the lock (released while connecting). 0, or -errno (backoff set). */
static int sender_connect(struct ipfix_sink *is, int *connected_once, uint64_t *backoff_ms,
			  uint64_t *next_try_ms)
{
	char why[512] = "";
	int err;

	pthread_mutex_unlock(&is->lock);
	err = syslog_transport_connect(&is->transport, CONNECT_TIMEOUT_MS, why, sizeof(why));
	pthread_mutex_lock(&is->lock);
	if (err) {
		/* the first failure of an outage is logged; the rest are counted */
		if (*backoff_ms == BACKOFF_MIN_MS)
			log_warn("ipfix: %s; retrying with backoff (up to %ds), records queue "
				 "meanwhile", why, BACKOFF_MAX_MS / 1000);
		is->account.connect_failures++;
		*next_try_ms = sink_now_ms() + *backoff_ms;
		*backoff_ms = *backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *backoff_ms * 2;
		return err;
	}
	if (*connected_once)
		is->account.reconnects++;
	if (*connected_once || *backoff_ms > BACKOFF_MIN_MS)
		log_info("ipfix: connected to %s", is->where);
	*connected_once = 1;
	*backoff_ms = BACKOFF_MIN_MS;
	is->connected = 1;
	ipfix_stream_connected(&is->stream);
	return 0;
}

static void sender_disconnect(struct ipfix_sink *is, int graceful)
{
	is->connected = 0;
	syslog_transport_disconnect(&is->transport, graceful);
}

/* Pack records from the head into a message and send it (outside the lock). */
static void sender_send(struct ipfix_sink *is, uint64_t *next_try_ms)
{
	int udp = is->cfg.transport == EW_IPFIX_UDP;
	uint64_t now = sink_now_ms();
	size_t contiguous = QUEUE_RECORDS - is->head, taken, len;
	struct ipfix_stream before = is->stream;
	int templates, err;

	templates = ipfix_stream_wants_templates(&is->stream, now);
	len = ipfix_message_build(&is->stream, (uint32_t)time(NULL), templates,
				  &is->ring[is->head], is->count < contiguous ? is->count : contiguous,
				  &taken, is->message, udp ? UDP_MESSAGE_MAX : TCP_MESSAGE_MAX);
	is->in_flight = 1;
	pthread_mutex_unlock(&is->lock);
	err = syslog_transport_peer_gone(&is->transport)
		      ? -EPIPE
		      : syslog_transport_send(&is->transport, (const char *)is->message, len);
	pthread_mutex_lock(&is->lock);
	is->in_flight = 0;
	pthread_cond_broadcast(&is->idle);
	if (!err) {
		is->account.sent += taken;
		pop_records(is, taken);
		ipfix_stream_sent(&is->stream, templates, now);
		return;
	}
	if (udp) {	/* no resend: a datagram is lossy, and the sequence shows the gap */
		is->account.send_failed += taken;
		pop_records(is, taken);
	} else {
		is->stream = before;
	}
	if (!is->aborting)
		log_warn("ipfix: sending to %s failed: %s; reconnecting", is->where,
			 strerror(-err));
	sender_disconnect(is, 0);
	*next_try_ms = sink_now_ms() + BACKOFF_MIN_MS;
}

static void *sender_main(void *arg)
{
	struct ipfix_sink *is = arg;
	uint64_t backoff_ms = BACKOFF_MIN_MS, next_try_ms = 0;
	int connected_once = 0;

	pthread_mutex_lock(&is->lock);
	for (;;) {
		enum sink_sender_step step =
			sink_pace_next(&is->pace, &is->wake, &is->lock, is->count,
				       GATHER_RECORDS, is->aborting, is->stopping);

		if (step == SINK_STOP)
			break;
		if (step == SINK_LOOK_AGAIN)
			continue;
		if (!is->connected) {
			if (sink_now_ms() < next_try_ms) {
				sink_wait_until(&is->wake, &is->lock, next_try_ms);
				continue;
			}
			if (sender_connect(is, &connected_once, &backoff_ms, &next_try_ms))
				continue;
		}
		sender_send(is, &next_try_ms);
	}
	sender_disconnect(is, 1);
	pthread_mutex_unlock(&is->lock);
	return NULL;
}

static int ipfix_sink_flow(struct output_sink *s, const struct flow_event *ev,
			   const struct output_line *line)
{
	struct ipfix_sink *is = ipfix_sink_of(s);
	struct ipfix_flow rec;

	ipfix_flow_of(ev, &rec);
	pthread_mutex_lock(&is->lock);
	is->account.taken++;
	if (is->count == QUEUE_RECORDS || is->stopping) {
		is->account.dropped_queue_full++;
		if (!is->warned_full)
			log_warn("ipfix: queue full (%u records): the collector at %s is down or "
				 "slow; new flow records are dropped and counted", QUEUE_RECORDS,
				 is->where);
		is->warned_full = 1;
	} else {
		is->ring[(is->head + is->count) % QUEUE_RECORDS] = rec;
		/* one wake per gathered batch, not per record (sink_clock.h, struct sink_pace) */
		if (sink_pace_queued(&is->pace, ++is->count, GATHER_RECORDS))
			pthread_cond_signal(&is->wake);
	}
	pthread_mutex_unlock(&is->lock);
	return 0;
}

static int ipfix_sink_alert(struct output_sink *s, const struct alert_event *ev,
			    const struct output_line *line)
{
	return 0;	/* IPFIX carries flows; alerts go to EVE and syslog */
}

static int ipfix_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			    const struct output_line *line)
{
	return 0;	/* the counters are the metrics' and the stats event's */
}

static int ipfix_sink_nothing(struct output_sink *s)
{
	return 0;	/* the sender sends as soon as it can; files: none to reopen */
}

/*
 * Give the sender until DRAIN_MS from now to empty the queue; then cut what it is
 * sending and count what is left as lost at close. Under the lock.
 */
static void settle(struct ipfix_sink *is)
{
	uint64_t deadline = sink_now_ms() + DRAIN_MS;

	is->pace.hurry = 1;	/* no gathering while the closer waits */
	pthread_cond_signal(&is->wake);
	while ((is->count || is->in_flight) && sink_now_ms() < deadline)
		sink_wait_until(&is->idle, &is->lock, deadline);
	if (!is->count) {
		is->pace.hurry = 0;
		return;
	}
	is->aborting = 1;
	if (is->connected)
		syslog_transport_abort(&is->transport);
	while (is->in_flight)
		pthread_cond_wait(&is->idle, &is->lock);
	is->account.lost_at_close += is->count;
	pop_records(is, is->count);
	is->aborting = 0;
	is->pace.hurry = 0;
	pthread_cond_signal(&is->wake);
}

static void ipfix_sink_drain(struct output_sink *s)
{
	struct ipfix_sink *is = ipfix_sink_of(s);

	pthread_mutex_lock(&is->lock);
	settle(is);
	pthread_mutex_unlock(&is->lock);
}

static void ipfix_sink_account(struct output_sink *s, struct stats_sink_queue *out)
{
	struct ipfix_sink *is = ipfix_sink_of(s);

	pthread_mutex_lock(&is->lock);
	*out = is->account;
	out->in_queue = is->count;
	pthread_mutex_unlock(&is->lock);
	out->name = "ipfix";
}

static void ipfix_sink_close(struct output_sink *s)
{
	struct ipfix_sink *is = ipfix_sink_of(s);
	struct stats_sink_queue *a = &is->account;

	pthread_mutex_lock(&is->lock);
	settle(is);
	is->stopping = 1;
	pthread_cond_signal(&is->wake);
	pthread_mutex_unlock(&is->lock);
	pthread_join(is->sender, NULL);
	if (a->dropped_queue_full + a->lost_at_close + a->send_failed)
		log_warn("ipfix: %llu of %llu flow records sent to %s; lost: %llu queue full, "
			 "%llu at close, %llu send failed (udp)", (unsigned long long)a->sent,
			 (unsigned long long)a->taken, is->where,
			 (unsigned long long)a->dropped_queue_full,
			 (unsigned long long)a->lost_at_close, (unsigned long long)a->send_failed);
	syslog_transport_free(&is->transport);
	pthread_cond_destroy(&is->wake);
	pthread_cond_destroy(&is->idle);
	pthread_mutex_destroy(&is->lock);
	free(is);
}

static const struct output_sink_ops ipfix_sink_ops = {
	.name = "ipfix",
	.flow = ipfix_sink_flow,
	.alert = ipfix_sink_alert,
	.stats = ipfix_sink_stats,
	.flush = ipfix_sink_nothing,
	.reopen = ipfix_sink_nothing,
	.close = ipfix_sink_close,
	.drain = ipfix_sink_drain,
	.account = ipfix_sink_account,
};

int ipfix_sink_open(struct output_sink **out, const struct ew_ipfix_output *cfg)
{
	struct ipfix_sink *is = calloc(1, sizeof(*is));
	char why[512] = "";
	int err;

	if (!is)
		return -ENOMEM;
	is->base.ops = &ipfix_sink_ops;
	is->cfg = *cfg;
	ipfix_stream_init(&is->stream, cfg->observation_domain, cfg->transport == EW_IPFIX_UDP,
			  (uint64_t)cfg->template_interval * 1000);
	config_format_endpoint(&cfg->collector, is->where, sizeof(is->where));
	inet_ntop(cfg->collector.family == 6 ? AF_INET6 : AF_INET, cfg->collector.addr, is->host,
		  sizeof(is->host));
	is->transport_cfg.host = is->host;
	is->transport_cfg.port = cfg->collector.port;
	is->transport_cfg.transport = cfg->transport == EW_IPFIX_TCP ? EW_SYSLOG_TCP : EW_SYSLOG_UDP;
	err = syslog_transport_init(&is->transport, &is->transport_cfg, why, sizeof(why));
	if (err) {
		log_error("ipfix: %s", why);
		free(is);
		return err;
	}
	err = sink_sync_init(&is->lock, &is->wake, &is->idle);
	if (!err)
		err = -pthread_create(&is->sender, NULL, sender_main, is);
	if (err) {
		log_error("ipfix: cannot start the sender thread: %s", strerror(-err));
		syslog_transport_free(&is->transport);
		free(is);
		return err;
	}
	*out = &is->base;
	return 0;
}
