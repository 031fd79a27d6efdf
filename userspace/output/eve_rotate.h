/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names of rotated EVE files (eve_writer.c rotates): a path with strftime conversions
 * is formatted at each rotation (local time, as Suricata's file names); a plain path keeps
 * its name for the open file, and a closed file is renamed PATH.YYYYmmdd-HHMMSS. A name
 * that is taken gets .1, .2, ... so a rotation never appends to an older file.
 */
#ifndef EDGEWATCH_OUTPUT_EVE_ROTATE_H
#define EDGEWATCH_OUTPUT_EVE_ROTATE_H

#include <stddef.h>
#include <stdint.h>

/* 1 if path has a strftime conversion (a '%' that is not "%%"). */
int eve_path_is_pattern(const char *path);
/* pattern formatted for realtime_ns (local time) into buf. 0 or -ENAMETOOLONG. */
int eve_name_at(const char *pattern, uint64_t realtime_ns, char *buf, size_t len);
/* The name a closed file of a plain path gets: PATH.YYYYmmdd-HHMMSS[.N]. 0 or -errno. */
int eve_closed_name(const char *path, uint64_t realtime_ns, char *buf, size_t len);
/*
 * base if no file has that name and it is not avoid, else base.1, base.2, ... (up to
 * .999). 0, -EEXIST when all are taken, -ENAMETOOLONG.
 */
int eve_free_name(const char *base, const char *avoid, char *buf, size_t len);

#endif /* EDGEWATCH_OUTPUT_EVE_ROTATE_H */
