// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What replay loads (issue 11: start-up was a quarter of replaying a capture): only the
 * programs it runs (the XDP batch program and the sweeper; not the tc program, and not
 * ew_xdp_ingress, whose body the batch program runs: nothing to verify for them), and a flow table that is not preallocated (filling 262,144 slots was
 * a third of the start-up) but holds exactly as many flows: the size-th flow goes in,
 * the next is refused. A live load keeps both (tc attaches; a preallocated table
 * allocates nothing per new flow in the fast path).
 * And the ring buffers the kernel creates are the sizes ring_sizes.h gives, in the kernel
 * memory it charges.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath_loader.h"
#include "log.h"
#include "map_memory.h"
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

/* at most 8 pages and 1/64 of the data over it */
#define RING_OVERHEAD(bytes) (8LL * sysconf(_SC_PAGESIZE) + (bytes) / 64)

static __u32 max_entries_of(struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
		return 0;
	return info.max_entries;
}

/* datapath_load makes the rings it is given, and a small table's rings cost less. */
static void check_rings(struct test_case *t, const char *what, int replay,
			const struct ring_sizes *rings)
{
	struct datapath_options opts = { .replay = replay, .flow_table_size = TABLE,
					 .rings = *rings };
	struct datapath_instance dp;
	int64_t ended_mem, samples_mem;

	CHECK(t, datapath_load(&dp, &opts) == 0, "%s: load failed", what);
	EXPECT(t, max_entries_of(dp.skel->maps.ended_flows) == rings->ended_flows,
	       "%s: ended_flows of %u bytes, want %u", what,
	       max_entries_of(dp.skel->maps.ended_flows), rings->ended_flows);
	EXPECT(t, max_entries_of(dp.skel->maps.samples) == rings->samples,
	       "%s: samples of %u bytes, want %u", what, max_entries_of(dp.skel->maps.samples),
	       rings->samples);
	/* the kernel charges the data pages (mapped twice, counted once), the consumer's
	 * and producer's pages and the page array: a few pages over the data (before 6.4
	 * it charges nothing, and map_memory counts the data) */
	ended_mem = map_memory_of_map(dp.skel->maps.ended_flows);
	samples_mem = map_memory_of_map(dp.skel->maps.samples);
	EXPECT(t, ended_mem >= rings->ended_flows &&
			  ended_mem <= rings->ended_flows + RING_OVERHEAD(rings->ended_flows),
	       "%s: ended_flows charges %lld bytes for %u", what, (long long)ended_mem,
	       rings->ended_flows);
	EXPECT(t, samples_mem >= rings->samples &&
			  samples_mem <= rings->samples + RING_OVERHEAD(rings->samples),
	       "%s: samples charges %lld bytes for %u", what, (long long)samples_mem,
	       rings->samples);
	datapath_destroy(&dp);
}

static void test_rings_follow_the_table(struct test_case *t)
{
	struct ring_sizes rings;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	ring_sizes_for(&rings, 16384, EW_SNAPLEN_DEFAULT, 0, page);
	EXPECT(t, rings.ended_flows < EW_ENDED_RINGBUF_SIZE && rings.samples <
							 EW_SAMPLES_RINGBUF_SIZE,
	       "a 16,384-slot table's rings are not smaller: %u %u", rings.ended_flows,
	       rings.samples);
	check_rings(t, "live, 16,384 slots", 0, &rings);
	/* a replay of one frame */
	ring_sizes_for(&rings, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_DEFAULT, 1, page);
	check_rings(t, "replay, one frame", 1, &rings);
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
	RUN(test_rings_follow_the_table);
	return test_summary();
}
