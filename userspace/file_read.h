/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a whole input file (a config, a rule file) into memory, bounded: the one reader
 * both use, so `rules check /dev/urandom` and `check-config /dev/zero` end with an error
 * instead of growing without end.
 */
#ifndef EDGEWATCH_FILE_READ_H
#define EDGEWATCH_FILE_READ_H

#include <stddef.h>

/* A config is a few KiB and a rule file a few MiB (a large ruleset comes as one file per
 * category): a single file larger than this is the wrong file. */
#define FILE_READ_MAX (16u << 20)

/*
 * The whole of path, which must be a regular file of at most FILE_READ_MAX bytes (checked
 * while reading too, for a file that grows), NUL-terminated (not counted in *len).
 * 0, or -errno with why set to the reason without the path: "cannot open: ...",
 * "not a regular file (a character device)", "larger than 16 MiB: not a KIND file",
 * "cannot read: ...". Never blocks on a FIFO: it is refused before any read.
 */
int file_read_whole(const char *path, const char *kind, char **out, size_t *len, char *why,
		    size_t why_size);

#endif /* EDGEWATCH_FILE_READ_H */
