/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The loader: walks the YAML tree section by section, keeps the key path of what it is
 * reading ("management.allow[0].from[1]") for error messages, and turns scalars into
 * typed values. Internal to userspace/config/.
 *
 * Every value reader below returns 0 or a negative errno with ld->err filled; the message
 * is "PATH: WHY" at the position of the offending node.
 */
#ifndef EDGEWATCH_CONFIG_LOAD_H
#define EDGEWATCH_CONFIG_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/config_node.h"

struct config_loader {
	struct ew_config *cfg;
	struct config_error *err;
	const char *base_dir;	/* relative paths are relative to it; NULL: current directory */
	char path[256];		/* key path of the value being read */
	size_t path_len;
};

/* A key allowed in a mapping, and what reads its value into target. */
struct config_key {
	const char *name;
	int (*read)(struct config_loader *ld, const struct config_node *value, void *target);
};

/* The arguments keys, nkeys of loader_read_mapping() for a static array. */
#define CONFIG_KEYS(array) (array), (sizeof(array) / sizeof((array)[0]))

/*
 * Read a mapping whose keys must come from keys[] (at most 32). Unknown and duplicate
 * keys are errors, checked in file order first; the values are then read in the order of
 * keys[], so a reader can rely on the keys before it (management.ports before .allow).
 * A key with an empty value is skipped, as if absent, so its default stays. *present (may
 * be NULL) gets bit i set for each keys[i] given a value. A null map is an empty one.
 */
int loader_read_mapping(struct config_loader *ld, const struct config_node *map,
			const struct config_key *keys, size_t nkeys, void *target,
			uint32_t *present);

/* Path stack: push a segment, read, then pop back to the saved length. */
size_t loader_push_key(struct config_loader *ld, const char *key);
size_t loader_push_index(struct config_loader *ld, size_t index);
void loader_pop(struct config_loader *ld, size_t saved);

/* Fail at node: "PATH: MESSAGE". Returns -EINVAL. */
int loader_fail(struct config_loader *ld, const struct config_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "a mapping", "a list", "an empty value", or the scalar quoted. */
const char *loader_describe(const struct config_node *node, char *buf, size_t len);

/* Type checks: "expected WHAT, got ..." when node is not of the kind. */
int loader_expect_sequence(struct config_loader *ld, const struct config_node *node);
int loader_expect_scalar(struct config_loader *ld, const struct config_node *node,
			 const char *what);

/* Typed scalars. */
int loader_read_uint(struct config_loader *ld, const struct config_node *node, uint32_t min,
		     uint32_t max, uint32_t *out);
/* Seconds: "60", "60s", "5m", "1h", "1d". */
int loader_read_duration(struct config_loader *ld, const struct config_node *node, uint32_t min,
			 uint32_t max, uint32_t *out);
/* A size in bytes (config_parse_size()), in min..max. */
int loader_read_size(struct config_loader *ld, const struct config_node *node, uint64_t min,
		     uint64_t max, uint64_t *out);
int loader_read_bool(struct config_loader *ld, const struct config_node *node, int *out);
/* A non-empty string without NUL bytes, copied. */
int loader_read_string(struct config_loader *ld, const struct config_node *node, char **out);
/* A path, resolved against ld->base_dir when relative. */
int loader_read_path(struct config_loader *ld, const struct config_node *node, char **out);
/* Join base_dir and a relative path (absolute paths and a NULL base_dir: a copy). */
char *loader_resolve_path(const struct config_loader *ld, const char *path);

/* An address literal and a port: "IPV4:PORT" or "[IPV6]:PORT" (config_parse_endpoint). */
int loader_read_endpoint(struct config_loader *ld, const struct config_node *node,
			 struct ew_endpoint *out);

/*
 * HOST:PORT (config_host_port.c), HOST a name, an IPv4 address or [IPv6 address]: *host
 * (replaced) without brackets, *port 1..65535. example_port is the port of the example
 * the message about a bracketless IPv6 address gives.
 */
#define CONFIG_HOST_PORT_FORMS "HOST:PORT, with HOST a name, an IPv4 address or [IPv6 address]"
int loader_read_host_port(struct config_loader *ld, const struct config_node *node,
			  uint16_t example_port, char **host, uint16_t *port);

/*
 * Lists of prefixes and ports: a non-empty sequence of scalars. CIDRs must not have
 * host bits set; a bare address is a host prefix. Ports take PROTO/PORT, PROTO/LOW-HIGH
 * and service names (mgmt_ports.h), which may stand for several specs; with within set,
 * every port must be one of within's (within_name names that list in the message).
 */
int loader_read_cidr_list(struct config_loader *ld, const struct config_node *node,
			  struct ew_cidr_list *out);
int loader_read_port_list(struct config_loader *ld, const struct config_node *node,
			  const struct ew_port_list *within, const char *within_name,
			  struct ew_port_list *out);

/* Grow *items (of *count elements of size) by one zeroed element; NULL when out of memory. */
void *loader_append(void *items_ptr, size_t *count, size_t size);

int loader_out_of_memory(struct config_loader *ld);

/* The sections (config_sections.c, config_policy.c), each reading its mapping into ld->cfg. */
int config_read_document(struct config_loader *ld, const struct config_node *root);
int config_read_run(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_flow(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_sampling(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_rules(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_outputs(struct config_loader *ld, const struct config_node *node, void *target);
/* outputs.syslog (config_syslog.c) */
int config_read_syslog(struct config_loader *ld, const struct config_node *node, void *target);
/* anomaly (config_anomaly.c) */
int config_read_anomaly(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_inventory(struct config_loader *ld, const struct config_node *node, void *target);
void config_anomaly_defaults(struct ew_config *cfg);
int config_read_ipfix(struct config_loader *ld, const struct config_node *node, void *target);
/* outputs.kafka (config_kafka.c) */
int config_read_kafka(struct config_loader *ld, const struct config_node *node, void *target);
/* outputs.pcap (config_pcap.c) */
int config_read_pcap(struct config_loader *ld, const struct config_node *node, void *target);
/* Free what config_read_kafka() filled in (config_free). */
void config_free_kafka(struct ew_kafka_output *ko);
int config_read_vars(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_home_net(struct config_loader *ld, const struct config_node *node, void *target);
int config_read_external_net(struct config_loader *ld, const struct config_node *node,
			     void *target);
int config_read_management(struct config_loader *ld, const struct config_node *node,
			   void *target);
int config_read_egress(struct config_loader *ld, const struct config_node *node, void *target);

/* Fill the defaults into a zeroed config (config.c). 0 or -ENOMEM. */
int config_set_defaults(struct ew_config *cfg);

#endif /* EDGEWATCH_CONFIG_LOAD_H */
