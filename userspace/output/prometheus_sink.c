// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus sink: /metrics over HTTP (libmicrohttpd, its own thread). Each stats
 * event is rendered once (prom_format.c) into a page that replaces the last one; a
 * scrape serves the latest page, so every scrape between two stats events returns the
 * same snapshot, byte for byte, and the values equal that snapshot's EVE stats event.
 *
 * The engine never waits for HTTP: the page is reference-counted, the lock guards only
 * the pointer swap and the taking of a reference, and a slow client holds its own
 * reference, never the lock. Alerts are counted by category as they pass (from the
 * scanner threads too: their own lock) and rendered with the next snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "builtin_sids.h"
#include "config/config_net.h"
#include "log.h"
#include "output/output.h"
#include "output/prom_format.h"

/* Categories are a bounded set (classification.config and the built-in detections). */
#define PROM_ALERT_CLASSES_MAX 64
#define PROM_CONNECTIONS_MAX 16
#define PROM_CONNECTION_TIMEOUT_S 10
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One rendered exposition; freed when the sink and the last response let go of it. */
struct prom_page {
	int refs;
	struct prom_text text;
};

struct prometheus_sink {
	struct output_sink base;
	struct MHD_Daemon *daemon;
	char where[CONFIG_ENDPOINT_STRLEN];
	pthread_mutex_t page_lock;	/* page (the pointer) and taking a reference */
	struct prom_page *page;		/* NULL until the first stats event */
	pthread_mutex_t alerts_lock;
	struct prom_alert_class classes[PROM_ALERT_CLASSES_MAX];
	size_t class_count;
	uint64_t overflow;
};

static struct prometheus_sink *prom_sink_of(struct output_sink *s)
{
	return (struct prometheus_sink *)s;
}

static void page_put(void *arg)
{
	struct prom_page *page = arg;

	if (page && __atomic_sub_fetch(&page->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		prom_text_free(&page->text);
		free(page);
	}
}

static struct prom_page *page_get(struct prometheus_sink *ps)
{
	struct prom_page *page;

	pthread_mutex_lock(&ps->page_lock);
	page = ps->page;
	if (page)
		__atomic_add_fetch(&page->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&ps->page_lock);
	return page;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status,
			       struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;	/* out of memory: MHD closes the connection */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned int status,
				    const char *text)
{
	return respond(conn, status,
		       MHD_create_response_from_buffer(strlen(text), (void *)text,
						       MHD_RESPMEM_PERSISTENT));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct prometheus_sink *ps = cls;
	struct prom_page *page;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return respond_text(conn, MHD_HTTP_NOT_FOUND, "edgewatch serves /metrics\n");
	page = page_get(ps);
	if (!page)	/* up == 0 until there is something true to say */
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "# no stats snapshot yet: the first comes one "
				    "outputs.stats-interval after the start\n");
	/* the response holds the reference; MHD drops it (page_put) when it is sent */
	return respond(conn, MHD_HTTP_OK,
		       MHD_create_response_from_buffer_with_free_callback_cls(
			       page->text.len, page->text.buf, page_put, page));
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct prometheus_sink *ps = cls;
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("prometheus %s: %s", ps->where, msg);
}

static int prom_sink_flow(struct output_sink *s, const struct flow_event *ev,
			  const struct output_line *line)
{
	return 0;	/* flows by end reason come with the snapshot (the exporter's account) */
}

static int prom_sink_alert(struct output_sink *s, const struct alert_event *ev,
			   const struct output_line *line)
{
	struct prometheus_sink *ps = prom_sink_of(s);
	const char *category = ev->category ? ev->category : "none";
	int builtin = ev->gid == 1 && ev->sid >= EW_SID_RESERVED_FIRST &&
		      ev->sid <= EW_SID_RESERVED_LAST;
	struct prom_alert_class *c = NULL;
	int err = 0;
	size_t i;

	pthread_mutex_lock(&ps->alerts_lock);
	for (i = 0; i < ps->class_count && !c; i++)
		if (ps->classes[i].builtin == builtin && !strcmp(ps->classes[i].category, category))
			c = &ps->classes[i];
	if (!c && ps->class_count < PROM_ALERT_CLASSES_MAX) {
		/* the event's strings live only for this call */
		c = &ps->classes[ps->class_count];
		c->category = strdup(category);
		if (c->category) {
			c->builtin = builtin;
			ps->class_count++;
		} else {
			c = NULL;
			err = -ENOMEM;
		}
	}
	if (c)
		c->alerts++;
	else
		ps->overflow++;
	pthread_mutex_unlock(&ps->alerts_lock);
	return err;
}

static int prom_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			   const struct output_line *line)
{
	struct prometheus_sink *ps = prom_sink_of(s);
	struct prom_alert_class classes[PROM_ALERT_CLASSES_MAX];
	struct prom_alert_counts alerts = { .classes = classes };
	struct prom_page *page = calloc(1, sizeof(*page)), *old;
	int err;

	if (!page)
		return -ENOMEM;
	/* the categories' strings stay until close: copying the rows is enough */
	pthread_mutex_lock(&ps->alerts_lock);
	alerts.count = ps->class_count;
	alerts.overflow = ps->overflow;
	memcpy(classes, ps->classes, alerts.count * sizeof(classes[0]));
	pthread_mutex_unlock(&ps->alerts_lock);

	err = prom_format_stats(&page->text, snap, &alerts);
	if (err) {	/* the last page stays: a scrape sees an older snapshot, not none */
		prom_text_free(&page->text);
		free(page);
		return err;
	}
	page->refs = 1;	/* the sink's */
	pthread_mutex_lock(&ps->page_lock);
	old = ps->page;
	ps->page = page;
	pthread_mutex_unlock(&ps->page_lock);
	page_put(old);
	return 0;
}

static int prom_sink_nothing(struct output_sink *s)
{
	return 0;	/* nothing buffered, no file */
}

static void prom_sink_close(struct output_sink *s)
{
	struct prometheus_sink *ps = prom_sink_of(s);
	size_t i;

	if (ps->daemon)
		MHD_stop_daemon(ps->daemon);	/* joins its thread, closes the socket */
	page_put(ps->page);
	for (i = 0; i < ps->class_count; i++)
		free(ps->classes[i].category);
	pthread_mutex_destroy(&ps->page_lock);
	pthread_mutex_destroy(&ps->alerts_lock);
	free(ps);
}

static const struct output_sink_ops prom_sink_ops = {
	.name = "prometheus",
	.flow = prom_sink_flow,
	.alert = prom_sink_alert,
	.stats = prom_sink_stats,
	.flush = prom_sink_nothing,
	.reopen = prom_sink_nothing,
	.close = prom_sink_close,
};

/*
 * The listening socket, opened here rather than by MHD: a bind error keeps its errno.
 * IPv6 only on an IPv6 address: the config says exactly what is reachable.
 */
static int listen_on(const struct ew_endpoint *ep)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1, err;

	if (ep->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->addr, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restart binds while the last run's connections are in TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ep->family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, PROM_CONNECTIONS_MAX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int prometheus_sink_open(struct output_sink **out, const struct ew_endpoint *ep)
{
	struct prometheus_sink *ps = calloc(1, sizeof(*ps));
	int fd, err;

	if (!ps)
		return -ENOMEM;
	ps->base.ops = &prom_sink_ops;
	config_format_endpoint(ep, ps->where, sizeof(ps->where));
	pthread_mutex_init(&ps->page_lock, NULL);
	pthread_mutex_init(&ps->alerts_lock, NULL);
	fd = listen_on(ep);
	if (fd < 0) {
		prom_sink_close(&ps->base);
		return fd;
	}
	errno = 0;
	ps->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, ps,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, ps, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PROM_CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PROM_CONNECTION_TIMEOUT_S,
		MHD_OPTION_END);
	if (!ps->daemon) {
		err = errno ? -errno : -EIO;
		close(fd);
		prom_sink_close(&ps->base);
		return err;
	}
	*out = &ps->base;
	return 0;
}
