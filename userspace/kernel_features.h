/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the kernel must offer the BPF programs, probed before they load (issue 15): a
 * feature older kernels lack either has a documented fallback or makes edgewatch refuse
 * to start with a message naming the feature and the first kernel that has it, instead of
 * a verifier or attach error. The table (kernel_features[]) is the README's kernel table.
 */
#ifndef EDGEWATCH_KERNEL_FEATURES_H
#define EDGEWATCH_KERNEL_FEATURES_H

#include <stddef.h>

enum kernel_feature_id {
	KF_BTF_VMLINUX,		/* /sys/kernel/btf/vmlinux: CO-RE relocations */
	KF_RINGBUF,		/* BPF_MAP_TYPE_RINGBUF: events, samples, ended flows */
	KF_FOR_EACH_MAP_ELEM,	/* bpf_for_each_map_elem: the sweeper's walk */
	KF_SYSCALL_PROG,	/* BPF_PROG_TYPE_SYSCALL: the sweeper, run by BPF_PROG_TEST_RUN */
	KF_XDP_LOAD_BYTES,	/* bpf_xdp_load_bytes: payload samples past the linear part */
	KF_KTIME_COARSE,	/* bpf_ktime_get_coarse_ns: flow times on the fast path */
	KF_TCX,			/* TCX links for tc egress; fallback: a clsact qdisc filter */
	KF_COUNT,
};

enum kernel_feature_kind {
	KF_REQUIRED,		/* missing: refuse to start, naming it */
	KF_FALLBACK,		/* missing: the fallback is used (logged) */
};

struct kernel_feature {
	const char *name;	/* as the messages and the README name it */
	const char *since;	/* the first mainline kernel that has it */
	enum kernel_feature_kind kind;
	const char *fallback;	/* KF_FALLBACK: what is done without it */
};

extern const struct kernel_feature kernel_features[KF_COUNT];

/*
 * One probe per feature: 1 present, 0 absent, -errno when it cannot tell (the feature is
 * then taken as present and the load itself has the last word). Replaceable for tests.
 */
typedef int (*kernel_probe_fn)(enum kernel_feature_id id);
int kernel_probe_libbpf(enum kernel_feature_id id);

struct kernel_probe_result {
	int present[KF_COUNT];	/* 1 present (or could not tell), 0 absent */
	int missing_required;	/* how many KF_REQUIRED ones are absent */
};

/*
 * Probe every feature the programs need with probe (kernel_probe_libbpf outside tests).
 * attach: the programs will be attached (run); without it (replay) TCX is not probed. Logs each
 * missing feature: an error naming it and its kernel for a required one, a warning naming
 * the fallback otherwise. 0 when the programs can run here, -ENOTSUP when a required
 * feature is missing; the result is filled either way.
 */
int kernel_features_check(kernel_probe_fn probe, int attach, struct kernel_probe_result *res);

/* The feature's line for messages: "ring buffer maps (Linux 5.8)". */
int kernel_feature_describe(enum kernel_feature_id id, char *buf, size_t len);

/*
 * Is this a PREEMPT_RT kernel? It says so in KERNEL_REALTIME_PATH ("1"); the file is
 * absent elsewhere. 1 yes, 0 no. path: KERNEL_REALTIME_PATH outside tests.
 */
#define KERNEL_REALTIME_PATH "/sys/kernel/realtime"
int kernel_is_realtime(const char *path);

#endif
