// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP request parser for payload samples. Lenient where servers are lenient (bare LF line
 * ends, folded headers, any header order) and strict about what makes a payload an HTTP
 * request at all (an upper-case method, a request-target that looks like one, "HTTP/x.y"),
 * so that SMTP or SSH banners are not taken for requests. A sample cut anywhere still
 * yields everything up to the cut.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/http.h"

#define HTTP_METHOD_MAX 20

/* Where the parts of one header the parser cares about are, inside the headers blob. */
enum header_kind {
	HEADER_OTHER = 0,
	HEADER_HOST,
	HEADER_USER_AGENT,
	HEADER_CONTENT_LENGTH,
	HEADER_TRANSFER_ENCODING,
	HEADER_KIND_COUNT,
};

struct header_spans {
	size_t value_start[HEADER_KIND_COUNT];	/* offset of the value in the blob */
	size_t value_len[HEADER_KIND_COUNT];
	uint8_t seen[HEADER_KIND_COUNT];
};

/* The headers blob being written: "Name: value\r\n" per header. */
struct blob_writer {
	uint8_t *buf;
	size_t len;
	int crlf_pending;	/* the previous line was complete: its "\r\n" comes when the
				 * next line is not a continuation of it */
	enum header_kind current;
};

void http_request_init(struct http_request *req)
{
	memset(req, 0, sizeof(*req));
}

void http_request_release(struct http_request *req)
{
	free(req->storage);
	memset(req, 0, sizeof(*req));
}

static void clear_parts(struct http_request *req)
{
	uint8_t *storage = req->storage;
	size_t storage_size = req->storage_size;

	memset(req, 0, sizeof(*req));
	req->storage = storage;
	req->storage_size = storage_size;
}

static int reserve_storage(struct http_request *req, size_t size)
{
	uint8_t *grown;

	if (req->storage_size >= size)
		return 0;
	grown = realloc(req->storage, size);
	if (!grown)
		return -ENOMEM;
	req->storage = grown;
	req->storage_size = size;
	return 0;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static struct http_slice trim(const uint8_t *data, size_t len)
{
	while (len > 0 && is_space(data[0])) {
		data++;
		len--;
	}
	while (len > 0 && (is_space(data[len - 1]) || data[len - 1] == '\r'))
		len--;
	return (struct http_slice){ .data = data, .len = len };
}

/* Whether what the sample holds of the protocol can be "HTTP/d.d" (or "HTTP/d"). */
static int protocol_plausible(const uint8_t *proto, size_t len, int complete)
{
	static const char shape[] = "HTTP/9.9";	/* '9': any digit */
	size_t i;

	if (len > sizeof(shape) - 1)
		return 0;
	for (i = 0; i < len; i++) {
		if (shape[i] == '9' ? (proto[i] < '0' || proto[i] > '9') : proto[i] != shape[i])
			return 0;
	}
	return !complete || len == 6 || len == 8;
}

/* Whether a request-target (possibly cut) looks like one: origin, asterisk, absolute. */
static int target_plausible(const uint8_t *target, size_t len, struct http_slice method)
{
	size_t i = 0;

	if (target[0] == '/' || target[0] == '*')
		return 1;
	if (method.len == 7 && memcmp(method.data, "CONNECT", 7) == 0)
		return 1;
	while (i < len && ((target[i] >= 'a' && target[i] <= 'z') ||
			   (target[i] >= 'A' && target[i] <= 'Z') ||
			   (i > 0 && ((target[i] >= '0' && target[i] <= '9') || target[i] == '+' ||
				      target[i] == '-' || target[i] == '.'))))
		i++;
	return i > 0 && i + 3 <= len && memcmp(target + i, "://", 3) == 0;
}

/*
 * The request line. Returns the offset just past it, or -EINVAL. *cut is set when the
 * sample ends inside it.
 */
static long parse_request_line(struct http_request *req, const uint8_t *p, size_t len, int *cut)
{
	size_t i = 0, start;
	const uint8_t *eol;

	while (i < len && i <= HTTP_METHOD_MAX &&
	       ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
		i++;
	if (i == 0 || i > HTTP_METHOD_MAX || i == len || p[i] != ' ')
		return -EINVAL;
	req->method = (struct http_slice){ .data = p, .len = i };
	while (i < len && p[i] == ' ')
		i++;

	start = i;
	while (i < len && p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
		i++;
	if (i == start || !target_plausible(p + start, i - start, req->method))
		return -EINVAL;
	req->uri_raw = (struct http_slice){ .data = p + start, .len = i - start };
	if (i == len) {
		*cut = 1;
		return (long)i;
	}
	if (p[i] != ' ')
		return -EINVAL;	/* HTTP/0.9 "GET /" lines are not worth the false positives */
	while (i < len && p[i] == ' ')
		i++;

	start = i;
	eol = memchr(p + i, '\n', len - i);
	if (!eol) {
		struct http_slice proto = trim(p + start, len - start);

		if (!protocol_plausible(proto.data, proto.len, 0))
			return -EINVAL;
		if (proto.len > 0)
			req->protocol = proto;
		*cut = 1;
		return (long)len;
	}
	req->protocol = trim(p + start, (size_t)(eol - (p + start)));
	if (!protocol_plausible(req->protocol.data, req->protocol.len, 1))
		return -EINVAL;
	return (long)(eol - p) + 1;
}

static enum header_kind header_kind_of(const uint8_t *name, size_t len)
{
	static const struct {
		const char *name;
		enum header_kind kind;
	} known[] = {
		{ "host", HEADER_HOST },
		{ "user-agent", HEADER_USER_AGENT },
		{ "content-length", HEADER_CONTENT_LENGTH },
		{ "transfer-encoding", HEADER_TRANSFER_ENCODING },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strlen(known[i].name) == len && strncasecmp(known[i].name, (const char *)name,
								 len) == 0)
			return known[i].kind;
	}
	return HEADER_OTHER;
}

static void blob_append(struct blob_writer *w, const void *bytes, size_t len)
{
	memcpy(w->buf + w->len, bytes, len);
	w->len += len;
}

static void blob_flush_crlf(struct blob_writer *w)
{
	if (w->crlf_pending)
		blob_append(w, "\r\n", 2);
	w->crlf_pending = 0;
}

/* One header line (without its line end); complete: the line end was in the sample. */
static void add_header_line(struct blob_writer *w, struct header_spans *spans,
			    const uint8_t *line, size_t len, int complete)
{
	const uint8_t *colon;
	struct http_slice name, value;

	if (len > 0 && is_space(line[0]) && w->len > 0) {
		/* obsolete line folding: the value goes on after a single space */
		value = trim(line, len);
		w->crlf_pending = 0;
		if (value.len > 0) {
			blob_append(w, " ", 1);
			blob_append(w, value.data, value.len);
			if (w->current != HEADER_OTHER && spans->value_start[w->current] +
				spans->value_len[w->current] + value.len + 1 == w->len)
				spans->value_len[w->current] += value.len + 1;
		}
		w->crlf_pending = complete;
		return;
	}
	blob_flush_crlf(w);
	colon = memchr(line, ':', len);
	if (!colon) {
		/* malformed (or cut before its colon): kept as it is, rules may look for it */
		name = trim(line, len);
		blob_append(w, name.data, name.len);
		w->current = HEADER_OTHER;
		w->crlf_pending = complete;
		return;
	}
	name = trim(line, (size_t)(colon - line));
	value = trim(colon + 1, len - (size_t)(colon + 1 - line));
	blob_append(w, name.data, name.len);
	blob_append(w, ": ", 2);
	w->current = header_kind_of(name.data, name.len);
	if (w->current != HEADER_OTHER && !spans->seen[w->current]) {
		spans->seen[w->current] = 1;
		spans->value_start[w->current] = w->len;
		spans->value_len[w->current] = value.len;
	} else {
		w->current = HEADER_OTHER;	/* only the first of repeated headers counts */
	}
	blob_append(w, value.data, value.len);
	w->crlf_pending = complete;
}

/* Lower-cased host without port or trailing dot, into out; returns the length. */
static size_t normalise_host(struct http_slice authority, uint8_t *out)
{
	const uint8_t *at = memchr(authority.data, '@', authority.len);
	size_t i, n = 0, len = authority.len;
	const uint8_t *h = authority.data;

	if (at) {	/* userinfo in an absolute URI */
		len -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	for (i = 0; i < len; i++) {
		if (h[0] == '[') {
			if (h[i] == ']') {
				out[n++] = ']';
				break;
			}
		} else if (h[i] == ':' || h[i] == '/' || h[i] == '?') {
			break;
		}
		out[n++] = (h[i] >= 'A' && h[i] <= 'Z') ? (uint8_t)(h[i] + 32) : h[i];
	}
	while (n > 0 && out[n - 1] == '.')
		n--;
	return n;
}

/* The authority of an absolute-form request-target, or an empty slice. */
static struct http_slice uri_authority(struct http_slice uri)
{
	const uint8_t *sep = memmem(uri.data, uri.len, "://", 3);
	const uint8_t *start, *end;

	if (!sep || uri.data[0] == '/')
		return (struct http_slice){ 0 };
	start = sep + 3;
	end = start;
	while (end < uri.data + uri.len && *end != '/' && *end != '?')
		end++;
	return (struct http_slice){ .data = start, .len = (size_t)(end - start) };
}

/* De-chunk a chunked body as far as the sample goes; returns the bytes written. */
static size_t dechunk(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		size_t size = 0, digits = 0, take;
		const uint8_t *eol;

		while (pos < len && digits < 16) {
			uint8_t c = in[pos];
			int v = (c >= '0' && c <= '9') ? c - '0' :
				(c >= 'a' && c <= 'f') ? c - 'a' + 10 :
				(c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;

			if (v < 0)
				break;
			size = size * 16 + (size_t)v;
			digits++;
			pos++;
		}
		eol = memchr(in + pos, '\n', len - pos);
		if (digits == 0 || !eol || size == 0)
			break;
		pos = (size_t)(eol - in) + 1;
		take = size < len - pos ? size : len - pos;
		memcpy(out + n, in + pos, take);
		n += take;
		pos += take;
		if (pos < len && in[pos] == '\r')
			pos++;
		if (pos < len && in[pos] == '\n')
			pos++;
	}
	return n;
}

static int value_contains_chunked(const uint8_t *value, size_t len)
{
	size_t i;

	for (i = 0; i + 7 <= len; i++) {
		if (strncasecmp((const char *)value + i, "chunked", 7) == 0)
			return 1;
	}
	return 0;
}

/* Content-Length as a number; -1 when absent or not a plain decimal. */
static long long content_length_of(const uint8_t *value, size_t len)
{
	long long n = 0;
	size_t i;

	if (len == 0 || len > 15)
		return -1;
	for (i = 0; i < len; i++) {
		if (value[i] < '0' || value[i] > '9')
			return -1;
		n = n * 10 + (value[i] - '0');
	}
	return n;
}

static void parse_body(struct http_request *req, const struct header_spans *spans,
		       const uint8_t *blob, const uint8_t *body, size_t len, uint8_t *body_out)
{
	long long content_length = -1;

	if (spans->seen[HEADER_CONTENT_LENGTH])
		content_length = content_length_of(blob + spans->value_start[HEADER_CONTENT_LENGTH],
						   spans->value_len[HEADER_CONTENT_LENGTH]);
	if (spans->seen[HEADER_TRANSFER_ENCODING] &&
	    value_contains_chunked(blob + spans->value_start[HEADER_TRANSFER_ENCODING],
				   spans->value_len[HEADER_TRANSFER_ENCODING])) {
		req->body = (struct http_slice){ .data = body_out,
						 .len = dechunk(body, len, body_out) };
		return;
	}
	if (content_length >= 0 && (unsigned long long)content_length < len)
		len = (size_t)content_length;
	req->body = (struct http_slice){ .data = body, .len = len };
}

int http_request_parse(struct http_request *req, const uint8_t *payload, size_t len)
{
	struct blob_writer blob = { 0 };
	struct header_spans spans = { 0 };
	uint8_t *uri_out, *host_out, *body_out;
	size_t pos;
	long line_end;
	int cut = 0, err;

	clear_parts(req);
	if (len == 0 || !payload)
		return -EINVAL;
	/* normalised URI <= len + 1, host <= len, blob <= 3 * len ("a:b\n" grows by 3) */
	err = reserve_storage(req, 6 * len + 16);
	if (err)
		return err;
	uri_out = req->storage;
	host_out = uri_out + len + 1;
	blob.buf = host_out + len + 1;
	body_out = blob.buf + 3 * len + 8;

	line_end = parse_request_line(req, payload, len, &cut);
	if (line_end < 0) {
		clear_parts(req);
		return -EINVAL;
	}
	req->uri = (struct http_slice){ .data = uri_out,
					.len = http_uri_normalise(req->uri_raw.data,
								  req->uri_raw.len, uri_out) };
	pos = (size_t)line_end;
	while (!cut && pos < len) {
		const uint8_t *line = payload + pos;
		const uint8_t *eol = memchr(line, '\n', len - pos);
		size_t line_len = eol ? (size_t)(eol - line) : len - pos;

		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0 && eol) {
			req->headers_complete = 1;
			pos = (size_t)(eol - payload) + 1;
			break;
		}
		if (line_len > 0)
			add_header_line(&blob, &spans, line, line_len, eol != NULL);
		pos = eol ? (size_t)(eol - payload) + 1 : len;
	}
	blob_flush_crlf(&blob);
	req->headers = (struct http_slice){ .data = blob.buf, .len = blob.len };
	req->truncated = !req->headers_complete;

	if (spans.seen[HEADER_HOST])
		req->host_raw = (struct http_slice){ .data = blob.buf + spans.value_start[HEADER_HOST],
						     .len = spans.value_len[HEADER_HOST] };
	if (spans.seen[HEADER_USER_AGENT])
		req->user_agent = (struct http_slice){
			.data = blob.buf + spans.value_start[HEADER_USER_AGENT],
			.len = spans.value_len[HEADER_USER_AGENT] };
	if (req->host_raw.data)
		req->host = (struct http_slice){ .data = host_out,
						 .len = normalise_host(req->host_raw, host_out) };
	else if (uri_authority(req->uri_raw).data)
		req->host = (struct http_slice){
			.data = host_out,
			.len = normalise_host(uri_authority(req->uri_raw), host_out) };

	if (req->headers_complete)
		parse_body(req, &spans, blob.buf, payload + pos, len - pos, body_out);
	return 0;
}
