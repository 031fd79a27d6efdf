/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The default management port list: what "the management plane" means when the config
 * does not say (management.ports omitted), and the service names usable in any ports:
 * list ("ssh", "snmp", ...). Each service says why a stranger reaching it matters.
 */
#ifndef EDGEWATCH_MGMT_PORTS_H
#define EDGEWATCH_MGMT_PORTS_H

#include <stddef.h>
#include <stdio.h>

#include "config/config_net.h"

#define MGMT_SERVICE_MAX_SPECS 3

struct mgmt_service {
	const char *name;	/* lowercase, unique: "ssh", "snmp-trap", ... */
	const char *why;	/* one line */
	struct ew_port_spec specs[MGMT_SERVICE_MAX_SPECS];
	size_t spec_count;
};

/* The whole table, in its documented order; *count services. */
const struct mgmt_service *mgmt_services(size_t *count);

/* The service called name (case-insensitive), or NULL. */
const struct mgmt_service *mgmt_service_lookup(const char *name);

/* Number of port specs in the whole table (the default management.ports). */
size_t mgmt_services_spec_count(void);

enum mgmt_ports_format {
	MGMT_PORTS_TEXT,	/* aligned columns for a terminal */
	MGMT_PORTS_MARKDOWN,	/* a Markdown table, as in userspace/config/README.md */
};

/* Print the table, one row per service: name, ports ("tcp/8728, tcp/8729"), why. */
void mgmt_ports_print(FILE *out, enum mgmt_ports_format format);

#endif /* EDGEWATCH_MGMT_PORTS_H */
