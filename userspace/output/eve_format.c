// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* EVE JSON for every event type: see eve_format.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include "config/config_net.h"
#include "counters.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "inventory/ssh_kex.h"
#include "inventory/tls.h"
#include "policy/policy_inventory.h"

#define NS_PER_SEC 1000000000ULL

static __thread uint64_t lines_formatted;

uint64_t eve_lines_formatted(void)
{
	return lines_formatted;
}

void eve_format_timestamp(uint64_t realtime_ns, char out[EVE_TIMESTAMP_LEN])
{
	/* the date and time of the last second formatted, per thread: events come in
	 * bursts of the same second, and gmtime_r + strftime are most of the cost */
	static __thread time_t cached_secs = -1;
	static __thread char cached[24];
	static __thread size_t cached_len;
	time_t secs = realtime_ns / NS_PER_SEC;
	unsigned long usec = (realtime_ns % NS_PER_SEC) / 1000;
	struct tm tm;
	int i;

	if (secs != cached_secs) {
		gmtime_r(&secs, &tm);
		cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_secs = secs;
	}
	memcpy(out, cached, cached_len);
	out[cached_len] = '.';
	for (i = 6; i >= 1; i--, usec /= 10)
		out[cached_len + i] = '0' + usec % 10;
	memcpy(out + cached_len + 7, "+0000", 6);
}

static void put_time(struct json_line *jl, const char *key, uint64_t realtime_ns)
{
	char ts[EVE_TIMESTAMP_LEN];

	eve_format_timestamp(realtime_ns, ts);
	json_line_str(jl, key, ts);
}

/* Every line begins here: counted here. */
static void begin_event(struct json_line *jl, uint64_t realtime_ns, const char *event_type)
{
	lines_formatted++;
	json_line_begin(jl);
	put_time(jl, "timestamp", realtime_ns);
	json_line_str(jl, "event_type", event_type);
}

/*
 * The fields every event about a flow carries, in one order for every event type;
 * src/dest as the packet went (to_server: initiator -> responder), as Suricata writes
 * alerts (a flow event is always to_server).
 */
static void put_flow_common(struct json_line *jl, const struct flow_ref *flow,
			    const char *iface, int to_server, int has_flow_id)
{
	const struct flow_fields *f = &flow->fields;
	const struct flow_key *key = flow->key;
	int i;

	if (has_flow_id)
		json_line_u64(jl, "flow_id", f->flow_id);
	if (iface)
		json_line_str(jl, "in_iface", iface);
	if (key->vlan[0]) {
		json_line_array(jl, "vlan");
		for (i = 0; i < EW_MAX_VLAN_TAGS && key->vlan[i]; i++)
			json_line_u64(jl, NULL, key->vlan[i]);
		json_line_end(jl);
	}
	json_line_str(jl, "src_ip", to_server ? f->src_ip : f->dest_ip);
	if (f->has_ports)
		json_line_u64(jl, "src_port", to_server ? f->src_port : f->dest_port);
	json_line_str(jl, "dest_ip", to_server ? f->dest_ip : f->src_ip);
	if (f->has_ports)
		json_line_u64(jl, "dest_port", to_server ? f->dest_port : f->src_port);
	json_line_str(jl, "proto", f->proto);
	if (f->is_icmp) {
		json_line_u64(jl, "icmp_type", flow->rec->icmp_type);
		json_line_u64(jl, "icmp_code", flow->rec->icmp_code);
	}
	if (key->spi)
		json_line_u64(jl, "spi", ntohl(key->spi));
	if (f->has_community_id)
		json_line_str(jl, "community_id", f->community_id);
}

/* --- flow ------------------------------------------------------------------------ */

static const char *flow_state(const struct flow_key *key, const struct flow_record *rec)
{
	uint8_t both = rec->tcp_flags[0] | rec->tcp_flags[1];

	if (key->proto == IPPROTO_TCP) {
		if (both & (EW_TCP_FIN | EW_TCP_RST))
			return "closed";
		if ((rec->tcp_flags[0] & EW_TCP_ACK) && rec->packets[1])
			return "established";
		return "new";
	}
	return rec->packets[0] && rec->packets[1] ? "established" : "new";
}

static void put_tcp_flags(struct json_line *jl, const char *key, uint8_t flags)
{
	static const char hex[] = "0123456789abcdef";
	char text[3] = { hex[flags >> 4], hex[flags & 0xf], '\0' };

	json_line_str(jl, key, text);
}

static const struct {
	uint8_t bit;
	const char *name;
} tcp_flag_names[] = {
	{ EW_TCP_SYN, "syn" }, { EW_TCP_FIN, "fin" }, { EW_TCP_RST, "rst" }, { EW_TCP_PSH, "psh" },
	{ EW_TCP_ACK, "ack" }, { EW_TCP_URG, "urg" }, { EW_TCP_ECE, "ecn" }, { EW_TCP_CWR, "cwr" },
};

static void put_tcp(struct json_line *jl, const struct flow_record *rec)
{
	uint8_t all = rec->tcp_flags[0] | rec->tcp_flags[1];
	size_t i;

	json_line_object(jl, "tcp");
	put_tcp_flags(jl, "tcp_flags", all);
	put_tcp_flags(jl, "tcp_flags_ts", rec->tcp_flags[EW_DIR_TO_SERVER]);
	put_tcp_flags(jl, "tcp_flags_tc", rec->tcp_flags[EW_DIR_TO_CLIENT]);
	/* like Suricata: only the flags that were seen, as true, in Suricata's order */
	for (i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++)
		if (all & tcp_flag_names[i].bit)
			json_line_bool(jl, tcp_flag_names[i].name, 1);
	json_line_end(jl);
}

static const char *const encap_names[] = {
	"vlan", "qinq", "mpls", "pppoe", "gre", "erspan", "vxlan", "geneve", "ipip", "teredo",
	"ipv6_ext", "fragment", "esp",
};
_Static_assert(sizeof(encap_names) / sizeof(encap_names[0]) ==
		       EW_CNT_ENCAP_LAST - EW_CNT_ENCAP_VLAN + 1, "a name per encapsulation");

/* How the flow's first packet was wrapped: encapsulations and tunnel endpoints. */
static void put_encapsulation(struct json_line *jl, const struct flow_record *rec)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	size_t i;

	if (rec->encap) {
		json_line_array(jl, "encapsulation");
		for (i = 0; i < sizeof(encap_names) / sizeof(encap_names[0]); i++)
			if (rec->encap & (1u << i))
				json_line_str(jl, NULL, encap_names[i]);
		json_line_end(jl);
	}
	if (rec->outer_family) {
		int af = rec->outer_family == 4 ? AF_INET : AF_INET6;

		json_line_object(jl, "tunnel");
		inet_ntop(af, rec->outer_src.u8, src, sizeof(src));
		inet_ntop(af, rec->outer_dst.u8, dst, sizeof(dst));
		json_line_str(jl, "src_ip", src);
		json_line_str(jl, "dest_ip", dst);
		if (rec->tunnel_id)
			json_line_u64(jl, "id", rec->tunnel_id);
		json_line_end(jl);
	}
	if (rec->flags & EW_FLOW_F_FRAGMENTED)
		json_line_bool(jl, "fragmented", 1);
	if (rec->flags & EW_FLOW_F_TINY_FRAGMENT)
		json_line_bool(jl, "tiny_fragment", 1);
	if (rec->flags & EW_FLOW_F_FRAG_OVERLAP)
		json_line_bool(jl, "fragment_overlap", 1);
	if (rec->flags & EW_FLOW_F_INNER_NON_IP)
		json_line_bool(jl, "inner_non_ip", 1);
}

int eve_format_flow(struct json_line *jl, const struct flow_event *ev, const char *iface)
{
	const struct flow_record *rec = ev->flow.rec;

	begin_event(jl, ev->start_ns, "flow");
	put_flow_common(jl, &ev->flow, iface, 1, 1);
	json_line_object(jl, "flow");
	json_line_u64(jl, "pkts_toserver", ev->packets[EW_DIR_TO_SERVER]);
	json_line_u64(jl, "pkts_toclient", ev->packets[EW_DIR_TO_CLIENT]);
	json_line_u64(jl, "bytes_toserver", ev->bytes[EW_DIR_TO_SERVER]);
	json_line_u64(jl, "bytes_toclient", ev->bytes[EW_DIR_TO_CLIENT]);
	put_time(jl, "start", ev->start_ns);
	put_time(jl, "end", ev->end_ns);
	json_line_u64(jl, "age",
		      ev->end_ns > ev->start_ns ? (ev->end_ns - ev->start_ns) / NS_PER_SEC : 0);
	json_line_str(jl, "state", flow_state(ev->flow.key, rec));
	json_line_str(jl, "reason", flow_end_reason_name(ev->reason));
	json_line_bool(jl, "alerted", ev->alerted);
	put_encapsulation(jl, rec);
	json_line_end(jl);
	if (ev->flow.key->proto == IPPROTO_TCP)
		put_tcp(jl, rec);
	return json_line_finish(jl);
}

/* --- alert ----------------------------------------------------------------------- */

/* Suricata writes metadata as key -> [values]: the pairs grouped by key, keys in the
 * order they first appear. */
static void put_metadata(struct json_line *jl, const struct alert_event *a)
{
	size_t i, j, k;

	if (!a->metadata_count)
		return;
	json_line_object(jl, "metadata");
	for (i = 0; i < a->metadata_count; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(a->metadata[k].key, a->metadata[i].key) == 0)
				break;
		if (k < i)
			continue;	/* written with the key's first pair */
		json_line_array(jl, a->metadata[i].key);
		for (j = i; j < a->metadata_count; j++)
			if (strcmp(a->metadata[j].key, a->metadata[i].key) == 0)
				json_line_str(jl, NULL, a->metadata[j].value);
		json_line_end(jl);
	}
	json_line_end(jl);
}

/* "payload" (base64) and "payload_printable", as Suricata adds them. */
static void put_payload(struct json_line *jl, const uint8_t *payload, size_t len)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);
	char *printable = malloc(len + 1);
	size_t i;

	if (b64 && printable) {
		EVP_EncodeBlock((unsigned char *)b64, payload, len);
		for (i = 0; i < len; i++)
			printable[i] = payload[i] >= 0x20 && payload[i] < 0x7f ? payload[i] : '.';
		printable[len] = '\0';
		json_line_str(jl, "payload", b64);
		json_line_str(jl, "payload_printable", printable);
	}
	free(b64);
	free(printable);
}

/*
 * An HTTP field as a JSON string. Bytes outside printable ASCII (and the backslash) are
 * written as \xHH text, so the line stays valid UTF-8 JSON whatever an attacker sent.
 */
static void put_http_field(struct json_line *jl, const char *key, struct event_bytes field)
{
	char *text;
	size_t i, n = 0;

	if (!field.data)
		return;
	text = malloc(field.len * 4 + 1);
	if (!text) {
		jl->overflow = 1;	/* the line would lie by omission: not written */
		return;
	}
	for (i = 0; i < field.len; i++) {
		uint8_t c = field.data[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			text[n++] = (char)c;
		else
			n += (size_t)sprintf(text + n, "\\x%02x", c);
	}
	text[n] = '\0';
	json_line_str(jl, key, text);
	free(text);
}

static void put_http(struct json_line *jl, const struct alert_http *http)
{
	json_line_object(jl, "http");
	put_http_field(jl, "hostname", http->hostname);
	put_http_field(jl, "url", http->url);
	put_http_field(jl, "http_user_agent", http->user_agent);
	put_http_field(jl, "http_method", http->method);
	put_http_field(jl, "protocol", http->protocol);
	json_line_end(jl);
}

/* Items are addresses, ports or short names; escapes at most 6 bytes per byte. */
static size_t eve_anomaly_line_max(const struct alert_anomaly *an)
{
	size_t n = 512 + 64 * (an->number_count + an->score_part_count), i, j;

	for (i = 0; i < an->list_count; i++) {
		n += 96;
		for (j = 0; j < an->lists[i].count; j++)
			n += 4 + 6 * strlen(an->lists[i].items[j]);
	}
	return n;
}

/* The length of s, 0 for NULL. */
static size_t len_or_0(const char *s)
{
	return s ? strlen(s) : 0;
}

size_t eve_inventory_line_max(const struct inventory_event *ev)
{
	/* the fixed fields and the banner's (printable, escaped at most once more: its
	 * backslashes) within JSON_LINE_MAX; a handshake's strings come from the wire and
	 * can be long (a KEXINIT's lists, up to 2 KiB each) with every byte escaped
	 * (\u00XX: 6 bytes), with their quotes and keys */
	const struct inventory_handshake *h = ev->handshake;
	size_t n = JSON_LINE_MAX + 2 * len_or_0(ev->banner) + 2 * len_or_0(ev->title), i;

	if (!h)
		return n;
	n += 6 * (len_or_0(h->ja3s) + len_or_0(h->ja3s_string) + len_or_0(h->hassh_server) +
		  len_or_0(h->hassh_server_string) + len_or_0(h->previous_cert_sha256));
	if (h->cert)
		n += 6 * (len_or_0(h->cert->subject_cn) + len_or_0(h->cert->issuer_cn) +
			  len_or_0(h->cert->sha256));
	for (i = 0; i < h->client_count; i++)
		n += 64 + 6 * (len_or_0(h->clients[i].hash) + len_or_0(h->clients[i].string));
	return n;
}

size_t eve_alert_line_max(const struct alert_event *a)
{
	/* the fixed fields, the payload twice (base64, printable with escapes) and the
	 * HTTP fields (\xHH is 4 bytes, and its backslash escaped is 5) */
	size_t n = JSON_LINE_MAX + 4 * a->payload_len;

	if (a->http)
		n += 5 * (a->http->hostname.len + a->http->url.len + a->http->user_agent.len +
			  a->http->method.len + a->http->protocol.len);
	if (a->aggregate)	/* two counters, and each sample address quoted (46 + 3) */
		n += 96 + 49 * a->aggregate->sample_count;
	if (a->anomaly)
		n += eve_anomaly_line_max(a->anomaly);
	if (a->pcap)	/* the file's name and the packet numbers */
		n += 128 + 21 * ALERT_PCAP_PACKETS_MAX;
	return n;
}

/* outputs.pcap: the evidence file (in outputs.pcap.dir) and the alert's packets in it. */
static void put_pcap(struct json_line *jl, const struct alert_pcap *p)
{
	size_t i;

	json_line_object(jl, "pcap");
	json_line_str(jl, "file", p->file);
	json_line_array(jl, "packets");
	for (i = 0; i < p->packet_count && i < ALERT_PCAP_PACKETS_MAX; i++)
		json_line_u64(jl, NULL, p->packets[i]);
	json_line_end(jl);
	json_line_end(jl);
}

/* An aggregate alert: the events and distinct sources it stands for, and a sample. */
static void put_aggregate(struct json_line *jl, const struct alert_aggregate *g)
{
	size_t i;

	json_line_object(jl, "aggregate");
	json_line_u64(jl, "events", g->events);
	json_line_u64(jl, "sources", g->sources);
	json_line_array(jl, "sample_sources");
	for (i = 0; i < g->sample_count; i++)
		json_line_str(jl, NULL, g->sample_sources[i]);
	json_line_end(jl);
	json_line_end(jl);
}

static void put_numbers(struct json_line *jl, const struct anomaly_number *n, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (n[i].integer && n[i].value >= 0)
			json_line_u64(jl, n[i].name, (uint64_t)n[i].value);
		else
			json_line_real(jl, n[i].name, n[i].value);
	}
}

/* The anomaly's evidence; a list's total as NAME_total when it names fewer. */
static void put_anomaly(struct json_line *jl, const struct alert_anomaly *an)
{
	char total_key[64];
	size_t i, j;

	json_line_object(jl, "anomaly");
	json_line_str(jl, "detector", an->detector);
	json_line_str(jl, "technique", an->technique);
	json_line_str(jl, "episode", an->episode);
	json_line_u64(jl, "window", an->window_s);
	put_time(jl, "first_seen", an->first_ns);
	put_time(jl, "last_seen", an->last_ns);
	json_line_u64(jl, "reports", an->reports);
	put_numbers(jl, an->numbers, an->number_count);
	for (i = 0; i < an->list_count; i++) {
		const struct anomaly_list *l = &an->lists[i];

		json_line_array(jl, l->name);
		for (j = 0; j < l->count; j++)
			json_line_str(jl, NULL, l->items[j]);
		json_line_end(jl);
		snprintf(total_key, sizeof(total_key), "%s_total", l->name);
		json_line_u64(jl, total_key, l->total);
	}
	if (an->has_score) {
		json_line_real(jl, "score", an->score);
		json_line_object(jl, "score_parts");
		put_numbers(jl, an->score_parts, an->score_part_count);
		json_line_end(jl);
	}
	json_line_end(jl);
}

int eve_format_alert(struct json_line *jl, const struct alert_event *a, const char *iface)
{
	const struct flow_record *rec = a->flow.rec;
	const struct flow_fields *f = &a->flow.fields;
	size_t i;

	begin_event(jl, a->ts_ns, "alert");
	put_flow_common(jl, &a->flow, iface, a->to_server, !a->flow_table_full);
	json_line_str(jl, "direction", a->to_server ? "to_server" : "to_client");

	json_line_object(jl, "alert");
	json_line_str(jl, "action", a->blocked ? "blocked" : "allowed");
	json_line_u64(jl, "gid", a->gid);
	json_line_u64(jl, "signature_id", a->sid);
	json_line_u64(jl, "rev", a->rev);
	json_line_str(jl, "signature", a->signature ? a->signature : "");
	json_line_str(jl, "category", a->category ? a->category : "");
	json_line_u64(jl, "severity", a->severity);
	put_metadata(jl, a);
	if (a->reference_count) {
		json_line_array(jl, "reference");
		for (i = 0; i < a->reference_count; i++)
			json_line_str(jl, NULL, a->references[i]);
		json_line_end(jl);
	}
	json_line_end(jl);

	json_line_object(jl, "flow");
	json_line_u64(jl, "pkts_toserver", rec->packets[EW_DIR_TO_SERVER]);
	json_line_u64(jl, "pkts_toclient", rec->packets[EW_DIR_TO_CLIENT]);
	json_line_u64(jl, "bytes_toserver", rec->bytes[EW_DIR_TO_SERVER]);
	json_line_u64(jl, "bytes_toclient", rec->bytes[EW_DIR_TO_CLIENT]);
	put_time(jl, "start", rec->first_seen_ns + a->to_realtime_ns);
	json_line_str(jl, "src_ip", f->src_ip);
	json_line_str(jl, "dest_ip", f->dest_ip);
	if (f->has_ports) {
		json_line_u64(jl, "src_port", f->src_port);
		json_line_u64(jl, "dest_port", f->dest_port);
	}
	json_line_end(jl);

	if (a->suppressed)
		json_line_u64(jl, "suppressed", a->suppressed);
	if (a->aggregate)
		put_aggregate(jl, a->aggregate);
	if (a->flow_table_full)	/* the table was full: no flow to tie it to */
		json_line_bool(jl, "flow_table_full", 1);
	if (a->payload)
		put_payload(jl, a->payload, a->payload_len);
	if (a->http)
		put_http(jl, a->http);
	if (a->anomaly)
		put_anomaly(jl, a->anomaly);
	if (a->pcap)
		put_pcap(jl, a->pcap);
	return json_line_finish(jl);
}

/* --- stats ----------------------------------------------------------------------- */

static void put_pcap_stats(struct json_line *jl, const struct stats_pcap *p)
{
	json_line_object(jl, "pcap");
	json_line_u64(jl, "packets", p->packets);
	json_line_u64(jl, "alerts", p->alerts);
	json_line_u64(jl, "files", p->files);
	json_line_u64(jl, "bytes", p->bytes);
	json_line_u64(jl, "files_removed", p->files_removed);
	json_line_u64(jl, "bytes_removed", p->bytes_removed);
	json_line_u64(jl, "without_packet", p->without_packet);
	json_line_u64(jl, "open_failed", p->open_failed);
	json_line_u64(jl, "write_failed", p->write_failed);
	json_line_u64(jl, "remove_failed", p->remove_failed);
	json_line_end(jl);
}

void eve_format_counters(struct json_line *jl, const char *key, const struct ew_counters *c)
{
	int hook, id, other;

	json_line_object(jl, key);
	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		json_line_object(jl, hook_name(hook));
		json_line_u64(jl, "pkt_seen", c->count[hook][EW_CNT_PKT_SEEN]);
		/* a group's counters together, the groups in the order of their first id */
		for (id = 0; id < EW_CNT_MAX; id++) {
			enum counter_group g = counter_group_of(id);

			if (g == COUNTER_GROUP_SEEN)
				continue;
			for (other = 0; other < id; other++)
				if (counter_group_of(other) == g)
					break;
			if (other < id)
				continue;	/* written with its group's first counter */
			json_line_object(jl, counter_group_name(g));
			for (other = id; other < EW_CNT_MAX; other++)
				if (counter_group_of(other) == g)
					json_line_u64(jl, counter_name(other), c->count[hook][other]);
			json_line_end(jl);
		}
		json_line_end(jl);
	}
	json_line_end(jl);
}

static void put_flows(struct json_line *jl, const struct stats_flows *f)
{
	int i;

	json_line_object(jl, "flows");
	json_line_object(jl, "exported");
	for (i = 0; i < EW_END_MAX; i++)
		json_line_u64(jl, flow_end_reason_name(i), f->exported.flows[i]);
	json_line_end(jl);
	json_line_u64(jl, "packets_exported", f->exported.packets);
	json_line_u64(jl, "bytes_exported", f->exported.bytes);
	json_line_u64(jl, "packets_recovered", f->exported.recovered_packets);
	json_line_u64(jl, "in_table", f->in_table);
	json_line_u64(jl, "table_size", f->table_size);
	json_line_u64(jl, "write_errors", f->exported.write_errors);
	json_line_u64(jl, "sweeps", f->sweeps);
	json_line_u64(jl, "sweep_errors", f->sweep_errors);
	json_line_u64(jl, "sweep_delete_races", f->sweep_delete_races);
	json_line_u64(jl, "sweep_reused_before_refresh", f->sweep_reused_before_refresh);
	json_line_end(jl);
}

static void put_conservation(struct json_line *jl, const struct stats_conservation *c)
{
	json_line_object(jl, "conservation");
	json_line_u64(jl, "packets_seen", c->packets_seen);
	json_line_u64(jl, "packets_in_flows", c->packets_in_flows);
	json_line_u64(jl, "packets_no_flow", c->packets_seen - c->packets_in_flows);
	json_line_u64(jl, "packets_exported", c->packets_exported);
	json_line_u64(jl, "packets_in_table", c->packets_in_table);
	json_line_u64(jl, "packets_write_failed", c->packets_write_failed);
	json_line_bool(jl, "final", c->final);
	if (c->final)	/* under traffic the counters move while they are read */
		json_line_bool(jl, "balanced", c->balanced);
	json_line_end(jl);
}

static void put_exposure(struct json_line *jl, const struct exposure_record *r,
			 int64_t to_realtime)
{
	int af = r->family == 4 ? AF_INET : AF_INET6;
	char text[INET6_ADDRSTRLEN], port[CONFIG_PORT_SPEC_STRLEN];
	struct ew_port_spec spec = { r->proto, r->port, r->port };
	const char *service = policy_service_name(r->proto, r->port);
	size_t i;

	json_line_object(jl, NULL);
	inet_ntop(af, r->addr, text, sizeof(text));
	json_line_str(jl, "ip", text);
	json_line_str(jl, "port", config_port_spec_format(&spec, port, sizeof(port)));
	if (service)
		json_line_str(jl, "service", service);
	put_time(jl, "first_seen", r->first_seen_ns + to_realtime);
	put_time(jl, "last_seen", r->last_seen_ns + to_realtime);
	json_line_u64(jl, "flows", r->flows);
	json_line_array(jl, "sources");
	for (i = 0; i < r->source_count; i++) {
		inet_ntop(af, r->sources[i], text, sizeof(text));
		json_line_str(jl, NULL, text);
	}
	json_line_end(jl);
	json_line_u64(jl, "flows_from_unlisted_sources", r->flows_from_unlisted);
	json_line_end(jl);
}

static void put_policy(struct json_line *jl, const struct stats_policy *p)
{
	size_t i;

	json_line_object(jl, "policy");
	json_line_u64(jl, "generation", p->generation);
	json_line_bool(jl, "management", p->management);
	json_line_bool(jl, "egress", p->egress);
	json_line_str(jl, "action", p->drop ? "drop" : "alert");
	json_line_u64(jl, "protected_addresses", p->protected_addresses);
	if (p->has_decisions) {
		json_line_object(jl, "decisions");
		json_line_u64(jl, "allowed", p->decisions_allowed);
		json_line_u64(jl, "violation", p->decisions_violation);
		json_line_end(jl);
	}
	json_line_object(jl, "installs");
	json_line_u64(jl, "done", p->installs_done);
	json_line_u64(jl, "refused", p->installs_refused);
	json_line_u64(jl, "cleanup_errors", p->installs_cleanup_errors);
	json_line_u64(jl, "last_us", p->last_install_us);
	json_line_u64(jl, "last_reader_wait_us", p->last_reader_wait_us);
	json_line_end(jl);
	json_line_object(jl, "events");
	json_line_u64(jl, "read", p->events_read);
	json_line_u64(jl, "invalid", p->events_invalid);
	json_line_u64(jl, "deduplicated", p->events_deduplicated);
	json_line_u64(jl, "alerts_written", p->alerts_written);
	json_line_u64(jl, "suppressed", p->suppressed);
	json_line_u64(jl, "aggregated", p->aggregated);
	json_line_u64(jl, "held", p->held);
	json_line_u64(jl, "write_errors", p->write_errors);
	json_line_object(jl, "alerts");
	for (i = 0; i < p->detection_count; i++)
		json_line_u64(jl, p->detections[i].name, p->detections[i].alerts);
	json_line_end(jl);
	json_line_end(jl);
	json_line_array(jl, "exposures");
	for (i = 0; i < p->exposure_count; i++)
		put_exposure(jl, &p->exposures[i], p->exposures_to_realtime_ns);
	json_line_end(jl);
	json_line_u64(jl, "exposures_not_listed", p->exposures_not_listed);
	json_line_end(jl);
}

static void put_samples(struct json_line *jl, const struct stats_samples *s)
{
	json_line_object(jl, "samples");
	json_line_u64(jl, "read", s->read);
	json_line_u64(jl, "queued", s->queued);
	json_line_u64(jl, "scanned", s->scanned);
	json_line_u64(jl, "scan_failed", s->scan_failed);
	json_line_u64(jl, "dropped_queue_full", s->dropped_queue_full);
	json_line_u64(jl, "dropped_malformed", s->dropped_malformed);
	json_line_u64(jl, "not_scanned_no_rules", s->not_scanned_no_rules);
	json_line_u64(jl, "in_queue", s->in_queue);
	json_line_u64(jl, "queue_slots", s->queue_slots);
	json_line_u64(jl, "queue_high_water", s->queue_high_water);
	json_line_u64(jl, "workers", s->workers);
	json_line_bool(jl, "balanced", s->balanced);
	json_line_end(jl);
}

static void put_streams(struct json_line *jl, const struct stats_streams *s)
{
	json_line_object(jl, "streams");
#define STREAMS_JSON(name, help) json_line_u64(jl, #name, s->name);
	STATS_STREAMS_COUNTERS(STREAMS_JSON)
	STATS_STREAMS_GAUGES(STREAMS_JSON)
#undef STREAMS_JSON
	json_line_end(jl);
}

static void put_rules(struct json_line *jl, const struct stats_rules *r)
{
	json_line_object(jl, "rules");
	json_line_u64(jl, "files", r->files);
	json_line_u64(jl, "loaded", r->loaded);
	json_line_u64(jl, "skipped", r->skipped);
	json_line_u64(jl, "no_prefilter", r->no_prefilter);
	json_line_bool(jl, "cache_hit", r->cache_hit);
	json_line_u64(jl, "generation", r->generation);
	json_line_object(jl, "reloads");
	json_line_u64(jl, "ok", r->reloads_ok);
	json_line_u64(jl, "failed", r->reloads_failed);
	json_line_end(jl);
	json_line_u64(jl, "matches", r->matches);
	json_line_u64(jl, "alerts", r->alerts);
	json_line_u64(jl, "deduplicated", r->deduplicated);
	json_line_u64(jl, "alert_errors", r->alert_errors);
	json_line_u64(jl, "drop_matches", r->drop_matches);
	json_line_u64(jl, "drop_not_enforced", r->drop_not_enforced);
	json_line_u64(jl, "drop_flow_gone", r->drop_flow_gone);
	json_line_u64(jl, "flows_blocked", r->flows_blocked);
	json_line_u64(jl, "flows_unblocked", r->flows_unblocked);
	json_line_u64(jl, "block_failed", r->block_failed);
	json_line_u64(jl, "flows_with_alerts", r->flows_with_alerts);
	json_line_u64(jl, "flows_forgotten", r->flows_forgotten);
	json_line_u64(jl, "flows_evicted", r->flows_evicted);
	json_line_u64(jl, "http_requests", r->http_requests);
	json_line_u64(jl, "http_truncated", r->http_truncated);
	json_line_u64(jl, "candidates", r->candidates);
	json_line_u64(jl, "budget_exhausted", r->budget_exhausted);
	json_line_u64(jl, "pcre_errors", r->pcre_errors);
	json_line_u64(jl, "scan_errors", r->scan_errors);
	json_line_end(jl);
}

/* A sink's events by type ("flow": n, "alert": n, "stats": n). */
static void put_by_type(struct json_line *jl, const char *key, const uint64_t *by_type)
{
	int type;

	json_line_object(jl, key);
	for (type = 0; type < OUTPUT_EVENT_TYPES; type++)
		json_line_u64(jl, output_event_type_name(type), by_type[type]);
	json_line_end(jl);
}

/* Only when the sink names causes and one has been seen (none for syslog). */
static void put_failures(struct json_line *jl, const struct stats_sink_queue *q)
{
	size_t i;

	if (!q->failure_kind_count)
		return;
	json_line_object(jl, "send_failed_by");
	for (i = 0; i < q->failure_kind_count && i < STATS_SINK_FAILURE_KINDS; i++)
		json_line_u64(jl, q->failures[i].name, q->failures[i].count);
	json_line_end(jl);
}

static void put_sink_queue(struct json_line *jl, const struct stats_sink_queue *q)
{
	json_line_u64(jl, "taken", q->taken);
	json_line_u64(jl, "sent", q->sent);
	json_line_u64(jl, "in_queue", q->in_queue);
	json_line_u64(jl, "dropped_queue_full", q->dropped_queue_full);
	json_line_u64(jl, "lost_at_close", q->lost_at_close);
	json_line_u64(jl, "send_failed", q->send_failed);
	json_line_u64(jl, "format_failed", q->format_failed);
	json_line_u64(jl, "truncated", q->truncated);
	json_line_u64(jl, "connect_failures", q->connect_failures);
	json_line_u64(jl, "reconnects", q->reconnects);
	put_failures(jl, q);
}

/*
 * Every sink's account, stats.outputs.NAME: the events it accepted and refused by type,
 * and for a sink with a queue where each message went. Only with a sink besides the EVE
 * file: a replay's EVE output (the golden files) stays as it is.
 */
static void put_outputs(struct json_line *jl, const struct stats_snapshot *s)
{
	size_t i, q;

	if (!s->queued_sink_count && s->sinks.count < 2)
		return;
	json_line_object(jl, "outputs");
	for (i = 0; i < s->sinks.count; i++) {
		json_line_object(jl, s->sinks.sink[i].name);
		put_by_type(jl, "events", s->sinks.sink[i].totals.events);
		put_by_type(jl, "errors", s->sinks.sink[i].totals.errors);
		for (q = 0; q < s->queued_sink_count; q++)
			if (!strcmp(s->queued_sinks[q].name, s->sinks.sink[i].name))
				put_sink_queue(jl, &s->queued_sinks[q]);
		json_line_end(jl);
	}
	json_line_end(jl);
}

/* The anomaly detectors: what they looked at, episodes and alerts, their memory. */
static void put_anomaly_stats(struct json_line *jl, const struct stats_anomaly *a)
{
	size_t i;

	json_line_object(jl, "anomaly");
	json_line_u64(jl, "flows_seen", a->flows_seen);
	json_line_u64(jl, "flows_excluded", a->flows_excluded);
	json_line_u64(jl, "reports", a->reports);
	json_line_u64(jl, "suppressed", a->suppressed);
	json_line_object(jl, "episodes");
	json_line_u64(jl, "started", a->episodes_started);
	json_line_u64(jl, "updated", a->episodes_updated);
	json_line_u64(jl, "ended", a->episodes_ended);
	json_line_u64(jl, "evicted", a->episodes_evicted);
	json_line_u64(jl, "open", a->episodes_open);
	json_line_end(jl);
	json_line_u64(jl, "alerts", a->alerts);
	json_line_u64(jl, "alert_errors", a->alert_errors);
	json_line_object(jl, "detectors");
	for (i = 0; i < a->detector_count; i++) {
		const struct stats_detector *d = &a->detectors[i];

		json_line_object(jl, d->name);
		json_line_bool(jl, "enabled", d->enabled);
		json_line_u64(jl, "alerts", d->alerts);
		json_line_u64(jl, "tracked", d->tracked);
		json_line_u64(jl, "capacity", d->capacity);
		json_line_u64(jl, "evicted", d->evicted);
		json_line_u64(jl, "late", d->late);
		json_line_u64(jl, "memory_bytes", d->bytes);
		json_line_end(jl);
	}
	json_line_end(jl);
	if (a->live.on) {
		json_line_object(jl, "flood_live");
		json_line_u64(jl, "dests_tracked", a->live.dests_tracked);
		json_line_u64(jl, "dests_capacity", a->live.dests_capacity);
		json_line_u64(jl, "dests_evicted", a->live.dests_evicted);
		json_line_u64(jl, "dests_failed", a->live.dests_failed);
		json_line_u64(jl, "reads", a->live.reads);
		json_line_u64(jl, "read_errors", a->live.read_errors);
		json_line_u64(jl, "hot_reports", a->live.hot_reports);
		json_line_u64(jl, "hot_lost", a->live.hot_lost);
		json_line_end(jl);
	}
	json_line_end(jl);
}

/* SNMP responses read, and the malformed ones by reason (inventory/snmp.h's order). */
static void put_inventory_snmp(struct json_line *jl, const struct stats_inventory *v)
{
	static const char *const reasons[] = { "truncated", "bad_length", "bad_tag",
					       "bad_integer", "bad_oid" };
	uint64_t any = v->snmp_responses;
	size_t i;

	_Static_assert(sizeof(reasons) / sizeof(reasons[0]) ==
			       sizeof(v->snmp_malformed) / sizeof(v->snmp_malformed[0]),
		       "a name per malformed reason");
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		any |= v->snmp_malformed[i];
	if (!any)
		return;
	json_line_object(jl, "snmp");
	json_line_u64(jl, "responses", v->snmp_responses);
	json_line_object(jl, "malformed");
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		json_line_u64(jl, reasons[i], v->snmp_malformed[i]);
	json_line_end(jl);
	json_line_end(jl);
}

/* The inventory's account: what its samples gave, its table, its events and flags. */
static void put_inventory_stats(struct json_line *jl, const struct stats_inventory *v)
{
	int f;

	json_line_object(jl, "inventory");
	json_line_u64(jl, "samples", v->samples);
	json_line_u64(jl, "recognised", v->recognised);
	json_line_u64(jl, "not_home_net", v->not_home_net);
	json_line_u64(jl, "services", v->services);
	json_line_u64(jl, "capacity", v->capacity);
	json_line_u64(jl, "evicted", v->evicted);
	json_line_u64(jl, "new", v->new_events);
	json_line_u64(jl, "changed", v->changed_events);
	json_line_u64(jl, "learned", v->learned_events);
	json_line_u64(jl, "summary", v->summary_events);
	json_line_u64(jl, "event_errors", v->event_errors);
	json_line_u64(jl, "alerts", v->alerts);
	json_line_u64(jl, "alerts_suppressed", v->alerts_suppressed);
	json_line_object(jl, "flagged");
	for (f = 0; f < INVENTORY_FLAG_COUNT; f++)
		json_line_u64(jl, inventory_flag_name(f), v->flagged[f]);
	json_line_end(jl);
	json_line_u64(jl, "software_entries", v->software_entries);
	json_line_object(jl, "handshakes");
	json_line_object(jl, "tls");
	for (f = 0; f < TLS_STATUS_COUNT; f++)
		json_line_u64(jl, tls_status_name(f), v->tls[f]);
	json_line_end(jl);
	json_line_object(jl, "ssh");
	for (f = 0; f < SSH_KEX_STATUS_COUNT; f++)
		json_line_u64(jl, ssh_kex_status_name(f), v->ssh[f]);
	json_line_end(jl);
	json_line_u64(jl, "bad_certificate", v->bad_certificate);
	json_line_u64(jl, "not_captured", v->not_captured);
	json_line_u64(jl, "flows_forgotten", v->handshake_flows_forgotten);
	json_line_end(jl);
	/* present once non-zero: captures without SNMP or split banners keep their lines */
	if (v->banners_reassembled || v->banner_streams_evicted) {
		json_line_u64(jl, "banners_reassembled", v->banners_reassembled);
		json_line_u64(jl, "banner_streams_evicted", v->banner_streams_evicted);
	}
	if (v->state_loaded || v->state_saved || v->state_errors) {
		json_line_object(jl, "state_file");
		json_line_u64(jl, "loaded", v->state_loaded);
		json_line_u64(jl, "saved", v->state_saved);
		json_line_u64(jl, "errors", v->state_errors);
		json_line_end(jl);
	}
	put_inventory_snmp(jl, v);
	json_line_end(jl);
}

static void put_kernel_stats(struct json_line *jl, const struct stats_kernel *k)
{
	json_line_object(jl, "kernel");
	json_line_u64(jl, "maps", k->maps);
	json_line_u64(jl, "map_bytes", k->map_bytes);
	json_line_u64(jl, "ringbuf_bytes", k->ringbuf_bytes);
	json_line_u64(jl, "clock_wakeups", k->clock_wakeups);
	json_line_end(jl);
}

int eve_format_stats(struct json_line *jl, const struct stats_snapshot *s, const char *iface)
{
	begin_event(jl, s->ts_ns, "stats");
	if (iface)
		json_line_str(jl, "in_iface", iface);
	json_line_object(jl, "stats");
	if (s->xdp_mode)	/* generic XDP is slower: say so where it is counted */
		json_line_str(jl, "xdp_mode", s->xdp_mode);
	json_line_u64(jl, "uptime", s->uptime_s);
	eve_format_counters(jl, "datapath", &s->counters);
	put_flows(jl, &s->flows);
	put_conservation(jl, &s->conservation);
	if (s->has_policy)
		put_policy(jl, &s->policy);
	if (s->has_pipeline) {
		put_samples(jl, &s->samples);
		put_rules(jl, &s->rules);
		if (s->streams.on)
			put_streams(jl, &s->streams);
	}
	if (s->anomaly.on)
		put_anomaly_stats(jl, &s->anomaly);
	if (s->inventory.on)
		put_inventory_stats(jl, &s->inventory);
	if (s->kernel.on)	/* live only: the replay goldens stay */
		put_kernel_stats(jl, &s->kernel);
	json_line_object(jl, "eve");
	json_line_u64(jl, "events_written", s->eve.events_written);
	json_line_u64(jl, "write_errors", s->eve.write_errors);
	if (s->eve.rotating) {
		json_line_u64(jl, "rotations", s->eve.rotations);
		json_line_u64(jl, "rotate_failed", s->eve.rotate_failed);
	}
	if (s->eve.compressing) {
		json_line_u64(jl, "compressed", s->eve.compressed);
		json_line_u64(jl, "compress_failed", s->eve.compress_failed);
	}
	if (s->eve.sealing) {
		json_line_object(jl, "seal");
		json_line_u64(jl, "seals", s->eve.seals);
		json_line_u64(jl, "failed", s->eve.seal_failed);
		json_line_u64(jl, "key_store_failed", s->eve.seal_key_store_failed);
		json_line_u64(jl, "epoch", s->eve.seal_epoch);
		json_line_end(jl);
	}
	json_line_end(jl);
	if (s->pcap.enabled)	/* outputs.pcap; absent when off, so the goldens stay */
		put_pcap_stats(jl, &s->pcap);
	put_outputs(jl, s);
	json_line_end(jl);
	return json_line_finish(jl);
}

/* A time as an EVE timestamp from seconds since the epoch. */
static void put_time_s(struct json_line *jl, const char *key, int64_t s)
{
	put_time(jl, key, (uint64_t)(s < 0 ? 0 : s) * 1000000000ull);
}

/* The clients' JA3 or HASSH: [{hash, string}], capped at what the record lists. */
static void put_client_fps(struct json_line *jl, const struct inventory_handshake *h)
{
	size_t i;

	json_line_array(jl, h->client_kind);
	for (i = 0; i < h->client_count; i++) {
		json_line_object(jl, NULL);
		json_line_str(jl, "hash", h->clients[i].hash);
		json_line_str(jl, "string", h->clients[i].string);
		json_line_end(jl);
	}
	json_line_end(jl);
	if (h->clients_capped)
		json_line_bool(jl, "clients_capped", 1);
}

/* A service's TLS (version, JA3S, certificate, clients' JA3) or SSH (HASSH) facts. */
static void put_inventory_handshake(struct json_line *jl, const struct inventory_handshake *h)
{
	const struct inventory_cert *c = h->cert;

	if (h->tls_version) {
		json_line_object(jl, "tls");
		json_line_str(jl, "version", h->tls_version);
		json_line_str(jl, "ja3s", h->ja3s);
		json_line_str(jl, "ja3s_string", h->ja3s_string);
		if (h->cert_encrypted)
			json_line_bool(jl, "certificate_encrypted", 1);
		if (c) {
			json_line_object(jl, "certificate");
			json_line_str(jl, "subject_cn", c->subject_cn);
			json_line_str(jl, "issuer_cn", c->issuer_cn);
			put_time_s(jl, "not_before", c->not_before);
			put_time_s(jl, "not_after", c->not_after);
			json_line_bool(jl, "self_signed", c->self_signed);
			json_line_bool(jl, "expired", c->expired);
			json_line_str(jl, "sha256", c->sha256);
			json_line_end(jl);
		}
		if (h->client_count && !strcmp(h->client_kind, "ja3"))
			put_client_fps(jl, h);
		json_line_end(jl);
	}
	if (h->hassh_server || (h->client_count && !strcmp(h->client_kind, "hassh"))) {
		json_line_object(jl, "ssh");
		if (h->hassh_server) {
			json_line_str(jl, "hassh_server", h->hassh_server);
			json_line_str(jl, "hassh_server_string", h->hassh_server_string);
		}
		if (h->client_count && !strcmp(h->client_kind, "hassh"))
			put_client_fps(jl, h);
		json_line_end(jl);
	}
}

/*
 * An inventory record (event.h): the server as dest_ip/dest_port (it answered), then
 * "inventory" with what it runs, whom it answered and the flags with their reasons.
 */
int eve_format_inventory(struct json_line *jl, const struct inventory_event *ev,
			 const char *iface)
{
	char ip[46], buf[8];
	size_t i;
	int f;

	begin_event(jl, ev->ts_ns, "inventory");
	if (iface)
		json_line_str(jl, "in_iface", iface);
	inet_ntop(ev->family == 6 ? AF_INET6 : AF_INET, ev->addr, ip, sizeof(ip));
	json_line_str(jl, "dest_ip", ip);
	if (proto_has_ports(ev->proto))
		json_line_u64(jl, "dest_port", ev->port);
	json_line_str(jl, "proto", proto_name(ev->proto, buf));
	json_line_object(jl, "inventory");
	json_line_str(jl, "change", ev->change);
	json_line_str(jl, "service", ev->service);
	if (ev->protocol && *ev->protocol)
		json_line_str(jl, "protocol_version", ev->protocol);
	json_line_str(jl, "product", ev->product);
	json_line_str(jl, "version", ev->version);
	json_line_str(jl, "banner", ev->banner);
	if (ev->title && *ev->title)
		json_line_str(jl, "title", ev->title);
	if (ev->object_id && *ev->object_id)
		json_line_str(jl, "sysobjectid", ev->object_id);
	if (ev->previous_product || (ev->handshake && ev->handshake->previous_cert_sha256)) {
		json_line_object(jl, "previous");
		if (ev->previous_product) {
			json_line_str(jl, "product", ev->previous_product);
			json_line_str(jl, "version", ev->previous_version);
		}
		if (ev->handshake && ev->handshake->previous_cert_sha256)
			json_line_str(jl, "certificate_sha256", ev->handshake->previous_cert_sha256);
		json_line_end(jl);
	}
	put_time(jl, "first_seen", ev->first_ns);
	put_time(jl, "last_seen", ev->last_ns);
	json_line_u64(jl, "flows", ev->flows);
	json_line_u64(jl, "clients", ev->clients);
	if (ev->clients_capped)
		json_line_bool(jl, "clients_capped", 1);
	json_line_u64(jl, "clients_outside_home_net", ev->clients_outside);
	json_line_bool(jl, "management_port", ev->mgmt_port);
	json_line_bool(jl, "management_protected", ev->mgmt_protected);
	json_line_array(jl, "flags");
	for (f = 0; f < INVENTORY_FLAG_COUNT; f++)
		if (ev->flags & (1u << f))
			json_line_str(jl, NULL, inventory_flag_name(f));
	json_line_end(jl);
	if (ev->eol_date)
		json_line_str(jl, "end_of_life", ev->eol_date);
	if (ev->cve_count) {
		json_line_array(jl, "cves");
		for (i = 0; i < ev->cve_count; i++)
			json_line_str(jl, NULL, ev->cves[i]);
		json_line_end(jl);
	}
	if (ev->reference_count) {
		json_line_array(jl, "references");
		for (i = 0; i < ev->reference_count; i++)
			json_line_str(jl, NULL, ev->references[i]);
		json_line_end(jl);
	}
	if (ev->handshake)
		put_inventory_handshake(jl, ev->handshake);
	json_line_end(jl);
	return json_line_finish(jl);
}

int eve_format_event(struct json_line *jl, enum output_event_type type, const void *ev,
		     const char *iface)
{
	switch (type) {
	case OUTPUT_FLOW:
		return eve_format_flow(jl, ev, iface);
	case OUTPUT_ALERT:
		return eve_format_alert(jl, ev, iface);
	case OUTPUT_STATS:
		return eve_format_stats(jl, ev, iface);
	case OUTPUT_INVENTORY:
		return eve_format_inventory(jl, ev, iface);
	default:
		return -EINVAL;
	}
}
