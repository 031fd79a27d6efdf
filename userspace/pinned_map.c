// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "log.h"
#include "pinned_map.h"

int pinned_map_open(const char *pin_dir, const char *name, uint32_t key_size,
		    uint32_t value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (info.key_size != key_size || info.value_size != value_size) {
		log_error("%s was pinned by another version of edgewatch (key %u and value %u "
			  "bytes; this one uses %u and %u): use that version's binary, or "
			  "restart the daemon with this one", path, info.key_size,
			  info.value_size, key_size, value_size);
		close(fd);
		return -EPROTO;
	}
	return fd;
}
