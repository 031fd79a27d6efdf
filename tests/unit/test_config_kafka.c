// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.kafka: what a good section loads to (defaults, every key, the pass-through
 * properties), and every bad value's exact message with line and column: brokers,
 * topic-prefix, queue-messages, compression, and properties librdkafka refuses or that
 * edgewatch sets itself.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "../support/config_rows.h"
#include "../support/test.h"

static void test_kafka_defaults(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg =
		config_rows_load("outputs:\n  kafka:\n    brokers: [kafka1:9092]\n", message, sizeof(message));
	const struct ew_kafka_output *ko;

	CHECK(t, cfg, "refused: %s", message);
	ko = &cfg->outputs.kafka;
	EXPECT(t, ko->enabled && ko->broker_count == 1 && !strcmp(ko->brokers[0].host, "kafka1") &&
			  ko->brokers[0].port == 9092,
	       "brokers");
	EXPECT(t, !strcmp(ko->topic_prefix, "edgewatch") && ko->queue_messages == 100000 &&
			  !strcmp(ko->client_id, "edgewatch") && !strcmp(ko->compression, "none") &&
			  !ko->property_count,
	       "defaults: %s %u %s %s %zu", ko->topic_prefix, ko->queue_messages, ko->client_id,
	       ko->compression, ko->property_count);
	config_free(cfg);

	cfg = config_rows_load("{}\n", message, sizeof(message));
	CHECK(t, cfg && !cfg->outputs.kafka.enabled, "kafka on without the section");
	config_free(cfg);
}

static void test_kafka_every_key(struct test_case *t)
{
	char message[CONFIG_ERROR_STRLEN];
	struct ew_config *cfg = config_rows_load("outputs:\n"
				     "  kafka:\n"
				     "    brokers: [198.18.0.10:9092, \"[2001:db8::10]:9093\"]\n"
				     "    topic-prefix: soc.edge-1\n"
				     "    queue-messages: 5000\n"
				     "    client-id: sensor-1\n"
				     "    compression: gzip\n"
				     "    properties:\n"
				     "      security.protocol: sasl_ssl\n"
				     "      sasl.mechanisms: SCRAM-SHA-512\n"
				     "      message.timeout.ms: 60000\n",
				     message, sizeof(message));
	const struct ew_kafka_output *ko;

	CHECK(t, cfg, "refused: %s", message);
	ko = &cfg->outputs.kafka;
	EXPECT(t, ko->broker_count == 2 && !strcmp(ko->brokers[1].host, "2001:db8::10") &&
			  ko->brokers[1].port == 9093,
	       "brokers");
	EXPECT(t, !strcmp(ko->topic_prefix, "soc.edge-1") && ko->queue_messages == 5000 &&
			  !strcmp(ko->client_id, "sensor-1") && !strcmp(ko->compression, "gzip"),
	       "keys");
	EXPECT(t, ko->property_count == 3 && !strcmp(ko->properties[2].name, "message.timeout.ms") &&
			  !strcmp(ko->properties[2].value, "60000"),
	       "properties");
	config_free(cfg);
}

static const struct config_error_row rows[] = {
	{ "brokers_missing", "    topic-prefix: x\n",
	  "edgewatch.yaml:3:5: error: outputs.kafka: brokers is required (a list of HOST:PORT)" },
	{ "brokers_empty", "    brokers: []\n",
	  "edgewatch.yaml:3:14: error: outputs.kafka.brokers: empty list: at least one broker "
	  "(HOST:PORT)" },
	{ "broker_port_missing", "    brokers: [kafka1]\n",
	  "edgewatch.yaml:3:15: error: outputs.kafka.brokers[0]: \"kafka1\": port missing; "
	  "expected HOST:PORT, with HOST a name, an IPv4 address or [IPv6 address]" },
	{ "broker_ipv6_no_brackets", "    brokers: [kafka1:9092, \"2001:db8::1:9092\"]\n",
	  "edgewatch.yaml:3:28: error: outputs.kafka.brokers[1]: \"2001:db8::1:9092\": an IPv6 "
	  "address needs brackets ([2001:db8::1]:9092)" },
	{ "broker_port_range", "    brokers: [kafka1:99999]\n",
	  "edgewatch.yaml:3:15: error: outputs.kafka.brokers[0]: \"kafka1:99999\": port 99999 is "
	  "out of range (1..65535)" },
	{ "bad_topic_prefix", "    brokers: [k:9092]\n    topic-prefix: edge watch\n",
	  "edgewatch.yaml:4:19: error: outputs.kafka.topic-prefix: \"edge watch\": a topic name "
	  "takes letters, digits, '.', '_' and '-' only" },
	{ "queue_zero", "    brokers: [k:9092]\n    queue-messages: 0\n",
	  "edgewatch.yaml:4:21: error: outputs.kafka.queue-messages: 0 is out of range "
	  "(1..10000000)" },
	{ "bad_compression", "    brokers: [k:9092]\n    compression: brotli\n",
	  "edgewatch.yaml:4:18: error: outputs.kafka.compression: expected none, gzip, snappy, "
	  "lz4 or zstd, got \"brotli\"" },
	{ "unknown_property", "    brokers: [k:9092]\n    properties:\n      sasl.pasword: x\n",
	  "edgewatch.yaml:5:7: error: outputs.kafka.properties.sasl.pasword: librdkafka refuses "
	  "it: No such configuration property: \"sasl.pasword\"" },
	{ "bad_property_value",
	  "    brokers: [k:9092]\n    properties:\n      security.protocol: tls\n",
	  "edgewatch.yaml:5:26: error: outputs.kafka.properties.security.protocol: librdkafka "
	  "refuses it: Invalid value \"tls\" for configuration property \"security.protocol\"" },
	{ "owned_property", "    brokers: [k:9092]\n    properties:\n      bootstrap.servers: x:1\n",
	  "edgewatch.yaml:5:7: error: outputs.kafka.properties.bootstrap.servers: not settable "
	  "here: set by outputs.kafka.brokers" },
	{ "idempotence_property",
	  "    brokers: [k:9092]\n    properties:\n      enable.idempotence: false\n",
	  "edgewatch.yaml:5:7: error: outputs.kafka.properties.enable.idempotence: not settable "
	  "here: always true: a flow's events stay in order and a retry never duplicates one" },
	{ "properties_not_mapping", "    brokers: [k:9092]\n    properties: [a]\n",
	  "edgewatch.yaml:4:17: error: outputs.kafka.properties: expected a mapping (librdkafka "
	  "property: value), got a list" },
	{ "unknown_key", "    brokers: [k:9092]\n    topic_prefix: x\n",
	  "edgewatch.yaml:4:5: error: outputs.kafka.topic_prefix: unknown key (did you mean "
	  "\"topic-prefix\"?); allowed here: brokers, topic-prefix, queue-messages, client-id, "
	  "compression, properties" },
};

static void run_row(struct test_case *t, const struct config_error_row *row)
{
	config_rows_check(t, "kafka", row);
}

int main(void)
{
	size_t i;

	test_program = "test_config_kafka";
	RUN(test_kafka_defaults);
	RUN(test_kafka_every_key);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		RUN_ROW(run_row, rows[i].name, &rows[i]);
	return test_summary();
}
