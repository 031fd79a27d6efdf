// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy runtime: installing a configuration's policy with no gap (this file), and
 * its events as alerts (policy_events.c). The install: build the tables in memory
 * (policy_tables.c; a policy that cannot be installed is refused there, before the
 * kernel is touched), fill the set not in force, flip the generation with one store,
 * wait until no program still reads the old set, then empty the old set so the next
 * reload starts from nothing. See userspace/policy/README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "log.h"
#include "policy/policy_addrs.h"
#include "policy/policy_runtime.h"
#include "policy/policy_tables.h"

#define NS_PER_SEC 1000000000ULL

int policy_runtime_new(struct policy_runtime **out, const struct policy_runtime_params *p)
{
	struct policy_runtime *pr = calloc(1, sizeof(*pr));
	int err;

	if (!pr)
		return -ENOMEM;
	pr->p = *p;
	policy_map_fds_of(p->dp->skel, &pr->maps);
	pr->generation = p->dp->skel->bss->policy_gen;
	err = alert_limiter_new(&pr->limiter, POLICY_LIMIT_KEYS, sizeof(struct ew_event));
	if (!err)
		err = event_dedup_new(&pr->dedup, POLICY_DEDUP_PAIRS);
	if (!err)
		err = exposure_inventory_new(&pr->inventory, POLICY_INVENTORY_MAX);
	if (err) {
		policy_runtime_free(pr);
		return err;
	}
	*out = pr;
	return 0;
}

void policy_runtime_free(struct policy_runtime *pr)
{
	if (!pr)
		return;
	alert_limiter_free(pr->limiter);
	event_dedup_free(pr->dedup);
	exposure_inventory_free(pr->inventory);
	free(pr);
}

/*
 * The interface's addresses when the config lists none. Replay has no interface: say
 * so (a warning when a config file was given, as its author expects a policy) and
 * leave management off.
 */
static int protected_defaults(struct policy_runtime *pr, const struct ew_config *cfg,
			      struct policy_hosts *iface, const struct policy_hosts **use)
{
	int err;

	*use = NULL;
	if (cfg->management.addresses.count)
		return 0;
	if (!pr->p.ifname) {
		log_msg(strcmp(cfg->source, "(defaults)") ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
			"%s: management.addresses is not set: in replay there is no interface "
			"whose addresses it could mean, so the management and egress policies are "
			"off; list the protected addresses in management.addresses", cfg->source);
		return 0;
	}
	err = policy_iface_addrs(pr->p.ifname, iface);
	if (err)
		return err;
	if (!iface->count)
		log_warn("%s: %s has no addresses and management.addresses is not set: the "
			 "management and egress policies protect nothing", cfg->source,
			 pr->p.ifname);
	*use = iface;
	return 0;
}

/* The generation after gen; 0 means "no policy" to the programs, so it is skipped. */
static uint32_t next_generation(uint32_t gen)
{
	uint32_t next = gen + 1;

	return next ? next : 2;	/* 2 keeps the sets alternating (0xFFFFFFFF is set 1) */
}

/* Fill the inactive set and zero its generation's decisions; undo on failure. */
static int write_inactive_set(struct policy_runtime *pr, const struct policy_tables *t,
			      uint32_t gen, const char *source, char *err, size_t errlen)
{
	uint8_t set = gen & 1;
	int ret;

	/* normally empty already; not after a cleanup that failed */
	ret = policy_maps_clear_set(&pr->maps, set);
	if (!ret)
		ret = policy_maps_write_set(&pr->maps, set, t, gen);
	if (!ret)
		ret = policy_maps_zero_decisions(&pr->maps, gen);
	if (ret) {
		snprintf(err, errlen, "%s: cannot write the policy maps: %s", source,
			 strerror(-ret));
		policy_maps_clear_set(&pr->maps, set);
	}
	return ret;
}

static void note_installed(struct policy_runtime *pr, const struct ew_config *cfg,
			   const struct policy_tables *t, uint32_t gen)
{
	char text[INET6_ADDRSTRLEN];
	size_t i;

	pr->generation = gen;
	pr->action = t->config.action;
	pr->mgmt_enabled = t->config.mgmt_enabled;
	pr->egress_enabled = t->config.egress_enabled;
	pr->protected_count = t->protected_addrs.count;
	alert_limiter_set_window(pr->limiter,
				 (uint64_t)cfg->management.alert_rate_limit * NS_PER_SEC);
	alert_limiter_set_aggregate(pr->limiter, cfg->management.alert_aggregate_sources);
	log_info("policy generation %u from %s: management %s (%u protected address%s%s, "
		 "%zu port classes, %zu allow prefixes, %s), egress %s", gen, cfg->source,
		 t->config.mgmt_enabled ? "on" : "off", pr->protected_count,
		 pr->protected_count == 1 ? "" : "es",
		 t->addresses_from_iface ? " of the interface" : "", t->mgmt_ports.count,
		 t->mgmt_allow.count, t->config.action == EW_ACTION_DROP ? "drop" : "alert",
		 t->config.egress_enabled ? "monitored" : "off");
	for (i = 0; i < t->protected_addrs.count; i++) {
		inet_ntop(t->protected_addrs.items[i].family == 4 ? AF_INET : AF_INET6,
			  t->protected_addrs.items[i].addr, text, sizeof(text));
		log_debug("policy generation %u protects %s", gen, text);
	}
}

int policy_runtime_install(struct policy_runtime *pr, const struct ew_config *cfg, char *err,
			   size_t errlen)
{
	struct datapath *skel = pr->p.dp->skel;
	uint64_t start = datapath_clock_now_ns();
	struct policy_hosts iface = {};
	const struct policy_hosts *iface_addrs;
	struct policy_tables t = {};
	uint32_t old_gen = skel->bss->policy_gen, gen = next_generation(old_gen);
	int ret;

	ret = protected_defaults(pr, cfg, &iface, &iface_addrs);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the addresses of %s: %s", cfg->source,
			 pr->p.ifname, strerror(-ret));
		goto cleanup;
	}
	ret = policy_tables_build(&t, cfg, iface_addrs, err, errlen);
	if (!ret)
		ret = write_inactive_set(pr, &t, gen, cfg->source, err, errlen);
	if (ret)
		goto cleanup;

	/* The flip: one aligned 32-bit store into the mmapped .bss; the maps of the new
	 * set were written (syscalls) before it, and the release keeps it that way. */
	__atomic_store_n(&skel->bss->policy_gen, gen, __ATOMIC_RELEASE);

	pr->install.last_wait_ns = wait_for_bpf_runs();
	if (old_gen && policy_maps_clear_set(&pr->maps, old_gen & 1)) {
		pr->install.cleanup_errors++;
		log_warn("policy generation %u: the old set was not fully emptied; the next "
			 "reload empties it first", gen);
	}
	note_installed(pr, cfg, &t, gen);
	pr->install.installs++;
	pr->install.last_install_ns = datapath_clock_now_ns() - start;
cleanup:
	if (ret)
		pr->install.refused++;
	policy_tables_free(&t);
	policy_hosts_free(&iface);
	return ret;
}

void policy_runtime_note_refused(struct policy_runtime *pr)
{
	pr->install.refused++;
}
