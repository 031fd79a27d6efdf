// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The EVE writer when writing fails: every lost line counted, the lost flow lines tallied
 * by class with their packets and bytes (also when a full buffer flushes in the middle
 * of a write), a torn tail cut back to the last whole line, an oversized line refused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "../support/test.h"
#include "output/eve_writer.h"

/* A line of exactly len bytes that parses as JSON. */
static void json_line_of(char *buf, size_t len, unsigned int n)
{
	int head = snprintf(buf, len + 1, "{\"n\":%u,\"pad\":\"", n);

	memset(buf + head, 'p', len - head - 2);
	memcpy(buf + len - 2, "\"}", 2);
	buf[len] = '\0';
}

static void test_lost_lines_tallied(struct test_case *t)
{
	struct eve_writer *eve;
	struct eve_tally lost;
	char line[1001];
	unsigned int i, lines = 200;	/* 200 KB: full buffers flush while writing */

	if (access("/dev/full", W_OK))
		SKIP(t, "no writable /dev/full to make writes fail");
	CHECK(t, eve_open(&eve, "/dev/full") == 0, "cannot open /dev/full");
	for (i = 0; i < lines; i++) {
		json_line_of(line, 1000, i);
		/* class 1 even, class 2 odd, every tenth (even) untallied */
		if (i % 10 == 0)
			EXPECT(t, eve_write_line(eve, line, 1000) == 0, "line %u refused", i);
		else
			EXPECT(t, eve_write_tallied_line(eve, line, 1000, 1 + i % 2, i, 10 * i) == 0,
			       "line %u refused", i);
	}
	EXPECT(t, eve_flush(eve) == -ENOSPC, "the last flush did not fail");
	EXPECT(t, eve_write_errors(eve) == lines, "%llu lines lost, want %u",
	       (unsigned long long)eve_write_errors(eve), lines);
	EXPECT(t, eve_events_written(eve) == 0, "%llu lines said written",
	       (unsigned long long)eve_events_written(eve));
	lost = eve_lost_tally(eve, 1);	/* the even ones less the untallied */
	{
		uint64_t want_lines = 0, want_packets = 0;

		for (i = 0; i < lines; i += 2)
			if (i % 10) {
				want_lines++;
				want_packets += i;
			}
		EXPECT(t, lost.lines == want_lines && lost.packets == want_packets &&
			  lost.bytes == 10 * want_packets,
		       "class 1: %llu lines %llu packets %llu bytes, want %llu %llu",
		       (unsigned long long)lost.lines, (unsigned long long)lost.packets,
		       (unsigned long long)lost.bytes, (unsigned long long)want_lines,
		       (unsigned long long)want_packets);
	}
	lost = eve_lost_tally(eve, 2);
	EXPECT(t, lost.lines == 100 && lost.packets == 100 * 100, "class 2: %llu lines, want 100",
	       (unsigned long long)lost.lines);
	lost = eve_lost_tally(eve, 3);
	EXPECT(t, lost.lines == 0 && lost.packets == 0, "class 3 was never written");
	lost = eve_lost_tally(eve, EVE_TALLY_CLASSES);
	EXPECT(t, lost.lines == 0, "a class out of range has a tally");
	eve_close(eve);
}

/* Lines written whole stay out of the lost tally; only a failed flush's lines go in. */
static void test_written_lines_not_lost(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-eve-test.XXXXXX";
	struct eve_writer *eve;
	struct eve_tally lost;
	char line[101];
	int fd = mkstemp(path);

	CHECK(t, fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	CHECK(t, eve_open(&eve, path) == 0, "cannot open %s", path);
	json_line_of(line, 100, 1);
	EXPECT(t, eve_write_tallied_line(eve, line, 100, 3, 7, 700) == 0, "refused");
	EXPECT(t, eve_flush(eve) == 0, "flush failed");
	lost = eve_lost_tally(eve, 3);
	EXPECT(t, lost.lines == 0 && eve_write_errors(eve) == 0 && eve_events_written(eve) == 1,
	       "a written line counted lost");
	eve_close(eve);
	unlink(path);
}

/* Lines first..last (500 bytes each, numbered), into class 1 when tallied. */
static void write_lines(struct eve_writer *eve, int first, int last, int tallied)
{
	char line[501];
	int i;

	for (i = first; i <= last; i++) {
		json_line_of(line, 500, i);
		if (tallied)
			eve_write_tallied_line(eve, line, 500, 1, 1, 500);
		else
			eve_write_line(eve, line, 500);
	}
}

/*
 * eve_flush() while the file may not grow past limit bytes: the file-size limit stands
 * in for a full disk (SIGXFSZ ignored: the write fails with EFBIG). -ENOTSUP when the
 * limit cannot be set.
 */
static int flush_with_size_limit(struct eve_writer *eve, rlim_t limit)
{
	struct rlimit saved, limited;
	int err;

	signal(SIGXFSZ, SIG_IGN);
	if (getrlimit(RLIMIT_FSIZE, &saved))
		return -ENOTSUP;
	limited = saved;
	limited.rlim_cur = limit;
	if (setrlimit(RLIMIT_FSIZE, &limited))
		return -ENOTSUP;
	err = eve_flush(eve);
	setrlimit(RLIMIT_FSIZE, &saved);
	return err;
}

/*
 * A write cut short by a full disk: the part written is cut off again, so the file holds
 * whole lines only, and writing goes on once there is room.
 */
static void test_torn_tail_cut(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-eve-test.XXXXXX";
	struct eve_writer *eve;
	char *text = NULL, *p, *nl;
	size_t text_len = 0;
	int fd = mkstemp(path), whole = 0, err;
	FILE *f;

	CHECK(t, fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	CHECK(t, eve_open(&eve, path) == 0, "cannot open %s", path);
	write_lines(eve, 0, 0, 0);
	EXPECT(t, eve_flush(eve) == 0, "first line");
	write_lines(eve, 1, 5, 1);
	err = flush_with_size_limit(eve, 501 + 3 * 501 + 200);	/* 3 more lines and a part */
	EXPECT(t, err == -EFBIG, "flush past the limit: %d", err);
	EXPECT(t, eve_write_errors(eve) == 5 && eve_lost_tally(eve, 1).lines == 5,
	       "%llu lines lost, want the 5 of the failed buffer",
	       (unsigned long long)eve_write_errors(eve));
	write_lines(eve, 6, 6, 0);
	EXPECT(t, eve_flush(eve) == 0, "writing did not go on after the limit was lifted");
	eve_close(eve);

	f = fopen(path, "r");
	CHECK(t, f, "cannot read %s back", path);
	text = malloc(64 * 1024);
	text_len = fread(text, 1, 64 * 1024 - 1, f);
	fclose(f);
	text[text_len] = '\0';
	for (p = text; *p; p = nl + 1) {
		struct json_object *o;

		nl = strchr(p, '\n');
		EXPECT(t, nl != NULL, "the file ends inside a line");
		if (!nl)
			break;
		*nl = '\0';
		o = json_tokener_parse(p);
		EXPECT(t, o != NULL, "line %d is not JSON (a torn line kept?)", whole + 1);
		json_object_put(o);
		whole++;
	}
	EXPECT(t, whole == 2 && text_len == 2 * 501, "%d lines, %zu bytes: want the first "
	       "and the one after the failure, nothing of the lost buffer", whole, text_len);
	free(text);
	unlink(path);
}

/*
 * After a copytruncate rotation emptied the file, a failed write cuts back to where it
 * began in the file as it is now (empty), not to the length the file had before.
 */
static void test_torn_tail_after_rotation(struct test_case *t)
{
	char path[] = "/tmp/edgewatch-eve-test.XXXXXX";
	struct eve_writer *eve;
	struct stat st;
	int fd = mkstemp(path), err;

	CHECK(t, fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	CHECK(t, eve_open(&eve, path) == 0, "cannot open %s", path);
	write_lines(eve, 0, 2, 0);
	EXPECT(t, eve_flush(eve) == 0, "the first lines");
	CHECK(t, truncate(path, 0) == 0, "truncate: %s", strerror(errno));	/* rotated */
	write_lines(eve, 3, 4, 0);
	err = flush_with_size_limit(eve, 700);
	EXPECT(t, err == -EFBIG, "flush past the limit: %d", err);
	CHECK(t, stat(path, &st) == 0, "stat");
	EXPECT(t, st.st_size == 0, "the file is %lld bytes after the cut, want 0 (the old "
	       "length would leave a hole)", (long long)st.st_size);
	eve_close(eve);
	unlink(path);
}

static void test_oversized_line(struct test_case *t)
{
	struct eve_writer *eve;
	size_t big = 64 * 1024 + 1;
	char *line = malloc(big + 1);

	CHECK(t, line, "malloc");
	json_line_of(line, big, 1);
	CHECK(t, eve_open(&eve, "/dev/null") == 0, "cannot open /dev/null");
	EXPECT(t, eve_write_line(eve, line, big) == -EMSGSIZE, "an oversized line accepted");
	EXPECT(t, eve_write_errors(eve) == 1, "the oversized line not counted");
	eve_close(eve);
	free(line);
}

int main(void)
{
	test_program = "eve";
	RUN(test_lost_lines_tallied);
	RUN(test_written_lines_not_lost);
	RUN(test_torn_tail_cut);
	RUN(test_torn_tail_after_rotation);
	RUN(test_oversized_line);
	return test_summary();
}
