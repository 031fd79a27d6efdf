// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The inventory's state file (persist.h). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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
	uint32_t version;	/* version and record_size first: where every version has them */
	uint32_t record_size;
	uint32_t count;
	uint32_t crc;		/* CRC-32 of the records, then of the fingerprint records */
	uint32_t fp_record_size;
	uint32_t fp_count;
};

static int fail(char *why, size_t why_len, const char *path, int err, const char *reason)
{
	snprintf(why, why_len, "%s: %s", path, reason ? reason : strerror(-err));
	return err;
}

static uint32_t state_crc(const struct inventory_state *st)
{
	uLong crc = crc32(0, (const Bytef *)st->services,
			  (uInt)(st->service_count * sizeof(*st->services)));

	return (uint32_t)crc32(crc, (const Bytef *)st->fingerprints,
			       (uInt)(st->fingerprint_count * sizeof(*st->fingerprints)));
}

int inventory_state_write(const char *path, const struct inventory_state *st, char *why,
			  size_t why_len)
{
	struct state_header h = { STATE_MAGIC, INVENTORY_STATE_VERSION,
				  sizeof(*st->services), (uint32_t)st->service_count,
				  state_crc(st), sizeof(*st->fingerprints),
				  (uint32_t)st->fingerprint_count };
	size_t bytes = st->service_count * sizeof(*st->services);
	size_t fp_bytes = st->fingerprint_count * sizeof(*st->fingerprints);
	char tmp[4096 + 8];
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return fail(why, why_len, tmp, -errno, NULL);
	if (fwrite(&h, sizeof(h), 1, f) != 1 ||
	    (bytes && fwrite(st->services, bytes, 1, f) != 1) ||
	    (fp_bytes && fwrite(st->fingerprints, fp_bytes, 1, f) != 1) || fflush(f) ||
	    fsync(fileno(f)))
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

void inventory_state_free(struct inventory_state *st)
{
	free(st->services);
	free(st->fingerprints);
	memset(st, 0, sizeof(*st));
}

/* The header of f, checked against this build's format (why names the mismatch). */
static int read_header(FILE *f, const char *path, struct state_header *h, char *why,
		       size_t why_len)
{
	size_t got = fread(h, 1, sizeof(*h), f);
	char reason[200];

	/* magic, version and record size are where every version of the file has them */
	if (got < offsetof(struct state_header, count) ||
	    memcmp(h->magic, STATE_MAGIC, sizeof(h->magic)))
		return fail(why, why_len, path, -EINVAL, "not an edgewatch inventory state file");
	if (h->version != INVENTORY_STATE_VERSION ||
	    h->record_size != sizeof(struct inventory_saved)) {
		snprintf(reason, sizeof(reason), "format version %u with %u-byte records; this "
			 "build reads version %u with %zu-byte records", h->version,
			 h->record_size, INVENTORY_STATE_VERSION, sizeof(struct inventory_saved));
		return fail(why, why_len, path, -EINVAL, reason);
	}
	if (got < sizeof(*h))
		return fail(why, why_len, path, -EINVAL,
			    "truncated, or longer than its header says");
	if (h->fp_record_size != sizeof(struct inventory_saved_fingerprints)) {
		snprintf(reason, sizeof(reason), "%u-byte fingerprint records; this build reads "
			 "%zu-byte ones", h->fp_record_size,
			 sizeof(struct inventory_saved_fingerprints));
		return fail(why, why_len, path, -EINVAL, reason);
	}
	return 0;
}

int inventory_state_read(const char *path, struct inventory_state *st, char *why,
			 size_t why_len)
{
	struct state_header h;
	char reason[160];
	FILE *f = fopen(path, "re");
	size_t bytes, fp_bytes, i;
	int err = 0;
	long end;

	memset(st, 0, sizeof(*st));
	if (!f)
		return errno == ENOENT ? -ENOENT : fail(why, why_len, path, -errno, NULL);
	err = read_header(f, path, &h, why, why_len);
	if (err)
		goto out;
	bytes = (size_t)h.count * sizeof(*st->services);
	fp_bytes = (size_t)h.fp_count * sizeof(*st->fingerprints);
	/* at most one fingerprint record per service */
	if (h.count > STATE_RECORDS_MAX || h.fp_count > h.count || fseek(f, 0, SEEK_END) ||
	    (end = ftell(f)) < 0 || (size_t)end != sizeof(h) + bytes + fp_bytes) {
		err = fail(why, why_len, path, -EINVAL,
			   "truncated, or longer than its header says");
		goto out;
	}
	fseek(f, sizeof(h), SEEK_SET);
	st->services = malloc(bytes ? bytes : 1);
	st->fingerprints = malloc(fp_bytes ? fp_bytes : 1);
	if (!st->services || !st->fingerprints) {
		err = fail(why, why_len, path, -ENOMEM, NULL);
		goto out;
	}
	st->service_count = h.count;
	st->fingerprint_count = h.fp_count;
	if ((bytes && fread(st->services, bytes, 1, f) != 1) ||
	    (fp_bytes && fread(st->fingerprints, fp_bytes, 1, f) != 1) || state_crc(st) != h.crc) {
		err = fail(why, why_len, path, -EINVAL, "CRC mismatch: the records are corrupt");
		goto out;
	}
	for (i = 0; i < st->fingerprint_count; i++) {
		if (st->fingerprints[i].service < st->service_count)
			continue;
		snprintf(reason, sizeof(reason), "fingerprint record %zu names service %u of %zu",
			 i, st->fingerprints[i].service, st->service_count);
		err = fail(why, why_len, path, -EINVAL, reason);
		goto out;
	}
out:
	if (err)
		inventory_state_free(st);
	fclose(f);
	return err;
}
