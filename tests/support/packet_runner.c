// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "counters.h"
#include "datapath.skel.h"
#include "packet_builder.h"
#include "packet_runner.h"

#define ETH_HEADER_LEN 14
/* XDP metadata in front of frames that BPF_PROG_TEST_RUN finds too short: a multiple
 * of 4, at most 32 (the kernel's limits), and with the frame at least ETH_HEADER_LEN. */
#define SHORT_FRAME_META 16

int dp_open(struct dp *dp, const struct dp_options *opt)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->skel = datapath__open();
	if (!dp->skel)
		return -errno ? -errno : -EINVAL;
	dp->skel->rodata->cfg_replay = 1;
	dp->skel->rodata->cfg_passive = opt && opt->passive;
	if (opt && opt->flow_table_size) {
		err = bpf_map__set_max_entries(dp->skel->maps.flows, opt->flow_table_size);
		if (err)
			goto fail;
	}
	err = datapath__load(dp->skel);
	if (err)
		goto fail;
	dp->flows_fd = bpf_map__fd(dp->skel->maps.flows);
	dp->frags_fd = bpf_map__fd(dp->skel->maps.frags);
	dp->frag_pending_fd = bpf_map__fd(dp->skel->maps.frag_pending);
	dp->counters_fd = bpf_map__fd(dp->skel->maps.counters);
	dp->xdp_fd = bpf_program__fd(dp->skel->progs.ew_xdp_ingress);
	dp->tc_fd = bpf_program__fd(dp->skel->progs.ew_tc_egress);
	return 0;
fail:
	datapath__destroy(dp->skel);
	dp->skel = NULL;
	return err;
}

void dp_close(struct dp *dp)
{
	datapath__destroy(dp->skel);
	dp->skel = NULL;
}

/* Delete every entry: collect the keys first, as deleting while walking restarts the walk. */
static int map_clear(int fd, size_t key_size)
{
	size_t cap = 256, n = 0, i;
	char *keys = malloc(cap * key_size), *grown;
	const void *prev = NULL;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, keys + n * key_size) == 0) {
		prev = keys + n * key_size;
		if (++n == cap) {
			cap *= 2;
			grown = realloc(keys, cap * key_size);
			if (!grown) {
				err = -ENOMEM;
				goto cleanup;
			}
			keys = grown;
			prev = keys + (n - 1) * key_size;
		}
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT)
			err = -errno;
cleanup:
	free(keys);
	return err;
}

int dp_reset(struct dp *dp)
{
	int err = map_clear(dp->flows_fd, sizeof(struct flow_key));

	if (!err)
		err = map_clear(dp->frags_fd, sizeof(struct frag_key));
	if (!err)
		err = map_clear(dp->frag_pending_fd, sizeof(struct frag_key));
	return err;
}

int dp_run_xdp(struct dp *dp, const void *frame, size_t len, uint64_t now_ns, uint32_t *verdict)
{
	uint8_t buf[SHORT_FRAME_META + PKT_MAX_LEN];
	struct xdp_md ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	if (len > PKT_MAX_LEN)
		return -EMSGSIZE;
	dp->skel->bss->clock_now_ns = now_ns;
	if (len < ETH_HEADER_LEN) {
		memset(buf, 0, SHORT_FRAME_META);
		memcpy(buf + SHORT_FRAME_META, frame, len);
		ctx.data = SHORT_FRAME_META;
		ctx.data_end = SHORT_FRAME_META + len;
		opts.data_in = buf;
		opts.data_size_in = SHORT_FRAME_META + len;
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	} else {
		opts.data_in = frame;
		opts.data_size_in = len;
	}
	err = bpf_prog_test_run_opts(dp->xdp_fd, &opts);
	if (err)
		return -errno;
	*verdict = opts.retval;
	return 0;
}

int dp_run_tc(struct dp *dp, const void *frame, size_t len, uint32_t gso_segs, uint32_t gso_size,
	      uint64_t now_ns, uint32_t *verdict)
{
	struct __sk_buff skb = { .gso_segs = gso_segs, .gso_size = gso_size };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int err;

	dp->skel->bss->clock_now_ns = now_ns;
	opts.data_in = frame;
	opts.data_size_in = len;
	opts.ctx_in = &skb;
	opts.ctx_size_in = sizeof(skb);
	err = bpf_prog_test_run_opts(dp->tc_fd, &opts);
	if (err)
		return -errno;
	*verdict = opts.retval;
	return 0;
}

int dp_counters(struct dp *dp, struct ew_counters *out)
{
	return counters_read(dp->counters_fd, out);
}

int dp_flow_get(struct dp *dp, const struct flow_key *key, struct flow_record *rec)
{
	if (bpf_map_lookup_elem(dp->flows_fd, key, rec))
		return -errno;
	flow_record_fold(rec);	/* one count per direction, as userspace reads it */
	return 0;
}

int dp_flow_list(struct dp *dp, struct flow_key *keys, struct flow_record *recs, int max)
{
	struct flow_key cur, next;
	const struct flow_key *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(dp->flows_fd, prev, &next) == 0) {
		if (n < max) {
			if (keys)
				keys[n] = next;
			if (recs && bpf_map_lookup_elem(dp->flows_fd, &next, &recs[n]))
				return -errno;
			if (recs)
				flow_record_fold(&recs[n]);
		}
		n++;
		cur = next;
		prev = &cur;
	}
	return n < max ? n : max;
}

int dp_flow_count(struct dp *dp)
{
	struct flow_key cur, next;
	const struct flow_key *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(dp->flows_fd, prev, &next) == 0) {
		n++;
		cur = next;
		prev = &cur;
	}
	return n;
}

/*
 * The order of bpf/flow.bpf.h endpoint_le(): the address as two native 64-bit words,
 * then the port as stored (network order). Any fixed total order would do; the test
 * must agree with the datapath's to find the entry.
 */
static bool endpoint_le(const union ew_addr *a, __be16 a_port, const union ew_addr *b,
			__be16 b_port)
{
	if (a->u64[0] != b->u64[0])
		return a->u64[0] < b->u64[0];
	if (a->u64[1] != b->u64[1])
		return a->u64[1] < b->u64[1];
	return a_port <= b_port;
}

int dp_flow_key(struct flow_key *key, bool *src_is_a, const char *src, uint16_t sport,
		const char *dst, uint16_t dport, uint8_t proto)
{
	union ew_addr s, d;
	int family = pkt_parse_addr(src, s.u8);
	__be16 sp = htons(sport), dpt = htons(dport);

	memset(key, 0, sizeof(*key));
	if (!family || pkt_parse_addr(dst, d.u8) != family)
		return -EINVAL;
	key->family = family;
	key->proto = proto;
	*src_is_a = endpoint_le(&s, sp, &d, dpt);
	if (*src_is_a) {
		key->addr_a = s;
		key->addr_b = d;
		key->port_a = sp;
		key->port_b = dpt;
	} else {
		key->addr_a = d;
		key->addr_b = s;
		key->port_a = dpt;
		key->port_b = sp;
	}
	return 0;
}
