/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Replay's batches (issue 11): several capture frames through the XDP datapath in one
 * BPF_PROG_TEST_RUN of ew_xdp_replay_batch (bpf/datapath.bpf.c), which runs each with
 * the body of ew_xdp_ingress. On this VM a test run's system call costs ~3 us, several
 * times the program: one call per ~58 SYNs instead of one per frame.
 *
 * The frames go back to back in reverse order into one buffer, the first frame at its
 * end; their capture times and lengths go into the program's .bss array (mmapped: no
 * system call). The program moves its window from frame to frame (bpf_xdp_adjust_head
 * back over the next frame, then bpf_xdp_adjust_tail off the one just run), so the
 * frames not yet run are always the front of the buffer: when the program stops early
 * (a frame wrote an event or a sample, which userspace reads before the next frame
 * runs), the next call hands in that front part.
 *
 * A test run's buffer holds one page less the kernel's headroom (256) and its
 * skb_shared_info (320 on x86-64): 3,520 bytes with 4 KiB pages. A frame that does not
 * fit beside others runs alone, as before. Should a kernel keep less than the program
 * was told (it checks), the batch is run frame by frame and the room halved.
 */
#ifndef EDGEWATCH_REPLAY_BATCH_H
#define EDGEWATCH_REPLAY_BATCH_H

#include <stdint.h>
#include "datapath.h"

struct datapath;

/* The room a batch may use, at most (the array in struct replay_batch). */
#define REPLAY_BATCH_BYTES_MAX 65536

struct replay_batch {
	struct datapath *skel;
	int prog_fd;
	uint32_t max_frames;	/* 1..EW_REPLAY_BATCH_MAX */
	uint32_t room;		/* bytes a test run's buffer holds (0: frames run alone) */
	uint32_t n;		/* frames packed */
	uint32_t bytes;		/* bytes packed: the end of buf */
	const uint8_t *alone;	/* the one frame, when it is too large to pack */
	uint64_t runs;		/* test runs made */
	uint8_t buf[REPLAY_BATCH_BYTES_MAX];
};

/*
 * Set up a batch for a loaded replay datapath. max_frames: frames a batch may hold at
 * most (0: EW_REPLAY_BATCH_MAX; 1: frame by frame). 0 or -EINVAL (no batch program).
 */
int replay_batch_init(struct replay_batch *b, struct datapath *skel, uint32_t max_frames);
/* Can a frame of len bytes go in beside those packed? (An empty batch takes any.) */
int replay_batch_fits(const struct replay_batch *b, uint32_t len);
/* Is the batch full (no frame at all can go in)? */
int replay_batch_full(const struct replay_batch *b);
/*
 * Pack a frame (len >= 14, and replay_batch_fits said yes). A frame larger than the room
 * is not copied: it is the batch's only frame, and data must stay as it is until it ran.
 */
void replay_batch_add(struct replay_batch *b, const uint8_t *data, uint32_t len,
		      uint32_t wire_len, uint64_t ts_ns);
/*
 * Run the packed frames from index first: *ran gets how many ran, at least 1 unless an
 * error is returned; fewer than n - first when a frame wrote an event or a sample (read
 * them, then run the rest). 0 or -errno (the test run failed).
 */
int replay_batch_run(struct replay_batch *b, uint32_t first, uint32_t *ran);
/* Empty the batch (its frames ran). */
void replay_batch_clear(struct replay_batch *b);
/*
 * One frame on its own, as replay runs it (for tests and benches); *verdict (if not NULL)
 * gets its XDP action. 0 or -errno.
 */
int replay_batch_run_one(struct replay_batch *b, const uint8_t *data, uint32_t len,
			 uint32_t wire_len, uint64_t ts_ns, int *verdict);

#endif /* EDGEWATCH_REPLAY_BATCH_H */
