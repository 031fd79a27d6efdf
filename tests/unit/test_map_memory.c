// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The maps' kernel memory (userspace/map_memory.h) as /proc/self/fdinfo gives it; the
 * whole read against a running daemon: tests/e2e/test_idle_clock.sh (kernel_memory_reported).
 */
#include "map_memory.h"
#include "../support/test.h"

static void test_memlock_line(struct test_case *t)
{
	const char *hash = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n"
			   "map_type:\t1\nkey_size:\t48\nvalue_size:\t192\nmax_entries:\t262144\n"
			   "map_flags:\t0x0\nmap_extra:\t0x0\nmemlock:\t79691776\nmap_id:\t42\n"
			   "frozen:\t0\n";

	EXPECT(t, map_memory_parse_fdinfo(hash) == 79691776, "hash map: %lld",
	       (long long)map_memory_parse_fdinfo(hash));
	EXPECT(t, map_memory_parse_fdinfo("memlock:\t4096") == 4096, "last line without newline");
}

static void test_no_memlock(struct test_case *t)
{
	EXPECT(t, map_memory_parse_fdinfo("pos:\t0\nflags:\t02\n") == -1, "no memlock line");
	EXPECT(t, map_memory_parse_fdinfo("") == -1, "empty");
	EXPECT(t, map_memory_parse_fdinfo("memlock:\tlots\n") == -1, "not a number");
	EXPECT(t, map_memory_parse_fdinfo("memlock:\t12x\n") == -1, "trailing garbage");
	/* a key that only begins like it */
	EXPECT(t, map_memory_parse_fdinfo("xmemlock:\t12\n") == -1, "xmemlock");
}

static void test_own_fd_is_not_a_map(struct test_case *t)
{
	EXPECT(t, map_memory_of_fd(0) == -1, "stdin has a memlock: %lld",
	       (long long)map_memory_of_fd(0));
	EXPECT(t, map_memory_of_fd(-1) == -1, "fd -1");
}

int main(void)
{
	test_program = "map_memory";
	RUN(test_memlock_line);
	RUN(test_no_memlock);
	RUN(test_own_fd_is_not_a_map);
	return test_summary();
}
