// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One rule: the header ("alert tcp $EXTERNAL_NET any -> $HOME_NET 80") and the split of
 * "(key:value; key; ...)" into options, which rule_options.c applies. Offsets into the
 * rule text travel with every error so that the caller can name line and column.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

int rule_fail(struct rule_parser *p, size_t offset, const char *keyword, const char *fmt, ...)
{
	va_list ap;

	p->err->offset = offset;
	snprintf(p->err->keyword, sizeof(p->err->keyword), "%s", keyword);
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

struct rule_item *rule_add_item(struct rule *rule)
{
	struct rule_item *item;

	if (rule->item_count == rule->item_capacity) {
		size_t capacity = rule->item_capacity ? rule->item_capacity * 2 : 4;
		struct rule_item *grown = realloc(rule->items, capacity * sizeof(*grown));

		if (!grown)
			return NULL;
		rule->items = grown;
		rule->item_capacity = capacity;
	}
	item = &rule->items[rule->item_count++];
	memset(item, 0, sizeof(*item));
	return item;
}

void rule_release(struct rule *rule)
{
	size_t i;

	for (i = 0; i < rule->item_count; i++) {
		free(rule->items[i].content.bytes);
		free(rule->items[i].pcre.pattern);
		pcre2_code_free(rule->items[i].pcre.code);
	}
	free(rule->items);
	/* the info strings are the rule's own copies; the const is for the callers */
	free((char *)rule->info.msg);
	free((char *)rule->info.classtype);
	free((char *)rule->info.category);
	for (i = 0; i < rule->info.metadata_count; i++) {
		free((char *)rule->info.metadata[i].key);
		free((char *)rule->info.metadata[i].value);
	}
	free((void *)rule->info.metadata);
	for (i = 0; i < rule->info.reference_count; i++)
		free((char *)rule->info.references[i]);
	free((void *)rule->info.references);
	list_node_release(&rule->src_addr);
	list_node_release(&rule->src_port);
	list_node_release(&rule->dst_addr);
	list_node_release(&rule->dst_port);
	memset(rule, 0, sizeof(*rule));
}

static size_t skip_spaces(const char *text, size_t len, size_t pos)
{
	while (pos < len && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	return pos;
}

/* The next header field: up to white space outside brackets, or '(' (options start). */
static size_t header_field_end(const char *text, size_t len, size_t pos)
{
	int depth = 0;

	while (pos < len) {
		char c = text[pos];

		if (c == '(')
			break;
		if (c == '[')
			depth++;
		else if (c == ']' && depth > 0)
			depth--;
		else if (depth == 0 && (c == ' ' || c == '\t'))
			break;
		pos++;
	}
	return pos;
}

static int parse_list_field(struct rule_parser *p, struct list_node *node, enum list_type type,
			    const char *text, size_t start, size_t end,
			    const struct rule_vars *vars, const char *keyword)
{
	struct list_error list_err;

	if (start == end)
		return rule_fail(p, start, keyword, "missing");
	if (list_parse(node, type, text + start, end - start, vars, &list_err))
		return rule_fail(p, start + list_err.offset, keyword, "%s", list_err.message);
	return 0;
}

static int parse_header(struct rule_parser *p, const char *text, size_t len,
			const struct rule_vars *vars, size_t *pos)
{
	static const struct {
		const char *name;
		enum rule_proto proto;
	} protos[] = {
		{ "ip", RULE_PROTO_IP }, { "tcp", RULE_PROTO_TCP }, { "udp", RULE_PROTO_UDP },
		{ "icmp", RULE_PROTO_ICMP }, { "http", RULE_PROTO_HTTP },
	};
	struct rule *rule = p->rule;
	size_t start, end, i;
	int err, found = 0;

	start = skip_spaces(text, len, *pos);
	end = header_field_end(text, len, start);
	if (end - start == 5 && memcmp(text + start, "alert", 5) == 0)
		rule->info.action = EW_ACTION_ALERT;
	else if (end - start == 4 && memcmp(text + start, "drop", 4) == 0)
		rule->info.action = EW_ACTION_DROP;
	else
		return rule_fail(p, start, "action", "unsupported action '%.*s' (alert or drop)",
				 (int)(end - start), text + start);

	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strlen(protos[i].name) == end - start &&
		    memcmp(protos[i].name, text + start, end - start) == 0) {
			rule->proto = protos[i].proto;
			found = 1;
		}
	}
	if (!found)
		return rule_fail(p, start, "protocol",
				 "unsupported protocol '%.*s' (tcp, udp, icmp, ip or http)",
				 (int)(end - start), text + start);

	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	err = parse_list_field(p, &rule->src_addr, LIST_ADDRESS, text, start, end, vars,
			       "source address");
	if (err)
		return err;
	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	err = parse_list_field(p, &rule->src_port, LIST_PORT, text, start, end, vars,
			       "source port");
	if (err)
		return err;

	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	if (end - start == 2 && memcmp(text + start, "->", 2) == 0)
		rule->bidirectional = 0;
	else if (end - start == 2 && memcmp(text + start, "<>", 2) == 0)
		rule->bidirectional = 1;
	else
		return rule_fail(p, start, "direction", "expected '->' or '<>', found '%.*s'",
				 (int)(end - start), text + start);

	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	err = parse_list_field(p, &rule->dst_addr, LIST_ADDRESS, text, start, end, vars,
			       "destination address");
	if (err)
		return err;
	start = skip_spaces(text, len, end);
	end = header_field_end(text, len, start);
	err = parse_list_field(p, &rule->dst_port, LIST_PORT, text, start, end, vars,
			       "destination port");
	if (err)
		return err;
	if ((rule->proto == RULE_PROTO_ICMP || rule->proto == RULE_PROTO_IP) &&
	    (!list_is_any(&rule->src_port) || !list_is_any(&rule->dst_port)))
		return rule_fail(p, start, "destination port", "ports must be 'any' for %s rules",
				 rule->proto == RULE_PROTO_ICMP ? "icmp" : "ip");
	*pos = end;
	return 0;
}

/*
 * The value of an option: from after ':' to the next ';' outside quotes and not escaped.
 * Returns the offset of that ';', or -EINVAL.
 */
static int find_value_end(struct rule_parser *p, const char *text, size_t len, size_t pos,
			  const char *keyword, size_t keyword_offset, size_t *end)
{
	size_t quote = 0;
	int in_quote = 0;

	for (; pos < len; pos++) {
		if (text[pos] == '\\') {
			pos++;
			continue;
		}
		if (text[pos] == '"') {
			in_quote = !in_quote;
			quote = pos;
		} else if (text[pos] == ';' && !in_quote) {
			*end = pos;
			return 0;
		}
	}
	if (in_quote)
		return rule_fail(p, quote, keyword, "unterminated quoted string");
	return rule_fail(p, keyword_offset, keyword, "missing ';' after the value");
}

static int is_keyword_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static int parse_options(struct rule_parser *p, const char *text, size_t len, size_t pos)
{
	char keyword[64];
	int err;

	pos = skip_spaces(text, len, pos);
	if (pos >= len || text[pos] != '(')
		return rule_fail(p, pos, "options", "expected '(' after the rule header");
	pos++;
	for (;;) {
		size_t keyword_start, keyword_len, value_start, value_end = 0;
		char *value = NULL;

		pos = skip_spaces(text, len, pos);
		if (pos >= len)
			return rule_fail(p, len, "options", "missing ')' at the end of the rule");
		if (text[pos] == ')') {
			size_t after = skip_spaces(text, len, pos + 1);

			if (after != len)
				return rule_fail(p, after, "options", "text after the closing ')'");
			return rule_finish(p, pos);
		}
		keyword_start = pos;
		while (pos < len && is_keyword_char(text[pos]))
			pos++;
		keyword_len = pos - keyword_start;
		if (keyword_len == 0)
			return rule_fail(p, pos, "options", "expected an option keyword, found '%c'",
					 text[pos]);
		if (keyword_len >= sizeof(keyword))
			return rule_fail(p, keyword_start, "options", "option keyword too long");
		memcpy(keyword, text + keyword_start, keyword_len);
		keyword[keyword_len] = '\0';
		pos = skip_spaces(text, len, pos);
		if (pos < len && text[pos] == ';') {
			err = rule_apply_option(p, keyword, keyword_start, NULL, 0);
			if (err)
				return err;
			pos++;
			continue;
		}
		if (pos >= len || text[pos] != ':')
			return rule_fail(p, keyword_start, keyword, "expected ':' or ';' after '%s'",
					 keyword);
		err = find_value_end(p, text, len, pos + 1, keyword, keyword_start, &value_end);
		if (err)
			return err;
		value_start = skip_spaces(text, len, pos + 1);
		while (value_end > value_start &&
		       (text[value_end - 1] == ' ' || text[value_end - 1] == '\t'))
			value_end--;
		value = strndup(text + value_start, value_end - value_start);
		if (!value)
			return rule_fail(p, keyword_start, keyword, "out of memory");
		err = rule_apply_option(p, keyword, keyword_start, value, value_start);
		free(value);
		if (err)
			return err;
		pos = value_end;
		while (text[pos] != ';')
			pos++;	/* the spaces before the ';' */
		pos++;
	}
}

int rule_parse(struct rule *rule, const char *text, size_t len, const struct rule_vars *vars,
	       const struct classification *classes, struct rule_parse_error *err)
{
	struct rule_parser p = { .rule = rule, .classes = classes, .err = err,
				 .last_content = -1 };
	size_t pos = 0;
	int ret;

	memset(rule, 0, sizeof(*rule));
	memset(err, 0, sizeof(*err));
	rule->prefilter = -1;
	rule->info.gid = 1;
	ret = parse_header(&p, text, len, vars, &pos);
	if (!ret)
		ret = parse_options(&p, text, len, pos);
	if (ret)
		rule_release(rule);
	return ret;
}
