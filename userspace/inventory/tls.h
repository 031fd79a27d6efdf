/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS handshake as the inventory reads it: the ClientHello (JA3), the ServerHello
 * (JA3S, the version agreed) and, in TLS <= 1.2, the server's Certificate message (its
 * first certificate, the server's own, as DER). Pure code over one direction's stream
 * window from offset 0 (hostile input: any bytes, cut anywhere): handshake messages are
 * put back together across TLS records (a record may hold several messages, a message
 * may span records) into the caller's scratch buffer; every length is checked against
 * what is held. In TLS 1.3 the Certificate is encrypted (after the ServerHello): the
 * parse ends there with cert_encrypted set.
 *
 * JA3 (Salesforce's published method): "SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats", decimal values joined by '-', GREASE values (RFC 8701:
 * 0x?a?a with both bytes equal) left out of every list; JA3S: "SSLVersion,Cipher,
 * Extensions". The hashes are MD5 of those strings (tls_cert.h). JA4 is not used
 * (its licence).
 */
#ifndef EDGEWATCH_INVENTORY_TLS_H
#define EDGEWATCH_INVENTORY_TLS_H

#include <stddef.h>
#include <stdint.h>

/* A JA3 string (about 170 values of up to 5 digits); a longer one is not made. */
#define TLS_JA3_LEN 1024
#define TLS_JA3S_LEN 512

/* How a parse ended. The bad ones are counted by reason (stats.inventory.handshakes). */
enum tls_status {
	TLS_DONE,		/* all there is to read was read */
	TLS_MORE,		/* cut short so far: more of the window may complete it */
	TLS_NOT_TLS,		/* the window does not start with a TLS handshake record */
	TLS_BAD_RECORD,		/* a record header out of the protocol (length, type) */
	TLS_BAD_HANDSHAKE,	/* a handshake message not the expected one */
	TLS_BAD_HELLO,		/* a hello's fields overrun the message */
	TLS_BAD_CERTIFICATE,	/* the Certificate message's lengths overrun it */
	TLS_JA3_TOO_LONG,	/* a ClientHello listing more than TLS_JA3_LEN holds: no JA3 */
	TLS_STATUS_COUNT,
};

struct tls_result {
	int client;			/* a ClientHello was read (ja3) */
	int server;			/* a ServerHello was read (ja3s, version) */
	uint16_t version;		/* agreed: supported_versions' choice, else the hello's */
	int cert_encrypted;		/* TLS 1.3: the certificate cannot be seen */
	char ja3[TLS_JA3_LEN];		/* client: "" unless client */
	char ja3s[TLS_JA3S_LEN];	/* server: "" unless server */
	const uint8_t *cert;		/* the server's first certificate (DER), in scratch */
	size_t cert_len;		/* 0: none (yet) */
};

/*
 * Parse a window (from stream offset 0) sent by the server (from_server) or the client.
 * scratch (scratch_size bytes, at least the window's length) holds the handshake
 * messages put together; out->cert points into it. out is zeroed first.
 */
enum tls_status tls_parse(const uint8_t *p, size_t len, int from_server, uint8_t *scratch,
			  size_t scratch_size, struct tls_result *out);

/* Does a window start like a TLS handshake record (type 22, version 3.x)? */
int tls_looks_like(const uint8_t *p, size_t len);

/* "1.0", "1.2", "1.3", "ssl3" ... ("unknown"). */
const char *tls_version_name(uint16_t version);
/* "ok", "truncated", "not_tls", "bad_record", ... (the stats' names). */
const char *tls_status_name(enum tls_status s);

#endif /* EDGEWATCH_INVENTORY_TLS_H */
