/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The management-plane and egress policy in userspace: the configuration turned into
 * the datapath's policy maps (installed at start and on every reload, atomically: see
 * bpf/datapath.h), and the kernel's policy events turned into alert events, rate-limited
 * per (source, protected address, port), with the exposure inventory.
 */
#ifndef EDGEWATCH_POLICY_H
#define EDGEWATCH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "datapath_loader.h"
#include "flow_export.h"
#include "output/stats.h"

struct policy_runtime;

struct policy_runtime_params {
	struct datapath_instance *dp;	/* maps to fill, .bss policy_gen to flip */
	const struct flow_exporter *exporter;	/* the output alerts go to, flow_id salt,
						 * clock offset */
	const char *ifname;		/* NULL in replay: "the interface's own addresses" needs
					 * management.addresses there */
};

int policy_runtime_new(struct policy_runtime **out, const struct policy_runtime_params *p);
void policy_runtime_free(struct policy_runtime *pr);	/* NULL-safe */

/*
 * Build cfg's policy (management, egress, sampling settings) in the set not in use and
 * make it the one in force with a single write; existing flows are decided again. On
 * error (file, line and reason in err) the running policy stays. 0 or -errno.
 */
int policy_runtime_install(struct policy_runtime *pr, const struct ew_config *cfg, char *err,
			   size_t errlen);
/* A reload refused before it reached the policy (the file did not load): counted with
 * the refused installs (policy.installs.refused). */
void policy_runtime_note_refused(struct policy_runtime *pr);

/* One record from the events ring buffer (struct ew_event). 0, or -errno to stop. */
int policy_runtime_on_event(struct policy_runtime *pr, const void *data, size_t size);

/* Alerts still held back by the rate limit: write their counts (at shutdown). */
void policy_runtime_flush(struct policy_runtime *pr);

/* The policy's part of the stats snapshot. */
void policy_runtime_stats(struct policy_runtime *pr, struct stats_policy *out);

#endif /* EDGEWATCH_POLICY_H */
