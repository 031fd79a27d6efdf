// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Valid configs: the defaults, the example file, fixtures, globs and relative paths. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/mgmt_ports.h"
#include "detect/alert_limiter.h"
#include "../support/test.h"

static int write_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	int ok;

	if (!file)
		return -errno;
	ok = fputs(text, file) >= 0;
	return fclose(file) == 0 && ok ? 0 : -EIO;
}

static int read_whole_file(const char *path, char **text)
{
	FILE *file = fopen(path, "r");
	size_t len = 0;

	*text = NULL;
	if (!file)
		return -errno;
	if (getdelim(text, &len, '\0', file) < 0) {
		fclose(file);
		free(*text);
		*text = NULL;
		return -EIO;
	}
	fclose(file);
	return 0;
}

static const char *cidr_text(const struct ew_cidr *cidr, char *buf)
{
	return config_format_cidr(cidr, buf, CONFIG_CIDR_STRLEN);
}

static const char *port_text(const struct ew_port_spec *spec, char *buf)
{
	return config_port_spec_format(spec, buf, CONFIG_PORT_SPEC_STRLEN);
}

static struct ew_config *load_text(struct test_case *t, const char *yaml)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	if (config_load_buffer("test.yaml", yaml, strlen(yaml), &cfg, &err))
		test_fail(t, __FILE__, __LINE__, "%s",
			  config_error_format(&err, message, sizeof(message)));
	return cfg;
}

/* Every default, field by field, as config.h and the README document them. */
static void check_defaults(struct test_case *t, const struct ew_config *cfg)
{
	char buf[CONFIG_CIDR_STRLEN];
	size_t services, i, j, k = 0;
	const struct mgmt_service *table = mgmt_services(&services);

	CHECK(t, cfg->home_net.count == 4, "home-net count %zu", cfg->home_net.count);
	CHECK(t, !strcmp(cidr_text(&cfg->home_net.items[0], buf), "192.168.0.0/16"), "%s", buf);
	CHECK(t, !strcmp(cidr_text(&cfg->home_net.items[1], buf), "10.0.0.0/8"), "%s", buf);
	CHECK(t, !strcmp(cidr_text(&cfg->home_net.items[2], buf), "172.16.0.0/12"), "%s", buf);
	CHECK(t, !strcmp(cidr_text(&cfg->home_net.items[3], buf), "fc00::/7"), "%s", buf);
	CHECK(t, cfg->home_net_where.line == 0, "home-net defaulted");
	CHECK(t, cfg->external_net_kind == EW_EXTERNAL_NET_NOT_HOME, "external-net");
	CHECK(t, cfg->address_group_count == 0 && cfg->port_group_count == 0, "vars");
	CHECK(t, cfg->flow.table_size == 262144 && cfg->flow.idle_timeout == 60 &&
		     cfg->flow.active_timeout == 1800 && cfg->flow.tcp_closed_timeout == 5 &&
		     cfg->flow.sweep_interval == 1,
	      "flow defaults");
	CHECK(t, cfg->management.action == EW_ACTION_ALERT, "action");
	CHECK(t, cfg->management.addresses.count == 0, "addresses: the interface's own");
	CHECK(t, cfg->management.ports_are_default, "ports are the default list");
	CHECK(t, cfg->management.ports.count == mgmt_services_spec_count(), "ports %zu",
	      cfg->management.ports.count);
	for (i = 0; i < services; i++)
		for (j = 0; j < table[i].spec_count; j++, k++)
			CHECK(t, !memcmp(&cfg->management.ports.items[k], &table[i].specs[j],
					 sizeof(table[i].specs[j])),
			      "default port %zu is not %s's", k, table[i].name);
	CHECK(t, cfg->management.allow_count == 0, "nobody allowed");
	CHECK(t, cfg->management.alert_rate_limit == 60, "alert-rate-limit");
	CHECK(t, cfg->management.alert_aggregate_sources == ALERT_AGGREGATE_SOURCES_DEFAULT,
	      "alert-aggregate-sources: the limiter's default");
	CHECK(t, !cfg->egress.monitored && cfg->egress.allow_count == 0, "egress off");
	CHECK(t, cfg->sampling.first_packets == 4 && cfg->sampling.flagged_cap == 32 &&
		     cfg->sampling.one_in == 1000 && cfg->sampling.snaplen == 1500,
	      "sampling defaults");
	CHECK(t, cfg->rules.file_count == 0 && !cfg->rules.classification &&
		     !cfg->rules.cache_dir && !cfg->rules.skip_unsupported,
	      "rules defaults");
	CHECK(t, !strcmp(cfg->outputs.eve_path, "-"), "eve path %s", cfg->outputs.eve_path);
}

static void test_defaults(struct test_case *t)
{
	struct ew_config *cfg = config_defaults();

	CHECK(t, cfg, "config_defaults() failed");
	CHECK(t, !strcmp(cfg->source, "(defaults)"), "source %s", cfg->source);
	check_defaults(t, cfg);
	config_free(cfg);
}

static void test_fixture_is_defaults(struct test_case *t, const char *path)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	CHECK(t, config_load_file(path, &cfg, &err) == 0, "%s",
	      config_error_format(&err, message, sizeof(message)));
	check_defaults(t, cfg);
	config_free(cfg);
}

static void test_minimal(struct test_case *t)
{
	test_fixture_is_defaults(t, "tests/config/minimal.yaml");
}

static void test_empty_sections(struct test_case *t)
{
	test_fixture_is_defaults(t, "tests/config/empty_sections.yaml");
}

static void check_example(struct test_case *t, const struct ew_config *cfg, const char *dir)
{
	const struct ew_mgmt_allow *admin = &cfg->management.allow[0];
	const struct ew_egress_allow *dns = &cfg->egress.allow[1];
	char buf[CONFIG_CIDR_STRLEN], path[512];

	CHECK(t, cfg->home_net.count == 2, "home-net");
	CHECK(t, !strcmp(cidr_text(&cfg->home_net.items[0], buf), "198.18.0.0/15"), "%s", buf);
	CHECK(t, cfg->home_net.items[0].family == 4 && cfg->home_net.items[0].prefix_len == 15 &&
		     cfg->home_net.items[0].addr[0] == 198 && cfg->home_net.items[0].addr[1] == 18,
	      "IPv4 in the first 4 bytes");
	CHECK(t, cfg->home_net.items[1].family == 6 && cfg->home_net.items[1].addr[0] == 0x20 &&
		     cfg->home_net.items[1].addr[1] == 0x01 &&
		     cfg->home_net.items[1].addr[3] == 0xb8,
	      "IPv6 home-net");
	CHECK(t, cfg->home_net_where.line == 10 && cfg->home_net_where.column == 11, "at %d:%d",
	      cfg->home_net_where.line, cfg->home_net_where.column);
	CHECK(t, cfg->external_net_kind == EW_EXTERNAL_NET_NOT_HOME, "external-net");
	CHECK(t, cfg->address_group_count == 1 && !strcmp(cfg->address_groups[0].name,
							   "DNS_SERVERS") &&
		     !strcmp(cfg->address_groups[0].value, "[198.18.0.53]"),
	      "address-groups");
	CHECK(t, cfg->port_group_count == 2 && !strcmp(cfg->port_groups[1].value, "22"),
	      "port-groups");
	CHECK(t, cfg->flow.active_timeout == 1800, "30m is %u", cfg->flow.active_timeout);
	CHECK(t, cfg->management.action == EW_ACTION_ALERT, "action");
	CHECK(t, cfg->management.addresses.count == 2 &&
		     !strcmp(cidr_text(&cfg->management.addresses.items[1], buf), "2001:db8::1"),
	      "addresses");
	/* ssh, telnet, https, https-alt (3), snmp, netconf, bgp */
	CHECK(t, !cfg->management.ports_are_default && cfg->management.ports.count == 9,
	      "ports %zu", cfg->management.ports.count);
	CHECK(t, cfg->management.allow_count == 2, "allow entries");
	CHECK(t, admin->from.count == 2 && admin->ports.count == 2 && admin->vlan == 100,
	      "admin entry");
	CHECK(t, admin->ports.items[1].proto == IPPROTO_UDP && admin->ports.items[1].low == 161,
	      "udp/161");
	CHECK(t, !strcmp(admin->where.file, cfg->source) && admin->where.line == 43 &&
		     admin->where.column == 7,
	      "admin entry at %d:%d", admin->where.line, admin->where.column);
	CHECK(t, cfg->management.allow[1].ports.count == 1 &&
		     cfg->management.allow[1].ports.items[0].low == 179 &&
		     cfg->management.allow[1].vlan == 0,
	      "bgp entry");
	CHECK(t, cfg->management.alert_rate_limit == 60, "alert-rate-limit");
	CHECK(t, cfg->egress.monitored && cfg->egress.allow_count == 2, "egress");
	CHECK(t, dns->to.count == 0 && dns->ports.count == 1 && dns->ports.items[0].low == 53,
	      "dns entry: any destination");
	CHECK(t, cfg->sampling.first_packets == 4 && cfg->sampling.one_in == 1000, "sampling");
	CHECK(t, cfg->rules.file_count == 1, "rule files %zu", cfg->rules.file_count);
	snprintf(path, sizeof(path), "%s/rules/local.rules", dir);
	CHECK(t, !strcmp(cfg->rules.files[0], path), "rule file %s", cfg->rules.files[0]);
	snprintf(path, sizeof(path), "%s/rules/classification.config", dir);
	CHECK(t, !strcmp(cfg->rules.classification, path), "classification %s",
	      cfg->rules.classification);
	CHECK(t, !strcmp(cfg->rules.cache_dir, "/var/cache/edgewatch"), "cache-dir");
	CHECK(t, !cfg->rules.skip_unsupported, "skip-unsupported");
	CHECK(t, !strcmp(cfg->outputs.eve_path, "/var/log/edgewatch/eve.json"), "eve path");
}

/*
 * The example at the repo root, loaded from a directory of its own that has the rule
 * files it names: relative paths follow the file, whatever the current directory is.
 */
static void test_example(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-config-XXXXXX", path[512], message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = NULL;
	struct config_error err;
	char *example = NULL;
	int ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	CHECK(t, read_whole_file("edgewatch.example.yaml", &example) == 0, "read example");
	snprintf(path, sizeof(path), "%s/rules", dir);
	EXPECT(t, mkdir(path, 0700) == 0, "mkdir rules");
	snprintf(path, sizeof(path), "%s/rules/local.rules", dir);
	EXPECT(t, write_file(path, "# no rules\n") == 0, "write rules");
	snprintf(path, sizeof(path), "%s/rules/classification.config", dir);
	EXPECT(t, write_file(path, "# none\n") == 0, "write classification");
	snprintf(path, sizeof(path), "%s/edgewatch.yaml", dir);
	EXPECT(t, write_file(path, example) == 0, "write config");

	ret = config_load_file(path, &cfg, &err);
	EXPECT(t, ret == 0, "%s", config_error_format(&err, message, sizeof(message)));
	if (cfg)
		check_example(t, cfg, dir);

	config_free(cfg);
	free(example);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rules/local.rules", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rules/classification.config", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rules", dir);
	rmdir(path);
	rmdir(dir);
}

/* Globs relative to the file's directory, sorted, each file once, directories skipped. */
static void test_globs(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;

	CHECK(t, config_load_file("tests/config/globs.yaml", &cfg, &err) == 0, "%s",
	      config_error_format(&err, message, sizeof(message)));
	EXPECT(t, cfg->rules.file_count == 3, "files %zu", cfg->rules.file_count);
	EXPECT(t, cfg->rules.file_count > 2 &&
			  !strcmp(cfg->rules.files[0], "tests/config/rules/a.rules") &&
			  !strcmp(cfg->rules.files[1], "tests/config/rules/b.rules") &&
			  !strcmp(cfg->rules.files[2], "tests/config/rules/sub/c.rules"),
	       "files in order");
	EXPECT(t, !strcmp(cfg->rules.classification, "tests/config/rules/classification.config"),
	       "classification %s", cfg->rules.classification);
	EXPECT(t, !strcmp(cfg->rules.cache_dir, "tests/config/cache"), "cache-dir %s",
	       cfg->rules.cache_dir);
	EXPECT(t, cfg->rules.skip_unsupported == 1, "skip-unsupported: yes");
	EXPECT(t, !strcmp(cfg->outputs.eve_path, "tests/config/eve.json"), "eve %s",
	       cfg->outputs.eve_path);
	config_free(cfg);
}

/* A buffer has no directory: its relative paths are the current directory's. */
static void test_buffer_paths(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, "rules:\n  files: [tests/config/rules/*.rules]\n"
					     "outputs:\n  eve:\n    path: \"-\"\n");

	CHECK(t, cfg, "load");
	EXPECT(t, cfg->rules.file_count == 2 &&
			  !strcmp(cfg->rules.files[1], "tests/config/rules/b.rules"),
	       "files");
	EXPECT(t, !strcmp(cfg->outputs.eve_path, "-"), "stdout stays \"-\"");
	config_free(cfg);
}

/* A config directory whose name has glob characters still finds its rules. */
static void test_glob_escapes_directory(struct test_case *t)
{
	char dir[] = "/tmp/edgewatch-[cfg]-XXXXXX", path[512], message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = NULL;
	struct config_error err;
	int ret;

	CHECK(t, mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/x.rules", dir);
	EXPECT(t, write_file(path, "# none\n") == 0, "write rules");
	snprintf(path, sizeof(path), "%s/edgewatch.yaml", dir);
	EXPECT(t, write_file(path, "rules:\n  files: ['*.rules']\n") == 0, "write config");
	ret = config_load_file(path, &cfg, &err);
	EXPECT(t, ret == 0, "%s", config_error_format(&err, message, sizeof(message)));
	EXPECT(t, cfg && cfg->rules.file_count == 1, "one rule file");
	config_free(cfg);
	unlink(path);
	snprintf(path, sizeof(path), "%s/x.rules", dir);
	unlink(path);
	rmdir(dir);
}

static void test_values(struct test_case *t)
{
	struct ew_config *cfg = load_text(
		t, "flow:\n  idle-timeout: 90s\n  active-timeout: 1d\n  tcp-closed-timeout: 0\n"
		   "  sweep-interval: 1m\n  table-size: 1024\n"
		   "sampling: {first-packets: 0, flagged-cap: 65535, one-in: 0, snaplen: 4096}\n"
		   "management:\n  action: drop\n  alert-rate-limit: 0\n  alert-aggregate-sources: 0\n"
		   "  ports: [ssh, tcp/22, https-alt, tcp/8000-8100, rdp]\n"
		   "  allow:\n    - from: [0.0.0.0/0, \"::/0\"]\n"
		   "      ports: [tcp/8050-8060, ssh]\n"
		   "external-net: any\n");
	char buf[CONFIG_PORT_SPEC_STRLEN];
	const struct ew_port_list *ports;

	CHECK(t, cfg, "load");
	EXPECT(t, cfg->flow.idle_timeout == 90 && cfg->flow.active_timeout == 86400 &&
			  cfg->flow.tcp_closed_timeout == 0 && cfg->flow.sweep_interval == 60 &&
			  cfg->flow.table_size == 1024,
	       "flow");
	EXPECT(t, cfg->sampling.first_packets == 0 && cfg->sampling.flagged_cap == 65535 &&
			  cfg->sampling.one_in == 0 && cfg->sampling.snaplen == 4096,
	       "sampling");
	EXPECT(t, cfg->management.action == EW_ACTION_DROP, "drop");
	EXPECT(t, cfg->management.alert_rate_limit == 0, "no rate limit");
	EXPECT(t, cfg->management.alert_aggregate_sources == 0, "no aggregation");
	EXPECT(t, cfg->external_net_kind == EW_EXTERNAL_NET_ANY, "external-net any");
	ports = &cfg->management.ports;
	/* ssh and tcp/22 are one; https-alt is three; rdp is tcp and udp. */
	EXPECT(t, ports->count == 7, "ports %zu", ports->count);
	EXPECT(t, ports->count == 7 && !strcmp(port_text(&ports->items[0], buf), "tcp/22") &&
			  !strcmp(port_text(&ports->items[1], buf), "tcp/8443") &&
			  !strcmp(port_text(&ports->items[4], buf), "tcp/8000-8100") &&
			  !strcmp(port_text(&ports->items[6], buf), "udp/3389"),
	       "port order");
	EXPECT(t, cfg->management.allow[0].from.items[1].family == 6 &&
			  cfg->management.allow[0].from.items[1].prefix_len == 0,
	       "::/0");
	config_free(cfg);
}

static void test_external_net_list(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, "external-net: [0.0.0.0/0]\n");

	CHECK(t, cfg, "load");
	EXPECT(t, cfg->external_net_kind == EW_EXTERNAL_NET_LIST && cfg->external_net.count == 1,
	       "external-net list");
	config_free(cfg);
}

/* A key with no value keeps its default; egress.allow: [] monitors with nothing allowed. */
static void test_empty_values(struct test_case *t)
{
	struct ew_config *cfg = load_text(t, "flow:\n  idle-timeout:\n  sweep-interval: ~\n"
					     "egress:\n  allow: []\n");

	CHECK(t, cfg, "load");
	EXPECT(t, cfg->flow.idle_timeout == 60 && cfg->flow.sweep_interval == 1, "defaults kept");
	EXPECT(t, cfg->egress.monitored && cfg->egress.allow_count == 0, "egress monitored");
	config_free(cfg);
}

int main(void)
{
	test_program = "test_config_load";
	RUN(test_defaults);
	RUN(test_minimal);
	RUN(test_empty_sections);
	RUN(test_example);
	RUN(test_globs);
	RUN(test_buffer_paths);
	RUN(test_glob_escapes_directory);
	RUN(test_values);
	RUN(test_external_net_list);
	RUN(test_empty_values);
	return test_summary();
}
