/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal test harness for the C test programs (unit and BPF table tests).
 *
 * Each test case prints one line that tests/run.sh counts:
 *   PASS <program>/<case>
 *   FAIL <program>/<case>: <file>:<line>: <what>
 *   SKIP <program>/<case>: <why>
 * A case fails at its first failed CHECK; the program exits 1 if any case failed.
 *
 *   static void test_parse_port(struct test_case *t) { CHECK(t, port == 22, "port %d", port); }
 *   int main(void) { RUN(test_parse_port); return test_summary(); }
 */
#ifndef EDGEWATCH_TEST_H
#define EDGEWATCH_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	int failed;
	int skipped;
};

static int test_failures;
static const char *test_program = "test";

static inline void test_fail(struct test_case *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void test_fail(struct test_case *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;	/* report the first failure of a case only */
	t->failed = 1;
	printf("FAIL %s/%s: %s:%d: ", test_program, t->name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* CHECK returns from the test function on failure. */
#define CHECK(t, cond, ...)                                                                     \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			test_fail(t, __FILE__, __LINE__, __VA_ARGS__);                         \
			return;                                                                \
		}                                                                              \
	} while (0)

/* Like CHECK, but the test goes on (report several mismatches of one case... once). */
#define EXPECT(t, cond, ...)                                                                    \
	do {                                                                                   \
		if (!(cond))                                                                   \
			test_fail(t, __FILE__, __LINE__, __VA_ARGS__);                         \
	} while (0)

#define SKIP(t, ...)                                                                            \
	do {                                                                                   \
		(t)->skipped = 1;                                                              \
		printf("SKIP %s/%s: ", test_program, (t)->name);                               \
		printf(__VA_ARGS__);                                                           \
		printf("\n");                                                                  \
		return;                                                                        \
	} while (0)

static inline void test_finish(struct test_case *t)
{
	if (t->failed)
		test_failures++;
	else if (!t->skipped)
		printf("PASS %s/%s\n", test_program, t->name);
	fflush(stdout);
}

/* Run a test function void fn(struct test_case *). */
#define RUN(fn)                                                                                 \
	do {                                                                                   \
		struct test_case __t = { .name = #fn };                                        \
		fn(&__t);                                                                      \
		test_finish(&__t);                                                             \
	} while (0)

/* Run a named case of a table: void fn(struct test_case *, const ROW *row). */
#define RUN_ROW(fn, case_name, row)                                                             \
	do {                                                                                   \
		struct test_case __t = { .name = (case_name) };                                \
		fn(&__t, row);                                                                 \
		test_finish(&__t);                                                             \
	} while (0)

static inline int test_summary(void)
{
	return test_failures ? 1 : 0;
}

#endif /* EDGEWATCH_TEST_H */
