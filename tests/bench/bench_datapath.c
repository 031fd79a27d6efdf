// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath benchmarks, reported against baselines measured in the same run (this
 * machine is shared and noisy; ratios travel, absolute numbers do not):
 * - ns/packet of the XDP program through BPF_PROG_TEST_RUN (repeat >= 1,000,000) for an
 *   established TCP flow and a VLAN+VXLAN packet, new flows (one test run per new
 *   flow), against an empty XDP program and, for the established flow, against a
 *   minimal flow counter (an IPv4 5-tuple LRU hash of packets and bytes, bench.bpf.c:
 *   issue 11's yardstick) and the ladder from it to the datapath's table shape (its key,
 *   its record, both); the flow table as a hash (chosen), an LRU and a per-CPU hash;
 *   and what the two kernel clocks cost;
 * - one sweep of a table holding 1,000,000 flows: scan only, and export-and-delete;
 * - kernel memory per flow slot;
 * - the anomaly detectors' in-kernel cost on the established-flow path: the flows' gap
 *   sums (flow_note_gap(), the beacon detector's) against the same datapath built
 *   without them (bpf/bench_nogap.bpf.c), in the same run.
 * Prints Markdown. Run as root: .output/bench/bench_datapath [--quick | --memory]
 * (--memory: the kernel memory table alone)
 */
#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"
#include "bench_nogap.skel.h"
#include "datapath.skel.h"
#include "datapath_loader.h"
#include "flow_export.h"
#include "flow_sweep.h"
#include "map_memory.h"
#include "bench_run.h"
#include "bench_time.h"

static int quick;

static void build_tcp(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = "198.18.0.10", .dst = "198.18.0.1" });
	pkt_tcp(p, 40000, 443, PKT_TCP_ACK, 0);
	pkt_payload(p, 64, 'a');
	pkt_finish(p);
}

static void build_vlan_vxlan(struct pkt *p)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 100);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = "198.18.1.1", .dst = "198.18.1.2" });
	pkt_udp(p, 50000, 4789);
	pkt_vxlan(p, 42);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = "198.18.2.10", .dst = "198.18.2.1" });
	pkt_tcp(p, 40000, 443, PKT_TCP_ACK, 0);
	pkt_payload(p, 64, 'a');
	pkt_finish(p);
}

struct table_variant {
	const char *name;
	enum bpf_map_type type;
};

static struct datapath *load_datapath(enum bpf_map_type flow_map_type, uint32_t table_size)
{
	struct datapath *skel = datapath__open();

	if (!skel)
		return NULL;
	bpf_map__set_type(skel->maps.flows, flow_map_type);
	bpf_map__set_max_entries(skel->maps.flows, table_size);
	if (datapath__load(skel)) {
		datapath__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * The ladder from the minimal counter to the datapath's table shape (bench.bpf.c): the
 * same counting with edgewatch's 48-byte key, with its 224-byte record, and with both in
 * a preallocated hash, each as a multiple of the counter. The datapath's row over the
 * table shape's rung is the rest of its work (parser, policy, outcome counters,
 * sampling). Two more rungs price a compact table (a 64-byte hot entry per flow, the
 * rest of the record elsewhere), with the 48-byte key and with a 16-byte one.
 */
static void print_ladder(struct bench *bench, const struct pkt *tcp, int repeat, double empty,
			 double minimal)
{
	const struct {
		const char *name, *table;
		struct bpf_program *prog;
	} rungs[] = {
		{ "the counter with edgewatch's 48-byte key (struct flow_key)", "LRU hash",
		  bench->progs.bench_ladder_wide_key },
		{ "the counter with edgewatch's 224-byte record (struct flow_record)", "LRU hash",
		  bench->progs.bench_ladder_record },
		{ "the counter with both: the datapath's table shape", "hash",
		  bench->progs.bench_ladder_table_shape },
		{ "a compact table: the 48-byte key, a 64-byte hot entry", "hash",
		  bench->progs.bench_ladder_compact },
		{ "a compact table with a 16-byte key and a 64-byte hot entry", "hash",
		  bench->progs.bench_ladder_compact_key16 },
	};
	size_t i;

	for (i = 0; i < sizeof(rungs) / sizeof(rungs[0]); i++) {
		double ns = bench_ns_per_packet(bpf_program__fd(rungs[i].prog), tcp, repeat);

		printf("| TCP, established flow: %s (%.2fx the minimal counter) | %s | %.1f | %.1f "
		       "| %.1f |\n", rungs[i].name, ns / minimal, rungs[i].table, ns, ns - empty,
		       ns / empty);
	}
}

/*
 * The CPU the bench runs on, pinned: a flow's packets come to one CPU (RSS), which
 * creates it and owns its counters (struct flow_record); the other CPU this process may
 * use, or -1.
 */
static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int pin_home(int *other)
{
	cpu_set_t set;
	int home = sched_getcpu(), cpu;

	*other = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE && *other < 0; cpu++)
			if (cpu != home && CPU_ISSET(cpu, &set))
				*other = cpu;
	if (home < 0 || pin_cpu(home))
		return -1;
	return home;
}

static void bench_test_run(void)
{
	static const struct table_variant variants[] = {
		{ "hash (chosen)", BPF_MAP_TYPE_HASH },
		{ "LRU hash", BPF_MAP_TYPE_LRU_HASH },
		{ "per-CPU hash", BPF_MAP_TYPE_PERCPU_HASH },
	};
	int repeat = quick ? 200000 : 2000000, new_flows = quick ? 20000 : 200000;
	struct bench *bench = bench__open_and_load();
	struct pkt tcp, vxlan;
	double empty, empty_single, ktime, coarse, minimal, not_owner = 0;
	int home, other;
	size_t v;

	if (!bench) {
		fprintf(stderr, "cannot load the bench programs\n");
		exit(1);
	}
	home = pin_home(&other);
	build_tcp(&tcp);
	build_vlan_vxlan(&vxlan);
	empty = bench_ns_per_packet(bpf_program__fd(bench->progs.bench_empty_pass), &tcp, repeat);
	empty_single = bench_ns_per_new_flow(bpf_program__fd(bench->progs.bench_empty_pass), &tcp,
					     new_flows / 10);
	minimal = bench_ns_per_packet(bpf_program__fd(bench->progs.bench_minimal_counter), &tcp,
				      repeat);
	ktime = bench_ns_per_packet(bpf_program__fd(bench->progs.bench_ktime), &tcp, repeat);
	coarse = bench_ns_per_packet(bpf_program__fd(bench->progs.bench_ktime_coarse), &tcp,
				     repeat);

	printf("### XDP program, BPF_PROG_TEST_RUN (repeat %d; new flows: %d single runs)\n\n",
	       repeat, new_flows);
	printf("| packet | flow table | ns/packet | minus empty | x empty |\n");
	printf("|---|---|---:|---:|---:|\n");
	printf("| empty XDP program (baseline) | - | %.1f | 0 | 1.0 |\n", empty);
	printf("| TCP, established flow: the minimal counter (IPv4 5-tuple, LRU hash, "
	       "bench.bpf.c) | LRU hash | %.1f | %.1f | %.1f |\n", minimal, minimal - empty,
	       minimal / empty);
	print_ladder(bench, &tcp, repeat, empty, minimal);
	for (v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		struct datapath *skel = load_datapath(variants[v].type, EW_FLOW_TABLE_DEFAULT);
		int fd;
		double est, vx, fresh;

		if (!skel) {
			printf("| (%s did not load) | | | | |\n", variants[v].name);
			continue;
		}
		fd = bpf_program__fd(skel->progs.ew_xdp_ingress);
		build_tcp(&tcp);
		est = bench_ns_per_packet(fd, &tcp, repeat);
		/* the same flow (created on home) counted from the other CPU: the atomic adds */
		if (v == 0 && home >= 0 && other >= 0 && pin_cpu(other) == 0) {
			not_owner = bench_ns_per_packet(fd, &tcp, repeat);
			pin_cpu(home);
		}
		vx = bench_ns_per_packet(fd, &vxlan, repeat);
		fresh = bench_ns_per_new_flow(fd, &tcp, new_flows);
		printf("| TCP, established flow (%.2fx the minimal counter; goal <= 1.3) | %s | "
		       "%.1f | %.1f | %.1f |\n", est / minimal, variants[v].name, est, est - empty,
		       est / empty);
		if (v == 0 && not_owner > 0)
			printf("| TCP, established flow, counted on a CPU other than the one that "
			       "created it (atomic adds; %.2fx the minimal counter) | %s | %.1f | "
			       "%.1f | %.1f |\n", not_owner / minimal, variants[v].name, not_owner,
			       not_owner - empty, not_owner / empty);
		printf("| VLAN + VXLAN, established | %s | %.1f | %.1f | %.1f |\n",
		       variants[v].name, vx, vx - empty, vx / empty);
		printf("| TCP, new flow (single runs; baseline %.1f) | %s | %.1f | %.1f | %.1f |\n",
		       empty_single, variants[v].name, fresh, fresh - empty_single,
		       fresh / empty_single);
		datapath__destroy(skel);
	}
	printf("\n| clock helper | ns/packet | minus empty |\n|---|---:|---:|\n");
	printf("| bpf_ktime_get_ns | %.1f | %.1f |\n", ktime, ktime - empty);
	printf("| bpf_ktime_get_coarse_ns | %.1f | %.1f |\n", coarse, coarse - empty);
	printf("| a variable userspace keeps current (chosen) | - | about 0 |\n\n");
	bench__destroy(bench);
}

/* memlock of a map (what the kernel charges for it), from /proc/self/fdinfo. */
/* Fill the flow table with n idle flows from userspace (batch updates). */
static int fill_table(int fd, uint32_t n, uint64_t last_seen)
{
	const uint32_t chunk = 8192;
	struct flow_key *keys = calloc(chunk, sizeof(*keys));
	struct flow_record *vals = calloc(chunk, sizeof(*vals));
	uint32_t i, done = 0;
	int err = 0;

	while (!err && done < n) {
		uint32_t count = n - done < chunk ? n - done : chunk;

		for (i = 0; i < count; i++) {
			uint32_t id = done + i;

			memset(&keys[i], 0, sizeof(keys[i]));
			keys[i].family = 4;
			keys[i].proto = 6;
			keys[i].addr_a.be32[0] = htobe32(0xC6120000 | (id >> 16));	/* 198.18.x */
			keys[i].addr_b.be32[0] = htobe32(0xC6130001);
			keys[i].port_a = htobe16(id & 0xffff);
			keys[i].port_b = htobe16(443);
			memset(&vals[i], 0, sizeof(vals[i]));
			vals[i].packets[0] = 3;
			vals[i].packets[1] = 2;
			vals[i].bytes[0] = 300;
			vals[i].bytes[1] = 2000;
			vals[i].first_seen_ns = last_seen - 1000;
			vals[i].last_seen_ns = last_seen;
			vals[i].flow_seq = id;
		}
		err = bpf_map_update_batch(fd, keys, vals, &count, NULL);
		done += count;
	}
	free(keys);
	free(vals);
	return err;
}

/* One sweep by the kernel's sweeper: its time. */
static double time_sweep_bpf(struct datapath *skel, struct flow_exporter *x,
			     const struct sweep_policy *policy, uint64_t now, int shutdown)
{
	struct sweep_result result;
	struct sweep_run run = { .x = x, .now_ns = now, .result = &result };
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.ended_flows),
						  flow_sweep_on_ended, &run, NULL);
	double t;

	if (!rb)
		exit(1);
	t = now_s();
	flow_table_sweep_bpf(skel, rb, &run, policy, shutdown);
	t = now_s() - t;
	ring_buffer__free(rb);
	return t;
}

/* The userspace alternative to the sweeper's walk: reading the table with batch calls. */
static double time_batch_reads(int fd)
{
	struct flow_key *keys = calloc(4096, sizeof(*keys));
	struct flow_record *vals = calloc(4096, sizeof(*vals));
	__u32 token = 0, count;
	int first = 1, done = 0;
	double t = now_s();

	while (!done) {
		count = 4096;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, vals, &count,
					 NULL))
			done = 1;
		first = 0;
	}
	t = now_s() - t;
	free(keys);
	free(vals);
	return t;
}

static void bench_sweep(void)
{
	uint32_t n = quick ? 100000 : 1000000;
	struct datapath *skel = load_datapath(BPF_MAP_TYPE_HASH, n + n / 8);
	struct sweep_policy policy = {
		.idle_timeout_ns = 60ULL * 1000000000ULL,
		.active_timeout_ns = 0,
		.tcp_closed_timeout_ns = 5ULL * 1000000000ULL,
		.table_size = n + n / 8,
	};
	struct sweep_result result;
	struct flow_exporter x;
	struct output out;
	uint64_t t0 = 1000ULL * 1000000000ULL, later = t0 + 120ULL * 1000000000ULL;
	double scan_user, scan_bpf, drain_bpf, drain_user;
	int fd;

	if (!skel || output_open(&out, "/dev/null", "bench0")) {
		fprintf(stderr, "cannot set up the sweep benchmark\n");
		exit(1);
	}
	fd = bpf_map__fd(skel->maps.flows);
	flow_exporter_init(&x, &out, 1, 0);
	if (fill_table(fd, n, t0)) {
		fprintf(stderr, "cannot fill the flow table: %s\n", strerror(errno));
		exit(1);
	}
	/* nothing has ended: the kernel's walk against reading the table from userspace */
	scan_bpf = time_sweep_bpf(skel, &x, &policy, t0 + 1000000000ULL, 0);
	scan_user = time_batch_reads(fd);
	/* everything is idle: export (to /dev/null) and delete, in the kernel ... */
	drain_bpf = time_sweep_bpf(skel, &x, &policy, later, 0);
	/* ... and from userspace, one lookup-and-delete per flow */
	fill_table(fd, n, t0);
	drain_user = now_s();
	flow_table_drain(fd, &x, EW_END_TIMEOUT, later, &result);
	drain_user = now_s() - drain_user;

	printf("### Flow table sweep, %u flows\n\n", n);
	printf("| sweep | ms | flows/s |\n|---|---:|---:|\n");
	printf("| kernel sweeper (chosen), nothing ended | %.0f | %.2e |\n", scan_bpf * 1e3,
	       n / scan_bpf);
	printf("| userspace batch reads of the table, no decisions | %.0f | %.2e |\n",
	       scan_user * 1e3, n / scan_user);
	printf("| kernel sweeper, all idle: export to EVE (/dev/null) and delete | %.0f | "
	       "%.2e |\n", drain_bpf * 1e3, n / drain_bpf);
	printf("| userspace, all idle: lookup-and-delete each, export | %.0f | %.2e |\n\n",
	       drain_user * 1e3, n / drain_user);
	flow_exporter_destroy(&x);
	output_close(&out);
	datapath__destroy(skel);
}

/*
 * Every map of the datapath as the daemon loads it (datapath_load, its ring buffers sized
 * by ring_sizes.h) for a table of `slots`: a row of the memory table.
 */
static void print_all_maps(uint32_t slots)
{
	struct datapath_options opts = { .flow_table_size = slots };
	struct datapath_instance dp;
	struct map_memory all;

	ring_sizes_for(&opts.rings, slots, EW_SNAPLEN_DEFAULT, 0, (size_t)sysconf(_SC_PAGESIZE));
	if (datapath_load(&dp, &opts))
		exit(1);
	if (map_memory_read(dp.skel->obj, &all) == 0)
		printf("| all %u maps of the datapath, as the daemon loads them "
		       "(stats.kernel.map_bytes) | %u | - | %.1f MiB | - |\n"
		       "| of which ring buffers (stats.kernel.ringbuf_bytes) | - | - | %.1f MiB "
		       "| - |\n", all.maps, slots, all.bytes / 1048576.0,
		       all.ringbuf_bytes / 1048576.0);
	datapath_destroy(&dp);
}

static void bench_memory(void)
{
	struct datapath *skel = load_datapath(BPF_MAP_TYPE_HASH, EW_FLOW_TABLE_DEFAULT);
	long long flows_mem, frags_mem;

	if (!skel)
		exit(1);
	flows_mem = map_memory_of_fd(bpf_map__fd(skel->maps.flows));
	frags_mem = map_memory_of_fd(bpf_map__fd(skel->maps.frags));
	printf("### Kernel memory (memlock as charged by the kernel)\n\n");
	printf("| map | slots | key + value bytes | total | bytes/slot |\n");
	printf("|---|---:|---:|---:|---:|\n");
	printf("| flows (hash, preallocated) | %u | %zu | %.1f MiB | %.0f |\n",
	       EW_FLOW_TABLE_DEFAULT, sizeof(struct flow_key) + sizeof(struct flow_record),
	       flows_mem / 1048576.0, (double)flows_mem / EW_FLOW_TABLE_DEFAULT);
	printf("| frags (LRU hash) | %u | %zu | %.1f MiB | %.0f |\n", EW_FRAG_TABLE_DEFAULT,
	       sizeof(struct frag_key) + sizeof(struct frag_entry), frags_mem / 1048576.0,
	       (double)frags_mem / EW_FRAG_TABLE_DEFAULT);
	datapath__destroy(skel);
	/* every map, as `status` and the stats event report it (stats.kernel): the default
	 * table and a small gateway's */
	print_all_maps(EW_FLOW_TABLE_DEFAULT);
	print_all_maps(16384);
	printf("\n");
}

/*
 * Average ns of single runs of p, the datapath's clock moved on 2 s before each: every
 * packet comes after a gap and opens a burst (the gap sums' every-packet worst case; a
 * real flow takes that path at most once a second).
 */
static double ns_per_packet_after_gaps(int prog_fd, __u64 *clock_ns, const struct pkt *p,
				       int runs)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < runs; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
			    .repeat = 1);

		*clock_ns += 2000000000ULL;
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "test run failed: %s\n", strerror(errno));
			exit(1);
		}
		total += opts.duration;
	}
	return (double)total / runs;
}

static double min_of(double a, double b)
{
	return a < b ? a : b;
}

/* The gap sums' bytes in a flow record (gap_sumsq_ms, gap_count, gap_sum_ms) */
#define GAP_BYTES                                                                          \
	(sizeof(((struct flow_record *)0)->gap_sumsq_ms) +                                 \
	 sizeof(((struct flow_record *)0)->gap_count) +                                    \
	 sizeof(((struct flow_record *)0)->gap_sum_ms))

/*
 * The detectors' only in-kernel work on an established flow is the beacon detector's
 * gap sums (the flood detector's kernel counters, when they come, are on the new-flow
 * path): the datapath with them against the same source built without, alternating
 * rounds so that both see the same machine, the best of each.
 */
static void bench_detector_cost(void)
{
	int repeat = quick ? 200000 : 2000000, rounds = quick ? 3 : 7,
	    gap_runs = quick ? 20000 : 200000, r;
	struct bench *bench = bench__open_and_load();
	struct datapath *with = load_datapath(BPF_MAP_TYPE_HASH, EW_FLOW_TABLE_DEFAULT);
	struct bench_nogap *without = bench_nogap__open();
	double empty = 1e18, est_with = 1e18, est_without = 1e18, gap_with = 1e18,
	       gap_without = 1e18, empty_single = 1e18;
	struct pkt tcp;

	if (!bench || !with || !without || bench_nogap__load(without)) {
		fprintf(stderr, "cannot load the detector-cost programs\n");
		exit(1);
	}
	build_tcp(&tcp);
	with->bss->clock_now_ns = without->bss->clock_now_ns = 1000000000000ULL;
	for (r = 0; r < rounds; r++) {
		int fd_with = bpf_program__fd(with->progs.ew_xdp_ingress);
		int fd_without = bpf_program__fd(without->progs.ew_xdp_ingress);
		int fd_empty = bpf_program__fd(bench->progs.bench_empty_pass);

		empty = min_of(empty, bench_ns_per_packet(fd_empty, &tcp, repeat));
		est_without = min_of(est_without, bench_ns_per_packet(fd_without, &tcp, repeat));
		est_with = min_of(est_with, bench_ns_per_packet(fd_with, &tcp, repeat));
		empty_single = min_of(empty_single,
				      bench_ns_per_new_flow(fd_empty, &tcp, gap_runs / rounds));
		build_tcp(&tcp);	/* bench_ns_per_new_flow changed its ports */
		gap_without = min_of(gap_without,
				     ns_per_packet_after_gaps(fd_without,
							      &without->bss->clock_now_ns, &tcp,
							      gap_runs / rounds));
		gap_with = min_of(gap_with,
				  ns_per_packet_after_gaps(fd_with, &with->bss->clock_now_ns, &tcp,
							   gap_runs / rounds));
	}
	printf("### Anomaly detectors in the kernel: established-flow cost (BPF_PROG_TEST_RUN, "
	       "best of %d alternating rounds)\n\n", rounds);
	printf("| packet | detectors' kernel part off (before) | on (chosen) | on - off | "
	       "ratio on / off | goal |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	printf("| TCP, established flow (repeat %d; empty program %.1f) | %.1f | %.1f | %+.1f | "
	       "%.3f | <= 1.10 |\n", repeat, empty, est_without, est_with, est_with - est_without,
	       est_with / est_without);
	printf("| TCP, established flow, every packet after a 2 s gap (single runs; empty "
	       "program %.1f) | %.1f | %.1f | %+.1f | %.3f | worst case, reported |\n\n",
	       empty_single, gap_without, gap_with, gap_with - gap_without,
	       gap_with / gap_without);
	printf("Kernel memory of the detectors: no map of their own; the gap sums are %zu bytes "
	       "of each flow slot (of the %zu-byte struct flow_record): %.1f MiB of the flow "
	       "table's at the default %u slots.\n\n", GAP_BYTES, sizeof(struct flow_record),
	       (double)GAP_BYTES * EW_FLOW_TABLE_DEFAULT / 1048576.0, EW_FLOW_TABLE_DEFAULT);
	bench_nogap__destroy(without);
	datapath__destroy(with);
	bench__destroy(bench);
}

int main(int argc, char **argv)
{
	quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	if (argc > 1 && strcmp(argv[1], "--memory") == 0) {
		bench_memory();
		return 0;
	}
	bench_test_run();
	bench_detector_cost();
	bench_sweep();
	bench_memory();
	return 0;
}
