// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Request-target normalisation: what a web server will make of the URI, so that
 * "/cgi-bin/%2e%2e/%2e%2e//bin/sh" and "/bin/sh" look the same to a rule on http.uri.
 */
#include <string.h>

#include "rules/http.h"

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode in into out (in place allowed: out never runs ahead of in). */
static size_t percent_decode(const uint8_t *in, size_t len, uint8_t *out, int plus_is_space)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (in[i] == '%' && i + 2 < len && hex_value(in[i + 1]) >= 0 &&
		    hex_value(in[i + 2]) >= 0) {
			out[n++] = (uint8_t)(hex_value(in[i + 1]) << 4 | hex_value(in[i + 2]));
			i += 3;
		} else if (in[i] == '+' && plus_is_space) {
			out[n++] = ' ';
			i++;
		} else {
			out[n++] = in[i++];
		}
	}
	return n;
}

/*
 * Resolve the dot segments and empty segments of an absolute path in place (RFC 3986
 * section 5.2.4, plus "//" collapsed as servers do). A path ending in "/", "/." or "/.."
 * names a directory and keeps its trailing slash.
 */
static size_t resolve_path(uint8_t *path, size_t len)
{
	size_t in = 0, out = 0;
	int directory = 0;

	/* path[0] is '/': out always ends in '/' between segments */
	while (in < len) {
		size_t start, seg_len;

		while (in < len && path[in] == '/')
			in++;
		start = in;
		while (in < len && path[in] != '/')
			in++;
		seg_len = in - start;
		directory = in < len || seg_len == 0;
		if (seg_len == 0)
			continue;
		if (seg_len == 1 && path[start] == '.') {
			directory = 1;
			continue;
		}
		if (seg_len == 2 && path[start] == '.' && path[start + 1] == '.') {
			/* drop the last output segment: back to the '/' before it */
			while (out > 0 && path[out - 1] != '/')
				out--;
			if (out > 0)
				out--;
			directory = 1;
			continue;
		}
		path[out++] = '/';
		memmove(path + out, path + start, seg_len);
		out += seg_len;
	}
	if (out == 0 || directory)
		path[out++] = '/';
	return out;
}

size_t http_uri_normalise(const uint8_t *raw, size_t len, uint8_t *out)
{
	const uint8_t *query, *scheme_end;
	size_t path_len, n;

	/* absolute-form: "scheme://authority/path?query" keeps "/path?query" */
	scheme_end = memmem(raw, len, "://", 3);
	if (scheme_end && (size_t)(scheme_end - raw) < len && raw[0] != '/') {
		const uint8_t *authority = scheme_end + 3;
		const uint8_t *path = memchr(authority, '/', len - (size_t)(authority - raw));
		const uint8_t *q = memchr(authority, '?', len - (size_t)(authority - raw));

		if (!path || (q && q < path)) {
			/* no path: the origin "/" (and the query, if any) */
			out[0] = '/';
			n = 1;
			if (q)
				n += percent_decode(q, len - (size_t)(q - raw), out + 1, 1);
			return n;
		}
		len -= (size_t)(path - raw);
		raw = path;
	}

	query = memchr(raw, '?', len);
	path_len = query ? (size_t)(query - raw) : len;
	n = percent_decode(raw, path_len, out, 0);
	if (n > 0 && out[0] == '/')
		n = resolve_path(out, n);
	if (query) {
		out[n++] = '?';
		n += percent_decode(query + 1, len - path_len - 1, out + n, 1);
	}
	return n;
}
