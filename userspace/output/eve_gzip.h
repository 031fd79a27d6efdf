/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * gzip of closed EVE files (outputs.eve.compress: gzip) on a worker thread: the writer
 * hands over a path and goes on. FILE becomes FILE.gz; FILE is removed only once the .gz
 * is complete and fsynced (eve_gzip.c says how). Failures are logged and counted, and
 * leave FILE as it was.
 */
#ifndef EDGEWATCH_OUTPUT_EVE_GZIP_H
#define EDGEWATCH_OUTPUT_EVE_GZIP_H

#include <stddef.h>
#include <stdint.h>

struct eve_gzip;

/* Start the worker. 0 or -errno. */
int eve_gzip_start(struct eve_gzip **out);
/* Queue path for compression (copied); a full queue (64 files) is a failure, counted. */
void eve_gzip_submit(struct eve_gzip *gz, const char *path);
/* Compress what is queued, then stop the worker; NULL-safe. */
void eve_gzip_stop(struct eve_gzip *gz);
/* Wait until every queued file is compressed (or failed); NULL-safe. */
void eve_gzip_wait(struct eve_gzip *gz);
/* Files compressed, and files that could not be (left uncompressed). */
void eve_gzip_counts(struct eve_gzip *gz, uint64_t *compressed, uint64_t *failed);

/* Compress path to path.gz now, in this thread. 0, or -errno and why in words. */
int eve_gzip_file(const char *path, char *why, size_t why_len);

#endif /* EDGEWATCH_OUTPUT_EVE_GZIP_H */
