// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "community_id.h"
#include "flow_export.h"
#include "json_line.h"

static const char *const reason_names[FLOW_END_MAX] = {
	[FLOW_END_TIMEOUT] = "timeout",
	[FLOW_END_ACTIVE_TIMEOUT] = "active_timeout",
	[FLOW_END_CLOSED] = "closed",
	[FLOW_END_FORCED] = "forced",
	[FLOW_END_SHUTDOWN] = "shutdown",
	[FLOW_END_RECOVERED] = "recovered",
};

const char *flow_end_reason_name(enum flow_end_reason reason)
{
	return (unsigned)reason < FLOW_END_MAX ? reason_names[reason] : "unknown";
}

void flow_endpoints_of(const struct flow_key *key, const struct flow_record *rec,
		       struct flow_endpoints *ep)
{
	int a_started = rec->initiator == 0;

	ep->family = key->family;
	ep->src_addr = a_started ? key->addr_a.u8 : key->addr_b.u8;
	ep->dst_addr = a_started ? key->addr_b.u8 : key->addr_a.u8;
	ep->src_port = ntohs(a_started ? key->port_a : key->port_b);
	ep->dst_port = ntohs(a_started ? key->port_b : key->port_a);
}

/* splitmix64 finaliser: spreads sequential flow_seq values over the id space */
uint64_t flow_id_of(uint64_t salt, uint64_t flow_seq)
{
	uint64_t z = flow_seq + salt + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	z &= (1ULL << 51) - 1;
	return z ? z : 1;
}

const char *proto_name(uint8_t proto, char buf[8])
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "IPv6-ICMP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

int proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

void flow_fields_of(const struct flow_key *key, const struct flow_record *rec, uint64_t salt,
		    struct flow_fields *f)
{
	struct flow_endpoints ep;
	int af = key->family == 4 ? AF_INET : AF_INET6;
	uint16_t cid_sport, cid_dport;

	flow_endpoints_of(key, rec, &ep);
	f->flow_id = flow_id_of(salt, rec->flow_seq);
	inet_ntop(af, ep.src_addr, f->src_ip, sizeof(f->src_ip));
	inet_ntop(af, ep.dst_addr, f->dest_ip, sizeof(f->dest_ip));
	f->src_port = ep.src_port;
	f->dest_port = ep.dst_port;
	f->has_ports = proto_has_ports(key->proto);
	f->is_icmp = key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6;
	f->proto = proto_name(key->proto, f->proto_buf);
	cid_sport = f->is_icmp ? rec->icmp_type : ep.src_port;
	cid_dport = f->is_icmp ? rec->icmp_code : ep.dst_port;
	f->has_community_id = community_id_v1(0, key->family, ep.src_addr, ep.dst_addr,
					      key->proto, cid_sport, cid_dport,
					      f->community_id) == 0;
}

/* The fields every event about a flow carries (alert.c writes them for alerts). */
static void line_common_fields(struct json_line *jl, const struct flow_key *key,
			       const struct flow_record *rec, const struct flow_fields *f,
			       const char *iface)
{
	int i;

	json_line_u64(jl, "flow_id", f->flow_id);
	if (iface)
		json_line_str(jl, "in_iface", iface);
	if (key->vlan[0]) {
		json_line_array(jl, "vlan");
		for (i = 0; i < EW_MAX_VLAN_TAGS && key->vlan[i]; i++)
			json_line_u64(jl, NULL, key->vlan[i]);
		json_line_end(jl);
	}
	json_line_str(jl, "src_ip", f->src_ip);
	if (f->has_ports)
		json_line_u64(jl, "src_port", f->src_port);
	json_line_str(jl, "dest_ip", f->dest_ip);
	if (f->has_ports)
		json_line_u64(jl, "dest_port", f->dest_port);
	json_line_str(jl, "proto", f->proto);
	if (f->is_icmp) {
		json_line_u64(jl, "icmp_type", rec->icmp_type);
		json_line_u64(jl, "icmp_code", rec->icmp_code);
	}
	if (key->spi)
		json_line_u64(jl, "spi", ntohl(key->spi));
	if (f->has_community_id)
		json_line_str(jl, "community_id", f->community_id);
}

void flow_exporter_init(struct flow_exporter *x, struct eve_writer *eve, const char *iface,
			uint64_t flow_id_salt, int64_t clock_to_realtime_ns)
{
	memset(x, 0, sizeof(*x));
	x->eve = eve;
	x->iface = iface;
	x->flow_id_salt = flow_id_salt;
	x->clock_to_realtime_ns = clock_to_realtime_ns;
}

void flow_exporter_destroy(struct flow_exporter *x)
{
	memset(x, 0, sizeof(*x));
}

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

static void add_tcp_flags(struct json_line *jl, const char *key, uint8_t flags)
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

static void add_tcp(struct json_line *jl, const struct flow_record *rec)
{
	uint8_t all = rec->tcp_flags[0] | rec->tcp_flags[1];
	size_t i;

	json_line_object(jl, "tcp");
	add_tcp_flags(jl, "tcp_flags", all);
	add_tcp_flags(jl, "tcp_flags_ts", rec->tcp_flags[EW_DIR_TO_SERVER]);
	add_tcp_flags(jl, "tcp_flags_tc", rec->tcp_flags[EW_DIR_TO_CLIENT]);
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
static void add_encapsulation(struct json_line *jl, const struct flow_record *rec)
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

unsigned int flow_export_tally_class(enum flow_end_reason reason)
{
	_Static_assert(FLOW_END_MAX < EVE_TALLY_CLASSES, "a tally class per end reason");
	return 1 + reason;
}

void flow_export_totals(const struct flow_exporter *x, struct flow_export_totals *out)
{
	int r;

	*out = x->handed;
	for (r = 0; r < FLOW_END_MAX; r++) {
		struct eve_tally lost = eve_lost_tally(x->eve, flow_export_tally_class(r));

		out->flows[r] -= lost.lines;
		out->write_errors += lost.lines;
		if (r == FLOW_END_RECOVERED) {
			out->recovered_packets -= lost.packets;
		} else {
			out->packets -= lost.packets;
			out->bytes -= lost.bytes;
			out->write_failed_packets += lost.packets;
		}
	}
}

uint64_t flow_export_total_events(const struct flow_exporter *x)
{
	struct flow_export_totals t;
	uint64_t total = 0;
	int i;

	flow_export_totals(x, &t);
	for (i = 0; i < FLOW_END_MAX; i++)
		total += t.flows[i];
	return total;
}

int flow_export(struct flow_exporter *x, const struct flow_key *key, const struct flow_record *rec,
		enum flow_end_reason reason, uint64_t now_ns)
{
	uint64_t pkts[2], bytes[2], start_ns, end_ns = rec->last_seen_ns;
	char ts[EVE_TIMESTAMP_LEN];
	struct flow_fields f;
	int dir, err, rule_alerted;

	/* since the flow's last active-timeout record, if it had one (its baselines) */
	for (dir = 0; dir < 2; dir++) {
		pkts[dir] = rec->packets[dir] - rec->exported_packets[dir];
		bytes[dir] = rec->bytes[dir] - rec->exported_bytes[dir];
	}
	start_ns = rec->interval_start_ns ? rec->interval_start_ns : rec->first_seen_ns;
	if (reason == FLOW_END_ACTIVE_TIMEOUT)
		end_ns = now_ns;

	flow_fields_of(key, rec, x->flow_id_salt, &f);
	json_line_begin(&x->line);
	eve_format_timestamp(start_ns + x->clock_to_realtime_ns, ts);
	json_line_str(&x->line, "timestamp", ts);
	json_line_str(&x->line, "event_type", "flow");
	line_common_fields(&x->line, key, rec, &f, x->iface);
	json_line_object(&x->line, "flow");
	json_line_u64(&x->line, "pkts_toserver", pkts[EW_DIR_TO_SERVER]);
	json_line_u64(&x->line, "pkts_toclient", pkts[EW_DIR_TO_CLIENT]);
	json_line_u64(&x->line, "bytes_toserver", bytes[EW_DIR_TO_SERVER]);
	json_line_u64(&x->line, "bytes_toclient", bytes[EW_DIR_TO_CLIENT]);
	json_line_str(&x->line, "start", ts);
	eve_format_timestamp(end_ns + x->clock_to_realtime_ns, ts);
	json_line_str(&x->line, "end", ts);
	json_line_u64(&x->line, "age",
		      end_ns > start_ns ? (end_ns - start_ns) / 1000000000ULL : 0);
	json_line_str(&x->line, "state", flow_state(key, rec));
	json_line_str(&x->line, "reason", flow_end_reason_name(reason));
	/* asked whatever the kernel says: the payload pipeline forgets (and unblocks) the
	 * flow when it is asked about its last record */
	rule_alerted = x->alerted && x->alerted(x->alerted_ctx, rec->flow_seq,
						reason != FLOW_END_ACTIVE_TIMEOUT);
	json_line_bool(&x->line, "alerted", (rec->reported & EW_REPORTED_ALERTS) || rule_alerted);
	add_encapsulation(&x->line, rec);
	json_line_end(&x->line);
	if (key->proto == IPPROTO_TCP)
		add_tcp(&x->line, rec);
	err = json_line_finish(&x->line);
	if (!err)
		err = eve_write_tallied_line(x->eve, x->line.buf, x->line.len,
					     flow_export_tally_class(reason), pkts[0] + pkts[1],
					     bytes[0] + bytes[1]);
	if (err) {
		/* its packets are not in any flow event: counted, so the sum still says
		 * where they went */
		x->handed.write_errors++;
		if (reason != FLOW_END_RECOVERED)
			x->handed.write_failed_packets += pkts[0] + pkts[1];
		return err;
	}
	x->handed.flows[reason]++;
	if (reason == FLOW_END_RECOVERED) {
		x->handed.recovered_packets += pkts[0] + pkts[1];
	} else {
		x->handed.packets += pkts[0] + pkts[1];
		x->handed.bytes += bytes[0] + bytes[1];
	}
	return 0;
}
