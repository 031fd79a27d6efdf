// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow's owner counts without a lock (bpf/datapath.h, struct flow_record; issue 11):
 * the live XDP program (not replay's: it adds plainly everywhere) run with
 * BPF_PROG_TEST_RUN from threads pinned to chosen CPUs. The CPU that created a flow adds
 * into own_packets/own_bytes, another CPU into packets/bytes; the sweeper hands over one
 * count per direction; and the two CPUs counting one flow at the same time lose nothing.
 * With atomic counters (a PREEMPT_RT kernel) the owner adds atomically like the rest.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_loader.h"
#include "log.h"
#include "../support/packet_builder.h"
#include "../support/test.h"

#define XDP_PASS_VERDICT 2
#define BURST 10000		/* test runs per call while two CPUs race */
#define CALLS 40

static struct datapath_instance dp;
static struct pkt frame;	/* UDP 198.18.1.1:41000 -> 198.18.1.2:443, from outside */
static int cpus[2];		/* two online CPUs this process may use */

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The first two CPUs this process may run on; -1 when there are fewer. */
static int find_two_cpus(void)
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	return n == 2 ? 0 : -1;
}

/* repeat runs of the frame through the live ew_xdp_ingress on this thread's CPU. */
static int run_frame(int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data,
		    .data_size_in = (__u32)frame.len, .repeat = repeat);

	if (bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ew_xdp_ingress), &opts))
		return -errno;
	return opts.retval == XDP_PASS_VERDICT ? 0 : -EPROTO;
}

/* The one flow in the table, as the kernel holds it (not folded). 0 or -errno. */
static int the_flow(struct flow_key *key, struct flow_record *rec)
{
	int fd = bpf_map__fd(dp.skel->maps.flows);

	if (bpf_map_get_next_key(fd, NULL, key) || bpf_map_lookup_elem(fd, key, rec))
		return -errno;
	return 0;
}

static int clear_flows(void)
{
	struct flow_key key;
	int fd = bpf_map__fd(dp.skel->maps.flows);

	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	return 0;
}

static void test_owner_plain_others_atomic(struct test_case *t)
{
	struct flow_key key;
	struct flow_record rec, folded;
	__u64 len = frame.len;

	CHECK(t, clear_flows() == 0, "cannot empty the table");
	CHECK(t, pin_to(cpus[0]) == 0, "cannot pin to CPU %d", cpus[0]);
	CHECK(t, run_frame(1) == 0, "first packet");	/* creates the flow: cpus[0] owns it */
	CHECK(t, run_frame(9) == 0, "owner's packets");
	CHECK(t, pin_to(cpus[1]) == 0, "cannot pin to CPU %d", cpus[1]);
	CHECK(t, run_frame(5) == 0, "the other CPU's packets");
	CHECK(t, the_flow(&key, &rec) == 0, "no flow in the table");
	EXPECT(t, EW_FLOW_OWNER_CPU(rec.flow_seq) == (__u32)cpus[0], "owner CPU %u, want %d",
	       EW_FLOW_OWNER_CPU(rec.flow_seq), cpus[0]);
	/* the creating packet is in the shared count (the record it inserted) */
	EXPECT(t, rec.own_packets[EW_DIR_TO_SERVER] == 9 && rec.own_bytes[EW_DIR_TO_SERVER] ==
							      9 * len,
	       "owner's part %llu packets %llu bytes, want 9 and %llu",
	       (unsigned long long)rec.own_packets[EW_DIR_TO_SERVER],
	       (unsigned long long)rec.own_bytes[EW_DIR_TO_SERVER], (unsigned long long)(9 * len));
	EXPECT(t, rec.packets[EW_DIR_TO_SERVER] == 6 && rec.bytes[EW_DIR_TO_SERVER] == 6 * len,
	       "shared part %llu packets %llu bytes, want 6 and %llu",
	       (unsigned long long)rec.packets[EW_DIR_TO_SERVER],
	       (unsigned long long)rec.bytes[EW_DIR_TO_SERVER], (unsigned long long)(6 * len));
	EXPECT(t, flow_dir_packets(&rec, EW_DIR_TO_SERVER) == 15 &&
			  flow_dir_bytes(&rec, EW_DIR_TO_SERVER) == 15 * len,
	       "the direction's count %llu", (unsigned long long)flow_dir_packets(&rec, 0));
	folded = rec;
	flow_record_fold(&folded);
	EXPECT(t, folded.packets[EW_DIR_TO_SERVER] == 15 && folded.bytes[EW_DIR_TO_SERVER] ==
								   15 * len &&
			  !folded.own_packets[EW_DIR_TO_SERVER] && !folded.own_bytes[EW_DIR_TO_SERVER],
	       "folded: %llu packets", (unsigned long long)folded.packets[EW_DIR_TO_SERVER]);
	EXPECT(t, flow_dir_packets(&rec, EW_DIR_TO_CLIENT) == 0, "the other direction counted");
}

static struct flow_end ended;
static int ended_n;

static int on_ended(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(ended))
		memcpy(&ended, data, sizeof(ended));
	ended_n++;
	return 0;
}

/* After the previous test: the sweeper's record carries the sum, with nothing in own_*. */
static void test_sweeper_hands_over_the_sum(struct test_case *t)
{
	struct sweep_args args = { .flags = EW_SWEEP_F_ALL, .idle_ns = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	struct ring_buffer *rb;

	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.ended_flows), on_ended, NULL, NULL);
	CHECK(t, rb != NULL, "no ring buffer");
	ended_n = 0;
	EXPECT(t, bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ew_sweep), &opts) == 0,
	       "sweep: %s", strerror(errno));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	CHECK(t, ended_n == 1, "%d records, want 1", ended_n);
	EXPECT(t, ended.record.packets[EW_DIR_TO_SERVER] == 15 &&
			  ended.record.bytes[EW_DIR_TO_SERVER] == 15 * frame.len,
	       "the record says %llu packets, %llu bytes",
	       (unsigned long long)ended.record.packets[EW_DIR_TO_SERVER],
	       (unsigned long long)ended.record.bytes[EW_DIR_TO_SERVER]);
	EXPECT(t, !ended.record.own_packets[0] && !ended.record.own_packets[1] &&
			  !ended.record.own_bytes[0] && !ended.record.own_bytes[1],
	       "the record kept an owner's part");
}

static pthread_barrier_t start;

static void *racer(void *arg)
{
	long err = 0;
	int i;

	if (pin_to(*(int *)arg))
		return (void *)-1L;
	pthread_barrier_wait(&start);
	for (i = 0; i < CALLS && !err; i++)
		err = run_frame(BURST);
	return (void *)err;
}

/* The owner and another CPU counting the same flow at once: every packet is counted. */
static void test_two_cpus_at_once(struct test_case *t)
{
	struct flow_key key;
	struct flow_record rec;
	pthread_t th[2];
	void *ret[2];
	__u64 want = 1 + 2ULL * CALLS * BURST;
	int i;

	CHECK(t, clear_flows() == 0, "cannot empty the table");
	CHECK(t, pin_to(cpus[0]) == 0 && run_frame(1) == 0, "first packet");
	CHECK(t, pthread_barrier_init(&start, NULL, 2) == 0, "barrier");
	for (i = 0; i < 2; i++)
		CHECK(t, pthread_create(&th[i], NULL, racer, &cpus[i]) == 0, "thread");
	for (i = 0; i < 2; i++)
		pthread_join(th[i], &ret[i]);
	pthread_barrier_destroy(&start);
	CHECK(t, ret[0] == NULL && ret[1] == NULL, "a racer failed");
	CHECK(t, the_flow(&key, &rec) == 0, "no flow in the table");
	EXPECT(t, flow_dir_packets(&rec, EW_DIR_TO_SERVER) == want &&
			  flow_dir_bytes(&rec, EW_DIR_TO_SERVER) == want * frame.len,
	       "%llu packets (owner %llu, others %llu), want %llu",
	       (unsigned long long)flow_dir_packets(&rec, EW_DIR_TO_SERVER),
	       (unsigned long long)rec.own_packets[EW_DIR_TO_SERVER],
	       (unsigned long long)rec.packets[EW_DIR_TO_SERVER], (unsigned long long)want);
	EXPECT(t, rec.own_packets[EW_DIR_TO_SERVER] == (__u64)CALLS * BURST,
	       "the owner counted %llu, want %d",
	       (unsigned long long)rec.own_packets[EW_DIR_TO_SERVER], CALLS * BURST);
}

/* datapath_options.atomic_counters (set on PREEMPT_RT kernels): no CPU uses own_*. */
static void test_atomic_counters_switch(struct test_case *t)
{
	struct datapath_options opts = { .flow_table_size = 1024, .atomic_counters = 1 };
	struct datapath_instance live = dp;	/* the other tests' datapath, put back */
	struct flow_key key;
	struct flow_record rec = {};
	int loaded = datapath_load(&dp, &opts) == 0;

	EXPECT(t, loaded, "cannot load with atomic counters");
	if (loaded) {
		EXPECT(t, pin_to(cpus[0]) == 0 && run_frame(1) == 0 && run_frame(9) == 0,
		       "packets");
		EXPECT(t, the_flow(&key, &rec) == 0, "no flow in the table");
		EXPECT(t, rec.packets[EW_DIR_TO_SERVER] == 10 &&
				  rec.own_packets[EW_DIR_TO_SERVER] == 0 &&
				  rec.own_bytes[EW_DIR_TO_SERVER] == 0,
		       "shared %llu, owner's %llu: want 10 and 0",
		       (unsigned long long)rec.packets[EW_DIR_TO_SERVER],
		       (unsigned long long)rec.own_packets[EW_DIR_TO_SERVER]);
		datapath_destroy(&dp);
	}
	dp = live;
}

int main(void)
{
	struct datapath_options opts = { .flow_table_size = 1024 };

	test_program = "flow_owner";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	if (find_two_cpus()) {
		printf("SKIP %s: needs two CPUs to run on, this process has one\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	pkt_init(&frame);
	pkt_eth(&frame);
	pkt_ipv4(&frame, &(struct pkt_ipv4){ .src = "198.18.1.1", .dst = "198.18.1.2" });
	pkt_udp(&frame, 41000, 443);
	pkt_payload(&frame, 100, 'o');
	pkt_finish(&frame);
	if (!pkt_ok(&frame) || datapath_load(&dp, &opts)) {
		printf("FAIL %s/setup: cannot build the frame or load the live datapath\n",
		       test_program);
		return 1;
	}
	RUN(test_owner_plain_others_atomic);
	RUN(test_sweeper_hands_over_the_sum);
	RUN(test_two_cpus_at_once);
	RUN(test_atomic_counters_switch);
	datapath_destroy(&dp);
	return test_summary();
}
