// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include "alert.h"
#include "community_id.h"
#include "eve.h"

static void add_metadata(struct json_object *alert, const struct alert_info *info)
{
	struct json_object *md;
	size_t i;

	if (!info->metadata_count)
		return;
	md = eve_add_object(alert, "metadata");
	for (i = 0; i < info->metadata_count; i++) {
		struct json_object *list;

		if (!json_object_object_get_ex(md, info->metadata_keys[i], &list))
			list = eve_add_array(md, info->metadata_keys[i]);
		json_object_array_add(list, json_object_new_string(info->metadata_values[i]));
	}
}

/*
 * The fields every event about a flow carries (flow_id, in_iface, vlan, icmp, spi,
 * community_id), but src/dest as the packet went (Suricata alerts); the flow's own
 * orientation goes in "flow".
 */
static void add_common_fields(struct json_object *event, const struct flow_key *key,
			      const struct flow_record *rec, const struct flow_fields *f,
			      const char *iface, int to_server)
{
	int i;

	eve_add_u64(event, "flow_id", f->flow_id);
	if (iface)
		eve_add_str(event, "in_iface", iface);
	if (key->vlan[0]) {
		struct json_object *vlan = eve_add_array(event, "vlan");

		for (i = 0; i < EW_MAX_VLAN_TAGS && key->vlan[i]; i++)
			json_object_array_add(vlan, json_object_new_int(key->vlan[i]));
	}
	if (f->is_icmp) {
		eve_add_u64(event, "icmp_type", rec->icmp_type);
		eve_add_u64(event, "icmp_code", rec->icmp_code);
	}
	if (key->spi)
		eve_add_u64(event, "spi", ntohl(key->spi));
	if (f->has_community_id)
		eve_add_str(event, "community_id", f->community_id);
	eve_add_str(event, "src_ip", to_server ? f->src_ip : f->dest_ip);
	if (f->has_ports)
		eve_add_u64(event, "src_port", to_server ? f->src_port : f->dest_port);
	eve_add_str(event, "dest_ip", to_server ? f->dest_ip : f->src_ip);
	if (f->has_ports)
		eve_add_u64(event, "dest_port", to_server ? f->dest_port : f->src_port);
	eve_add_str(event, "proto", f->proto);
}

struct json_object *alert_event_new(const struct flow_exporter *x, uint64_t ts_ns,
				    const struct flow_key *key, const struct flow_record *rec,
				    int from_a, const struct alert_info *info)
{
	struct json_object *event, *alert, *flow;
	char ts[EVE_TIMESTAMP_LEN];
	int to_server = from_a == (rec->initiator == 0);
	struct flow_fields f;
	/* the main thread updates the offset while scanner threads write alerts */
	int64_t to_realtime = __atomic_load_n(&x->clock_to_realtime_ns, __ATOMIC_RELAXED);

	event = eve_event_new(ts_ns + to_realtime, "alert");
	if (!event)
		return NULL;
	flow_fields_of(key, rec, x->flow_id_salt, &f);
	add_common_fields(event, key, rec, &f, x->iface, to_server);
	eve_add_str(event, "direction", to_server ? "to_server" : "to_client");

	alert = eve_add_object(event, "alert");
	eve_add_str(alert, "action", info->blocked ? "blocked" : "allowed");
	eve_add_u64(alert, "gid", info->gid);
	eve_add_u64(alert, "signature_id", info->sid);
	eve_add_u64(alert, "rev", info->rev);
	eve_add_str(alert, "signature", info->signature ? info->signature : "");
	eve_add_str(alert, "category", info->category ? info->category : "");
	eve_add_u64(alert, "severity", info->severity);
	add_metadata(alert, info);

	flow = eve_add_object(event, "flow");
	eve_add_u64(flow, "pkts_toserver", rec->packets[EW_DIR_TO_SERVER]);
	eve_add_u64(flow, "pkts_toclient", rec->packets[EW_DIR_TO_CLIENT]);
	eve_add_u64(flow, "bytes_toserver", rec->bytes[EW_DIR_TO_SERVER]);
	eve_add_u64(flow, "bytes_toclient", rec->bytes[EW_DIR_TO_CLIENT]);
	eve_format_timestamp(rec->first_seen_ns + to_realtime, ts);
	eve_add_str(flow, "start", ts);
	eve_add_str(flow, "src_ip", f.src_ip);
	eve_add_str(flow, "dest_ip", f.dest_ip);
	if (f.has_ports) {
		eve_add_u64(flow, "src_port", f.src_port);
		eve_add_u64(flow, "dest_port", f.dest_port);
	}
	return event;
}

void alert_add_payload(struct json_object *event, const uint8_t *payload, size_t len)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);
	char *printable = malloc(len + 1);
	size_t i;

	if (b64 && printable) {
		EVP_EncodeBlock((unsigned char *)b64, payload, len);
		for (i = 0; i < len; i++)
			printable[i] = payload[i] >= 0x20 && payload[i] < 0x7f ? payload[i] : '.';
		printable[len] = '\0';
		eve_add_str(event, "payload", b64);
		eve_add_str(event, "payload_printable", printable);
	}
	free(b64);
	free(printable);
}
