// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the kernel's verifier says of each datapath program, under the load-time
 * configurations that change what it explores: replay counting (cfg_replay) and the
 * stream window (cfg_stream_depth). Each program is loaded alone, and one markdown row
 * says whether the kernel took it, its stack depth per frame (each subprogram's, as the
 * kernel counts them against 512 bytes: kernels before 6.8 round each frame up to 32
 * bytes first), and the instructions and states it verified (the limit is 1,000,000).
 * A refused load also prints the end of the verifier's log on standard error.
 *
 * Why: a change that fits this kernel may not fit an older one (issue 11: the
 * established-flow path passed on 6.18 and was refused by 6.1 for its stack and for
 * E2BIG). scripts/test-kernels.sh runs it in the 6.1 guest in about a minute:
 *   GUEST_EXTRA_BIN=.output/bench/verifier_stats GUEST_ONLY=none \
 *   GUEST_DEBUG_CMD=/ew/extra scripts/test-kernels.sh --tier debian-cloud
 * (its rows are the "# " lines of .output/kernels/debian-cloud/console.log.txt).
 *
 * Usage: verifier_stats [PROGRAM...]   (default: every XDP and tc program of the datapath)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "datapath.skel.h"

/* A refused program's whole log up to 1,000,000 instructions (a bigger one fails as
 * ENOSPC, which then says so); only the pages written count. */
static char verifier_log[128u << 20];

/* The line of the log that starts with prefix (its text after it), or "?". */
static void log_field(const char *prefix, char *out, size_t size)
{
	const char *at = strstr(verifier_log, prefix);
	size_t n;

	snprintf(out, size, "?");
	if (!at)
		return;
	at += strlen(prefix);
	n = strcspn(at, "\n");
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), at);
}

/* The last `lines` lines of the log, on standard error. */
static void print_log_tail(int lines)
{
	size_t i = strlen(verifier_log);
	int seen = 0;

	while (i > 0 && seen <= lines)
		if (verifier_log[--i] == '\n')
			seen++;
	fprintf(stderr, "%s\n", verifier_log + i);
}

/*
 * Load program `name` alone, with the verifier's log at log_level (4: its statistics
 * only; 1 | 4: every instruction it verified too, for the reason of a refusal).
 * Returns the load's error (0: taken).
 */
static int load_one(const char *name, int replay, __u32 stream_depth, __u32 log_level)
{
	struct bpf_program *prog, *target;
	struct datapath *skel;
	int err;

	skel = datapath__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "verifier_stats: cannot open the datapath object: %s\n",
			strerror(-err));
		return err;
	}
	skel->rodata->cfg_replay = replay;
	skel->rodata->cfg_stream_depth = stream_depth;
	verifier_log[0] = '\0';
	target = bpf_object__find_program_by_name(skel->obj, name);	/* main() checked it */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == target);
	bpf_program__set_log_buf(target, verifier_log, sizeof(verifier_log));
	bpf_program__set_log_level(target, log_level);
	err = datapath__load(skel);
	datapath__destroy(skel);
	return err;
}

/* One row: program `name` under one configuration. Returns the load's error. */
static int verify_one(const char *name, int replay, __u32 stream_depth)
{
	char stack[64], processed[160];
	unsigned long insns = 0, states = 0;
	const char *states_at;
	int err;

	err = load_one(name, replay, stream_depth, 4);
	log_field("stack depth ", stack, sizeof(stack));
	log_field("processed ", processed, sizeof(processed));
	states_at = strstr(processed, "total_states ");
	insns = strtoul(processed, NULL, 10);
	if (states_at)
		states = strtoul(states_at + strlen("total_states "), NULL, 10);
	printf("| %s | %d | %u | %s | %s | %lu | %lu |\n", name, replay, stream_depth,
	       err ? strerror(-err) : "loaded", stack, insns, states);
	fflush(stdout);
	/* the reason: a second load with the whole log (the statistics would not say) */
	if (err && load_one(name, replay, stream_depth, 1 | 4))
		print_log_tail(30);
	return err;
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "ew_xdp_ingress", "ew_tc_egress",
					   "ew_xdp_replay_batch" };
	const char *const *names = all;
	int count = sizeof(all) / sizeof(all[0]), refused = 0, i, replay, window;

	if (argc > 1) {
		names = (const char *const *)argv + 1;
		count = argc - 1;
	}
	for (i = 0; i < count; i++) {
		size_t j, known = 0;

		for (j = 0; j < sizeof(all) / sizeof(all[0]); j++)
			known |= !strcmp(names[i], all[j]);
		if (!known) {
			fprintf(stderr, "verifier_stats: %s: not a datapath program; one of:",
				names[i]);
			for (j = 0; j < sizeof(all) / sizeof(all[0]); j++)
				fprintf(stderr, " %s", all[j]);
			fputc('\n', stderr);
			return 2;
		}
	}
	libbpf_set_print(NULL);	/* the rows say it; a refusal's log follows its row */
	printf("| program | cfg_replay | cfg_stream_depth | result | stack depth (per frame) "
	       "| verified instructions | states |\n|---|---:|---:|---|---|---:|---:|\n");
	for (i = 0; i < count; i++)
		for (replay = 0; replay <= 1; replay++)
			for (window = 0; window <= 1; window++)
				refused += verify_one(names[i], replay, window ? 4096 : 0) != 0;
	return refused ? 1 : 0;
}
