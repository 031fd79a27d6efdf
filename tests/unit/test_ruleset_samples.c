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
 *
 * SET_prefilter_equivalence: the prefiltered path (each buffer's Hyperscan database, then
 * the confirm step on the candidates) against the reference path (no Hyperscan, every
 * rule confirmed with PCRE2 and memmem), match by match, over every sample and a random
 * corpus made from them (bytes changed, letters' case flipped, samples cut and spliced
 * into each other and into benign text). A rule inspects fixed buffers, so the same sids
 * in the same order means the same matches in the same buffers. A prefilter may only save
 * work: any difference is a rule that alerts no more (or one that never should).
 */
#include "rules/rules_internal.h"
#include <dirent.h>
#include <glob.h>
#include <stdlib.h>

#include "../support/test.h"
#include "../rules/rules_test.h"

#define SAMPLE_HEADER "#!sample"
#define SAMPLE_MAX (1 << 20)
#define MUTATIONS_PER_SAMPLE 12

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

struct corpus {
	struct sample *items;
	size_t count, capacity;
};

static int corpus_add(struct corpus *c, const struct scan_input *in, const uint8_t *payload,
		      size_t len)
{
	struct sample *item;

	if (c->count == c->capacity) {
		size_t capacity = c->capacity ? 2 * c->capacity : 256;
		struct sample *grown = realloc(c->items, capacity * sizeof(*grown));

		if (!grown)
			return -1;
		c->items = grown;
		c->capacity = capacity;
	}
	item = &c->items[c->count];
	item->bytes = malloc(len + 1);
	if (!item->bytes)
		return -1;
	memcpy(item->bytes, payload, len);
	item->size = len;
	item->in = *in;
	item->in.payload = item->bytes;
	item->in.len = item->in.orig_len = (uint32_t)len;
	c->count++;
	return 0;
}

static void corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		free(c->items[i].bytes);
	free(c->items);
}

static uint32_t next_random(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* One variant of sample a (b: another sample to splice with) into out; its length. */
static size_t mutate(const struct sample *a, const struct sample *b, uint32_t *seed,
		     uint8_t *out, size_t room)
{
	static const char benign[] = "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
				     "User-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n";
	size_t len = a->in.len < room ? a->in.len : room, i, cut, n;

	memcpy(out, a->in.payload, len);
	switch (next_random(seed) % 5) {
	case 0:	/* a few bytes changed */
		for (n = next_random(seed) % 4 + 1; len && n; n--)
			out[next_random(seed) % len] = (uint8_t)next_random(seed);
		break;
	case 1:	/* letters' case flipped */
		for (i = 0; i < len; i++) {
			if (((out[i] | 32) >= 'a' && (out[i] | 32) <= 'z') && next_random(seed) % 3 == 0)
				out[i] ^= 32;
		}
		break;
	case 2:	/* cut short */
		len = len ? next_random(seed) % len : 0;
		break;
	case 3:	/* the head of a, the tail of b */
		cut = len ? next_random(seed) % len : 0;
		n = b->in.len ? next_random(seed) % b->in.len : 0;
		if (cut + b->in.len - n > room)
			n = b->in.len - (room - cut);
		memcpy(out + cut, b->in.payload + n, b->in.len - n);
		len = cut + b->in.len - n;
		break;
	default:	/* inside benign text: a's bytes where a header or the body would be */
		n = sizeof(benign) - 1;
		cut = next_random(seed) % n;
		if (n + len > room)
			len = room - n;
		memmove(out + cut, out, len);
		memcpy(out, benign, cut);
		memcpy(out + cut + len, benign + cut, n - cut);
		len += n;
		break;
	}
	return len;
}

/* Every sample of the set, and MUTATIONS_PER_SAMPLE variants of each. */
static int build_corpus(const struct rule_set *set, const struct ruleset *rs, struct corpus *c)
{
	uint8_t *out = malloc(2 * SAMPLE_MAX);
	uint32_t seed = 20261203;
	size_t i, originals, k;
	char why[256];

	if (!out)
		return -1;
	for (i = 0; i < ruleset_count(rs); i++) {
		static const char *const kinds[] = { "pos", "neg" };

		for (k = 0; k < 2; k++) {
			struct sample s;
			char path[512];

			snprintf(path, sizeof(path), "%s/%u.%s", set->samples_dir,
				 ruleset_rule(rs, i)->sid, kinds[k]);
			if (load_sample(path, &s, why, sizeof(why)))
				continue;	/* check_sid reports it */
			if (corpus_add(c, &s.in, s.in.payload, s.in.len)) {
				free(s.bytes);
				free(out);
				return -1;
			}
			free(s.bytes);
		}
	}
	originals = c->count;
	for (i = 0; i < originals * MUTATIONS_PER_SAMPLE; i++) {
		const struct sample *a = &c->items[i % originals];
		const struct sample *b = &c->items[next_random(&seed) % originals];
		size_t len = mutate(a, b, &seed, out, 2 * SAMPLE_MAX);
		struct scan_input in = a->in;	/* corpus_add may move the items */

		if (corpus_add(c, &in, out, len)) {
			free(out);
			return -1;
		}
	}
	free(out);
	return 0;
}

struct equivalence_row {
	const struct rule_set *set;
	const struct ruleset *rs;
};

static void check_equivalence(struct test_case *t, const struct equivalence_row *row)
{
	struct scan_ctx *fast = scan_ctx_new(row->rs), *reference = scan_ctx_new(row->rs);
	struct corpus corpus = { 0 };
	size_t i, matches = 0, differ = 0;

	if (!fast || !reference || build_corpus(row->set, row->rs, &corpus)) {
		EXPECT(t, 0, "out of memory");
		goto cleanup;
	}
	scan_ctx_set_confirm_all(reference, true);
	for (i = 0; i < corpus.count; i++) {
		struct test_matches got = { 0 }, want = { 0 };
		char got_text[256], want_text[256];

		EXPECT(t, ruleset_scan(row->rs, fast, &corpus.items[i].in, test_collect, &got) == 0 &&
			       ruleset_scan(row->rs, reference, &corpus.items[i].in, test_collect,
					    &want) == 0,
		       "input %zu: scan failed", i);
		matches += want.count;
		if (got.count == want.count &&
		    !memcmp(got.sids, want.sids, want.count * sizeof(want.sids[0])))
			continue;
		differ++;
		EXPECT(t, 0, "input %zu of %zu (%s): prefiltered path raised %s, reference %s", i,
		       corpus.count, i < corpus.count / (MUTATIONS_PER_SAMPLE + 1) ? "a sample" :
										     "a variant",
		       test_sids_text(&got, got_text, sizeof(got_text)),
		       test_sids_text(&want, want_text, sizeof(want_text)));
	}
	/* not vacuous: the corpus must exercise the rules */
	EXPECT(t, matches >= ruleset_count(row->rs),
	       "%zu inputs raised only %zu matches for %zu rules", corpus.count, matches,
	       ruleset_count(row->rs));
	if (differ)
		printf("    %zu of %zu inputs differ\n", differ, corpus.count);
cleanup:
	corpus_free(&corpus);
	scan_ctx_free(fast);
	scan_ctx_free(reference);
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
	{
		struct equivalence_row row = { .set = set, .rs = rs };
		char name[64];

		snprintf(name, sizeof(name), "%s_prefilter_equivalence", set->label);
		RUN_ROW(check_equivalence, name, &row);
	}
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
