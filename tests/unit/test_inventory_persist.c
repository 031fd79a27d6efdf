// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inventory's state file (userspace/inventory/persist.h): records back as written; no
 * file is -ENOENT (a first start); a file not ours, of another version or record size,
 * cut short, grown, or with a flipped byte is refused with its path and why, never read
 * past (ASan); the write is atomic (no .tmp left behind).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory/persist.h"
#include "../support/test.h"

static char dir[] = "/tmp/edgewatch-persist.XXXXXX";
static char path[128];

static void records(struct inventory_saved *r, size_t n)
{
	size_t i;

	memset(r, 0, n * sizeof(*r));
	for (i = 0; i < n; i++) {
		r[i].key[0] = 4;
		r[i].key[4 + 4] = (uint8_t)i;
		r[i].first_rt_ns = 1700000000000000000LL + (int64_t)i;
		r[i].flows = 3 + i;
		r[i].banner.service = BANNER_SSH;
		snprintf(r[i].banner.product, sizeof(r[i].banner.product), "openssh");
		snprintf(r[i].banner.version, sizeof(r[i].banner.version), "5.%zu", i);
	}
}

/* Rewrite the file with f applied to its bytes. */
static void mangle(void (*f)(unsigned char *buf, long *len))
{
	unsigned char buf[65536];
	FILE *file = fopen(path, "rb");
	long len = (long)fread(buf, 1, sizeof(buf), file);

	fclose(file);
	f(buf, &len);
	file = fopen(path, "wb");
	fwrite(buf, 1, (size_t)len, file);
	fclose(file);
}

static void cut(unsigned char *buf, long *len) { *len -= 7; }
static void grow(unsigned char *buf, long *len) { buf[(*len)++] = 0; }
static void flip(unsigned char *buf, long *len) { buf[*len - 40] ^= 0x10; }
static void version(unsigned char *buf, long *len) { buf[8] = 99; }
static void magic(unsigned char *buf, long *len) { buf[0] = 'X'; }
static void size(unsigned char *buf, long *len) { buf[12] ^= 1; }

static void test_round_trip(struct test_case *t)
{
	struct inventory_saved w[3], *r;
	char why[512] = "", tmp[160];
	size_t n;

	records(w, 3);
	CHECK(t, inventory_state_write(path, w, 3, why, sizeof(why)) == 0, "%s", why);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	EXPECT(t, access(tmp, F_OK) != 0, ".tmp left behind");
	CHECK(t, inventory_state_read(path, &r, &n, why, sizeof(why)) == 0, "%s", why);
	EXPECT(t, n == 3 && !memcmp(r, w, sizeof(w)), "%zu records, or different", n);
	free(r);
	CHECK(t, inventory_state_write(path, w, 0, why, sizeof(why)) == 0, "%s", why);
	CHECK(t, inventory_state_read(path, &r, &n, why, sizeof(why)) == 0 && n == 0, "%s", why);
	free(r);
	unlink(path);
	EXPECT(t, inventory_state_read(path, &r, &n, why, sizeof(why)) == -ENOENT && !r,
	       "a missing file is not -ENOENT");
	snprintf(tmp, sizeof(tmp), "%s/nodir/x.inventory", dir);
	EXPECT(t, inventory_state_write(tmp, w, 3, why, sizeof(why)) < 0 && strstr(why, tmp),
	       "an unwritable path: '%s'", why);
}

static void test_corrupt(struct test_case *t)
{
	static const struct {
		const char *name;
		void (*f)(unsigned char *, long *);
		const char *why;
	} rows[] = {
		{ "cut", cut, "truncated" },
		{ "grown", grow, "longer than its header" },
		{ "flipped byte", flip, "CRC mismatch" },
		{ "other version", version, "format version 99" },
		{ "not ours", magic, "not an edgewatch inventory state file" },
		{ "other record size", size, "-byte records" },
	};
	struct inventory_saved w[4], *r;
	char why[512];
	size_t i, n;

	records(w, 4);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		why[0] = '\0';
		CHECK(t, inventory_state_write(path, w, 4, why, sizeof(why)) == 0, "%s", why);
		mangle(rows[i].f);
		EXPECT(t, inventory_state_read(path, &r, &n, why, sizeof(why)) == -EINVAL && !r &&
				  !n && strstr(why, path) && strstr(why, rows[i].why),
		       "%s: '%s'", rows[i].name, why);
	}
	unlink(path);
}

int main(void)
{
	test_program = "test_inventory_persist";
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/wan0.inventory", dir);
	RUN(test_round_trip);
	RUN(test_corrupt);
	rmdir(dir);
	return test_summary();
}
