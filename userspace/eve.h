/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * EVE JSON output: one JSON object per line, Suricata's field names, so the parsers
 * SOCs already run (Filebeat, Vector, Splunk) read edgewatch's events unchanged.
 * Serialisation and escaping are json-c's.
 */
#ifndef EDGEWATCH_EVE_H
#define EDGEWATCH_EVE_H

#include <stdint.h>
#include <json-c/json.h>

struct eve_writer;

/* Open path for appending ("-" = stdout). 0 or -errno. */
int eve_open(struct eve_writer **out, const char *path);
/* Flush and close; NULL-safe. */
void eve_close(struct eve_writer *eve);

/*
 * Write one event (a JSON object) as a line and release it. Lines are buffered until
 * eve_flush() (the daemon flushes after every sweep) or a full buffer; a failed write
 * is counted (eve_write_errors) and returned as -errno: events are never dropped
 * silently.
 */
int eve_write(struct eve_writer *eve, struct json_object *event);
/* Write a line already serialised (json_line.h); counted like eve_write(). */
int eve_write_line(struct eve_writer *eve, const char *line, size_t len);

/*
 * A line that stands for packets and bytes (a flow record), tallied under its class
 * (1..EVE_TALLY_CLASSES-1, the caller's choice): a later flush that fails loses the
 * lines in the buffer, and eve_lost_tally() says how many of each class, and their
 * packets and bytes, so the caller can stop counting them as written.
 */
#define EVE_TALLY_CLASSES 16
struct eve_tally {
	uint64_t lines;
	uint64_t packets;
	uint64_t bytes;
};
int eve_write_tallied_line(struct eve_writer *eve, const char *line, size_t len,
			   unsigned int cls, uint64_t packets, uint64_t bytes);
/* What was lost of class cls after eve_write_tallied_line() accepted it. */
struct eve_tally eve_lost_tally(struct eve_writer *eve, unsigned int cls);

int eve_flush(struct eve_writer *eve);
/* Lines accepted (written, or waiting in the buffer), and lines lost. */
uint64_t eve_events_written(struct eve_writer *eve);
uint64_t eve_write_errors(struct eve_writer *eve);

/* "2026-11-25T23:17:37.123456+0000" (UTC, microseconds), as Suricata writes it. */
#define EVE_TIMESTAMP_LEN 40
void eve_format_timestamp(uint64_t realtime_ns, char out[EVE_TIMESTAMP_LEN]);

/* A new event object with "timestamp" and "event_type" set. */
struct json_object *eve_event_new(uint64_t realtime_ns, const char *event_type);

/* Helpers that keep call sites short; json-c owns the added values. */
void eve_add_str(struct json_object *obj, const char *key, const char *value);
void eve_add_u64(struct json_object *obj, const char *key, uint64_t value);
void eve_add_bool(struct json_object *obj, const char *key, int value);
struct json_object *eve_add_object(struct json_object *obj, const char *key);
struct json_object *eve_add_array(struct json_object *obj, const char *key);

#endif /* EDGEWATCH_EVE_H */
