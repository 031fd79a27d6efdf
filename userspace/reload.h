/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `edgewatch reload`: ask a running instance to read its configuration again, and wait
 * for its answer. The daemon answers every SIGHUP in /run/edgewatch/IFACE.reload (its
 * pid, a sequence number, accepted or refused, and the reason or the warnings), written
 * whole with a rename, so the command can say how the reload went and exit non-zero
 * when the file was refused.
 */
#ifndef EDGEWATCH_RELOAD_H
#define EDGEWATCH_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

int cmd_reload(int argc, char **argv);

/* The daemon's answer to one reload. */
struct reload_answer {
	uint64_t seq;		/* 1, 2, ... per instance */
	int accepted;
	char text[2048];	/* the reason of a refusal, or the warnings, one a line */
};

/* Write the answer of the instance on ifname (this process). 0 or -errno. */
int reload_answer_publish(const char *ifname, const struct reload_answer *a);
/* Remove it (the instance stops). */
void reload_answer_remove(const char *ifname);

/*
 * Append to a->text one line per setting that fresh changes but that is read only at
 * start (flow.*, sampling.snaplen, the EVE output, ...), naming the key: a reload does
 * not apply them (it does apply rules.* and the variables: the rules are reloaded). eve_override is
 * run's -o (it wins over outputs.eve.path). Returns how many.
 */
int reload_note_start_keys(const struct ew_config *running, const struct ew_config *fresh,
			   const char *eve_override, struct reload_answer *a);

#endif /* EDGEWATCH_RELOAD_H */
