// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>

#include "flow_table_scan.h"

#define SCAN_BATCH 1024

int flow_table_scan(int fd, flow_table_visit_fn visit, void *ctx, uint32_t *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), token = 0, count, i;
	struct flow_key *keys = calloc(SCAN_BATCH, sizeof(*keys));
	struct flow_record *vals = calloc(SCAN_BATCH, sizeof(*vals));
	int first = 1, done = 0, err = 0;
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);

	*max_entries = 0;
	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		*max_entries = info.max_entries;
	while (!done) {
		count = SCAN_BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, vals, &count,
					 &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				goto cleanup;
			}
			done = 1;	/* the last batch: count holds what it read */
		}
		first = 0;
		for (i = 0; i < count; i++) {
			/* the owner's and the other CPUs' counts as one (datapath.h) */
			flow_record_fold(&vals[i]);
			visit(ctx, &keys[i], &vals[i]);
		}
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}
