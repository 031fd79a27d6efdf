// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* TLS handshake parser: see tls.h. Every read is checked against what is held. */
#include <stdio.h>
#include <string.h>

#include "inventory/tls.h"

#define TLS_CONTENT_HANDSHAKE 22
/* RFC 8446 5.1/5.2: a record's length is at most 2^14 (+ 2048 when protected) */
#define TLS_RECORD_MAX (16384 + 2048)
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_CERTIFICATE 11
#define TLS_EXT_SUPPORTED_GROUPS 10
#define TLS_EXT_EC_POINT_FORMATS 11
#define TLS_EXT_SUPPORTED_VERSIONS 43

/* A bounded reader over one message: a short read sets bad and yields zeros. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static uint32_t rd_uint(struct rd *r, size_t n)
{
	uint32_t v = 0;
	size_t i;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		v = v << 8 | r->p[r->off + i];
	r->off += n;
	return v;
}

/* A sub-reader of n bytes (a vector's body); the parent moves past it. */
static struct rd rd_sub(struct rd *r, size_t n)
{
	struct rd s = { .bad = 1 };

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return s;
	}
	s = (struct rd){ .p = r->p + r->off, .len = n };
	r->off += n;
	return s;
}

/* RFC 8701: GREASE values are 0x0a0a, 0x1a1a, ... 0xfafa (left out of JA3). */
static int is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* The JA3 string being built: too long for out_size sets over (never cut silently). */
struct ja3_buf {
	char *s;
	size_t size, pos;
	int over;
};

static void ja3_put(struct ja3_buf *b, const char *text)
{
	size_t n = strlen(text);

	if (b->over || b->size - b->pos <= n) {
		b->over = 1;
		return;
	}
	memcpy(b->s + b->pos, text, n + 1);
	b->pos += n;
}

/* A list of width-byte values, GREASE left out, '-' between; sep before it. */
static void ja3_list(struct ja3_buf *b, const char *sep, struct rd list, size_t width)
{
	char num[12];
	int first = 1;

	ja3_put(b, sep);
	while (!list.bad && list.off < list.len) {
		uint32_t v = rd_uint(&list, width);

		if (list.bad || (width == 2 && is_grease(v)))
			continue;
		snprintf(num, sizeof(num), "%s%u", first ? "" : "-", v);
		ja3_put(b, num);
		first = 0;
	}
}

/* Extensions: their types (GREASE out) into b; the lists JA3 needs and the version. */
static int read_extensions(struct rd *m, struct ja3_buf *b, struct rd *groups,
			   struct rd *formats, uint16_t *selected_version, int client)
{
	struct rd exts;
	char num[12];
	int first = 1;

	ja3_put(b, ",");
	if (m->off == m->len)	/* no extensions at all (SSL 3.0 style hello) */
		return 0;
	exts = rd_sub(m, rd_uint(m, 2));
	while (!exts.bad && exts.off < exts.len) {
		uint32_t type = rd_uint(&exts, 2);
		struct rd body = rd_sub(&exts, rd_uint(&exts, 2));

		if (exts.bad)
			break;
		if (!is_grease(type)) {
			snprintf(num, sizeof(num), "%s%u", first ? "" : "-", type);
			ja3_put(b, num);
			first = 0;
		}
		if (client && type == TLS_EXT_SUPPORTED_GROUPS && groups)
			*groups = rd_sub(&body, rd_uint(&body, 2));
		else if (client && type == TLS_EXT_EC_POINT_FORMATS && formats)
			*formats = rd_sub(&body, rd_uint(&body, 1));
		else if (!client && type == TLS_EXT_SUPPORTED_VERSIONS)
			*selected_version = (uint16_t)rd_uint(&body, 2);
		if (body.bad)
			return -1;
	}
	return exts.bad || m->off != m->len ? -1 : 0;
}

static enum tls_status parse_client_hello(struct rd m, struct tls_result *out)
{
	struct ja3_buf b = { .s = out->ja3, .size = sizeof(out->ja3) };
	struct rd groups = { 0 }, formats = { 0 }, ciphers;
	uint32_t version = rd_uint(&m, 2);
	char num[12];

	rd_sub(&m, 32);				/* random */
	rd_sub(&m, rd_uint(&m, 1));		/* session id */
	ciphers = rd_sub(&m, rd_uint(&m, 2));
	rd_sub(&m, rd_uint(&m, 1));		/* compression methods */
	if (m.bad || ciphers.len % 2)
		return TLS_BAD_HELLO;
	snprintf(num, sizeof(num), "%u", version);
	ja3_put(&b, num);
	ja3_list(&b, ",", ciphers, 2);
	if (read_extensions(&m, &b, &groups, &formats, NULL, 1) || groups.bad || formats.bad ||
	    groups.len % 2)
		return TLS_BAD_HELLO;
	ja3_list(&b, ",", groups, 2);
	ja3_list(&b, ",", formats, 1);
	if (b.over) {
		out->ja3[0] = '\0';
		return TLS_JA3_TOO_LONG;
	}
	out->client = 1;
	return TLS_DONE;
}

static enum tls_status parse_server_hello(struct rd m, struct tls_result *out)
{
	struct ja3_buf b = { .s = out->ja3s, .size = sizeof(out->ja3s) };
	uint32_t version = rd_uint(&m, 2), cipher;
	uint16_t selected = 0;
	char num[24];

	rd_sub(&m, 32);				/* random */
	rd_sub(&m, rd_uint(&m, 1));		/* session id (legacy echo in 1.3) */
	cipher = rd_uint(&m, 2);
	rd_uint(&m, 1);				/* compression method */
	if (m.bad)
		return TLS_BAD_HELLO;
	snprintf(num, sizeof(num), "%u,%u", version, cipher);
	ja3_put(&b, num);
	if (read_extensions(&m, &b, NULL, NULL, &selected, 0) || b.over)
		return TLS_BAD_HELLO;	/* a server's few extensions always fit */
	out->server = 1;
	out->version = selected ? selected : (uint16_t)version;
	out->cert_encrypted = out->version >= 0x0304;
	return TLS_DONE;
}

/*
 * The Certificate message (TLS <= 1.2): certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>; only the first (the server's own) is taken, so a message cut
 * after it (a long chain past the window) still gives it.
 */
static enum tls_status parse_certificate(struct rd m, int whole, struct tls_result *out)
{
	uint32_t list_len = rd_uint(&m, 3), cert_len = rd_uint(&m, 3);

	if (m.bad)
		return whole ? TLS_BAD_CERTIFICATE : TLS_MORE;
	if (whole && (list_len != m.len - 3 || cert_len > list_len - 3 || list_len < 3))
		return TLS_BAD_CERTIFICATE;
	if (!cert_len)
		return TLS_BAD_CERTIFICATE;
	if (m.len - m.off < cert_len)
		return whole ? TLS_BAD_CERTIFICATE : TLS_MORE;
	out->cert = m.p + m.off;
	out->cert_len = cert_len;
	return TLS_DONE;
}

int tls_looks_like(const uint8_t *p, size_t len)
{
	return len >= 3 && p[0] == TLS_CONTENT_HANDSHAKE && p[1] == 3 && p[2] <= 4;
}

/*
 * The handshake records' bodies, in order, into scratch. *ended: a record of another
 * type follows (ChangeCipherSpec, application data: the cleartext handshake is over).
 */
static enum tls_status gather(const uint8_t *p, size_t len, uint8_t *scratch, size_t size,
			      size_t *hs_len, int *ended)
{
	size_t off = 0;

	*hs_len = 0;
	*ended = 0;
	while (len - off >= 5) {
		size_t rlen = (size_t)p[off + 3] << 8 | p[off + 4], avail;

		if (p[off] != TLS_CONTENT_HANDSHAKE) {
			if (p[off] < 20 || p[off] > 24)	/* not a content type (RFC 8446 B.1) */
				return TLS_BAD_RECORD;
			*ended = 1;
			return TLS_DONE;
		}
		if (p[off + 1] != 3 || !rlen || rlen > TLS_RECORD_MAX)
			return TLS_BAD_RECORD;
		avail = len - off - 5 < rlen ? len - off - 5 : rlen;
		if (avail > size - *hs_len)
			avail = size - *hs_len;
		memcpy(scratch + *hs_len, p + off + 5, avail);
		*hs_len += avail;
		if (avail < rlen)
			return TLS_MORE;
		off += 5 + rlen;
	}
	return TLS_MORE;
}

enum tls_status tls_parse(const uint8_t *p, size_t len, int from_server, uint8_t *scratch,
			  size_t scratch_size, struct tls_result *out)
{
	enum tls_status st;
	size_t hs_len, pos = 0;
	int ended;

	memset(out, 0, sizeof(*out));
	if (!tls_looks_like(p, len))
		return len < 3 ? TLS_MORE : TLS_NOT_TLS;
	st = gather(p, len, scratch, scratch_size, &hs_len, &ended);
	if (st == TLS_BAD_RECORD)
		return st;
	while (hs_len - pos >= 4) {
		uint8_t type = scratch[pos];
		size_t mlen = (size_t)scratch[pos + 1] << 16 | (size_t)scratch[pos + 2] << 8 |
			      scratch[pos + 3];
		int whole = hs_len - pos - 4 >= mlen;
		struct rd m = { .p = scratch + pos + 4, .len = whole ? mlen : hs_len - pos - 4 };

		if (!from_server) {	/* the client's first message is its hello */
			if (type != TLS_HS_CLIENT_HELLO)
				return TLS_BAD_HANDSHAKE;
			return whole ? parse_client_hello(m, out) : TLS_MORE;
		}
		if (!out->server) {
			if (type != TLS_HS_SERVER_HELLO)
				return TLS_BAD_HANDSHAKE;
			if (!whole)
				return TLS_MORE;
			st = parse_server_hello(m, out);
			if (st != TLS_DONE || out->cert_encrypted)
				return st;	/* 1.3: what follows is encrypted */
		} else if (type == TLS_HS_CERTIFICATE) {
			return parse_certificate(m, whole, out);
		} else {
			/* ServerKeyExchange, CertificateRequest, ServerHelloDone before any
			 * Certificate: an anonymous or PSK suite, or a resumption: none sent */
			return TLS_DONE;
		}
		pos += 4 + mlen;
	}
	/* a resumed session's ServerHello is followed by ChangeCipherSpec: no certificate */
	return ended && (out->server || out->client) ? TLS_DONE : TLS_MORE;
}

const char *tls_version_name(uint16_t version)
{
	switch (version) {
	case 0x0300: return "ssl3";
	case 0x0301: return "1.0";
	case 0x0302: return "1.1";
	case 0x0303: return "1.2";
	case 0x0304: return "1.3";
	default: return "unknown";
	}
}

const char *tls_status_name(enum tls_status s)
{
	static const char *const names[TLS_STATUS_COUNT] = {
		[TLS_DONE] = "ok", [TLS_MORE] = "truncated", [TLS_NOT_TLS] = "not_tls",
		[TLS_BAD_RECORD] = "bad_record", [TLS_BAD_HANDSHAKE] = "bad_handshake",
		[TLS_BAD_HELLO] = "bad_hello", [TLS_BAD_CERTIFICATE] = "bad_certificate",
		[TLS_JA3_TOO_LONG] = "ja3_too_long",
	};

	return (unsigned int)s < TLS_STATUS_COUNT ? names[s] : "unknown";
}
