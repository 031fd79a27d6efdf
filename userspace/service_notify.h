/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Telling systemd how the daemon is (a Type=notify unit, packaging/edgewatch@.service):
 * ready once the programs are attached and pinned, reloading around a SIGHUP, stopping,
 * and the watchdog's keep-alive from the event loop (so a loop that hangs gets the
 * service restarted). Outside systemd (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef EDGEWATCH_SERVICE_NOTIFY_H
#define EDGEWATCH_SERVICE_NOTIFY_H

#include <stdint.h>

struct service_notify {
	uint64_t watchdog_ns;		/* the unit's WatchdogSec (0: none) */
	uint64_t next_keepalive_ns;	/* monotonic */
};

/* Read the watchdog's interval from the environment systemd gave us. */
void service_notify_init(struct service_notify *sn);
/* READY=1 with a one-line status. */
void service_notify_ready(struct service_notify *sn, const char *status);
/* RELOADING=1 before a reload, and READY=1 (with status) after it, taken or refused. */
void service_notify_reloading(struct service_notify *sn);
/* STOPPING=1. */
void service_notify_stopping(struct service_notify *sn);
/* WATCHDOG=1 at half the interval at most: call it at every turn of the event loop. */
void service_notify_keepalive(struct service_notify *sn);

#endif /* EDGEWATCH_SERVICE_NOTIFY_H */
