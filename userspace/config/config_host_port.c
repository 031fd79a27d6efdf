// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HOST:PORT, the address form of the outputs that connect out (outputs.syslog.server,
 * outputs.kafka.brokers): one reader, so both accept and refuse the same text with the
 * same words. A host name is checked for form only, never resolved here: DNS may be down
 * at boot, and the sinks resolve it again at every connect.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_load.h"

/* RFC 1123 host name: labels of letters, digits and '-', not starting or ending with '-'. */
static int valid_host_name(const char *name, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

static int read_port(struct config_loader *ld, const struct config_node *node, const char *text,
		     uint16_t *out)
{
	unsigned long port = 0;
	size_t i, len = strlen(text);

	if (len == 0)
		return loader_fail(ld, node, "\"%s\": port missing; expected " CONFIG_HOST_PORT_FORMS,
				   node->value);
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return loader_fail(ld, node, "\"%s\": port \"%s\" is not a number",
					   node->value, text);
		if (port <= 65535)
			port = port * 10 + (unsigned long)(text[i] - '0');
	}
	if (port < 1 || port > 65535)
		return loader_fail(ld, node, "\"%s\": port %s is out of range (1..65535)",
				   node->value, text);
	*out = (uint16_t)port;
	return 0;
}

int loader_read_host_port(struct config_loader *ld, const struct config_node *node,
			  uint16_t example_port, char **host_out, uint16_t *port_out)
{
	const char *text, *colon, *port;
	unsigned char addr[16];
	char host[256];
	size_t host_len;
	int err;

	err = loader_expect_scalar(ld, node, CONFIG_HOST_PORT_FORMS);
	if (err)
		return err;
	text = node->value;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close)
			return loader_fail(ld, node, "\"%s\": missing ] after the IPv6 address",
					   text);
		host_len = (size_t)(close - text - 1);
		if (host_len >= sizeof(host))
			return loader_fail(ld, node, "\"%.40s...\": address too long", text);
		memcpy(host, text + 1, host_len);
		host[host_len] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return loader_fail(ld, node, "\"%s\": \"%s\" is not an IPv6 address", text,
					   host);
		if (close[1] != ':')
			return loader_fail(ld, node, "\"%s\": expected :PORT after ]", text);
		port = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return loader_fail(ld, node,
					   "\"%s\": port missing; expected " CONFIG_HOST_PORT_FORMS,
					   text);
		if (strchr(text, ':') != colon)
			return loader_fail(ld, node,
					   "\"%s\": an IPv6 address needs brackets "
					   "([2001:db8::1]:%u)", text, example_port);
		host_len = (size_t)(colon - text);
		if (host_len >= sizeof(host))
			return loader_fail(ld, node, "\"%.40s...\": host name too long", text);
		memcpy(host, text, host_len);
		host[host_len] = '\0';
		/* digits and dots only: meant as an IPv4 address, so it must be one */
		if (host_len && strspn(host, "0123456789.") == host_len) {
			if (inet_pton(AF_INET, host, addr) != 1)
				return loader_fail(ld, node, "\"%s\": \"%s\" is not an IPv4 address",
						   text, host);
		} else if (!valid_host_name(host, host_len)) {
			return loader_fail(ld, node,
					   "\"%s\": \"%s\" is not a host name or an address", text,
					   host);
		}
		port = colon + 1;
	}
	err = read_port(ld, node, port, port_out);
	if (err)
		return err;
	free(*host_out);
	*host_out = strdup(host);
	return *host_out ? 0 : loader_out_of_memory(ld);
}
