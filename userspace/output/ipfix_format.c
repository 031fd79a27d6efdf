// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* IPFIX messages of flow events (ipfix_format.h). */
#include <string.h>
#include <netinet/in.h>

#include "output/ipfix_format.h"

#define ENTERPRISE_BIT 0x8000

/* One field of a template: IE number, length, reverse (enterprise 29305) or not. */
struct ipfix_field {
	uint16_t ie;
	uint16_t len;
	uint8_t reverse;
};

/* The template of each family, in record order (ipfix_format.h lists it). */
#define FIELDS(src_ie, dst_ie, addr_len, icmp_ie)                                           \
	{                                                                                   \
		{ src_ie, addr_len, 0 }, { dst_ie, addr_len, 0 }, { 7, 2, 0 }, { 11, 2, 0 }, \
		{ 4, 1, 0 }, { icmp_ie, 2, 0 }, { 58, 2, 0 }, { 6, 2, 1 }, { 6, 2, 0 },       \
		{ 136, 1, 0 }, { 152, 8, 0 }, { 153, 8, 0 }, { 2, 8, 0 }, { 1, 8, 0 },        \
		{ 2, 8, 1 }, { 1, 8, 1 },                                                     \
	}
#define FIELD_COUNT 16

static const struct ipfix_field fields_v4[FIELD_COUNT] = FIELDS(8, 12, 4, 32);
static const struct ipfix_field fields_v6[FIELD_COUNT] = FIELDS(27, 28, 16, 139);

enum ipfix_end_reason ipfix_end_reason_of(enum ew_flow_end reason)
{
	switch (reason) {
	case EW_END_TIMEOUT:
		return IPFIX_END_IDLE_TIMEOUT;
	case EW_END_ACTIVE_TIMEOUT:
		return IPFIX_END_ACTIVE_TIMEOUT;
	case EW_END_CLOSED:
		return IPFIX_END_OF_FLOW;
	case EW_END_FORCED:	/* the table nearly full: ended early for room */
		return IPFIX_END_LACK_OF_RESOURCES;
	case EW_END_SHUTDOWN:	/* the exporter stops */
	case EW_END_RECOVERED:
	default:
		return IPFIX_END_FORCED;
	}
}

void ipfix_flow_of(const struct flow_event *ev, struct ipfix_flow *out)
{
	const struct flow_key *key = ev->flow.key;
	const struct flow_record *rec = ev->flow.rec;
	struct flow_endpoints ep;
	int dir;

	memset(out, 0, sizeof(*out));
	flow_endpoints_of(key, rec, &ep);
	out->family = key->family == 6 ? 6 : 4;
	out->proto = key->proto;
	out->end_reason = (uint8_t)ipfix_end_reason_of(ev->reason);
	memcpy(out->src, ep.src_addr, out->family == 6 ? 16 : 4);
	memcpy(out->dst, ep.dst_addr, out->family == 6 ? 16 : 4);
	if (proto_has_ports(key->proto)) {
		out->src_port = ep.src_port;
		out->dst_port = ep.dst_port;
	}
	if (key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6)
		out->icmp_type_code = (uint16_t)(rec->icmp_type << 8 | rec->icmp_code);
	out->vlan = key->vlan[0];
	out->start_ms = ev->start_ns / 1000000;
	out->end_ms = ev->end_ns / 1000000;
	for (dir = 0; dir < 2; dir++) {
		out->tcp_flags[dir] = key->proto == IPPROTO_TCP ? rec->tcp_flags[dir] : 0;
		out->packets[dir] = ev->packets[dir];
		out->bytes[dir] = ev->bytes[dir];
	}
}

void ipfix_stream_init(struct ipfix_stream *st, uint32_t domain, int udp,
		       uint64_t template_interval_ms)
{
	memset(st, 0, sizeof(*st));
	st->domain = domain;
	st->udp = udp;
	st->template_interval_ms = template_interval_ms;
	st->templates_pending = 1;
}

void ipfix_stream_connected(struct ipfix_stream *st)
{
	st->templates_pending = 1;
	if (!st->udp)
		st->sequence = 0;
}

int ipfix_stream_wants_templates(const struct ipfix_stream *st, uint64_t now_ms)
{
	return st->templates_pending || (st->udp && now_ms >= st->templates_due_ms);
}

void ipfix_stream_sent(struct ipfix_stream *st, int with_templates, uint64_t now_ms)
{
	if (!with_templates)
		return;
	st->templates_pending = 0;
	st->templates_due_ms = now_ms + st->template_interval_ms;
}

size_t ipfix_record_len(uint8_t family)
{
	return family == 6 ? IPFIX_RECORD_V6_LEN : IPFIX_RECORD_V4_LEN;
}

static size_t template_len(const struct ipfix_field *fields)
{
	size_t len = 4, i;

	for (i = 0; i < FIELD_COUNT; i++)
		len += fields[i].reverse ? 8 : 4;
	return len;
}

size_t ipfix_template_set_len(void)
{
	return IPFIX_SET_HEADER_LEN + template_len(fields_v4) + template_len(fields_v6);
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	return put_u16(put_u16(p, (uint16_t)(v >> 16)), (uint16_t)v);
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	return put_u32(put_u32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static uint8_t *put_template(uint8_t *p, uint16_t id, const struct ipfix_field *fields)
{
	size_t i;

	p = put_u16(p, id);
	p = put_u16(p, FIELD_COUNT);
	for (i = 0; i < FIELD_COUNT; i++) {
		p = put_u16(p, fields[i].ie | (fields[i].reverse ? ENTERPRISE_BIT : 0));
		p = put_u16(p, fields[i].len);
		if (fields[i].reverse)
			p = put_u32(p, IPFIX_REVERSE_PEN);
	}
	return p;
}

/* One data record, in the order of its family's template. */
static uint8_t *put_record(uint8_t *p, const struct ipfix_flow *f)
{
	size_t addr_len = f->family == 6 ? 16 : 4;

	memcpy(p, f->src, addr_len);
	memcpy(p + addr_len, f->dst, addr_len);
	p += 2 * addr_len;
	p = put_u16(p, f->src_port);
	p = put_u16(p, f->dst_port);
	*p++ = f->proto;
	p = put_u16(p, f->icmp_type_code);
	p = put_u16(p, f->vlan);
	p = put_u16(p, f->tcp_flags[1]);
	p = put_u16(p, f->tcp_flags[0]);
	*p++ = f->end_reason;
	p = put_u64(p, f->start_ms);
	p = put_u64(p, f->end_ms);
	p = put_u64(p, f->packets[0]);
	p = put_u64(p, f->bytes[0]);
	p = put_u64(p, f->packets[1]);
	return put_u64(p, f->bytes[1]);
}

size_t ipfix_message_build(struct ipfix_stream *st, uint32_t export_time_s, int with_templates,
			   const struct ipfix_flow *flows, size_t count, size_t *taken,
			   uint8_t *buf, size_t cap)
{
	uint8_t *p = buf + IPFIX_HEADER_LEN, *set = NULL;
	size_t n = 0, need = IPFIX_HEADER_LEN + IPFIX_SET_HEADER_LEN + IPFIX_RECORD_V6_LEN;
	uint8_t set_family = 0;

	*taken = 0;
	if (with_templates)
		need += ipfix_template_set_len();
	if (cap > 65535)
		cap = 65535;	/* the header's length field */
	if (cap < need || !count)
		return 0;
	if (with_templates) {
		uint8_t *start = p;

		p += IPFIX_SET_HEADER_LEN;	/* written once the set's length is known */
		p = put_template(p, IPFIX_TEMPLATE_V4, fields_v4);
		p = put_template(p, IPFIX_TEMPLATE_V6, fields_v6);
		put_u16(put_u16(start, IPFIX_TEMPLATE_SET_ID), (uint16_t)(p - start));
	}
	for (n = 0; n < count; n++) {
		const struct ipfix_flow *f = &flows[n];
		size_t room = cap - (size_t)(p - buf);
		size_t rlen = ipfix_record_len(f->family);

		if (!set || f->family != set_family) {
			if (set)	/* close the set of the other family */
				put_u16(set + 2, (uint16_t)(p - set));
			if (room < IPFIX_SET_HEADER_LEN + rlen)
				break;
			set = p;
			set_family = f->family;
			p = put_u16(p, f->family == 6 ? IPFIX_TEMPLATE_V6 : IPFIX_TEMPLATE_V4);
			p = put_u16(p, 0);
		} else if (room < rlen) {
			break;
		}
		p = put_record(p, f);
	}
	if (set)
		put_u16(set + 2, (uint16_t)(p - set));
	put_u16(buf, IPFIX_VERSION);
	put_u16(buf + 2, (uint16_t)(p - buf));
	put_u32(buf + 4, export_time_s);
	put_u32(buf + 8, st->sequence);
	put_u32(buf + 12, st->domain);
	st->sequence += (uint32_t)n;
	*taken = n;
	return (size_t)(p - buf);
}
