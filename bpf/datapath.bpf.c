// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * edgewatch datapath: XDP on the uplink's ingress, tc (clsact) on its egress. Both run
 * the same parser and flow accounting; only how they read the packet differs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "datapath.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "flow.bpf.h"
#include "policy.bpf.h"
#include "sample.bpf.h"
#include "sweep.bpf.h"

#define TC_ACT_OK 0

/* Set by userspace before load (rodata): behaviour chosen at run time, one program. */
const volatile __u8 cfg_passive = 0;	/* SPAN sensor: drop after accounting */
/* The interface carries IP without a link-layer header (WireGuard, tun, PPP). */
const volatile __u8 cfg_l3_link = 0;

/* Replay (cfg_replay): the frame's length on the wire (the capture may hold less). */
__u32 replay_frame_len = 0;

/*
 * The clock of the fast path, in ns: clock_now_ns, kept current by userspace (the
 * skeleton's .bss is mmapped). The live daemon writes CLOCK_MONOTONIC every
 * millisecond while packets flow, replay writes the capture's timestamp before each
 * packet. Measured here, bpf_ktime_get_ns costs 34 ns and even bpf_ktime_get_coarse_ns
 * 20 ns over an empty program (BENCHMARKS.md); reading a variable costs nothing, and a
 * millisecond is finer than any flow timeout.
 *
 * Live, the clock thread sleeps when no packet has read the clock for a while
 * (userspace/engine.c, so an idle daemon costs nothing): it sets clock_asleep and stops
 * writing. A packet that finds it asleep takes the exact time itself (bpf_ktime_get_ns
 * is CLOCK_MONOTONIC, the thread's clock) and wakes the thread through clock_wake; so
 * does every packet until the thread has written a fresh time and cleared the flag, and
 * no packet is stamped older than before. A time taken here may be a little ahead of the
 * value the thread then writes: flow.bpf.h keeps last_seen the later of the two.
 * Awake, the thread learns that packets still flow from clock_used, written only when
 * found clear (the thread clears it each tick): the established path pays two reads of
 * this cache line, which the clock write invalidates every tick anyway.
 */
static __always_inline __u64 ew_clock_wake(void)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *rec;

	if (!clock_wake_sent) {
		clock_wake_sent = 1;
		/*
		 * The ring is read whole at every wake-up: full means a wake is pending.
		 * Reserved, not bpf_ringbuf_output from a stack copy: replay's batch program
		 * calls the packet's body and the parser as subprograms, and their stacks
		 * count together against the verifier's 512 bytes (6.1, which rounds each
		 * frame up to 32: 32 + 352 + 64 = 448 since replay_parse_state); no stack
		 * slot here keeps the body's frame from growing for it.
		 */
		rec = bpf_ringbuf_reserve(&clock_wake, sizeof(*rec), 0);
		if (rec) {
			*rec = now;
			bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
		}
	}
	return now;
}

static __always_inline __u64 ew_now_ns(void)
{
	if (cfg_replay)		/* rodata: the verifier drops the live part in replay */
		return clock_now_ns;
	if (clock_asleep)
		return ew_clock_wake();
	if (!clock_used)
		clock_used = 1;
	return clock_now_ns;
}

/* Unrolled with constant indexes: a computed index would need a bounds check per bit. */
#define COUNT_ENCAP(cnt, hook, encap, pkts, id)                                                \
	do {                                                                                   \
		if ((encap) & EW_ENCAP_BIT(id))                                                \
			(cnt)->count[(hook) & 1][id] += (pkts);                               \
	} while (0)

/* pkts: the wire packets this one stands for (GSO), as counted in EW_CNT_PKT_SEEN. */
static __always_inline void count_encap(struct ew_counters *cnt, __u32 hook, __u32 encap,
					__u64 pkts)
{
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_VLAN);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_QINQ);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_MPLS);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_PPPOE);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_GRE);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_ERSPAN);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_VXLAN);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_GENEVE);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_IPIP);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_TEREDO);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_IPV6_EXT);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_FRAGMENT);
	COUNT_ENCAP(cnt, hook, encap, pkts, EW_CNT_ENCAP_ESP);
	_Static_assert(EW_CNT_ENCAP_LAST == EW_CNT_ENCAP_ESP, "count every encapsulation");
}

/*
 * The parser's step, instantiated per program type (see parse.bpf.h for why these
 * are global functions). The verifier treats a global function's pointer argument as
 * possibly NULL.
 */
__noinline int parse_step_xdp(struct xdp_md *ctx, struct parse_state *ps)
{
	if (!ps)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	return parse_step(ps, (void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

__noinline int parse_step_tc(struct __sk_buff *skb, struct parse_state *ps)
{
	if (!ps)
		return EW_CNT_PKT_TOO_MANY_LAYERS;
	return parse_step(ps, (void *)(long)skb->data, (void *)(long)skb->data_end);
}

/* Run the steps until the parser is done: 0 or the packet's no-flow outcome. */
#define PARSE_PACKET(step_fn, ctx, ps, data, data_end)                                          \
	({                                                                                     \
		int __err = 0, __step;                                                         \
		if ((data) >= (data_end))                                                      \
			__err = EW_CNT_PKT_EMPTY;                                              \
		else {                                                                         \
			for (__step = 0; __step < EW_PARSE_STEPS; __step++) {                  \
				if ((ps)->next == NEXT_DONE)                                   \
					break;                                                 \
				__err = step_fn(ctx, ps);                                      \
				if (__err)                                                     \
					break;                                                 \
			}                                                                      \
			__err = parse_finish(ps, __err);                                       \
		}                                                                              \
		__err;                                                                         \
	})

/* What accounting found out about a packet, for the verdict and the sample. */
struct packet_fate {
	struct flow_key key;
	struct flow_record *fr;	/* its flow, when outcome is EW_CNT_PKT_FLOW */
	int outcome;		/* EW_CNT_PKT_* of the OUTCOME group */
	int from_a;		/* its source is endpoint a of key */
	int dir;		/* enum ew_dir in its flow */
	int action;		/* enum ew_action for this packet */
	/* the policy generation in force for this packet (0: none loaded yet) and its set's
	 * config (policy and sampling settings): read once per packet, so the policy and
	 * the sampling decision see one generation, and the lookup is paid once */
	__u32 policy_gen;
	const struct policy_config *cfg;
};

/*
 * Everything of fate but its key, which is read only once a flow key was built (an
 * outcome of 0: flow_key_build or frag_lookup writes all of it) and costs six stores
 * per packet to zero first (issue 11: the established path's budget).
 */
static __always_inline void packet_fate_init(struct packet_fate *fate)
{
	fate->fr = NULL;
	fate->outcome = 0;
	fate->from_a = 0;
	fate->dir = 0;
	fate->action = EW_ACTION_ALERT;
	fate->policy_gen = 0;
	fate->cfg = NULL;
}

/*
 * The generation and config of the policy in force (struct policy_config: userspace
 * writes a set, then flips policy_gen to it). NULL never happens (a two-slot array
 * indexed by gen & 1); the caller passes the packet then, as for the counters' lookup.
 */
static __always_inline const struct policy_config *policy_now(__u32 *gen)
{
	__u32 set;

	*gen = policy_gen;
	set = *gen & 1;
	return bpf_map_lookup_elem(&policy_configs, &set);
}

/*
 * Account one parsed packet. outcome is what the parser said (0: a flow key can be
 * built). pkts is the number of wire packets it stands for (GSO segments on tc
 * egress), len the bytes of the packet as it is, hw_tag_len the bytes of a VLAN tag
 * that hardware will insert (in len already, once). Counts the packet's outcome and
 * applies the policy to its flow.
 */
static __always_inline void account_packet(struct ew_counters *cnt, struct parse_state *ps,
					   int outcome, void *data, void *data_end, __u64 pkts,
					   __u64 len, __u32 hw_tag_len, __u32 hook,
					   struct packet_fate *fate)
{
	struct flow_record *fr = NULL;	/* the flow, or the record a flow-less packet is judged on */
	int overlap = 0;
	__u64 now = ew_now_ns();

	fate->fr = NULL;
	fate->action = EW_ACTION_ALERT;
	cnt->count[hook & 1][EW_CNT_PKT_SEEN] += pkts;
	if (outcome == 0) {
		if (ps->frag == FRAG_NONFIRST) {
			outcome = frag_lookup(ps, &fate->key, &fate->from_a, now, &overlap);
			if (outcome == 0)
				cnt->count[hook & 1][EW_CNT_FRAG_ATTRIBUTED] += pkts;
		} else {
			outcome = flow_key_build(&fate->key, ps, data, data_end, &fate->from_a);
		}
	}
	/*
	 * A GSO packet becomes pkts packets on the wire, each with its own copy of the
	 * headers: count the bytes the wire will carry.
	 */
	if (pkts > 1 && ps->payload_off)
		len += (pkts - 1) * ((__u64)ps->payload_off + hw_tag_len);
	if (outcome == 0) {
		outcome = flow_account(&fate->key, fate->from_a, ps, data, data_end, pkts, len,
				       now, hook, cnt, overlap, &fr, &fate->dir);
		if (outcome == EW_CNT_PKT_FLOW)
			fate->fr = fr;
		if (outcome == EW_CNT_PKT_FLOW && fate->fr && ps->frag == FRAG_FIRST) {
			if (frag_track(ps, &fate->key, fate->from_a, now, hook, cnt)) {
				overlap = 1;
				flow_set_bits(&fate->fr->flags, EW_FLOW_F_FRAG_OVERLAP);
			}
			frag_pending_join(ps, fate->fr, fate->dir, now, cnt);
		}
	} else if (outcome == EW_CNT_PKT_FRAG_FIRST_MISSING && ps->frag == FRAG_NONFIRST) {
		/* its first fragment may still come: hold its counts for it */
		frag_pending_hold(ps, pkts, len, now, hook, cnt);
	}
	if (overlap)
		cnt->count[hook & 1][EW_CNT_FRAG_OVERLAP]++;
	if (ps->tiny_fragment)
		cnt->count[hook & 1][EW_CNT_FRAG_TINY_FIRST]++;
	if ((overlap || ps->tiny_fragment) && outcome == EW_CNT_PKT_FLOW && fate->fr)
		policy_frag_evasion(cnt, fate->cfg, fate->policy_gen, fate->fr, &fate->key,
				    fate->from_a, hook, now,
				    packet_flow_flags(ps, overlap) &
					    (EW_FLOW_F_TINY_FRAGMENT | EW_FLOW_F_FRAG_OVERLAP));
	if (ps->inner_non_ip)
		cnt->count[hook & 1][EW_CNT_TUNNEL_INNER_NON_IP]++;
	if (ps->encap)
		count_encap(cnt, hook, ps->encap, pkts);
	if ((__u32)outcome < EW_CNT_MAX)
		cnt->count[hook & 1][(__u32)outcome] += pkts;
	fate->outcome = outcome;
	/*
	 * The policy judges every packet with a flow key, with its flow or, when the flow
	 * could not be created (table full), on its own: a flood that fills the table
	 * must not let a forbidden source through.
	 */
	if (fr && (outcome == EW_CNT_PKT_FLOW || outcome == EW_CNT_PKT_FLOW_TABLE_FULL))
		fate->action = policy_apply(cnt, fate->cfg, fate->policy_gen, fr, &fate->key, ps,
					    fate->from_a, fate->dir, pkts, hook, now,
					    outcome != EW_CNT_PKT_FLOW);
}

/* Should the packet's flow be dropped because a `drop` rule matched it? */
static __always_inline int flow_blocked(const struct packet_fate *fate)
{
	if (!blocked_count || fate->outcome != EW_CNT_PKT_FLOW)
		return 0;
	return bpf_map_lookup_elem(&blocked_flows, &fate->key) != NULL;
}

/*
 * Sample the packet's payload if its flow wants one: the decision and the record's
 * header. Returns the reserved record and *cap, the payload bytes to copy after it, for
 * the program's own copy helper; NULL when there is nothing to sample.
 */
static __always_inline struct sample_header *
sample_begin(struct ew_counters *cnt, const struct parse_state *ps, struct packet_fate *fate,
	     __u32 frame_len, __u32 data_len, __u32 hook, __u32 *cap)
{
	const struct policy_config *cfg = fate->cfg;	/* the sampling settings in force */
	struct sample_header *s;
	__u32 on_wire = 0, stream_off = 0;
	__u8 stream_flags = 0;
	int reason = 0, stream_on = stream_window_on(ps), in_window = 0;

	if (!fate->fr)
		return NULL;
	*cap = sample_payload_len(ps, data_len, &on_wire);
	/* before the payload check: a SYN without payload sets the stream's base */
	if (stream_on) {
		in_window = stream_decide(fate->fr, fate->dir, ps, *cap ? on_wire : 0, &stream_off,
					  &stream_flags);
		if (in_window < 0)
			cnt->count[hook & 1][EW_CNT_SAMPLE_STREAM_CAPPED]++;
	}
	if (!*cap)
		return NULL;
	reason = in_window > 0 ? EW_SAMPLE_STREAM
			       : sample_decide(fate->fr, fate->dir, cfg, stream_on);
	if (!reason)
		return NULL;
	s = sample_reserve(cnt, &fate->key, fate->fr, ps, fate->from_a, fate->dir, reason, hook,
			   frame_len, on_wire, *cap, ew_now_ns());
	if (s && reason == EW_SAMPLE_STREAM) {
		s->stream_off = stream_off;
		s->stream_flags = stream_flags;
	}
	return s;
}

/*
 * The length for bpf_{xdp,skb}_load_bytes: cap when 1 <= cap <= cfg_snaplen (the room
 * reserved after the header), else 0 (never in practice: sample_begin returns NULL for 0).
 * Said again for the verifier, with a workaround for Linux 6.1's: the helpers take their
 * length as ARG_CONST_SIZE, and a range that includes 0 is refused ("invalid access to
 * memory, mem_size=600 off=88 size=0"). clang turns "cap >= 1" into "cap != 0", which
 * does not raise the minimum on that verifier, and merges the bounds into one test on a
 * copy. The mask-and-add gives the very register passed a minimum of 1 by construction
 * (an identity for 1..EW_SNAPLEN_MAX); barrier_var stops clang folding it back to cap.
 */
_Static_assert((EW_SNAPLEN_MAX & (EW_SNAPLEN_MAX - 1)) == 0, "the mask needs a power of two");
static __always_inline __u32 sample_load_len(__u32 cap)
{
	__u32 len;

	if (cap < 1 || cap > EW_SNAPLEN_MAX || cap > cfg_snaplen)
		return 0;
	barrier_var(cap);
	len = ((cap - 1) & (EW_SNAPLEN_MAX - 1)) + 1;
	return len <= cfg_snaplen ? len : 0;
}

/* The same for the frame's headers, copied after the payload: hdr when 1 <= hdr <=
 * EW_SAMPLE_HEADROOM, else 0 (headers not copied). hdr is read back from the record, so
 * the verifier needs its bound said again, with the same mask-and-add for 6.1's. */
_Static_assert((EW_SAMPLE_HEADROOM & (EW_SAMPLE_HEADROOM - 1)) == 0, "the mask needs a power of two");
static __always_inline __u32 sample_hdr_load_len(__u32 hdr)
{
	if (hdr < 1 || hdr > EW_SAMPLE_HEADROOM)
		return 0;
	barrier_var(hdr);
	return ((hdr - 1) & (EW_SAMPLE_HEADROOM - 1)) + 1;
}

static __always_inline void sample_xdp(struct xdp_md *ctx, struct ew_counters *cnt,
				       const struct parse_state *ps, struct packet_fate *fate,
				       __u32 frame_len)
{
	__u32 data_len = (long)ctx->data_end - (long)ctx->data, cap = 0, len, hdr;
	struct sample_header *s;
	int err;

	s = sample_begin(cnt, ps, fate, frame_len, data_len, EW_HOOK_XDP_INGRESS, &cap);
	if (!s)
		return;
	len = sample_load_len(cap);
	err = len ? bpf_xdp_load_bytes(ctx, ps->payload_off, s + 1, len) : -1;
	hdr = sample_hdr_load_len(s->hdr_len);
	if (!err && hdr)
		err = bpf_xdp_load_bytes(ctx, 0, (__u8 *)(s + 1) + len, hdr);
	sample_finish(cnt, s, err, EW_HOOK_XDP_INGRESS);
}

static __always_inline void sample_tc(struct __sk_buff *skb, struct ew_counters *cnt,
				      const struct parse_state *ps, struct packet_fate *fate,
				      __u32 frame_len)
{
	struct sample_header *s;
	__u32 cap = 0, len, hdr;
	int err;

	s = sample_begin(cnt, ps, fate, frame_len, skb->len, EW_HOOK_TC_EGRESS, &cap);
	if (!s)
		return;
	len = sample_load_len(cap);
	err = len ? bpf_skb_load_bytes(skb, ps->payload_off, s + 1, len) : -1;
	hdr = sample_hdr_load_len(s->hdr_len);
	if (!err && hdr)
		err = bpf_skb_load_bytes(skb, 0, (__u8 *)(s + 1) + len, hdr);
	sample_finish(cnt, s, err, EW_HOOK_TC_EGRESS);
}

/*
 * One frame through the XDP datapath: parse, account, sample, verdict. The live program
 * inlines it with ps on its stack; replay's batch program calls it through
 * ew_xdp_replay_frame with ps in .bss (see there). fate stays on the stack: it holds a
 * pointer to the flow, which the verifier forgets once stored in a map.
 */
static __always_inline int xdp_frame_run(struct xdp_md *ctx, struct parse_state *ps)
{
	struct packet_fate fate;
	struct ew_counters *cnt;
	void *data, *data_end;
	__u32 zero = 0;
	__u64 len;
	int outcome;

	__builtin_memset(ps, 0, sizeof(*ps));
	packet_fate_init(&fate);
	cnt = bpf_map_lookup_elem(&counters, &zero);
	fate.cfg = policy_now(&fate.policy_gen);
	if (!cnt || !fate.cfg)
		return XDP_PASS;	/* cannot happen: a one-slot per-CPU array, a two-slot array */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	len = data_end - data;
	if (cfg_replay && replay_frame_len)
		len = replay_frame_len;

	if (parse_fast(ps, data, data_end, cfg_l3_link)) {
		outcome = 0;
	} else {
		__builtin_memset(ps, 0, sizeof(*ps));
		if (cfg_l3_link)
			parse_start_l3(ps, data, data_end);
		outcome = PARSE_PACKET(parse_step_xdp, ctx, ps, data, data_end);
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	account_packet(cnt, ps, outcome, data, data_end, 1, len, 0, EW_HOOK_XDP_INGRESS, &fate);
	sample_xdp(ctx, cnt, ps, &fate, len);

	/* one verdict per packet: the policy's drop, a rule's drop, the sensor's drop */
	if (fate.action == EW_ACTION_DROP) {
		if (fate.outcome == EW_CNT_PKT_FLOW)
			cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_POLICY]++;
		else	/* judged without a flow: the table was full */
			cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_POLICY_NOFLOW]++;
		return XDP_DROP;
	}
	if (flow_blocked(&fate)) {
		cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_RULE]++;
		return XDP_DROP;
	}
	if (cfg_passive) {
		cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_PASSIVE]++;
		return XDP_DROP;
	}
	cnt->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_PASS]++;
	return XDP_PASS;
}

SEC("xdp")
int ew_xdp_ingress(struct xdp_md *ctx)
{
	struct parse_state ps;	/* zeroed by xdp_frame_run */

	return xdp_frame_run(ctx, &ps);
}

/*
 * Replay's batches (issue 11): one BPF_PROG_TEST_RUN costs ~3 us of system call on a VM,
 * several times the program itself, and the kernel has no batched test run for distinct
 * frames; so ew_xdp_replay_batch walks several frames of one buffer (layout: datapath.h,
 * struct ew_replay_frame), running each through the same body as ew_xdp_ingress. Replay
 * loads this program only (not ew_xdp_ingress: one verification of the body, not two).
 *
 * replay_batch_first..replay_batch_count-1 are the frames to run (the buffer holds
 * exactly those, replay_batch_bytes bytes: the frames before first ran in an earlier
 * call, and were the buffer's end). The program stops after a frame that wrote to the
 * events or samples ring: userspace reads those before the next frame runs, as it does
 * frame by frame (reading an alert can block the flow for the next frame).
 * replay_batch_ran says how many frames ran; replay_batch_error is set when the buffer
 * is not what the array says (then nothing more runs; userspace runs the rest alone).
 * A single frame runs as it is, whatever its size: as ew_xdp_ingress sees it.
 */
struct ew_replay_frame replay_batch[EW_REPLAY_BATCH_MAX];
__u32 replay_batch_first = 0;
__u32 replay_batch_count = 0;
__u32 replay_batch_bytes = 0;
__u32 replay_batch_ran = 0;
__u32 replay_batch_error = 0;
/* the rings' producer positions before the frame (ew_xdp_replay_batch's, not on its stack) */
__u64 replay_events_pos = 0;
__u64 replay_samples_pos = 0;

/*
 * Replay's parse state: in .bss, not on ew_xdp_replay_frame's stack. The batch program,
 * this body and the parser (a global function it calls) count together against the
 * verifier's 512 bytes of stack, each frame rounded up: to 32 bytes on kernels before
 * 6.8 (6.1: 32 + 448 + 64 = 544 with ps on the stack, refused: "combined stack size of
 * 3 calls is 544"), to 16 with the JIT after. Replay runs one frame at a time on one
 * thread, so one copy is enough; ps holds offsets and lengths only, no pointer.
 */
static struct parse_state replay_parse_state;

/* A global function: the verifier checks the body once, not once per frame of the loop. */
__noinline int ew_xdp_replay_frame(struct xdp_md *ctx)
{
	return xdp_frame_run(ctx, &replay_parse_state);
}

/* Move [data, data_end) from frame prev_len long to the frame before it, len long. */
static __always_inline int replay_next_frame(struct xdp_md *ctx, __u32 len, __u32 prev_len)
{
	/* the head first: the frame never gets shorter than ETH_HLEN, which the kernel
	 * refuses; the tail only shrinks (growing it would zero the bytes) */
	if (bpf_xdp_adjust_head(ctx, -(int)len))
		return -1;
	return bpf_xdp_adjust_tail(ctx, -(int)prev_len);
}

SEC("xdp")
int ew_xdp_replay_batch(struct xdp_md *ctx)
{
	struct ew_replay_frame *frame;
	__u32 i, idx, len, prev_len;
	int verdict;

	replay_batch_ran = 0;
	replay_batch_error = 0;
	/*
	 * Only ctx and i live across the call: the first index is read from .bss again, the
	 * previous frame's length from its slot, the rings' positions are kept in .bss. This
	 * program's stack, the body's and the parser's count together against the
	 * verifier's 512 bytes: the 24 bytes of spills it had before were 528 in all once the
	 * live clock's wake was added (each frame's stack is rounded up).
	 */
	for (i = 0; i < EW_REPLAY_BATCH_MAX; i++) {
		idx = replay_batch_first + i;
		if (idx >= replay_batch_count || idx >= EW_REPLAY_BATCH_MAX)
			break;
		/*
		 * Verifier workaround: clang 14 turns replay_batch[idx] into a pointer it
		 * strength-reduces across the loop and bounds-checks a copy of idx only
		 * ("R9 unbounded memory access"). The mask (an identity here) on the very
		 * register, kept by barrier_var, bounds the access the verifier sees.
		 */
		barrier_var(idx);
		frame = &replay_batch[idx & (EW_REPLAY_BATCH_MAX - 1)];
		len = frame->len;
		if (i == 0 && idx + 1 < replay_batch_count) {
			/* the first frame is the buffer's last bytes */
			if (ctx->data_end - ctx->data != replay_batch_bytes || len < sizeof(struct ethhdr) ||
			    len > replay_batch_bytes ||
			    bpf_xdp_adjust_head(ctx, (int)(replay_batch_bytes - len)))
				goto broken;
		} else if (i > 0) {
			prev_len = replay_batch[(idx - 1) & (EW_REPLAY_BATCH_MAX - 1)].len;
			if (replay_next_frame(ctx, len, prev_len))
				goto broken;
		}
		if (i > 0 || idx + 1 < replay_batch_count) {
			if (ctx->data_end - ctx->data != len)
				goto broken;
		}
		clock_now_ns = frame->ts_ns;
		replay_frame_len = frame->wire_len;
		replay_events_pos = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
		replay_samples_pos = bpf_ringbuf_query(&samples, BPF_RB_PROD_POS);
		verdict = ew_xdp_replay_frame(ctx);
		idx = replay_batch_first + i;
		barrier_var(idx);
		replay_batch[idx & (EW_REPLAY_BATCH_MAX - 1)].verdict = verdict;
		replay_batch_ran = i + 1;
		if (bpf_ringbuf_query(&events, BPF_RB_PROD_POS) != replay_events_pos ||
		    bpf_ringbuf_query(&samples, BPF_RB_PROD_POS) != replay_samples_pos)
			break;
	}
	return XDP_PASS;
broken:
	replay_batch_error = 1;
	return XDP_PASS;
}

/*
 * What the skb knows before its data is parsed: a VLAN tag the stack will insert in
 * hardware (not in the data yet), and whether it is a GSO super-packet.
 */
static __always_inline void tc_seed_state(struct parse_state *ps, struct __sk_buff *skb)
{
	if (skb->vlan_present) {
		ps->vlan[0] = skb->vlan_tci & 0x0FFF;
		ps->vlan_tags = 1;
		ps->frame_vlan_tags = 1;
		ps->encap = EW_ENCAP_BIT(EW_CNT_ENCAP_VLAN);
	}
	if (skb->gso_segs > 1)
		ps->gso = 1;
}

/*
 * Headers are read from the linear part of the skb; pull this much into it first, and
 * when the headers go on beyond it (deep tunnels), pull up to TC_PULL_MAX and parse again.
 */
#define TC_PULL_LEN 256
#define TC_PULL_MAX 2048

SEC("tc")
int ew_tc_egress(struct __sk_buff *skb)
{
	struct parse_state ps = {};
	struct packet_fate fate;
	struct ew_counters *cnt;
	void *data, *data_end;
	__u64 pkts = 1, len = skb->len;
	__u32 zero = 0, pull, hw_tag_len = 0;
	int outcome;

	packet_fate_init(&fate);
	cnt = bpf_map_lookup_elem(&counters, &zero);
	fate.cfg = policy_now(&fate.policy_gen);
	if (!cnt || !fate.cfg)
		return TC_ACT_OK;	/* cannot happen: see xdp_frame_run */
	pull = skb->len < TC_PULL_LEN ? skb->len : TC_PULL_LEN;
	if (skb->data_end - skb->data < pull)
		bpf_skb_pull_data(skb, pull);
	if (skb->vlan_present) {
		hw_tag_len = 4;
		len += hw_tag_len;
	}
	if (skb->gso_segs > 1)
		pkts = skb->gso_segs;

	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	tc_seed_state(&ps, skb);
	if (parse_fast(&ps, data, data_end, cfg_l3_link)) {
		outcome = 0;
	} else {
		__builtin_memset(&ps, 0, sizeof(ps));
		tc_seed_state(&ps, skb);
		if (cfg_l3_link)
			parse_start_l3(&ps, data, data_end);
		outcome = PARSE_PACKET(parse_step_tc, skb, &ps, data, data_end);
		if (is_truncation(outcome) && skb->len > skb->data_end - skb->data &&
		    skb->data_end - skb->data < TC_PULL_MAX) {
			bpf_skb_pull_data(skb, skb->len < TC_PULL_MAX ? skb->len : TC_PULL_MAX);
			data = (void *)(long)skb->data;
			data_end = (void *)(long)skb->data_end;
			__builtin_memset(&ps, 0, sizeof(ps));
			tc_seed_state(&ps, skb);
			if (cfg_l3_link)
				parse_start_l3(&ps, data, data_end);
			outcome = PARSE_PACKET(parse_step_tc, skb, &ps, data, data_end);
		}
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	account_packet(cnt, &ps, outcome, data, data_end, pkts, len, hw_tag_len,
		       EW_HOOK_TC_EGRESS, &fate);
	sample_tc(skb, cnt, &ps, &fate, len);
	/* egress is the device's own traffic: reported, never dropped here */
	cnt->count[EW_HOOK_TC_EGRESS][EW_CNT_VERDICT_PASS] += pkts;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
