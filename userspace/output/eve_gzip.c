// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gzip of the EVE files rotation closed (outputs.eve.compress: gzip), on a worker thread
 * of its own: compressing 100 MiB takes seconds, and the writer's lock is held by the
 * sweeper and the scanners, so it must never wait for zlib.
 *
 * Crash safety: FILE is compressed to FILE.gz.part, which is fsynced, renamed to FILE.gz,
 * and the directory fsynced; only then is FILE removed. A crash at any point leaves FILE
 * whole (and maybe a .part to ignore). A failure is logged with the file and the reason,
 * counted, and FILE is kept as it is: nothing is lost, only left uncompressed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#include "log.h"
#include "output/eve_gzip.h"

#define GZIP_QUEUE_SLOTS 64
#define GZIP_CHUNK (64 * 1024)

struct eve_gzip {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t idle;	/* the queue is empty and nothing is being compressed */
	int busy;
	pthread_t thread;
	char *queue[GZIP_QUEUE_SLOTS];	/* paths, oldest at head */
	unsigned int head, count;
	int stopping;
	uint64_t compressed;
	uint64_t failed;
};

/* fsync the directory holding path: the rename is durable, not only the data. */
static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

/* Copy src into the gzip stream on dst_fd (not closed here). 0 or -errno, why says. */
static int gzip_copy(int src, int dst_fd, char *why, size_t why_len)
{
	char *chunk = malloc(GZIP_CHUNK);
	int gz_fd = dup(dst_fd), zerr, err = 0;
	gzFile gz;
	ssize_t n;

	if (!chunk || gz_fd < 0) {
		err = chunk ? -errno : -ENOMEM;
		snprintf(why, why_len, "%s", strerror(-err));
		if (gz_fd >= 0)
			close(gz_fd);
		free(chunk);
		return err;
	}
	gz = gzdopen(gz_fd, "wb6");	/* level 6: gzip's default, about 10x on EVE JSON */
	if (!gz) {
		close(gz_fd);
		free(chunk);
		snprintf(why, why_len, "zlib cannot start a stream");
		return -ENOMEM;
	}
	while ((n = read(src, chunk, GZIP_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			snprintf(why, why_len, "read: %s", strerror(-err));
			break;
		}
		if (gzwrite(gz, chunk, (unsigned int)n) != n) {
			snprintf(why, why_len, "write: %s", gzerror(gz, &zerr));
			err = zerr == Z_ERRNO && errno ? -errno : -EIO;
			break;
		}
	}
	zerr = gzclose(gz);	/* writes the trailer: an error here is a broken .gz */
	if (!err && zerr != Z_OK) {
		err = zerr == Z_ERRNO && errno ? -errno : -EIO;
		snprintf(why, why_len, "finishing the gzip stream: %s",
			 zerr == Z_ERRNO ? strerror(-err) : "zlib error");
	}
	free(chunk);
	return err;
}

int eve_gzip_file(const char *path, char *why, size_t why_len)
{
	char *part = NULL, *done = NULL;
	int src = -1, dst = -1, err = 0;
	struct stat st;

	if (asprintf(&part, "%s.gz.part", path) < 0 || asprintf(&done, "%s.gz", path) < 0) {
		part = done = NULL;
		err = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto cleanup;
	}
	src = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0) {
		err = -errno;
		snprintf(why, why_len, "cannot open it: %s", strerror(-err));
		goto cleanup;
	}
	if (fstat(src, &st) || !S_ISREG(st.st_mode)) {
		err = -EINVAL;
		snprintf(why, why_len, "not a regular file");
		goto cleanup;
	}
	/* never overwrite a .gz: an operator's, or a run's before this one */
	if (lstat(done, &st) == 0) {
		err = -EEXIST;
		snprintf(why, why_len, "%s exists already", done);
		goto cleanup;
	}
	unlink(part);	/* a .part a crash left behind is ours, and incomplete */
	dst = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (dst < 0) {
		err = -errno;
		snprintf(why, why_len, "cannot create %s: %s", part, strerror(-err));
		goto cleanup;
	}
	err = gzip_copy(src, dst, why, why_len);
	if (!err && fsync(dst)) {
		err = -errno;
		snprintf(why, why_len, "fsync %s: %s", part, strerror(-err));
	}
	if (!err && rename(part, done)) {
		err = -errno;
		snprintf(why, why_len, "rename to %s: %s", done, strerror(-err));
	}
	if (!err)
		err = fsync_dir_of(done);
	if (err) {
		if (!why[0])
			snprintf(why, why_len, "fsync of the directory: %s", strerror(-err));
		unlink(part);
		goto cleanup;
	}
	/* the .gz is complete and durable: only now may the original go */
	if (unlink(path)) {
		err = -errno;
		snprintf(why, why_len, "compressed, but cannot remove the original: %s",
			 strerror(-err));
	}
cleanup:
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	free(part);
	free(done);
	return err;
}

static void compress_one(struct eve_gzip *gz, char *path)
{
	char why[512] = "";
	int err = eve_gzip_file(path, why, sizeof(why));

	pthread_mutex_lock(&gz->lock);
	if (err)
		gz->failed++;
	else
		gz->compressed++;
	pthread_mutex_unlock(&gz->lock);
	if (err)
		log_error("EVE output: cannot gzip %s: %s; the file stays uncompressed (counted "
			  "in stats: eve.compress_failed)", path, why);
	free(path);
}

static void *gzip_thread_main(void *arg)
{
	struct eve_gzip *gz = arg;
	char *path;

	pthread_mutex_lock(&gz->lock);
	for (;;) {
		while (!gz->count && !gz->stopping)
			pthread_cond_wait(&gz->wake, &gz->lock);
		if (!gz->count)	/* stopping, and nothing left to compress */
			break;
		path = gz->queue[gz->head];
		gz->head = (gz->head + 1) % GZIP_QUEUE_SLOTS;
		gz->count--;
		gz->busy = 1;
		pthread_mutex_unlock(&gz->lock);
		compress_one(gz, path);
		pthread_mutex_lock(&gz->lock);
		gz->busy = 0;
		if (!gz->count)
			pthread_cond_broadcast(&gz->idle);
	}
	pthread_mutex_unlock(&gz->lock);
	return NULL;
}

int eve_gzip_start(struct eve_gzip **out)
{
	struct eve_gzip *gz = calloc(1, sizeof(*gz));
	int err;

	if (!gz)
		return -ENOMEM;
	pthread_mutex_init(&gz->lock, NULL);
	pthread_cond_init(&gz->wake, NULL);
	pthread_cond_init(&gz->idle, NULL);
	err = pthread_create(&gz->thread, NULL, gzip_thread_main, gz);
	if (err) {
		pthread_cond_destroy(&gz->idle);
		pthread_cond_destroy(&gz->wake);
		pthread_mutex_destroy(&gz->lock);
		free(gz);
		return -err;
	}
	*out = gz;
	return 0;
}

void eve_gzip_submit(struct eve_gzip *gz, const char *path)
{
	char *copy = strdup(path);
	int full;

	pthread_mutex_lock(&gz->lock);
	full = !copy || gz->count == GZIP_QUEUE_SLOTS;
	if (full) {
		gz->failed++;
	} else {
		gz->queue[(gz->head + gz->count) % GZIP_QUEUE_SLOTS] = copy;
		gz->count++;
		pthread_cond_signal(&gz->wake);
	}
	pthread_mutex_unlock(&gz->lock);
	if (full) {
		log_error("EVE output: cannot gzip %s: %s; the file stays uncompressed (counted "
			  "in stats: eve.compress_failed)", path,
			  copy ? "64 files already wait for compression" : "out of memory");
		free(copy);
	}
}

void eve_gzip_stop(struct eve_gzip *gz)
{
	if (!gz)
		return;
	pthread_mutex_lock(&gz->lock);
	gz->stopping = 1;
	pthread_cond_signal(&gz->wake);
	pthread_mutex_unlock(&gz->lock);
	pthread_join(gz->thread, NULL);	/* it compresses what is queued first */
	pthread_cond_destroy(&gz->idle);
	pthread_cond_destroy(&gz->wake);
	pthread_mutex_destroy(&gz->lock);
	free(gz);
}

void eve_gzip_wait(struct eve_gzip *gz)
{
	if (!gz)
		return;
	pthread_mutex_lock(&gz->lock);
	while (gz->count || gz->busy)
		pthread_cond_wait(&gz->idle, &gz->lock);
	pthread_mutex_unlock(&gz->lock);
}

void eve_gzip_counts(struct eve_gzip *gz, uint64_t *compressed, uint64_t *failed)
{
	pthread_mutex_lock(&gz->lock);
	*compressed = gz->compressed;
	*failed = gz->failed;
	pthread_mutex_unlock(&gz->lock);
}
