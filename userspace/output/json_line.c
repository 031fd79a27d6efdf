// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/json_line.h"

static void put(struct json_line *jl, const char *s, size_t n)
{
	if (jl->overflow || jl->len + n >= jl->cap) {
		jl->overflow = 1;
		return;
	}
	memcpy(jl->buf + jl->len, s, n);
	jl->len += n;
}

static void put_char(struct json_line *jl, char c)
{
	put(jl, &c, 1);
}

/* A JSON string: quotes, backslash and control characters escaped as json-c escapes
 * them; other bytes as they are (the strings written here are ASCII, or UTF-8 the
 * caller vouches for). */
static void put_string(struct json_line *jl, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	put_char(jl, '"');
	for (; *s; s++) {
		unsigned char c = *s;
		char esc[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(jl, run, s - run);
		run = s + 1;
		switch (c) {
		case '"':
			put(jl, "\\\"", 2);
			break;
		case '\\':
			put(jl, "\\\\", 2);
			break;
		case '\n':
			put(jl, "\\n", 2);
			break;
		case '\r':
			put(jl, "\\r", 2);
			break;
		case '\t':
			put(jl, "\\t", 2);
			break;
		case '\b':
			put(jl, "\\b", 2);
			break;
		case '\f':
			put(jl, "\\f", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			put(jl, esc, 6);
			break;
		}
	}
	put(jl, run, s - run);
	put_char(jl, '"');
}

/* The separator and the key of a new member. */
static void member(struct json_line *jl, const char *key)
{
	if (!jl->first[jl->depth])
		put_char(jl, ',');
	jl->first[jl->depth] = 0;
	if (key) {
		put_string(jl, key);
		put_char(jl, ':');
	}
}

void json_line_init(struct json_line *jl, char *buf, size_t cap)
{
	jl->buf = buf;
	jl->cap = cap;
	json_line_begin(jl);
}

void json_line_begin(struct json_line *jl)
{
	jl->len = 0;
	jl->depth = 0;
	jl->overflow = 0;
	jl->first[0] = 1;
	put_char(jl, '{');
}

void json_line_str(struct json_line *jl, const char *key, const char *value)
{
	member(jl, key);
	put_string(jl, value);
}

size_t decimal_u64(uint64_t value, char out[DECIMAL_U64_MAX])
{
	char reversed[DECIMAL_U64_MAX];
	size_t n = 0, i;

	do {
		reversed[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	for (i = 0; i < n; i++)
		out[i] = reversed[n - 1 - i];
	return n;
}

void json_line_u64(struct json_line *jl, const char *key, uint64_t value)
{
	char digits[DECIMAL_U64_MAX];

	member(jl, key);
	put(jl, digits, decimal_u64(value, digits));
}

void json_line_real(struct json_line *jl, const char *key, double value)
{
	char text[48];
	int n;

	member(jl, key);
	/* %.3f of a finite double below 1e40 fits; larger (never an evidence value) as %g */
	if (!isfinite(value)) {
		put(jl, "null", 4);
		return;
	}
	if (fabs(value) < 1e15)
		n = snprintf(text, sizeof(text), "%.3f", value);
	else
		n = snprintf(text, sizeof(text), "%.6g", value);
	if (n <= 0 || (size_t)n >= sizeof(text)) {
		put(jl, "null", 4);
		return;
	}
	if (memchr(text, '.', (size_t)n) && !memchr(text, 'e', (size_t)n)) {
		while (text[n - 1] == '0')
			n--;
		if (text[n - 1] == '.')
			n--;
	}
	if (n == 2 && text[0] == '-' && text[1] == '0')	/* -0.0001 rounds to "-0" */
		put(jl, "0", 1);
	else
		put(jl, text, (size_t)n);
}

void json_line_bool(struct json_line *jl, const char *key, int value)
{
	member(jl, key);
	if (value)
		put(jl, "true", 4);
	else
		put(jl, "false", 5);
}

static void open_nested(struct json_line *jl, const char *key, char bracket)
{
	member(jl, key);
	put_char(jl, bracket);
	if (jl->depth + 1 >= JSON_LINE_DEPTH) {
		jl->overflow = 1;
		return;
	}
	jl->depth++;
	jl->first[jl->depth] = 1;
	jl->closer[jl->depth] = bracket == '[' ? ']' : '}';
}

void json_line_object(struct json_line *jl, const char *key)
{
	open_nested(jl, key, '{');
}

void json_line_array(struct json_line *jl, const char *key)
{
	open_nested(jl, key, '[');
}

void json_line_end(struct json_line *jl)
{
	if (jl->depth == 0) {
		jl->overflow = 1;
		return;
	}
	put_char(jl, jl->closer[jl->depth]);
	jl->depth--;
}

int json_line_finish(struct json_line *jl)
{
	if (jl->depth != 0)
		jl->overflow = 1;
	put_char(jl, '}');
	return jl->overflow ? -ENOSPC : 0;
}
