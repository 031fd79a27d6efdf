// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syslog queue's byte ring (output/byte_ring.h): reservations in order, contiguous,
 * never over a live one; the wrap to the start when the end has no room; full and too
 * large refused (the sink counts them); the start over at 0 once empty.
 */
#include <stdlib.h>
#include <string.h>

#include "output/byte_ring.h"
#include "../support/test.h"

static void test_in_order_and_full(struct test_case *t)
{
	struct byte_ring r;
	char *a, *b, *c;

	CHECK(t, byte_ring_init(&r, 100) == 0, "init");
	a = byte_ring_reserve(&r, 40);
	b = byte_ring_reserve(&r, 40);
	CHECK(t, a == r.buf && b == r.buf + 40, "not in order: %p %p", (void *)a, (void *)b);
	EXPECT(t, byte_ring_reserve(&r, 21) == NULL, "21 bytes fit in the 20 left");
	c = byte_ring_reserve(&r, 20);
	EXPECT(t, c == r.buf + 80, "the last 20 bytes not given");
	EXPECT(t, byte_ring_reserve(&r, 1) == NULL, "a full ring gave a byte");
	byte_ring_free(&r);
}

static void test_wrap_around(struct test_case *t)
{
	struct byte_ring r;
	char *a, *b, *c, *d;

	CHECK(t, byte_ring_init(&r, 100) == 0, "init");
	a = byte_ring_reserve(&r, 30);
	b = byte_ring_reserve(&r, 30);
	c = byte_ring_reserve(&r, 30);
	CHECK(t, a && b && c, "three of 30 in 100");
	memset(b, 'b', 30);
	memset(c, 'c', 30);
	/* 10 left at the end, 0 at the start: 20 does not fit until a is released */
	EXPECT(t, byte_ring_reserve(&r, 20) == NULL, "20 bytes over a live message");
	byte_ring_release_oldest(&r, 30);
	d = byte_ring_reserve(&r, 20);
	CHECK(t, d == r.buf, "did not wrap to the start: %p", (void *)d);
	memset(d, 'd', 20);
	/* wrapped: the room is [20, 30) only, the 10 at the end are not used */
	EXPECT(t, byte_ring_reserve(&r, 11) == NULL, "11 bytes in a 10-byte hole");
	EXPECT(t, byte_ring_reserve(&r, 10) == r.buf + 20, "the 10 before b not given");
	EXPECT(t, b[0] == 'b' && b[29] == 'b' && c[0] == 'c' && c[29] == 'c',
	       "a live message was overwritten");
	/* b and c released: the head passes the unused end and goes on at d */
	byte_ring_release_oldest(&r, 30);
	byte_ring_release_oldest(&r, 30);
	EXPECT(t, r.head == 0 && !r.wrap_end, "head %zu, wrap_end %zu after the wrap", r.head,
	       r.wrap_end);
	EXPECT(t, d[0] == 'd' && d[19] == 'd', "the wrapped message was overwritten");
	EXPECT(t, byte_ring_reserve(&r, 70) == r.buf + 30, "the 70 after d and the hole");
	byte_ring_free(&r);
}

static void test_too_large_and_empty(struct test_case *t)
{
	struct byte_ring r;
	char *a;

	CHECK(t, byte_ring_init(&r, 64) == 0, "init");
	EXPECT(t, byte_ring_reserve(&r, 65) == NULL, "65 bytes in a ring of 64");
	EXPECT(t, byte_ring_reserve(&r, 0) == NULL, "an empty reservation");
	EXPECT(t, r.count == 0, "a refused reservation counted");
	a = byte_ring_reserve(&r, 64);
	EXPECT(t, a == r.buf, "the whole ring not given when empty");
	byte_ring_release_oldest(&r, 64);
	/* empty: the next starts over at 0 (a consumer that keeps up stays in the first pages) */
	byte_ring_reserve(&r, 10);
	byte_ring_release_oldest(&r, 10);
	EXPECT(t, byte_ring_reserve(&r, 5) == r.buf, "did not start over at 0 once empty");
	byte_ring_free(&r);
}

static void test_shrink_last(struct test_case *t)
{
	struct byte_ring r;
	char *a;

	CHECK(t, byte_ring_init(&r, 100) == 0, "init");
	a = byte_ring_reserve(&r, 80);	/* the bound of a message... */
	byte_ring_shrink_last(&r, a, 30);	/* ...and what it took */
	EXPECT(t, byte_ring_reserve(&r, 70) == r.buf + 30, "the unused 50 not given back");
	byte_ring_release_oldest(&r, 30);
	EXPECT(t, r.head == 30, "released the reserved length, not the shrunk one");
	byte_ring_free(&r);
}

/* A producer and consumer of random sizes for many turns: every message comes back
 * intact and in order, the ring wraps many times. */
static void test_random_fifo(struct test_case *t)
{
	struct byte_ring r;
	struct {
		char *p;
		size_t len;
		unsigned char tag;
	} q[64];
	size_t head = 0, count = 0, wraps = 0, i;
	unsigned seed = 7, turn;

	CHECK(t, byte_ring_init(&r, 1000) == 0, "init");
	for (turn = 0; turn < 20000; turn++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 2 && count < 64) {
			size_t len = 1 + (seed >> 8) % 300, at = (head + count) % 64;
			char *p = byte_ring_reserve(&r, len);

			if (!p)
				continue;
			if (count && p < q[(at + 63) % 64].p)
				wraps++;
			memset(p, (unsigned char)turn, len);
			q[at].p = p;
			q[at].len = len;
			q[at].tag = (unsigned char)turn;
			count++;
		} else if (count) {
			for (i = 0; i < q[head].len; i++)
				if ((unsigned char)q[head].p[i] != q[head].tag)
					break;
			CHECK(t, i == q[head].len, "turn %u: a message overwritten at byte %zu",
			      turn, i);
			byte_ring_release_oldest(&r, q[head].len);
			head = (head + 1) % 64;
			count--;
		}
	}
	EXPECT(t, wraps > 100, "only %zu wraps", wraps);
	byte_ring_free(&r);
}

int main(void)
{
	test_program = "test_byte_ring";
	RUN(test_in_order_and_full);
	RUN(test_wrap_around);
	RUN(test_too_large_and_empty);
	RUN(test_shrink_last);
	RUN(test_random_fifo);
	return test_summary();
}
