/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What keeps alerts readable under a scan or a spoofed flood, without losing count. Any
 * detector can use it: the events it holds are opaque blocks of the size given at
 * creation (the policy's are struct ew_event), handed back to the caller to write.
 * - the rate limiter: per (detection, source, target address, port), the first event
 *   is written; events within the window after it are held (counted, the latest kept);
 *   the first event after the window is written with "suppressed": the number held.
 * - the aggregation: per (detection, target address, port), the distinct sources seen
 *   within the window are counted. The first `aggregate sources` of them are rate
 *   limited one by one as above; events from every further source in that window are
 *   not alerted one by one but counted into one aggregate (events, distinct sources, a
 *   sample of ALERT_SAMPLE_SOURCES of them, the latest event kept), written as one
 *   aggregate alert when the window is over (at the next event of the target/port),
 *   at the flush, or when the aggregate is evicted. A spoofed flood of N sources thus
 *   makes about `aggregate sources` + 1 alerts per target/port per window, not N.
 * - at shutdown, alert_limiter_flush() writes each key's latest held event with the
 *   others as its "suppressed", and each pending aggregate. So at any time:
 *   events == alerts + sum(suppressed) + sum(aggregated) + alert_limiter_held()
 *   (an aggregate alert counts 1 alert and its other events as "aggregated").
 * - the deduplicator: a (flow_seq, event type) the kernel reported twice (two CPUs
 *   racing on flow_record.reported) is written once.
 * Memory is bounded: max_keys subjects and max_keys aggregates, least recently used
 * forgotten first (their held events written first). Distinct sources are remembered
 * through the subjects: a source forgotten and seen again in the same window counts
 * again.
 */
#ifndef EDGEWATCH_DETECT_ALERT_LIMITER_H
#define EDGEWATCH_DETECT_ALERT_LIMITER_H

#include <stddef.h>
#include <stdint.h>

/* Sources named in an aggregate alert. */
#define ALERT_SAMPLE_SOURCES 8
/* Distinct sources per (detection, target, port) and window alerted one by one. */
#define ALERT_AGGREGATE_SOURCES_DEFAULT 32

/* What an alert is about, for the rate limit (zero it before filling: it is hashed). */
struct alert_limit_key {
	uint32_t type;		/* the caller's detection (policy: enum ew_event_type) */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint16_t port;		/* host order; 0 when the packet had none */
	uint8_t source[16];	/* who sent it */
	uint8_t target[16];	/* the protected address (egress: the destination) */
};

/* What an alert written for an event stands for besides the event itself. */
struct alert_summary {
	uint64_t suppressed;	/* earlier events of the same key held back */
	int aggregate;		/* an aggregate alert: the fields below are set */
	uint64_t aggregated;	/* events it stands for besides the one it shows */
	uint64_t sources;	/* their distinct sources (the shown one's included) */
	uint8_t family;		/* of the sample's addresses */
	size_t sample_count;	/* up to ALERT_SAMPLE_SOURCES, the first seen */
	uint8_t sample[ALERT_SAMPLE_SOURCES][16];
};

struct alert_limiter;

/* An alert the limiter hands back to be written (flush, window over, eviction). */
typedef void (*alert_limit_emit_fn)(void *ctx, const void *event,
				    const struct alert_summary *summary);

/*
 * max_keys: subjects (and aggregates) remembered at once; event_size: the bytes of one
 * event, copied when held. Aggregation starts on, at ALERT_AGGREGATE_SOURCES_DEFAULT.
 */
int alert_limiter_new(struct alert_limiter **out, size_t max_keys, size_t event_size);
void alert_limiter_free(struct alert_limiter *l);	/* NULL-safe; held events are lost:
							 * flush first */
/* The window in ns (management.alert-rate-limit); 0: every event is written. */
void alert_limiter_set_window(struct alert_limiter *l, uint64_t window_ns);
/* Distinct sources per target/port and window before aggregating; 0: never aggregate. */
void alert_limiter_set_aggregate(struct alert_limiter *l, uint32_t sources);

enum alert_limit_verdict {
	ALERT_LIMIT_WRITE,	/* write the event, with the summary (suppressed) */
	ALERT_LIMIT_HOLD,	/* held: counted, written later (suppressed or aggregated) */
};

/*
 * An event about k at now_ns (the clock of the event). Held events of other keys may be
 * written through emit first (a window over, a table full).
 */
enum alert_limit_verdict alert_limiter_check(struct alert_limiter *l,
					     const struct alert_limit_key *k, const void *event,
					     uint64_t now_ns, struct alert_summary *summary,
					     alert_limit_emit_fn emit, void *ctx);

/* Write every key's held events and every pending aggregate, and forget them. */
void alert_limiter_flush(struct alert_limiter *l, alert_limit_emit_fn emit, void *ctx);

/* Events held now (per key, and in pending aggregates). */
uint64_t alert_limiter_held(const struct alert_limiter *l);
/* Keys remembered now. */
size_t alert_limiter_keys(const struct alert_limiter *l);
/* Aggregates (detection, target, port) remembered now. */
size_t alert_limiter_aggregates(const struct alert_limiter *l);

struct event_dedup;

/* Remembers the last capacity (flow_seq, type) pairs. */
int event_dedup_new(struct event_dedup **out, size_t capacity);
void event_dedup_free(struct event_dedup *d);	/* NULL-safe */
/* 1 if (flow_seq, type) was seen before (a duplicate); else remember it, 0. */
int event_dedup_seen(struct event_dedup *d, uint64_t flow_seq, uint32_t type);

#endif /* EDGEWATCH_DETECT_ALERT_LIMITER_H */
