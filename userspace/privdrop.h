/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `edgewatch run` gives up root once its programs are loaded, attached and pinned:
 * it becomes run.user (default "edgewatch") and keeps only the capabilities the running
 * daemon still uses on this kernel (privdrop_needed_caps()), in every thread, with
 * no-new-privs set.
 *
 * Capabilities are per thread and the daemon has threads by then (sinks, scanners, the
 * clock). glibc broadcasts setresuid/setgroups to every thread, but not capset or prctl:
 * the binary links libcap with libpsx (-lpsx -Wl,-wrap,pthread_create, see the
 * Makefile), so libcap's cap_setuid, cap_set_proc, cap_iab_set_proc and cap_prctlw apply
 * to every thread this program created. Threads a library starts on its own (librdkafka,
 * libmicrohttpd) are not psx's: the uid change reaches them and empties their
 * capabilities (they never had keep-caps), so they end with fewer, never more;
 * privdrop_verify_threads() checks that every thread has at most the kept set.
 *
 *   struct privdrop_target t;
 *   if (privdrop_resolve(cfg->run.user, &t, why, sizeof(why)) < 0) refuse;
 *   ... load, attach, pin, chown what the user must write (privdrop_chown) ...
 *   if (t.drop && privdrop_apply(&t, privdrop_needed_caps(map_fd, tc_classic), why,
 *                                sizeof(why))) refuse;
 */
#ifndef EDGEWATCH_PRIVDROP_H
#define EDGEWATCH_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVDROP_DEFAULT_USER "edgewatch"

struct privdrop_target {
	int drop;		/* 0: the daemon stays root (run.user root or "", or see resolve) */
	uid_t uid;
	gid_t gid;		/* the user's primary group */
	char name[64];
};

/*
 * The capabilities the running daemon still needs here, as a mask of 1 << CAP_x: CAP_BPF
 * when this kernel wants it for bpf() on map_fd (a map of the loaded datapath), and
 * CAP_NET_ADMIN when tc is attached the classic way (tc_classic). Forks a probe.
 */
uint64_t privdrop_needed_caps(int map_fd, int tc_classic);

/*
 * Is name a user name run.user may hold: 1..32 characters of [A-Za-z0-9._-], not
 * starting with '-' (useradd's portable set). 1 or 0.
 */
int privdrop_valid_user_name(const char *name);

/*
 * Who the daemon runs as. user: run.user (or run --user); NULL when neither gave one
 * (the default "edgewatch"); source names it in messages. Returns 0 with *t filled:
 *   - "root" or "": t->drop 0 (root kept on purpose);
 *   - NULL and no user "edgewatch" on this system: t->drop 0 and why holds a warning
 *     to log (a source install without the packaged user still runs, and says so);
 *   - a user found: t->drop 1.
 * -ENOENT with why when a user given explicitly does not exist (a typo must not leave
 * the daemon root), -EINVAL when the name is not a user name.
 */
int privdrop_resolve(const char *user, const char *source, struct privdrop_target *t, char *why,
		     size_t len);

/*
 * What a root start reads before it drops (the configuration, the seal key, the rule
 * cache) must not be the user's to change: path or its directory owned by t's user,
 * world-writable, or group-writable by its primary group is -EPERM with why ("WHAT PATH:
 * ..."). A path that does not exist passes (its reader reports it).
 */
int privdrop_check_unswappable(const struct privdrop_target *t, const char *what,
				const char *path, char *why, size_t len);

/* Is this process t's user already (real, effective, saved uid and gid)? */
int privdrop_is_user(const struct privdrop_target *t);

/*
 * Hand path (a file or directory the daemon made or was given, still root's) to the
 * user, keeping its mode minus the world-writable bit. Symlinks are not followed.
 * 0 or -errno (why filled).
 */
int privdrop_chown(const struct privdrop_target *t, const char *path, char *why, size_t len);

/*
 * Become t's user (its groups; nothing to do when it is already, privdrop_is_user), keep
 * kept effective and permitted and nothing in the bounding set beyond it (where
 * CAP_SETPCAP allows), CAP_BPF (if kept) ambient for the status socket's child, set
 * no-new-privs: in every thread. Then check every thread (privdrop_verify_threads).
 * 0, or -errno with why (the caller stops: a half-dropped daemon must not run).
 */
int privdrop_apply(const struct privdrop_target *t, uint64_t kept, char *why, size_t len);

/* The credentials of one thread, from /proc/.../status. */
struct privdrop_creds {
	uid_t uid[4];		/* real, effective, saved, filesystem */
	gid_t gid[4];
	uint64_t cap_eff, cap_prm, cap_bnd, cap_amb;
	int no_new_privs;
	unsigned int seen;	/* PRIVDROP_SEEN_* bits: which lines were there */
};
#define PRIVDROP_SEEN_ALL 0x7f	/* Uid, Gid, CapEff, CapPrm, CapBnd, CapAmb, NoNewPrivs */

/* Parse a status file's text. 0, or -EINVAL when a line is missing or malformed. */
int privdrop_parse_status(const char *text, struct privdrop_creds *c);

/*
 * Every thread of this process (/proc/self/task): not root, no capability beyond
 * kept_mask (effective, permitted, ambient), no-new-privs set where anything is permitted. 0, or -EPERM with why naming the thread and what it has.
 */
int privdrop_verify_threads(uint64_t kept_mask, char *why, size_t len);

/* "CAP_BPF, CAP_NET_ADMIN" ("none" when empty). Returns buf. */
const char *privdrop_caps_names(uint64_t mask, char *buf, size_t len);

#endif /* EDGEWATCH_PRIVDROP_H */
