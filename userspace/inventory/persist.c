// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The inventory's state file (persist.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "inventory/persist.h"

#define STATE_MAGIC "EWINVST"	/* 8 bytes with its NUL */
/* A table bound: refuse a count no table could hold (a corrupt header). */
#define STATE_RECORDS_MAX (1u << 24)

struct state_header {
	char magic[8];
	uint32_t version;
	uint32_t record_size;
	uint32_t count;
	uint32_t crc;		/* CRC-32 of the records */
};

static int fail(char *why, size_t why_len, const char *path, int err, const char *reason)
{
	snprintf(why, why_len, "%s: %s", path, reason ? reason : strerror(-err));
	return err;
}

int inventory_state_write(const char *path, const struct inventory_saved *recs, size_t n,
			  char *why, size_t why_len)
{
	struct state_header h = { STATE_MAGIC, INVENTORY_STATE_VERSION, sizeof(*recs),
				  (uint32_t)n, 0 };
	size_t bytes = n * sizeof(*recs);
	char tmp[4096 + 8];
	FILE *f;
	int err = 0;

	h.crc = (uint32_t)crc32(0, (const Bytef *)recs, (uInt)bytes);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return fail(why, why_len, tmp, -errno, NULL);
	if (fwrite(&h, sizeof(h), 1, f) != 1 || (n && fwrite(recs, bytes, 1, f) != 1) ||
	    fflush(f) || fsync(fileno(f)))
		err = -errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	/* the rename is the commit: until then a reader sees the previous file whole */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return fail(why, why_len, path, err, NULL);
	}
	return 0;
}

int inventory_state_read(const char *path, struct inventory_saved **recs, size_t *n, char *why,
			 size_t why_len)
{
	struct state_header h;
	char reason[160];
	FILE *f = fopen(path, "re");
	size_t bytes;
	int err = 0;
	long end;

	*recs = NULL;
	*n = 0;
	if (!f)
		return errno == ENOENT ? -ENOENT : fail(why, why_len, path, -errno, NULL);
	if (fread(&h, sizeof(h), 1, f) != 1 || memcmp(h.magic, STATE_MAGIC, sizeof(h.magic))) {
		err = fail(why, why_len, path, -EINVAL, "not an edgewatch inventory state file");
		goto out;
	}
	if (h.version != INVENTORY_STATE_VERSION || h.record_size != sizeof(**recs)) {
		snprintf(reason, sizeof(reason), "format version %u with %u-byte records; this "
			 "build reads version %u with %zu-byte records", h.version, h.record_size,
			 INVENTORY_STATE_VERSION, sizeof(**recs));
		err = fail(why, why_len, path, -EINVAL, reason);
		goto out;
	}
	bytes = (size_t)h.count * sizeof(**recs);
	if (h.count > STATE_RECORDS_MAX || fseek(f, 0, SEEK_END) || (end = ftell(f)) < 0 ||
	    (size_t)end != sizeof(h) + bytes) {
		err = fail(why, why_len, path, -EINVAL, "truncated, or longer than its header says");
		goto out;
	}
	fseek(f, sizeof(h), SEEK_SET);
	*recs = malloc(bytes ? bytes : 1);
	if (!*recs) {
		err = fail(why, why_len, path, -ENOMEM, NULL);
		goto out;
	}
	if ((bytes && fread(*recs, bytes, 1, f) != 1) ||
	    (uint32_t)crc32(0, (const Bytef *)*recs, (uInt)bytes) != h.crc) {
		err = fail(why, why_len, path, -EINVAL, "CRC mismatch: the records are corrupt");
		goto out;
	}
	*n = h.count;
out:
	if (err) {
		free(*recs);
		*recs = NULL;
	}
	fclose(f);
	return err;
}
