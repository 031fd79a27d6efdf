// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The established-flow path (bpf/established.bpf.h) against the general path: one
 * script of packets through two datapaths, one with the path (as edgewatch runs) and one
 * with every packet on the general path (rodata cfg_established_path 0). The path may
 * only take a packet when the general path would do exactly what it does, so the two
 * must agree on everything: each packet's verdict, every counter (the path's own
 * pkt_flow_established is part of pkt_flow once read), every flow record, every sample
 * and every event, in order. And the path must be taken: the script's established
 * packets are counted in pkt_flow_established.
 *
 * The script mixes what the path must leave to the general one with what it takes:
 * handshakes and closes (new TCP flags), a repeated SYN, payloads in and beyond the TCP
 * stream window, UDP's first-K and 1-in-N samples, ICMP, a VLAN tag, IPv6, management
 * flows (allowed and violating, the violator answered), a flow a drop rule blocks and
 * then frees, a policy reload that makes an established flow a violation, gaps between
 * bursts, and the device's own traffic on tc with GSO. It runs
 * under every combination of: replay or live counting, the stream window on or off, and
 * no policy, a policy that alerts, one that drops, and the passive sensor.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test_policy.h"

#define SCRIPT_MAX_SAMPLES 512
#define FLOWS_MAX 64
#define STREAM_DEPTH 100	/* bytes: the script's TCP payloads cross it */

/* Allowed to SSH to GW4: 198.18.0.0/16 (198.19.9.9 is not); sampling small and busy. */
#define POLICY(action)                                                                          \
	"management:\n"                                                                        \
	"  action: " action "\n"                                                               \
	"  addresses: [" GW4 "]\n"                                                             \
	"  ports: [ssh]\n"                                                                     \
	"  allow:\n"                                                                           \
	"    - from: [198.18.0.0/16]\n"                                                        \
	"      ports: [ssh]\n"                                                                 \
	"sampling:\n"                                                                          \
	"  first-packets: 2\n"                                                                 \
	"  one-in: 3\n"                                                                        \
	"  flagged-cap: 4\n"

/* The script's reload: SERVER4's HTTPS becomes a management service nobody may reach. */
#define POLICY_RELOADED(action)                                                                 \
	"management:\n"                                                                        \
	"  action: " action "\n"                                                               \
	"  addresses: [" GW4 ", 198.18.3.1]\n"                                                 \
	"  ports: [ssh, tcp/443]\n"                                                            \
	"  allow:\n"                                                                           \
	"    - from: [198.18.0.0/16]\n"                                                        \
	"      ports: [ssh]\n"                                                                 \
	"sampling:\n"                                                                          \
	"  first-packets: 2\n"                                                                 \
	"  one-in: 3\n"                                                                        \
	"  flagged-cap: 4\n"

struct variant {
	const char *name;
	bool live, passive;
	uint32_t stream_depth;
	const char *policy;	/* YAML, or NULL: no policy loaded (generation 0) */
	const char *reloaded;	/* YAML the script's reload installs (with policy) */
};

/* One side of the comparison: a datapath and what came out of it. */
struct side {
	struct policy_fixture f;
	struct ring_buffer *samples_ring;
	unsigned char *samples;	/* the sample records read, each its size then its bytes */
	size_t samples_len, samples_cap;
	int nsamples;
	int verdicts[256];
	/* replay's marks for its sweeps after each packet (maps.bpf.h), then reset as
	 * replay resets them: the earliest FIN or RST, and a flow that may be hot */
	__u64 closing_ns[256];
	__u32 hot_seen[256];
	int npackets;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct side *s = ctx;
	size_t need = s->samples_len + sizeof(size) + size;

	if (need > s->samples_cap) {
		size_t cap = need * 2;
		unsigned char *grown = realloc(s->samples, cap);

		if (!grown)
			return -ENOMEM;
		s->samples = grown;
		s->samples_cap = cap;
	}
	memcpy(s->samples + s->samples_len, &size, sizeof(size));
	memcpy(s->samples + s->samples_len + sizeof(size), data, size);
	s->samples_len = need;
	s->nsamples++;
	return 0;
}

static int side_open(struct side *s, const struct variant *v, bool general_path_only)
{
	struct dp_options opt = { .live = v->live, .passive = v->passive,
				  .stream_depth = v->stream_depth,
				  .general_path_only = general_path_only };
	int err;

	memset(s, 0, sizeof(*s));
	err = fixture_open_with(&s->f, &opt);
	if (!err && v->policy)
		err = fixture_install(&s->f, v->policy);
	if (err)
		return err;
	s->f.dp.skel->bss->replay_closing_ns = ~0ULL;
	s->f.dp.skel->bss->replay_hot_pkts = 2;
	s->samples_ring = ring_buffer__new(bpf_map__fd(s->f.dp.skel->maps.samples), on_sample, s,
					   NULL);
	return s->samples_ring ? 0 : -errno;
}

static void side_close(struct side *s)
{
	ring_buffer__free(s->samples_ring);
	free(s->samples);
	fixture_close(&s->f);
}

/* ---- the script ------------------------------------------------------------------ */

#define CLIENT4 "198.18.3.10"
#define SERVER4 "198.18.3.1"
#define DNS4 "198.18.3.53"
#define ADMIN4 "198.18.7.7"	/* allowed to SSH to GW4 */
#define INTRUDER4 "198.19.9.9"	/* not allowed */
#define CLIENT6 "2001:db8::10"
#define SERVER6 "2001:db8::20"

enum hook_kind { XDP, TC };

struct step {
	enum hook_kind hook;
	uint16_t vlan;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;		/* 6, 17 or 1 (ICMP: sport is the echo type) */
	uint8_t flags;		/* TCP */
	uint32_t seq;		/* TCP */
	uint16_t payload;	/* bytes */
	uint32_t gso_segs;	/* tc: > 1 for a GSO packet */
	uint32_t gap_ms;	/* before this packet (default 1 ms) */
	int block;		/* 1: block the first TCP flow's key before it, -1: free it */
	int reload;		/* install the variant's reloaded policy before it */
};

#define SYN PKT_TCP_SYN
#define ACK PKT_TCP_ACK
#define PSH_ACK (PKT_TCP_PSH | PKT_TCP_ACK)
#define FIN_ACK (PKT_TCP_FIN | PKT_TCP_ACK)
#define RST PKT_TCP_RST

/* The client's and the server's initial sequence numbers for the TCP flows. */
#define CISN 1000
#define SISN 50000

static const struct step script[] = {
	/* a TCP flow from its handshake: the window fills from both ISNs, then is passed */
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, SYN, CISN, 0 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, SYN | ACK, SISN, 0 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, ACK, CISN + 1, 0 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 1, 60 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 61, 60 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 1, 80 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, ACK, CISN + 121, 0 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 81, 80 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 121, 60 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 181, 60 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 181, 60 },	/* again */
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 161, 80 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 241, 60, .gap_ms = 2500 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 301, 60 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, SYN, CISN, 0 },	/* a repeated SYN */
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, SYN, CISN + 9000, 0 },	/* a new ISN */
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 361, 60, .block = 1 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 241, 80 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, PSH_ACK, CISN + 421, 60, .block = -1 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 321, 80 },
	/* UDP: the first K of each way, then 1 in N */
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40 },
	{ XDP, 0, DNS4, CLIENT4, 53, 53000, 17, 0, 0, 120 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40 },
	{ XDP, 0, DNS4, CLIENT4, 53, 53000, 17, 0, 0, 120 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40 },
	{ XDP, 0, DNS4, CLIENT4, 53, 53000, 17, 0, 0, 120 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40, .gap_ms = 1500 },
	{ XDP, 0, DNS4, CLIENT4, 53, 53000, 17, 0, 0, 120 },
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 0 },	/* no payload */
	/* ICMP echo: each way's message once, then again */
	{ XDP, 0, CLIENT4, SERVER4, 8, 0, 1, 0, 0, 32 },
	{ XDP, 0, SERVER4, CLIENT4, 0, 0, 1, 0, 0, 32 },
	{ XDP, 0, CLIENT4, SERVER4, 8, 0, 1, 0, 0, 32 },
	{ XDP, 0, SERVER4, CLIENT4, 0, 0, 1, 0, 0, 32 },
	/* a VLAN-tagged flow seen mid-stream: no SYN, the first payload sets the base */
	{ XDP, 100, CLIENT4, SERVER4, 40001, 8443, 6, PSH_ACK, 7000, 60 },
	{ XDP, 100, CLIENT4, SERVER4, 40001, 8443, 6, PSH_ACK, 7060, 60 },
	{ XDP, 100, SERVER4, CLIENT4, 8443, 40001, 6, ACK, 9000, 0 },
	{ XDP, 100, SERVER4, CLIENT4, 8443, 40001, 6, ACK, 9000, 60 },	/* its base */
	{ XDP, 100, CLIENT4, SERVER4, 40001, 8443, 6, PSH_ACK, 7120, 60 },
	{ XDP, 100, CLIENT4, SERVER4, 40001, 8443, 6, PSH_ACK, 7180, 60 },
	/* IPv6 */
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, SYN, CISN, 0 },
	{ XDP, 0, SERVER6, CLIENT6, 443, 41000, 6, SYN | ACK, SISN, 0 },
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, ACK, CISN + 1, 0 },
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, PSH_ACK, CISN + 1, 120 },
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, PSH_ACK, CISN + 121, 120 },
	{ XDP, 0, SERVER6, CLIENT6, 443, 41000, 6, ACK, SISN + 1, 0 },
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, PSH_ACK, CISN + 241, 120 },
	/* management: an allowed admin, and an intruder the gateway answers */
	{ XDP, 0, ADMIN4, GW4, 42000, 22, 6, SYN, CISN, 0 },
	{ TC, 0, GW4, ADMIN4, 22, 42000, 6, SYN | ACK, SISN, 0 },
	{ XDP, 0, ADMIN4, GW4, 42000, 22, 6, ACK, CISN + 1, 0 },
	{ XDP, 0, ADMIN4, GW4, 42000, 22, 6, PSH_ACK, CISN + 1, 40 },
	{ XDP, 0, ADMIN4, GW4, 42000, 22, 6, PSH_ACK, CISN + 41, 40 },
	{ TC, 0, GW4, ADMIN4, 22, 42000, 6, PSH_ACK, SISN + 1, 200, .gso_segs = 3 },
	{ XDP, 0, ADMIN4, GW4, 42000, 22, 6, ACK, CISN + 81, 0 },
	{ XDP, 0, INTRUDER4, GW4, 43000, 22, 6, SYN, CISN, 0 },
	{ TC, 0, GW4, INTRUDER4, 22, 43000, 6, SYN | ACK, SISN, 0 },
	{ XDP, 0, INTRUDER4, GW4, 43000, 22, 6, ACK, CISN + 1, 0 },
	{ XDP, 0, INTRUDER4, GW4, 43000, 22, 6, PSH_ACK, CISN + 1, 40 },
	{ XDP, 0, INTRUDER4, GW4, 43000, 22, 6, PSH_ACK, CISN + 41, 40 },
	{ TC, 0, GW4, INTRUDER4, 22, 43000, 6, PSH_ACK, SISN + 1, 40 },
	{ XDP, 0, INTRUDER4, GW4, 43000, 22, 6, PSH_ACK, CISN + 81, 40 },
	/* the device's own traffic, GSO */
	{ TC, 0, GW4, SERVER4, 44000, 443, 6, SYN, CISN, 0 },
	{ XDP, 0, SERVER4, GW4, 443, 44000, 6, SYN | ACK, SISN, 0 },
	{ TC, 0, GW4, SERVER4, 44000, 443, 6, ACK, CISN + 1, 0 },
	{ TC, 0, GW4, SERVER4, 44000, 443, 6, PSH_ACK, CISN + 1, 300, .gso_segs = 4 },
	{ TC, 0, GW4, SERVER4, 44000, 443, 6, PSH_ACK, CISN + 301, 300, .gso_segs = 4 },
	{ TC, 0, GW4, SERVER4, 44000, 443, 6, PSH_ACK, CISN + 601, 100 },
	{ XDP, 0, SERVER4, GW4, 443, 44000, 6, ACK, SISN + 1, 0 },
	/* a new policy generation: each flow's verdict is decided again */
	{ XDP, 0, CLIENT4, DNS4, 53000, 53, 17, 0, 0, 40, .reload = 1 },
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, PSH_ACK, SISN + 401, 80 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, ACK, CISN + 481, 0 },
	{ XDP, 0, CLIENT6, SERVER6, 41000, 443, 6, PSH_ACK, CISN + 361, 120 },
	/* closes */
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, FIN_ACK, CISN + 481, 0 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, FIN_ACK, CISN + 481, 0 },	/* again */
	{ XDP, 0, SERVER4, CLIENT4, 443, 40000, 6, FIN_ACK, SISN + 481, 0 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, ACK, CISN + 482, 0 },
	{ XDP, 0, CLIENT4, SERVER4, 40000, 443, 6, ACK, CISN + 482, 0 },
	{ XDP, 100, SERVER4, CLIENT4, 8443, 40001, 6, RST, 9000, 0 },
	{ XDP, 100, CLIENT4, SERVER4, 40001, 8443, 6, PSH_ACK, 7240, 60 },
};

#define SCRIPT_STEPS (sizeof(script) / sizeof(script[0]))
_Static_assert(SCRIPT_STEPS <= 256, "struct side keeps 256 packets' results");

static void build(struct pkt *p, const struct step *st)
{
	struct pkt_layer *l;

	pkt_init(p);
	pkt_eth(p);
	if (st->vlan)
		pkt_vlan(p, PKT_TPID_8021Q, st->vlan);
	ip_header(p, st->src, st->dst);
	if (st->proto == 6) {
		pkt_tcp(p, st->sport, st->dport, st->flags, 0);
		l = pkt_find(p, PKT_TCP, 0);
		if (l) {
			uint8_t *h = pkt_hdr(p, l);

			h[4] = st->seq >> 24;
			h[5] = st->seq >> 16;
			h[6] = st->seq >> 8;
			h[7] = st->seq;
		}
	} else if (st->proto == 17) {
		pkt_udp(p, st->sport, st->dport);
	} else {
		pkt_icmp(p, (uint8_t)st->sport, 0, 7, 1);
	}
	if (st->payload)
		pkt_payload(p, st->payload, 'p');
	pkt_finish(p);
	pkt_pad(p, 60);
}

/* The first TCP flow's key, for the drop rule's block list. */
static int first_flow_key(struct flow_key *key)
{
	bool src_is_a;

	return dp_flow_key(key, &src_is_a, CLIENT4, 40000, SERVER4, 443, 6);
}

static int set_block(struct side *s, int block)
{
	struct datapath *skel = s->f.dp.skel;
	struct flow_key key;
	__u8 one = 1;
	int fd = bpf_map__fd(skel->maps.blocked_flows), err = first_flow_key(&key);

	if (err)
		return err;
	if (block > 0) {
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			return -errno;
		skel->bss->blocked_count = 1;
	} else {
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
		skel->bss->blocked_count = 0;
	}
	return 0;
}

/* Run the whole script through one side. 0 or -errno. */
static int run_script(struct side *s, const struct variant *v)
{
	struct pkt p;
	size_t i;
	int err;

	for (i = 0; i < SCRIPT_STEPS; i++) {
		const struct step *st = &script[i];
		uint32_t verdict;

		if (st->block && (err = set_block(s, st->block)))
			return err;
		if (st->reload && v->reloaded && (err = fixture_install(&s->f, v->reloaded)))
			return err;
		s->f.now_ns += (st->gap_ms ? st->gap_ms : 1) * MS;
		build(&p, st);
		if (!pkt_ok(&p))
			return -EINVAL;
		if (st->hook == XDP)
			err = dp_run_xdp(&s->f.dp, p.data, p.len, s->f.now_ns, &verdict);
		else
			err = dp_run_tc(&s->f.dp, p.data, p.len, st->gso_segs ? st->gso_segs : 1,
					st->gso_segs ? (st->payload + st->gso_segs - 1) / st->gso_segs
						     : 0,
					s->f.now_ns, &verdict);
		if (err)
			return err;
		s->closing_ns[s->npackets] = s->f.dp.skel->bss->replay_closing_ns;
		s->hot_seen[s->npackets] = s->f.dp.skel->bss->replay_hot_seen;
		s->f.dp.skel->bss->replay_closing_ns = ~0ULL;
		s->f.dp.skel->bss->replay_hot_seen = 0;
		s->verdicts[s->npackets++] = (int)verdict;
		/* read the rings after every packet, as replay does */
		if (ring_buffer__consume(s->samples_ring) < 0 || fixture_events(&s->f) < 0)
			return -EIO;
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct flow_key));
}

struct flow_entry {
	struct flow_key key;
	struct flow_record rec;
};

static int entry_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct flow_entry *)a)->key, &((const struct flow_entry *)b)->key);
}

/* The side's flows, sorted by key. Returns how many, or -errno. */
static int sorted_flows(struct side *s, struct flow_entry *out)
{
	struct flow_key keys[FLOWS_MAX];
	struct flow_record recs[FLOWS_MAX];
	int n = dp_flow_list(&s->f.dp, keys, recs, FLOWS_MAX), i;

	for (i = 0; i < n; i++) {
		out[i].key = keys[i];
		out[i].rec = recs[i];
	}
	if (n > 0)
		qsort(out, n, sizeof(*out), entry_cmp);
	return n;
}

static void compare(struct test_case *t, struct side *path, struct side *general)
{
	static struct flow_entry fa[FLOWS_MAX], fb[FLOWS_MAX];
	struct ew_counters ca, cb;
	int i, hook, id, na, nb;

	for (i = 0; i < path->npackets; i++) {
		EXPECT(t, path->verdicts[i] == general->verdicts[i],
		       "packet %d: verdict %d with the established path, %d without", i + 1,
		       path->verdicts[i], general->verdicts[i]);
		EXPECT(t, path->closing_ns[i] == general->closing_ns[i] &&
			       path->hot_seen[i] == general->hot_seen[i],
		       "packet %d: replay's marks differ (closing %llu/%llu, hot %u/%u)", i + 1,
		       (unsigned long long)path->closing_ns[i],
		       (unsigned long long)general->closing_ns[i], path->hot_seen[i],
		       general->hot_seen[i]);
	}
	CHECK(t, dp_counters(&path->f.dp, &ca) == 0 && dp_counters(&general->f.dp, &cb) == 0,
	      "cannot read the counters");
	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++) {
			if (id == EW_CNT_PKT_FLOW_ESTABLISHED)
				continue;
			EXPECT(t, ca.count[hook][id] == cb.count[hook][id],
			       "%s %s: %llu with the established path, %llu without",
			       hook_name(hook), counter_name(id),
			       (unsigned long long)ca.count[hook][id],
			       (unsigned long long)cb.count[hook][id]);
		}
	/* the path was taken, on both hooks, and only where it is on */
	EXPECT(t, ca.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW_ESTABLISHED] > 0 &&
		       ca.count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FLOW_ESTABLISHED] > 0,
	       "the established path took %llu packets on XDP and %llu on tc, want some on both",
	       (unsigned long long)ca.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW_ESTABLISHED],
	       (unsigned long long)ca.count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FLOW_ESTABLISHED]);
	EXPECT(t, counters_total(&cb, EW_CNT_PKT_FLOW_ESTABLISHED) == 0,
	       "the general path alone counted %llu in pkt_flow_established",
	       (unsigned long long)counters_total(&cb, EW_CNT_PKT_FLOW_ESTABLISHED));

	na = sorted_flows(path, fa);
	nb = sorted_flows(general, fb);
	CHECK(t, na > 0 && na == nb, "%d flows with the established path, %d without", na, nb);
	for (i = 0; i < na; i++) {
		EXPECT(t, key_cmp(&fa[i].key, &fb[i].key) == 0, "flow %d: the keys differ", i);
		EXPECT(t, memcmp(&fa[i].rec, &fb[i].rec, sizeof(fa[i].rec)) == 0,
		       "flow %d (%u packets): the records differ", i,
		       (unsigned)(fa[i].rec.packets[0] + fa[i].rec.packets[1]));
	}

	EXPECT(t, path->nsamples == general->nsamples && path->samples_len == general->samples_len &&
		       (!path->samples_len ||
			memcmp(path->samples, general->samples, path->samples_len) == 0),
	       "samples differ: %d with the established path, %d without", path->nsamples,
	       general->nsamples);
	EXPECT(t, !path->f.events_overflow && !general->f.events_overflow,
	       "more events than the fixture keeps");
	EXPECT(t, path->f.nevents == general->f.nevents &&
		       memcmp(path->f.events, general->f.events,
			      path->f.nevents * sizeof(path->f.events[0])) == 0,
	       "events differ: %d with the established path, %d without", path->f.nevents,
	       general->f.nevents);
}

static void run_variant(const struct variant *v)
{
	static struct side path, general;
	char name[128];
	struct test_case t = { .name = name };
	int err;

	snprintf(name, sizeof(name), "established_path/%s", v->name);
	memset(&general, 0, sizeof(general));
	err = side_open(&path, v, false);
	if (!err)
		err = side_open(&general, v, true);
	if (err) {
		test_fail(&t, __FILE__, __LINE__, "setup: %s %s%s", strerror(-err), path.f.err,
			  general.f.err);
	} else {
		err = run_script(&path, v);
		if (!err)
			err = run_script(&general, v);
		if (err)
			test_fail(&t, __FILE__, __LINE__, "running the script: %s", strerror(-err));
		else
			compare(&t, &path, &general);
	}
	test_finish(&t);
	side_close(&path);
	side_close(&general);
}

int main(void)
{
	static const struct {
		const char *name, *policy, *reloaded;
		bool passive;
	} policies[] = {
		{ "no-policy", NULL, NULL, false },
		{ "policy-alert", POLICY("alert"), POLICY_RELOADED("alert"), false },
		{ "policy-drop", POLICY("drop"), POLICY_RELOADED("drop"), false },
		{ "passive", POLICY("alert"), POLICY_RELOADED("alert"), true },
	};
	int live, stream;
	size_t i;

	test_program = "test_datapath_established";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	/* one CPU: live flows are owned by the CPU that creates them, on both sides alike */
	dp_pin_current_cpu();
	for (live = 0; live < 2; live++)
		for (stream = 0; stream < 2; stream++)
			for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
				char name[96];
				struct variant v = { .name = name, .live = live,
						     .passive = policies[i].passive,
						     .stream_depth = stream ? STREAM_DEPTH : 0,
						     .policy = policies[i].policy,
						     .reloaded = policies[i].reloaded };

				snprintf(name, sizeof(name), "%s/%s/%s", live ? "live" : "replay",
					 stream ? "stream-window" : "no-window", policies[i].name);
				run_variant(&v);
			}
	return test_summary();
}
