// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live-frames traffic for the veth benchmark (tests/bench/live.sh), because Debian's
 * xdp-trafficgen does not run on this kernel.
 *
 *   bench_live gen IFACE DST_MAC FLOWS COUNT
 *     push COUNT 64-byte UDP frames out of IFACE with BPF_PROG_RUN and
 *     BPF_F_TEST_XDP_LIVE_FRAMES (the bench_live_gen program transmits each one with
 *     XDP_TX), spread over FLOWS source ports; prints the seconds it took.
 *   bench_live drop IFACE
 *     attach the empty XDP_DROP baseline to IFACE until SIGINT/SIGTERM.
 *   bench_live counter IFACE
 *     attach the minimal flow counter (bench_minimal_counter, dropping after it
 *     counted, as edgewatch --passive does) likewise: issue 11's yardstick.
 *   bench_live shape IFACE
 *     attach the counter with the datapath's table shape (bench_ladder_table_shape: its
 *     48-byte key and 224-byte record in a preallocated hash) likewise: what the table
 *     alone costs, apart from the rest of the datapath's work.
 *   bench_live compact IFACE, bench_live compact16 IFACE
 *     attach the counter with a compact table (bench_ladder_compact: the 48-byte key and a
 *     64-byte hot entry; bench_ladder_compact_key16: a 16-byte key) likewise: what a
 *     flow table whose per-packet part is small would cost.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"
#include "bench_time.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int parse_mac(const char *text, unsigned char mac[6])
{
	return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ? 0 : -1;
}

/* Ethernet + IPv4 + UDP, 64 bytes on the wire without FCS: 198.18.0.2 -> 198.18.0.1:9 */
static size_t build_frame(unsigned char *f, const unsigned char dst[6])
{
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t len = 60;

	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 46;	/* IPv4 total length */
	f[22] = 64;	/* TTL */
	f[23] = 17;	/* UDP */
	f[26] = 198, f[27] = 18, f[28] = 0, f[29] = 2;
	f[30] = 198, f[31] = 18, f[32] = 0, f[33] = 1;
	f[36] = 0, f[37] = 9;	/* destination port 9 (discard) */
	f[39] = 26;	/* UDP length */
	return len;
}

/*
 * Make every flow table of the bench skeleton but keep (NULL: none) one entry long. Each
 * is 262,144 preallocated entries, filled at load and freed by the kernel after the
 * process exits: the generator runs twice per measurement, and the kernel's work on
 * tables no program here uses ran into the next measurement.
 */
static int shrink_tables_but(struct bench *skel, const struct bpf_map *keep)
{
	struct bpf_map *tables[] = { skel->maps.minimal_flows, skel->maps.ladder_wide_key,
				     skel->maps.ladder_record, skel->maps.ladder_table_shape,
				     skel->maps.ladder_compact, skel->maps.ladder_compact_key16 };
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (tables[i] != keep && bpf_map__set_max_entries(tables[i], 1))
			return -1;
	return 0;
}

static int cmd_gen(const char *ifname, const char *mac, unsigned flows, unsigned long count)
{
	unsigned char frame[128], dst[6];
	struct xdp_md ctx_in = {};
	struct bench *skel;
	double t0, t1;
	size_t len;
	int err;

	if (parse_mac(mac, dst)) {
		fprintf(stderr, "bad MAC %s\n", mac);
		return 2;
	}
	skel = bench__open();
	if (!skel)
		return 1;
	skel->rodata->gen_flows = flows ? flows : 1;
	if (shrink_tables_but(skel, NULL) || bench__load(skel)) {
		fprintf(stderr, "cannot load the generator\n");
		return 1;
	}
	len = build_frame(frame, dst);
	ctx_in.data_end = len;
	ctx_in.ingress_ifindex = if_nametoindex(ifname);
	if (!ctx_in.ingress_ifindex) {
		fprintf(stderr, "no interface %s\n", ifname);
		return 1;
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = count,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		t0 = now_s();
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.bench_live_gen), &opts);
		t1 = now_s();
	}
	if (err) {
		fprintf(stderr, "live frames run failed: %s\n", strerror(errno));
		return 1;
	}
	printf("%.6f\n", t1 - t0);
	bench__destroy(skel);
	return 0;
}

/* The program of a bench_live mode and its flow table (NULL: none); -1 for no such mode. */
static int mode_program(struct bench *skel, const char *mode, struct bpf_program **prog,
			struct bpf_map **table)
{
	const struct {
		const char *mode;
		struct bpf_program *prog;
		struct bpf_map *table;
	} modes[] = {
		{ "drop", skel->progs.bench_empty_drop, NULL },
		{ "counter", skel->progs.bench_minimal_counter, skel->maps.minimal_flows },
		{ "shape", skel->progs.bench_ladder_table_shape, skel->maps.ladder_table_shape },
		{ "compact", skel->progs.bench_ladder_compact, skel->maps.ladder_compact },
		{ "compact16", skel->progs.bench_ladder_compact_key16,
		  skel->maps.ladder_compact_key16 },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].mode) == 0) {
			*prog = modes[i].prog;
			*table = modes[i].table;
			return 0;
		}
	}
	return -1;
}

/* Attach the program of a bench_live mode (see the top), made to drop, until SIGINT or
 * SIGTERM. */
static int cmd_attach(const char *ifname, const char *mode)
{
	struct bench *skel = bench__open();
	int ifindex = if_nametoindex(ifname), err;
	struct bpf_program *prog;
	struct bpf_map *table;	/* the attached program's flow table */

	if (!skel || !ifindex) {
		bench__destroy(skel);
		return 1;
	}
	if (mode_program(skel, mode, &prog, &table)) {
		fprintf(stderr, "no bench_live mode %s\n", mode);
		bench__destroy(skel);
		return 2;
	}
	skel->rodata->minimal_verdict = XDP_DROP;
	if (shrink_tables_but(skel, table) || bench__load(skel)) {
		fprintf(stderr, "cannot load the bench programs\n");
		bench__destroy(skel);
		return 1;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "cannot attach to %s: %s\n", ifname, strerror(-err));
		bench__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	bench__destroy(skel);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], argv[3], strtoul(argv[4], NULL, 10),
			       strtoul(argv[5], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "gen") != 0)
		return cmd_attach(argv[2], argv[1]);
	fprintf(stderr,
		"usage: %s gen IFACE DST_MAC FLOWS COUNT | MODE IFACE (MODE: drop, counter, shape, "
		"compact, compact16)\n", argv[0]);
	return 2;
}
