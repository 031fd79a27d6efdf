/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The configuration file (YAML, `-c FILE`): parsed with libyaml, validated in full, and
 * handed over as plain values. Every key is part of the public contract and an unknown
 * key is an error; userspace/config/README.md documents each key and its default.
 *
 *   struct config_error err;
 *   struct ew_config *cfg;
 *   if (config_load_file(path, &cfg, &err) < 0) {
 *           char msg[CONFIG_ERROR_STRLEN];
 *           fprintf(stderr, "%s\n", config_error_format(&err, msg, sizeof(msg)));
 *           ...
 *   }
 *   ... use cfg (read-only) ...
 *   config_free(cfg);
 *
 * Relative paths in a file (rules.files, rules.classification, rules.cache-dir,
 * outputs.eve.path) are relative to the directory holding that file, so the daemon (cwd
 * "/" under systemd) and `edgewatch check-config` run from anywhere read the same files.
 * The ew_config holds them already resolved. config_load_buffer() resolves them against
 * the current directory.
 */
#ifndef EDGEWATCH_CONFIG_H
#define EDGEWATCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config_net.h"
#include "datapath.h"		/* enum ew_action */
#include "detect/detections.h"	/* the anomaly parameters */

/* Where a value came from, for messages about it ("FILE:LINE: allow entry ..."). */
struct config_location {
	const char *file;	/* the config's source name (owned by the ew_config) */
	int line;		/* 1-based; 0: not from the file (a default) */
	int column;		/* 1-based */
};

/* Why loading failed: "FILE:LINE:COLUMN: error: MESSAGE" once formatted. */
struct config_error {
	char file[256];
	int line;		/* 1-based; 0 when the error is about the file, not a place in it */
	int column;		/* 1-based */
	char message[512];	/* starts with the key path: "management.allow[0].from[1]: ..." */
};

#define CONFIG_ERROR_STRLEN (sizeof(((struct config_error *)0)->file) + 32 + \
			     sizeof(((struct config_error *)0)->message))

struct ew_cidr_list {
	struct ew_cidr *items;
	size_t count;
};

struct ew_port_list {
	struct ew_port_spec *items;
	size_t count;
};

/* A rule variable from vars: (NAME: "value" in Suricata rule syntax, passed on as written). */
struct ew_rule_var {
	char *name;
	char *value;
	struct config_location where;	/* the value */
};

enum ew_external_net {
	EW_EXTERNAL_NET_NOT_HOME = 0,	/* "!$HOME_NET" (the default) */
	EW_EXTERNAL_NET_ANY,		/* "any" */
	EW_EXTERNAL_NET_LIST,		/* the prefixes in external_net */
};

/* management.allow[i]: sources that may reach (some of) the management ports. */
struct ew_mgmt_allow {
	struct ew_cidr_list from;	/* never empty */
	struct ew_port_list ports;	/* count 0: every management port; else each is one */
	uint16_t vlan;			/* 1..4094: only from this outermost VLAN id; 0: any */
	struct config_location where;	/* the entry ("- from: ...") */
};

/* egress.allow[i]: where the device's own outbound connections may go. */
struct ew_egress_allow {
	struct ew_cidr_list to;		/* count 0: any destination */
	struct ew_port_list ports;	/* count 0: any port */
	struct config_location where;
};

/* outputs.syslog.transport */
enum ew_syslog_transport {
	EW_SYSLOG_TCP = 0,	/* RFC 6587 octet counting (the default) */
	EW_SYSLOG_UDP,		/* RFC 5426: one message per datagram */
	EW_SYSLOG_TLS,		/* RFC 5425 */
};

/* outputs.syslog: RFC 5424 messages to one collector (userspace/output/syslog_sink.c). */
struct ew_syslog_output {
	int enabled;			/* the section is present */
	char *host;			/* a name, or an address literal (no brackets) */
	uint16_t port;			/* 1..65535 */
	enum ew_syslog_transport transport;
	char *ca_file;			/* tls: the CA that signed the collector's certificate */
	int flows;			/* flow events too (alerts and stats always) */
	uint32_t facility;		/* RFC 5424 facility code (local0 = 16, the default) */
};

/* outputs.ipfix.transport */
enum ew_ipfix_transport {
	EW_IPFIX_UDP = 0,	/* the default: what most collectors listen on */
	EW_IPFIX_TCP,
};

/* outputs.ipfix: flow records as IPFIX to one collector (userspace/output/ipfix_sink.c). */
struct ew_ipfix_output {
	int enabled;			/* the section is present */
	struct ew_endpoint collector;	/* an address literal and a port */
	enum ew_ipfix_transport transport;
	uint32_t template_interval;	/* UDP: seconds between template resends (60) */
	uint32_t observation_domain;	/* observationDomainId of every message (1) */
};

/* outputs.kafka.brokers[i] */
struct ew_kafka_broker {
	char *host;			/* a name, or an address literal (no brackets) */
	uint16_t port;			/* 1..65535 */
};

/* outputs.kafka.properties: a librdkafka setting passed through (TLS, SASL, ...). */
struct ew_kafka_property {
	char *name;
	char *value;
};

/* outputs.kafka: every event to a Kafka cluster, a topic per type (output/kafka_sink.c). */
struct ew_kafka_output {
	int enabled;			/* the section is present */
	struct ew_kafka_broker *brokers;	/* never empty when enabled */
	size_t broker_count;
	char *topic_prefix;		/* "edgewatch": edgewatch.alert, .flow, .stats */
	uint32_t queue_messages;	/* the producer's bounded queue (100000) */
	char *client_id;		/* "edgewatch" */
	char *compression;		/* none, gzip, snappy, lz4, zstd ("none") */
	struct ew_kafka_property *properties;	/* file order; checked by librdkafka */
	size_t property_count;
};

struct ew_config {
	char *source;				/* file name as given, "(defaults)" for none */

	struct ew_cidr_list home_net;		/* never empty; see README for the default */
	struct config_location home_net_where;	/* line 0 when defaulted */
	enum ew_external_net external_net_kind;
	struct ew_cidr_list external_net;	/* EW_EXTERNAL_NET_LIST only */
	struct config_location external_net_where;	/* line 0 when defaulted */
	struct ew_rule_var *address_groups;	/* vars.address-groups, file order */
	size_t address_group_count;
	struct ew_rule_var *port_groups;	/* vars.port-groups, file order */
	size_t port_group_count;

	struct {
		uint32_t table_size;		/* slots, 1024..16777216 (default 262144) */
		uint32_t idle_timeout;		/* seconds (60) */
		uint32_t active_timeout;	/* seconds (1800) */
		uint32_t tcp_closed_timeout;	/* seconds (5) */
		uint32_t sweep_interval;	/* seconds (1) */
	} flow;

	struct {
		enum ew_action action;	/* alert */
		struct ew_cidr_list addresses;	/* count 0: the interface's own addresses */
		struct ew_port_list ports;	/* never empty: configured, or the default list */
		int ports_are_default;		/* 1: ports is mgmt_services() (key omitted) */
		struct ew_mgmt_allow *allow;	/* count 0: nobody may reach the ports */
		size_t allow_count;
		/* seconds between repeated alerts per (source, address, port); 0: no limit */
		uint32_t alert_rate_limit;
		/* distinct sources per (detection, address, port) and window alerted one by
		 * one; more are aggregated (one alert); 0: never aggregate */
		uint32_t alert_aggregate_sources;
	} management;

	struct {
		int monitored;			/* egress.allow present (even empty) */
		struct ew_egress_allow *allow;
		size_t allow_count;
	} egress;

	struct {
		uint32_t first_packets;		/* K per direction, 0..255 (4) */
		uint32_t flagged_cap;		/* 0..65535 (32) */
		uint32_t one_in;		/* N, 0 = off, 0..1000000 (1000) */
		uint32_t snaplen;		/* bytes of L4 payload, 64..4096 (512) */
		uint32_t stream_depth;		/* TCP stream window per direction, bytes,
						 * 0 = off, 0..65535 (4096) */
		uint32_t stream_segments;	/* segments sampled per window, 1..65535 (512) */
	} sampling;

	struct {
		char **files;			/* globs expanded: sorted per pattern, each once */
		size_t file_count;		/* 0: no payload rules */
		int files_given;		/* rules.files in the file, even []: the shipped
						 * rules are not added (payload/shipped_rules.h) */
		char *classification;		/* NULL: the shipped one, else the rules
						 * module's default */
		char *cache_dir;		/* NULL: no database cache */
		int skip_unsupported;
	} rules;

	struct {
		char *eve_path;			/* "-" = stdout (the default); strftime allowed */
		/* outputs.eve rotation (output/eve_writer.h, struct eve_rotation) */
		uint32_t eve_rotate_interval;	/* seconds; 0: not by time */
		uint64_t eve_max_size;		/* bytes; 0: not by size */
		int eve_compress_gzip;		/* compress: gzip (closed files) */
		/* outputs.eve.seal (output/eve_seal.h): key NULL: not sealed */
		char *eve_seal_key;		/* the key file (`edgewatch log keygen`) */
		uint32_t eve_seal_interval;	/* seconds between seals (60) */
		struct ew_syslog_output syslog;
		struct ew_ipfix_output ipfix;
		struct ew_kafka_output kafka;
		/* outputs.pcap (output/pcap_evidence.h): dir NULL: no packet evidence */
		struct {
			char *dir;		/* where the pcapng files go (must exist) */
			uint64_t max_file_size;	/* bytes per file before the next (64 MiB) */
			uint64_t max_total;	/* bytes of all files, oldest removed (1 GiB) */
		} pcap;
		uint32_t stats_interval;	/* seconds between stats events, 1..3600 (60) */
		struct {
			int enabled;		/* outputs.prometheus given (a mapping) */
			struct ew_endpoint listen;	/* 127.0.0.1:9650 */
		} prometheus;
	} outputs;

	/* run: the live daemon's process (userspace/privdrop.h) */
	struct {
		/* run.user: NULL when the file does not say (the default "edgewatch", and a
		 * missing user only warns); "root" or "" keeps root on purpose */
		char *user;
	} run;

	/* anomaly: the detectors (userspace/detect/), keys from detect/detections.c */
	struct {
		int on;				/* anomaly.enabled (true) */
		int enabled[EW_DETECTOR_COUNT];	/* anomaly.DETECTOR.enabled (true) */
		uint32_t value[EW_AP_COUNT];	/* every threshold and window (seconds) */
		struct ew_cidr_list exclude;	/* flows from or to these are not looked at */
	} anomaly;

	/* inventory: the passive edge inventory (userspace/inventory/) */
	struct {
		int enabled;			/* inventory.enabled (true) */
		uint32_t table_size;		/* services remembered, 16..1048576 (4096) */
		uint32_t summary_interval;	/* seconds between summaries, 0 = none (3600) */
		uint32_t alert_interval;	/* seconds between alerts per service (3600) */
		char *software_file;		/* NULL: edge-software.txt of the shipped rules */
	} inventory;
};

/*
 * Load and validate a config file. Returns 0 and *out (free with config_free()), or a
 * negative errno with err filled: -ENOENT/-EACCES/... (cannot read; line 0), -EINVAL (bad
 * content; line and column set), -ENOMEM.
 */
int config_load_file(const char *path, struct ew_config **out, struct config_error *err);

/* The same from memory; name is used in messages; relative paths are cwd-relative. */
int config_load_buffer(const char *name, const char *buf, size_t len, struct ew_config **out,
		       struct config_error *err);

/* The configuration without a file: every default. NULL only when out of memory. */
struct ew_config *config_defaults(void);

void config_free(struct ew_config *cfg);	/* NULL-safe */

/*
 * A duration as the config writes it: seconds ("90"), or a number with s, m, h or d
 * ("90s", "5m", "1h", "1d"); len bytes of text. 0 and *seconds, -EINVAL when it is not a
 * duration, -ERANGE when the number has more than 10 digits. For any other place that
 * reads durations (command-line options), so both accept the same text.
 */
int config_parse_duration(const char *text, size_t len, uint64_t *seconds);

/*
 * A size as the config writes it: bytes, or a number with k/kb/KiB, m/mb/MiB, g/gb/GiB
 * (binary, any case). 0 and *bytes, -EINVAL when it is not a size, -ERANGE past 10 digits.
 */
int config_parse_size(const char *text, size_t len, uint64_t *bytes);

/* "FILE:LINE:COL: error: MESSAGE", or "FILE: error: MESSAGE" when line is 0. Returns buf. */
const char *config_error_format(const struct config_error *err, char *buf, size_t len);

/*
 * Rule variables for userspace/rules (rule_vars_set_address / rule_vars_set_port), in
 * Suricata syntax: HOME_NET as a list ("[198.18.0.0/15,2001:db8::/32]"), EXTERNAL_NET
 * ("!$HOME_NET", "any" or a list), then vars.address-groups and vars.port-groups in file
 * order. Suricata's other default groups (HTTP_SERVERS, HTTP_PORTS, SSH_PORTS, ...) are
 * already in every rule_vars_new() set and follow HOME_NET through their references, so
 * they are emitted only when vars: sets them.
 */
struct config_rule_var {
	const char *name;
	const char *value;
	int is_port;				/* port group, else address group */
	const struct config_location *where;	/* NULL: a default, not from the file */
};

/* Called once per variable; a nonzero return stops and is returned by config_rule_vars(). */
typedef int (*config_rule_var_fn)(const struct config_rule_var *var, void *user);

/* 0, the callback's nonzero value, or -ENOMEM. */
int config_rule_vars(const struct ew_config *cfg, config_rule_var_fn emit, void *user);

/* The summary `edgewatch check-config` prints: a few lines, one per section. */
void config_print_summary(const struct ew_config *cfg, FILE *out);

/* Every anomaly.* key (detect/detections.c's table) with its value, default and meaning:
 * `check-config --list-anomaly`, a Markdown table for the man page when markdown. */
void config_anomaly_keys_print(FILE *out, int markdown);

#endif /* EDGEWATCH_CONFIG_H */
