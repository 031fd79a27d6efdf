// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include "alert.h"
#include "community_id.h"
#include "eve.h"

/* src/dest as the packet went (Suricata alerts), the flow's own orientation in "flow". */
static void add_packet_endpoints(struct json_object *event, const struct flow_key *key,
				 int from_a)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pbuf[8];
	int af = key->family == 4 ? AF_INET : AF_INET6;
	const union ew_addr *s = from_a ? &key->addr_a : &key->addr_b;
	const union ew_addr *d = from_a ? &key->addr_b : &key->addr_a;

	inet_ntop(af, s->u8, src, sizeof(src));
	inet_ntop(af, d->u8, dst, sizeof(dst));
	eve_add_str(event, "src_ip", src);
	if (proto_has_ports(key->proto))
		eve_add_u64(event, "src_port", ntohs(from_a ? key->port_a : key->port_b));
	eve_add_str(event, "dest_ip", dst);
	if (proto_has_ports(key->proto))
		eve_add_u64(event, "dest_port", ntohs(from_a ? key->port_b : key->port_a));
	eve_add_str(event, "proto", proto_name(key->proto, pbuf));
}

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

struct json_object *alert_event_new(const struct flow_exporter *x, uint64_t ts_ns,
				    const struct flow_key *key, const struct flow_record *rec,
				    int from_a, const struct alert_info *info)
{
	struct json_object *event, *alert, *flow, *common;
	char ts[EVE_TIMESTAMP_LEN];
	int to_server = from_a == (rec->initiator == 0);
	struct flow_endpoints ep;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = key->family == 4 ? AF_INET : AF_INET6;
	/* the main thread updates the offset while scanner threads write alerts */
	int64_t to_realtime = __atomic_load_n(&x->clock_to_realtime_ns, __ATOMIC_RELAXED);

	event = eve_event_new(ts_ns + to_realtime, "alert");
	if (!event)
		return NULL;
	/* flow_id, in_iface, vlan, community_id as on the flow's events ... */
	common = json_object_new_object();
	flow_add_common_fields(common, key, rec, x->flow_id_salt, x->iface);
	json_object_object_foreach(common, k, v) {
		/* ... but src/dest follow the packet, not the flow */
		if (strcmp(k, "src_ip") && strcmp(k, "dest_ip") && strcmp(k, "src_port") &&
		    strcmp(k, "dest_port") && strcmp(k, "proto"))
			json_object_object_add(event, k, json_object_get(v));
	}
	json_object_put(common);
	add_packet_endpoints(event, key, from_a);
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
	flow_endpoints_of(key, rec, &ep);
	inet_ntop(af, ep.src_addr, src, sizeof(src));
	inet_ntop(af, ep.dst_addr, dst, sizeof(dst));
	eve_add_str(flow, "src_ip", src);
	eve_add_str(flow, "dest_ip", dst);
	if (proto_has_ports(key->proto)) {
		eve_add_u64(flow, "src_port", ep.src_port);
		eve_add_u64(flow, "dest_port", ep.dst_port);
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
