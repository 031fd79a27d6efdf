// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog sink's queue (output/syslog_sink.c, a byte ring of 16 MiB for at most
 * 4096 messages) with a collector that refuses the connection (TCP to a loopback port
 * bound but not listening), so nothing leaves it:
 *  - small messages: 4096 queue, every one after is dropped_queue_full;
 *  - large ones: the bytes run out before the count, the rest dropped_queue_full;
 *  - a message larger than the whole ring: format_failed (too large), not queue full;
 *  - at close what is queued is lost_at_close.
 * The account balances in each: taken = in_queue + every loss.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "output/output.h"
#include "output/stats.h"
#include "../support/test.h"

#define QUEUE_MESSAGES 4096
#define RING_BYTES (16u << 20)

/* A loopback TCP port that refuses connections while fd is open. */
static int refusing_port(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(*fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

static int open_sink(struct output_sink **sink, int *fd)
{
	struct ew_syslog_output so = { .enabled = 1, .host = "127.0.0.1",
				       .transport = EW_SYSLOG_TCP, .flows = 1, .facility = 16 };
	int port = refusing_port(fd);

	if (port < 0)
		return -1;
	so.port = (uint16_t)port;
	return syslog_sink_open(sink, &so);
}

/* count flow events with an EVE line of len bytes ('x'...) into the sink. */
static void put_flows(struct output_sink *sink, size_t count, size_t len)
{
	struct flow_event ev = { .end_ns = 1500000000ULL };
	struct output_line line = { .len = len };
	char *buf = malloc(len);
	size_t i;

	if (!buf)
		return;
	memset(buf, 'x', len);
	line.buf = buf;
	for (i = 0; i < count; i++)
		sink->ops->flow(sink, &ev, &line);
	free(buf);
}

/* "taken N, in queue N, ..." for a failure's message. */
static const char *account_text(const struct stats_sink_queue *a)
{
	static char text[256];

	snprintf(text, sizeof(text), "taken %llu, sent %llu, in queue %llu, dropped %llu, "
		 "lost at close %llu, too large %llu", (unsigned long long)a->taken,
		 (unsigned long long)a->sent, (unsigned long long)a->in_queue,
		 (unsigned long long)a->dropped_queue_full, (unsigned long long)a->lost_at_close,
		 (unsigned long long)a->format_failed);
	return text;
}

static int balances(const struct stats_sink_queue *a)
{
	return a->taken == a->sent + a->in_queue + a->dropped_queue_full + a->lost_at_close +
				   a->send_failed + a->format_failed;
}

static void test_full_by_count(struct test_case *t)
{
	struct output_sink *sink;
	struct stats_sink_queue a;
	int fd;

	CHECK(t, open_sink(&sink, &fd) == 0, "open");
	put_flows(sink, QUEUE_MESSAGES + 500, 300);
	sink->ops->account(sink, &a);
	EXPECT(t, a.taken == QUEUE_MESSAGES + 500 && a.in_queue == QUEUE_MESSAGES &&
			  a.dropped_queue_full == 500 && a.sent == 0,
	       "%s", account_text(&a));
	EXPECT(t, balances(&a), "the account does not balance");
	sink->ops->drain(sink);	/* 2 s for a collector that never comes */
	sink->ops->account(sink, &a);
	EXPECT(t, a.lost_at_close == QUEUE_MESSAGES && a.in_queue == 0 && balances(&a),
	       "%s", account_text(&a));
	sink->ops->close(sink);
	close(fd);
}

static void test_full_by_bytes(struct test_case *t)
{
	struct output_sink *sink;
	struct stats_sink_queue a;
	const size_t len = 8000;	/* 4096 of them would be 32 MiB */
	int fd;

	CHECK(t, open_sink(&sink, &fd) == 0, "open");
	put_flows(sink, 3000, len);
	sink->ops->account(sink, &a);
	/* each takes its line and a header of under 400 bytes */
	EXPECT(t, a.in_queue >= RING_BYTES / (len + 400) && a.in_queue <= RING_BYTES / len &&
			  a.dropped_queue_full == 3000 - a.in_queue && balances(&a),
	       "%s", account_text(&a));
	sink->ops->close(sink);
	close(fd);
}

static void test_larger_than_the_ring(struct test_case *t)
{
	struct output_sink *sink;
	struct stats_sink_queue a;
	int fd;

	CHECK(t, open_sink(&sink, &fd) == 0, "open");
	put_flows(sink, 1, 300);
	put_flows(sink, 1, RING_BYTES + 1);
	put_flows(sink, 1, 300);
	sink->ops->account(sink, &a);
	EXPECT(t, a.taken == 3 && a.format_failed == 1 && a.in_queue == 2 &&
			  a.dropped_queue_full == 0 && balances(&a),
	       "%s", account_text(&a));
	sink->ops->close(sink);
	close(fd);
}

int main(void)
{
	test_program = "test_syslog_queue";
	RUN(test_full_by_count);
	RUN(test_full_by_bytes);
	RUN(test_larger_than_the_ring);
	return test_summary();
}
