// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inventory's handshake parsers (userspace/inventory/tls.c, ssh_kex.c, tls_cert.c):
 * JA3 with GREASE left out, JA3S, the certificate across records, TLS 1.3, HASSH, the
 * certificate facts (self-signed by name *and* signature), and hostile input: every
 * prefix, every malformed length by reason, 20,000 random mutations under ASan/UBSan.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "inventory/ssh_kex.h"
#include "inventory/tls.h"
#include "inventory/tls_cert.h"
#include "../support/inventory_fixtures.h"
#include "../support/test.h"

/* A byte builder: bounded, big-endian. */
struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n <= sizeof(b->b)) {
		memcpy(b->b + b->n, p, n);
		b->n += n;
	}
}

static void put_u(struct buf *b, uint32_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		uint8_t byte = (uint8_t)(v >> (8 * i));

		put(b, &byte, 1);
	}
}

/* A vector: width-byte length, then the bytes. */
static void put_vec(struct buf *b, int width, const struct buf *body)
{
	put_u(b, (uint32_t)body->n, width);
	put(b, body->b, body->n);
}

static void put_ext(struct buf *b, uint16_t type, const struct buf *body)
{
	put_u(b, type, 2);
	put_vec(b, 2, body);
}

/* A ClientHello message: GREASE in the ciphers (0x0a0a), extensions (0x1a1a), groups. */
static void client_hello(struct buf *msg)
{
	struct buf body = { 0 }, ciphers = { 0 }, exts = { 0 }, e = { 0 }, list = { 0 };

	put_u(&body, 0x0303, 2);
	put(&body, (uint8_t[32]){ 0 }, 32);
	put_u(&body, 0, 1);			/* session id */
	put_u(&ciphers, 0x0a0a, 2);
	put_u(&ciphers, 0xc02b, 2);
	put_u(&ciphers, 0x1301, 2);
	put_vec(&body, 2, &ciphers);
	put_u(&body, 0x0100, 2);		/* compression: one, null */
	put_ext(&exts, 0x1a1a, &e);
	put_ext(&exts, 23, &e);
	put_u(&list, 0x2a2a, 2);
	put_u(&list, 29, 2);
	put_u(&list, 24, 2);
	put_vec(&e, 2, &list);
	put_ext(&exts, 10, &e);
	e.n = 0;
	put_u(&e, 2, 1);
	put_u(&e, 0, 1);
	put_u(&e, 1, 1);
	put_ext(&exts, 11, &e);
	e.n = 0;
	put_u(&e, 2, 1);
	put_u(&e, 0x0a0a, 2);			/* supported_versions: GREASE, ... */
	put_ext(&exts, 43, &e);
	put_vec(&body, 2, &exts);
	put_u(msg, 1, 1);
	put_vec(msg, 3, &body);
}

static const char CLIENT_JA3[] = "771,49195-4865,23-10-11-43,29-24,0-1";

static void server_hello(struct buf *msg, uint16_t supported_version)
{
	struct buf body = { 0 }, exts = { 0 }, e = { 0 };

	put_u(&body, 0x0303, 2);
	put(&body, (uint8_t[32]){ 0 }, 32);
	put_u(&body, 0, 1);
	put_u(&body, 0xc02f, 2);
	put_u(&body, 0, 1);
	put_u(&e, 0, 1);
	put_ext(&exts, 65281, &e);
	if (supported_version) {
		e.n = 0;
		put_u(&e, supported_version, 2);
		put_ext(&exts, 43, &e);
	}
	put_vec(&body, 2, &exts);
	put_u(msg, 2, 1);
	put_vec(msg, 3, &body);
}

static void certificate_msg(struct buf *msg, const uint8_t *der, size_t len)
{
	struct buf list = { 0 }, body = { 0 };

	put_u(&list, (uint32_t)len, 3);
	put(&list, der, len);
	put_vec(&body, 3, &list);
	put_u(msg, 11, 1);
	put_vec(msg, 3, &body);
}

/* Handshake bytes into TLS records of at most size bytes each. */
static void records(struct buf *out, const struct buf *hs, size_t size)
{
	size_t off;

	for (off = 0; off < hs->n; off += size) {
		size_t n = hs->n - off < size ? hs->n - off : size;

		put_u(out, 0x160303, 3);
		put_u(out, (uint32_t)n, 2);
		put(out, hs->b + off, n);
	}
}


static uint8_t scratch[65536];
static struct tls_result res;

static void test_ja3_grease(struct test_case *t)
{
	struct buf hs = { 0 }, one = { 0 }, cut = { 0 };

	client_hello(&hs);
	records(&one, &hs, 4096);
	CHECK(t, tls_parse(one.b, one.n, 0, scratch, sizeof(scratch), &res) == TLS_DONE, "one");
	CHECK(t, res.client && !strcmp(res.ja3, CLIENT_JA3), "ja3 %s", res.ja3);
	/* the same hello over records of 7 bytes: the message spans them */
	records(&cut, &hs, 7);
	CHECK(t, tls_parse(cut.b, cut.n, 0, scratch, sizeof(scratch), &res) == TLS_DONE, "cut");
	CHECK(t, !strcmp(res.ja3, CLIENT_JA3), "ja3 over records %s", res.ja3);
}

static void test_md5(struct test_case *t)
{
	char out[33];

	inventory_md5_hex("", out);
	CHECK(t, !strcmp(out, "d41d8cd98f00b204e9800998ecf8427e"), "md5('') %s", out);
	/* tshark's tls.handshake.ja3s for tunnel_pppoe-over-qinq.pcap's "771,156," */
	inventory_md5_hex("771,156,", out);
	CHECK(t, !strcmp(out, "ac4776ae2f7042ea107581e2be63ffa1"), "ja3s %s", out);
}

static EVP_PKEY *key_a, *key_b;

static void server_flight(struct buf *out, const uint8_t *der, int len, size_t record)
{
	struct buf hs = { 0 };

	server_hello(&hs, 0);
	certificate_msg(&hs, der, (size_t)len);
	put_u(&hs, 0x0e000000, 4);		/* ServerHelloDone */
	records(out, &hs, record);
}

static void test_server_certificate(struct test_case *t)
{
	struct tls_cert_facts facts;
	struct buf flight = { 0 };
	uint8_t *der, *other;
	/* valid for a day, from two days ago to one */
	int len = fixture_cert("router.edge.example", -2 * 86400, 1, key_a, NULL, &der);
	int other_len = fixture_cert("router.edge.example", 0, 30, key_a, key_b, &other);
	int64_t now = (int64_t)time(NULL);

	CHECK(t, len > 0 && other_len > 0, "certificates not made");
	server_flight(&flight, der, len, 50);
	CHECK(t, tls_parse(flight.b, flight.n, 1, scratch, sizeof(scratch), &res) == TLS_DONE,
	      "flight");
	CHECK(t, !strcmp(res.ja3s, "771,49199,65281") && res.version == 0x0303, "ja3s %s",
	      res.ja3s);
	CHECK(t, res.cert_len == (size_t)len && !memcmp(res.cert, der, (size_t)len), "cert");
	CHECK(t, tls_cert_read(res.cert, res.cert_len, now, &facts) == 0, "read");
	CHECK(t, !strcmp(facts.subject_cn, "router.edge.example") &&
		      !strcmp(facts.issuer_cn, "router.edge.example"), "%s / %s",
	      facts.subject_cn, facts.issuer_cn);
	CHECK(t, facts.self_signed && facts.expired, "self-signed %d expired %d",
	      facts.self_signed, facts.expired);
	CHECK(t, facts.not_after - facts.not_before == 86400, "validity");
	/* seen while valid: not expired */
	CHECK(t, tls_cert_read(res.cert, res.cert_len, now - 36 * 3600, &facts) == 0 &&
			 !facts.expired,
	      "valid then");
	/* its own issuer by name, signed by another key: not self-signed */
	CHECK(t, tls_cert_read(other, (size_t)other_len, now, &facts) == 0 && !facts.self_signed,
	      "signature by another key");
	/* trailing bytes after the DER, or a cut one: refused */
	CHECK(t, tls_cert_read(der, (size_t)len - 1, now, &facts) == -EINVAL, "cut DER");
	CHECK(t, facts.sha256[0] == '\0', "facts cleared");
	OPENSSL_free(der);
	OPENSSL_free(other);
}

static void test_tls13(struct test_case *t)
{
	struct buf hs = { 0 }, out = { 0 };

	server_hello(&hs, 0x0304);
	records(&out, &hs, 4096);
	put(&out, "\x14\x03\x03\x00\x01\x01", 6);	/* ChangeCipherSpec */
	put(&out, "\x17\x03\x03\x00\x04" "abcd", 9);	/* encrypted */
	CHECK(t, tls_parse(out.b, out.n, 1, scratch, sizeof(scratch), &res) == TLS_DONE, "1.3");
	CHECK(t, res.version == 0x0304 && res.cert_encrypted && !res.cert_len, "version %x",
	      res.version);
	CHECK(t, !strcmp(tls_version_name(res.version), "1.3"), "name");
}

/* Every prefix of a valid flight is "more" (never bad), and the whole one is done. */
static void test_every_prefix(struct test_case *t)
{
	struct buf flight = { 0 }, hello = { 0 }, hs = { 0 };
	uint8_t *der;
	int len = fixture_cert("x", 0, 1, key_a, NULL, &der);
	size_t i;

	server_flight(&flight, der, len, 33);
	client_hello(&hs);
	records(&hello, &hs, 40);
	for (i = 0; i < flight.n; i++) {
		enum tls_status st = tls_parse(flight.b, i, 1, scratch, sizeof(scratch), &res);

		/* the certificate is done once whole, before ServerHelloDone */
		CHECK(t, st == TLS_MORE || (st == TLS_DONE && res.cert_len == (size_t)len),
		      "server prefix %zu: %s", i, tls_status_name(st));
	}
	for (i = 0; i < hello.n; i++)
		CHECK(t, tls_parse(hello.b, i, 0, scratch, sizeof(scratch), &res) == TLS_MORE,
		      "client prefix %zu", i);
	OPENSSL_free(der);
}

static void test_malformed(struct test_case *t)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
		int from_server;
		enum tls_status want;
	} rows[] = {
		{ "empty record", "\x16\x03\x03\x00\x00", 5, 1, TLS_BAD_RECORD },
		{ "record too long", "\x16\x03\x03\xff\xff", 5, 1, TLS_BAD_RECORD },
		{ "not a content type", "\x16\x03\x03\x00\x01\x02\x63\x03\x03\x00\x01\x00", 12, 1,
		  TLS_BAD_RECORD },
		{ "HTTP", "GET / HTTP/1.1\r\n", 16, 0, TLS_NOT_TLS },
		{ "client sends a ServerHello", "\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9, 0,
		  TLS_BAD_HANDSHAKE },
		{ "server sends a Certificate first", "\x16\x03\x03\x00\x04\x0b\x00\x00\x00", 9, 1,
		  TLS_BAD_HANDSHAKE },
		{ "hello of 2 bytes", "\x16\x03\x03\x00\x06\x01\x00\x00\x02\x03\x03", 11, 0,
		  TLS_BAD_HELLO },
	};
	struct buf hs = { 0 }, out = { 0 }, body = { 0 };
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum tls_status st = tls_parse((const uint8_t *)rows[i].bytes, rows[i].len,
					       rows[i].from_server, scratch, sizeof(scratch), &res);

		CHECK(t, st == rows[i].want, "%s: %s", rows[i].what, tls_status_name(st));
	}
	/* a Certificate whose list length disagrees with the message's */
	server_hello(&hs, 0);
	put_u(&body, 99, 3);
	put_u(&body, 3, 3);
	put(&body, "abc", 3);
	put_u(&hs, 11, 1);
	put_vec(&hs, 3, &body);
	records(&out, &hs, 4096);
	CHECK(t, tls_parse(out.b, out.n, 1, scratch, sizeof(scratch), &res) ==
			 TLS_BAD_CERTIFICATE, "certificate list length");
}

/* Random mutations of valid flights: no crash, bounded outputs. */
static void test_fuzz(struct test_case *t)
{
	struct buf flight = { 0 }, hello = { 0 }, hs = { 0 };
	struct tls_cert_facts facts;
	unsigned int seed = 14;
	uint8_t *der, buf[8192];
	int len = fixture_cert("fuzz", 0, 1, key_a, NULL, &der);
	int i;

	server_flight(&flight, der, len, 60);
	client_hello(&hs);
	records(&hello, &hs, 4096);
	for (i = 0; i < 20000; i++) {
		const struct buf *src = i % 2 ? &flight : &hello;
		size_t n = (size_t)rand_r(&seed) % (src->n + 1), j;
		int flips = 1 + rand_r(&seed) % 4;
		enum tls_status st;

		memcpy(buf, src->b, n);
		for (j = 0; n && j < (size_t)flips; j++)
			buf[(size_t)rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		st = tls_parse(buf, n, i % 2, scratch, sizeof(scratch), &res);
		CHECK(t, (unsigned int)st < TLS_STATUS_COUNT, "status %d", st);
		CHECK(t, memchr(res.ja3, 0, sizeof(res.ja3)) && memchr(res.ja3s, 0, sizeof(res.ja3s)),
		      "strings not terminated");
		if (res.cert_len) {
			CHECK(t, res.cert >= scratch && res.cert + res.cert_len <= scratch + n,
			      "certificate outside what was held");
			tls_cert_read(res.cert, res.cert_len, 0, &facts);
			CHECK(t, memchr(facts.subject_cn, 0, sizeof(facts.subject_cn)) != NULL,
			      "cn not terminated");
		}
		if (t->failed)
			break;
	}
	/* the DER itself mutated */
	for (i = 0; i < 5000 && !t->failed; i++) {
		size_t n = (size_t)len;

		memcpy(buf, der, n);
		buf[(size_t)rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		n -= (size_t)rand_r(&seed) % 4 == 0 ? (size_t)rand_r(&seed) % n : 0;
		CHECK(t, tls_cert_read(buf, n, 0, &facts) <= 0, "read");
	}
	OPENSSL_free(der);
}

static const char *const SSH_LISTS[10] = {
	"curve25519-sha256,diffie-hellman-group14-sha256", "ssh-ed25519", "aes128-ctr",
	"aes256-gcm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "none", "zlib", "", "",
};

static void kexinit(struct buf *b, const char *banner, const char *const lists[10])
{
	struct buf payload = { 0 };
	size_t pad;
	int i;

	put(b, banner, strlen(banner));
	put_u(&payload, 20, 1);
	put(&payload, (uint8_t[16]){ 0 }, 16);
	for (i = 0; i < 10; i++) {
		put_u(&payload, (uint32_t)strlen(lists[i]), 4);
		put(&payload, lists[i], strlen(lists[i]));
	}
	put_u(&payload, 0, 1);
	put_u(&payload, 0, 4);
	pad = 8 - (payload.n + 5) % 8;
	pad += pad < 4 ? 8 : 0;
	put_u(b, (uint32_t)(payload.n + pad + 1), 4);
	put_u(b, (uint32_t)pad, 1);
	put(b, payload.b, payload.n);
	put(b, (uint8_t[16]){ 0 }, pad);
}

static void test_hassh(struct test_case *t)
{
	struct buf srv = { 0 }, cli = { 0 };
	char hassh[SSH_HASSH_LEN];
	size_t i;

	kexinit(&srv, "a greeting line\r\nSSH-2.0-OpenSSH_9.2\r\n", SSH_LISTS);
	kexinit(&cli, "SSH-2.0-OpenSSH_9.2\r\n", SSH_LISTS);
	CHECK(t, ssh_kex_parse(srv.b, srv.n, 1, hassh, sizeof(hassh)) == SSH_KEX_DONE, "server");
	CHECK(t, !strcmp(hassh, "curve25519-sha256,diffie-hellman-group14-sha256;"
				"aes256-gcm@openssh.com;hmac-sha2-512;zlib"), "server %s", hassh);
	CHECK(t, ssh_kex_parse(cli.b, cli.n, 0, hassh, sizeof(hassh)) == SSH_KEX_DONE, "client");
	CHECK(t, !strcmp(hassh, "curve25519-sha256,diffie-hellman-group14-sha256;aes128-ctr;"
				"hmac-sha2-256;none"), "client %s", hassh);
	/* a client may not send lines before its identification */
	CHECK(t, ssh_kex_parse(srv.b, srv.n, 0, hassh, sizeof(hassh)) == SSH_KEX_NOT_SSH,
	      "client greeting");
	for (i = 0; i < cli.n; i++)
		CHECK(t, ssh_kex_parse(cli.b, i, 0, hassh, sizeof(hassh)) == SSH_KEX_MORE &&
				 !hassh[0], "prefix %zu", i);
	/* a HASSH that does not fit the caller's buffer is not cut */
	CHECK(t, ssh_kex_parse(cli.b, cli.n, 0, hassh, 20) == SSH_KEX_TOO_LONG && !hassh[0],
	      "too long");
}

static void test_ssh_malformed(struct test_case *t)
{
	static const char id[] = "SSH-2.0-x\r\n";
	char hassh[SSH_HASSH_LEN];
	struct buf b = { 0 };
	const char *lists[10];
	size_t base = strlen(id);

	memcpy(lists, SSH_LISTS, sizeof(lists));
	kexinit(&b, id, lists);
	b.b[base + 5] = 21;		/* NEWKEYS, not KEXINIT */
	CHECK(t, ssh_kex_parse(b.b, b.n, 1, hassh, sizeof(hassh)) == SSH_KEX_NOT_KEXINIT, "msg");
	b.b[base + 5] = 20;
	b.b[base] = 0x7f;		/* packet of 2 GB */
	CHECK(t, ssh_kex_parse(b.b, b.n, 1, hassh, sizeof(hassh)) == SSH_KEX_BAD_PACKET, "len");
	b.b[base] = 0;
	b.b[base + 22 + 3] = 0xff;	/* the kex list runs past the packet */
	CHECK(t, ssh_kex_parse(b.b, b.n, 1, hassh, sizeof(hassh)) == SSH_KEX_BAD_KEXINIT,
	      "list length");
	b.n = 0;
	lists[0] = "curve25519 sha256";	/* a space: not a name-list */
	kexinit(&b, id, lists);
	CHECK(t, ssh_kex_parse(b.b, b.n, 1, hassh, sizeof(hassh)) == SSH_KEX_BAD_KEXINIT,
	      "space");
	CHECK(t, ssh_kex_parse((const uint8_t *)"HTTP/1.1 200", 12, 0, hassh, sizeof(hassh)) ==
			 SSH_KEX_NOT_SSH, "http");
}

static void test_ssh_fuzz(struct test_case *t)
{
	char hassh[SSH_HASSH_LEN];
	unsigned int seed = 4253;
	struct buf b = { 0 };
	uint8_t buf[4096];
	int i;

	kexinit(&b, "SSH-2.0-OpenSSH_9.2\r\n", SSH_LISTS);
	for (i = 0; i < 20000 && !t->failed; i++) {
		size_t n = (size_t)rand_r(&seed) % (b.n + 1), j;
		enum ssh_kex_status st;

		memcpy(buf, b.b, n);
		for (j = 0; n && j < 3; j++)
			buf[(size_t)rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		st = ssh_kex_parse(buf, n, i % 2, hassh, sizeof(hassh));
		CHECK(t, (unsigned int)st < SSH_KEX_STATUS_COUNT, "status %d", st);
		CHECK(t, memchr(hassh, 0, sizeof(hassh)) && (st == SSH_KEX_DONE || !hassh[0]),
		      "hassh after %s", ssh_kex_status_name(st));
	}
}

int main(void)
{
	test_program = "test_inventory_tls";
	key_a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	key_b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	RUN(test_ja3_grease);
	RUN(test_md5);
	RUN(test_server_certificate);
	RUN(test_tls13);
	RUN(test_every_prefix);
	RUN(test_malformed);
	RUN(test_fuzz);
	RUN(test_hassh);
	RUN(test_ssh_malformed);
	RUN(test_ssh_fuzz);
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	return test_summary();
}
