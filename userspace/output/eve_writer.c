// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
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

struct eve_writer {
	pthread_mutex_t lock;
	char *path;		/* for reopen and messages ("-" = stdout) */
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

int eve_open(struct eve_writer **out, const char *path)
{
	struct eve_writer *eve = calloc(1, sizeof(*eve));
	int err;

	if (!eve)
		return -ENOMEM;
	eve->path = strdup(path);
	if (!eve->path) {
		free(eve);
		return -ENOMEM;
	}
	err = eve_open_fd(path, &eve->fd, &eve->regular);
	if (err) {
		free(eve->path);
		free(eve);
		return err;
	}
	eve->owns_fd = eve->fd != STDOUT_FILENO;
	pthread_mutex_init(&eve->lock, NULL);
	*out = eve;
	return 0;
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

void eve_close(struct eve_writer *eve)
{
	if (!eve)
		return;
	eve_flush(eve);
	if (eve->owns_fd)
		close(eve->fd);
	pthread_mutex_destroy(&eve->lock);
	free(eve->path);
	free(eve);
}

int eve_reopen(struct eve_writer *eve)
{
	int fd, regular, err, open_err;

	if (!eve->owns_fd)
		return eve_flush(eve);	/* stdout: nothing to reopen */
	pthread_mutex_lock(&eve->lock);
	/* what is buffered belongs to the file being rotated out */
	err = eve_flush_locked(eve);
	open_err = eve_open_fd(eve->path, &fd, &regular);
	if (!open_err) {
		close(eve->fd);
		eve->fd = fd;
		eve->regular = regular;
	} else {
		err = err ? err : open_err;
		/* keep writing to the old file rather than lose events */
		log_error("EVE output %s: cannot reopen: %s; still writing to the file opened "
			  "before", eve->path, eve_open_error(open_err));
	}
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
	pthread_mutex_lock(&eve->lock);
	/* the lines a failed flush loses are counted there, not held against this one */
	if (eve->len + len + 1 > sizeof(eve->buf))
		eve_flush_locked(eve);
	if (len + 1 > sizeof(eve->buf)) {
		eve->errors++;	/* a line longer than the buffer: not an EVE event we write */
		err = -EMSGSIZE;
	} else {
		memcpy(eve->buf + eve->len, line, len);
		eve->buf[eve->len + len] = '\n';
		eve->len += len + 1;
		eve->buffered++;
		eve->buffered_tally[cls].lines++;
		eve->buffered_tally[cls].packets += packets;
		eve->buffered_tally[cls].bytes += bytes;
	}
	pthread_mutex_unlock(&eve->lock);
	return err;
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
	err = eve_flush_locked(eve);
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
