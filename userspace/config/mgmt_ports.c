// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The default management port list. The choice follows "Mitigation strategies for edge
 * devices" (Feb 2025): management interfaces should not be reachable from the internet,
 * so every port through which an edge device is administered, reconfigured, or handed
 * its routing state is listed, with the reason on its row. An operator whose device
 * serves one of these to the public on purpose (an SSL-VPN portal on 443 or 10443)
 * writes management.ports without it.
 */
#include <netinet/in.h>
#include <strings.h>

#include "config/mgmt_ports.h"

#define TCP(port) { IPPROTO_TCP, (port), (port) }
#define UDP(port) { IPPROTO_UDP, (port), (port) }
#define TCP_RANGE(low, high) { IPPROTO_TCP, (low), (high) }

static const struct mgmt_service services[] = {
	{ "ssh", "SSH: the CLI of nearly every edge device; brute-forced and exploited",
	  { TCP(22) }, 1 },
	{ "ssh-alt", "alternate SSH port that admins and appliances move SSH to",
	  { TCP(2222) }, 1 },
	{ "telnet", "Telnet: cleartext CLI still enabled on many routers; Mirai's main way in",
	  { TCP(23) }, 1 },
	{ "telnet-alt", "alternate Telnet port enabled on CPE and scanned for by Mirai variants",
	  { TCP(2323) }, 1 },
	{ "ftp", "FTP: firmware and config transfer with cleartext credentials",
	  { TCP(21) }, 1 },
	{ "tftp", "TFTP: unauthenticated config and firmware transfer (copy running-config tftp:)",
	  { UDP(69) }, 1 },
	{ "http", "web admin UI (Cisco IOS XE CVE-2023-20198 was exploited through it)",
	  { TCP(80) }, 1 },
	{ "https", "web admin UI over TLS; also SSL-VPN portals (leave it out if you serve one)",
	  { TCP(443) }, 1 },
	{ "http-alt", "alternate web admin UI port", { TCP(8080) }, 1 },
	{ "https-alt", "alternate HTTPS admin UI ports, used when 443 serves an SSL-VPN portal",
	  { TCP(8443), TCP(4443), TCP(10443) }, 3 },
	{ "sophos-admin", "Sophos Firewall web admin console", { TCP(4444) }, 1 },
	{ "snmp", "SNMP agent: reads the whole device state, and changes its config with a "
		  "write community", { UDP(161) }, 1 },
	{ "snmp-trap", "SNMP trap/inform receiver: nobody outside sends the edge management "
		       "notifications", { UDP(162) }, 1 },
	{ "rdp", "RDP to Windows management consoles and jump hosts", { TCP(3389), UDP(3389) }, 2 },
	{ "vnc", "VNC remote console, often with a weak or no password", { TCP(5900) }, 1 },
	{ "netconf", "NETCONF over SSH (RFC 6242): full configuration read and write",
	  { TCP(830) }, 1 },
	{ "netconf-tls", "NETCONF over TLS (RFC 7589)", { TCP(6513) }, 1 },
	{ "gnmi", "gNMI/gNOI over gRPC (IANA port): model-driven config and operations",
	  { TCP(9339) }, 1 },
	{ "junos-xnm", "Junos XML management protocol (xnm-ssl 3220, xnm-clear-text 3221)",
	  { TCP_RANGE(3220, 3221) }, 1 },
	{ "winbox", "MikroTik Winbox (CVE-2018-14847 read the user database without logging in)",
	  { TCP(8291) }, 1 },
	{ "mikrotik-api", "MikroTik RouterOS API, plain and over TLS",
	  { TCP(8728), TCP(8729) }, 2 },
	{ "ipmi", "IPMI/RMCP+ to the BMC: cipher zero and RAKP password-hash disclosure",
	  { UDP(623) }, 1 },
	{ "tr069", "TR-069/TR-064 CPE management by the ISP (the 2016 Mirai wave used it)",
	  { TCP(7547) }, 1 },
	{ "smart-install", "Cisco Smart Install: unauthenticated config replacement "
			   "(CVE-2018-0171)", { TCP(4786) }, 1 },
	{ "fgfm", "FortiGate-FortiManager protocol (CVE-2024-47575, FortiJump)", { TCP(541) }, 1 },
	{ "checkpoint-mgmt", "Check Point SmartConsole to the management server (CPMI, CPM)",
	  { TCP(18190), TCP(19009) }, 2 },
	{ "cockpit", "Cockpit web console of Linux-based routers and firewalls", { TCP(9090) }, 1 },
	{ "webmin", "Webmin web admin of Linux-based routers and firewalls", { TCP(10000) }, 1 },
	{ "docker-api", "Docker Engine API: on plain 2375, a container mounting the host's root "
			"without a login",
	  { TCP(2375), TCP(2376) }, 2 },
	{ "kubelet", "Kubernetes kubelet API: exec in any pod of the node if anonymous auth is on",
	  { TCP(10250) }, 1 },
	{ "etcd", "etcd client and peer API: the Kubernetes cluster's whole state, secrets too",
	  { TCP_RANGE(2379, 2380) }, 1 },
	{ "bgp", "BGP: only configured peers may open sessions (route hijack, session reset)",
	  { TCP(179) }, 1 },
	{ "ldp", "MPLS LDP sessions: only configured peers may open them", { TCP(646) }, 1 },
	{ "ubnt-discovery", "Ubiquiti discovery: leaks device details, abused for amplification",
	  { UDP(10001) }, 1 },
};

#define SERVICE_COUNT (sizeof(services) / sizeof(services[0]))

const struct mgmt_service *mgmt_services(size_t *count)
{
	*count = SERVICE_COUNT;
	return services;
}

const struct mgmt_service *mgmt_service_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < SERVICE_COUNT; i++)
		if (!strcasecmp(services[i].name, name))
			return &services[i];
	return NULL;
}

size_t mgmt_services_spec_count(void)
{
	size_t i, count = 0;

	for (i = 0; i < SERVICE_COUNT; i++)
		count += services[i].spec_count;
	return count;
}

static void print_specs(FILE *out, const struct mgmt_service *service, int width)
{
	char specs[MGMT_SERVICE_MAX_SPECS * (CONFIG_PORT_SPEC_STRLEN + 2)] = "";
	char spec[CONFIG_PORT_SPEC_STRLEN];
	size_t i, used = 0;

	for (i = 0; i < service->spec_count; i++) {
		config_port_spec_format(&service->specs[i], spec, sizeof(spec));
		used += (size_t)snprintf(specs + used, sizeof(specs) - used, "%s%s",
					 i ? ", " : "", spec);
	}
	fprintf(out, "%-*s", width, specs);
}

void mgmt_ports_print(FILE *out, enum mgmt_ports_format format)
{
	size_t i;

	if (format == MGMT_PORTS_MARKDOWN)
		fprintf(out, "| name | ports | why |\n|---|---|---|\n");
	else
		fprintf(out, "%-16s %-30s %s\n", "NAME", "PORTS", "WHY");
	for (i = 0; i < SERVICE_COUNT; i++) {
		if (format == MGMT_PORTS_MARKDOWN) {
			fprintf(out, "| %s | ", services[i].name);
			print_specs(out, &services[i], 0);
			fprintf(out, " | %s |\n", services[i].why);
		} else {
			fprintf(out, "%-16s ", services[i].name);
			print_specs(out, &services[i], 30);
			fprintf(out, " %s\n", services[i].why);
		}
	}
}
