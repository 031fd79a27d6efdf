// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sealed EVE (output/eve_seal.c, seal_key.c) against its verifier (logcmd/log_verify.c):
 * lines written through the EVE writer with a seal verify; the key evolves and its old
 * seed leaves the key file; a restart continues the chain; a crash's unsealed tail is
 * reported as such (not a failure) and the chain goes on from the key file's seal; a
 * changed byte, a missing line, a duplicate are named at their line; a key file group or
 * others can read is refused; what the verifier takes as a line's seq and tag is strict.
 * Every case works in a directory of its own under /tmp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "logcmd/log_verify.h"
#include "output/eve_seal.h"
#include "output/eve_writer.h"
#include "../support/test.h"

#define MAX_LINES 64

struct lines {
	char *text[MAX_LINES];
	size_t len[MAX_LINES];
	int count;
};

static int read_lines(const char *path, struct lines *ls)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");

	ls->count = 0;
	if (!f)
		return -errno;
	while (ls->count < MAX_LINES && fgets(buf, sizeof(buf), f)) {
		size_t n = strlen(buf);

		if (n && buf[n - 1] == '\n')
			buf[--n] = '\0';
		ls->text[ls->count] = strdup(buf);
		ls->len[ls->count++] = n;
	}
	fclose(f);
	return 0;
}

static void free_lines(struct lines *ls)
{
	while (ls->count)
		free(ls->text[--ls->count]);
}

struct fixture {
	char dir[64], key[96], eve[96];
	uint8_t pub[SEAL_KEY_LEN];
};

static int fixture_init(struct fixture *fx)
{
	char why[SEAL_WHY_LEN], pub[128];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/edgewatch-seal.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -errno;
	snprintf(fx->key, sizeof(fx->key), "%s/seal.key", fx->dir);
	snprintf(fx->eve, sizeof(fx->eve), "%s/eve.json", fx->dir);
	snprintf(pub, sizeof(pub), "%s.pub", fx->key);
	if (seal_keygen(fx->key, why) || seal_pub_load(pub, fx->pub, why))
		return -EIO;
	return 0;
}

static void fixture_free(struct fixture *fx)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	(void)!system(cmd);
}

/* n flow-like lines through a sealed writer; close (the shutdown seal). */
static int write_run(struct fixture *fx, int first, int n)
{
	struct eve_writer *eve;
	struct eve_seal *seal;
	char why[SEAL_WHY_LEN], line[128];
	int i, err = eve_open(&eve, fx->eve);

	if (err)
		return err;
	err = eve_seal_open(&seal, fx->key, 0, why);
	if (err) {
		eve_close(eve);
		return err;
	}
	eve_attach_seal(eve, seal);
	for (i = 0; i < n && !err; i++) {
		int len = snprintf(line, sizeof(line), "{\"event_type\":\"flow\",\"n\":%d}",
				   first + i);

		err = eve_write_line(eve, line, len);
	}
	eve_close(eve);
	return err;
}

static void verify(const struct fixture *fx, struct lines *ls, struct log_verify *v)
{
	int i;

	log_verify_init(v, fx->pub);
	log_verify_file_begin(v, fx->eve);
	for (i = 0; i < ls->count; i++)
		log_verify_line(v, ls->text[i], ls->len[i]);
	log_verify_file_end(v);
	log_verify_finish(v);
}

static void test_run_verifies(struct test_case *t)
{
	struct fixture fx;
	struct lines ls = {};
	struct log_verify v;
	uint64_t seq;
	size_t body;
	uint8_t tag[EVE_SEAL_TAG_LEN];

	CHECK(t, fixture_init(&fx) == 0, "fixture: %s", strerror(errno));
	CHECK(t, write_run(&fx, 0, 5) == 0, "write");
	CHECK(t, read_lines(fx.eve, &ls) == 0 && ls.count == 6, "6 lines, got %d", ls.count);
	EXPECT(t, strstr(ls.text[5], "\"event_type\":\"seal\"") != NULL, "last line: %s",
	       ls.text[5]);
	EXPECT(t, !strncmp(ls.text[0], "{\"event_type\":\"flow\",\"n\":0,\"seq\":1,\"chain\":\"", 44),
	       "line 1: %s", ls.text[0]);
	EXPECT(t, eve_seal_split(ls.text[5], ls.len[5], &seq, &body, tag) == 0 && seq == 6,
	       "seal's seq");
	verify(&fx, &ls, &v);
	EXPECT(t, !v.failed && v.validated == 6 && v.segment_count == 1 &&
	       v.segments[0].result == LOG_VERIFY_PASS && v.files[0].unsealed == 0,
	       "failed %d validated %llu segments %zu", v.failed,
	       (unsigned long long)v.validated, v.segment_count);
	log_verify_free(&v);
	free_lines(&ls);
	fixture_free(&fx);
}

static void test_key_evolves(struct test_case *t)
{
	struct seal_key_state before, after;
	char why[SEAL_WHY_LEN];
	struct fixture fx;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, seal_key_load(fx.key, &before, why) == 0, "load: %s", why);
	CHECK(t, write_run(&fx, 0, 3) == 0, "write");
	CHECK(t, seal_key_load(fx.key, &after, why) == 0, "load after: %s", why);
	EXPECT(t, before.epoch == 0 && after.epoch == 1, "epochs %u -> %u", before.epoch,
	       after.epoch);
	EXPECT(t, after.seq == 4, "seq %llu (3 lines and the seal)", (unsigned long long)after.seq);
	{
		uint8_t next[SEAL_KEY_LEN];

		seal_next_seed(before.seed, next);
		EXPECT(t, !memcmp(next, after.seed, SEAL_KEY_LEN) &&
		       memcmp(before.seed, after.seed, SEAL_KEY_LEN),
		       "the seed is epoch 0's evolved once, and not epoch 0's");
	}
	fixture_free(&fx);
}

static void test_restart_continues(struct test_case *t)
{
	struct fixture fx;
	struct lines ls = {};
	struct log_verify v;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, write_run(&fx, 0, 3) == 0 && write_run(&fx, 3, 2) == 0, "write");
	CHECK(t, read_lines(fx.eve, &ls) == 0 && ls.count == 7, "7 lines, got %d", ls.count);
	verify(&fx, &ls, &v);
	EXPECT(t, !v.failed && v.validated == 7 && v.segment_count == 2 &&
	       v.segments[1].epoch == 1, "failed %d validated %llu segments %zu",
	       v.failed, (unsigned long long)v.validated, v.segment_count);
	log_verify_free(&v);
	free_lines(&ls);
	fixture_free(&fx);
}

/* Lines chained but never sealed (the process died), then a run from the key file. */
static void test_crash_tail_unsealed(struct test_case *t)
{
	char why[SEAL_WHY_LEN], out[256];
	struct eve_seal *seal;
	struct fixture fx;
	struct lines ls = {};
	struct log_verify v;
	FILE *f;
	int i;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, write_run(&fx, 0, 2) == 0, "write");
	CHECK(t, eve_seal_open(&seal, fx.key, 0, why) == 0, "open: %s", why);
	f = fopen(fx.eve, "a");
	CHECK(t, f, "append");
	for (i = 0; i < 3; i++) {
		ssize_t n = eve_seal_line(seal, "{\"event_type\":\"flow\"}", 21, out, sizeof(out));

		CHECK(t, n > 0, "seal line");
		fprintf(f, "%.*s\n", (int)n, out);
	}
	fclose(f);
	eve_seal_close(seal);	/* no seal: the crash */
	CHECK(t, write_run(&fx, 10, 2) == 0, "the run after");
	CHECK(t, read_lines(fx.eve, &ls) == 0 && ls.count == 9, "9 lines, got %d", ls.count);
	verify(&fx, &ls, &v);
	EXPECT(t, !v.failed && v.segment_count == 3, "failed %d segments %zu", v.failed,
	       v.segment_count);
	EXPECT(t, v.segment_count == 3 && v.segments[1].result == LOG_VERIFY_UNSEALED &&
	       v.segments[1].first_line == 4 && v.segments[1].last_line == 6 &&
	       v.segments[2].result == LOG_VERIFY_PASS && v.validated == 6,
	       "the crashed run's lines 4..6 unsealed, the rest validated (%llu)",
	       (unsigned long long)v.validated);
	log_verify_free(&v);
	free_lines(&ls);
	fixture_free(&fx);
}

/* The first segment's failure: line and reason, after editing ls. */
static void expect_failure(struct test_case *t, struct fixture *fx, struct lines *ls,
			   uint64_t line, const char *reason)
{
	struct log_verify v;
	size_t i;

	verify(fx, ls, &v);
	for (i = 0; i < v.segment_count && v.segments[i].result != LOG_VERIFY_FAIL; i++)
		;
	EXPECT(t, v.failed && i < v.segment_count && v.segments[i].bad_line == line &&
	       !strcmp(v.segments[i].reason, reason), "expected line %llu %s, got %s %llu %s",
	       (unsigned long long)line, reason, i < v.segment_count ? "" : "no failure",
	       i < v.segment_count ? (unsigned long long)v.segments[i].bad_line : 0,
	       i < v.segment_count ? v.segments[i].reason : "");
	log_verify_free(&v);
}

static void test_tampering_named(struct test_case *t)
{
	struct fixture fx;
	struct lines ls = {};
	char *saved;
	size_t saved_len;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, write_run(&fx, 0, 6) == 0, "write");
	CHECK(t, read_lines(fx.eve, &ls) == 0 && ls.count == 7, "7 lines");
	ls.text[2][5] ^= 1;	/* in "event_type" */
	expect_failure(t, &fx, &ls, 3, "modified");
	ls.text[2][5] ^= 1;
	/* line 3 deleted */
	saved = ls.text[2];
	saved_len = ls.len[2];
	memmove(&ls.text[2], &ls.text[3], 4 * sizeof(char *));
	memmove(&ls.len[2], &ls.len[3], 4 * sizeof(size_t));
	ls.count--;
	expect_failure(t, &fx, &ls, 3, "deleted");
	/* put back after line 4: lines 3 and 4 swapped */
	memmove(&ls.text[4], &ls.text[3], 3 * sizeof(char *));
	memmove(&ls.len[4], &ls.len[3], 3 * sizeof(size_t));
	ls.text[3] = saved;
	ls.len[3] = saved_len;
	ls.count++;
	expect_failure(t, &fx, &ls, 3, "reordered");
	/* back in order, then line 4 a copy of line 3 */
	{
		char *line4 = ls.text[2];
		size_t len4 = ls.len[2];

		ls.text[2] = saved;
		ls.len[2] = saved_len;
		ls.text[3] = saved;
		ls.len[3] = saved_len;
		expect_failure(t, &fx, &ls, 4, "duplicate");
		ls.text[3] = line4;
		ls.len[3] = len4;
	}
	free_lines(&ls);
	fixture_free(&fx);
}

/* A key file that cannot be rewritten: the seal is still made, the failure counted. */
static void test_key_store_failure_counted(struct test_case *t)
{
	char why[SEAL_WHY_LEN], tmp[128], out[EVE_SEAL_LINE_MAX];
	struct eve_seal_counts counts;
	struct eve_seal *seal;
	struct fixture fx;
	ssize_t n;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, eve_seal_open(&seal, fx.key, 0, why) == 0, "open: %s", why);
	/* a directory where KEYFILE.tmp goes: the rewrite cannot create it */
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx.key);
	CHECK(t, mkdir(tmp, 0700) == 0, "mkdir");
	n = eve_seal_line(seal, "{\"a\":1}", 7, out, sizeof(out));
	CHECK(t, n > 0, "line");
	n = eve_seal_record(seal, 1, out, sizeof(out));
	eve_seal_counts(seal, &counts);
	EXPECT(t, n > 0 && counts.seals == 1 && counts.key_store_failed == 1 &&
	       counts.epoch == 1, "seal %zd, seals %llu, key_store_failed %llu, epoch %u", n,
	       (unsigned long long)counts.seals, (unsigned long long)counts.key_store_failed,
	       counts.epoch);
	eve_seal_close(seal);
	fixture_free(&fx);
}

static void test_key_mode_refused(struct test_case *t)
{
	struct seal_key_state ks;
	char why[SEAL_WHY_LEN];
	struct fixture fx;
	int err;

	CHECK(t, fixture_init(&fx) == 0, "fixture");
	CHECK(t, chmod(fx.key, 0640) == 0, "chmod");
	err = seal_key_load(fx.key, &ks, why);
	EXPECT(t, err == -EPERM && strstr(why, "mode 0640") && strstr(why, "chmod 600"),
	       "%d: %s", err, why);
	fixture_free(&fx);
}

static void test_split_strict(struct test_case *t)
{
	static const struct {
		const char *line;
		int ok;
	} rows[] = {
		{ "{\"a\":1,\"seq\":12,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 1 },
		{ "{\"a\":1,\"seq\":012,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 0 },
		{ "{\"a\":1,\"seq\":12,\"chain\":\"0123456789ABCDEF0123456789abcdef\"}", 0 },
		{ "{\"a\":1,\"seq\":12,\"chain\":\"0123456789abcdef0123456789abcde\"}", 0 },
		{ "{\"a\":1,\"seq\":,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 0 },
		{ "{\"a\":1,\"sek\":12,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 0 },
		{ "{\"a\":1,\"seq\":123456789012345678901,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 0 },
		{ "\"seq\":1,\"chain\":\"0123456789abcdef0123456789abcdef\"}", 1 },
		{ "", 0 },
	};
	uint8_t tag[EVE_SEAL_TAG_LEN];
	uint64_t seq;
	size_t body, i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ok = !eve_seal_split(rows[i].line, strlen(rows[i].line), &seq, &body, tag);

		EXPECT(t, ok == rows[i].ok, "row %zu: %s", i, rows[i].line);
	}
}

int main(void)
{
	test_program = "test_eve_seal";
	RUN(test_run_verifies);
	RUN(test_key_evolves);
	RUN(test_restart_continues);
	RUN(test_crash_tail_unsealed);
	RUN(test_tampering_named);
	RUN(test_key_store_failure_counted);
	RUN(test_key_mode_refused);
	RUN(test_split_strict);
	return test_summary();
}
