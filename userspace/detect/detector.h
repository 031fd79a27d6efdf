/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a detector is (internal to detect/): a file that implements struct
 * detector_ops, sees each flow record as a struct detect_flow, keeps its state in
 * bounded maps (lru_map.h) and reports what it finds with detect_report(). The hub
 * (detect.c) does the rest: exclusions, episodes, rate limiting, the alert itself.
 * A new detector: an enum ew_detector value and its rows in detections.c, its ops
 * here and in detect.c's list, and its file.
 */
#ifndef EDGEWATCH_DETECT_DETECTOR_H
#define EDGEWATCH_DETECT_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "detect/detections.h"
#include "output/event.h"
#include "output/stats.h"

struct detect;

/* A flow record as the detectors see it: from its initiator, this record's counts. */
struct detect_flow {
	const struct flow_event *ev;	/* the record itself (key, rec, fields, reason) */
	uint8_t family;			/* 4 or 6 */
	const uint8_t *src;		/* the initiator's address (16 bytes, IPv4 in the */
	const uint8_t *dst;		/* first 4), and the responder's */
	uint16_t sport, dport;		/* host order; 0 without ports */
	uint8_t proto;
	uint8_t flags_fwd;		/* TCP flags the initiator sent (whole flow so far) */
	uint8_t flags_rev;		/* and the responder */
	uint8_t icmp_type, icmp_code;	/* of the flow's first packet */
	uint64_t pkts_fwd, pkts_rev;	/* this record (an active-timeout record: since the */
	uint64_t bytes_fwd, bytes_rev;	/* previous one) */
	uint64_t flow_pkts_fwd, flow_pkts_rev;	/* the whole flow so far */
	uint64_t flow_bytes_fwd, flow_bytes_rev;
	uint64_t first_ns;		/* the flow's first packet (wall clock) */
	uint64_t start_ns, end_ns;	/* this record's span (wall clock) */
	int ends;			/* the flow ended (not an active-timeout record) */
	/* gaps between the record's bursts (datapath.h, flow_record.gap_*): packets
	 * EW_GAP_MIN_NS or more after the previous one, both directions */
	uint32_t gap_count;
	uint32_t gap_sum_ms;
	uint64_t gap_sumsq_ms;
};

/*
 * Live counts from the kernel (datapath.h, "Live flood counts"), read every tick, long
 * before the flows' records arrive. flow stands for them in an alert: the latest new
 * flow toward dst (DEST; its flow id is that flow's, its counts are not real), or the
 * hot flow itself (HOT: pkts_fwd what is not in a record yet, start_ns..end_ns its span).
 */
enum detect_live_kind { DETECT_LIVE_DEST, DETECT_LIVE_HOT };

struct detect_live {
	enum detect_live_kind kind;
	int reverse;			/* HOT: the flow's responder sent these packets (flow is
					 * seen from it: its src the responder) */
	uint64_t now_ns;		/* wall clock of the read */
	uint64_t since_ns;		/* DEST: of the previous read (what it counts is since) */
	const struct detect_flow *flow;
	/* DEST: since the previous read, toward flow->dst */
	uint64_t new_flows[EW_FLOOD_CLASSES];	/* by enum ew_flood_class */
	uint64_t handshakes;
	const uint64_t *src_bits;	/* their sources (EW_FLOOD_SRC_BITS, ew_flood_src_bit) */
};

/* What a detector found: the hub opens, updates or extends an episode of it. */
struct anomaly_report {
	uint32_t sid;			/* a row of detections.c */
	const struct detect_flow *flow;	/* the record that tipped it: the alert's flow fields */
	int to_server;			/* the alert's src is the flow's initiator (1), or the
					 * responder (0: the subject answered) */
	uint8_t family;			/* 4 or 6 */
	const uint8_t *source;		/* the subject (16 bytes): attacker, beaconing host */
	const uint8_t *target;		/* the victim (16 bytes); NULL: many (a sweep) */
	uint16_t port;			/* the service; 0: many ports, or none */
	uint8_t proto;
	uint64_t ts_ns;			/* wall clock of the evidence */
	uint64_t window_s;		/* the window it was counted in: the episode ends after
					 * a window without a report */
	/* the evidence (copied by the hub: the caller's memory may go after the call);
	 * every name distinct (numbers and lists share the anomaly object's keys) */
	const struct anomaly_number *numbers;	/* at most DETECT_NUMBERS_MAX */
	size_t number_count;
	const struct anomaly_list *lists;	/* at most DETECT_LISTS_MAX, each at most */
	size_t list_count;			/* DETECT_LIST_ITEMS items of < 48 bytes */
	int has_score;
	double score;			/* 0..1 */
	const struct anomaly_number *score_parts;	/* at most DETECT_NUMBERS_MAX */
	size_t score_part_count;
};

#define DETECT_NUMBERS_MAX 12
#define DETECT_LISTS_MAX 3
#define DETECT_LIST_ITEMS 16
#define DETECT_ITEM_LEN 48

/* Open or extend an episode of r's detection for (source, target, port). */
void detect_report(struct detect *hub, const struct anomaly_report *r);

/* Live counts come (detect_live_on): what they count is not counted again from records. */
int detect_live_counts(const struct detect *hub);
/* The latest time the hub has seen (wall clock): records' ends, ticks, live reads. */
uint64_t detect_now(const struct detect *hub);

/* The configuration in force (a reload replaces it: never keep the pointer). */
const struct ew_config *detect_config(const struct detect *hub);

/* Add one of a detector's maps to its stats (tracked, capacity, evicted, bytes). */
struct lru_map;
void detect_stats_add_map(struct stats_detector *out, const struct lru_map *m);

/* Distinct items hashed into a bitmap of nbits bits (a multiple of 8): linear counting,
 * n ~ nbits ln(nbits / empty bits); near exact while few bits are set, saturates near
 * nbits ln(nbits). */
uint64_t detect_distinct_estimate(const uint8_t *bits, unsigned int nbits);

/* An address as text (4 or 6), for lists in the evidence. */
void detect_addr_text(uint8_t family, const uint8_t *addr, char out[DETECT_ITEM_LEN]);

/* Is addr (family 4 or 6, 16 bytes) inside one of the prefixes? (exclusions, protected
 * addresses) */
int detect_in_cidrs(const struct ew_cidr_list *list, uint8_t family, const uint8_t *addr);

struct detector;

struct detector_ops {
	enum ew_detector id;
	/* 0 or -errno; the detector's state is bounded by cfg's anomaly.max-tracked */
	int (*create)(struct detector **out, const struct ew_config *cfg, struct detect *hub);
	void (*flow)(struct detector *d, const struct detect_flow *f);
	/* live counts (struct detect_live); NULL: not interested */
	void (*live)(struct detector *d, const struct detect_live *lv);
	/* time passes (wall clock): windows close; NULL: nothing to do */
	void (*tick)(struct detector *d, uint64_t now_ns);
	/* the run ends: report what is pending; NULL: nothing to do */
	void (*finish)(struct detector *d, uint64_t now_ns);
	/* entries tracked, forgotten to make room, bytes (for the stats) */
	void (*stats)(const struct detector *d, struct stats_detector *out);
	void (*destroy)(struct detector *d);
};

/* Every detector embeds this first. */
struct detector {
	const struct detector_ops *ops;
	struct detect *hub;
};

/* The detectors (one file each). */
extern const struct detector_ops scan_detector_ops;
extern const struct detector_ops brute_force_detector_ops;
extern const struct detector_ops flood_detector_ops;
extern const struct detector_ops amplification_detector_ops;
extern const struct detector_ops beacon_detector_ops;

#endif /* EDGEWATCH_DETECT_DETECTOR_H */
