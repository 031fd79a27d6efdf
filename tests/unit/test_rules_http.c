// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP request parsing of payload samples and URI normalisation: encoded traversal, double
 * slashes, '+', absolute URIs, truncated requests, folded headers, chunked bodies, and
 * payloads that are not HTTP at all.
 */
#include <errno.h>
#include <stdlib.h>

#include "../support/test.h"
#include "rules/http.h"

struct normalise_case {
	const char *name;
	const char *raw;
	const char *want;
};

static const struct normalise_case normalise_cases[] = {
	{ "dot_dot", "/a/b/../c", "/a/c" },
	{ "encoded_traversal", "/cgi-bin/%2e%2e/%2e%2e/bin/sh", "/bin/sh" },
	{ "encoded_slashes", "/a/%2e%2e%2f%2e%2e%2fetc/passwd", "/etc/passwd" },
	{ "double_slashes", "//etc///passwd", "/etc/passwd" },
	{ "dot_segments", "/./a/./b/.", "/a/b/" },
	{ "above_root", "/../../x", "/x" },
	{ "trailing_slash_kept", "/a/b/", "/a/b/" },
	{ "dot_dot_at_end", "/a/b/..", "/a/" },
	{ "root", "/", "/" },
	{ "query_plus_and_percent", "/search?q=a+b%20c&x=%2e", "/search?q=a b c&x=." },
	{ "plus_in_path_kept", "/p+q?x", "/p+q?x" },
	{ "query_not_path_normalised", "/x?p=/a/../b//c", "/x?p=/a/../b//c" },
	{ "invalid_escapes_kept", "/%zz/%4", "/%zz/%4" },
	{ "decoded_question_mark_stays_in_path", "/x/%3f/y?z", "/x/?/y?z" },
	{ "second_question_mark", "/a?b?c", "/a?b?c" },
	{ "absolute_form", "http://Example.com:8080/a/../b?c=d", "/b?c=d" },
	{ "absolute_form_no_path", "http://example.com", "/" },
	{ "absolute_form_query_only", "http://example.com?x=1+1", "/?x=1 1" },
	{ "asterisk", "*", "*" },
	{ "authority_form", "example.com:443", "example.com:443" },
	{ "double_encoding_decoded_once", "/%252e%252e/", "/%2e%2e/" },
	{ "nul_byte", "/a%00.php", "/a\0.php" },
};

static void check_normalise(struct test_case *t, const struct normalise_case *c)
{
	size_t raw_len = strlen(c->raw), want_len = strlen(c->want), n;
	uint8_t *out = malloc(raw_len + 1);

	if (strcmp(c->name, "nul_byte") == 0)
		want_len = 7;
	CHECK(t, out, "malloc");
	n = http_uri_normalise((const uint8_t *)c->raw, raw_len, out);
	EXPECT(t, n == want_len && memcmp(out, c->want, want_len) == 0, "'%s' -> '%.*s', want '%s'",
	       c->raw, (int)n, out, c->want);
	free(out);
}

static int slice_is(struct http_slice s, const char *want)
{
	return s.data && s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}

static int parse(struct http_request *req, const char *payload)
{
	return http_request_parse(req, (const uint8_t *)payload, strlen(payload));
}

static void test_full_request(struct test_case *t)
{
	struct http_request req;
	static const char payload[] = "POST /cgi-bin/%2e%2e/run.cgi?a=1+2 HTTP/1.1\r\n"
				      "hOsT:  Gateway.Example.NET:8443 \r\n"
				      "User-Agent: curl/8.5.0\r\n"
				      "X-Folded: first\r\n"
				      "\t second\r\n"
				      "Content-Length: 5\r\n"
				      "\r\n"
				      "a=b&cTRAILING";

	http_request_init(&req);
	CHECK(t, parse(&req, payload) == 0, "not parsed");
	EXPECT(t, slice_is(req.method, "POST"), "method");
	EXPECT(t, slice_is(req.uri_raw, "/cgi-bin/%2e%2e/run.cgi?a=1+2"), "uri_raw '%.*s'",
	       (int)req.uri_raw.len, req.uri_raw.data);
	EXPECT(t, slice_is(req.uri, "/run.cgi?a=1 2"), "uri '%.*s'", (int)req.uri.len,
	       req.uri.data);
	EXPECT(t, slice_is(req.protocol, "HTTP/1.1"), "protocol");
	EXPECT(t, slice_is(req.host_raw, "Gateway.Example.NET:8443"), "host_raw '%.*s'",
	       (int)req.host_raw.len, req.host_raw.data);
	EXPECT(t, slice_is(req.host, "gateway.example.net"), "host '%.*s'", (int)req.host.len,
	       req.host.data);
	EXPECT(t, slice_is(req.user_agent, "curl/8.5.0"), "user_agent");
	EXPECT(t, slice_is(req.headers, "hOsT: Gateway.Example.NET:8443\r\n"
					"User-Agent: curl/8.5.0\r\n"
					"X-Folded: first second\r\n"
					"Content-Length: 5\r\n"),
	       "headers '%.*s'", (int)req.headers.len, req.headers.data);
	EXPECT(t, slice_is(req.body, "a=b&c"), "body '%.*s' (Content-Length caps it)",
	       (int)req.body.len, req.body.data);
	EXPECT(t, req.headers_complete && !req.truncated, "complete");
	http_request_release(&req);
}

static void test_truncated_in_header(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: cur") == 0, "not parsed");
	EXPECT(t, req.truncated && !req.headers_complete, "truncated flags");
	EXPECT(t, slice_is(req.user_agent, "cur"), "partial user agent '%.*s'",
	       (int)req.user_agent.len, req.user_agent.data);
	EXPECT(t, slice_is(req.headers, "Host: a\r\nUser-Agent: cur"),
	       "a cut header has no CRLF: '%.*s'", (int)req.headers.len, req.headers.data);
	EXPECT(t, req.body.data == NULL, "no body before the end of the headers");
	http_request_release(&req);
}

static void test_truncated_in_name(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "GET /x HTTP/1.1\r\nAccept: */*\r\nUser-Ag") == 0, "not parsed");
	EXPECT(t, slice_is(req.headers, "Accept: */*\r\nUser-Ag"), "headers '%.*s'",
	       (int)req.headers.len, req.headers.data);
	EXPECT(t, req.user_agent.data == NULL, "no user agent yet");
	http_request_release(&req);
}

static void test_truncated_in_request_line(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "GET /cgi-bin/%2e%2e/%2e%2e/bin/s") == 0, "cut in the URI");
	EXPECT(t, slice_is(req.uri, "/bin/s"), "uri '%.*s'", (int)req.uri.len, req.uri.data);
	EXPECT(t, req.protocol.data == NULL && req.truncated, "no protocol yet");
	EXPECT(t, slice_is(req.headers, ""), "empty headers");
	CHECK(t, parse(&req, "GET / HT") == 0, "cut in the protocol");
	EXPECT(t, slice_is(req.protocol, "HT"), "protocol so far");
	CHECK(t, parse(&req, "GET / HTTP/1.1\r") == 0, "cut before LF");
	http_request_release(&req);
}

static void test_not_http(struct test_case *t)
{
	static const char *const payloads[] = {
		"SSH-2.0-OpenSSH_9.6\r\n",
		"EHLO mail.example.com\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"GET",
		"GET ",
		"get / HTTP/1.1\r\n\r\n",
		"GET / FTP/1.0\r\n\r\n",
		"GET /\r\n",
		"USER anonymous\r\n",
		"GET index.html HTTP/1.1\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"VERYLONGMETHODNAMEOVERTWENTY / HTTP/1.1\r\n",
	};
	struct http_request req;
	size_t i;

	http_request_init(&req);
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++)
		EXPECT(t, parse(&req, payloads[i]) == -EINVAL && req.method.data == NULL,
		       "payload %zu taken for HTTP", i);
	EXPECT(t, http_request_parse(&req, NULL, 0) == -EINVAL, "empty payload");
	http_request_release(&req);
}

static void test_chunked_body(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "POST /u HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
			     "4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n") == 0,
	      "not parsed");
	EXPECT(t, slice_is(req.body, "abcdefg"), "body '%.*s'", (int)req.body.len, req.body.data);
	CHECK(t, parse(&req, "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			     "a\r\n01234") == 0,
	      "cut chunk");
	EXPECT(t, slice_is(req.body, "01234"), "cut chunk body '%.*s'", (int)req.body.len,
	       req.body.data);
	http_request_release(&req);
}

static void test_bare_lf_and_absolute_uri(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "GET http://Example.ORG:81/a//b HTTP/1.0\nAccept: x\n\nbody") == 0,
	      "not parsed");
	EXPECT(t, slice_is(req.uri, "/a/b"), "uri '%.*s'", (int)req.uri.len, req.uri.data);
	EXPECT(t, slice_is(req.host, "example.org"), "host from the URI '%.*s'", (int)req.host.len,
	       req.host.data);
	EXPECT(t, req.host_raw.data == NULL, "no Host header");
	EXPECT(t, slice_is(req.headers, "Accept: x\r\n"), "headers '%.*s'", (int)req.headers.len,
	       req.headers.data);
	EXPECT(t, slice_is(req.body, "body"), "body");
	CHECK(t, parse(&req, "GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n") == 0, "v6 host");
	EXPECT(t, slice_is(req.host, "[2001:db8::1]"), "v6 host '%.*s'", (int)req.host.len,
	       req.host.data);
	CHECK(t, parse(&req, "CONNECT vpn.example.com:443 HTTP/1.1\r\n\r\n") == 0, "CONNECT");
	EXPECT(t, slice_is(req.uri, "vpn.example.com:443"), "CONNECT target");
	http_request_release(&req);
}

static void test_first_of_repeated_headers(struct test_case *t)
{
	struct http_request req;

	http_request_init(&req);
	CHECK(t, parse(&req, "GET / HTTP/1.1\r\nUser-Agent: one\r\nUser-Agent: two\r\n\r\n") == 0,
	      "not parsed");
	EXPECT(t, slice_is(req.user_agent, "one"), "user agent '%.*s'", (int)req.user_agent.len,
	       req.user_agent.data);
	EXPECT(t, slice_is(req.headers, "User-Agent: one\r\nUser-Agent: two\r\n"), "both in blob");
	http_request_release(&req);
}

int main(void)
{
	size_t i;

	test_program = "test_rules_http";
	for (i = 0; i < sizeof(normalise_cases) / sizeof(normalise_cases[0]); i++)
		RUN_ROW(check_normalise, normalise_cases[i].name, &normalise_cases[i]);
	RUN(test_full_request);
	RUN(test_truncated_in_header);
	RUN(test_truncated_in_name);
	RUN(test_truncated_in_request_line);
	RUN(test_not_http);
	RUN(test_chunked_body);
	RUN(test_bare_lf_and_absolute_uri);
	RUN(test_first_of_repeated_headers);
	return test_summary();
}
