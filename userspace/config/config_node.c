// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libyaml events -> config_node tree. libyaml's own document loader is not used: it
 * resolves aliases into shared nodes, which lets "&a [*a]" build a cycle and a handful of
 * aliases expand exponentially, and it keeps no way to say where an alias was written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_error.h"
#include "config/config_node.h"

struct tree_builder {
	const char *name;
	struct config_error *err;
	struct config_node *root;
	struct config_node *open[CONFIG_NODE_MAX_DEPTH];	/* open sequences and mappings */
	size_t depth;
	int documents;
};

void config_node_free(struct config_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->count; i++)
		config_node_free(node->children[i]);
	free(node->children);
	free(node->value);
	free(node);
}

int config_node_is_null(const struct config_node *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (node->kind != CONFIG_NODE_SCALAR || node->quoted)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(node->value, nulls[i]))
			return 1;
	return 0;
}

static int out_of_memory(struct tree_builder *tb)
{
	config_error_set(tb->err, tb->name, 0, 0, "out of memory");
	return -ENOMEM;
}

/* Attach node under the innermost open container (or as the root); frees it on failure. */
static int attach_node(struct tree_builder *tb, struct config_node *node)
{
	struct config_node *parent, **children;

	if (tb->depth == 0) {
		tb->root = node;
		return 0;
	}
	parent = tb->open[tb->depth - 1];
	children = realloc(parent->children, (parent->count + 1) * sizeof(*children));
	if (!children) {
		config_node_free(node);
		return out_of_memory(tb);
	}
	parent->children = children;
	parent->children[parent->count++] = node;
	return 0;
}

static int add_node(struct tree_builder *tb, const yaml_event_t *event)
{
	struct config_node *node = calloc(1, sizeof(*node));
	int err;

	if (!node)
		return out_of_memory(tb);
	node->line = (int)event->start_mark.line + 1;
	node->column = (int)event->start_mark.column + 1;
	if (event->type == YAML_SCALAR_EVENT) {
		node->kind = CONFIG_NODE_SCALAR;
		node->quoted = event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		node->len = event->data.scalar.length;
		node->value = malloc(node->len + 1);
		if (!node->value) {
			free(node);
			return out_of_memory(tb);
		}
		memcpy(node->value, event->data.scalar.value, node->len);
		node->value[node->len] = '\0';
	} else {
		node->kind = event->type == YAML_MAPPING_START_EVENT ? CONFIG_NODE_MAPPING
								     : CONFIG_NODE_SEQUENCE;
	}
	err = attach_node(tb, node);
	if (err || node->kind == CONFIG_NODE_SCALAR)
		return err;
	if (tb->depth == CONFIG_NODE_MAX_DEPTH)
		return config_error_set(tb->err, tb->name, node->line, node->column,
					"nested deeper than %d levels", CONFIG_NODE_MAX_DEPTH);
	tb->open[tb->depth++] = node;
	return 0;
}

static int handle_event(struct tree_builder *tb, const yaml_event_t *event)
{
	int line = (int)event->start_mark.line + 1;
	int column = (int)event->start_mark.column + 1;
	char anchor[CONFIG_QUOTE_STRLEN];
	const char *alias;

	switch (event->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (tb->documents++ > 0)
			return config_error_set(tb->err, tb->name, line, column,
						"a second YAML document starts here; the config "
						"is one document");
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return add_node(tb, event);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		tb->depth--;
		return 0;
	case YAML_ALIAS_EVENT:
		alias = (const char *)event->data.alias.anchor;
		return config_error_set(tb->err, tb->name, line, column,
					"YAML alias %s: aliases are not supported; write the value "
					"out",
					config_quote(alias, strlen(alias), anchor, sizeof(anchor)));
	default:
		return 0;
	}
}

/* libyaml's message, at libyaml's position, with the context it gives. */
static int syntax_error(struct tree_builder *tb, const yaml_parser_t *parser, const char *buf,
			size_t len)
{
	int line = (int)parser->problem_mark.line + 1;
	int column = (int)parser->problem_mark.column + 1;
	const char *problem = parser->problem ? parser->problem : "unknown problem";
	const char *hint = "";
	size_t i, at;

	if (parser->error == YAML_MEMORY_ERROR)
		return out_of_memory(tb);
	if (parser->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark (bad UTF-8, control bytes). */
		line = 1;
		column = 1;
		for (i = 0; i < parser->problem_offset && i < len; i++) {
			column++;
			if (buf[i] == '\n') {
				line++;
				column = 1;
			}
		}
		return config_error_set(tb->err, tb->name, line, column, "YAML: %s", problem);
	}
	/* Two usual causes deserve a name: tab indentation, and "::1" inside [ ]. */
	at = parser->problem_mark.index;
	if (at < len && buf[at] == '\t')
		hint = "; tabs cannot indent YAML, use spaces";
	else if (at + 1 < len && buf[at] == ':' && buf[at + 1] == ':')
		hint = "; quote IPv6 addresses that start with \"::\" inside [ ]: [\"::1\"]";
	if (parser->context)
		return config_error_set(tb->err, tb->name, line, column,
					"YAML syntax error: %s (%s at line %d, column %d)%s",
					problem, parser->context,
					(int)parser->context_mark.line + 1,
					(int)parser->context_mark.column + 1, hint);
	return config_error_set(tb->err, tb->name, line, column, "YAML syntax error: %s%s",
				problem, hint);
}

int config_node_parse(const char *name, const char *buf, size_t len, struct config_node **root,
		      struct config_error *err)
{
	struct tree_builder tb = { .name = name, .err = err };
	yaml_parser_t parser;
	yaml_event_t event;
	int done = 0, ret = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return out_of_memory(&tb);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			ret = syntax_error(&tb, &parser, buf, len);
			goto cleanup;
		}
		ret = handle_event(&tb, &event);
		done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
		if (ret)
			goto cleanup;
	}
	*root = tb.root;
	tb.root = NULL;
cleanup:
	config_node_free(tb.root);
	yaml_parser_delete(&parser);
	return ret;
}
