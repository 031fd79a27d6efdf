// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `edgewatch top`: a running instance, live, in a terminal (ncurses), refreshed every
 * second: packets and bits per second in and out, the flow table's fill, the top talkers
 * (by bytes or packets since the last refresh) and the sources with the most flows, the
 * alerts by kind, the exposures, the sample pipeline and every loss counter that is not
 * zero. What it reads is what `status` reads: the pinned maps (root) and the daemon's
 * stats snapshot (output/status_sink.c); the link's bytes from /proc/net/dev (of the
 * network namespace it runs in, as the daemon's interface is).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <uthash.h>

#include "cli.h"
#include "counters.h"
#include "datapath_loader.h"
#include "flow_table_scan.h"
#include "instance_lock.h"
#include "log.h"
#include "output/event.h"	/* flow_endpoints_of */
#include "pinned_map.h"
#include "status.h"
#include "top.h"

#define TOP_ROWS 10
#define TOP_FLOWS_TRACKED 65536	/* previous byte counts kept for rates; past it, none */

enum top_sort { SORT_BYTES, SORT_PACKETS };

/* A flow's counts at the previous refresh, to show what it did since. */
struct flow_prev {
	struct flow_key key;
	uint64_t bytes, packets;
	int seen;		/* in this refresh's scan */
	UT_hash_handle hh;
};

struct source_count {
	uint8_t family;
	uint8_t addr[16];
	uint64_t flows;
	UT_hash_handle hh;
};

struct talker_rate {
	struct flow_key key;
	struct flow_record rec;
	uint64_t bytes, packets;	/* since the previous refresh */
};

struct top_state {
	const char *iface;
	char pin_dir[128];
	int counters_fd, flows_fd;
	enum top_sort sort;
	int paused;
	double interval_s;
	/* previous refresh */
	struct ew_counters prev_counters;
	uint64_t prev_rx_bytes, prev_tx_bytes;
	struct timespec prev_time;
	int have_prev;
	struct flow_prev *prev_flows;
	size_t prev_flow_count;
	/* this refresh */
	uint64_t entries;
	uint32_t max_entries;
	struct talker_rate top[TOP_ROWS];
	int ntop;
	struct source_count *sources;
};

static void top_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch top -i IFACE [--interval SECONDS]\n"
		"\n"
		"A running instance, live: packets and bits per second in and out, the flow\n"
		"table's fill, the top talkers and the sources with the most flows, alerts by\n"
		"kind, the exposures, the sample pipeline and every loss counter that is not\n"
		"zero. Reads the pinned maps (root) and the daemon's stats snapshot.\n"
		"\n"
		"Keys: q quit, p pause/resume, s sort the talkers by bytes or packets.\n"
		"\n"
		"  -i, --interface IFACE   the instance to watch\n"
		"  -n, --interval SECONDS  refresh period (default 1, 0.2..60)\n"
		"  -h, --help              this help\n");
}

/* The interface's received and sent bytes, from /proc/net/dev. 0, or -1 (not found). */
static int link_bytes(const char *iface, uint64_t *rx, uint64_t *tx)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512], name[64];
	unsigned long long r, t, skip;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || colon - line >= (long)sizeof(name))
			continue;
		*colon = ' ';
		/* name rx_bytes rx_packets errs drop fifo frame compressed multicast tx_bytes */
		if (sscanf(line, " %63s %llu %llu %llu %llu %llu %llu %llu %llu %llu", name, &r,
			   &skip, &skip, &skip, &skip, &skip, &skip, &skip, &t) == 10 &&
		    strcmp(name, iface) == 0) {
			*rx = r;
			*tx = t;
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static void consider(struct top_state *st, const struct talker_rate *t)
{
	uint64_t v = st->sort == SORT_BYTES ? t->bytes : t->packets;
	int i;

	if (!v)
		return;
	if (st->ntop == TOP_ROWS &&
	    v <= (st->sort == SORT_BYTES ? st->top[TOP_ROWS - 1].bytes
					  : st->top[TOP_ROWS - 1].packets))
		return;
	i = st->ntop < TOP_ROWS ? st->ntop++ : TOP_ROWS - 1;
	for (; i > 0 && (st->sort == SORT_BYTES ? st->top[i - 1].bytes
						: st->top[i - 1].packets) < v; i--)
		st->top[i] = st->top[i - 1];
	st->top[i] = *t;
}

static void visit(void *ctx, const struct flow_key *k, const struct flow_record *r)
{
	struct top_state *st = ctx;
	struct talker_rate t = { .key = *k, .rec = *r };
	uint64_t bytes = r->bytes[0] + r->bytes[1], packets = r->packets[0] + r->packets[1];
	struct flow_prev *p;
	struct source_count *s;
	struct flow_endpoints ep;
	uint8_t src[17] = {};

	st->entries++;
	HASH_FIND(hh, st->prev_flows, k, sizeof(*k), p);
	if (p) {
		/* a slot reused by a new flow of the same key counts from its start */
		t.bytes = bytes >= p->bytes ? bytes - p->bytes : bytes;
		t.packets = packets >= p->packets ? packets - p->packets : packets;
		p->bytes = bytes;
		p->packets = packets;
		p->seen = 1;
	} else {
		t.bytes = st->have_prev ? bytes : 0;	/* new since the last refresh */
		t.packets = st->have_prev ? packets : 0;
		if (st->prev_flow_count < TOP_FLOWS_TRACKED && (p = calloc(1, sizeof(*p)))) {
			p->key = *k;
			p->bytes = bytes;
			p->packets = packets;
			p->seen = 1;
			HASH_ADD(hh, st->prev_flows, key, sizeof(p->key), p);
			st->prev_flow_count++;
		}
	}
	consider(st, &t);

	flow_endpoints_of(k, r, &ep);
	src[0] = k->family;
	memcpy(src + 1, ep.src_addr, k->family == 4 ? 4 : 16);
	HASH_FIND(hh, st->sources, src, 17, s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return;
		s->family = src[0];
		memcpy(s->addr, src + 1, 16);
		HASH_ADD(hh, st->sources, family, 17, s);
	}
	s->flows++;
}

static int by_flows_desc(struct source_count *a, struct source_count *b)
{
	return a->flows < b->flows ? 1 : a->flows > b->flows ? -1 : 0;
}

static void forget_gone_flows(struct top_state *st)
{
	struct flow_prev *p, *tmp;

	HASH_ITER(hh, st->prev_flows, p, tmp) {
		if (!p->seen) {
			HASH_DEL(st->prev_flows, p);
			free(p);
			st->prev_flow_count--;
		} else {
			p->seen = 0;
		}
	}
}

static void free_sources(struct top_state *st)
{
	struct source_count *s, *tmp;

	HASH_ITER(hh, st->sources, s, tmp) {
		HASH_DEL(st->sources, s);
		free(s);
	}
}

static const char *human_rate(double v, const char *unit, char *buf, size_t len)
{
	const char *prefix[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.1f %s%s", v, prefix[i], unit);
	return buf;
}

/* Alerts by kind, the exposures, the sample pipeline: what the daemon's snapshot says. */
static int draw_daemon(int row, const char *iface)
{
	struct json_object *ev = status_daemon_snapshot(iface), *stats, *x, *y;
	int cols = COLS;

	if (!ev || !json_object_object_get_ex(ev, "stats", &stats)) {
		mvprintw(row++, 0, "(no stats snapshot from the daemon yet)");
		if (ev)
			json_object_put(ev);
		return row;
	}
	attron(A_BOLD);
	mvprintw(row++, 0, "alerts");
	attroff(A_BOLD);
	x = NULL;
	if (json_object_object_get_ex(stats, "policy", &y) &&
	    json_object_object_get_ex(y, "events", &y))
		json_object_object_get_ex(y, "alerts", &x);
	mvprintw(row++, 2, "management policy: %" PRIu64 " violation, %" PRIu64 " exposure, %"
		 PRIu64 " egress   payload rules: %" PRIu64,
		 status_json_u64(x, "mgmt_violation", NULL, NULL),
		 status_json_u64(x, "mgmt_exposure", NULL, NULL),
		 status_json_u64(x, "egress_violation", NULL, NULL),
		 status_json_u64(stats, "rules", "alerts", NULL));
	if (json_object_object_get_ex(stats, "anomaly", &x) &&
	    json_object_object_get_ex(x, "detectors", &x)) {
		int col = 2;

		mvprintw(row, col, "anomaly:");
		col += 9;
		json_object_object_foreach(x, name, det) {
			char cell[64];
			int n = snprintf(cell, sizeof(cell), "%s %" PRIu64 "  ", name,
					 status_json_u64(det, "alerts", NULL, NULL));

			if (col + n >= cols)
				break;
			mvprintw(row, col, "%s", cell);
			col += n;
		}
		row++;
	}
	if (json_object_object_get_ex(stats, "policy", &x) &&
	    json_object_object_get_ex(x, "exposures", &y) && json_object_array_length(y)) {
		size_t i, n = json_object_array_length(y);

		attron(A_BOLD);
		mvprintw(row++, 0, "exposures (protected ports that answered a source not allowed)");
		attroff(A_BOLD);
		for (i = 0; i < n && i < 5; i++)
			mvprintw(row++, 2, "%.*s", cols - 3,
				 json_object_to_json_string_ext(json_object_array_get_idx(y, i),
								JSON_C_TO_STRING_PLAIN));
		if (n > 5)
			mvprintw(row++, 2, "... %zu more (edgewatch status -i %s)", n - 5, iface);
	}
	attron(A_BOLD);
	mvprintw(row++, 0, "samples");
	attroff(A_BOLD);
	mvprintw(row++, 2, "read %" PRIu64 "  scanned %" PRIu64 "  queue %" PRIu64 "/%" PRIu64
		 "  dropped (queue full) %" PRIu64 "  malformed %" PRIu64,
		 status_json_u64(stats, "samples", "read", NULL),
		 status_json_u64(stats, "samples", "scanned", NULL),
		 status_json_u64(stats, "samples", "in_queue", NULL),
		 status_json_u64(stats, "samples", "queue_slots", NULL),
		 status_json_u64(stats, "samples", "dropped_queue_full", NULL),
		 status_json_u64(stats, "samples", "dropped_malformed", NULL));
	json_object_put(ev);
	return row;
}

/* Every loss counter of the datapath that is not zero (no-flow reasons, lost events). */
static int draw_losses(int row, const struct ew_counters *c)
{
	int col = 2, hook, id, any = 0;

	attron(A_BOLD);
	mvprintw(row++, 0, "not zero: losses and packets outside any flow");
	attroff(A_BOLD);
	for (hook = 0; hook < EW_HOOK_MAX; hook++) {
		for (id = EW_CNT_PKT_FLOW + 1; id < EW_CNT_MAX; id++) {
			const char *name = counter_name(id);
			char cell[96];
			int n;

			if (!c->count[hook][id] || !name ||
			    (strncmp(name, "pkt_", 4) && !strstr(name, "lost") &&
			     !strstr(name, "failed") && !strstr(name, "full")))
				continue;
			n = snprintf(cell, sizeof(cell), "%s %s %" PRIu64 "   ",
				     hook ? "egress" : "ingress", name,
				     (uint64_t)c->count[hook][id]);
			if (col + n >= COLS) {
				row++;
				col = 2;
			}
			mvprintw(row, col, "%s", cell);
			col += n;
			any = 1;
		}
	}
	if (!any)
		mvprintw(row, 2, "none");
	return row + 1;
}

/* The first line: the instance, the keys, and whether the screen is paused (drawn
 * alone when p is pressed: a paused screen is not redrawn). */
static void draw_title(const struct top_state *st)
{
	move(0, 0);
	clrtoeol();
	attron(A_BOLD);
	mvprintw(0, 0, "edgewatch top: %s%s   (q quit, p pause, s sort)", st->iface,
		 st->paused ? "   [paused]" : "");
	attroff(A_BOLD);
}

static void draw(struct top_state *st, const struct ew_counters *c, double dt, uint64_t rx,
		 uint64_t tx, int have_link)
{
	char a[32], b[32], text[160];
	double in_pps = 0, out_pps = 0, in_bps = 0, out_bps = 0;
	struct source_count *s;
	int row = 0, i;

	if (st->have_prev && dt > 0) {
		in_pps = (c->count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_SEEN] -
			  st->prev_counters.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_SEEN]) / dt;
		out_pps = (c->count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_SEEN] -
			   st->prev_counters.count[EW_HOOK_TC_EGRESS][EW_CNT_PKT_SEEN]) / dt;
		if (have_link) {
			in_bps = (rx - st->prev_rx_bytes) * 8.0 / dt;
			out_bps = (tx - st->prev_tx_bytes) * 8.0 / dt;
		}
	}
	erase();
	draw_title(st);
	row++;
	mvprintw(row++, 0, "in  %12s %14s", human_rate(in_pps, "pkt/s", a, sizeof(a)),
		 have_link ? human_rate(in_bps, "bit/s", b, sizeof(b)) : "(link not visible)");
	mvprintw(row++, 0, "out %12s %14s", human_rate(out_pps, "pkt/s", a, sizeof(a)),
		 have_link ? human_rate(out_bps, "bit/s", b, sizeof(b)) : "");
	mvprintw(row++, 0, "flows in table: %" PRIu64 " of %u (%.1f%%)   dropped: policy %" PRIu64
		 ", rules %" PRIu64, st->entries, st->max_entries,
		 st->max_entries ? 100.0 * st->entries / st->max_entries : 0.0,
		 (uint64_t)(c->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_POLICY] +
			    c->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_POLICY_NOFLOW]),
		 (uint64_t)c->count[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_DROP_RULE]);
	row++;
	attron(A_BOLD);
	mvprintw(row++, 0, "top talkers (by %s since the last refresh)",
		 st->sort == SORT_BYTES ? "bytes" : "packets");
	attroff(A_BOLD);
	for (i = 0; i < st->ntop; i++) {
		status_flow_text(&st->top[i].key, &st->top[i].rec, text, sizeof(text));
		mvprintw(row++, 2, "%12s %10" PRIu64 " pkt  %.*s",
			 human_rate(st->top[i].bytes / (dt > 0 ? dt : 1) * 8, "bit/s", a, sizeof(a)),
			 st->top[i].packets, COLS > 34 ? COLS - 34 : 0, text);
	}
	if (!st->ntop)
		mvprintw(row++, 2, "(no traffic since the last refresh)");
	attron(A_BOLD);
	mvprintw(row++, 0, "sources with the most flows in the table");
	attroff(A_BOLD);
	HASH_SORT(st->sources, by_flows_desc);
	for (s = st->sources, i = 0; s && i < 5; s = s->hh.next, i++) {
		char addr[INET6_ADDRSTRLEN];

		inet_ntop(s->family == 4 ? AF_INET : AF_INET6, s->addr, addr, sizeof(addr));
		mvprintw(row++, 2, "%8" PRIu64 " flows  %s", s->flows, addr);
	}
	row = draw_daemon(row, st->iface);
	draw_losses(row, c);
	refresh();
}

static int refresh_once(struct top_state *st)
{
	struct ew_counters c;
	struct timespec now;
	uint64_t rx = 0, tx = 0;
	double dt;
	int have_link, err;

	err = counters_read(st->counters_fd, &c);
	if (err)
		return err;
	st->entries = 0;
	st->ntop = 0;
	free_sources(st);
	err = flow_table_scan(st->flows_fd, visit, st, &st->max_entries);
	if (err)
		return err;
	forget_gone_flows(st);
	have_link = link_bytes(st->iface, &rx, &tx) == 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (now.tv_sec - st->prev_time.tv_sec) + (now.tv_nsec - st->prev_time.tv_nsec) / 1e9;
	draw(st, &c, dt, rx, tx, have_link);
	st->prev_counters = c;
	st->prev_rx_bytes = rx;
	st->prev_tx_bytes = tx;
	st->prev_time = now;
	st->have_prev = 1;
	return 0;
}

int cmd_top(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "interval", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct top_state st = { .counters_fd = -1, .flows_fd = -1, .interval_s = 1.0 };
	struct flow_prev *p, *tmp;
	int opt, err = 0, key;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:n:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			/* the instance may run in another network namespace: the name only */
			if (cli_check_ifname(optarg, 0))
				return 2;
			st.iface = optarg;
			break;
		case 'n':
			st.interval_s = strtod(optarg, &end);
			if (*end || st.interval_s < 0.2 || st.interval_s > 60) {
				log_error("top: --interval %s: a number of seconds, 0.2..60", optarg);
				return 2;
			}
			break;
		case 'h':
			top_usage(stdout);
			return 0;
		default:
			top_usage(stderr);
			return 2;
		}
	}
	if (!st.iface || optind != argc) {
		log_error("top: %s", st.iface ? "unexpected arguments" : "which instance? -i IFACE");
		top_usage(stderr);
		return 2;
	}
	pin_dir_for(st.iface, st.pin_dir, sizeof(st.pin_dir));
	st.counters_fd = pinned_map_open(st.pin_dir, "counters", sizeof(__u32),
					 sizeof(struct ew_counters));
	st.flows_fd = pinned_map_open(st.pin_dir, "flows", sizeof(struct flow_key),
				      sizeof(struct flow_record));
	if (st.counters_fd < 0 || st.flows_fd < 0) {
		err = st.counters_fd < 0 ? st.counters_fd : st.flows_fd;
		log_error("top: %s: %s", st.iface,
			  err == -ENOENT ? "no edgewatch instance there (nothing pinned)"
			  : err == -EACCES || err == -EPERM
				  ? "the pinned maps are root's (edgewatch status works through the "
				    "instance's socket for the edgewatch group)"
				  : strerror(-err));
		goto cleanup;
	}
	if (!initscr()) {
		log_error("top: cannot set up the terminal (TERM=%s)", getenv("TERM"));
		err = -ENOTTY;
		goto cleanup;
	}
	cbreak();
	noecho();
	curs_set(0);
	clock_gettime(CLOCK_MONOTONIC, &st.prev_time);
	for (;;) {
		if (!st.paused) {
			err = refresh_once(&st);
			if (err)
				break;
		}
		timeout((int)(st.interval_s * 1000));
		key = getch();
		if (key == 'q' || key == 'Q')
			break;
		if (key == 'p' || key == 'P' || key == ' ') {
			st.paused = !st.paused;
			draw_title(&st);
			refresh();
		}
		if (key == 's' || key == 'S')
			st.sort = st.sort == SORT_BYTES ? SORT_PACKETS : SORT_BYTES;
	}
	endwin();
	if (err)
		log_error("top: %s: cannot read the pinned maps: %s (did the instance stop?)",
			  st.iface, strerror(-err));
cleanup:
	HASH_ITER(hh, st.prev_flows, p, tmp) {
		HASH_DEL(st.prev_flows, p);
		free(p);
	}
	free_sources(&st);
	if (st.counters_fd >= 0)
		close(st.counters_fd);
	if (st.flows_fd >= 0)
		close(st.flows_fd);
	return err ? 1 : 0;
}
