// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On-disk cache of the compiled Hyperscan databases (one per buffer), so a restart does
 * not recompile.
 *
 * The key is a SHA-256 of exactly what the database is a function of: every expression
 * (pattern, flags, id, offset bounds, buffer), the Hyperscan version, the platform it was compiled
 * for, and this file's format version. Rule text, variables and classification are
 * parsed on every load (cheap) and do not enter the database, so changing a msg or
 * $HOME_NET keeps the cache valid while changing a content or a pcre misses it.
 *
 * File: CACHE_DIR/rules-<hex key>.hsdb, written to a temporary name and renamed, so a
 * reader never sees half a file:
 *   "EWRULDB2" | key[32] | u32 id count | u32 ids[] (what compiled) |
 *   per buffer (RULE_BUF_COUNT, in enum order): u64 size | database (size 0: none)
 * A file that does not check out is a miss (and is overwritten by the recompile).
 *
 * The daemon is root and the directory may be shared: the directory and each file must be
 * owned by this process's user and writable by it alone (else the cache is not used, with a
 * warning naming the path and why); files are opened relative to the checked directory,
 * never through a symlink; the temporary file is created O_EXCL | O_NOFOLLOW; and the
 * database is checked against the expressions after it is deserialised
 * (database_matches_exprs), since the key in the header is only a claim.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rules/rules_internal.h"

#define CACHE_MAGIC "EWRULDB2"
#define CACHE_FORMAT "edgewatch-rules-cache-v2"
#define CACHE_MAX_SIZE (1ULL << 31)

static int digest_update(EVP_MD_CTX *md, const void *bytes, size_t len)
{
	return EVP_DigestUpdate(md, bytes, len) == 1 ? 0 : -EIO;
}

int rules_cache_key(const struct hs_expressions *exprs, uint8_t key[RULES_CACHE_KEY_SIZE])
{
	hs_platform_info_t platform;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int key_len = 0;
	uint64_t count = exprs->count;
	const char *version = hs_version();
	int err = -EIO;
	size_t i;

	memset(&platform, 0, sizeof(platform));
	if (!md)
		return -ENOMEM;
	if (hs_populate_platform(&platform) != HS_SUCCESS)
		goto cleanup;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    digest_update(md, CACHE_FORMAT, sizeof(CACHE_FORMAT)) ||
	    digest_update(md, version, strlen(version) + 1) ||
	    digest_update(md, &platform, sizeof(platform)) || digest_update(md, &count, sizeof(count)))
		goto cleanup;
	for (i = 0; i < exprs->count; i++) {
		const hs_expr_ext_t *ext = &exprs->exts[i];
		uint64_t fields[7] = { exprs->ids[i], exprs->flags[i], ext->flags, ext->min_offset,
				       ext->max_offset, strlen(exprs->patterns[i]),
				       exprs->buffers[i] };

		if (digest_update(md, fields, sizeof(fields)) ||
		    digest_update(md, exprs->patterns[i], strlen(exprs->patterns[i])))
			goto cleanup;
	}
	if (EVP_DigestFinal_ex(md, key, &key_len) != 1 || key_len != RULES_CACHE_KEY_SIZE)
		goto cleanup;
	err = 0;
cleanup:
	EVP_MD_CTX_free(md);
	return err;
}

static void cache_path(char *path, size_t size, const char *dir,
		       const uint8_t key[RULES_CACHE_KEY_SIZE])
{
	char hex[2 * RULES_CACHE_KEY_SIZE + 1];
	size_t i;

	for (i = 0; i < RULES_CACHE_KEY_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(path, size, "%s/rules-%s.hsdb", dir, hex);
}

/*
 * The cache directory, opened; NULL-safe refusal: a directory another user owns, or one
 * that is group- or world-writable, could hold a database (or a symlink at our temporary
 * name) planted by someone else, and root would load (or write through) it. Every file is
 * then opened relative to this descriptor, so the directory checked is the one used.
 * -EPERM with the reason logged, or -errno.
 */
static int open_cache_dir(const char *cache_dir, int create)
{
	struct stat st;
	int fd, err;

	if (create && mkdir(cache_dir, 0755) && errno != EEXIST)
		return -errno;
	fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_uid != geteuid()) {
		log_warn("rules cache %s: not used: the directory is owned by uid %u, not by this "
			 "process's user (uid %u); compiling without the cache",
			 cache_dir, (unsigned int)st.st_uid, (unsigned int)geteuid());
		close(fd);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_warn("rules cache %s: not used: the directory is group- or world-writable "
			 "(mode %04o); compiling without the cache",
			 cache_dir, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* The same ownership rule for a cache file, opened without following a symlink. */
static int read_cache_file(int dir_fd, const char *name, const char *path, uint8_t **out,
			   size_t *out_len)
{
	struct stat st;
	uint8_t *bytes = NULL;
	size_t done = 0;
	int fd, err = 0;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			log_warn("rules cache %s: not used: a symlink; recompiling", path);
		return err == -ELOOP ? -EPERM : err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warn("rules cache %s: not used: %s (owner uid %u, mode %04o; expected a regular "
			 "file of uid %u writable by it alone); recompiling", path,
			 !S_ISREG(st.st_mode) ? "not a regular file" :
			 st.st_uid != geteuid() ? "owned by another user" :
						   "group- or world-writable",
			 (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)geteuid());
		err = -EPERM;
		goto cleanup;
	}
	if (st.st_size <= 0 || (unsigned long long)st.st_size > CACHE_MAX_SIZE) {
		err = -EINVAL;
		goto cleanup;
	}
	bytes = malloc((size_t)st.st_size);
	if (!bytes) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, bytes + done, (size_t)st.st_size - done);

		if (n <= 0) {
			err = n < 0 ? -errno : -EINVAL;
			goto cleanup;
		}
		done += (size_t)n;
	}
	*out = bytes;
	*out_len = done;
	bytes = NULL;
cleanup:
	free(bytes);
	close(fd);
	return err;
}

static uint32_t id_at(const uint8_t *ids, size_t index)
{
	uint32_t id;

	memcpy(&id, ids + 4 * index, 4);
	return id;
}

/*
 * Whether the file's ids fit our expressions: the same ids in the same (ascending) order,
 * where only a pcre prefilter may be missing (the one thing a compile drops). Checked
 * before anything is changed, so a refused file leaves exprs whole for the recompile.
 */
static int compiled_ids_fit(const struct hs_expressions *exprs, const uint8_t *ids,
			    uint32_t id_count)
{
	size_t i, j = 0;

	for (i = 0; i < exprs->count; i++) {
		if (j < id_count && exprs->ids[i] == id_at(ids, j))
			j++;
		else if (!(exprs->flags[i] & HS_FLAG_PREFILTER))
			return 0;
	}
	return j == id_count;
}

/* Keep only the expressions whose ids the cached database was compiled with. */
static void keep_compiled_ids(struct hs_expressions *exprs, const uint8_t *ids, uint32_t id_count)
{
	size_t i = 0, j = 0;

	while (i < exprs->count) {
		if (j < id_count && exprs->ids[i] == id_at(ids, j)) {
			i++;
			j++;
		} else {
			hs_expressions_remove(exprs, i);
		}
	}
}

struct verify_scan {
	const struct hs_expressions *exprs;
	unsigned int want;	/* the id this scan must report */
	int seen;
	int foreign;		/* an id that is none of our expressions' */
};

static int compare_ids(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static int on_verify_match(unsigned int id, unsigned long long from, unsigned long long to,
			   unsigned int flags, void *user)
{
	struct verify_scan *scan = user;

	scan->seen |= id == scan->want;
	if (!bsearch(&id, scan->exprs->ids, scan->exprs->count, sizeof(id), compare_ids))
		scan->foreign = 1;
	return 0;
}

/* The bytes a content expression ("\xHH" per byte, rule_db.c) stands for. */
static size_t literal_bytes(const char *pattern, uint8_t *out, size_t size)
{
	size_t n = 0;

	while (pattern[0] == '\\' && pattern[1] == 'x' && pattern[2] && pattern[3] && n < size) {
		char hex[3] = { pattern[2], pattern[3], 0 };

		out[n++] = (uint8_t)strtoul(hex, NULL, 16);
		pattern += 4;
	}
	return pattern[0] ? 0 : n;	/* 0: not a literal we can rebuild */
}

/* A content longer than this or placed further in is not sampled (a few, if any). */
#define VERIFY_MAX_BUFFER 65536

/*
 * The key names what the database should be compiled from, but the file could hold any
 * database under any key (copied from other rules, its header rewritten). Bind it to its
 * content: every content prefilter, placed where its offset bounds allow, must be
 * reported at its own id, and no scan may report an id that is not ours. A database
 * compiled from other rules fails this; only pcre prefilters are not re-derived (a
 * string matching a regex is not generally constructible), so a ruleset whose prefilters
 * are all pcre rests on the ownership checks alone.
 */
static int database_matches_exprs(const hs_database_t *db, const struct hs_expressions *exprs,
				  const uint8_t *ids, uint32_t id_count)
{
	struct verify_scan scan = { .exprs = exprs };
	hs_scratch_t *scratch = NULL;
	uint8_t *buffer = NULL;
	size_t i, j = 0;
	int ok = 0;

	buffer = malloc(VERIFY_MAX_BUFFER);
	if (!buffer || hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		goto cleanup;
	for (i = 0; i < exprs->count; i++) {
		const hs_expr_ext_t *ext = &exprs->exts[i];
		size_t len, pad = 0;

		if (j >= id_count || exprs->ids[i] != id_at(ids, j))
			continue;	/* a pcre the cached compile dropped */
		j++;
		if (exprs->flags[i] & HS_FLAG_PREFILTER)
			continue;
		len = literal_bytes(exprs->patterns[i], buffer + VERIFY_MAX_BUFFER / 2,
				    VERIFY_MAX_BUFFER / 2);
		if (len && (ext->flags & HS_EXT_FLAG_MIN_OFFSET) && ext->min_offset > len)
			pad = ext->min_offset - len;
		if (!len || pad > VERIFY_MAX_BUFFER / 2)
			continue;
		/* the literal ends at max(len, min_offset): inside [min_offset, max_offset] */
		memset(buffer + VERIFY_MAX_BUFFER / 2 - pad, 0, pad);
		scan.want = exprs->ids[i];
		scan.seen = 0;
		if (hs_scan(db, (const char *)buffer + VERIFY_MAX_BUFFER / 2 - pad,
			    (unsigned int)(pad + len), 0, scratch, on_verify_match,
			    &scan) != HS_SUCCESS ||
		    !scan.seen || scan.foreign)
			goto cleanup;
	}
	ok = 1;
cleanup:
	hs_free_scratch(scratch);
	free(buffer);
	return ok;
}

/*
 * The file's ids that belong to one buffer's expressions (part), into out; their count.
 * The ids already fit exprs (compiled_ids_fit), so each is in exactly one part.
 */
static uint32_t part_ids(const struct hs_expressions *part, const uint8_t *ids,
			 uint32_t id_count, uint8_t *out)
{
	uint32_t i, n = 0;

	for (i = 0; i < id_count; i++) {
		unsigned int id = id_at(ids, i);

		if (bsearch(&id, part->ids, part->count, sizeof(id), compare_ids))
			memcpy(out + 4 * n++, &id, 4);
	}
	return n;
}

/*
 * The per-buffer databases from bytes[pos..len), each bound to its buffer's expressions
 * (database_matches_exprs). 0, -EINVAL (malformed), -EBADMSG (not ours). exprs is split
 * and joined again, unchanged.
 */
static int read_databases(const uint8_t *bytes, size_t len, size_t pos, const uint8_t *ids,
			  uint32_t id_count, struct hs_expressions *exprs,
			  hs_database_t *dbs[RULE_BUF_COUNT])
{
	struct hs_expressions parts[RULE_BUF_COUNT];
	uint8_t *own_ids = malloc(4ULL * id_count + 4);
	int err = 0, b;

	if (!own_ids || hs_expressions_split(exprs, parts)) {
		free(own_ids);
		return -ENOMEM;
	}
	for (b = 0; !err && b < RULE_BUF_COUNT; b++) {
		uint32_t own = part_ids(&parts[b], ids, id_count, own_ids);
		uint64_t size;

		if (len - pos < 8) {
			err = -EINVAL;
			break;
		}
		memcpy(&size, bytes + pos, 8);
		pos += 8;
		/* a database exactly where some expression of ours compiled, nowhere else */
		if (size > len - pos || (size == 0) != (own == 0)) {
			err = -EINVAL;
			break;
		}
		if (!size)
			continue;
		if (hs_deserialize_database((const char *)bytes + pos, (size_t)size, &dbs[b]) !=
		    HS_SUCCESS) {
			dbs[b] = NULL;
			err = -EINVAL;
			break;
		}
		pos += size;
		if (!database_matches_exprs(dbs[b], &parts[b], own_ids, own))
			err = -EBADMSG;
	}
	if (!err && pos != len)
		err = -EINVAL;
	hs_expressions_join(exprs, parts);
	free(own_ids);
	if (err) {
		for (b = 0; b < RULE_BUF_COUNT; b++) {
			hs_free_database(dbs[b]);
			dbs[b] = NULL;
		}
	}
	return err;
}

int rules_cache_load(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		     struct hs_expressions *exprs, hs_database_t *dbs[RULE_BUF_COUNT])
{
	char path[4096];
	const char *name;
	uint8_t *bytes = NULL;
	size_t len = 0, pos = 0;
	uint32_t id_count;
	int err, dir_fd, b;

	for (b = 0; b < RULE_BUF_COUNT; b++)
		dbs[b] = NULL;
	cache_path(path, sizeof(path), cache_dir, key);
	name = strrchr(path, '/') + 1;
	dir_fd = open_cache_dir(cache_dir, 0);
	if (dir_fd < 0)
		return dir_fd == -EPERM ? -EPERM : -ENOENT;
	err = read_cache_file(dir_fd, name, path, &bytes, &len);
	close(dir_fd);
	if (err) {
		if (err != -ENOENT && err != -EPERM)
			log_warn("rules cache %s: unreadable (%s), recompiling", path, strerror(-err));
		return -ENOENT;
	}
	err = -ENOENT;
	if (len < 8 + RULES_CACHE_KEY_SIZE + 4 || memcmp(bytes, CACHE_MAGIC, 8) ||
	    memcmp(bytes + 8, key, RULES_CACHE_KEY_SIZE))
		goto bad;
	pos = 8 + RULES_CACHE_KEY_SIZE;
	memcpy(&id_count, bytes + pos, 4);
	pos += 4;
	if (id_count > exprs->count || len - pos < 4ULL * id_count ||
	    !compiled_ids_fit(exprs, bytes + pos, id_count))
		goto bad;
	switch (read_databases(bytes, len, pos + 4ULL * id_count, bytes + pos, id_count, exprs,
			       dbs)) {
	case 0:
		break;
	case -EBADMSG:
		log_warn("rules cache %s: the database in it was not compiled from these rules "
			 "(tampered with or foreign), recompiling", path);
		goto cleanup;
	case -ENOMEM:
		log_warn("rules cache %s: out of memory, recompiling", path);
		goto cleanup;
	default:
		goto bad;
	}
	keep_compiled_ids(exprs, bytes + pos, id_count);
	err = 0;
	goto cleanup;
bad:
	log_warn("rules cache %s: not a valid cache file, recompiling", path);
cleanup:
	free(bytes);
	return err;
}

/*
 * The temporary file, created: O_EXCL | O_NOFOLLOW, so a file or symlink someone placed at
 * the name is never written through (root would overwrite its target). One left by a
 * crashed run (or planted) is unlinked, which removes the link, not what it points to, and
 * the create is tried once more.
 */
static FILE *create_temporary(int dir_fd, const char *name)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fd;

	FILE *file;

	fd = openat(dir_fd, name, flags, 0644);
	if (fd < 0 && errno == EEXIST && unlinkat(dir_fd, name, 0) == 0)
		fd = openat(dir_fd, name, flags, 0644);
	if (fd < 0)
		return NULL;
	file = fdopen(fd, "wb");
	if (!file)
		close(fd);
	return file;
}

int rules_cache_store(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		      const struct hs_expressions *exprs, hs_database_t *const dbs[RULE_BUF_COUNT])
{
	char path[4096], tmp[4200];
	const char *name, *tmp_name;
	char *serialized[RULE_BUF_COUNT] = { NULL };
	size_t serialized_len[RULE_BUF_COUNT] = { 0 }, i;
	uint32_t id_count = (uint32_t)exprs->count;
	FILE *file = NULL;
	int err = 0, dir_fd, b;

	dir_fd = open_cache_dir(cache_dir, 1);
	if (dir_fd < 0)
		return dir_fd;
	cache_path(path, sizeof(path), cache_dir, key);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	name = strrchr(path, '/') + 1;
	tmp_name = strrchr(tmp, '/') + 1;
	for (b = 0; b < RULE_BUF_COUNT; b++) {
		if (dbs[b] && hs_serialize_database(dbs[b], &serialized[b], &serialized_len[b]) !=
				      HS_SUCCESS) {
			err = -EIO;
			goto cleanup;
		}
	}
	file = create_temporary(dir_fd, tmp_name);
	if (!file) {
		err = -errno;
		goto cleanup;
	}
	if (fwrite(CACHE_MAGIC, 1, 8, file) != 8 ||
	    fwrite(key, 1, RULES_CACHE_KEY_SIZE, file) != RULES_CACHE_KEY_SIZE ||
	    fwrite(&id_count, 4, 1, file) != 1)
		err = -EIO;
	for (i = 0; !err && i < exprs->count; i++) {
		uint32_t id = exprs->ids[i];

		if (fwrite(&id, 4, 1, file) != 1)
			err = -EIO;
	}
	for (b = 0; !err && b < RULE_BUF_COUNT; b++) {
		uint64_t db_size = serialized_len[b];

		if (fwrite(&db_size, 8, 1, file) != 1 ||
		    (db_size && fwrite(serialized[b], 1, db_size, file) != db_size))
			err = -EIO;
	}
	if (!err && (fflush(file) || fsync(fileno(file))))
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	file = NULL;
	if (!err && renameat(dir_fd, tmp_name, dir_fd, name))
		err = -errno;
	if (err)
		unlinkat(dir_fd, tmp_name, 0);
cleanup:
	for (b = 0; b < RULE_BUF_COUNT; b++)
		free(serialized[b]);	/* hs_serialize_database allocates with malloc */
	close(dir_fd);
	return err;
}
