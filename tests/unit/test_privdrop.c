// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The privilege drop's pure parts (userspace/privdrop.h): which user run.user names
 * (root kept on purpose, a missing default user only warns, a missing named user and a
 * bad name are refused), the run.user key in the config, /proc status parsing, and
 * capability names for the start log. The drop itself: tests/e2e/test_privdrop.sh.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>

#include "privdrop.h"
#include "../support/config_rows.h"
#include "../support/test.h"

/* no system has this user: a name of 32 characters, the longest a name may be */
#define NO_SUCH_USER "ew-no-such-user-0123456789abcdef"

static void test_user_names(struct test_case *t)
{
	static const char *const good[] = { "edgewatch", "_ew", "ew.d-1", "a",
					    NO_SUCH_USER };
	static const char *const bad[] = { "", "-ew", "ew d", "ew/../root", "ew:0",
					   NO_SUCH_USER "x", "ew\n" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(t, privdrop_valid_user_name(good[i]), "refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(t, !privdrop_valid_user_name(bad[i]), "accepted \"%s\"", bad[i]);
}

static void test_resolve(struct test_case *t)
{
	struct privdrop_target tg;
	char why[512];

	/* root on purpose, either way of saying it: no drop, no warning */
	CHECK(t, privdrop_resolve("root", "run.user", &tg, why, sizeof(why)) == 0 && !tg.drop &&
		 !why[0], "root: drop %d, why \"%s\"", tg.drop, why);
	CHECK(t, privdrop_resolve("", "run.user", &tg, why, sizeof(why)) == 0 && !tg.drop &&
		 !why[0], "\"\": drop %d, why \"%s\"", tg.drop, why);
	/* a user the file names must exist: never root in its place */
	CHECK(t, privdrop_resolve(NO_SUCH_USER, "run.user", &tg, why, sizeof(why)) == -ENOENT,
	      "a missing user accepted");
	CHECK(t, !strcmp(why, "run.user: no user \"" NO_SUCH_USER "\" on this system: refusing "
			 "to run as root instead (create the user, or set run.user: root)"),
	      "%s", why);
	CHECK(t, privdrop_resolve("ew d", "--user", &tg, why, sizeof(why)) == -EINVAL &&
		 !strcmp(why, "--user: \"ew d\" is not a user name"), "%s", why);
	/* a user that exists (root's own entry is the one every system has; "daemon" on
	 * Debian): its ids, a drop unless it is uid 0 */
	if (getpwnam("daemon")) {
		struct passwd *pw = getpwnam("daemon");
		uid_t uid = pw->pw_uid;
		gid_t gid = pw->pw_gid;

		CHECK(t, privdrop_resolve("daemon", "run.user", &tg, why, sizeof(why)) == 0 &&
			 tg.drop == (uid != 0) && tg.uid == uid && tg.gid == gid &&
			 !strcmp(tg.name, "daemon"), "daemon: drop %d uid %u", tg.drop,
		      (unsigned int)tg.uid);
	}
}

static void test_config_key(struct test_case *t)
{
	static const struct {
		const char *yaml;
		const char *user;	/* NULL: not set */
	} good[] = {
		{ "{}\n", NULL },
		{ "run:\n  user:\n", NULL },	/* no value: the default stays */
		{ "run:\n  user: edgewatch\n", "edgewatch" },
		{ "run:\n  user: root\n", "root" },
		{ "run:\n  user: \"\"\n", "" },
	};
	static const struct {
		const char *yaml;
		const char *message;
	} bad[] = {
		{ "run:\n  user: \"-x\"\n",
		  "edgewatch.yaml:2:9: error: run.user: \"-x\" is not a user name (letters, digits, "
		  "'.', '_' and '-', at most 32, not starting with '-'); \"\" or root keeps root" },
		{ "run:\n  user: [a]\n",
		  "edgewatch.yaml:2:9: error: run.user: expected a user name" },
		{ "run:\n  group: x\n", "edgewatch.yaml:2:3: error: run.group: unknown key" },
	};
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cfg = config_rows_load(good[i].yaml, message, sizeof(message));
		CHECK(t, cfg, "good %zu refused: %s", i, message);
		if (cfg)
			CHECK(t, good[i].user ? cfg->run.user && !strcmp(cfg->run.user, good[i].user)
					      : !cfg->run.user,
			      "good %zu: user \"%s\"", i, cfg->run.user ? cfg->run.user : "(null)");
		config_free(cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = config_rows_load(bad[i].yaml, message, sizeof(message));
		config_free(cfg);
		CHECK(t, !cfg, "bad %zu accepted", i);
		CHECK(t, !strncmp(message, bad[i].message, strlen(bad[i].message)),
		      "bad %zu:\n got: %s\nwant: %s", i, message, bad[i].message);
	}
}

static void test_parse_status(struct test_case *t)
{
	/* the lines that matter, among others, as /proc/PID/task/TID/status has them */
	static const char dropped[] =
		"Name:\tedgewatch\nUmask:\t0027\nState:\tS (sleeping)\n"
		"Uid:\t104\t104\t104\t104\nGid:\t107\t107\t107\t107\nGroups:\t107 \n"
		"CapInh:\t0000008000000000\nCapPrm:\t0000008000001000\n"
		"CapEff:\t0000008000001000\nCapBnd:\t0000008000001000\n"
		"CapAmb:\t0000008000000000\nNoNewPrivs:\t1\nSeccomp:\t0\n";
	struct privdrop_creds c;

	CHECK(t, privdrop_parse_status(dropped, &c) == 0, "refused");
	CHECK(t, c.uid[0] == 104 && c.uid[3] == 104 && c.gid[1] == 107, "ids %u %u",
	      (unsigned int)c.uid[0], (unsigned int)c.gid[1]);
	CHECK(t, c.cap_eff == ((1ULL << CAP_BPF) | (1ULL << CAP_NET_ADMIN)) &&
		 c.cap_prm == c.cap_eff && c.cap_bnd == c.cap_eff && c.cap_amb == 1ULL << CAP_BPF,
	      "caps %llx %llx %llx", (unsigned long long)c.cap_eff,
	      (unsigned long long)c.cap_bnd, (unsigned long long)c.cap_amb);
	CHECK(t, c.no_new_privs == 1, "no-new-privs %d", c.no_new_privs);
	/* a line missing (an old kernel without NoNewPrivs) or garbled: refused, never
	 * read as "no capabilities" */
	CHECK(t, privdrop_parse_status("Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nCapEff:\t0\n", &c) ==
		 -EINVAL, "missing lines accepted");
	CHECK(t, privdrop_parse_status("Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nCapEff:\tzz\n"
				       "CapPrm:\t0\nCapBnd:\t0\nCapAmb:\t0\nNoNewPrivs:\t1\n", &c) ==
		 -EINVAL, "a garbled CapEff accepted");
	CHECK(t, privdrop_parse_status("Uid:\t1\t1\nGid:\t1\t1\t1\t1\n", &c) == -EINVAL,
	      "a short Uid line accepted");
}

static void test_caps_names(struct test_case *t)
{
	char buf[256], small[12];

	CHECK(t, !strcmp(privdrop_caps_names(0, buf, sizeof(buf)), "none"), "%s", buf);
	CHECK(t, !strcmp(privdrop_caps_names((1ULL << CAP_BPF) | (1ULL << CAP_NET_ADMIN), buf,
					     sizeof(buf)), "CAP_NET_ADMIN, CAP_BPF"), "%s", buf);
	/* cut, never overrun */
	privdrop_caps_names((1ULL << CAP_BPF) | (1ULL << CAP_NET_ADMIN), small, sizeof(small));
	CHECK(t, strlen(small) < sizeof(small), "overran: %zu", strlen(small));
}

int main(void)
{
	test_program = "privdrop";
	RUN(test_user_names);
	RUN(test_resolve);
	RUN(test_config_key);
	RUN(test_parse_status);
	RUN(test_caps_names);
	return test_summary();
}
