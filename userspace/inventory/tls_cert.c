// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Certificate facts with OpenSSL: see tls_cert.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "inventory/tls_cert.h"
#include "text_escape.h"

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void inventory_md5_hex(const char *s, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL) || n != 16) {
		out[0] = '\0';
		return;
	}
	hex(md, 16, out);
}

/* The name's last CN (the most specific), escaped; "" when it has none. */
static void common_name(const X509_NAME *name, char *out, size_t out_size)
{
	int i = -1, last = -1;
	const ASN1_STRING *s;

	out[0] = '\0';
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
	if (!s)
		return;
	/* the bytes as encoded (UTF-8 / PrintableString are ASCII-compatible), bounded */
	text_escape(out, out_size, (const char *)ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s) > 64 ? 64 : (size_t)ASN1_STRING_length(s), "\\");
}

static int to_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return -EINVAL;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int tls_cert_read(const uint8_t *der, size_t len, int64_t seen_s, struct tls_cert_facts *out)
{
	const unsigned char *p = der;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_PKEY *key;
	X509 *x;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (len > LONG_MAX)
		return -EINVAL;
	x = d2i_X509(NULL, &p, (long)len);
	/* the whole DER and nothing after it: trailing bytes are another thing */
	if (!x || p != der + len)
		goto cleanup;
	if (to_epoch(X509_get0_notBefore(x), &out->not_before) ||
	    to_epoch(X509_get0_notAfter(x), &out->not_after))
		goto cleanup;
	common_name(X509_get_subject_name(x), out->subject_cn, sizeof(out->subject_cn));
	common_name(X509_get_issuer_name(x), out->issuer_cn, sizeof(out->issuer_cn));
	key = X509_get0_pubkey(x);
	/* self-signed: issued by itself by name (and key ids), and its own key verifies it */
	out->self_signed = X509_check_issued(x, x) == X509_V_OK && key && X509_verify(x, key) == 1;
	out->expired = seen_s > out->not_after;
	if (!EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) || n != 32)
		goto cleanup;
	hex(md, 32, out->sha256);
	err = 0;
cleanup:
	X509_free(x);
	if (err) {
		memset(out, 0, sizeof(*out));
		ERR_clear_error();	/* OpenSSL's queue is not ours to leave full */
	}
	return err;
}
