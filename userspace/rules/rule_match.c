// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The confirm step: whether one rule matches one sample, exactly. Hyperscan only said
 * that the rule's prefilter expression occurs somewhere; here every content, pcre and
 * isdataat is checked in rule order per buffer, with Suricata's position semantics:
 *
 *   offset/depth        window [offset, offset + depth) from the buffer start
 *   distance/within     window [prev + distance, prev + distance + within), where prev is
 *                       the end of the previous match in the same buffer (0 if none)
 *   startswith/endswith the match starts at 0 / ends at the end of the buffer
 *   negated (!)         absent from its window; does not move prev
 *   pcre /R             searched from prev; pcre moves prev to the end of its match
 *
 * A rule matches when some choice of match positions satisfies every item: when a later
 * relative item fails, the earlier item is retried at its next occurrence (backtracking,
 * as Suricata's inspection engine does). A step budget bounds the work per rule; a rule
 * that runs out is counted (budget_exhausted) and treated as not matching.
 */
#include <netinet/in.h>
#include <string.h>

#include "rules/rules_internal.h"

/* The buffer one rule's items are matched against. */
struct subject {
	struct match_buffers *buffers;
	enum rule_buffer buffer;
	const uint8_t *data;
	size_t len;
};

/* The lower-cased copy of the subject's buffer, made on first use. */
static const uint8_t *lower_copy(const struct subject *subject)
{
	struct match_buffers *buffers = subject->buffers;
	uint8_t *copy;
	size_t i;

	if (buffers->lower[subject->buffer])
		return buffers->lower[subject->buffer];
	copy = buffers->lower_room + buffers->lower_used;
	for (i = 0; i < subject->len; i++) {
		uint8_t c = subject->data[i];

		copy[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
	}
	buffers->lower_used += subject->len;
	buffers->lower[subject->buffer] = copy;
	return copy;
}

/*
 * First position p in [from, to - len] where the content is; -1 if none. memmem (glibc's
 * two-way search) keeps every search linear, so the step budget bounds the time.
 */
static long find_content(const struct rule_content *c, const struct subject *subject,
			 size_t from, size_t to)
{
	const uint8_t *haystack;
	const uint8_t *hit;

	if (to < from || to - from < c->len)
		return -1;
	haystack = c->nocase ? lower_copy(subject) : subject->data;
	hit = memmem(haystack + from, to - from, c->bytes, c->len);
	return hit ? (long)(hit - haystack) : -1;
}

static bool match_from(const struct rule_item *items, size_t count, size_t index,
		       const struct subject *subject, size_t prev_end, struct match_state *state);

static bool spend(struct match_state *state)
{
	if (state->budget == 0) {
		state->budget_exhausted = 1;
		return false;
	}
	state->budget--;
	return true;
}

static bool match_content(const struct rule_item *items, size_t count, size_t index,
			  const struct subject *subject, size_t prev_end, struct match_state *state)
{
	const struct rule_item *item = &items[index];
	size_t len = subject->len;
	const struct rule_content *c = &item->content;
	long long lo, hi, base;
	long pos;

	if (c->has_distance || c->has_within) {
		base = (long long)prev_end + c->distance;
		lo = base < 0 ? 0 : base;
		hi = c->has_within ? base + c->within : (long long)len;
	} else if (c->startswith) {
		lo = 0;
		hi = c->len;
	} else {
		lo = c->offset;
		hi = c->has_depth ? (long long)c->offset + c->depth : (long long)len;
	}
	if (hi > (long long)len)
		hi = (long long)len;
	if (c->endswith)	/* the only candidate ends at the end of the buffer */
		lo = (len >= c->len && (long long)(len - c->len) >= lo) ? (long long)(len - c->len) :
									    hi;
	if (lo > hi)
		lo = hi;

	pos = find_content(c, subject, (size_t)lo, (size_t)hi);
	if (c->negated)
		return pos < 0 && match_from(items, count, index + 1, subject, prev_end, state);
	while (pos >= 0) {
		if (match_from(items, count, index + 1, subject, (size_t)pos + c->len, state))
			return true;
		if (!item->backtrack || !spend(state))
			return false;
		pos = find_content(c, subject, (size_t)pos + 1, (size_t)hi);
	}
	return false;
}

static bool match_pcre(const struct rule_item *items, size_t count, size_t index,
		       const struct subject *subject, size_t prev_end, struct match_state *state)
{
	const struct rule_item *item = &items[index];
	size_t start = item->pcre.relative ? prev_end : 0, text_len, offset = 0;
	const uint8_t *text;
	int rc;

	if (start > subject->len)
		start = subject->len;
	text = subject->data ? subject->data + start : (const uint8_t *)"";
	text_len = subject->len - start;
	for (;;) {
		PCRE2_SIZE *ovector;
		size_t match_start, match_end;

		rc = pcre2_match(item->pcre.code, text, text_len, offset, 0, state->match_data,
				 state->match_context);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			state->pcre_error = 1;	/* limits hit: counted, not matched */
			return false;
		}
		if (item->pcre.negated)
			return rc < 0 && match_from(items, count, index + 1, subject, prev_end, state);
		if (rc < 0)
			return false;
		/* rc == 0 (ovector too small for the captures) is still a match */
		ovector = pcre2_get_ovector_pointer(state->match_data);
		match_start = ovector[0];
		match_end = ovector[1];
		if (match_from(items, count, index + 1, subject, start + match_end, state))
			return true;
		if (!item->backtrack || !spend(state) || match_start + 1 > text_len)
			return false;
		offset = match_start + 1;
	}
}

static bool match_from(const struct rule_item *items, size_t count, size_t index,
		       const struct subject *subject, size_t prev_end, struct match_state *state)
{
	const struct rule_item *item;
	unsigned long long at;

	if (index == count)
		return true;
	if (!spend(state))
		return false;
	item = &items[index];
	switch (item->kind) {
	case RULE_ITEM_CONTENT:
		return match_content(items, count, index, subject, prev_end, state);
	case RULE_ITEM_PCRE:
		return match_pcre(items, count, index, subject, prev_end, state);
	case RULE_ITEM_ISDATAAT:
		at = (item->isdataat.relative ? prev_end : 0) + (unsigned long long)item->isdataat.offset;
		if ((at < subject->len) == (bool)item->isdataat.negated)
			return false;
		return match_from(items, count, index + 1, subject, prev_end, state);
	}
	return false;
}

bool rule_items_match(const struct rule *rule, struct match_buffers *buffers,
		      struct match_state *state)
{
	int b;

	for (b = 0; b < RULE_BUF_COUNT; b++) {
		struct subject subject = { .buffers = buffers, .buffer = (enum rule_buffer)b,
					   .data = buffers->data[b], .len = buffers->len[b] };

		if (!rule->buffer_count[b])
			continue;
		if (!buffers->present[b])
			return false;
		if (!match_from(rule->items + rule->buffer_first[b], rule->buffer_count[b], 0,
				&subject, 0, state))
			return false;
	}
	return true;
}

static bool proto_matches(enum rule_proto proto, uint8_t ip_proto, bool is_http)
{
	switch (proto) {
	case RULE_PROTO_IP:
		return true;
	case RULE_PROTO_TCP:
		return ip_proto == IPPROTO_TCP;
	case RULE_PROTO_UDP:
		return ip_proto == IPPROTO_UDP;
	case RULE_PROTO_ICMP:
		return ip_proto == IPPROTO_ICMP || ip_proto == IPPROTO_ICMPV6;
	case RULE_PROTO_HTTP:
		return ip_proto == IPPROTO_TCP && is_http;
	}
	return false;
}

static bool endpoints_match(const struct rule *rule, const struct scan_input *in, bool swapped)
{
	uint8_t sport[2] = { (uint8_t)(in->src_port >> 8), (uint8_t)in->src_port };
	uint8_t dport[2] = { (uint8_t)(in->dst_port >> 8), (uint8_t)in->dst_port };
	const struct list_node *src_addr = swapped ? &rule->dst_addr : &rule->src_addr;
	const struct list_node *src_port = swapped ? &rule->dst_port : &rule->src_port;
	const struct list_node *dst_addr = swapped ? &rule->src_addr : &rule->dst_addr;
	const struct list_node *dst_port = swapped ? &rule->src_port : &rule->dst_port;

	return list_matches(src_addr, in->family, in->src_addr) &&
	       list_matches(dst_addr, in->family, in->dst_addr) &&
	       list_matches(src_port, 0, sport) && list_matches(dst_port, 0, dport);
}

bool rule_header_matches(const struct rule *rule, const struct scan_input *in, bool is_http)
{
	uint32_t dsize = in->orig_len > in->len ? in->orig_len : in->len;

	if (!proto_matches(rule->proto, in->proto, is_http) || (rule->needs_http && !is_http))
		return false;
	if ((rule->flow_dir == RULE_FLOW_TO_SERVER && !in->to_server) ||
	    (rule->flow_dir == RULE_FLOW_TO_CLIENT && in->to_server))
		return false;
	if ((rule->flow_state == RULE_FLOW_ESTABLISHED && !in->established) ||
	    (rule->flow_state == RULE_FLOW_NOT_ESTABLISHED && in->established))
		return false;
	if (rule->has_dsize &&
	    (dsize >= rule->dsize_lo && dsize <= rule->dsize_hi) == (bool)rule->dsize_negated)
		return false;
	return endpoints_match(rule, in, false) ||
	       (rule->bidirectional && endpoints_match(rule, in, true));
}
