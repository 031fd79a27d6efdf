/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sealing key of the EVE file (eve_seal.h says the scheme): Ed25519 seeds that evolve
 * one way, SHA-256, hex, and the key files.
 *
 * KEYFILE (secret, mode 0600, rewritten at every seal: write KEYFILE.tmp, fsync, rename,
 * fsync the directory):
 *   edgewatch-seal-key 1
 *   epoch N          the epoch the seed below signs
 *   seed HEX         the epoch's Ed25519 seed (32 bytes)
 *   seq S            the sequence number of the last line sealed (0: none yet)
 *   chain HEX        the chain after that line (the chain's start when none)
 *   seal HEX         the hash of the last seal (zeros when none)
 * KEYFILE.pub (what the operator keeps off the box):
 *   edgewatch-seal-pub 1
 *   key HEX          epoch 0's Ed25519 public key
 */
#ifndef EDGEWATCH_OUTPUT_SEAL_KEY_H
#define EDGEWATCH_OUTPUT_SEAL_KEY_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32		/* an Ed25519 seed, a public key, a SHA-256 digest */
#define SEAL_SIG_LEN 64
#define SEAL_WHY_LEN (4096 + 256)	/* a path and why */

struct seal_key_state {
	uint32_t epoch;
	uint8_t seed[SEAL_KEY_LEN];
	uint64_t seq;
	uint8_t chain[SEAL_KEY_LEN];
	uint8_t seal[SEAL_KEY_LEN];
};

/* SHA-256 of a then b (b may be NULL). 0 or -EIO. */
int seal_sha256(const void *a, size_t alen, const void *b, size_t blen,
		uint8_t out[SEAL_KEY_LEN]);
/* The public key of an Ed25519 seed. 0 or -EIO. */
int seal_public_key(const uint8_t seed[SEAL_KEY_LEN], uint8_t pub[SEAL_KEY_LEN]);
/* The next epoch's seed: SHA-256("edgewatch-seal-evolve-v1" || seed); one way. */
int seal_next_seed(const uint8_t seed[SEAL_KEY_LEN], uint8_t next[SEAL_KEY_LEN]);
int seal_sign(const uint8_t seed[SEAL_KEY_LEN], const void *msg, size_t len,
	      uint8_t sig[SEAL_SIG_LEN]);
/* 1: the signature is pub's over msg; 0: it is not. */
int seal_verify_sig(const uint8_t pub[SEAL_KEY_LEN], const void *msg, size_t len,
		    const uint8_t sig[SEAL_SIG_LEN]);
/* The chain's start: SHA-256("edgewatch-eve-chain-v1" || epoch 0's public key). */
int seal_chain_start(const uint8_t pub0[SEAL_KEY_LEN], uint8_t chain[SEAL_KEY_LEN]);

/* Lower-case hex of n bytes into out (2n + 1). */
void seal_hex(const uint8_t *bytes, size_t n, char *out);
/* Exactly 2n hex digits into bytes. 0 or -EINVAL. */
int seal_unhex(const char *hex, size_t hexlen, uint8_t *bytes, size_t n);

/*
 * `edgewatch log keygen`: a fresh seed, KEYFILE (0600, refused if it exists) and
 * KEYFILE.pub. 0 or -errno with why.
 */
int seal_keygen(const char *path, char why[SEAL_WHY_LEN]);
/*
 * Read KEYFILE: a regular file, mode 0600 or stricter (group or others may not read a
 * key that signs), well formed. 0 or -errno with why ("mode 0644: ...").
 */
int seal_key_load(const char *path, struct seal_key_state *st, char why[SEAL_WHY_LEN]);
/* Rewrite KEYFILE atomically with st (the old seed is gone from the disk). 0 or -errno. */
int seal_key_store(const char *path, const struct seal_key_state *st, char why[SEAL_WHY_LEN]);
/* Read KEYFILE.pub. 0 or -errno with why. */
int seal_pub_load(const char *path, uint8_t pub[SEAL_KEY_LEN], char why[SEAL_WHY_LEN]);

#endif /* EDGEWATCH_OUTPUT_SEAL_KEY_H */
