// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"

static const char *const names[EW_CNT_MAX] = {
	[EW_CNT_PKT_SEEN] = "pkt_seen",
	[EW_CNT_PKT_FLOW] = "pkt_flow",
	[EW_CNT_PKT_NON_IP] = "pkt_non_ip",
	[EW_CNT_PKT_EMPTY] = "pkt_empty",
	[EW_CNT_PKT_TRUNC_ETH] = "pkt_trunc_eth",
	[EW_CNT_PKT_TRUNC_VLAN] = "pkt_trunc_vlan",
	[EW_CNT_PKT_TRUNC_MPLS] = "pkt_trunc_mpls",
	[EW_CNT_PKT_TRUNC_PPPOE] = "pkt_trunc_pppoe",
	[EW_CNT_PKT_TRUNC_IPV4] = "pkt_trunc_ipv4",
	[EW_CNT_PKT_TRUNC_IPV6] = "pkt_trunc_ipv6",
	[EW_CNT_PKT_TRUNC_IPV6_EXT] = "pkt_trunc_ipv6_ext",
	[EW_CNT_PKT_TRUNC_GRE] = "pkt_trunc_gre",
	[EW_CNT_PKT_TRUNC_TUNNEL] = "pkt_trunc_tunnel",
	[EW_CNT_PKT_TRUNC_L4] = "pkt_trunc_l4",
	[EW_CNT_PKT_BAD_IPV4_IHL] = "pkt_bad_ipv4_ihl",
	[EW_CNT_PKT_BAD_IP_VERSION] = "pkt_bad_ip_version",
	[EW_CNT_PKT_TOO_MANY_VLAN] = "pkt_too_many_vlan",
	[EW_CNT_PKT_TOO_MANY_MPLS] = "pkt_too_many_mpls",
	[EW_CNT_PKT_TOO_MANY_IPV6_EXT] = "pkt_too_many_ipv6_ext",
	[EW_CNT_PKT_TOO_MANY_LAYERS] = "pkt_too_many_layers",
	[EW_CNT_PKT_FRAG_FIRST_MISSING] = "pkt_frag_first_missing",
	[EW_CNT_PKT_FLOW_TABLE_FULL] = "pkt_flow_table_full",
	[EW_CNT_VERDICT_PASS] = "verdict_pass",
	[EW_CNT_VERDICT_DROP_PASSIVE] = "verdict_drop_passive",
	[EW_CNT_VERDICT_DROP_POLICY] = "verdict_drop_policy",
	[EW_CNT_VERDICT_DROP_RULE] = "verdict_drop_rule",
	[EW_CNT_VERDICT_DROP_POLICY_NOFLOW] = "verdict_drop_policy_noflow",
	[EW_CNT_ENCAP_VLAN] = "encap_vlan",
	[EW_CNT_ENCAP_QINQ] = "encap_qinq",
	[EW_CNT_ENCAP_MPLS] = "encap_mpls",
	[EW_CNT_ENCAP_PPPOE] = "encap_pppoe",
	[EW_CNT_ENCAP_GRE] = "encap_gre",
	[EW_CNT_ENCAP_ERSPAN] = "encap_erspan",
	[EW_CNT_ENCAP_VXLAN] = "encap_vxlan",
	[EW_CNT_ENCAP_GENEVE] = "encap_geneve",
	[EW_CNT_ENCAP_IPIP] = "encap_ipip",
	[EW_CNT_ENCAP_TEREDO] = "encap_teredo",
	[EW_CNT_ENCAP_IPV6_EXT] = "encap_ipv6_ext",
	[EW_CNT_ENCAP_FRAGMENT] = "encap_fragment",
	[EW_CNT_ENCAP_ESP] = "encap_esp",
	[EW_CNT_FLOW_CREATED] = "flow_created",
	[EW_CNT_FLOW_CREATE_RACE] = "flow_create_race",
	[EW_CNT_FRAG_TRACKED] = "frag_tracked",
	[EW_CNT_FRAG_ATTRIBUTED] = "frag_attributed",
	[EW_CNT_FRAG_TINY_FIRST] = "frag_tiny_first",
	[EW_CNT_FRAG_TRACK_FAILED] = "frag_track_failed",
	[EW_CNT_TUNNEL_INNER_NON_IP] = "tunnel_inner_non_ip",
	[EW_CNT_FRAG_OVERLAP] = "frag_overlap",
	[EW_CNT_POLICY_ALLOWED] = "policy_allowed",
	[EW_CNT_POLICY_VIOLATION] = "policy_violation",
	[EW_CNT_POLICY_EXPOSURE] = "policy_exposure",
	[EW_CNT_POLICY_EGRESS_VIOLATION] = "policy_egress_violation",
	[EW_CNT_POLICY_NOFLOW] = "policy_noflow",
	[EW_CNT_EVENT_SENT] = "event_sent",
	[EW_CNT_EVENT_LOST] = "event_lost",
	[EW_CNT_EVENT_NOFLOW_SUPPRESSED] = "event_noflow_suppressed",
	[EW_CNT_SAMPLE_SENT] = "sample_sent",
	[EW_CNT_SAMPLE_LOST] = "sample_lost",
	[EW_CNT_SAMPLE_COPY_FAILED] = "sample_copy_failed",
	[EW_CNT_FLOOD_DEST_CREATED] = "flood_dest_created",
	[EW_CNT_FLOOD_DEST_FAILED] = "flood_dest_failed",
	[EW_CNT_SAMPLE_STREAM_CAPPED] = "sample_stream_capped",
	[EW_CNT_FRAG_PENDING_HELD] = "frag_pending_held",
	[EW_CNT_FRAG_PENDING_JOINED] = "frag_pending_joined",
	[EW_CNT_FRAG_PENDING_EXPIRED] = "frag_pending_expired",
	[EW_CNT_FRAG_PENDING_FAILED] = "frag_pending_failed",
};

const char *counter_name(enum ew_counter id)
{
	if ((unsigned)id >= EW_CNT_MAX || !names[id])
		return "unknown";
	return names[id];
}

enum counter_group counter_group_of(enum ew_counter id)
{
	if (id == EW_CNT_PKT_SEEN)
		return COUNTER_GROUP_SEEN;
	if (id >= EW_CNT_PKT_FLOW && id <= EW_CNT_PKT_OUTCOME_LAST)
		return COUNTER_GROUP_OUTCOME;
	if (id >= EW_CNT_VERDICT_PASS && id <= EW_CNT_VERDICT_LAST)
		return COUNTER_GROUP_VERDICT;
	if (id >= EW_CNT_ENCAP_VLAN && id <= EW_CNT_ENCAP_LAST)
		return COUNTER_GROUP_ENCAP;
	return COUNTER_GROUP_EVENT;
}

const char *counter_group_name(enum counter_group group)
{
	switch (group) {
	case COUNTER_GROUP_SEEN:
		return "seen";
	case COUNTER_GROUP_OUTCOME:
		return "outcome";
	case COUNTER_GROUP_VERDICT:
		return "verdict";
	case COUNTER_GROUP_ENCAP:
		return "encap";
	case COUNTER_GROUP_EVENT:
		return "event";
	}
	return "unknown";
}

const char *hook_name(enum ew_hook hook)
{
	switch (hook) {
	case EW_HOOK_XDP_INGRESS:
		return "xdp_ingress";
	case EW_HOOK_TC_EGRESS:
		return "tc_egress";
	default:
		return "unknown";
	}
}

int counters_read(int counters_map_fd, struct ew_counters *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ew_counters *percpu;
	__u32 zero = 0;
	int cpu, hook, id, err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(counters_map_fd, &zero, percpu)) {
		err = -errno;
		goto cleanup;
	}
	for (cpu = 0; cpu < ncpus; cpu++)
		for (hook = 0; hook < EW_HOOK_MAX; hook++)
			for (id = 0; id < EW_CNT_MAX; id++)
				sum->count[hook][id] += percpu[cpu].count[hook][id];
cleanup:
	free(percpu);
	return err;
}

uint64_t counters_total(const struct ew_counters *c, enum ew_counter id)
{
	uint64_t total = 0;
	int hook;

	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		total += c->count[hook][id];
	return total;
}

uint64_t counters_outcome_sum(const struct ew_counters *c, enum ew_hook hook)
{
	uint64_t total = 0;
	int id;

	for (id = EW_CNT_PKT_FLOW; id <= EW_CNT_PKT_OUTCOME_LAST; id++)
		total += c->count[hook][id];
	return total;
}

uint64_t counters_verdict_sum(const struct ew_counters *c, enum ew_hook hook)
{
	uint64_t total = 0;
	int id;

	for (id = EW_CNT_VERDICT_PASS; id <= EW_CNT_VERDICT_LAST; id++)
		total += c->count[hook][id];
	return total;
}
