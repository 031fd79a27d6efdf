// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "instance_lock.h"
#include "log.h"
#include "reload.h"

static void reload_usage(FILE *out)
{
	fprintf(out,
		"USAGE: edgewatch reload -i IFACE\n"
		"\n"
		"Ask the instance running on IFACE to read its configuration file again (the\n"
		"same as sending it SIGHUP). The new policy replaces the old one atomically; a\n"
		"file with an error is refused, with file, line and reason in the instance's\n"
		"log, and the running policy stays. Check a file first with check-config.\n"
		"\n"
		"  -i, --interface IFACE   the instance's interface\n"
		"  -h, --help              this help\n"
		"\n"
		"EXAMPLES:\n"
		"  edgewatch check-config /etc/edgewatch/edgewatch.yaml && edgewatch reload -i wan0\n");
}

int cmd_reload(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *ifname = NULL;
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
	if (kill(pid, SIGHUP)) {
		log_error("cannot signal pid %d: %s", (int)pid, strerror(errno));
		return 1;
	}
	printf("asked edgewatch (pid %d) on %s to reload; its log says how it went\n", (int)pid,
	       ifname);
	return 0;
}
