// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The loader's machinery: key paths, errors, mappings and typed scalars (config_load.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_error.h"
#include "config/config_load.h"

int loader_out_of_memory(struct config_loader *ld)
{
	config_error_set(ld->err, ld->cfg->source, 0, 0, "out of memory");
	return -ENOMEM;
}

size_t loader_push_key(struct config_loader *ld, const char *key)
{
	size_t saved = ld->path_len, i;
	int written;

	written = snprintf(ld->path + ld->path_len, sizeof(ld->path) - ld->path_len, "%s%s",
			   ld->path_len ? "." : "", key);
	if (written > 0)
		ld->path_len += (size_t)written;
	if (ld->path_len >= sizeof(ld->path))
		ld->path_len = sizeof(ld->path) - 1;
	/* Keys are the user's text and end up in messages printed to a terminal. */
	for (i = saved; i < ld->path_len; i++)
		if ((unsigned char)ld->path[i] < 0x20 || (unsigned char)ld->path[i] > 0x7e)
			ld->path[i] = '?';
	return saved;
}

size_t loader_push_index(struct config_loader *ld, size_t index)
{
	size_t saved = ld->path_len;
	int written;

	written = snprintf(ld->path + ld->path_len, sizeof(ld->path) - ld->path_len, "[%zu]",
			   index);
	if (written > 0)
		ld->path_len += (size_t)written;
	if (ld->path_len >= sizeof(ld->path))
		ld->path_len = sizeof(ld->path) - 1;
	return saved;
}

void loader_pop(struct config_loader *ld, size_t saved)
{
	ld->path_len = saved;
	ld->path[saved] = '\0';
}

int loader_fail(struct config_loader *ld, const struct config_node *node, const char *fmt, ...)
{
	char why[sizeof(ld->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ld->path_len)
		return config_error_set(ld->err, ld->cfg->source, node->line, node->column,
					"%s: %s", ld->path, why);
	return config_error_set(ld->err, ld->cfg->source, node->line, node->column, "%s", why);
}

const char *loader_describe(const struct config_node *node, char *buf, size_t len)
{
	if (node->kind == CONFIG_NODE_MAPPING)
		snprintf(buf, len, "a mapping");
	else if (node->kind == CONFIG_NODE_SEQUENCE)
		snprintf(buf, len, "a list");
	else if (config_node_is_null(node))
		snprintf(buf, len, "an empty value");
	else
		config_quote(node->value, node->len, buf, len);
	return buf;
}

int loader_expect_sequence(struct config_loader *ld, const struct config_node *node)
{
	char got[CONFIG_QUOTE_STRLEN];

	if (node->kind == CONFIG_NODE_SEQUENCE)
		return 0;
	return loader_fail(ld, node, "expected a list ([a, b] or one \"- item\" per line), got %s",
			   loader_describe(node, got, sizeof(got)));
}

int loader_expect_scalar(struct config_loader *ld, const struct config_node *node,
			 const char *what)
{
	char got[CONFIG_QUOTE_STRLEN];

	if (node->kind == CONFIG_NODE_SCALAR && !config_node_is_null(node))
		return 0;
	return loader_fail(ld, node, "expected %s, got %s", what,
			   loader_describe(node, got, sizeof(got)));
}

/* Levenshtein distance, for "did you mean" on unknown keys; long keys are not compared. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t row[33], la = strlen(a), lb = strlen(b), i, j;

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t above = row[j];
			size_t best = diagonal + (a[i - 1] != b[j - 1]);

			if (above + 1 < best)
				best = above + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[lb];
}

static int fail_unknown_key(struct config_loader *ld, const struct config_node *key,
			    const struct config_key *keys, size_t nkeys)
{
	char allowed[384] = "", suggestion[96] = "";
	size_t i, used = 0, saved;
	int err;

	for (i = 0; i < nkeys; i++) {
		used += (size_t)snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
					 i ? ", " : "", keys[i].name);
		if (used >= sizeof(allowed))
			used = sizeof(allowed) - 1;
		if (!suggestion[0] && edit_distance(key->value, keys[i].name) <= 2)
			snprintf(suggestion, sizeof(suggestion), " (did you mean \"%s\"?)",
				 keys[i].name);
	}
	saved = loader_push_key(ld, key->value);
	err = loader_fail(ld, key, "unknown key%s; allowed here: %s", suggestion, allowed);
	loader_pop(ld, saved);
	return err;
}

/* Pass 1: every key a known scalar, none twice. */
static int check_keys(struct config_loader *ld, const struct config_node *map,
		      const struct config_key *keys, size_t nkeys)
{
	char got[CONFIG_QUOTE_STRLEN];
	size_t i, j, k, saved;
	int err;

	for (i = 0; i < map->count; i += 2) {
		const struct config_node *key = map->children[i];

		if (key->kind != CONFIG_NODE_SCALAR)
			return loader_fail(ld, key, "keys must be plain text, got %s",
					   loader_describe(key, got, sizeof(got)));
		for (k = 0; k < nkeys && strcmp(key->value, keys[k].name); k++)
			;
		if (k == nkeys || strlen(key->value) != key->len)
			return fail_unknown_key(ld, key, keys, nkeys);
		for (j = 0; j < i; j += 2) {
			const struct config_node *earlier = map->children[j];

			if (strcmp(earlier->value, key->value))
				continue;
			saved = loader_push_key(ld, key->value);
			err = loader_fail(ld, key, "duplicate key (first at line %d, column %d)",
					  earlier->line, earlier->column);
			loader_pop(ld, saved);
			return err;
		}
	}
	return 0;
}

int loader_read_mapping(struct config_loader *ld, const struct config_node *map,
			const struct config_key *keys, size_t nkeys, void *target,
			uint32_t *present)
{
	char got[CONFIG_QUOTE_STRLEN];
	size_t i, k, saved;
	int err = 0;

	if (present)
		*present = 0;
	if (config_node_is_null(map))
		goto cleanup;
	if (map->kind != CONFIG_NODE_MAPPING) {
		err = loader_fail(ld, map, "expected a mapping (key: value), got %s",
				  loader_describe(map, got, sizeof(got)));
		goto cleanup;
	}
	err = check_keys(ld, map, keys, nkeys);
	if (err)
		goto cleanup;
	for (k = 0; k < nkeys; k++) {
		for (i = 0; i < map->count && strcmp(map->children[i]->value, keys[k].name); i += 2)
			;
		if (i == map->count || config_node_is_null(map->children[i + 1]))
			continue;
		saved = loader_push_key(ld, keys[k].name);
		err = keys[k].read(ld, map->children[i + 1], target);
		loader_pop(ld, saved);
		if (err)
			goto cleanup;
		if (present)
			*present |= 1u << k;
	}
cleanup:
	return err;
}

void *loader_append(void *items_ptr, size_t *count, size_t size)
{
	void **items = items_ptr;
	char *grown;

	/* Capacity is the next power of two: grow when count reaches one. */
	if (*count == 0 || (*count & (*count - 1)) == 0) {
		grown = realloc(*items, (*count ? *count * 2 : 1) * size);
		if (!grown)
			return NULL;
		*items = grown;
	}
	grown = (char *)*items + *count * size;
	memset(grown, 0, size);
	(*count)++;
	return grown;
}
