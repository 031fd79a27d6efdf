// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcre:[!]"/EXPRESSION/FLAGS". Compiled with PCRE2 (JIT where available) for the confirm
 * step; also checked with Hyperscan, which can then prefilter the rule with it when the
 * rule has no content to do so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

/* The HTTP buffer flags of Suricata's pcre. */
static const struct {
	char flag;
	enum rule_buffer buffer;
} buffer_flags[] = {
	{ 'U', RULE_BUF_HTTP_URI },	   { 'I', RULE_BUF_HTTP_URI_RAW },
	{ 'H', RULE_BUF_HTTP_HEADER },	   { 'P', RULE_BUF_HTTP_BODY },
	{ 'M', RULE_BUF_HTTP_METHOD },	   { 'V', RULE_BUF_HTTP_USER_AGENT },
	{ 'W', RULE_BUF_HTTP_HOST },
};

static const char *unsupported_flag_reason(char flag)
{
	switch (flag) {
	case 'C':
		return "the http.cookie buffer is not supported (cookies are in http.header: H)";
	case 'D':
		return "the raw header buffer is not supported (use H)";
	case 'S':
	case 'Y':
		return "responses are not parsed (request buffers only)";
	case 'Z':
		return "the raw host buffer is not supported (use W)";
	case 'B':
		return "rawbytes is implied";
	default:
		return NULL;
	}
}

/* The unquoted value with \" and \; unescaped (other escapes belong to the regex). */
static char *unquote_regex(const char *value, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (value[i] == '\\' && i + 1 < len && (value[i + 1] == '"' || value[i + 1] == ';'))
			i++;
		out[n++] = value[i];
	}
	out[n] = '\0';
	return out;
}

/*
 * Whether Hyperscan can compile the expression as a prefilter that matches something.
 * Hyperscan parses the expression for it: with the shipped rules' 163 pcres that was
 * 22 ms, 6% of a replay's start-up, when asked of every pcre at parse time; only the
 * rules whose contents are too short to prefilter need the answer (rule_finish.c).
 */
int rule_pcre_hyperscan_accepts(const struct rule_pcre *pcre)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *compile_err = NULL;
	int ok;

	ok = hs_expression_info(pcre->pattern, pcre->hs_flags | HS_FLAG_PREFILTER, &info,
				&compile_err) == HS_SUCCESS && info->min_width > 0;
	free(info);	/* allocated with malloc: no hs_set_allocator */
	hs_free_compile_error(compile_err);
	return ok;
}

static int apply_flags(struct rule_parser *p, const char *flags, size_t flags_offset,
		       struct rule_item *item)
{
	struct rule_pcre *pcre = &item->pcre;
	int buffer_flag = 0;
	size_t i, j;

	for (i = 0; flags[i]; i++) {
		const char *reason = unsupported_flag_reason(flags[i]);
		int found = 0;

		switch (flags[i]) {
		case 'i':
			pcre->options |= PCRE2_CASELESS;
			pcre->hs_flags |= HS_FLAG_CASELESS;
			continue;
		case 's':
			pcre->options |= PCRE2_DOTALL;
			pcre->hs_flags |= HS_FLAG_DOTALL;
			continue;
		case 'm':
			pcre->options |= PCRE2_MULTILINE;
			pcre->hs_flags |= HS_FLAG_MULTILINE;
			continue;
		case 'x':
			pcre->options |= PCRE2_EXTENDED;
			continue;
		case 'A':
			pcre->options |= PCRE2_ANCHORED;
			continue;
		case 'E':
			pcre->options |= PCRE2_DOLLAR_ENDONLY;
			continue;
		case 'G':
			pcre->options |= PCRE2_UNGREEDY;
			continue;
		case 'R':
			pcre->relative = 1;
			continue;
		case 'O':
			continue;	/* override configured match limits: there are none to lift */
		default:
			break;
		}
		for (j = 0; j < sizeof(buffer_flags) / sizeof(buffer_flags[0]); j++) {
			if (buffer_flags[j].flag != flags[i])
				continue;
			found = 1;
			/* a flag naming the sticky buffer in force is redundant, as in Suricata */
			if (p->sticky_set && p->sticky != buffer_flags[j].buffer)
				return rule_fail(p, flags_offset + i, "pcre",
						 "flag '%c' (%s) conflicts with sticky buffer '%s'",
						 flags[i], rule_buffer_name(buffer_flags[j].buffer),
						 rule_buffer_name(p->sticky));
			if (buffer_flag)
				return rule_fail(p, flags_offset + i, "pcre",
						 "flag '%c': only one buffer flag per pcre", flags[i]);
			buffer_flag = flags[i];
			item->buffer = buffer_flags[j].buffer;
		}
		if (found)
			continue;
		if (reason)
			return rule_fail(p, flags_offset + i, "pcre", "unsupported flag '%c': %s",
					 flags[i], reason);
		return rule_fail(p, flags_offset + i, "pcre", "unknown flag '%c'", flags[i]);
	}
	return 0;
}

static int compile_pcre(struct rule_parser *p, size_t pattern_offset, struct rule_pcre *pcre)
{
	PCRE2_UCHAR message[160];
	PCRE2_SIZE error_offset = 0;
	int error_code = 0;

	pcre->code = pcre2_compile((PCRE2_SPTR)pcre->pattern, PCRE2_ZERO_TERMINATED, pcre->options,
				   &error_code, &error_offset, NULL);
	if (!pcre->code) {
		pcre2_get_error_message(error_code, message, sizeof(message));
		return rule_fail(p, pattern_offset + error_offset, "pcre", "bad pcre: %s at offset %zu",
				 (const char *)message, (size_t)error_offset);
	}
	/* without JIT (not built in, no executable memory) pcre2_match interprets */
	pcre2_jit_compile(pcre->code, PCRE2_JIT_COMPLETE);
	return 0;
}

int rule_apply_pcre(struct rule_parser *p, size_t keyword_offset, const char *value,
		    size_t value_offset)
{
	size_t len = strlen(value), start = 0, pattern_offset;
	struct rule_item *item;
	const char *last_slash;
	char *body;
	int negated = 0, err;

	if (value[0] == '!') {
		negated = 1;
		start = 1 + strspn(value + 1, " \t");
	}
	if (value[start] != '"' || len < start + 2 || value[len - 1] != '"')
		return rule_fail(p, value_offset + start, "pcre",
				 "expected a quoted \"/EXPRESSION/FLAGS\"");
	body = unquote_regex(value + start + 1, len - start - 2);
	if (!body)
		return rule_fail(p, keyword_offset, "pcre", "out of memory");
	last_slash = strrchr(body, '/');
	if (body[0] != '/' || last_slash == body) {
		free(body);
		return rule_fail(p, value_offset + start + 1, "pcre",
				 "expected \"/EXPRESSION/FLAGS\" with both slashes");
	}
	item = rule_add_item(p->rule);
	if (!item) {
		free(body);
		return rule_fail(p, keyword_offset, "pcre", "out of memory");
	}
	item->kind = RULE_ITEM_PCRE;
	item->offset = keyword_offset;
	item->buffer = p->sticky_set ? p->sticky : RULE_BUF_PAYLOAD;
	item->pcre.negated = (uint8_t)negated;
	pattern_offset = value_offset + start + 2;
	err = apply_flags(p, last_slash + 1, value_offset + start + 1 + (size_t)(last_slash - body) + 1,
			  item);
	if (!err) {
		item->pcre.pattern = strndup(body + 1, (size_t)(last_slash - body) - 1);
		if (!item->pcre.pattern)
			err = rule_fail(p, keyword_offset, "pcre", "out of memory");
	}
	free(body);
	if (!err)
		err = compile_pcre(p, pattern_offset, &item->pcre);
	if (err)
		return err;
	/* Hyperscan prefilters only what it can look for anywhere in the buffer */
	item->pcre.hs_candidate = !negated && !item->pcre.relative &&
				  !(item->pcre.options & (PCRE2_EXTENDED | PCRE2_ANCHORED));
	return 0;
}
