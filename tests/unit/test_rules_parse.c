// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule parser: every keyword of the subset accepted with the meaning it has, every
 * error reported with its line, column, keyword and exact message, --skip-unsupported,
 * variables and classification.config.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/test.h"
#include "../rules/rules_test.h"
#include "rules/rules_internal.h"

#define RULE_HEAD "alert tcp any any -> any any "

struct error_case {
	const char *name;
	const char *text;
	int line;		/* of the problem */
	const char *at;		/* the problem's column points at this text on that line */
	const char *keyword;
	const char *message;
};

static const struct error_case error_cases[] = {
	{ "sid_zero", RULE_HEAD "(msg:\"x\"; sid:0;)", 1, "0;)", "sid",
	  "expected an integer 1..4294967295, got '0'" },
	{ "sid_not_a_number", RULE_HEAD "(sid:12a;)", 1, "12a", "sid",
	  "expected an integer 1..4294967295, got '12a'" },
	{ "sid_too_big", RULE_HEAD "(sid:4294967296;)", 1, "4294967296", "sid",
	  "expected an integer 1..4294967295, got '4294967296'" },
	{ "sid_missing", RULE_HEAD "(msg:\"no sid\"; content:\"a\";)", 1, ")", "sid",
	  "missing sid" },
	{ "sid_twice", RULE_HEAD "(sid:1; sid:2;)", 1, "sid:2", "sid", "given twice" },
	{ "rev_bad", RULE_HEAD "(sid:1; rev:-1;)", 1, "-1", "rev",
	  "expected an integer 0..4294967295, got '-1'" },
	{ "unknown_keyword", RULE_HEAD "(msg:\"x\"; frobnicate:3; sid:1;)", 1, "frobnicate",
	  "frobnicate", "unknown keyword" },
	{ "unsupported_flowbits", RULE_HEAD "(flowbits:set,x; sid:1;)", 1, "flowbits", "flowbits",
	  "unsupported keyword: needs per-flow state across packets, which samples do not carry" },
	{ "unsupported_threshold", RULE_HEAD "(threshold:type limit; sid:1;)", 1, "threshold",
	  "threshold", "unsupported keyword: alert rate limiting is not supported" },
	{ "unterminated_quote", RULE_HEAD "(msg:\"never closed; sid:1;)", 1, "\"never", "msg",
	  "unterminated quoted string" },
	{ "missing_semicolon", RULE_HEAD "(msg:\"x\"; sid:1)", 1, "sid", "sid",
	  "missing ';' after the value" },
	{ "missing_parenthesis", RULE_HEAD "msg:\"x\"; sid:1;", 1, "msg", "options",
	  "expected '(' after the rule header" },
	{ "text_after_options", RULE_HEAD "(sid:1;) trailing", 1, "trailing", "options",
	  "text after the closing ')'" },
	{ "bad_hex_digit", RULE_HEAD "(content:\"|4g|\"; sid:1;)", 1, "g|", "content",
	  "bad hex: 'g' is not a hex digit" },
	{ "bad_hex_odd", RULE_HEAD "(content:\"|414|\"; sid:1;)", 1, "|\"", "content",
	  "bad hex: odd number of hex digits" },
	{ "bad_hex_unterminated", RULE_HEAD "(content:\"ab|41 42\"; sid:1;)", 1, "|41", "content",
	  "bad hex: unterminated '|' block" },
	{ "content_invalid_escape", RULE_HEAD "(content:\"a\\x41\"; sid:1;)", 1, "\\x", "content",
	  "invalid escape '\\x' (write bytes as |hex|)" },
	{ "content_inner_quote", RULE_HEAD "(content:\"a\"b\"c\"; sid:1;)", 1, "\"b", "content",
	  "unescaped '\"' inside the string (write \\\" or |22|)" },
	{ "content_unquoted", RULE_HEAD "(content:abc; sid:1;)", 1, "abc", "content",
	  "expected a quoted string" },
	{ "content_empty", RULE_HEAD "(content:\"\"; sid:1;)", 1, "\"\"", "content",
	  "empty content" },
	{ "bad_pcre_syntax", RULE_HEAD "(pcre:\"/a(b/\"; sid:1;)", 1, "/\"", "pcre",
	  "bad pcre: missing closing parenthesis at offset 3" },
	{ "bad_pcre_slashes", RULE_HEAD "(pcre:\"abc\"; sid:1;)", 1, "abc", "pcre",
	  "expected \"/EXPRESSION/FLAGS\" with both slashes" },
	{ "bad_pcre_flag", RULE_HEAD "(pcre:\"/abc/q\"; sid:1;)", 1, "q\"", "pcre",
	  "unknown flag 'q'" },
	{ "unsupported_pcre_flag", RULE_HEAD "(pcre:\"/abc/C\"; sid:1;)", 1, "C\"", "pcre",
	  "unsupported flag 'C': the http.cookie buffer is not supported (cookies are in "
	  "http.header: H)" },
	{ "pcre_two_buffers", RULE_HEAD "(pcre:\"/abc/UH\"; sid:1;)", 1, "H\"", "pcre",
	  "flag 'H': only one buffer flag per pcre" },
	{ "pcre_flag_against_sticky", RULE_HEAD "(http.uri; pcre:\"/x/H\"; sid:1;)", 1, "H\"",
	  "pcre", "flag 'H' (http.header) conflicts with sticky buffer 'http.uri'" },
	{ "bad_port_range", "alert tcp any 90:80 -> any any (sid:1;)", 1, "90:80", "source port",
	  "bad port range '90:80': start > end" },
	{ "bad_port_number", "alert tcp any any -> any 70000 (sid:1;)", 1, "70000",
	  "destination port", "bad port '70000': ports are 0..65535" },
	{ "bad_port_text", "alert tcp any any -> any [80,http] (sid:1;)", 1, "http]",
	  "destination port", "bad port 'http'" },
	{ "bad_cidr", "alert tcp 10.0.0.0/33 any -> any any (sid:1;)", 1, "10.0.0.0/33",
	  "source address", "bad CIDR '10.0.0.0/33': prefix length must be 0..32" },
	{ "bad_cidr6", "alert tcp any any -> 2001:db8::/129 any (sid:1;)", 1, "2001:db8::/129",
	  "destination address", "bad CIDR '2001:db8::/129': prefix length must be 0..128" },
	{ "bad_address", "alert tcp 10.0.0.256 any -> any any (sid:1;)", 1, "10.0.0.256",
	  "source address", "bad address '10.0.0.256'" },
	{ "unknown_variable", "alert tcp $NOWHERE any -> any any (sid:1;)", 1, "$NOWHERE",
	  "source address", "unknown variable $NOWHERE" },
	{ "port_var_as_address", "alert tcp $HTTP_PORTS any -> any any (sid:1;)", 1,
	  "$HTTP_PORTS", "source address", "$HTTP_PORTS is a port variable, used as an address" },
	{ "not_any", "alert tcp !any any -> any any (sid:1;)", 1, "!any", "source address",
	  "'!any' matches nothing" },
	{ "empty_list", "alert tcp [] any -> any any (sid:1;)", 1, "[]", "source address",
	  "empty list" },
	{ "unterminated_list", "alert tcp any any -> [1.2.3.4 (sid:1;)", 1, "[1.2.3.4",
	  "destination address", "unterminated list: missing ']'" },
	{ "list_missing_comma", "alert tcp [1.2.3.4,5.6.7.8 any -> any any (sid:1;)", 1,
	  "any ->", "source address", "expected ',' or ']', found 'a'" },
	{ "bad_action", "pass tcp any any -> any any (sid:1;)", 1, "pass", "action",
	  "unsupported action 'pass' (alert or drop)" },
	{ "bad_protocol", "alert dns any any -> any any (sid:1;)", 1, "dns", "protocol",
	  "unsupported protocol 'dns' (tcp, udp, icmp, ip or http)" },
	{ "bad_direction", "alert tcp any any <- any any (sid:1;)", 1, "<-", "direction",
	  "expected '->' or '<>', found '<-'" },
	{ "icmp_ports", "alert icmp any any -> any 80 (sid:1;)", 1, "80", "destination port",
	  "ports must be 'any' for icmp rules" },
	{ "nocase_without_content", RULE_HEAD "(nocase; sid:1;)", 1, "nocase", "nocase",
	  "needs a preceding content" },
	{ "depth_without_content", RULE_HEAD "(depth:4; sid:1;)", 1, "depth", "depth",
	  "needs a preceding content" },
	{ "distance_without_content", RULE_HEAD "(distance:0; sid:1;)", 1, "distance", "distance",
	  "needs a preceding content" },
	{ "within_without_content", RULE_HEAD "(pcre:\"/x/\"; within:4; sid:1;)", 1, "within",
	  "within", "needs a preceding content" },
	{ "http_uri_without_content", RULE_HEAD "(http_uri; sid:1;)", 1, "http_uri", "http_uri",
	  "needs a preceding content" },
	{ "modifier_after_sticky", RULE_HEAD "(content:\"a\"; http.uri; nocase; sid:1;)", 1,
	  "nocase", "nocase", "needs a preceding content in the same buffer" },
	{ "legacy_after_sticky", RULE_HEAD "(http.uri; content:\"a\"; http_header; sid:1;)", 1,
	  "http_header", "http_header", "cannot follow sticky buffer 'http.uri'" },
	{ "depth_below_length", RULE_HEAD "(content:\"abcdef\"; depth:3; sid:1;)", 1, "3;",
	  "depth", "3 is less than the content length 6: it can never match" },
	{ "within_below_length", RULE_HEAD "(content:\"a\"; content:\"bcd\"; within:2; sid:1;)", 1,
	  "2;", "within", "2 is less than the content length 3: it can never match" },
	{ "distance_with_depth", RULE_HEAD "(content:\"a\"; content:\"b\"; depth:5; distance:0; "
	  "sid:1;)", 1, "distance", "distance", "cannot be mixed with offset/depth on one content" },
	{ "offset_with_within", RULE_HEAD "(content:\"a\"; content:\"b\"; within:5; offset:1; "
	  "sid:1;)", 1, "offset", "offset", "cannot be mixed with distance/within on one content" },
	{ "depth_twice", RULE_HEAD "(content:\"a\"; depth:5; depth:6; sid:1;)", 1, "depth:6",
	  "depth", "given twice for one content" },
	{ "offset_negative", RULE_HEAD "(content:\"a\"; offset:-1; sid:1;)", 1, "-1", "offset",
	  "expected an integer >= 0, got '-1'" },
	{ "fast_pattern_negated", RULE_HEAD "(content:!\"a\"; fast_pattern; sid:1;)", 1,
	  "fast_pattern", "fast_pattern", "a negated content cannot be the fast pattern" },
	{ "unknown_classtype", RULE_HEAD "(classtype:made-up; sid:1;)", 1, "made-up", "classtype",
	  "unknown classtype 'made-up'" },
	{ "priority_zero", RULE_HEAD "(priority:0; sid:1;)", 1, "0;", "priority",
	  "expected an integer 1..255, got '0'" },
	{ "bad_flow", RULE_HEAD "(flow:to_server,sideways; sid:1;)", 1, "to_server", "flow",
	  "unsupported flow option 'sideways' (to_server, to_client, from_server, from_client, "
	  "established, not_established, stateless, no_stream)" },
	{ "flow_both_ways", RULE_HEAD "(flow:to_server,to_client; sid:1;)", 1, "to_server", "flow",
	  "both directions given" },
	{ "bad_dsize", RULE_HEAD "(dsize:big; sid:1;)", 1, "big", "dsize",
	  "expected N, !N, <N, >N, <=N, >=N or MIN<>MAX, got 'big'" },
	{ "empty_dsize_range", RULE_HEAD "(dsize:5<>6; sid:1;)", 1, "5<>6", "dsize",
	  "'5<>6' is an empty range (bounds are exclusive)" },
	{ "reference_without_type", RULE_HEAD "(reference:nothing; sid:1;)", 1, "nothing",
	  "reference", "expected TYPE,ID (e.g. cve,2024-3400)" },
	{ "http_in_udp", "alert udp any any -> any any (http.uri; content:\"/x\"; sid:1;)", 1,
	  "content", "http.uri", "HTTP buffers need a tcp, http or ip rule" },
	{ "host_upper_case", RULE_HEAD "(http.host; content:\"Example.COM\"; sid:1;)", 1, "content",
	  "http.host", "http.host is lower case: a content with upper-case letters never matches "
	  "(lower-case it or add nocase)" },
	{ "sticky_with_value", RULE_HEAD "(http.uri:1; sid:1;)", 1, "http.uri", "http.uri",
	  "takes no value" },
	{ "isdataat_bad", RULE_HEAD "(isdataat:!x; sid:1;)", 1, "isdataat", "isdataat",
	  "expected [!]N[,relative], got 'x'" },
	{ "continuation_line", RULE_HEAD "(msg:\"two lines\"; \\\n    content:\"|zz|\"; sid:1;)", 2,
	  "zz", "content", "bad hex: 'z' is not a hex digit" },
	{ "duplicate_sid", RULE_HEAD "(sid:7;)\n# a comment\n" RULE_HEAD "(msg:\"again\"; sid:7;)",
	  3, "sid:7", "sid", "duplicate sid 7 (first defined at test.rules:1)" },
};

/* Column (1-based) of the first `at` on line `line` of text; 0 if absent. */
static int column_of(const char *text, int line, const char *at)
{
	const char *start = text, *hit, *eol;
	int n;

	for (n = 1; n < line && start; n++) {
		start = strchr(start, '\n');
		start = start ? start + 1 : NULL;
	}
	if (!start)
		return 0;
	eol = strchr(start, '\n');
	hit = strstr(start, at);
	if (!hit || (eol && hit > eol))
		return 0;
	return (int)(hit - start) + 1;
}

static void check_error(struct test_case *t, const struct error_case *c)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	const struct rules_problem *p;
	int err = test_load_text(c->text, &rs, &report, NULL);
	int column = column_of(c->text, c->line, c->at);

	EXPECT(t, err == -EINVAL && rs == NULL, "load returned %d, want -EINVAL", err);
	EXPECT(t, report.count == 1, "%zu problems, want 1", report.count);
	if (report.count >= 1) {
		p = &report.problems[0];
		EXPECT(t, strcmp(p->file, "test.rules") == 0, "file '%s'", p->file);
		EXPECT(t, p->line == c->line && p->column == column,
		       "at %d:%d, want %d:%d ('%s')", p->line, p->column, c->line, column, c->at);
		EXPECT(t, strcmp(p->keyword, c->keyword) == 0, "keyword '%s', want '%s'", p->keyword,
		       c->keyword);
		EXPECT(t, strcmp(p->message, c->message) == 0, "message '%s', want '%s'", p->message,
		       c->message);
		EXPECT(t, !p->skipped, "marked skipped without skip_unsupported");
	}
	EXPECT(t, column > 0, "test bug: '%s' not on line %d", c->at, c->line);
	ruleset_free(rs);
	rules_report_free(&report);
}

static const struct rule *rule_at(const struct ruleset *rs, size_t i)
{
	return &rs->rules[i];
}

static void test_every_keyword_accepted(struct test_case *t)
{
	static const char text[] =
		"drop http $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:\"Everything \\\"quoted\\\" "
		"\\; here\"; flow:established,to_server; dsize:>10; http.method; content:\"POST\"; "
		"http.uri; content:\"/cgi-bin/\"; startswith; fast_pattern; content:\".cgi\"; "
		"distance:0; within:40; nocase; http.uri.raw; content:\"%2e\"; http.user_agent; "
		"content:\"curl\"; http.host; content:\"example\"; http.header; content:\"X-A|3a| \"; "
		"http.request_body; content:!\"safe\"; pcre:\"/cmd=[a-z]+/i\"; pkt_data; "
		"pcre:\"/x=1/P\"; "
		"content:\"HTTP/1.\"; offset:5; depth:200; rawbytes; isdataat:!2000,relative; "
		"pcre:!\"/zzz/R\"; classtype:web-application-attack; priority:2; "
		"reference:cve,2024-3400; reference:url,example.com/advisory; "
		"metadata:created_at 2024_04_12, signature_severity Critical; gid:1; sid:1000001; "
		"rev:3;)\n"
		"alert tcp any any <> [198.18.0.0/15,!198.18.0.9] [1:1023,!22] (content:\"A\"; "
		"http_method; content:\"/x\"; http_uri; content:\"/y\"; http_raw_uri; "
		"content:\"ua\"; http_user_agent; content:\"host\"; http_host; content:\"H\"; "
		"http_header; content:\"b\"; http_client_body; uricontent:\"/z\"; endswith; sid:2;)\n"
		"alert udp any any -> any 53 (content:\"|00 01|\"; depth:2; dsize:20<>512; "
		"flow:stateless; sid:3;)\n"
		"alert icmp any any -> any any (dsize:!0; flow:not_established,to_client; sid:4;)\n"
		"alert ip any any -> any any (content:\"x\"; fast_pattern:only; sid:5;)\n";
	struct rules_report report;
	struct ruleset *rs = NULL;
	const struct rule *r;
	const struct rule_info *info;
	int err = test_load_text(text, &rs, &report, NULL);

	CHECK(t, err == 0, "load failed (%d): %s at %d:%d '%s'", err,
	      report.count ? report.problems[0].message : "", report.count ? report.problems[0].line : 0,
	      report.count ? report.problems[0].column : 0,
	      report.count ? report.problems[0].keyword : "");
	CHECK(t, ruleset_count(rs) == 5, "%zu rules", ruleset_count(rs));
	info = ruleset_rule(rs, 0);
	EXPECT(t, strcmp(info->msg, "Everything \"quoted\" ; here") == 0, "msg '%s'", info->msg);
	EXPECT(t, info->sid == 1000001 && info->rev == 3 && info->gid == 1, "ids %u/%u/%u",
	       info->gid, info->sid, info->rev);
	EXPECT(t, info->action == EW_ACTION_DROP, "action %d", info->action);
	EXPECT(t, strcmp(info->classtype, "web-application-attack") == 0, "classtype '%s'",
	       info->classtype);
	EXPECT(t, strcmp(info->category, "Web Application Attack") == 0, "category '%s'",
	       info->category);
	EXPECT(t, info->severity == 2, "severity %d (priority option wins)", info->severity);
	EXPECT(t, info->reference_count == 2 && !strcmp(info->references[0], "cve,2024-3400") &&
			  !strcmp(info->references[1], "url,example.com/advisory"),
	       "references");
	EXPECT(t, info->metadata_count == 2 && !strcmp(info->metadata[0].key, "created_at") &&
			  !strcmp(info->metadata[0].value, "2024_04_12") &&
			  !strcmp(info->metadata[1].key, "signature_severity") &&
			  !strcmp(info->metadata[1].value, "Critical"),
	       "metadata");
	EXPECT(t, strcmp(info->file, "test.rules") == 0 && info->line == 1, "at %s:%d", info->file,
	       info->line);

	r = rule_at(rs, 0);
	EXPECT(t, r->proto == RULE_PROTO_HTTP && r->needs_http, "proto %d", r->proto);
	EXPECT(t, r->flow_dir == RULE_FLOW_TO_SERVER && r->flow_state == RULE_FLOW_ESTABLISHED,
	       "flow");
	EXPECT(t, r->has_dsize && r->dsize_lo == 11 && r->dsize_hi == UINT32_MAX, "dsize");
	EXPECT(t, r->buffer_count[RULE_BUF_PAYLOAD] == 3 && r->buffer_count[RULE_BUF_HTTP_URI] == 2 &&
			  r->buffer_count[RULE_BUF_HTTP_BODY] == 3 &&
			  r->buffer_count[RULE_BUF_HTTP_METHOD] == 1,
	       "items per buffer");
	r = rule_at(rs, 0);
	CHECK(t, r->prefilter >= 0, "no prefilter");
	EXPECT(t, r->items[r->prefilter].content.fast_pattern &&
			  r->items[r->prefilter].content.len == 9,
	       "fast_pattern not the prefilter");

	r = rule_at(rs, 1);
	EXPECT(t, r->bidirectional, "<> not bidirectional");
	EXPECT(t, r->buffer_count[RULE_BUF_HTTP_URI] == 2 && r->buffer_count[RULE_BUF_HTTP_URI_RAW] == 1 &&
			  r->buffer_count[RULE_BUF_HTTP_HEADER] == 1 &&
			  r->buffer_count[RULE_BUF_HTTP_HOST] == 1 &&
			  r->buffer_count[RULE_BUF_HTTP_USER_AGENT] == 1 &&
			  r->buffer_count[RULE_BUF_HTTP_BODY] == 1 &&
			  r->buffer_count[RULE_BUF_HTTP_METHOD] == 1,
	       "legacy modifiers did not move the contents");
	EXPECT(t, ruleset_rule(rs, 1)->severity == 3, "default severity %d",
	       ruleset_rule(rs, 1)->severity);
	r = rule_at(rs, 2);
	EXPECT(t, r->dsize_lo == 21 && r->dsize_hi == 511, "dsize range %u..%u", r->dsize_lo,
	       r->dsize_hi);
	r = rule_at(rs, 3);
	EXPECT(t, r->dsize_negated && r->flow_dir == RULE_FLOW_TO_CLIENT &&
			  r->flow_state == RULE_FLOW_NOT_ESTABLISHED,
	       "icmp rule options");
	EXPECT(t, report.no_prefilter == 1, "%zu rules without prefilter, want 1 (the icmp one)",
	       report.no_prefilter);
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_content_bytes(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	const struct rule_content *c;
	int err = test_load_text(RULE_HEAD "(content:\"a|3B 3a|b\\\"c\\\\d\\;|00|\"; nocase; sid:1;)",
				 &rs, &report, NULL);

	CHECK(t, err == 0, "load failed: %s", report.count ? report.problems[0].message : "");
	c = &rule_at(rs, 0)->items[0].content;
	EXPECT(t, c->len == 10 && memcmp(c->bytes, "a;:b\"c\\d;\0", 10) == 0,
	       "bytes %.*s (%u)", (int)c->len, c->bytes, c->len);
	EXPECT(t, c->nocase, "nocase not set");
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_negated_content_and_positions(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	const struct rule *r;
	int err = test_load_text(RULE_HEAD "(content:\"GET\"; offset:0; depth:3; content:!\"admin\"; "
				 "distance:1; within:10; content:\"x\"; distance:-2; sid:1;)",
				 &rs, &report, NULL);

	CHECK(t, err == 0, "load failed: %s", report.count ? report.problems[0].message : "");
	r = rule_at(rs, 0);
	CHECK(t, r->item_count == 3, "%zu items", r->item_count);
	EXPECT(t, r->items[0].content.has_offset && r->items[0].content.has_depth &&
			  r->items[0].content.depth == 3,
	       "offset/depth");
	EXPECT(t, r->items[1].content.negated && r->items[1].content.distance == 1 &&
			  r->items[1].content.within == 10,
	       "negated relative");
	EXPECT(t, r->items[2].content.distance == -2, "negative distance");
	/* GET is retried at later matches only if something is relative to it */
	EXPECT(t, r->items[0].backtrack, "first content should backtrack");
	EXPECT(t, r->prefilter == 0, "prefilter %d: the longest positive content", r->prefilter);
	ruleset_free(rs);
	rules_report_free(&report);
}

/*
 * A content too short to prefilter gives way to the rule's first pcre Hyperscan can
 * compile as a prefilter; one it refuses (it matches the empty string) is passed over;
 * with none the short content stays. Hyperscan is asked only of those rules.
 */
static void test_short_content_prefilter_choice(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	int err = test_load_text(
		RULE_HEAD "(content:\"cd\"; pcre:\"/a*/\"; pcre:\"/cd\\s+\\/tmp/\"; sid:1;)\n"
		RULE_HEAD "(content:\"cd\"; pcre:\"/x?/\"; sid:2;)\n"
		RULE_HEAD "(content:\"cd\"; pcre:!\"/cd\\s+\\/tmp/\"; sid:3;)\n"
		RULE_HEAD "(content:\"/tmp/x\"; pcre:\"/cd\\s+\\/tmp/\"; sid:4;)\n",
		&rs, &report, NULL);

	CHECK(t, err == 0, "load failed: %s", report.count ? report.problems[0].message : "");
	EXPECT(t, rule_at(rs, 0)->prefilter == 2, "sid 1: prefilter %d, want the second pcre (2)",
	       rule_at(rs, 0)->prefilter);
	EXPECT(t, rule_at(rs, 1)->prefilter == 0,
	       "sid 2: prefilter %d, want the short content (its pcre matches empty)",
	       rule_at(rs, 1)->prefilter);
	EXPECT(t, rule_at(rs, 2)->prefilter == 0,
	       "sid 3: prefilter %d, want the short content (a negated pcre is no prefilter)",
	       rule_at(rs, 2)->prefilter);
	EXPECT(t, rule_at(rs, 3)->prefilter == 0, "sid 4: prefilter %d, want the long content",
	       rule_at(rs, 3)->prefilter);
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_skip_unsupported(struct test_case *t)
{
	static const char text[] = RULE_HEAD "(content:\"ok\"; sid:1;)\n" RULE_HEAD
				   "(flowbits:isset,x; sid:2;)\n" RULE_HEAD
				   "(content:\"dup\"; sid:1;)\n" RULE_HEAD "(content:\"fine\"; sid:3;)\n";
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION,
					.skip_unsupported = 1 };
	struct rules_report report;
	struct ruleset *rs = NULL;
	int err;

	err = ruleset_load_text(&rs, "test.rules", text, strlen(text), NULL, &opts, &report);
	CHECK(t, err == 0 && rs, "load with skip failed: %d", err);
	EXPECT(t, report.loaded == 2 && ruleset_count(rs) == 2, "%zu loaded", report.loaded);
	EXPECT(t, report.skipped == 2, "%zu skipped", report.skipped);
	CHECK(t, report.count == 2, "%zu problems", report.count);
	EXPECT(t, report.problems[0].line == 2 && report.problems[0].skipped &&
			  !strcmp(report.problems[0].keyword, "flowbits"),
	       "first problem %d '%s'", report.problems[0].line, report.problems[0].keyword);
	EXPECT(t, report.problems[1].line == 3 && report.problems[1].skipped &&
			  !strcmp(report.problems[1].keyword, "sid"),
	       "second problem %d '%s'", report.problems[1].line, report.problems[1].keyword);
	EXPECT(t, ruleset_rule(rs, 0)->sid == 1 && ruleset_rule(rs, 1)->sid == 3, "kept sids");
	ruleset_free(rs);
	rules_report_free(&report);
}

/* A ruleset in the shapes of ET Open: what is in the subset loads, the rest is skipped. */
static void test_et_style_import(struct test_case *t)
{
	static const char *const skipped[] = { "bsize", "protocol", "protocol", "flowbits",
					       "threshold", "byte_test", "http.header_names" };
	const char *files[] = { "tests/rules/et-style.rules" };
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION,
					.skip_unsupported = 1 };
	struct rules_report report;
	struct ruleset *rs = NULL;
	size_t i;
	int err = ruleset_load(&rs, files, 1, NULL, &opts, &report);

	CHECK(t, err == 0 && rs, "load: %d", err);
	EXPECT(t, report.loaded == 8 && report.skipped == 7, "%zu loaded, %zu skipped",
	       report.loaded, report.skipped);
	for (i = 0; i < report.count && i < sizeof(skipped) / sizeof(skipped[0]); i++)
		EXPECT(t, report.problems[i].skipped && !strcmp(report.problems[i].keyword, skipped[i]),
		       "problem %zu: %s at line %d (%s), want %s", i, report.problems[i].keyword,
		       report.problems[i].line, report.problems[i].message, skipped[i]);
	EXPECT(t, report.count == sizeof(skipped) / sizeof(skipped[0]), "%zu problems",
	       report.count);
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_problems_in_file_order(struct test_case *t)
{
	static const char text[] = RULE_HEAD "(sid:5;)\n" RULE_HEAD "(sid:5;)\n" RULE_HEAD
				   "(bogus; sid:6;)\n";
	struct rules_report report;
	struct ruleset *rs = NULL;
	int err = test_load_text(text, &rs, &report, NULL);

	CHECK(t, err == -EINVAL, "load returned %d", err);
	CHECK(t, report.count == 2, "%zu problems", report.count);
	EXPECT(t, report.problems[0].line == 2 && report.problems[1].line == 3,
	       "lines %d, %d: want 2, 3", report.problems[0].line, report.problems[1].line);
	rules_report_free(&report);
}

static void test_vars(struct test_case *t)
{
	struct rule_vars *vars = rule_vars_new();
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION };
	static const char text[] = "alert tcp $A any -> any any (sid:1;)";
	struct rules_report report;
	struct ruleset *rs = NULL;
	const char *why = NULL;
	int err;

	CHECK(t, vars, "no vars");
	EXPECT(t, rule_vars_set_address(vars, "HOME_NET", "[10.0.0.0/8,", &why) == -EINVAL &&
			  why && !strcmp(why, "unterminated list: missing ']'"),
	       "bad address value: %s", why ? why : "(none)");
	EXPECT(t, rule_vars_set_port(vars, "HTTP_PORTS", "[80,99999]", &why) == -EINVAL && why &&
			  !strcmp(why, "bad port '99999': ports are 0..65535"),
	       "bad port value: %s", why ? why : "(none)");
	EXPECT(t, rule_vars_set_address(vars, "$HOME_NET", "any", &why) == -EINVAL, "'$' in name");
	EXPECT(t, rule_vars_set_address(vars, "A", "$B", &why) == 0 &&
			  rule_vars_set_address(vars, "B", "[1.2.3.4,$A]", &why) == 0,
	       "forward references are allowed when set");
	err = ruleset_load_text(&rs, "test.rules", text, strlen(text), vars, &opts, &report);
	EXPECT(t, err == -EINVAL && report.count == 1 &&
			  !strcmp(report.problems[0].message,
				  "$A: variables nested too deep (a cycle?)"),
	       "cycle: %s", report.count ? report.problems[0].message : "(no problem)");
	rules_report_free(&report);
	ruleset_free(rs);
	rule_vars_free(vars);
}

/* X0..X<depth>: each lists the next ten times, the last is leaf ('P': port variables). */
static int set_multiplying_vars(struct rule_vars *vars, char prefix, int depth, const char *leaf)
{
	char name[8], value[64];
	const char *why;
	int level, i;

	for (level = 0; level <= depth; level++) {
		snprintf(name, sizeof(name), "%c%d", prefix, level);
		value[0] = '\0';
		for (i = 0; i < 10 && level < depth; i++)
			snprintf(value + strlen(value), sizeof(value) - strlen(value), "%s$%c%d",
				 i ? "," : "[", prefix, level + 1);
		strcat(value, level < depth ? "]" : leaf);
		if (prefix == 'P' ? rule_vars_set_port(vars, name, value, &why)
				  : rule_vars_set_address(vars, name, value, &why))
			return -1;
	}
	return 0;
}

/* Groups that each list the next ten times: the expansion is bounded, and said so. */
static void test_exponential_vars(struct test_case *t)
{
	struct rule_vars *vars = rule_vars_new();
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION };
	/* G8 is one address, G(8-k) 10^k of them: G3 and G4 are too large, G5 and G6 not */
	static const char text[] = "alert tcp $G3 any -> any $P1 (content:\"x\"; sid:1;)\n"
				   "alert tcp $G4 any -> any any (content:\"x\"; sid:2;)\n"
				   "alert tcp $G6 any -> any $P0 (content:\"x\"; sid:3;)\n"
				   "alert tcp $G5 any -> any $P1 (content:\"x\"; sid:4;)\n";
	struct rules_report report;
	struct ruleset *rs = NULL;
	const char *why = NULL;
	int err;

	CHECK(t, vars, "no vars");
	CHECK(t, set_multiplying_vars(vars, 'G', 8, "198.18.0.1") == 0, "G");
	/* ports: 10^4 at P0 (refused), 10^3 at P1 (fine) */
	CHECK(t, set_multiplying_vars(vars, 'P', 4, "22") == 0, "P");
	err = ruleset_load_text(&rs, "test.rules", text, strlen(text), vars, &opts, &report);
	EXPECT(t, err == -EINVAL && !rs, "load returned %d", err);
	CHECK(t, report.count == 3, "%zu problems: %s", report.count,
	      report.count ? report.problems[0].message : "");
	EXPECT(t, report.problems[0].line == 1 && report.problems[0].column == 11 &&
			  !strcmp(report.problems[0].message,
				  "$G3 expands to more than 8192 addresses: variables that list "
				  "each other multiply (limit 8192 items)"),
	       "rule 1: %d:%d %s", report.problems[0].line, report.problems[0].column,
	       report.problems[0].message);
	EXPECT(t, report.problems[1].line == 2 && strstr(report.problems[1].message, "$G4 expands"),
	       "rule 2: %s", report.problems[1].message);
	EXPECT(t, report.problems[2].line == 3 &&
			  strstr(report.problems[2].message, "$P0 expands to more than 8192 ports"),
	       "rule 3: %s", report.problems[2].message);
	rules_report_free(&report);
	ruleset_free(rs);
	/* what check-config asks, per variable */
	EXPECT(t, rule_vars_check_expansion(vars, "G0", &why) == -E2BIG &&
			  strstr(why, "$G0 expands to more than 8192 addresses:") == why,
	       "G0: %s", why);
	EXPECT(t, rule_vars_check_expansion(vars, "P0", &why) == -E2BIG &&
			  strstr(why, "$P0 expands to more than 8192 ports:") == why,
	       "P0: %s", why);
	EXPECT(t, rule_vars_check_expansion(vars, "G5", &why) == 0 &&
			  rule_vars_check_expansion(vars, "P1", &why) == 0 &&
			  rule_vars_check_expansion(vars, "HOME_NET", &why) == 0,
	       "small ones are fine");
	rule_vars_free(vars);
}

static void test_classification_file(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-classification-XXXXXX";
	static const char content[] = "# comment\n"
				      "config classification: good-one,A good, one,2\n"
				      "config classification: broken\n"
				      "config classification: bad-prio,Bad,0\n";
	struct ruleset_options opts = { .classification_file = path };
	struct rules_report report;
	struct ruleset *rs = NULL;
	int fd = mkstemp(path), err;

	CHECK(t, fd >= 0, "mkstemp");
	CHECK(t, write(fd, content, sizeof(content) - 1) == (ssize_t)sizeof(content) - 1, "write");
	close(fd);
	err = ruleset_load_text(&rs, "test.rules", RULE_HEAD "(classtype:good-one; sid:1;)",
				strlen(RULE_HEAD "(classtype:good-one; sid:1;)"), NULL, &opts,
				&report);
	unlink(path);
	EXPECT(t, err == -EINVAL, "bad classification lines must fail the load: %d", err);
	CHECK(t, report.count == 2, "%zu problems", report.count);
	EXPECT(t, !strcmp(report.problems[0].file, path) && report.problems[0].line == 3 &&
			  !strcmp(report.problems[0].message,
				  "expected NAME,DESCRIPTION,PRIORITY"),
	       "line 3: %d '%s'", report.problems[0].line, report.problems[0].message);
	EXPECT(t, report.problems[1].line == 4 &&
			  !strcmp(report.problems[1].message, "priority must be an integer 1..255"),
	       "line 4: %d '%s'", report.problems[1].line, report.problems[1].message);
	rules_report_free(&report);
	ruleset_free(rs);
}

static void test_missing_default_classification(struct test_case *t)
{
	struct ruleset_options opts = { .classification_file = "tests/rules/no-such.config" };
	struct rules_report report;
	struct ruleset *rs = NULL;
	int err;

	err = ruleset_load_text(&rs, "test.rules", RULE_HEAD "(sid:1;)", strlen(RULE_HEAD "(sid:1;)"),
				NULL, &opts, &report);
	EXPECT(t, err == -ENOENT || err == -EINVAL, "explicit missing file: %d", err);
	CHECK(t, report.count == 1, "%zu problems", report.count);
	EXPECT(t, !strcmp(report.problems[0].message, "cannot open: No such file or directory"),
	       "'%s'", report.problems[0].message);
	rules_report_free(&report);
	ruleset_free(rs);
}

static void test_unreadable_rule_file(struct test_case *t)
{
	const char *files[] = { "tests/rules/does-not-exist.rules" };
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION };
	struct rules_report report;
	struct ruleset *rs = NULL;
	int err = ruleset_load(&rs, files, 1, NULL, &opts, &report);

	EXPECT(t, err == -EINVAL && !rs, "load returned %d", err);
	CHECK(t, report.count == 1, "%zu problems", report.count);
	EXPECT(t, !strcmp(report.problems[0].file, files[0]) && report.problems[0].line == 0 &&
			  !strcmp(report.problems[0].message, "cannot open: No such file or directory"),
	       "problem %s:%d '%s'", report.problems[0].file, report.problems[0].line,
	       report.problems[0].message);
	rules_report_free(&report);
}

/* What a rule file can be: a regular file of at most 16 MiB, read without blocking. */
static void test_rule_file_kinds(struct test_case *t)
{
	char fifo[] = "/tmp/edgewatch-rules-fifo-XXXXXX", big[] = "/tmp/edgewatch-rules-big-XXXXXX";
	const char *files[] = { "/dev/urandom", fifo, big };
	static const char *const want[] = { "not a regular file (a character device)",
					     "not a regular file (a FIFO)",
					     "larger than 16 MiB: not a rule file" };
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION };
	struct rules_report report;
	struct ruleset *rs = NULL;
	int fd = mkstemp(big), err;
	size_t i;

	CHECK(t, fd >= 0 && ftruncate(fd, (16 << 20) + 1) == 0, "sparse file");
	close(fd);
	CHECK(t, mkdtemp(fifo) && !rmdir(fifo) && !mkfifo(fifo, 0600), "fifo");
	/* /dev/urandom never ends and nobody writes the FIFO: an unbounded or blocking read
	 * would hang here (the test runner's timeout) or exhaust memory */
	err = ruleset_load(&rs, files, 3, NULL, &opts, &report);
	unlink(fifo);
	unlink(big);
	EXPECT(t, err == -EINVAL && !rs, "load returned %d", err);
	CHECK(t, report.count == 3, "%zu problems: %s", report.count,
	      report.count ? report.problems[0].message : "");
	for (i = 0; i < 3; i++)
		EXPECT(t, !strcmp(report.problems[i].file, files[i]) &&
				  !strcmp(report.problems[i].message, want[i]),
		       "problem %zu: %s '%s'", i, report.problems[i].file, report.problems[i].message);
	rules_report_free(&report);
	/* classification.config goes through the same reader */
	opts.classification_file = "/dev/zero";
	err = ruleset_load_text(&rs, "test.rules", "", 0, NULL, &opts, &report);
	EXPECT(t, err == -EINVAL && !rs, "load returned %d", err);
	EXPECT(t, report.count == 1 &&
			  !strcmp(report.problems[0].message,
				  "not a regular file (a character device)"),
	       "%zu problems: '%s'", report.count, report.count ? report.problems[0].message : "");
	rules_report_free(&report);
}

int main(void)
{
	size_t i;

	test_program = "test_rules_parse";
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		RUN_ROW(check_error, error_cases[i].name, &error_cases[i]);
	RUN(test_every_keyword_accepted);
	RUN(test_content_bytes);
	RUN(test_negated_content_and_positions);
	RUN(test_skip_unsupported);
	RUN(test_et_style_import);
	RUN(test_problems_in_file_order);
	RUN(test_vars);
	RUN(test_exponential_vars);
	RUN(test_classification_file);
	RUN(test_short_content_prefilter_choice);
	RUN(test_missing_default_classification);
	RUN(test_unreadable_rule_file);
	RUN(test_rule_file_kinds);
	return test_summary();
}
