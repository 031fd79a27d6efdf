// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The syslog sink's connection: UDP, TCP, TLS (syslog_transport.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "output/syslog_transport.h"

/* A send that makes no progress this long: the collector is stalled; reconnect. */
#define SEND_TIMEOUT_S 5

static void tls_why(const char *what, char *why, size_t why_len)
{
	unsigned long e = ERR_get_error();
	char text[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, text, sizeof(text));
	snprintf(why, why_len, "%s: %s", what, text);
	ERR_clear_error();
}

int syslog_transport_init(struct syslog_transport *t, const struct ew_syslog_output *cfg,
			  char *why, size_t why_len)
{
	unsigned char addr[16];

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->kind = cfg->transport;
	t->host = cfg->host;
	t->port = cfg->port;
	t->host_is_address = inet_pton(AF_INET, cfg->host, addr) == 1 ||
			     inet_pton(AF_INET6, cfg->host, addr) == 1;
	if (t->kind != EW_SYSLOG_TLS)
		return 0;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		tls_why("cannot create a TLS context", why, why_len);
		return -ENOMEM;
	}
	/* RFC 9662 (updating RFC 5425): TLS 1.2 or later */
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(t->ctx, cfg->ca_file, NULL) != 1) {
		char what[300];

		snprintf(what, sizeof(what), "ca-file %s", cfg->ca_file);
		tls_why(what, why, why_len);
		SSL_CTX_free(t->ctx);
		t->ctx = NULL;
		return -EINVAL;
	}
	return 0;
}

/* connect() on a non-blocking socket, waited for at most timeout_ms. */
static int connect_within(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int soerr = 0, n;
	socklen_t soerr_len = sizeof(soerr);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	n = poll(&pfd, 1, timeout_ms);
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len))
		return -errno;
	return -soerr;
}

static int open_socket(struct syslog_transport *t, int timeout_ms, char *why, size_t why_len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *res = NULL, *ai;
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	char port[8];
	int fd = -1, err = -EHOSTUNREACH, gai;

	hints.ai_socktype = t->kind == EW_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", t->port);
	gai = getaddrinfo(t->host, port, &hints, &res);
	if (gai) {
		snprintf(why, why_len, "cannot resolve %s: %s", t->host, gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		err = connect_within(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms);
		if (!err)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, why_len, "cannot connect to %s port %u: %s", t->host, t->port,
			 strerror(-err));
		return err;
	}
	/* blocking from here, with a bound on every send (and the TLS handshake) */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t->fd = fd;
	return 0;
}

static int tls_handshake(struct syslog_transport *t, char *why, size_t why_len)
{
	X509_VERIFY_PARAM *param;
	long verify;

	t->ssl = SSL_new(t->ctx);
	if (!t->ssl) {
		tls_why("SSL_new", why, why_len);
		return -ENOMEM;
	}
	param = SSL_get0_param(t->ssl);
	if (t->host_is_address) {
		X509_VERIFY_PARAM_set1_ip_asc(param, t->host);
	} else {
		SSL_set_tlsext_host_name(t->ssl, t->host);	/* SNI */
		SSL_set1_host(t->ssl, t->host);
	}
	SSL_set_fd(t->ssl, t->fd);
	if (SSL_connect(t->ssl) == 1)
		return 0;
	verify = SSL_get_verify_result(t->ssl);
	if (verify != X509_V_OK)
		snprintf(why, why_len, "TLS handshake with %s port %u: certificate not accepted: %s",
			 t->host, t->port, X509_verify_cert_error_string(verify));
	else
		tls_why("TLS handshake", why, why_len);
	ERR_clear_error();
	return -ECONNREFUSED;
}

int syslog_transport_connect(struct syslog_transport *t, int timeout_ms, char *why,
			     size_t why_len)
{
	int err = open_socket(t, timeout_ms, why, why_len);

	if (!err && t->kind == EW_SYSLOG_TLS)
		err = tls_handshake(t, why, why_len);
	if (err)
		syslog_transport_disconnect(t, 0);
	return err;
}

/* One whole message over TLS. 0, or -errno. */
static int tls_send(struct syslog_transport *t, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		int w = SSL_write(t->ssl, buf + done, (int)(len - done));

		ERR_clear_error();
		if (w <= 0)
			return -EPIPE;
		done += (size_t)w;
	}
	return 0;
}

/* UDP: one sendmmsg for many datagrams (it stops at the first that fails). */
static int udp_send(struct syslog_transport *t, const struct iovec *msgs, size_t n,
		    size_t *sent)
{
	struct mmsghdr mm[SYSLOG_SEND_BATCH];
	size_t i;
	int r;

	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = (struct iovec *)&msgs[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (*sent < n) {
		r = sendmmsg(t->fd, mm + *sent, (unsigned int)(n - *sent), MSG_NOSIGNAL);
		if (r < 0)
			return -errno;
		*sent += (size_t)r;
	}
	return 0;
}

/* TCP: the messages as one stream of bytes, one sendmsg for as many as the socket takes. */
static int tcp_send(struct syslog_transport *t, const struct iovec *msgs, size_t n,
		    size_t *sent)
{
	struct iovec left[SYSLOG_SEND_BATCH];
	struct msghdr mh = { 0 };
	size_t first = 0;
	ssize_t w;

	memcpy(left, msgs, n * sizeof(left[0]));
	while (first < n) {
		mh.msg_iov = left + first;
		mh.msg_iovlen = n - first;
		w = sendmsg(t->fd, &mh, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (; first < n && (size_t)w >= left[first].iov_len; first++)
			w -= (ssize_t)left[first].iov_len;
		if (first < n) {	/* the socket took part of this one */
			left[first].iov_base = (char *)left[first].iov_base + w;
			left[first].iov_len -= (size_t)w;
		}
		*sent = first;
	}
	return 0;
}

int syslog_transport_send_batch(struct syslog_transport *t, const struct iovec *msgs,
				size_t n, size_t *sent)
{
	int err;

	*sent = 0;
	if (n > SYSLOG_SEND_BATCH)
		return -EINVAL;
	if (t->kind == EW_SYSLOG_UDP)
		return udp_send(t, msgs, n, sent);
	if (!t->ssl)
		return tcp_send(t, msgs, n, sent);
	for (; *sent < n; (*sent)++) {
		err = tls_send(t, msgs[*sent].iov_base, msgs[*sent].iov_len);
		if (err)
			return err;
	}
	return 0;
}

int syslog_transport_send(struct syslog_transport *t, const char *buf, size_t len)
{
	struct iovec msg = { .iov_base = (void *)buf, .iov_len = len };
	size_t sent;

	return syslog_transport_send_batch(t, &msg, 1, &sent);
}

int syslog_transport_peer_gone(const struct syslog_transport *t)
{
	struct pollfd pfd = { .fd = t->fd, .events = POLLRDHUP };

	/* UDP: an ICMP error shows up in the next send */
	if (t->kind == EW_SYSLOG_UDP)
		return 0;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

void syslog_transport_disconnect(struct syslog_transport *t, int graceful)
{
	if (t->ssl) {
		if (graceful)	/* close_notify: the collector knows nothing was cut */
			SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
		t->ssl = NULL;
		ERR_clear_error();
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

void syslog_transport_abort(struct syslog_transport *t)
{
	if (t->fd >= 0)
		shutdown(t->fd, SHUT_RDWR);
}

void syslog_transport_free(struct syslog_transport *t)
{
	syslog_transport_disconnect(t, 1);
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
}
