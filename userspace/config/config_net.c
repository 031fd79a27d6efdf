// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* CIDR prefixes and port specs: parsing and formatting (see config_net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_net.h"

/*
 * Parse a decimal number. Returns 0, -EINVAL for no digits or a non-digit, -ERANGE for
 * more than 9 digits (more than any port or prefix length, and too few to overflow).
 */
static int parse_decimal(const char *text, size_t len, unsigned long *out)
{
	unsigned long value = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		if (i < 9)
			value = value * 10 + (unsigned long)(text[i] - '0');
	}
	if (len > 9)
		return -ERANGE;
	*out = value;
	return 0;
}

int config_parse_cidr(const char *text, struct ew_cidr *out, char *why, size_t why_len)
{
	char address[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t address_len = slash ? (size_t)(slash - text) : strlen(text);
	struct ew_cidr cidr = {};
	unsigned long prefix_len, max_len;
	int err = -EINVAL;

	if (text[0] == '!') {
		snprintf(why, why_len, "negation (!) is not supported here");
		goto cleanup;
	}
	if (address_len == 0) {
		snprintf(why, why_len, "address missing");
		goto cleanup;
	}
	if (address_len >= sizeof(address)) {
		snprintf(why, why_len, "not an IPv4 or IPv6 address");
		goto cleanup;
	}
	memcpy(address, text, address_len);
	address[address_len] = '\0';
	if (inet_pton(AF_INET, address, cidr.addr) == 1) {
		cidr.family = 4;
		max_len = 32;
	} else if (inet_pton(AF_INET6, address, cidr.addr) == 1) {
		cidr.family = 6;
		max_len = 128;
	} else {
		snprintf(why, why_len, "not an IPv4 or IPv6 address");
		goto cleanup;
	}

	prefix_len = max_len;
	if (slash) {
		err = parse_decimal(slash + 1, strlen(slash + 1), &prefix_len);
		if (err == -ERANGE || (!err && prefix_len > max_len)) {
			if (err)
				snprintf(why, why_len, "prefix length %s > %lu", slash + 1,
					 max_len);
			else
				snprintf(why, why_len, "prefix length %lu > %lu", prefix_len,
					 max_len);
			err = -EINVAL;
			goto cleanup;
		}
		if (err) {
			snprintf(why, why_len, slash[1] ? "prefix length is not a number"
							: "prefix length missing after /");
			goto cleanup;
		}
	}
	cidr.prefix_len = (uint8_t)prefix_len;
	*out = cidr;
	err = 0;
cleanup:
	return err;
}

int config_cidr_network(const struct ew_cidr *cidr, struct ew_cidr *network)
{
	unsigned int bytes = cidr->family == 4 ? 4 : 16;
	int had_host_bits = 0;
	unsigned int i;

	*network = *cidr;
	for (i = 0; i < bytes; i++) {
		unsigned int first_bit = i * 8;
		uint8_t mask;

		if (cidr->prefix_len >= first_bit + 8)
			continue;
		mask = cidr->prefix_len <= first_bit
			       ? 0
			       : (uint8_t)(0xff << (8 - (cidr->prefix_len - first_bit)));
		network->addr[i] = cidr->addr[i] & mask;
		if (network->addr[i] != cidr->addr[i])
			had_host_bits = 1;
	}
	return had_host_bits;
}

const char *config_format_cidr(const struct ew_cidr *cidr, char *buf, size_t len)
{
	char address[INET6_ADDRSTRLEN];
	int af = cidr->family == 4 ? AF_INET : AF_INET6;
	unsigned int max_len = cidr->family == 4 ? 32 : 128;

	if (!inet_ntop(af, cidr->addr, address, sizeof(address)))
		snprintf(address, sizeof(address), "?");
	if (cidr->prefix_len == max_len)
		snprintf(buf, len, "%s", address);
	else
		snprintf(buf, len, "%s/%u", address, cidr->prefix_len);
	return buf;
}

/* One port number: 1..65535. */
static int parse_port(const char *text, size_t len, uint16_t *port, char *why, size_t why_len)
{
	unsigned long value;
	int err = parse_decimal(text, len, &value);

	if (err == -ERANGE || (!err && value > 65535)) {
		snprintf(why, why_len, "port %.*s > 65535", (int)len, text);
		return -EINVAL;
	}
	if (err) {
		snprintf(why, why_len, len ? "port is not a number" : "port missing");
		return -EINVAL;
	}
	if (value == 0) {
		snprintf(why, why_len, "port 0 is not a port (1..65535)");
		return -EINVAL;
	}
	*port = (uint16_t)value;
	return 0;
}

int config_parse_port_spec(const char *text, struct ew_port_spec *out, char *why, size_t why_len)
{
	const char *slash = strchr(text, '/');
	const char *ports, *dash;
	struct ew_port_spec spec = {};
	unsigned long ignored;
	int err = -EINVAL;

	if (!slash) {
		if (parse_decimal(text, strlen(text), &ignored) != -EINVAL)
			snprintf(why, why_len, "no protocol: write tcp/%s or udp/%s", text, text);
		else
			snprintf(why, why_len,
				 "not PROTO/PORT, PROTO/LOW-HIGH or a service name "
				 "(edgewatch check-config --list-ports)");
		goto cleanup;
	}
	if (slash - text == 3 && !strncasecmp(text, "tcp", 3)) {
		spec.proto = IPPROTO_TCP;
	} else if (slash - text == 3 && !strncasecmp(text, "udp", 3)) {
		spec.proto = IPPROTO_UDP;
	} else {
		snprintf(why, why_len, "protocol must be tcp or udp");
		goto cleanup;
	}

	ports = slash + 1;
	dash = strchr(ports, '-');
	err = parse_port(ports, dash ? (size_t)(dash - ports) : strlen(ports), &spec.low, why,
			 why_len);
	if (err)
		goto cleanup;
	spec.high = spec.low;
	if (dash) {
		err = parse_port(dash + 1, strlen(dash + 1), &spec.high, why, why_len);
		if (err)
			goto cleanup;
		if (spec.high < spec.low) {
			snprintf(why, why_len, "reversed range (%u > %u)", spec.low, spec.high);
			err = -EINVAL;
			goto cleanup;
		}
	}
	*out = spec;
cleanup:
	return err;
}

const char *config_proto_name(uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	return "?";	/* the parser makes only tcp and udp specs */
}

const char *config_port_spec_format(const struct ew_port_spec *spec, char *buf, size_t len)
{
	if (spec->low == spec->high)
		snprintf(buf, len, "%s/%u", config_proto_name(spec->proto), spec->low);
	else
		snprintf(buf, len, "%s/%u-%u", config_proto_name(spec->proto), spec->low,
			 spec->high);
	return buf;
}

int config_parse_endpoint(const char *text, struct ew_endpoint *out, char *why, size_t why_len)
{
	char address[INET6_ADDRSTRLEN + 1];
	struct ew_endpoint ep = {};
	const char *host = text, *host_end, *colon;
	int err = -EINVAL;

	if (text[0] == '[') {
		host = text + 1;
		host_end = strchr(host, ']');
		if (!host_end) {
			snprintf(why, why_len, "no ] after the IPv6 address");
			goto cleanup;
		}
		colon = host_end + 1;
		if (*colon != ':') {
			snprintf(why, why_len, *colon ? "expected :PORT after ]" : "port missing");
			goto cleanup;
		}
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			snprintf(why, why_len, "port missing: write ADDRESS:PORT");
			goto cleanup;
		}
		if (memchr(text, ':', colon - text)) {
			snprintf(why, why_len, "an IPv6 address goes in brackets: [ADDRESS]:PORT");
			goto cleanup;
		}
		host_end = colon;
	}
	if (host_end == host) {
		snprintf(why, why_len, "address missing");
		goto cleanup;
	}
	if ((size_t)(host_end - host) >= sizeof(address)) {
		snprintf(why, why_len, "not an IPv4 or IPv6 address");
		goto cleanup;
	}
	memcpy(address, host, host_end - host);
	address[host_end - host] = '\0';
	if (host != text && inet_pton(AF_INET6, address, ep.addr) == 1) {
		ep.family = 6;
	} else if (host == text && inet_pton(AF_INET, address, ep.addr) == 1) {
		ep.family = 4;
	} else {
		snprintf(why, why_len,
			 host == text ? "not an IPv4 address; names are not resolved: write the "
					"address"
				      : "not an IPv6 address");
		goto cleanup;
	}
	err = parse_port(colon + 1, strlen(colon + 1), &ep.port, why, why_len);
	if (err)
		goto cleanup;
	*out = ep;
cleanup:
	return err;
}

const char *config_format_endpoint(const struct ew_endpoint *ep, char *buf, size_t len)
{
	char address[INET6_ADDRSTRLEN];

	if (!inet_ntop(ep->family == 4 ? AF_INET : AF_INET6, ep->addr, address, sizeof(address)))
		snprintf(address, sizeof(address), "?");
	snprintf(buf, len, ep->family == 4 ? "%s:%u" : "[%s]:%u", address, ep->port);
	return buf;
}
