// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "service_notify.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A failed notification is the service manager's problem to notice (a unit that never
 * becomes ready times out): say it once in the log, never stop the daemon for it. */
static void notify(const char *state)
{
	static int warned;
	int err = sd_notify(0, state);

	if (err < 0 && !warned) {
		warned = 1;
		log_warn("cannot notify the service manager (%s): error %d", state, err);
	}
}

void service_notify_init(struct service_notify *sn)
{
	uint64_t usec = 0;

	sn->watchdog_ns = 0;
	sn->next_keepalive_ns = 0;
	/* 0: no watchdog for us (or WATCHDOG_PID names another process) */
	if (sd_watchdog_enabled(0, &usec) > 0)
		sn->watchdog_ns = usec * 1000ULL;
}

void service_notify_ready(struct service_notify *sn, const char *status)
{
	char msg[320];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	notify(msg);
	sn->next_keepalive_ns = monotonic_ns() + sn->watchdog_ns / 2;
}

void service_notify_reloading(struct service_notify *sn)
{
	char msg[64];

	/* MONOTONIC_USEC: what Type=notify-reload (systemd 253) requires; plain notify
	 * units take it as well */
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(monotonic_ns() / 1000ULL));
	notify(msg);
}

void service_notify_stopping(struct service_notify *sn)
{
	notify("STOPPING=1");
}

void service_notify_keepalive(struct service_notify *sn)
{
	uint64_t now;

	if (!sn->watchdog_ns)
		return;
	now = monotonic_ns();
	if (now < sn->next_keepalive_ns)
		return;
	notify("WATCHDOG=1");
	sn->next_keepalive_ns = now + sn->watchdog_ns / 2;
}
