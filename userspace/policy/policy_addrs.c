// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The interface's own addresses: what management.addresses means when it is omitted.
 * Read at every install, so a reload picks up addresses that changed. IPv6 link-local
 * addresses are included: they are the device's too, and reachable from the link.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "policy/policy_addrs.h"

int policy_iface_addrs(const char *ifname, struct policy_hosts *out)
{
	struct ifaddrs *all, *ifa;
	uint8_t addr[16];
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (getifaddrs(&all))
		return -errno;
	for (ifa = all; ifa && !err; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname))
			continue;
		memset(addr, 0, sizeof(addr));
		if (ifa->ifa_addr->sa_family == AF_INET) {
			memcpy(addr, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, 4);
			err = policy_hosts_add(out, 4, addr);
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			memcpy(addr, &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr, 16);
			err = policy_hosts_add(out, 6, addr);
		}
	}
	freeifaddrs(all);
	if (err)
		policy_hosts_free(out);
	return err;
}
