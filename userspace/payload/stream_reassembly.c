// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP stream windows put back in order: see stream_reassembly.h for the policy. A
 * stream is one direction of one flow (flow_seq, dir); its window is a byte buffer
 * indexed by stream offset with two bitmaps, `have` (a captured byte is there) and
 * `lost` (the datapath saw the byte but did not copy it: beyond the snap length).
 * Streams sit in a hash (flow_seq, dir) and an LRU list (least recent segment last)
 * that expiry and eviction walk from its tail.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "payload/stream_reassembly.h"

/* Buffers grow in steps of this many bytes (as far as the highest offset seen). */
#define STREAM_GROW_STEP 512

struct stream {
	uint64_t flow_seq;
	uint8_t dir;
	uint8_t done;		/* window scanned whole: buffers freed, later segments ignored */
	struct sample_header hdr;	/* the latest segment's header */
	uint8_t *buf;
	uint8_t *have;		/* bitmaps of cap bits */
	uint8_t *lost;
	uint32_t cap;		/* window bytes allocated (<= depth) */
	uint32_t contig;	/* [0, contig) is held or known lost */
	uint32_t msg_start;	/* where the current message (scan run) starts */
	uint32_t scanned_to;	/* the last scan ended here ... */
	uint32_t scan_start;	/* ... and started here (UINT32_MAX: none yet) */
	uint32_t push_to;	/* the furthest end of a segment with PSH */
	uint32_t max_end;	/* the furthest byte held, + 1 */
	uint32_t segments;
	uint64_t last_ns;
	struct stream *hash_next;
	struct stream *lru_prev;	/* towards the most recent */
	struct stream *lru_next;	/* towards the least recent */
};

struct stream_table {
	struct stream_limits limits;
	struct stream **buckets;
	size_t bucket_mask;
	struct stream *lru_head;	/* most recent */
	struct stream *lru_tail;	/* least recent */
	struct stream_stats stats;
};

static const char *const reason_names[STREAM_SCAN_REASONS] = {
	[STREAM_SCAN_HTTP] = "http",		[STREAM_SCAN_PUSH] = "push",
	[STREAM_SCAN_DEPTH] = "depth",		[STREAM_SCAN_SNAP_HOLE] = "snap_hole",
	[STREAM_SCAN_FLOW_END] = "flow_end",	[STREAM_SCAN_IDLE] = "idle",
	[STREAM_SCAN_EVICTED] = "evicted",
};

const char *stream_scan_reason_name(enum stream_scan_reason reason)
{
	return (unsigned)reason < STREAM_SCAN_REASONS ? reason_names[reason] : "unknown";
}

static int bit_get(const uint8_t *map, uint32_t i)
{
	return map[i >> 3] & (1u << (i & 7));
}

static void bit_set(uint8_t *map, uint32_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static size_t bitmap_bytes(uint32_t bits)
{
	return (bits + 7) / 8;
}

/* What a stream's buffers of cap bytes cost (the bound max_bytes counts). */
static uint64_t stream_cost(uint32_t cap)
{
	return cap + 2 * bitmap_bytes(cap);
}

static size_t bucket_of(const struct stream_table *t, uint64_t flow_seq, uint8_t dir)
{
	uint64_t h = (flow_seq ^ ((uint64_t)dir << 63)) * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 32) & t->bucket_mask;
}

int stream_table_new(struct stream_table **out, const struct stream_limits *limits)
{
	struct stream_table *t;
	size_t buckets = 1;

	*out = NULL;
	if (!limits->depth || !limits->max_segments || !limits->max_streams ||
	    limits->max_bytes < stream_cost(limits->depth))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->limits = *limits;
	while (buckets < limits->max_streams)
		buckets <<= 1;
	t->buckets = calloc(buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->bucket_mask = buckets - 1;
	*out = t;
	return 0;
}

static void lru_unlink(struct stream_table *t, struct stream *s)
{
	if (s->lru_prev)
		s->lru_prev->lru_next = s->lru_next;
	else
		t->lru_head = s->lru_next;
	if (s->lru_next)
		s->lru_next->lru_prev = s->lru_prev;
	else
		t->lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = NULL;
}

static void lru_push_head(struct stream_table *t, struct stream *s)
{
	s->lru_next = t->lru_head;
	s->lru_prev = NULL;
	if (t->lru_head)
		t->lru_head->lru_prev = s;
	t->lru_head = s;
	if (!t->lru_tail)
		t->lru_tail = s;
}

static void free_buffers(struct stream_table *t, struct stream *s)
{
	t->stats.bytes -= stream_cost(s->cap);
	free(s->buf);
	free(s->have);
	free(s->lost);
	s->buf = s->have = s->lost = NULL;
	s->cap = 0;
}

/* Out of the table and freed (its last scan is the caller's business). */
static void stream_remove(struct stream_table *t, struct stream *s)
{
	struct stream **link = &t->buckets[bucket_of(t, s->flow_seq, s->dir)];

	while (*link && *link != s)
		link = &(*link)->hash_next;
	if (*link)
		*link = s->hash_next;
	lru_unlink(t, s);
	free_buffers(t, s);
	t->stats.streams--;
	free(s);
}

static struct stream *stream_find(struct stream_table *t, uint64_t flow_seq, uint8_t dir)
{
	struct stream *s = t->buckets[bucket_of(t, flow_seq, dir)];

	while (s && (s->flow_seq != flow_seq || s->dir != dir))
		s = s->hash_next;
	return s;
}

static void emit(struct stream_table *t, struct stream *s, uint32_t end,
		 enum stream_scan_reason reason, stream_scan_fn scan, void *user)
{
	struct stream_chunk chunk = { .hdr = &s->hdr, .data = s->buf + s->msg_start,
				      .offset = s->msg_start, .len = end - s->msg_start,
				      .reason = reason };

	t->stats.scans[reason]++;
	t->stats.bytes_scanned += chunk.len;
	s->scanned_to = end;
	s->scan_start = s->msg_start;
	if (scan)
		scan(user, &chunk);
}

/* Case-insensitive search for needle (lower case) in [p, p + len). */
static const uint8_t *find_nocase(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			uint8_t c = p[i + j];

			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (uint8_t)needle[j])
				break;
		}
		if (j == n)
			return p + i;
	}
	return NULL;
}

/*
 * Where a chunked body starting at body[0] ends (after its last chunk, and trailers if
 * any), or 0 when it is not whole yet or not valid chunked coding.
 */
static uint64_t chunked_body_end(const uint8_t *body, uint64_t len)
{
	uint64_t at = 0;

	while (at < len) {
		const uint8_t *eol = memmem(body + at, len - at, "\r\n", 2);
		uint64_t size = 0, digits = 0, line_end;

		while (at + digits < len && digits < 16 && isxdigit(body[at + digits])) {
			uint8_t c = body[at + digits];

			size = size * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
			digits++;
		}
		if (!digits || !eol)
			return 0;
		line_end = (uint64_t)(eol - body) + 2;
		if (!size) {
			/* the last chunk: an empty line, or trailers then an empty line */
			const uint8_t *end;

			if (line_end + 2 <= len && !memcmp(body + line_end, "\r\n", 2))
				return line_end + 2;
			end = memmem(body + line_end, len - line_end, "\r\n\r\n", 4);
			return end ? (uint64_t)(end - body) + 4 : 0;
		}
		at = line_end + size + 2;
	}
	return 0;
}

/*
 * Where the HTTP request starting at msg[0] ends (headers, then a Content-Length or
 * chunked body), or 0 when msg is not (yet) a whole request. A request starts with an
 * upper-case method and a space; anything else never has an HTTP boundary (it waits for
 * PSH, the window's end or the flow's).
 */
static uint64_t http_request_end(const uint8_t *msg, uint32_t len)
{
	const uint8_t *head_end, *cl, *te;
	uint64_t body = 0, head_len;
	uint32_t i = 0;

	while (i < len && i < 24 && msg[i] >= 'A' && msg[i] <= 'Z')
		i++;
	if (i == 0 || i >= len || msg[i] != ' ')
		return 0;
	head_end = memmem(msg, len, "\r\n\r\n", 4);
	if (!head_end)
		return 0;
	head_len = (uint64_t)(head_end + 4 - msg);
	te = find_nocase(msg, (size_t)(head_end - msg), "\ntransfer-encoding:");
	if (te && find_nocase(te, (size_t)(head_end - te), "chunked")) {
		body = chunked_body_end(msg + head_len, len - head_len);
		return body ? head_len + body : 0;
	}
	cl = find_nocase(msg, (size_t)(head_end - msg), "\ncontent-length:");
	if (cl) {
		cl += strlen("\ncontent-length:");
		while (cl < head_end && (*cl == ' ' || *cl == '\t'))
			cl++;
		while (cl < head_end && *cl >= '0' && *cl <= '9' && body < (1ull << 32))
			body = body * 10 + (uint64_t)(*cl++ - '0');
	}
	return head_len + body;
}

/* Scan what the contiguous part now completes: HTTP requests, pushes, snap holes. */
static void advance(struct stream_table *t, struct stream *s, stream_scan_fn scan, void *user)
{
	for (;;) {
		uint64_t end;

		while (s->contig < s->cap && bit_get(s->have, s->contig))
			s->contig++;
		/*
		 * Complete HTTP requests, each scanned from its first byte to the end of what
		 * is contiguous (as one segment holding it all would be: bytes past a request's
		 * framing, smuggled or pipelined, are not cut off), then the next message
		 * starts where the request ends (its bytes may be scanned again with it).
		 */
		while (s->contig > s->msg_start &&
		       (end = http_request_end(s->buf + s->msg_start, s->contig - s->msg_start)) &&
		       s->msg_start + end <= s->contig) {
			if (s->contig > s->scanned_to || s->scan_start != s->msg_start)
				emit(t, s, s->contig, STREAM_SCAN_HTTP, scan, user);
			s->msg_start += (uint32_t)end;
		}
		if (s->push_to > s->scanned_to && s->contig >= s->push_to &&
		    s->contig > s->msg_start)
			emit(t, s, s->contig, STREAM_SCAN_PUSH, scan, user);
		if (s->contig >= s->cap || !bit_get(s->lost, s->contig))
			break;
		/* bytes on the wire but not captured: what precedes them is a run of its own */
		if (s->contig > s->scanned_to && s->contig > s->msg_start)
			emit(t, s, s->contig, STREAM_SCAN_SNAP_HOLE, scan, user);
		while (s->contig < s->cap && !bit_get(s->have, s->contig) &&
		       bit_get(s->lost, s->contig))
			s->contig++;
		s->msg_start = s->scanned_to = s->contig;
	}
	if (s->contig >= t->limits.depth) {
		if (s->contig > s->scanned_to && s->contig > s->msg_start)
			emit(t, s, s->contig, STREAM_SCAN_DEPTH, scan, user);
		t->stats.released_complete++;
		free_buffers(t, s);
		s->done = 1;
	}
}

/* The stream goes: scan what is contiguous and not scanned yet, count what lies past. */
static void stream_finish(struct stream_table *t, struct stream *s,
			  enum stream_scan_reason reason, stream_scan_fn scan, void *user)
{
	uint32_t i, held = 0;

	if (!s->done) {
		if (s->contig > s->scanned_to && s->contig > s->msg_start)
			emit(t, s, s->contig, reason, scan, user);
		for (i = s->contig; i < s->max_end; i++)
			held += bit_get(s->have, i) != 0;
		if (held) {
			t->stats.gaps++;
			t->stats.gap_bytes += held;
		}
	}
	stream_remove(t, s);
}

static void evict_tail(struct stream_table *t, stream_scan_fn scan, void *user)
{
	stream_finish(t, t->lru_tail, STREAM_SCAN_EVICTED, scan, user);
}

/* Grow s's buffers to cover [0, end) (end <= depth). 0 or -ENOMEM. */
static int stream_grow(struct stream_table *t, struct stream *s, uint32_t end, stream_scan_fn scan,
		       void *user)
{
	uint32_t cap = (end + STREAM_GROW_STEP - 1) / STREAM_GROW_STEP * STREAM_GROW_STEP;
	uint64_t more;
	uint8_t *buf, *have, *lost;

	if (end <= s->cap)
		return 0;
	if (cap > t->limits.depth)
		cap = t->limits.depth;
	more = stream_cost(cap) - stream_cost(s->cap);
	/* s is the most recent: the tail is another stream while there are two */
	while (t->stats.bytes + more > t->limits.max_bytes && t->lru_tail != s) {
		t->stats.overflow_bytes++;
		evict_tail(t, scan, user);
	}
	if (t->stats.bytes + more > t->limits.max_bytes)
		return -ENOMEM;
	buf = realloc(s->buf, cap);
	if (buf)
		s->buf = buf;
	have = realloc(s->have, bitmap_bytes(cap));
	if (have)
		s->have = have;
	lost = realloc(s->lost, bitmap_bytes(cap));
	if (lost)
		s->lost = lost;
	if (!buf || !have || !lost)
		return -ENOMEM;	/* what grew is freed with the stream (cap unchanged) */
	memset(s->have + bitmap_bytes(s->cap), 0, bitmap_bytes(cap) - bitmap_bytes(s->cap));
	memset(s->lost + bitmap_bytes(s->cap), 0, bitmap_bytes(cap) - bitmap_bytes(s->cap));
	t->stats.bytes += more;
	s->cap = cap;
	if (t->stats.bytes > t->stats.bytes_high_water)
		t->stats.bytes_high_water = t->stats.bytes;
	return 0;
}

static struct stream *stream_create(struct stream_table *t, uint64_t flow_seq, uint8_t dir,
				    stream_scan_fn scan, void *user)
{
	struct stream *s;
	size_t b;

	while (t->stats.streams >= t->limits.max_streams && t->lru_tail) {
		t->stats.overflow_streams++;
		evict_tail(t, scan, user);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->flow_seq = flow_seq;
	s->dir = dir;
	s->scan_start = UINT32_MAX;
	b = bucket_of(t, flow_seq, dir);
	s->hash_next = t->buckets[b];
	t->buckets[b] = s;
	lru_push_head(t, s);
	t->stats.streams++;
	if (t->stats.streams > t->stats.streams_high_water)
		t->stats.streams_high_water = t->stats.streams;
	return s;
}

/* Put the segment's captured bytes in place; 1 if one differed from a held byte. */
static int place_bytes(struct stream_table *t, struct stream *s, uint32_t off, uint32_t end,
		       const uint8_t *payload)
{
	uint32_t i, conflicts = 0;

	for (i = off; i < end; i++) {
		uint8_t b = payload[i - off];

		if (!bit_get(s->have, i)) {
			s->buf[i] = b;
			bit_set(s->have, i);
		} else if (s->buf[i] == b) {
			t->stats.duplicate_bytes++;
		} else {
			conflicts++;	/* the first copy wins */
		}
	}
	if (end > s->max_end)
		s->max_end = end;
	if (!conflicts)
		return 0;
	t->stats.overlap_conflicts++;
	t->stats.conflict_bytes += conflicts;
	return 1;
}

int stream_table_add(struct stream_table *t, const struct stream_segment *seg,
		     stream_scan_fn scan, void *user)
{
	const struct sample_header *hdr = seg->hdr;
	uint64_t off = hdr->stream_off, depth = t->limits.depth;
	uint64_t cap_end = off + hdr->cap_len, wire_end = off + hdr->payload_len, i;
	struct stream *s;
	int conflict;

	stream_table_expire(t, seg->now_ns, scan, user);
	s = stream_find(t, hdr->flow_seq, hdr->dir);
	if (!s) {
		s = stream_create(t, hdr->flow_seq, hdr->dir, scan, user);
		if (!s) {
			t->stats.overflow_no_memory++;
			return 0;
		}
	} else {
		lru_unlink(t, s);
		lru_push_head(t, s);
	}
	s->last_ns = seg->now_ns;
	if (s->done) {
		t->stats.segments_after_release++;
		return 0;
	}
	if (s->segments >= t->limits.max_segments) {
		t->stats.overflow_segments++;
		return 0;
	}
	if (wire_end < cap_end)
		wire_end = cap_end;	/* a malformed length: trust what was copied */
	if (wire_end > depth)
		t->stats.bytes_past_depth += wire_end - (off > depth ? off : depth);
	if (off >= depth)
		return 0;
	if (cap_end > depth)
		cap_end = depth;
	if (wire_end > depth)
		wire_end = depth;
	if (stream_grow(t, s, (uint32_t)wire_end, scan, user)) {
		t->stats.overflow_no_memory++;
		return 0;
	}
	s->segments++;
	t->stats.segments++;
	if (off > s->contig)
		t->stats.out_of_order++;
	s->hdr = *hdr;
	conflict = place_bytes(t, s, (uint32_t)off, (uint32_t)cap_end, seg->payload);
	for (i = cap_end; i < wire_end; i++) {
		if (!bit_get(s->have, (uint32_t)i)) {
			bit_set(s->lost, (uint32_t)i);
			t->stats.bytes_not_captured++;
		}
	}
	if ((hdr->tcp_flags & EW_TCP_PSH) && wire_end > s->push_to)
		s->push_to = (uint32_t)wire_end;
	advance(t, s, scan, user);
	return conflict;
}

void stream_table_flow_end(struct stream_table *t, uint64_t flow_seq, stream_scan_fn scan,
			   void *user)
{
	uint8_t dir;

	for (dir = 0; dir < 2; dir++) {
		struct stream *s = stream_find(t, flow_seq, dir);

		if (s) {
			t->stats.released_flow_end++;
			stream_finish(t, s, STREAM_SCAN_FLOW_END, scan, user);
		}
	}
}

void stream_table_expire(struct stream_table *t, uint64_t now_ns, stream_scan_fn scan,
			 void *user)
{
	while (t->lru_tail && t->limits.idle_ns && now_ns > t->lru_tail->last_ns &&
	       now_ns - t->lru_tail->last_ns > t->limits.idle_ns) {
		t->stats.released_idle++;
		stream_finish(t, t->lru_tail, STREAM_SCAN_IDLE, scan, user);
	}
}

void stream_table_flush(struct stream_table *t, stream_scan_fn scan, void *user)
{
	while (t->lru_tail) {
		t->stats.released_flow_end++;
		stream_finish(t, t->lru_tail, STREAM_SCAN_FLOW_END, scan, user);
	}
}

void stream_table_free(struct stream_table *t)
{
	if (!t)
		return;
	while (t->lru_tail)
		stream_remove(t, t->lru_tail);
	free(t->buckets);
	free(t);
}

void stream_table_get_stats(const struct stream_table *t, struct stream_stats *out)
{
	*out = t->stats;
}
