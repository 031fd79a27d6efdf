// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What replay loads (issue 11: start-up was a quarter of replaying a capture): only the
 * programs it runs (the XDP batch program and the sweeper; not the tc program, and not
 * ew_xdp_ingress, whose body the batch program runs: nothing to verify for them), and a flow table that is not preallocated (filling 262,144 slots was
 * a third of the start-up) but holds exactly as many flows: the size-th flow goes in,
 * the next is refused. A live load keeps both (tc attaches; a preallocated table
 * allocates nothing per new flow in the fast path).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath_loader.h"
#include "log.h"
#include "../support/test.h"

#define TABLE 64

static __u32 map_flags_of(struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
		return ~0U;
	return info.map_flags;
}

static void test_replay_loads_what_it_runs(struct test_case *t)
{
	struct datapath_options opts = { .replay = 1, .flow_table_size = TABLE };
	struct datapath_instance dp;
	__u32 flags;

	CHECK(t, datapath_load(&dp, &opts) == 0, "replay load failed");
	flags = map_flags_of(dp.skel->maps.flows);
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_xdp_replay_batch) >= 0,
	       "no XDP batch program");
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_xdp_ingress) < 0,
	       "the live XDP program was loaded (and its body verified twice) for replay");
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_sweep) >= 0, "no sweeper");
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_tc_egress) < 0,
	       "the tc program was loaded (and verified) for replay");
	EXPECT(t, flags != ~0U && (flags & BPF_F_NO_PREALLOC),
	       "replay's flow table is preallocated (map flags 0x%x)", flags);
	datapath_destroy(&dp);
}

static void test_live_loads_everything(struct test_case *t)
{
	struct datapath_options opts = { .flow_table_size = TABLE };
	struct datapath_instance dp;
	__u32 flags;

	CHECK(t, datapath_load(&dp, &opts) == 0, "live load failed");
	flags = map_flags_of(dp.skel->maps.flows);
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_tc_egress) >= 0, "no tc program");
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_xdp_ingress) >= 0, "no XDP program");
	EXPECT(t, bpf_program__fd(dp.skel->progs.ew_xdp_replay_batch) < 0,
	       "replay's batch program was loaded (and verified) for a live run");
	EXPECT(t, flags != ~0U && !(flags & BPF_F_NO_PREALLOC),
	       "the live flow table is not preallocated (map flags 0x%x)", flags);
	datapath_destroy(&dp);
}

/* The table without preallocation still holds TABLE flows, and refuses the next. */
static void test_replay_table_holds_its_size(struct test_case *t)
{
	struct datapath_options opts = { .replay = 1, .flow_table_size = TABLE };
	struct datapath_instance dp;
	struct flow_record rec = {};
	struct flow_key key;
	int fd, i, err = 0;

	CHECK(t, datapath_load(&dp, &opts) == 0, "replay load failed");
	fd = bpf_map__fd(dp.skel->maps.flows);
	for (i = 0; i <= TABLE; i++) {
		memset(&key, 0, sizeof(key));
		key.family = 4;
		key.proto = 17;
		key.port_a = (__be16)(1000 + i);
		err = bpf_map_update_elem(fd, &key, &rec, BPF_NOEXIST) ? -errno : 0;
		if (i < TABLE && err)
			break;
	}
	datapath_destroy(&dp);
	CHECK(t, i > TABLE, "flow %d of a %d-flow table refused: %s", i + 1, TABLE,
	      strerror(-err));
	CHECK(t, err == -E2BIG, "flow %d of a %d-flow table: %s, want refused (E2BIG)",
	      TABLE + 1, TABLE, err ? strerror(-err) : "taken");
}

int main(void)
{
	test_program = "replay_load";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	RUN(test_replay_loads_what_it_runs);
	RUN(test_live_loads_everything);
	RUN(test_replay_table_holds_its_size);
	return test_summary();
}
