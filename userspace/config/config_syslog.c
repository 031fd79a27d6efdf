// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.syslog: where the syslog sink sends (server, transport, ca-file) and what
 * (flows, facility). Checked here in full, so a bad address, port, transport or CA file
 * is a FILE:LINE:COL error at start and in check-config, not a sender thread that never
 * connects. A host name is not resolved here: DNS may be down at boot, and the sender
 * resolves it again at every connect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_error.h"
#include "config/config_load.h"

#define SERVER_FORMS "HOST:PORT, with HOST a name, an IPv4 address or [IPv6 address]"

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

static int read_port(struct config_loader *ld, const struct config_node *node, const char *text)
{
	unsigned long port = 0;
	size_t i, len = strlen(text);

	if (len == 0)
		return loader_fail(ld, node, "\"%s\": port missing; expected " SERVER_FORMS,
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
	ld->cfg->outputs.syslog.port = (uint16_t)port;
	return 0;
}

static int read_server(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_syslog_output *so = &ld->cfg->outputs.syslog;
	const char *text, *colon, *port;
	unsigned char addr[16];
	char host[256];
	size_t host_len;
	int err;

	err = loader_expect_scalar(ld, node, SERVER_FORMS);
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
			return loader_fail(ld, node, "\"%s\": port missing; expected " SERVER_FORMS,
					   text);
		if (strchr(text, ':') != colon)
			return loader_fail(ld, node,
					   "\"%s\": an IPv6 address needs brackets "
					   "([2001:db8::1]:6514)", text);
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
	err = read_port(ld, node, port);
	if (err)
		return err;
	free(so->host);
	so->host = strdup(host);
	return so->host ? 0 : loader_out_of_memory(ld);
}

static int read_transport(struct config_loader *ld, const struct config_node *node,
			  void *target)
{
	static const char *const names[] = { "tcp", "udp", "tls" };
	char got[CONFIG_QUOTE_STRLEN];
	int err = loader_expect_scalar(ld, node, "udp, tcp or tls");
	size_t i;

	if (err)
		return err;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(node->value, names[i])) {
			ld->cfg->outputs.syslog.transport = (enum ew_syslog_transport)i;
			return 0;
		}
	}
	return loader_fail(ld, node, "expected udp, tcp or tls, got %s",
			   loader_describe(node, got, sizeof(got)));
}

static int read_ca_file(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_syslog_output *so = &ld->cfg->outputs.syslog;
	FILE *f;
	int err = loader_read_path(ld, node, &so->ca_file);

	if (err)
		return err;
	/* readable now, by whom it runs as: not a TLS handshake that fails at every retry */
	f = fopen(so->ca_file, "r");
	if (!f)
		return loader_fail(ld, node, "cannot read %s: %s", so->ca_file, strerror(errno));
	fclose(f);
	return 0;
}

static int read_flows(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_bool(ld, node, &ld->cfg->outputs.syslog.flows);
}

static int read_facility(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct {
		const char *name;
		uint32_t code;
	} facilities[] = {
		{ "user", 1 },	   { "daemon", 3 },   { "auth", 4 },	 { "authpriv", 10 },
		{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
		{ "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
	};
	char got[CONFIG_QUOTE_STRLEN];
	int err = loader_expect_scalar(ld, node, "a facility name");
	size_t i;

	if (err)
		return err;
	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (!strcmp(node->value, facilities[i].name)) {
			ld->cfg->outputs.syslog.facility = facilities[i].code;
			return 0;
		}
	}
	return loader_fail(ld, node,
			   "expected user, daemon, auth, authpriv or local0..local7, got %s",
			   loader_describe(node, got, sizeof(got)));
}

int config_read_syslog(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "server", read_server },	   { "transport", read_transport },
		{ "ca-file", read_ca_file }, { "flows", read_flows },
		{ "facility", read_facility },
	};
	struct ew_syslog_output *so = &ld->cfg->outputs.syslog;
	uint32_t present = 0;
	int err;

	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, &present);
	if (err)
		return err;
	if (!(present & 1u << 0))
		return loader_fail(ld, node, "server is required (" SERVER_FORMS ")");
	if (so->transport == EW_SYSLOG_TLS && !so->ca_file)
		return loader_fail(ld, node,
				   "transport tls needs ca-file (the CA that signed the "
				   "collector's certificate)");
	if (so->transport != EW_SYSLOG_TLS && so->ca_file)
		return loader_fail(ld, node, "ca-file is only used with transport tls");
	so->enabled = 1;
	return 0;
}
