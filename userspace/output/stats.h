/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stats snapshot: every counter edgewatch keeps, taken at one moment, typed. The
 * engine takes it (engine_take_stats), each part filled by its owner (the policy by
 * policy_runtime_stats, the payload pipeline by sample_pipeline_stats); the EVE `stats`
 * event, `edgewatch status` and the metrics sinks render this one struct, so they
 * cannot disagree on a name or a sum.
 */
#ifndef EDGEWATCH_OUTPUT_STATS_H
#define EDGEWATCH_OUTPUT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"

/* Flow events by outcome: the exporter's side of the conservation sum. */
struct flow_export_totals {
	uint64_t flows[EW_END_MAX];
	uint64_t packets;	/* both directions, all flow events written (but recovered) */
	uint64_t bytes;
	uint64_t recovered_packets;	/* in flows of a dead instance: not this one's to count */
	uint64_t write_errors;	/* events the output could not write */
	uint64_t write_failed_packets;	/* their packets (in no event: lost, counted) */
};

struct stats_flows {
	struct flow_export_totals exported;
	uint64_t in_table;		/* as of the last sweep */
	uint64_t table_size;
	uint64_t sweeps;		/* sweeps run (replay skips those that could end nothing) */
	uint64_t sweep_errors;
	uint64_t sweep_delete_races;	/* flows another deleter removed under the sweeper */
	uint64_t sweep_reused_before_refresh;	/* slot reused before the last read-back */
};

/*
 * Per program, every packet seen has one outcome and one verdict; the packets put in
 * flows are in flow events, still in the table, or in events the output lost.
 */
struct stats_conservation {
	uint64_t packets_seen;
	uint64_t packets_in_flows;
	uint64_t packets_exported;
	uint64_t packets_in_table;
	uint64_t packets_write_failed;
	int hooks_add_up;	/* each program: seen == outcomes == verdicts */
	int final;		/* programs detached, table flushed: the sum can be exact */
	int balanced;		/* meaningful when final */
};

/* Built-in detections of the policy, by name ("mgmt_violation", ...). */
#define STATS_POLICY_DETECTIONS 8

struct exposure_record;

struct stats_policy {
	uint32_t generation;
	int management;
	int egress;
	int drop;			/* action: drop, else alert */
	uint32_t protected_addresses;
	int has_decisions;
	uint64_t decisions_allowed;
	uint64_t decisions_violation;
	uint64_t installs_done;
	uint64_t installs_refused;
	uint64_t installs_cleanup_errors;
	uint64_t last_install_us;
	uint64_t last_reader_wait_us;
	uint64_t events_read;
	uint64_t events_invalid;
	uint64_t events_deduplicated;
	uint64_t alerts_written;
	uint64_t suppressed;
	uint64_t aggregated;		/* events aggregate alerts stand for, beyond the one shown */
	uint64_t held;
	uint64_t write_errors;
	size_t detection_count;
	struct {
		const char *name;
		uint64_t alerts;
	} detections[STATS_POLICY_DETECTIONS];
	/* the exposure inventory (owned by the policy; valid until its next event) */
	const struct exposure_record *exposures;
	size_t exposure_count;
	int64_t exposures_to_realtime_ns;
	uint64_t exposures_not_listed;
};

struct stats_samples {
	uint64_t read;
	uint64_t queued;
	uint64_t scanned;
	uint64_t scan_failed;
	uint64_t dropped_queue_full;
	uint64_t dropped_malformed;
	uint64_t not_scanned_no_rules;
	uint64_t in_queue;
	uint64_t queue_slots;
	uint64_t queue_high_water;
	uint64_t workers;
	int balanced;		/* read == every outcome + in_queue */
};

struct stats_rules {
	/* the rules in force: the generation's load (1 at start, +1 per reload applied) */
	uint64_t generation;
	uint64_t files;
	uint64_t loaded;
	uint64_t skipped;
	uint64_t no_prefilter;
	int cache_hit;
	uint64_t reloads_ok;		/* reloads whose rules were swapped in */
	uint64_t reloads_failed;	/* reloads refused: the running rules stayed */
	uint64_t matches;
	uint64_t alerts;
	uint64_t deduplicated;
	uint64_t alert_errors;
	uint64_t drop_matches;
	uint64_t drop_not_enforced;
	uint64_t drop_flow_gone;
	uint64_t flows_blocked;
	uint64_t flows_unblocked;
	uint64_t block_failed;
	uint64_t flows_with_alerts;
	uint64_t flows_forgotten;
	uint64_t flows_evicted;
	uint64_t http_requests;
	uint64_t http_truncated;
	uint64_t candidates;
	uint64_t budget_exhausted;
	uint64_t pcre_errors;
	uint64_t scan_errors;
};

/*
 * TCP stream windows (payload/stream_reassembly.h): one list for the struct, the stats
 * event's "streams" object and the metrics (edgewatch_stream_NAME_total / edgewatch_stream_NAME).
 */
#define STATS_STREAMS_COUNTERS(X)                                                              \
	X(segments, "TCP segments taken into a stream window")                                  \
	X(out_of_order, "Stream segments that came before the bytes preceding them")            \
	X(duplicate_bytes, "Retransmitted stream bytes equal to the held copy")                 \
	X(overlap_conflicts, "Stream segments overlapping held bytes with other values "        \
			     "(evasion attempt; the first copy was kept)")                       \
	X(conflict_bytes, "Bytes of those overlaps")                                            \
	X(bytes_past_depth, "Segment bytes beyond sampling.stream-depth (not held)")            \
	X(bytes_not_captured, "Stream bytes beyond a sample's snap length (a known hole)")      \
	X(scans_http, "Window scans at the end of a whole HTTP request")                        \
	X(scans_push, "Window scans at a pushed segment")                                       \
	X(scans_depth, "Window scans at the window's end")                                      \
	X(scans_snap_hole, "Window scans before bytes not captured")                            \
	X(scans_flow_end, "Window scans when the flow ended")                                   \
	X(scans_idle, "Window scans when the stream went idle")                                 \
	X(scans_evicted, "Window scans when the stream was evicted")                            \
	X(bytes_scanned, "Window bytes scanned")                                                \
	X(gaps, "Streams released with bytes held past a hole (not scanned)")                   \
	X(gap_bytes, "Bytes held past a hole, never scanned")                                   \
	X(overflow_segments, "Segments refused: the stream had sampling.stream-segments")       \
	X(overflow_streams, "Streams evicted: too many in reassembly")                          \
	X(overflow_bytes, "Streams evicted: the reassembly memory bound")                       \
	X(overflow_no_memory, "Segments refused: out of memory")                                \
	X(segments_after_release, "Segments of a window already scanned whole (ignored)")       \
	X(scan_failed, "Window scans at a flow's end that failed")
#define STATS_STREAMS_GAUGES(X)                                                                \
	X(streams, "Stream windows in reassembly")                                              \
	X(bytes, "Bytes held by the stream windows")                                            \
	X(streams_high_water, "Most stream windows held at once")                               \
	X(bytes_high_water, "Most bytes the stream windows held at once")

struct stats_streams {
	int on;			/* sampling.stream-depth > 0 */
#define STATS_STREAMS_FIELD(name, help) uint64_t name;
	STATS_STREAMS_COUNTERS(STATS_STREAMS_FIELD)
	STATS_STREAMS_GAUGES(STATS_STREAMS_FIELD)
#undef STATS_STREAMS_FIELD
};

/* The EVE file's own account: lines written (this event included) and lost. */
struct stats_output {
	uint64_t events_written;
	uint64_t write_errors;
	/* rotation (outputs.eve.rotate-interval, max-size, compress); in the stats event
	 * only when configured, so the EVE golden files stay as they are */
	int rotating;
	int compressing;
	uint64_t rotations;
	uint64_t rotate_failed;
	uint64_t compressed;
	uint64_t compress_failed;
	/* outputs.eve.seal (eve_seal.h); in the stats event only when sealing */
	int sealing;
	uint64_t seals;			/* seal records written */
	uint64_t seal_failed;		/* seals that could not be made (lines left unsealed) */
	uint64_t seal_key_store_failed;	/* key file rewrites that failed (old key on disk) */
	uint32_t seal_epoch;		/* the epoch the next seal signs */
};

/* The packet evidence (outputs.pcap, pcap_evidence.h); in the stats event when on. */
struct stats_pcap {
	int enabled;
	uint64_t packets;		/* packets written */
	uint64_t alerts;		/* alerts with packets written (theirs, or their
					 * flow's earlier samples) */
	uint64_t files;			/* files opened */
	uint64_t files_removed;		/* oldest files removed for max-total */
	uint64_t bytes_removed;
	uint64_t bytes;			/* bytes in the files kept */
	uint64_t without_packet;	/* alerts with no packet of their own (kernel
					 * detections, headers not carried): their flow's
					 * later samples still follow */
	uint64_t open_failed;		/* files that could not be opened (logged) */
	uint64_t write_failed;		/* packets that could not be written (logged) */
	uint64_t remove_failed;		/* old files that could not be removed (logged) */
};

/* Kinds of failed sends a sink names (the last slot: "other", every further kind). */
#define STATS_SINK_FAILURE_KINDS 4

/*
 * A sink with a queue of its own (syslog, kafka): where every message it took went.
 * taken = sent + in_queue + dropped_queue_full + lost_at_close + send_failed +
 * format_failed.
 */
struct stats_sink_queue {
	const char *name;		/* the sink's ("syslog"): its key in stats.outputs */
	uint64_t taken;
	uint64_t sent;
	uint64_t in_queue;		/* waiting, or being sent */
	uint64_t dropped_queue_full;	/* the collector down or slow, the queue full */
	uint64_t lost_at_close;		/* still queued when the run ended (after a drain) */
	uint64_t send_failed;		/* UDP: refused by the socket (no resend); Kafka:
					 * delivery failed (message.timeout.ms, ...) */
	uint64_t format_failed;		/* the event did not fit its line's bound */
	uint64_t truncated;		/* sent, cut to the datagram bound (UDP) */
	uint64_t connect_failures;
	uint64_t reconnects;		/* connections after the first */
	/* send_failed by cause, when the sink names them (Kafka: librdkafka's error
	 * name); 0 kinds: the stats event has no send_failed_by */
	size_t failure_kind_count;
	struct {
		const char *name;	/* static */
		uint64_t count;
	} failures[STATS_SINK_FAILURE_KINDS];
};

#define STATS_QUEUED_SINKS 4
/* The passive inventory (userspace/inventory/): on 0 when inventory.enabled is false. */
struct stats_inventory {
	int on;
	uint64_t samples;		/* server samples looked at */
	uint64_t recognised;		/* ... whose banner named a service */
	uint64_t not_home_net;		/* ... from a server outside home-net: not recorded */
	uint64_t services;		/* records now */
	uint64_t capacity;		/* inventory.table-size */
	uint64_t evicted;		/* records forgotten to make room (least recently seen) */
	uint64_t new_events;		/* inventory events written, by change */
	uint64_t changed_events;
	uint64_t learned_events;	/* a handshake told more of a listed service */
	uint64_t summary_events;
	uint64_t event_errors;		/* inventory events the EVE file refused */
	uint64_t alerts;		/* end-of-life / known-exploited alerts written */
	uint64_t alerts_suppressed;	/* held by the per-service rate limit */
	uint64_t flagged[6];		/* records now with each flag (enum inventory_flag) */
	uint64_t software_entries;	/* lines of the edge software data loaded */
	uint64_t snmp_responses;	/* SNMPv1/v2c responses read (inventory/snmp.h) */
	/* malformed SNMP by reason: truncated, bad_length, bad_tag, bad_integer, bad_oid */
	uint64_t snmp_malformed[5];
	/* banners read from a stream window's segments (not only its first) */
	uint64_t banners_reassembled;
	uint64_t banner_streams_evicted;	/* windows forgotten unfinished to make room */
	uint64_t state_loaded;		/* services loaded from the state file at start */
	uint64_t state_saved;		/* saves of the state file */
	uint64_t state_errors;		/* state file not read (corrupt, ...) or not written,
					 * or a service's handshake facts not restored (memory) */
	/* handshakes followed for fingerprints (inventory/handshake.h), by outcome */
	uint64_t tls[8];		/* enum tls_status: ok, truncated, not_tls, ... */
	uint64_t ssh[7];		/* enum ssh_kex_status: ok, truncated, not_ssh, ... */
	uint64_t bad_certificate;	/* a certificate OpenSSL could not read */
	uint64_t not_captured;		/* a window whose first bytes were not captured */
	uint64_t handshake_flows_forgotten;	/* more flows than followed at once */
};

/*
 * The live datapath's own cost (off in replay, whose output must not depend on the
 * machine): its maps' kernel memory, read once at start (map_memory.h), and the clock.
 */
struct stats_kernel {
	int on;
	uint64_t maps;
	uint64_t map_bytes;		/* the maps' memlock, summed */
	uint64_t ringbuf_bytes;		/* of which ring buffers */
	uint64_t clock_wakeups;		/* a packet woke the sleeping clock (idle_clock.h) */
};

/* The output's event types (output.h hands each to every sink). */
enum output_event_type {
	OUTPUT_FLOW,
	OUTPUT_ALERT,
	OUTPUT_STATS,
	OUTPUT_INVENTORY,	/* the passive inventory (userspace/inventory/) */
	OUTPUT_EVENT_TYPES,
};

/* What a sink did with the events handed to it (counted by output.c). */
struct output_sink_totals {
	uint64_t events[OUTPUT_EVENT_TYPES];	/* accepted */
	uint64_t errors[OUTPUT_EVENT_TYPES];	/* refused at once (later losses: the sink's) */
};

/*
 * Every sink's totals as the snapshot was taken (this snapshot's own stats event is in
 * none of them). The EVE stats event leaves them out: its bytes are a contract (the
 * golden files), and its own account is `eve` above; the metrics render them.
 */
#define STATS_SINKS_MAX 8

struct stats_sinks {
	size_t count;
	struct {
		const char *name;	/* the sink's ops->name: static */
		struct output_sink_totals totals;
	} sink[STATS_SINKS_MAX];
};

/* One anomaly detector's state (detect/): bounded, every eviction counted. */
struct stats_detector {
	const char *name;		/* "scan", ...: static */
	int enabled;
	uint64_t alerts;		/* alerts of its detections (start, update, end) */
	uint64_t tracked;		/* entries held now */
	uint64_t capacity;		/* at most */
	uint64_t evicted;		/* forgotten to make room (least recently used) */
	uint64_t bytes;			/* memory its maps hold */
	uint64_t late;			/* records that arrived after their window was no
					 * longer kept: counted, not judged (flood,
					 * amplification; 0 where every record is judged) */
};

/*
 * The live flood counts (datapath.h, "Live flood counts"; detect/README.md "## flood"):
 * the kernel's new-flow counts per destination, and the sweeper's hot flows.
 */
struct stats_flood_live {
	int on;
	uint64_t dests_tracked;		/* destinations in the kernel's map at the last read */
	uint64_t dests_capacity;
	uint64_t dests_evicted;		/* entered, then forgotten to make room (LRU) */
	uint64_t dests_failed;		/* new flows whose destination could not be entered */
	uint64_t reads;			/* reads of the map (one a tick with new flows) */
	uint64_t read_errors;
	uint64_t hot_reports;		/* hot flows the sweeper reported */
	uint64_t hot_lost;		/* reports its ring had no room for (counted late) */
};

/*
 * The anomaly detectors (detect/detect.c): flows looked at, what the detectors
 * reported, and the episodes and alerts made of it. Every report either started an
 * episode, was alerted as its update, or was folded into one (suppressed);
 * alerts = started + updates + ended (evicted ones included).
 */
struct stats_anomaly {
	int on;
	uint64_t flows_seen;		/* records handed to the detectors */
	uint64_t flows_excluded;	/* anomaly.exclude: not looked at */
	uint64_t reports;
	uint64_t suppressed;		/* reports folded into an open episode */
	uint64_t episodes_started;
	uint64_t episodes_updated;	/* update alerts of long episodes */
	uint64_t episodes_ended;	/* quiet for a window, or the run ended */
	uint64_t episodes_evicted;	/* ended early to make room (alerted as ended) */
	uint64_t episodes_open;
	uint64_t alerts;
	uint64_t alert_errors;		/* alerts the output refused */
	size_t detector_count;
	struct stats_detector detectors[8];
	struct stats_flood_live live;
};

struct stats_snapshot {
	uint64_t ts_ns;			/* wall clock */
	const char *xdp_mode;		/* "native", "generic": NULL where it means nothing (replay) */
	uint64_t uptime_s;
	struct ew_counters counters;	/* kernel and userspace-counted packets */
	struct stats_flows flows;
	struct stats_conservation conservation;
	int has_policy;
	struct stats_policy policy;
	int has_pipeline;
	struct stats_samples samples;
	struct stats_rules rules;
	struct stats_streams streams;
	struct stats_output eve;
	struct stats_pcap pcap;
	struct stats_anomaly anomaly;
	struct stats_inventory inventory;
	struct stats_kernel kernel;
	size_t queued_sink_count;	/* 0: no such sink configured (no stats.outputs) */
	struct stats_sink_queue queued_sinks[STATS_QUEUED_SINKS];
	struct stats_sinks sinks;
};

#endif /* EDGEWATCH_OUTPUT_STATS_H */
