// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "output/pcapng.h"

/* A block under construction: the body grows, the lengths go in at the end. */
struct pcapng_block {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

static void put(struct pcapng_block *b, const void *data, size_t len)
{
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

static void put_u32(struct pcapng_block *b, uint32_t v)
{
	put(b, &v, sizeof(v));	/* host order: the SHB's byte-order magic says which */
}

static void put_u16(struct pcapng_block *b, uint16_t v)
{
	put(b, &v, sizeof(v));
}

static void put_pad(struct pcapng_block *b)
{
	static const uint8_t zeros[4];

	put(b, zeros, (4 - b->len % 4) % 4);
}

static void put_option(struct pcapng_block *b, uint16_t code, const void *data, uint16_t len)
{
	put_u16(b, code);
	put_u16(b, len);
	put(b, data, len);
	put_pad(b);
}

static int block_begin(struct pcapng_block *b, uint32_t type, size_t body_max)
{
	/* type, length, body, options, end of options, length */
	b->cap = 8 + body_max + 4 + 4;
	b->len = 0;
	b->buf = malloc(b->cap);
	if (!b->buf)
		return -ENOMEM;
	put_u32(b, type);
	put_u32(b, 0);	/* the total length, known at the end */
	return 0;
}

static ssize_t block_write(struct pcapng_block *b, FILE *f)
{
	uint32_t total;
	ssize_t ret;

	put_u16(b, PCAPNG_OPT_ENDOFOPT);
	put_u16(b, 0);
	total = (uint32_t)(b->len + 4);
	memcpy(b->buf + 4, &total, sizeof(total));
	put_u32(b, total);
	ret = fwrite(b->buf, 1, b->len, f) == b->len ? (ssize_t)b->len : -(errno ?: EIO);
	free(b->buf);
	b->buf = NULL;
	return ret;
}

ssize_t pcapng_write_header(FILE *f, const char *application)
{
	size_t app_len = strnlen(application, 128);
	struct pcapng_block b;
	ssize_t shb, idb;
	uint8_t tsresol = 9;	/* 10^-9 s: the datapath's nanoseconds */
	int err;

	err = block_begin(&b, PCAPNG_BT_SHB, 16 + 4 + app_len + 3);
	if (err)
		return err;
	put_u32(&b, PCAPNG_BYTE_ORDER_MAGIC);
	put_u16(&b, 1);		/* version 1.0 */
	put_u16(&b, 0);
	put_u32(&b, 0xffffffffu);	/* section length: not given (-1) */
	put_u32(&b, 0xffffffffu);
	put_option(&b, PCAPNG_OPT_SHB_USERAPPL, application, (uint16_t)app_len);
	shb = block_write(&b, f);
	if (shb < 0)
		return shb;
	err = block_begin(&b, PCAPNG_BT_IDB, 8 + 4 + 4);
	if (err)
		return err;
	put_u16(&b, PCAPNG_LINKTYPE_ETHERNET);	/* replay hands the programs Ethernet frames */
	put_u16(&b, 0);
	put_u32(&b, 0);		/* snaplen: no limit */
	put_option(&b, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	idb = block_write(&b, f);
	return idb < 0 ? idb : shb + idb;
}

static size_t padded(size_t len)
{
	return (len + 3) & ~(size_t)3;
}

uint64_t pcapng_packet_size(uint32_t cap_len, const char *comment)
{
	size_t comment_len = comment ? strnlen(comment, PCAPNG_COMMENT_MAX) : 0;

	/* type, length, the EPB's 20 bytes, data, comment, end of options, length */
	return 8 + 20 + padded(cap_len) + (comment_len ? 4 + padded(comment_len) : 0) + 4 + 4;
}

ssize_t pcapng_write_packet(FILE *f, uint64_t ts_ns, const uint8_t *data, uint32_t cap_len,
			    uint32_t orig_len, const char *comment)
{
	size_t comment_len = comment ? strnlen(comment, PCAPNG_COMMENT_MAX) : 0;
	struct pcapng_block b;
	int err;

	if (cap_len > orig_len || cap_len > PCAPNG_FRAME_MAX)
		return -EINVAL;
	err = block_begin(&b, PCAPNG_BT_EPB, 20 + cap_len + 3 + 4 + comment_len + 3);
	if (err)
		return err;
	put_u32(&b, 0);		/* interface 0 */
	put_u32(&b, (uint32_t)(ts_ns >> 32));
	put_u32(&b, (uint32_t)ts_ns);
	put_u32(&b, cap_len);
	put_u32(&b, orig_len);
	put(&b, data, cap_len);
	put_pad(&b);
	if (comment_len)
		put_option(&b, PCAPNG_OPT_COMMENT, comment, (uint16_t)comment_len);
	return block_write(&b, f);
}
