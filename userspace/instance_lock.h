/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One edgewatch per interface: a lock on /run/edgewatch/IFACE.lock (an open file
 * description lock), held for the daemon's life and released by the kernel when it
 * dies, even by SIGKILL. The file holds the holder's pid.
 */
#ifndef EDGEWATCH_INSTANCE_LOCK_H
#define EDGEWATCH_INSTANCE_LOCK_H

#include <sys/types.h>

#define LOCK_DIR "/run/edgewatch"

struct instance_lock {
	int fd;
	char path[128];
};

/*
 * Take the lock for ifname. 0; -EBUSY when another live instance holds it (*holder
 * set to its pid, 0 if unknown); another -errno on failure.
 */
int instance_lock_acquire(struct instance_lock *lock, const char *ifname, pid_t *holder);
void instance_lock_release(struct instance_lock *lock);
/* The pid holding ifname's lock, 0 when no live instance holds it. */
pid_t instance_lock_holder(const char *ifname);

#endif /* EDGEWATCH_INSTANCE_LOCK_H */
