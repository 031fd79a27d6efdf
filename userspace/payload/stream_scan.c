// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline's TCP stream windows: samples of reason EW_SAMPLE_STREAM go into the
 * reassembler (stream_reassembly.c) of their flow's shard, and each range it makes
 * ready is scanned right there, by the thread that brought the segment (a worker, or
 * replay's one thread), with the shard's lock held: the range points into the window,
 * which the next segment may change. Shards keep workers on different flows apart.
 * A flow's end (its final flow event) scans what its windows still hold, from the
 * exporter's thread with a scanner of its own (payload/README.md, "Stream windows").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "payload/pipeline_internal.h"

#define STREAM_SHARDS 16
/* Bounds of all the shards together (README: memory). */
#define STREAM_MAX_STREAMS 16384
#define STREAM_MAX_BYTES (32ull << 20)
#define NS_PER_S 1000000000ull

struct stream_shard {
	pthread_mutex_t lock;
	struct stream_table *table;
};

struct pipeline_streams {
	struct stream_shard shards[STREAM_SHARDS];
	int shards_initialised;
	struct pipeline_scanner *flow_end_scanner;	/* the exporter's thread's */
};

_Static_assert(sizeof(struct stream_stats) % sizeof(uint64_t) == 0,
	       "stream_stats is u64 fields only (pipeline_streams_stats adds them up)");

/* What a range's scan needs: the scanner, and the first error. */
struct chunk_scan {
	struct pipeline_scanner *scanner;
	int err;
};

static struct stream_shard *shard_of(struct pipeline_streams *ps, uint64_t flow_seq)
{
	return &ps->shards[(flow_seq * 0x9E3779B97F4A7C15ull) >> 60];
}

/* A ready range scanned as one sample: the latest segment's header, the range's bytes. */
static void scan_chunk(void *user, const struct stream_chunk *chunk)
{
	struct chunk_scan *cs = user;
	struct sample_header hdr = *chunk->hdr;
	int err;

	hdr.cap_len = (uint16_t)chunk->len;
	hdr.payload_len = chunk->len;
	hdr.stream_off = chunk->offset;
	/* no frame headers follow the range's bytes (they follow a segment's payload in a
	 * record): the window is no packet; its segments went to the evidence one by one */
	hdr.hdr_len = 0;
	err = pipeline_scan_payload(cs->scanner, &hdr, chunk->data);
	if (err && !cs->err)
		cs->err = err;
}

int pipeline_streams_new(struct sample_pipeline *sp)
{
	struct stream_limits limits = {
		.depth = sp->stream_depth,
		.max_segments = sp->stream_segments,
		.max_streams = STREAM_MAX_STREAMS / STREAM_SHARDS,
		.max_bytes = STREAM_MAX_BYTES / STREAM_SHARDS,
		/* a backstop: flows that end reach us through their flow event */
		.idle_ns = 2ull * sp->idle_timeout * NS_PER_S,
	};
	struct pipeline_streams *ps;
	int i, err;

	if (!sp->stream_depth)
		return 0;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	sp->streams = ps;
	ps->flow_end_scanner = sp->synchronous ? &sp->scanners[0]
					       : &sp->scanners[sp->scanner_count];
	for (i = 0; i < STREAM_SHARDS; i++) {
		err = stream_table_new(&ps->shards[i].table, &limits);
		if (err) {
			log_error("cannot make the stream reassembly tables: %s", strerror(-err));
			return err;
		}
		pthread_mutex_init(&ps->shards[i].lock, NULL);
		ps->shards_initialised++;
	}
	return 0;
}

void pipeline_streams_free(struct sample_pipeline *sp)
{
	struct pipeline_streams *ps = sp->streams;
	int i;

	if (!ps)
		return;
	for (i = 0; i < ps->shards_initialised; i++) {
		stream_table_free(ps->shards[i].table);
		pthread_mutex_destroy(&ps->shards[i].lock);
	}
	free(ps);
	sp->streams = NULL;
}

int pipeline_stream_add(struct pipeline_scanner *s, const struct sample_header *hdr,
			const uint8_t *payload)
{
	struct pipeline_streams *ps = s->sp->streams;
	struct stream_shard *shard = shard_of(ps, hdr->flow_seq);
	struct stream_segment seg = { .hdr = hdr, .payload = payload, .now_ns = hdr->ts_ns };
	struct chunk_scan cs = { .scanner = s };

	pthread_mutex_lock(&shard->lock);
	stream_table_add(shard->table, &seg, scan_chunk, &cs);	/* conflicts: in its stats */
	pthread_mutex_unlock(&shard->lock);
	return cs.err;
}

void pipeline_streams_flow_end(struct sample_pipeline *sp, uint64_t flow_seq)
{
	struct pipeline_streams *ps = sp->streams;
	struct stream_shard *shard;
	struct chunk_scan cs;

	if (!ps)
		return;
	shard = shard_of(ps, flow_seq);
	cs.scanner = ps->flow_end_scanner;
	cs.err = 0;
	pipeline_scanner_enter(cs.scanner);	/* one generation for all the flow's ranges */
	pthread_mutex_lock(&shard->lock);
	stream_table_flow_end(shard->table, flow_seq, scan_chunk, &cs);
	pthread_mutex_unlock(&shard->lock);
	pipeline_scanner_leave(cs.scanner);
	if (cs.err)
		counter_add(&sp->counters.stream_scan_failed, 1);
}

void pipeline_streams_stats(struct sample_pipeline *sp, struct stream_stats *out)
{
	struct pipeline_streams *ps = sp->streams;
	int i, r;

	memset(out, 0, sizeof(*out));
	if (!ps)
		return;
	for (i = 0; i < ps->shards_initialised; i++) {
		struct stream_stats one;
		uint64_t *sum = (uint64_t *)out;
		const uint64_t *add = (const uint64_t *)&one;

		pthread_mutex_lock(&ps->shards[i].lock);
		stream_table_get_stats(ps->shards[i].table, &one);
		pthread_mutex_unlock(&ps->shards[i].lock);
		/* every field is a u64 counter or level: they add up across shards (the
		 * high-water marks too: a bound on the sum) */
		for (r = 0; r < (int)(sizeof(one) / sizeof(uint64_t)); r++)
			sum[r] += add[r];
	}
}
