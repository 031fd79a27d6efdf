// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The sealing key's primitives and files: see seal_key.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "output/seal_key.h"

#define KEY_HEADER "edgewatch-seal-key 1"
#define PUB_HEADER "edgewatch-seal-pub 1"
/* a key file is six short lines: anything much larger is not one */
#define KEY_FILE_MAX 1024

int seal_sha256(const void *a, size_t alen, const void *b, size_t blen,
		uint8_t out[SEAL_KEY_LEN])
{
	/*
	 * One context per thread, reused, and SHA-256 fetched once: OpenSSL 3 looks the
	 * algorithm up again at every init given EVP_sha256(), which cost more than hashing
	 * a whole EVE line (BENCHMARKS.md, sealed EVE).
	 */
	static __thread EVP_MD_CTX *ctx;
	static __thread EVP_MD *sha256;
	unsigned int n = 0;

	if (!sha256 && !(sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -EIO;
	if (!ctx && !(ctx = EVP_MD_CTX_new()))
		return -ENOMEM;
	if (!EVP_DigestInit_ex2(ctx, sha256, NULL) || !EVP_DigestUpdate(ctx, a, alen) ||
	    (b && !EVP_DigestUpdate(ctx, b, blen)) || !EVP_DigestFinal_ex(ctx, out, &n))
		return -EIO;
	return n == SEAL_KEY_LEN ? 0 : -EIO;
}

static EVP_PKEY *seal_pkey(const uint8_t seed[SEAL_KEY_LEN])
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SEAL_KEY_LEN);
}

int seal_public_key(const uint8_t seed[SEAL_KEY_LEN], uint8_t pub[SEAL_KEY_LEN])
{
	EVP_PKEY *pk = seal_pkey(seed);
	size_t n = SEAL_KEY_LEN;
	int ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &n) && n == SEAL_KEY_LEN;

	EVP_PKEY_free(pk);
	return ok ? 0 : -EIO;
}

int seal_next_seed(const uint8_t seed[SEAL_KEY_LEN], uint8_t next[SEAL_KEY_LEN])
{
	static const char tag[] = "edgewatch-seal-evolve-v1";

	return seal_sha256(tag, sizeof(tag) - 1, seed, SEAL_KEY_LEN, next);
}

int seal_chain_start(const uint8_t pub0[SEAL_KEY_LEN], uint8_t chain[SEAL_KEY_LEN])
{
	static const char tag[] = "edgewatch-eve-chain-v1";

	return seal_sha256(tag, sizeof(tag) - 1, pub0, SEAL_KEY_LEN, chain);
}

int seal_sign(const uint8_t seed[SEAL_KEY_LEN], const void *msg, size_t len,
	      uint8_t sig[SEAL_SIG_LEN])
{
	EVP_PKEY *pk = seal_pkey(seed);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = SEAL_SIG_LEN;
	int ok = pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) &&
		 EVP_DigestSign(ctx, sig, &n, msg, len) && n == SEAL_SIG_LEN;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);	/* frees (cleanses) its copy of the seed */
	return ok ? 0 : -EIO;
}

int seal_verify_sig(const uint8_t pub[SEAL_KEY_LEN], const void *msg, size_t len,
		    const uint8_t sig[SEAL_SIG_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SEAL_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) &&
		 EVP_DigestVerify(ctx, sig, SEAL_SIG_LEN, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

void seal_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* upper case is not what we write: a changed byte */
}

int seal_unhex(const char *hex, size_t hexlen, uint8_t *bytes, size_t n)
{
	size_t i;

	if (hexlen != 2 * n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Write text to path atomically: path.tmp (mode), fsync, rename, fsync the directory. */
static int write_atomic(const char *path, const char *text, mode_t mode, char why[SEAL_WHY_LEN])
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t len = strlen(text), done = 0;
	int fd, dfd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return snprintf(why, SEAL_WHY_LEN, "path too long"), -ENAMETOOLONG;
	unlink(tmp);	/* a leftover of a crash: never write through what is there */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		err = -errno;
		snprintf(why, SEAL_WHY_LEN, "cannot create %s: %s", tmp, strerror(errno));
		return err;
	}
	while (!err && done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? -errno : -EIO;
		else
			done += n;
	}
	if (!err && fchmod(fd, mode))	/* whatever the umask made of it */
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		snprintf(why, SEAL_WHY_LEN, "cannot write %s: %s", path, strerror(-err));
		unlink(tmp);
		return err;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* the rename itself is durable: the old seed's name is gone */
		close(dfd);
	}
	return 0;
}

int seal_key_store(const char *path, const struct seal_key_state *st, char why[SEAL_WHY_LEN])
{
	char text[KEY_FILE_MAX], seed[2 * SEAL_KEY_LEN + 1], chain[2 * SEAL_KEY_LEN + 1],
		seal[2 * SEAL_KEY_LEN + 1];
	int err;

	seal_hex(st->seed, SEAL_KEY_LEN, seed);
	seal_hex(st->chain, SEAL_KEY_LEN, chain);
	seal_hex(st->seal, SEAL_KEY_LEN, seal);
	snprintf(text, sizeof(text), KEY_HEADER "\nepoch %u\nseed %s\nseq %llu\nchain %s\nseal %s\n",
		 st->epoch, seed, (unsigned long long)st->seq, chain, seal);
	err = write_atomic(path, text, 0600, why);
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(seed, sizeof(seed));
	return err;
}

/* Read a small file (a key file) whole, NUL-terminated. */
static int read_small(const char *path, char *buf, size_t cap, struct stat *st,
		      char why[SEAL_WHY_LEN])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;

	if (fd < 0) {
		int err = -errno;

		snprintf(why, SEAL_WHY_LEN, "cannot open: %s", strerror(errno));
		return err;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(why, SEAL_WHY_LEN, "not a regular file");
		return -EINVAL;
	}
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, SEAL_WHY_LEN, "cannot read: %s", strerror(errno));
		return -EIO;
	}
	if ((size_t)n == cap - 1) {
		snprintf(why, SEAL_WHY_LEN, "larger than %zu bytes: not a key file", cap - 2);
		return -EINVAL;
	}
	buf[n] = '\0';
	return 0;
}

/* "NAME HEX\n" at *p: n bytes into out; advances *p. */
static int read_hex_line(const char **p, const char *name, uint8_t *out, size_t n)
{
	size_t nl = strlen(name);
	const char *end;

	if (strncmp(*p, name, nl) || (*p)[nl] != ' ')
		return -EINVAL;
	end = strchr(*p + nl + 1, '\n');
	if (!end || seal_unhex(*p + nl + 1, end - (*p + nl + 1), out, n))
		return -EINVAL;
	*p = end + 1;
	return 0;
}

static int read_u64_line(const char **p, const char *name, uint64_t max, uint64_t *out)
{
	size_t nl = strlen(name);
	char *end;

	if (strncmp(*p, name, nl) || (*p)[nl] != ' ' || (*p)[nl + 1] < '0' || (*p)[nl + 1] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(*p + nl + 1, &end, 10);
	if (errno || *end != '\n' || *out > max)
		return -EINVAL;
	*p = end + 1;
	return 0;
}

int seal_key_load(const char *path, struct seal_key_state *ks, char why[SEAL_WHY_LEN])
{
	char text[KEY_FILE_MAX];
	const char *p = text;
	uint64_t epoch = 0;
	struct stat st;
	int err = read_small(path, text, sizeof(text), &st, why);

	if (err)
		return err;
	if (st.st_mode & 077) {
		snprintf(why, SEAL_WHY_LEN, "mode %04o: a signing key must be readable by its "
			 "owner only (chmod 600 %s)", (unsigned int)(st.st_mode & 07777), path);
		err = -EPERM;
		goto out;
	}
	if (strncmp(p, KEY_HEADER "\n", sizeof(KEY_HEADER)) ||
	    (p += sizeof(KEY_HEADER), read_u64_line(&p, "epoch", UINT32_MAX - 1, &epoch)) ||
	    read_hex_line(&p, "seed", ks->seed, SEAL_KEY_LEN) ||
	    read_u64_line(&p, "seq", UINT64_MAX / 2, &ks->seq) ||
	    read_hex_line(&p, "chain", ks->chain, SEAL_KEY_LEN) ||
	    read_hex_line(&p, "seal", ks->seal, SEAL_KEY_LEN) || *p) {
		/* the line number: the newlines before where reading stopped */
		int line = 1;
		const char *q;

		for (q = text; q < p; q++)
			line += *q == '\n';
		snprintf(why, SEAL_WHY_LEN, "line %d: not what `edgewatch log keygen` writes",
			 line);
		err = -EINVAL;
		goto out;
	}
	ks->epoch = (uint32_t)epoch;
out:
	OPENSSL_cleanse(text, sizeof(text));
	return err;
}

int seal_pub_load(const char *path, uint8_t pub[SEAL_KEY_LEN], char why[SEAL_WHY_LEN])
{
	char text[KEY_FILE_MAX];
	const char *p = text;
	struct stat st;
	int err = read_small(path, text, sizeof(text), &st, why);

	if (err)
		return err;
	if (strncmp(p, PUB_HEADER "\n", sizeof(PUB_HEADER)) ||
	    (p += sizeof(PUB_HEADER), read_hex_line(&p, "key", pub, SEAL_KEY_LEN)) || *p) {
		snprintf(why, SEAL_WHY_LEN, "not a public key written by `edgewatch log keygen` "
			 "(KEYFILE.pub: \"" PUB_HEADER "\" then \"key\" and 64 hex digits)");
		return -EINVAL;
	}
	return 0;
}

int seal_keygen(const char *path, char why[SEAL_WHY_LEN])
{
	struct seal_key_state ks = {};
	char pubpath[PATH_MAX], text[256], hex[2 * SEAL_KEY_LEN + 1];
	uint8_t pub[SEAL_KEY_LEN];
	struct stat st;
	int err;

	if (lstat(path, &st) == 0) {
		snprintf(why, SEAL_WHY_LEN, "exists: a new key would orphan the seals made with "
			 "it (remove it first if that is meant)");
		return -EEXIST;
	}
	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >= sizeof(pubpath)) {
		snprintf(why, SEAL_WHY_LEN, "path too long");
		return -ENAMETOOLONG;
	}
	if (RAND_priv_bytes(ks.seed, SEAL_KEY_LEN) != 1) {
		snprintf(why, SEAL_WHY_LEN, "no random bytes from OpenSSL");
		return -EIO;
	}
	err = seal_public_key(ks.seed, pub);
	if (!err)
		err = seal_chain_start(pub, ks.chain);
	if (err) {
		snprintf(why, SEAL_WHY_LEN, "OpenSSL could not make an Ed25519 key");
		goto out;
	}
	seal_hex(pub, SEAL_KEY_LEN, hex);
	snprintf(text, sizeof(text), PUB_HEADER "\nkey %s\n", hex);
	err = write_atomic(pubpath, text, 0644, why);
	if (!err)
		err = seal_key_store(path, &ks, why);
out:
	OPENSSL_cleanse(&ks, sizeof(ks));
	return err;
}
