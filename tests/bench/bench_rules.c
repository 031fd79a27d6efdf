// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rules engine benchmark: what one core spends per payload sample.
 *
 *   .output/bench/bench_rules [RULE_FILE...]     (default: rules/NAME.rules; run from the
 *                                                 repository root)
 *
 * For 256 B and 1500 B HTTP-like samples (benign requests: the common case, where the
 * prefilter must say "nothing here" fast), in the same run:
 *   - every prefilter of the ruleset in one Hyperscan database, one scan of the sample
 *     (the bare-scan yardstick; the engine keeps one database per buffer);
 *   - ruleset_scan(), the whole engine: HTTP parse, each buffer's database over that
 *     buffer, confirm step;
 *   - PCRE2 with JIT running the same expressions one after the other over the sample
 *     (what a regex-per-rule engine does);
 * and the load time: cold (parse, Hyperscan compile, cache write) against a cache hit.
 * Prints Markdown tables.
 *
 *   .output/bench/bench_rules --profile ROUNDS [RULE_FILE...]
 *
 * runs only ruleset_scan, ROUNDS passes over the samples of both sizes, with the database
 * cached in .output/bench/rules-cache: what `valgrind --tool=callgrind` needs (instruction
 * counts do not depend on the load of a shared machine; a cold compile under valgrind
 * takes minutes).
 */
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rules/rules_internal.h"

#define SAMPLES_PER_SIZE 64
#define MIN_MEASURE_NS 400000000ULL	/* at least 0.4 s per measurement */

struct bench_sample {
	uint8_t *bytes;
	size_t len;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Deterministic pseudo-random text, so runs compare. */
static uint32_t next_random(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* A benign browser-like request of exactly len bytes (header padding, then body). */
static void build_sample(struct bench_sample *s, size_t len, uint32_t seed)
{
	static const char *const paths[] = { "/index.html", "/static/js/app.min.js",
					     "/api/v2/items", "/images/logo.png", "/search",
					     "/account/settings", "/css/site.css" };
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char head[1024];
	size_t n, i;

	n = (size_t)snprintf(head, sizeof(head),
			     "%s %s?q=%u&page=%u HTTP/1.1\r\nHost: www.example%u.com\r\n"
			     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
			     "Firefox/128.0\r\nAccept: text/html,application/xhtml+xml\r\n"
			     "Accept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n",
			     seed % 3 ? "GET" : "POST", paths[seed % 7], next_random(&seed) % 100000,
			     seed % 9, seed % 50);
	s->bytes = malloc(len);
	if (!s->bytes)
		abort();
	memcpy(s->bytes, head, n < len ? n : len);
	for (i = n; i < len; i++) {
		/* a cookie header line of random text, then the blank line and a body */
		if (i == n)
			s->bytes[i] = 'C';
		else if (i + 4 == len - 200 && len > 400)
			s->bytes[i] = '\r';
		else
			s->bytes[i] = (uint8_t)alphabet[next_random(&seed) % (sizeof(alphabet) - 1)];
	}
	s->len = len;
}

struct pcre_set {
	pcre2_code **codes;
	size_t count;
	size_t failed;
	pcre2_match_data *match_data;
};

static void pcre_set_build(struct pcre_set *set, const struct hs_expressions *exprs)
{
	size_t i;

	set->codes = calloc(exprs->count + 1, sizeof(*set->codes));
	set->match_data = pcre2_match_data_create(1, NULL);
	if (!set->codes || !set->match_data)
		abort();
	for (i = 0; i < exprs->count; i++) {
		uint32_t options = 0;
		PCRE2_SIZE offset;
		int code;
		pcre2_code *re;

		options |= exprs->flags[i] & HS_FLAG_CASELESS ? PCRE2_CASELESS : 0;
		options |= exprs->flags[i] & HS_FLAG_DOTALL ? PCRE2_DOTALL : 0;
		options |= exprs->flags[i] & HS_FLAG_MULTILINE ? PCRE2_MULTILINE : 0;
		re = pcre2_compile((PCRE2_SPTR)exprs->patterns[i], PCRE2_ZERO_TERMINATED, options,
				   &code, &offset, NULL);
		if (!re) {
			set->failed++;
			continue;
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		set->codes[set->count++] = re;
	}
}

static size_t pcre_set_scan(const struct pcre_set *set, const struct bench_sample *s)
{
	size_t i, hits = 0;

	for (i = 0; i < set->count; i++)
		hits += pcre2_match(set->codes[i], s->bytes, s->len, 0, 0, set->match_data, NULL) >= 0;
	return hits;
}

static int count_hs(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *user)
{
	(*(size_t *)user)++;
	return 0;
}

static int count_rule(const struct rule_info *rule, const struct scan_input *in,
		      const struct http_request *http, void *user)
{
	(*(size_t *)user)++;
	return 0;
}

enum engine { ENGINE_HS_DB, ENGINE_RULESET, ENGINE_PCRE, ENGINE_COUNT };

struct bench_ctx {
	const struct ruleset *rs;
	hs_database_t *all_db;		/* every prefilter, whatever its buffer */
	hs_scratch_t *scratch;
	struct scan_ctx *scan;
	struct pcre_set *pcre;
};

static void run_engine(struct bench_ctx *b, enum engine engine, const struct bench_sample *s,
		       size_t *hits)
{
	struct scan_input in = { .payload = s->bytes, .len = (uint32_t)s->len,
				 .orig_len = (uint32_t)s->len, .proto = IPPROTO_TCP, .family = 4,
				 .to_server = 1, .established = 1, .src_addr = { 203, 0, 113, 5 },
				 .dst_addr = { 198, 18, 0, 1 }, .src_port = 40000, .dst_port = 80 };

	switch (engine) {
	case ENGINE_HS_DB:
		if (b->all_db)
			hs_scan(b->all_db, (const char *)s->bytes, (unsigned int)s->len, 0,
				b->scratch, count_hs, hits);
		break;
	case ENGINE_RULESET:
		ruleset_scan(b->rs, b->scan, &in, count_rule, hits);
		break;
	case ENGINE_PCRE:
		*hits += pcre_set_scan(b->pcre, s);
		break;
	case ENGINE_COUNT:
		break;
	}
}

/* Mean nanoseconds per sample over repeated passes of the sample set. */
static double measure(struct bench_ctx *b, enum engine engine, const struct bench_sample *samples,
		      size_t count, size_t *hits)
{
	uint64_t start = now_ns(), elapsed;
	size_t done = 0, i;

	do {
		for (i = 0; i < count; i++)
			run_engine(b, engine, &samples[i], hits);
		done += count;
		elapsed = now_ns() - start;
	} while (elapsed < MIN_MEASURE_NS);
	return (double)elapsed / (double)done;
}

static double load_ms(const char *const *files, size_t count, const char *cache_dir,
		      struct ruleset **out, int *cache_hit)
{
	struct ruleset_options opts = { .cache_dir = cache_dir };
	struct rules_report report;
	uint64_t start = now_ns();
	int err = ruleset_load(out, files, count, NULL, &opts, &report);
	double ms = (double)(now_ns() - start) / 1e6;

	*cache_hit = report.cache_hit;
	if (err) {
		fprintf(stderr, "bench_rules: the rules do not load (%d); run 'edgewatch rules check'\n",
			err);
		exit(1);
	}
	rules_report_free(&report);
	return ms;
}

static void remove_dir(const char *dir)
{
	char command[512];

	/* the directory is ours (mkdtemp) and holds only cache files */
	snprintf(command, sizeof(command), "rm -rf -- '%s'", dir);
	if (system(command) != 0)
		fprintf(stderr, "bench_rules: could not remove %s\n", dir);
}

/* The ruleset's expressions (what compiled) in one database: the bare-scan yardstick. */
static hs_database_t *compile_all(const struct hs_expressions *exprs)
{
	const hs_expr_ext_t **ext_ptrs = calloc(exprs->count + 1, sizeof(*ext_ptrs));
	hs_compile_error_t *compile_err = NULL;
	hs_database_t *db = NULL;
	size_t i;

	if (!ext_ptrs || !exprs->count) {
		free(ext_ptrs);
		return NULL;
	}
	for (i = 0; i < exprs->count; i++)
		ext_ptrs[i] = exprs->exts[i].flags ? &exprs->exts[i] : NULL;
	if (hs_compile_ext_multi((const char *const *)exprs->patterns, exprs->flags, exprs->ids,
				 ext_ptrs, (unsigned int)exprs->count, HS_MODE_BLOCK, NULL, &db,
				 &compile_err) != HS_SUCCESS) {
		fprintf(stderr, "bench_rules: the one-database yardstick does not compile: %s\n",
			compile_err ? compile_err->message : "?");
		hs_free_compile_error(compile_err);
		db = NULL;
	}
	free(ext_ptrs);
	return db;
}

/* ruleset_scan alone over both sample sizes, the database from a kept cache. */
static int profile(const char *const *files, size_t file_count, size_t rounds)
{
	static const char profile_cache[] = ".output/bench/rules-cache";
	struct bench_sample samples[2][SAMPLES_PER_SIZE];
	struct ruleset *rs = NULL;
	struct bench_ctx b = { 0 };
	size_t hits = 0, r, i, k;
	int hit;

	mkdir(profile_cache, 0700);
	load_ms(files, file_count, profile_cache, &rs, &hit);
	b.rs = rs;
	b.scan = scan_ctx_new(rs);
	if (!b.scan) {
		fprintf(stderr, "bench_rules: cannot allocate a scan context\n");
		return 1;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < SAMPLES_PER_SIZE; i++)
			build_sample(&samples[k][i], k ? 1500 : 256, (uint32_t)(i * 7919 + k));
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++) {
			for (i = 0; i < SAMPLES_PER_SIZE; i++)
				run_engine(&b, ENGINE_RULESET, &samples[k][i], &hits);
		}
	}
	printf("profile: %zu rounds, %zu matches, database %s\n", rounds, hits,
	       hit ? "from the cache" : "compiled");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < SAMPLES_PER_SIZE; i++)
			free(samples[k][i].bytes);
	}
	scan_ctx_free(b.scan);
	ruleset_free(rs);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const engine_names[ENGINE_COUNT] = {
		"Hyperscan, all prefilters in one database, one scan",
		"ruleset_scan (HTTP parse, a database per buffer, confirm)",
		"PCRE2 JIT, expression after expression",
	};
	static const size_t sizes[] = { 256, 1500 };
	char cache_dir[] = "/tmp/edgewatch-bench-rules-XXXXXX";
	struct bench_sample samples[2][SAMPLES_PER_SIZE];
	struct ruleset *cold = NULL, *warm = NULL;
	struct pcre_set pcre = { 0 };
	struct bench_ctx b = { 0 };
	double cold_ms, warm_ms;
	int cold_hit, warm_hit;
	glob_t found = { 0 };
	const char *const *files;
	size_t file_count, i, k, profile_rounds = 0;

	log_set_level(LOG_LEVEL_ERROR);
	if (argc > 2 && strcmp(argv[1], "--profile") == 0) {
		profile_rounds = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc > 1) {
		files = (const char *const *)argv + 1;
		file_count = (size_t)argc - 1;
	} else if (glob("rules/*.rules", 0, NULL, &found) == 0) {
		files = (const char *const *)found.gl_pathv;
		file_count = found.gl_pathc;
	} else {
		fprintf(stderr, "bench_rules: no rule files (give some, or run from the repo root)\n");
		return 1;
	}
	if (profile_rounds)
		return profile(files, file_count, profile_rounds);
	if (!mkdtemp(cache_dir)) {
		perror("bench_rules: mkdtemp");
		return 1;
	}
	cold_ms = load_ms(files, file_count, cache_dir, &cold, &cold_hit);
	warm_ms = load_ms(files, file_count, cache_dir, &warm, &warm_hit);
	remove_dir(cache_dir);

	b.rs = warm;
	b.scan = scan_ctx_new(warm);
	b.pcre = &pcre;
	b.all_db = compile_all(&warm->exprs);
	if (!b.scan || (b.all_db && hs_alloc_scratch(b.all_db, &b.scratch) != HS_SUCCESS)) {
		fprintf(stderr, "bench_rules: cannot allocate scan contexts\n");
		return 1;
	}
	pcre_set_build(&pcre, &warm->exprs);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < SAMPLES_PER_SIZE; i++)
			build_sample(&samples[k][i], sizes[k], (uint32_t)(i * 7919 + k));
	}

	printf("### Rules engine: Hyperscan against PCRE2\n\n");
	printf("%zu rules from %zu file%s, %zu Hyperscan expressions (%zu rules confirmed on every "
	       "sample), %zu of them compiled by PCRE2 too; %d benign HTTP-like samples per size, "
	       "one core.\n\n",
	       ruleset_count(warm), file_count, file_count == 1 ? "" : "s", warm->exprs.count,
	       warm->always_count, pcre.count, SAMPLES_PER_SIZE);
	{
		size_t per_buffer[RULE_BUF_COUNT] = { 0 };
		int bf;

		for (i = 0; i < warm->exprs.count; i++)
			per_buffer[warm->exprs.buffers[i]]++;
		printf("Expressions per buffer database:");
		for (bf = 0; bf < RULE_BUF_COUNT; bf++) {
			if (per_buffer[bf])
				printf(" %s %zu", rule_buffer_name((enum rule_buffer)bf),
				       per_buffer[bf]);
		}
		printf(".\n\n");
	}
	printf("| sample | engine | ns/sample | Gbit/s per core | PCRE2 time / this |\n");
	printf("|---|---|---:|---:|---:|\n");
	for (k = 0; k < 2; k++) {
		double ns[ENGINE_COUNT];
		size_t hits[ENGINE_COUNT] = { 0 };
		int e;

		for (e = 0; e < ENGINE_COUNT; e++)
			ns[e] = measure(&b, (enum engine)e, samples[k], SAMPLES_PER_SIZE, &hits[e]);
		for (e = 0; e < ENGINE_COUNT; e++)
			printf("| %zu B | %s | %.0f | %.2f | %.1fx |\n", sizes[k], engine_names[e],
			       ns[e], (double)sizes[k] * 8.0 / ns[e], ns[ENGINE_PCRE] / ns[e]);
	}
	{
		struct scan_stats stats;

		scan_ctx_stats(b.scan, &stats);
		printf("\nruleset_scan confirmed %.2f candidate rules per sample (prefilter hits and "
		       "rules without a prefilter) and matched %.3f.\n",
		       (double)stats.candidates / (double)stats.samples,
		       (double)stats.matches / (double)stats.samples);
	}
	printf("\n| ruleset load | ms |\n|---|---:|\n");
	printf("| cold: parse + Hyperscan compile + cache write%s | %.1f |\n",
	       cold_hit ? " (unexpected cache hit)" : "", cold_ms);
	printf("| warm: parse + database from the cache%s | %.1f |\n",
	       warm_hit ? "" : " (unexpected cache miss)", warm_ms);

	for (k = 0; k < 2; k++) {
		for (i = 0; i < SAMPLES_PER_SIZE; i++)
			free(samples[k][i].bytes);
	}
	for (i = 0; i < pcre.count; i++)
		pcre2_code_free(pcre.codes[i]);
	free(pcre.codes);
	pcre2_match_data_free(pcre.match_data);
	hs_free_scratch(b.scratch);
	hs_free_database(b.all_db);
	scan_ctx_free(b.scan);
	ruleset_free(cold);
	ruleset_free(warm);
	if (argc <= 1)
		globfree(&found);
	return 0;
}
