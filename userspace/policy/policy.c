// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * FIRST CUT, being replaced by the policy module: installs the sampling settings with
 * the management and egress policy switched off, and counts the events it receives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "policy/policy.h"

struct policy_runtime {
	struct policy_runtime_params p;
	uint64_t events;
};

int policy_runtime_new(struct policy_runtime **out, const struct policy_runtime_params *p)
{
	struct policy_runtime *pr = calloc(1, sizeof(*pr));

	if (!pr)
		return -ENOMEM;
	pr->p = *p;
	*out = pr;
	return 0;
}

void policy_runtime_free(struct policy_runtime *pr)
{
	free(pr);
}

int policy_runtime_install(struct policy_runtime *pr, const struct ew_config *cfg, char *err,
			   size_t errlen)
{
	struct datapath *skel = pr->p.dp->skel;
	__u32 gen = skel->bss->policy_gen + 1, set = gen & 1;
	struct policy_config pc = {
		.generation = gen,
		.sample_first = cfg->sampling.first_packets,
		.sample_flagged_cap = cfg->sampling.flagged_cap,
		.sample_one_in = cfg->sampling.one_in,
	};

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.policy_configs), &set, &pc, BPF_ANY)) {
		snprintf(err, errlen, "cannot write the policy: %s", strerror(errno));
		return -errno;
	}
	skel->bss->policy_gen = gen;
	return 0;
}

int policy_runtime_on_event(struct policy_runtime *pr, const void *data, size_t size)
{
	pr->events++;
	return 0;
}

void policy_runtime_flush(struct policy_runtime *pr, uint64_t now_ns)
{
}

void policy_runtime_add_stats(struct policy_runtime *pr, struct json_object *stats)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "events_read", json_object_new_uint64(pr->events));
	json_object_object_add(stats, "policy", o);
}
