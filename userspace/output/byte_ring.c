// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A FIFO allocator over one buffer (byte_ring.h). */
#include <errno.h>
#include <stdlib.h>

#include "output/byte_ring.h"

int byte_ring_init(struct byte_ring *r, size_t size)
{
	*r = (struct byte_ring){ .size = size };
	/* calloc of a large size maps fresh zero pages: nothing is touched until used */
	r->buf = calloc(1, size);
	return r->buf ? 0 : -ENOMEM;
}

void byte_ring_free(struct byte_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

char *byte_ring_reserve(struct byte_ring *r, size_t len)
{
	size_t at;

	if (!len || len > r->size)
		return NULL;
	if (!r->count)
		r->head = r->tail = r->wrap_end = 0;
	if (r->wrap_end) {		/* live: [head, wrap_end) and [0, tail) */
		if (len > r->head - r->tail)
			return NULL;
		at = r->tail;
	} else if (len <= r->size - r->tail) {	/* live: [head, tail) */
		at = r->tail;
	} else if (len <= r->head) {	/* start again at 0; [tail, size) unused */
		r->wrap_end = r->tail;
		at = 0;
	} else {
		return NULL;
	}
	r->tail = at + len;
	r->count++;
	return r->buf + at;
}

void byte_ring_shrink_last(struct byte_ring *r, const char *p, size_t len)
{
	r->tail = (size_t)(p - r->buf) + len;
}

void byte_ring_release_oldest(struct byte_ring *r, size_t len)
{
	r->head += len;
	if (r->wrap_end && r->head == r->wrap_end)
		r->head = r->wrap_end = 0;
	if (!--r->count)
		r->head = r->tail = r->wrap_end = 0;
}
