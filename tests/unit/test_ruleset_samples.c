// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every rule against its samples. For each rule with sid S in the rule files there must be
 * SAMPLES/S.pos, which must raise S, and SAMPLES/S.neg, which must raise no rule of its set;
 * one PASS/FAIL line per sid (a missing sample is a FAIL naming the sid, so is a sample
 * without a rule).
 *
 * Two sets: the shipped rules (rules/NAME.rules, tests/rules/samples/) and the engine's own
 * fixtures (tests/rules/fixtures/NAME.rules, tests/rules/fixtures/samples/).
 *
 * A sample file is the raw L4 payload; an optional first line "#!sample key=value ...\n"
 * (not part of the payload) says what carried it:
 *   proto=tcp|udp|icmp  sport=N  dport=N  dir=to_server|to_client  established=0|1
 *   family=4|6  src=ADDR  dst=ADDR
 * Defaults: tcp 198.18.0.10:40000 -> 198.18.0.1:80 (IPv6: 2001:db8::10 -> 2001:db8::1),
 * to_server, established. Variables: HOME_NET=[198.18.0.0/15,2001:db8::/32],
 * EXTERNAL_NET=!$HOME_NET, the rest Suricata's defaults. Run from the repository root.
 */
#include <dirent.h>
#include <glob.h>
#include <stdlib.h>

#include "../support/test.h"
#include "../rules/rules_test.h"

#define SAMPLE_HEADER "#!sample"
#define SAMPLE_MAX (1 << 20)

struct rule_set {
	const char *label;
	const char *rules_glob;
	const char *samples_dir;
	const char *classification;	/* NULL: the default rules/classification.config */
};

static const struct rule_set sets[] = {
	{ "shipped", "rules/*.rules", "tests/rules/samples", NULL },
	{ "fixtures", "tests/rules/fixtures/*.rules", "tests/rules/fixtures/samples",
	  TEST_CLASSIFICATION },
};

struct sample {
	uint8_t *bytes;		/* the whole file */
	size_t size;
	struct scan_input in;
};

/* Apply one key=value of the header; NULL or why it is wrong. */
static const char *apply_header_field(struct scan_input *in, const char *key, const char *value,
				      int *family_set, int *src_set, int *dst_set)
{
	char *end;
	long n;

	if (!strcmp(key, "proto")) {
		if (!strcmp(value, "tcp"))
			in->proto = IPPROTO_TCP;
		else if (!strcmp(value, "udp"))
			in->proto = IPPROTO_UDP;
		else if (!strcmp(value, "icmp"))
			in->proto = IPPROTO_ICMP;
		else
			return "proto is tcp, udp or icmp";
	} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
		n = strtol(value, &end, 10);
		if (!*value || *end || n < 0 || n > 65535)
			return "ports are 0..65535";
		*(key[0] == 's' ? &in->src_port : &in->dst_port) = (uint16_t)n;
	} else if (!strcmp(key, "dir")) {
		if (strcmp(value, "to_server") && strcmp(value, "to_client"))
			return "dir is to_server or to_client";
		in->to_server = !strcmp(value, "to_server");
	} else if (!strcmp(key, "established")) {
		if (strcmp(value, "0") && strcmp(value, "1"))
			return "established is 0 or 1";
		in->established = value[0] == '1';
	} else if (!strcmp(key, "family")) {
		if (strcmp(value, "4") && strcmp(value, "6"))
			return "family is 4 or 6";
		in->family = (uint8_t)(value[0] - '0');
		*family_set = 1;
	} else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
		uint8_t *addr = key[0] == 's' ? in->src_addr : in->dst_addr;
		int v6 = strchr(value, ':') != NULL;

		memset(addr, 0, 16);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, value, addr) != 1)
			return "not an IPv4 or IPv6 address";
		in->family = v6 ? 6 : 4;
		*(key[0] == 's' ? src_set : dst_set) = 1;
	} else {
		return "unknown key (proto, sport, dport, dir, established, family, src, dst)";
	}
	return NULL;
}

/* Read a sample and its header into s; NULL or why it cannot be used. */
static const char *load_sample(const char *path, struct sample *s, char *why, size_t why_size)
{
	FILE *file = fopen(path, "rb");
	size_t payload_at = 0;
	int family_set = 0, src_set = 0, dst_set = 0;

	memset(s, 0, sizeof(*s));
	if (!file)
		return "missing";
	s->bytes = malloc(SAMPLE_MAX);
	if (!s->bytes) {
		fclose(file);
		return "out of memory";
	}
	s->size = fread(s->bytes, 1, SAMPLE_MAX, file);
	fclose(file);

	s->in = test_input("");
	s->in.src_port = 40000;
	inet_pton(AF_INET, "198.18.0.10", s->in.src_addr);
	if (s->size >= strlen(SAMPLE_HEADER) &&
	    !memcmp(s->bytes, SAMPLE_HEADER, strlen(SAMPLE_HEADER))) {
		uint8_t *eol = memchr(s->bytes, '\n', s->size);
		char header[512], *save = NULL, *field;

		if (!eol || (size_t)(eol - s->bytes) >= sizeof(header))
			return "the #!sample header has no end of line";
		memcpy(header, s->bytes, (size_t)(eol - s->bytes));
		header[eol - s->bytes] = '\0';
		payload_at = (size_t)(eol - s->bytes) + 1;
		for (field = strtok_r(header + strlen(SAMPLE_HEADER), " \t\r", &save); field;
		     field = strtok_r(NULL, " \t\r", &save)) {
			char *eq = strchr(field, '=');
			const char *problem;

			if (!eq) {
				snprintf(why, why_size, "header field '%s' is not key=value", field);
				return why;
			}
			*eq = '\0';
			problem = apply_header_field(&s->in, field, eq + 1, &family_set, &src_set,
						     &dst_set);
			if (problem) {
				snprintf(why, why_size, "header %s=%s: %s", field, eq + 1, problem);
				return why;
			}
		}
	}
	if (s->in.family == 6 && !src_set)
		inet_pton(AF_INET6, "2001:db8::10", s->in.src_addr);
	if (s->in.family == 6 && !dst_set)
		inet_pton(AF_INET6, "2001:db8::1", s->in.dst_addr);
	if (s->in.family == 6 && s->in.proto == IPPROTO_ICMP)
		s->in.proto = IPPROTO_ICMPV6;
	(void)family_set;
	s->in.payload = s->bytes + payload_at;
	s->in.len = (uint32_t)(s->size - payload_at);
	s->in.orig_len = s->in.len;
	return NULL;
}

/* Whether sample path raises sid: 1 yes, 0 no, -1 unusable (why set); every sid it raises
 * in *matches. */
static int sample_raises(const struct ruleset *rs, struct scan_ctx *ctx, const char *path,
			 uint32_t sid, struct test_matches *matches, char *why, size_t why_size)
{
	struct sample s;
	const char *problem = load_sample(path, &s, why, why_size);
	int raised = -1;

	if (problem) {
		if (problem != why)
			snprintf(why, why_size, "%s", problem);
	} else if (ruleset_scan(rs, ctx, &s.in, test_collect, matches)) {
		snprintf(why, why_size, "scan failed");
	} else {
		raised = test_matched(matches, sid);
	}
	free(s.bytes);
	return raised;
}

struct sid_row {
	const struct ruleset *rs;
	struct scan_ctx *ctx;
	const struct rule_set *set;
	const struct rule_info *rule;
};

/*
 * The positive sample raises its rule; the negative one, the benign look-alike, raises no
 * rule of the set at all: a rule that fires on another rule's benign neighbour is as much
 * a false alert as one that fires on its own.
 */
static void check_sid(struct test_case *t, const struct sid_row *row)
{
	char pos[512], neg[512], why[256] = "", sids[256];
	struct test_matches matches = { 0 };
	int raised;

	snprintf(pos, sizeof(pos), "%s/%u.pos", row->set->samples_dir, row->rule->sid);
	snprintf(neg, sizeof(neg), "%s/%u.neg", row->set->samples_dir, row->rule->sid);
	raised = sample_raises(row->rs, row->ctx, pos, row->rule->sid, &matches, why, sizeof(why));
	CHECK(t, raised >= 0, "sid %u (%s:%d): %s: %s", row->rule->sid, row->rule->file,
	      row->rule->line, pos, why);
	EXPECT(t, raised == 1, "sid %u (%s:%d): %s does not raise it", row->rule->sid,
	       row->rule->file, row->rule->line, pos);
	memset(&matches, 0, sizeof(matches));
	raised = sample_raises(row->rs, row->ctx, neg, row->rule->sid, &matches, why, sizeof(why));
	CHECK(t, raised >= 0, "sid %u (%s:%d): %s: %s", row->rule->sid, row->rule->file,
	      row->rule->line, neg, why);
	EXPECT(t, raised == 0, "sid %u (%s:%d): %s raises it", row->rule->sid, row->rule->file,
	       row->rule->line, neg);
	EXPECT(t, matches.count == 0, "sid %u (%s:%d): %s raises other rules: %s",
	       row->rule->sid, row->rule->file, row->rule->line, neg,
	       test_sids_text(&matches, sids, sizeof(sids)));
}

static int has_rule(const struct ruleset *rs, unsigned long sid)
{
	size_t i;

	for (i = 0; i < ruleset_count(rs); i++) {
		if (ruleset_rule(rs, i)->sid == sid)
			return 1;
	}
	return 0;
}

/* Samples whose sid has no rule: stale, or a typo in a file name. */
static void check_orphans(const struct rule_set *set, const struct ruleset *rs)
{
	DIR *dir = opendir(set->samples_dir);
	struct dirent *entry;

	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		char name[300], *end;
		unsigned long sid;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/orphan_%s", set->label, entry->d_name);
		sid = strtoul(entry->d_name, &end, 10);
		if (end != entry->d_name && (!strcmp(end, ".pos") || !strcmp(end, ".neg")) &&
		    has_rule(rs, sid))
			continue;
		printf("FAIL %s/%s: %s/%s matches no rule (samples are <sid>.pos and <sid>.neg)\n",
		       test_program, name, set->samples_dir, entry->d_name);
		test_failures++;
	}
	closedir(dir);
}

static void check_set(const struct rule_set *set)
{
	struct ruleset_options opts = { .classification_file = set->classification };
	struct rule_vars *vars = test_vars_new();
	struct rules_report report = { 0 };
	struct ruleset *rs = NULL;
	struct scan_ctx *ctx = NULL;
	glob_t found = { 0 };
	size_t i;
	int err;

	if (glob(set->rules_glob, 0, NULL, &found) != 0 || found.gl_pathc == 0) {
		printf("SKIP %s/%s: no %s\n", test_program, set->label, set->rules_glob);
		goto cleanup;
	}
	err = vars ? ruleset_load(&rs, (const char *const *)found.gl_pathv, found.gl_pathc, vars,
				  &opts, &report) :
		     -12;
	if (err || !(ctx = scan_ctx_new(rs))) {
		printf("FAIL %s/%s_load: %s does not load (%d)\n", test_program, set->label,
		       set->rules_glob, err);
		for (i = 0; i < report.count; i++)
			printf("    %s:%d:%d: %s: %s\n", report.problems[i].file,
			       report.problems[i].line, report.problems[i].column,
			       report.problems[i].keyword, report.problems[i].message);
		test_failures++;
		goto cleanup;
	}
	for (i = 0; i < ruleset_count(rs); i++) {
		struct sid_row row = { .rs = rs, .ctx = ctx, .set = set,
				       .rule = ruleset_rule(rs, i) };
		char name[64];

		snprintf(name, sizeof(name), "%s_%u", set->label, row.rule->sid);
		RUN_ROW(check_sid, name, &row);
	}
	check_orphans(set, rs);
cleanup:
	scan_ctx_free(ctx);
	ruleset_free(rs);
	rules_report_free(&report);
	rule_vars_free(vars);
	globfree(&found);
}

int main(void)
{
	size_t i;

	test_program = "test_ruleset_samples";
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		check_set(&sets[i]);
	return test_summary();
}
