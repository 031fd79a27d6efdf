/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The payload rules a configuration names (rules.files, .classification, .cache-dir,
 * .skip-unsupported, and the rule variables from home-net, external-net and vars:),
 * loaded at start and by each reload. Every problem is logged as FILE:LINE:COL: error|skipped:
 * KEYWORD: REASON, the way `edgewatch rules check` prints it.
 */
#ifndef EDGEWATCH_LOTL_RULES_CONFIG_H
#define EDGEWATCH_LOTL_RULES_CONFIG_H

#include <stddef.h>

#include "config/config.h"
#include "rules/rules.h"

/* What the load said, for the stats event. */
struct rules_load_summary {
	size_t files;
	size_t loaded;
	size_t skipped;
	size_t no_prefilter;
	int cache_hit;
};

/*
 * Load cfg's rules. 0 and *out (NULL when cfg names no rule file: no payload rules), or
 * -errno after logging why (a bad variable, a rule error, an unreadable file); why (may
 * be NULL) then holds the errors, one a line, as much of them as fits in why_len.
 */
int rules_load_from_config(const struct ew_config *cfg, struct ruleset **out,
			   struct rules_load_summary *summary, char *why, size_t why_len);

#endif /* EDGEWATCH_LOTL_RULES_CONFIG_H */
