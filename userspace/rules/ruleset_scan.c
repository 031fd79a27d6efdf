// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Scanning one sample: parse it as HTTP when some rule needs that, run each buffer's
 * Hyperscan database (the prefilters of the rules that inspect that buffer) over that
 * buffer, then confirm the candidate rules
 * (and the rules without a prefilter) in rule order, calling back for each match.
 *
 * The ruleset is read-only after loading; everything a scan writes lives in its
 * scan_ctx (Hyperscan scratch, PCRE2 match data and JIT stack, the HTTP parse, the
 * candidate list), so threads with a context each scan one ruleset concurrently.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "rules/http.h"
#include "rules/rules_internal.h"

/*
 * Searches one rule's confirmation may make (the backtracking bound; each search is linear
 * in the buffer). Suricata's default inspection recursion limit is the same.
 */
#define MATCH_BUDGET 3000
/* PCRE2 limits per match call: bounded time on hostile payloads. */
#define PCRE_MATCH_LIMIT 200000
#define PCRE_DEPTH_LIMIT 20000
#define PCRE_JIT_STACK_MAX (512 * 1024)

struct scan_ctx {
	const struct ruleset *rs;
	hs_scratch_t *scratch;
	pcre2_match_data *match_data;
	pcre2_match_context *match_context;
	pcre2_jit_stack *jit_stack;
	struct http_request http;
	uint32_t *candidates;
	size_t candidate_count;
	uint8_t *marked;		/* per rule: already a candidate for this sample */
	uint8_t *lower;			/* room for lower-cased copies of nocase buffers */
	size_t lower_size;
	bool confirm_all;		/* the reference path: no prefilter (tests) */
	struct scan_stats stats;
};

void scan_ctx_free(struct scan_ctx *ctx)
{
	if (!ctx)
		return;
	hs_free_scratch(ctx->scratch);
	pcre2_match_data_free(ctx->match_data);
	pcre2_match_context_free(ctx->match_context);
	pcre2_jit_stack_free(ctx->jit_stack);
	http_request_release(&ctx->http);
	free(ctx->candidates);
	free(ctx->marked);
	free(ctx->lower);
	free(ctx);
}

struct scan_ctx *scan_ctx_new(const struct ruleset *rs)
{
	struct scan_ctx *ctx = rs ? calloc(1, sizeof(*ctx)) : NULL;
	int b;

	if (!ctx)
		return NULL;
	ctx->rs = rs;
	http_request_init(&ctx->http);
	/* one scratch grown to fit every buffer's database */
	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if (rs->dbs[b] && hs_alloc_scratch(rs->dbs[b], &ctx->scratch) != HS_SUCCESS)
			goto fail;
	}
	/* one ovector pair: the confirm step needs where a match starts and ends only */
	ctx->match_data = pcre2_match_data_create(1, NULL);
	ctx->match_context = pcre2_match_context_create(NULL);
	ctx->jit_stack = pcre2_jit_stack_create(32 * 1024, PCRE_JIT_STACK_MAX, NULL);
	ctx->candidates = calloc(rs->count + 1, sizeof(*ctx->candidates));
	ctx->marked = calloc(rs->count + 1, 1);
	if (!ctx->match_data || !ctx->match_context || !ctx->jit_stack || !ctx->candidates ||
	    !ctx->marked)
		goto fail;
	pcre2_set_match_limit(ctx->match_context, PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->match_context, PCRE_DEPTH_LIMIT);
	pcre2_jit_stack_assign(ctx->match_context, NULL, ctx->jit_stack);
	return ctx;
fail:
	scan_ctx_free(ctx);
	return NULL;
}

void scan_ctx_set_confirm_all(struct scan_ctx *ctx, bool confirm_all)
{
	ctx->confirm_all = confirm_all;
}

void scan_ctx_stats(const struct scan_ctx *ctx, struct scan_stats *out)
{
	*out = ctx->stats;
}

static int on_prefilter_match(unsigned int id, unsigned long long from, unsigned long long to,
			      unsigned int flags, void *user)
{
	struct scan_ctx *ctx = user;

	/* each database holds the prefilters of one buffer: a hit is a candidate */
	if (ctx->marked[id])
		return 0;
	ctx->marked[id] = 1;
	ctx->candidates[ctx->candidate_count++] = id;
	return 0;
}

static void set_buffer(struct match_buffers *buffers, enum rule_buffer buffer,
		       struct http_slice slice)
{
	buffers->present[buffer] = slice.data != NULL;
	buffers->data[buffer] = slice.data;
	buffers->len[buffer] = slice.len;
}

/* Room for lower-cased copies of the buffers nocase contents search (made lazily). */
static int reserve_lower_room(struct scan_ctx *ctx, struct match_buffers *buffers)
{
	size_t needed = 0;
	int b;

	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if ((ctx->rs->nocase_buffers & (1u << b)) && buffers->present[b])
			needed += buffers->len[b];
	}
	if (needed > ctx->lower_size) {
		uint8_t *grown = realloc(ctx->lower, needed);

		if (!grown)
			return -ENOMEM;
		ctx->lower = grown;
		ctx->lower_size = needed;
	}
	buffers->lower_room = ctx->lower;
	return 0;
}

static int collect_buffers(struct scan_ctx *ctx, const struct scan_input *in, bool is_http,
			   struct match_buffers *buffers)
{
	const struct http_request *http = &ctx->http;

	memset(buffers, 0, sizeof(*buffers));
	buffers->present[RULE_BUF_PAYLOAD] = 1;
	buffers->data[RULE_BUF_PAYLOAD] = in->payload;
	buffers->len[RULE_BUF_PAYLOAD] = in->payload ? in->len : 0;
	if (is_http) {
		set_buffer(buffers, RULE_BUF_HTTP_METHOD, http->method);
		set_buffer(buffers, RULE_BUF_HTTP_URI, http->uri);
		set_buffer(buffers, RULE_BUF_HTTP_URI_RAW, http->uri_raw);
		set_buffer(buffers, RULE_BUF_HTTP_USER_AGENT, http->user_agent);
		set_buffer(buffers, RULE_BUF_HTTP_HOST, http->host);
		set_buffer(buffers, RULE_BUF_HTTP_HEADER, http->headers);
		set_buffer(buffers, RULE_BUF_HTTP_BODY, http->body);
	}
	return reserve_lower_room(ctx, buffers);
}

static void prefilter(struct scan_ctx *ctx, const struct match_buffers *buffers)
{
	const struct ruleset *rs = ctx->rs;
	int b;

	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if (!rs->dbs[b] || !buffers->present[b] || !buffers->len[b])
			continue;
		if (hs_scan(rs->dbs[b], (const char *)buffers->data[b], (unsigned int)buffers->len[b], 0,
			    ctx->scratch, on_prefilter_match, ctx) != HS_SUCCESS)
			ctx->stats.scan_errors++;	/* its candidates are lost: counted */
	}
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int ruleset_scan(const struct ruleset *rs, struct scan_ctx *ctx, const struct scan_input *in,
		 scan_match_fn on_match, void *user)
{
	struct match_buffers buffers;
	bool is_http = false, stop = false;
	size_t i;

	if (!rs || !ctx || ctx->rs != rs || !in || (!in->payload && in->len))
		return -EINVAL;
	ctx->stats.samples++;
	if (rs->needs_http && in->proto == IPPROTO_TCP && in->len > 0) {
		int err = http_request_parse(&ctx->http, in->payload, in->len);

		if (err == -ENOMEM)
			return err;
		is_http = err == 0;
		ctx->stats.http_requests += is_http;
		ctx->stats.http_truncated += is_http && ctx->http.truncated;
	}
	if (collect_buffers(ctx, in, is_http, &buffers))
		return -ENOMEM;

	ctx->candidate_count = 0;
	if (ctx->confirm_all) {
		for (i = 0; i < rs->count; i++)
			ctx->candidates[ctx->candidate_count++] = (uint32_t)i;
	} else {
		prefilter(ctx, &buffers);
		for (i = 0; i < rs->always_count; i++)
			ctx->candidates[ctx->candidate_count++] = rs->always[i];
	}
	/* rule order (file order), whatever order Hyperscan reported in */
	qsort(ctx->candidates, ctx->candidate_count, sizeof(*ctx->candidates), compare_u32);

	for (i = 0; i < ctx->candidate_count; i++) {
		const struct rule *rule = &rs->rules[ctx->candidates[i]];
		struct match_state state = { .match_data = ctx->match_data,
					     .match_context = ctx->match_context,
					     .budget = MATCH_BUDGET };

		ctx->marked[ctx->candidates[i]] = 0;
		if (stop)
			continue;	/* only the marks left to clear */
		ctx->stats.candidates++;
		if (!rule_header_matches(rule, in, is_http))
			continue;
		if (rule_items_match(rule, &buffers, &state)) {
			ctx->stats.matches++;
			stop = on_match && on_match(&rule->info, in, is_http ? &ctx->http : NULL,
						    user) != 0;
		}
		ctx->stats.budget_exhausted += state.budget_exhausted;
		ctx->stats.pcre_errors += state.pcre_error;
	}
	return 0;
}
