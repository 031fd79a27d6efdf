// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `edgewatch status`: the policy's pinned maps. See policy_status.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "config/config_net.h"
#include "datapath.h"
#include "engine.h"
#include "output/eve_format.h"
#include "policy/policy_inventory.h"
#include "policy/policy_maps.h"
#include "pinned_map.h"
#include "policy/policy_status.h"

/* What status shows of the policy. */
struct policy_view {
	struct policy_decisions decisions[EW_POLICY_GEN_SLOTS];
	struct exposure_key *keys;
	struct exposure_entry *entries;
	size_t exposures;
	int64_t to_realtime;	/* datapath clock (CLOCK_MONOTONIC) to wall clock */
};

static void view_free(struct policy_view *v)
{
	free(v->keys);
	free(v->entries);
}

static int read_exposures(int fd, struct policy_view *v)
{
	struct exposure_key prev, next;
	size_t cap = 0;
	int have_prev = 0;
	void *grown;

	while (bpf_map_get_next_key(fd, have_prev ? &prev : NULL, &next) == 0) {
		prev = next;
		have_prev = 1;
		if (v->exposures == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(v->keys, cap * sizeof(*v->keys));
			if (!grown)
				return -ENOMEM;
			v->keys = grown;
			grown = realloc(v->entries, cap * sizeof(*v->entries));
			if (!grown)
				return -ENOMEM;
			v->entries = grown;
		}
		if (bpf_map_lookup_elem(fd, &next, &v->entries[v->exposures]))
			continue;	/* deleted meanwhile */
		v->keys[v->exposures++] = next;
	}
	return 0;
}

static int view_read(const char *pin_dir, struct policy_view *v)
{
	int exposures_fd = pinned_map_open(pin_dir, "exposures", sizeof(struct exposure_key),
					   sizeof(struct exposure_entry));
	int decisions_fd = pinned_map_open(pin_dir, "policy_decisions", sizeof(__u32),
					   sizeof(struct policy_decisions));
	int slot, err = 0;

	memset(v, 0, sizeof(*v));
	v->to_realtime = datapath_clock_to_realtime_ns();
	if (exposures_fd < 0 || decisions_fd < 0) {
		err = -ENOENT;
		goto cleanup;
	}
	for (slot = 0; slot < EW_POLICY_GEN_SLOTS && !err; slot++)
		err = policy_maps_read_decisions(decisions_fd, slot, &v->decisions[slot]);
	if (!err)
		err = read_exposures(exposures_fd, v);
cleanup:
	if (exposures_fd >= 0)
		close(exposures_fd);
	if (decisions_fd >= 0)
		close(decisions_fd);
	return err;
}

/* The texts of one exposure. */
struct exposure_text {
	char ip[INET6_ADDRSTRLEN];
	char port[CONFIG_PORT_SPEC_STRLEN];
	const char *service;
	char first_seen[EVE_TIMESTAMP_LEN];
	char last_seen[EVE_TIMESTAMP_LEN];
	char last_source[INET6_ADDRSTRLEN];
};

static void exposure_text_of(const struct policy_view *v, size_t i, struct exposure_text *t)
{
	const struct exposure_key *k = &v->keys[i];
	const struct exposure_entry *e = &v->entries[i];
	struct ew_port_spec spec = { k->proto, ntohs(k->port), ntohs(k->port) };

	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr.u8, t->ip, sizeof(t->ip));
	config_port_spec_format(&spec, t->port, sizeof(t->port));
	t->service = policy_service_name(k->proto, ntohs(k->port));
	eve_format_timestamp(e->first_seen_ns + v->to_realtime, t->first_seen);
	eve_format_timestamp(e->last_seen_ns + v->to_realtime, t->last_seen);
	inet_ntop(e->last_source_family == 4 ? AF_INET : AF_INET6, e->last_source.u8,
		  t->last_source, sizeof(t->last_source));
}

static void add_u64(struct json_object *o, const char *key, uint64_t value)
{
	json_object_object_add(o, key, json_object_new_uint64(value));
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

int policy_status_json(const char *pin_dir, struct json_object *o)
{
	struct json_object *policy, *decisions, *exposures, *x;
	struct exposure_text t;
	struct policy_view v;
	size_t i;
	int err, slot;

	err = view_read(pin_dir, &v);
	if (err)
		goto cleanup;
	policy = json_object_new_object();
	json_object_object_add(o, "policy", policy);
	decisions = json_object_new_array();
	json_object_object_add(policy, "decisions", decisions);
	for (slot = 0; slot < EW_POLICY_GEN_SLOTS; slot++) {
		if (!v.decisions[slot].allowed && !v.decisions[slot].violation)
			continue;
		x = json_object_new_object();
		add_u64(x, "slot", slot);
		add_u64(x, "allowed", v.decisions[slot].allowed);
		add_u64(x, "violation", v.decisions[slot].violation);
		json_object_array_add(decisions, x);
	}
	exposures = json_object_new_array();
	json_object_object_add(policy, "exposures", exposures);
	for (i = 0; i < v.exposures; i++) {
		exposure_text_of(&v, i, &t);
		x = json_object_new_object();
		add_str(x, "ip", t.ip);
		add_str(x, "port", t.port);
		if (t.service)
			add_str(x, "service", t.service);
		add_str(x, "first_seen", t.first_seen);
		add_str(x, "last_seen", t.last_seen);
		add_u64(x, "flows", v.entries[i].flows);
		add_str(x, "last_source", t.last_source);
		json_object_array_add(exposures, x);
	}
cleanup:
	view_free(&v);
	return err;
}

int policy_status_print(const char *pin_dir)
{
	struct exposure_text t;
	struct policy_view v;
	size_t i;
	int err, slot, shown = 0;

	err = view_read(pin_dir, &v);
	if (err)
		goto cleanup;
	for (slot = 0; slot < EW_POLICY_GEN_SLOTS; slot++) {
		if (!v.decisions[slot].allowed && !v.decisions[slot].violation)
			continue;
		if (!shown++)
			printf("  management policy decisions (packets, by generation mod %d):\n",
			       EW_POLICY_GEN_SLOTS);
		printf("    generation %3d: %llu allowed, %llu violation\n", slot,
		       (unsigned long long)v.decisions[slot].allowed,
		       (unsigned long long)v.decisions[slot].violation);
	}
	printf("  exposed management interfaces: %s\n", v.exposures ? "" : "none seen");
	for (i = 0; i < v.exposures; i++) {
		exposure_text_of(&v, i, &t);
		printf("    %s %s%s%s%s: %llu flows, first %s, last %s, last source %s\n", t.ip,
		       t.port, t.service ? " (" : "", t.service ? t.service : "",
		       t.service ? ")" : "", (unsigned long long)v.entries[i].flows, t.first_seen,
		       t.last_seen, t.last_source);
	}
cleanup:
	view_free(&v);
	return err;
}
