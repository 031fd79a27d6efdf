/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy part of `edgewatch status`, read from a running instance's pinned maps:
 * the exposure inventory (`exposures`) and the decision counters per generation
 * (`policy_decisions`, one slot per generation modulo EW_POLICY_GEN_SLOTS).
 */
#ifndef EDGEWATCH_POLICY_STATUS_H
#define EDGEWATCH_POLICY_STATUS_H

#include <json-c/json.h>

/* Add "policy": {"decisions": [...], "exposures": [...]} to o. 0 or -errno. */
int policy_status_json(const char *pin_dir, struct json_object *o);
/* The same as indented text on stdout. 0 or -errno. */
int policy_status_print(const char *pin_dir);

#endif /* EDGEWATCH_POLICY_STATUS_H */
