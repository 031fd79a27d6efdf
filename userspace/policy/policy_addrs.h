/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The addresses of an interface (getifaddrs), protected when the config lists none. */
#ifndef EDGEWATCH_POLICY_ADDRS_H
#define EDGEWATCH_POLICY_ADDRS_H

#include "policy/policy_tables.h"

/* IPv4 and IPv6 addresses of ifname in this network namespace (none: count 0). 0/-errno. */
int policy_iface_addrs(const char *ifname, struct policy_hosts *out);

#endif /* EDGEWATCH_POLICY_ADDRS_H */
