// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "payload/flow_block.h"

void flow_blocker_init(struct flow_blocker *b, struct datapath *skel)
{
	b->skel = skel;
	b->blocked_fd = bpf_map__fd(skel->maps.blocked_flows);
	b->configs_fd = bpf_map__fd(skel->maps.policy_configs);
	b->blocked = 0;
	b->released = 0;
	b->failed = 0;
}

int flow_blocker_enforcing(const struct flow_blocker *b)
{
	/* the generation userspace last flipped to; its set is what XDP uses now */
	__u32 set = __atomic_load_n(&b->skel->bss->policy_gen, __ATOMIC_ACQUIRE) & 1;
	struct policy_config pc;

	if (bpf_map_lookup_elem(b->configs_fd, &set, &pc))
		return 0;
	return pc.rules_enforce != 0;
}

int flow_blocker_block(struct flow_blocker *b, const struct flow_key *key)
{
	__u8 one = 1;

	if (bpf_map_update_elem(b->blocked_fd, key, &one, BPF_ANY)) {
		int err = -errno;

		__atomic_add_fetch(&b->failed, 1, __ATOMIC_RELAXED);
		return err;
	}
	/* after the entry exists: a nonzero count makes XDP look it up */
	__atomic_add_fetch(&b->skel->bss->blocked_count, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->blocked, 1, __ATOMIC_RELAXED);
	return 0;
}

void flow_blocker_release(struct flow_blocker *b, const struct flow_key *key)
{
	/* ENOENT is fine: blocked_flows is an LRU and may have evicted it already */
	bpf_map_delete_elem(b->blocked_fd, key);
	__atomic_sub_fetch(&b->skel->bss->blocked_count, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->released, 1, __ATOMIC_RELAXED);
}
