// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The status sink: the live daemon's latest stats snapshot as its EVE line (the same
 * bytes as the last stats event: the line the fan-out formatted for every sink), kept in LOCK_DIR/IFACE.stats.json
 * for `edgewatch status`. status reads the kernel's counters from the pinned maps
 * itself; what only the daemon knows (flows exported by reason, the conservation sum,
 * the policy's and the pipeline's counts, what the outputs lost) comes from here, so
 * the status view and the stats event cannot disagree. Replaced atomically (a temporary
 * file created with O_EXCL|O_NOFOLLOW, then rename) at every stats event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "instance_lock.h"
#include "output/output.h"

struct status_sink {
	struct output_sink base;
	char path[160];
	char tmp[168];
};

static int status_sink_flow(struct output_sink *s, const struct flow_event *ev,
			    const struct output_line *line)
{
	return 0;	/* only the snapshot is kept */
}

static int status_sink_alert(struct output_sink *s, const struct alert_event *ev,
			     const struct output_line *line)
{
	return 0;
}

/* The line and its newline, whole (a short write is retried from where it stopped). */
static int write_line(int fd, const struct output_line *line)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)line->buf, .iov_len = line->len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	struct iovec *v = iov;
	int left = 2;
	ssize_t n;

	while (left) {
		n = writev(fd, v, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		while (left && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			left--;
		}
		if (left) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int status_sink_stats(struct output_sink *s, const struct stats_snapshot *snap,
			     const struct output_line *line)
{
	struct status_sink *ss = (struct status_sink *)s;
	int fd, err;

	if (line->err)
		return line->err;
	unlink(ss->tmp);	/* a stale one of ours, or a link someone planted */
	fd = open(ss->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	err = write_line(fd, line);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(ss->tmp, ss->path))
		err = -errno;
	if (err)
		unlink(ss->tmp);
	return err;
}

static int status_sink_nothing(struct output_sink *s)
{
	return 0;
}

static void status_sink_close(struct output_sink *s)
{
	struct status_sink *ss = (struct status_sink *)s;

	unlink(ss->path);	/* a stopped instance has no status */
	free(ss);
}

static const struct output_sink_ops status_sink_ops = {
	.name = "status",
	.flow = status_sink_flow,
	.alert = status_sink_alert,
	.stats = status_sink_stats,
	.flush = status_sink_nothing,
	.reopen = status_sink_nothing,
	.close = status_sink_close,
};

int status_snapshot_path(const char *iface, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.stats.json", LOCK_DIR, iface);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int status_sink_open(struct output_sink **out, const char *iface)
{
	struct status_sink *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	if (status_snapshot_path(iface, ss->path, sizeof(ss->path))) {
		free(ss);
		return -ENAMETOOLONG;
	}
	snprintf(ss->tmp, sizeof(ss->tmp), "%s.tmp", ss->path);
	ss->base.ops = &status_sink_ops;
	ss->base.line_types = OUTPUT_LINE(OUTPUT_STATS);
	*out = &ss->base;
	return 0;
}
