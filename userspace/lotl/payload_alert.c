// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>

#include "alert.h"
#include "eve.h"
#include "lotl/payload_alert.h"

/* Metadata in the rule is a list of pairs; alert_info wants two parallel arrays. */
struct metadata_arrays {
	const char **keys;
	const char **values;
};

static int metadata_arrays_of(const struct rule_info *rule, struct metadata_arrays *m)
{
	size_t i;

	m->keys = calloc(rule->metadata_count + 1, sizeof(*m->keys));
	m->values = calloc(rule->metadata_count + 1, sizeof(*m->values));
	if (!m->keys || !m->values)
		return -1;
	for (i = 0; i < rule->metadata_count; i++) {
		m->keys[i] = rule->metadata[i].key;
		m->values[i] = rule->metadata[i].value;
	}
	return 0;
}

/*
 * An HTTP field as a JSON string. Bytes outside printable ASCII are written as \xHH
 * (text), so the line stays valid UTF-8 JSON whatever an attacker sent.
 */
static void add_http_field(struct json_object *obj, const char *key, struct http_slice slice)
{
	char *text;
	size_t i, n = 0;

	if (!slice.data)
		return;
	text = malloc(slice.len * 4 + 1);
	if (!text)
		return;
	for (i = 0; i < slice.len; i++) {
		uint8_t c = slice.data[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			text[n++] = (char)c;
		else
			n += (size_t)sprintf(text + n, "\\x%02x", c);
	}
	text[n] = '\0';
	eve_add_str(obj, key, text);
	free(text);
}

/* Suricata's names for the request fields (userspace/rules/http.h says which is which). */
static void add_http(struct json_object *event, const struct http_request *http)
{
	struct json_object *obj = eve_add_object(event, "http");

	add_http_field(obj, "hostname", http->host);
	add_http_field(obj, "url", http->uri_raw);
	add_http_field(obj, "http_user_agent", http->user_agent);
	add_http_field(obj, "http_method", http->method);
	add_http_field(obj, "protocol", http->protocol);
}

static void add_references(struct json_object *event, const struct rule_info *rule)
{
	struct json_object *alert, *list;
	size_t i;

	if (!rule->reference_count || !json_object_object_get_ex(event, "alert", &alert))
		return;
	list = eve_add_array(alert, "reference");
	for (i = 0; i < rule->reference_count; i++)
		json_object_array_add(list, json_object_new_string(rule->references[i]));
}

struct json_object *payload_alert_event(const struct flow_exporter *x,
					const struct payload_alert *a)
{
	const struct rule_info *rule = a->rule;
	struct metadata_arrays md = { 0 };
	struct alert_info info = {
		.gid = rule->gid,
		.sid = rule->sid,
		.rev = rule->rev,
		.signature = rule->msg,
		.category = rule->category,
		.severity = rule->severity,
		.blocked = a->blocked,
		.metadata_count = rule->metadata_count,
	};
	struct json_object *event = NULL;

	if (metadata_arrays_of(rule, &md))
		goto cleanup;
	info.metadata_keys = md.keys;
	info.metadata_values = md.values;
	event = alert_event_new(x, a->sample->ts_ns, &a->sample->key, a->flow, a->sample->from_a,
				&info);
	if (!event)
		goto cleanup;
	add_references(event, rule);
	alert_add_payload(event, a->payload, a->sample->cap_len);
	if (a->http)
		add_http(event, a->http);
cleanup:
	free(md.keys);
	free(md.values);
	return event;
}
