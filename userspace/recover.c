// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "engine.h"
#include "log.h"
#include "recover.h"

static int remove_pins(const char *pin_dir)
{
	char path[512];
	struct dirent *de;
	DIR *dir = opendir(pin_dir);

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		unlink(path);
	}
	closedir(dir);
	return rmdir(pin_dir) ? -errno : 0;
}

/* Is fd a flow table this build can read (same key and value layout)? */
static int flow_table_compatible(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.key_size == sizeof(struct flow_key) &&
	       info.value_size == sizeof(struct flow_record);
}

int recover_stale_pins(const char *pin_dir, struct flow_exporter *x)
{
	struct sweep_result result;
	char path[512];
	int fd, err = 0;

	if (access(pin_dir, F_OK))
		return 0;
	snprintf(path, sizeof(path), "%s/flows", pin_dir);
	fd = bpf_obj_get(path);
	if (fd >= 0 && flow_table_compatible(fd)) {
		err = flow_table_drain(fd, x, FLOW_END_RECOVERED, datapath_clock_now_ns(),
				       &result);
		log_warn("found the state of an instance that died without cleaning up (%s): "
			 "exported its %llu flows with reason \"recovered\"",
			 pin_dir, (unsigned long long)result.exported[FLOW_END_RECOVERED]);
	} else if (fd >= 0) {
		log_warn("%s holds a flow table of another edgewatch version; its flows cannot "
			 "be read and are discarded", pin_dir);
	}
	if (fd >= 0)
		close(fd);
	if (remove_pins(pin_dir))
		log_warn("cannot remove stale pins in %s", pin_dir);
	return err;
}
