// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * EVE rotation (outputs.eve.rotate-interval, max-size, compress: gzip): files cut only
 * between lines, every line in exactly one file, the counts going on across files, the
 * names (a plain path's PATH.YYYYmmdd-HHMMSS[.N], a strftime pattern), gzip of closed
 * files (original removed only after), a rotation that fails keeps writing, SIGHUP reopen.
 * Every case works in a directory of its own under /tmp; TZ=UTC for the names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <zlib.h>

#include "../support/test.h"
#include "output/eve_gzip.h"
#include "output/eve_writer.h"

#define NS_PER_SEC 1000000000ULL
/* 2001-09-09T01:46:40Z */
#define T0_NS (1000000000ULL * NS_PER_SEC)
#define MAX_LINES 4096
#define LINE_LEN 300

struct files_seen {
	int files;
	int gz_files;
	int lines;
	int torn;		/* a file not ending in a newline, or a line not JSON */
	int seen[MAX_LINES];	/* times line n was found */
	int out_of_order;	/* within a file, n not increasing */
	int largest_file;	/* bytes, uncompressed */
};

static void make_dir(char *dir)
{
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

/* A line of LINE_LEN bytes that parses as JSON and carries n. */
static void put_line(struct eve_writer *eve, int n)
{
	char line[LINE_LEN + 1];
	int head = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"", n);

	memset(line + head, 'p', LINE_LEN - head - 2);
	memcpy(line + LINE_LEN - 2, "\"}", 2);
	eve_write_tallied_line(eve, line, LINE_LEN, 1, 1, 100);
}

/* Every line of one file's text into seen. */
static void scan_text(struct files_seen *fs, char *text, size_t len)
{
	char *p = text, *nl;
	int last = -1;

	if (len && text[len - 1] != '\n')
		fs->torn++;
	if ((int)len > fs->largest_file)
		fs->largest_file = (int)len;
	text[len] = '\0';
	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		struct json_object *o, *n;

		*nl = '\0';
		o = json_tokener_parse(p);
		if (!o || !json_object_object_get_ex(o, "n", &n)) {
			fs->torn++;
		} else {
			int v = json_object_get_int(n);

			if (v >= 0 && v < MAX_LINES)
				fs->seen[v]++;
			if (v <= last)
				fs->out_of_order++;
			last = v;
		}
		json_object_put(o);
		fs->lines++;
	}
}

/* Read one file, decompressing a .gz with zlib. */
static int read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 4 << 20;
	gzFile gz = gzopen(path, "rb");	/* reads a plain file as it is, too */
	int n;

	if (!gz)
		return -1;
	*text = malloc(cap + 1);
	*len = 0;
	while (*text && (n = gzread(gz, *text + *len, (unsigned int)(cap - *len))) > 0)
		*len += (size_t)n;
	gzclose(gz);
	return *text ? 0 : -1;
}

static void scan_dir(const char *dir, struct files_seen *fs)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[512], *text;
	size_t len;

	memset(fs, 0, sizeof(*fs));
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fs->files++;
		fs->gz_files += strlen(de->d_name) > 3 &&
				!strcmp(de->d_name + strlen(de->d_name) - 3, ".gz");
		if (read_file(path, &text, &len) == 0)
			scan_text(fs, text, len);
		free(text);
	}
	if (d)
		closedir(d);
}

static void remove_dir(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/* Each of lines 0..n-1 exactly once, whole, in order within its file. */
static int all_lines_once(struct test_case *t, const struct files_seen *fs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fs->seen[i] != 1) {
			test_fail(t, __FILE__, __LINE__, "line %d found %d times", i, fs->seen[i]);
			return 0;
		}
	EXPECT(t, fs->lines == n && !fs->torn && !fs->out_of_order,
	       "%d lines (want %d), %d torn, %d out of order", fs->lines, n, fs->torn,
	       fs->out_of_order);
	return !t->failed;
}

/* A new directory and a writer on DIR/name in it, clocked at T0. 0, or -1. */
static int open_in_new_dir(char *dir, char *path, size_t len, const char *name,
			   const struct eve_rotation *rot, struct eve_writer **eve)
{
	make_dir(dir);
	if (!dir[0])
		return -1;
	snprintf(path, len, "%s/%s", dir, name);
	if (eve_open_rotating(eve, path, rot))
		return -1;
	eve_set_clock(*eve, T0_NS);
	return 0;
}

/* max-size on a plain path: many files, none past the size, every line once. */
static void test_size_rotation_plain(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256];
	struct eve_rotation rot = { .max_bytes = 4096 };
	struct eve_rotation_stats rs;
	struct files_seen fs;
	struct eve_writer *eve;
	int i, n = 1000;

	CHECK(t, open_in_new_dir(dir, path, sizeof(path), "eve.json", &rot, &eve) == 0,
	      "cannot open %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		put_line(eve, i);
		if (i % 37 == 0)	/* flushes at odd places: rotation is not tied to them */
			eve_flush(eve);
	}
	eve_flush(eve);
	eve_rotation_stats(eve, &rs);
	EXPECT(t, eve_events_written(eve) == (uint64_t)n && eve_write_errors(eve) == 0,
	       "%llu written, %llu lost", (unsigned long long)eve_events_written(eve),
	       (unsigned long long)eve_write_errors(eve));
	eve_close(eve);
	scan_dir(dir, &fs);
	/* 13 lines of 301 bytes fit in 4096 */
	EXPECT(t, fs.files == (n + 12) / 13 && rs.rotations == (uint64_t)fs.files - 1,
	       "%d files, %llu rotations; want %d files", fs.files,
	       (unsigned long long)rs.rotations, (n + 12) / 13);
	EXPECT(t, fs.largest_file <= 4096, "a file of %d bytes, past max-size", fs.largest_file);
	all_lines_once(t, &fs, n);
	{
		struct stat st;
		char name[300];

		snprintf(name, sizeof(name), "%s.20010909-014640.5", path);
		EXPECT(t, stat(name, &st) == 0, "no %s (closed files are PATH.YYYYmmdd-HHMMSS.N)",
		       name);
	}
	remove_dir(dir);
}

/* rotate-interval with a pattern: a file per interval, named by the clock. */
static void test_interval_rotation_pattern(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256], name[300];
	struct eve_rotation rot = { .interval_s = 3600 };
	struct eve_rotation_stats rs;
	struct files_seen fs;
	struct eve_writer *eve;
	struct stat st;
	int step, i, n = 0;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/eve-%%Y%%m%%d-%%H%%M.json", dir);
	CHECK(t, eve_open_rotating(&eve, path, &rot) == 0, "cannot open %s", path);
	/* five lines a minute apart from 01:46:40, 02:16:40, ... 04:16:40: cut at each hour */
	for (step = 0; step < 6; step++) {
		for (i = 0; i < 5; i++) {
			eve_set_clock(eve, T0_NS + (uint64_t)(step * 1800 + i * 60) * NS_PER_SEC);
			put_line(eve, n++);
		}
	}
	eve_rotation_stats(eve, &rs);
	eve_close(eve);
	scan_dir(dir, &fs);
	EXPECT(t, fs.files == 4 && rs.rotations == 3, "%d files, %llu rotations: want 4 and 3",
	       fs.files, (unsigned long long)rs.rotations);
	all_lines_once(t, &fs, n);
	/* the first file by the clock, not by the wall time at open (that one is gone) */
	snprintf(name, sizeof(name), "%s/eve-20010909-0146.json", dir);
	EXPECT(t, stat(name, &st) == 0, "no %s", name);
	/* named by the time of the rotation (its first line's), as Suricata does */
	snprintf(name, sizeof(name), "%s/eve-20010909-0216.json", dir);
	EXPECT(t, stat(name, &st) == 0 && st.st_size == 10 * (LINE_LEN + 1),
	       "%s: the 02:00 hour's ten lines", name);
	remove_dir(dir);
}

/* compress: gzip: closed files become FILE.gz (gzip -t passes), the open one stays. */
static void test_gzip_closed_files(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256], cmd[400];
	struct eve_rotation rot = { .max_bytes = 8192, .gzip = 1 };
	struct eve_rotation_stats rs;
	struct files_seen fs;
	struct eve_writer *eve;
	int i, n = 500;

	CHECK(t, open_in_new_dir(dir, path, sizeof(path), "eve.json", &rot, &eve) == 0,
	      "cannot open %s: %s", path, strerror(errno));
	for (i = 0; i < n; i++)
		put_line(eve, i);
	eve_close(eve);	/* waits for the worker: every closed file compressed */
	scan_dir(dir, &fs);
	EXPECT(t, fs.files == (n + 26) / 27 && fs.gz_files == fs.files - 1,
	       "%d files, %d .gz: want %d, all but the open one compressed", fs.files,
	       fs.gz_files, (n + 26) / 27);
	all_lines_once(t, &fs, n);
	snprintf(cmd, sizeof(cmd), "gzip -t %s/*.gz", dir);
	EXPECT(t, system(cmd) == 0, "gzip -t fails on a compressed file");
	/* the counts: a second writer, closed before its counts are read, is not needed */
	CHECK(t, eve_open_rotating(&eve, path, &rot) == 0, "reopen");
	eve_rotation_stats(eve, &rs);
	EXPECT(t, rs.rotating && rs.compressing && rs.compressed == 0 && rs.rotations == 0,
	       "a new writer's counts start at 0");
	eve_close(eve);
	remove_dir(dir);
}

/* gzip never overwrites: FILE.gz taken is a failure, FILE kept whole. */
static void test_gzip_refuses_existing(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256], gz[300], why[256] = "";
	struct stat st;
	FILE *f;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/eve.json.1", dir);
	snprintf(gz, sizeof(gz), "%s.gz", path);
	f = fopen(path, "w");
	CHECK(t, f, "create");
	fputs("{\"n\":1}\n", f);
	fclose(f);
	f = fopen(gz, "w");
	CHECK(t, f, "create .gz");
	fclose(f);
	EXPECT(t, eve_gzip_file(path, why, sizeof(why)) == -EEXIST, "an existing .gz overwritten");
	EXPECT(t, strstr(why, "exists") != NULL, "why: %s", why);
	EXPECT(t, stat(path, &st) == 0 && st.st_size == 8, "the original is not whole");
	unlink(gz);
	why[0] = '\0';
	EXPECT(t, eve_gzip_file(path, why, sizeof(why)) == 0, "gzip: %s", why);
	EXPECT(t, stat(path, &st) != 0 && stat(gz, &st) == 0, "original kept, or no .gz");
	remove_dir(dir);
}

/*
 * A rotation that cannot open the next file (its directory missing) keeps writing to
 * the file in use: nothing lost, the failure counted, tried again a second later.
 */
static void test_failed_rotation_keeps_lines(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256], sub[300];
	struct eve_rotation rot = { .interval_s = 60 };
	struct eve_rotation_stats rs;
	struct eve_writer *eve;
	int m, n = 0;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp: %s", strerror(errno));
	/* a directory per minute; all there at open (the wall clock's minute is any) */
	for (m = 0; m < 60; m++) {
		snprintf(sub, sizeof(sub), "%s/%02d", dir, m);
		CHECK(t, mkdir(sub, 0700) == 0, "mkdir %s", sub);
	}
	snprintf(path, sizeof(path), "%s/%%M/eve.json", dir);
	CHECK(t, eve_open_rotating(&eve, path, &rot) == 0, "cannot open %s", path);
	eve_set_clock(eve, T0_NS);			/* 01:46:40: named 46/eve.json */
	put_line(eve, n++);
	snprintf(sub, sizeof(sub), "%s/47", dir);
	CHECK(t, rmdir(sub) == 0, "rmdir %s: %s", sub, strerror(errno));
	eve_set_clock(eve, T0_NS + 60 * NS_PER_SEC);	/* 01:47:40: 47/ is missing */
	put_line(eve, n++);
	eve_set_clock(eve, T0_NS + 60 * NS_PER_SEC + NS_PER_SEC / 2);	/* no retry yet */
	put_line(eve, n++);
	eve_rotation_stats(eve, &rs);
	EXPECT(t, rs.rotate_failed == 1 && rs.rotations == 0, "%llu failed, %llu rotations",
	       (unsigned long long)rs.rotate_failed, (unsigned long long)rs.rotations);
	CHECK(t, mkdir(sub, 0700) == 0, "mkdir");
	eve_set_clock(eve, T0_NS + 62 * NS_PER_SEC);	/* retried: 47/eve.json */
	put_line(eve, n++);
	eve_rotation_stats(eve, &rs);
	EXPECT(t, rs.rotate_failed == 1 && rs.rotations == 1, "%llu failed, %llu rotations",
	       (unsigned long long)rs.rotate_failed, (unsigned long long)rs.rotations);
	EXPECT(t, eve_events_written(eve) == (uint64_t)n && !eve_write_errors(eve), "counts");
	eve_close(eve);
	{
		struct files_seen f46, f47;

		snprintf(sub, sizeof(sub), "%s/46", dir);
		scan_dir(sub, &f46);
		snprintf(sub, sizeof(sub), "%s/47", dir);
		scan_dir(sub, &f47);
		EXPECT(t, f46.lines == 3 && f47.lines == 1 && !f46.torn && !f47.torn,
		       "46/: %d lines, 47/: %d lines; want 3 and 1", f46.lines, f47.lines);
	}
	remove_dir(dir);
}

/* SIGHUP after logrotate renamed the file: new lines to a new file, counts go on. */
static void test_reopen_with_rotation(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-rot.XXXXXX", path[256], moved[300];
	struct eve_rotation rot = { .max_bytes = 1 << 20 };
	struct files_seen fs;
	struct eve_writer *eve;
	struct stat st;
	int i;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/eve.json", dir);
	snprintf(moved, sizeof(moved), "%s/eve.json.logrotate", dir);
	CHECK(t, eve_open_rotating(&eve, path, &rot) == 0, "cannot open %s", path);
	for (i = 0; i < 5; i++)
		put_line(eve, i);
	CHECK(t, rename(path, moved) == 0, "rename");
	put_line(eve, i++);	/* buffered: it belongs to the file being rotated out */
	EXPECT(t, eve_reopen(eve) == 0, "reopen");
	for (; i < 10; i++)
		put_line(eve, i);
	EXPECT(t, eve_events_written(eve) == 10, "%llu written",
	       (unsigned long long)eve_events_written(eve));
	eve_close(eve);
	EXPECT(t, stat(moved, &st) == 0 && st.st_size == 6 * (LINE_LEN + 1), "the renamed file");
	EXPECT(t, stat(path, &st) == 0 && st.st_size == 4 * (LINE_LEN + 1), "the new file");
	scan_dir(dir, &fs);
	all_lines_once(t, &fs, 10);
	remove_dir(dir);
}

/* Rotation needs a regular file: /dev/null is written, never renamed. */
static void test_no_rotation_of_devices(struct test_case *t)
{
	struct eve_rotation rot = { .max_bytes = 4096, .gzip = 1 };
	struct eve_rotation_stats rs;
	struct eve_writer *eve;
	struct stat st;
	int i;

	CHECK(t, eve_open_rotating(&eve, "/dev/null", &rot) == 0, "cannot open /dev/null");
	for (i = 0; i < 100; i++)
		put_line(eve, i);
	eve_flush(eve);
	eve_rotation_stats(eve, &rs);
	EXPECT(t, !rs.rotating && !rs.rotations, "/dev/null rotated");
	eve_close(eve);
	EXPECT(t, stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is gone");
}

int main(void)
{
	test_program = "eve_rotation";
	setenv("TZ", "UTC", 1);
	tzset();
	RUN(test_size_rotation_plain);
	RUN(test_interval_rotation_pattern);
	RUN(test_gzip_closed_files);
	RUN(test_gzip_refuses_existing);
	RUN(test_failed_rotation_keeps_lines);
	RUN(test_reopen_with_rotation);
	RUN(test_no_rotation_of_devices);
	return test_summary();
}
