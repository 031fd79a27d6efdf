/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP request parsing for payload samples: the request line, the headers and the start of
 * the body, as far as the sample goes (samples are cut at the snap length, so a request
 * may end anywhere). The URI is normalised so that rules match encoded attacks.
 *
 * All slices point either into the sample or into the request's own storage; they stay
 * valid until the next http_request_parse() on the same request, or its release.
 *
 * For the EVE "http" object: hostname = host, url = uri_raw (Suricata logs the URI as
 * sent), http_user_agent = user_agent, http_method = method, protocol = protocol.
 */
#ifndef EDGEWATCH_RULES_HTTP_H
#define EDGEWATCH_RULES_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* A byte range. data is NULL when the part is absent (no such header, cut before it). */
struct http_slice {
	const uint8_t *data;
	size_t len;
};

struct http_request {
	struct http_slice method;	/* "GET" */
	struct http_slice uri_raw;	/* request-target as sent */
	struct http_slice uri;		/* normalised (see http_uri_normalise) */
	struct http_slice protocol;	/* "HTTP/1.1"; absent when the sample ends before it */
	struct http_slice host;		/* Host header lower-cased, without port (or the
					 * absolute URI's authority when there is no Host) */
	struct http_slice host_raw;	/* Host header value as sent */
	struct http_slice user_agent;	/* User-Agent header value */
	struct http_slice headers;	/* every header as "Name: value\r\n", value trimmed,
					 * folded lines joined; a header cut by the end of the
					 * sample is kept as far as it goes, without "\r\n" */
	struct http_slice body;		/* the start of the body (de-chunked when chunked,
					 * capped at Content-Length); absent until the headers
					 * are complete */
	uint8_t headers_complete;	/* the empty line ending the headers was seen */
	uint8_t truncated;		/* the sample ended before the end of the headers */

	/* Storage for normalised parts, reused between parses. */
	uint8_t *storage;
	size_t storage_size;
};

void http_request_init(struct http_request *req);
void http_request_release(struct http_request *req);

/*
 * Parse a sample as an HTTP request. 0 when it is one (possibly truncated), -EINVAL when
 * the payload is not an HTTP request (req is then cleared), -ENOMEM.
 */
int http_request_parse(struct http_request *req, const uint8_t *payload, size_t len);

/*
 * Normalise a request-target into out (room for len + 1 bytes); returns the length.
 * Absolute-form ("http://host/p") keeps only the path and query. In the path:
 * percent-decoding, then "//" collapsed, "/./" removed and "/../" resolved (never above
 * the root). In the query: percent-decoding and '+' as space. Invalid %-escapes are kept.
 */
size_t http_uri_normalise(const uint8_t *raw, size_t len, uint8_t *out);

#endif /* EDGEWATCH_RULES_HTTP_H */
