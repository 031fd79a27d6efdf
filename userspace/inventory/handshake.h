/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The handshakes behind the inventory's fingerprints: TLS (tls.h: JA3, JA3S, the
 * certificate) and SSH (ssh_kex.h: HASSH, HASSHServer) need more than a server's first
 * segment, so the stream window's segments (sampling.stream-depth) of flows whose first
 * bytes (stream offset 0) are a TLS handshake record or an SSH identification line are
 * put back in order here (stream_reassembly.h, a table of the inventory's own: the
 * pipeline's windows belong to its scanner threads) and parsed each time more of the
 * window is contiguous, until the handshake is read, found bad, or the window ends.
 *
 * A client's fingerprint waits for its server's (a ClientHello precedes the ServerHello
 * that makes a TLS service known) and is delivered with it; one that comes later is
 * delivered alone. Every handshake ends counted by outcome (struct handshake_stats).
 */
#ifndef EDGEWATCH_INVENTORY_HANDSHAKE_H
#define EDGEWATCH_INVENTORY_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"
#include "inventory/ssh_kex.h"
#include "inventory/tls.h"
#include "inventory/tls_cert.h"

/* Flows whose handshakes are followed at once (2 KiB each: a client's fingerprint waits
 * there); the least recent is forgotten. */
#define HANDSHAKE_FLOWS_MAX 1024
#define HANDSHAKE_STREAMS_MAX 2048
#define HANDSHAKE_BYTES_MAX (16u << 20)
/* A window with no segment for this long is parsed as it is and released. */
#define HANDSHAKE_IDLE_NS (300ull * 1000000000ull)

enum handshake_kind {
	HANDSHAKE_TLS = 1,
	HANDSHAKE_SSH,
};

/* What one flow's handshake gave (pointers valid during the callback only). */
struct handshake_facts {
	enum handshake_kind kind;
	const struct sample_header *hdr;	/* a segment of the flow (key, from_a, dir) */
	int from_server;			/* the server's facts are in (else client only) */
	/* server: TLS */
	uint16_t tls_version;
	int cert_encrypted;
	const char *ja3s, *ja3s_md5;		/* NULL: none */
	const struct tls_cert_facts *cert;	/* NULL: none seen */
	/* server: SSH */
	const char *hassh_server, *hassh_server_md5;
	/* the client's (JA3 or HASSH), NULL: none */
	const char *client_fp, *client_fp_md5;
};

/* Outcomes, by protocol and status (the names of tls.h / ssh_kex.h). */
struct handshake_stats {
	uint64_t tls[TLS_STATUS_COUNT];		/* TLS_MORE: cut short when its window ended */
	uint64_t ssh[SSH_KEX_STATUS_COUNT];
	uint64_t bad_certificate;		/* a Certificate whose DER OpenSSL refused */
	uint64_t not_captured;			/* bytes at the window's start not captured
						 * (snap length, a lost first segment) */
	uint64_t flows_forgotten;		/* HANDSHAKE_FLOWS_MAX reached: the least recent,
						 * not read to its end, dropped */
};

typedef void (*handshake_fn)(void *ctx, const struct handshake_facts *facts);

struct handshakes;

/* depth, segments: the sampling.stream-* settings (0 depth: nothing is followed). */
int handshakes_new(struct handshakes **out, uint32_t depth, uint32_t segments);
void handshakes_free(struct handshakes *h);	/* NULL-safe */

/*
 * One sample (validated by the caller); to_realtime_ns turns the datapath clock into the
 * wall clock (capture time in replay: certificates are judged expired then).
 */
void handshakes_on_sample(struct handshakes *h, const struct sample_header *hdr,
			  const uint8_t *payload, int64_t to_realtime_ns, handshake_fn fn,
			  void *ctx);
/* Parse and release every window left (the end of the run). */
void handshakes_flush(struct handshakes *h, int64_t to_realtime_ns, handshake_fn fn, void *ctx);
void handshakes_get_stats(const struct handshakes *h, struct handshake_stats *out);

#endif /* EDGEWATCH_INVENTORY_HANDSHAKE_H */
