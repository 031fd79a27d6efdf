// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "output/eve_gzip.h"
#include "output/eve_rotate.h"
#include "output/eve_seal.h"
#include "output/eve_writer.h"

/*
 * One writer, shared by the sweeper and the scanner threads: whole lines under a lock,
 * gathered in a buffer and written with write(2). A write that fails (disk full, the
 * reader of a pipe gone) loses the lines of that buffer, counted; on a regular file the
 * torn tail is cut back to where this write began, so a SIEM's line parser never sees
 * half an event, but only when nothing else wrote to the file meanwhile (another
 * instance sharing it, a copytruncate rotation): their lines are never cut.
 */
#define EVE_BUFFER_SIZE (64 * 1024)
#define NS_PER_SEC 1000000000ULL

struct eve_writer {
	pthread_mutex_t lock;
	char *path;		/* the open file, for reopen and messages ("-" = stdout) */
	char *pattern;		/* the configured path (strftime conversions, or plain) */
	int is_pattern;
	/* rotation (rot all 0: never); only at a line boundary, under the lock */
	struct eve_rotation rot;
	int rotating;		/* rot asks for it and the file is a regular one */
	uint64_t clock_ns;	/* eve_set_clock(); 0: the wall clock */
	int name_by_clock;	/* the clock was just set: name the (empty) file by it */
	uint64_t slot;		/* rotate-interval slot of the open file */
	uint64_t file_bytes;	/* the open file's size, what is buffered included */
	uint64_t file_lines;	/* lines this run put in the open file */
	int created;		/* this run created the open file */
	uint64_t retry_ns;	/* after a rotation failed: not again before */
	uint64_t rotations;
	uint64_t rotate_failed;
	struct eve_gzip *gzip;	/* compress: gzip */
	struct eve_seal *seal;	/* outputs.eve.seal (NULL: lines as formatted) */
	eve_seal_listener seal_listener;	/* every seal line, also off the box */
	void *seal_listener_ctx;
	int fd;
	int owns_fd;		/* not stdout */
	int regular;		/* a regular file: a torn tail can be cut off */
	size_t len;		/* bytes in buf */
	uint64_t buffered;	/* lines in buf */
	uint64_t written;	/* lines written */
	uint64_t errors;	/* lines lost */
	uint64_t failures;	/* writes that failed */
	int failing;		/* the last write failed: the next good one is a recovery */
	struct eve_tally buffered_tally[EVE_TALLY_CLASSES];	/* of the lines in buf */
	struct eve_tally lost_tally[EVE_TALLY_CLASSES];
	char buf[EVE_BUFFER_SIZE];
};

/*
 * The EVE file is opened by root: a symlink planted at its path in a writable directory
 * would make root append to any file. O_NOFOLLOW refuses a symlink as the last
 * component. A regular file is what the path should name; a character device is
 * accepted too (/dev/null for a run that only wants stats elsewhere), anything else
 * (a FIFO someone planted, a directory, a block device, a socket) is refused. "-" is
 * stdout, whatever the caller made of it (a pipe to a log shipper).
 */
static int eve_open_fd(const char *path, int *fd, int *regular)
{
	struct stat st;
	int err;

	if (strcmp(path, "-") == 0) {
		*fd = STDOUT_FILENO;
		*regular = fstat(*fd, &st) == 0 && S_ISREG(st.st_mode);
		return 0;
	}
	*fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		   0640);
	if (*fd < 0) {
		err = -errno;
		/*
		 * ENXIO is what a FIFO without a reader answers (O_NONBLOCK), but a UNIX
		 * socket or a device without a driver answers it too: name what it is.
		 */
		if (err == -ENXIO && lstat(path, &st) == 0 && !S_ISFIFO(st.st_mode))
			err = S_ISSOCK(st.st_mode) ? -EINVAL : -ENODEV;
		return err;
	}
	if (fstat(*fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		/* a FIFO with a reader opens: say FIFO all the same, as without one */
		err = fstat(*fd, &st) != 0 ? -errno : S_ISFIFO(st.st_mode) ? -ENXIO : -EINVAL;
		close(*fd);
		*fd = -1;
		return err;
	}
	/* O_NONBLOCK only kept open() from hanging on a planted FIFO; writes block */
	fcntl(*fd, F_SETFL, O_APPEND);
	*regular = S_ISREG(st.st_mode);
	return 0;
}

const char *eve_open_error(int err)
{
	switch (err) {
	case -ELOOP:
		return "is a symbolic link (refused: root would write wherever it points)";
	case -EINVAL:
		return "is not a regular file (nor a character device such as /dev/null)";
	case -ENXIO:
		return "is a FIFO (refused: use -o - and a pipe)";
	default:
		return strerror(-err);
	}
}

static uint64_t eve_now_ns(const struct eve_writer *eve)
{
	struct timespec ts;

	if (eve->clock_ns)
		return eve->clock_ns;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* rotate-interval cuts at multiples of it since the epoch: 1h rotates at each full hour. */
static uint64_t eve_slot_of(const struct eve_writer *eve, uint64_t now_ns)
{
	return eve->rot.interval_s ? now_ns / NS_PER_SEC / eve->rot.interval_s : 0;
}

/* Open name as the file to write (the old one is the caller's to close). */
static int eve_switch_to(struct eve_writer *eve, const char *name, int *old_fd)
{
	struct stat st;
	/* regular = 0: gcc -O2 cannot see eve_open_fd() sets it whenever it returns 0 */
	int fd, regular = 0, err, created = lstat(name, &st) != 0 && errno == ENOENT;
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	err = eve_open_fd(name, &fd, &regular);
	if (err) {
		free(copy);
		return err;
	}
	*old_fd = eve->fd;
	eve->fd = fd;
	eve->regular = regular;
	eve->file_bytes = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	eve->file_lines = 0;
	eve->created = created;
	free(eve->path);
	eve->path = copy;
	return 0;
}

int eve_open_rotating(struct eve_writer **out, const char *path, const struct eve_rotation *rot)
{
	struct eve_writer *eve = calloc(1, sizeof(*eve));
	char name[PATH_MAX];
	int err, unused_fd;

	if (!eve)
		return -ENOMEM;
	eve->fd = -1;
	eve->pattern = strdup(path);
	eve->is_pattern = strcmp(path, "-") && eve_path_is_pattern(path);
	err = eve->pattern ? 0 : -ENOMEM;
	if (!err && eve->is_pattern)
		err = eve_name_at(path, eve_now_ns(eve), name, sizeof(name));
	if (!err)
		err = eve_switch_to(eve, eve->is_pattern ? name : path, &unused_fd);
	if (err)
		goto fail;
	eve->owns_fd = eve->fd != STDOUT_FILENO;
	if (rot && (rot->interval_s || rot->max_bytes)) {
		eve->rot = *rot;
		/* /dev/null cannot be renamed, nor stdout: they are never rotated */
		eve->rotating = eve->regular && eve->owns_fd;
		if (!eve->rotating)
			log_warn("EVE output %s: not a regular file: rotate-interval and max-size "
				 "do not apply", eve->path);
		eve->slot = eve_slot_of(eve, eve_now_ns(eve));
	}
	if (eve->rotating && rot->gzip) {
		err = eve_gzip_start(&eve->gzip);
		if (err)
			goto fail;
	}
	pthread_mutex_init(&eve->lock, NULL);
	*out = eve;
	return 0;
fail:
	if (eve->fd >= 0 && eve->fd != STDOUT_FILENO)
		close(eve->fd);
	free(eve->pattern);
	free(eve->path);
	free(eve);
	return err;
}

int eve_open(struct eve_writer **out, const char *path)
{
	return eve_open_rotating(out, path, NULL);
}

/* Write out the buffer (lock held). 0 or -errno; the buffer is empty afterwards. */
static int eve_flush_locked(struct eve_writer *eve)
{
	/* O_APPEND: the write begins at the end of the file as it is now */
	off_t start = eve->regular && eve->len ? lseek(eve->fd, 0, SEEK_END) : -1;
	size_t done = 0;
	struct stat st;
	ssize_t n;
	int err = 0;

	while (done < eve->len) {
		n = write(eve->fd, eve->buf + done, eve->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	if (err) {
		int cls;

		eve->failures++;
		if (!eve->failing)	/* the first failure of a run of them; the rest counted */
			log_error("EVE output %s: write failed: %s; %llu lines lost (counted in "
				  "stats: eve.write_errors)", eve->path, strerror(-err),
				  (unsigned long long)eve->buffered);
		eve->failing = 1;
		eve->errors += eve->buffered;
		for (cls = 0; cls < EVE_TALLY_CLASSES; cls++) {
			eve->lost_tally[cls].lines += eve->buffered_tally[cls].lines;
			eve->lost_tally[cls].packets += eve->buffered_tally[cls].packets;
			eve->lost_tally[cls].bytes += eve->buffered_tally[cls].bytes;
		}
		/* cut only our own torn tail: the file ends where our write stopped */
		if (start >= 0 && done && fstat(eve->fd, &st) == 0 &&
		    st.st_size == start + (off_t)done)
			(void)!ftruncate(eve->fd, start);	/* best effort */
	} else {
		if (eve->failing && eve->len)
			log_info("EVE output %s: writing again after %llu lines lost", eve->path,
				 (unsigned long long)eve->errors);
		if (eve->len)
			eve->failing = 0;
		eve->written += eve->buffered;
	}
	eve->len = 0;
	eve->buffered = 0;
	memset(eve->buffered_tally, 0, sizeof(eve->buffered_tally));
	return err;
}

/*
 * A seal of the lines since the last one (lock held), written at once: what it seals
 * first, then the seal, so a crash right after the key file moved on loses as little as
 * can be (eve_seal.h). A seal that cannot be made is logged there; the lines stay
 * unsealed until the next one.
 */
static void eve_seal_write_locked(struct eve_writer *eve, uint64_t now_ns)
{
	char line[EVE_SEAL_LINE_MAX];
	ssize_t n;

	if (!eve->seal || !eve_seal_pending(eve->seal))
		return;
	eve_flush_locked(eve);
	n = eve_seal_record(eve->seal, now_ns, line, sizeof(line));
	if (n <= 0)
		return;
	memcpy(eve->buf, line, n);
	eve->buf[n] = '\n';
	eve->len = n + 1;
	/* not an event: eve_events_written() and the flow accounting count events only */
	eve->buffered = 0;
	eve->file_bytes += n + 1;
	eve->file_lines++;
	eve_flush_locked(eve);
	/* written or not (a full disk), the seal goes to the collectors: it is what proves a
	 * truncation of this file later */
	if (eve->seal_listener)
		eve->seal_listener(eve->seal_listener_ctx, line, (size_t)n, now_ns);
}

/*
 * Close the open file and start the next (lock held; what is buffered goes to the old
 * file first). A plain path: the file is renamed PATH.YYYYmmdd-HHMMSS and PATH created
 * again; a pattern: the next name is formatted. A file with nothing in it is not closed
 * as a rotated file: a plain path keeps it, a pattern moves on (removing it if this run
 * created it). On failure the old file stays in use: lines are never lost to a rotation.
 */
static int eve_rotate_locked(struct eve_writer *eve, uint64_t now_ns)
{
	char base[PATH_MAX], next[PATH_MAX], closed[PATH_MAX];
	int empty, old_fd = -1, err;

	eve_seal_write_locked(eve, now_ns);	/* a file ends sealed (nothing if nothing new) */
	eve_flush_locked(eve);
	empty = eve->file_bytes == 0;
	if (empty && !eve->is_pattern)
		goto done;
	if (eve->is_pattern) {
		err = eve_name_at(eve->pattern, now_ns, base, sizeof(base));
		if (!err && empty && !strcmp(base, eve->path))
			goto done;
		if (!err)
			err = eve_free_name(base, eve->path, next, sizeof(next));
		snprintf(closed, sizeof(closed), "%s", eve->path);
		if (!err)
			err = eve_switch_to(eve, next, &old_fd);
	} else {
		err = eve_closed_name(eve->pattern, now_ns, closed, sizeof(closed));
		if (!err && rename(eve->path, closed))
			err = -errno;
		if (!err) {
			err = eve_switch_to(eve, eve->pattern, &old_fd);
			if (err)	/* the old name back: it stays the file in use */
				(void)!rename(closed, eve->path);
		}
	}
	if (err) {
		eve->rotate_failed++;
		eve->retry_ns = now_ns + NS_PER_SEC;
		log_error("EVE output %s: cannot rotate: %s; still writing to it, trying again "
			  "in a second (counted in stats: eve.rotate_failed)", eve->path,
			  eve_open_error(err));
		return err;
	}
	close(old_fd);
	if (empty && eve->is_pattern) {
		struct stat st;

		/* a file this run created and never wrote to is no rotated file */
		if (lstat(closed, &st) == 0 && st.st_size == 0)
			unlink(closed);
	} else {
		eve->rotations++;
		if (eve->gzip)
			eve_gzip_submit(eve->gzip, closed);
	}
done:
	eve->slot = eve_slot_of(eve, now_ns);
	return 0;
}

/* Rotate before a line of add bytes if the file is due (lock held). */
static void eve_maybe_rotate_locked(struct eve_writer *eve, size_t add)
{
	uint64_t now_ns;

	if (!eve->rotating)
		return;
	now_ns = eve_now_ns(eve);
	if (now_ns < eve->retry_ns)
		return;
	if (eve->name_by_clock) {
		eve->name_by_clock = 0;
		/* only a file nothing was written to yet is named again */
		if (eve->is_pattern && !eve->file_lines && !eve->file_bytes)
			eve_rotate_locked(eve, now_ns);
		eve->slot = eve_slot_of(eve, now_ns);
	}
	if ((eve->rot.interval_s && eve_slot_of(eve, now_ns) != eve->slot) ||
	    (eve->rot.max_bytes && eve->file_bytes && eve->file_bytes + add > eve->rot.max_bytes))
		eve_rotate_locked(eve, now_ns);
}

void eve_set_clock(struct eve_writer *eve, uint64_t realtime_ns)
{
	pthread_mutex_lock(&eve->lock);
	if (!eve->clock_ns)
		eve->name_by_clock = 1;
	eve->clock_ns = realtime_ns;
	pthread_mutex_unlock(&eve->lock);
}

void eve_rotation_stats(struct eve_writer *eve, struct eve_rotation_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&eve->lock);
	out->rotating = eve->rotating;
	out->compressing = eve->gzip != NULL;
	out->rotations = eve->rotations;
	out->rotate_failed = eve->rotate_failed;
	pthread_mutex_unlock(&eve->lock);
	if (eve->gzip)
		eve_gzip_counts(eve->gzip, &out->compressed, &out->compress_failed);
}

void eve_wait_compressed(struct eve_writer *eve)
{
	eve_gzip_wait(eve->gzip);	/* the worker never takes the writer's lock */
}

void eve_close(struct eve_writer *eve)
{
	if (!eve)
		return;
	pthread_mutex_lock(&eve->lock);
	eve_seal_write_locked(eve, eve_now_ns(eve));	/* shutdown: the last seal */
	eve_flush_locked(eve);	/* no rotation at the end: it would leave an empty file */
	pthread_mutex_unlock(&eve->lock);
	eve_seal_close(eve->seal);
	if (eve->owns_fd)
		close(eve->fd);
	/* the files already closed are compressed before the run ends; the open one is not */
	eve_gzip_stop(eve->gzip);
	pthread_mutex_destroy(&eve->lock);
	free(eve->pattern);
	free(eve->path);
	free(eve);
}

int eve_reopen(struct eve_writer *eve)
{
	int fd, err, open_err;

	if (!eve->owns_fd)
		return eve_flush(eve);	/* stdout: nothing to reopen */
	pthread_mutex_lock(&eve->lock);
	/* what is buffered belongs to the file being rotated out, sealed */
	eve_seal_write_locked(eve, eve_now_ns(eve));
	err = eve_flush_locked(eve);
	open_err = eve_switch_to(eve, eve->path, &fd);
	if (!open_err) {
		close(fd);	/* the old one */
	} else {
		err = err ? err : open_err;
		/* keep writing to the old file rather than lose events */
		log_error("EVE output %s: cannot reopen: %s; still writing to the file opened "
			  "before", eve->path, eve_open_error(open_err));
	}
	pthread_mutex_unlock(&eve->lock);
	return err;
}

int eve_chown(struct eve_writer *eve, uid_t uid, gid_t gid)
{
	int err = 0;

	pthread_mutex_lock(&eve->lock);
	if (eve->owns_fd && eve->regular && fchown(eve->fd, uid, gid))
		err = -errno;
	pthread_mutex_unlock(&eve->lock);
	return err;
}

void eve_count_error(struct eve_writer *eve)
{
	pthread_mutex_lock(&eve->lock);
	eve->errors++;
	pthread_mutex_unlock(&eve->lock);
}

uint64_t eve_write_failures(struct eve_writer *eve)
{
	uint64_t n;

	pthread_mutex_lock(&eve->lock);
	n = eve->failures;
	pthread_mutex_unlock(&eve->lock);
	return n;
}

int eve_write_tallied_line(struct eve_writer *eve, const char *line, size_t len,
			   unsigned int cls, uint64_t packets, uint64_t bytes)
{
	int err = 0;

	if (cls >= EVE_TALLY_CLASSES)
		cls = 0;
	size_t room = eve->seal ? EVE_SEAL_SUFFIX_MAX : 0;	/* what sealing adds */

	pthread_mutex_lock(&eve->lock);
	eve_maybe_rotate_locked(eve, len + room + 1);
	if (eve->seal && eve_seal_due(eve->seal, eve_now_ns(eve)))
		eve_seal_write_locked(eve, eve_now_ns(eve));
	/* the lines a failed flush loses are counted there, not held against this one */
	if (eve->len + len + room + 1 > sizeof(eve->buf))
		eve_flush_locked(eve);
	if (len + room + 1 > sizeof(eve->buf)) {
		eve->errors++;	/* a line longer than the buffer: not an EVE event we write */
		err = -EMSGSIZE;
	} else if (eve->seal) {
		ssize_t n = eve_seal_line(eve->seal, line, len, eve->buf + eve->len,
					  sizeof(eve->buf) - eve->len - 1);

		if (n < 0) {	/* not an object: not a line the formatter made, not chained */
			eve->errors++;
			err = (int)n;
			goto out;
		}
		eve->buf[eve->len + n] = '\n';
		eve->len += n + 1;
		len = n;
	} else {
		memcpy(eve->buf + eve->len, line, len);
		eve->buf[eve->len + len] = '\n';
		eve->len += len + 1;
	}
	if (!err) {
		eve->buffered++;
		eve->buffered_tally[cls].lines++;
		eve->buffered_tally[cls].packets += packets;
		eve->buffered_tally[cls].bytes += bytes;
		eve->file_bytes += len + 1;
		eve->file_lines++;
	}
out:
	pthread_mutex_unlock(&eve->lock);
	return err;
}

void eve_set_seal_listener(struct eve_writer *eve, eve_seal_listener fn, void *ctx)
{
	pthread_mutex_lock(&eve->lock);
	eve->seal_listener = fn;
	eve->seal_listener_ctx = ctx;
	pthread_mutex_unlock(&eve->lock);
}

void eve_attach_seal(struct eve_writer *eve, struct eve_seal *seal)
{
	pthread_mutex_lock(&eve->lock);
	eve->seal = seal;
	pthread_mutex_unlock(&eve->lock);
}

void eve_seal_stats(struct eve_writer *eve, struct eve_seal_counts *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&eve->lock);
	if (eve->seal)
		eve_seal_counts(eve->seal, out);
	pthread_mutex_unlock(&eve->lock);
}

int eve_write_line(struct eve_writer *eve, const char *line, size_t len)
{
	return eve_write_tallied_line(eve, line, len, 0, 0, 0);
}

struct eve_tally eve_lost_tally(struct eve_writer *eve, unsigned int cls)
{
	struct eve_tally t = {};

	if (cls >= EVE_TALLY_CLASSES)
		return t;
	pthread_mutex_lock(&eve->lock);
	t = eve->lost_tally[cls];
	pthread_mutex_unlock(&eve->lock);
	return t;
}

int eve_flush(struct eve_writer *eve)
{
	int err;

	pthread_mutex_lock(&eve->lock);
	/* an idle file is sealed on time too */
	if (eve->seal && eve_seal_due(eve->seal, eve_now_ns(eve)))
		eve_seal_write_locked(eve, eve_now_ns(eve));
	err = eve_flush_locked(eve);
	/* an idle file rotates on time too (the daemon flushes after every sweep) */
	eve_maybe_rotate_locked(eve, 0);
	pthread_mutex_unlock(&eve->lock);
	return err;
}

uint64_t eve_events_written(struct eve_writer *eve)
{
	uint64_t n;

	pthread_mutex_lock(&eve->lock);
	n = eve->written + eve->buffered;
	pthread_mutex_unlock(&eve->lock);
	return n;
}

uint64_t eve_write_errors(struct eve_writer *eve)
{
	uint64_t n;

	pthread_mutex_lock(&eve->lock);
	n = eve->errors;
	pthread_mutex_unlock(&eve->lock);
	return n;
}
