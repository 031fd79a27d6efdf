// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On-disk cache of the compiled Hyperscan database, so a restart does not recompile.
 *
 * The key is a SHA-256 of exactly what the database is a function of: every expression
 * (pattern, flags, id, offset bounds), the Hyperscan version, the platform it was compiled
 * for, and this file's format version. Rule text, variables and classification are
 * parsed on every load (cheap) and do not enter the database, so changing a msg or
 * $HOME_NET keeps the cache valid while changing a content or a pcre misses it.
 *
 * File: CACHE_DIR/rules-<hex key>.hsdb, written to a temporary name and renamed, so a
 * reader never sees half a file:
 *   "EWRULDB1" | key[32] | u32 id count | u32 ids[] (what compiled) | u64 size | database
 * A file that does not check out is a miss (and is overwritten by the recompile).
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

#define CACHE_MAGIC "EWRULDB1"
#define CACHE_FORMAT "edgewatch-rules-cache-v1"
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
		uint64_t fields[6] = { exprs->ids[i], exprs->flags[i], ext->flags, ext->min_offset,
				       ext->max_offset, strlen(exprs->patterns[i]) };

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

static int read_file(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *bytes = NULL;
	size_t done = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0 || (unsigned long long)st.st_size > CACHE_MAX_SIZE) {
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

/* Keep only the expressions whose ids the cached database was compiled with. */
static int keep_compiled_ids(struct hs_expressions *exprs, const uint8_t *ids, uint32_t id_count)
{
	size_t i = 0, j = 0;

	/* both lists are in ascending id order (rule order) */
	while (i < exprs->count) {
		uint32_t id;

		if (j < id_count)
			memcpy(&id, ids + 4 * j, 4);
		if (j < id_count && exprs->ids[i] == id) {
			i++;
			j++;
		} else if (j < id_count && exprs->ids[i] > id) {
			return -EINVAL;	/* an id we do not have: not our database */
		} else {
			hs_expressions_remove(exprs, i);
		}
	}
	return j == id_count ? 0 : -EINVAL;
}

int rules_cache_load(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		     struct hs_expressions *exprs, hs_database_t **db)
{
	char path[4096];
	uint8_t *bytes = NULL;
	size_t len = 0, pos = 0;
	uint32_t id_count;
	uint64_t db_size;
	int err;

	*db = NULL;
	cache_path(path, sizeof(path), cache_dir, key);
	err = read_file(path, &bytes, &len);
	if (err) {
		if (err != -ENOENT)
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
	if (id_count > exprs->count || len - pos < 4ULL * id_count + 8)
		goto bad;
	memcpy(&db_size, bytes + pos + 4ULL * id_count, 8);
	if (db_size != len - pos - 4ULL * id_count - 8 ||
	    keep_compiled_ids(exprs, bytes + pos, id_count))
		goto bad;
	pos += 4ULL * id_count + 8;
	if (hs_deserialize_database((const char *)bytes + pos, (size_t)db_size, db) != HS_SUCCESS) {
		*db = NULL;
		goto bad;
	}
	err = 0;
	goto cleanup;
bad:
	log_warn("rules cache %s: not a valid cache file, recompiling", path);
cleanup:
	free(bytes);
	return err;
}

int rules_cache_store(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		      const struct hs_expressions *exprs, const hs_database_t *db)
{
	char path[4096], tmp[4200];
	char *serialized = NULL;
	size_t serialized_len = 0, i;
	uint32_t id_count = (uint32_t)exprs->count;
	uint64_t db_size;
	FILE *file = NULL;
	int err = 0;

	if (mkdir(cache_dir, 0755) && errno != EEXIST)
		return -errno;
	cache_path(path, sizeof(path), cache_dir, key);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (hs_serialize_database(db, &serialized, &serialized_len) != HS_SUCCESS)
		return -EIO;
	db_size = serialized_len;
	file = fopen(tmp, "wbe");
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
	if (!err && (fwrite(&db_size, 8, 1, file) != 1 ||
		     fwrite(serialized, 1, serialized_len, file) != serialized_len))
		err = -EIO;
	if (!err && (fflush(file) || fsync(fileno(file))))
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	file = NULL;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
cleanup:
	free(serialized);	/* hs_serialize_database allocates with malloc */
	return err;
}
