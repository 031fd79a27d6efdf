// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <libgen.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <unistd.h>

#include "privdrop.h"

#define BIT(cap) (1ULL << (cap))

/*
 * Does bpf() on a map this process already holds need CAP_BPF here? Kernels before 6.5
 * refuse every bpf() command without it while kernel.unprivileged_bpf_disabled is set
 * (Debian's default); later ones check capabilities only where programs and maps are
 * made. A kernel version would lie under backports: a child with no capabilities at all
 * asks the kernel (the child is single-threaded, so libcap's cap_set_proc is its own).
 */
static int bpf_needs_cap(int map_fd)
{
	unsigned char key[512];
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return 1;	/* cannot tell: keep it */
	if (pid == 0) {
		cap_t none = cap_init();

		/* 2: could not drop them, which the parent reads as "keep CAP_BPF" */
		if (!none || cap_set_proc(none))
			_exit(2);
		_exit(bpf_map_get_next_key(map_fd, NULL, key) && errno == EPERM ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status) != 0;
}

/*
 * What the running daemon still needs, asked of this kernel (tests/e2e/test_privdrop.sh
 * checks every thread has exactly this set and that the daemon works with it):
 *   CAP_BPF, where bpf() on the maps it holds needs it (bpf_needs_cap): the sweeps, the
 *     policy reloads' map writes, the sweeper's test runs (the ring buffers are mapped
 *     already and need nothing more); and the status socket's child opening the pins;
 *   CAP_NET_ADMIN, where tc is attached through a clsact qdisc (kernels without TCX):
 *     removing that filter at stop is an rtnetlink request. XDP and TCX are bpf_links,
 *     detached by closing them, which needs nothing.
 * Never CAP_PERFMON (the verifier checks it, at load only) nor what the drop itself uses
 * (CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_CHOWN, CAP_DAC_OVERRIDE).
 */
uint64_t privdrop_needed_caps(int map_fd, int tc_classic)
{
	return (bpf_needs_cap(map_fd) ? BIT(CAP_BPF) : 0) | (tc_classic ? BIT(CAP_NET_ADMIN) : 0);
}

int privdrop_valid_user_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 32 || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '_' ||
		      name[i] == '-'))
			return 0;
	return 1;
}

int privdrop_resolve(const char *user, const char *source, struct privdrop_target *t, char *why,
		     size_t len)
{
	const char *name = user ? user : PRIVDROP_DEFAULT_USER;
	struct passwd *pw;

	memset(t, 0, sizeof(*t));
	why[0] = '\0';
	if (user && (!user[0] || !strcmp(user, "root"))) {
		snprintf(t->name, sizeof(t->name), "root");
		return 0;
	}
	if (!privdrop_valid_user_name(name)) {
		snprintf(why, len, "%s: \"%.64s\" is not a user name", source, name);
		return -EINVAL;
	}
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		int err = errno ? -errno : -ENOENT;

		if (!user) {
			snprintf(why, len, "no user \"%s\" on this system (the Debian package creates "
				 "it): running as root with the capabilities it started with; set "
				 "run.user to an unprivileged user, or to root to keep root "
				 "without this warning", name);
			snprintf(t->name, sizeof(t->name), "root");
			return 0;
		}
		snprintf(why, len, "%s: no user \"%s\" on this system%s%s: refusing to run as "
			 "root instead (create the user, or set run.user: root)", source, name,
			 err != -ENOENT ? ": " : "", err != -ENOENT ? strerror(-err) : "");
		return -ENOENT;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	/* a user with uid 0 is root by another name: nothing to drop */
	t->drop = pw->pw_uid != 0;
	return 0;
}

int privdrop_chown(const struct privdrop_target *t, const char *path, char *why, size_t len)
{
	struct stat st;
	int err;

	if (lstat(path, &st))
		goto fail;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;	/* never hand over what a planted link points to */
		goto fail;
	}
	if (lchown(path, t->uid, t->gid))
		goto fail;
	/* nothing the daemon writes is world-writable */
	if ((st.st_mode & S_IWOTH) && chmod(path, st.st_mode & 07775))
		goto fail;
	return 0;
fail:
	err = -errno;
	snprintf(why, len, "cannot hand %s to user %s: %s", path, t->name, strerror(-err));
	return err;
}

int privdrop_is_user(const struct privdrop_target *t)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	return !getresuid(&r, &e, &s) && !getresgid(&gr, &ge, &gs) && r == t->uid &&
	       e == t->uid && s == t->uid && gr == t->gid && ge == t->gid && gs == t->gid;
}

int privdrop_check_unswappable(const struct privdrop_target *t, const char *what,
				const char *path, char *why, size_t len)
{
	char *copy = strdup(path), *dir;
	const char *at[2];
	struct stat st;
	int i;

	if (!copy)
		return -ENOMEM;
	at[0] = path;
	at[1] = dir = dirname(copy);
	for (i = 0; i < 2; i++) {
		/* gone or unreadable: whoever reads it says so */
		if (stat(at[i], &st))
			continue;
		if (st.st_uid == t->uid || (st.st_mode & S_IWOTH) ||
		    ((st.st_mode & S_IWGRP) && st.st_gid == t->gid)) {
			snprintf(why, len, "%s %s: %s is writable by user %s, which this daemon "
				 "becomes: started as root, it would trust what that user put there; "
				 "make it root's and not writable by the group %s, or start as the "
				 "user (systemd's User=)", what, path, i ? "its directory" : "it",
				 t->name, t->name);
			free(copy);
			return -EPERM;
		}
	}
	free(copy);
	return 0;
}

/* Become the user: its groups, then its uid, the permitted set kept across (keep-caps). */
static int become_user(const struct privdrop_target *t, char *why, size_t len)
{
	gid_t groups[64];
	int ngroups = sizeof(groups) / sizeof(groups[0]);

	/* started as the user already (systemd's User= with AmbientCapabilities=): its
	 * groups are the service manager's, and only the capabilities are left to reduce */
	if (privdrop_is_user(t))
		return 0;

	if (getgrouplist(t->name, t->gid, groups, &ngroups) < 0) {
		snprintf(why, len, "user %s is in more than %zu groups", t->name,
			 sizeof(groups) / sizeof(groups[0]));
		return -E2BIG;
	}
	/* glibc applies setgroups/setgid/setuid to every thread; libcap raises CAP_SETGID /
	 * CAP_SETUID for the call and sets keep-caps (in every psx thread) around setuid */
	if (cap_setgroups(t->gid, ngroups, groups)) {
		snprintf(why, len, "cannot take the groups of %s: %s", t->name, strerror(errno));
		return -errno;
	}
	if (cap_setuid(t->uid)) {
		snprintf(why, len, "cannot become user %s (uid %u) from uid %u: %s", t->name,
			 (unsigned int)t->uid, (unsigned int)getuid(), strerror(errno));
		return -errno;
	}
	return 0;
}

/* Is cap in this thread's permitted set? */
static int cap_permitted(cap_value_t cap)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (cur)
		cap_get_flag(cur, cap, CAP_PERMITTED, &v);
	cap_free(cur);
	return v == CAP_SET;
}

/*
 * Bounding set: nothing beyond kept; effective and permitted: kept; inheritable and
 * ambient: the ambient mask. The bounding set first (cap_iab_set_proc raises
 * CAP_SETPCAP for it), then cap_set_proc gives up CAP_SETPCAP with the rest. Without
 * CAP_SETPCAP (started as the user, systemd's User=) the bounding set stays the service
 * manager's (CapabilityBoundingSet=): with nothing permitted beyond kept and
 * no-new-privs, nothing can be gained from it.
 */
static int reduce_sets(uint64_t kept, uint64_t ambient, char *why, size_t len)
{
	int may_bound = cap_permitted(CAP_SETPCAP);
	cap_iab_t iab = cap_iab_init();
	cap_t caps = cap_init();
	cap_value_t cap, max = cap_max_bits();
	int err = !iab || !caps;

	for (cap = 0; cap < max && !err; cap++) {
		/* PR_CAPBSET_DROP wants CAP_SETPCAP even for a bit already gone */
		if (!(kept & BIT(cap)) && may_bound && cap_get_bound(cap) == 1)
			err = cap_iab_set_vector(iab, CAP_IAB_BOUND, cap, CAP_SET);
		if (!err && (kept & BIT(cap)))
			err = cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET) ||
			      cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET);
		if (!err && (ambient & BIT(cap)))
			err = cap_iab_set_vector(iab, CAP_IAB_INH, cap, CAP_SET) ||
			      cap_iab_set_vector(iab, CAP_IAB_AMB, cap, CAP_SET) ||
			      cap_set_flag(caps, CAP_INHERITABLE, 1, &cap, CAP_SET);
	}
	if (!err)
		err = cap_iab_set_proc(iab) || cap_set_proc(caps);
	if (err) {
		err = errno ? -errno : -EINVAL;
		snprintf(why, len, "cannot reduce the capabilities to %s: %s",
			 privdrop_caps_names(kept, (char[256]){ 0 }, 256), strerror(-err));
	}
	cap_free(iab);
	cap_free(caps);
	return err;
}

int privdrop_apply(const struct privdrop_target *t, uint64_t kept, char *why, size_t len)
{
	/* the status socket answers with a child running this binary's `status`
	 * (status_socket.h), which opens the pins: CAP_BPF, where kept, survives that exec
	 * as ambient (and no-new-privs lets no setuid file give it more) */
	uint64_t ambient = kept & BIT(CAP_BPF);
	int err;

	why[0] = '\0';
	err = become_user(t, why, len);
	if (!err)
		err = reduce_sets(kept, ambient, why, len);
	/* cap_prctlw: every psx thread, not only this one */
	if (!err && cap_prctlw(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0)) {
		err = -errno;
		snprintf(why, len, "cannot set no-new-privs: %s", strerror(-err));
	}
	if (!err)
		err = privdrop_verify_threads(kept, why, len);
	return err;
}

static int parse_ids(const char *v, unsigned int out[4])
{
	return sscanf(v, "%u %u %u %u", &out[0], &out[1], &out[2], &out[3]) == 4 ? 0 : -EINVAL;
}

int privdrop_parse_status(const char *text, struct privdrop_creds *c)
{
	static const char *const keys[] = { "Uid:", "Gid:", "CapEff:", "CapPrm:", "CapBnd:",
					    "CapAmb:", "NoNewPrivs:" };
	const char *line = text;
	unsigned int ids[4];
	size_t k, i;

	memset(c, 0, sizeof(*c));
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(line, keys[k], strlen(keys[k])))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			continue;
		const char *v = line + strlen(keys[k]);
		unsigned long long x;
		char *end;

		if (k < 2) {
			if (parse_ids(v, ids))
				return -EINVAL;
			for (i = 0; i < 4; i++) {
				if (k == 0)
					c->uid[i] = ids[i];
				else
					c->gid[i] = ids[i];
			}
		} else {
			errno = 0;
			x = strtoull(v, &end, k == 6 ? 10 : 16);
			if (errno || end == v || (*end && *end != '\n'))
				return -EINVAL;
			if (k == 2)
				c->cap_eff = x;
			else if (k == 3)
				c->cap_prm = x;
			else if (k == 4)
				c->cap_bnd = x;
			else if (k == 5)
				c->cap_amb = x;
			else
				c->no_new_privs = (int)x;
		}
		c->seen |= 1U << k;
	}
	return c->seen == PRIVDROP_SEEN_ALL ? 0 : -EINVAL;
}

/* One thread against the expectation; 0 or -EPERM with why. */
static int verify_thread(const char *tid, uint64_t kept, char *why, size_t len)
{
	char path[64], text[4096];
	struct privdrop_creds c;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* a thread that just ended */
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (privdrop_parse_status(text, &c)) {
		snprintf(why, len, "thread %s: cannot read its credentials from %s", tid, path);
		return -EPERM;
	}
	/* a library's own thread (not psx's: librdkafka, libmicrohttpd) lost everything
	 * with the uid change and has no no-new-privs: nothing permitted, it has nothing
	 * to pass on, and it execs nothing */
	if (!c.uid[0] || !c.uid[1] || !c.uid[2] || !c.gid[0] || !c.gid[1] || !c.gid[2] ||
	    (c.cap_eff & ~kept) || (c.cap_prm & ~kept) || (c.cap_amb & ~kept) ||
	    (c.cap_prm && !c.no_new_privs)) {
		snprintf(why, len, "thread %s still has uid %u, gid %u, CapEff %016llx, "
			 "CapPrm %016llx, CapBnd %016llx, NoNewPrivs %d (want non-zero ids and at "
			 "most %016llx)", tid, (unsigned int)c.uid[1], (unsigned int)c.gid[1],
			 (unsigned long long)c.cap_eff, (unsigned long long)c.cap_prm,
			 (unsigned long long)c.cap_bnd, c.no_new_privs, (unsigned long long)kept);
		return -EPERM;
	}
	return 0;
}

int privdrop_verify_threads(uint64_t kept, char *why, size_t len)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int err = 0;

	if (!d) {
		snprintf(why, len, "cannot list this process's threads: %s", strerror(errno));
		return -errno;
	}
	while (!err && (de = readdir(d)))
		if (de->d_name[0] != '.')
			err = verify_thread(de->d_name, kept, why, len);
	closedir(d);
	return err;
}

const char *privdrop_caps_names(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;
	cap_value_t cap;

	buf[0] = '\0';
	for (cap = 0; cap < 64 && used < len; cap++) {
		char *name;

		if (!(mask & BIT(cap)))
			continue;
		name = cap_to_name(cap);	/* "cap_bpf" */
		if (!name)
			continue;
		used += snprintf(buf + used, len - used, "%s", used ? ", " : "");
		for (char *p = name; *p && used + 1 < len; p++)
			buf[used++] = *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p;
		if (used < len)
			buf[used] = '\0';
		cap_free(name);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}
