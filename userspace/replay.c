// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "detect/detect.h"
#include "engine.h"
#include "log.h"
#include "pcap_frames.h"
#include "replay.h"
#include "replay_batch.h"
#include "replay_table.h"

#define ETH_HLEN 14
#define PROGRESS_EVERY_NS (2ULL * 1000000000ULL)

static void replay_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch replay [-c CONFIG] [-o EVE_FILE] [-v] FILE...\n"
		"\n"
		"Feed every frame of pcap/pcapng captures through the same XDP program a live\n"
		"run attaches (BPF_PROG_TEST_RUN), with the capture's timestamps as the clock,\n"
		"and write the same EVE events a live run would: flows as they time out, the\n"
		"rest at the end (reason shutdown), then a stats event with every counter.\n"
		"Every capture is opened and checked before anything is written; a summary\n"
		"(packets, flows, alerts by category and signature, events written, speed)\n"
		"ends the run on stderr.\n"
		"Link types: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback.\n"
		"\n"
		"  -c, --config FILE   configuration (flow timeouts, policy, rules)\n"
		"  -o, --output FILE   EVE JSON output, appended; '-' = stdout (default)\n"
		"  -q, --quiet         no closing summary on stderr\n"
		"  -v, --verbose       more messages (-vv: libbpf and verifier output)\n"
		"  -h, --help          this help\n"
		"\n"
		"EXAMPLES:\n"
		"  edgewatch replay capture.pcap\n"
		"  edgewatch replay -o eve.json day1.pcapng day2.pcapng\n");
}

/* A deterministic flow_id salt: the same captures (by name) give the same flow ids. */
static uint64_t salt_of_files(char **files, int n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	const char *name;
	int i;

	for (i = 0; i < n; i++) {
		name = strrchr(files[i], '/');
		for (name = name ? name + 1 : files[i]; *name; name++)
			h = (h ^ (uint8_t)*name) * 1099511628211ULL;
	}
	return h;
}

/*
 * Replay on one CPU, the lowest this process may use: the 1-in-N sampling draw and the
 * flow sequence are per CPU, and the datapath leaves the CPU out of a replayed flow's
 * sequence (cfg_replay), so flow ids are unique only while every frame runs on one CPU.
 * Then the same capture gives the same output whichever CPU that is.
 */
static int replay_pin_cpu(void)
{
	cpu_set_t allowed, one;
	int cpu;

	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		log_error("replay: cannot read this process's CPU affinity: %s", strerror(errno));
		return -1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			return 0;
		log_error("replay: cannot keep to CPU %d (%s); replay must run on one CPU for "
			  "unique, repeatable flow ids", cpu, strerror(errno));
		return -1;
	}
	log_error("replay: no CPU in this process's affinity mask");
	return -1;
}

/* Frames the kernel cannot be handed (shorter than Ethernet): counted here instead. */
static void count_unrunnable(struct engine *e, const struct pcap_frame *frame)
{
	__u64 *c = e->userspace_counters.count[EW_HOOK_XDP_INGRESS];

	c[EW_CNT_PKT_SEEN]++;
	c[frame->len == 0 && !frame->not_convertible ? EW_CNT_PKT_EMPTY : EW_CNT_PKT_TRUNC_ETH]++;
	c[EW_CNT_VERDICT_PASS]++;
}

struct replay_progress {
	uint64_t frames;
	uint64_t next_report_ns;
	int shown;
};

static void report_progress(struct replay_progress *p, const struct pcap_frames *pf, int done)
{
	uint64_t now = datapath_clock_now_ns();

	if (!done && now < p->next_report_ns)
		return;
	if (!p->next_report_ns) {	/* first call: report only files that take long */
		p->next_report_ns = now + PROGRESS_EVERY_NS;
		return;
	}
	p->next_report_ns = now + PROGRESS_EVERY_NS;
	if (done && !p->shown)
		return;
	fprintf(stderr, "%sreplay: %s: %3d%% (%llu frames)%s", isatty(2) ? "\r" : "", pf->path,
		done ? 100 : pcap_frames_progress(pf), (unsigned long long)p->frames,
		isatty(2) && !done ? "" : "\n");
	p->shown = 1;
}

/* What the frames of a batch still need after they ran, one by one, in order. */
struct frame_after {
	uint64_t ts_ns;
};

struct replay_pass {
	struct engine *e;
	struct replay_batch *batch;
	struct replay_progress progress;
	const struct pcap_frames *pf;
	uint64_t *last_ts;
	struct frame_after after[EW_REPLAY_BATCH_MAX];	/* the batch's frames */
};

/*
 * What replay does around each frame, after the frame ran (frame by frame, it was done
 * before the next frame ran; a batch runs only frames for which none of it can change
 * what the next frame does: see replay_batch_flush).
 */
static void frame_done(struct replay_pass *p, const struct frame_after *f)
{
	struct engine *e = p->e;

	if (f->ts_ns > *p->last_ts)
		*p->last_ts = f->ts_ns;
	/* EVE files rotate and are named by the capture's time, as live by the wall's */
	eve_set_clock(e->output.eve, *p->last_ts);
	sweep_schedule_frame(&e->schedule, f->ts_ns);
	/* its events and samples now, before the next frame: output in capture order */
	engine_consume(e);
	engine_maybe_sweep(e, f->ts_ns);
	p->progress.frames++;
	if ((p->progress.frames & 0x3ff) == 0)
		report_progress(&p->progress, p->pf, 0);
}

/*
 * Run the frames gathered and do what follows each, in order. Between two frames of one
 * test run, userspace does nothing the second could see: the program stops after a
 * frame that wrote an event or a sample (reading one may change the maps: a drop rule's
 * blocked flow), and a batch ends with a frame at which a sweep tick falls (a sweep
 * deletes flows, reads the counters, feeds the detectors). The rest of frame_done only
 * moves userspace's clocks and counts (the EVE clock is read only by what consume and
 * sweep write). 0, or -errno when the kernel refused a run.
 */
static int replay_batch_flush(struct replay_pass *p)
{
	uint32_t first = 0, ran, i;
	int err;

	while (first < p->batch->n) {
		err = replay_batch_run(p->batch, first, &ran);
		if (err)
			return err;
		for (i = first; i < first + ran; i++)
			frame_done(p, &p->after[i]);
		first += ran;
	}
	replay_batch_clear(p->batch);
	return 0;
}

/*
 * Frames per test run at most: EW_REPLAY_BATCH_MAX, or EDGEWATCH_REPLAY_BATCH (a test
 * hook: 1 runs frame by frame, as replay did before batches, so that a test can compare).
 */
static uint32_t replay_batch_frames(void)
{
	const char *v = getenv("EDGEWATCH_REPLAY_BATCH");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return EW_REPLAY_BATCH_MAX;
	n = strtoul(v, &end, 10);
	if (*end || n < 1 || n > EW_REPLAY_BATCH_MAX) {
		log_warn("replay: EDGEWATCH_REPLAY_BATCH=%s is not 1..%d: ignored", v,
			 EW_REPLAY_BATCH_MAX);
		return EW_REPLAY_BATCH_MAX;
	}
	return (uint32_t)n;
}

/* One capture through the program. 0, or -1 when the capture is broken (err set). */
static int replay_file(struct engine *e, struct replay_batch *batch, const char *path,
		       uint64_t *last_ts, int *started, uint64_t *frames, char *err,
		       size_t errlen)
{
	struct replay_pass p = { .e = e, .batch = batch, .last_ts = last_ts };
	struct pcap_frames pf;
	struct pcap_frame frame;
	int ret, kernel_refused = 0;

	if (pcap_frames_open(&pf, path, err, errlen))
		return -1;
	p.pf = &pf;
	while ((ret = pcap_frames_next(&pf, &frame, err, errlen)) == 1) {
		if (!*started) {
			e->start_ns = frame.ts_ns;
			e->next_sweep_ns = frame.ts_ns + e->settings.sweep_interval_ns;
			*started = 1;
		}
		if (frame.not_convertible || frame.len < ETH_HLEN) {
			/* in its place among the frames: what runs before it runs first */
			if (replay_batch_flush(&p))
				goto refused;
			count_unrunnable(e, &frame);
			frame_done(&p, &(struct frame_after){ .ts_ns = frame.ts_ns });
			continue;
		}
		if (!replay_batch_fits(batch, frame.len) && replay_batch_flush(&p))
			goto refused;
		p.after[batch->n].ts_ns = frame.ts_ns;
		replay_batch_add(batch, frame.data, frame.len, frame.wire_len, frame.ts_ns);
		/* a tick after this frame (engine_maybe_sweep's test), a frame that cannot
		 * wait for the next (too large to copy), or no room: run what is gathered */
		if ((frame.ts_ns >= e->next_sweep_ns || replay_batch_full(batch)) &&
		    replay_batch_flush(&p))
			goto refused;
		continue;
refused:
		snprintf(err, errlen, "%s: frame %llu: the kernel refused to run it", path,
			 (unsigned long long)pf.index);
		kernel_refused = 1;
		ret = -1;
		break;
	}
	/*
	 * The frames gathered run at the capture's end, and also before a broken record
	 * (ret -1, err saying where): what was read before it is reported, as frame by frame.
	 */
	if (!kernel_refused && replay_batch_flush(&p)) {
		snprintf(err, errlen, "%s: frame %llu: the kernel refused to run it", path,
			 (unsigned long long)pf.index);
		ret = -1;
	}
	report_progress(&p.progress, &pf, 1);
	*frames += p.progress.frames;
	pcap_frames_close(&pf);
	return ret < 0 ? -1 : 0;
}

/*
 * Every capture is opened (its header read) before anything is loaded or written: a
 * missing or foreign file is an error with no EVE output at all. A capture broken
 * further in is found while it is read, and what was read before is reported.
 */
static int captures_readable(char **files, int n)
{
	struct pcap_frames pf;
	char err[512];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		if (pcap_frames_open(&pf, files[i], err, sizeof(err))) {
			log_error("replay: %s", err);
			bad = 1;
			continue;
		}
		pcap_frames_close(&pf);
	}
	return bad ? -1 : 0;
}

/*
 * A flow table sized to the captures (replay_table.h): what a sweep costs then follows
 * the capture, not the configured table. Only for regular files (their size bounds the
 * frames) and when this kernel's hash map walks in the order replay can reproduce.
 * The LRU maps likewise, to what the captures cannot fill (their order is not walked).
 */
static void replay_size_table(struct engine_settings *s, const struct ew_config *cfg,
			      char **files, int n)
{
	uint64_t bytes = 0;
	struct stat st;
	uint32_t slots;
	int i;

	for (i = 0; i < n; i++) {
		if (stat(files[i], &st) || !S_ISREG(st.st_mode))
			return;
		bytes += (uint64_t)st.st_size;
	}
	s->replay_frames = replay_frames_bound(bytes);
	s->replay_lru_entries = replay_lru_entries(bytes, libbpf_num_possible_cpus());
	slots = replay_table_slots(s->flow_table_size, bytes, detect_hot_packets(cfg));
	if (!slots)
		return;
	if (!replay_table_order_matches()) {
		log_debug("replay: this kernel's hash map order is not the one replay knows: "
			  "the flow table keeps its configured %u slots", s->flow_table_size);
		return;
	}
	s->replay_table_slots = slots;
	log_debug("replay: a flow table of %u slots for %llu bytes of capture (configured "
		  "%u; flows are exported in the configured table's order)", slots,
		  (unsigned long long)bytes, s->flow_table_size);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The closing summary on stderr: what was read, what was found, what was written. */
static void print_summary(struct engine *e, struct output_sink *summary, int files,
			  uint64_t frames, double total_s, double frames_s)
{
	fprintf(stderr, "edgewatch: replay summary: %d capture%s, %llu packets in %.2f s "
		"(%.2f s of it starting: programs and rules; %.0f packets/s while replaying)\n",
		files, files == 1 ? "" : "s", (unsigned long long)frames, total_s,
		total_s - frames_s, frames_s > 0 ? frames / frames_s : 0.0);
	summary_sink_print(summary, stderr, "edgewatch:   ");
	fprintf(stderr, "edgewatch:   events written: %llu EVE lines, %llu lost\n",
		(unsigned long long)output_eve_written(&e->output),
		(unsigned long long)output_eve_errors(&e->output));
}

int cmd_replay(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct engine_settings settings;
	struct engine engine;
	struct ew_config *cfg = NULL;
	const char *config_path = NULL, *output = NULL;
	struct output_sink *summary = NULL;
	struct replay_batch *batch;
	struct timespec t0, frames_t0;
	char err[512] = "";
	uint64_t last_ts = 0, frames = 0;
	int opt, i, started = 0, broken = 0, quiet = 0, ret;
	double frames_s;

	optind = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((opt = getopt_long(argc, argv, "c:o:vqh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			log_set_level(log_get_level() + 1);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			replay_usage(stdout);
			return 0;
		default:
			replay_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		log_error("replay: no capture file given");
		replay_usage(stderr);
		return 2;
	}
	if (cli_load_config(config_path, &cfg))
		return 1;
	if (captures_readable(argv + optind, argc - optind)) {
		config_free(cfg);
		return 1;
	}
	engine_settings_from_config(&settings, cfg, output);
	settings.replay = 1;
	replay_size_table(&settings, cfg, argv + optind, argc - optind);
	if (replay_pin_cpu()) {
		config_free(cfg);
		return 1;
	}

	if (engine_init(&engine, &settings, cfg, NULL,
			salt_of_files(argv + optind, argc - optind))) {
		config_free(cfg);
		return 1;
	}
	/* a summary it cannot count is one it does not print; the replay itself goes on */
	if (!quiet && (summary_sink_open(&summary) ||
		       output_add_sink(&engine.output, summary))) {
		log_warn("replay: no closing summary (out of memory or sinks)");
		summary = NULL;	/* output_add_sink closed it */
	}
	batch = malloc(sizeof(*batch));
	if (!batch || replay_batch_init(batch, engine.dp.skel, replay_batch_frames())) {
		log_error("replay: cannot set up the frame batches (%s)",
			  batch ? "no batch program" : "out of memory");
		free(batch);
		engine_destroy(&engine);
		config_free(cfg);
		return 1;
	}
	engine.dp.skel->bss->replay_hot_pkts = engine.hot_pkts;
	sweep_schedule_start(&engine.schedule, &engine.dp.skel->bss->replay_closing_ns,
			     &engine.dp.skel->bss->replay_hot_seen);
	clock_gettime(CLOCK_MONOTONIC, &frames_t0);
	for (i = optind; i < argc && !broken; i++) {
		if (replay_file(&engine, batch, argv[i], &last_ts, &started, &frames, err,
				sizeof(err)))
			broken = 1;
	}
	/* Whatever was read is reported, even when a capture turned out broken. */
	engine_flush(&engine, last_ts);
	ret = engine_write_stats(&engine, last_ts, 1);
	frames_s = seconds_since(&frames_t0);
	if (summary)
		print_summary(&engine, summary, argc - optind, frames, seconds_since(&t0),
			      frames_s);
	if (engine_output_lost(&engine)) {
		log_error("replay: %llu EVE lines were lost in writing (see the log above)",
			  (unsigned long long)output_eve_errors(&engine.output));
		ret = 1;
	}
	log_debug("replay: %llu frames in %llu test runs", (unsigned long long)frames,
			  (unsigned long long)batch->runs);
	free(batch);
	engine_destroy(&engine);
	config_free(cfg);
	if (broken) {
		log_error("replay: %s", err);
		return 1;
	}
	return ret ? 1 : 0;
}
