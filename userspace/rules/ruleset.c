// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A loaded ruleset: its Hyperscan databases, one per buffer (compiled, or from the cache), the rules
 * Hyperscan cannot prefilter, and the accessors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules/rules_internal.h"

static int compile_or_load(struct ruleset *rs, const struct ruleset_options *opts,
			   struct rules_problems *problems, int *cache_hit)
{
	uint8_t key[RULES_CACHE_KEY_SIZE];
	char why[512] = "";
	int use_cache = opts->cache_dir != NULL, err;

	if (use_cache && rules_cache_key(&rs->exprs, key)) {
		log_warn("rules cache: cannot compute the key, compiling without the cache");
		use_cache = 0;
	}
	if (use_cache) {
		err = rules_cache_load(opts->cache_dir, key, &rs->exprs, rs->dbs);
		if (!err) {
			*cache_hit = 1;
			return 0;
		}
		use_cache = err != -EPERM;	/* refused (and said why): not written either */
	}
	err = hs_expressions_compile_buffers(&rs->exprs, rs->dbs, why, sizeof(why));
	if (err) {
		if (rules_problems_add(problems, "", 0, 0, "hyperscan", 0, "%s", why))
			return -ENOMEM;
		return err;
	}
	if (use_cache && rs->exprs.count) {
		err = rules_cache_store(opts->cache_dir, key, &rs->exprs, rs->dbs);
		if (err)
			log_warn("rules cache %s: cannot write: %s (the next load compiles again)",
				 opts->cache_dir, strerror(-err));
	}
	return 0;
}

int ruleset_assemble(struct ruleset *rs, const struct ruleset_options *opts,
		     struct rules_problems *problems, int *cache_hit)
{
	uint8_t *compiled = NULL;
	size_t i;
	int err;

	*cache_hit = 0;
	err = hs_expressions_build(&rs->exprs, rs->rules, rs->count);
	if (!err)
		err = compile_or_load(rs, opts, problems, cache_hit);
	if (err)
		return err;

	compiled = calloc(rs->count + 1, 1);
	rs->always = calloc(rs->count + 1, sizeof(*rs->always));
	if (!compiled || !rs->always) {
		free(compiled);
		return -ENOMEM;
	}
	for (i = 0; i < rs->exprs.count; i++)
		compiled[rs->exprs.ids[i]] = 1;
	for (i = 0; i < rs->count; i++) {
		struct rule *rule = &rs->rules[i];
		size_t k;

		rs->needs_http |= rule->needs_http;
		for (k = 0; k < rule->item_count; k++) {
			if (rule->items[k].kind == RULE_ITEM_CONTENT && rule->items[k].content.nocase)
				rs->nocase_buffers |= 1u << rule->items[k].buffer;
		}
		if (compiled[i])
			continue;
		rule->prefilter = -1;	/* none, or a pcre Hyperscan rejected in the end */
		rs->always[rs->always_count++] = (uint32_t)i;
	}
	free(compiled);
	log_debug("rules: %zu loaded, %zu Hyperscan expressions, %zu without prefilter%s",
		  rs->count, rs->exprs.count, rs->always_count,
		  *cache_hit ? " (database from the cache)" : "");
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->count; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	classification_release(&rs->classes);
	hs_expressions_release(&rs->exprs);
	for (i = 0; i < RULE_BUF_COUNT; i++)
		hs_free_database(rs->dbs[i]);
	free(rs->always);
	for (i = 0; i < rs->file_count; i++)
		free(rs->file_names[i]);
	free(rs->file_names);
	free(rs);
}

size_t ruleset_count(const struct ruleset *rs)
{
	return rs ? rs->count : 0;
}

const struct rule_info *ruleset_rule(const struct ruleset *rs, size_t index)
{
	return rs && index < rs->count ? &rs->rules[index].info : NULL;
}
