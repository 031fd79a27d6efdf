// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "instance_lock.h"

static int lock_path(const char *ifname, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.lock", LOCK_DIR, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static pid_t read_pid(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)atoi(buf) : 0;
}

int instance_lock_acquire(struct instance_lock *lock, const char *ifname, pid_t *holder)
{
	char pid[32];
	int err, n;

	lock->fd = -1;
	*holder = 0;
	err = lock_path(ifname, lock->path, sizeof(lock->path));
	if (err)
		return err;
	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	lock->fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock->fd < 0)
		return -errno;
	if (flock(lock->fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		*holder = read_pid(lock->fd);
		close(lock->fd);
		lock->fd = -1;
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(lock->fd, 0) || pwrite(lock->fd, pid, n, 0) != n)
		return -errno;
	return 0;
}

void instance_lock_release(struct instance_lock *lock)
{
	if (lock->fd < 0)
		return;
	unlink(lock->path);
	close(lock->fd);
	lock->fd = -1;
}

pid_t instance_lock_holder(const char *ifname)
{
	char path[128];
	pid_t pid = 0;
	int fd;

	if (lock_path(ifname, path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* held by someone iff we cannot take it */
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK)
		pid = read_pid(fd);
	close(fd);
	return pid;
}
