// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath: truncation at every byte. Each deep stack of deep_stacks.h is cut at every
 * length (a capture's snaplen, a broken frame), and separately its outer IP datagram
 * is shortened to every length with the frame left as it was (what Ethernet padding
 * or a lying length field look like). Each cut must end in the outcome that the first
 * incomplete header implies, computed from the builder's record of where each header
 * starts and ends.
 */
#include "deep_stacks.h"

/* Truncation counter of a header kind. */
static enum ew_counter trunc_counter(enum pkt_kind kind)
{
	switch (kind) {
	case PKT_ETH:
		return EW_CNT_PKT_TRUNC_ETH;
	case PKT_VLAN:
		return EW_CNT_PKT_TRUNC_VLAN;
	case PKT_MPLS:
	case PKT_PW_CW:
		return EW_CNT_PKT_TRUNC_MPLS;
	case PKT_PPPOE:
		return EW_CNT_PKT_TRUNC_PPPOE;
	case PKT_IPV4:
		return EW_CNT_PKT_TRUNC_IPV4;
	case PKT_IPV6:
		return EW_CNT_PKT_TRUNC_IPV6;
	case PKT_IPV6_HOPOPTS:
	case PKT_IPV6_ROUTING:
	case PKT_IPV6_DSTOPTS:
	case PKT_IPV6_FRAG:
	case PKT_AH:
		return EW_CNT_PKT_TRUNC_IPV6_EXT;
	case PKT_GRE:
	case PKT_ERSPAN2:
	case PKT_ERSPAN3:
	case PKT_PPP:
		return EW_CNT_PKT_TRUNC_GRE;
	case PKT_VXLAN:
	case PKT_GENEVE:
	case PKT_TEREDO_AUTH:
	case PKT_TEREDO_ORIGIN:
		return EW_CNT_PKT_TRUNC_TUNNEL;
	default:
		return EW_CNT_PKT_TRUNC_L4;
	}
}

/*
 * Bytes of a header the parser needs. TCP options are not needed: a TCP header whose
 * options are cut still has its ports and flags, and the packet is counted in its flow
 * (an analyst would rather see it there than as a truncation).
 */
static size_t needed_len(const struct pkt_layer *l)
{
	if (l->kind == PKT_TCP)
		return 20;
	return l->len;
}

/*
 * The outcome of the packet cut to len bytes (frame), or with its outermost IP datagram
 * ending at len (datagram_cut: the frame keeps its length).
 */
static enum ew_counter cut_outcome(const struct pkt *p, size_t len, bool datagram_cut)
{
	int i;

	if (len == 0)
		return EW_CNT_PKT_EMPTY;
	for (i = 0; i < p->layers; i++) {
		const struct pkt_layer *l = &p->layer[i];

		if (l->kind == PKT_PAYLOAD)
			return EW_CNT_PKT_FLOW;	/* every header is there */
		/* after the bottom MPLS label the parser peeks at one byte to learn what
		 * follows */
		if (i > 0 && p->layer[i - 1].kind == PKT_MPLS && l->kind != PKT_MPLS &&
		    len == l->off)
			return EW_CNT_PKT_TRUNC_MPLS;
		if (l->off + needed_len(l) <= len)
			continue;
		/* a UDP datagram too short for a tunnel header is plain UDP */
		if (datagram_cut && (l->kind == PKT_VXLAN || l->kind == PKT_GENEVE) &&
		    len < l->off + 8u)
			return EW_CNT_PKT_FLOW;
		return trunc_counter(l->kind);
	}
	return EW_CNT_PKT_FLOW;
}

/* Run one cut and compare its outcome; returns the outcome, RUN_REFUSED when the kernel
 * refuses the frame, or -1 after a failure. */
static int run_cut(struct test_case *t, const uint8_t *frame, size_t len, enum ew_counter want,
		   const char *what, size_t at)
{
	struct ew_counters before, after;
	uint32_t verdict = ~0u;
	int err, outcome;

	if (dp_counters(&row_dp, &before)) {
		EXPECT(t, 0, "%s %zu: cannot read the counters", what, at);	/* not a silent stop */
		return -1;
	}
	err = dp_run_xdp(&row_dp, frame, len, ROW_EPOCH_NS, &verdict);
	if (err == -EINVAL && kernel_refuses(frame, len, false)) {
		check_not_run(t, &before, len);
		return t->failed ? -1 : RUN_REFUSED;
	}
	if (err || verdict != XDP_PASS) {
		EXPECT(t, 0, "%s %zu: test run %d, verdict %u", what, at, err, verdict);
		return -1;
	}
	if (dp_counters(&row_dp, &after)) {
		EXPECT(t, 0, "%s %zu: cannot read the counters", what, at);
		return -1;
	}
	outcome = check_one_packet(t, &before, &after, EW_HOOK_XDP_INGRESS, 1);
	if (outcome < 0)
		return -1;
	if (outcome != (int)want) {
		EXPECT(t, 0, "%s at %zu bytes: outcome %s, want %s", what, at,
		       counter_name(outcome), counter_name(want));
		return -1;
	}
	return outcome;
}

/* What the full packet must be, so the cuts mean something: a flow, not an error. */
static void test_stack_cuts(struct test_case *t, const struct stack *st)
{
	struct pkt p;
	uint8_t frame[PKT_MAX_LEN];
	size_t len;
	int i, trunc_kinds = 0;
	bool seen[EW_CNT_MAX] = { false };
	int ran, not_run = 0;

	pkt_init(&p);
	st->build(&p);
	CHECK(t, pkt_ok(&p), "the builder failed");
	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	for (len = 0; len <= p.len; len++) {
		enum ew_counter want = cut_outcome(&p, len, false);

		ran = run_cut(t, p.data, len, want, "frame cut", len);
		if (ran == RUN_REFUSED) {
			not_run++;
			continue;
		}
		if (ran < 0)
			return;
		if (!seen[want]) {
			seen[want] = true;
			trunc_kinds++;
		}
	}
	/* the outermost IP datagram says it ends at len; the frame is padded as on the
	 * wire, so the bytes after the datagram are still there to be misread */
	for (i = 0; i < p.layers; i++)
		if (p.layer[i].kind == PKT_IPV4 || p.layer[i].kind == PKT_IPV6)
			break;
	CHECK(t, i < p.layers, "no IP header in the stack");
	for (len = p.layer[i].off + p.layer[i].len; len <= p.len; len++) {
		const struct pkt_layer *ip = &p.layer[i];
		size_t dgram = len - ip->off;
		enum ew_counter want = cut_outcome(&p, len, true);

		memcpy(frame, p.data, p.len);
		if (ip->kind == PKT_IPV4) {
			frame[ip->off + 2] = dgram >> 8;
			frame[ip->off + 3] = dgram & 0xFF;
		} else {
			frame[ip->off + 4] = (dgram - 40) >> 8;
			frame[ip->off + 5] = (dgram - 40) & 0xFF;
		}
		if (ip->kind == PKT_IPV6 && dgram == 40)
			continue;	/* payload length 0 means a jumbogram, not "empty" */
		if (run_cut(t, frame, p.len, want, "datagram cut", len) < 0)
			return;
	}
	/* a stack that yields fewer distinct outcomes than headers would be a weak test */
	CHECK(t, trunc_kinds >= 5, "only %d distinct outcomes over all cuts", trunc_kinds);
	if (not_run)
		printf("# %s: %d cuts shorter than an Ethernet header not run (kernel refuses)\n",
		       st->name, not_run);
}

int main(void)
{
	size_t i;
	char name[128];

	if (rows_open("datapath_truncation"))
		return 1;
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		snprintf(name, sizeof(name), "cuts_%s", stacks[i].name);
		RUN_ROW(test_stack_cuts, name, &stacks[i]);
	}
	rows_close();
	return test_summary();
}
