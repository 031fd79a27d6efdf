// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `edgewatch rules check`: exit codes, the FILE:LINE:COL: error|skipped: KEYWORD: REASON
 * lines, the summary, --skip-unsupported, --var, --help, and the default rule files (rules/NAME.rules).
 */
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <unistd.h>

#include "../support/test.h"
#include "rules/rules_cmd.h"

#define FIXTURE_CLASSES "tests/rules/classification.config"

struct cmd_output {
	int status;
	char out[8192];
	char err[8192];
};

static void read_back(int fd, char *buf, size_t size)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Run cmd_rules with stdout and stderr captured. */
static int run(struct cmd_output *o, int argc, char **argv)
{
	char out_path[] = "/tmp/edgewatch-cmd-out-XXXXXX", err_path[] = "/tmp/edgewatch-cmd-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	int saved_out = dup(1), saved_err = dup(2);

	memset(o, 0, sizeof(*o));
	if (out_fd < 0 || err_fd < 0 || saved_out < 0 || saved_err < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	o->status = cmd_rules(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	read_back(out_fd, o->out, sizeof(o->out));
	read_back(err_fd, o->err, sizeof(o->err));
	close(out_fd);
	close(err_fd);
	unlink(out_path);
	unlink(err_path);
	return 0;
}

static int write_temp(char *path, const char *text)
{
	int fd = mkstemp(path);
	ssize_t len = (ssize_t)strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void test_help(struct test_case *t)
{
	char *argv[] = { "rules", "check", "--help", NULL };
	struct cmd_output o;

	CHECK(t, run(&o, 3, argv) == 0, "run");
	EXPECT(t, o.status == 0, "status %d", o.status);
	EXPECT(t, strstr(o.out, "USAGE") && strstr(o.out, "EXAMPLES") &&
			  strstr(o.out, "--skip-unsupported"),
	       "help text: %s", o.out);
}

static void test_clean_file(struct test_case *t)
{
	char *argv[] = { "rules", "check", "--classification", FIXTURE_CLASSES,
			 "tests/rules/fixtures/engine.rules", NULL };
	struct cmd_output o;

	CHECK(t, run(&o, 5, argv) == 0, "run");
	EXPECT(t, o.status == 0, "status %d: %s", o.status, o.err);
	EXPECT(t, !strcmp(o.out, "rules: 7 loaded, 0 skipped, 0 errors in 1 file\n"), "summary '%s'",
	       o.out);
	EXPECT(t, o.err[0] == '\0', "stderr '%s'", o.err);
}

static void test_errors_located(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-check-XXXXXX", want[512];
	char *argv[] = { "rules", "check", "--classification", FIXTURE_CLASSES, path, NULL };
	struct cmd_output o;

	CHECK(t, write_temp(path, "# header\n"
				  "alert tcp any any -> any any (msg:\"x\"; content:\"|zz|\"; sid:1;)\n"
				  "alert tcp any any -> any any (msg:\"y\"; content:\"ok\"; sid:2;)\n"
				  "alert tcp any any -> any any (msg:\"z\"; sid:3; bogus;)\n") == 0,
	      "temp file");
	CHECK(t, run(&o, 5, argv) == 0, "run");
	unlink(path);
	EXPECT(t, o.status == 1, "status %d", o.status);
	snprintf(want, sizeof(want),
		 "%s:2:50: error: content: bad hex: 'z' is not a hex digit\n"
		 "%s:4:47: error: bogus: unknown keyword\n",
		 path, path);
	EXPECT(t, !strcmp(o.err, want), "stderr '%s', want '%s'", o.err, want);
	EXPECT(t, !strcmp(o.out, "rules: 0 loaded, 0 skipped, 2 errors in 1 file\n"),
	       "summary '%s'", o.out);
}

static void test_skip_unsupported(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-check-XXXXXX", want[512];
	char *argv[] = { "rules", "check", "--skip-unsupported", "--classification",
			 FIXTURE_CLASSES, path, NULL };
	struct cmd_output o;

	CHECK(t, write_temp(path, "alert tcp any any -> any any (flowbits:set,a; sid:1;)\n"
				  "alert tcp any any -> any any (content:\"ok\"; sid:2;)\n") == 0,
	      "temp file");
	CHECK(t, run(&o, 6, argv) == 0, "run");
	unlink(path);
	EXPECT(t, o.status == 1, "status %d: not everything loaded", o.status);
	snprintf(want, sizeof(want),
		 "%s:1:31: skipped: flowbits: unsupported keyword: needs per-flow state across "
		 "packets, which samples do not carry\n",
		 path);
	EXPECT(t, !strcmp(o.err, want), "stderr '%s'", o.err);
	EXPECT(t, !strcmp(o.out, "rules: 1 loaded, 1 skipped, 0 errors in 1 file\n"),
	       "summary '%s'", o.out);
}

static void test_vars(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-check-XXXXXX";
	char *good[] = { "rules", "check", "--classification", FIXTURE_CLASSES,
			 "--var", "MGMT_PORTS=[22,443,8443]", "--var", "ADMIN_NET=[192.0.2.0/24]",
			 path, NULL };
	char *bad[] = { "rules", "check", "--var", "HOME_NET=[10.0.0.0/8", path, NULL };
	char *no_equals[] = { "rules", "check", "--var", "HOME_NET", path, NULL };
	struct cmd_output o;

	CHECK(t, write_temp(path, "alert tcp $ADMIN_NET any -> any $MGMT_PORTS (content:\"x\"; "
				  "sid:1;)\n") == 0,
	      "temp file");
	EXPECT(t, run(&o, 9, good) == 0 && o.status == 0, "variables applied: %d %s", o.status,
	       o.err);
	EXPECT(t, run(&o, 5, bad) == 0 && o.status == 2 &&
			  !strcmp(o.err, "rules check: --var HOME_NET: unterminated list: missing "
					 "']'\n"),
	       "bad value: %d '%s'", o.status, o.err);
	EXPECT(t, run(&o, 5, no_equals) == 0 && o.status == 2 &&
			  !strcmp(o.err, "rules check: --var expects NAME=VALUE, got 'HOME_NET'\n"),
	       "no '=': %d '%s'", o.status, o.err);
	unlink(path);
}

static void test_unreadable_and_usage(struct test_case *t)
{
	char *missing[] = { "rules", "check", "--classification", FIXTURE_CLASSES,
			    "/nonexistent/x.rules", NULL };
	char *unknown[] = { "rules", "verify", NULL };
	char *bare[] = { "rules", NULL };
	struct cmd_output o;

	EXPECT(t, run(&o, 5, missing) == 0 && o.status == 1 &&
			  !strcmp(o.err, "/nonexistent/x.rules: error: cannot open: No such file or "
					 "directory\n"),
	       "missing file: %d '%s'", o.status, o.err);
	EXPECT(t, run(&o, 2, unknown) == 0 && o.status == 2 &&
			  !strncmp(o.err, "rules: unknown subcommand 'verify'\n", 35),
	       "unknown subcommand: %d '%s'", o.status, o.err);
	EXPECT(t, run(&o, 1, bare) == 0 && o.status == 2 && strstr(o.err, "USAGE"),
	       "no subcommand: %d", o.status);
}

/* Bytes of a rule file reach the terminal escaped: no control byte in what is printed. */
static void test_errors_escaped(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-check-XXXXXX", want[512];
	char *argv[] = { "rules", "check", "--classification", FIXTURE_CLASSES, path, NULL };
	struct cmd_output o;
	size_t i;

	CHECK(t, write_temp(path, "\x1b]0;owned\x07\x1b[2J tcp any any -> any any (sid:1;)\n"
				  "alert tcp any any -> any any (msg:\"x\"; \x1b[31m:1; sid:2;)\n") == 0,
	      "temp file");
	CHECK(t, run(&o, 5, argv) == 0, "run");
	unlink(path);
	EXPECT(t, o.status == 1, "status %d", o.status);
	for (i = 0; o.err[i]; i++)
		CHECK(t, (unsigned char)o.err[i] >= 0x20 || o.err[i] == '\n',
		      "raw byte 0x%02x at %zu of stderr: %s", (unsigned char)o.err[i], i, o.err);
	snprintf(want, sizeof(want),
		 "%s:1:1: error: action: unsupported action '\\x1b]0;owned\\x07\\x1b[2J tcp any "
		 "any -> any any ' (alert or drop)\n"
		 "%s:2:40: error: options: expected an option keyword, found '\\x1b'\n",
		 path, path);
	EXPECT(t, !strcmp(o.err, want), "stderr '%s', want '%s'", o.err, want);
}

static void test_default_files(struct test_case *t)
{
	char *argv[] = { "rules", "check", NULL };
	struct cmd_output o;
	glob_t found;

	if (glob("rules/*.rules", 0, NULL, &found) != 0)
		SKIP(t, "no rules/*.rules to check by default");
	globfree(&found);
	CHECK(t, run(&o, 2, argv) == 0, "run");
	EXPECT(t, o.status == 0, "the shipped rules must check clean: %d\n%s", o.status, o.err);
	EXPECT(t, strstr(o.out, " loaded, 0 skipped, 0 errors in ") != NULL, "summary '%s'", o.out);
}

int main(void)
{
	test_program = "test_rules_cmd";
	RUN(test_help);
	RUN(test_clean_file);
	RUN(test_errors_located);
	RUN(test_skip_unsupported);
	RUN(test_vars);
	RUN(test_unreadable_and_usage);
	RUN(test_errors_escaped);
	RUN(test_default_files);
	return test_summary();
}
