/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A server's banner cut over several TCP segments (a greeting sent a byte at a time, an
 * HTTP response whose Server: header is in its second segment), put back together from
 * the stream window's segments (reason EW_SAMPLE_STREAM, at their stream_off) before it
 * is read. Why not the payload pipeline's reassembled windows: those live in the
 * scanner threads under their shards' locks and are scanned in ranges cut by HTTP
 * requests and PSH; the inventory runs in the main thread, in ring-buffer order (the same
 * live and in replay), and needs only the first BANNER_STREAM_BYTES of the answering
 * side, so it holds those itself: bounded per stream and in streams (least recently
 * fed forgotten first, counted).
 *
 * When the bytes are read (once per stream): when the contiguous part from offset 0
 * holds a whole banner (a line end; for an HTTP response the end of its headers;
 * Telnet's option negotiation at once), is full, or can grow no more (a segment past
 * the buffer, or one cut by the snap length: what is contiguous is all there will be).
 */
#ifndef EDGEWATCH_INVENTORY_BANNER_STREAM_H
#define EDGEWATCH_INVENTORY_BANNER_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define BANNER_STREAM_BYTES 1024
#define BANNER_STREAMS_DEFAULT 1024

struct banner_streams;

/* 0 or -ENOMEM/-EINVAL. */
int banner_streams_new(struct banner_streams **out, size_t capacity);
void banner_streams_free(struct banner_streams *bs);	/* NULL-safe */

/*
 * One segment of stream flow_seq (the server's direction): len bytes at stream offset
 * off, cut by the snap length when cut (bytes seen but not captured follow). Returns
 * the bytes from offset 0 to read (*out_len of them; valid until the next call) when
 * the banner is ready, else NULL (held, or this stream was read already).
 */
const uint8_t *banner_streams_add(struct banner_streams *bs, uint64_t flow_seq, uint32_t off,
				  const uint8_t *p, size_t len, int cut, size_t *out_len);

/* Streams forgotten unread to make room, since creation. */
uint64_t banner_streams_evicted(const struct banner_streams *bs);

#endif /* EDGEWATCH_INVENTORY_BANNER_STREAM_H */
