// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Banners over several segments (banner_stream.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/lru_map.h"
#include "inventory/banner_stream.h"

struct banner_stream {
	uint32_t contiguous;			/* bytes held from offset 0 without a hole */
	int read;				/* handed out: later segments are ignored */
	uint8_t have[BANNER_STREAM_BYTES / 8];	/* which bytes are held */
	uint8_t buf[BANNER_STREAM_BYTES];
};

struct banner_streams {
	struct lru_map *streams;		/* flow_seq -> struct banner_stream */
	uint64_t evicted_unread;
};

/* A stream forgotten to make room: a loss only if its banner was never read (one read
 * stays as a marker, so that its later segments are not taken for a new banner). */
static void on_evict(void *ctx, const void *key, void *value)
{
	struct banner_streams *bs = ctx;
	const struct banner_stream *s = value;

	if (!s->read)
		bs->evicted_unread++;
}

int banner_streams_new(struct banner_streams **out, size_t capacity)
{
	struct banner_streams *bs = calloc(1, sizeof(*bs));
	int err;

	*out = NULL;
	if (!bs)
		return -ENOMEM;
	err = lru_map_new(&bs->streams, capacity, sizeof(uint64_t), sizeof(struct banner_stream));
	if (err) {
		free(bs);
		return err;
	}
	*out = bs;
	return 0;
}

void banner_streams_free(struct banner_streams *bs)
{
	if (!bs)
		return;
	lru_map_free(bs->streams);
	free(bs);
}

uint64_t banner_streams_evicted(const struct banner_streams *bs)
{
	return bs ? bs->evicted_unread : 0;
}

static int held(const struct banner_stream *s, uint32_t i)
{
	return s->have[i / 8] & (1u << (i % 8));
}

/* Is what is contiguous a whole banner? */
static int banner_complete(const struct banner_stream *s)
{
	const uint8_t *p = s->buf;
	uint32_t n = s->contiguous, i;

	if (!n)
		return 0;
	if (p[0] == 0xff)	/* Telnet: IAC option negotiation, no text to wait for */
		return 1;
	if (n >= 5 && !memcmp(p, "HTTP/", 5)) {	/* the headers' end: Server: is among them */
		for (i = 0; i + 1 < n; i++)
			if ((p[i] == '\n' && p[i + 1] == '\n') ||
			    (i + 3 < n && !memcmp(p + i, "\r\n\r\n", 4)))
				return 1;
		return 0;
	}
	if (n < 5 && !memcmp(p, "HTTP/", n))
		return 0;	/* maybe a response: wait for its headers */
	return memchr(p, '\n', n) != NULL;	/* SSH, FTP, SMTP: the first line */
}

const uint8_t *banner_streams_add(struct banner_streams *bs, uint64_t flow_seq, uint32_t off,
				  const uint8_t *p, size_t len, int cut, size_t *out_len)
{
	struct banner_stream *s;
	int created = 0, stuck;
	uint32_t i;

	*out_len = 0;
	if (off >= BANNER_STREAM_BYTES)	/* past the banner: never starts a stream */
		s = lru_map_get(bs->streams, &flow_seq);
	else
		s = lru_map_upsert(bs->streams, &flow_seq, &created, on_evict, bs);
	if (!s || s->read)
		return NULL;
	/* first copy of a byte wins (as in the payload's reassembly): a retransmission
	 * with other bytes changes nothing already held */
	for (i = 0; i < len && (uint64_t)off + i < BANNER_STREAM_BYTES; i++) {
		if (held(s, off + i))
			continue;
		s->buf[off + i] = p[i];
		s->have[(off + i) / 8] |= 1u << ((off + i) % 8);
	}
	while (s->contiguous < BANNER_STREAM_BYTES && held(s, s->contiguous))
		s->contiguous++;
	/* the contiguous part can grow no more: a segment reached past the buffer, or the
	 * snap length cut this one (its missing bytes are never sampled) */
	stuck = (uint64_t)off + len >= BANNER_STREAM_BYTES ||
		(cut && (uint64_t)off + len >= s->contiguous);
	if (!s->contiguous || !(banner_complete(s) || stuck))
		return NULL;
	s->read = 1;
	*out_len = s->contiguous;
	return s->buf;
}
