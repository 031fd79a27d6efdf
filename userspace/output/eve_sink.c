// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The EVE sink: each event's line, formatted once by the fan-out (output.c), written by
 * the EVE writer. Flow records are tallied by end reason (a later failed flush says how
 * many of each it lost, with their packets: the conservation sum needs them).
 */
#include <errno.h>
#include <stdlib.h>

#include "output/output.h"

struct eve_sink {
	struct output_sink base;
	struct eve_writer *writer;
};

static struct eve_sink *eve_sink_of(struct output_sink *s)
{
	return (struct eve_sink *)s;
}

static int write_line(struct eve_sink *es, const struct output_line *line)
{
	if (line->err) {
		eve_count_error(es->writer);
		return line->err;
	}
	return eve_write_line(es->writer, line->buf, line->len);
}

static int eve_sink_flow(struct output_sink *s, const struct flow_event *ev,
			 const struct output_line *line)
{
	struct eve_sink *es = eve_sink_of(s);

	if (line->err)
		return write_line(es, line);	/* counted as an error */
	return eve_write_tallied_line(es->writer, line->buf, line->len,
				      eve_flow_tally_class(ev->reason),
				      ev->packets[0] + ev->packets[1], ev->bytes[0] + ev->bytes[1]);
}

static int eve_sink_alert(struct output_sink *s, const struct alert_event *ev,
			  const struct output_line *line)
{
	return write_line(eve_sink_of(s), line);
}

static int eve_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			  const struct output_line *line)
{
	return write_line(eve_sink_of(s), line);
}

static int eve_sink_inventory(struct output_sink *s, const struct inventory_event *ev,
			      const struct output_line *line)
{
	return write_line(eve_sink_of(s), line);
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
	.inventory = eve_sink_inventory,
	.flush = eve_sink_flush,
	.reopen = eve_sink_reopen,
	.close = eve_sink_close,
	.drain = eve_sink_drain,
};

int eve_sink_open(struct output_sink **out, struct eve_writer **writer, const char *path,
		  const struct eve_rotation *rot)
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
	es->base.line_types = OUTPUT_LINE(OUTPUT_FLOW) | OUTPUT_LINE(OUTPUT_ALERT) |
			      OUTPUT_LINE(OUTPUT_STATS) | OUTPUT_LINE(OUTPUT_INVENTORY);
	*out = &es->base;
	*writer = es->writer;
	return 0;
}
