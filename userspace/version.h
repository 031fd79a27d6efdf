/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this binary is: the release, the git revision it was built from, the hash of the
 * BPF object it embeds, and the libraries it runs with (`edgewatch --version`; a bug
 * report and an incident's evidence name them).
 */
#ifndef EDGEWATCH_VERSION_H
#define EDGEWATCH_VERSION_H

#include <stdio.h>

#define EDGEWATCH_VERSION "0.1.0"

/* The git revision of the build ("unknown" outside a git checkout). */
const char *edgewatch_git_revision(void);

/* SHA-256 of the embedded BPF object, as 64 hex digits. 0, or -1 (libcrypto failed). */
int edgewatch_bpf_object_sha256(char hex[65]);

/* The whole account, one "name: value" a line. */
void edgewatch_print_version(FILE *out);

#endif /* EDGEWATCH_VERSION_H */
