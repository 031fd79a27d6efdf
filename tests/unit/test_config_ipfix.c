// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.ipfix: what a good section loads to (defaults, every key), and every bad
 * value's message with line and column (a name for the collector, port 0, transport,
 * template-interval with tcp, collector missing).
 */
#include <string.h>

#include "config/config.h"
#include "../support/test.h"

static struct ew_config *load(const char *yaml, char *message, size_t message_len)
{
	struct config_error err;
	struct ew_config *cfg = NULL;

	message[0] = '\0';
	if (config_load_buffer("edgewatch.yaml", yaml, strlen(yaml), &cfg, &err))
		config_error_format(&err, message, message_len);
	return cfg;
}

static void test_ipfix_keys(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = load("outputs:\n  ipfix:\n    collector: 127.0.0.1:4739\n",
				     message, sizeof(message));
	const struct ew_ipfix_output *io;

	CHECK(t, cfg, "refused: %s", message);
	io = &cfg->outputs.ipfix;
	CHECK(t, io->enabled && io->collector.family == 4 && io->collector.port == 4739 &&
		 io->transport == EW_IPFIX_UDP && io->template_interval == 60 &&
		 io->observation_domain == 1, "defaults");
	config_free(cfg);
	cfg = load("outputs:\n  ipfix:\n    collector: \"[2001:db8::9]:9995\"\n    transport: tcp\n"
		   "    observation-domain: 4294967295\n", message, sizeof(message));
	CHECK(t, cfg, "refused: %s", message);
	io = &cfg->outputs.ipfix;
	CHECK(t, io->collector.family == 6 && io->collector.port == 9995 &&
		 io->transport == EW_IPFIX_TCP && io->observation_domain == 4294967295u, "keys");
	config_free(cfg);
	cfg = load("{}\n", message, sizeof(message));
	CHECK(t, cfg && !cfg->outputs.ipfix.enabled, "on without the section");
	config_free(cfg);
}

static void test_ipfix_errors(struct test_case *t)
{
	static const struct {
		const char *yaml;
		const char *message;
	} cases[] = {
		{ "outputs:\n  ipfix:\n    collector: localhost:4739\n",
		  "edgewatch.yaml:3:16: error: outputs.ipfix.collector: \"localhost:4739\" is not a "
		  "valid ADDRESS:PORT" },
		{ "outputs:\n  ipfix:\n    collector: 127.0.0.1:0\n",
		  "edgewatch.yaml:3:16: error: outputs.ipfix.collector: \"127.0.0.1:0\"" },
		{ "outputs:\n  ipfix:\n    collector: 127.0.0.1:4739\n    transport: sctp\n",
		  "edgewatch.yaml:4:16: error: outputs.ipfix.transport: expected udp or tcp, got "
		  "\"sctp\"" },
		{ "outputs:\n  ipfix:\n    collector: 127.0.0.1:4739\n    transport: tcp\n"
		  "    template-interval: 10s\n",
		  "edgewatch.yaml:3:5: error: outputs.ipfix: template-interval is only used with "
		  "transport udp" },
		{ "outputs:\n  ipfix:\n    transport: udp\n",
		  "edgewatch.yaml:3:5: error: outputs.ipfix: collector is required" },
		{ "outputs:\n  ipfix:\n    collector: 127.0.0.1:4739\n    template-interval: 0s\n",
		  "edgewatch.yaml:4:24: error: outputs.ipfix.template-interval" },
	};
	char message[CONFIG_ERROR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ew_config *cfg = load(cases[i].yaml, message, sizeof(message));

		config_free(cfg);
		CHECK(t, !cfg, "case %zu accepted", i);
		CHECK(t, !strncmp(message, cases[i].message, strlen(cases[i].message)),
		      "case %zu: %s", i, message);
	}
}

int main(void)
{
	test_program = "config_ipfix";
	RUN(test_ipfix_keys);
	RUN(test_ipfix_errors);
	return test_summary();
}
