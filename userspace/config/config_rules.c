// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rules section: rule file globs (expanded here, so a typo fails now), classification. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_error.h"
#include "config/config_load.h"

/*
 * Matches of all patterns together, duplicates included: far more rule files than any
 * rule set has, and a bound on the work when a pattern names the wrong tree (the root).
 */
#define RULE_FILE_MATCHES_MAX 4096

/* A pattern relative to the config's directory: the directory's glob characters escaped. */
static char *resolve_pattern(const struct config_loader *ld, const char *pattern)
{
	const char *dir = ld->base_dir;
	size_t i, used = 0;
	char *escaped;

	if (pattern[0] == '/' || !dir || !strcmp(dir, "."))
		return strdup(pattern);
	escaped = malloc(strlen(dir) * 2 + strlen(pattern) + 2);
	if (!escaped)
		return NULL;
	for (i = 0; dir[i]; i++) {
		if (strchr("*?[]\\", dir[i]))
			escaped[used++] = '\\';
		escaped[used++] = dir[i];
	}
	escaped[used++] = '/';
	strcpy(escaped + used, pattern);
	return escaped;
}

static int add_rule_file(struct config_loader *ld, const char *path)
{
	struct ew_config *cfg = ld->cfg;
	char **slot;
	size_t i;

	for (i = 0; i < cfg->rules.file_count; i++)
		if (!strcmp(cfg->rules.files[i], path))
			return 0;	/* matched by an earlier pattern too: load it once */
	slot = loader_append(&cfg->rules.files, &cfg->rules.file_count, sizeof(*slot));
	if (!slot)
		return loader_out_of_memory(ld);
	*slot = strdup(path);
	if (!*slot) {
		cfg->rules.file_count--;
		return loader_out_of_memory(ld);
	}
	return 0;
}

static int expand_pattern(struct config_loader *ld, const struct config_node *item,
			  size_t *matched)
{
	char text[CONFIG_QUOTE_STRLEN], searched[CONFIG_QUOTE_STRLEN];
	char *pattern = NULL;
	glob_t matches = {};
	size_t i, files = 0;
	int err, rc;

	err = loader_expect_scalar(ld, item, "a file name or glob pattern");
	if (err)
		return err;
	if (memchr(item->value, '\0', item->len))
		return loader_fail(ld, item, "contains a NUL byte");
	pattern = resolve_pattern(ld, item->value);
	if (!pattern)
		return loader_out_of_memory(ld);
	config_quote(item->value, item->len, text, sizeof(text));
	/* GLOB_MARK: directories end in '/', and are not rule files. */
	rc = glob(pattern, GLOB_MARK, NULL, &matches);
	if (rc == GLOB_NOSPACE) {
		err = loader_out_of_memory(ld);
		goto cleanup;
	}
	for (i = 0; rc == 0 && i < matches.gl_pathc && !err; i++) {
		size_t len = strlen(matches.gl_pathv[i]);

		if (len && matches.gl_pathv[i][len - 1] == '/')
			continue;
		if (++*matched > RULE_FILE_MATCHES_MAX) {
			err = loader_fail(ld, item, "the patterns match more than %d files",
					  RULE_FILE_MATCHES_MAX);
			break;
		}
		err = add_rule_file(ld, matches.gl_pathv[i]);
		files++;
	}
	if (!err && files == 0) {
		if (strcmp(pattern, item->value))
			err = loader_fail(ld, item, "%s matches no file (looked for %s)", text,
					  config_quote(pattern, strlen(pattern), searched,
						       sizeof(searched)));
		else
			err = loader_fail(ld, item, "%s matches no file", text);
	}
cleanup:
	globfree(&matches);
	free(pattern);
	return err;
}

static int read_files(struct config_loader *ld, const struct config_node *node, void *target)
{
	size_t i, saved, matched = 0;
	int err;

	ld->cfg->rules.files_given = 1;
	err = loader_expect_sequence(ld, node);
	for (i = 0; !err && i < node->count; i++) {
		saved = loader_push_index(ld, i);
		err = expand_pattern(ld, node->children[i], &matched);
		loader_pop(ld, saved);
	}
	return err;
}

static int read_classification(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	const char *path;
	char text[CONFIG_QUOTE_STRLEN];
	int err;

	err = loader_read_path(ld, node, &ld->cfg->rules.classification);
	if (err)
		return err;
	path = ld->cfg->rules.classification;
	if (access(path, R_OK)) {
		err = errno;
		return loader_fail(ld, node, "cannot read %s: %s",
				   config_quote(path, strlen(path), text, sizeof(text)),
				   strerror(err));
	}
	return 0;
}

static int read_cache_dir(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_path(ld, node, &ld->cfg->rules.cache_dir);
}

static int read_skip_unsupported(struct config_loader *ld, const struct config_node *node,
				 void *target)
{
	return loader_read_bool(ld, node, &ld->cfg->rules.skip_unsupported);
}

int config_read_rules(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "files", read_files },
		{ "classification", read_classification },
		{ "cache-dir", read_cache_dir },
		{ "skip-unsupported", read_skip_unsupported },
	};

	return loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, NULL);
}
