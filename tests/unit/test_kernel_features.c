// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The decisions kernel_features_check() takes on probe results (userspace/kernel_features.c),
 * with the probes mocked: every kernel feature the programs need refuses the start when
 * missing, with a message naming the feature and the kernel that has it; TCX falls back
 * (warned, not refused) and is probed only when the programs will be attached; a probe that
 * cannot tell leaves the decision to the load. The real probes run on the kernel matrix
 * (scripts/test-kernels.sh), where 6.1 lacks TCX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "kernel_features.h"
#include "log.h"
#include "../support/test.h"

static int mock_answer[KF_COUNT];	/* what each mocked probe says */
static int mock_calls[KF_COUNT];

static int mock_probe(enum kernel_feature_id id)
{
	mock_calls[id]++;
	return mock_answer[id];
}

static void mock_kernel(int present)
{
	int id;

	for (id = 0; id < KF_COUNT; id++) {
		mock_answer[id] = present;
		mock_calls[id] = 0;
	}
}

/* Run the check with stderr captured into log (what an operator would read). */
static int check_logged(int attach, struct kernel_probe_result *res, char *log, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), err;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	err = kernel_features_check(mock_probe, attach, res);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, len - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	return err;
}

/* A kernel with every feature but one (KF_COUNT: none missing), checked. */
static int check_without(enum kernel_feature_id missing, int attach,
			 struct kernel_probe_result *res, char *log, size_t len)
{
	mock_kernel(1);
	if (missing != KF_COUNT)
		mock_answer[missing] = 0;
	return check_logged(attach, res, log, len);
}

static void test_all_present(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096];
	int id;

	CHECK(t, check_without(KF_COUNT, 1, &res, log, sizeof(log)) == 0,
	      "refused a kernel with everything");
	CHECK(t, res.missing_required == 0, "%d missing", res.missing_required);
	CHECK(t, log[0] == '\0', "logged: %s", log);
	for (id = 0; id < KF_COUNT; id++)
		CHECK(t, mock_calls[id] == 1 && res.present[id] == 1, "feature %d: %d calls", id,
		      mock_calls[id]);
}

/* Each required feature alone missing: refused, and the message names it and its kernel. */
static void test_each_required_feature_refuses(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096], want[256];
	int id;

	for (id = 0; id < KF_COUNT; id++) {
		if (kernel_features[id].kind != KF_REQUIRED)
			continue;
		CHECK(t, check_without(id, 1, &res, log, sizeof(log)) == -ENOTSUP,
		      "%s missing: not refused", kernel_features[id].name);
		CHECK(t, res.missing_required == 1 && res.present[id] == 0, "%s: result %d/%d",
		      kernel_features[id].name, res.missing_required, res.present[id]);
		kernel_feature_describe(id, want, sizeof(want));
		CHECK(t, strstr(log, want) != NULL, "the message does not name \"%s\": %s", want,
		      log);
		snprintf(want, sizeof(want), "run it on Linux %s or newer", kernel_features[id].since);
		CHECK(t, strstr(log, want) != NULL, "no \"%s\" in: %s", want, log);
	}
}

/* Linux 6.1 as the matrix finds it: everything but TCX. Runs, with the fallback named. */
static void test_no_tcx_falls_back(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096];

	CHECK(t, check_without(KF_TCX, 1, &res, log, sizeof(log)) == 0,
	      "refused a kernel without TCX");
	CHECK(t, res.present[KF_TCX] == 0 && res.missing_required == 0, "result %d/%d",
	      res.present[KF_TCX], res.missing_required);
	CHECK(t, strstr(log, "TCX links for tc programs (Linux 6.6)") && strstr(log, "clsact"),
	      "the warning names neither TCX nor the fallback: %s", log);
	CHECK(t, strstr(log, "error") == NULL, "an error for a fallback: %s", log);
}

/* Replay attaches nothing: TCX is not probed, and its absence is no warning. */
static void test_replay_does_not_probe_tcx(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096];

	CHECK(t, check_without(KF_TCX, 0, &res, log, sizeof(log)) == 0, "refused");
	CHECK(t, mock_calls[KF_TCX] == 0, "TCX probed %d times for replay", mock_calls[KF_TCX]);
	CHECK(t, log[0] == '\0', "logged: %s", log);
}

/* A probe that cannot tell (EPERM in a sandbox): not a refusal; the load decides. */
static void test_unknown_is_not_refused(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096];

	mock_kernel(-EPERM);
	CHECK(t, check_logged(1, &res, log, sizeof(log)) == 0, "refused on probes that failed");
	CHECK(t, res.missing_required == 0 && res.present[KF_RINGBUF] == 1, "result %d/%d",
	      res.missing_required, res.present[KF_RINGBUF]);
}

/* A 5.10 kernel (no for_each_map_elem, syscall programs, xdp_load_bytes, TCX): all named. */
static void test_old_kernel_names_every_missing_feature(struct test_case *t)
{
	struct kernel_probe_result res;
	char log[4096];

	mock_kernel(1);
	mock_answer[KF_FOR_EACH_MAP_ELEM] = 0;
	mock_answer[KF_SYSCALL_PROG] = 0;
	mock_answer[KF_XDP_LOAD_BYTES] = 0;
	mock_answer[KF_TCX] = 0;
	CHECK(t, check_logged(1, &res, log, sizeof(log)) == -ENOTSUP, "not refused");
	CHECK(t, res.missing_required == 3, "%d missing", res.missing_required);
	CHECK(t, strstr(log, "Linux 5.13") && strstr(log, "Linux 5.14") && strstr(log, "Linux 5.18"),
	      "not every missing feature named: %s", log);
}

/*
 * The real BTF probe (no mock): it reads the magic of /sys/kernel/btf/vmlinux instead of
 * parsing the file (libbpf parses it once more to load; one parse was 80-140 ms of a
 * replay's start-up). Present here means the magic is there; libbpf must agree.
 */
static void test_btf_probe_agrees_with_libbpf(struct test_case *t)
{
	struct btf *btf;
	int probed, parsed;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		SKIP(t, "no readable /sys/kernel/btf/vmlinux on this kernel");
		return;
	}
	probed = kernel_probe_libbpf(KF_BTF_VMLINUX);
	btf = btf__load_vmlinux_btf();
	parsed = btf != NULL;
	btf__free(btf);
	CHECK(t, probed == parsed, "probe says %d, libbpf %s", probed,
	      parsed ? "parsed it" : "could not parse it");
}

/* /sys/kernel/realtime: "1" on a PREEMPT_RT kernel, absent elsewhere. */
static void test_realtime_file(struct test_case *t)
{
	char path[] = "/tmp/ew-realtime-XXXXXX";
	int fd = mkstemp(path);

	CHECK(t, fd >= 0, "mkstemp");
	CHECK(t, write(fd, "1\n", 2) == 2, "write");
	EXPECT(t, kernel_is_realtime(path) == 1, "\"1\" is not realtime");
	CHECK(t, ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "0\n", 2) == 2,
	      "rewrite");
	EXPECT(t, kernel_is_realtime(path) == 0, "\"0\" is realtime");
	CHECK(t, ftruncate(fd, 0) == 0, "truncate");
	EXPECT(t, kernel_is_realtime(path) == 0, "an empty file is realtime");
	close(fd);
	unlink(path);
	EXPECT(t, kernel_is_realtime(path) == 0, "a missing file is realtime");
}

int main(void)
{
	test_program = "kernel_features";
	log_set_level(LOG_LEVEL_INFO);
	RUN(test_all_present);
	RUN(test_each_required_feature_refuses);
	RUN(test_no_tcx_falls_back);
	RUN(test_replay_does_not_probe_tcx);
	RUN(test_unknown_is_not_refused);
	RUN(test_old_kernel_names_every_missing_feature);
	RUN(test_btf_probe_agrees_with_libbpf);
	RUN(test_realtime_file);
	return test_summary();
}
