// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A service record's TLS and SSH facts: see fingerprints.h. */
#include <stdlib.h>
#include <string.h>

#include "inventory/banner.h"
#include "inventory/fingerprints.h"

/* dst (a fixed array) takes src when it differs; 1 if it did. */
static int set_text(char *dst, size_t size, const char *src)
{
	if (!strncmp(dst, src, size))
		return 0;
	strncpy(dst, src, size - 1);
	dst[size - 1] = '\0';
	return 1;
}

static int add_client(struct inventory_fingerprints *fp, const struct handshake_facts *facts)
{
	uint32_t i;

	fp->client_kind = facts->kind;
	for (i = 0; i < fp->client_count; i++)
		if (!strcmp(fp->clients[i].md5, facts->client_fp_md5))
			return 0;
	if (fp->client_count == INVENTORY_CLIENT_FP_MAX) {
		fp->clients_capped = 1;
		return 0;
	}
	set_text(fp->clients[i].md5, sizeof(fp->clients[i].md5), facts->client_fp_md5);
	set_text(fp->clients[i].fp, sizeof(fp->clients[i].fp), facts->client_fp);
	fp->client_count++;
	return 1;
}

enum fingerprints_change fingerprints_merge(struct inventory_fingerprints **fpp,
					    const struct handshake_facts *facts,
					    char previous_cert[65])
{
	enum fingerprints_change ch = FINGERPRINTS_SAME;
	struct inventory_fingerprints *fp = *fpp;

	if (!fp) {
		fp = calloc(1, sizeof(*fp));
		if (!fp)
			return FINGERPRINTS_SAME;
		*fpp = fp;
		ch = FINGERPRINTS_LEARNED;
	}
	if (facts->client_fp && add_client(fp, facts))
		ch = FINGERPRINTS_LEARNED;
	if (!facts->from_server)
		return ch;
	if (facts->ja3s) {
		/* set_text first: it must run whatever the rest says */
		if (set_text(fp->ja3s, sizeof(fp->ja3s), facts->ja3s) || !fp->has_tls ||
		    fp->tls_version != facts->tls_version)
			ch = FINGERPRINTS_LEARNED;
		set_text(fp->ja3s_md5, sizeof(fp->ja3s_md5), facts->ja3s_md5);
		fp->has_tls = 1;
		fp->tls_version = facts->tls_version;
		fp->cert_encrypted = facts->cert_encrypted;
	}
	if (facts->cert) {
		if (fp->has_cert && strcmp(fp->cert.sha256, facts->cert->sha256)) {
			memcpy(previous_cert, fp->cert.sha256, 65);
			ch = FINGERPRINTS_NEW_CERT;
		} else if (!fp->has_cert) {
			ch = ch == FINGERPRINTS_NEW_CERT ? ch : FINGERPRINTS_LEARNED;
		}
		fp->cert = *facts->cert;
		fp->has_cert = 1;
	}
	if (facts->hassh_server) {
		if (set_text(fp->hassh_server, sizeof(fp->hassh_server), facts->hassh_server))
			ch = FINGERPRINTS_LEARNED;
		set_text(fp->hassh_server_md5, sizeof(fp->hassh_server_md5),
			 facts->hassh_server_md5);
	}
	return ch;
}

struct inventory_fingerprints *fingerprints_restore(const struct inventory_fingerprints *saved)
{
	struct inventory_fingerprints *fp = malloc(sizeof(*fp));
	uint32_t i;

	if (!fp)
		return NULL;
	*fp = *saved;
	TEXT_TERMINATE(fp->ja3s);
	TEXT_TERMINATE(fp->ja3s_md5);
	TEXT_TERMINATE(fp->cert.subject_cn);
	TEXT_TERMINATE(fp->cert.issuer_cn);
	TEXT_TERMINATE(fp->cert.sha256);
	TEXT_TERMINATE(fp->hassh_server);
	TEXT_TERMINATE(fp->hassh_server_md5);
	fp->has_tls = !!fp->has_tls;
	fp->cert_encrypted = !!fp->cert_encrypted;
	fp->has_cert = !!fp->has_cert;
	fp->cert.self_signed = !!fp->cert.self_signed;
	fp->cert.expired = !!fp->cert.expired;
	fp->clients_capped = !!fp->clients_capped;
	if (fp->client_kind != HANDSHAKE_TLS && fp->client_kind != HANDSHAKE_SSH)
		fp->client_kind = HANDSHAKE_TLS;
	if (fp->client_count > INVENTORY_CLIENT_FP_MAX)
		fp->client_count = INVENTORY_CLIENT_FP_MAX;
	for (i = 0; i < INVENTORY_CLIENT_FP_MAX; i++) {
		TEXT_TERMINATE(fp->clients[i].md5);
		TEXT_TERMINATE(fp->clients[i].fp);
	}
	return fp;
}

unsigned int fingerprints_flags(const struct inventory_fingerprints *fp, int mgmt_port)
{
	unsigned int f = 0;

	if (!fp || !fp->has_cert)
		return 0;
	if (fp->cert.expired)
		f |= 1u << INVENTORY_CERT_EXPIRED;
	if (fp->cert.self_signed && mgmt_port)
		f |= 1u << INVENTORY_CERT_SELF_SIGNED;
	return f;
}

const struct inventory_handshake *fingerprints_view(const struct inventory_fingerprints *fp,
						    const char *previous_cert,
						    struct inventory_handshake_view *v)
{
	uint32_t i;

	if (!fp)
		return NULL;
	memset(v, 0, sizeof(*v));
	if (fp->has_tls) {
		v->h.tls_version = tls_version_name(fp->tls_version);
		v->h.cert_encrypted = fp->cert_encrypted;
		v->h.ja3s = fp->ja3s_md5;
		v->h.ja3s_string = fp->ja3s;
	}
	if (fp->has_cert) {
		v->cert = (struct inventory_cert){
			.subject_cn = fp->cert.subject_cn, .issuer_cn = fp->cert.issuer_cn,
			.not_before = fp->cert.not_before, .not_after = fp->cert.not_after,
			.self_signed = fp->cert.self_signed, .expired = fp->cert.expired,
			.sha256 = fp->cert.sha256,
		};
		v->h.cert = &v->cert;
	}
	v->h.previous_cert_sha256 = previous_cert;
	if (fp->hassh_server[0]) {
		v->h.hassh_server = fp->hassh_server_md5;
		v->h.hassh_server_string = fp->hassh_server;
	}
	v->h.client_kind = fp->client_kind == HANDSHAKE_SSH ? "hassh" : "ja3";
	for (i = 0; i < fp->client_count; i++)
		v->clients[i] = (struct inventory_client_fp){ fp->clients[i].md5,
							      fp->clients[i].fp };
	v->h.clients = v->clients;
	v->h.client_count = fp->client_count;
	v->h.clients_capped = fp->clients_capped;
	return &v->h;
}
