// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Writing and emptying one policy set in the kernel's maps: see policy_maps.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "policy/policy_maps.h"

void policy_map_fds_of(struct datapath *skel, struct policy_map_fds *fds)
{
	fds->mgmt_ports = bpf_map__fd(skel->maps.mgmt_ports);
	fds->egress_ports = bpf_map__fd(skel->maps.egress_ports);
	fds->protected_addrs = bpf_map__fd(skel->maps.protected_addrs);
	fds->mgmt_allow_v4 = bpf_map__fd(skel->maps.mgmt_allow_v4);
	fds->mgmt_allow_v6 = bpf_map__fd(skel->maps.mgmt_allow_v6);
	fds->egress_allow_v4 = bpf_map__fd(skel->maps.egress_allow_v4);
	fds->egress_allow_v6 = bpf_map__fd(skel->maps.egress_allow_v6);
	fds->configs = bpf_map__fd(skel->maps.policy_configs);
	fds->decisions = bpf_map__fd(skel->maps.policy_decisions);
}

static int update(int fd, const void *key, const void *value)
{
	return bpf_map_update_elem(fd, key, value, BPF_ANY) ? -errno : 0;
}

static int write_ports(int fd, uint8_t set, const struct policy_port_classes *classes)
{
	struct policy_port_key k = { .set = set };
	uint32_t port, idx;
	int err;

	for (idx = 0; idx < classes->count; idx++) {
		const struct policy_port_class *c = &classes->items[idx];

		k.proto = c->proto;
		for (port = c->low; port <= c->high; port++) {
			k.port = htons(port);
			err = update(fd, &k, &idx);
			if (err)
				return err;
		}
	}
	return 0;
}

static int write_hosts(int fd, uint8_t set, const struct policy_hosts *hosts)
{
	const uint8_t present = 1;
	size_t i;
	int err;

	for (i = 0; i < hosts->count; i++) {
		struct policy_addr_key k = { .set = set, .family = hosts->items[i].family };

		memcpy(k.addr.u8, hosts->items[i].addr, sizeof(k.addr.u8));
		err = update(fd, &k, &present);
		if (err)
			return err;
	}
	return 0;
}

static int write_prefix(int fd_v4, int fd_v6, uint8_t set, const struct policy_prefix *p)
{
	struct policy_allow allow = { .port_mask = p->port_mask };

	if (p->family == 4) {
		struct policy_lpm_v4_key k = { .prefixlen = 24 + p->prefix_len, .set = set };

		k.vlan_be[0] = p->vlan >> 8;
		k.vlan_be[1] = p->vlan & 0xFF;
		memcpy(k.addr, p->addr, sizeof(k.addr));
		return update(fd_v4, &k, &allow);
	} else {
		struct policy_lpm_v6_key k = { .prefixlen = 24 + p->prefix_len, .set = set };

		k.vlan_be[0] = p->vlan >> 8;
		k.vlan_be[1] = p->vlan & 0xFF;
		memcpy(k.addr, p->addr, sizeof(k.addr));
		return update(fd_v6, &k, &allow);
	}
}

static int write_prefixes(int fd_v4, int fd_v6, uint8_t set, const struct policy_prefixes *list)
{
	size_t i;
	int err;

	for (i = 0; i < list->count; i++) {
		err = write_prefix(fd_v4, fd_v6, set, &list->items[i]);
		if (err)
			return err;
	}
	return 0;
}

int policy_maps_write_set(const struct policy_map_fds *m, uint8_t set,
			  const struct policy_tables *t, uint32_t gen)
{
	struct policy_config pc = t->config;
	uint32_t slot = set;
	int err;

	pc.generation = gen;
	err = write_hosts(m->protected_addrs, set, &t->protected_addrs);
	if (!err)
		err = write_ports(m->mgmt_ports, set, &t->mgmt_ports);
	if (!err)
		err = write_ports(m->egress_ports, set, &t->egress_ports);
	if (!err)
		err = write_prefixes(m->mgmt_allow_v4, m->mgmt_allow_v6, set, &t->mgmt_allow);
	if (!err)
		err = write_prefixes(m->egress_allow_v4, m->egress_allow_v6, set, &t->egress_allow);
	if (!err)
		err = update(m->configs, &slot, &pc);
	return err;
}

/* Room for the largest policy key (struct policy_lpm_v6_key). */
#define POLICY_KEY_MAX 32

/*
 * Walk a map and delete (or count) the keys whose set byte is set. Keys are collected
 * first: deleting while walking would make get_next_key start over.
 */
static int walk_set(int fd, size_t key_size, size_t set_offset, uint8_t set, int delete,
		    uint64_t *matched)
{
	uint8_t prev[POLICY_KEY_MAX], next[POLICY_KEY_MAX], *keys = NULL, *grown;
	size_t cap = 0, n = 0, i;
	int have_prev = 0, err = 0;

	while (bpf_map_get_next_key(fd, have_prev ? prev : NULL, next) == 0) {
		memcpy(prev, next, key_size);
		have_prev = 1;
		if (next[set_offset] != set)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(keys, cap * key_size);
			if (!grown) {
				err = -ENOMEM;
				goto cleanup;
			}
			keys = grown;
		}
		memcpy(keys + n++ * key_size, next, key_size);
	}
	for (i = 0; delete && i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT && !err)
			err = -errno;
	if (matched)
		*matched += n;
cleanup:
	free(keys);
	return err;
}

/* The keyed maps of a set, with their key sizes and where the set byte is. */
static int walk_all(const struct policy_map_fds *m, uint8_t set, int delete, uint64_t *matched)
{
	const struct {
		int fd;
		size_t key_size;
		size_t set_offset;
	} maps[] = {
		{ m->mgmt_ports, sizeof(struct policy_port_key),
		  offsetof(struct policy_port_key, set) },
		{ m->egress_ports, sizeof(struct policy_port_key),
		  offsetof(struct policy_port_key, set) },
		{ m->protected_addrs, sizeof(struct policy_addr_key),
		  offsetof(struct policy_addr_key, set) },
		{ m->mgmt_allow_v4, sizeof(struct policy_lpm_v4_key),
		  offsetof(struct policy_lpm_v4_key, set) },
		{ m->mgmt_allow_v6, sizeof(struct policy_lpm_v6_key),
		  offsetof(struct policy_lpm_v6_key, set) },
		{ m->egress_allow_v4, sizeof(struct policy_lpm_v4_key),
		  offsetof(struct policy_lpm_v4_key, set) },
		{ m->egress_allow_v6, sizeof(struct policy_lpm_v6_key),
		  offsetof(struct policy_lpm_v6_key, set) },
	};
	_Static_assert(sizeof(struct policy_lpm_v6_key) <= POLICY_KEY_MAX, "key room");
	size_t i;
	int err, first = 0;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		err = walk_set(maps[i].fd, maps[i].key_size, maps[i].set_offset, set, delete,
			       matched);
		if (err && !first)
			first = err;
	}
	return first;
}

int policy_maps_clear_set(const struct policy_map_fds *m, uint8_t set)
{
	return walk_all(m, set, 1, NULL);
}

int policy_maps_count_set(const struct policy_map_fds *m, uint8_t set, uint64_t *entries)
{
	*entries = 0;
	return walk_all(m, set, 0, entries);
}

int policy_maps_zero_decisions(const struct policy_map_fds *m, uint32_t gen)
{
	int ncpus = libbpf_num_possible_cpus();
	uint32_t slot = gen % EW_POLICY_GEN_SLOTS;
	struct policy_decisions *zero;
	int err;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	zero = calloc(ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	err = update(m->decisions, &slot, zero);
	free(zero);
	return err;
}

int policy_maps_read_decisions(int decisions_fd, uint32_t gen, struct policy_decisions *out)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;
	uint32_t slot = gen % EW_POLICY_GEN_SLOTS;
	struct policy_decisions *per_cpu;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(decisions_fd, &slot, per_cpu)) {
		err = -errno;
		goto cleanup;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		out->allowed += per_cpu[cpu].allowed;
		out->violation += per_cpu[cpu].violation;
	}
cleanup:
	free(per_cpu);
	return err;
}

