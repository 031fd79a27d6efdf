// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Address and port lists of rule headers and variables:
 *   any | leaf | $VAR | !item | [item, item, ...]      (nested to any depth)
 * Address leaves: 1.2.3.4, 1.2.3.0/24, 1.2.3.0/255.255.255.0, 1.2.3.4-1.2.3.9, 2001:db8::/32.
 * Port leaves: 80, 1024:65535, 1024: (to 65535), :1023 (from 0).
 * A list matches when some non-negated item matches (or there is none) and no negated item
 * does, which is how Suricata reads "[10.0.0.0/8,!10.1.2.3]" and "[!22,!23]".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

#define LIST_MAX_VAR_DEPTH 16
#define LIST_MAX_LEAF 128
/*
 * Items in one list once its variables are expanded (every leaf, group, negation and
 * variable use counts one). Variables expand by copy, so groups that each list the next
 * one ten times grow tenfold per level: depth 7 took 14 s and 634 MB, depth 8 never ended.
 * Bounding the count bounds time and memory (8192 nodes of ~48 bytes, once per rule
 * header that uses the variable) whatever the nesting. 8192 is far above real lists
 * (Suricata's default groups expand to a handful of items, a large HOME_NET to a few
 * hundred prefixes) and keeps a header check, a linear walk per candidate sample, cheap.
 */
#define LIST_MAX_ITEMS 8192

struct list_parser {
	enum list_type type;
	const char *text;
	size_t len;
	size_t pos;
	const struct rule_vars *vars;
	struct list_error *err;
	int var_depth;
	size_t *items;		/* items parsed so far, variables expanded, shared by nesting */
};

static int list_fail(struct list_parser *lp, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int list_fail(struct list_parser *lp, size_t offset, const char *fmt, ...)
{
	va_list ap;

	lp->err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(lp->err->message, sizeof(lp->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void list_node_release(struct list_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->child_count; i++)
		list_node_release(&node->children[i]);
	free(node->children);
	node->children = NULL;
	node->child_count = 0;
}

static void skip_spaces(struct list_parser *lp)
{
	while (lp->pos < lp->len && (lp->text[lp->pos] == ' ' || lp->text[lp->pos] == '\t'))
		lp->pos++;
}

static int is_delimiter(char c)
{
	return c == ',' || c == ']' || c == '[' || c == ' ' || c == '\t' || c == '!';
}

/* A /N prefix or a dotted netmask into a bit count; -1 if invalid. */
static int prefix_length(const char *text, int family)
{
	int max = family == 4 ? 32 : 128;
	char *end;
	long bits;

	if (family == 4 && strchr(text, '.')) {
		struct in_addr mask;
		uint32_t m;

		if (inet_pton(AF_INET, text, &mask) != 1)
			return -1;
		m = ntohl(mask.s_addr);
		if (m & (~m >> 1))
			return -1;	/* not contiguous */
		return __builtin_popcount(m);
	}
	if (!*text || *text < '0' || *text > '9')
		return -1;
	bits = strtol(text, &end, 10);
	if (*end || bits < 0 || bits > max)
		return -1;
	return (int)bits;
}

static int parse_ip(const char *text, uint8_t *out, uint8_t *family)
{
	if (strchr(text, ':')) {
		*family = 6;
		return inet_pton(AF_INET6, text, out) == 1 ? 0 : -EINVAL;
	}
	*family = 4;
	return inet_pton(AF_INET, text, out) == 1 ? 0 : -EINVAL;
}

static int parse_address_leaf(struct list_parser *lp, const char *leaf, size_t offset,
			      struct list_node *node)
{
	char text[LIST_MAX_LEAF];
	char *slash, *dash;
	size_t key_len;
	uint8_t family_hi;

	snprintf(text, sizeof(text), "%s", leaf);
	node->kind = LIST_NODE_RANGE;
	slash = strchr(text, '/');
	dash = strchr(text, '-');
	if (slash) {
		int bits;
		size_t i;

		*slash = '\0';
		if (parse_ip(text, node->lo, &node->family))
			return list_fail(lp, offset, "bad address '%s'", leaf);
		bits = prefix_length(slash + 1, node->family);
		if (bits < 0)
			return list_fail(lp, offset, "bad CIDR '%s': prefix length must be 0..%d",
					 leaf, node->family == 4 ? 32 : 128);
		key_len = node->family == 4 ? 4 : 16;
		/* host bits set are accepted and masked off, as Suricata does */
		for (i = 0; i < key_len; i++) {
			int keep = bits >= 8 ? 8 : bits > 0 ? bits : 0;
			uint8_t mask = (uint8_t)(0xff00 >> keep);

			node->lo[i] &= mask;
			node->hi[i] = node->lo[i] | (uint8_t)~mask;
			bits -= keep;
		}
		return 0;
	}
	if (dash) {
		*dash = '\0';
		if (parse_ip(text, node->lo, &node->family) ||
		    parse_ip(dash + 1, node->hi, &family_hi) || family_hi != node->family)
			return list_fail(lp, offset, "bad address range '%s'", leaf);
		if (memcmp(node->lo, node->hi, node->family == 4 ? 4 : 16) > 0)
			return list_fail(lp, offset, "bad address range '%s': start > end", leaf);
		return 0;
	}
	if (parse_ip(text, node->lo, &node->family))
		return list_fail(lp, offset, "bad address '%s'", leaf);
	memcpy(node->hi, node->lo, sizeof(node->hi));
	return 0;
}

static int parse_port_number(const char *text, size_t len, long *port)
{
	long value = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		value = value * 10 + (text[i] - '0');
	}
	*port = value;
	return 0;
}

static int parse_port_leaf(struct list_parser *lp, const char *leaf, size_t offset,
			   struct list_node *node)
{
	const char *colon = strchr(leaf, ':');
	size_t len = strlen(leaf);
	long lo = 0, hi = 65535;

	node->kind = LIST_NODE_RANGE;
	if (colon) {
		size_t lo_len = (size_t)(colon - leaf), hi_len = len - lo_len - 1;

		if ((lo_len == 0 && hi_len == 0) || (lo_len && parse_port_number(leaf, lo_len, &lo)) ||
		    (hi_len && parse_port_number(colon + 1, hi_len, &hi)))
			return list_fail(lp, offset, "bad port range '%s'", leaf);
	} else if (parse_port_number(leaf, len, &lo)) {
		return list_fail(lp, offset, "bad port '%s'", leaf);
	} else {
		hi = lo;
	}
	if (lo > 65535 || hi > 65535)
		return list_fail(lp, offset, "bad port '%s': ports are 0..65535", leaf);
	if (lo > hi)
		return list_fail(lp, offset, "bad port range '%s': start > end", leaf);
	node->lo[0] = (uint8_t)(lo >> 8);
	node->lo[1] = (uint8_t)lo;
	node->hi[0] = (uint8_t)(hi >> 8);
	node->hi[1] = (uint8_t)hi;
	return 0;
}

static int parse_item(struct list_parser *lp, struct list_node *node);

static int parse_variable(struct list_parser *lp, struct list_node *node)
{
	size_t start = lp->pos, name_start = ++lp->pos;
	struct list_parser inner;
	struct list_error inner_err;
	const char *value;
	int is_port, err;

	while (lp->pos < lp->len && !is_delimiter(lp->text[lp->pos]))
		lp->pos++;
	if (lp->pos == name_start)
		return list_fail(lp, start, "'$' without a variable name");
	if (!lp->vars) {
		node->kind = LIST_NODE_ANY;	/* syntax check only */
		return 0;
	}
	value = rule_vars_lookup(lp->vars, lp->text + name_start, lp->pos - name_start, &is_port);
	if (!value)
		return list_fail(lp, start, "unknown variable $%.*s", (int)(lp->pos - name_start),
				 lp->text + name_start);
	if (is_port != (lp->type == LIST_PORT))
		return list_fail(lp, start, "$%.*s is %s variable, used as %s",
				 (int)(lp->pos - name_start), lp->text + name_start,
				 is_port ? "a port" : "an address",
				 lp->type == LIST_PORT ? "a port" : "an address");
	if (lp->var_depth >= LIST_MAX_VAR_DEPTH)
		return list_fail(lp, start, "$%.*s: variables nested too deep (a cycle?)",
				 (int)(lp->pos - name_start), lp->text + name_start);
	inner = (struct list_parser){ .type = lp->type, .text = value, .len = strlen(value),
				      .vars = lp->vars, .err = &inner_err,
				      .var_depth = lp->var_depth + 1, .items = lp->items };
	err = parse_item(&inner, node);
	skip_spaces(&inner);
	if (!err && inner.pos != inner.len)
		err = list_fail(&inner, inner.pos, "unexpected '%c' after the list",
				value[inner.pos]);
	if (err == -E2BIG) {
		list_node_release(node);
		/* each level names itself: the outermost variable, where it is used, wins */
		list_fail(lp, start, "$%.*s expands to more than %d %s: variables that list "
			  "each other multiply (limit %d items)", (int)(lp->pos - name_start),
			  lp->text + name_start, LIST_MAX_ITEMS,
			  lp->type == LIST_PORT ? "ports" : "addresses", LIST_MAX_ITEMS);
		return -E2BIG;
	}
	if (err) {
		list_node_release(node);
		/* messages of nested variables already name them: keep the innermost */
		if (strncmp(inner_err.message, "$", 1) == 0)
			return list_fail(lp, start, "%s", inner_err.message);
		return list_fail(lp, start, "$%.*s: %s", (int)(lp->pos - name_start),
				 lp->text + name_start, inner_err.message);
	}
	return 0;
}

static int parse_group(struct list_parser *lp, struct list_node *node)
{
	size_t open = lp->pos++;
	int err;

	node->kind = LIST_NODE_GROUP;
	for (;;) {
		struct list_node *grown;

		skip_spaces(lp);
		if (lp->pos >= lp->len)
			return list_fail(lp, open, "unterminated list: missing ']'");
		if (lp->text[lp->pos] == ']' && node->child_count == 0)
			return list_fail(lp, open, "empty list");
		grown = realloc(node->children, (node->child_count + 1) * sizeof(*grown));
		if (!grown)
			return list_fail(lp, lp->pos, "out of memory");
		node->children = grown;
		memset(&node->children[node->child_count], 0, sizeof(*grown));
		node->child_count++;
		err = parse_item(lp, &node->children[node->child_count - 1]);
		if (err)
			return err;
		skip_spaces(lp);
		if (lp->pos >= lp->len)
			return list_fail(lp, open, "unterminated list: missing ']'");
		if (lp->text[lp->pos] == ']') {
			lp->pos++;
			return 0;
		}
		if (lp->text[lp->pos] != ',')
			return list_fail(lp, lp->pos, "expected ',' or ']', found '%c'",
					 lp->text[lp->pos]);
		lp->pos++;
	}
}

static int parse_item(struct list_parser *lp, struct list_node *node)
{
	char leaf[LIST_MAX_LEAF];
	size_t start;
	int err;

	memset(node, 0, sizeof(*node));
	skip_spaces(lp);
	start = lp->pos;
	if (++*lp->items > LIST_MAX_ITEMS) {
		list_fail(lp, start, "more than %d items in one list (the limit)", LIST_MAX_ITEMS);
		return -E2BIG;
	}
	if (lp->pos >= lp->len)
		return list_fail(lp, start, "missing %s", lp->type == LIST_PORT ? "port" : "address");
	switch (lp->text[lp->pos]) {
	case '!':
		lp->pos++;
		err = parse_item(lp, node);
		if (err)
			return err;
		if (node->kind == LIST_NODE_ANY && !node->negated && lp->vars)
			return list_fail(lp, start, "'!any' matches nothing");
		node->negated ^= 1;
		return 0;
	case '[':
		return parse_group(lp, node);
	case '$':
		return parse_variable(lp, node);
	default:
		break;
	}
	while (lp->pos < lp->len && !is_delimiter(lp->text[lp->pos]))
		lp->pos++;
	if (lp->pos == start)
		return list_fail(lp, start, "unexpected '%c'", lp->text[start]);
	if (lp->pos - start >= sizeof(leaf))
		return list_fail(lp, start, "%s too long", lp->type == LIST_PORT ? "port" : "address");
	memcpy(leaf, lp->text + start, lp->pos - start);
	leaf[lp->pos - start] = '\0';
	if (strcmp(leaf, "any") == 0) {
		node->kind = LIST_NODE_ANY;
		return 0;
	}
	if (lp->type == LIST_PORT)
		return parse_port_leaf(lp, leaf, start, node);
	return parse_address_leaf(lp, leaf, start, node);
}

int list_parse(struct list_node *out, enum list_type type, const char *text, size_t len,
	       const struct rule_vars *vars, struct list_error *err)
{
	size_t items = 0;
	struct list_parser lp = { .type = type, .text = text, .len = len, .vars = vars,
				  .err = err, .items = &items };
	int ret;

	ret = parse_item(&lp, out);
	skip_spaces(&lp);
	if (!ret && lp.pos != lp.len)
		ret = list_fail(&lp, lp.pos, "unexpected '%c' after the list", text[lp.pos]);
	if (ret)
		list_node_release(out);
	return ret;
}

static size_t key_length(uint8_t family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 2;
}

/* Whether the node matches, before its own negation is applied. */
static bool node_hit(const struct list_node *node, uint8_t family, const uint8_t *key)
{
	bool positive_seen = false, positive_hit = false;
	size_t i;

	switch (node->kind) {
	case LIST_NODE_ANY:
		return true;
	case LIST_NODE_RANGE:
		return node->family == family && memcmp(key, node->lo, key_length(family)) >= 0 &&
		       memcmp(key, node->hi, key_length(family)) <= 0;
	case LIST_NODE_GROUP:
		for (i = 0; i < node->child_count; i++) {
			const struct list_node *child = &node->children[i];
			bool hit = node_hit(child, family, key);

			if (child->negated && hit)
				return false;
			if (!child->negated) {
				positive_seen = true;
				positive_hit = positive_hit || hit;
			}
		}
		return !positive_seen || positive_hit;
	}
	return false;
}

bool list_matches(const struct list_node *node, uint8_t family, const uint8_t *key)
{
	return node_hit(node, family, key) != (bool)node->negated;
}

bool list_is_any(const struct list_node *node)
{
	return node->kind == LIST_NODE_ANY && !node->negated;
}
