// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.syslog: where the syslog sink sends (server, transport, ca-file) and what
 * (flows, facility). Checked here in full, so a bad address, port, transport or CA file
 * is a FILE:LINE:COL error at start and in check-config, not a sender thread that never
 * connects (the server's form: config_host_port.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_error.h"
#include "config/config_load.h"

static int read_server(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_syslog_output *so = &ld->cfg->outputs.syslog;

	return loader_read_host_port(ld, node, 6514, &so->host, &so->port);
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
		return loader_fail(ld, node, "server is required (" CONFIG_HOST_PORT_FORMS ")");
	if (so->transport == EW_SYSLOG_TLS && !so->ca_file)
		return loader_fail(ld, node,
				   "transport tls needs ca-file (the CA that signed the "
				   "collector's certificate)");
	if (so->transport != EW_SYSLOG_TLS && so->ca_file)
		return loader_fail(ld, node, "ca-file is only used with transport tls");
	so->enabled = 1;
	return 0;
}
