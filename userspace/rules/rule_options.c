// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule options other than content and pcre: meta options (msg, sid, rev, gid,
 * classtype, priority, reference, metadata), flow, dsize, isdataat, the HTTP sticky
 * buffers; and the dispatch of every keyword, where anything outside the subset becomes
 * an error that names it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

static const char *const buffer_names[RULE_BUF_COUNT] = {
	[RULE_BUF_PAYLOAD] = "pkt_data",
	[RULE_BUF_HTTP_METHOD] = "http.method",
	[RULE_BUF_HTTP_URI] = "http.uri",
	[RULE_BUF_HTTP_URI_RAW] = "http.uri.raw",
	[RULE_BUF_HTTP_USER_AGENT] = "http.user_agent",
	[RULE_BUF_HTTP_HOST] = "http.host",
	[RULE_BUF_HTTP_HEADER] = "http.header",
	[RULE_BUF_HTTP_BODY] = "http.request_body",
};

const char *rule_buffer_name(enum rule_buffer buffer)
{
	return buffer < RULE_BUF_COUNT ? buffer_names[buffer] : "?";
}

/* Suricata keywords outside the subset, with the reason they are not in it. */
static const struct {
	const char *keyword;
	const char *reason;
} unsupported[] = {
	{ "flowbits", "needs per-flow state across packets, which samples do not carry" },
	{ "xbits", "needs state across packets, which samples do not carry" },
	{ "threshold", "alert rate limiting is not supported" },
	{ "detection_filter", "alert rate limiting is not supported" },
	{ "byte_test", "byte arithmetic on the payload is not implemented" },
	{ "byte_jump", "byte arithmetic on the payload is not implemented" },
	{ "byte_extract", "byte arithmetic on the payload is not implemented" },
	{ "byte_math", "byte arithmetic on the payload is not implemented" },
	{ "file_data", "file.data is not supported (http.request_body is)" },
	{ "file.data", "file.data is not supported (http.request_body is)" },
	{ "http.cookie", "the cookie buffer is not supported (it is part of http.header)" },
	{ "http_cookie", "the cookie buffer is not supported (it is part of http.header)" },
	{ "http.header.raw", "not supported (http.header is)" },
	{ "http_raw_header", "not supported (http_header is)" },
	{ "http.stat_code", "responses are not parsed (request buffers only)" },
	{ "http_stat_code", "responses are not parsed (request buffers only)" },
	{ "http.response_body", "responses are not parsed (request buffers only)" },
	{ "http_server_body", "responses are not parsed (request buffers only)" },
	{ "urilen", "buffer length tests are not implemented" },
	{ "bsize", "buffer length tests are not implemented" },
	{ "base64_decode", "base64 decoding is not implemented" },
	{ "base64_data", "base64 decoding is not implemented" },
	{ "tag", "packet tagging (logging later packets) is not implemented" },
	{ "target", "alerts name no target side" },
	{ "noalert", "only meaningful with flowbits, which are not supported" },
	{ "stream_size", "samples are packets, not reassembled streams" },
};

static int parse_u32(const char *value, uint32_t min, uint32_t *out)
{
	unsigned long long number;
	char *end;

	if (!value || !*value || *value < '0' || *value > '9')
		return -EINVAL;
	errno = 0;
	number = strtoull(value, &end, 10);
	if (errno || *end || number > UINT32_MAX || number < min)
		return -EINVAL;
	*out = (uint32_t)number;
	return 0;
}

/* A quoted or bare text value with \" \\ \; unescaped. NULL on allocation failure. */
static char *unquote_text(const char *value)
{
	size_t len = strlen(value), i, n = 0;
	char *out;

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (value[i] == '\\' && i + 1 < len &&
		    (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ';'))
			i++;
		out[n++] = value[i];
	}
	out[n] = '\0';
	return out;
}

static int apply_metadata(struct rule_parser *p, size_t offset, const char *value)
{
	struct rule_info *info = &p->rule->info;
	const char *entry = value;

	while (*entry) {
		const char *end = strchr(entry, ','), *space;
		size_t len = end ? (size_t)(end - entry) : strlen(entry);
		struct rule_metadata *grown;
		char *key, *val;

		while (len > 0 && (*entry == ' ' || *entry == '\t')) {
			entry++;
			len--;
		}
		while (len > 0 && (entry[len - 1] == ' ' || entry[len - 1] == '\t'))
			len--;
		if (len > 0) {
			space = memchr(entry, ' ', len);
			key = strndup(entry, space ? (size_t)(space - entry) : len);
			val = space ? strndup(space + 1, len - (size_t)(space + 1 - entry)) :
				      strdup("");
			grown = realloc((void *)info->metadata,
					(info->metadata_count + 1) * sizeof(*grown));
			if (!key || !val || !grown) {
				free(key);
				free(val);
				if (grown)
					info->metadata = grown;
				return rule_fail(p, offset, "metadata", "out of memory");
			}
			grown[info->metadata_count].key = key;
			grown[info->metadata_count].value = val;
			info->metadata = grown;
			info->metadata_count++;
		}
		if (!end)
			break;
		entry = end + 1;
	}
	return 0;
}

static int apply_reference(struct rule_parser *p, size_t offset, const char *value)
{
	struct rule_info *info = &p->rule->info;
	const char **grown;
	char *copy;

	if (!strchr(value, ',') || value[0] == ',')
		return rule_fail(p, offset, "reference", "expected TYPE,ID (e.g. cve,2024-3400)");
	copy = strdup(value);
	grown = realloc((void *)info->references, (info->reference_count + 1) * sizeof(*grown));
	if (!copy || !grown) {
		free(copy);
		if (grown)
			info->references = (const char *const *)grown;
		return rule_fail(p, offset, "reference", "out of memory");
	}
	grown[info->reference_count++] = copy;
	info->references = (const char *const *)grown;
	return 0;
}

static int apply_flow(struct rule_parser *p, size_t offset, const char *value)
{
	struct rule *rule = p->rule;
	char *copy = strdup(value), *save = NULL, *word;
	int err = 0;

	if (!copy)
		return rule_fail(p, offset, "flow", "out of memory");
	for (word = strtok_r(copy, ", \t", &save); word && !err;
	     word = strtok_r(NULL, ", \t", &save)) {
		enum rule_flow_dir dir = RULE_FLOW_ANY;
		enum rule_flow_state state = RULE_FLOW_STATE_ANY;

		if (!strcmp(word, "to_server") || !strcmp(word, "from_client"))
			dir = RULE_FLOW_TO_SERVER;
		else if (!strcmp(word, "to_client") || !strcmp(word, "from_server"))
			dir = RULE_FLOW_TO_CLIENT;
		else if (!strcmp(word, "established"))
			state = RULE_FLOW_ESTABLISHED;
		else if (!strcmp(word, "not_established"))
			state = RULE_FLOW_NOT_ESTABLISHED;
		else if (!strcmp(word, "stateless") || !strcmp(word, "no_stream"))
			continue;	/* no constraint: samples are single packets anyway */
		else if (!strcmp(word, "only_stream"))
			err = rule_fail(p, offset, "flow", "'only_stream': samples are packets, "
					"not reassembled streams");
		else
			err = rule_fail(p, offset, "flow", "unsupported flow option '%s' (to_server, "
					"to_client, from_server, from_client, established, "
					"not_established, stateless, no_stream)", word);
		if (err)
			break;
		if (dir != RULE_FLOW_ANY) {
			if (rule->flow_dir != RULE_FLOW_ANY && rule->flow_dir != dir)
				err = rule_fail(p, offset, "flow", "both directions given");
			rule->flow_dir = dir;
		}
		if (state != RULE_FLOW_STATE_ANY) {
			if (rule->flow_state != RULE_FLOW_STATE_ANY && rule->flow_state != state)
				err = rule_fail(p, offset, "flow",
						"established and not_established both given");
			rule->flow_state = state;
		}
	}
	free(copy);
	return err;
}

/* dsize: N, !N, <N, >N, <=N, >=N, A<>B (exclusive, as in Suricata); kept inclusive. */
static int apply_dsize(struct rule_parser *p, size_t offset, const char *value)
{
	struct rule *rule = p->rule;
	const char *range = strstr(value, "<>");
	uint32_t a, b;

	rule->has_dsize = 1;
	if (range) {
		char first[16];

		if ((size_t)(range - value) >= sizeof(first))
			goto bad;
		memcpy(first, value, (size_t)(range - value));
		first[range - value] = '\0';
		if (parse_u32(first, 0, &a) || parse_u32(range + 2, 0, &b))
			goto bad;
		if (b <= a + 1)
			return rule_fail(p, offset, "dsize", "'%s' is an empty range (bounds are "
					 "exclusive)", value);
		rule->dsize_lo = a + 1;
		rule->dsize_hi = b - 1;
		return 0;
	}
	if (value[0] == '!') {
		rule->dsize_negated = 1;
		value++;
	}
	if (value[0] == '<' && value[1] == '=') {
		if (parse_u32(value + 2, 0, &a))
			goto bad;
		rule->dsize_lo = 0;
		rule->dsize_hi = a;
	} else if (value[0] == '>' && value[1] == '=') {
		if (parse_u32(value + 2, 0, &a))
			goto bad;
		rule->dsize_lo = a;
		rule->dsize_hi = UINT32_MAX;
	} else if (value[0] == '<') {
		if (parse_u32(value + 1, 1, &a))
			goto bad;
		rule->dsize_lo = 0;
		rule->dsize_hi = a - 1;
	} else if (value[0] == '>') {
		if (parse_u32(value + 1, 0, &a) || a == UINT32_MAX)
			goto bad;
		rule->dsize_lo = a + 1;
		rule->dsize_hi = UINT32_MAX;
	} else {
		if (parse_u32(value, 0, &a))
			goto bad;
		rule->dsize_lo = a;
		rule->dsize_hi = a;
	}
	return 0;
bad:
	return rule_fail(p, offset, "dsize", "expected N, !N, <N, >N, <=N, >=N or MIN<>MAX, got '%s'",
			 value);
}

static int apply_isdataat(struct rule_parser *p, size_t offset, const char *value)
{
	struct rule_item *item;
	const char *comma = strchr(value, ',');
	char number[16];
	size_t len = comma ? (size_t)(comma - value) : strlen(value);
	int negated = value[0] == '!';
	uint32_t at;

	if (negated) {
		value++;
		len--;
	}
	if (len >= sizeof(number))
		len = sizeof(number) - 1;
	memcpy(number, value, len);
	number[len] = '\0';
	if (parse_u32(number, 0, &at))
		return rule_fail(p, offset, "isdataat", "expected [!]N[,relative], got '%s'", value);
	if (comma && strcmp(comma + 1 + strspn(comma + 1, " \t"), "relative") != 0)
		return rule_fail(p, offset, "isdataat", "only 'relative' may follow the number");
	item = rule_add_item(p->rule);
	if (!item)
		return rule_fail(p, offset, "isdataat", "out of memory");
	item->kind = RULE_ITEM_ISDATAAT;
	item->buffer = p->sticky_set ? p->sticky : RULE_BUF_PAYLOAD;
	item->offset = offset;
	item->isdataat.offset = at;
	item->isdataat.negated = (uint8_t)negated;
	item->isdataat.relative = comma != NULL;
	return 0;
}

static int apply_sticky_buffer(struct rule_parser *p, const char *keyword, size_t offset,
			       const char *value, int *handled)
{
	int b;

	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if (strcmp(keyword, buffer_names[b]) == 0)
			break;
	}
	if (b == RULE_BUF_COUNT)
		return 0;
	*handled = 1;
	if (value)
		return rule_fail(p, offset, keyword, "takes no value");
	p->sticky = (enum rule_buffer)b;
	p->sticky_set = b != RULE_BUF_PAYLOAD;
	p->last_content = -1;	/* modifiers cannot reach back across a buffer change */
	return 0;
}

static int need_value(struct rule_parser *p, const char *keyword, size_t offset, const char *value)
{
	if (!value || !*value)
		return rule_fail(p, offset, keyword, "needs a value");
	return 0;
}

static int once(struct rule_parser *p, int *seen, const char *keyword, size_t offset)
{
	if (*seen)
		return rule_fail(p, offset, keyword, "given twice");
	*seen = 1;
	return 0;
}

static int apply_meta(struct rule_parser *p, const char *keyword, size_t offset,
		      const char *value, size_t value_offset, int *handled)
{
	struct rule_info *info = &p->rule->info;
	const struct class_entry *class_entry;
	uint32_t number;
	char *text;
	int err = 0;

	*handled = 1;
	if (!strcmp(keyword, "msg")) {
		if ((err = need_value(p, keyword, offset, value)) ||
		    (err = once(p, &p->has_msg, keyword, offset)))
			return err;
		text = unquote_text(value);
		if (!text)
			return rule_fail(p, offset, keyword, "out of memory");
		info->msg = text;
	} else if (!strcmp(keyword, "sid") || !strcmp(keyword, "rev") || !strcmp(keyword, "gid")) {
		int *seen = keyword[0] == 's' ? &p->has_sid : keyword[0] == 'r' ? &p->has_rev :
									   &p->has_gid;

		if ((err = need_value(p, keyword, offset, value)) ||
		    (err = once(p, seen, keyword, offset)))
			return err;
		if (parse_u32(value, keyword[0] == 'r' ? 0 : 1, &number))
			return rule_fail(p, value_offset, keyword,
					 "expected an integer %s..4294967295, got '%s'",
					 keyword[0] == 'r' ? "0" : "1", value);
		if (keyword[0] == 's') {
			info->sid = number;
			p->rule->sid_offset = offset;
		} else if (keyword[0] == 'r') {
			info->rev = number;
		} else {
			info->gid = number;
		}
	} else if (!strcmp(keyword, "classtype")) {
		if ((err = need_value(p, keyword, offset, value)) ||
		    (err = once(p, &p->has_classtype, keyword, offset)))
			return err;
		class_entry = classification_find(p->classes, value);
		if (!class_entry)
			return rule_fail(p, value_offset, keyword, "unknown classtype '%s'%s%s%s", value,
					 p->classes->missing ? " (no classification file: " : "",
					 p->classes->missing ? p->classes->path : "",
					 p->classes->missing ? " does not exist)" : "");
		info->classtype = strdup(class_entry->name);
		info->category = strdup(class_entry->description);
		if (!info->classtype || !info->category)
			return rule_fail(p, offset, keyword, "out of memory");
		if (!p->rule->priority)
			info->severity = class_entry->priority;
	} else if (!strcmp(keyword, "priority")) {
		if ((err = need_value(p, keyword, offset, value)) ||
		    (err = once(p, &p->has_priority, keyword, offset)))
			return err;
		if (parse_u32(value, 1, &number) || number > 255)
			return rule_fail(p, value_offset, keyword, "expected an integer 1..255, got '%s'",
					 value);
		p->rule->priority = (int)number;
		info->severity = (int)number;
	} else if (!strcmp(keyword, "reference")) {
		if ((err = need_value(p, keyword, offset, value)))
			return err;
		return apply_reference(p, value_offset, value);
	} else if (!strcmp(keyword, "metadata")) {
		if ((err = need_value(p, keyword, offset, value)))
			return err;
		return apply_metadata(p, value_offset, value);
	} else {
		*handled = 0;
	}
	return 0;
}

int rule_apply_option(struct rule_parser *p, const char *keyword, size_t keyword_offset,
		      const char *value, size_t value_offset)
{
	int handled = 0, err;
	size_t i;

	err = apply_meta(p, keyword, keyword_offset, value, value_offset, &handled);
	if (err || handled)
		return err;
	err = rule_apply_content_option(p, keyword, keyword_offset, value, value_offset, &handled);
	if (err || handled)
		return err;
	err = apply_sticky_buffer(p, keyword, keyword_offset, value, &handled);
	if (err || handled)
		return err;
	if (!strcmp(keyword, "pcre")) {
		if ((err = need_value(p, keyword, keyword_offset, value)))
			return err;
		return rule_apply_pcre(p, keyword_offset, value, value_offset);
	}
	if (!strcmp(keyword, "flow")) {
		if ((err = need_value(p, keyword, keyword_offset, value)) ||
		    (err = once(p, &p->has_flow, keyword, keyword_offset)))
			return err;
		return apply_flow(p, value_offset, value);
	}
	if (!strcmp(keyword, "dsize")) {
		if ((err = need_value(p, keyword, keyword_offset, value)) ||
		    (err = once(p, &p->has_dsize, keyword, keyword_offset)))
			return err;
		return apply_dsize(p, value_offset, value);
	}
	if (!strcmp(keyword, "isdataat")) {
		if ((err = need_value(p, keyword, keyword_offset, value)))
			return err;
		return apply_isdataat(p, keyword_offset, value);
	}
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (!strcmp(keyword, unsupported[i].keyword))
			return rule_fail(p, keyword_offset, keyword, "unsupported keyword: %s",
					 unsupported[i].reason);
	}
	return rule_fail(p, keyword_offset, keyword, "unknown keyword");
}
