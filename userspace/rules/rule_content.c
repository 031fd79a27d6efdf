// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * content and the keywords that modify the content before them: nocase, offset, depth,
 * distance, within, startswith, endswith, fast_pattern, rawbytes, and the legacy HTTP
 * buffer modifiers (http_uri, ...). Conflicts Suricata rejects are rejected here too.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

/* Legacy content modifiers: the buffer they move the content before them into. */
static const struct {
	const char *keyword;
	enum rule_buffer buffer;
} legacy_modifiers[] = {
	{ "http_method", RULE_BUF_HTTP_METHOD },
	{ "http_uri", RULE_BUF_HTTP_URI },
	{ "http_raw_uri", RULE_BUF_HTTP_URI_RAW },
	{ "http_user_agent", RULE_BUF_HTTP_USER_AGENT },
	{ "http_host", RULE_BUF_HTTP_HOST },
	{ "http_header", RULE_BUF_HTTP_HEADER },
	{ "http_client_body", RULE_BUF_HTTP_BODY },
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "[!]\"text|41 42|text\"" into bytes. */
static int parse_content_string(struct rule_parser *p, const char *value, size_t value_offset,
				const char *keyword, struct rule_content *content)
{
	size_t len = strlen(value), i = 0, n = 0, hex_start = 0;
	int in_hex = 0, pending = -1, closed = 0, err = 0;
	uint8_t *bytes;

	if (value[i] == '!') {
		content->negated = 1;
		i++;
		while (value[i] == ' ' || value[i] == '\t')
			i++;
	}
	if (value[i] != '"')
		return rule_fail(p, value_offset + i, keyword, "expected a quoted string");
	bytes = malloc(len);
	if (!bytes)
		return rule_fail(p, value_offset, keyword, "out of memory");
	for (i++; i < len && !closed && !err; i++) {
		char c = value[i];

		if (in_hex) {
			int digit = hex_digit(c);

			if (c == '|' || c == ' ' || c == '\t' || c == '"') {
				if (pending >= 0)
					err = rule_fail(p, value_offset + i, keyword,
							"bad hex: odd number of hex digits");
				in_hex = c != '|';
				if (c == '"')
					break;	/* reported as an unterminated block below */
			} else if (digit < 0) {
				err = rule_fail(p, value_offset + i, keyword,
						"bad hex: '%c' is not a hex digit", c);
			} else if (pending < 0) {
				pending = digit;
			} else {
				bytes[n++] = (uint8_t)(pending << 4 | digit);
				pending = -1;
			}
		} else if (c == '|') {
			in_hex = 1;
			hex_start = i;
		} else if (c == '\\') {
			if (i + 1 >= len || !strchr("\";:\\|", value[i + 1]))
				err = rule_fail(p, value_offset + i, keyword,
						"invalid escape '\\%c' (write bytes as |hex|)",
						i + 1 < len ? value[i + 1] : ' ');
			else
				bytes[n++] = (uint8_t)value[++i];
		} else if (c == '"') {
			if (i != len - 1)
				err = rule_fail(p, value_offset + i, keyword,
						"unescaped '\"' inside the string (write \\\" or |22|)");
			closed = 1;
		} else {
			bytes[n++] = (uint8_t)c;
		}
	}
	if (!err && in_hex)
		err = rule_fail(p, value_offset + hex_start, keyword,
				"bad hex: unterminated '|' block");
	else if (!err && !closed)
		err = rule_fail(p, value_offset + len, keyword, "missing the closing quote");
	else if (!err && n == 0)
		err = rule_fail(p, value_offset, keyword, "empty content");
	if (err) {
		free(bytes);
		return err;
	}
	content->bytes = bytes;
	content->len = (uint32_t)n;
	return 0;
}

static int add_content(struct rule_parser *p, const char *keyword, size_t offset,
		       const char *value, size_t value_offset, enum rule_buffer buffer)
{
	struct rule_item *item;
	struct rule_content content = { 0 };
	int err;

	if (!value || !*value)
		return rule_fail(p, offset, keyword, "needs a value");
	err = parse_content_string(p, value, value_offset, keyword, &content);
	if (err)
		return err;
	item = rule_add_item(p->rule);
	if (!item) {
		free(content.bytes);
		return rule_fail(p, offset, keyword, "out of memory");
	}
	item->kind = RULE_ITEM_CONTENT;
	item->buffer = buffer;
	item->offset = offset;
	item->content = content;
	p->last_content = (int)(item - p->rule->items);
	return 0;
}

static int parse_int(const char *value, long min, long max, int32_t *out)
{
	long number;
	char *end;

	if (!value || !*value)
		return -EINVAL;
	errno = 0;
	number = strtol(value, &end, 10);
	if (errno || *end || number < min || number > max)
		return -EINVAL;
	*out = (int32_t)number;
	return 0;
}

/* offset, depth, distance, within: a number and its compatibility with the rest. */
static int apply_position(struct rule_parser *p, const char *keyword, size_t offset,
			  const char *value, size_t value_offset, struct rule_content *c)
{
	int is_relative = !strcmp(keyword, "distance") || !strcmp(keyword, "within");
	long min = !strcmp(keyword, "distance") ? INT_MIN / 2 :
		   !strcmp(keyword, "offset") ? 0 : 1;
	uint8_t *has = !strcmp(keyword, "offset") ? &c->has_offset :
		       !strcmp(keyword, "depth") ? &c->has_depth :
		       !strcmp(keyword, "distance") ? &c->has_distance : &c->has_within;
	int32_t *field = !strcmp(keyword, "offset") ? &c->offset :
			 !strcmp(keyword, "depth") ? &c->depth :
			 !strcmp(keyword, "distance") ? &c->distance : &c->within;

	if (parse_int(value, min, INT_MAX / 2, field))
		return rule_fail(p, value_offset, keyword, "expected an integer%s, got '%s'",
				 min == 0 ? " >= 0" : min == 1 ? " >= 1" : "", value ? value : "");
	if (*has)
		return rule_fail(p, offset, keyword, "given twice for one content");
	if (c->startswith)
		return rule_fail(p, offset, keyword, "cannot be combined with startswith");
	if (is_relative ? (c->has_offset || c->has_depth) : (c->has_distance || c->has_within))
		return rule_fail(p, offset, keyword, "%s", is_relative ?
				 "cannot be mixed with offset/depth on one content" :
				 "cannot be mixed with distance/within on one content");
	if ((field == &c->depth || field == &c->within) && (uint32_t)*field < c->len)
		return rule_fail(p, value_offset, keyword,
				 "%d is less than the content length %u: it can never match",
				 *field, c->len);
	*has = 1;
	return 0;
}

static int apply_fast_pattern(struct rule_parser *p, size_t offset, const char *value,
			      struct rule_content *c)
{
	size_t i;

	/* "only" and "offset,length" (chop) are accepted; the whole content is the
	 * prefilter either way, and the confirm step checks it all. */
	if (value && strcmp(value, "only") != 0) {
		const char *comma = strchr(value, ',');
		int32_t a, b;
		char first[16];

		if (!comma || (size_t)(comma - value) >= sizeof(first))
			goto bad;
		memcpy(first, value, (size_t)(comma - value));
		first[comma - value] = '\0';
		if (parse_int(first, 0, INT_MAX, &a) || parse_int(comma + 1, 1, INT_MAX, &b) ||
		    (uint32_t)a + (uint32_t)b > c->len)
			goto bad;
	}
	if (c->negated)
		return rule_fail(p, offset, "fast_pattern",
				 "a negated content cannot be the fast pattern");
	for (i = 0; i < p->rule->item_count; i++) {
		if (p->rule->items[i].kind == RULE_ITEM_CONTENT &&
		    p->rule->items[i].content.fast_pattern)
			return rule_fail(p, offset, "fast_pattern", "only one fast_pattern per rule");
	}
	c->fast_pattern = 1;
	return 0;
bad:
	return rule_fail(p, offset, "fast_pattern", "expected no value, 'only' or OFFSET,LENGTH "
			 "within the content, got '%s'", value);
}

static int apply_legacy_modifier(struct rule_parser *p, const char *keyword, size_t offset,
				 enum rule_buffer buffer, struct rule_item *item)
{
	if (p->sticky_set)
		return rule_fail(p, offset, keyword, "cannot follow sticky buffer '%s'",
				 rule_buffer_name(p->sticky));
	if (item->buffer != RULE_BUF_PAYLOAD)
		return rule_fail(p, offset, keyword, "the content already has buffer modifier '%s'",
				 rule_buffer_name(item->buffer));
	item->buffer = buffer;
	return 0;
}

int rule_apply_content_option(struct rule_parser *p, const char *keyword, size_t keyword_offset,
			      const char *value, size_t value_offset, int *handled)
{
	static const char *const modifiers[] = { "nocase", "offset", "depth", "distance",
						 "within", "startswith", "endswith",
						 "fast_pattern", "rawbytes" };
	enum rule_buffer legacy = RULE_BUF_PAYLOAD;
	struct rule_item *item;
	struct rule_content *c;
	int is_modifier = 0;
	size_t i;

	*handled = 1;
	if (!strcmp(keyword, "content"))
		return add_content(p, keyword, keyword_offset, value, value_offset,
				   p->sticky_set ? p->sticky : RULE_BUF_PAYLOAD);
	if (!strcmp(keyword, "uricontent")) {
		if (p->sticky_set)
			return rule_fail(p, keyword_offset, keyword, "cannot follow sticky buffer '%s'",
					 rule_buffer_name(p->sticky));
		return add_content(p, keyword, keyword_offset, value, value_offset,
				   RULE_BUF_HTTP_URI);
	}
	for (i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++)
		is_modifier |= !strcmp(keyword, modifiers[i]);
	for (i = 0; i < sizeof(legacy_modifiers) / sizeof(legacy_modifiers[0]); i++) {
		if (!strcmp(keyword, legacy_modifiers[i].keyword)) {
			legacy = legacy_modifiers[i].buffer;
			is_modifier = 1;
		}
	}
	if (!is_modifier) {
		*handled = 0;
		return 0;
	}
	if (p->last_content < 0)
		return rule_fail(p, keyword_offset, keyword, "needs a preceding content%s",
				 p->sticky_set ? " in the same buffer" : "");
	item = &p->rule->items[p->last_content];
	c = &item->content;
	if (legacy != RULE_BUF_PAYLOAD)
		return value ? rule_fail(p, keyword_offset, keyword, "takes no value") :
			       apply_legacy_modifier(p, keyword, keyword_offset, legacy, item);
	if (!strcmp(keyword, "nocase")) {
		if (value)
			return rule_fail(p, keyword_offset, keyword, "takes no value");
		if (c->nocase)
			return rule_fail(p, keyword_offset, keyword, "given twice for one content");
		c->nocase = 1;
		for (i = 0; i < c->len; i++)
			c->bytes[i] = (uint8_t)tolower(c->bytes[i]);
		return 0;
	}
	if (!strcmp(keyword, "startswith") || !strcmp(keyword, "endswith")) {
		if (value)
			return rule_fail(p, keyword_offset, keyword, "takes no value");
		if (keyword[0] == 'e') {
			c->endswith = 1;
			return 0;
		}
		if (c->has_offset || c->has_depth || c->has_distance || c->has_within)
			return rule_fail(p, keyword_offset, keyword,
					 "cannot be combined with offset/depth/distance/within");
		c->startswith = 1;
		return 0;
	}
	if (!strcmp(keyword, "fast_pattern"))
		return apply_fast_pattern(p, keyword_offset, value, c);
	if (!strcmp(keyword, "rawbytes"))
		return value ? rule_fail(p, keyword_offset, keyword, "takes no value") : 0;
	return apply_position(p, keyword, keyword_offset, value, value_offset, c);
}
