// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "instance_lock.h"
#include "log.h"
#include "status_socket.h"

/* The request is one line: "status", "inventory", either with " --json". */
#define REQUEST_MAX 32
/* A client writes its request right after connecting: one that says nothing by then
 * does not get to hold the daemon's loop. */
#define REQUEST_WAIT_MS 100

extern char **environ;

int status_socket_path(const char *ifname, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.sock", LOCK_DIR, ifname);

	return n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)
		       ? -ENAMETOOLONG
		       : 0;
}

int status_server_open(struct status_server *s, const char *ifname)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct group *grp;
	int err, i;

	s->fd = -1;
	s->inventory = NULL;
	for (i = 0; i < STATUS_SOCKET_MAX_CHILDREN; i++)
		s->children[i] = 0;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	err = status_socket_path(ifname, s->path, sizeof(s->path));
	if (err)
		return err;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -errno;
	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
	/* we hold the instance lock: a socket there is a dead instance's */
	unlink(s->path);
	grp = getgrnam(STATUS_GROUP);
	if (bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    /* the owner stays who made it: root, or the daemon's user when a service
	     * manager started it as that user (User=, privdrop.h), a member of the group */
	    (grp && chown(s->path, (uid_t)-1, grp->gr_gid)) ||
	    chmod(s->path, grp ? 0660 : 0600) || listen(s->fd, 8)) {
		err = -errno;
		log_error("cannot listen on %s for `edgewatch status`: %s", s->path,
			  strerror(-err));
		status_server_close(s);
		return err;
	}
	return 0;
}

void status_server_set_inventory(struct status_server *s, status_inventory_fn fn, void *ctx)
{
	s->inventory = fn;
	s->inventory_ctx = ctx;
}

static int free_child_slot(struct status_server *s)
{
	int i;

	status_server_reap(s);
	for (i = 0; i < STATUS_SOCKET_MAX_CHILDREN; i++)
		if (!s->children[i])
			return i;
	return -1;
}

/* Run our own binary with argv, its output the connection, its input in_fd (-1:
 * /dev/null). */
static pid_t spawn_answer(const struct status_server *s, int conn, char **argv, int in_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid = 0;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, conn, 1);
	posix_spawn_file_actions_adddup2(&fa, conn, 2);
	/* the daemon blocks its signals for its signalfd: the child must not */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* /proc/self/exe in the child is still this binary, even if it was replaced */
	err = posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err) {
		log_warn("cannot run %s for a client of %s: %s", argv[1], s->path, strerror(err));
		return 0;
	}
	return pid;
}

static pid_t spawn_status(const struct status_server *s, int conn, int as_json)
{
	char *argv[] = { "edgewatch", "status", "-i", (char *)s->ifname,
			 as_json ? "--json" : NULL, NULL };

	return spawn_answer(s, conn, argv, -1);
}

/* The table as EVE lines in a memfd, rendered by `inventory [--json] /dev/stdin`. */
static pid_t spawn_inventory(const struct status_server *s, int conn, int as_json)
{
	char *argv[] = { "edgewatch", "inventory", "/dev/stdin", as_json ? "--json" : NULL,
			 NULL };
	const char *off = "edgewatch: error: the inventory is off on this instance "
			  "(inventory.enabled: false)\n";
	pid_t pid = 0;
	int fd, err;

	if (!s->inventory) {
		(void)!write(conn, off, strlen(off));
		return 0;
	}
	fd = memfd_create("edgewatch-inventory", MFD_CLOEXEC);
	if (fd < 0) {
		log_warn("inventory for a client of %s: memfd: %s", s->path, strerror(errno));
		return 0;
	}
	err = s->inventory(s->inventory_ctx, fd);
	if (err)
		log_warn("inventory for a client of %s: %s", s->path, strerror(-err));
	else if (lseek(fd, 0, SEEK_SET) == 0)
		pid = spawn_answer(s, conn, argv, fd);
	close(fd);
	return pid;
}

void status_server_accept(struct status_server *s)
{
	struct pollfd pfd = { .events = POLLIN };
	char req[REQUEST_MAX + 1] = "";
	const char *busy = "edgewatch: error: busy answering other status requests; try "
			   "again\n";
	ssize_t n;
	int slot;

	pfd.fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (pfd.fd < 0)
		return;
	slot = free_child_slot(s);
	if (slot < 0) {
		(void)!write(pfd.fd, busy, strlen(busy));
		goto cleanup;
	}
	if (poll(&pfd, 1, REQUEST_WAIT_MS) != 1)
		goto cleanup;
	n = read(pfd.fd, req, REQUEST_MAX);
	if (n <= 0)
		goto cleanup;
	req[n] = '\0';
	if (!strncmp(req, "status", 6))
		s->children[slot] = spawn_status(s, pfd.fd, strstr(req, "--json") != NULL);
	else if (!strncmp(req, "inventory", 9))
		s->children[slot] = spawn_inventory(s, pfd.fd, strstr(req, "--json") != NULL);
cleanup:
	close(pfd.fd);
}

void status_server_reap(struct status_server *s)
{
	int i;

	for (i = 0; i < STATUS_SOCKET_MAX_CHILDREN; i++)
		if (s->children[i] && waitpid(s->children[i], NULL, WNOHANG) == s->children[i])
			s->children[i] = 0;
}

void status_server_close(struct status_server *s)
{
	int i;

	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	s->fd = -1;
	s->inventory = NULL;
	for (i = 0; i < STATUS_SOCKET_MAX_CHILDREN; i++) {
		if (s->children[i])
			waitpid(s->children[i], NULL, 0);
		s->children[i] = 0;
	}
}

int status_socket_query(const char *ifname, int as_json)
{
	return status_socket_ask(ifname, as_json ? "status --json\n" : "status\n");
}

int status_socket_ask(const char *ifname, const char *req)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[128], buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	if (status_socket_path(ifname, path, sizeof(path)))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno == ECONNREFUSED ? -ENOENT : -errno;
		goto cleanup;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		err = -errno;
		goto cleanup;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stdout);
		got += n;
	}
	if (n < 0)
		err = -errno;
	else if (!got)
		err = -EIO;	/* the instance closed without an answer (busy, stopping) */
cleanup:
	close(fd);
	return err;
}
