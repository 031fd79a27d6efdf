// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The output wing's cost per flow event (issue 8's benchmark), each figure against a
 * baseline measured in the same run: fwrite of the same EVE lines already formatted
 * (the least any writer can cost), the EVE sink alone (format + write), and every sink
 * at once: EVE + syslog (UDP to a socket on loopback drained by a thread here) + IPFIX
 * (UDP likewise) + Kafka (librdkafka's mock cluster, in process) + Prometheus (which
 * takes stats only). The producer's time is measured up to the final flush and drain,
 * so a sink's sender thread is paid for whether it keeps up or not; each queued sink's
 * account (sent, dropped) is printed with it, so a figure bought by dropping shows.
 * Wall time on a busy 2-core machine mixes the engine's work with waiting for a core
 * the sinks' threads (and the collectors here) hold, so the CPU time is printed too:
 * the engine's thread's own, and the whole process's (sinks' threads, librdkafka's and
 * the collectors' included).
 * Goal: all sinks <= 2x EVE alone.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "config/config.h"
#include "output/eve_format.h"
#include "output/json_line.h"
#include "output/output.h"
#include "bench_events.h"
#include "bench_time.h"

/* 100,000 events; fewer on the command line (bench_outputs 3000: under every sink's queue
 * bound, for valgrind --tool=callgrind, whose serialised threads starve the senders) */
static int event_count = 100000;

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time per event of one run through the output wing, up to the flush. */
struct cpu_cost {
	double thread_ns;	/* the engine's thread */
	double process_ns;	/* every thread of the process */
	/* the engine's thread per 1,000 events (getrusage RUSAGE_THREAD): what its CPU time
	 * pays besides instructions */
	double minor_faults, switches_voluntary, switches_involuntary;
};

/* The baseline: the same lines, formatted beforehand, written with fwrite. */
static double bench_fwrite(const char *path)
{
	static char lines[FLOWS][JSON_LINE_MAX];
	static size_t lens[FLOWS];
	struct json_line jl;
	double t0, t;
	FILE *f;
	int i;

	for (i = 0; i < FLOWS; i++) {
		json_line_init(&jl, lines[i], sizeof(lines[i]) - 1);
		eve_format_flow(&jl, &events[i], "bench0");
		memcpy(lines[i], jl.buf, jl.len);
		lines[i][jl.len] = '\n';
		lens[i] = jl.len + 1;
	}
	f = fopen(path, "w");
	if (!f)
		return -1;
	t0 = now_s();
	for (i = 0; i < event_count; i++)
		fwrite(lines[i % FLOWS], 1, lens[i % FLOWS], f);
	fflush(f);
	t = now_s() - t0;
	fclose(f);
	return t * 1e9 / event_count;
}

/* A UDP socket on loopback that a thread drains (a collector that keeps up). */
struct drain {
	int fd;
	uint16_t port;
	pthread_t thread;
	volatile int stop;
	uint64_t datagrams;
};

static void *drain_run(void *arg)
{
	struct drain *d = arg;
	char buf[65536];

	while (!d->stop)
		if (recv(d->fd, buf, sizeof(buf), 0) > 0)
			d->datagrams++;
	return NULL;
}

static int drain_start(struct drain *d)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 0, 100000 };
	socklen_t len = sizeof(a);
	int rcvbuf = 8 << 20;

	d->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (d->fd < 0 || bind(d->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(d->fd, (struct sockaddr *)&a, &len))
		return -1;
	setsockopt(d->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	d->port = ntohs(a.sin_port);
	return pthread_create(&d->thread, NULL, drain_run, d);
}

static void drain_stop(struct drain *d)
{
	d->stop = 1;
	pthread_join(d->thread, NULL);
	close(d->fd);
}

/* ns per event through out, up to the final flush and drain; *handoff: up to the flush
 * (what the engine's thread waits for; the sinks' threads send meanwhile and after). */
static double bench_output(struct output *out, double *handoff, struct cpu_cost *cpu)
{
	struct rusage ru0, ru1;
	double t0, t, th0, pr0;
	int i;

	/* steady state, as a daemon that has run a while: the same events once before, so
	 * the sinks' queues (syslog's 16 MiB byte ring is walked once by a sender that
	 * falls behind), librdkafka's buffers and the heap have had their pages touched (a
	 * first touch is a page fault each, paid once per daemon, not per event) */
	for (i = 0; i < event_count; i++)
		output_flow(out, &events[i % FLOWS]);
	output_flush(out);
	output_drain(out);
	t0 = now_s();
	th0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	pr0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	getrusage(RUSAGE_THREAD, &ru0);
	for (i = 0; i < event_count; i++)
		output_flow(out, &events[i % FLOWS]);
	output_flush(out);
	*handoff = (now_s() - t0) * 1e9 / event_count;
	output_drain(out);
	cpu->thread_ns = (clock_s(CLOCK_THREAD_CPUTIME_ID) - th0) * 1e9 / event_count;
	cpu->process_ns = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - pr0) * 1e9 / event_count;
	getrusage(RUSAGE_THREAD, &ru1);
	cpu->minor_faults = (ru1.ru_minflt - ru0.ru_minflt) * 1e3 / event_count;
	cpu->switches_voluntary = (ru1.ru_nvcsw - ru0.ru_nvcsw) * 1e3 / event_count;
	cpu->switches_involuntary = (ru1.ru_nivcsw - ru0.ru_nivcsw) * 1e3 / event_count;
	t = now_s() - t0;
	return t * 1e9 / event_count;
}

static void print_queues(struct output *out)
{
	struct stats_snapshot *snap = calloc(1, sizeof(*snap));
	size_t i;

	if (!snap)
		return;
	output_queued_sinks(out, snap);
	for (i = 0; i < snap->queued_sink_count; i++) {
		const struct stats_sink_queue *q = &snap->queued_sinks[i];

		printf("| %s account | taken %llu, sent %llu, dropped (queue full) %llu, "
		       "send failed %llu, lost at close %llu |\n", q->name,
		       (unsigned long long)q->taken, (unsigned long long)q->sent,
		       (unsigned long long)q->dropped_queue_full,
		       (unsigned long long)q->send_failed, (unsigned long long)q->lost_at_close);
	}
	free(snap);
}

int main(int argc, char **argv)
{
	char eve_path[] = "/tmp/edgewatch-bench-eve.XXXXXX";
	struct drain syslog_drain = { 0 }, ipfix_drain = { 0 };
	struct ew_syslog_output so = { 0 };
	struct ew_ipfix_output io = { 0 };
	struct ew_kafka_output ko = { 0 };
	struct ew_kafka_broker broker = { 0 };
	struct ew_kafka_property props[1] = { { "log_level", "2" } };
	struct ew_endpoint prom = { 0 };
	struct output_sink *sink;
	struct output out;
	double base, eve, all, eve_handoff, all_handoff;
	struct cpu_cost eve_cpu, all_cpu;
	rd_kafka_t *owner;
	rd_kafka_mock_cluster_t *mcluster;
	rd_kafka_conf_t *conf;
	char errstr[256], *colon, bootstraps[256];
	int fd = mkstemp(eve_path), type;

	if (fd < 0)
		return 1;
	close(fd);
	if (argc > 1 && atoi(argv[1]) > 0)
		event_count = atoi(argv[1]);
	make_events();

	base = bench_fwrite(eve_path);
	if (output_open(&out, eve_path, "bench0"))
		return 1;
	eve = bench_output(&out, &eve_handoff, &eve_cpu);
	output_close(&out);

	/* every sink at once */
	if (drain_start(&syslog_drain) || drain_start(&ipfix_drain))
		return 1;
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof(errstr));
	owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	mcluster = owner ? rd_kafka_mock_cluster_new(owner, 1) : NULL;
	if (!mcluster)
		return 1;
	for (type = 0; type < OUTPUT_EVENT_TYPES; type++) {
		char topic[64];

		snprintf(topic, sizeof(topic), "bench.%s", output_event_type_name(type));
		rd_kafka_mock_topic_create(mcluster, topic, 1, 1);
	}
	snprintf(bootstraps, sizeof(bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(mcluster));
	colon = strrchr(bootstraps, ':');
	*colon = '\0';
	broker.host = bootstraps;
	broker.port = (uint16_t)atoi(colon + 1);

	so = (struct ew_syslog_output){ .enabled = 1, .host = "127.0.0.1",
					 .port = syslog_drain.port, .transport = EW_SYSLOG_UDP,
					 .flows = 1, .facility = 16 };
	io = (struct ew_ipfix_output){ .enabled = 1, .transport = EW_IPFIX_UDP,
					.template_interval = 60, .observation_domain = 1 };
	io.collector.family = 4;
	inet_pton(AF_INET, "127.0.0.1", io.collector.addr);
	io.collector.port = ipfix_drain.port;
	ko = (struct ew_kafka_output){ .enabled = 1, .brokers = &broker, .broker_count = 1,
				       .topic_prefix = "bench", .queue_messages = event_count * 2,
				       .client_id = "edgewatch-bench", .compression = "none",
				       .properties = props, .property_count = 1 };
	prom.family = 4;
	inet_pton(AF_INET, "127.0.0.1", prom.addr);
	prom.port = 0;	/* any free port */
	if (output_open(&out, eve_path, "bench0"))
		return 1;
	if (syslog_sink_open(&sink, &so) || output_add_sink(&out, sink) ||
	    ipfix_sink_open(&sink, &io) || output_add_sink(&out, sink) ||
	    kafka_sink_open(&sink, &ko, "bench0") || output_add_sink(&out, sink) ||
	    prometheus_sink_open(&sink, &prom) || output_add_sink(&out, sink)) {
		fprintf(stderr, "bench_outputs: a sink could not be opened\n");
		return 1;
	}
	all = bench_output(&out, &all_handoff, &all_cpu);

	printf("### Output wing: ns per flow event (%d events, `.output/bench/bench_outputs`)\n\n",
	       event_count);
	printf("| writer | ns/event, engine's hand-off | ratio | ns/event, until every sink "
	       "delivered | ratio |\n|---|---|---|---|---|\n");
	printf("| fwrite of the same lines, formatted beforehand (baseline) | %.0f | 1.00 | %.0f | "
	       "1.00 |\n", base, base);
	printf("| EVE sink alone (format + write) | %.0f | %.2f | %.0f | %.2f |\n", eve_handoff,
	       eve_handoff / base, eve, eve / base);
	printf("| EVE + syslog (UDP) + IPFIX (UDP) + Kafka (mock cluster) + Prometheus | %.0f | "
	       "%.2f | %.0f | %.2f |\n", all_handoff, all_handoff / base, all, all / base);
	/* wall time: the goal is judged in the engine's thread's CPU time (the last table) */
	printf("| all sinks / EVE alone | | %.2f | | %.2f |\n", all_handoff / eve_handoff,
	       all / eve);
	printf("\n| CPU ns/event, until every sink delivered | engine's thread | whole process |\n"
	       "|---|---|---|\n");
	printf("| EVE sink alone | %.0f | %.0f |\n", eve_cpu.thread_ns, eve_cpu.process_ns);
	printf("| all sinks | %.0f | %.0f |\n", all_cpu.thread_ns, all_cpu.process_ns);
	printf("\n| engine's thread, per 1,000 events | minor faults | switches, voluntary | "
	       "involuntary |\n|---|---|---|---|\n");
	printf("| EVE sink alone | %.1f | %.1f | %.1f |\n", eve_cpu.minor_faults,
	       eve_cpu.switches_voluntary, eve_cpu.switches_involuntary);
	printf("| all sinks | %.1f | %.1f | %.1f |\n\n", all_cpu.minor_faults,
	       all_cpu.switches_voluntary, all_cpu.switches_involuntary);
	printf("| all sinks / EVE alone (goal <= 2: the engine's thread) | %.2f | %.2f |\n",
	       all_cpu.thread_ns / eve_cpu.thread_ns, all_cpu.process_ns / eve_cpu.process_ns);
	print_queues(&out);
	output_close(&out);

	/* what each queued sink adds to the engine's thread, EVE + that sink alone */
	printf("\n| EVE + one sink | engine's thread CPU ns/event | minus EVE alone | per 1,000 "
	       "events: minor faults, switches (voluntary, involuntary) |\n|---|---|---|---|\n");
	for (type = 0; type < 3; type++) {
		static const char *const names[] = { "syslog (UDP)", "IPFIX (UDP)",
						     "Kafka (mock cluster)" };
		struct cpu_cost one;
		double wall, handoff;

		if (output_open(&out, eve_path, "bench0"))
			return 1;
		if ((type == 0 && syslog_sink_open(&sink, &so)) ||
		    (type == 1 && ipfix_sink_open(&sink, &io)) ||
		    (type == 2 && kafka_sink_open(&sink, &ko, "bench0")) ||
		    output_add_sink(&out, sink))
			return 1;
		wall = bench_output(&out, &handoff, &one);
		(void)wall;
		printf("| %s | %.0f | %.0f | %.1f, %.1f, %.1f |\n", names[type], one.thread_ns,
		       one.thread_ns - eve_cpu.thread_ns, one.minor_faults,
		       one.switches_voluntary, one.switches_involuntary);
		output_close(&out);
	}
	printf("\n");
	drain_stop(&syslog_drain);
	drain_stop(&ipfix_drain);
	rd_kafka_mock_cluster_destroy(mcluster);
	rd_kafka_destroy(owner);
	unlink(eve_path);
	return 0;
}
