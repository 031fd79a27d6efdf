// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names of rotated EVE files: see eve_rotate.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "output/eve_rotate.h"

#define NS_PER_SEC 1000000000ULL
#define FREE_NAME_TRIES 1000

int eve_path_is_pattern(const char *path)
{
	const char *p;

	for (p = strchr(path, '%'); p; p = strchr(p + 2, '%')) {
		if (p[1] != '%')
			return p[1] != '\0';
		if (!p[2])
			break;
	}
	return 0;
}

int eve_name_at(const char *pattern, uint64_t realtime_ns, char *buf, size_t len)
{
	time_t t = (time_t)(realtime_ns / NS_PER_SEC);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	/* strftime's 0 is also a legal empty result: a pattern never formats to nothing */
	return strftime(buf, len, pattern, &tm) ? 0 : -ENAMETOOLONG;
}

int eve_closed_name(const char *path, uint64_t realtime_ns, char *buf, size_t len)
{
	char stamp[32], base[4096];
	int err = eve_name_at("%Y%m%d-%H%M%S", realtime_ns, stamp, sizeof(stamp));

	if (err)
		return err;
	if ((size_t)snprintf(base, sizeof(base), "%s.%s", path, stamp) >= sizeof(base))
		return -ENAMETOOLONG;
	return eve_free_name(base, NULL, buf, len);
}

int eve_free_name(const char *base, const char *avoid, char *buf, size_t len)
{
	char gz[4096 + 4];
	struct stat st;
	int n;

	for (n = 0; n < FREE_NAME_TRIES; n++) {
		int w = n ? snprintf(buf, len, "%s.%d", base, n) : snprintf(buf, len, "%s", base);

		if (w < 0 || (size_t)w >= len || (size_t)w >= sizeof(gz) - 3)
			return -ENAMETOOLONG;
		if (avoid && !strcmp(buf, avoid))
			continue;
		/* nor a name whose .gz exists: compressing it would have nowhere to go */
		snprintf(gz, sizeof(gz), "%s.gz", buf);
		if (lstat(buf, &st) && errno == ENOENT && lstat(gz, &st) && errno == ENOENT)
			return 0;
	}
	return -EEXIST;
}
