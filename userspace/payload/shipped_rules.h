/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rules shipped with edgewatch, used without being configured (issue 10: a new user's
 * `edgewatch replay attack.pcap` finds what the rules find). Where they are is found from
 * the binary's own path, so an installed and a source-tree edgewatch each find theirs:
 *   PREFIX/sbin/edgewatch      -> PREFIX/share/edgewatch/rules   (make install, the .deb)
 *   .output/edgewatch          -> rules/                         (a build in the tree)
 *   .output/asan/edgewatch     -> rules/
 * EDGEWATCH_RULES_DIR overrides the search (empty: no shipped rules; the test suite sets
 * it so that its captures are judged by the rules each test names).
 */
#ifndef EDGEWATCH_PAYLOAD_SHIPPED_RULES_H
#define EDGEWATCH_PAYLOAD_SHIPPED_RULES_H

#include <stddef.h>

struct ew_config;

/* The directory of the shipped rules (holding classification.config and *.rules) into
 * buf. 0, or -ENOENT (none found, or EDGEWATCH_RULES_DIR is empty). */
int shipped_rules_dir(char *buf, size_t len);

/*
 * Fill in what the configuration leaves to the shipped rules: rules.files when the file
 * did not set it (not even to []), rules.classification when not set, and rules.cache-dir
 * for the shipped rules (/var/cache/edgewatch when installed and writable, else
 * rule-cache/ beside a binary in the source tree). Logs what it chose unless quiet
 * (check-config's summary says it). 0 or -ENOMEM.
 */
int shipped_rules_apply(struct ew_config *cfg, int quiet);

#endif /* EDGEWATCH_PAYLOAD_SHIPPED_RULES_H */
