// SPDX-License-Identifier: GPL-2.0
/*
 * Test artefact only (tests/e2e/test_datapath.sh), not part of edgewatch: a tc egress
 * program for a second interface of the gateway that gives each packet a VLAN tag the
 * way an 802.1Q device does, in the skb's metadata (bpf_skb_vlan_push sets the
 * hardware-accelerated tag: vlan_present/vlan_tci, the data is left untagged), and
 * sends it on out of the egress of the interface edgewatch watches. Kernels without
 * CONFIG_VLAN_8021Q have no VLAN devices to do that; this does it on any kernel.
 *
 * Built by the test with -DUP_IFINDEX=<ifindex of that interface> -DVLAN_ID=<vid>.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef UP_IFINDEX
#error "build with -DUP_IFINDEX=<ifindex>"
#endif
#ifndef VLAN_ID
#define VLAN_ID 100
#endif

SEC("tc")
int vlan_push_redirect(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN_ID))
		return TC_ACT_SHOT;
	/* flags 0: to the egress of UP, where edgewatch's tc program runs */
	return bpf_redirect(UP_IFINDEX, 0);
}

char LICENSE[] SEC("license") = "GPL";
