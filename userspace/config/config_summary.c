// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The short summary of a config that `edgewatch check-config` prints. */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "privdrop.h"

/* Lists are cut after this many items: the summary is a glance, the file has the rest. */
#define SUMMARY_LIST_MAX 4

static void print_cidrs(FILE *out, const struct ew_cidr_list *list)
{
	char cidr[CONFIG_CIDR_STRLEN];
	size_t i;

	for (i = 0; i < list->count && i < SUMMARY_LIST_MAX; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			config_format_cidr(&list->items[i], cidr, sizeof(cidr)));
	if (list->count > SUMMARY_LIST_MAX)
		fprintf(out, ", ... (%zu more)", list->count - SUMMARY_LIST_MAX);
}

static void print_ports(FILE *out, const struct ew_port_list *list)
{
	char spec[CONFIG_PORT_SPEC_STRLEN];
	size_t i;

	for (i = 0; i < list->count && i < SUMMARY_LIST_MAX; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			config_port_spec_format(&list->items[i], spec, sizeof(spec)));
	if (list->count > SUMMARY_LIST_MAX)
		fprintf(out, ", ... (%zu more)", list->count - SUMMARY_LIST_MAX);
}

static const char *plural(size_t count)
{
	return count == 1 ? "" : "s";
}

static void print_policy(const struct ew_config *cfg, FILE *out)
{
	fprintf(out, "  home-net:     ");
	print_cidrs(out, &cfg->home_net);
	fprintf(out, "%s\n", cfg->home_net_where.line ? "" : " (default)");
	fprintf(out, "  external-net: ");
	if (cfg->external_net_kind == EW_EXTERNAL_NET_LIST)
		print_cidrs(out, &cfg->external_net);
	else
		fprintf(out, "%s", cfg->external_net_kind == EW_EXTERNAL_NET_ANY ? "any"
										  : "!$HOME_NET");
	fprintf(out, "\n  management:   %s; addresses: ",
		cfg->management.action == EW_ACTION_DROP ? "drop (enforcing)"
							       : "alert (monitor)");
	if (cfg->management.addresses.count)
		print_cidrs(out, &cfg->management.addresses);
	else
		fprintf(out, "the interface's own");
	fprintf(out, "\n                %zu port%s", cfg->management.ports.count,
		plural(cfg->management.ports.count));
	if (cfg->management.ports_are_default) {
		fprintf(out, " (the default list: edgewatch check-config --list-ports)");
	} else {
		fprintf(out, " (");
		print_ports(out, &cfg->management.ports);
		fprintf(out, ")");
	}
	fprintf(out, "; %zu allow entr%s%s", cfg->management.allow_count,
		cfg->management.allow_count == 1 ? "y" : "ies",
		cfg->management.allow_count ? "" : " (nobody may reach them)");
	if (cfg->management.alert_rate_limit && cfg->management.alert_aggregate_sources)
		fprintf(out, "; an alert repeats after %us, one alert for the sources past %u "
			"per address and port\n", cfg->management.alert_rate_limit,
			cfg->management.alert_aggregate_sources);
	else if (cfg->management.alert_rate_limit)
		fprintf(out, "; an alert repeats after %us\n", cfg->management.alert_rate_limit);
	else
		fprintf(out, "; every attempt alerts\n");
	if (cfg->egress.monitored)
		fprintf(out, "  egress:       monitored, %zu allow entr%s\n",
			cfg->egress.allow_count, cfg->egress.allow_count == 1 ? "y" : "ies");
	else
		fprintf(out, "  egress:       not monitored\n");
}

static void print_ipfix(const struct ew_ipfix_output *io, FILE *out)
{
	char where[CONFIG_ENDPOINT_STRLEN];

	if (!io->enabled)
		return;
	fprintf(out, "                ipfix flows to %s over %s, observation domain %u",
		config_format_endpoint(&io->collector, where, sizeof(where)),
		io->transport == EW_IPFIX_TCP ? "tcp" : "udp", io->observation_domain);
	if (io->transport == EW_IPFIX_UDP)
		fprintf(out, ", templates every %us", io->template_interval);
	fputc('\n', out);
}

static void print_syslog(const struct ew_syslog_output *so, FILE *out)
{
	static const char *const transports[] = { "tcp", "udp", "tls" };
	int v6 = strchr(so->host ? so->host : "", ':') != NULL;

	if (!so->enabled)
		return;
	fprintf(out, "                syslog to %s%s%s:%u over %s (alerts, stats%s), facility %u\n",
		v6 ? "[" : "", so->host, v6 ? "]" : "", so->port, transports[so->transport],
		so->flows ? ", flows" : "", so->facility);
}

/* The properties by name only: their values may be secrets (sasl.password). */
static void print_kafka(const struct ew_kafka_output *ko, FILE *out)
{
	size_t i;

	if (!ko->enabled)
		return;
	fprintf(out, "                kafka to ");
	for (i = 0; i < ko->broker_count; i++) {
		int v6 = strchr(ko->brokers[i].host, ':') != NULL;

		fprintf(out, "%s%s%s%s:%u", i ? "," : "", v6 ? "[" : "", ko->brokers[i].host,
			v6 ? "]" : "", ko->brokers[i].port);
	}
	fprintf(out, " topics %s.{alert,flow,stats}; queue %u messages; client-id %s; "
		     "compression %s", ko->topic_prefix, ko->queue_messages, ko->client_id,
		ko->compression);
	for (i = 0; i < ko->property_count; i++)
		fprintf(out, "%s%s", i ? ", " : "; properties ", ko->properties[i].name);
	fprintf(out, "\n");
}

void config_print_summary(const struct ew_config *cfg, FILE *out)
{
	size_t i;

	fprintf(out, "%s: valid\n", cfg->source);
	print_policy(cfg, out);
	fprintf(out, "  flow:         %u slots; timeouts idle %us, active %us, tcp-closed %us; "
		     "sweep every %us\n",
		cfg->flow.table_size, cfg->flow.idle_timeout, cfg->flow.active_timeout,
		cfg->flow.tcp_closed_timeout, cfg->flow.sweep_interval);
	fprintf(out, "  sampling:     first %u payload packet%s per direction, ",
		cfg->sampling.first_packets, plural(cfg->sampling.first_packets));
	fprintf(out, "%u of a flagged flow, ", cfg->sampling.flagged_cap);
	if (cfg->sampling.one_in)
		fprintf(out, "1 in %u after that", cfg->sampling.one_in);
	else
		fprintf(out, "none after that");
	fprintf(out, "; snaplen %u", cfg->sampling.snaplen);
	if (cfg->sampling.stream_depth)
		fprintf(out, "; TCP stream window %u bytes (%u segments) per direction\n",
			cfg->sampling.stream_depth, cfg->sampling.stream_segments);
	else
		fprintf(out, "; TCP stream window off\n");
	fprintf(out, "  rules:        ");
	if (cfg->rules.file_count == 0)
		fprintf(out, "no rule files (payload matching off)");
	for (i = 0; i < cfg->rules.file_count && i < SUMMARY_LIST_MAX; i++)
		fprintf(out, "%s%s", i ? ", " : "", cfg->rules.files[i]);
	if (cfg->rules.file_count > SUMMARY_LIST_MAX)
		fprintf(out, ", ... (%zu files)", cfg->rules.file_count);
	fprintf(out, "\n                classification %s; cache %s; skip-unsupported %s\n",
		cfg->rules.classification ? cfg->rules.classification : "(default)",
		cfg->rules.cache_dir ? cfg->rules.cache_dir : "off",
		cfg->rules.skip_unsupported ? "yes" : "no");
	fprintf(out, "  outputs:      eve %s",
		cfg->outputs.eve_path[0] == '-' && !cfg->outputs.eve_path[1]
			? "to stdout"
			: cfg->outputs.eve_path);
	if (cfg->outputs.eve_rotate_interval || cfg->outputs.eve_max_size) {
		fprintf(out, " (rotate");
		if (cfg->outputs.eve_rotate_interval)
			fprintf(out, " every %us", cfg->outputs.eve_rotate_interval);
		if (cfg->outputs.eve_max_size)
			fprintf(out, "%s at %llu bytes", cfg->outputs.eve_rotate_interval ? " or" : "",
				(unsigned long long)cfg->outputs.eve_max_size);
		fprintf(out, "%s)", cfg->outputs.eve_compress_gzip ? ", gzip" : "");
	}
	if (cfg->outputs.eve_seal_key)
		fprintf(out, " (sealed with %s, every %us)", cfg->outputs.eve_seal_key,
			cfg->outputs.eve_seal_interval);
	if (cfg->outputs.pcap.dir)
		fprintf(out, "; packet evidence in %s (files of %llu bytes, %llu in all)",
			cfg->outputs.pcap.dir, (unsigned long long)cfg->outputs.pcap.max_file_size,
			(unsigned long long)cfg->outputs.pcap.max_total);
	if (cfg->outputs.prometheus.enabled) {
		char listen[CONFIG_ENDPOINT_STRLEN];

		fprintf(out, "; prometheus /metrics on %s",
			config_format_endpoint(&cfg->outputs.prometheus.listen, listen,
					       sizeof(listen)));
	}
	fprintf(out, "; stats every %us\n", cfg->outputs.stats_interval);
	print_syslog(&cfg->outputs.syslog, out);
	print_ipfix(&cfg->outputs.ipfix, out);
	print_kafka(&cfg->outputs.kafka, out);
	/* who the daemon becomes once attached (privdrop.h); whether the user exists is the
	 * run's question: check-config may run elsewhere */
	fprintf(out, "  run:          as user %s\n",
		!cfg->run.user ? PRIVDROP_DEFAULT_USER " (default)"
		: !cfg->run.user[0] || !strcmp(cfg->run.user, "root") ? "root (no drop)"
								       : cfg->run.user);
}
