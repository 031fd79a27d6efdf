/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The EVE file: whole lines (formatted by eve_format.c) appended to one file, shared by
 * the main thread and the scanner threads. Lines are buffered until eve_flush() (the
 * daemon flushes after every sweep) or a full buffer; a failed write is logged (the
 * first of a run of failures, and the recovery), counted (eve_write_errors) and
 * returned as -errno: lines are never dropped silently.
 */
#ifndef EDGEWATCH_OUTPUT_EVE_WRITER_H
#define EDGEWATCH_OUTPUT_EVE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct eve_writer;

/*
 * Open path for appending ("-" = stdout). A symbolic link at path, or anything but a
 * regular file, is refused. 0 or -errno (eve_open_error() says why in words).
 */
int eve_open(struct eve_writer **out, const char *path);

/*
 * Rotation (outputs.eve.rotate-interval, max-size, compress). A path with strftime
 * conversions (%Y, %H, ...; %% for a %) is formatted at open and at each rotation;
 * rotation needs a regular file (a warning, and none, for /dev/null). Rotation happens
 * only between lines, under the writer's lock, so no line is split or lost by it, and
 * the counts (eve_events_written(), the tallies) go on across files.
 */
struct eve_rotation {
	uint32_t interval_s;	/* 0: not by time; else at each multiple of it since the epoch */
	uint64_t max_bytes;	/* 0: not by size; else before a line that would pass it */
	int gzip;		/* closed files to FILE.gz on a worker thread (eve_gzip.h) */
};
/* eve_open() with rotation; rot NULL (or all 0): none, but a pattern is still formatted. */
int eve_open_rotating(struct eve_writer **out, const char *path, const struct eve_rotation *rot);
/*
 * The time rotation and file names follow, in ns since the epoch (replay: the capture's
 * time, so a replay cuts and names files as the live run would have). Never set: the
 * wall clock. The first call names the file again by it if nothing was written yet.
 */
void eve_set_clock(struct eve_writer *eve, uint64_t realtime_ns);
struct eve_rotation_stats {
	int rotating;		/* rotation applies (configured, and a regular file) */
	int compressing;	/* compress: gzip */
	uint64_t rotations;	/* files closed by a rotation */
	uint64_t rotate_failed;	/* rotations that failed (the old file stayed in use) */
	uint64_t compressed;	/* closed files now FILE.gz */
	uint64_t compress_failed;	/* closed files left uncompressed (logged) */
};
void eve_rotation_stats(struct eve_writer *eve, struct eve_rotation_stats *out);
/* Wait until the closed files are compressed (the final stats event's exact account). */
void eve_wait_compressed(struct eve_writer *eve);
const char *eve_open_error(int err);
/* Flush and close; NULL-safe. */
void eve_close(struct eve_writer *eve);
/*
 * Flush, then open the path again (SIGHUP after a rename-based rotation: new lines go
 * to a new file). If the path cannot be opened, the old file stays in use. 0 or -errno.
 */
int eve_reopen(struct eve_writer *eve);
/*
 * Hand the open file to uid:gid (the daemon's privilege drop, privdrop.h), so that the
 * dropped daemon can reopen it on SIGHUP. Stdout and non-regular files: nothing to do.
 * 0 or -errno.
 */
int eve_chown(struct eve_writer *eve, uid_t uid, gid_t gid);

/*
 * Seal the file (outputs.eve.seal, eve_seal.h): from now on every line is numbered and
 * chained, with a seal at the seal's interval, before a rotation or reopen and at close.
 * The writer owns seal afterwards (eve_close() frees it).
 */
struct eve_seal;
struct eve_seal_counts;
void eve_attach_seal(struct eve_writer *eve, struct eve_seal *seal);
/*
 * Called with every seal line the writer writes (no newline), under the writer's lock:
 * the output hands it to the remote sinks (output.c), so the last seal lives off the box.
 * fn must not call back into the writer.
 */
typedef void (*eve_seal_listener)(void *ctx, const char *line, size_t len, uint64_t now_ns);
void eve_set_seal_listener(struct eve_writer *eve, eve_seal_listener fn, void *ctx);
/* Seals made, key file rewrites that failed, the current epoch (all 0: not sealing). */
void eve_seal_stats(struct eve_writer *eve, struct eve_seal_counts *out);

/* Write one line (no newline in it). 0 or -errno, counted in eve_write_errors. */
int eve_write_line(struct eve_writer *eve, const char *line, size_t len);
/* A line that could not be formatted: lost, counted with the write errors. */
void eve_count_error(struct eve_writer *eve);

/*
 * A line that stands for packets and bytes (a flow record), tallied under its class
 * (1..EVE_TALLY_CLASSES-1, the caller's choice): a later flush that fails loses the
 * lines in the buffer, and eve_lost_tally() says how many of each class, and their
 * packets and bytes, so the caller can stop counting them as written.
 */
#define EVE_TALLY_CLASSES 16
struct eve_tally {
	uint64_t lines;
	uint64_t packets;
	uint64_t bytes;
};
int eve_write_tallied_line(struct eve_writer *eve, const char *line, size_t len,
			   unsigned int cls, uint64_t packets, uint64_t bytes);
/* What was lost of class cls after eve_write_tallied_line() accepted it. */
struct eve_tally eve_lost_tally(struct eve_writer *eve, unsigned int cls);

int eve_flush(struct eve_writer *eve);
/* Lines accepted (written, or waiting in the buffer), and lines lost. */
uint64_t eve_events_written(struct eve_writer *eve);
uint64_t eve_write_errors(struct eve_writer *eve);
/* Writes (flushes) that failed. */
uint64_t eve_write_failures(struct eve_writer *eve);

#endif /* EDGEWATCH_OUTPUT_EVE_WRITER_H */
