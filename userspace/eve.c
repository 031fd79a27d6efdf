// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "eve.h"

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
	int fd;
	int owns_fd;		/* not stdout */
	int regular;		/* a regular file: a torn tail can be cut off */
	size_t len;		/* bytes in buf */
	uint64_t buffered;	/* lines in buf */
	uint64_t written;	/* lines written */
	uint64_t errors;	/* lines lost */
	struct eve_tally buffered_tally[EVE_TALLY_CLASSES];	/* of the lines in buf */
	struct eve_tally lost_tally[EVE_TALLY_CLASSES];
	char buf[EVE_BUFFER_SIZE];
};

int eve_open(struct eve_writer **out, const char *path)
{
	struct eve_writer *eve = calloc(1, sizeof(*eve));
	struct stat st;
	int err;

	if (!eve)
		return -ENOMEM;
	pthread_mutex_init(&eve->lock, NULL);
	if (strcmp(path, "-") == 0) {
		eve->fd = STDOUT_FILENO;
	} else {
		eve->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (eve->fd < 0) {
			err = -errno;
			pthread_mutex_destroy(&eve->lock);
			free(eve);
			return err;
		}
		eve->owns_fd = 1;
	}
	if (fstat(eve->fd, &st) == 0 && S_ISREG(st.st_mode))
		eve->regular = 1;
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
	free(eve);
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

int eve_write(struct eve_writer *eve, struct json_object *event)
{
	const char *line;
	size_t len;
	int err;

	line = json_object_to_json_string_length(
		event, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!line) {
		pthread_mutex_lock(&eve->lock);
		eve->errors++;
		pthread_mutex_unlock(&eve->lock);
		err = -ENOMEM;
	} else {
		err = eve_write_line(eve, line, len);
	}
	json_object_put(event);
	return err;
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

void eve_format_timestamp(uint64_t realtime_ns, char out[EVE_TIMESTAMP_LEN])
{
	/* the date and time of the last second formatted, per thread: events come in
	 * bursts of the same second, and gmtime_r + strftime are most of the cost */
	static __thread time_t cached_secs = -1;
	static __thread char cached[24];
	static __thread size_t cached_len;
	time_t secs = realtime_ns / 1000000000ULL;
	unsigned long usec = (realtime_ns % 1000000000ULL) / 1000;
	struct tm tm;
	int i;

	if (secs != cached_secs) {
		gmtime_r(&secs, &tm);
		cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_secs = secs;
	}
	memcpy(out, cached, cached_len);
	out[cached_len] = '.';
	for (i = 6; i >= 1; i--, usec /= 10)
		out[cached_len + i] = '0' + usec % 10;
	memcpy(out + cached_len + 7, "+0000", 6);
}

struct json_object *eve_event_new(uint64_t realtime_ns, const char *event_type)
{
	struct json_object *event = json_object_new_object();
	char ts[EVE_TIMESTAMP_LEN];

	if (!event)
		return NULL;
	eve_format_timestamp(realtime_ns, ts);
	eve_add_str(event, "timestamp", ts);
	eve_add_str(event, "event_type", event_type);
	return event;
}

void eve_add_str(struct json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value));
}

void eve_add_u64(struct json_object *obj, const char *key, uint64_t value)
{
	json_object_object_add(obj, key, json_object_new_uint64(value));
}

void eve_add_bool(struct json_object *obj, const char *key, int value)
{
	json_object_object_add(obj, key, json_object_new_boolean(value));
}

struct json_object *eve_add_object(struct json_object *obj, const char *key)
{
	struct json_object *child = json_object_new_object();

	json_object_object_add(obj, key, child);
	return child;
}

struct json_object *eve_add_array(struct json_object *obj, const char *key)
{
	struct json_object *child = json_object_new_array();

	json_object_object_add(obj, key, child);
	return child;
}
