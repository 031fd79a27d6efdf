/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output wing: producers hand typed events (event.h, stats.h) to one struct
 * output, which fans each out to the configured sinks. A sink is a file in
 * userspace/output/ implementing struct output_sink_ops; a new sink needs nothing from
 * the producers. The EVE file is the reference sink: the flow accounting (what was
 * exported, what was lost in writing) follows what it wrote.
 *
 * Flow and stats events come from the main thread; alerts also from the scanner
 * threads, so a sink's alert function must be thread-safe.
 *
 * Each event's EVE line is formatted once, by the fan-out, and lent to every sink that
 * reads it (the EVE file, the syslog MSG, the Kafka value, the status file): one
 * definition of the line (eve_format.c), the same bytes everywhere, and the cost of one
 * format however many sinks carry it (BENCHMARKS.md, output wing).
 */
#ifndef EDGEWATCH_OUTPUT_OUTPUT_H
#define EDGEWATCH_OUTPUT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/event.h"
#include "output/eve_writer.h"
#include "output/stats.h"

struct output_sink;

/*
 * An event's EVE line as the fan-out formatted it, lent for the duration of the call
 * (per call, so alerts from several threads never share one): a sink that keeps the
 * bytes (a queue) copies them. When the line could not be formatted, err says why and
 * each sink counts that event as its own loss (the EVE sink as a write error).
 */
struct output_line {
	const char *buf;	/* no newline; NULL when err */
	size_t len;
	int err;		/* 0, -ENOSPC (longer than its bound) or -ENOMEM */
};

/* The bit of struct output_sink's line_types for events of type. */
#define OUTPUT_LINE(type) (1u << (type))

struct output_sink_ops {
	const char *name;			/* "eve", "syslog", ... */
	/*
	 * 0 or -errno; an event a sink cannot take is its loss, counted, never a stall.
	 * line: the event's EVE line when the sink's line_types has the event's type,
	 * else NULL.
	 */
	int (*flow)(struct output_sink *s, const struct flow_event *ev,
		    const struct output_line *line);
	int (*alert)(struct output_sink *s, const struct alert_event *ev,
		     const struct output_line *line);
	int (*stats)(struct output_sink *s, const struct stats_snapshot *snap,
		     const struct output_line *line);
	/* NULL: the sink leaves inventory events out (EVE, syslog and Kafka take them) */
	int (*inventory)(struct output_sink *s, const struct inventory_event *ev,
			 const struct output_line *line);
	int (*flush)(struct output_sink *s);	/* after every sweep, and at the end */
	int (*reopen)(struct output_sink *s);	/* SIGHUP: files renamed by logrotate */
	void (*close)(struct output_sink *s);	/* flush and free */
	/* Sinks with a queue of their own (syslog), or work in flight (EVE's gzip); NULL
	 * for the others. Before the final stats: deliver what is queued for a bounded
	 * time, count what is left as lost. */
	void (*drain)(struct output_sink *s);
	/*
	 * A seal record's EVE line (outputs.eve.seal), as the EVE file got it, for the sinks
	 * that carry it off the box (syslog, Kafka); NULL for the others. Called under the
	 * EVE writer's lock, from whichever thread wrote the seal: only enqueue.
	 */
	int (*seal)(struct output_sink *s, const char *line, size_t len, uint64_t ts_ns);
	/* where every message went (the stats event's stats.outputs.NAME) */
	void (*account)(struct output_sink *s, struct stats_sink_queue *out);
	/* it only counts (replay's summary): no events leave the box through it, so it is
	 * left out of the sinks' accounts */
	int not_a_destination;
};

struct output_sink {
	const struct output_sink_ops *ops;
	/* OUTPUT_LINE(type) of every event type whose EVE line the sink reads; set at
	 * open, fixed after output_add_sink() */
	unsigned int line_types;
	struct output_sink_totals totals;
};

#define OUTPUT_SINKS_MAX 8

struct output {
	struct output_sink *sinks[OUTPUT_SINKS_MAX];
	int sink_count;
	unsigned int line_types;	/* every sink's, or'ed: which events get a line */
	const char *iface;		/* in_iface of the EVE lines (NULL: none) */
	struct eve_writer *eve;		/* the reference sink's writer */
	/* outputs.pcap: the alerts' packets, written before their lines (NULL: off) */
	struct pcap_evidence *evidence;
};

/*
 * An output with the EVE sink writing to path ("-" = stdout); iface names in_iface in
 * every sink's EVE line (NULL: none; kept, not copied: it outlives out). 0 or -errno
 * (the path could not be opened).
 */
int output_open(struct output *out, const char *eve_path, const char *iface);
/* The same, the EVE file rotated as rot says (NULL: never; eve_writer.h). */
int output_open_rotating(struct output *out, const char *eve_path,
			 const struct eve_rotation *rot, const char *iface);
/* Add a sink (the output closes it). 0, or -ENOSPC past OUTPUT_SINKS_MAX. */
int output_add_sink(struct output *out, struct output_sink *sink);
/* "flow", "alert", "stats", "inventory". */
const char *output_event_type_name(enum output_event_type type);
/* Every sink's name and totals so far, in the order they were added (the EVE sink first). */
void output_sinks_stats(struct output *out, struct stats_sinks *sinks);
/* Flush and close every sink (and the evidence); NULL-safe, idempotent. */
void output_close(struct output *out);

/*
 * Packet evidence (outputs.pcap, pcap_evidence.h): output_alert() writes each alert's
 * packet (ev->packet) there first and names it in the alert's line. The output owns pe.
 */
struct pcap_evidence;
void output_set_evidence(struct output *out, struct pcap_evidence *pe);
/* A later sampled packet of a flow: into the evidence if the flow has an alert there.
 * 1 written, 0 not (no evidence, or no alert on the flow), -errno (counted). */
int output_sample_evidence(struct output *out, uint64_t flow_id, const struct alert_packet *pkt);
/* The evidence's account (all 0 when off). */
void output_pcap_stats(struct output *out, struct stats_pcap *pcap);

/*
 * Hand an event to every sink, its EVE line formatted first (once) if a sink reads it.
 * The result is the EVE sink's (0 or -errno), the one the flow accounting follows; the
 * other sinks count their own losses.
 */
int output_flow(struct output *out, const struct flow_event *ev);
int output_alert(struct output *out, const struct alert_event *ev);
int output_stats(struct output *out, const struct stats_snapshot *snap);
/* From the main thread only (the inventory is fed by the ring buffer's consumer). */
int output_inventory(struct output *out, const struct inventory_event *ev);
/* An inventory event's EVE line into buf (cap bytes, no newline), without a sink: the
 * running table for `edgewatch inventory -i`. Its length, or -ENOSPC/-errno. */
int output_inventory_line(const struct inventory_event *ev, const char *iface, char *buf,
			  size_t cap);
/* A snapshot to one of out's sinks alone, not counted in its totals (the status sink's
 * refresh between stats events); that sink's result. */
int output_stats_to(struct output *out, struct output_sink *sink,
		    const struct stats_snapshot *snap);
/* Flush every sink; the EVE sink's result. */
int output_flush(struct output *out);
/* Hand the EVE file to uid:gid (eve_chown). 0 or -errno. */
int output_chown_eve(struct output *out, uid_t uid, gid_t gid);
/* Reopen every sink's files; the first error. */
int output_reopen(struct output *out);

/* Drain the sinks that queue (before the final stats event); bounded in time. */
void output_drain(struct output *out);
/* The accounts of the sinks that queue, into snap->queued_sinks. */
void output_queued_sinks(struct output *out, struct stats_snapshot *snap);

/* The EVE file's account: lines written or waiting, and lines lost. */
uint64_t output_eve_written(struct output *out);
uint64_t output_eve_errors(struct output *out);
/* The EVE file's whole account (the lines, and rotation if configured). */
void output_eve_stats(struct output *out, struct stats_output *eve);
/* Flow records of reason accepted and then lost by a failed flush (with their packets). */
struct eve_tally output_flows_lost(struct output *out, enum ew_flow_end reason);

/* The EVE writer's tally class of flow records that ended for reason. */
static inline unsigned int eve_flow_tally_class(enum ew_flow_end reason)
{
	_Static_assert(EW_END_MAX < EVE_TALLY_CLASSES, "a tally class per end reason");
	return 1 + reason;
}

/* The EVE sink (eve_sink.c): writes every event's line with eve_writer.c. */
int eve_sink_open(struct output_sink **out, struct eve_writer **writer, const char *path,
		  const struct eve_rotation *rot);

/*
 * The status sink (status_sink.c): the latest stats snapshot as the EVE stats line, in
 * status_snapshot_path(iface), for `edgewatch status`. Live runs only.
 */
int status_sink_open(struct output_sink **out, const char *iface);
int status_snapshot_path(const char *iface, char *buf, size_t len);

/*
 * The syslog sink (syslog_sink.c): RFC 5424 around the event's EVE line over UDP, TCP or
 * TLS to cfg's collector, through a bounded queue and a sender thread of its own. 0 or
 * -errno (logged: the CA file could not be loaded, ...).
 */
struct ew_syslog_output;
int syslog_sink_open(struct output_sink **out, const struct ew_syslog_output *cfg);

/*
 * The Kafka sink (kafka_sink.c): every event's EVE line to PREFIX.TYPE through
 * librdkafka's bounded queue and a poll thread of its own; iface goes into the stats
 * events' key (HOST/IFACE). 0 or -errno (logged: the producer could not be created, ...).
 */
struct ew_kafka_output;
int kafka_sink_open(struct output_sink **out, const struct ew_kafka_output *cfg,
		    const char *iface);

/*
 * The summary sink (summary_sink.c): counts flow records and alerts by signature for
 * replay's closing summary; summary_sink_print writes it, each line after prefix.
 */
int summary_sink_open(struct output_sink **out);
void summary_sink_print(struct output_sink *s, FILE *out, const char *prefix);

struct ew_endpoint;

/*
 * The IPFIX sink (ipfix_sink.c): flow events as RFC 7011 biflow records to cfg's
 * collector over UDP or TCP, through a bounded queue and a sender thread of its own.
 * 0 or -errno.
 */
struct ew_ipfix_output;
int ipfix_sink_open(struct output_sink **out, const struct ew_ipfix_output *cfg);

/*
 * The Prometheus sink (prometheus_sink.c): /metrics on ep, each stats event rendered by
 * prom_format.c. 0, or -errno (the address could not be bound: -EADDRINUSE, ...).
 */
int prometheus_sink_open(struct output_sink **out, const struct ew_endpoint *ep);

#endif /* EDGEWATCH_OUTPUT_OUTPUT_H */
