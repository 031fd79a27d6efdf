/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A service record's TLS and SSH facts (from handshake.h): the TLS version agreed,
 * JA3S, the certificate, HASSHServer, and its clients' JA3 / HASSH (distinct, the first
 * INVENTORY_CLIENT_FP_MAX). Allocated with the first facts of a service (most services
 * have none), freed with the record.
 */
#ifndef EDGEWATCH_INVENTORY_FINGERPRINTS_H
#define EDGEWATCH_INVENTORY_FINGERPRINTS_H

#include "inventory/handshake.h"
#include "output/event.h"

#define INVENTORY_CLIENT_FP_MAX 4

/* Saved as it is in the state file (persist.h): a change here bumps
 * INVENTORY_STATE_VERSION (a change of size alone is caught by the file's record size). */
struct inventory_fingerprints {
	int has_tls;
	uint16_t tls_version;
	int cert_encrypted;
	char ja3s[TLS_JA3S_LEN];
	char ja3s_md5[33];
	int has_cert;
	struct tls_cert_facts cert;
	char hassh_server[SSH_HASSH_LEN];
	char hassh_server_md5[33];
	enum handshake_kind client_kind;
	uint32_t client_count;
	int clients_capped;
	struct {
		char md5[33];
		char fp[SSH_HASSH_LEN];
	} clients[INVENTORY_CLIENT_FP_MAX];
};

enum fingerprints_change {
	FINGERPRINTS_SAME,
	FINGERPRINTS_LEARNED,		/* something not known before (or another JA3S,
					 * HASSHServer, a new client fingerprint) */
	FINGERPRINTS_NEW_CERT,		/* another certificate than the one known */
};

/*
 * Take a handshake's facts into *fp (allocated when NULL; -ENOMEM leaves it NULL and
 * returns FINGERPRINTS_SAME). With FINGERPRINTS_NEW_CERT, previous_cert gets the old
 * certificate's SHA-256.
 */
enum fingerprints_change fingerprints_merge(struct inventory_fingerprints **fp,
					    const struct handshake_facts *facts,
					    char previous_cert[65]);

/*
 * A copy of saved (the state file's, persist.h) for a restored record, its strings
 * NUL-terminated, its counts and kinds bounded whatever the file held; NULL: -ENOMEM.
 * The facts are kept as they were seen (a certificate's expired is that of the time it
 * was seen, not judged again): the same flags and events as before the restart.
 */
struct inventory_fingerprints *fingerprints_restore(const struct inventory_fingerprints *saved);

/* cert_expired, and cert_self_signed on a management port (1u << enum inventory_flag). */
unsigned int fingerprints_flags(const struct inventory_fingerprints *fp, int mgmt_port);

/* Room for the event's view of fp. */
struct inventory_handshake_view {
	struct inventory_handshake h;
	struct inventory_cert cert;
	struct inventory_client_fp clients[INVENTORY_CLIENT_FP_MAX];
};

/* The event's view (pointing into fp and v); NULL when fp is. */
const struct inventory_handshake *fingerprints_view(const struct inventory_fingerprints *fp,
						    const char *previous_cert,
						    struct inventory_handshake_view *v);

#endif /* EDGEWATCH_INVENTORY_FINGERPRINTS_H */
