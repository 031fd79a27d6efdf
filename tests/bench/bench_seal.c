// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sealed EVE's cost (issue 12's benchmark), against unsealed writing in the same run: the
 * EVE sink (format + write, the events of bench_outputs.c) to a file in /tmp, unsealed,
 * then sealed with seals every 60 s and every 1 s of the writer's clock, which advances
 * 1 ms per event (1000 events/s: a seal per 60000 and per 1000 lines; each seal signs,
 * evolves the key and rewrites the key file with fsync). Then `log verify`'s speed over
 * the sealed file, in lines/s (read from memory: the verifier, not the disk). Goal:
 * sealed (60 s) <= 1.3x unsealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logcmd/log_verify.h"
#include "output/eve_seal.h"
#include "output/output.h"
#include "bench_events.h"
#include "bench_time.h"

#define EVENTS 100000
#define EVENT_NS 1000000ULL	/* the writer's clock: 1 ms per event */

static char dir[] = "/tmp/edgewatch-bench-seal.XXXXXX";

/* ns per event through the EVE sink; interval_s 0: unsealed. */
static double bench_sink(const char *eve_path, uint32_t interval_s, uint64_t *seals)
{
	char key[128], why[SEAL_WHY_LEN];
	struct eve_seal_counts counts = {};
	struct eve_seal *seal;
	struct output out;
	uint64_t clock_ns = 1700000000000000000ULL;
	double t0, t;
	int i;

	unlink(eve_path);
	if (output_open(&out, eve_path, "bench0"))
		return -1;
	if (interval_s) {
		snprintf(key, sizeof(key), "%s/seal-%u.key", dir, interval_s);
		if (seal_keygen(key, why) || eve_seal_open(&seal, key, interval_s, why)) {
			fprintf(stderr, "bench_seal: %s: %s\n", key, why);
			exit(1);
		}
		eve_attach_seal(out.eve, seal);
	}
	t0 = now_s();
	for (i = 0; i < EVENTS; i++) {
		clock_ns += EVENT_NS;
		eve_set_clock(out.eve, clock_ns);
		output_flow(&out, &events[i % FLOWS]);
		if ((i & 1023) == 1023)
			output_flush(&out);	/* the daemon flushes after every sweep */
	}
	eve_seal_stats(out.eve, &counts);
	output_close(&out);	/* the shutdown seal, and the last flush */
	t = now_s() - t0;
	*seals = counts.seals + (interval_s ? 1 : 0);
	return t * 1e9 / EVENTS;
}

/* Verify the file sealed with interval_s's key: lines/s, and whether it passed. */
static double bench_verify(const char *eve_path, uint32_t interval_s, int *passed,
			   uint64_t *lines_out)
{
	char pubpath[128], why[SEAL_WHY_LEN], *text, *p, *end;
	uint8_t pub[SEAL_KEY_LEN];
	struct log_verify v;
	uint64_t lines = 0;
	double t0, t;
	long size;
	FILE *f;

	snprintf(pubpath, sizeof(pubpath), "%s/seal-%u.key.pub", dir, interval_s);
	f = fopen(eve_path, "r");
	if (!f || seal_pub_load(pubpath, pub, why))
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = malloc(size);
	if (!text || fread(text, 1, size, f) != (size_t)size)
		return -1;
	fclose(f);
	t0 = now_s();
	log_verify_init(&v, pub);
	log_verify_file_begin(&v, eve_path);
	for (p = text, end = text + size; p < end;) {
		char *nl = memchr(p, '\n', end - p);

		nl = nl ? nl : end;
		log_verify_line(&v, p, nl - p);
		lines++;
		p = nl + 1;
	}
	log_verify_file_end(&v);
	log_verify_finish(&v);
	t = now_s() - t0;
	*passed = !v.failed && v.validated == lines;
	*lines_out = lines;
	log_verify_free(&v);
	free(text);
	return lines / t;
}

int main(void)
{
	char eve_path[128];
	uint64_t seals60, seals1, unused, lines;
	double plain, sealed60, sealed1, verify;
	int passed;

	if (!mkdtemp(dir)) {
		perror("bench_seal: mkdtemp");
		return 1;
	}
	make_events();
	snprintf(eve_path, sizeof(eve_path), "%s/eve.json", dir);
	plain = bench_sink(eve_path, 0, &unused);
	sealed60 = bench_sink(eve_path, 60, &seals60);
	sealed1 = bench_sink(eve_path, 1, &seals1);
	verify = bench_verify(eve_path, 1, &passed, &lines);
	if (plain <= 0 || sealed60 <= 0 || sealed1 <= 0 || verify <= 0 || !passed) {
		fprintf(stderr, "bench_seal: a run failed (verify passed: %d)\n", passed);
		return 1;
	}
	printf("### Sealed EVE: ns per flow event, EVE sink (%d events, 1 ms apart on the writer's "
	       "clock, `.output/bench/bench_seal`)\n\n", EVENTS);
	printf("| EVE sink | ns/event | ratio |\n|---|---|---|\n");
	printf("| unsealed (baseline) | %.0f | 1.00 |\n", plain);
	printf("| sealed, interval 60s (%llu seals) (goal <= 1.3) | %.0f | %.2f |\n",
	       (unsigned long long)seals60, sealed60, sealed60 / plain);
	printf("| sealed, interval 1s (%llu seals: sign, key file rewritten with fsync) | %.0f | "
	       "%.2f |\n", (unsigned long long)seals1, sealed1, sealed1 / plain);
	printf("\n`log verify` of the 1s-sealed file (%llu lines, in memory): %.0f lines/s\n\n",
	       (unsigned long long)lines, verify);
	snprintf(eve_path, sizeof(eve_path), "rm -rf %s", dir);
	(void)!system(eve_path);
	return 0;
}
