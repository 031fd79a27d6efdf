// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* SSH KEXINIT parser: see ssh_kex.h. */
#include <string.h>

#include "inventory/ssh_kex.h"

#define SSH_MSG_KEXINIT 20
/* RFC 4253 4.2: the identification line is at most 255 bytes with CR LF */
#define SSH_ID_LINE_MAX 255
/* RFC 4253 6.1: implementations must take packets of 35000 bytes; refuse far larger */
#define SSH_PACKET_MAX 35000
/* RFC 4253 4.2: a server may send other lines before its identification; bound them */
#define SSH_PRE_LINES_MAX 16

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset just past the identification line's LF, 0 with *st set when there is none. */
static size_t skip_identification(const uint8_t *p, size_t len, int from_server,
				  enum ssh_kex_status *st)
{
	size_t off = 0;
	int lines;

	for (lines = 0; lines <= SSH_PRE_LINES_MAX; lines++) {
		size_t n = len - off < SSH_ID_LINE_MAX ? len - off : SSH_ID_LINE_MAX;
		const uint8_t *nl = memchr(p + off, '\n', n);
		int is_id;

		if (len - off < 4) {
			*st = SSH_KEX_MORE;
			return 0;
		}
		is_id = !memcmp(p + off, "SSH-", 4);
		if (!is_id && !from_server) {	/* only a server may send other lines first */
			*st = SSH_KEX_NOT_SSH;
			return 0;
		}
		if (!nl) {
			*st = n == SSH_ID_LINE_MAX ? SSH_KEX_NOT_SSH : SSH_KEX_MORE;
			return 0;
		}
		if (is_id)
			return (size_t)(nl - p) + 1;
		off = (size_t)(nl - p) + 1;
	}
	*st = SSH_KEX_NOT_SSH;
	return 0;
}

static enum ssh_kex_status parse(const uint8_t *p, size_t len, int from_server, char *hassh,
				 size_t hassh_size)
{
	/* name-lists after the cookie: kex, host key, enc c2s, enc s2c, mac c2s, mac s2c,
	 * comp c2s, comp s2c; HASSH takes kex and the client's or the server's three */
	static const int wanted_client[8] = { 1, 0, 1, 0, 1, 0, 1, 0 };
	static const int wanted_server[8] = { 1, 0, 0, 1, 0, 1, 0, 1 };
	const int *wanted = from_server ? wanted_server : wanted_client;
	enum ssh_kex_status st = SSH_KEX_MORE;
	size_t off, end, pos = 0;
	uint32_t plen;
	int i;

	hassh[0] = '\0';
	off = skip_identification(p, len, from_server, &st);
	if (!off)
		return st;
	if (len - off < 6)
		return SSH_KEX_MORE;
	plen = be32(p + off);
	/* packet_length covers padding_length, payload and padding (at least 4 bytes) */
	if (plen < 1 + 1 + 16 + 4 || plen > SSH_PACKET_MAX || p[off + 4] >= plen - 1)
		return SSH_KEX_BAD_PACKET;
	if (p[off + 5] != SSH_MSG_KEXINIT)
		return SSH_KEX_NOT_KEXINIT;
	if (len - off - 4 < plen)
		return SSH_KEX_MORE;
	/* the payload ends where the padding starts */
	end = off + 4 + plen - p[off + 4];
	off += 6 + 16;		/* length, padding length, message number, cookie */
	for (i = 0; i < 8; i++) {
		uint32_t n;

		if (off > end || end - off < 4)
			return SSH_KEX_BAD_KEXINIT;
		n = be32(p + off);
		off += 4;
		if (n > end - off)
			return SSH_KEX_BAD_KEXINIT;
		if (wanted[i]) {
			uint32_t j;

			/* names are US-ASCII without spaces (RFC 4251 5, 6) */
			for (j = 0; j < n; j++)
				if (p[off + j] < 0x21 || p[off + j] > 0x7e)
					return SSH_KEX_BAD_KEXINIT;
			if (hassh_size - pos <= (size_t)n + 1)
				return SSH_KEX_TOO_LONG;
			if (pos)
				hassh[pos++] = ';';
			memcpy(hassh + pos, p + off, n);
			pos += n;
			hassh[pos] = '\0';
		}
		off += n;
	}
	return SSH_KEX_DONE;
}

enum ssh_kex_status ssh_kex_parse(const uint8_t *p, size_t len, int from_server, char *hassh,
				  size_t hassh_size)
{
	enum ssh_kex_status st = parse(p, len, from_server, hassh, hassh_size);

	if (st != SSH_KEX_DONE)	/* lists read before the fault are not a HASSH */
		hassh[0] = '\0';
	return st;
}

const char *ssh_kex_status_name(enum ssh_kex_status s)
{
	static const char *const names[SSH_KEX_STATUS_COUNT] = {
		[SSH_KEX_DONE] = "ok", [SSH_KEX_MORE] = "truncated", [SSH_KEX_NOT_SSH] = "not_ssh",
		[SSH_KEX_BAD_PACKET] = "bad_packet", [SSH_KEX_NOT_KEXINIT] = "not_kexinit",
		[SSH_KEX_BAD_KEXINIT] = "bad_kexinit", [SSH_KEX_TOO_LONG] = "hassh_too_long",
	};

	return (unsigned int)s < SSH_KEX_STATUS_COUNT ? names[s] : "unknown";
}
