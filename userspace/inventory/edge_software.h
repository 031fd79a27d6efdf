/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The edge software data file (rules/edge-software.txt): products and version ranges
 * mapped to end-of-life dates and to known-exploited vulnerabilities (CISA KEV), one
 * line each, so an operator adds an internal device with one line. Format (the file's
 * header documents it too):
 *
 *   edge-software 1                       first line: the format's version
 *   KIND PRODUCT VERSIONS VALUE REFERENCE
 *   eol  apache  >=2.2,<2.3  2017-07-11  https://...
 *   kev  exim    >=4.87,<=4.91  CVE-2019-10149  https://...
 *
 * KIND eol (VALUE: the date support ended, YYYY-MM-DD) or kev (VALUE: the CVE id), or
 * sysdescr (VERSIONS "*", VALUE a pattern: edge_software_sysdescr() below);
 * PRODUCT as the banner parser names it (banner.h: lower case); VERSIONS "*" or
 * constraints joined by ',' (all must hold), each <, <=, >, >= or = and a version.
 * '#' starts a comment. A bad line is an error naming FILE:LINE and why.
 */
#ifndef EDGEWATCH_INVENTORY_EDGE_SOFTWARE_H
#define EDGEWATCH_INVENTORY_EDGE_SOFTWARE_H

#include <stddef.h>

#define EDGE_SW_FORMAT_VERSION 1
/* CVEs reported per service; more matching lines are counted, not listed. */
#define EDGE_SW_CVES_MAX 8

/*
 * Compare two versions: runs of digits numerically, runs of other characters as bytes,
 * separators (. _ - +) only split; a version that is a prefix of the other is older
 * (2.4 < 2.4.49, 7.4 < 7.4p1, 1.3.5 < 1.3.5a). <0, 0, >0.
 */
int version_compare(const char *a, const char *b);

struct edge_software;

/* Load path; 0, or -errno with "FILE:LINE: why" (or the open error) in err. */
int edge_software_load(const char *path, struct edge_software **out, char *err, size_t err_len);
/* The same from memory; name is used in messages. */
int edge_software_load_buffer(const char *name, const char *buf, size_t len,
			      struct edge_software **out, char *err, size_t err_len);
void edge_software_free(struct edge_software *db);	/* NULL-safe */
size_t edge_software_entries(const struct edge_software *db);

/* What the data says about one product and version. Strings point into the data. */
struct edge_sw_verdict {
	const char *eol_date;		/* the earliest matching eol date; NULL: none */
	const char *eol_reference;
	const char *cves[EDGE_SW_CVES_MAX];
	const char *cve_references[EDGE_SW_CVES_MAX];
	size_t cve_count;		/* listed */
	size_t cves_unlisted;		/* matching kev lines past EDGE_SW_CVES_MAX */
};

/*
 * Look product/version up (version "" = unknown: only "*" lines match). db NULL: nothing
 * matches.
 */
void edge_software_match(const struct edge_software *db, const char *product,
			 const char *version, struct edge_sw_verdict *v);

/*
 * An SNMP agent's sysDescr (text, len bytes, not terminated) against the data's sysdescr
 * lines, in file order:
 *
 *   sysdescr PRODUCT * PATTERN REFERENCE
 *   sysdescr cisco-ios * Cisco*IOS*Software*Version*%v, https://...
 *
 * PATTERN: '*' matches any run (spaces too: a pattern has none), %v a version (from a
 * digit: letters, digits, . _ - + ~ and brackets), other bytes case-blind; the whole
 * sysDescr must match (end it with '*'). The first line that matches names the product
 * (product: BANNER_PRODUCT_LEN bytes) and its %v the version (version: SW_VERSION_LEN;
 * "" without %v). 1 matched, 0 not (both "").
 */
int edge_software_sysdescr(const struct edge_software *db, const char *text, size_t len,
			   char *product, char *version);

#endif /* EDGEWATCH_INVENTORY_EDGE_SOFTWARE_H */
