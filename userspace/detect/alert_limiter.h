/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What keeps policy alerts readable under a scan, without losing count:
 * - the rate limiter: per (detection, source, protected address, port), the first event
 *   is written; events within the window after it are held (counted, the latest kept);
 *   the first event after the window is written with "suppressed": the number held.
 *   At shutdown, alert_limiter_flush() writes each key's latest held event with the
 *   others as its "suppressed". So for every key: events == alerts + sum(suppressed).
 * - the deduplicator: a (flow_seq, event type) the kernel reported twice (two CPUs
 *   racing on flow_record.reported) is written once.
 */
#ifndef EDGEWATCH_DETECT_ALERT_LIMITER_H
#define EDGEWATCH_DETECT_ALERT_LIMITER_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"

/* What an alert is about, for the rate limit (zero it before filling: it is hashed). */
struct alert_limit_key {
	uint32_t type;		/* enum ew_event_type */
	uint8_t family;
	uint8_t proto;
	uint16_t port;		/* host order; 0 when the packet had none */
	uint8_t source[16];	/* who sent it */
	uint8_t target[16];	/* the protected address (egress: the destination) */
};

struct alert_limiter;

/* An alert the limiter hands back to be written (flush, or a key evicted when full). */
typedef void (*alert_limit_emit_fn)(void *ctx, const struct ew_event *ev, uint64_t suppressed);

/* max_keys: keys remembered at once (the oldest go when full, their held ones written). */
int alert_limiter_new(struct alert_limiter **out, size_t max_keys);
void alert_limiter_free(struct alert_limiter *l);	/* NULL-safe; held events are lost:
							 * flush first */
/* The window in ns (management.alert-rate-limit); 0: every event is written. */
void alert_limiter_set_window(struct alert_limiter *l, uint64_t window_ns);

enum alert_limit_verdict {
	ALERT_LIMIT_WRITE,	/* write ev, with *suppressed (0: none held before it) */
	ALERT_LIMIT_HOLD,	/* held: counted, written later as someone's "suppressed" */
};

/*
 * An event about k at now_ns (the datapath clock of the event). When the table is
 * full, the oldest key goes first, its held events written through emit.
 */
enum alert_limit_verdict alert_limiter_check(struct alert_limiter *l,
					     const struct alert_limit_key *k,
					     const struct ew_event *ev, uint64_t now_ns,
					     uint64_t *suppressed, alert_limit_emit_fn emit,
					     void *ctx);

/* Write every key's held events (latest event, suppressed = held - 1) and forget them. */
void alert_limiter_flush(struct alert_limiter *l, alert_limit_emit_fn emit, void *ctx);

/* Events held now, over all keys. */
uint64_t alert_limiter_held(const struct alert_limiter *l);
/* Keys remembered now. */
size_t alert_limiter_keys(const struct alert_limiter *l);

struct event_dedup;

/* Remembers the last capacity (flow_seq, type) pairs. */
int event_dedup_new(struct event_dedup **out, size_t capacity);
void event_dedup_free(struct event_dedup *d);	/* NULL-safe */
/* 1 if (flow_seq, type) was seen before (a duplicate); else remember it, 0. */
int event_dedup_seen(struct event_dedup *d, uint64_t flow_seq, uint32_t type);

#endif /* EDGEWATCH_DETECT_ALERT_LIMITER_H */
