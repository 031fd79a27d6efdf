/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow sweeper: flows leave the kernel's flow table only through it, and every flow
 * that leaves is exported. Normally the datapath's own sweeper program (ew_sweep, in the
 * kernel) decides which flows ended and hands them over on a ring buffer; a table no
 * program of ours sweeps (a dead instance's, recover.c) is drained from userspace.
 */
#ifndef EDGEWATCH_FLOW_SWEEP_H
#define EDGEWATCH_FLOW_SWEEP_H

#include <stdint.h>
#include "flow_export.h"

struct sweep_policy {
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;
	uint64_t tcp_closed_timeout_ns;
	uint32_t table_size;	/* max entries of the flow table */
	uint64_t fill_hint;	/* entries the previous sweep left (pressure from the start) */
	uint64_t hot_pkts;	/* report hot flows (struct sweep_args); 0: no */
};

/* When the table is this full, idle flows are exported early (reason "forced") ... */
#define SWEEP_PRESSURE_PERCENT 90
/* ... those idle for this fraction of the idle timeout. */
#define SWEEP_PRESSURE_IDLE_DIVISOR 8
/*
 * A table still this full after that (the high-water mark, the same 90%) has its flood
 * debris (datapath.h: one-packet flows, half-open TCP) exported too, whatever its age,
 * oldest first, down to the low-water mark; and the daemon sweeps this many times more
 * often until a sweep finds the table below the high-water mark again.
 */
#define SWEEP_LOW_WATER_PERCENT 75
#define SWEEP_PRESSURE_SPEEDUP 10

struct sweep_result {
	uint64_t flows_in_table;	/* entries left in the table after this sweep */
	uint64_t exported[EW_END_MAX];	/* flow events written, by reason */
	uint64_t packets_pending;	/* packets in flows left in the table, not yet exported */
	uint64_t delete_races;		/* gone before the sweeper could delete it */
	uint64_t reused_before_refresh;	/* see struct sweep_args */
	uint64_t errors;		/* syscall or export failures */
	uint64_t next_end_ns;		/* earliest a flow left in the table can end (~0: none) */
	int over_high_water;		/* the table was over the high-water mark after the
					 * timeouts: debris went, and the next sweep comes
					 * sooner (flow_sweep_interval) */
	uint64_t debris_exported;	/* flood debris exported (reason forced) */
	uint64_t hot_reported;		/* hot flows put on hot_flows (datapath.h) */
	uint64_t hot_lost;		/* hot flows hot_flows had no room for */
};

/* Is a table with fill entries under pressure (idle flows end early, "forced")? */
int sweep_under_pressure(uint32_t table_size, uint64_t fill);

/*
 * Replay's sweep schedule. A sweep walks every bucket of the table, so it costs the same
 * however few flows it holds (~6 ms for 262,144 slots), so replay sweeps at an interval's tick only
 * when a flow can have ended by then; the ticks themselves stay those of a sweep every
 * interval, so the output is what sweeping at every tick gives. A flow can end at now if
 *   - one the last sweep kept could (its next_end_ns),
 *   - or one a frame since then touched could: a frame at t leaves its flow's last packet
 *     at t or later and a new flow started at t, so its earliest end is t plus the
 *     smaller of the idle and active timeouts, or t plus the tcp-closed timeout when the
 *     frame had FIN or RST (the datapath keeps the earliest such time: closing_ns),
 *   - or hot flows are reported (policy hot_pkts) and one can be hot at now: the last
 *     sweep reported one (it may still be), or a frame since left a UDP or ICMP flow
 *     with hot_pkts packets toward its responder since its last record (the datapath
 *     notes it: replay_hot_seen). Otherwise none is: a flow's count since its record
 *     only grows with its frames, and one not hot at a sweep stays so without frames
 *     (its rate only falls), so a live run would report nothing at this tick,
 *   - or the table may be under pressure (the flows the last sweep kept plus one per
 *     frame since reach the pressure mark): then every tick sweeps, as pressure depends
 *     on the previous sweep's count.
 */
struct sweep_schedule {
	uint64_t next_end_ns;		/* from the last sweep; 0: unknown, sweep */
	uint64_t first_frame_ns;	/* earliest frame since the last sweep, ~0: none */
	uint64_t frames;		/* frames since the last sweep */
	int hot_last;			/* the last sweep reported a hot flow */
	volatile __u64 *closing_ns;	/* the datapath's replay_closing_ns (bss) */
	volatile __u32 *hot_seen;	/* the datapath's replay_hot_seen (bss) */
};

/* Start a schedule: nothing in the table, no frame yet; the datapath's replay notes. */
void sweep_schedule_start(struct sweep_schedule *s, volatile __u64 *closing_ns,
			  volatile __u32 *hot_seen);
/* A frame at ts_ns was run through the datapath. */
void sweep_schedule_frame(struct sweep_schedule *s, uint64_t ts_ns);
/* Can a sweep with policy p at now_ns end a flow (or change what the next one does)? */
int sweep_schedule_due(const struct sweep_schedule *s, const struct sweep_policy *p,
		       uint64_t now_ns);
/*
 * The live daemon's sweep schedule: the same ticks (one each sweep-interval), but a tick
 * sweeps only if
 *   - packets flowed since the sweep before the last one began (traffic: the idle clock
 *     saw them, idle_clock.h); so every tick sweeps while packets flow, as always, and
 *     one more after: a packet that read the clock before the last sweep began may have
 *     written its flow after the walk passed it (no program run lasts a tick),
 *   - or a flow the last sweep kept can have ended (its next_end_ns),
 *   - or the last sweep reported a hot flow or failed (hot_last), or left the table
 *     over its high-water mark (over_high_water: its debris goes next).
 * Without these a sweep would walk the whole table and end nothing (a flow's timeouts
 * only come nearer with time; hot and pressure need packets), so the output is the one
 * a sweep at every tick gives, and an idle daemon does not walk its table every second.
 */
int sweep_schedule_due_live(const struct sweep_schedule *s, uint64_t now_ns, int traffic,
			    int over_high_water);
/* A sweep ran (err: it failed, so what the table holds is not known: sweep next tick). */
void sweep_schedule_swept(struct sweep_schedule *s, const struct sweep_result *r, int err);

struct datapath;
struct ring_buffer;

/* The ended_flows ring buffer callback's context. */
struct bucket_reorder;

struct sweep_run {
	struct flow_exporter *x;
	uint64_t now_ns;
	struct sweep_result *result;
	/* replay with a table sized to the capture (replay_table.h): the sweep's records,
	 * put back in the configured table's walk order before they are exported; or NULL */
	struct bucket_reorder *reorder;
};

/*
 * One sweep by the kernel's sweeper at datapath time run->now_ns: ended flows come back
 * through ended_rb (whose callback is flow_sweep_on_ended with run as its context) and
 * are exported. With shutdown set every flow ends (reason shutdown): only after the
 * programs are detached, or in replay. 0 or -errno.
 */
int flow_table_sweep_bpf(struct datapath *skel, struct ring_buffer *ended_rb,
			 struct sweep_run *run, const struct sweep_policy *policy, int shutdown);
/* When the sweep after one that left result should run: interval_ns, or sooner under a flood. */
uint64_t flow_sweep_interval(const struct sweep_result *result, uint64_t interval_ns);
/*
 * Fill the debris part of a second sweep (EW_SWEEP_F_DEBRIS) that frees `excess` debris
 * flows, oldest first, from the first pass's debris_kept histogram.
 */
void flow_sweep_debris_plan(struct sweep_args *args, uint64_t excess);
/* The ring buffer callback that exports one struct flow_end; ctx is a struct sweep_run. */
int flow_sweep_on_ended(void *ctx, void *data, size_t size);

/*
 * Export and delete every flow of a table no program of ours runs on (a dead instance's),
 * from userspace, with reason: batch by batch, a flow is deleted only once its line is
 * flushed to the output, so a failed write leaves the flows not written in the table.
 * 0 or -errno; result->exported counts the flows written and deleted.
 */
int flow_table_drain(int flows_fd, struct flow_exporter *x, enum ew_flow_end reason,
		     uint64_t now_ns, struct sweep_result *result);

#endif /* EDGEWATCH_FLOW_SWEEP_H */
