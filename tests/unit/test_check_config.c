// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `edgewatch check-config` finds what only an install or a start would otherwise find:
 * a policy too large for the datapath's port bits, rule files that do not load, and
 * variables whose expansion would be too large for any rule to use.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "check_config.h"

/* Run check-config on text written to a file in dir; its stderr into err. Exit code. */
static int check_text(const char *dir, const char *text, char *err, size_t errlen)
{
	char path[256], errpath[256];
	char *argv[] = { "check-config", "-q", path, NULL };
	int saved, fd, ret;
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/edgewatch.yaml", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	ret = cmd_check_config(3, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	fd = open(errpath, O_RDONLY);
	n = read(fd, err, errlen - 1);
	close(fd);
	err[n > 0 ? n : 0] = '\0';
	return ret;
}

/* The files check_text() and the tests leave in dir, and dir. */
static void remove_dir(const char *dir)
{
	static const char *const names[] = { "edgewatch.yaml", "stderr", "bad.rules" };
	char path[300];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void test_too_many_port_classes(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-checkcfg.XXXXXX", err[4096];
	char text[8192] = "management:\n  addresses: [198.18.0.1]\n  ports: [";
	int i, ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	for (i = 0; i < 64; i++)	/* 64 separate ports: one class each, one too many */
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%stcp/%d",
			 i ? ", " : "", 20000 + 2 * i);
	strcat(text, "]\n");
	ret = check_text(dir, text, err, sizeof(err));
	remove_dir(dir);
	CHECK(t, ret == 1, "accepted 64 port classes");
	CHECK(t, strstr(err, "63"), "the error does not name the limit: %s", err);
}

static void test_rule_file_that_does_not_load(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-checkcfg.XXXXXX", err[4096], rules[300];
	FILE *f;
	int ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	snprintf(rules, sizeof(rules), "%s/bad.rules", dir);
	f = fopen(rules, "w");
	CHECK(t, f, "cannot write %s", rules);
	fputs("alert tcp any any -> any any (msg:\"x\"; flowbits:set,x; sid:1;)\n", f);
	fclose(f);
	ret = check_text(dir, "rules:\n  files: [bad.rules]\n", err, sizeof(err));
	remove_dir(dir);
	CHECK(t, ret == 1, "accepted a rule file that does not load");
	CHECK(t, strstr(err, "bad.rules:1:") && strstr(err, "flowbits"),
	      "the error does not name file, line and keyword: %s", err);
}

/*
 * Address groups G0..G7, each listing the next one ten times: 10^8 addresses once
 * expanded (the reported config: 14 s and 634 MB at depth 7, no end at depth 8).
 * Returns the config text (static).
 */
static const char *exponential_groups_config(void)
{
	static char text[4096] = "vars:\n  address-groups:\n";
	int level, i;

	for (level = 0; level < 8; level++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "    G%d: \"[", level);
		for (i = 0; i < 10; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s$G%d",
				 i ? "," : "", level + 1);
		strcat(text, "]\"\n");
	}
	strcat(text, "    G8: \"198.18.0.1\"\n");
	return text;
}

static void test_exponential_variables(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-checkcfg.XXXXXX", err[4096];
	struct timespec start, end;
	double seconds;
	int ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	clock_gettime(CLOCK_MONOTONIC, &start);
	ret = check_text(dir, exponential_groups_config(), err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	EXPECT(t, ret == 1, "check-config accepted groups that expand to 10^8 addresses");
	EXPECT(t, seconds < 5, "took %.1f s", seconds);
	/* at the first group's line (3: after "vars:", "address-groups:"), like the alias ban */
	EXPECT(t, strstr(err, "/edgewatch.yaml:3:") &&
			  strstr(err, ": error: vars.address-groups.G0: $G0 expands to more than "
				      "8192 addresses"),
	       "error: %s", err);

	remove_dir(dir);
}

static void test_good_file(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-checkcfg.XXXXXX", err[4096];

	int ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	ret = check_text(dir, "management:\n  addresses: [198.18.0.1]\n  ports: [ssh]\n", err,
			 sizeof(err));
	remove_dir(dir);
	CHECK(t, ret == 0, "refused a good file: %s", err);
}

int main(void)
{
	test_program = "check_config";
	RUN(test_too_many_port_classes);
	RUN(test_rule_file_that_does_not_load);
	RUN(test_exponential_variables);
	RUN(test_good_file);
	return test_summary();
}
