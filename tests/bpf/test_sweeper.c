// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The in-kernel flow sweeper (ew_sweep) as the daemon drives it: flows made by real
 * packets through ew_xdp_ingress (the client's side) and ew_tc_egress (the server's
 * answers), swept at chosen datapath times by flow_table_sweep_bpf(), the ended flows
 * read back from the ended_flows ring buffer by flow_sweep_on_ended() and exported by
 * flow_export() to a temporary EVE file, which each case parses with json-c. Checked:
 * the flow events (reason, endpoints, packets and bytes per direction, start and end),
 * the struct sweep_result, what the table still holds, and after every sweep the
 * conservation sum the daemon's stats event reports:
 *   pkt_flow (both hooks) == packets in flow events + sweep_result.packets_pending
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "counters.h"
#include "datapath.skel.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "flow_export.h"
#include "flow_sweep.h"
#include "../support/packet_builder.h"
#include "../support/packet_runner.h"
#include "../support/test.h"

#define NS 1000000000ULL
#define MS 1000000ULL
/* A capture-like clock (Nov 2023): EVE timestamps are then plain dates. */
#define T0 (1700000000ULL * NS)

#define IDLE_NS (60 * NS)
#define CLOSED_NS (5 * NS)
#define ACTIVE_NS (100 * NS)
/* Table pressure as documented (README, flow.reason "forced"), not as the code's constants
 * say: idle flows go early when the table is 90% full, those idle for idle-timeout/8. */
#define PRESSURE_PERCENT 90
#define PRESSURE_IDLE_DIVISOR 8

#define CLIENT4 "198.18.1.1"
#define SERVER4 "198.18.1.2"
#define CLIENT6 "2001:db8:1::1"
#define SERVER6 "2001:db8:1::2"

#define PROTO_TCP 6
#define PROTO_UDP 17
#define TC_ACT_OK_VERDICT 0
#define XDP_PASS_VERDICT 2

#define MAX_EVENTS 16
#define SWEEP_TABLE_SIZE 200000

/* Records of struct flow_end the ended_flows ring buffer holds: each has an 8-byte header. */
#define RING_CAPACITY (EW_ENDED_RINGBUF_SIZE / (sizeof(struct flow_end) + 8))

static struct dp sweep_dp;

struct sweep_fixture {
	struct dp *dp;
	struct ring_buffer *ring;	/* ended_flows, read by flow_sweep_on_ended */
	struct sweep_run run;
	struct sweep_result result;
	struct sweep_policy policy;
	struct output out;
	int out_open;
	struct flow_exporter x;
	char eve_path[64];
	long eve_read;			/* bytes of the EVE file already parsed */
	uint64_t pkt_flow_start;	/* pkt_flow of both hooks when the case began */
	int open;
};

/* One at a time; a case that failed half-way has it closed by the next one (or main). */
static struct sweep_fixture fixture;

/* One conversation: a client reaching in (XDP ingress), a server answering (tc egress). */
struct conv {
	const char *client;
	uint16_t cport;
	const char *server;
	uint16_t sport;
	uint8_t proto;
	uint64_t pkts[2];	/* since the flow's last record, by enum ew_dir */
	uint64_t bytes[2];
	uint64_t sent_pkts[2];	/* all of them */
	uint64_t sent_bytes[2];
	uint64_t first_ns;
	uint64_t last_ns;
};

/* What a flow event says, for comparing. */
struct parsed_flow_event {
	uint64_t flow_id;
	char reason[24];
	char src_ip[48];
	char dest_ip[48];
	int64_t src_port;	/* -1: absent */
	int64_t dest_port;
	char proto[16];
	char state[16];
	char start[EVE_TIMESTAMP_LEN];
	char end[EVE_TIMESTAMP_LEN];
	uint64_t age;
	uint64_t pkts[2];
	uint64_t bytes[2];
	char tcp_flags_ts[4];	/* "" when the event has no tcp object */
	char tcp_flags_tc[4];
};

/* ---- EVE output --------------------------------------------------------------------- */

static struct json_object *jpath(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return v;
}

static void jcopy(char *dst, size_t len, struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v = jpath(o, k1, k2);

	snprintf(dst, len, "%s", v ? json_object_get_string(v) : "");
}

static uint64_t ju64(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v = jpath(o, k1, k2);

	return v ? json_object_get_uint64(v) : UINT64_MAX;
}

typedef void (*event_fn)(struct json_object *event, void *ctx);

/*
 * Parse every line written since the last call, in order, and hand each event to fn.
 * Returns the number of lines, or -1 when one is not JSON (a torn or garbled event).
 */
static long eve_each_new(struct sweep_fixture *fx, event_fn fn, void *ctx)
{
	FILE *f = fopen(fx->eve_path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long n = 0;

	if (!f)
		return -1;
	if (fseek(f, fx->eve_read, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct json_object *event = json_tokener_parse(line);

		if (!event || line[len - 1] != '\n') {
			json_object_put(event);
			n = -1;
			break;
		}
		fx->eve_read += len;
		fn(event, ctx);
		json_object_put(event);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

struct event_list {
	struct parsed_flow_event ev[MAX_EVENTS];
	int n;		/* flow events seen (may exceed MAX_EVENTS) */
	int others;	/* events that are not flow events */
};

static void collect_flow_event(struct json_object *o, void *ctx)
{
	struct event_list *l = ctx;
	struct parsed_flow_event *e;
	char type[16];

	jcopy(type, sizeof(type), o, "event_type", NULL);
	if (strcmp(type, "flow") != 0) {
		l->others++;
		return;
	}
	if (l->n++ >= MAX_EVENTS)
		return;
	e = &l->ev[l->n - 1];
	e->flow_id = ju64(o, "flow_id", NULL);
	jcopy(e->reason, sizeof(e->reason), o, "flow", "reason");
	jcopy(e->src_ip, sizeof(e->src_ip), o, "src_ip", NULL);
	jcopy(e->dest_ip, sizeof(e->dest_ip), o, "dest_ip", NULL);
	e->src_port = jpath(o, "src_port", NULL) ? (int64_t)ju64(o, "src_port", NULL) : -1;
	e->dest_port = jpath(o, "dest_port", NULL) ? (int64_t)ju64(o, "dest_port", NULL) : -1;
	jcopy(e->proto, sizeof(e->proto), o, "proto", NULL);
	jcopy(e->state, sizeof(e->state), o, "flow", "state");
	jcopy(e->start, sizeof(e->start), o, "flow", "start");
	jcopy(e->end, sizeof(e->end), o, "flow", "end");
	e->age = ju64(o, "flow", "age");
	e->pkts[EW_DIR_TO_SERVER] = ju64(o, "flow", "pkts_toserver");
	e->pkts[EW_DIR_TO_CLIENT] = ju64(o, "flow", "pkts_toclient");
	e->bytes[EW_DIR_TO_SERVER] = ju64(o, "flow", "bytes_toserver");
	e->bytes[EW_DIR_TO_CLIENT] = ju64(o, "flow", "bytes_toclient");
	jcopy(e->tcp_flags_ts, sizeof(e->tcp_flags_ts), o, "tcp", "tcp_flags_ts");
	jcopy(e->tcp_flags_tc, sizeof(e->tcp_flags_tc), o, "tcp", "tcp_flags_tc");
}

/* The flow events written since the last read; -1 if the output is not clean JSON lines. */
static int read_flow_events(struct sweep_fixture *fx, struct event_list *l)
{
	memset(l, 0, sizeof(*l));
	return eve_each_new(fx, collect_flow_event, l) < 0 ? -1 : l->n;
}

static const struct parsed_flow_event *event_with_reason(const struct event_list *l, const char *reason,
						   const char *src_ip)
{
	int i;

	for (i = 0; i < l->n && i < MAX_EVENTS; i++)
		if (!strcmp(l->ev[i].reason, reason) && !strcmp(l->ev[i].src_ip, src_ip))
			return &l->ev[i];
	return NULL;
}

static void ts_text(uint64_t ns, char out[EVE_TIMESTAMP_LEN])
{
	eve_format_timestamp(ns, out);	/* the exporter's realtime offset is 0 here */
}

/* ---- fixture ------------------------------------------------------------------------ */

static int discard_record(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Records a failed case left in the ring must not reach the next case's exporter. */
static void drain_stale_records(struct dp *dp)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.ended_flows),
						  discard_record, NULL, NULL);

	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
}

static uint64_t pkt_flow_total(struct dp *dp)
{
	struct ew_counters c;

	if (dp_counters(dp, &c))
		return UINT64_MAX;
	return c.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW] +
	       c.count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FLOW];
}

static void fixture_close(struct sweep_fixture *fx)
{
	ring_buffer__free(fx->ring);
	flow_exporter_destroy(&fx->x);
	if (fx->out_open)
		output_close(&fx->out);
	fx->out_open = 0;
	if (!strncmp(fx->eve_path, "/tmp/", 5))
		unlink(fx->eve_path);
	if (fx->dp)
		dp_reset(fx->dp);
	fx->open = 0;
}

/* An empty table, a new EVE file (eve_target: NULL for a temporary one) and exporter. */
static int fixture_open(struct sweep_fixture *fx, struct dp *dp, const char *eve_target)
{
	int fd, err;

	if (fx->open)
		fixture_close(fx);
	memset(fx, 0, sizeof(*fx));
	fx->open = 1;
	fx->dp = dp;
	err = dp_reset(dp);
	if (err)
		return err;
	drain_stale_records(dp);
	if (eve_target) {
		snprintf(fx->eve_path, sizeof(fx->eve_path), "%s", eve_target);
	} else {
		snprintf(fx->eve_path, sizeof(fx->eve_path), "/tmp/edgewatch-sweeper.XXXXXX");
		fd = mkstemp(fx->eve_path);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	err = output_open(&fx->out, fx->eve_path, "test0");
	if (err)
		return err;
	fx->out_open = 1;
	flow_exporter_init(&fx->x, &fx->out, 11, 0);
	fx->run.x = &fx->x;
	fx->run.result = &fx->result;
	/* the daemon's callback, with the daemon's context */
	fx->ring = ring_buffer__new(bpf_map__fd(dp->skel->maps.ended_flows), flow_sweep_on_ended,
				    &fx->run, NULL);
	if (!fx->ring)
		return -errno;
	fx->policy.idle_timeout_ns = IDLE_NS;
	fx->policy.tcp_closed_timeout_ns = CLOSED_NS;
	fx->policy.active_timeout_ns = 0;
	fx->policy.table_size = bpf_map__max_entries(dp->skel->maps.flows);
	fx->pkt_flow_start = pkt_flow_total(dp);
	return fx->pkt_flow_start == UINT64_MAX ? -EIO : 0;
}

/* One sweep, as engine_sweep() does it: the kernel's walk, the ring drained, a flush. */
static int sweep_at(struct sweep_fixture *fx, uint64_t now_ns, int shutdown)
{
	int err;

	fx->run.now_ns = now_ns;
	err = flow_table_sweep_bpf(fx->dp->skel, fx->ring, &fx->run, &fx->policy, shutdown);
	output_flush(&fx->out);
	return err;
}

/*
 * The daemon's conservation sum after the last sweep (engine_write_stats): packets put
 * in flows are in flow events, still in the table, or in events the writer lost.
 */
static void check_conservation(struct test_case *t, struct sweep_fixture *fx, const char *when)
{
	uint64_t now = pkt_flow_total(fx->dp), in_flows = now - fx->pkt_flow_start;
	struct flow_export_totals x;
	uint64_t accounted;

	CHECK(t, now != UINT64_MAX, "%s: cannot read the counters", when);

	flow_export_totals(&fx->x, &x);
	accounted = x.packets + fx->result.packets_pending + x.write_failed_packets;

	EXPECT(t, in_flows == accounted,
	       "%s: pkt_flow +%" PRIu64 " != exported %" PRIu64 " + pending %" PRIu64
	       " + write failed %" PRIu64, when, in_flows, x.packets,
	       fx->result.packets_pending, x.write_failed_packets);
}

/* ---- packets ------------------------------------------------------------------------ */

/*
 * One packet of c at now_ns: from the client through XDP, from the server through tc.
 * Tallies it in c's direction. 0, or -1 when it could not be run or was not in a flow.
 */
static int conv_send(struct sweep_fixture *fx, struct conv *c, int from_server, uint8_t flags,
		     size_t payload, uint64_t now_ns)
{
	const char *src = from_server ? c->server : c->client;
	const char *dst = from_server ? c->client : c->server;
	uint16_t sp = from_server ? c->sport : c->cport, dp = from_server ? c->cport : c->sport;
	int dir = from_server ? EW_DIR_TO_CLIENT : EW_DIR_TO_SERVER;
	uint64_t flows_before = pkt_flow_total(fx->dp);
	uint32_t verdict = ~0u;
	struct pkt p;
	int err;

	pkt_init(&p);
	pkt_eth(&p);
	if (strchr(src, ':'))
		pkt_ipv6(&p, src, dst);
	else
		pkt_ipv4(&p, &(struct pkt_ipv4){ .src = src, .dst = dst });
	if (c->proto == PROTO_TCP)
		pkt_tcp(&p, sp, dp, flags, 0);
	else
		pkt_udp(&p, sp, dp);
	if (payload)
		pkt_payload(&p, payload, 'a');
	pkt_finish(&p);
	pkt_pad(&p, 60);
	if (!pkt_ok(&p))
		return -1;
	if (from_server)
		err = dp_run_tc(fx->dp, p.data, p.len, 0, 0, now_ns, &verdict);
	else
		err = dp_run_xdp(fx->dp, p.data, p.len, now_ns, &verdict);
	if (err || verdict != (from_server ? TC_ACT_OK_VERDICT : XDP_PASS_VERDICT))
		return -1;
	if (pkt_flow_total(fx->dp) != flows_before + 1)
		return -1;
	c->pkts[dir]++;
	c->bytes[dir] += p.len;
	c->sent_pkts[dir]++;
	c->sent_bytes[dir] += p.len;
	if (!c->first_ns)
		c->first_ns = now_ns;
	c->last_ns = now_ns;
	return 0;
}

/* The record of c's flow was checked: the next one counts from here. */
static void conv_rebase(struct conv *c)
{
	memset(c->pkts, 0, sizeof(c->pkts));
	memset(c->bytes, 0, sizeof(c->bytes));
}

static uint64_t conv_pending(const struct conv *c)
{
	return c->pkts[0] + c->pkts[1];
}

/* The flow of c as the table holds it. */
static int conv_record(struct sweep_fixture *fx, const struct conv *c, struct flow_record *rec)
{
	struct flow_key key;
	bool client_is_a;

	if (dp_flow_key(&key, &client_is_a, c->client, c->cport, c->server, c->sport, c->proto))
		return -EINVAL;
	return dp_flow_get(fx->dp, &key, rec);
}

/*
 * A flow event is c's, with reason, covering what c sent since its last record, from
 * start_ns to end_ns.
 */
static void check_event(struct test_case *t, const struct parsed_flow_event *e, const struct conv *c,
			const char *reason, uint64_t start_ns, uint64_t end_ns)
{
	char start[EVE_TIMESTAMP_LEN], end[EVE_TIMESTAMP_LEN];

	CHECK(t, e, "no %s event from %s", reason, c->client);
	ts_text(start_ns, start);
	ts_text(end_ns, end);
	EXPECT(t, !strcmp(e->reason, reason), "reason %s, want %s", e->reason, reason);
	EXPECT(t, !strcmp(e->src_ip, c->client) && !strcmp(e->dest_ip, c->server) &&
			  e->src_port == c->cport && e->dest_port == c->sport,
	       "endpoints %s:%" PRId64 " -> %s:%" PRId64, e->src_ip, e->src_port, e->dest_ip,
	       e->dest_port);
	EXPECT(t, !strcmp(e->proto, c->proto == PROTO_TCP ? "TCP" : "UDP"), "proto %s", e->proto);
	EXPECT(t, e->pkts[0] == c->pkts[0] && e->pkts[1] == c->pkts[1],
	       "%s: pkts %" PRIu64 "/%" PRIu64 ", sent %" PRIu64 "/%" PRIu64, reason, e->pkts[0],
	       e->pkts[1], c->pkts[0], c->pkts[1]);
	EXPECT(t, e->bytes[0] == c->bytes[0] && e->bytes[1] == c->bytes[1],
	       "%s: bytes %" PRIu64 "/%" PRIu64 ", sent %" PRIu64 "/%" PRIu64, reason,
	       e->bytes[0], e->bytes[1], c->bytes[0], c->bytes[1]);
	EXPECT(t, !strcmp(e->start, start) && !strcmp(e->end, end), "%s: %s .. %s, want %s .. %s",
	       reason, e->start, e->end, start, end);
	EXPECT(t, e->age == (end_ns - start_ns) / NS, "age %" PRIu64, e->age);
}

/* The sweep's result: events by reason (every other reason 0), what stays. */
static void check_result(struct test_case *t, const struct sweep_fixture *fx, const char *when,
			 int err, const uint64_t want_exported[EW_END_MAX], uint64_t in_table,
			 uint64_t pending)
{
	const struct sweep_result *r = &fx->result;
	int i;

	CHECK(t, err == 0, "%s: flow_table_sweep_bpf: %s", when, strerror(-err));
	for (i = 0; i < EW_END_MAX; i++)
		EXPECT(t, r->exported[i] == want_exported[i],
		       "%s: exported %s: %" PRIu64 ", want %" PRIu64, when,
		       flow_end_reason_name(i), r->exported[i], want_exported[i]);
	EXPECT(t, r->flows_in_table == in_table, "%s: flows_in_table %" PRIu64 ", want %" PRIu64,
	       when, r->flows_in_table, in_table);
	EXPECT(t, r->packets_pending == pending, "%s: packets_pending %" PRIu64 ", want %" PRIu64,
	       when, r->packets_pending, pending);
	EXPECT(t, r->errors == 0 && r->delete_races == 0 && r->reused_before_refresh == 0,
	       "%s: errors %" PRIu64 ", delete races %" PRIu64 ", reused %" PRIu64, when,
	       r->errors, r->delete_races, r->reused_before_refresh);
	EXPECT(t, dp_flow_count(fx->dp) == (int)in_table,
	       "%s: %d flows in the table, want %" PRIu64, when, dp_flow_count(fx->dp), in_table);
}

#define EXPORTED(...) ((const uint64_t[EW_END_MAX]){ __VA_ARGS__ })
#define NONE_EXPORTED EXPORTED(0)

/* ---- cases -------------------------------------------------------------------------- */

/* Idle timeout: a flow quiet for just under the timeout stays, at the timeout it ends. */
static void test_idle_timeout(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv c = { CLIENT4, 40000, SERVER4, 53, PROTO_UDP };
	struct event_list l;
	int err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	err = conv_send(fx, &c, 0, 0, 40, T0);
	err = err ?: conv_send(fx, &c, 1, 0, 120, T0 + 500 * MS);
	err = err ?: conv_send(fx, &c, 0, 0, 41, T0 + 2 * NS);
	CHECK(t, err == 0, "a packet did not land in a flow");

	err = sweep_at(fx, c.last_ns + IDLE_NS - 1, 0);
	check_result(t, fx, "1 ns before the idle timeout", err, NONE_EXPORTED, 1, 3);
	check_conservation(t, fx, "1 ns before the idle timeout");
	EXPECT(t, read_flow_events(fx, &l) == 0, "%d flow events before the timeout", l.n);

	err = sweep_at(fx, c.last_ns + IDLE_NS, 0);
	check_result(t, fx, "at the idle timeout", err, EXPORTED([EW_END_TIMEOUT] = 1), 0, 0);
	check_conservation(t, fx, "at the idle timeout");
	CHECK(t, read_flow_events(fx, &l) == 1 && l.others == 0, "%d flow events, %d others",
	      l.n, l.others);
	check_event(t, &l.ev[0], &c, "timeout", c.first_ns, c.last_ns);
	EXPECT(t, !strcmp(l.ev[0].state, "established"), "state %s", l.ev[0].state);
	fixture_close(fx);
}

/* A TCP handshake, data, and a close; returns 0 when every packet landed in the flow. */
static int tcp_session(struct sweep_fixture *fx, struct conv *c, uint64_t t, int server_fin)
{
	int err = conv_send(fx, c, 0, PKT_TCP_SYN, 0, t);

	err = err ?: conv_send(fx, c, 1, PKT_TCP_SYN | PKT_TCP_ACK, 0, t + 1 * MS);
	err = err ?: conv_send(fx, c, 0, PKT_TCP_ACK, 0, t + 2 * MS);
	err = err ?: conv_send(fx, c, 0, PKT_TCP_PSH | PKT_TCP_ACK, 200, t + 3 * MS);
	err = err ?: conv_send(fx, c, 1, PKT_TCP_PSH | PKT_TCP_ACK, 900, t + 4 * MS);
	err = err ?: conv_send(fx, c, 0, PKT_TCP_FIN | PKT_TCP_ACK, 0, t + 5 * MS);
	if (server_fin)
		err = err ?: conv_send(fx, c, 1, PKT_TCP_FIN | PKT_TCP_ACK, 0, t + 6 * MS);
	err = err ?: conv_send(fx, c, 0, PKT_TCP_ACK, 0, t + 7 * MS);
	return err;
}

/*
 * FIN both ways, then tcp-closed-timeout of quiet: "closed". A flow with a FIN from one
 * side only is not closed: it waits for the idle timeout.
 */
static void test_tcp_fin_closed(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv both = { CLIENT4, 40001, SERVER4, 443, PROTO_TCP };
	struct conv half = { CLIENT6, 40002, SERVER6, 443, PROTO_TCP };
	struct event_list l;
	uint64_t last;
	int err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	err = tcp_session(fx, &both, T0, 1);
	err = err ?: tcp_session(fx, &half, T0, 0);
	CHECK(t, err == 0, "a packet did not land in a flow");
	last = both.last_ns;	/* both sessions end at the same time */

	err = sweep_at(fx, last + CLOSED_NS - 1, 0);
	check_result(t, fx, "before tcp-closed-timeout", err, NONE_EXPORTED, 2,
		     conv_pending(&both) + conv_pending(&half));
	check_conservation(t, fx, "before tcp-closed-timeout");

	err = sweep_at(fx, last + CLOSED_NS, 0);
	check_result(t, fx, "at tcp-closed-timeout", err, EXPORTED([EW_END_CLOSED] = 1), 1,
		     conv_pending(&half));
	check_conservation(t, fx, "at tcp-closed-timeout");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, event_with_reason(&l, "closed", CLIENT4), &both, "closed", both.first_ns,
		    last);
	/* SYN ACK PSH FIN from the client; SYN ACK PSH FIN from the server */
	EXPECT(t, !strcmp(l.ev[0].tcp_flags_ts, "1b") && !strcmp(l.ev[0].tcp_flags_tc, "1b"),
	       "tcp flags %s/%s", l.ev[0].tcp_flags_ts, l.ev[0].tcp_flags_tc);
	EXPECT(t, !strcmp(l.ev[0].state, "closed"), "state %s", l.ev[0].state);

	err = sweep_at(fx, last + IDLE_NS, 0);
	check_result(t, fx, "half-closed at the idle timeout", err,
		     EXPORTED([EW_END_TIMEOUT] = 1), 0, 0);
	check_conservation(t, fx, "half-closed at the idle timeout");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, event_with_reason(&l, "timeout", CLIENT6), &half, "timeout",
		    half.first_ns, half.last_ns);
	fixture_close(fx);
}

/* An RST from either side, then tcp-closed-timeout of quiet: "closed". */
static void test_tcp_rst_closed(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv c = { CLIENT4, 40003, SERVER4, 22, PROTO_TCP };
	struct event_list l;
	int err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	err = conv_send(fx, &c, 0, PKT_TCP_SYN, 0, T0);
	err = err ?: conv_send(fx, &c, 1, PKT_TCP_RST | PKT_TCP_ACK, 0, T0 + 1 * MS);
	CHECK(t, err == 0, "a packet did not land in a flow");

	err = sweep_at(fx, c.last_ns + CLOSED_NS - 1, 0);
	check_result(t, fx, "before tcp-closed-timeout", err, NONE_EXPORTED, 1, 2);
	check_conservation(t, fx, "before tcp-closed-timeout");
	err = sweep_at(fx, c.last_ns + CLOSED_NS, 0);
	check_result(t, fx, "at tcp-closed-timeout", err, EXPORTED([EW_END_CLOSED] = 1), 0, 0);
	check_conservation(t, fx, "at tcp-closed-timeout");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &c, "closed", c.first_ns, c.last_ns);
	EXPECT(t, !strcmp(l.ev[0].tcp_flags_ts, "02") && !strcmp(l.ev[0].tcp_flags_tc, "14"),
	       "tcp flags %s/%s", l.ev[0].tcp_flags_ts, l.ev[0].tcp_flags_tc);
	fixture_close(fx);
}

/*
 * The earliest time a flow the sweep kept can end (sweep_result.next_end_ns): the live
 * daemon and replay skip the sweeps before it (flow_sweep.h), so it must be the minimum
 * of every kept flow's idle, tcp-closed and active ends, and ~0 for an empty table.
 */
static void test_next_end_ns(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv udp = { CLIENT4, 40010, SERVER4, 53, PROTO_UDP };
	struct conv rst = { CLIENT4, 40011, SERVER4, 22, PROTO_TCP };
	struct conv old = { CLIENT6, 40012, SERVER6, 443, PROTO_UDP };
	int err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	fx->policy.active_timeout_ns = ACTIVE_NS;
	err = sweep_at(fx, T0, 0);
	EXPECT(t, err == 0 && fx->result.next_end_ns == UINT64_MAX,
	       "empty table: next_end_ns %" PRIu64 ", want ~0", fx->result.next_end_ns);
	err = conv_send(fx, &old, 0, 0, 40, T0);		/* active: T0 + 100 s */
	err = err ?: conv_send(fx, &udp, 0, 0, 40, T0 + 1 * NS);
	err = err ?: conv_send(fx, &rst, 0, PKT_TCP_SYN, 0, T0 + 2 * NS);
	err = err ?: conv_send(fx, &rst, 1, PKT_TCP_RST | PKT_TCP_ACK, 0, T0 + 3 * NS);
	err = err ?: conv_send(fx, &udp, 1, 0, 80, T0 + 4 * NS);	/* idle: T0 + 64 s */
	/* keeps old busy past its idle end, so its active end comes first */
	for (uint64_t s = 30; !err && s <= 90; s += 30)
		err = conv_send(fx, &old, 1, 0, 40, T0 + s * NS);
	CHECK(t, err == 0, "a packet did not land in a flow");

	err = sweep_at(fx, T0 + 3 * NS + CLOSED_NS - 1, 0);
	check_result(t, fx, "before the RST flow's end", err, NONE_EXPORTED, 3, 8);
	EXPECT(t, fx->result.next_end_ns == T0 + 3 * NS + CLOSED_NS,
	       "next_end_ns T0%+" PRId64 " ns, want the RST flow's tcp-closed end T0+8 s",
	       (int64_t)(fx->result.next_end_ns - T0));
	err = sweep_at(fx, fx->result.next_end_ns, 0);
	check_result(t, fx, "at the RST flow's end", err, EXPORTED([EW_END_CLOSED] = 1), 2, 6);
	EXPECT(t, fx->result.next_end_ns == T0 + 4 * NS + IDLE_NS,
	       "next_end_ns T0%+" PRId64 " ns, want the UDP flow's idle end T0+64 s",
	       (int64_t)(fx->result.next_end_ns - T0));
	err = sweep_at(fx, fx->result.next_end_ns, 0);
	check_result(t, fx, "at the UDP flow's end", err, EXPORTED([EW_END_TIMEOUT] = 1), 1, 4);
	EXPECT(t, fx->result.next_end_ns == T0 + ACTIVE_NS,
	       "next_end_ns T0%+" PRId64 " ns, want the busy flow's active end T0+100 s",
	       (int64_t)(fx->result.next_end_ns - T0));
	fixture_close(fx);
}

/*
 * Table pressure: when the previous sweep left the table at least 90% full, flows idle
 * for idle-timeout/8 end as "forced"; just under 90% they stay. A flow past the idle
 * timeout is still "timeout", a flow idle for a little less than idle/8 stays.
 */
static void test_table_pressure_forced(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv idle = { CLIENT4, 40010, SERVER4, 53, PROTO_UDP };
	struct conv recent = { CLIENT4, 40011, SERVER4, 53, PROTO_UDP };
	struct conv old = { CLIENT4, 40012, SERVER4, 53, PROTO_UDP };
	uint64_t pressure_idle = IDLE_NS / PRESSURE_IDLE_DIVISOR, now = T0 + 2 * IDLE_NS;
	uint64_t threshold;
	struct event_list l;
	int err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	/* exactly 90% (the table size is a multiple of 10) */
	CHECK(t, fx->policy.table_size * PRESSURE_PERCENT % 100 == 0, "table of %u flows",
	      fx->policy.table_size);
	threshold = (uint64_t)fx->policy.table_size * PRESSURE_PERCENT / 100;
	err = conv_send(fx, &old, 0, 0, 10, now - IDLE_NS);
	err = err ?: conv_send(fx, &idle, 0, 0, 10, now - pressure_idle - 1 * MS);
	err = err ?: conv_send(fx, &idle, 1, 0, 30, now - pressure_idle);
	err = err ?: conv_send(fx, &recent, 0, 0, 10, now - pressure_idle + 1 * MS);
	CHECK(t, err == 0, "a packet did not land in a flow");

	/* just under 90%: no pressure, only the idle timeout */
	fx->policy.fill_hint = threshold - 1;
	err = sweep_at(fx, now, 0);
	check_result(t, fx, "below 90%", err, EXPORTED([EW_END_TIMEOUT] = 1), 2,
		     conv_pending(&idle) + conv_pending(&recent));
	check_conservation(t, fx, "below 90%");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &old, "timeout", old.first_ns, old.last_ns);

	/* 90%: flows idle for idle/8 go early */
	fx->policy.fill_hint = threshold;
	err = sweep_at(fx, now, 0);
	check_result(t, fx, "at 90%", err, EXPORTED([EW_END_FORCED] = 1), 1,
		     conv_pending(&recent));
	check_conservation(t, fx, "at 90%");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &idle, "forced", idle.first_ns, idle.last_ns);
	CHECK(t, l.ev[0].src_port == idle.cport, "forced the wrong flow (port %" PRId64 ")",
	      l.ev[0].src_port);

	err = sweep_at(fx, now, 1);
	check_result(t, fx, "after shutdown", err, EXPORTED([EW_END_SHUTDOWN] = 1), 0, 0);
	check_conservation(t, fx, "after shutdown");
	fixture_close(fx);
}

/* Shutdown: every flow ends, whatever its state, even one with a packet at that instant. */
static void test_shutdown_every_flow(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv c[4] = {
		{ CLIENT4, 40020, SERVER4, 80, PROTO_TCP },
		{ CLIENT6, 40021, SERVER6, 80, PROTO_TCP },
		{ CLIENT4, 40022, SERVER4, 123, PROTO_UDP },
		{ CLIENT6, 40023, SERVER6, 123, PROTO_UDP },
	};
	uint64_t now = T0 + 10 * NS;
	struct event_list l;
	int i, j, err = 0;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	for (i = 0; i < 4 && !err; i++) {
		err = conv_send(fx, &c[i], 0, PKT_TCP_SYN, 0, T0 + i * NS);
		err = err ?: conv_send(fx, &c[i], 1, PKT_TCP_SYN | PKT_TCP_ACK, 0, now);
	}
	CHECK(t, err == 0, "a packet did not land in a flow");
	err = sweep_at(fx, now, 0);
	check_result(t, fx, "before shutdown", err, NONE_EXPORTED, 4, 8);
	check_conservation(t, fx, "before shutdown");

	err = sweep_at(fx, now, 1);
	check_result(t, fx, "after shutdown", err, EXPORTED([EW_END_SHUTDOWN] = 4), 0, 0);
	check_conservation(t, fx, "after shutdown");
	CHECK(t, read_flow_events(fx, &l) == 4, "%d flow events, want 4", l.n);
	for (i = 0; i < 4; i++) {
		const struct parsed_flow_event *e = NULL;

		for (j = 0; j < 4; j++)
			if (l.ev[j].src_port == c[i].cport)
				e = &l.ev[j];
		check_event(t, e, &c[i], "shutdown", c[i].first_ns, c[i].last_ns);
		if (t->failed)
			break;
	}
	fixture_close(fx);
}

/*
 * A sweep that ends some flows leaves the others exactly as they were: still in the
 * table with every counter, and counted in flows_in_table and packets_pending.
 */
static void test_unended_flows_stay(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv gone = { CLIENT4, 40030, SERVER4, 53, PROTO_UDP };
	struct conv a = { CLIENT4, 40031, SERVER4, 8443, PROTO_TCP };
	struct conv b = { CLIENT6, 40032, SERVER6, 53, PROTO_UDP };
	struct flow_record before_a, before_b, after;
	uint64_t now = T0 + IDLE_NS + 5 * NS;
	struct event_list l;
	int i, err;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	err = conv_send(fx, &gone, 0, 0, 60, T0);
	err = err ?: tcp_session(fx, &a, T0, 0);	/* half-closed, recent */
	for (i = 0; i < 5 && !err; i++)
		err = conv_send(fx, &b, i & 1, 0, 30 + i, now - 30 * NS + i * NS);
	err = err ?: conv_send(fx, &a, 1, PKT_TCP_ACK, 0, now - 1 * NS);
	CHECK(t, err == 0, "a packet did not land in a flow");
	CHECK(t, conv_record(fx, &a, &before_a) == 0 && conv_record(fx, &b, &before_b) == 0,
	      "flows not in the table");

	err = sweep_at(fx, now, 0);
	check_result(t, fx, "after the sweep", err, EXPORTED([EW_END_TIMEOUT] = 1), 2,
		     conv_pending(&a) + conv_pending(&b));
	check_conservation(t, fx, "after the sweep");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &gone, "timeout", gone.first_ns, gone.last_ns);
	CHECK(t, conv_record(fx, &a, &after) == 0, "flow a left the table");
	EXPECT(t, !memcmp(&after, &before_a, sizeof(after)), "flow a changed by the sweep");
	CHECK(t, conv_record(fx, &b, &after) == 0, "flow b left the table");
	EXPECT(t, !memcmp(&after, &before_b, sizeof(after)), "flow b changed by the sweep");
	fixture_close(fx);
}

/*
 * Active timeout: a long flow gets a record every active-timeout and stays; its records
 * (two "active_timeout", then the "timeout" that ends it) cover what was sent exactly
 * once: they add up per direction, and each starts where the previous one ended.
 */
static void test_active_timeout(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv c = { CLIENT4, 40040, SERVER4, 8080, PROTO_UDP };
	char prev_end[EVE_TIMESTAMP_LEN];
	uint64_t sum_pkts[2] = {}, sum_bytes[2] = {}, flow_id;
	struct event_list l;
	int i, dir, err = 0;

	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	fx->policy.active_timeout_ns = ACTIVE_NS;
	/* one packet every 10 s (never idle), both directions, sizes all different */
	for (i = 0; i < 10 && !err; i++)
		err = conv_send(fx, &c, i % 3 == 2, 0, 20 + i, T0 + i * 10 * NS);
	CHECK(t, err == 0, "a packet did not land in a flow");

	err = sweep_at(fx, T0 + ACTIVE_NS - 1, 0);
	check_result(t, fx, "before the first active timeout", err, NONE_EXPORTED, 1,
		     conv_pending(&c));
	check_conservation(t, fx, "before the first active timeout");

	/* first record: T0 .. T0+100 s, every packet so far; the flow stays */
	CHECK(t, conv_send(fx, &c, 1, 0, 30, T0 + ACTIVE_NS) == 0, "a packet was not in a flow");
	err = sweep_at(fx, T0 + ACTIVE_NS, 0);
	check_result(t, fx, "first active record", err, EXPORTED([EW_END_ACTIVE_TIMEOUT] = 1),
		     1, 0);
	check_conservation(t, fx, "first active record");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &c, "active_timeout", T0, T0 + ACTIVE_NS);
	flow_id = l.ev[0].flow_id;
	memcpy(prev_end, l.ev[0].end, sizeof(prev_end));
	for (dir = 0; dir < 2; dir++) {
		sum_pkts[dir] += l.ev[0].pkts[dir];
		sum_bytes[dir] += l.ev[0].bytes[dir];
	}
	conv_rebase(&c);

	/* more packets; halfway the sweeps count them as pending, exactly */
	for (i = 0; i < 10 && !err; i++) {
		err = conv_send(fx, &c, i & 1, 0, 300 + i, T0 + ACTIVE_NS + 5 * NS + i * 10 * NS);
		if (!err && i == 4) {
			err = sweep_at(fx, T0 + ACTIVE_NS + 50 * NS, 0);
			check_result(t, fx, "between active records", err, NONE_EXPORTED, 1,
				     conv_pending(&c));
			check_conservation(t, fx, "between active records");
			if (t->failed)
				return;
		}
	}
	CHECK(t, err == 0, "a packet did not land in a flow");
	CHECK(t, conv_pending(&c) == 10, "sent %" PRIu64, conv_pending(&c));

	/* second record: T0+100 .. T0+200 s, only what came since the first */
	err = sweep_at(fx, T0 + 2 * ACTIVE_NS, 0);
	check_result(t, fx, "second active record", err, EXPORTED([EW_END_ACTIVE_TIMEOUT] = 1),
		     1, 0);
	check_conservation(t, fx, "second active record");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &c, "active_timeout", T0 + ACTIVE_NS, T0 + 2 * ACTIVE_NS);
	EXPECT(t, !strcmp(l.ev[0].start, prev_end), "second record starts %s, first ended %s",
	       l.ev[0].start, prev_end);
	EXPECT(t, l.ev[0].flow_id == flow_id, "flow_id changed between records");
	memcpy(prev_end, l.ev[0].end, sizeof(prev_end));
	for (dir = 0; dir < 2; dir++) {
		sum_pkts[dir] += l.ev[0].pkts[dir];
		sum_bytes[dir] += l.ev[0].bytes[dir];
	}
	conv_rebase(&c);

	/* two last packets, then the flow goes idle and ends */
	err = conv_send(fx, &c, 1, 0, 700, T0 + 2 * ACTIVE_NS + 10 * NS);
	err = err ?: conv_send(fx, &c, 0, 0, 701, T0 + 2 * ACTIVE_NS + 20 * NS);
	CHECK(t, err == 0, "a packet did not land in a flow");
	err = sweep_at(fx, c.last_ns + IDLE_NS, 0);
	check_result(t, fx, "final record", err, EXPORTED([EW_END_TIMEOUT] = 1), 0, 0);
	check_conservation(t, fx, "final record");
	CHECK(t, read_flow_events(fx, &l) == 1, "%d flow events, want 1", l.n);
	check_event(t, &l.ev[0], &c, "timeout", T0 + 2 * ACTIVE_NS, c.last_ns);
	EXPECT(t, !strcmp(l.ev[0].start, prev_end), "last record starts %s, previous ended %s",
	       l.ev[0].start, prev_end);
	EXPECT(t, l.ev[0].flow_id == flow_id, "flow_id changed between records");
	for (dir = 0; dir < 2; dir++) {
		sum_pkts[dir] += l.ev[0].pkts[dir];
		sum_bytes[dir] += l.ev[0].bytes[dir];
	}
	for (dir = 0; dir < 2; dir++)
		EXPECT(t, sum_pkts[dir] == c.sent_pkts[dir] && sum_bytes[dir] == c.sent_bytes[dir],
		       "dir %d: records add up to %" PRIu64 " pkts %" PRIu64 " bytes, sent %" PRIu64
		       " pkts %" PRIu64 " bytes", dir, sum_pkts[dir], sum_bytes[dir],
		       c.sent_pkts[dir], c.sent_bytes[dir]);
	fixture_close(fx);
}

/* ---- more ended flows than the ring buffer holds ------------------------------------ */

#define RING_TEST_FLOWS 150000	/* a little over two ring buffers' worth */

/* n idle UDP flows written straight into the table; their packet total. */
static int fill_table(int fd, uint32_t n, uint64_t last_seen, uint64_t *packets)
{
	const uint32_t chunk = 8192;
	struct flow_key *keys = calloc(chunk, sizeof(*keys));
	struct flow_record *vals = calloc(chunk, sizeof(*vals));
	uint32_t i, done = 0, count;
	int err = keys && vals ? 0 : -ENOMEM;

	*packets = 0;
	while (!err && done < n) {
		count = n - done < chunk ? n - done : chunk;
		for (i = 0; i < count; i++) {
			uint32_t id = done + i;

			memset(&keys[i], 0, sizeof(keys[i]));
			keys[i].family = 4;
			keys[i].proto = PROTO_UDP;
			/* 198.18.0.(id >> 16) port (id & 0xffff) <-> 198.19.0.1 port 53 */
			keys[i].addr_a.be32[0] = htonl(0xC6120000 | (id >> 16));
			keys[i].addr_b.be32[0] = htonl(0xC6130001);
			keys[i].port_a = htons(id & 0xffff);
			keys[i].port_b = htons(53);
			memset(&vals[i], 0, sizeof(vals[i]));
			/* counts that differ from flow to flow: a record exported twice, or
			 * another flow's, shows in the sums */
			vals[i].packets[0] = 1 + id % 5;
			vals[i].packets[1] = id % 3;
			vals[i].bytes[0] = 100 * vals[i].packets[0];
			vals[i].bytes[1] = 80 * vals[i].packets[1];
			vals[i].first_seen_ns = last_seen - 1000;
			vals[i].last_seen_ns = last_seen;
			vals[i].flow_seq = (1ULL << 40) | id;
			*packets += vals[i].packets[0] + vals[i].packets[1];
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
			err = -errno;
		done += count;
	}
	free(keys);
	free(vals);
	return err;
}

struct ring_tally {
	uint8_t *seen;		/* per flow id: flow events */
	uint64_t *flow_ids;
	uint64_t events;
	uint64_t packets;
	uint64_t bad;		/* not one of ours, wrong reason, or a second record */
};

static void tally_ring_event(struct json_object *o, void *ctx)
{
	struct ring_tally *r = ctx;
	struct in_addr src;
	char ip[48], reason[24];
	uint64_t port = ju64(o, "src_port", NULL);
	uint32_t id;

	jcopy(ip, sizeof(ip), o, "src_ip", NULL);
	jcopy(reason, sizeof(reason), o, "flow", "reason");
	if (inet_pton(AF_INET, ip, &src) != 1 || strcmp(reason, "timeout") || port > 0xffff) {
		r->bad++;
		return;
	}
	id = (ntohl(src.s_addr) & 0xffff) << 16 | port;
	if (id >= RING_TEST_FLOWS || r->seen[id]++ || r->events >= RING_TEST_FLOWS) {
		r->bad++;
		return;
	}
	r->flow_ids[r->events++] = ju64(o, "flow_id", NULL);
	r->packets += ju64(o, "flow", "pkts_toserver") + ju64(o, "flow", "pkts_toclient");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * More ended flows than the ended_flows ring buffer holds: one pass of the sweeper
 * stops with ring_full, and flow_table_sweep_bpf() drains the ring and runs it again
 * until every flow is exported, each exactly once, and the table is empty.
 */
static void test_ring_full_rerun(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct ring_tally r = {};
	struct sweep_args args = {};
	struct flow_export_totals totals;
	uint64_t filled_packets = 0, now = T0 + IDLE_NS, dups = 0;
	int fd, err, i;
	long lines;

	CHECK(t, RING_CAPACITY < RING_TEST_FLOWS / 2, "the ring holds %zu records: more flows",
	      (size_t)RING_CAPACITY);
	CHECK(t, fixture_open(fx, &sweep_dp, NULL) == 0, "fixture");
	fd = bpf_map__fd(sweep_dp.skel->maps.flows);
	err = fill_table(fd, RING_TEST_FLOWS, T0, &filled_packets);
	CHECK(t, err == 0, "cannot fill the flow table: %s", strerror(-err));
	CHECK(t, dp_flow_count(&sweep_dp) == RING_TEST_FLOWS, "%d flows in the table",
	      dp_flow_count(&sweep_dp));

	/* one pass by hand: it must stop at a full ring, so the case tests the loop */
	args.now_ns = now;
	args.idle_ns = IDLE_NS;
	args.tcp_closed_ns = CLOSED_NS;
	args.pressure_idle_ns = IDLE_NS / PRESSURE_IDLE_DIVISOR;
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

		CHECK(t, bpf_prog_test_run_opts(bpf_program__fd(sweep_dp.skel->progs.ew_sweep),
						&opts) == 0, "ew_sweep: %s", strerror(errno));
	}
	/* it stopped at the first flow that did not fit (and deleted none it did not send) */
	/* 256-byte records divide the ring exactly: 6.18 takes the one that fills it, 6.1
	 * refuses it (its reserve wants the used bytes below the size) and holds one fewer */
	EXPECT(t, args.ring_full == 1 &&
			  (args.ended == RING_CAPACITY ||
			   ((sizeof(struct flow_end) + 8) * RING_CAPACITY == EW_ENDED_RINGBUF_SIZE &&
			    args.ended == RING_CAPACITY - 1)) &&
			  args.visited == args.ended + 1,
	       "one pass: ring_full %u, visited %llu, ended %llu (the ring holds %zu)",
	       args.ring_full, (unsigned long long)args.visited, (unsigned long long)args.ended,
	       (size_t)RING_CAPACITY);
	EXPECT(t, dp_flow_count(&sweep_dp) == RING_TEST_FLOWS - (int)args.ended,
	       "%d flows left after one pass", dp_flow_count(&sweep_dp));

	/* the daemon's sweep, starting with that pass's records still in the ring */
	err = sweep_at(fx, now, 0);
	check_result(t, fx, "the sweep", err, EXPORTED([EW_END_TIMEOUT] = RING_TEST_FLOWS),
		     0, 0);
	flow_export_totals(&fx->x, &totals);
	EXPECT(t, totals.packets == filled_packets, "exported %" PRIu64 " packets, want %"
	       PRIu64, totals.packets, filled_packets);

	r.seen = calloc(RING_TEST_FLOWS, 1);
	r.flow_ids = calloc(RING_TEST_FLOWS, sizeof(*r.flow_ids));
	if (!r.seen || !r.flow_ids) {
		free(r.seen);
		free(r.flow_ids);
		CHECK(t, 0, "out of memory");
	}
	lines = eve_each_new(fx, tally_ring_event, &r);
	EXPECT(t, lines == RING_TEST_FLOWS && r.events == RING_TEST_FLOWS && r.bad == 0,
	       "%ld lines, %" PRIu64 " distinct flow events, %" PRIu64 " unexpected", lines,
	       r.events, r.bad);
	EXPECT(t, r.packets == filled_packets, "flow events carry %" PRIu64 " packets, want %"
	       PRIu64, r.packets, filled_packets);
	qsort(r.flow_ids, r.events, sizeof(*r.flow_ids), cmp_u64);
	for (i = 1; i < (int)r.events; i++)
		dups += r.flow_ids[i] == r.flow_ids[i - 1];
	EXPECT(t, dups == 0, "%" PRIu64 " flow_ids repeated", dups);
	free(r.seen);
	free(r.flow_ids);
	fixture_close(fx);
}

/* ---- EVE write failures --------------------------------------------------------------- */

/*
 * An EVE output whose writes fail (/dev/full: every write(2) is ENOSPC): the lines lost
 * are counted by the writer (the stats event's eve.write_errors).
 */
static void test_eve_write_failure_lines(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct conv a = { CLIENT4, 40050, SERVER4, 53, PROTO_UDP };
	struct conv b = { CLIENT4, 40051, SERVER4, 53, PROTO_UDP };
	int err;

	if (access("/dev/full", W_OK))
		SKIP(t, "no writable /dev/full to make EVE writes fail");
	CHECK(t, fixture_open(fx, &sweep_dp, "/dev/full") == 0, "fixture");
	err = conv_send(fx, &a, 0, 0, 10, T0);
	err = err ?: conv_send(fx, &b, 0, 0, 10, T0);
	err = err ?: conv_send(fx, &b, 1, 0, 10, T0);
	CHECK(t, err == 0, "a packet did not land in a flow");
	fx->run.now_ns = T0 + 1 * NS;
	err = flow_table_sweep_bpf(fx->dp->skel, fx->ring, &fx->run, &fx->policy, 1);
	EXPECT(t, err == 0 && dp_flow_count(fx->dp) == 0, "sweep: %d, %d flows left", err,
	       dp_flow_count(fx->dp));
	EXPECT(t, output_flush(&fx->out) == -ENOSPC, "the flush to /dev/full did not fail");
	EXPECT(t, output_eve_errors(&fx->out) == 2, "%" PRIu64 " lines counted lost, want 2",
	       output_eve_errors(&fx->out));
	fixture_close(fx);
}

/*
 * The same failure as the exporter counts it: flow_export_totals.write_errors and
 * write_failed_packets say which flows and packets are in no event, and those packets
 * are not among the exported ones (the conservation sum would otherwise balance on
 * packets no event carries).
 */
static void test_eve_write_failure_flows(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct flow_export_totals totals;
	struct conv a = { CLIENT4, 40052, SERVER4, 53, PROTO_UDP };
	struct conv b = { CLIENT4, 40053, SERVER4, 53, PROTO_UDP };
	int err;

	if (access("/dev/full", W_OK))
		SKIP(t, "no writable /dev/full to make EVE writes fail");
	CHECK(t, fixture_open(fx, &sweep_dp, "/dev/full") == 0, "fixture");
	err = conv_send(fx, &a, 0, 0, 10, T0);
	err = err ?: conv_send(fx, &b, 0, 0, 10, T0);
	err = err ?: conv_send(fx, &b, 1, 0, 10, T0);
	CHECK(t, err == 0, "a packet did not land in a flow");
	err = sweep_at(fx, T0 + 1 * NS, 1);	/* flushes, as the daemon does */
	EXPECT(t, dp_flow_count(fx->dp) == 0, "%d flows left", dp_flow_count(fx->dp));
	flow_export_totals(&fx->x, &totals);
	EXPECT(t, totals.write_errors == 2 && totals.write_failed_packets == 3,
	       "exporter: write_errors %" PRIu64 " (want 2), write_failed_packets %" PRIu64
	       " (want 3); the lost lines were counted as exported flows: %" PRIu64
	       " events, %" PRIu64 " packets", totals.write_errors,
	       totals.write_failed_packets, flow_export_total_events(&fx->x), totals.packets);
	EXPECT(t, totals.packets == 0 && totals.bytes == 0 &&
		  totals.flows[EW_END_SHUTDOWN] == 0,
	       "%" PRIu64 " packets in %" PRIu64 " flow events counted as written, none was",
	       totals.packets, totals.flows[EW_END_SHUTDOWN]);
	check_conservation(t, fx, "after the lost flush");
	fixture_close(fx);
}

/* ---- a flood's debris --------------------------------------------------------------- */

#define FLOOD_TABLE_SIZE 1000	/* 90% and 75% of it are whole numbers of flows */

/* A datapath with a small table, for the flood case; closed by main (a failed CHECK
 * returns early, and the next case's fixture_open still resets it). */
static struct dp flood_dp;

/* Forced flow events by where their source is: 198.18.<group>.x, counted per group. */
struct debris_tally {
	uint64_t forced_by_group[256];
	uint64_t other;		/* events that are not "forced", or not from 198.18/16 */
};

static void tally_debris_event(struct json_object *o, void *ctx)
{
	struct debris_tally *d = ctx;
	unsigned a, b, group, host;
	char ip[48], reason[24];

	jcopy(ip, sizeof(ip), o, "src_ip", NULL);
	jcopy(reason, sizeof(reason), o, "flow", "reason");
	if (strcmp(reason, "forced") || sscanf(ip, "%u.%u.%u.%u", &a, &b, &group, &host) != 4 ||
	    a != 198 || b != 18 || group > 255) {
		d->other++;
		return;
	}
	d->forced_by_group[group]++;
}

/* A SYN from 198.18.<group>.<host>:port to the server's https at now_ns, never answered. */
static int debris_syn(struct sweep_fixture *fx, unsigned group, unsigned host, uint16_t port,
		      uint64_t now_ns)
{
	char client[32];
	struct conv c = { client, port, SERVER4, 443, PROTO_TCP };

	snprintf(client, sizeof(client), "198.18.%u.%u", group, host);
	return conv_send(fx, &c, 0, PKT_TCP_SYN, 0, now_ns);
}

/*
 * A SYN flood filled the table with half-open flows, all younger than the pressure's
 * idle time (idle-timeout/8): one sweep gives space back, by exporting debris (reason
 * forced) oldest first down to the low-water mark (75%), and leaves every answered flow
 * alone; the next sweep is due sooner. Then, with the debris of one age bucket more
 * than needed, the budget stops at exactly the excess, and the youngest stay.
 */
static void test_flood_debris_forced(struct test_case *t)
{
	struct sweep_fixture *fx = &fixture;
	struct dp *small = &flood_dp;
	struct conv real[15];
	char real_clients[15][32];
	struct debris_tally d = {};
	struct flow_record rec;
	struct ew_counters before, after;
	struct pkt p;
	uint64_t now = T0 + 2 * IDLE_NS, now2 = now + 100 * MS, real_pending = 0;
	uint32_t verdict;
	int err = 0, i, n;

	CHECK(t, dp_open(small, &(struct dp_options){ .flow_table_size = FLOOD_TABLE_SIZE }) ==
			 0, "cannot load a datapath with a %d-flow table", FLOOD_TABLE_SIZE);
	CHECK(t, fixture_open(fx, small, NULL) == 0, "fixture");
	/* 15 answered flows, 5 s quiet (under idle/8): TCP handshakes and UDP exchanges */
	for (i = 0; i < 15 && !err; i++) {
		snprintf(real_clients[i], sizeof(real_clients[i]), "198.18.30.%d", i + 1);
		real[i] = (struct conv){ real_clients[i], 40000 + i, SERVER4, i < 10 ? 22 : 53,
					 i < 10 ? PROTO_TCP : PROTO_UDP };
		if (i < 10) {
			err = conv_send(fx, &real[i], 0, PKT_TCP_SYN, 0, now - 5 * NS);
			err = err ?: conv_send(fx, &real[i], 1, PKT_TCP_SYN | PKT_TCP_ACK, 0,
					       now - 5 * NS + MS);
			err = err ?: conv_send(fx, &real[i], 0, PKT_TCP_ACK, 0, now - 5 * NS + 2 * MS);
		} else {
			err = conv_send(fx, &real[i], 0, 0, 20, now - 5 * NS);
			err = err ?: conv_send(fx, &real[i], 1, 0, 20, now - 5 * NS + MS);
		}
		real_pending += conv_pending(&real[i]);
	}
	/* 250 half-open flows 6 s old, 735 of 50 ms: the table is full */
	for (i = 0; i < 250 && !err; i++)
		err = debris_syn(fx, 10, i, 2000 + i, now - 6 * NS + i * 1000);
	for (i = 0; i < 735 && !err; i++)
		err = debris_syn(fx, 20 + i / 250, i % 250, 3000 + i, now - 50 * MS + i * 1000);
	CHECK(t, err == 0, "a packet did not land in a flow");
	CHECK(t, dp_flow_count(small) == FLOOD_TABLE_SIZE, "%d flows, want a full table",
	      dp_flow_count(small));
	/* one more SYN finds no room */
	CHECK(t, dp_counters(small, &before) == 0, "counters");
	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = "198.18.50.1", .dst = SERVER4 });
	pkt_tcp(&p, 5000, 443, PKT_TCP_SYN, 0);
	pkt_finish(&p);
	pkt_pad(&p, 60);
	CHECK(t, dp_run_xdp(small, p.data, p.len, now, &verdict) == 0, "run");
	CHECK(t, dp_counters(small, &after) == 0, "counters");
	CHECK(t, after.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW_TABLE_FULL] ==
			 before.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW_TABLE_FULL] + 1,
	      "the table was not full");

	/* one sweep, as the daemon runs it after one that left the table full */
	fx->policy.fill_hint = FLOOD_TABLE_SIZE;
	err = sweep_at(fx, now, 0);
	check_result(t, fx, "flood", err, EXPORTED([EW_END_FORCED] = 250), 750,
		     real_pending + 735);
	check_conservation(t, fx, "flood");
	EXPECT(t, fx->result.over_high_water && fx->result.debris_exported == 250,
	       "over_high_water %d, debris_exported %" PRIu64, fx->result.over_high_water,
	       fx->result.debris_exported);
	EXPECT(t, flow_sweep_interval(&fx->result, NS) == NS / 10,
	       "the next sweep in %" PRIu64 " ns, want 100 ms", flow_sweep_interval(&fx->result, NS));
	n = eve_each_new(fx, tally_debris_event, &d);
	EXPECT(t, n == 250 && d.forced_by_group[10] == 250 && d.other == 0,
	       "%d events: %" PRIu64 " of the oldest debris, %" PRIu64 " younger, %" PRIu64
	       " others", n, d.forced_by_group[10],
	       d.forced_by_group[20] + d.forced_by_group[21] + d.forced_by_group[22], d.other);
	for (i = 0; i < 15; i++)
		EXPECT(t, conv_record(fx, &real[i], &rec) == 0, "answered flow %d was exported", i);
	/* room again: a new flow lands */
	EXPECT(t, debris_syn(fx, 50, 2, 5001, now) == 0, "a new flow after the sweep");

	/* 249 more (1000 again), 100 ms later: the 735 of 50 ms are now 150 ms old, one
	 * bucket (128-255 ms) with more than the 250 needed: exactly 250 of them go */
	for (i = 0; i < 249 && !err; i++)
		err = debris_syn(fx, 40, i, 6000 + i, now2 - 249 * 1000 + i * 1000);
	CHECK(t, err == 0 && dp_flow_count(small) == FLOOD_TABLE_SIZE, "refill: %d flows",
	      dp_flow_count(small));
	memset(&d, 0, sizeof(d));
	err = sweep_at(fx, now2, 0);
	EXPECT(t, err == 0 && fx->result.exported[EW_END_FORCED] == 250 &&
			  fx->result.flows_in_table == 750,
	       "second flood sweep: forced %" PRIu64 ", %" PRIu64 " left",
	       fx->result.exported[EW_END_FORCED], fx->result.flows_in_table);
	check_conservation(t, fx, "second flood sweep");
	eve_each_new(fx, tally_debris_event, &d);
	EXPECT(t, d.forced_by_group[20] + d.forced_by_group[21] + d.forced_by_group[22] == 250 &&
			  d.forced_by_group[40] == 0 && d.forced_by_group[50] == 0,
	       "forced %" PRIu64 " of 150 ms, %" PRIu64 " of the youngest",
	       d.forced_by_group[20] + d.forced_by_group[21] + d.forced_by_group[22],
	       d.forced_by_group[40] + d.forced_by_group[50]);

	/* below the high-water mark: no debris goes, the interval is back to normal */
	err = sweep_at(fx, now2 + MS, 0);
	EXPECT(t, err == 0 && fx->result.exported[EW_END_FORCED] == 0 &&
			  !fx->result.over_high_water && flow_sweep_interval(&fx->result, NS) == NS,
	       "at 75%%: forced %" PRIu64 ", over_high_water %d",
	       fx->result.exported[EW_END_FORCED], fx->result.over_high_water);
	err = sweep_at(fx, now2 + MS, 1);
	check_conservation(t, fx, "after shutdown");
	fixture_close(fx);
}

int main(void)
{
	test_program = "sweeper";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	/* room for the ring buffer case, and a size whose 90% is a whole number of flows */
	if (dp_open(&sweep_dp, &(struct dp_options){ .flow_table_size = SWEEP_TABLE_SIZE })) {
		printf("FAIL %s/load: cannot load the datapath (root? BTF?)\n", test_program);
		return 1;
	}
	RUN(test_idle_timeout);
	RUN(test_tcp_fin_closed);
	RUN(test_tcp_rst_closed);
	RUN(test_table_pressure_forced);
	RUN(test_shutdown_every_flow);
	RUN(test_unended_flows_stay);
	RUN(test_active_timeout);
	RUN(test_next_end_ns);
	RUN(test_ring_full_rerun);
	RUN(test_flood_debris_forced);
	RUN(test_eve_write_failure_lines);
	RUN(test_eve_write_failure_flows);
	if (fixture.open)
		fixture_close(&fixture);
	if (flood_dp.skel)
		dp_close(&flood_dp);
	dp_close(&sweep_dp);
	return test_summary();
}
