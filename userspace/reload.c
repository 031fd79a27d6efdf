// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "instance_lock.h"
#include "log.h"
#include "reload.h"

/*
 * How long `edgewatch reload` waits for the answer: the daemon answers after the rules
 * are loaded, and compiling the shipped rules without the cache takes seconds.
 */
#define RELOAD_WAIT_MS 60000

static void reload_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch reload -i IFACE\n"
		"\n"
		"Ask the instance running on IFACE to read its configuration file again (the\n"
		"same as sending it SIGHUP) and wait for its answer. The new policy and payload\n"
		"rules (recompiled, or from the rule cache when unchanged) replace the old ones\n"
		"atomically; a file with an error, or a rule file that does not load, is refused\n"
		"(file, line and reason are printed, and the exit status is 1) and the running\n"
		"policy and rules stay. Settings read only at start (flow.*, sampling.snaplen and\n"
		"stream-*, outputs.eve.path, ...) are not applied: each one the file changes is\n"
		"named in a warning (restart to apply).\n"
		"\n"
		"  -i, --interface IFACE   the instance's interface\n"
		"  -h, --help              this help\n"
		"\n"
		"Exit status: 0 applied, 1 refused or no answer, 2 usage.\n"
		"\n"
		"EXAMPLES:\n"
		"  edgewatch check-config /etc/edgewatch/edgewatch.yaml && edgewatch reload -i wan0\n");
}

static int answer_path(const char *ifname, const char *suffix, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.reload%s", LOCK_DIR, ifname, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int reload_answer_publish(const char *ifname, const struct reload_answer *a)
{
	char path[160], tmp[160];
	FILE *f;
	int fd, err = 0;

	if (answer_path(ifname, "", path, sizeof(path)) ||
	    answer_path(ifname, ".tmp", tmp, sizeof(tmp)))
		return -ENAMETOOLONG;
	/* LOCK_DIR is root's; still, never write through a link planted there */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	fprintf(f, "%d %" PRIu64 " %s\n%s", (int)getpid(), a->seq,
		a->accepted ? "accepted" : "refused", a->text);
	if (fclose(f) || rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

void reload_answer_remove(const char *ifname)
{
	char path[160];

	if (answer_path(ifname, "", path, sizeof(path)) == 0)
		unlink(path);
}

/* The answer in the file, if it is pid's: 0, or -ENOENT (none of pid's yet). */
static int reload_answer_read(const char *ifname, pid_t pid, struct reload_answer *a)
{
	char path[160], verdict[16] = "";
	int who = 0;
	size_t n;
	FILE *f;

	memset(a, 0, sizeof(*a));
	if (answer_path(ifname, "", path, sizeof(path)))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d %" SCNu64 " %15s", &who, &a->seq, verdict) != 3 || who != pid) {
		fclose(f);
		return -ENOENT;
	}
	fgetc(f);	/* the end of the first line */
	n = fread(a->text, 1, sizeof(a->text) - 1, f);
	a->text[n] = '\0';
	a->accepted = strcmp(verdict, "accepted") == 0;
	fclose(f);
	return 0;
}

static void note_line(struct reload_answer *a, const char *fmt, ...)
{
	size_t used = strlen(a->text);
	va_list ap;

	if (used + 1 >= sizeof(a->text))
		return;
	va_start(ap, fmt);
	vsnprintf(a->text + used, sizeof(a->text) - used, fmt, ap);
	va_end(ap);
	used = strlen(a->text);
	if (used + 1 < sizeof(a->text)) {
		a->text[used] = '\n';
		a->text[used + 1] = '\0';
	}
}

static int str_differs(const char *x, const char *y)
{
	return (x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0);
}

static int kafka_differs(const struct ew_kafka_output *x, const struct ew_kafka_output *y)
{
	size_t i;

	if (x->enabled != y->enabled || x->broker_count != y->broker_count ||
	    x->property_count != y->property_count || x->queue_messages != y->queue_messages ||
	    str_differs(x->topic_prefix, y->topic_prefix) ||
	    str_differs(x->client_id, y->client_id) || str_differs(x->compression, y->compression))
		return 1;
	for (i = 0; i < x->broker_count; i++)
		if (x->brokers[i].port != y->brokers[i].port ||
		    strcmp(x->brokers[i].host, y->brokers[i].host))
			return 1;
	for (i = 0; i < x->property_count; i++)
		if (strcmp(x->properties[i].name, y->properties[i].name) ||
		    strcmp(x->properties[i].value, y->properties[i].value))
			return 1;
	return 0;
}

int reload_note_start_keys(const struct ew_config *running, const struct ew_config *fresh,
			   const char *eve_override, struct reload_answer *a)
{
	const struct ew_config *r = running, *f = fresh;
	int n = 0;

/* one warning line per key, naming it and both values */
#define START_KEY_U32(key, field)                                                          \
	do {                                                                                \
		if (r->field != f->field) {                                                 \
			note_line(a, "%s: changed from %u to %u, read only at start: not "    \
				  "applied (restart to apply)", key, r->field, f->field);      \
			n++;                                                                \
		}                                                                           \
	} while (0)
#define START_KEY_CHANGED(key, changed)                                                    \
	do {                                                                                \
		if (changed) {                                                              \
			note_line(a, "%s: changed, read only at start: not applied (restart "  \
				  "to apply)", key);                                            \
			n++;                                                                \
		}                                                                           \
	} while (0)

	START_KEY_U32("flow.table-size", flow.table_size);
	START_KEY_U32("flow.idle-timeout", flow.idle_timeout);
	START_KEY_U32("flow.active-timeout", flow.active_timeout);
	START_KEY_U32("flow.tcp-closed-timeout", flow.tcp_closed_timeout);
	START_KEY_U32("flow.sweep-interval", flow.sweep_interval);
	START_KEY_U32("sampling.snaplen", sampling.snaplen);
	START_KEY_U32("sampling.stream-depth", sampling.stream_depth);
	START_KEY_U32("sampling.stream-segments", sampling.stream_segments);
	/* -o wins over the file's path: a change there changes nothing, and says nothing */
	START_KEY_CHANGED("outputs.eve.path",
			  !eve_override && str_differs(r->outputs.eve_path, f->outputs.eve_path));
	START_KEY_CHANGED("outputs.prometheus",
			  r->outputs.prometheus.enabled != f->outputs.prometheus.enabled ||
				  memcmp(&r->outputs.prometheus.listen,
					 &f->outputs.prometheus.listen,
					 sizeof(r->outputs.prometheus.listen)));
	START_KEY_CHANGED("outputs.kafka", kafka_differs(&r->outputs.kafka, &f->outputs.kafka));
	START_KEY_CHANGED("outputs.pcap",
			  str_differs(r->outputs.pcap.dir, f->outputs.pcap.dir) ||
				  r->outputs.pcap.max_file_size != f->outputs.pcap.max_file_size ||
				  r->outputs.pcap.max_total != f->outputs.pcap.max_total);
	/* rules.* and the variables the rules use are applied: the rules are reloaded */
	/* the daemon gave up root at start: it cannot become anyone else now */
	START_KEY_CHANGED("run.user", str_differs(r->run.user, f->run.user));
	/* the detectors keep the thresholds and windows they started with; anomaly.exclude
	 * and the management addresses they consult apply at once (detect_reconfigure) */
	START_KEY_CHANGED("anomaly (detectors, thresholds, windows)",
			  r->anomaly.on != f->anomaly.on ||
				  memcmp(r->anomaly.enabled, f->anomaly.enabled,
					 sizeof(r->anomaly.enabled)) ||
				  memcmp(r->anomaly.value, f->anomaly.value,
					 sizeof(r->anomaly.value)));
#undef START_KEY_U32
#undef START_KEY_CHANGED
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_reload(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 20 * 1000000 };
	struct reload_answer before, after;
	const char *ifname = NULL;
	uint64_t deadline;
	pid_t pid;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'h':
			reload_usage(stdout);
			return 0;
		default:
			reload_usage(stderr);
			return 2;
		}
	}
	if (!ifname || optind != argc) {
		reload_usage(stderr);
		return 2;
	}
	/* the instance may run in another network namespace: the name, not the interface */
	if (cli_check_ifname(ifname, 0))
		return 2;
	pid = instance_lock_holder(ifname);
	if (!pid) {
		log_error("no edgewatch is running on %s", ifname);
		return 1;
	}
	if (reload_answer_read(ifname, pid, &before))
		before.seq = 0;
	if (kill(pid, SIGHUP)) {
		log_error("cannot signal pid %d: %s", (int)pid, strerror(errno));
		return 1;
	}
	/* its answer to this SIGHUP (or to one sent at the same time: they read one file) */
	deadline = now_ms() + RELOAD_WAIT_MS;
	while (reload_answer_read(ifname, pid, &after) || after.seq <= before.seq) {
		if (now_ms() >= deadline) {
			log_error("edgewatch (pid %d) on %s did not answer the reload within %d s; "
				  "its log says how it went", (int)pid, ifname,
				  RELOAD_WAIT_MS / 1000);
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	if (!after.accepted) {
		log_error("edgewatch (pid %d) on %s refused the reload; the running policy "
			  "and rules stay:\n%s", (int)pid, ifname, after.text);
		return 1;
	}
	if (after.text[0])
		log_warn("edgewatch (pid %d) on %s reloaded, with warnings:\n%s", (int)pid,
			 ifname, after.text);
	printf("edgewatch (pid %d) on %s reloaded its configuration\n", (int)pid, ifname);
	return 0;
}
