// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "instance_lock.h"
#include "log.h"

static int lock_path(const char *ifname, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.lock", LOCK_DIR, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * An open-file-description lock on the whole file: released by the kernel when the
 * holder dies, and testable with F_OFD_GETLK without taking it (a probe must not make a
 * starting instance fail).
 */
static int ofd_lock(int fd, short type, int cmd)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };

	if (fcntl(fd, cmd, &fl))
		return -errno;
	return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
}

#define PINNED_MARK " pinned"

/* The pid in a lock file ("PID\n", or "PID pinned\n"), and whether it is marked pinned. */
static pid_t read_pid_mark(int fd, int *pinned)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (pinned)
		*pinned = n > 0 && strstr(buf, PINNED_MARK) != NULL;
	return n > 0 ? (pid_t)atoi(buf) : 0;
}

static pid_t read_pid(int fd)
{
	return read_pid_mark(fd, NULL);
}

int instance_lock_acquire(struct instance_lock *lock, const char *ifname, pid_t *holder)
{
	char pid[32];
	int err, n;

	lock->fd = -1;
	lock->dead_holder = 0;
	lock->dead_holder_pinned = 0;
	*holder = 0;
	err = lock_path(ifname, lock->path, sizeof(lock->path));
	if (err)
		return err;
	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	/* O_NOFOLLOW: a symlink planted here must not make root truncate its target */
	lock->fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lock->fd < 0)
		return -errno;
	err = ofd_lock(lock->fd, F_WRLCK, F_OFD_SETLK);
	if (err) {
		err = err == -EAGAIN || err == -EACCES ? -EBUSY : err;
		*holder = read_pid(lock->fd);
		close(lock->fd);
		lock->fd = -1;
		return err;
	}
	/* a clean stop empties the file: a pid still there is one that died */
	lock->dead_holder = read_pid_mark(lock->fd, &lock->dead_holder_pinned);
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(lock->fd, 0) || pwrite(lock->fd, pid, n, 0) != n) {
		err = errno ? -errno : -EIO;
		close(lock->fd);	/* and the lock with it */
		lock->fd = -1;
		return err;
	}
	return 0;
}

void instance_lock_note_pinned(struct instance_lock *lock)
{
	char line[48];
	int n = snprintf(line, sizeof(line), "%d" PINNED_MARK "\n", (int)getpid());

	if (lock->fd >= 0 && pwrite(lock->fd, line, n, 0) != n)
		log_warn("%s: cannot note the pins in the lock file: %s", lock->path,
			 strerror(errno));
}

/*
 * The file stays: unlinking it would let a new instance lock a new file while another
 * still holds the old, unlinked one. An empty pid says nobody runs.
 */
void instance_lock_release(struct instance_lock *lock)
{
	if (lock->fd < 0)
		return;
	(void)!ftruncate(lock->fd, 0);
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
	if (ofd_lock(fd, F_WRLCK, F_OFD_GETLK) == 1)
		pid = read_pid(fd);
	close(fd);
	return pid;
}
