// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * outputs.kafka: the brokers to bootstrap from, the topics' prefix, the bounded queue, and
 * librdkafka settings. Every value, the pass-through properties included, is checked here
 * by librdkafka itself (rd_kafka_conf_set on a throwaway configuration), so an unknown
 * property or a bad value is a FILE:LINE:COL error at start and in check-config, in
 * librdkafka's words. What only a client instance can check (a CA file, settings that
 * conflict) is the sink's error at start (output/kafka_sink.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "config/config_error.h"
#include "config/config_load.h"

#define TOPIC_SUFFIX_MAX 6	/* ".alert", ".stats": a topic name is 249 bytes at most */

/* Settings edgewatch makes itself: each names the key to use instead, or why not. */
static const struct {
	const char *property;
	const char *instead;
} owned_properties[] = {
	{ "bootstrap.servers", "set by outputs.kafka.brokers" },
	{ "metadata.broker.list", "set by outputs.kafka.brokers" },
	{ "client.id", "set by outputs.kafka.client-id" },
	{ "compression.type", "set by outputs.kafka.compression" },
	{ "compression.codec", "set by outputs.kafka.compression" },
	{ "queue.buffering.max.messages", "set by outputs.kafka.queue-messages" },
	{ "enable.idempotence", "always true: a flow's events stay in order and a retry "
				"never duplicates one" },
	{ "acks", "always all (the idempotent producer needs it)" },
	{ "request.required.acks", "always all (the idempotent producer needs it)" },
};

/*
 * Ask librdkafka whether it takes name = value. at_name: where to point when the name is
 * unknown; at_value: when the value is refused.
 */
static int check_property(struct config_loader *ld, const struct config_node *at_name,
			  const struct config_node *at_value, const char *name, const char *value)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[512] = "";
	rd_kafka_conf_res_t res;

	if (!conf)
		return loader_out_of_memory(ld);
	res = rd_kafka_conf_set(conf, name, value, why, sizeof(why));
	rd_kafka_conf_destroy(conf);
	if (res == RD_KAFKA_CONF_OK)
		return 0;
	return loader_fail(ld, res == RD_KAFKA_CONF_UNKNOWN ? at_name : at_value,
			   "librdkafka refuses it: %s", why);
}

static int read_brokers(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	size_t i, saved;
	int err;

	err = loader_expect_sequence(ld, node);
	if (err)
		return err;
	if (!node->count)
		return loader_fail(ld, node, "empty list: at least one broker (HOST:PORT)");
	for (i = 0; i < node->count; i++) {
		struct ew_kafka_broker *b = loader_append(&ko->brokers, &ko->broker_count,
							  sizeof(*b));

		if (!b)
			return loader_out_of_memory(ld);
		saved = loader_push_index(ld, i);
		err = loader_read_host_port(ld, node->children[i], 9092, &b->host, &b->port);
		loader_pop(ld, saved);
		if (err)
			return err;
	}
	return 0;
}

static int read_topic_prefix(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	size_t len;
	int err = loader_read_string(ld, node, &ko->topic_prefix);

	if (err)
		return err;
	len = strlen(ko->topic_prefix);
	/* Kafka's own rule for topic names (and no "." or ".." of its own) */
	if (strspn(ko->topic_prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789._-") != len)
		return loader_fail(ld, node, "\"%s\": a topic name takes letters, digits, '.', "
				   "'_' and '-' only", ko->topic_prefix);
	if (len > 249 - TOPIC_SUFFIX_MAX)
		return loader_fail(ld, node, "%zu characters: at most %d (a topic name is 249 at "
				   "most, and \".alert\" follows)", len, 249 - TOPIC_SUFFIX_MAX);
	return 0;
}

static int read_queue_messages(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	/* librdkafka's range for queue.buffering.max.messages */
	return loader_read_uint(ld, node, 1, 10000000, &ld->cfg->outputs.kafka.queue_messages);
}

static int read_client_id(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	int err = loader_read_string(ld, node, &ko->client_id);

	return err ? err : check_property(ld, node, node, "client.id", ko->client_id);
}

static int read_compression(struct config_loader *ld, const struct config_node *node,
			    void *target)
{
	static const char *const codecs[] = { "none", "gzip", "snappy", "lz4", "zstd" };
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	char got[CONFIG_QUOTE_STRLEN];
	int err = loader_expect_scalar(ld, node, "none, gzip, snappy, lz4 or zstd");
	size_t i;

	if (err)
		return err;
	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!strcmp(node->value, codecs[i]))
			break;
	if (i == sizeof(codecs) / sizeof(codecs[0]))
		return loader_fail(ld, node, "expected none, gzip, snappy, lz4 or zstd, got %s",
				   loader_describe(node, got, sizeof(got)));
	/* this librdkafka may be built without one of them */
	err = check_property(ld, node, node, "compression.type", node->value);
	if (!err)
		err = loader_read_string(ld, node, &ko->compression);
	return err;
}

static int read_property(struct config_loader *ld, const struct config_node *key,
			 const struct config_node *value)
{
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	struct ew_kafka_property *p;
	char got[CONFIG_QUOTE_STRLEN];
	size_t i;
	int err;

	if (key->kind != CONFIG_NODE_SCALAR || !key->len)
		return loader_fail(ld, key, "%s is not a librdkafka property name",
				   loader_describe(key, got, sizeof(got)));
	for (i = 0; i < sizeof(owned_properties) / sizeof(owned_properties[0]); i++)
		if (!strcmp(key->value, owned_properties[i].property))
			return loader_fail(ld, key, "not settable here: %s",
					   owned_properties[i].instead);
	for (i = 0; i < ko->property_count; i++)
		if (!strcmp(ko->properties[i].name, key->value))
			return loader_fail(ld, key, "duplicate property");
	err = loader_expect_scalar(ld, value, "a value (string, number or boolean)");
	if (err)
		return err;
	err = check_property(ld, key, value, key->value, value->value);
	if (err)
		return err;
	p = loader_append(&ko->properties, &ko->property_count, sizeof(*p));
	if (!p)
		return loader_out_of_memory(ld);
	p->name = strdup(key->value);
	if (!p->name)
		return loader_out_of_memory(ld);
	return loader_read_string(ld, value, &p->value);
}

static int read_properties(struct config_loader *ld, const struct config_node *node,
			   void *target)
{
	char got[CONFIG_QUOTE_STRLEN];
	size_t i, saved;
	int err = 0;

	if (node->kind != CONFIG_NODE_MAPPING)
		return loader_fail(ld, node, "expected a mapping (librdkafka property: value), "
				   "got %s", loader_describe(node, got, sizeof(got)));
	for (i = 0; i < node->count && !err; i += 2) {
		const struct config_node *key = node->children[i];

		saved = loader_push_key(ld, key->kind == CONFIG_NODE_SCALAR ? key->value : "?");
		err = read_property(ld, key, node->children[i + 1]);
		loader_pop(ld, saved);
	}
	return err;
}

int config_read_kafka(struct config_loader *ld, const struct config_node *node, void *target)
{
	static const struct config_key keys[] = {
		{ "brokers", read_brokers },
		{ "topic-prefix", read_topic_prefix },
		{ "queue-messages", read_queue_messages },
		{ "client-id", read_client_id },
		{ "compression", read_compression },
		{ "properties", read_properties },
	};
	struct ew_kafka_output *ko = &ld->cfg->outputs.kafka;
	uint32_t present = 0;
	int err;

	ko->queue_messages = 100000;
	if (!ko->topic_prefix)
		ko->topic_prefix = strdup("edgewatch");
	if (!ko->client_id)
		ko->client_id = strdup("edgewatch");
	if (!ko->compression)
		ko->compression = strdup("none");
	if (!ko->topic_prefix || !ko->client_id || !ko->compression)
		return loader_out_of_memory(ld);
	err = loader_read_mapping(ld, node, CONFIG_KEYS(keys), NULL, &present);
	if (err)
		return err;
	if (!(present & 1u << 0))
		return loader_fail(ld, node, "brokers is required (a list of HOST:PORT)");
	ko->enabled = 1;
	return 0;
}

void config_free_kafka(struct ew_kafka_output *ko)
{
	size_t i;

	for (i = 0; i < ko->broker_count; i++)
		free(ko->brokers[i].host);
	free(ko->brokers);
	for (i = 0; i < ko->property_count; i++) {
		free(ko->properties[i].name);
		free(ko->properties[i].value);
	}
	free(ko->properties);
	free(ko->topic_prefix);
	free(ko->client_id);
	free(ko->compression);
	memset(ko, 0, sizeof(*ko));
}
