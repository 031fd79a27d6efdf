/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sealed EVE (outputs.eve.seal): every line numbered and hash-chained, and signed seal
 * records with a forward-secure key, so that whoever takes the box later cannot rewrite
 * what was written before without `edgewatch log verify` saying where.
 *
 * A line: the formatted event with two members added at its end,
 *   {...event...,"seq":N,"chain":"T"}
 * where N counts every line of the chain (seals too) from 1, chain_N = SHA-256(chain_N-1 ||
 * body) over the body (the bytes before ,"chain":"), chain_0 = SHA-256("edgewatch-eve-
 * chain-v1" || epoch 0's public key), and T is chain_N's first 16 bytes in hex: the tag
 * only lets verify name the first line that differs; the seals sign the full chain.
 *
 * A seal (event_type "seal", at outputs.eve.seal.interval when lines were written, before a
 * rotation or a reopen, at shutdown) is itself a chained line; it signs, with epoch N's
 * Ed25519 key, the message eve_seal_message() builds: epoch, the range of lines it seals
 * (first_seq..last_seq, everything since the previous seal), its own seq, its time, the
 * chain after last_seq, the previous seal's hash (SHA-256 of its message and signature;
 * zeros for the first) and next_key, epoch N+1's public key. Then the seed evolves one way
 * (seed_N+1 = SHA-256(tag || seed_N)), the old seed is cleansed from memory and the key
 * file rewritten (rename, fsync) before the seal line is written.
 *
 * The verifier knows only epoch 0's public key (KEYFILE.pub, kept off the box) and learns
 * epoch N+1's from seal N, which only epoch N's key could sign: a key taken at epoch N
 * signs seals for N and later, never one the verifier will accept for an earlier epoch.
 * Limits (README.md, "Sealed EVE"): lines after the last seal are unsealed until the next
 * one (verify reports them); truncation after a seal is only provable against a seal kept
 * off the box (--last-seal, or the seal events a remote sink received); a crash between the
 * key file's rewrite and the seal's write loses that seal (verify reports the gap).
 */
#ifndef EDGEWATCH_OUTPUT_EVE_SEAL_H
#define EDGEWATCH_OUTPUT_EVE_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output/seal_key.h"

#define EVE_SEAL_TAG_LEN 16	/* bytes of the chain in a line's tag */
/* ,"seq":N,"chain":"32 hex"} : what sealing adds to a line, at most */
#define EVE_SEAL_SUFFIX_MAX 80
/* a seal record's line, whole */
#define EVE_SEAL_LINE_MAX 1024

struct eve_seal;

/*
 * Seal with the key file at key_path (mode 0600; its state continues the chain of the
 * previous run), a seal every interval_s seconds with lines in it (0: only at rotation
 * and shutdown). 0 or -errno with why.
 */
int eve_seal_open(struct eve_seal **out, const char *key_path, uint32_t interval_s,
		  char why[SEAL_WHY_LEN]);
/* Erase the key from memory and free; NULL-safe. (The caller seals first.) */
void eve_seal_close(struct eve_seal *s);

/*
 * The line (a JSON object: it ends with '}') numbered and chained into out: its length,
 * or -EMSGSIZE when it does not fit cap (nothing chained), -EINVAL for a line that is
 * not an object. The caller writes every line this returned, in this order.
 */
ssize_t eve_seal_line(struct eve_seal *s, const char *line, size_t len, char *out, size_t cap);
/* Lines since the last seal. */
uint64_t eve_seal_pending(const struct eve_seal *s);
/* A seal is due at now_ns: the interval since the first unsealed line has passed. */
int eve_seal_due(struct eve_seal *s, uint64_t now_ns);
/*
 * The seal of the lines since the last one, as a whole sealed line into out (at least
 * EVE_SEAL_LINE_MAX): signs, evolves the key and rewrites the key file. Its length, 0 when
 * nothing is pending, or -errno (logged). A key file that cannot be rewritten is logged
 * and counted (the seal is still made: the chain must go on).
 */
ssize_t eve_seal_record(struct eve_seal *s, uint64_t now_ns, char *out, size_t cap);

struct eve_seal_counts {
	int sealing;
	uint64_t seals;			/* seal records made */
	uint64_t failed;		/* seals that could not be made (logged) */
	uint64_t key_store_failed;	/* key file rewrites that failed (logged) */
	uint32_t epoch;			/* the epoch the next seal signs */
};
void eve_seal_counts(const struct eve_seal *s, struct eve_seal_counts *out);

/* --- shared with the verifier (logcmd/log_verify.c) ------------------------------- */

/* What a seal signs. */
struct eve_seal_fields {
	uint32_t epoch;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t seq;			/* the seal line's own */
	uint64_t time_ns;
	uint8_t head[SEAL_KEY_LEN];	/* the chain after last_seq */
	uint8_t prev[SEAL_KEY_LEN];	/* the previous seal's hash (zeros: none) */
	uint8_t next_key[SEAL_KEY_LEN];	/* epoch + 1's public key */
};

/* The signed message (text) into out; its length. */
size_t eve_seal_message(const struct eve_seal_fields *f, char *out, size_t cap);
/* A seal's hash, what the next one names as prev: SHA-256(message || signature). */
int eve_seal_hash(const struct eve_seal_fields *f, const uint8_t sig[SEAL_SIG_LEN],
		  uint8_t out[SEAL_KEY_LEN]);
/*
 * Split a sealed line: its seq, the length of its body (what the chain covers) and its
 * tag. 0, or -EINVAL when the line does not end with ,"seq":N,"chain":"T"}.
 */
int eve_seal_split(const char *line, size_t len, uint64_t *seq, size_t *body_len,
		   uint8_t tag[EVE_SEAL_TAG_LEN]);

#endif /* EDGEWATCH_OUTPUT_EVE_SEAL_H */
