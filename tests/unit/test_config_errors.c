// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every kind of bad config gets its exact message, with line and column: one row per case,
 * the YAML next to the error it must produce.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "../support/test.h"

struct error_row {
	const char *name;
	const char *yaml;
	const char *expected;	/* config_error_format() of the error */
};

static const struct error_row rows[] = {
	/* --- CIDRs --- */
	{ "cidr_prefix_too_long",
	  "management:\n  allow:\n    - from: [198.18.10.0/24, 198.18.10.0/33]\n",
	  "edgewatch.yaml:3:30: error: management.allow[0].from[1]: \"198.18.10.0/33\" is not a "
	  "valid CIDR (prefix length 33 > 32)" },
	{ "cidr_ipv6_prefix_too_long", "home-net: [2001:db8::/129]\n",
	  "edgewatch.yaml:1:12: error: home-net[0]: \"2001:db8::/129\" is not a valid CIDR "
	  "(prefix length 129 > 128)" },
	{ "cidr_bad_address", "home-net:\n  - 198.18.300.0/24\n",
	  "edgewatch.yaml:2:5: error: home-net[0]: \"198.18.300.0/24\" is not a valid CIDR (not "
	  "an IPv4 or IPv6 address)" },
	{ "cidr_prefix_not_a_number", "home-net: [10.0.0.0/x]\n",
	  "edgewatch.yaml:1:12: error: home-net[0]: \"10.0.0.0/x\" is not a valid CIDR (prefix "
	  "length is not a number)" },
	{ "cidr_prefix_missing", "home-net: [10.0.0.0/]\n",
	  "edgewatch.yaml:1:12: error: home-net[0]: \"10.0.0.0/\" is not a valid CIDR (prefix "
	  "length missing after /)" },
	{ "cidr_negated", "home-net: [\"!10.0.0.0/8\"]\n",
	  "edgewatch.yaml:1:12: error: home-net[0]: \"!10.0.0.0/8\" is not a valid CIDR "
	  "(negation (!) is not supported here)" },
	{ "cidr_host_bits_ipv4", "management:\n  addresses: [198.18.10.1/24]\n",
	  "edgewatch.yaml:2:15: error: management.addresses[0]: \"198.18.10.1/24\" has host bits "
	  "set; the network is 198.18.10.0/24" },
	{ "cidr_host_bits_ipv6", "egress:\n  allow:\n    - to: [2001:db8::1/32]\n",
	  "edgewatch.yaml:3:12: error: egress.allow[0].to[0]: \"2001:db8::1/32\" has host bits "
	  "set; the network is 2001:db8::/32" },
	{ "cidr_list_empty", "home-net: []\n",
	  "edgewatch.yaml:1:11: error: home-net: empty list; give at least one address or CIDR" },
	/* --- endpoints --- */
	{ "prometheus_listen_no_port", "outputs:\n  prometheus:\n    listen: 127.0.0.1\n",
	  "edgewatch.yaml:3:13: error: outputs.prometheus.listen: \"127.0.0.1\" is not a valid "
	  "ADDRESS:PORT (port missing: write ADDRESS:PORT)" },
	{ "prometheus_listen_bad_port", "outputs:\n  prometheus:\n    listen: \"[::1]:99999\"\n",
	  "edgewatch.yaml:3:13: error: outputs.prometheus.listen: \"[::1]:99999\" is not a valid "
	  "ADDRESS:PORT (port 99999 > 65535)" },
	{ "prometheus_listen_name", "outputs:\n  prometheus:\n    listen: localhost:9650\n",
	  "edgewatch.yaml:3:13: error: outputs.prometheus.listen: \"localhost:9650\" is not a "
	  "valid ADDRESS:PORT (not an IPv4 address; names are not resolved: write the address)" },
	{ "prometheus_listen_list", "outputs:\n  prometheus:\n    listen: [127.0.0.1:9650]\n",
	  "edgewatch.yaml:3:13: error: outputs.prometheus.listen: expected ADDRESS:PORT "
	  "(\"127.0.0.1:9650\", \"[::1]:9650\"), got a list" },
	{ "stats_interval_too_long", "outputs:\n  stats-interval: 2h\n",
	  "edgewatch.yaml:2:19: error: outputs.stats-interval: 2h is out of range (1..3600 "
	  "seconds)" },
	{ "eve_seal_no_key", "outputs:\n  eve:\n    path: x.json\n    seal:\n      interval: 10s\n",
	  "edgewatch.yaml:5:7: error: outputs.eve.seal: key is missing: the file `edgewatch log "
	  "keygen KEYFILE` made" },
	{ "eve_seal_interval_too_long",
	  "outputs:\n  eve:\n    path: x.json\n    seal:\n      key: k\n      interval: 2d\n",
	  "edgewatch.yaml:6:17: error: outputs.eve.seal.interval: 2d is out of range (1..86400 "
	  "seconds)" },
	/* --- unknown keys --- */
	{ "unknown_key_top", "flows:\n  idle-timeout: 5\n",
	  "edgewatch.yaml:1:1: error: flows: unknown key (did you mean \"flow\"?); allowed here: "
	  "home-net, external-net, vars, flow, management, egress, sampling, rules, outputs, "
	  "anomaly, inventory, run" },
	{ "unknown_key_nested", "flow:\n  idle_timeout: 5\n",
	  "edgewatch.yaml:2:3: error: flow.idle_timeout: unknown key (did you mean "
	  "\"idle-timeout\"?); allowed here: table-size, idle-timeout, active-timeout, "
	  "tcp-closed-timeout, sweep-interval" },
	{ "unknown_key_in_allow",
	  "management:\n  allow:\n    - from: [10.0.0.0/8]\n      vlans: 3\n",
	  "edgewatch.yaml:4:7: error: management.allow[0].vlans: unknown key (did you mean "
	  "\"vlan\"?); allowed here: from, ports, vlan" },
	{ "unknown_key_no_suggestion", "sampling:\n  rate: 5\n",
	  "edgewatch.yaml:2:3: error: sampling.rate: unknown key; allowed here: first-packets, "
	  "flagged-cap, one-in, snaplen, stream-depth, stream-segments" },
	/* --- wrong types --- */
	{ "type_map_for_list", "home-net: {inside: 10.0.0.0/8}\n",
	  "edgewatch.yaml:1:11: error: home-net: expected a list ([a, b] or one \"- item\" per "
	  "line), got a mapping" },
	{ "type_scalar_for_list", "management:\n  ports: tcp/22\n",
	  "edgewatch.yaml:2:10: error: management.ports: expected a list ([a, b] or one \"- item\" "
	  "per line), got \"tcp/22\"" },
	{ "type_string_for_number", "flow:\n  table-size: big\n",
	  "edgewatch.yaml:2:15: error: flow.table-size: expected an integer, got \"big\"" },
	{ "type_negative_number", "sampling:\n  one-in: -1\n",
	  "edgewatch.yaml:2:11: error: sampling.one-in: expected an integer, got \"-1\"" },
	{ "type_list_for_number", "sampling:\n  snaplen: [512]\n",
	  "edgewatch.yaml:2:12: error: sampling.snaplen: expected an integer, got a list" },
	{ "type_scalar_for_mapping", "flow: 5\n",
	  "edgewatch.yaml:1:7: error: flow: expected a mapping (key: value), got \"5\"" },
	{ "type_list_for_mapping_entry", "management:\n  allow:\n    - [10.0.0.0/8]\n",
	  "edgewatch.yaml:3:7: error: management.allow[0]: expected a mapping (key: value), got "
	  "a list" },
	{ "type_top_level_list", "- flow\n",
	  "edgewatch.yaml:1:1: error: the top level must be a mapping of sections (home-net:, "
	  "flow:, management:, ...), got a list" },
	{ "type_bool", "rules:\n  skip-unsupported: maybe\n",
	  "edgewatch.yaml:2:21: error: rules.skip-unsupported: expected true or false, got "
	  "\"maybe\"" },
	{ "type_key_not_scalar", "flow:\n  ? [a]\n  : 1\n",
	  "edgewatch.yaml:2:5: error: flow: keys must be plain text, got a list" },
	{ "type_null_list_item", "home-net:\n  -\n",
	  "edgewatch.yaml:2:4: error: home-net[0]: expected an address or CIDR, got an empty "
	  "value" },
	{ "type_nul_byte", "outputs:\n  eve:\n    path: \"a\\0b\"\n",
	  "edgewatch.yaml:3:11: error: outputs.eve.path: contains a NUL byte" },
	{ "type_empty_string", "outputs:\n  eve:\n    path: \"\"\n",
	  "edgewatch.yaml:3:11: error: outputs.eve.path: empty string" },
	/* --- numbers and durations out of range --- */
	{ "range_table_size", "flow:\n  table-size: 100\n",
	  "edgewatch.yaml:2:15: error: flow.table-size: 100 is out of range (1024..16777216)" },
	{ "range_huge_number", "flow:\n  table-size: 99999999999999999999999\n",
	  "edgewatch.yaml:2:15: error: flow.table-size: 99999999999999999999... is out of range "
	  "(1024..16777216)" },
	{ "range_snaplen", "sampling:\n  snaplen: 8192\n",
	  "edgewatch.yaml:2:12: error: sampling.snaplen: 8192 is out of range (64..4096)" },
	{ "range_alert_aggregate_sources", "management:\n  alert-aggregate-sources: 20000\n",
	  "edgewatch.yaml:2:28: error: management.alert-aggregate-sources: 20000 is out of range "
	  "(0..16384)" },
	{ "type_alert_aggregate_sources", "management:\n  alert-aggregate-sources: many\n",
	  "edgewatch.yaml:2:28: error: management.alert-aggregate-sources: expected an integer, "
	  "got \"many\"" },
	{ "duration_bad_unit", "flow:\n  idle-timeout: 5x\n",
	  "edgewatch.yaml:2:17: error: flow.idle-timeout: expected a duration (seconds, or a "
	  "number with s, m, h or d: 90s, 5m, 1h), got \"5x\"" },
	{ "duration_unit_only", "flow:\n  idle-timeout: m\n",
	  "edgewatch.yaml:2:17: error: flow.idle-timeout: expected a duration (seconds, or a "
	  "number with s, m, h or d: 90s, 5m, 1h), got \"m\"" },
	{ "duration_out_of_range", "flow:\n  idle-timeout: 2d\n",
	  "edgewatch.yaml:2:17: error: flow.idle-timeout: 2d is out of range (1..86400 seconds)" },
	{ "duration_zero", "flow:\n  sweep-interval: 0s\n",
	  "edgewatch.yaml:2:19: error: flow.sweep-interval: 0s is out of range (1..60 seconds)" },
	/* --- ports --- */
	{ "port_out_of_range", "management:\n  ports: [tcp/22, tcp/70000]\n",
	  "edgewatch.yaml:2:19: error: management.ports[1]: \"tcp/70000\" is not a valid port spec "
	  "(port 70000 > 65535)" },
	{ "port_zero", "management:\n  ports: [udp/0]\n",
	  "edgewatch.yaml:2:11: error: management.ports[0]: \"udp/0\" is not a valid port spec "
	  "(port 0 is not a port (1..65535))" },
	{ "port_bad_proto", "egress:\n  allow:\n    - ports: [icmp/8]\n",
	  "edgewatch.yaml:3:15: error: egress.allow[0].ports[0]: \"icmp/8\" is not a valid port "
	  "spec (protocol must be tcp or udp)" },
	{ "port_reversed_range", "management:\n  ports: [tcp/8100-8000]\n",
	  "edgewatch.yaml:2:11: error: management.ports[0]: \"tcp/8100-8000\" is not a valid port "
	  "spec (reversed range (8100 > 8000))" },
	{ "port_no_protocol", "management:\n  ports: [22]\n",
	  "edgewatch.yaml:2:11: error: management.ports[0]: \"22\" is not a valid port spec (no "
	  "protocol: write tcp/22 or udp/22)" },
	{ "port_unknown_name", "management:\n  ports: [sshd]\n",
	  "edgewatch.yaml:2:11: error: management.ports[0]: \"sshd\" is not a valid port spec "
	  "(not PROTO/PORT, PROTO/LOW-HIGH or a service name (edgewatch check-config "
	  "--list-ports))" },
	{ "port_missing", "management:\n  ports: [tcp/]\n",
	  "edgewatch.yaml:2:11: error: management.ports[0]: \"tcp/\" is not a valid port spec "
	  "(port missing)" },
	{ "port_list_empty", "management:\n  ports: []\n",
	  "edgewatch.yaml:2:10: error: management.ports: empty list; give at least one port" },
	{ "port_allow_not_management",
	  "management:\n  ports: [ssh, snmp]\n  allow:\n    - from: [10.0.0.0/8]\n"
	  "      ports: [ssh, tcp/80]\n",
	  "edgewatch.yaml:5:20: error: management.allow[0].ports[1]: tcp/80 is not one of the "
	  "management ports (management.ports)" },
	{ "port_allow_range_partly_management",
	  "management:\n  ports: [tcp/8000-8050, tcp/8051-8099]\n  allow:\n"
	  "    - from: [10.0.0.0/8]\n      ports: [tcp/8000-8100]\n",
	  "edgewatch.yaml:5:15: error: management.allow[0].ports[0]: tcp/8000-8100 is not one of "
	  "the management ports (management.ports)" },
	/* --- actions, vlans, entries --- */
	{ "action_bad", "management:\n  action: block\n",
	  "edgewatch.yaml:2:11: error: management.action: expected alert or drop, got \"block\"" },
	{ "vlan_too_big", "management:\n  allow:\n    - from: [10.0.0.0/8]\n      vlan: 4095\n",
	  "edgewatch.yaml:4:13: error: management.allow[0].vlan: 4095 is out of range (1..4094)" },
	{ "vlan_zero", "management:\n  allow:\n    - from: [10.0.0.0/8]\n      vlan: 0\n",
	  "edgewatch.yaml:4:13: error: management.allow[0].vlan: 0 is out of range (1..4094)" },
	{ "allow_missing_from", "management:\n  allow:\n    - ports: [ssh]\n",
	  "edgewatch.yaml:3:7: error: management.allow[0]: missing from: (the sources this entry "
	  "allows)" },
	{ "allow_not_a_list", "management:\n  allow:\n    from: [10.0.0.0/8]\n",
	  "edgewatch.yaml:3:5: error: management.allow: expected a list ([a, b] or one \"- item\" "
	  "per line), got a mapping" },
	{ "egress_entry_empty", "egress:\n  allow:\n    - {}\n",
	  "edgewatch.yaml:3:7: error: egress.allow[0]: an allow entry needs to:, ports: or both" },
	{ "external_net_bad", "external-net: \"$HOME_NET\"\n",
	  "edgewatch.yaml:1:15: error: external-net: expected \"!$HOME_NET\", \"any\" or a list "
	  "of CIDRs, got \"$HOME_NET\"" },
	/* --- vars --- */
	{ "vars_bad_name", "vars:\n  port-groups:\n    HTTP-PORTS: \"80\"\n",
	  "edgewatch.yaml:3:5: error: vars.port-groups.HTTP-PORTS: \"HTTP-PORTS\" is not a "
	  "variable name (letters, digits and _, at most 63)" },
	{ "vars_home_net", "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n",
	  "edgewatch.yaml:3:5: error: vars.address-groups.HOME_NET: HOME_NET is set by home-net" },
	{ "vars_both_kinds",
	  "vars:\n  address-groups:\n    WEB: \"[10.0.0.1]\"\n  port-groups:\n    WEB: \"80\"\n",
	  "edgewatch.yaml:5:5: error: vars.port-groups.WEB: already an address group; rule "
	  "variables share one namespace" },
	{ "vars_list_value", "vars:\n  port-groups:\n    HTTP_PORTS: [80, 8080]\n",
	  "edgewatch.yaml:3:17: error: vars.port-groups.HTTP_PORTS: expected a port group in "
	  "rule syntax (\"[80,8080]\"), got a list" },
	{ "vars_duplicate", "vars:\n  port-groups:\n    A: \"1\"\n    A: \"2\"\n",
	  "edgewatch.yaml:4:5: error: vars.port-groups.A: duplicate key (first at line 3, "
	  "column 8)" },
	{ "vars_external_net", "vars:\n  address-groups:\n    EXTERNAL_NET: any\n",
	  "edgewatch.yaml:3:5: error: vars.address-groups.EXTERNAL_NET: EXTERNAL_NET is set by "
	  "external-net" },
	{ "vars_group_not_mapping", "vars:\n  port-groups: [80]\n",
	  "edgewatch.yaml:2:16: error: vars.port-groups: expected a mapping (NAME: value), got a "
	  "list" },
	/* --- NUL bytes and control characters from the file --- */
	{ "cidr_nul_byte", "home-net: [\"10.0.0.0\\0/8\"]\n",
	  "edgewatch.yaml:1:12: error: home-net[0]: contains a NUL byte" },
	{ "rules_pattern_nul_byte", "rules:\n  files: [\"a\\0b\"]\n",
	  "edgewatch.yaml:2:11: error: rules.files[0]: contains a NUL byte" },
	{ "key_control_character", "\"fl\\x01ow\": {}\n",
	  "edgewatch.yaml:1:1: error: fl?ow: unknown key (did you mean \"flow\"?); allowed here: "
	  "home-net, external-net, vars, flow, management, egress, sampling, rules, outputs, "
	  "anomaly, inventory, run" },
	{ "quote_escapes", "management:\n  action: 'a\"b\\c'\n",
	  "edgewatch.yaml:2:11: error: management.action: expected alert or drop, got "
	  "\"a\\\"b\\\\c\"" },
	/* --- anomaly: keys from the detections table (detect/detections.c) --- */
	{ "anomaly_unknown_detector_key", "anomaly:\n  scan:\n    windw: 5m\n",
	  "edgewatch.yaml:3:5: error: anomaly.scan.windw: unknown key (did you mean "
	  "\"window\"?); allowed here: enabled, window, ports, hosts, slow-window, slow-ports, "
	  "slow-hosts" },
	{ "anomaly_threshold_out_of_range", "anomaly:\n  scan:\n    ports: 1\n",
	  "edgewatch.yaml:3:12: error: anomaly.scan.ports: 1 is out of range (2..48)" },
	{ "anomaly_window_not_duration", "anomaly:\n  brute-force:\n    window: soon\n",
	  "edgewatch.yaml:3:13: error: anomaly.brute-force.window: expected a duration (seconds, "
	  "or a number with s, m, h or d: 90s, 5m, 1h), got \"soon\"" },
	{ "anomaly_enabled_not_bool", "anomaly:\n  beacon:\n    enabled: maybe\n",
	  "edgewatch.yaml:3:14: error: anomaly.beacon.enabled: expected true or false, got "
	  "\"maybe\"" },
	{ "anomaly_exclude_bad_cidr", "anomaly:\n  exclude: [198.18.0.1/33]\n",
	  "edgewatch.yaml:2:13: error: anomaly.exclude[0]: \"198.18.0.1/33\" is not a valid CIDR "
	  "(prefix length 33 > 32)" },
	/* --- duplicates --- */
	{ "duplicate_top", "flow: {}\nsampling: {}\nflow: {}\n",
	  "edgewatch.yaml:3:1: error: flow: duplicate key (first at line 1, column 1)" },
	{ "duplicate_nested", "flow:\n  idle-timeout: 1\n  idle-timeout: 2\n",
	  "edgewatch.yaml:3:3: error: flow.idle-timeout: duplicate key (first at line 2, "
	  "column 3)" },
	/* --- YAML itself --- */
	{ "empty_file", "",
	  "edgewatch.yaml:1:1: error: empty configuration (no YAML document); write at least one "
	  "section, or {} for every default" },
	{ "comments_only", "# nothing here\n\n",
	  "edgewatch.yaml:1:1: error: empty configuration (no YAML document); write at least one "
	  "section, or {} for every default" },
	{ "document_marker_only", "---\n",
	  "edgewatch.yaml:2:1: error: empty configuration (no YAML document); write at least one "
	  "section, or {} for every default" },
	{ "syntax_unclosed_flow", "flow: {idle-timeout: 1\nsampling: {}\n",
	  "edgewatch.yaml:2:9: error: YAML syntax error: did not find expected ',' or '}' (while "
	  "parsing a flow mapping at line 1, column 7)" },
	{ "syntax_tab_indent", "flow:\n\tidle-timeout: 1\n",
	  "edgewatch.yaml:2:1: error: YAML syntax error: found character that cannot start any "
	  "token (while scanning for the next token at line 2, column 1); tabs cannot indent "
	  "YAML, use spaces" },
	{ "syntax_bad_indent", "flow:\n  idle-timeout: 1\n sweep-interval: 1\n",
	  "edgewatch.yaml:3:2: error: YAML syntax error: did not find expected key (while "
	  "parsing a block mapping at line 1, column 1)" },
	{ "syntax_ipv6_in_flow", "home-net: [10.0.0.0/8, ::1]\n",
	  "edgewatch.yaml:1:24: error: YAML syntax error: did not find expected node content "
	  "(while parsing a flow node at line 1, column 24); quote IPv6 addresses that start "
	  "with \"::\" inside [ ]: [\"::1\"]" },
	{ "syntax_bad_utf8", "flow:\n  idle-timeout: \xff\n",
	  "edgewatch.yaml:2:17: error: YAML: invalid leading UTF-8 octet" },
	{ "alias", "home-net: &inside [10.0.0.0/8]\nexternal-net: *inside\n",
	  "edgewatch.yaml:2:15: error: YAML alias \"inside\": aliases are not supported; write "
	  "the value out" },
	{ "second_document", "flow: {}\n---\nflow: {}\n",
	  "edgewatch.yaml:2:1: error: a second YAML document starts here; the config is one "
	  "document" },
	{ "too_deep",
	  "vars: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  "edgewatch.yaml:1:38: error: nested deeper than 32 levels" },
	/* --- rules --- */
	{ "rules_no_match", "rules:\n  files: [tests/config/rules/*.rulez]\n",
	  "edgewatch.yaml:2:11: error: rules.files[0]: \"tests/config/rules/*.rulez\" matches no "
	  "file" },
	{ "rules_classification_missing", "rules:\n  classification: tests/config/nothing.config\n",
	  "edgewatch.yaml:2:19: error: rules.classification: cannot read "
	  "\"tests/config/nothing.config\": No such file or directory" },
	{ "rules_files_not_list", "rules:\n  files: rules/*.rules\n",
	  "edgewatch.yaml:2:10: error: rules.files: expected a list ([a, b] or one \"- item\" per "
	  "line), got \"rules/*.rules\"" },
};

static void test_error_row(struct test_case *t, const struct error_row *row)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;
	int ret;

	ret = config_load_buffer("edgewatch.yaml", row->yaml, strlen(row->yaml), &cfg, &err);
	config_free(cfg);
	CHECK(t, ret == -EINVAL, "load returned %d, want -EINVAL", ret);
	CHECK(t, cfg == NULL, "a config came back with the error");
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, row->expected), "\n got: %s\nwant: %s", message, row->expected);
}

/* The file's own name is in the message, and a file error has no position. */
static void test_error_in_file(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;
	int ret;

	ret = config_load_file("tests/config/bad_cidr.yaml", &cfg, &err);
	CHECK(t, ret == -EINVAL && !cfg, "load returned %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "tests/config/bad_cidr.yaml:7:30: error: management.allow[1]."
				  "from[1]: \"198.18.10.0/33\" is not a valid CIDR (prefix length "
				  "33 > 32)"),
	      "got %s", message);

	ret = config_load_file("tests/config/no-such-file.yaml", &cfg, &err);
	CHECK(t, ret == -ENOENT && !cfg, "missing file: %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "tests/config/no-such-file.yaml: error: cannot open: No such "
				  "file or directory"),
	      "got %s", message);

	ret = config_load_file("tests/config", &cfg, &err);
	CHECK(t, ret == -EISDIR && !cfg, "directory: %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "tests/config: error: not a regular file (a directory)"),
	      "got %s", message);

	/* an endless device: refused before reading, not read up to the cap */
	ret = config_load_file("/dev/zero", &cfg, &err);
	CHECK(t, ret == -EINVAL && !cfg, "device: %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "/dev/zero: error: not a regular file (a character device)"),
	      "got %s", message);

	/* Directories matched by a glob are not rule files. */
	ret = config_load_file("tests/config/glob_only_dirs.yaml", &cfg, &err);
	CHECK(t, ret == -EINVAL && !cfg, "glob of directories: %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "tests/config/glob_only_dirs.yaml:4:7: error: rules.files[0]: "
				  "\"rules/s*\" matches no file (looked for "
				  "\"tests/config/rules/s*\")"),
	      "got %s", message);
}

/* Text from the file is quoted and escaped before it reaches a terminal. */
static void test_error_quotes_user_text(struct test_case *t)
{
	static const char yaml[] = "management:\n  action: \"\\e[31mred\\x01 and a very long value "
				   "that goes on and on and on and on and on\"\n";
	char message[CONFIG_ERROR_STRLEN];
	struct config_error err;
	struct ew_config *cfg = NULL;
	int ret;

	ret = config_load_buffer("edgewatch.yaml", yaml, strlen(yaml), &cfg, &err);
	CHECK(t, ret == -EINVAL, "load returned %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "edgewatch.yaml:2:11: error: management.action: expected alert "
				  "or drop, got \"\\x1b[31mred\\x01 and a very long value that "
				  "goes on and on and on and o...\""),
	      "got %s", message);
}

/* Rule file patterns match at most 4096 files in all (duplicates count). */
static void test_error_too_many_rule_files(struct test_case *t)
{
	static const char head[] = "rules:\n  files:\n";
	static const char item[] = "    - tests/config/rules/a.rules\n";
	char message[CONFIG_ERROR_STRLEN];
	size_t len = strlen(head) + 4097 * strlen(item), used, i;
	char *yaml = malloc(len + 1);
	struct config_error err;
	struct ew_config *cfg = NULL;
	int ret;

	CHECK(t, yaml, "malloc");
	used = (size_t)sprintf(yaml, "%s", head);
	for (i = 0; i < 4097; i++)
		used += (size_t)sprintf(yaml + used, "%s", item);
	ret = config_load_buffer("edgewatch.yaml", yaml, used, &cfg, &err);
	free(yaml);
	config_free(cfg);
	CHECK(t, ret == -EINVAL, "load returned %d", ret);
	config_error_format(&err, message, sizeof(message));
	CHECK(t, !strcmp(message, "edgewatch.yaml:4099:7: error: rules.files[4096]: the patterns "
				  "match more than 4096 files"),
	      "got %s", message);
}

int main(void)
{
	size_t i;

	test_program = "test_config_errors";
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		RUN_ROW(test_error_row, rows[i].name, &rows[i]);
	RUN(test_error_in_file);
	RUN(test_error_quotes_user_text);
	RUN(test_error_too_many_rule_files);
	return test_summary();
}
