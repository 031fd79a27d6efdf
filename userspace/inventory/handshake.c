// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The handshakes behind the inventory's fingerprints: see handshake.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/lru_map.h"
#include "inventory/handshake.h"
#include "payload/stream_reassembly.h"

_Static_assert(SSH_HASSH_LEN >= TLS_JA3_LEN, "a client's fingerprint of either kind fits");

#define NS_PER_S 1000000000ull

/* One flow followed (keyed by flow_seq). */
struct hs_flow {
	uint8_t kind;			/* enum handshake_kind */
	uint8_t done[2];		/* per enum ew_dir: parsed, found bad or given up */
	uint8_t seen[2];		/* per enum ew_dir: a segment was taken */
	uint8_t server_delivered;
	uint8_t client_waiting;		/* client_fp holds a fingerprint for the server's */
	uint8_t pad;
	char client_md5[33];
	char client_fp[SSH_HASSH_LEN];
};

struct handshakes {
	struct lru_map *flows;
	struct stream_table *streams;
	uint64_t next_expire_ns;
	struct handshake_stats stats;
	uint8_t scratch[EW_STREAM_DEPTH_MAX];	/* TLS messages put together */
	struct tls_result tls;
	struct tls_cert_facts cert;
	char hassh[SSH_HASSH_LEN];
	char md5[33], client_md5[33];
};

/* What a scan callback needs besides the table. */
struct hs_call {
	struct handshakes *h;
	int64_t to_realtime_ns;
	handshake_fn fn;
	void *ctx;
};

int handshakes_new(struct handshakes **out, uint32_t depth, uint32_t segments)
{
	struct stream_limits lim = {
		.depth = depth, .max_segments = segments, .max_streams = HANDSHAKE_STREAMS_MAX,
		.max_bytes = HANDSHAKE_BYTES_MAX, .idle_ns = HANDSHAKE_IDLE_NS,
	};
	struct handshakes *h;
	int err;

	*out = NULL;
	if (!depth)
		return 0;
	if (depth > EW_STREAM_DEPTH_MAX)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	err = lru_map_new(&h->flows, HANDSHAKE_FLOWS_MAX, sizeof(uint64_t), sizeof(struct hs_flow));
	if (!err)
		err = stream_table_new(&h->streams, &lim);
	if (err) {
		handshakes_free(h);
		return err;
	}
	*out = h;
	return 0;
}

void handshakes_free(struct handshakes *h)
{
	if (!h)
		return;
	lru_map_free(h->flows);
	stream_table_free(h->streams);
	free(h);
}

static void deliver_server(struct hs_call *c, struct hs_flow *f, struct handshake_facts *facts)
{
	facts->from_server = 1;
	if (f->client_waiting) {
		facts->client_fp = f->client_fp;
		facts->client_fp_md5 = f->client_md5;
		f->client_waiting = 0;
	}
	f->server_delivered = 1;
	c->fn(c->ctx, facts);
}

/* A client's fingerprint: with its server's when that is not known yet. */
static void deliver_client(struct hs_call *c, struct hs_flow *f, struct handshake_facts *facts,
			   const char *fp)
{
	inventory_md5_hex(fp, c->h->client_md5);
	if (f->server_delivered) {
		facts->client_fp = fp;
		facts->client_fp_md5 = c->h->client_md5;
		c->fn(c->ctx, facts);
		return;
	}
	memcpy(f->client_md5, c->h->client_md5, sizeof(f->client_md5));
	strcpy(f->client_fp, fp);	/* fits: the static assert above */
	f->client_waiting = 1;
}

static void parse_tls(struct hs_call *c, struct hs_flow *f, const struct stream_chunk *chunk,
		      int from_server, int final)
{
	struct handshakes *h = c->h;
	struct handshake_facts facts = { .kind = HANDSHAKE_TLS, .hdr = chunk->hdr };
	enum tls_status st = tls_parse(chunk->data, chunk->len, from_server, h->scratch,
				       sizeof(h->scratch), &h->tls);

	if (st == TLS_MORE && !final)
		return;		/* the next contiguous bytes may complete it */
	f->done[chunk->hdr->dir] = 1;
	h->stats.tls[st]++;
	if (st != TLS_DONE)
		return;
	if (!from_server) {
		deliver_client(c, f, &facts, h->tls.ja3);
		return;
	}
	inventory_md5_hex(h->tls.ja3s, h->md5);
	facts.tls_version = h->tls.version;
	facts.cert_encrypted = h->tls.cert_encrypted;
	facts.ja3s = h->tls.ja3s;
	facts.ja3s_md5 = h->md5;
	if (h->tls.cert_len) {
		/* unsigned: capture times past 2262 do not fit signed nanoseconds */
		int64_t seen_s = (int64_t)((chunk->hdr->ts_ns + (uint64_t)c->to_realtime_ns) /
					   NS_PER_S);

		if (tls_cert_read(h->tls.cert, h->tls.cert_len, seen_s, &h->cert))
			h->stats.bad_certificate++;
		else
			facts.cert = &h->cert;
	}
	deliver_server(c, f, &facts);
}

static void parse_ssh(struct hs_call *c, struct hs_flow *f, const struct stream_chunk *chunk,
		      int from_server, int final)
{
	struct handshakes *h = c->h;
	struct handshake_facts facts = { .kind = HANDSHAKE_SSH, .hdr = chunk->hdr };
	enum ssh_kex_status st = ssh_kex_parse(chunk->data, chunk->len, from_server, h->hassh,
					       sizeof(h->hassh));

	if (st == SSH_KEX_MORE && !final)
		return;
	f->done[chunk->hdr->dir] = 1;
	h->stats.ssh[st]++;
	if (st != SSH_KEX_DONE)
		return;
	if (!from_server) {
		deliver_client(c, f, &facts, h->hassh);
		return;
	}
	inventory_md5_hex(h->hassh, h->md5);
	facts.hassh_server = h->hassh;
	facts.hassh_server_md5 = h->md5;
	deliver_server(c, f, &facts);
}

/* A contiguous run of a window from the stream table: parse it from its start. */
static void on_chunk(void *user, const struct stream_chunk *chunk)
{
	struct hs_call *c = user;
	const struct sample_header *hdr = chunk->hdr;
	struct hs_flow *f = lru_map_get(c->h->flows, &hdr->flow_seq);
	int dir = hdr->dir == EW_DIR_TO_CLIENT;
	/* a PSH is a write boundary, not the end: the rest may follow; any other reason
	 * (window full, bytes not captured next, flow end, idle, evicted) ends it */
	int final = chunk->reason != STREAM_SCAN_PUSH && chunk->reason != STREAM_SCAN_HTTP;

	if (!f || f->done[dir])
		return;
	if (chunk->offset != 0) {	/* the window's first bytes were never captured */
		f->done[dir] = 1;
		c->h->stats.not_captured++;
		return;
	}
	if (f->kind == HANDSHAKE_TLS)
		parse_tls(c, f, chunk, dir, final);
	else
		parse_ssh(c, f, chunk, dir, final);
}

/* A flow no longer followed: a direction taken but never read to its end was cut short. */
static int count_unfinished(void *ctx, const void *key, void *value)
{
	struct handshakes *h = ctx;
	struct hs_flow *f = value;
	int dir;

	(void)key;
	for (dir = 0; dir < 2; dir++) {
		if (!f->seen[dir] || f->done[dir])
			continue;
		f->done[dir] = 1;
		if (f->kind == HANDSHAKE_TLS)
			h->stats.tls[TLS_MORE]++;
		else
			h->stats.ssh[SSH_KEX_MORE]++;
	}
	return 0;
}

/* Room for another flow: a flow read already goes quietly, one in the middle is counted. */
static void count_forgotten(void *ctx, const void *key, void *value)
{
	struct hs_flow *f = value;

	if ((f->seen[0] && !f->done[0]) || (f->seen[1] && !f->done[1]))
		((struct handshakes *)ctx)->stats.flows_forgotten++;
	count_unfinished(ctx, key, value);
}

/* Is this segment the start of a window worth following (TLS or SSH)? */
static enum handshake_kind kind_of(const struct sample_header *hdr, const uint8_t *payload)
{
	if (hdr->stream_off != 0)
		return 0;
	if (tls_looks_like(payload, hdr->cap_len))
		return HANDSHAKE_TLS;
	if (hdr->cap_len >= 4 && !memcmp(payload, "SSH-", 4))
		return HANDSHAKE_SSH;
	return 0;
}

void handshakes_on_sample(struct handshakes *h, const struct sample_header *hdr,
			  const uint8_t *payload, int64_t to_realtime_ns, handshake_fn fn,
			  void *ctx)
{
	struct hs_call c = { .h = h, .to_realtime_ns = to_realtime_ns, .fn = fn, .ctx = ctx };
	struct stream_segment seg;
	struct hs_flow *f;

	if (!h || hdr->reason != EW_SAMPLE_STREAM || !hdr->cap_len || hdr->dir > EW_DIR_TO_CLIENT)
		return;
	f = lru_map_get(h->flows, &hdr->flow_seq);
	if (!f) {
		enum handshake_kind kind = kind_of(hdr, payload);
		int created;

		if (!kind)
			return;	/* a segment before the window's start is not followed */
		f = lru_map_upsert(h->flows, &hdr->flow_seq, &created, count_forgotten, h);
		if (!f)
			return;
		memset(f, 0, sizeof(*f));
		f->kind = kind;
	}
	if (f->done[hdr->dir == EW_DIR_TO_CLIENT])
		return;
	f->seen[hdr->dir == EW_DIR_TO_CLIENT] = 1;
	seg = (struct stream_segment){ .hdr = hdr, .payload = payload, .now_ns = hdr->ts_ns };
	stream_table_add(h->streams, &seg, on_chunk, &c);
	/* both directions read: their windows go now, not when idle (the flow entry stays,
	 * so the rest of the flow's segments are not taken again); the callback wrote
	 * nothing into h->flows, so f is still the flow's */
	if (f->done[0] && f->done[1])
		stream_table_flow_end(h->streams, hdr->flow_seq, on_chunk, &c);
	/* windows whose flows went quiet are parsed as they are, at most once a second */
	if (hdr->ts_ns >= h->next_expire_ns) {
		stream_table_expire(h->streams, hdr->ts_ns, on_chunk, &c);
		h->next_expire_ns = hdr->ts_ns + NS_PER_S;
	}
}

void handshakes_flush(struct handshakes *h, int64_t to_realtime_ns, handshake_fn fn, void *ctx)
{
	struct hs_call c = { .h = h, .to_realtime_ns = to_realtime_ns, .fn = fn, .ctx = ctx };

	if (!h)
		return;
	stream_table_flush(h->streams, on_chunk, &c);
	/* what was read already and never completed (a window released after its last
	 * scan, idle or at the flow's end, gives no new range) */
	lru_map_each(h->flows, count_unfinished, h);
}

void handshakes_get_stats(const struct handshakes *h, struct handshake_stats *out)
{
	if (h)
		*out = h->stats;
	else
		memset(out, 0, sizeof(*out));
}
