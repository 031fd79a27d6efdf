/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload rules: a documented subset of the Suricata rule language, compiled into one
 * Hyperscan database, matched against the payload samples the datapath sends.
 *
 * Lifecycle: rule_vars_new() + rule_vars_set_*() from the config -> ruleset_load()
 * (parse, compile or load the cached database) -> per worker thread scan_ctx_new()
 * -> ruleset_scan() per sample -> scan_ctx_free() / ruleset_free().
 */
#ifndef EDGEWATCH_RULES_H
#define EDGEWATCH_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"	/* enum ew_action: a drop rule in enforce mode drops the rest of
			 * the flow in XDP */

struct rule_vars;
struct ruleset;
struct scan_ctx;
struct http_request;	/* rules/http.h */

/* One problem found while loading: an error, or a rule skipped (--skip-unsupported). */
struct rules_problem {
	char file[256];
	int line;		/* 1-based */
	int column;		/* 1-based, 0 if not known */
	char keyword[64];	/* the offending keyword, "" if none */
	char message[256];	/* why */
	int skipped;		/* 1: the rule was skipped (skip_unsupported); 0: an error */
};

struct rules_report {
	struct rules_problem *problems;
	size_t count;
	size_t loaded;		/* rules loaded */
	size_t skipped;		/* rules skipped because of a problem (skip_unsupported) */
	int cache_hit;		/* the compiled database came from the cache */
	size_t no_prefilter;	/* loaded rules with nothing Hyperscan can prefilter on (no
				 * positive content, no Hyperscan-compilable pcre): they are
				 * confirmed on every sample their header admits */
};

struct rule_metadata {
	const char *key;
	const char *value;
};

/* What an alert needs to say about the rule that fired. Owned by the ruleset. */
struct rule_info {
	uint32_t gid;
	uint32_t sid;
	uint32_t rev;
	enum ew_action action;
	const char *msg;
	const char *classtype;		/* "" if none */
	const char *category;		/* classification description, "" if none */
	int severity;			/* priority: rule's, else the classtype's, else 3 */
	const struct rule_metadata *metadata;
	size_t metadata_count;
	const char *const *references;	/* "cve,2021-44228", "url,..." as written */
	size_t reference_count;
	const char *file;		/* where the rule came from */
	int line;
};

/* Variables ($HOME_NET, $HTTP_PORTS, ...). Values use rule syntax: "[198.18.0.0/15,!1.2.3.4]". */
struct rule_vars *rule_vars_new(void);
void rule_vars_free(struct rule_vars *vars);
/*
 * 0, or -EINVAL with *why set to a static message (valid until the next call in the same
 * thread). rule_vars_new() starts with Suricata's default groups (HOME_NET, EXTERNAL_NET,
 * HTTP_PORTS, ...: userspace/rules/README.md); setting a name again replaces its value.
 */
int rule_vars_set_address(struct rule_vars *vars, const char *name, const char *value,
			  const char **why);
int rule_vars_set_port(struct rule_vars *vars, const char *name, const char *value,
		       const char **why);
/*
 * Expand variable name with every variable set (they may refer to each other, so this is
 * done once all are set) and check what a rule using it would build: at most 8192 items
 * (variables that list each other multiply). 0; -E2BIG with *why (static, as above) when
 * it is too large. Other problems (an unknown variable it names) are left to the rules
 * that use it: 0.
 */
int rule_vars_check_expansion(const struct rule_vars *vars, const char *name, const char **why);

struct ruleset_options {
	const char *classification_file;	/* NULL: rules/classification.config */
	const char *cache_dir;			/* NULL: no cache */
	int skip_unsupported;			/* load the rest, report what was skipped */
};

/*
 * Load, parse and compile rule files. Returns 0 and *out, or a negative errno with
 * every problem in report (file, line, column, keyword, reason). With
 * skip_unsupported, rules with problems are skipped (and reported) instead.
 */
int ruleset_load(struct ruleset **out, const char *const *files, size_t nfiles,
		 const struct rule_vars *vars, const struct ruleset_options *opts,
		 struct rules_report *report);
/* Like ruleset_load, for rule text in memory; name stands for the file in problems. */
int ruleset_load_text(struct ruleset **out, const char *name, const char *text, size_t len,
		      const struct rule_vars *vars, const struct ruleset_options *opts,
		      struct rules_report *report);
void ruleset_free(struct ruleset *rs);
void rules_report_free(struct rules_report *report);
size_t ruleset_count(const struct ruleset *rs);
/* The index-th loaded rule (file order), NULL past the end. */
const struct rule_info *ruleset_rule(const struct ruleset *rs, size_t index);

/* What a sample is: a payload and the packet/flow it came from. */
struct scan_input {
	const uint8_t *payload;		/* L4 payload (may be cut at the snap length) */
	uint32_t len;			/* bytes in payload */
	uint32_t orig_len;		/* L4 payload length on the wire (dsize) */
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, ... */
	uint8_t family;			/* 4 or 6 */
	uint8_t to_server;		/* 1: sent by the flow's initiator */
	uint8_t established;		/* flow: established (TCP handshake seen) */
	uint8_t src_addr[16];		/* the packet's source (IPv4: first 4 bytes) */
	uint8_t dst_addr[16];
	uint16_t src_port;		/* host order */
	uint16_t dst_port;
};

/* Called once per rule that matched; return nonzero to stop scanning. */
typedef int (*scan_match_fn)(const struct rule_info *rule, const struct scan_input *in,
			     const struct http_request *http, void *user);

struct scan_ctx *scan_ctx_new(const struct ruleset *rs);	/* one per thread */
void scan_ctx_free(struct scan_ctx *ctx);
/* Match one sample. http is parsed when the sample is an HTTP request. 0 or -errno. */
int ruleset_scan(const struct ruleset *rs, struct scan_ctx *ctx, const struct scan_input *in,
		 scan_match_fn on_match, void *user);

/* What a scan context did, so that nothing it could not fully handle goes unseen. */
struct scan_stats {
	uint64_t samples;		/* ruleset_scan calls */
	uint64_t http_requests;		/* samples parsed as an HTTP request */
	uint64_t http_truncated;	/* ... of which the sample ended inside the headers */
	uint64_t candidates;		/* rules confirmed after the prefilter */
	uint64_t matches;		/* rules that matched (callbacks made) */
	uint64_t budget_exhausted;	/* confirmations given up: backtracking budget spent */
	uint64_t pcre_errors;		/* PCRE2 match errors (match/depth limit...) */
	uint64_t scan_errors;		/* Hyperscan scan errors (sample not prefiltered) */
};
/* The counters of one context (add them up over the worker threads). */
void scan_ctx_stats(const struct scan_ctx *ctx, struct scan_stats *out);

#endif /* EDGEWATCH_RULES_H */
