// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sealing of the EVE file: the scheme, its reasons and its limits are in eve_seal.h
 * (and README.md, "Sealed EVE"). Called by the EVE writer under its lock, so the lines
 * are numbered and chained in the order they go into the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "output/eve_format.h"
#include "output/eve_seal.h"
#include "output/json_line.h"

#define NS_PER_SEC 1000000000ULL
#define HEX32 (2 * SEAL_KEY_LEN + 1)

struct eve_seal {
	char *key_path;
	struct seal_key_state key;	/* epoch, seed, and the chain as of the last line */
	uint64_t sealed_seq;		/* the last seal's seq (its range ends before it) */
	uint64_t interval_ns;
	uint64_t due_ns;		/* 0: no unsealed line seen by eve_seal_due() yet */
	uint64_t seals;
	uint64_t failed;
	uint64_t key_store_failed;
};

int eve_seal_open(struct eve_seal **out, const char *key_path, uint32_t interval_s,
		  char why[SEAL_WHY_LEN])
{
	struct eve_seal *s = calloc(1, sizeof(*s));
	int err;

	if (!s || !(s->key_path = strdup(key_path))) {
		free(s);
		snprintf(why, SEAL_WHY_LEN, "out of memory");
		return -ENOMEM;
	}
	err = seal_key_load(key_path, &s->key, why);
	if (err) {
		eve_seal_close(s);
		return err;
	}
	/* the key file holds the state at the last seal: the chain goes on from there */
	s->sealed_seq = s->key.seq;
	s->interval_ns = (uint64_t)interval_s * NS_PER_SEC;
	*out = s;
	return 0;
}

void eve_seal_close(struct eve_seal *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(&s->key, sizeof(s->key));
	free(s->key_path);
	free(s);
}

/* chain = SHA-256(chain || body); the line's suffix into out. */
static ssize_t chain_and_tag(struct eve_seal *s, const char *body, size_t body_len, char *out,
			     size_t cap)
{
	char tag[2 * EVE_SEAL_TAG_LEN + 1];
	int n;

	if (seal_sha256(s->key.chain, SEAL_KEY_LEN, body, body_len, s->key.chain))
		return -EIO;
	seal_hex(s->key.chain, EVE_SEAL_TAG_LEN, tag);
	n = snprintf(out, cap, ",\"chain\":\"%s\"}", tag);
	return n < 0 || (size_t)n >= cap ? -EMSGSIZE : n;
}

ssize_t eve_seal_line(struct eve_seal *s, const char *line, size_t len, char *out, size_t cap)
{
	char seq[32];
	size_t body;
	ssize_t n;
	int sl;

	if (len < 2 || line[0] != '{' || line[len - 1] != '}')
		return -EINVAL;
	/* a line of no member: {"seq":N...} would need no comma before it */
	sl = snprintf(seq, sizeof(seq), "%s\"seq\":%llu", len == 2 ? "" : ",",
		      (unsigned long long)(s->key.seq + 1));
	body = len - 1 + (size_t)sl;
	if (body + EVE_SEAL_SUFFIX_MAX > cap)
		return -EMSGSIZE;
	memcpy(out, line, len - 1);
	memcpy(out + len - 1, seq, sl);
	n = chain_and_tag(s, out, body, out + body, cap - body);
	if (n < 0)
		return n;
	s->key.seq++;
	return (ssize_t)body + n;
}

uint64_t eve_seal_pending(const struct eve_seal *s)
{
	return s->key.seq - s->sealed_seq;
}

int eve_seal_due(struct eve_seal *s, uint64_t now_ns)
{
	if (!s->interval_ns || !eve_seal_pending(s))
		return 0;
	if (!s->due_ns) {
		s->due_ns = now_ns + s->interval_ns;
		return 0;
	}
	return now_ns >= s->due_ns;
}

size_t eve_seal_message(const struct eve_seal_fields *f, char *out, size_t cap)
{
	char head[HEX32], prev[HEX32], next[HEX32];
	int n;

	seal_hex(f->head, SEAL_KEY_LEN, head);
	seal_hex(f->prev, SEAL_KEY_LEN, prev);
	seal_hex(f->next_key, SEAL_KEY_LEN, next);
	n = snprintf(out, cap,
		     "edgewatch-seal-v1 epoch=%u first=%llu last=%llu seq=%llu time=%llu "
		     "head=%s prev=%s next=%s", f->epoch, (unsigned long long)f->first_seq,
		     (unsigned long long)f->last_seq, (unsigned long long)f->seq,
		     (unsigned long long)f->time_ns, head, prev, next);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int eve_seal_hash(const struct eve_seal_fields *f, const uint8_t sig[SEAL_SIG_LEN],
		  uint8_t out[SEAL_KEY_LEN])
{
	char msg[512];
	size_t len = eve_seal_message(f, msg, sizeof(msg));

	return seal_sha256(msg, len, sig, SEAL_SIG_LEN, out);
}

/* The seal's JSON object (no suffix yet) into jl. */
static void format_seal(struct json_line *jl, const struct eve_seal_fields *f,
			const uint8_t sig[SEAL_SIG_LEN])
{
	char ts[EVE_TIMESTAMP_LEN], hex[2 * SEAL_SIG_LEN + 1];

	eve_format_timestamp(f->time_ns, ts);
	json_line_str(jl, "timestamp", ts);
	json_line_str(jl, "event_type", "seal");
	json_line_object(jl, "seal");
	json_line_u64(jl, "epoch", f->epoch);
	json_line_u64(jl, "first_seq", f->first_seq);
	json_line_u64(jl, "last_seq", f->last_seq);
	json_line_u64(jl, "time_ns", f->time_ns);
	seal_hex(f->head, SEAL_KEY_LEN, hex);
	json_line_str(jl, "chain_head", hex);
	seal_hex(f->prev, SEAL_KEY_LEN, hex);
	json_line_str(jl, "prev_seal", hex);
	seal_hex(f->next_key, SEAL_KEY_LEN, hex);
	json_line_str(jl, "next_key", hex);
	seal_hex(sig, SEAL_SIG_LEN, hex);
	json_line_str(jl, "signature", hex);
	json_line_end(jl);
}

ssize_t eve_seal_record(struct eve_seal *s, uint64_t now_ns, char *out, size_t cap)
{
	struct eve_seal_fields f = {
		.epoch = s->key.epoch,
		.first_seq = s->sealed_seq + 1,
		.last_seq = s->key.seq,
		.seq = s->key.seq + 1,
		.time_ns = now_ns,
	};
	uint8_t next_seed[SEAL_KEY_LEN], sig[SEAL_SIG_LEN];
	char msg[512], why[SEAL_WHY_LEN], line[EVE_SEAL_LINE_MAX];
	struct json_line jl;
	ssize_t n;
	int err;

	if (!eve_seal_pending(s))
		return 0;
	memcpy(f.head, s->key.chain, SEAL_KEY_LEN);
	memcpy(f.prev, s->key.seal, SEAL_KEY_LEN);
	err = seal_next_seed(s->key.seed, next_seed);
	if (!err)
		err = seal_public_key(next_seed, f.next_key);
	if (!err)
		err = seal_sign(s->key.seed, msg, eve_seal_message(&f, msg, sizeof(msg)), sig);
	if (!err)
		err = eve_seal_hash(&f, sig, s->key.seal);
	if (err) {
		OPENSSL_cleanse(next_seed, sizeof(next_seed));
		s->failed++;
		log_error("EVE seal: OpenSSL could not sign (epoch %u); lines %llu..%llu stay "
			  "unsealed until the next seal", f.epoch,
			  (unsigned long long)f.first_seq, (unsigned long long)f.last_seq);
		return -EIO;
	}
	json_line_init(&jl, line, sizeof(line));
	format_seal(&jl, &f, sig);
	json_line_finish(&jl);
	n = eve_seal_line(s, jl.buf, jl.len, out, cap);
	if (n < 0) {
		s->failed++;	/* a caller's buffer below EVE_SEAL_LINE_MAX: not chained */
		return n;
	}
	/* the next epoch: the old seed is gone from memory, then from the disk */
	memcpy(s->key.seed, next_seed, SEAL_KEY_LEN);
	OPENSSL_cleanse(next_seed, sizeof(next_seed));
	s->key.epoch++;
	s->sealed_seq = s->key.seq;
	s->due_ns = 0;
	s->seals++;
	err = seal_key_store(s->key_path, &s->key, why);
	if (err) {
		s->key_store_failed++;
		log_error("EVE seal: key file %s not rewritten: %s; epoch %u's key may still be "
			  "on disk, and a restart would reuse it (verify reports that)",
			  s->key_path, why, f.epoch);
	}
	return n;
}

void eve_seal_counts(const struct eve_seal *s, struct eve_seal_counts *out)
{
	out->sealing = 1;
	out->seals = s->seals;
	out->failed = s->failed;
	out->key_store_failed = s->key_store_failed;
	out->epoch = s->key.epoch;
}

int eve_seal_split(const char *line, size_t len, uint64_t *seq, size_t *body_len,
		   uint8_t tag[EVE_SEAL_TAG_LEN])
{
	static const char chain_key[] = ",\"chain\":\"";
	static const char seq_key[] = "\"seq\":";
	const size_t tail = sizeof(chain_key) - 1 + 2 * EVE_SEAL_TAG_LEN + 2;	/* "} */
	size_t body, digits = 0, at;
	uint64_t v = 0;

	if (len < tail + sizeof(seq_key) || line[len - 1] != '}' || line[len - 2] != '"')
		return -EINVAL;
	body = len - tail;
	if (memcmp(line + body, chain_key, sizeof(chain_key) - 1) ||
	    seal_unhex(line + body + sizeof(chain_key) - 1, 2 * EVE_SEAL_TAG_LEN, tag,
		       EVE_SEAL_TAG_LEN))
		return -EINVAL;
	/* the digits of seq, just before the tag */
	at = body;
	while (at > 0 && line[at - 1] >= '0' && line[at - 1] <= '9' && digits < 20) {
		at--;
		digits++;
	}
	if (!digits || (digits > 1 && line[at] == '0') || at < sizeof(seq_key) - 1 ||
	    memcmp(line + at - (sizeof(seq_key) - 1), seq_key, sizeof(seq_key) - 1))
		return -EINVAL;
	for (size_t i = at; i < body; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	*seq = v;
	*body_len = body;
	return 0;
}
