// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The EVE sink: each event formatted by eve_format.c into a line, written by the EVE
 * writer. Flow records are tallied by end reason (a later failed flush says how many
 * of each it lost, with their packets: the conservation sum needs them).
 */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "output/eve_format.h"
#include "output/output.h"

struct eve_sink {
	struct output_sink base;
	struct eve_writer *writer;
	const char *iface;		/* in_iface (NULL: none) */
	char flow_line[JSON_LINE_MAX];	/* flow events: the main thread only */
	struct json_line flow_jl;
};

static struct eve_sink *eve_sink_of(struct output_sink *s)
{
	return (struct eve_sink *)s;
}

static int eve_sink_flow(struct output_sink *s, const struct flow_event *ev)
{
	struct eve_sink *es = eve_sink_of(s);
	int err = eve_format_flow(&es->flow_jl, ev, es->iface);

	if (err) {
		eve_count_error(es->writer);
		return err;
	}
	return eve_write_tallied_line(es->writer, es->flow_jl.buf, es->flow_jl.len,
				      eve_flow_tally_class(ev->reason),
				      ev->packets[0] + ev->packets[1], ev->bytes[0] + ev->bytes[1]);
}

/* A line in a buffer of its own: alerts come from several threads, stats are large. */
static int write_formatted(struct eve_sink *es, size_t cap,
			   int (*format)(struct json_line *, const void *, const char *),
			   const void *ev)
{
	char *buf = malloc(cap);
	struct json_line jl;
	int err;

	if (!buf) {
		eve_count_error(es->writer);
		return -ENOMEM;
	}
	json_line_init(&jl, buf, cap);
	err = format(&jl, ev, es->iface);
	if (err)
		eve_count_error(es->writer);
	else
		err = eve_write_line(es->writer, jl.buf, jl.len);
	free(buf);
	return err;
}

static int format_alert(struct json_line *jl, const void *ev, const char *iface)
{
	return eve_format_alert(jl, ev, iface);
}

static int format_stats(struct json_line *jl, const void *ev, const char *iface)
{
	return eve_format_stats(jl, ev, iface);
}

static int eve_sink_alert(struct output_sink *s, const struct alert_event *ev)
{
	return write_formatted(eve_sink_of(s), eve_alert_line_max(ev), format_alert, ev);
}

static int eve_sink_stats(struct output_sink *s, const struct stats_snapshot *snap)
{
	return write_formatted(eve_sink_of(s), EVE_STATS_LINE_MAX, format_stats, snap);
}

static int eve_sink_flush(struct output_sink *s)
{
	return eve_flush(eve_sink_of(s)->writer);
}

static int eve_sink_reopen(struct output_sink *s)
{
	return eve_reopen(eve_sink_of(s)->writer);
}

/* The end of the run: the final stats count every closed file compressed, or failed. */
static void eve_sink_drain(struct output_sink *s)
{
	eve_wait_compressed(eve_sink_of(s)->writer);
}

static void eve_sink_close(struct output_sink *s)
{
	struct eve_sink *es = eve_sink_of(s);

	eve_close(es->writer);
	free(es);
}

static const struct output_sink_ops eve_sink_ops = {
	.name = "eve",
	.flow = eve_sink_flow,
	.alert = eve_sink_alert,
	.stats = eve_sink_stats,
	.flush = eve_sink_flush,
	.reopen = eve_sink_reopen,
	.close = eve_sink_close,
	.drain = eve_sink_drain,
};

int eve_sink_open(struct output_sink **out, struct eve_writer **writer, const char *path,
		  const struct eve_rotation *rot, const char *iface)
{
	struct eve_sink *es = calloc(1, sizeof(*es));
	int err;

	if (!es)
		return -ENOMEM;
	err = eve_open_rotating(&es->writer, path, rot);
	if (err) {
		free(es);
		return err;
	}
	es->base.ops = &eve_sink_ops;
	es->iface = iface;
	json_line_init(&es->flow_jl, es->flow_line, sizeof(es->flow_line));
	*out = &es->base;
	*writer = es->writer;
	return 0;
}
