// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The edge software data file: loader, version ranges, lookup (edge_software.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "inventory/edge_software.h"
#include "text_escape.h"

#define SW_PRODUCT_LEN 32
#define SW_VERSION_LEN 32
#define SW_VALUE_LEN 24
#define SW_REFERENCE_LEN 200
#define SW_CONSTRAINTS_MAX 4
#define SW_LINE_MAX 1024

enum sw_kind { SW_EOL, SW_KEV, SW_SYSDESCR };
/* A sysdescr line's PATTERN (snmp.h: an SNMP agent's sysDescr names product and version). */
#define SW_PATTERN_LEN 96
enum sw_op { SW_LT, SW_LE, SW_GT, SW_GE, SW_EQ };

struct sw_constraint {
	enum sw_op op;
	char version[SW_VERSION_LEN];
};

struct sw_entry {
	enum sw_kind kind;
	char product[SW_PRODUCT_LEN];
	struct sw_constraint c[SW_CONSTRAINTS_MAX];
	int constraint_count;		/* 0: every version ("*"), unknown ones included */
	char value[SW_VALUE_LEN];	/* the date or the CVE */
	char pattern[SW_PATTERN_LEN];	/* sysdescr: '*' any run, %v the version */
	char reference[SW_REFERENCE_LEN];
};

struct edge_software {
	struct sw_entry *entries;
	size_t count;
	size_t cap;
};

static int is_sep(char c)
{
	return c == '.' || c == '_' || c == '-' || c == '+' || c == '~';
}

int version_compare(const char *a, const char *b)
{
	for (;;) {
		while (is_sep(*a))
			a++;
		while (is_sep(*b))
			b++;
		if (!*a || !*b)
			return (*a != 0) - (*b != 0);	/* a prefix is older */
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			size_t la, lb;

			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			for (la = 0; isdigit((unsigned char)a[la]); la++)
				;
			for (lb = 0; isdigit((unsigned char)b[lb]); lb++)
				;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c < 0 ? -1 : 1;
			a += la;
			b += lb;
		} else if (isdigit((unsigned char)*a) != isdigit((unsigned char)*b)) {
			/* a number sorts after letters: 7.4p1 < 7.4.1 (7.4 < 7.4p1 is the
			 * prefix rule above) */
			return isdigit((unsigned char)*a) ? 1 : -1;
		} else {
			while (*a && *b && !isdigit((unsigned char)*a) && !isdigit((unsigned char)*b) &&
			       !is_sep(*a) && !is_sep(*b)) {
				if (*a != *b)
					return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
				a++;
				b++;
			}
		}
	}
}

static int fail(char *err, size_t err_len, const char *name, size_t line, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, err_len, "%s:%zu: %s", name, line, why);
	return -EINVAL;
}

static int valid_name(const char *s)
{
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !is_sep(*s))
			return 0;
	return 1;
}

static int valid_version(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !is_sep(*s))
			return 0;
	return 1;
}

/* "*" or ">=4.87,<=4.91". 0 or a reason. */
static const char *parse_versions(char *text, struct sw_entry *e)
{
	static const struct {
		const char *text;
		enum sw_op op;
	} ops[] = { { "<=", SW_LE }, { ">=", SW_GE }, { "<", SW_LT }, { ">", SW_GT },
		    { "=", SW_EQ } };
	char *save = NULL, *tok;

	if (!strcmp(text, "*"))
		return NULL;
	for (tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sw_constraint *c;
		size_t i;

		if (e->constraint_count == SW_CONSTRAINTS_MAX)
			return "more than 4 version constraints (write two lines)";
		c = &e->c[e->constraint_count];
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (!strncmp(tok, ops[i].text, strlen(ops[i].text)))
				break;
		if (i == sizeof(ops) / sizeof(ops[0]))
			return "a version constraint starts with <, <=, >, >= or =";
		c->op = ops[i].op;
		tok += strlen(ops[i].text);
		if (strlen(tok) >= SW_VERSION_LEN || !valid_version(tok))
			return "a version is letters, digits and . _ - + ~ (at most 31)";
		strcpy(c->version, tok);
		e->constraint_count++;
	}
	if (!e->constraint_count)
		return "no version constraint (\"*\" for every version)";
	return NULL;
}

static int valid_date(const char *s)
{
	int y, m, d;
	char tail;

	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	       s[4] == '-' && s[7] == '-' && y >= 1990 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int valid_cve(const char *s)
{
	size_t i, digits = 0;

	if (strncmp(s, "CVE-", 4) || strlen(s) < 13 || strlen(s) >= SW_VALUE_LEN)
		return 0;
	for (i = 4; i < 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (s[8] != '-')
		return 0;
	for (i = 9; s[i]; i++, digits++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return digits >= 4;
}

static const char *parse_reference(const char *text, struct sw_entry *e)
{
	if (strncmp(text, "https://", 8) || strlen(text) >= SW_REFERENCE_LEN)
		return "REFERENCE is an https:// URL (at most 199 bytes): cite every line";
	strcpy(e->reference, text);
	return NULL;
}

/* "sysdescr PRODUCT * PATTERN REFERENCE": the VERSIONS field is "*" (the pattern finds
 * the version); PATTERN printable, no spaces (a '*' matches them), %v at most once. */
static const char *parse_sysdescr(const char *versions, const char *pattern,
				  const char *reference, struct sw_entry *e)
{
	const char *v;

	if (strcmp(versions, "*"))
		return "a sysdescr line's VERSIONS is \"*\" (its PATTERN's %v finds the version)";
	if (strlen(pattern) >= SW_PATTERN_LEN)
		return "a sysdescr PATTERN is at most 95 bytes";
	for (v = pattern; *v; v++)
		if (*v == '%' && v[1] != 'v')
			return "a sysdescr PATTERN's '%' is only %v (the version)";
	v = strstr(pattern, "%v");
	if (v && strstr(v + 2, "%v"))
		return "a sysdescr PATTERN has %v at most once";
	strcpy(e->pattern, pattern);
	return parse_reference(reference, e);
}

/* One data line (comments gone, not blank) into e. NULL or the reason it is wrong. */
static const char *parse_entry(char *line, struct sw_entry *e)
{
	char *field[6], *save = NULL;
	const char *why;
	int n = 0;

	memset(e, 0, sizeof(*e));
	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			return "more than 5 fields (KIND PRODUCT VERSIONS VALUE REFERENCE)";
		field[n++] = t;
	}
	if (n < 5)
		return "fewer than 5 fields (KIND PRODUCT VERSIONS VALUE REFERENCE)";
	if (!strcmp(field[0], "eol"))
		e->kind = SW_EOL;
	else if (!strcmp(field[0], "kev"))
		e->kind = SW_KEV;
	else if (!strcmp(field[0], "sysdescr"))
		e->kind = SW_SYSDESCR;
	else
		return "KIND is eol, kev or sysdescr";
	if (strlen(field[1]) >= SW_PRODUCT_LEN || !valid_name(field[1]))
		return "PRODUCT is lower-case letters, digits and . _ - + ~ (at most 31)";
	strcpy(e->product, field[1]);
	if (e->kind == SW_SYSDESCR)
		return parse_sysdescr(field[2], field[3], field[4], e);
	why = parse_versions(field[2], e);
	if (why)
		return why;
	if (e->kind == SW_EOL && !valid_date(field[3]) && strcmp(field[3], "discontinued"))
		return "an eol line's VALUE is the date support ended (YYYY-MM-DD) or \"discontinued\"";
	if (e->kind == SW_KEV && !valid_cve(field[3]))
		return "a kev line's VALUE is a CVE id (CVE-YYYY-NNNN)";
	strcpy(e->value, field[3]);	/* both checks bound it below SW_VALUE_LEN */
	return parse_reference(field[4], e);
}

static int add_entry(struct edge_software *db, const struct sw_entry *e)
{
	if (db->count == db->cap) {
		size_t cap = db->cap ? 2 * db->cap : 64;
		struct sw_entry *grown = realloc(db->entries, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		db->entries = grown;
		db->cap = cap;
	}
	db->entries[db->count++] = *e;
	return 0;
}

int edge_software_load_buffer(const char *name, const char *buf, size_t len,
			      struct edge_software **out, char *err, size_t err_len)
{
	struct edge_software *db = calloc(1, sizeof(*db));
	size_t off = 0, lineno = 0;
	int seen_header = 0, rc = 0;

	*out = NULL;
	if (!db)
		return -ENOMEM;
	while (off < len && !rc) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		char line[SW_LINE_MAX], *hash, *p;
		struct sw_entry e;
		const char *why;

		lineno++;
		if (n >= sizeof(line)) {
			rc = fail(err, err_len, name, lineno, "line longer than %d bytes",
				  SW_LINE_MAX - 1);
			break;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + 1;
		if (memchr(line, '\0', n)) {
			rc = fail(err, err_len, name, lineno, "a NUL byte: not a text file");
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (p = line + strlen(line); p > line && isspace((unsigned char)p[-1]); p--)
			p[-1] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p)
			continue;
		if (!seen_header) {
			if (strcmp(p, "edge-software 1")) {
				char shown[64];

				text_escape(shown, sizeof(shown), p, strlen(p), NULL);
				rc = fail(err, err_len, name, lineno,
					  "the first line is \"edge-software %d\" (the format's "
					  "version), got \"%s\"", EDGE_SW_FORMAT_VERSION, shown);
			}
			seen_header = 1;
			continue;
		}
		why = parse_entry(p, &e);
		if (why)
			rc = fail(err, err_len, name, lineno, "%s", why);
		else
			rc = add_entry(db, &e);
	}
	if (!rc && !seen_header)
		rc = fail(err, err_len, name, lineno ? lineno : 1,
			  "empty: the first line is \"edge-software %d\"", EDGE_SW_FORMAT_VERSION);
	if (rc) {
		edge_software_free(db);
		return rc;
	}
	*out = db;
	return 0;
}

int edge_software_load(const char *path, struct edge_software **out, char *err, size_t err_len)
{
	char why[256], *buf;
	size_t len;
	int rc;

	*out = NULL;
	rc = file_read_whole(path, "edge software", &buf, &len, why, sizeof(why));
	if (rc) {
		snprintf(err, err_len, "%s: %s", path, why);
		return rc;
	}
	rc = edge_software_load_buffer(path, buf, len, out, err, err_len);
	free(buf);
	return rc;
}

void edge_software_free(struct edge_software *db)
{
	if (!db)
		return;
	free(db->entries);
	free(db);
}

size_t edge_software_entries(const struct edge_software *db)
{
	return db ? db->count : 0;
}

static int constraint_holds(const struct sw_constraint *c, const char *version)
{
	int cmp = version_compare(version, c->version);

	switch (c->op) {
	case SW_LT:
		return cmp < 0;
	case SW_LE:
		return cmp <= 0;
	case SW_GT:
		return cmp > 0;
	case SW_GE:
		return cmp >= 0;
	default:
		return cmp == 0;
	}
}

static int entry_matches(const struct sw_entry *e, const char *product, const char *version)
{
	int i;

	if (strcmp(e->product, product))
		return 0;
	if (e->constraint_count && !*version)
		return 0;	/* a range says nothing about a version we do not know */
	for (i = 0; i < e->constraint_count; i++)
		if (!constraint_holds(&e->c[i], version))
			return 0;
	return 1;
}

void edge_software_match(const struct edge_software *db, const char *product,
			 const char *version, struct edge_sw_verdict *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	if (!db || !*product)
		return;
	for (i = 0; i < db->count; i++) {
		const struct sw_entry *e = &db->entries[i];

		if (e->kind == SW_SYSDESCR || !entry_matches(e, product, version))
			continue;
		if (e->kind == SW_EOL) {
			if (!v->eol_date || strcmp(e->value, v->eol_date) < 0) {
				v->eol_date = e->value;
				v->eol_reference = e->reference;
			}
		} else if (v->cve_count < EDGE_SW_CVES_MAX) {
			v->cves[v->cve_count] = e->value;
			v->cve_references[v->cve_count++] = e->reference;
		} else {
			v->cves_unlisted++;
		}
	}
}

/* A version in a sysDescr: starts with a digit; Cisco's "15.2(4)M7" keeps its brackets. */
static size_t sysdescr_version_len(const char *s, size_t len)
{
	size_t n = 0;

	if (!len || !isdigit((unsigned char)s[0]))
		return 0;
	while (n < len && n < SW_VERSION_LEN - 1 &&
	       (isalnum((unsigned char)s[n]) || is_sep(s[n]) || s[n] == '(' || s[n] == ')'))
		n++;
	while (n && (is_sep(s[n - 1]) || s[n - 1] == '('))	/* "1.2." ends a sentence */
		n--;
	return n;
}

/*
 * Glob a sysDescr: '*' any run (lazy: the first place the rest matches), %v a version,
 * other bytes case-blind. The one-star backtrack of the classic glob: linear in text per
 * star, so a hostile sysDescr costs at most pattern x text steps.
 */
static int sysdescr_glob(const char *pat, const char *text, size_t len, char *version)
{
	const char *star = NULL;
	size_t t = 0, star_t = 0, vlen;

	version[0] = '\0';
	while (t < len || *pat) {
		if (*pat == '*') {
			star = ++pat;
			star_t = t;
			continue;
		}
		if (pat[0] == '%' && pat[1] == 'v' && (vlen = sysdescr_version_len(text + t, len - t))) {
			memcpy(version, text + t, vlen);
			version[vlen] = '\0';
			pat += 2;
			t += vlen;
			continue;
		}
		if (*pat && *pat != '%' && t < len &&
		    tolower((unsigned char)*pat) == tolower((unsigned char)text[t])) {
			pat++;
			t++;
			continue;
		}
		if (!*pat && star && star == pat)	/* a trailing '*' takes the rest */
			return 1;
		if (!star || star_t >= len)
			return 0;
		pat = star;
		t = ++star_t;
	}
	return 1;
}

int edge_software_sysdescr(const struct edge_software *db, const char *text, size_t len,
			   char *product, char *version)
{
	size_t i;

	product[0] = version[0] = '\0';
	for (i = 0; db && i < db->count; i++) {
		const struct sw_entry *e = &db->entries[i];

		if (e->kind == SW_SYSDESCR && sysdescr_glob(e->pattern, text, len, version)) {
			strcpy(product, e->product);
			return 1;
		}
	}
	version[0] = '\0';
	return 0;
}
