// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "map_memory.h"

int64_t map_memory_parse_fdinfo(const char *fdinfo)
{
	const char *line = fdinfo;
	char *end;
	unsigned long long v;

	while (line && *line) {
		if (!strncmp(line, "memlock:", 8)) {
			errno = 0;
			v = strtoull(line + 8, &end, 10);
			if (errno || end == line + 8 || (*end && *end != '\n'))
				return -1;
			return (int64_t)v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

int64_t map_memory_of_fd(int fd)
{
	char path[64], text[1024];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, text, sizeof(text) - 1);
	close(f);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	return map_memory_parse_fdinfo(text);
}

int64_t map_memory_of_map(const struct bpf_map *map)
{
	int64_t bytes = map_memory_of_fd(bpf_map__fd(map));

	/* kernels before 6.4 charge (key + value) x entries, which is 0 for a ring buffer
	 * though its data pages are allocated: count those */
	if (bytes == 0 && bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
		bytes = bpf_map__max_entries(map);
	return bytes;
}

int map_memory_read(const struct bpf_object *obj, struct map_memory *out)
{
	struct bpf_map *map;
	int64_t bytes;

	memset(out, 0, sizeof(*out));
	bpf_object__for_each_map(map, obj) {
		int fd = bpf_map__fd(map);

		if (fd < 0)	/* not created (autocreate off) */
			continue;
		out->maps++;
		bytes = map_memory_of_map(map);
		if (bytes < 0) {
			out->unreadable++;
			continue;
		}
		out->bytes += bytes;
		if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			out->ringbuf_bytes += bytes;
	}
	return out->maps && out->unreadable == out->maps ? -ENOENT : 0;
}
