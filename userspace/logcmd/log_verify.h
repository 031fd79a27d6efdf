/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `edgewatch log verify`: a sealed EVE file (output/eve_seal.h) checked line by line,
 * files in the order given, knowing only epoch 0's public key. What it finds is a list of
 * segments (the lines a seal covers, or the unsealed lines after the last one), each
 * passed or failed with its first bad line and why.
 *
 *   log_verify_init(&v, pub0);
 *   log_verify_file_begin(&v, "eve.json"); log_verify_line(&v, line, len)...;
 *   log_verify_file_end(&v); ... log_verify_finish(&v); then v.segments, v.failed
 */
#ifndef EDGEWATCH_LOGCMD_LOG_VERIFY_H
#define EDGEWATCH_LOGCMD_LOG_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "output/eve_seal.h"

#define LOG_VERIFY_DETAIL_LEN 256

enum log_verify_result {
	LOG_VERIFY_PASS,	/* sealed, every line as chained and signed */
	LOG_VERIFY_FAIL,
	LOG_VERIFY_UNSEALED,	/* lines no seal covers (yet): nothing wrong found, nothing proven */
};

struct log_verify_segment {
	int file;			/* index of the file (log_verify_file_begin() order) */
	uint64_t first_line, last_line;	/* line numbers in that file */
	uint64_t first_seq, last_seq;	/* 0..0: no numbered line */
	uint32_t epoch;			/* the seal's (sealed segments) */
	enum log_verify_result result;
	uint64_t bad_line;		/* FAIL: the first bad line (in file) */
	const char *reason;		/* "modified", "deleted", ... (static text) */
	char detail[LOG_VERIFY_DETAIL_LEN];
};

struct log_verify_file {
	char *name;
	uint64_t lines;
	int failed;
	uint64_t unsealed;		/* lines after the last seal in it */
};

struct log_verify_key;

struct log_verify {
	uint8_t pub[SEAL_KEY_LEN];	/* the key of the epoch the next seal must be */
	uint32_t epoch;			/* the epoch the next seal must be */
	int untrusted;			/* a seal failed: later keys unknown */
	uint64_t untrusted_line;
	int untrusted_file;
	uint8_t chain[SEAL_KEY_LEN];
	int chain_ok;			/* chain follows every line of the segment so far */
	uint64_t expected_seq;		/* the next line's */
	int have_seal;
	uint64_t seal_seq;		/* the last good seal's */
	uint8_t seal_hash[SEAL_KEY_LEN];
	uint8_t seal_chain[SEAL_KEY_LEN];	/* the chain after the last good seal line */
	uint8_t *keys;			/* every public key seen, SEAL_KEY_LEN each */
	size_t key_count, key_cap;
	uint64_t gap_lo, gap_hi, gap_line;	/* the segment's first gap (gap_line 0: none) */
	/* the segment being read */
	struct log_verify_segment seg;
	uint64_t seg_lines;
	/* --last-seal: a seal received off the box */
	int expect_seal;
	uint64_t expect_seq;
	uint8_t expect_sig[SEAL_SIG_LEN];
	int expect_found;		/* 1: in the files, same signature; -1: differs */
	uint64_t last_seq_seen;
	/* results */
	struct log_verify_file *files;
	int file_count;
	struct log_verify_segment *segments;
	size_t segment_count, segment_cap;
	uint64_t validated;		/* lines in passed segments */
	int failed;
	char last_seal_detail[LOG_VERIFY_DETAIL_LEN];	/* --last-seal's failure, or "" */
	int oom;
};

void log_verify_init(struct log_verify *v, const uint8_t pub0[SEAL_KEY_LEN]);
void log_verify_free(struct log_verify *v);
/*
 * The seal line a collector received (--last-seal): the files must hold it. 0, or
 * -EINVAL with why (not a sealed seal line).
 */
int log_verify_expect_seal(struct log_verify *v, const char *line, size_t len,
			   char why[LOG_VERIFY_DETAIL_LEN]);
int log_verify_file_begin(struct log_verify *v, const char *name);
/* One line, without its newline (any bytes). */
void log_verify_line(struct log_verify *v, const char *line, size_t len);
void log_verify_file_end(struct log_verify *v);
/* After the last file: --last-seal's check. */
void log_verify_finish(struct log_verify *v);

#endif /* EDGEWATCH_LOGCMD_LOG_VERIFY_H */
