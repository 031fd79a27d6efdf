/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syslog sink's connection to its collector: UDP (RFC 5426), TCP (RFC 6587) or TLS
 * (RFC 5425, OpenSSL: the collector's certificate verified against ca-file, and its
 * name, or its address when the server is an address literal; TLS 1.2 at least).
 * Used by the sink's sender thread only, but syslog_transport_abort() may be called
 * from another thread (under the sink's lock) to cut a send stuck on a stalled
 * collector.
 */
#ifndef EDGEWATCH_OUTPUT_SYSLOG_TRANSPORT_H
#define EDGEWATCH_OUTPUT_SYSLOG_TRANSPORT_H

#include <stddef.h>
#include <sys/uio.h>
#include <openssl/ssl.h>

#include "config/config.h"

/* UDP: a longer message is cut to this (counted); rsyslog's default maxMessageSize. */
#define SYSLOG_UDP_MAX 8192
/* Messages handed to the kernel by one call (sendmmsg, sendmsg): one system call per
 * message was most of the sender's cost (BENCHMARKS.md, output wing). */
#define SYSLOG_SEND_BATCH 64

struct syslog_transport {
	enum ew_syslog_transport kind;
	const char *host;
	unsigned short port;
	int host_is_address;	/* TLS: check the certificate's IP address, not a name */
	SSL_CTX *ctx;		/* TLS only */
	SSL *ssl;
	int fd;			/* -1: not connected */
};

/* Ready to connect (TLS: the CA file loaded). 0, or -errno with why filled. */
int syslog_transport_init(struct syslog_transport *t, const struct ew_syslog_output *cfg,
			  char *why, size_t why_len);
/* Resolve and connect (TLS: and handshake) within timeout_ms. 0, or -errno with why. */
int syslog_transport_connect(struct syslog_transport *t, int timeout_ms, char *why,
			     size_t why_len);
/*
 * Send msgs[0..n) (n <= SYSLOG_SEND_BATCH; UDP: each one datagram, TCP and TLS: each
 * whole, in order). *sent: how many were sent whole. 0 (all of them), or -errno: the
 * connection is to be dropped, msgs[*sent] is the one that failed (on TCP and TLS perhaps
 * sent in part: it is to be sent again whole on the next connection).
 */
int syslog_transport_send_batch(struct syslog_transport *t, const struct iovec *msgs,
				size_t n, size_t *sent);
/* Send one whole message. 0, or -errno: the connection is to be dropped. */
int syslog_transport_send(struct syslog_transport *t, const char *buf, size_t len);
/* The peer closed or reset the connection (a send would vanish into a dead socket). */
int syslog_transport_peer_gone(const struct syslog_transport *t);
/* Close the connection; TLS: send close_notify first (RFC 5425 4.4) when graceful. */
void syslog_transport_disconnect(struct syslog_transport *t, int graceful);
/* Make a blocked send or handshake fail now (shutdown of the socket). */
void syslog_transport_abort(struct syslog_transport *t);
void syslog_transport_free(struct syslog_transport *t);

#endif /* EDGEWATCH_OUTPUT_SYSLOG_TRANSPORT_H */
