// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "log.h"
#include "replay_batch.h"

#define ETH_HLEN 14
/* What BPF_PROG_TEST_RUN keeps around an XDP frame's data in its page (net/bpf/test_run.c,
 * bpf_prog_test_run_xdp): XDP_PACKET_HEADROOM before it, the skb_shared_info (its
 * aligned size on x86-64 and arm64) after it. More data goes to fragments, which a
 * program without xdp.frags does not see: the program checks, see replay_batch_run. */
#define TEST_RUN_HEADROOM 256
#define TEST_RUN_TAILROOM 320

int replay_batch_init(struct replay_batch *b, struct datapath *skel, uint32_t max_frames)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(b, 0, sizeof(*b));
	b->skel = skel;
	b->prog_fd = bpf_program__fd(skel->progs.ew_xdp_replay_batch);
	if (b->prog_fd < 0)
		return -EINVAL;
	b->max_frames = max_frames && max_frames < EW_REPLAY_BATCH_MAX ? max_frames
								: EW_REPLAY_BATCH_MAX;
	if (page > TEST_RUN_HEADROOM + TEST_RUN_TAILROOM)
		b->room = (uint32_t)page - TEST_RUN_HEADROOM - TEST_RUN_TAILROOM;
	if (b->room > sizeof(b->buf))
		b->room = sizeof(b->buf);
	if (b->max_frames == 1)
		b->room = 0;
	return 0;
}

int replay_batch_fits(const struct replay_batch *b, uint32_t len)
{
	if (!b->n)
		return 1;
	return !b->alone && b->n < b->max_frames && b->bytes + len <= b->room;
}

int replay_batch_full(const struct replay_batch *b)
{
	return b->n && (b->alone || b->n >= b->max_frames || b->bytes + ETH_HLEN > b->room);
}

void replay_batch_add(struct replay_batch *b, const uint8_t *data, uint32_t len,
		      uint32_t wire_len, uint64_t ts_ns)
{
	struct ew_replay_frame *f = &b->skel->bss->replay_batch[b->n];

	f->ts_ns = ts_ns;
	f->wire_len = wire_len;
	f->len = len;
	b->n++;
	if (len > b->room || len > sizeof(b->buf)) {	/* the only frame: run from data */
		b->alone = data;
		return;
	}
	b->bytes += len;
	memcpy(b->buf + sizeof(b->buf) - b->bytes, data, len);
}

void replay_batch_clear(struct replay_batch *b)
{
	b->n = 0;
	b->bytes = 0;
	b->alone = NULL;
}

/* One test run of frames first..count-1, which are the size bytes at data. */
static int run_frames(struct replay_batch *b, const uint8_t *data, uint32_t size,
		      uint32_t first, uint32_t count, uint32_t *ran)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size,
		    .repeat = 1);
	struct datapath__bss *bss = b->skel->bss;

	bss->replay_batch_first = first;
	bss->replay_batch_count = count;
	bss->replay_batch_bytes = size;
	b->runs++;
	if (bpf_prog_test_run_opts(b->prog_fd, &opts)) {
		int err = -errno;

		log_error("BPF_PROG_TEST_RUN failed: %s", strerror(-err));
		return err;
	}
	*ran = bss->replay_batch_ran;
	return bss->replay_batch_error ? -EMSGSIZE : 0;
}

int replay_batch_run(struct replay_batch *b, uint32_t first, uint32_t *ran)
{
	const struct ew_replay_frame *f = b->skel->bss->replay_batch;
	uint32_t done = 0, i, size;
	int err;

	*ran = 0;
	if (first >= b->n)
		return -EINVAL;
	if (b->alone)
		return run_frames(b, b->alone, f[0].len, 0, 1, ran);
	for (i = 0; i < first; i++)
		done += f[i].len;
	size = b->bytes - done;
	err = run_frames(b, b->buf + sizeof(b->buf) - b->bytes, size, first, b->n, ran);
	if (err != -EMSGSIZE)
		return err ? err : (*ran ? 0 : -EIO);
	/*
	 * This kernel did not hand the program the whole buffer (it keeps less of a page
	 * than replay_batch.h says): nothing was lost, the frames that did not run go
	 * alone, and later batches get half the room.
	 */
	log_debug("replay: a test run held less than %u bytes: batches of at most %u bytes "
		  "from now on", size, b->room / 2);
	b->room /= 2;
	for (i = first; i < first + *ran; i++)
		done += f[i].len;
	/* one frame: it is the buffer's part just before what ran */
	size = f[first + *ran].len;
	err = run_frames(b, b->buf + sizeof(b->buf) - done - size, size, first + *ran,
			 first + *ran + 1, &i);
	if (err)
		return err;
	*ran += i;
	return 0;
}

int replay_batch_run_one(struct replay_batch *b, const uint8_t *data, uint32_t len,
			 uint32_t wire_len, uint64_t ts_ns, int *verdict)
{
	uint32_t ran;
	int err;

	replay_batch_clear(b);
	replay_batch_add(b, data, len, wire_len, ts_ns);
	err = replay_batch_run(b, 0, &ran);
	if (verdict)
		*verdict = (int)b->skel->bss->replay_batch[0].verdict;
	replay_batch_clear(b);
	return err;
}
