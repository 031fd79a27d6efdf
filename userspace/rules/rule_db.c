// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Hyperscan databases of a ruleset, one per buffer some prefilter lives in: one
 * expression per rule (its prefilter), the expression id being the rule's index, in the
 * database of the buffer its prefilter inspects. Each buffer is scanned by its own small
 * database only (one database for all buffers scanned the HTTP header block and the body,
 * nearly the whole payload again, with every payload pattern). A content becomes an escaped literal, with its
 * absolute offset/depth as Hyperscan offset bounds; a pcre is compiled with
 * HS_FLAG_PREFILTER, so Hyperscan may report more than PCRE would match but never less,
 * and the confirm step decides. HS_FLAG_SINGLEMATCH: one report per rule and buffer is
 * all the prefilter needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

void hs_expressions_release(struct hs_expressions *exprs)
{
	size_t i;

	for (i = 0; i < exprs->count; i++)
		free(exprs->patterns[i]);
	free(exprs->patterns);
	free(exprs->flags);
	free(exprs->ids);
	free(exprs->exts);
	free(exprs->buffers);
	memset(exprs, 0, sizeof(*exprs));
}

/* "\xHH" per byte: exact, whatever the bytes are (no regex syntax to escape). */
static char *escape_literal(const uint8_t *bytes, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *out = malloc(4 * len + 1), *w = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		*w++ = '\\';
		*w++ = 'x';
		*w++ = hex[bytes[i] >> 4];
		*w++ = hex[bytes[i] & 0xf];
	}
	*w = '\0';
	return out;
}

/* The expression for a content, with the absolute window as Hyperscan end-offset bounds. */
static char *content_expression(const struct rule_content *c, unsigned int *flags,
				hs_expr_ext_t *ext)
{
	*flags = HS_FLAG_SINGLEMATCH | (c->nocase ? HS_FLAG_CASELESS : 0);
	if (c->startswith) {
		ext->flags = HS_EXT_FLAG_MAX_OFFSET;
		ext->max_offset = c->len;
	} else if (!c->has_distance && !c->has_within) {
		if (c->has_offset && c->offset > 0) {
			ext->flags |= HS_EXT_FLAG_MIN_OFFSET;
			ext->min_offset = (unsigned long long)c->offset + c->len;
		}
		if (c->has_depth) {
			ext->flags |= HS_EXT_FLAG_MAX_OFFSET;
			ext->max_offset = (unsigned long long)c->offset + (unsigned long long)c->depth;
		}
	}
	return escape_literal(c->bytes, c->len);
}

int hs_expressions_build(struct hs_expressions *exprs, const struct rule *rules, size_t count)
{
	size_t i, n = 0;

	memset(exprs, 0, sizeof(*exprs));
	for (i = 0; i < count; i++)
		n += rules[i].prefilter >= 0;
	exprs->patterns = calloc(n + 1, sizeof(*exprs->patterns));
	exprs->flags = calloc(n + 1, sizeof(*exprs->flags));
	exprs->ids = calloc(n + 1, sizeof(*exprs->ids));
	exprs->exts = calloc(n + 1, sizeof(*exprs->exts));
	exprs->buffers = calloc(n + 1, sizeof(*exprs->buffers));
	if (!exprs->patterns || !exprs->flags || !exprs->ids || !exprs->exts || !exprs->buffers)
		goto nomem;
	for (i = 0; i < count; i++) {
		const struct rule_item *item;
		char *pattern;

		if (rules[i].prefilter < 0)
			continue;
		item = &rules[i].items[rules[i].prefilter];
		if (item->kind == RULE_ITEM_CONTENT) {
			pattern = content_expression(&item->content, &exprs->flags[exprs->count],
						     &exprs->exts[exprs->count]);
		} else {
			pattern = strdup(item->pcre.pattern);
			exprs->flags[exprs->count] = item->pcre.hs_flags | HS_FLAG_PREFILTER |
						     HS_FLAG_SINGLEMATCH;
		}
		if (!pattern)
			goto nomem;
		exprs->patterns[exprs->count] = pattern;
		exprs->ids[exprs->count] = (unsigned int)i;
		exprs->buffers[exprs->count] = (uint8_t)item->buffer;
		exprs->count++;
	}
	return 0;
nomem:
	hs_expressions_release(exprs);
	return -ENOMEM;
}

void hs_expressions_remove(struct hs_expressions *exprs, size_t index)
{
	size_t tail = exprs->count - index - 1;

	free(exprs->patterns[index]);
	memmove(&exprs->patterns[index], &exprs->patterns[index + 1],
		tail * sizeof(*exprs->patterns));
	memmove(&exprs->flags[index], &exprs->flags[index + 1], tail * sizeof(*exprs->flags));
	memmove(&exprs->ids[index], &exprs->ids[index + 1], tail * sizeof(*exprs->ids));
	memmove(&exprs->exts[index], &exprs->exts[index + 1], tail * sizeof(*exprs->exts));
	memmove(&exprs->buffers[index], &exprs->buffers[index + 1], tail * sizeof(*exprs->buffers));
	exprs->count--;
}

int hs_expressions_compile(struct hs_expressions *exprs, hs_database_t **db, char *why,
			   size_t why_size)
{
	const hs_expr_ext_t **ext_ptrs = NULL;
	hs_compile_error_t *compile_err = NULL;
	int err = 0;

	*db = NULL;
	while (exprs->count > 0) {
		size_t i;
		hs_error_t rc;

		free(ext_ptrs);
		ext_ptrs = calloc(exprs->count, sizeof(*ext_ptrs));
		if (!ext_ptrs) {
			err = -ENOMEM;
			snprintf(why, why_size, "out of memory");
			break;
		}
		for (i = 0; i < exprs->count; i++)
			ext_ptrs[i] = exprs->exts[i].flags ? &exprs->exts[i] : NULL;
		rc = hs_compile_ext_multi((const char *const *)exprs->patterns, exprs->flags,
					  exprs->ids, ext_ptrs, (unsigned int)exprs->count,
					  HS_MODE_BLOCK, NULL, db, &compile_err);
		if (rc == HS_SUCCESS)
			break;
		/* A pcre prefilter Hyperscan accepted alone but not in the whole: the rule
		 * keeps PCRE2 only (confirmed on every sample) and the rest compiles again. */
		if (compile_err && compile_err->expression >= 0 &&
		    (size_t)compile_err->expression < exprs->count &&
		    (exprs->flags[compile_err->expression] & HS_FLAG_PREFILTER)) {
			hs_expressions_remove(exprs, (size_t)compile_err->expression);
			hs_free_compile_error(compile_err);
			compile_err = NULL;
			continue;
		}
		snprintf(why, why_size, "Hyperscan: %s%s%d",
			 compile_err ? compile_err->message : "compile failed",
			 compile_err && compile_err->expression >= 0 ? " (rule index " : " (code ",
			 compile_err && compile_err->expression >= 0 ?
				 (int)exprs->ids[compile_err->expression] : (int)rc);
		strncat(why, ")", why_size - strlen(why) - 1);
		err = -EINVAL;
		break;
	}
	hs_free_compile_error(compile_err);
	free(ext_ptrs);
	return err;
}

static int expressions_alloc(struct hs_expressions *exprs, size_t n)
{
	memset(exprs, 0, sizeof(*exprs));
	exprs->patterns = calloc(n + 1, sizeof(*exprs->patterns));
	exprs->flags = calloc(n + 1, sizeof(*exprs->flags));
	exprs->ids = calloc(n + 1, sizeof(*exprs->ids));
	exprs->exts = calloc(n + 1, sizeof(*exprs->exts));
	exprs->buffers = calloc(n + 1, sizeof(*exprs->buffers));
	if (exprs->patterns && exprs->flags && exprs->ids && exprs->exts && exprs->buffers)
		return 0;
	hs_expressions_release(exprs);
	return -ENOMEM;
}

/* Move expression i of from to the end of to (room reserved). */
static void expression_move(struct hs_expressions *to, struct hs_expressions *from, size_t i)
{
	size_t n = to->count++;

	to->patterns[n] = from->patterns[i];
	from->patterns[i] = NULL;
	to->flags[n] = from->flags[i];
	to->ids[n] = from->ids[i];
	to->exts[n] = from->exts[i];
	to->buffers[n] = from->buffers[i];
}

int hs_expressions_split(struct hs_expressions *exprs, struct hs_expressions parts[RULE_BUF_COUNT])
{
	size_t counts[RULE_BUF_COUNT] = { 0 }, i;
	int b;

	for (i = 0; i < exprs->count; i++)
		counts[exprs->buffers[i]]++;
	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if (expressions_alloc(&parts[b], counts[b])) {
			while (b-- > 0)
				hs_expressions_release(&parts[b]);
			return -ENOMEM;
		}
	}
	for (i = 0; i < exprs->count; i++)
		expression_move(&parts[exprs->buffers[i]], exprs, i);
	exprs->count = 0;
	return 0;
}

void hs_expressions_join(struct hs_expressions *exprs, struct hs_expressions parts[RULE_BUF_COUNT])
{
	size_t at[RULE_BUF_COUNT] = { 0 };
	int b;

	/* exprs keeps its arrays (as large as all parts together); ascending ids, as built */
	exprs->count = 0;
	for (;;) {
		int best = -1;

		for (b = 0; b < RULE_BUF_COUNT; b++) {
			if (at[b] < parts[b].count &&
			    (best < 0 || parts[b].ids[at[b]] < parts[best].ids[at[best]]))
				best = b;
		}
		if (best < 0)
			break;
		expression_move(exprs, &parts[best], at[best]++);
	}
	for (b = 0; b < RULE_BUF_COUNT; b++) {
		parts[b].count = 0;	/* the patterns moved back: not freed here */
		hs_expressions_release(&parts[b]);
	}
}

int hs_expressions_compile_buffers(struct hs_expressions *exprs,
				   hs_database_t *dbs[RULE_BUF_COUNT], char *why, size_t why_size)
{
	struct hs_expressions parts[RULE_BUF_COUNT];
	int b, err;

	for (b = 0; b < RULE_BUF_COUNT; b++)
		dbs[b] = NULL;
	err = hs_expressions_split(exprs, parts);
	if (err) {
		snprintf(why, why_size, "out of memory");
		return err;
	}
	for (b = 0; !err && b < RULE_BUF_COUNT; b++)
		err = hs_expressions_compile(&parts[b], &dbs[b], why, why_size);
	hs_expressions_join(exprs, parts);
	if (err) {
		for (b = 0; b < RULE_BUF_COUNT; b++) {
			hs_free_database(dbs[b]);
			dbs[b] = NULL;
		}
	}
	return err;
}
