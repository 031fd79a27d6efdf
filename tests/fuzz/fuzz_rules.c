// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the rules engine: the input is rule text, optionally followed by a
 * NUL byte and a payload. The rule text may start with variable lines, `$NAME=VALUE`
 * (NAME ending in _PORT or _PORTS: a port variable), set over the defaults as the config
 * would, so values that refer to each other (nested, cyclic, multiplying) are reached.
 * The rest goes through the whole load (parse, variables, Hyperscan compile); the payload
 * through the HTTP parser and URI normaliser, and, when the rules loaded, a scan as TCP
 * and as UDP. Anything but a clean error is a finding.
 *
 *   make .output/fuzz/fuzz_rules && .output/fuzz/fuzz_rules -max_len=4096 CORPUS_DIR
 * (run from the repository root so that rules/classification.config is found).
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules/http.h"
#include "rules/rules.h"

#define FUZZ_MAX_RULES 8192

static struct http_request fuzz_http;

static int count_match(const struct rule_info *rule, const struct scan_input *in,
		       const struct http_request *http, void *user)
{
	volatile uint8_t sink;

	(*(size_t *)user)++;
	/* what the alert writer reads must be readable (ASan checks these loads) */
	sink = (uint8_t)rule->msg[strlen(rule->msg)];
	if (http && http->uri.len)
		sink = http->uri.data[http->uri.len - 1];
	if (http && http->headers.len)
		sink = http->headers.data[http->headers.len - 1];
	(void)sink;
	return 0;
}

static void scan_payload(const struct ruleset *rs, const uint8_t *payload, size_t len)
{
	struct scan_ctx *ctx = scan_ctx_new(rs);
	struct scan_input in = { .payload = payload, .len = (uint32_t)len,
				 .orig_len = (uint32_t)len, .proto = IPPROTO_TCP, .family = 4,
				 .to_server = 1, .established = 1, .src_addr = { 203, 0, 113, 5 },
				 .dst_addr = { 10, 0, 0, 1 }, .src_port = 40000, .dst_port = 80 };
	size_t matches = 0;

	if (!ctx)
		return;
	ruleset_scan(rs, ctx, &in, count_match, &matches);
	in.proto = IPPROTO_UDP;
	in.to_server = 0;
	ruleset_scan(rs, ctx, &in, count_match, &matches);
	scan_ctx_free(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LEVEL_ERROR);
	http_request_init(&fuzz_http);
	return 0;
}

static int is_port_name(const char *name, size_t len)
{
	return (len >= 5 && !memcmp(name + len - 5, "_PORT", 5)) ||
	       (len >= 6 && !memcmp(name + len - 6, "_PORTS", 6));
}

/*
 * The defaults, then each leading "$NAME=VALUE" line of text; *used: how much of text the
 * lines took. A value the rules module refuses must say why. NULL: out of memory.
 */
static struct rule_vars *vars_from_input(const char *text, size_t len, size_t *used)
{
	struct rule_vars *vars = rule_vars_new();
	const char *why = NULL;
	size_t pos = 0;

	if (!vars || rule_vars_set_address(vars, "HOME_NET", "[10.0.0.0/8,2001:db8::/32]", &why))
		abort();
	while (pos < len && text[pos] == '$') {
		const char *eol = memchr(text + pos, '\n', len - pos);
		size_t line_len = eol ? (size_t)(eol - text) - pos : len - pos;
		const char *eq = memchr(text + pos, '=', line_len);
		char *line = strndup(text + pos + 1, line_len - 1);
		int err;

		if (!line)
			break;
		if (eq) {
			size_t name_len = (size_t)(eq - text) - pos - 1;

			line[name_len] = '\0';
			err = is_port_name(line, name_len)
				      ? rule_vars_set_port(vars, line, line + name_len + 1, &why)
				      : rule_vars_set_address(vars, line, line + name_len + 1, &why);
			if (err && (!why || !why[0]))
				abort();
			/* what check-config asks: bounded however the values nest */
			if (!err && rule_vars_check_expansion(vars, line, &why) && (!why || !why[0]))
				abort();
		}
		free(line);
		pos += line_len + (eol != NULL);
	}
	*used = pos;
	return vars;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *separator = memchr(data, '\0', size);
	size_t text_len = separator ? (size_t)(separator - data) : size;
	const uint8_t *payload = separator ? separator + 1 : data;
	size_t payload_len = separator ? size - text_len - 1 : size;
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct rule_vars *vars;
	size_t vars_len = 0;
	uint8_t *uri;

	/* the payload alone: HTTP parse and normalisation */
	http_request_parse(&fuzz_http, payload, payload_len);
	uri = malloc(payload_len + 1);
	if (uri) {
		http_uri_normalise(payload, payload_len, uri);
		free(uri);
	}
	if (text_len > FUZZ_MAX_RULES)
		return 0;
	vars = vars_from_input((const char *)data, text_len, &vars_len);
	if (ruleset_load_text(&rs, "fuzz.rules", (const char *)data + vars_len,
			      text_len - vars_len, vars, NULL, &report) == 0 && separator)
		scan_payload(rs, payload, payload_len);
	ruleset_free(rs);
	rules_report_free(&report);
	rule_vars_free(vars);
	return 0;
}
