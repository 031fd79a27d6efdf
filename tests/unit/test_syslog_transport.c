// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog sender's batches (syslog_transport_send_batch), over a socket pair (no
 * network): on a stream every message arrives whole and in order through a small send
 * buffer and a slow reader; when the socket takes only part of a batch (it is full and
 * will not wait), sent counts the messages it took whole and the bytes it took are
 * exactly those, then a prefix of the next (the one to send again); as datagrams each
 * message is one datagram; a batch past SYSLOG_SEND_BATCH is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "output/syslog_transport.h"
#include "../support/test.h"

#define STREAM_BYTES (SYSLOG_SEND_BATCH * 3000)

static char payload[SYSLOG_SEND_BATCH][3000];

/* Message i: 100 + 45 * i bytes of a pattern of its own. */
static void make_messages(struct iovec *msgs)
{
	size_t i, j;

	for (i = 0; i < SYSLOG_SEND_BATCH; i++) {
		msgs[i].iov_base = payload[i];
		msgs[i].iov_len = 100 + 45 * i;
		for (j = 0; j < msgs[i].iov_len; j++)
			payload[i][j] = (char)('a' + (i + j) % 26);
	}
}

struct reader {
	int fd;
	char buf[STREAM_BYTES];
	size_t len;
};

/* Reads in small pieces until the writer closes: the writer's socket fills meanwhile. */
static void *read_stream(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	while (r->len < sizeof(r->buf)) {
		n = read(r->fd, r->buf + r->len, 512);
		if (n <= 0)
			break;
		r->len += (size_t)n;
	}
	return NULL;
}

static void test_stream_batch_in_pieces(struct test_case *t)
{
	struct syslog_transport tr = { .kind = EW_SYSLOG_TCP, .fd = -1 };
	struct iovec msgs[SYSLOG_SEND_BATCH];
	static struct reader r;
	int sv[2], sndbuf = 4096, err;
	size_t sent = 0, i, off = 0;
	pthread_t reader;

	make_messages(msgs);
	CHECK(t, !socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair: %s", strerror(errno));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	tr.fd = sv[0];
	r.fd = sv[1];
	r.len = 0;
	CHECK(t, !pthread_create(&reader, NULL, read_stream, &r), "reader thread");
	err = syslog_transport_send_batch(&tr, msgs, SYSLOG_SEND_BATCH, &sent);
	close(sv[0]);
	pthread_join(reader, NULL);
	close(sv[1]);
	CHECK(t, err == 0 && sent == SYSLOG_SEND_BATCH, "err %d, %zu of %d sent", err, sent,
	      SYSLOG_SEND_BATCH);
	for (i = 0; i < SYSLOG_SEND_BATCH; i++) {
		EXPECT(t, off + msgs[i].iov_len <= r.len &&
			       !memcmp(r.buf + off, msgs[i].iov_base, msgs[i].iov_len),
		       "message %zu not whole at byte %zu of %zu", i, off, r.len);
		off += msgs[i].iov_len;
	}
	EXPECT(t, off == r.len, "%zu bytes read, %zu sent", r.len, off);
}

static void test_stream_part_taken(struct test_case *t)
{
	struct syslog_transport tr = { .kind = EW_SYSLOG_TCP, .fd = -1 };
	struct iovec msgs[SYSLOG_SEND_BATCH];
	static char got[STREAM_BYTES];
	int sv[2], sndbuf = 4096, err;
	size_t sent = 0, i, whole = 0, len = 0;
	ssize_t n;

	make_messages(msgs);
	CHECK(t, !socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair: %s", strerror(errno));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);	/* nobody reads: the socket fills, then refuses */
	tr.fd = sv[0];
	err = syslog_transport_send_batch(&tr, msgs, SYSLOG_SEND_BATCH, &sent);
	while ((n = recv(sv[1], got + len, sizeof(got) - len, MSG_DONTWAIT)) > 0)
		len += (size_t)n;
	close(sv[0]);
	close(sv[1]);
	CHECK(t, err == -ETIMEDOUT && sent < SYSLOG_SEND_BATCH && len > 0,
	      "err %d, %zu sent, %zu bytes taken", err, sent, len);
	for (i = 0; i < sent; i++)
		whole += msgs[i].iov_len;
	CHECK(t, whole <= len && len < whole + msgs[sent].iov_len,
	      "%zu messages counted sent (%zu bytes), the socket took %zu", sent, whole, len);
	for (i = 0, whole = 0; whole < len; whole += msgs[i].iov_len, i++) {
		size_t cmp = len - whole < msgs[i].iov_len ? len - whole : msgs[i].iov_len;

		CHECK(t, !memcmp(got + whole, msgs[i].iov_base, cmp), "message %zu mangled", i);
	}
}

static void test_datagram_each(struct test_case *t)
{
	struct syslog_transport tr = { .kind = EW_SYSLOG_UDP, .fd = -1 };
	struct iovec msgs[SYSLOG_SEND_BATCH];
	char got[4096];
	int sv[2], rcvbuf = 1 << 20, err;
	size_t sent = 0, i;
	ssize_t n;

	make_messages(msgs);
	CHECK(t, !socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair: %s", strerror(errno));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	tr.fd = sv[0];
	/* an eighth of a batch: what the receive queue of a datagram pair surely holds */
	err = syslog_transport_send_batch(&tr, msgs, SYSLOG_SEND_BATCH / 8, &sent);
	EXPECT(t, err == 0 && sent == SYSLOG_SEND_BATCH / 8, "err %d, %zu sent", err, sent);
	for (i = 0; i < sent; i++) {
		n = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
		EXPECT(t, n == (ssize_t)msgs[i].iov_len && !memcmp(got, msgs[i].iov_base, (size_t)n),
		       "datagram %zu: %zd bytes, want %zu", i, n, msgs[i].iov_len);
	}
	EXPECT(t, recv(sv[1], got, sizeof(got), MSG_DONTWAIT) < 0, "a datagram too many");
	EXPECT(t, syslog_transport_send_batch(&tr, msgs, SYSLOG_SEND_BATCH + 1, &sent) == -EINVAL &&
		       sent == 0, "a batch past SYSLOG_SEND_BATCH taken");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	test_program = "test_syslog_transport";
	RUN(test_stream_batch_in_pieces);
	RUN(test_stream_part_taken);
	RUN(test_datagram_each);
	return test_summary();
}
