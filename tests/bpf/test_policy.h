/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fixture of the policy BPF tests: the datapath loaded through the packet runner,
 * a policy installed from YAML by the real policy_runtime_install(), frames through
 * XDP (ingress) or tc (egress) with BPF_PROG_TEST_RUN, and the events ring buffer read
 * with ring_buffer__new, as the daemon does. Header-only: each test_policy_*.c is its
 * own program.
 */
#ifndef EDGEWATCH_TESTS_TEST_POLICY_H
#define EDGEWATCH_TESTS_TEST_POLICY_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "config/config.h"
#include "counters.h"
#include "datapath.skel.h"
#include "datapath_loader.h"
#include "output/output.h"
#include "flow_export.h"
#include "policy/policy.h"
#include "policy/policy_maps.h"
#include "../support/packet_builder.h"
#include "../support/packet_runner.h"
#include "../support/test.h"

#define XDP_DROP_VERDICT 1	/* enum xdp_action */
#define XDP_PASS_VERDICT 2
#define FIXTURE_MAX_EVENTS 64
#define MS 1000000ULL

#define GW4 "198.18.0.1"		/* the protected address */
#define GW6 "2001:db8::1"
#define OTHER_HOST4 "198.18.0.2"	/* on the same link, not protected */

struct policy_fixture {
	struct dp dp;
	struct datapath_instance inst;
	struct output out;
	int out_open;
	char eve_path[64];
	struct flow_exporter exporter;
	struct policy_runtime *policy;
	struct ring_buffer *ring;
	struct ew_event events[FIXTURE_MAX_EVENTS];
	int nevents;
	int events_overflow;
	uint64_t now_ns;
	char err[512];		/* the last install's error */
};

static inline int fixture_on_event(void *ctx, void *data, size_t size)
{
	struct policy_fixture *f = ctx;

	if (size < sizeof(struct ew_event) || f->nevents == FIXTURE_MAX_EVENTS) {
		f->events_overflow++;
		return 0;
	}
	memcpy(&f->events[f->nevents++], data, sizeof(struct ew_event));
	return 0;
}

/*
 * Load the datapath (opt: NULL for the defaults) and a policy runtime writing alerts to
 * a temporary EVE file.
 */
static inline int fixture_open_with(struct policy_fixture *f, const struct dp_options *opt)
{
	struct policy_runtime_params pp = {};
	int fd, err;

	memset(f, 0, sizeof(*f));
	err = dp_open(&f->dp, opt);
	if (err)
		return err;
	f->inst.skel = f->dp.skel;
	f->inst.xdp_link_fd = -1;
	f->inst.tc_link_fd = -1;
	snprintf(f->eve_path, sizeof(f->eve_path), "/tmp/edgewatch-policy-test.XXXXXX");
	fd = mkstemp(f->eve_path);
	if (fd < 0)
		return -errno;
	close(fd);
	err = output_open(&f->out, f->eve_path, "test0");
	if (err)
		return err;
	f->out_open = 1;
	flow_exporter_init(&f->exporter, &f->out, 7, 0);
	pp.dp = &f->inst;
	pp.exporter = &f->exporter;
	pp.ifname = NULL;	/* replay-like: tests list management.addresses */
	err = policy_runtime_new(&f->policy, &pp);
	if (err)
		return err;
	f->ring = ring_buffer__new(bpf_map__fd(f->dp.skel->maps.events), fixture_on_event, f,
				   NULL);
	if (!f->ring)
		return -errno;
	f->now_ns = 1000 * MS;
	return 0;
}

static inline int fixture_open(struct policy_fixture *f)
{
	return fixture_open_with(f, NULL);
}

static inline void fixture_close(struct policy_fixture *f)
{
	ring_buffer__free(f->ring);
	policy_runtime_free(f->policy);
	flow_exporter_destroy(&f->exporter);
	if (f->out_open)
		output_close(&f->out);
	f->out_open = 0;
	if (f->eve_path[0])
		unlink(f->eve_path);
	dp_close(&f->dp);
}

/* Install a policy from YAML text. 0, or the install's error (message in f->err). */
static inline int fixture_install(struct policy_fixture *f, const char *yaml)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error cerr;
	struct ew_config *cfg = NULL;
	int err;

	f->err[0] = '\0';
	if (config_load_buffer("policy.yaml", yaml, strlen(yaml), &cfg, &cerr)) {
		snprintf(f->err, sizeof(f->err), "config: %s",
			 config_error_format(&cerr, message, sizeof(message)));
		return -EINVAL;
	}
	err = policy_runtime_install(f->policy, cfg, f->err, sizeof(f->err));
	config_free(cfg);
	return err;
}

static inline uint32_t fixture_gen(const struct policy_fixture *f)
{
	return f->dp.skel->bss->policy_gen;
}

/* Run a frame through XDP (ingress) 1 ms after the last; the XDP verdict, or -errno. */
static inline int fixture_xdp(struct policy_fixture *f, const struct pkt *p)
{
	uint32_t verdict;
	int err;

	f->now_ns += MS;
	err = dp_run_xdp(&f->dp, p->data, p->len, f->now_ns, &verdict);
	return err ? err : (int)verdict;
}

/* The same through tc egress (the device's own traffic). */
static inline int fixture_tc(struct policy_fixture *f, const struct pkt *p)
{
	uint32_t verdict;
	int err;

	f->now_ns += MS;
	err = dp_run_tc(&f->dp, p->data, p->len, 1, 0, f->now_ns, &verdict);
	return err ? err : (int)verdict;
}

/* Read what the ring buffer holds into f->events (appended). */
static inline int fixture_events(struct policy_fixture *f)
{
	int n = ring_buffer__consume(f->ring);

	return n < 0 ? n : f->nevents;
}

/* Events of a type collected so far. */
static inline int fixture_count(const struct policy_fixture *f, uint32_t type)
{
	int i, n = 0;

	for (i = 0; i < f->nevents; i++)
		n += f->events[i].type == type;
	return n;
}

static inline const struct ew_event *fixture_find(const struct policy_fixture *f,
						  uint32_t type)
{
	int i;

	for (i = 0; i < f->nevents; i++)
		if (f->events[i].type == type)
			return &f->events[i];
	return NULL;
}

/* The flow of a packet from src:sport to dst:dport (it must exist). */
static inline int fixture_flow(struct policy_fixture *f, const char *src, uint16_t sport,
			       const char *dst, uint16_t dport, uint8_t proto, uint16_t vlan,
			       struct flow_record *rec)
{
	struct flow_key key;
	bool src_is_a;
	int err = dp_flow_key(&key, &src_is_a, src, sport, dst, dport, proto);

	if (err)
		return err;
	key.vlan[0] = vlan;
	return dp_flow_get(&f->dp, &key, rec);
}

/* ---- packets -------------------------------------------------------------------- */

static inline void ip_header(struct pkt *p, const char *src, const char *dst)
{
	if (strchr(src, ':'))
		pkt_ipv6(p, src, dst);
	else
		pkt_ipv4(p, &(struct pkt_ipv4){ .src = src, .dst = dst });
}

/* A TCP segment (vlan 0: untagged), padded to the Ethernet minimum. */
static inline void tcp_frame(struct pkt *p, uint16_t vlan, const char *src, uint16_t sport,
			     const char *dst, uint16_t dport, uint8_t flags)
{
	pkt_init(p);
	pkt_eth(p);
	if (vlan)
		pkt_vlan(p, PKT_TPID_8021Q, vlan);
	ip_header(p, src, dst);
	pkt_tcp(p, sport, dport, flags, 0);
	pkt_finish(p);
	pkt_pad(p, 60);
}

static inline void udp_frame(struct pkt *p, uint16_t vlan, const char *src, uint16_t sport,
			     const char *dst, uint16_t dport)
{
	pkt_init(p);
	pkt_eth(p);
	if (vlan)
		pkt_vlan(p, PKT_TPID_8021Q, vlan);
	ip_header(p, src, dst);
	pkt_udp(p, sport, dport);
	pkt_payload(p, 32, 'q');
	pkt_finish(p);
	pkt_pad(p, 60);
}

/* Counter deltas: read before, compare after. */
static inline uint64_t counter_delta(const struct ew_counters *before,
				     const struct ew_counters *after, enum ew_hook hook,
				     enum ew_counter id)
{
	return after->count[hook][id] - before->count[hook][id];
}

#endif /* EDGEWATCH_TESTS_TEST_POLICY_H */
