// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The handshakes followed for the inventory (userspace/inventory/handshake.c): segments
 * out of order, the client's fingerprint delivered with its server's, a window cut by
 * bytes not captured (snap length) or by the run's end counted as truncated, flows that
 * do not start with a handshake not followed.
 */
#include <string.h>

#include "inventory/handshake.h"
#include "../support/test.h"

static uint8_t stream[2][4096];	/* per direction: what the flow's side sends */
static size_t stream_len[2];

static struct {
	int calls, from_server;
	char ja3s[TLS_JA3S_LEN], client[TLS_JA3_LEN];
} got;

static void on_facts(void *ctx, const struct handshake_facts *f)
{
	(void)ctx;
	got.calls++;
	got.from_server = f->from_server;
	snprintf(got.ja3s, sizeof(got.ja3s), "%s", f->ja3s ? f->ja3s : "");
	snprintf(got.client, sizeof(got.client), "%s", f->client_fp ? f->client_fp : "");
}

/* One segment of direction dir: off..off+len of its stream, cap bytes of it copied. */
static void feed(struct handshakes *h, uint64_t flow, int dir, size_t off, size_t len,
		 size_t cap, int psh)
{
	struct {
		struct sample_header hdr;
		uint8_t payload[4096];
	} s;

	memset(&s.hdr, 0, sizeof(s.hdr));
	s.hdr.ts_ns = 1000 + off;
	s.hdr.flow_seq = flow;
	s.hdr.key.family = 4;
	s.hdr.key.proto = 6;
	s.hdr.dir = (uint8_t)dir;
	s.hdr.from_a = dir == EW_DIR_TO_SERVER;
	s.hdr.reason = EW_SAMPLE_STREAM;
	s.hdr.tcp_flags = psh ? 0x18 : 0x10;
	s.hdr.stream_off = (uint32_t)off;
	s.hdr.payload_len = (uint32_t)len;
	s.hdr.cap_len = (uint16_t)cap;
	memcpy(s.payload, stream[dir] + off, cap);
	handshakes_on_sample(h, &s.hdr, s.payload, 0, on_facts, NULL);
}

/* Direction dir's stream: one TLS handshake record of the message (record version 3.minor). */
static void put_record(int dir, uint8_t minor, const uint8_t *msg, size_t len)
{
	uint8_t *p = stream[dir];

	p[0] = 0x16;
	p[1] = 3;
	p[2] = minor;
	p[3] = (uint8_t)(len >> 8);
	p[4] = (uint8_t)len;
	memcpy(p + 5, msg, len);
	stream_len[dir] = 5 + len;
}

/* A ServerHello (no extensions) and ServerHelloDone. */
static void server_flight(void)
{
	static const uint8_t hello[] = {
		0x02, 0, 0, 38, 0x03, 0x03, [6 ... 37] = 0x11, 0, 0x00, 0x9c, 0,
		0x0e, 0, 0, 0,
	};

	put_record(EW_DIR_TO_CLIENT, 3, hello, sizeof(hello));
}

/* A ClientHello with one cipher (0x002f), no extensions, in a record of version 3.1. */
static void client_hello(void)
{
	static const uint8_t hello[] = {
		0x01, 0, 0, 41, 0x03, 0x03, [6 ... 37] = 0x22, 0, 0, 2, 0x00, 0x2f, 1, 0,
	};

	put_record(EW_DIR_TO_SERVER, 1, hello, sizeof(hello));
}

static void test_out_of_order(struct test_case *t)
{
	struct handshakes *h;
	struct handshake_stats st;
	size_t n;

	CHECK(t, handshakes_new(&h, 4096, 512) == 0 && h, "new");
	server_flight();
	client_hello();
	feed(h, 1, EW_DIR_TO_SERVER, 0, stream_len[0], stream_len[0], 1);
	CHECK(t, got.calls == 0, "the client's fingerprint waits for its server's");
	n = stream_len[1];
	/* the server's bytes in three segments: the first (offset 0) last */
	feed(h, 1, EW_DIR_TO_CLIENT, 0, 20, 20, 0);
	feed(h, 1, EW_DIR_TO_CLIENT, 40, n - 40, n - 40, 1);
	CHECK(t, got.calls == 0, "a hole: nothing yet");
	feed(h, 1, EW_DIR_TO_CLIENT, 20, 20, 20, 0);
	CHECK(t, got.calls == 1 && got.from_server, "calls %d", got.calls);
	CHECK(t, !strcmp(got.ja3s, "771,156,"), "ja3s %s", got.ja3s);
	CHECK(t, !strcmp(got.client, "771,47,,,"), "client %s", got.client);
	handshakes_get_stats(h, &st);
	CHECK(t, st.tls[TLS_DONE] == 2, "ok %llu", (unsigned long long)st.tls[TLS_DONE]);
	/* the flow's later segments are not taken (both directions read) */
	feed(h, 1, EW_DIR_TO_CLIENT, n, 10, 10, 1);
	handshakes_flush(h, 0, on_facts, NULL);
	handshakes_get_stats(h, &st);
	CHECK(t, got.calls == 1 && st.tls[TLS_MORE] == 0, "after the flush");
	handshakes_free(h);
}

static void test_cut(struct test_case *t)
{
	struct handshakes *h;
	struct handshake_stats st;

	memset(&got, 0, sizeof(got));
	CHECK(t, handshakes_new(&h, 4096, 512) == 0, "new");
	server_flight();
	client_hello();
	/* the server's segment was longer than the snap length: its end was not copied */
	feed(h, 2, EW_DIR_TO_CLIENT, 0, stream_len[1], 30, 1);
	/* a ClientHello cut short, and the run ends */
	feed(h, 3, EW_DIR_TO_SERVER, 0, 30, 30, 1);
	/* a flow whose first bytes are not a handshake is not followed */
	memcpy(stream[0], "GET / HTTP/1.1\r\n\r\n", 18);
	feed(h, 4, EW_DIR_TO_SERVER, 0, 18, 18, 1);
	handshakes_flush(h, 0, on_facts, NULL);
	handshakes_get_stats(h, &st);
	CHECK(t, got.calls == 0, "calls %d", got.calls);
	CHECK(t, st.tls[TLS_MORE] == 2, "truncated %llu", (unsigned long long)st.tls[TLS_MORE]);
	CHECK(t, st.tls[TLS_NOT_TLS] == 0 && st.tls[TLS_DONE] == 0, "others");
	handshakes_free(h);
	/* no stream window: nothing is followed */
	CHECK(t, handshakes_new(&h, 0, 512) == 0 && !h, "depth 0");
	handshakes_on_sample(h, NULL, NULL, 0, on_facts, NULL);
}

int main(void)
{
	test_program = "test_inventory_handshake";
	RUN(test_out_of_order);
	RUN(test_cut);
	return test_summary();
}
