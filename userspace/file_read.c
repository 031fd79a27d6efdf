// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Bounded whole-file reads of regular files (file_read.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"

static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a file";
	}
}

static int too_large(const char *kind, char *why, size_t why_size)
{
	snprintf(why, why_size, "larger than %u MiB: not a %s file", FILE_READ_MAX >> 20, kind);
	return -EFBIG;
}

int file_read_whole(const char *path, const char *kind, char **out, size_t *len, char *why,
		    size_t why_size)
{
	char *bytes = NULL, *grown;
	size_t used = 0, capacity;
	struct stat st;
	int fd, err = 0;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_size, "cannot open: %s", strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		snprintf(why, why_size, "cannot read: %s", strerror(-err));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "not a regular file (%s)", file_type_name(st.st_mode));
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto cleanup;
	}
	if ((unsigned long long)st.st_size > FILE_READ_MAX) {
		err = too_large(kind, why, why_size);
		goto cleanup;
	}
	/* st_size is a hint: the file may grow or shrink while it is read (/proc says 0) */
	capacity = (size_t)st.st_size + 1;
	bytes = malloc(capacity);
	for (;;) {
		ssize_t n;

		if (bytes && used + 1 == capacity) {
			/* full: one more byte than the cap is enough to know it is too large */
			capacity = capacity * 2 > FILE_READ_MAX + 2 ? FILE_READ_MAX + 2 : capacity * 2;
			grown = realloc(bytes, capacity);
			if (!grown)
				free(bytes);
			bytes = grown;
		}
		if (!bytes) {
			err = -ENOMEM;
			snprintf(why, why_size, "out of memory");
			goto cleanup;
		}
		n = read(fd, bytes + used, capacity - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			snprintf(why, why_size, "cannot read: %s", strerror(-err));
			goto cleanup;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > FILE_READ_MAX) {
			err = too_large(kind, why, why_size);
			goto cleanup;
		}
	}
	bytes[used] = '\0';
	*out = bytes;
	*len = used;
	bytes = NULL;
cleanup:
	free(bytes);
	close(fd);
	return err;
}
