// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the management policy costs the XDP program, against the same packets with no
 * policy installed, measured in the same run (the machine is shared and noisy: compare
 * the differences, not the absolute numbers):
 * - ns/packet (BPF_PROG_TEST_RUN, repeat >= 1,000,000, best of 9) for established
 *   flows: a management flow from an allowed source, one from a source not allowed
 *   (alert mode), and a flow the policy does not concern; with allow lists of 10 and
 *   10,000 prefixes. The goal: at most 10 ns more per established-flow packet (the
 *   verdict is cached in the flow; after the first packet it is one comparison);
 * - the first packet of a flow (where the decision is made: hash and LPM lookups);
 * - how long an install takes (build, write, flip, wait for readers, empty old set).
 * Payload sampling is off in the installed policies: with no policy installed there is
 * no sampling either, and sampling's cost is not the policy's.
 * The variants are measured in turns, several rounds, best of all, so that a noisy
 * moment of the machine does not land on one variant only.
 * Prints Markdown. Run as root: .output/bench/bench_policy [--quick]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "datapath.skel.h"
#include "datapath_loader.h"
#include "output/output.h"
#include "flow_export.h"
#include "policy/policy.h"
#include "policy/policy_runtime.h"
#include "bench_run.h"
#include "bench_time.h"

#define GW "198.18.0.1"
#define ALLOWED "198.18.7.7"
#define NOT_ALLOWED "198.19.250.9"

static int quick;

enum packet_kind { PKT_ALLOWED, PKT_VIOLATION, PKT_OTHER, PKT_KINDS };

static const char *const packet_names[PKT_KINDS] = {
	"established management flow, allowed source",
	"established management flow, source not allowed (alert)",
	"established flow the policy does not concern",
};

struct policy_variant {
	const char *name;
	int prefixes;		/* -1: no policy installed */
	double ns[PKT_KINDS];
	double first_ns;	/* first packet of a flow from an allowed source */
	double install_ms;
	double wait_ms;
};

static void build_packet(struct pkt *p, enum packet_kind kind)
{
	pkt_init(p);
	pkt_eth(p);
	if (kind == PKT_OTHER)
		pkt_ipv4(p, &(struct pkt_ipv4){ .src = "198.18.1.10", .dst = "198.18.1.1" });
	else
		pkt_ipv4(p, &(struct pkt_ipv4){ .src = kind == PKT_ALLOWED ? ALLOWED : NOT_ALLOWED,
						 .dst = GW });
	pkt_tcp(p, 40000, kind == PKT_OTHER ? 443 : 22, PKT_TCP_ACK, 0);
	pkt_payload(p, 64, 'a');
	pkt_finish(p);
}

/*
 * A policy with n allow prefixes: the allowed source's /24 (ssh), and n - 1 others,
 * nested like real allow lists: /16s, /24s inside them, hosts inside those.
 */
static char *policy_yaml(int n)
{
	size_t cap = 256 + (size_t)n * 24, len;
	char *yaml = malloc(cap);
	int i;

	if (!yaml)
		return NULL;
	len = snprintf(yaml, cap,
		       "sampling: {first-packets: 0, flagged-cap: 0, one-in: 0}\n"
		       "management:\n  addresses: [" GW "]\n  ports: [ssh, telnet, snmp, https]\n"
		       "  allow:\n    - from: [198.18.7.0/24]\n      ports: [ssh]\n");
	if (n > 1)
		len += snprintf(yaml + len, cap - len, "    - from: [");
	for (i = 0; i < n - 1; i++) {
		int host = i % 3;	/* /16 ... /24 ... /32 in 198.19.0.0/16 */

		if (host == 0)
			len += snprintf(yaml + len, cap - len, "%s198.19.%d.0/24", i ? ", " : "",
					i / 3 % 250);
		else
			len += snprintf(yaml + len, cap - len, ", 198.19.%d.%d", i / 3 % 250,
					(i / 3 / 250) * 2 + host);
	}
	if (n > 1)
		snprintf(yaml + len, cap - len, "]\n      ports: [telnet]\n");
	return yaml;
}

static struct datapath *load(void)
{
	struct datapath *skel = datapath__open_and_load();

	if (!skel) {
		fprintf(stderr, "cannot load the datapath\n");
		exit(1);
	}
	skel->bss->clock_now_ns = 1000000000ULL;
	return skel;
}

static void install(struct datapath *skel, struct policy_variant *v)
{
	struct datapath_instance inst = { .skel = skel, .xdp_link_fd = -1, .tc_link_fd = -1 };
	struct policy_runtime_params pp = { .dp = &inst };
	struct config_error cerr;
	struct ew_config *cfg = NULL;
	struct policy_runtime *pr = NULL;
	struct flow_exporter x;
	struct output out;
	char *yaml = policy_yaml(v->prefixes), err[512];
	double t;

	if (!yaml || output_open(&out, "/dev/null", "bench0") ||
	    config_load_buffer("bench.yaml", yaml, strlen(yaml), &cfg, &cerr)) {
		fprintf(stderr, "cannot build the %d-prefix policy\n", v->prefixes);
		exit(1);
	}
	flow_exporter_init(&x, &out, 1, 0);
	pp.exporter = &x;
	if (policy_runtime_new(&pr, &pp)) {
		fprintf(stderr, "policy runtime: out of memory\n");
		exit(1);
	}
	t = now_s();
	if (policy_runtime_install(pr, cfg, err, sizeof(err))) {
		fprintf(stderr, "install: %s\n", err);
		exit(1);
	}
	v->install_ms = (now_s() - t) * 1e3;
	v->wait_ms = pr->install.last_wait_ns / 1e6;
	policy_runtime_free(pr);
	flow_exporter_destroy(&x);
	output_close(&out);
	config_free(cfg);
	free(yaml);
}

#define ROUNDS 3

/* Every variant loaded (and its policy installed) before any is measured. */
static void measure(struct policy_variant *v, int n, int repeat, int flows)
{
	struct datapath *skel[8];
	int i, k, round;
	struct pkt p;

	for (i = 0; i < n; i++) {
		skel[i] = load();
		if (v[i].prefixes >= 0)
			install(skel[i], &v[i]);
		for (k = 0; k < PKT_KINDS; k++)
			v[i].ns[k] = 1e18;
		v[i].first_ns = 1e18;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (k = 0; k < PKT_KINDS; k++) {
			build_packet(&p, k);
			for (i = 0; i < n; i++) {
				int fd = bpf_program__fd(skel[i]->progs.ew_xdp_ingress);
				double ns = bench_ns_per_packet(fd, &p, repeat);

				if (ns < v[i].ns[k])
					v[i].ns[k] = ns;
			}
		}
	}
	for (i = 0; i < n; i++) {
		build_packet(&p, PKT_ALLOWED);
		v[i].first_ns = bench_ns_per_new_flow(bpf_program__fd(skel[i]->progs.ew_xdp_ingress), &p,
						 flows);
		datapath__destroy(skel[i]);
	}
}

int main(int argc, char **argv)
{
	struct policy_variant v[] = {
		{ "no policy (baseline)", -1 },
		{ "10 prefixes", 10 },
		{ "10,000 prefixes", 10000 },
	};
	int repeat, flows, k, i, n = sizeof(v) / sizeof(v[0]);

	quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	repeat = quick ? 1000000 : 2000000;
	flows = quick ? 5000 : 20000;
	libbpf_set_print(NULL);
	measure(v, n, repeat, flows);

	printf("### Management policy, XDP program, BPF_PROG_TEST_RUN (repeat %d, best of %d "
	       "runs; sampling off)\n\n", repeat, ROUNDS * 3);
	printf("| packet | %s | %s | %s | policy adds (10 / 10,000) | goal |\n", v[0].name,
	       v[1].name, v[2].name);
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (k = 0; k < PKT_KINDS; k++)
		printf("| %s | %.1f | %.1f | %.1f | %+.1f / %+.1f | <= +10 ns |\n",
		       packet_names[k], v[0].ns[k], v[1].ns[k], v[2].ns[k], v[1].ns[k] - v[0].ns[k],
		       v[2].ns[k] - v[0].ns[k]);
	printf("| first packet of a flow (the decision; %d single runs) | %.1f | %.1f | %.1f | "
	       "%+.1f / %+.1f | - |\n\n", flows, v[0].first_ns, v[1].first_ns, v[2].first_ns,
	       v[1].first_ns - v[0].first_ns, v[2].first_ns - v[0].first_ns);
	printf("| install (build, write the other set, flip, wait for readers, empty the old "
	       "set) | ms | of which waiting for readers (RCU grace period) |\n|---|---:|---:|\n");
	for (i = 1; i < n; i++)
		printf("| %s | %.1f | %.1f |\n", v[i].name, v[i].install_ms, v[i].wait_ms);
	printf("\n");
	return 0;
}
