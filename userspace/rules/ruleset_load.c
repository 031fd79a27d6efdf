// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading a ruleset: rule files split into rules (comments, blank lines, '\' continuation
 * lines), each rule parsed with its problems located by file, line and column; duplicate
 * sids found; then the Hyperscan databases (one per buffer) compiled or taken from the cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "log.h"
#include "rules/rules_internal.h"
#include "text_escape.h"

#define DEFAULT_CLASSIFICATION "rules/classification.config"

/* Where each physical line of a logical rule starts in the joined text. */
struct line_segment {
	size_t offset;
	int line;
};

struct loader {
	const struct rule_vars *vars;
	struct rule_vars *own_vars;	/* defaults, when the caller gave none */
	const struct ruleset_options *opts;
	struct rules_problems problems;
	struct classification classes;
	struct rule *rules;
	size_t count, capacity;
	size_t skipped;
	int failed;			/* an error that skip_unsupported does not cover */
	char **file_names;
	size_t file_count;
	char *joined;			/* the logical rule being read */
	size_t joined_capacity;
	struct line_segment *segments;
	size_t segment_capacity;
};

static void locate(const struct line_segment *segments, size_t count, size_t offset, int *line,
		   int *column)
{
	size_t i = 0;

	while (i + 1 < count && segments[i + 1].offset <= offset)
		i++;
	*line = segments[i].line;
	*column = (int)(offset - segments[i].offset) + 1;
}

static int add_rule(struct loader *ld, const struct rule *rule)
{
	if (ld->count == ld->capacity) {
		size_t capacity = ld->capacity ? ld->capacity * 2 : 64;
		struct rule *grown = realloc(ld->rules, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ld->rules = grown;
		ld->capacity = capacity;
	}
	ld->rules[ld->count++] = *rule;
	return 0;
}

static int parse_one(struct loader *ld, const char *file, size_t joined_len, size_t segment_count)
{
	struct rule_parse_error parse_err;
	struct rule rule;
	int line, column, err;

	err = rule_parse(&rule, ld->joined, joined_len, ld->vars, &ld->classes, &parse_err);
	if (err) {
		int skip = ld->opts->skip_unsupported;

		locate(ld->segments, segment_count, parse_err.offset, &line, &column);
		if (rules_problems_add(&ld->problems, file, line, column, parse_err.keyword, skip,
				       "%s", parse_err.message))
			return -ENOMEM;
		ld->skipped += skip;
		ld->failed |= !skip;
		return 0;
	}
	rule.info.file = file;
	rule.info.line = ld->segments[0].line;
	locate(ld->segments, segment_count, rule.sid_offset, &rule.sid_line, &rule.sid_column);
	err = add_rule(ld, &rule);
	if (err)
		rule_release(&rule);
	return err;
}

static int grow(void **buffer, size_t *capacity, size_t needed, size_t element)
{
	void *grown;
	size_t size = *capacity ? *capacity : 256;

	if (needed <= *capacity)
		return 0;
	while (size < needed)
		size *= 2;
	grown = realloc(*buffer, size * element);
	if (!grown)
		return -ENOMEM;
	*buffer = grown;
	*capacity = size;
	return 0;
}

static int load_text(struct loader *ld, const char *file, const char *text, size_t len)
{
	size_t pos = 0;
	int line = 0, err;

	while (pos < len) {
		size_t joined_len = 0, segment_count = 0, start;
		int continued;

		do {
			const char *eol = memchr(text + pos, '\n', len - pos);
			size_t line_len = eol ? (size_t)(eol - (text + pos)) : len - pos;

			if (line_len > 0 && text[pos + line_len - 1] == '\r')
				line_len--;
			continued = line_len > 0 && text[pos + line_len - 1] == '\\';
			if (continued)
				line_len--;
			err = grow((void **)&ld->joined, &ld->joined_capacity, joined_len + line_len + 1,
				   1);
			if (!err)
				err = grow((void **)&ld->segments, &ld->segment_capacity,
					   segment_count + 1, sizeof(*ld->segments));
			if (err)
				return err;
			ld->segments[segment_count++] =
				(struct line_segment){ .offset = joined_len, .line = ++line };
			memcpy(ld->joined + joined_len, text + pos, line_len);
			joined_len += line_len;
			pos = eol ? (size_t)(eol - text) + 1 : len;
		} while (continued && pos < len);
		ld->joined[joined_len] = '\0';

		start = strspn(ld->joined, " \t");
		if (start == joined_len || ld->joined[start] == '#')
			continue;
		if (memchr(ld->joined, '\0', joined_len)) {
			if (rules_problems_add(&ld->problems, file, ld->segments[0].line, 0, "", 0,
					       "NUL byte in a rule"))
				return -ENOMEM;
			ld->failed = 1;
			continue;
		}
		err = parse_one(ld, file, joined_len, segment_count);
		if (err)
			return err;
	}
	return 0;
}

/* The loader keeps every file name: rule_info.file points to it for the ruleset's life. */
static const char *intern_file_name(struct loader *ld, const char *name)
{
	char **grown = realloc(ld->file_names, (ld->file_count + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	ld->file_names = grown;
	grown[ld->file_count] = strdup(name);
	return grown[ld->file_count] ? grown[ld->file_count++] : NULL;
}

static int compare_rule_ids(const void *a, const void *b, void *rules_arg)
{
	const struct rule *rules = rules_arg;
	const struct rule *ra = &rules[*(const size_t *)a], *rb = &rules[*(const size_t *)b];

	if (ra->info.gid != rb->info.gid)
		return ra->info.gid < rb->info.gid ? -1 : 1;
	if (ra->info.sid != rb->info.sid)
		return ra->info.sid < rb->info.sid ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* A sid (within its gid) names one rule: later duplicates are problems. */
static int reject_duplicate_sids(struct loader *ld)
{
	size_t *order = malloc((ld->count + 1) * sizeof(*order)), i, run_first = 0, kept = 0;
	uint8_t *drop = calloc(ld->count + 1, 1);
	int err = 0;

	if (!order || !drop) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < ld->count; i++)
		order[i] = i;
	/* ties in load order: the first of a run of equal ids is the one defined first */
	qsort_r(order, ld->count, sizeof(*order), compare_rule_ids, ld->rules);
	for (i = 1; i < ld->count; i++) {
		const struct rule *first = &ld->rules[order[run_first]];
		const struct rule *dup = &ld->rules[order[i]];
		int skip = ld->opts->skip_unsupported;

		if (first->info.gid != dup->info.gid || first->info.sid != dup->info.sid) {
			run_first = i;
			continue;
		}
		drop[order[i]] = 1;
		if (rules_problems_add(&ld->problems, dup->info.file, dup->sid_line, dup->sid_column,
				       "sid", skip, "duplicate sid %u (first defined at %s:%d)",
				       dup->info.sid, first->info.file, first->info.line)) {
			err = -ENOMEM;
			goto cleanup;
		}
		ld->skipped += skip;
		ld->failed |= !skip;
	}
	for (i = 0; i < ld->count; i++) {
		if (drop[i])
			rule_release(&ld->rules[i]);
		else
			ld->rules[kept++] = ld->rules[i];
	}
	ld->count = kept;
cleanup:
	free(order);
	free(drop);
	return err;
}

/* name as a problem holds it: escaped (rules_problems_add). */
static long file_index(const struct loader *ld, const char *name)
{
	char escaped[sizeof(((struct rules_problem *)0)->file)];
	size_t i;

	for (i = 0; i < ld->file_count; i++) {
		text_escape(escaped, sizeof(escaped), ld->file_names[i],
			    strlen(ld->file_names[i]), NULL);
		if (strcmp(escaped, name) == 0)
			return (long)i;
	}
	return -1;	/* classification.config: before the rule files */
}

struct problem_order {
	long file;
	size_t seq;
	const struct rules_problem *problem;
};

static int compare_problems(const void *a, const void *b)
{
	const struct problem_order *pa = a, *pb = b;

	if (pa->file != pb->file)
		return pa->file < pb->file ? -1 : 1;
	if (pa->problem->line != pb->problem->line)
		return pa->problem->line < pb->problem->line ? -1 : 1;
	if (pa->problem->column != pb->problem->column)
		return pa->problem->column < pb->problem->column ? -1 : 1;
	return pa->seq < pb->seq ? -1 : 1;
}

/* Problems in file order (duplicate sids are found last but belong where they are). */
static int sort_problems(struct loader *ld)
{
	struct rules_problems *problems = &ld->problems;
	struct problem_order *order = calloc(problems->count + 1, sizeof(*order));
	struct rules_problem *sorted = calloc(problems->count + 1, sizeof(*sorted));
	size_t i;

	if (!order || !sorted) {
		free(order);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < problems->count; i++)
		order[i] = (struct problem_order){ .file = file_index(ld, problems->items[i].file),
						   .seq = i, .problem = &problems->items[i] };
	qsort(order, problems->count, sizeof(*order), compare_problems);
	for (i = 0; i < problems->count; i++)
		sorted[i] = *order[i].problem;
	free(order);
	free(problems->items);
	problems->items = sorted;
	problems->capacity = problems->count + 1;
	return 0;
}

static int loader_init(struct loader *ld, const struct rule_vars *vars,
		       const struct ruleset_options *opts)
{
	const char *classification = opts->classification_file;
	int err;

	memset(ld, 0, sizeof(*ld));
	ld->opts = opts;
	ld->vars = vars;
	if (!vars) {
		ld->own_vars = rule_vars_new();
		if (!ld->own_vars)
			return -ENOMEM;
		ld->vars = ld->own_vars;
	}
	err = classification_load(&ld->classes, classification ? classification :
						 DEFAULT_CLASSIFICATION, !classification,
				  &ld->problems);
	if (err == -ENOMEM)
		return err;
	ld->failed |= err != 0;	/* the problem is in the list already */
	return 0;
}

static void loader_release(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->count; i++)
		rule_release(&ld->rules[i]);
	free(ld->rules);
	for (i = 0; i < ld->file_count; i++)
		free(ld->file_names[i]);
	free(ld->file_names);
	classification_release(&ld->classes);
	rules_problems_release(&ld->problems);
	rule_vars_free(ld->own_vars);
	free(ld->joined);
	free(ld->segments);
	memset(ld, 0, sizeof(*ld));
}

/* Build the ruleset from what was loaded (unless err), fill the report, release. */
static int loader_finish(struct loader *ld, int err, struct ruleset **out,
			 struct rules_report *report)
{
	struct ruleset *rs = NULL;
	int cache_hit = 0;

	*out = NULL;
	if (!err)
		err = reject_duplicate_sids(ld);
	if (!err && ld->failed)
		err = -EINVAL;
	if (!err) {
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			err = -ENOMEM;
	}
	if (!err) {
		/* the ruleset takes over rules, classification and file names */
		rs->rules = ld->rules;
		rs->count = ld->count;
		rs->classes = ld->classes;
		rs->file_names = ld->file_names;
		rs->file_count = ld->file_count;
		ld->rules = NULL;
		ld->count = 0;
		memset(&ld->classes, 0, sizeof(ld->classes));
		ld->file_names = NULL;
		ld->file_count = 0;
		err = ruleset_assemble(rs, ld->opts, &ld->problems, &cache_hit);
		if (err) {
			ruleset_free(rs);
			rs = NULL;
		}
	}
	if (sort_problems(ld) && !err)
		err = -ENOMEM;
	if (report) {
		memset(report, 0, sizeof(*report));
		report->problems = ld->problems.items;
		report->count = ld->problems.count;
		report->loaded = rs ? rs->count : 0;
		report->skipped = ld->skipped;
		report->cache_hit = cache_hit;
		report->no_prefilter = rs ? rs->always_count : 0;
		memset(&ld->problems, 0, sizeof(ld->problems));
	}
	loader_release(ld);
	*out = rs;
	return err;
}

int ruleset_load(struct ruleset **out, const char *const *files, size_t nfiles,
		 const struct rule_vars *vars, const struct ruleset_options *opts,
		 struct rules_report *report)
{
	static const struct ruleset_options defaults;
	struct loader ld;
	size_t i;
	int err;

	err = loader_init(&ld, vars, opts ? opts : &defaults);
	for (i = 0; !err && i < nfiles; i++) {
		const char *name = intern_file_name(&ld, files[i]);
		char *text = NULL, why[200];
		size_t len = 0;

		if (!name) {
			err = -ENOMEM;
			break;
		}
		err = file_read_whole(name, "rule", &text, &len, why, sizeof(why));
		if (err == -ENOMEM)
			break;
		if (err) {
			err = rules_problems_add(&ld.problems, name, 0, 0, "", 0, "%s", why);
			ld.failed = 1;
			continue;
		}
		err = load_text(&ld, name, text, len);
		free(text);
	}
	return loader_finish(&ld, err, out, report);
}

int ruleset_load_text(struct ruleset **out, const char *name, const char *text, size_t len,
		      const struct rule_vars *vars, const struct ruleset_options *opts,
		      struct rules_report *report)
{
	static const struct ruleset_options defaults;
	struct loader ld;
	const char *interned;
	int err;

	err = loader_init(&ld, vars, opts ? opts : &defaults);
	if (!err) {
		interned = intern_file_name(&ld, name ? name : "<text>");
		err = interned ? load_text(&ld, interned, text, len) : -ENOMEM;
	}
	return loader_finish(&ld, err, out, report);
}

void rules_report_free(struct rules_report *report)
{
	if (!report)
		return;
	free(report->problems);
	memset(report, 0, sizeof(*report));
}
