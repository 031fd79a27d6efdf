/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy as the kernel's maps hold it, built from a configuration in memory first
 * (no kernel involved, so a configuration that cannot be installed is refused before
 * any map is touched, and the translation can be unit-tested):
 * - port classes: the management (or egress) ports cut into classes that every allow
 *   entry treats alike; a class is one bit of the allow masks;
 * - allow lists: (vlan, prefix) -> mask, FOLDED: every prefix's mask holds the masks of
 *   the shorter prefixes that contain it on the same vlan key, so the LPM trie's longest
 *   match alone is what the source is allowed (bpf/policy.bpf.h looks up once per vlan
 *   key);
 * - the protected addresses, one per host;
 * - the per-set policy_config (generation left 0: the installer sets it).
 */
#ifndef EDGEWATCH_POLICY_TABLES_H
#define EDGEWATCH_POLICY_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "datapath.h"

/* Most protected addresses per set (half the protected_addrs map: both sets coexist). */
#define POLICY_MAX_PROTECTED 4096
/* Most entries per set in a port table or an allow trie (half of each map). */
#define POLICY_MAX_SET_ENTRIES 65536

/* Ports an allow mask cannot tell apart: one bit, index 0..EW_POLICY_MAX_PORTS - 1. */
struct policy_port_class {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t low;		/* host order, inclusive */
	uint16_t high;
};

struct policy_port_classes {
	struct policy_port_class items[EW_POLICY_MAX_PORTS];
	size_t count;
	size_t port_count;	/* port numbers in all classes: entries of the port map */
};

/* One entry of an allow trie. */
struct policy_prefix {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix_len;
	uint16_t vlan;		/* EW_POLICY_VLAN_ANY, or the VLAN id 1..4094 */
	uint8_t addr[16];	/* network order, host bits clear */
	uint64_t port_mask;	/* class bits; EW_PORT_ANY_BIT: every port (egress) */
};

struct policy_prefixes {
	struct policy_prefix *items;
	size_t count;
	size_t cap;
};

struct policy_host {
	uint8_t family;
	uint8_t addr[16];
};

struct policy_hosts {
	struct policy_host *items;
	size_t count;
	size_t cap;
};

struct policy_tables {
	struct policy_hosts protected_addrs;
	struct policy_port_classes mgmt_ports;
	struct policy_prefixes mgmt_allow;	/* folded; both families */
	struct policy_port_classes egress_ports;
	struct policy_prefixes egress_allow;	/* folded; vlan always EW_POLICY_VLAN_ANY */
	struct policy_config config;		/* generation 0 */
	int addresses_from_iface;		/* management.addresses was omitted */
};

/*
 * Build cfg's tables. iface_addrs are the interface's own addresses, protected when
 * management.addresses is omitted (NULL: no interface, as in replay: management stays
 * off). Returns 0, or -EINVAL / -E2BIG / -ENOMEM with "FILE[:LINE]: key: reason" in err;
 * t is then empty (policy_tables_free() is still safe).
 */
int policy_tables_build(struct policy_tables *t, const struct ew_config *cfg,
			const struct policy_hosts *iface_addrs, char *err, size_t errlen);
void policy_tables_free(struct policy_tables *t);

/* Append a host; 0 or -ENOMEM. */
int policy_hosts_add(struct policy_hosts *hosts, uint8_t family, const uint8_t addr[16]);
void policy_hosts_free(struct policy_hosts *hosts);

/* Entries of one family in a prefix list (what one LPM trie will hold). */
size_t policy_prefixes_count_family(const struct policy_prefixes *list, uint8_t family);

/* The class index of (proto, port), or -1. */
int policy_port_class_of(const struct policy_port_classes *classes, uint8_t proto,
			 uint16_t port);

/* ---- building blocks (policy_ports.c, policy_fold.c) ------------------------------ */

/*
 * Port numbers as classes: ports are "covered" (in the table) and "cut" (a class starts
 * there). Covering a spec also cuts at its bounds; cutting at an allow entry's bounds
 * splits a class that the entry covers only in part.
 */
struct port_space {
	uint8_t *covered;	/* [2][65536]: tcp, udp */
	uint8_t *cut;
};

int port_space_init(struct port_space *s);	/* 0 or -ENOMEM */
void port_space_free(struct port_space *s);
void port_space_cover(struct port_space *s, const struct ew_port_spec *spec);
void port_space_cut(struct port_space *s, const struct ew_port_spec *spec);
/* Classes the space holds now. */
size_t port_space_class_count(const struct port_space *s);
/* Write the classes (at most EW_POLICY_MAX_PORTS: check the count first). */
void port_space_classes(const struct port_space *s, struct policy_port_classes *out);
/* The bits of the classes inside spec (spec's bounds must be cuts). */
uint64_t policy_port_classes_mask(const struct policy_port_classes *classes,
				  const struct ew_port_spec *spec);

/* Append an entry; 0 or -ENOMEM. */
int policy_prefixes_add(struct policy_prefixes *list, const struct policy_prefix *entry);
void policy_prefixes_free(struct policy_prefixes *list);
/*
 * Sort, merge equal (family, vlan, prefix) entries (masks OR-ed), and fold: each entry's
 * mask gets the masks of every shorter entry of its family and vlan that contains it.
 */
void policy_prefixes_fold(struct policy_prefixes *list);

#endif /* EDGEWATCH_POLICY_TABLES_H */
