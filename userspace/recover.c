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

int recover_stale_pins(const char *pin_dir, struct flow_exporter *x)
{
	struct sweep_result result = {};
	struct eve_tally lost_before, lost_after;
	uint64_t own_salt = x->flow_id_salt, refused_before = x->handed.write_errors, salt;
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
		lost_before = output_flows_lost(x->out, EW_END_RECOVERED);
		err = flow_table_drain(fd, x, EW_END_RECOVERED, datapath_clock_now_ns(), &result);
		x->flow_id_salt = own_salt;
		close(fd);
		/* written out now: a drained flow is gone from the table, so a line the
		 * writer cannot write must be known before the pins go */
		if (output_flush(x->out) && !err)
			err = -EIO;
		lost_after = output_flows_lost(x->out, EW_END_RECOVERED);
		if (err) {
			/* the pins stay (with what is left): the next start tries again */
			log_error("the flows an instance left in %s could not all be exported "
				  "(%s): %llu drained, %llu of them lost in writing, %llu not "
				  "written", pin_dir, strerror(-err),
				  (unsigned long long)result.exported[EW_END_RECOVERED],
				  (unsigned long long)(lost_after.lines - lost_before.lines),
				  (unsigned long long)(x->handed.write_errors - refused_before));
			return err;
		}
		log_warn("found the state of an instance that died without cleaning up (%s): "
			 "exported its %llu flows with reason \"recovered\"",
			 pin_dir, (unsigned long long)result.exported[EW_END_RECOVERED]);
	}
	if (remove_pins(pin_dir))
		log_warn("cannot remove stale pins in %s", pin_dir);
	return 0;
}
