/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the inventory keeps of a server's certificate (DER, from tls.h), read with
 * OpenSSL: subject and issuer CN, validity, self-signed (the subject is its own issuer
 * and the signature verifies with its own key), expired at the time it was seen
 * (capture time in replay), the SHA-256 fingerprint of the DER. And the MD5 the JA3 /
 * HASSH methods specify (a fingerprint, not a security use).
 */
#ifndef EDGEWATCH_INVENTORY_TLS_CERT_H
#define EDGEWATCH_INVENTORY_TLS_CERT_H

#include <stddef.h>
#include <stdint.h>

/* A CN kept: up to 64 bytes (RFC 5280's ub-common-name), escaped (\xNN: 4 per byte). */
#define TLS_CN_LEN (4 * 64 + 1)

struct tls_cert_facts {
	char subject_cn[TLS_CN_LEN];	/* "": none */
	char issuer_cn[TLS_CN_LEN];
	int64_t not_before;		/* seconds since the epoch (UTC) */
	int64_t not_after;
	int self_signed;
	int expired;			/* seen after not_after */
	char sha256[65];		/* lower-case hex of the DER */
};

/* 0, or -EINVAL: the DER is not a certificate OpenSSL reads (or its times are not). */
int tls_cert_read(const uint8_t *der, size_t len, int64_t seen_s, struct tls_cert_facts *out);

/* MD5 of s as 32 lower-case hex digits (out: 33 bytes). */
void inventory_md5_hex(const char *s, char out[33]);

#endif /* EDGEWATCH_INVENTORY_TLS_CERT_H */
