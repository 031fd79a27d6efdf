// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.syslog: what a good section loads to, and every bad value's exact message with
 * line and column (bad address, port, transport, facility, missing or unreadable CA).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "../support/config_rows.h"
#include "../support/test.h"

static void test_syslog_defaults(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg =
		config_rows_load("outputs:\n  syslog:\n    server: collector.example:514\n",
				 message, sizeof(message));

	CHECK(t, cfg, "refused: %s", message);
	CHECK(t, cfg->outputs.syslog.enabled, "not enabled");
	CHECK(t, !strcmp(cfg->outputs.syslog.host, "collector.example"), "host %s",
	      cfg->outputs.syslog.host);
	CHECK(t, cfg->outputs.syslog.port == 514, "port %u", cfg->outputs.syslog.port);
	CHECK(t, cfg->outputs.syslog.transport == EW_SYSLOG_TCP, "transport");
	CHECK(t, cfg->outputs.syslog.facility == 16, "facility %u", cfg->outputs.syslog.facility);
	CHECK(t, !cfg->outputs.syslog.flows && !cfg->outputs.syslog.ca_file, "flows, ca-file");
	config_free(cfg);

	cfg = config_rows_load("{}\n", message, sizeof(message));
	CHECK(t, cfg && !cfg->outputs.syslog.enabled, "syslog on without the section");
	config_free(cfg);
}

/* ca-file relative to the config's directory, like every path in the file */
static void test_syslog_tls_ipv6(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;
	int ret = config_load_file("tests/config/syslog_tls.yaml", &cfg, &err);

	config_error_format(&err, message, sizeof(message));
	CHECK(t, ret == 0 && cfg, "refused: %s", message);
	CHECK(t, !strcmp(cfg->outputs.syslog.host, "2001:db8::1"), "host %s",
	      cfg->outputs.syslog.host);
	CHECK(t, cfg->outputs.syslog.port == 6514, "port");
	CHECK(t, cfg->outputs.syslog.transport == EW_SYSLOG_TLS, "transport");
	CHECK(t, !strcmp(cfg->outputs.syslog.ca_file, "tests/config/alerts.yaml"), "ca-file %s",
	      cfg->outputs.syslog.ca_file);
	CHECK(t, cfg->outputs.syslog.flows && cfg->outputs.syslog.facility == 23, "flows, facility");
	config_free(cfg);
}

static const struct config_error_row rows[] = {
	{ "port_missing", "    server: 127.0.0.1\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"127.0.0.1\": port missing; "
	  "expected HOST:PORT, with HOST a name, an IPv4 address or [IPv6 address]" },
	{ "port_zero", "    server: 127.0.0.1:0\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"127.0.0.1:0\": port 0 is out of "
	  "range (1..65535)" },
	{ "port_too_big", "    server: 127.0.0.1:65536\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"127.0.0.1:65536\": port 65536 is "
	  "out of range (1..65535)" },
	{ "port_not_number", "    server: host:syslog\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"host:syslog\": port \"syslog\" is "
	  "not a number" },
	{ "bad_ipv4", "    server: 198.18.300.1:514\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"198.18.300.1:514\": "
	  "\"198.18.300.1\" is not an IPv4 address" },
	{ "ipv6_no_brackets", "    server: 2001:db8::1:514\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"2001:db8::1:514\": an IPv6 "
	  "address needs brackets ([2001:db8::1]:6514)" },
	{ "bad_ipv6", "    server: \"[2001:db8::g]:514\"\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"[2001:db8::g]:514\": "
	  "\"2001:db8::g\" is not an IPv6 address" },
	{ "ipv6_unclosed", "    server: \"[2001:db8::1:514\"\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"[2001:db8::1:514\": missing ] "
	  "after the IPv6 address" },
	{ "bad_name", "    server: bad_host:514\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \"bad_host:514\": \"bad_host\" is "
	  "not a host name or an address" },
	{ "empty_host", "    server: \":514\"\n",
	  "edgewatch.yaml:3:13: error: outputs.syslog.server: \":514\": \"\" is not a host name "
	  "or an address" },
	{ "server_missing", "    transport: tcp\n",
	  "edgewatch.yaml:3:5: error: outputs.syslog: server is required (HOST:PORT, with HOST a "
	  "name, an IPv4 address or [IPv6 address])" },
	{ "unknown_transport", "    server: 127.0.0.1:514\n    transport: sctp\n",
	  "edgewatch.yaml:4:16: error: outputs.syslog.transport: expected udp, tcp or tls, got "
	  "\"sctp\"" },
	{ "tls_without_ca", "    server: 127.0.0.1:6514\n    transport: tls\n",
	  "edgewatch.yaml:3:5: error: outputs.syslog: transport tls needs ca-file (the CA that "
	  "signed the collector's certificate)" },
	{ "ca_file_missing",
	  "    server: 127.0.0.1:6514\n    transport: tls\n    ca-file: /nonexistent/ca.pem\n",
	  "edgewatch.yaml:5:14: error: outputs.syslog.ca-file: cannot read /nonexistent/ca.pem: "
	  "No such file or directory" },
	{ "ca_file_without_tls", "    server: 127.0.0.1:514\n    ca-file: /etc/hostname\n",
	  "edgewatch.yaml:3:5: error: outputs.syslog: ca-file is only used with transport tls" },
	{ "bad_facility", "    server: 127.0.0.1:514\n    facility: local8\n",
	  "edgewatch.yaml:4:15: error: outputs.syslog.facility: expected user, daemon, auth, "
	  "authpriv or local0..local7, got \"local8\"" },
	{ "bad_flows", "    server: 127.0.0.1:514\n    flows: sometimes\n",
	  "edgewatch.yaml:4:12: error: outputs.syslog.flows: expected true or false, got "
	  "\"sometimes\"" },
	{ "unknown_key", "    server: 127.0.0.1:514\n    ca_file: x\n",
	  "edgewatch.yaml:4:5: error: outputs.syslog.ca_file: unknown key (did you mean "
	  "\"ca-file\"?); allowed here: server, transport, ca-file, flows, facility" },
};

static void run_row(struct test_case *t, const struct config_error_row *row)
{
	config_rows_check(t, "syslog", row);
}

int main(void)
{
	size_t i;

	test_program = "test_config_syslog";
	RUN(test_syslog_defaults);
	RUN(test_syslog_tls_ipv6);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		RUN_ROW(run_row, rows[i].name, &rows[i]);
	return test_summary();
}
