// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* edgewatch: flow accounting and edge-device protection on an uplink, with XDP and tc. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check_config.h"
#include "inventory/inventory_cmd.h"
#include "log.h"
#include "logcmd/log_cmd.h"
#include "reload.h"
#include "replay.h"
#include "rules/rules_cmd.h"
#include "run.h"
#include "status.h"
#include "top.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "watch an uplink live (XDP ingress + tc egress)" },
	{ "status", cmd_status, "counters, flow table and top talkers of running instances" },
	{ "top", cmd_top, "a running instance, live, in the terminal (ncurses)" },
	{ "replay", cmd_replay, "run the same programs over pcap/pcapng captures" },
	{ "reload", cmd_reload, "make a running instance read its configuration again" },
	{ "check-config", cmd_check_config, "validate a configuration file (no kernel needed)" },
	{ "rules", cmd_rules, "rules check [FILE...]: validate rule files" },
	{ "log", cmd_log, "log keygen KEYFILE, log verify: sealed EVE files" },
	{ "inventory", cmd_inventory, "the edge's services from EVE files, sorted by risk" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "USAGE: edgewatch COMMAND [OPTIONS]\n\nCOMMANDS:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-14s %s\n", "--version", "version, git revision, BPF object hash, libraries");
	fprintf(out, "\n'edgewatch COMMAND --help' describes each command.\n"
		     "\nEXAMPLES:\n"
		     "  edgewatch run -i wan0 -o /var/log/edgewatch/eve.json\n"
		     "  edgewatch status -i wan0\n"
		     "  edgewatch top -i wan0\n"
		     "  edgewatch replay capture.pcap > eve.json\n"
		     "  edgewatch check-config /etc/edgewatch/edgewatch.yaml\n"
		     "  edgewatch rules check rules/*.rules\n"
		     "  edgewatch log verify --key seal.key.pub eve.json\n"
		     "  edgewatch inventory eve.json\n");
}

int main(int argc, char **argv)
{
	size_t i;

	log_setup_libbpf();
	/* EVE to a pipe (`-o -` into a log shipper that restarts): a write error to count,
	 * not a signal that kills the daemon before it flushes and detaches */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		edgewatch_print_version(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	log_error("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return 2;
}
