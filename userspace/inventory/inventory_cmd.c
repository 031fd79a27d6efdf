// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `edgewatch inventory EVE_FILE... [--json]`: the services the EVE files' `inventory`
 * events describe (the latest event of each server address, port and protocol wins), sorted
 * by risk. So a replay of last week's capture gives last week's edge. Files plain or
 * gzip (rotated EVE files), read in the order given.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <zlib.h>
#include <json-c/json.h>

#include "inventory/inventory_cmd.h"
#include "log.h"
#include "status_socket.h"

/* An EVE line is at most 64 KiB (EVE_STATS_LINE_MAX); longer ones are not events. */
#define LINE_MAX_BYTES (64 * 1024 + 2)

/* Risk: the flags weighted so that one flag outranks any mix of lesser flags on another
 * service (powers of two: 32 > 16 + 8 + 4 + 2 + 1). */
static const struct {
	const char *flag;
	int weight;
} risk_weights[] = {
	{ "known_exploited", 32 }, { "end_of_life", 16 }, { "mgmt_exposed", 8 },
	{ "cleartext_mgmt", 4 }, { "cert_expired", 2 }, { "cert_self_signed", 1 },
};

struct service {
	char key[96];			/* "dest_ip|dest_port|proto" */
	struct json_object *event;	/* the latest inventory event */
	int risk;
	UT_hash_handle hh;
};

static int risk_of(struct json_object *inv)
{
	struct json_object *flags;
	size_t i, j;
	int risk = 0;

	if (!json_object_object_get_ex(inv, "flags", &flags) ||
	    !json_object_is_type(flags, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(flags, i));

		for (j = 0; f && j < sizeof(risk_weights) / sizeof(risk_weights[0]); j++)
			if (!strcmp(f, risk_weights[j].flag))
				risk += risk_weights[j].weight;
	}
	return risk;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* One EVE line: kept when it is an inventory event. 0, or 1 when it is not JSON. */
static int take_line(struct service **table, const char *line)
{
	struct json_object *ev = json_tokener_parse(line), *inv;
	struct service *s;
	char key[96];

	if (!ev)
		return 1;
	if (strcmp(str_of(ev, "event_type"), "inventory") ||
	    !json_object_object_get_ex(ev, "inventory", &inv)) {
		json_object_put(ev);
		return 0;
	}
	snprintf(key, sizeof(key), "%s|%s|%s", str_of(ev, "dest_ip"), str_of(ev, "dest_port"),
		 str_of(ev, "proto"));
	HASH_FIND_STR(*table, key, s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			json_object_put(ev);
			return 0;
		}
		snprintf(s->key, sizeof(s->key), "%s", key);
		HASH_ADD_STR(*table, key, s);
	}
	json_object_put(s->event);
	s->event = ev;
	s->risk = risk_of(inv);
	return 0;
}

/* 0, or -1 when the file could not be read (logged). Lines not JSON are counted. */
static int read_file(struct service **table, const char *path, char *line,
		     unsigned long *bad_lines)
{
	gzFile gz = gzopen(path, "rb");
	unsigned long lineno = 0;

	if (!gz) {
		log_error("%s: cannot open: %m", path);
		return -1;
	}
	while (gzgets(gz, line, LINE_MAX_BYTES)) {
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] != '\n' && !gzeof(gz)) {
			/* longer than any EVE line: skip to its end */
			int c;

			while ((c = gzgetc(gz)) != -1 && c != '\n')
				;
			log_warn("%s:%lu: longer than %d bytes: not an EVE line, skipped", path,
				 lineno, LINE_MAX_BYTES - 2);
			(*bad_lines)++;
			continue;
		}
		if (len <= 1)
			continue;
		if (take_line(table, line)) {
			if (*bad_lines < 5)
				log_warn("%s:%lu: not JSON, skipped", path, lineno);
			(*bad_lines)++;
		}
	}
	gzclose(gz);
	return 0;
}

static int by_risk(const void *a, const void *b)
{
	const struct service *x = *(const struct service *const *)a;
	const struct service *y = *(const struct service *const *)b;

	if (x->risk != y->risk)
		return y->risk - x->risk;
	return strcmp(x->key, y->key);
}

static void print_table(struct service **sorted, size_t n)
{
	size_t i;

	printf("%-4s %-40s %-5s %-7s %-18s %-12s %-8s %s\n", "RISK", "SERVER", "PROTO", "SERVICE",
	       "PRODUCT", "VERSION", "CLIENTS", "FLAGS / END OF LIFE / CVES");
	for (i = 0; i < n; i++) {
		struct json_object *ev = sorted[i]->event, *inv, *arr;
		char server[64], clients[24];
		size_t j;

		json_object_object_get_ex(ev, "inventory", &inv);
		snprintf(server, sizeof(server), "%s:%s", str_of(ev, "dest_ip"),
			 str_of(ev, "dest_port"));
		snprintf(clients, sizeof(clients), "%s/%s", str_of(inv, "clients"),
			 str_of(inv, "clients_outside_home_net"));
		printf("%-4d %-40s %-5s %-7s %-18s %-12s %-8s", sorted[i]->risk, server,
		       str_of(ev, "proto"), str_of(inv, "service"), str_of(inv, "product"),
		       str_of(inv, "version"), clients);
		if (json_object_object_get_ex(inv, "flags", &arr))
			for (j = 0; j < json_object_array_length(arr); j++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(arr, j)));
		if (*str_of(inv, "end_of_life"))
			printf(" eol:%s", str_of(inv, "end_of_life"));
		if (json_object_object_get_ex(inv, "cves", &arr))
			for (j = 0; j < json_object_array_length(arr); j++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(arr, j)));
		printf("\n");
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch inventory EVE_FILE... [--json]\n"
		"       edgewatch inventory -i IFACE [--json]\n\n"
		"The services the EVE files' inventory events describe (the latest event of each\n"
		"server address, port and protocol), or the running instance on IFACE holds\n"
		"now, sorted by risk: known_exploited 32, end_of_life 16, mgmt_exposed 8,\n"
		"cleartext_mgmt 4, cert_expired 2, cert_self_signed 1. Files plain or gzip.\n\n"
		"OPTIONS:\n"
		"  -i, --interface IFACE\n"
		"              the table of the instance running on IFACE now (through its\n"
		"              status socket, /run/edgewatch/IFACE.sock: root or the group\n"
		"              edgewatch)\n"
		"  --json      one JSON object per service (its latest inventory event, with\n"
		"              \"risk\"), in the same order\n"
		"  -h, --help  this text\n\n"
		"EXAMPLES:\n"
		"  edgewatch replay last-week.pcap -o week.json && edgewatch inventory week.json\n"
		"  edgewatch inventory /var/log/edgewatch/eve.json* --json\n"
		"  edgewatch inventory -i wan0\n");
}

/* -i IFACE: ask the running instance (status_socket.h); the exit status. */
static int query_instance(const char *iface, int json)
{
	char path[128] = "?";
	int err;

	status_socket_path(iface, path, sizeof(path));
	fflush(stdout);
	err = status_socket_ask(iface, json ? "inventory --json\n" : "inventory\n");
	/* an empty answer: with --json an empty table is no line at all (the table mode
	 * always has its header); an instance stopping closes its socket first (-ENOENT) */
	if (!err || (err == -EIO && json))
		return 0;
	if (err == -ENOENT)
		log_error("inventory: no edgewatch instance runs on %s (nothing listens on %s)",
			  iface, path);
	else if (err == -EACCES)
		log_error("inventory: %s: permission denied (root, or a member of the group "
			  "\"%s\", may ask)", path, STATUS_GROUP);
	else
		log_error("inventory: %s: %s", path, strerror(-err));
	return 1;
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct service *table = NULL, *s, *tmp, **sorted = NULL;
	unsigned long bad_lines = 0;
	const char *iface = NULL;
	int json = 0, c, i, rc = 0;
	char *line = NULL;
	size_t n = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hi:", opts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 'i') {
			iface = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (iface && optind < argc) {
		log_error("inventory: -i IFACE or EVE files, not both");
		usage(stderr);
		return 2;
	}
	if (iface)
		return query_instance(iface, json);
	if (optind >= argc) {
		log_error("inventory: name the EVE files to read, or -i IFACE for a running "
			  "instance");
		usage(stderr);
		return 2;
	}
	line = malloc(LINE_MAX_BYTES);
	if (!line)
		return 1;
	for (i = optind; i < argc; i++)
		if (read_file(&table, argv[i], line, &bad_lines))
			rc = 1;
	free(line);
	if (bad_lines)
		log_warn("inventory: %lu lines were not EVE JSON and were skipped", bad_lines);
	sorted = calloc(HASH_COUNT(table) + 1, sizeof(*sorted));
	if (!sorted) {
		rc = 1;
	} else {
		HASH_ITER(hh, table, s, tmp)
			sorted[n++] = s;
		qsort(sorted, n, sizeof(*sorted), by_risk);
		if (json) {
			for (size_t k = 0; k < n; k++) {
				json_object_object_add(sorted[k]->event, "risk",
						       json_object_new_int(sorted[k]->risk));
				printf("%s\n", json_object_to_json_string_ext(
						       sorted[k]->event, JSON_C_TO_STRING_PLAIN));
			}
		} else {
			print_table(sorted, n);
		}
	}
	free(sorted);
	HASH_ITER(hh, table, s, tmp) {
		HASH_DEL(table, s);
		json_object_put(s->event);
		free(s);
	}
	return rc;
}
