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
	/* the pid an instance that died without releasing the lock left in it (0: none),
	 * and whether it had pinned its maps by then (instance_lock_note_pinned) */
	pid_t dead_holder;
	int dead_holder_pinned;
};

/*
 * Take the lock for ifname. 0; -EBUSY when another live instance holds it (*holder
 * set to its pid, 0 if unknown); another -errno on failure.
 */
int instance_lock_acquire(struct instance_lock *lock, const char *ifname, pid_t *holder);
void instance_lock_release(struct instance_lock *lock);
/* Record in the lock file that this instance's maps are pinned: if it dies now, the next
 * start must find them (run.c says so when they are gone). */
void instance_lock_note_pinned(struct instance_lock *lock);
/* The pid holding ifname's lock, 0 when no live instance holds it. */
pid_t instance_lock_holder(const char *ifname);

#endif /* EDGEWATCH_INSTANCE_LOCK_H */
