/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the inventory's tests share: certificates made with OpenSSL, and the EVE file's
 * inventory lines read back. */
#ifndef EDGEWATCH_TEST_INVENTORY_FIXTURES_H
#define EDGEWATCH_TEST_INVENTORY_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A certificate for CN, valid from now + from_s for days, signed by signer (NULL: its
 * own key; by name its own issuer either way): DER in *der (OPENSSL_free); its length. */
static inline int fixture_cert(const char *cn, long from_s, long days, EVP_PKEY *key,
			       EVP_PKEY *signer, uint8_t **der)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	int len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), from_s);
	X509_gmtime_adj(X509_getm_notAfter(x), from_s + days * 86400);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509_sign(x, signer ? signer : key, EVP_sha256());
	*der = NULL;
	len = i2d_X509(x, der);
	X509_NAME_free(name);
	X509_free(x);
	return len;
}

/* The inventory lines of the EVE file at path, joined (a static buffer; lines of up to
 * 64 KiB, as long handshake strings make them). */
static inline char *fixture_eve_inventory(const char *path)
{
	static char text[1 << 18], line[1 << 16];
	FILE *f;

	text[0] = '\0';
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "\"event_type\":\"inventory\"") &&
		    strlen(text) + strlen(line) < sizeof(text))
			strcat(text, line);
	if (f)
		fclose(f);
	return text;
}

#endif /* EDGEWATCH_TEST_INVENTORY_FIXTURES_H */
