// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eve.h"

/* One writer, shared by the sweeper and the scanner threads: whole lines under a lock. */
struct eve_writer {
	pthread_mutex_t lock;
	FILE *file;
	int is_stdout;
	uint64_t written;
	uint64_t errors;
};

int eve_open(struct eve_writer **out, const char *path)
{
	struct eve_writer *eve = calloc(1, sizeof(*eve));

	if (!eve)
		return -ENOMEM;
	pthread_mutex_init(&eve->lock, NULL);
	if (strcmp(path, "-") == 0) {
		eve->file = stdout;
		eve->is_stdout = 1;
	} else {
		eve->file = fopen(path, "a");
		if (!eve->file) {
			int err = -errno;

			pthread_mutex_destroy(&eve->lock);
			free(eve);
			return err;
		}
	}
	*out = eve;
	return 0;
}

void eve_close(struct eve_writer *eve)
{
	if (!eve)
		return;
	fflush(eve->file);
	if (!eve->is_stdout)
		fclose(eve->file);
	pthread_mutex_destroy(&eve->lock);
	free(eve);
}

int eve_write(struct eve_writer *eve, struct json_object *event)
{
	const char *line;
	size_t len;
	int err = 0;

	line = json_object_to_json_string_length(
		event, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	pthread_mutex_lock(&eve->lock);
	if (!line) {
		err = -ENOMEM;
	} else if (fwrite(line, 1, len, eve->file) != len || fputc('\n', eve->file) == EOF) {
		err = errno ? -errno : -EIO;
	}
	if (err)
		eve->errors++;
	else
		eve->written++;
	pthread_mutex_unlock(&eve->lock);
	json_object_put(event);
	return err;
}

int eve_write_line(struct eve_writer *eve, const char *line, size_t len)
{
	int err = 0;

	pthread_mutex_lock(&eve->lock);
	if (fwrite(line, 1, len, eve->file) != len || fputc('\n', eve->file) == EOF)
		err = errno ? -errno : -EIO;
	if (err)
		eve->errors++;
	else
		eve->written++;
	pthread_mutex_unlock(&eve->lock);
	return err;
}

int eve_flush(struct eve_writer *eve)
{
	int err = 0;

	pthread_mutex_lock(&eve->lock);
	if (fflush(eve->file) == EOF) {
		eve->errors++;
		err = -errno;
	}
	pthread_mutex_unlock(&eve->lock);
	return err;
}

uint64_t eve_events_written(const struct eve_writer *eve)
{
	return eve->written;
}

uint64_t eve_write_errors(const struct eve_writer *eve)
{
	return eve->errors;
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

void eve_add_i64(struct json_object *obj, const char *key, int64_t value)
{
	json_object_object_add(obj, key, json_object_new_int64(value));
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
