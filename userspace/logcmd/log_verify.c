// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The verifier of sealed EVE files: see log_verify.h, and output/eve_seal.h for what a
 * line and a seal are. The first anomaly of a segment names its line and why:
 *   inserted    a line without seq and chain tag (not written by the sealing writer)
 *   deleted     the seq jumps (a sequence gap inside a file)
 *   sequence gap  a file starts past where the previous one ended (a file is missing)
 *   reordered   a seq that was missing turns up later
 *   duplicate   a seq seen before
 *   modified    the line's bytes are not what was chained (its tag differs), or the
 *               seal's chain head differs (the tags were recomputed)
 *   bad signature / epoch out of order / key reused / bad seal: the seal line itself
 * After a seal that fails its signature or epoch the next epochs' keys are unknown: the
 * segments after it fail as unverifiable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "logcmd/log_verify.h"

void log_verify_init(struct log_verify *v, const uint8_t pub0[SEAL_KEY_LEN])
{
	memset(v, 0, sizeof(*v));
	memcpy(v->pub, pub0, SEAL_KEY_LEN);
	seal_chain_start(pub0, v->chain);
	memcpy(v->seal_chain, v->chain, SEAL_KEY_LEN);
	v->chain_ok = 1;
	v->expected_seq = 1;
	v->file_count = 0;
	/* epoch 0's key is a key seen: a seal naming it as a later one reuses it */
	v->keys = malloc(SEAL_KEY_LEN * 16);
	v->key_cap = v->keys ? 16 : 0;
	if (v->keys) {
		memcpy(v->keys, pub0, SEAL_KEY_LEN);
		v->key_count = 1;
	} else {
		v->oom = 1;
	}
}

void log_verify_free(struct log_verify *v)
{
	int i;

	for (i = 0; i < v->file_count; i++)
		free(v->files[i].name);
	free(v->files);
	free(v->segments);
	free(v->keys);
}

int log_verify_file_begin(struct log_verify *v, const char *name)
{
	struct log_verify_file *files = realloc(v->files, (v->file_count + 1) * sizeof(*files));

	if (!files)
		return v->oom = 1, -ENOMEM;
	v->files = files;
	memset(&files[v->file_count], 0, sizeof(*files));
	files[v->file_count].name = strdup(name);
	if (!files[v->file_count].name)
		return v->oom = 1, -ENOMEM;
	v->file_count++;
	v->seg.file = v->file_count - 1;
	v->seg.first_line = 1;
	return 0;
}

static struct log_verify_file *cur_file(struct log_verify *v)
{
	return &v->files[v->file_count - 1];
}

/* The segment's first failure (later ones of the same segment are not reported). */
static void seg_fail(struct log_verify *v, uint64_t line, const char *reason, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));
static void seg_fail(struct log_verify *v, uint64_t line, const char *reason, const char *fmt,
		     ...)
{
	va_list ap;

	v->chain_ok = 0;
	if (v->seg.result == LOG_VERIFY_FAIL)
		return;
	v->seg.result = LOG_VERIFY_FAIL;
	v->seg.bad_line = line;
	v->seg.reason = reason;
	va_start(ap, fmt);
	vsnprintf(v->seg.detail, sizeof(v->seg.detail), fmt, ap);
	va_end(ap);
}

/* Close the segment at the current file's line last (result as set, or sealed/unsealed). */
static void seg_close(struct log_verify *v, uint64_t last, int sealed)
{
	struct log_verify_segment *seg;

	if (v->seg.result != LOG_VERIFY_FAIL)
		v->seg.result = sealed ? LOG_VERIFY_PASS : LOG_VERIFY_UNSEALED;
	v->seg.last_line = last;
	if (v->segment_count == v->segment_cap) {
		size_t cap = v->segment_cap ? 2 * v->segment_cap : 16;

		seg = realloc(v->segments, cap * sizeof(*seg));
		if (!seg) {
			v->oom = 1;
			v->failed = 1;
			goto reset;
		}
		v->segments = seg;
		v->segment_cap = cap;
	}
	v->segments[v->segment_count++] = v->seg;
	if (v->seg.result == LOG_VERIFY_FAIL) {
		v->failed = 1;
		cur_file(v)->failed = 1;
	} else if (v->seg.result == LOG_VERIFY_PASS) {
		v->validated += last - v->seg.first_line + 1;
	} else {
		cur_file(v)->unsealed += v->seg_lines;
	}
reset:
	memset(&v->seg, 0, sizeof(v->seg));
	v->seg.file = v->file_count - 1;
	v->seg.first_line = last + 1;
	v->seg_lines = 0;
	v->gap_line = 0;
}

/* A member of the seal object: 64-bit unsigned, or hex of n bytes. */
static int seal_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_int))
		return -EINVAL;
	errno = 0;
	*out = json_object_get_uint64(m);
	return errno ? -EINVAL : 0;
}

static int seal_hexkey(struct json_object *o, const char *key, uint8_t *out, size_t n)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_string))
		return -EINVAL;
	return seal_unhex(json_object_get_string(m), json_object_get_string_len(m), out, n);
}

/* The seal in a seal line's body: 0, or -EINVAL with the member at fault in *what. */
static int parse_seal(const char *body, size_t body_len, uint64_t seq,
		      struct eve_seal_fields *f, uint8_t sig[SEAL_SIG_LEN], const char **what)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL, *seal;
	uint64_t epoch = 0;
	int err = -EINVAL;

	*what = "not a JSON object";
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, body, (int)body_len);
	/* the body lacks the closing brace the suffix carried */
	if (!root && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "}", 1);
	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	*what = "no seal object";
	if (!json_object_object_get_ex(root, "seal", &seal) ||
	    !json_object_is_type(seal, json_type_object))
		goto out;
	*what = "epoch";
	if (seal_u64(seal, "epoch", &epoch) || epoch > UINT32_MAX)
		goto out;
	f->epoch = (uint32_t)epoch;
	f->seq = seq;
	*what = "first_seq, last_seq or time_ns";
	if (seal_u64(seal, "first_seq", &f->first_seq) ||
	    seal_u64(seal, "last_seq", &f->last_seq) || seal_u64(seal, "time_ns", &f->time_ns))
		goto out;
	*what = "chain_head, prev_seal, next_key or signature (hex)";
	if (seal_hexkey(seal, "chain_head", f->head, SEAL_KEY_LEN) ||
	    seal_hexkey(seal, "prev_seal", f->prev, SEAL_KEY_LEN) ||
	    seal_hexkey(seal, "next_key", f->next_key, SEAL_KEY_LEN) ||
	    seal_hexkey(seal, "signature", sig, SEAL_SIG_LEN))
		goto out;
	err = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return err;
}

/* Is this line a seal? The event_type as the formatter writes it, near the start. */
static int is_seal_line(const char *body, size_t len)
{
	static const char mark[] = ",\"event_type\":\"seal\",";
	size_t scan = len < 96 ? len : 96;

	return memmem(body, scan, mark, sizeof(mark) - 1) != NULL;
}

static int key_seen(const struct log_verify *v, const uint8_t key[SEAL_KEY_LEN])
{
	size_t i;

	for (i = 0; i < v->key_count; i++)
		if (!memcmp(v->keys + i * SEAL_KEY_LEN, key, SEAL_KEY_LEN))
			return (int)i + 1;
	return 0;
}

static void key_add(struct log_verify *v, const uint8_t key[SEAL_KEY_LEN])
{
	if (v->key_count == v->key_cap) {
		uint8_t *keys = realloc(v->keys, 2 * v->key_cap * SEAL_KEY_LEN);

		if (!keys) {
			v->oom = 1;
			return;
		}
		v->keys = keys;
		v->key_cap *= 2;
	}
	memcpy(v->keys + v->key_count++ * SEAL_KEY_LEN, key, SEAL_KEY_LEN);
}

/* A seal line (already numbered and in order): check it, learn the next key, close. */
static void check_seal(struct log_verify *v, uint64_t ln, uint64_t seq, const char *body,
		       size_t body_len)
{
	struct eve_seal_fields f = {};
	uint8_t sig[SEAL_SIG_LEN], hash[SEAL_KEY_LEN];
	char msg[512];
	const char *what;
	int reused, good = 0;

	if (parse_seal(body, body_len, seq, &f, sig, &what)) {
		seg_fail(v, ln, "bad seal", "the seal line cannot be read: %s", what);
		goto mark_untrusted;
	}
	v->seg.epoch = f.epoch;
	if (v->expect_seal && seq == v->expect_seq)
		v->expect_found = memcmp(sig, v->expect_sig, SEAL_SIG_LEN) ? -1 : 1;
	if (v->untrusted) {
		seg_fail(v, ln, "unverifiable", "epoch %u's key is unknown: the seal at %s line "
			 "%llu failed", f.epoch, v->files[v->untrusted_file].name,
			 (unsigned long long)v->untrusted_line);
		return;
	}
	if (f.epoch != v->epoch) {
		seg_fail(v, ln, "epoch out of order", "a seal for epoch %u where epoch %u comes "
			 "next", f.epoch, v->epoch);
		goto mark_untrusted;
	}
	if (!seal_verify_sig(v->pub, msg, eve_seal_message(&f, msg, sizeof(msg)), sig)) {
		seg_fail(v, ln, "bad signature", "the seal is not signed by epoch %u's key",
			 f.epoch);
		goto mark_untrusted;
	}
	good = 1;
	eve_seal_hash(&f, sig, hash);
	if (memcmp(f.prev, v->seal_hash, SEAL_KEY_LEN))
		seg_fail(v, ln, "sequence gap", "the seal does not name the seal before it: a "
			 "seal, or a file, between them is missing");
	if (f.first_seq != (v->have_seal ? v->seal_seq + 1 : 1) || f.last_seq + 1 != seq)
		seg_fail(v, ln, "bad seal", "it seals seq %llu..%llu, the lines since the last "
			 "seal are %llu..%llu", (unsigned long long)f.first_seq,
			 (unsigned long long)f.last_seq,
			 (unsigned long long)(v->have_seal ? v->seal_seq + 1 : 1),
			 (unsigned long long)(seq - 1));
	if (v->chain_ok && memcmp(f.head, v->chain, SEAL_KEY_LEN))
		seg_fail(v, ln, "modified", "the chain of lines %llu..%llu differs from the one "
			 "the seal signed: a line was changed and the tags after it recomputed",
			 (unsigned long long)v->seg.first_line, (unsigned long long)(ln - 1));
	reused = key_seen(v, f.next_key);
	if (reused)
		seg_fail(v, ln, "key reused", "the key it names for epoch %u is epoch %d's",
			 f.epoch + 1, reused - 1);
	/* what the signer had: the chain goes on from the signed head, whatever came before */
	memcpy(v->chain, f.head, SEAL_KEY_LEN);
	memcpy(v->pub, f.next_key, SEAL_KEY_LEN);
	key_add(v, f.next_key);
	v->epoch = f.epoch + 1;
	memcpy(v->seal_hash, hash, SEAL_KEY_LEN);
	v->seal_seq = seq;
	v->have_seal = 1;
	return;
mark_untrusted:
	if (!good && !v->untrusted) {
		v->untrusted = 1;
		v->untrusted_line = ln;
		v->untrusted_file = v->file_count - 1;
	}
}

/* A line that is not the next in order: say which of the anomalies it is. */
static void out_of_order(struct log_verify *v, uint64_t ln, uint64_t seq)
{
	if (seq > v->expected_seq) {
		if (ln == 1 && v->file_count > 1)
			seg_fail(v, ln, "sequence gap", "the file starts at seq %llu, the one "
				 "before ended at %llu: a file between them is missing",
				 (unsigned long long)seq,
				 (unsigned long long)(v->expected_seq - 1));
		else
			seg_fail(v, ln, "deleted", "sequence gap: seq %llu follows %llu (%llu "
				 "lines missing)", (unsigned long long)seq,
				 (unsigned long long)(v->expected_seq - 1),
				 (unsigned long long)(seq - v->expected_seq));
		if (!v->gap_line) {
			v->gap_lo = v->expected_seq;
			v->gap_hi = seq - 1;
			v->gap_line = ln;
		}
		v->expected_seq = seq + 1;
		return;
	}
	if (v->gap_line && seq >= v->gap_lo && seq <= v->gap_hi &&
	    v->seg.bad_line == v->gap_line) {
		/* the "deleted" line turns up later: the lines were moved, not removed */
		v->seg.reason = "reordered";
		snprintf(v->seg.detail, sizeof(v->seg.detail), "seq %llu is at line %llu, after "
			 "higher ones from line %llu on", (unsigned long long)seq,
			 (unsigned long long)ln, (unsigned long long)v->gap_line);
		v->gap_line = 0;
		return;
	}
	seg_fail(v, ln, "duplicate", "seq %llu again (the lines so far reached %llu)",
		 (unsigned long long)seq, (unsigned long long)(v->expected_seq - 1));
}

void log_verify_line(struct log_verify *v, const char *line, size_t len)
{
	struct log_verify_file *file = cur_file(v);
	uint8_t tag[EVE_SEAL_TAG_LEN], next[SEAL_KEY_LEN];
	uint64_t ln = ++file->lines, seq;
	size_t body;
	int seal;

	if (eve_seal_split(line, len, &seq, &body, tag)) {
		v->seg_lines++;
		seg_fail(v, ln, "inserted", "no seq and chain tag at its end: not a line the "
			 "sealing writer wrote");
		return;
	}
	/*
	 * The run began again from the last seal (a crash left lines after it unsealed, the
	 * key file's state is the seal's): those lines are reported unsealed, the chain
	 * goes on from the seal.
	 */
	if (seq == v->seal_seq + 1 && seq < v->expected_seq && v->seg_lines &&
	    v->seg.result != LOG_VERIFY_FAIL) {
		snprintf(v->seg.detail, sizeof(v->seg.detail), "the run restarted from the seal "
			 "at seq %llu", (unsigned long long)v->seal_seq);
		seg_close(v, ln - 1, 0);
		memcpy(v->chain, v->seal_chain, SEAL_KEY_LEN);
		v->chain_ok = 1;
		v->expected_seq = seq;
	}
	v->seg_lines++;
	if (!v->seg.first_seq)
		v->seg.first_seq = seq;
	v->seg.last_seq = seq;
	if (seq > v->last_seq_seen)
		v->last_seq_seen = seq;
	if (seq != v->expected_seq)
		out_of_order(v, ln, seq);
	else
		v->expected_seq++;
	seal = is_seal_line(line, body);
	if (v->chain_ok) {
		seal_sha256(v->chain, SEAL_KEY_LEN, line, body, next);
		if (memcmp(next, tag, EVE_SEAL_TAG_LEN) && !seal)
			seg_fail(v, ln, "modified", "its bytes are not the ones chained (the chain "
				 "tag differs)");
		else if (!seal)
			memcpy(v->chain, next, SEAL_KEY_LEN);
	}
	if (!seal)
		return;
	check_seal(v, ln, seq, line, body);
	/* the seal line is chained like the others, from the head it signed */
	seal_sha256(v->chain, SEAL_KEY_LEN, line, body, next);
	memcpy(v->chain, next, SEAL_KEY_LEN);
	if (memcmp(next, tag, EVE_SEAL_TAG_LEN))
		seg_fail(v, ln, "modified", "the seal line's bytes are not the ones chained");
	memcpy(v->seal_chain, v->chain, SEAL_KEY_LEN);
	v->chain_ok = !v->untrusted;
	seg_close(v, ln, 1);
}

void log_verify_file_end(struct log_verify *v)
{
	struct log_verify_file *file = cur_file(v);

	if (v->seg_lines || v->seg.result == LOG_VERIFY_FAIL)
		seg_close(v, file->lines, 0);
}

int log_verify_expect_seal(struct log_verify *v, const char *line, size_t len,
			   char why[LOG_VERIFY_DETAIL_LEN])
{
	struct eve_seal_fields f = {};
	uint8_t tag[EVE_SEAL_TAG_LEN];
	const char *what;
	uint64_t seq;
	size_t body;

	if (eve_seal_split(line, len, &seq, &body, tag) || !is_seal_line(line, body)) {
		snprintf(why, LOG_VERIFY_DETAIL_LEN, "not a sealed EVE seal line (event_type "
			 "seal, ending with seq and chain)");
		return -EINVAL;
	}
	if (parse_seal(line, body, seq, &f, v->expect_sig, &what)) {
		snprintf(why, LOG_VERIFY_DETAIL_LEN, "the seal line cannot be read: %s", what);
		return -EINVAL;
	}
	v->expect_seal = 1;
	v->expect_seq = seq;
	return 0;
}

void log_verify_finish(struct log_verify *v)
{
	if (!v->expect_seal)
		return;
	if (v->expect_found == 1)
		return;
	v->failed = 1;
	if (v->expect_found == -1)
		snprintf(v->last_seal_detail, sizeof(v->last_seal_detail),
			 "re-sealed: the seal at seq %llu in the files is not the one received off "
			 "the box", (unsigned long long)v->expect_seq);
	else
		snprintf(v->last_seal_detail, sizeof(v->last_seal_detail),
			 "truncated: the seal at seq %llu received off the box is not in the files "
			 "(they end at seq %llu)", (unsigned long long)v->expect_seq,
			 (unsigned long long)v->last_seq_seen);
}
