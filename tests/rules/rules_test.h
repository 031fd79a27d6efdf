/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the rules engine's unit tests (tests/unit/test_rules*.c): load rule
 * text with the test variables and the fixture classification, build samples, collect
 * the sids a sample raises. Tests run from the repository root.
 */
#ifndef EDGEWATCH_TESTS_RULES_TEST_H
#define EDGEWATCH_TESTS_RULES_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules/http.h"
#include "rules/rules.h"

#define TEST_CLASSIFICATION "tests/rules/classification.config"
#define TEST_HOME_NET "[198.18.0.0/15,2001:db8::/32]"
#define TEST_MAX_SIDS 64

/* The variables of the sample test: HOME_NET is the test range, the rest as defaults. */
static inline struct rule_vars *test_vars_new(void)
{
	struct rule_vars *vars = rule_vars_new();
	const char *why = NULL;

	if (vars && (rule_vars_set_address(vars, "HOME_NET", TEST_HOME_NET, &why) ||
		     rule_vars_set_address(vars, "EXTERNAL_NET", "!$HOME_NET", &why))) {
		rule_vars_free(vars);
		return NULL;
	}
	return vars;
}

/* Load rule text; returns ruleset_load's result, report filled (free it). */
static inline int test_load_text(const char *text, struct ruleset **rs,
				 struct rules_report *report, const char *cache_dir)
{
	struct ruleset_options opts = { .classification_file = TEST_CLASSIFICATION,
					.cache_dir = cache_dir };
	struct rule_vars *vars = test_vars_new();
	int err;

	if (!vars)
		return -12;
	err = ruleset_load_text(rs, "test.rules", text, strlen(text), vars, &opts, report);
	rule_vars_free(vars);
	return err;
}

/* A TCP sample from 203.0.113.5:40000 (outside) to 198.18.0.1:80 (home), established. */
static inline struct scan_input test_input(const char *payload)
{
	struct scan_input in = { 0 };

	in.payload = (const uint8_t *)payload;
	in.len = (uint32_t)strlen(payload);
	in.orig_len = in.len;
	in.proto = IPPROTO_TCP;
	in.family = 4;
	in.to_server = 1;
	in.established = 1;
	inet_pton(AF_INET, "203.0.113.5", in.src_addr);
	inet_pton(AF_INET, "198.18.0.1", in.dst_addr);
	in.src_port = 40000;
	in.dst_port = 80;
	return in;
}

struct test_matches {
	uint32_t sids[TEST_MAX_SIDS];
	size_t count;
	int saw_http;		/* the callback got a parsed request */
};

static inline int test_collect(const struct rule_info *rule, const struct scan_input *in,
			       const struct http_request *http, void *user)
{
	struct test_matches *m = user;

	if (m->count < TEST_MAX_SIDS)
		m->sids[m->count++] = rule->sid;
	m->saw_http |= http != NULL;
	return 0;
}

static inline int test_matched(const struct test_matches *m, uint32_t sid)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		if (m->sids[i] == sid)
			return 1;
	}
	return 0;
}

/* The sids of m as "1,2,3" for failure messages. */
static inline const char *test_sids_text(const struct test_matches *m, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < m->count && used + 12 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u", i ? "," : "", m->sids[i]);
	if (!m->count)
		snprintf(buf, size, "none");
	return buf;
}

/* Scan one sample with a fresh context; -errno on failure. */
static inline int test_scan(const struct ruleset *rs, const struct scan_input *in,
			    struct test_matches *m)
{
	struct scan_ctx *ctx = scan_ctx_new(rs);
	int err;

	memset(m, 0, sizeof(*m));
	if (!ctx)
		return -12;
	err = ruleset_scan(rs, ctx, in, test_collect, m);
	scan_ctx_free(ctx);
	return err;
}

#endif /* EDGEWATCH_TESTS_RULES_TEST_H */
