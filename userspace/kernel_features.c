// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel feature probes (kernel_features.h). The probes use libbpf's own
 * (libbpf_probe_bpf_map_type / _prog_type / _helper: each loads a tiny program or map);
 * TCX has no libbpf probe in libbpf 1.1, so it is asked of the kernel directly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"
#include "log.h"

#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47	/* Linux 6.6 UAPI; Debian 12's headers predate it */
#endif

/*
 * The minimum kernel is the newest "since" of a required feature: bpf_xdp_load_bytes,
 * 5.18. Global (non-inlined) functions (5.6) and BPF links for XDP (5.9) are older than
 * that, so a kernel that passes these probes has them; bpf_loop (5.17) is not used.
 */
const struct kernel_feature kernel_features[KF_COUNT] = {
	[KF_BTF_VMLINUX] = { "kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF) for "
			     "CO-RE relocations", "5.4", KF_REQUIRED, NULL },
	[KF_RINGBUF] = { "ring buffer maps (BPF_MAP_TYPE_RINGBUF)", "5.8", KF_REQUIRED, NULL },
	[KF_FOR_EACH_MAP_ELEM] = { "the bpf_for_each_map_elem helper", "5.13", KF_REQUIRED, NULL },
	[KF_SYSCALL_PROG] = { "syscall programs (BPF_PROG_TYPE_SYSCALL) for the flow sweeper",
			      "5.14", KF_REQUIRED, NULL },
	[KF_XDP_LOAD_BYTES] = { "the bpf_xdp_load_bytes helper", "5.18", KF_REQUIRED, NULL },
	[KF_KTIME_COARSE] = { "the bpf_ktime_get_coarse_ns helper", "5.11", KF_REQUIRED, NULL },
	[KF_TCX] = { "TCX links for tc programs", "6.6", KF_FALLBACK,
		     "tc egress is attached as a filter on a clsact qdisc instead (a SIGKILL "
		     "leaves it behind; the next start removes it)" },
};

int kernel_is_realtime(const char *path)
{
	char c = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c == '1';
}

int kernel_feature_describe(enum kernel_feature_id id, char *buf, size_t len)
{
	return snprintf(buf, len, "%s (Linux %s)", kernel_features[id].name,
			kernel_features[id].since);
}

/*
 * TCX: a link on an interface that does not exist. A kernel with TCX looks the device up
 * (ENODEV); one without rejects the attach type first (EINVAL).
 */
static int probe_tcx(void)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog_fd, fd, err;

	prog_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", prog, 2, NULL);
	if (prog_fd < 0)
		return -errno;
	fd = bpf_link_create(prog_fd, 0, BPF_TCX_EGRESS, NULL);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	close(prog_fd);
	if (err == ENODEV || !err)
		return 1;
	return err == EINVAL ? 0 : -err;
}

/*
 * May this process make BPF objects at all? libbpf's probes read any failure to make
 * their map or program as "not supported", so without CAP_BPF every feature looked
 * missing and the start named a missing ring buffer instead of the missing privilege.
 * 0 when a plain array map can be made, else -errno (then the probes cannot tell, and
 * the load says what is wrong).
 */
static int probe_privilege(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The kernel's BTF is there: its file starts with the BTF magic. Not parsed here: libbpf
 * parses it again to load the programs, and one parse is 80-140 ms of a replay's
 * start-up (issue 11). Where /sys/kernel/btf/vmlinux is missing, libbpf looks in a few
 * places for a vmlinux file with BTF (btf__load_vmlinux_btf): only then is it parsed,
 * to say whether one of those is usable.
 */
static int probe_vmlinux_btf(void)
{
	uint16_t magic = 0;
	struct btf *btf;
	FILE *f;

	f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (f) {
		size_t got = fread(&magic, sizeof(magic), 1, f);

		fclose(f);
		return got == 1 && magic == BTF_MAGIC;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return 0;
	btf__free(btf);
	return 1;
}

int kernel_probe_libbpf(enum kernel_feature_id id)
{
	int err;

	if (id != KF_BTF_VMLINUX && (err = probe_privilege()))
		return err;
	switch (id) {
	case KF_BTF_VMLINUX:
		return probe_vmlinux_btf();
	case KF_RINGBUF:
		return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	case KF_FOR_EACH_MAP_ELEM:
		return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_for_each_map_elem, NULL);
	case KF_SYSCALL_PROG:
		return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL);
	case KF_XDP_LOAD_BYTES:
		return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, NULL);
	case KF_KTIME_COARSE:
		return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_ktime_get_coarse_ns,
					       NULL);
	case KF_TCX:
		return probe_tcx();
	case KF_COUNT:
		break;
	}
	return -EINVAL;
}

int kernel_features_check(kernel_probe_fn probe, int attach, struct kernel_probe_result *res)
{
	char what[256];
	int id, present;

	memset(res, 0, sizeof(*res));
	for (id = 0; id < KF_COUNT; id++) {
		res->present[id] = 1;
		if (id == KF_TCX && !attach)
			continue;
		present = probe(id);
		if (present < 0) {
			/* cannot tell (e.g. EPERM in a sandbox): the load has the last word */
			log_debug("cannot probe %s: %s", kernel_features[id].name,
				  strerror(-present));
			continue;
		}
		if (present)
			continue;
		res->present[id] = 0;
		kernel_feature_describe(id, what, sizeof(what));
		if (kernel_features[id].kind == KF_FALLBACK) {
			log_warn("this kernel has no %s: %s", what, kernel_features[id].fallback);
			continue;
		}
		res->missing_required++;
		log_error("this kernel has no %s, which edgewatch needs: run it on Linux %s or "
			  "newer", what, kernel_features[id].since);
	}
	return res->missing_required ? -ENOTSUP : 0;
}
