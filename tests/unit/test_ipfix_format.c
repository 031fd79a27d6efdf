// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPFIX sink's messages (RFC 7011, biflow per RFC 5103): the header, the template
 * set (field count, the reverse elements' enterprise bit and number 29305), a record of
 * each family byte by byte, sets split by family, messages cut to their bound, sequence
 * numbers (data records before the message, per stream; templates do not count), and
 * when the templates go (UDP: every interval and after a reconnect; TCP: once per
 * connection).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "output/ipfix_format.h"
#include "../support/test.h"

static uint16_t u16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t u32_at(const uint8_t *p)
{
	return (uint32_t)u16_at(p) << 16 | u16_at(p + 2);
}

static uint64_t u64_at(const uint8_t *p)
{
	return (uint64_t)u32_at(p) << 32 | u32_at(p + 4);
}

/* A TCP flow 198.18.0.2:40000 -> 198.18.0.1:22 started by endpoint b of the key. */
static void flow_fixture(struct flow_event *ev, struct flow_key *key, struct flow_record *rec,
			 int family)
{
	memset(ev, 0, sizeof(*ev));
	memset(key, 0, sizeof(*key));
	memset(rec, 0, sizeof(*rec));
	key->family = (uint8_t)family;
	key->proto = IPPROTO_TCP;
	if (family == 4) {
		inet_pton(AF_INET, "198.18.0.1", key->addr_a.u8);
		inet_pton(AF_INET, "198.18.0.2", key->addr_b.u8);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", key->addr_a.u8);
		inet_pton(AF_INET6, "2001:db8::2", key->addr_b.u8);
	}
	key->port_a = htons(22);
	key->port_b = htons(40000);
	key->vlan[0] = 100;
	key->vlan[1] = 200;
	rec->initiator = 1;
	rec->tcp_flags[EW_DIR_TO_SERVER] = 0x1b;
	rec->tcp_flags[EW_DIR_TO_CLIENT] = 0x12;
	ev->flow.key = key;
	ev->flow.rec = rec;
	ev->reason = EW_END_ACTIVE_TIMEOUT;
	ev->packets[0] = 7;
	ev->packets[1] = 5;
	ev->bytes[0] = 700;
	ev->bytes[1] = 5000000000ULL;	/* past 32 bits */
	ev->start_ns = 1700000000123456789ULL;
	ev->end_ns = 1700000001987654321ULL;
}

static void test_end_reasons(struct test_case *t)
{
	CHECK(t, ipfix_end_reason_of(EW_END_TIMEOUT) == 1, "idle timeout");
	CHECK(t, ipfix_end_reason_of(EW_END_ACTIVE_TIMEOUT) == 2, "active timeout");
	CHECK(t, ipfix_end_reason_of(EW_END_CLOSED) == 3, "end of flow detected");
	CHECK(t, ipfix_end_reason_of(EW_END_SHUTDOWN) == 4, "forced end");
	CHECK(t, ipfix_end_reason_of(EW_END_RECOVERED) == 4, "forced end");
	CHECK(t, ipfix_end_reason_of(EW_END_FORCED) == 5, "lack of resources");
}

static void test_flow_of(struct test_case *t)
{
	struct flow_event ev;
	struct flow_key key;
	struct flow_record rec;
	struct ipfix_flow f;
	uint8_t want_src[4] = { 198, 18, 0, 2 }, want_dst[4] = { 198, 18, 0, 1 };

	flow_fixture(&ev, &key, &rec, 4);
	ipfix_flow_of(&ev, &f);
	CHECK(t, !memcmp(f.src, want_src, 4) && !memcmp(f.dst, want_dst, 4),
	      "source is the initiator (endpoint b)");
	CHECK(t, f.src_port == 40000 && f.dst_port == 22, "ports %u %u", f.src_port, f.dst_port);
	CHECK(t, f.tcp_flags[0] == 0x1b && f.tcp_flags[1] == 0x12, "flags per direction");
	CHECK(t, f.vlan == 100, "outermost vlan %u", f.vlan);
	CHECK(t, f.start_ms == 1700000000123ULL && f.end_ms == 1700000001987ULL, "ms %llu %llu",
	      (unsigned long long)f.start_ms, (unsigned long long)f.end_ms);
	CHECK(t, f.packets[0] == 7 && f.packets[1] == 5 && f.bytes[1] == 5000000000ULL,
	      "the event's deltas");
	CHECK(t, f.end_reason == 2, "active timeout");

	key.proto = IPPROTO_ICMP;
	rec.icmp_type = 8;
	ipfix_flow_of(&ev, &f);
	CHECK(t, f.src_port == 0 && f.dst_port == 0 && f.icmp_type_code == 0x0800 &&
		 f.tcp_flags[0] == 0, "ICMP: no ports or flags, type << 8 | code");
}

/* Walk the template set at p: the template's id, its field count, and its record length. */
static void check_template(struct test_case *t, const uint8_t *p, uint16_t id, size_t rec_len,
			   size_t *len)
{
	size_t i, fields = u16_at(p + 2), data = 0, reverse = 0;
	const uint8_t *f = p + 4;

	*len = 0;
	CHECK(t, u16_at(p) == id && fields == 16, "template %u with %zu fields", u16_at(p),
	      fields);
	for (i = 0; i < fields; i++) {
		uint16_t ie = u16_at(f);

		data += u16_at(f + 2);
		if (ie & 0x8000) {
			CHECK(t, u32_at(f + 4) == IPFIX_REVERSE_PEN, "enterprise %u",
			      u32_at(f + 4));
			reverse++;
			f += 8;
		} else {
			f += 4;
		}
	}
	CHECK(t, data == rec_len, "template %u: fields add up to %zu, record is %zu", id, data,
	      rec_len);
	CHECK(t, reverse == 3, "reverse packets, bytes, tcp flags: %zu", reverse);
	*len = (size_t)(f - p);
}

static void test_message_v4(struct test_case *t)
{
	struct flow_event ev;
	struct flow_key key;
	struct flow_record rec;
	struct ipfix_flow f;
	struct ipfix_stream st;
	uint8_t buf[1400], *set, *r;
	size_t len, taken, tlen4 = 0, tlen6 = 0;

	flow_fixture(&ev, &key, &rec, 4);
	ipfix_flow_of(&ev, &f);
	ipfix_stream_init(&st, 42, 1, 60000);
	len = ipfix_message_build(&st, 1700000002, 1, &f, 1, &taken, buf, sizeof(buf));
	CHECK(t, taken == 1 && len == IPFIX_HEADER_LEN + ipfix_template_set_len() + 4 + 70,
	      "length %zu", len);
	CHECK(t, u16_at(buf) == 10 && u16_at(buf + 2) == len, "version, length");
	CHECK(t, u32_at(buf + 4) == 1700000002 && u32_at(buf + 8) == 0 && u32_at(buf + 12) == 42,
	      "export time, sequence 0, domain 42");
	set = buf + IPFIX_HEADER_LEN;
	CHECK(t, u16_at(set) == 2 && u16_at(set + 2) == ipfix_template_set_len(), "template set");
	check_template(t, set + 4, IPFIX_TEMPLATE_V4, 70, &tlen4);
	check_template(t, set + 4 + tlen4, IPFIX_TEMPLATE_V6, 94, &tlen6);
	CHECK(t, 4 + tlen4 + tlen6 == ipfix_template_set_len(), "set length");
	set += ipfix_template_set_len();
	CHECK(t, u16_at(set) == 256 && u16_at(set + 2) == 74, "data set 256 of one record");
	r = set + 4;
	CHECK(t, !memcmp(r, "\xc6\x12\x00\x02\xc6\x12\x00\x01", 8), "addresses");
	CHECK(t, u16_at(r + 8) == 40000 && u16_at(r + 10) == 22 && r[12] == IPPROTO_TCP,
	      "ports, protocol");
	CHECK(t, u16_at(r + 13) == 0 && u16_at(r + 15) == 100, "icmp, vlan");
	CHECK(t, u16_at(r + 17) == 0x12 && u16_at(r + 19) == 0x1b, "reverse, forward flags");
	CHECK(t, r[21] == 2, "flowEndReason");
	CHECK(t, u64_at(r + 22) == 1700000000123ULL && u64_at(r + 30) == 1700000001987ULL,
	      "ms");
	CHECK(t, u64_at(r + 38) == 7 && u64_at(r + 46) == 700 && u64_at(r + 54) == 5 &&
		 u64_at(r + 62) == 5000000000ULL, "packets, bytes, reverse packets, reverse bytes");
	CHECK(t, st.sequence == 1, "the stream counted the record");
}

static void test_message_v6_and_mixed(struct test_case *t)
{
	struct flow_event ev;
	struct flow_key key;
	struct flow_record rec;
	struct ipfix_flow f[3];
	struct ipfix_stream st;
	uint8_t buf[1400], *set, want[16];
	size_t len, taken;

	flow_fixture(&ev, &key, &rec, 4);
	ipfix_flow_of(&ev, &f[0]);
	flow_fixture(&ev, &key, &rec, 6);
	ipfix_flow_of(&ev, &f[1]);
	f[2] = f[0];
	ipfix_stream_init(&st, 1, 0, 0);
	st.templates_pending = 0;
	len = ipfix_message_build(&st, 1, 0, f, 3, &taken, buf, sizeof(buf));
	CHECK(t, taken == 3 && len == 16 + (4 + 70) + (4 + 94) + (4 + 70), "length %zu", len);
	set = buf + 16;
	CHECK(t, u16_at(set) == 256 && u16_at(set + 2) == 74, "v4 set");
	set += 74;
	CHECK(t, u16_at(set) == 257 && u16_at(set + 2) == 98, "v6 set");
	inet_pton(AF_INET6, "2001:db8::2", want);
	CHECK(t, !memcmp(set + 4, want, 16), "v6 source is the initiator");
	inet_pton(AF_INET6, "2001:db8::1", want);
	CHECK(t, !memcmp(set + 20, want, 16), "v6 destination");
	CHECK(t, u16_at(set + 36) == 40000 && u16_at(set + 38) == 22, "v6 ports");
	set += 98;
	CHECK(t, u16_at(set) == 256 && u16_at(set + 2) == 74, "v4 set again");
}

static void test_sequence_and_bound(struct test_case *t)
{
	struct flow_event ev;
	struct flow_key key;
	struct flow_record rec;
	struct ipfix_flow f[40];
	struct ipfix_stream st;
	uint8_t buf[1400];
	size_t i, len, taken, first;

	flow_fixture(&ev, &key, &rec, 4);
	for (i = 0; i < 40; i++)
		ipfix_flow_of(&ev, &f[i]);
	ipfix_stream_init(&st, 7, 1, 60000);
	len = ipfix_message_build(&st, 1, 1, f, 40, &taken, buf, sizeof(buf));
	first = (1400 - 16 - ipfix_template_set_len() - 4) / 70;
	CHECK(t, taken == first && len <= 1400, "with templates: %zu records in %zu bytes", taken,
	      len);
	CHECK(t, u32_at(buf + 8) == 0, "first sequence 0");
	len = ipfix_message_build(&st, 1, 0, f + taken, 40 - taken, &taken, buf, sizeof(buf));
	CHECK(t, taken == (1400 - 16 - 4) / 70 && len <= 1400, "without: %zu records", taken);
	CHECK(t, u32_at(buf + 8) == first, "second sequence %u, want %zu", u32_at(buf + 8), first);
	CHECK(t, st.sequence == first + taken, "records so far");
	st.sequence = 0xffffffffu;	/* modulo 2^32 */
	ipfix_message_build(&st, 1, 0, f, 2, &taken, buf, sizeof(buf));
	CHECK(t, u32_at(buf + 8) == 0xffffffffu && st.sequence == 1, "wraps");
	CHECK(t, ipfix_message_build(&st, 1, 1, f, 2, &taken, buf, 100) == 0 && taken == 0,
	      "a bound too small for one record builds nothing");
}

static void test_template_resend(struct test_case *t)
{
	struct ipfix_stream udp, tcp;

	ipfix_stream_init(&udp, 1, 1, 60000);
	CHECK(t, ipfix_stream_wants_templates(&udp, 1000), "UDP: first message");
	ipfix_stream_sent(&udp, 1, 1000);
	CHECK(t, !ipfix_stream_wants_templates(&udp, 60999), "UDP: not before the interval");
	CHECK(t, ipfix_stream_wants_templates(&udp, 61000), "UDP: after the interval");
	ipfix_stream_sent(&udp, 0, 61000);
	CHECK(t, ipfix_stream_wants_templates(&udp, 61001), "a message without them changes nothing");
	ipfix_stream_sent(&udp, 1, 61000);
	udp.sequence = 30;
	ipfix_stream_connected(&udp);
	CHECK(t, ipfix_stream_wants_templates(&udp, 61001) && udp.sequence == 30,
	      "UDP reconnect: templates again, the session's sequence goes on");

	ipfix_stream_init(&tcp, 1, 0, 0);
	ipfix_stream_connected(&tcp);
	CHECK(t, ipfix_stream_wants_templates(&tcp, 5), "TCP: first message");
	ipfix_stream_sent(&tcp, 1, 5);
	CHECK(t, !ipfix_stream_wants_templates(&tcp, 1000000000), "TCP: never again");
	tcp.sequence = 12;
	ipfix_stream_connected(&tcp);
	CHECK(t, ipfix_stream_wants_templates(&tcp, 6) && tcp.sequence == 0,
	      "TCP reconnect: a new stream, templates and sequence 0");
}

int main(void)
{
	test_program = "ipfix_format";
	RUN(test_end_reasons);
	RUN(test_flow_of);
	RUN(test_message_v4);
	RUN(test_message_v6_and_mixed);
	RUN(test_sequence_and_bound);
	RUN(test_template_resend);
	return test_summary();
}
