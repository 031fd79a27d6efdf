/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who may read `edgewatch status`: root, and the members of the group "edgewatch".
 * Root reads the pinned maps directly. Nobody else can (bpf() on a pinned map needs
 * CAP_BPF while kernel.unprivileged_bpf_disabled is set, Debian's default, and the pins
 * are the daemon's, mode 0700), so each instance also listens on
 * /run/edgewatch/IFACE.sock, owned by whoever started it and the group edgewatch, mode 0660 (0600, root only, when that group
 * does not exist): the file's permissions decide who may ask. For each connection the
 * daemon runs its own binary's `status -i IFACE [--json]` with its own rights (root, or
 * after the privilege drop its user with CAP_BPF ambient, privdrop.h) with the
 * connection as its output, so a member sees exactly what root sees, rendered by the same code;
 * at most STATUS_SOCKET_MAX_CHILDREN at a time (the others are told to retry).
 */
#ifndef EDGEWATCH_STATUS_SOCKET_H
#define EDGEWATCH_STATUS_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

#define STATUS_GROUP "edgewatch"
#define STATUS_SOCKET_MAX_CHILDREN 4

/*
 * `edgewatch inventory -i IFACE`: the instance's inventory table lives in its memory, not
 * in a map a child could read, so for the request "inventory" the daemon writes the
 * table as EVE inventory lines into a memfd (this hook, from the main thread) and the
 * child renders it with the file mode's code (`edgewatch inventory [--json] /dev/stdin`,
 * the memfd its stdin): sorted by risk the same way. 0 or -errno.
 */
typedef int (*status_inventory_fn)(void *ctx, int fd);

struct status_server {
	int fd;			/* listening socket, -1 when none */
	status_inventory_fn inventory;	/* NULL: the instance has no inventory */
	void *inventory_ctx;
	char path[128];
	char ifname[32];
	pid_t children[STATUS_SOCKET_MAX_CHILDREN];
};

/* Listen on the instance's socket (replacing a dead instance's). 0 or -errno (logged). */
int status_server_open(struct status_server *s, const char *ifname);
/* Answer "inventory" requests with fn (NULL: "the inventory is off"). */
void status_server_set_inventory(struct status_server *s, status_inventory_fn fn, void *ctx);
/* Accept one connection and answer it (the listening fd is readable). */
void status_server_accept(struct status_server *s);
/* Reap the children that have finished (call now and then). */
void status_server_reap(struct status_server *s);
/* Stop listening, remove the socket, wait for the children. NULL-safe on fd -1. */
void status_server_close(struct status_server *s);

/*
 * The client side, for a user who cannot read the pins: ask the instance on ifname
 * through its socket, copying the answer to stdout. 0; -EACCES (not root nor in the
 * group: the caller says so), -ENOENT (no instance listens), or another -errno.
 */
int status_socket_query(const char *ifname, int as_json);
/* The same for any request line ("inventory --json"): its answer to stdout. */
int status_socket_ask(const char *ifname, const char *request);
/* The instance's socket: /run/edgewatch/IFACE.sock. 0 or -ENAMETOOLONG. */
int status_socket_path(const char *ifname, char *buf, size_t len);

#endif /* EDGEWATCH_STATUS_SOCKET_H */
