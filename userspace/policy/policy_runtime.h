/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy runtime's state, shared by policy.c (install) and policy_events.c. */
#ifndef EDGEWATCH_POLICY_RUNTIME_H
#define EDGEWATCH_POLICY_RUNTIME_H

#include <stdint.h>

#include "policy/policy.h"
#include "policy/policy_inventory.h"
#include "detect/alert_limiter.h"
#include "policy/policy_maps.h"

/* Rate limit keys remembered at once, and (flow_seq, type) pairs for deduplication. */
#define POLICY_LIMIT_KEYS 16384
#define POLICY_DEDUP_PAIRS 65536
/* Exposures kept in userspace: as many as the kernel's inventory map holds. */
#define POLICY_INVENTORY_MAX 4096

/* What the events became: events_read == invalid + deduplicated + alerts_written
 * + suppressed + aggregated + held (the limiter's), at any time. */
struct policy_event_totals {
	uint64_t events_read;
	uint64_t invalid;		/* wrong size or unknown type */
	uint64_t deduplicated;
	uint64_t alerts_written;	/* incl. those the writer failed on (eve counts them) */
	uint64_t alerts_by_type[EW_EVENT_FRAG_OVERLAP + 1];
	uint64_t suppressed;		/* sum of the "suppressed" fields written */
	uint64_t aggregated;		/* sum of aggregate alerts' events, less 1 each */
	uint64_t write_errors;
};

struct policy_install_totals {
	uint64_t installs;		/* policies put in force, the first included */
	uint64_t refused;		/* installs that failed (the running policy stayed) */
	uint64_t cleanup_errors;	/* old sets not fully emptied (emptied again next time) */
	uint64_t last_install_ns;	/* build + write + flip + wait + cleanup */
	uint64_t last_wait_ns;		/* of which waiting for the old set's readers */
};

struct policy_runtime {
	struct policy_runtime_params p;
	struct policy_map_fds maps;
	uint32_t generation;		/* in force (0: none yet) */
	uint8_t action;			/* enum ew_action in force */
	uint8_t mgmt_enabled;
	uint8_t egress_enabled;
	uint32_t protected_count;
	struct alert_limiter *limiter;
	struct event_dedup *dedup;
	struct exposure_inventory *inventory;
	struct policy_event_totals events;
	struct policy_install_totals install;
};

#endif /* EDGEWATCH_POLICY_RUNTIME_H */
