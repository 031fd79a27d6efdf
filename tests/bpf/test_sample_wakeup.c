// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How the live datapath wakes the sample consumer (bpf/sample.bpf.h, sample_wake_flags;
 * issue 11): a sample wakes the daemon when EW_SAMPLE_WAKE_NS (1 ms) have passed since
 * the last one that did, by the datapath's clock; the samples in between go to the ring
 * without a wake-up (epoll does not report them) and none is lost. The live
 * ew_xdp_ingress through BPF_PROG_TEST_RUN, its clock set by the test, the first-packets
 * sampling on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_loader.h"
#include "log.h"
#include "../support/packet_builder.h"
#include "../support/test.h"

#define T0 5000000000ULL	/* the datapath's clock at the first sample */

static struct datapath_instance dp;
static struct pkt frame;	/* UDP 198.18.2.1:41000 -> 198.18.2.2:443 with 100 bytes */

/* One packet through the live program at datapath clock now. 0 or -errno. */
static int run_at(__u64 now)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data,
		    .data_size_in = (__u32)frame.len, .repeat = 1);

	dp.skel->bss->clock_now_ns = now;
	if (bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ew_xdp_ingress), &opts))
		return -errno;
	return 0;
}

static int samples_read;
static __u64 sample_ts[8];

static int on_sample(void *ctx, void *data, size_t size)
{
	const struct sample_header *s = data;

	(void)ctx;
	if (size >= sizeof(*s) && samples_read < 8)
		sample_ts[samples_read] = s->ts_ns;
	samples_read++;
	return 0;
}

/* Sampling on (first 4 payload packets of each direction), no management policy. */
static int sampling_on(void)
{
	struct policy_config pc = { .generation = 1, .sample_first = 4 };
	__u32 set = 1;

	if (bpf_map_update_elem(bpf_map__fd(dp.skel->maps.policy_configs), &set, &pc, BPF_ANY))
		return -errno;
	dp.skel->bss->policy_gen = 1;
	return 0;
}

/*
 * Did the last packet's sample wake a reader? ring_buffer__poll waits in epoll, which a
 * ring reports only after a wake-up (the previous call, which found it empty, took it off
 * the ready list); ring_buffer__consume reads the ring directly, woken or not. Returns
 * 1 (woken, read), 0 (not woken; read without), -1 (not in the ring at all).
 */
static int sample_woke(struct ring_buffer *rb)
{
	int n = ring_buffer__poll(rb, 100);	/* the irq_work runs on the way out of the run */

	if (n == 1 && ring_buffer__poll(rb, 0) == 0)
		return 1;
	if (n == 0 && ring_buffer__consume(rb) == 1 && ring_buffer__poll(rb, 0) == 0)
		return 0;
	return -1;
}

static void test_one_wakeup_a_millisecond(struct test_case *t)
{
	/* the clock of each packet, the last woken sample's after it, and whether it woke */
	static const struct {
		__u64 now, woken;
		int wakes;
	} steps[] = {
		{ T0, T0, 1 },				/* the first wakes at once */
		{ T0 + 400000, T0, 0 },			/* 0.4 ms later: no wake-up */
		{ T0 + 999999, T0, 0 },			/* just under 1 ms: none */
		{ T0 + 1000000, T0 + 1000000, 1 },	/* 1 ms: wakes */
	};
	struct ring_buffer *rb;
	size_t i;
	int woke;

	CHECK(t, sampling_on() == 0, "cannot turn sampling on: %s", strerror(errno));
	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.samples), on_sample, NULL, NULL);
	CHECK(t, rb != NULL, "cannot read the samples ring");
	/* empty, and off epoll's ready list */
	ring_buffer__consume(rb);
	ring_buffer__poll(rb, 0);
	samples_read = 0;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (run_at(steps[i].now)) {
			EXPECT(t, 0, "packet %zu did not run", i + 1);
			break;
		}
		EXPECT(t, dp.skel->bss->samples_woken_ns == steps[i].woken,
		       "after packet %zu (clock %llu): last wake-up at %llu, want %llu", i + 1,
		       (unsigned long long)steps[i].now,
		       (unsigned long long)dp.skel->bss->samples_woken_ns,
		       (unsigned long long)steps[i].woken);
		woke = sample_woke(rb);
		EXPECT(t, woke == steps[i].wakes, "packet %zu's sample: %s, want %s", i + 1,
		       woke < 0 ? "not in the ring" : woke ? "woke the reader" : "no wake-up",
		       steps[i].wakes ? "a wake-up" : "none");
	}
	ring_buffer__free(rb);
	/* every sample was read, in order, woken or not */
	EXPECT(t, samples_read == 4, "read %d samples, want 4", samples_read);
	for (i = 0; i < 4 && i < (size_t)samples_read; i++)
		EXPECT(t, sample_ts[i] == steps[i].now, "sample %zu at %llu, want %llu", i + 1,
		       (unsigned long long)sample_ts[i], (unsigned long long)steps[i].now);
}

int main(void)
{
	struct datapath_options opts = { .flow_table_size = 1024 };

	test_program = "sample_wakeup";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	pkt_init(&frame);
	pkt_eth(&frame);
	pkt_ipv4(&frame, &(struct pkt_ipv4){ .src = "198.18.2.1", .dst = "198.18.2.2" });
	pkt_udp(&frame, 41000, 443);
	pkt_payload(&frame, 100, 's');
	pkt_finish(&frame);
	if (!pkt_ok(&frame) || datapath_load(&dp, &opts)) {
		printf("FAIL %s/setup: cannot build the frame or load the live datapath\n",
		       test_program);
		return 1;
	}
	RUN(test_one_wakeup_a_millisecond);
	datapath_destroy(&dp);
	return test_summary();
}
