// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "engine.h"
#include "log.h"
#include "pinned_map.h"
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

/* The dead instance's flow id salt, or 0 when it did not leave one. */
static uint64_t dead_instance_salt(const char *pin_dir)
{
	struct instance_info info = {};
	__u32 zero = 0;
	int fd = pinned_map_open(pin_dir, "instance_info", sizeof(zero), sizeof(info));

	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &info))
		info.flow_id_salt = 0;
	close(fd);
	return info.flow_id_salt;
}

/* Flows in a table (what a failed recovery leaves for the next start). */
static uint64_t flows_left(int fd)
{
	struct flow_key key, next;
	uint64_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		n++;
		key = next;
		prev = &key;
	}
	return n;
}

int recover_stale_pins(const char *pin_dir, struct flow_exporter *x)
{
	struct sweep_result result = {};
	uint64_t own_salt = x->flow_id_salt, salt;
	int fd, err = 0;

	if (access(pin_dir, F_OK))
		return 0;
	fd = pinned_map_open(pin_dir, "flows", sizeof(struct flow_key),
			     sizeof(struct flow_record));
	if (fd == -EPROTO) {
		log_warn("the flows left in %s cannot be read by this version and are "
			 "discarded", pin_dir);
	} else if (fd < 0 && fd != -ENOENT) {
		log_error("cannot open the flows an instance left in %s: %s; remove the "
			  "directory to start without them", pin_dir, strerror(-fd));
		return fd;
	} else if (fd >= 0) {
		/* their flows with their ids: the alerts they wrote already name them; the
		 * recovered flows' packets are counted apart (recovered_packets), as this
		 * instance's counters never saw them */
		salt = dead_instance_salt(pin_dir);
		if (salt)
			x->flow_id_salt = salt;
		/* a flow leaves the table only once its line is flushed (flow_sweep.h) */
		err = flow_table_drain(fd, x, EW_END_RECOVERED, datapath_clock_now_ns(), &result);
		x->flow_id_salt = own_salt;
		if (err) {
			/* the pins stay (with what is left): the next start tries again */
			log_error("the flows an instance left in %s could not all be exported "
				  "(%s): %llu written, %llu kept in the pinned table for the next "
				  "start (fix the output and run again)", pin_dir, strerror(-err),
				  (unsigned long long)result.exported[EW_END_RECOVERED],
				  (unsigned long long)flows_left(fd));
			close(fd);
			return err;
		}
		close(fd);
		log_warn("found the state of an instance that died without cleaning up (%s): "
			 "exported its %llu flows with reason \"recovered\"",
			 pin_dir, (unsigned long long)result.exported[EW_END_RECOVERED]);
	}
	if (remove_pins(pin_dir))
		log_warn("cannot remove stale pins in %s", pin_dir);
	return 0;
}
