/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rules engine's inside: how a parsed rule is represented, shared by the parser
 * (rule_parse.c, rule_options.c, rule_content.c), the Hyperscan database builder
 * (rule_db.c, rule_cache.c) and the matcher (rule_match.c, ruleset_scan.c).
 */
#ifndef EDGEWATCH_RULES_INTERNAL_H
#define EDGEWATCH_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <hs/hs.h>
#include <stdbool.h>

#include "rules/rules.h"

/* The buffers a content or pcre can inspect. */
enum rule_buffer {
	RULE_BUF_PAYLOAD = 0,	/* the L4 payload (pkt_data) */
	RULE_BUF_HTTP_METHOD,
	RULE_BUF_HTTP_URI,	/* normalised */
	RULE_BUF_HTTP_URI_RAW,
	RULE_BUF_HTTP_USER_AGENT,
	RULE_BUF_HTTP_HOST,	/* normalised: lower case, no port */
	RULE_BUF_HTTP_HEADER,
	RULE_BUF_HTTP_BODY,
	RULE_BUF_COUNT,
};

/* Name of a buffer as its sticky-buffer keyword ("http.uri"). */
const char *rule_buffer_name(enum rule_buffer buffer);

enum rule_proto {
	RULE_PROTO_IP = 0,	/* any IP protocol */
	RULE_PROTO_TCP,
	RULE_PROTO_UDP,
	RULE_PROTO_ICMP,	/* ICMP and ICMPv6 */
	RULE_PROTO_HTTP,	/* TCP payload that parses as an HTTP request */
};

/*
 * One node of an address or port list: "any", a range, or a nested list; each possibly
 * negated. Addresses and ports share the representation: a range is [lo, hi] of
 * big-endian keys (IPv4: 4 bytes, IPv6: 16, port: 2).
 */
enum list_node_kind {
	LIST_NODE_ANY = 0,
	LIST_NODE_RANGE,
	LIST_NODE_GROUP,
};

struct list_node {
	enum list_node_kind kind;
	uint8_t negated;
	uint8_t family;		/* 4 or 6 for addresses, 0 for ports */
	uint8_t lo[16];
	uint8_t hi[16];
	struct list_node *children;	/* LIST_NODE_GROUP */
	size_t child_count;
};

enum list_type {
	LIST_ADDRESS,
	LIST_PORT,
};

/* Where a list parse failed: offset into the text, and why. */
struct list_error {
	size_t offset;
	char message[200];
};

/*
 * Parse an address or port list ("[10.0.0.0/8,!10.1.2.3]", "$HTTP_PORTS", "1024:").
 * vars NULL: variables are not resolved (syntax check of a variable's value).
 * 0, -EINVAL with *err filled, or -E2BIG (err filled) when the list, its variables
 * expanded, has more than LIST_MAX_ITEMS (8192) items. The node must be released with
 * list_node_release().
 */
int list_parse(struct list_node *out, enum list_type type, const char *text, size_t len,
	       const struct rule_vars *vars, struct list_error *err);
void list_node_release(struct list_node *node);
/* Whether key (family 4/6 address, or family 0 port in network order) is in the list. */
bool list_matches(const struct list_node *node, uint8_t family, const uint8_t *key);
/* Whether the list is plain "any" (ports of icmp/ip rules must be). */
bool list_is_any(const struct list_node *node);

/* A variable's value, or NULL; *is_port tells which kind of list it is. */
const char *rule_vars_lookup(const struct rule_vars *vars, const char *name, size_t len,
			     int *is_port);

/* classification.config */
struct class_entry {
	char *name;
	char *description;
	int priority;
};

struct classification {
	struct class_entry *entries;
	size_t count;
	char path[256];
	int missing;		/* the default file does not exist */
};

/* Load classification.config; problems are appended through add_problem. */
struct rules_problems;
int classification_load(struct classification *classes, const char *path, int is_default,
			struct rules_problems *problems);
void classification_release(struct classification *classes);
const struct class_entry *classification_find(const struct classification *classes,
					      const char *name);

/* Problems collected while loading, in the order found; copied to the report at the end. */
struct rules_problems {
	struct rules_problem *items;
	size_t count;
	size_t capacity;
};

int rules_problems_add(struct rules_problems *problems, const char *file, int line, int column,
		       const char *keyword, int skipped, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void rules_problems_release(struct rules_problems *problems);

struct rule_content {
	uint8_t *bytes;		/* lower-cased when nocase */
	uint32_t len;
	uint8_t nocase;
	uint8_t negated;
	uint8_t fast_pattern;
	uint8_t startswith;
	uint8_t endswith;
	uint8_t has_offset, has_depth, has_distance, has_within;
	int32_t offset, depth, distance, within;
};

struct rule_pcre {
	char *pattern;		/* the expression between the slashes */
	uint32_t options;	/* PCRE2 compile options from the flags */
	unsigned int hs_flags;	/* the same flags for Hyperscan */
	uint8_t negated;
	uint8_t relative;	/* /R: from the end of the previous match */
	/* a prefilter candidate by its shape (not negated, not relative, no /x or /A);
	 * whether Hyperscan compiles it is asked only of the one a rule is prefiltered
	 * with (rule_pcre_hyperscan_accepts) */
	uint8_t hs_candidate;
	pcre2_code *code;
};

/* isdataat:[!]N[,relative] */
struct rule_isdataat {
	uint32_t offset;
	uint8_t negated;
	uint8_t relative;
};

enum rule_item_kind {
	RULE_ITEM_CONTENT,
	RULE_ITEM_PCRE,
	RULE_ITEM_ISDATAAT,
};

/* What looks inside a buffer: content, pcre, isdataat; in rule order per buffer. */
struct rule_item {
	enum rule_item_kind kind;
	enum rule_buffer buffer;
	uint8_t backtrack;	/* a later item depends on where this one matched */
	size_t offset;		/* where the keyword is in the rule text, for messages */
	struct rule_content content;
	struct rule_pcre pcre;
	struct rule_isdataat isdataat;
};

/* Whether an item's position is relative to the previous match in its buffer. */
bool rule_item_is_relative(const struct rule_item *item);
/* Whether an item sets the position later relative items start from. */
bool rule_item_moves_cursor(const struct rule_item *item);

enum rule_flow_dir {
	RULE_FLOW_ANY = 0,
	RULE_FLOW_TO_SERVER,
	RULE_FLOW_TO_CLIENT,
};

enum rule_flow_state {
	RULE_FLOW_STATE_ANY = 0,
	RULE_FLOW_ESTABLISHED,
	RULE_FLOW_NOT_ESTABLISHED,
};

struct rule {
	struct rule_info info;	/* strings and arrays owned by the rule */
	enum rule_proto proto;
	struct list_node src_addr, src_port, dst_addr, dst_port;
	uint8_t bidirectional;	/* "<>" */
	enum rule_flow_dir flow_dir;
	enum rule_flow_state flow_state;
	uint8_t has_dsize;
	uint8_t dsize_negated;
	uint32_t dsize_lo, dsize_hi;	/* inclusive */
	uint8_t needs_http;	/* proto http, or an item on an HTTP buffer */
	int priority;		/* the rule's own priority option, 0 if none */
	size_t sid_offset;	/* where sid is in the rule text */
	int sid_line, sid_column;	/* ... in the file, for duplicate-sid messages */

	struct rule_item *items;	/* grouped by buffer, rule order within a buffer */
	size_t item_count;
	size_t item_capacity;
	uint16_t buffer_first[RULE_BUF_COUNT];
	uint16_t buffer_count[RULE_BUF_COUNT];
	int prefilter;		/* index of the item Hyperscan looks for, -1: none */
};

/* Release what a rule owns (not the struct itself). */
void rule_release(struct rule *rule);

/*
 * Parse one rule (the text of one logical line, continuation lines joined) into *rule.
 * On error: -EINVAL, *err_offset is the offset into text, keyword and message say what.
 */
struct rule_parse_error {
	size_t offset;
	char keyword[64];
	char message[256];
};

int rule_parse(struct rule *rule, const char *text, size_t len, const struct rule_vars *vars,
	       const struct classification *classes, struct rule_parse_error *err);

/* The parse state while the options of one rule are read (rule_options.c etc.). */
struct rule_parser {
	struct rule *rule;
	const struct classification *classes;
	struct rule_parse_error *err;
	enum rule_buffer sticky;	/* buffer set by the last sticky-buffer keyword */
	int sticky_set;
	int last_content;	/* item index of the most recent content in reach, -1 */
	int has_sid, has_rev, has_gid, has_msg, has_classtype, has_priority, has_flow,
		has_dsize;
};

/* Record the first error of a rule; returns -EINVAL. */
int rule_fail(struct rule_parser *p, size_t offset, const char *keyword, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Apply one option. keyword/value are NUL-terminated copies; value is NULL for options
 * without one; the offsets locate them in the rule text for messages.
 */
int rule_apply_option(struct rule_parser *p, const char *keyword, size_t keyword_offset,
		      const char *value, size_t value_offset);
/* The content keywords (rule_content.c): content and its modifiers. */
int rule_apply_content_option(struct rule_parser *p, const char *keyword, size_t keyword_offset,
			      const char *value, size_t value_offset, int *handled);
/* pcre (rule_pcre.c). */
int rule_pcre_hyperscan_accepts(const struct rule_pcre *pcre);
int rule_apply_pcre(struct rule_parser *p, size_t keyword_offset, const char *value,
		    size_t value_offset);
/* After all options: checks that need the whole rule, grouping, prefilter choice. */
int rule_finish(struct rule_parser *p, size_t end_offset);
/* A new item at the end of the rule's items. NULL on allocation failure. */
struct rule_item *rule_add_item(struct rule *rule);

/*
 * Matching one rule against one sample, after the prefilter (rule_match.c).
 */
struct match_buffers {
	const uint8_t *data[RULE_BUF_COUNT];
	size_t len[RULE_BUF_COUNT];
	uint8_t present[RULE_BUF_COUNT];
	/*
	 * ASCII lower-cased copies for nocase contents, made the first time a confirmation
	 * needs one (most samples have no candidate that does). lower_room has space for
	 * every nocase buffer of the sample, reserved before matching starts.
	 */
	const uint8_t *lower[RULE_BUF_COUNT];
	uint8_t *lower_room;
	size_t lower_used;
};

struct match_state {
	pcre2_match_data *match_data;
	pcre2_match_context *match_context;
	unsigned int budget;	/* search steps left for this rule */
	int budget_exhausted;
	int pcre_error;
};

bool rule_header_matches(const struct rule *rule, const struct scan_input *in, bool is_http);
/*
 * The reference path for tests: no Hyperscan, every rule confirmed on every sample. A
 * prefilter may only save work, never change a result: tests compare the two paths.
 */
void scan_ctx_set_confirm_all(struct scan_ctx *ctx, bool confirm_all);
bool rule_items_match(const struct rule *rule, struct match_buffers *buffers,
		      struct match_state *state);

/* The Hyperscan expressions of a ruleset: one per rule that has a prefilter. */
struct hs_expressions {
	char **patterns;
	unsigned int *flags;
	unsigned int *ids;		/* rule index */
	hs_expr_ext_t *exts;
	uint8_t *buffers;		/* enum rule_buffer its rule's prefilter inspects */
	size_t count;
};

int hs_expressions_build(struct hs_expressions *exprs, const struct rule *rules, size_t count);
void hs_expressions_release(struct hs_expressions *exprs);
/* Remove expression index (a pcre Hyperscan could not compile after all). */
void hs_expressions_remove(struct hs_expressions *exprs, size_t index);
/*
 * Compile into one block-mode database. A pcre prefilter that Hyperscan rejects is dropped
 * (its rule is then confirmed on every sample) and the rest compiled again. 0, or -EINVAL
 * with why set.
 */
int hs_expressions_compile(struct hs_expressions *exprs, hs_database_t **db, char *why,
			   size_t why_size);
/*
 * Move the expressions into one set per buffer (each in id order), and back (merged by
 * id, into exprs' own arrays). Between the two, exprs is empty.
 */
int hs_expressions_split(struct hs_expressions *exprs, struct hs_expressions parts[RULE_BUF_COUNT]);
void hs_expressions_join(struct hs_expressions *exprs, struct hs_expressions parts[RULE_BUF_COUNT]);
/*
 * One database per buffer (NULL for a buffer without expressions), each compiled as
 * hs_expressions_compile() does; exprs loses what any compile dropped.
 */
int hs_expressions_compile_buffers(struct hs_expressions *exprs,
				   hs_database_t *dbs[RULE_BUF_COUNT], char *why, size_t why_size);

/* The database cache (rule_cache.c). */
#define RULES_CACHE_KEY_SIZE 32
int rules_cache_key(const struct hs_expressions *exprs, uint8_t key[RULES_CACHE_KEY_SIZE]);
/*
 * Load the database for key from cache_dir: 0 and *db, -ENOENT when absent or unusable
 * (a bad, foreign-owned or tampered file: the recompile replaces it), -EPERM when the
 * directory is refused (another owner, group/world-writable: logged; do not store either).
 * The ids compiled in are written back to exprs (a cached compile may have dropped some);
 * a refused file leaves exprs as they were.
 */
int rules_cache_load(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		     struct hs_expressions *exprs, hs_database_t *dbs[RULE_BUF_COUNT]);
int rules_cache_store(const char *cache_dir, const uint8_t key[RULES_CACHE_KEY_SIZE],
		      const struct hs_expressions *exprs, hs_database_t *const dbs[RULE_BUF_COUNT]);

struct ruleset {
	struct rule *rules;
	size_t count;
	struct classification classes;
	struct hs_expressions exprs;	/* what the database was compiled from */
	hs_database_t *dbs[RULE_BUF_COUNT];	/* per buffer; NULL: no prefilter in it */
	uint32_t *always;		/* rules without a prefilter: confirmed every sample */
	size_t always_count;
	uint8_t needs_http;		/* some rule needs the HTTP parse */
	uint32_t nocase_buffers;	/* bit per buffer some nocase content searches */
	char **file_names;		/* rule_info.file points here */
	size_t file_count;
};

/*
 * Complete a ruleset whose rules, classification and file names are set: the Hyperscan
 * database (from the cache when it has it), the list of rules without a prefilter, what
 * buffers to scan. A compile failure is added to problems.
 */
int ruleset_assemble(struct ruleset *rs, const struct ruleset_options *opts,
		     struct rules_problems *problems, int *cache_hit);

#endif /* EDGEWATCH_RULES_INTERNAL_H */
