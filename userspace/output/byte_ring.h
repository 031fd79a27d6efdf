/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A first-in first-out allocator over one preallocated buffer: a queued sink's messages
 * are written into it and released in the order they were reserved, so queueing a
 * message costs no malloc (the syslog sink: one malloc per message was a third of its
 * cost on the engine's thread, BENCHMARKS.md, output wing). Every reservation is
 * contiguous: one that does not fit before the end of the buffer starts again at its
 * beginning and the bytes left at the end stay unused until the oldest message before
 * them is released. When the last message is released the ring starts over at offset 0,
 * so a consumer that keeps up touches only the first pages of the buffer.
 * Not thread-safe: the owner's lock serialises it.
 */
#ifndef EDGEWATCH_OUTPUT_BYTE_RING_H
#define EDGEWATCH_OUTPUT_BYTE_RING_H

#include <stddef.h>

struct byte_ring {
	char *buf;
	size_t size;
	size_t head;		/* the oldest reservation's first byte */
	size_t tail;		/* where the next one goes */
	size_t wrap_end;	/* wrapped: the end of the bytes before the wrap, else 0 */
	size_t count;		/* reservations not released */
};

/* size bytes (allocated lazily by the kernel: untouched pages cost nothing). 0 or -ENOMEM. */
int byte_ring_init(struct byte_ring *r, size_t size);
void byte_ring_free(struct byte_ring *r);

/* len contiguous bytes after every earlier reservation; NULL when they do not fit now
 * (full) or ever (len > size, or 0). */
char *byte_ring_reserve(struct byte_ring *r, size_t len);

/* The newest reservation (p, from byte_ring_reserve) cut to its first len bytes. */
void byte_ring_shrink_last(struct byte_ring *r, const char *p, size_t len);

/* The oldest reservation, of len bytes, released. */
void byte_ring_release_oldest(struct byte_ring *r, size_t len);

#endif /* EDGEWATCH_OUTPUT_BYTE_RING_H */
