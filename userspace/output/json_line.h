/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A JSON object written straight into the caller's buffer: how every EVE event is
 * formatted (output/eve_format.c). json-c builds a tree of allocated objects first and
 * costs 6.5 us per flow event here; this costs a fraction (BENCHMARKS.md). Strings are
 * escaped per RFC 8259, byte for byte as json-c escapes them
 * (tests/unit/test_json_line.c checks the output against json-c's parser).
 *
 *   char buf[JSON_LINE_MAX];
 *   struct json_line jl;
 *   json_line_init(&jl, buf, sizeof(buf));
 *   json_line_str(&jl, "event_type", "flow");
 *   json_line_object(&jl, "flow"); json_line_u64(&jl, "pkts_toserver", 3); json_line_end(&jl);
 *   json_line_finish(&jl);   -> jl.buf, jl.len (no newline), jl.overflow
 */
#ifndef EDGEWATCH_JSON_LINE_H
#define EDGEWATCH_JSON_LINE_H

#include <stddef.h>
#include <stdint.h>

/* Enough for a flow event; alerts and stats size their buffers themselves. */
#define JSON_LINE_MAX 4096
#define JSON_LINE_DEPTH 8

struct json_line {
	char *buf;			/* the caller's */
	size_t cap;
	size_t len;
	int depth;
	char first[JSON_LINE_DEPTH];	/* no member written yet at this depth */
	char closer[JSON_LINE_DEPTH];	/* '}' or ']' */
	int overflow;			/* the line did not fit: nothing valid in buf */
};

/* Write into buf (cap bytes) and begin the object. */
void json_line_init(struct json_line *jl, char *buf, size_t cap);
/* Begin a new object in the same buffer. */
void json_line_begin(struct json_line *jl);
/* Members of the current object (key may be NULL inside an array). */
void json_line_str(struct json_line *jl, const char *key, const char *value);
void json_line_u64(struct json_line *jl, const char *key, uint64_t value);

/* value's decimal digits at out (no terminator); their count. By hand, not snprintf:
 * the syslog header and the Kafka key on every event (BENCHMARKS.md, output wing). */
#define DECIMAL_U64_MAX 20
size_t decimal_u64(uint64_t value, char out[DECIMAL_U64_MAX]);
void json_line_bool(struct json_line *jl, const char *key, int value);
/* A real number, 3 decimals at most, trailing zeros cut ("0.875", "12"); a value
 * that is not finite is written as null (JSON has no NaN). */
void json_line_real(struct json_line *jl, const char *key, double value);
/* Open a nested object or array as a member; json_line_end() closes it. */
void json_line_object(struct json_line *jl, const char *key);
void json_line_array(struct json_line *jl, const char *key);
void json_line_end(struct json_line *jl);
/* Close the outermost object. 0, or -ENOSPC when the line did not fit. */
int json_line_finish(struct json_line *jl);

#endif /* EDGEWATCH_JSON_LINE_H */
