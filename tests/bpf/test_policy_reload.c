// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reloading the policy: existing flows are decided again under the new generation,
 * the old set is emptied, an install that fails (refused config, or a map that cannot
 * take the new set) leaves the running policy in force with nothing half-written, the
 * decision counters are per generation; and the proof that no packet sees a
 * half-written policy: a thread runs the XDP program on one flow without pause
 * (BPF_PROG_TEST_RUN, the same kernel path as a NIC's packets as far as RCU goes) while
 * 100 installs alternate between a policy that allows the flow's source and one that
 * does not; then for every generation from A, violation == 0, from B, allowed == 0,
 * and the decisions add up to the packets run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "test_policy.h"

#define SOURCE4 "198.18.7.7"

#define ALLOWS_SOURCE                                                                          \
	"management:\n"                                                                        \
	"  action: drop\n"                                                                     \
	"  addresses: [" GW4 "]\n"                                                             \
	"  ports: [ssh, snmp]\n"                                                               \
	"  allow:\n"                                                                           \
	"    - from: [198.18.7.0/24]\n"
#define DENIES_SOURCE                                                                          \
	"management:\n"                                                                        \
	"  action: drop\n"                                                                     \
	"  addresses: [" GW4 "]\n"                                                             \
	"  ports: [ssh, snmp]\n"                                                               \
	"  allow:\n"                                                                           \
	"    - from: [198.18.8.0/24]\n"

static int setup(struct test_case *t, struct policy_fixture *f, const char *yaml)
{
	int err = fixture_open(f);

	if (!err)
		err = fixture_install(f, yaml);
	if (err)
		test_fail(t, __FILE__, __LINE__, "setup: %s %s", strerror(-err), f->err);
	return err;
}

static int send_ssh(struct policy_fixture *f, uint8_t flags)
{
	struct pkt p;

	tcp_frame(&p, 0, SOURCE4, 40000, GW4, 22, flags);
	return fixture_xdp(f, &p);
}

static uint8_t flow_verdict(struct policy_fixture *f, uint32_t *gen)
{
	struct flow_record rec = {};

	fixture_flow(f, SOURCE4, 40000, GW4, 22, 6, 0, &rec);
	*gen = rec.policy_gen;
	return rec.policy_verdict;
}

static void test_flows_decided_again(struct test_case *t)
{
	struct policy_fixture f;
	uint32_t gen;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	EXPECT(t, send_ssh(&f, PKT_TCP_SYN) == XDP_PASS_VERDICT, "allowed under A");
	EXPECT(t, flow_verdict(&f, &gen) == EW_POLICY_ALLOWED && gen == 1, "A: gen %u", gen);
	CHECK(t, fixture_install(&f, DENIES_SOURCE) == 0, "install B: %s", f.err);
	EXPECT(t, fixture_gen(&f) == 2, "generation %u", fixture_gen(&f));
	EXPECT(t, send_ssh(&f, PKT_TCP_ACK) == XDP_DROP_VERDICT, "the same flow dropped under B");
	EXPECT(t, flow_verdict(&f, &gen) == EW_POLICY_VIOLATION && gen == 2, "B: gen %u", gen);
	fixture_events(&f);
	EXPECT(t, f.nevents == 1 && f.events[0].type == EW_EVENT_MGMT_VIOLATION &&
		  f.events[0].policy_gen == 2 && f.events[0].action == EW_ACTION_DROP,
	       "one violation under generation 2");
	CHECK(t, fixture_install(&f, ALLOWS_SOURCE) == 0, "install A again: %s", f.err);
	EXPECT(t, send_ssh(&f, PKT_TCP_ACK) == XDP_PASS_VERDICT, "allowed again");
	EXPECT(t, flow_verdict(&f, &gen) == EW_POLICY_ALLOWED && gen == 3, "A: gen %u", gen);
cleanup:
	fixture_close(&f);
}

static void test_old_set_emptied(struct test_case *t)
{
	struct policy_fixture f;
	struct policy_map_fds m;
	uint64_t in_force, old;
	int i;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	policy_map_fds_of(f.dp.skel, &m);
	for (i = 0; i < 4; i++) {
		CHECK(t, policy_maps_count_set(&m, fixture_gen(&f) & 1, &in_force) == 0, "count");
		CHECK(t, policy_maps_count_set(&m, !(fixture_gen(&f) & 1), &old) == 0, "count");
		/* 1 address + 2 ports + 1 prefix */
		EXPECT(t, in_force == 4 && old == 0, "gen %u: %llu entries in force, %llu in the "
		       "other set", fixture_gen(&f), (unsigned long long)in_force,
		       (unsigned long long)old);
		CHECK(t, fixture_install(&f, i & 1 ? ALLOWS_SOURCE : DENIES_SOURCE) == 0, "%s",
		      f.err);
	}
cleanup:
	fixture_close(&f);
}

static void test_refused_config_keeps_policy(struct test_case *t)
{
	static const char too_many_ports[] =
		"management:\n  addresses: [" GW4 "]\n  ports: [tcp/1, tcp/3, tcp/5, tcp/7, "
		"tcp/9, tcp/11, tcp/13, tcp/15, tcp/17, tcp/19, tcp/21, tcp/23, tcp/25, tcp/27, "
		"tcp/29, tcp/31, tcp/33, tcp/35, tcp/37, tcp/39, tcp/41, tcp/43, tcp/45, tcp/47, "
		"tcp/49, tcp/51, tcp/53, tcp/55, tcp/57, tcp/59, tcp/61, tcp/63, tcp/65, tcp/67, "
		"tcp/69, tcp/71, tcp/73, tcp/75, tcp/77, tcp/79, tcp/81, tcp/83, tcp/85, tcp/87, "
		"tcp/89, tcp/91, tcp/93, tcp/95, tcp/97, tcp/99, tcp/101, tcp/103, tcp/105, "
		"tcp/107, tcp/109, tcp/111, tcp/113, tcp/115, tcp/117, tcp/119, tcp/121, tcp/123, "
		"tcp/125, tcp/127]\n";
	struct policy_fixture f;
	struct policy_map_fds m;
	uint64_t inactive;
	uint32_t gen;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	send_ssh(&f, PKT_TCP_SYN);
	EXPECT(t, fixture_install(&f, too_many_ports) == -E2BIG, "not refused");
	EXPECT(t, strstr(f.err, "policy.yaml: management.ports: 64 distinct"), "message: %s",
	       f.err);
	EXPECT(t, fixture_gen(&f) == 1, "generation moved to %u", fixture_gen(&f));
	EXPECT(t, send_ssh(&f, PKT_TCP_ACK) == XDP_PASS_VERDICT, "the flow is still allowed");
	EXPECT(t, flow_verdict(&f, &gen) == EW_POLICY_ALLOWED && gen == 1, "gen %u", gen);
	policy_map_fds_of(f.dp.skel, &m);
	CHECK(t, policy_maps_count_set(&m, 0, &inactive) == 0, "count");
	EXPECT(t, inactive == 0, "%llu entries left in the inactive set",
	       (unsigned long long)inactive);
cleanup:
	fixture_close(&f);
}

/*
 * A map that cannot take the new set (filled here with keys of the set in force under
 * protocols no config names): the write fails half-way; what was written is removed
 * and the running policy stays.
 */
static void test_failed_write_keeps_policy(struct test_case *t)
{
	struct policy_fixture f;
	struct policy_map_fds m;
	struct policy_port_key k = { .set = 1 };
	uint32_t idx = 0, gen, filler = 0, max;
	uint64_t inactive;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	send_ssh(&f, PKT_TCP_SYN);
	policy_map_fds_of(f.dp.skel, &m);
	max = bpf_map__max_entries(f.dp.skel->maps.mgmt_ports);
	for (k.proto = 200; filler + 2 < max; k.proto++)
		for (k.port = 0; filler + 2 < max && k.port < 0xFFFF; k.port++, filler++)
			CHECK(t, bpf_map_update_elem(m.mgmt_ports, &k, &idx, BPF_NOEXIST) == 0,
			      "filler %u: %s", filler, strerror(errno));
	/* room for 1 of the 2 management ports of the new set */
	EXPECT(t, fixture_install(&f, DENIES_SOURCE) == -E2BIG, "install did not fail: %s",
	       f.err);
	EXPECT(t, strstr(f.err, "cannot write the policy maps"), "message: %s", f.err);
	EXPECT(t, fixture_gen(&f) == 1, "generation moved to %u", fixture_gen(&f));
	EXPECT(t, send_ssh(&f, PKT_TCP_ACK) == XDP_PASS_VERDICT, "the flow is still allowed");
	EXPECT(t, flow_verdict(&f, &gen) == EW_POLICY_ALLOWED && gen == 1, "gen %u", gen);
	CHECK(t, policy_maps_count_set(&m, 0, &inactive) == 0, "count");
	EXPECT(t, inactive == 0, "%llu entries of the half-written set left",
	       (unsigned long long)inactive);
cleanup:
	fixture_close(&f);
}

static int decisions_fd(struct policy_fixture *f)
{
	return bpf_map__fd(f->dp.skel->maps.policy_decisions);
}

/* Generations from A are odd (A installed first), from B even. */
static void test_decisions_per_generation(struct test_case *t)
{
	struct policy_fixture f;
	struct policy_decisions d;
	uint32_t gen;
	int i;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	for (i = 0; i < 20; i++) {
		if (i)
			CHECK(t, fixture_install(&f, i & 1 ? DENIES_SOURCE : ALLOWS_SOURCE) == 0,
			      "%s", f.err);
		send_ssh(&f, PKT_TCP_ACK);
		send_ssh(&f, PKT_TCP_ACK);
		send_ssh(&f, PKT_TCP_ACK);
	}
	for (gen = 1; gen <= 20; gen++) {
		CHECK(t, policy_maps_read_decisions(decisions_fd(&f), gen, &d) == 0, "read");
		EXPECT(t, gen & 1 ? d.allowed == 3 && d.violation == 0
				  : d.allowed == 0 && d.violation == 3,
		       "generation %u: allowed %llu, violation %llu", gen,
		       (unsigned long long)d.allowed, (unsigned long long)d.violation);
	}
cleanup:
	fixture_close(&f);
}

/* ---- under traffic ------------------------------------------------------------------ */

#define RELOADS 100
/* packets per BPF_PROG_TEST_RUN: with more than 1, the kernel swaps the XDP dispatcher
 * around the run (an RCU grace period, ~30 ms), so few runs would fit between reloads */
#define RUN_REPEAT 1
#define MAX_RUNS 2000000	/* bounds the sender whatever happens */

struct sender {
	struct policy_fixture *f;
	struct pkt frame;
	atomic_int stop;
	uint64_t packets;	/* packets the program ran on */
	uint64_t runs;
	int error;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	int fd = bpf_program__fd(s->f->dp.skel->progs.ew_xdp_ingress);

	while (!atomic_load(&s->stop) && s->runs < MAX_RUNS) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = s->frame.data,
			    .data_size_in = s->frame.len, .repeat = RUN_REPEAT);

		if (bpf_prog_test_run_opts(fd, &opts)) {
			s->error = errno;
			break;
		}
		s->packets += RUN_REPEAT;
		s->runs++;
	}
	return NULL;
}

static void test_reload_under_traffic(struct test_case *t)
{
	struct policy_fixture f;
	struct policy_decisions d;
	struct sender s = {};
	pthread_t thread;
	uint64_t total = 0, gens_with_packets = 0;
	uint32_t gen, last;
	int i, started = 0;

	if (setup(t, &f, ALLOWS_SOURCE))
		goto cleanup;
	s.f = &f;
	f.dp.skel->bss->clock_now_ns = f.now_ns;
	tcp_frame(&s.frame, 0, SOURCE4, 40000, GW4, 22, PKT_TCP_ACK);
	CHECK(t, pthread_create(&thread, NULL, sender_main, &s) == 0, "thread");
	started = 1;
	usleep(2000);
	for (i = 1; i <= RELOADS; i++) {
		if (fixture_install(&f, i & 1 ? DENIES_SOURCE : ALLOWS_SOURCE)) {
			test_fail(t, __FILE__, __LINE__, "reload %d refused: %s", i, f.err);
			break;
		}
		usleep(1000);	/* let some packets see each generation */
	}
	atomic_store(&s.stop, 1);
	pthread_join(thread, NULL);
	started = 0;
	CHECK(t, !s.error, "BPF_PROG_TEST_RUN: %s", strerror(s.error));
	last = fixture_gen(&f);
	CHECK(t, last == RELOADS + 1, "generation %u after %d reloads", last, RELOADS);
	for (gen = 1; gen <= last; gen++) {
		CHECK(t, policy_maps_read_decisions(decisions_fd(&f), gen, &d) == 0, "read");
		EXPECT(t, gen & 1 ? d.violation == 0 : d.allowed == 0,
		       "generation %u (%s): allowed %llu, violation %llu", gen,
		       gen & 1 ? "allows" : "denies", (unsigned long long)d.allowed,
		       (unsigned long long)d.violation);
		total += d.allowed + d.violation;
		gens_with_packets += d.allowed + d.violation > 0;
	}
	EXPECT(t, total == s.packets, "decisions %llu != packets %llu",
	       (unsigned long long)total, (unsigned long long)s.packets);
	/* not a correctness condition, but without it the test proves little */
	EXPECT(t, gens_with_packets > RELOADS / 2, "only %llu of %u generations saw packets",
	       (unsigned long long)gens_with_packets, last);
	printf("# %llu packets over %u generations (%llu with packets)\n",
	       (unsigned long long)s.packets, last, (unsigned long long)gens_with_packets);
cleanup:
	if (started) {
		atomic_store(&s.stop, 1);
		pthread_join(thread, NULL);
	}
	fixture_close(&f);
}

int main(void)
{
	test_program = "test_policy_reload";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	RUN(test_flows_decided_again);
	RUN(test_old_set_emptied);
	RUN(test_refused_config_keeps_policy);
	RUN(test_failed_write_keeps_policy);
	RUN(test_decisions_per_generation);
	RUN(test_reload_under_traffic);
	return test_summary();
}
