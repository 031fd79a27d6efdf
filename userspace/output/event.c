// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The flow's fields every event carries, computed once per event: see event.h. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "output/event.h"

static const char *const reason_names[EW_END_MAX] = {
	[EW_END_TIMEOUT] = "timeout",
	[EW_END_ACTIVE_TIMEOUT] = "active_timeout",
	[EW_END_CLOSED] = "closed",
	[EW_END_FORCED] = "forced",
	[EW_END_SHUTDOWN] = "shutdown",
	[EW_END_RECOVERED] = "recovered",
};

const char *inventory_flag_name(enum inventory_flag flag)
{
	static const char *const names[INVENTORY_FLAG_COUNT] = {
		[INVENTORY_END_OF_LIFE] = "end_of_life",
		[INVENTORY_KNOWN_EXPLOITED] = "known_exploited",
		[INVENTORY_MGMT_EXPOSED] = "mgmt_exposed",
		[INVENTORY_CLEARTEXT_MGMT] = "cleartext_mgmt",
		[INVENTORY_CERT_EXPIRED] = "cert_expired",
		[INVENTORY_CERT_SELF_SIGNED] = "cert_self_signed",
	};

	return (unsigned int)flag < INVENTORY_FLAG_COUNT ? names[flag] : "unknown";
}

const char *flow_end_reason_name(enum ew_flow_end reason)
{
	return (unsigned)reason < EW_END_MAX && reason_names[reason] ? reason_names[reason]
								       : "unknown";
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

void alert_event_init(struct alert_event *a, const struct flow_key *key,
		      const struct flow_record *rec, int from_a, uint64_t ts_ns,
		      int64_t to_realtime_ns, uint64_t flow_id_salt)
{
	memset(a, 0, sizeof(*a));
	a->ts_ns = ts_ns + to_realtime_ns;
	a->to_realtime_ns = to_realtime_ns;
	a->flow.key = key;
	a->flow.rec = rec;
	flow_fields_of(key, rec, flow_id_salt, &a->flow.fields);
	a->to_server = from_a == (rec->initiator == 0);
	a->gid = 1;
	a->rev = 1;
}
