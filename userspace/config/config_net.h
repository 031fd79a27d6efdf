/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Network values of the configuration: CIDR prefixes and port specs. This is the one
 * parser and formatter of each (the config file, the CLI and the rule variables use it),
 * so "198.18.0.0/15" and "tcp/8000-8100" mean the same thing everywhere.
 */
#ifndef EDGEWATCH_CONFIG_NET_H
#define EDGEWATCH_CONFIG_NET_H

#include <stddef.h>
#include <stdint.h>

/*
 * An IPv4 or IPv6 prefix. IPv4 uses family 4 and the first 4 bytes of addr; the other
 * 12 bytes are zero. Once validated by the config loader, no bit past prefix_len is set.
 */
struct ew_cidr {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix_len;	/* 0..32 (IPv4) or 0..128 (IPv6) */
	uint8_t addr[16];	/* network byte order */
};

/* A protocol and an inclusive port range, host byte order: tcp/22 is {IPPROTO_TCP, 22, 22}. */
struct ew_port_spec {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t low;		/* 1..65535 */
	uint16_t high;		/* low..65535 */
};

/* An address and a port to listen on or to send to: 127.0.0.1:9650, [2001:db8::1]:9650. */
struct ew_endpoint {
	uint8_t family;		/* 4 or 6 */
	uint8_t addr[16];	/* network byte order; IPv4 in the first 4 bytes */
	uint16_t port;		/* 1..65535, host byte order */
};

#define CONFIG_CIDR_STRLEN	50	/* INET6_ADDRSTRLEN (46) + "/128" */
#define CONFIG_ENDPOINT_STRLEN	54	/* "[" INET6_ADDRSTRLEN (46) "]:65535" */
#define CONFIG_PORT_SPEC_STRLEN 16	/* "tcp/65535-65535" */
#define CONFIG_WHY_LEN		160	/* room for any reason the parsers below give */

/*
 * Parse "ADDRESS" (a host: prefix 32 or 128) or "ADDRESS/LEN". Host bits are kept as
 * written; see config_cidr_network(). Returns 0, or -EINVAL with the reason in why
 * ("prefix length 33 > 32", "not an IPv4 or IPv6 address", ...).
 */
int config_parse_cidr(const char *text, struct ew_cidr *out, char *why, size_t why_len);

/* Write the network of cidr (host bits cleared) to *network. Returns 1 if cidr had host bits. */
int config_cidr_network(const struct ew_cidr *cidr, struct ew_cidr *network);

/* "198.18.0.0/15", "2001:db8::/32"; a host prefix (/32, /128) is written without "/LEN". */
const char *config_format_cidr(const struct ew_cidr *cidr, char *buf, size_t len);

/*
 * Parse "PROTO/PORT" or "PROTO/LOW-HIGH" with PROTO tcp or udp. Service names ("ssh")
 * are not known here: mgmt_ports_lookup() resolves them. Returns 0, or -EINVAL with the
 * reason in why ("port 70000 > 65535", "reversed range (8100 > 8000)", ...).
 */
int config_parse_port_spec(const char *text, struct ew_port_spec *out, char *why, size_t why_len);

/* "tcp/22", "udp/8000-8100". */
const char *config_port_spec_format(const struct ew_port_spec *spec, char *buf, size_t len);

/*
 * Parse "IPV4:PORT" or "[IPV6]:PORT": address literals only (no name is resolved, so
 * what the config says is what is bound or reached). Returns 0, or -EINVAL with the
 * reason in why ("port missing", "an IPv6 address goes in brackets: [ADDRESS]:PORT", ...).
 */
int config_parse_endpoint(const char *text, struct ew_endpoint *out, char *why, size_t why_len);

/* "127.0.0.1:9650", "[::1]:9650". */
const char *config_format_endpoint(const struct ew_endpoint *ep, char *buf, size_t len);

/* "tcp", "udp" ("?" for anything else). */
const char *config_proto_name(uint8_t proto);

#endif /* EDGEWATCH_CONFIG_NET_H */
