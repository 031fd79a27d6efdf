// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What happens once all options of a rule are read: the checks that need the whole rule,
 * the grouping of its items by buffer, which items the matcher must retry at later
 * positions (backtracking), and the choice of the one expression Hyperscan looks for.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

#define RULE_SEVERITY_DEFAULT 3
#define RULE_MAX_ITEMS 1024

bool rule_item_is_relative(const struct rule_item *item)
{
	switch (item->kind) {
	case RULE_ITEM_CONTENT:
		return item->content.has_distance || item->content.has_within;
	case RULE_ITEM_PCRE:
		return item->pcre.relative;
	case RULE_ITEM_ISDATAAT:
		return item->isdataat.relative;
	}
	return false;
}

bool rule_item_moves_cursor(const struct rule_item *item)
{
	switch (item->kind) {
	case RULE_ITEM_CONTENT:
		return !item->content.negated;
	case RULE_ITEM_PCRE:
		return !item->pcre.negated;
	case RULE_ITEM_ISDATAAT:
		return false;
	}
	return false;
}

static int check_http(struct rule_parser *p)
{
	struct rule *rule = p->rule;
	size_t i, j;

	rule->needs_http = rule->proto == RULE_PROTO_HTTP;
	for (i = 0; i < rule->item_count; i++) {
		const struct rule_item *item = &rule->items[i];

		if (item->buffer == RULE_BUF_PAYLOAD)
			continue;
		rule->needs_http = 1;
		if (rule->proto == RULE_PROTO_UDP || rule->proto == RULE_PROTO_ICMP)
			return rule_fail(p, item->offset, rule_buffer_name(item->buffer),
					 "HTTP buffers need a tcp, http or ip rule");
		if (item->buffer != RULE_BUF_HTTP_HOST || item->kind != RULE_ITEM_CONTENT ||
		    item->content.nocase)
			continue;
		for (j = 0; j < item->content.len; j++) {
			if (isupper(item->content.bytes[j]))
				return rule_fail(p, item->offset, "http.host",
						 "http.host is lower case: a content with upper-case "
						 "letters never matches (lower-case it or add nocase)");
		}
	}
	return 0;
}

/* Stable grouping of the items by buffer, so the matcher walks one buffer at a time. */
static int group_items(struct rule_parser *p)
{
	struct rule *rule = p->rule;
	struct rule_item *sorted;
	size_t n = 0, i;
	int b;

	if (rule->item_count > RULE_MAX_ITEMS)
		return rule_fail(p, rule->items[RULE_MAX_ITEMS].offset, "content",
				 "more than %d content/pcre/isdataat options", RULE_MAX_ITEMS);
	if (rule->item_count == 0)
		return 0;
	sorted = malloc(rule->item_count * sizeof(*sorted));
	if (!sorted)
		return rule_fail(p, 0, "options", "out of memory");
	for (b = 0; b < RULE_BUF_COUNT; b++) {
		rule->buffer_first[b] = (uint16_t)n;
		for (i = 0; i < rule->item_count; i++) {
			if (rule->items[i].buffer == (enum rule_buffer)b)
				sorted[n++] = rule->items[i];
		}
		rule->buffer_count[b] = (uint16_t)(n - rule->buffer_first[b]);
	}
	free(rule->items);
	rule->items = sorted;
	rule->item_capacity = rule->item_count;
	return 0;
}

/*
 * An item needs retrying at its later matches when an item after it is positioned
 * relative to it: before the next item that moves the cursor again.
 */
static void mark_backtracking(struct rule *rule)
{
	int b;

	for (b = 0; b < RULE_BUF_COUNT; b++) {
		size_t first = rule->buffer_first[b], end = first + rule->buffer_count[b], i, k;

		for (i = first; i < end; i++) {
			struct rule_item *item = &rule->items[i];

			item->backtrack = 0;
			if (!rule_item_moves_cursor(item))
				continue;
			for (k = i + 1; k < end; k++) {
				if (rule_item_is_relative(&rule->items[k])) {
					item->backtrack = 1;
					break;
				}
				if (rule_item_moves_cursor(&rule->items[k]))
					break;
			}
		}
	}
}

/*
 * A content shorter than this is a poor prefilter: "/", "d" or "cd" occur in nearly every
 * request, so the rule would be confirmed on almost every sample (the confirm step was 28%
 * of the scan time with three such rules). A pcre of the same rule, compiled by Hyperscan
 * with HS_FLAG_PREFILTER, is then the better prefilter: Hyperscan picks its own rarest
 * literals out of it (what Suricata does by hand with the regex's literal).
 */
#define PREFILTER_SHORT_CONTENT 4

/* The rule's first pcre Hyperscan can compile as a prefilter, or -1. */
static int first_hyperscan_pcre(const struct rule *rule)
{
	size_t i;

	for (i = 0; i < rule->item_count; i++) {
		const struct rule_item *item = &rule->items[i];

		if (item->kind == RULE_ITEM_PCRE && item->pcre.hs_candidate &&
		    rule_pcre_hyperscan_accepts(&item->pcre))
			return (int)i;
	}
	return -1;
}

/*
 * The prefilter: the content marked fast_pattern, else the longest positive content
 * (rarest in practice, and fewest false candidates) unless it is shorter than
 * PREFILTER_SHORT_CONTENT and a pcre Hyperscan can compile exists, else such a pcre.
 * Any positive item will do for correctness: every item of a rule must match, and the
 * confirm step checks them all.
 */
static void choose_prefilter(struct rule *rule)
{
	int best = -1, pcre;
	size_t i;

	for (i = 0; i < rule->item_count; i++) {
		const struct rule_item *item = &rule->items[i];

		if (item->kind != RULE_ITEM_CONTENT || item->content.negated)
			continue;
		if (item->content.fast_pattern) {
			rule->prefilter = (int)i;
			return;
		}
		if (best < 0 || item->content.len > rule->items[best].content.len)
			best = (int)i;
	}
	if (best < 0 || rule->items[best].content.len < PREFILTER_SHORT_CONTENT) {
		pcre = first_hyperscan_pcre(rule);	/* asked only here: Hyperscan parses it */
		if (best < 0 || pcre >= 0)
			best = pcre;
	}
	rule->prefilter = best;
}

int rule_finish(struct rule_parser *p, size_t end_offset)
{
	struct rule_info *info = &p->rule->info;
	int err;

	if (!p->has_sid)
		return rule_fail(p, end_offset, "sid", "missing sid");
	if (!info->msg)
		info->msg = strdup("");
	if (!info->classtype)
		info->classtype = strdup("");
	if (!info->category)
		info->category = strdup("");
	if (!info->msg || !info->classtype || !info->category)
		return rule_fail(p, end_offset, "options", "out of memory");
	if (!info->severity)
		info->severity = RULE_SEVERITY_DEFAULT;
	err = check_http(p);
	if (!err)
		err = group_items(p);
	if (err)
		return err;
	mark_backtracking(p->rule);
	choose_prefilter(p->rule);
	return 0;
}
