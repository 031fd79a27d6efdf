/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The YAML document as a tree with positions, built from libyaml's events. Internal to
 * userspace/config/. Aliases are rejected (a config needs none, and they allow cycles and
 * exponential expansion); nesting is capped so no input can exhaust the stack.
 */
#ifndef EDGEWATCH_CONFIG_NODE_H
#define EDGEWATCH_CONFIG_NODE_H

#include <stddef.h>

#include "config/config.h"

#define CONFIG_NODE_MAX_DEPTH 32

enum config_node_kind {
	CONFIG_NODE_SCALAR,
	CONFIG_NODE_SEQUENCE,
	CONFIG_NODE_MAPPING,
};

struct config_node {
	enum config_node_kind kind;
	int line;			/* 1-based position of the node's first character */
	int column;
	int quoted;			/* scalar written in quotes (or as a block): never null */
	char *value;			/* scalar text, NUL-terminated */
	size_t len;			/* bytes in value (it may hold a NUL written as "\0") */
	struct config_node **children;	/* sequence items; mapping key, value, key, value, ... */
	size_t count;
};

/*
 * Parse one YAML document. Returns 0 and *root (NULL for an empty stream), or -EINVAL
 * (syntax error, alias, second document, too deep) / -ENOMEM with err filled (err->file
 * is set from name).
 */
int config_node_parse(const char *name, const char *buf, size_t len, struct config_node **root,
		      struct config_error *err);

void config_node_free(struct config_node *node);	/* NULL-safe, frees the subtree */

/* 1 for an empty value: an unquoted "", "~" or "null" (as YAML says). */
int config_node_is_null(const struct config_node *node);

#endif /* EDGEWATCH_CONFIG_NODE_H */
