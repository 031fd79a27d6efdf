/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the live daemon and replay share after the kernel: the loaded datapath, the
 * output (output/output.h), the flow sweeper and exporter, and the stats snapshot with
 * the conservation sum. `edgewatch run` drives it with the kernel's clock, `edgewatch replay` with
 * capture time, so both write the same events for the same packets.
 */
#ifndef EDGEWATCH_ENGINE_H
#define EDGEWATCH_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "clock.h"
#include "idle_clock.h"
#include "map_memory.h"
#include "config/config.h"
#include "counters.h"
#include "datapath_loader.h"
#include "flow_export.h"
#include "flow_sweep.h"
#include "output/output.h"
#include "output/stats.h"
#include "replay_table.h"

struct engine_settings {
	uint32_t flow_table_size;
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;
	uint64_t tcp_closed_timeout_ns;
	uint64_t sweep_interval_ns;
	uint32_t snaplen;		/* payload bytes per sample */
	uint32_t stream_depth;		/* TCP stream window per direction (0: off) */
	uint32_t stream_segments;
	const char *eve_path;		/* "-" = stdout */
	struct eve_rotation eve_rotation;	/* outputs.eve rotation (all 0: none) */
	const char *eve_seal_key;	/* outputs.eve.seal.key (NULL: not sealed) */
	uint32_t eve_seal_interval;	/* seconds between seals */
	int passive;
	int replay;
	/* replay: the flow table's slots when sized to the capture (replay_table.h; the
	 * sweeps' output is put back in flow_table_size's order); 0: flow_table_size */
	uint32_t replay_table_slots;
	/* replay: entries of the LRU maps a capture of this size cannot fill (see
	 * replay_lru_entries); 0: their defaults */
	uint32_t replay_lru_entries;
	/* replay: the most frames the captures can hold (replay_frames_bound), which sizes
	 * the ring buffers (ring_sizes.h); 0: unknown, or live */
	uint64_t replay_frames;
	int l3_link;			/* the interface carries bare IP (WireGuard, tun, PPP) */
};

/*
 * The settings a configuration gives (its flow, sampling and output sections; its
 * defaults where the file is silent); eve_path, when not NULL, wins over the file's.
 */
void engine_settings_from_config(struct engine_settings *s, const struct ew_config *cfg,
				 const char *eve_path);

/* What went wrong in sweeps, summed over all of them (the last one: sweep_result). */
struct engine_totals {
	uint64_t sweeps;		/* sweeps run (replay skips those that can end nothing) */
	uint64_t sweep_errors;
	uint64_t delete_races;
	uint64_t reused_before_refresh;
	uint64_t hot_reported;		/* hot flows the sweeper reported (datapath.h) */
	uint64_t hot_lost;
};

struct detect;
struct flood_live;
struct policy_runtime;
struct sample_pipeline;
struct ring_buffer;

struct engine {
	struct engine_settings settings;
	const struct ew_config *cfg;	/* the configuration in force (the caller's) */
	struct ring_buffer *rings;	/* events and samples from the datapath */
	struct ring_buffer *ended_ring;	/* ended flows from the sweeper */
	struct sweep_run sweep_run;	/* the ended_ring callback's context */
	struct sweep_result sweep_result;	/* the last sweep's */
	struct policy_runtime *policy;
	struct sample_pipeline *pipeline;
	struct detect *detect;		/* the anomaly detectors (NULL: anomaly.enabled false) */
	struct inventory *inventory;	/* the passive inventory (NULL: inventory.enabled false) */
	/* live flood counts (datapath.h), when the flood detector runs: the reader of
	 * flood_dests, the sweeper's hot flows, and its hot_pkts (0: off) */
	struct flood_live *flood_live;
	struct ring_buffer *hot_ring;
	uint64_t hot_pkts;
	/* with settings.replay_table_slots: each sweep's ended flows and hot reports, held
	 * and handed on in the configured table's walk order */
	struct bucket_reorder ended_reorder, hot_reorder;
	uint64_t live_new_flows;	/* replay: new flows at the last read (read when moved) */
	uint64_t live_read_ns;		/* datapath clock of the last read (0: none yet) */
	struct idle_clock clock;	/* live: keeps the datapath's clock current */
	/* live: clock.activity when the last sweep and the one before it began */
	uint64_t swept_activity, prev_swept_activity;
	struct map_memory map_memory;	/* live: the maps' kernel memory at start */
	struct datapath_instance dp;
	struct output output;		/* every event goes out through it */
	struct output_sink *status_sink;	/* live: the snapshot `status` shows (or NULL) */
	uint64_t next_status_ns;
	int output_open;
	struct flow_exporter exporter;
	struct engine_totals totals;
	struct ew_counters userspace_counters;	/* packets counted by replay itself */
	uint64_t start_ns;		/* kernel clock at start (capture time in replay) */
	/* a dead instance's pinned flows were gone when this one started (run.c): the
	 * run cannot balance, whatever its own counters say */
	int lost_dead_instance_flows;
	uint64_t next_sweep_ns;
	struct sweep_schedule schedule;	/* replay: which ticks can end a flow */
	char iface[32];
};

/*
 * Open the output, load the datapath, load the rules, and install cfg's policy, so
 * the first packet is already judged by it. 0 or -errno (logged).
 */
int engine_init(struct engine *e, const struct engine_settings *s, const struct ew_config *cfg,
		const char *iface, uint64_t flow_id_salt);
/*
 * Install a new configuration's payload rules and policy (SIGHUP, `edgewatch reload`):
 * the rules are loaded beside the running ones and swapped in between two samples
 * (payload/README.md). On error, logged and in why (file, line and reason, one a line),
 * the running rules and policy stay. 0 or -errno.
 */
int engine_reload(struct engine *e, const struct ew_config *cfg, char *why, size_t why_len);
/* Hand what the datapath sent (events, samples) to the policy and the pipeline: the
 * records read (0 when none, or when interrupted), or -errno. */
int engine_poll(struct engine *e, int timeout_ms);
/* The same without waiting and without a syscall (replay, after every frame; the run
 * loop, for samples submitted without a wake-up): the records read, or -errno. */
int engine_consume(struct engine *e);
/* The fd to wait on for engine_poll (epoll fd of the ring buffers). */
int engine_poll_fd(const struct engine *e);
/*
 * Live runs: start the thread that writes the clock into the datapath every
 * millisecond while packets flow (idle_clock.h; datapath.bpf.c reads it instead of
 * calling a clock helper). 0 or -errno.
 */
int engine_start_clock(struct engine *e);
/*
 * Sweep if the sweep interval has passed at now (kernel clock); in replay, only if a
 * flow can have ended (struct sweep_schedule, fed by replay.c).
 */
int engine_maybe_sweep(struct engine *e, uint64_t now_ns);
/* Export every flow, reason shutdown (programs must be detached, or replay done). */
int engine_flush(struct engine *e, uint64_t now_ns);
/*
 * The stats snapshot at now_ns: every counter, the flows exported by reason, the
 * conservation sum (final = after engine_flush, when the sum must balance), the policy
 * and the payload pipeline. 0 or -errno (the counters could not be read).
 */
int engine_take_stats(struct engine *e, uint64_t now_ns, int final, struct stats_snapshot *s);
/*
 * Take a stats snapshot and emit it (the stats event); flush the output. Returns 1
 * when final and the sum does not balance (logged), else 0 or -errno: a failed write
 * of the final stats event is logged with the snapshot's account on stderr, so the
 * record of what was lost is never lost with it.
 */
int engine_write_stats(struct engine *e, uint64_t now_ns, int final);
/*
 * Live runs: add the status sink (output/status_sink.c), which keeps the latest
 * snapshot for `edgewatch status`, and refresh it once a second from the run loop
 * (stats events go to the other sinks once a minute). 0 or -errno.
 */
int engine_add_status_sink(struct engine *e);
void engine_refresh_status(struct engine *e, uint64_t now_ns);
/* Anything lost on the way out (EVE lines, flow records, alerts)? Counted, never silent. */
int engine_output_lost(struct engine *e);
/* Counters from the kernel plus those userspace counted. 0 or -errno. */
int engine_read_counters(struct engine *e, struct ew_counters *out);
void engine_destroy(struct engine *e);


#endif /* EDGEWATCH_ENGINE_H */
