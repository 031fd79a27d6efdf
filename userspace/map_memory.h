/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel memory a BPF object's maps hold, as the kernel itself accounts it: the
 * "memlock" line of each map fd's /proc/self/fdinfo (bpf_map_memory_usage(), what
 * memcg charges), not a size worked out from max_entries.
 */
#ifndef EDGEWATCH_MAP_MEMORY_H
#define EDGEWATCH_MAP_MEMORY_H

#include <stdint.h>

struct bpf_object;
struct bpf_map;

struct map_memory {
	uint32_t maps;			/* maps created (with an fd) */
	uint64_t bytes;			/* their memlock, summed */
	uint64_t ringbuf_bytes;		/* the part ring buffers take */
	uint32_t unreadable;		/* maps whose fdinfo had no memlock line */
};

/* Sum obj's maps' memlock into out. 0, or -errno when none could be read. */
int map_memory_read(const struct bpf_object *obj, struct map_memory *out);
/* The memlock of one map fd (-1: none), and the same from text in the format of /proc/PID/fdinfo/FD; -1: none. */
/* A created map's memlock; a ring buffer's data bytes where the kernel (before 6.4)
 * charges it none. -1: none readable. */
int64_t map_memory_of_map(const struct bpf_map *map);
int64_t map_memory_of_fd(int fd);
int64_t map_memory_parse_fdinfo(const char *fdinfo);

#endif /* EDGEWATCH_MAP_MEMORY_H */
