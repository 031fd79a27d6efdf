// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli.h"
#include "counters.h"
#include "datapath_loader.h"
#include "output/event.h"
#include "instance_lock.h"
#include "file_read.h"
#include "log.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "pinned_map.h"
#include "policy/policy_status.h"
#include "flow_table_scan.h"
#include "status.h"
#include "status_socket.h"

#define TOP_TALKERS 10

static void status_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch status [-i IFACE] [--json]\n"
		"\n"
		"Read the pinned maps of running instances (" PIN_ROOT "/IFACE): packet\n"
		"outcomes and verdicts by reason, encapsulations, flow table fill, top talkers,\n"
		"the management policy's decisions by generation, and the exposure inventory\n"
		"(protected addresses whose management ports answered a source not allowed).\n"
		"Without -i, every instance on this machine. Root reads the maps; a member of\n"
		"the group " STATUS_GROUP " asks the instance through " LOCK_DIR "/IFACE.sock\n"
		"(the same output); anyone else is told permission is denied.\n"
		"\n"
		"  -i, --interface IFACE   only this instance\n"
		"      --json              one JSON object per instance\n"
		"  -h, --help              this help\n"
		"\n"
		"EXAMPLES:\n"
		"  edgewatch status\n"
		"  edgewatch status -i wan0 --json | jq .datapath\n"
		"  edgewatch status -i wan0 --json | jq .daemon.stats.flows\n"
		"  edgewatch status -i wan0 --json | jq .policy.exposures\n");
}

struct talker {
	struct flow_key key;
	struct flow_record rec;
	uint64_t bytes;
};

struct table_view {
	uint64_t entries;
	uint32_t max_entries;
	struct talker top[TOP_TALKERS];
	int ntop;
};

/* Keep the TOP_TALKERS flows with the most bytes (insertion into a small sorted array). */
static void consider_talker(struct table_view *tv, const struct flow_key *k,
			    const struct flow_record *r)
{
	uint64_t bytes = r->bytes[0] + r->bytes[1];
	int i;

	if (tv->ntop == TOP_TALKERS && bytes <= tv->top[TOP_TALKERS - 1].bytes)
		return;
	i = tv->ntop < TOP_TALKERS ? tv->ntop++ : TOP_TALKERS - 1;
	for (; i > 0 && tv->top[i - 1].bytes < bytes; i--)
		tv->top[i] = tv->top[i - 1];
	tv->top[i].key = *k;
	tv->top[i].rec = *r;
	tv->top[i].bytes = bytes;
}

static void visit_entry(void *ctx, const struct flow_key *k, const struct flow_record *r)
{
	struct table_view *tv = ctx;

	tv->entries++;
	consider_talker(tv, k, r);
}

static int read_table(int fd, struct table_view *tv)
{
	memset(tv, 0, sizeof(*tv));
	return flow_table_scan(fd, visit_entry, tv, &tv->max_entries);
}

static const char *xdp_mode_of(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex = if_nametoindex(ifname);

	if (!ifindex || bpf_xdp_query(ifindex, 0, &q))
		return "unknown (interface not visible from here)";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offloaded";
	case XDP_ATTACHED_NONE:
		return "not attached";
	default:
		return "multiple";
	}
}

void status_flow_text(const struct flow_key *key, const struct flow_record *rec, char *buf,
		      size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pbuf[8];
	struct flow_endpoints ep;
	int af = key->family == 4 ? AF_INET : AF_INET6;

	flow_endpoints_of(key, rec, &ep);
	inet_ntop(af, ep.src_addr, src, sizeof(src));
	inet_ntop(af, ep.dst_addr, dst, sizeof(dst));
	snprintf(buf, len, "%s %s:%u -> %s:%u", proto_name(key->proto, pbuf), src, ep.src_port,
		 dst, ep.dst_port);
}

static void talker_text(const struct talker *t, char *buf, size_t len)
{
	status_flow_text(&t->key, &t->rec, buf, len);
}

/* The datapath's counters as the stats event renders them (one shape everywhere). */
static struct json_object *counters_json(const struct ew_counters *c)
{
	static char line[16 * JSON_LINE_MAX];
	struct json_object *top, *datapath = NULL;
	struct json_line jl;

	json_line_init(&jl, line, sizeof(line));
	eve_format_counters(&jl, "datapath", c);
	if (json_line_finish(&jl))
		return json_object_new_object();
	jl.buf[jl.len] = '\0';
	top = json_tokener_parse(jl.buf);
	if (top && json_object_object_get_ex(top, "datapath", &datapath))
		json_object_get(datapath);
	json_object_put(top);
	return datapath ? datapath : json_object_new_object();
}

/*
 * The running daemon's latest stats event (output/status_sink.c): the part of the
 * snapshot only the daemon knows. NULL when there is none (not running, or an older
 * build).
 */
struct json_object *status_daemon_snapshot(const char *ifname)
{
	char path[160], why[128];
	struct json_object *event;
	size_t len;
	char *text;

	if (status_snapshot_path(ifname, path, sizeof(path)) ||
	    file_read_whole(path, "stats snapshot", &text, &len, why, sizeof(why)))
		return NULL;
	event = json_tokener_parse(text);
	free(text);
	if (event && !json_object_is_type(event, json_type_object)) {
		json_object_put(event);
		event = NULL;
	}
	return event;
}

uint64_t status_json_u64(struct json_object *o, const char *a, const char *b, const char *c)
{
	struct json_object *x = o;

	if (!x || !json_object_object_get_ex(x, a, &x))
		return 0;
	if (b && !json_object_object_get_ex(x, b, &x))
		return 0;
	if (c && !json_object_object_get_ex(x, c, &x))
		return 0;
	return json_object_get_uint64(x);
}

static struct json_object *status_json(const char *ifname, pid_t pid, const struct ew_counters *c,
				       const struct table_view *tv)
{
	struct json_object *o = json_object_new_object(), *talkers, *daemon;
	char text[160];
	int i;

	json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "running", json_object_new_boolean(pid != 0));
	json_object_object_add(o, "xdp_mode", json_object_new_string(xdp_mode_of(ifname)));
	json_object_object_add(o, "datapath", counters_json(c));
	json_object_object_add(o, "flow_table_entries", json_object_new_uint64(tv->entries));
	json_object_object_add(o, "flow_table_size", json_object_new_uint64(tv->max_entries));
	talkers = json_object_new_array();
	json_object_object_add(o, "top_talkers", talkers);
	for (i = 0; i < tv->ntop; i++) {
		struct json_object *t = json_object_new_object();

		talker_text(&tv->top[i], text, sizeof(text));
		json_object_object_add(t, "flow", json_object_new_string(text));
		json_object_object_add(t, "bytes", json_object_new_uint64(tv->top[i].bytes));
		json_object_object_add(t, "packets",
				       json_object_new_uint64(tv->top[i].rec.packets[0] +
							      tv->top[i].rec.packets[1]));
		json_object_array_add(talkers, t);
	}
	/* the daemon's own account, as its last stats event said it */
	daemon = pid ? status_daemon_snapshot(ifname) : NULL;
	if (daemon)
		json_object_object_add(o, "daemon", daemon);
	return o;
}

/* Sum of a sink's {"flow": n, "alert": n, "stats": n}. */
static uint64_t sum_by_type(struct json_object *by_type)
{
	uint64_t sum = 0;

	json_object_object_foreach(by_type, type, n) {
		(void)type;
		sum += json_object_get_uint64(n);
	}
	return sum;
}

/* stats.outputs: each sink's events taken and refused, and a queue's outcomes. */
static void daemon_outputs_text(struct json_object *stats)
{
	struct json_object *outputs;

	if (!json_object_object_get_ex(stats, "outputs", &outputs))
		return;
	json_object_object_foreach(outputs, sink, account) {
		printf("    output %s:", sink);
		json_object_object_foreach(account, key, value) {
			if (json_object_is_type(value, json_type_object))
				printf(" %s %llu", key, (unsigned long long)sum_by_type(value));
			else
				printf(", %s %llu", key,
				       (unsigned long long)json_object_get_uint64(value));
		}
		printf("\n");
	}
}

/*
 * A flat object of counters (stats.streams, stats.pcap), its non-zero ones, by name: the
 * losses among them (gaps, overflows, conflicts, failures) are named by their keys. Left
 * out when the object is absent (the feature is off).
 */
static void daemon_counters_text(struct json_object *stats, const char *key, const char *title)
{
	struct json_object *o;
	const char *sep = "";

	if (!json_object_object_get_ex(stats, key, &o) || !json_object_is_type(o, json_type_object))
		return;
	printf("    %s:", title);
	json_object_object_foreach(o, name, value) {
		if (!json_object_is_type(value, json_type_int) || !json_object_get_uint64(value))
			continue;
		printf("%s %s %llu", sep, name, (unsigned long long)json_object_get_uint64(value));
		sep = ",";
	}
	printf("%s\n", *sep ? "" : " all 0");
}

/* stats.anomaly.detectors: each detector's state, and the records it could not judge. */
static void daemon_anomaly_text(struct json_object *stats)
{
	struct json_object *anomaly, *detectors;

	if (!json_object_object_get_ex(stats, "anomaly", &anomaly) ||
	    !json_object_object_get_ex(anomaly, "detectors", &detectors))
		return;
	json_object_object_foreach(detectors, name, d) {
		printf("    anomaly %s: %llu alerts, %llu tracked, %llu evicted, %llu late (not "
		       "judged)\n", name,
		       (unsigned long long)status_json_u64(d, "alerts", NULL, NULL),
		       (unsigned long long)status_json_u64(d, "tracked", NULL, NULL),
		       (unsigned long long)status_json_u64(d, "evicted", NULL, NULL),
		       (unsigned long long)status_json_u64(d, "late", NULL, NULL));
	}
}

/* What the daemon's last stats event says that the pinned maps cannot. */
static void daemon_text(const char *ifname)
{
	struct json_object *event = status_daemon_snapshot(ifname), *stats, *exported, *ts;
	struct json_object *inventory;
	const char *sep = "";

	if (!event)
		return;
	if (!json_object_object_get_ex(event, "stats", &stats) ||
	    !json_object_object_get_ex(event, "timestamp", &ts))
		goto cleanup;
	printf("  as of the daemon's last stats event (%s):\n", json_object_get_string(ts));
	printf("    flows exported:");
	if (json_object_object_get_ex(stats, "flows", &exported) &&
	    json_object_object_get_ex(exported, "exported", &exported)) {
		json_object_object_foreach(exported, reason, count) {
			printf("%s %s %llu", sep, reason,
			       (unsigned long long)json_object_get_uint64(count));
			sep = ",";
		}
	}
	printf("; %llu packets\n",
	       (unsigned long long)status_json_u64(stats, "flows", "packets_exported", NULL));
	printf("    EVE: %llu lines written, %llu lost\n",
	       (unsigned long long)status_json_u64(stats, "eve", "events_written", NULL),
	       (unsigned long long)status_json_u64(stats, "eve", "write_errors", NULL));
	printf("    samples: %llu read, %llu scanned, %llu dropped (queue full); rules: %llu "
	       "loaded (generation %llu; reloads %llu ok, %llu failed), %llu alerts\n",
	       (unsigned long long)status_json_u64(stats, "samples", "read", NULL),
	       (unsigned long long)status_json_u64(stats, "samples", "scanned", NULL),
	       (unsigned long long)status_json_u64(stats, "samples", "dropped_queue_full", NULL),
	       (unsigned long long)status_json_u64(stats, "rules", "loaded", NULL),
	       (unsigned long long)status_json_u64(stats, "rules", "generation", NULL),
	       (unsigned long long)status_json_u64(stats, "rules", "reloads", "ok"),
	       (unsigned long long)status_json_u64(stats, "rules", "reloads", "failed"),
	       (unsigned long long)status_json_u64(stats, "rules", "alerts", NULL));
	daemon_counters_text(stats, "streams", "stream windows");
	daemon_counters_text(stats, "pcap", "packet evidence");
	daemon_outputs_text(stats);
	daemon_anomaly_text(stats);
	daemon_counters_text(stats, "inventory", "inventory");
	daemon_counters_text(stats, "kernel", "kernel memory (bytes) and clock");
	if (json_object_object_get_ex(stats, "inventory", &inventory))	/* services by flag */
		daemon_counters_text(inventory, "flagged", "inventory services flagged");
cleanup:
	json_object_put(event);
}

static void status_text(const char *ifname, pid_t pid, const struct ew_counters *c,
			const struct table_view *tv)
{
	char text[160];
	int hook, id, i;

	printf("%s: %s, XDP %s\n", ifname, pid ? "running" : "NOT RUNNING (stale pins)",
	       xdp_mode_of(ifname));
	if (pid)
		printf("  pid %d\n", (int)pid);
	printf("  flow table: %llu of %u slots (%.1f%%)\n", (unsigned long long)tv->entries,
	       tv->max_entries, tv->max_entries ? 100.0 * tv->entries / tv->max_entries : 0.0);
	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		printf("  %s: %llu packets seen\n", hook_name(hook),
		       (unsigned long long)c->count[hook][EW_CNT_PKT_SEEN]);
		for (id = 1; id < EW_CNT_MAX; id++) {
			if (!c->count[hook][id])
				continue;
			printf("    %-8s %-26s %llu\n", counter_group_name(counter_group_of(id)),
			       counter_name(id), (unsigned long long)c->count[hook][id]);
		}
	}
	if (tv->ntop)
		printf("  top talkers (bytes, packets):\n");
	for (i = 0; i < tv->ntop; i++) {
		talker_text(&tv->top[i], text, sizeof(text));
		printf("    %12llu %10llu  %s\n", (unsigned long long)tv->top[i].bytes,
		       (unsigned long long)(tv->top[i].rec.packets[0] + tv->top[i].rec.packets[1]),
		       text);
	}
	if (pid)
		daemon_text(ifname);
}

static int status_via_socket(const char *ifname, int as_json)
{
	int err = status_socket_query(ifname, as_json);

	if (err == -EACCES || err == -EPERM)
		log_error("%s: permission denied: run as root or as a member of the %s group",
			  ifname, STATUS_GROUP);
	else if (err == -ENOENT)
		log_error("no edgewatch instance on %s", ifname);
	else if (err)
		log_error("%s: no answer from the instance: %s", ifname, strerror(-err));
	return err;
}

/* Not root, and PIN_ROOT is root's: every instance that listens for status. */
static int status_all_via_sockets(int as_json, int *shown)
{
	struct dirent *de;
	char ifname[32];
	int failed = 0;
	size_t len;
	DIR *dir = opendir(LOCK_DIR);

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		if (len <= 5 || len - 5 >= sizeof(ifname) || strcmp(de->d_name + len - 5, ".sock"))
			continue;
		snprintf(ifname, sizeof(ifname), "%.*s", (int)(len - 5), de->d_name);
		failed |= status_via_socket(ifname, as_json) != 0;
		(*shown)++;
	}
	closedir(dir);
	return failed;
}

static int show_instance(const char *ifname, int as_json)
{
	char dir[128];
	struct ew_counters c;
	struct table_view tv;
	int flows_fd = -1, counters_fd = -1, err;
	pid_t pid = instance_lock_holder(ifname);

	pin_dir_for(ifname, dir, sizeof(dir));
	counters_fd = pinned_map_open(dir, "counters", sizeof(__u32), sizeof(struct ew_counters));
	flows_fd = pinned_map_open(dir, "flows", sizeof(struct flow_key),
				   sizeof(struct flow_record));
	if (counters_fd < 0 || flows_fd < 0) {
		err = counters_fd < 0 ? counters_fd : flows_fd;
		/* not root: the instance answers through its socket (status_socket.h) */
		if ((err == -EACCES || err == -EPERM) && geteuid() != 0)
			err = status_via_socket(ifname, as_json);
		else if (err == -ENOENT)
			log_error("no edgewatch instance on %s (nothing pinned at %s)", ifname,
				  dir);
		else
			log_error("%s: cannot open the pinned maps in %s: %s", ifname, dir,
				  strerror(-err));
		goto cleanup;
	}
	err = counters_read(counters_fd, &c);
	if (!err)
		err = read_table(flows_fd, &tv);
	if (err) {
		log_error("%s: cannot read the pinned maps: %s", ifname, strerror(-err));
		goto cleanup;
	}
	if (as_json) {
		struct json_object *o = status_json(ifname, pid, &c, &tv);

		err = policy_status_json(dir, o);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		status_text(ifname, pid, &c, &tv);
		err = policy_status_print(dir);
	}
	if (err)
		log_error("%s: cannot read the policy's pinned maps: %s", ifname, strerror(-err));
cleanup:
	if (flows_fd >= 0)
		close(flows_fd);
	if (counters_fd >= 0)
		close(counters_fd);
	return err;
}

int cmd_status(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *ifname = NULL;
	struct dirent *de;
	int opt, as_json = 0, shown = 0, failed = 0;
	DIR *dir;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			status_usage(stderr);
			return 2;
		}
	}
	/* the instance may run in another network namespace: the name, not the interface */
	if (ifname && cli_check_ifname(ifname, 0))
		return 2;
	if (ifname)
		return show_instance(ifname, as_json) ? 1 : 0;
	dir = opendir(PIN_ROOT);
	if (!dir && (errno == EACCES || errno == EPERM) && geteuid() != 0) {
		failed = status_all_via_sockets(as_json, &shown);
		if (!shown)
			log_error("no edgewatch instance on this machine answers status (as a user "
				  "other than root, through %s/IFACE.sock)", LOCK_DIR);
		return !shown || failed;
	}
	if (!dir) {
		log_error("no edgewatch instance on this machine (nothing pinned under %s)",
			  PIN_ROOT);
		return 1;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		failed |= show_instance(de->d_name, as_json) != 0;
		shown++;
	}
	closedir(dir);
	if (!shown)
		log_error("no edgewatch instance on this machine");
	return !shown || failed;
}
