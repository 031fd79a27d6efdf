// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The edge software data: version order, ranges, the loader's errors, the shipped file. */
#include <stdio.h>
#include <string.h>

#include "../support/test.h"
#include "inventory/edge_software.h"

static void test_version_order(struct test_case *t)
{
	static const char *const ascending[] = {
		"1.3.42", "2.0", "2.0.65", "2.2.9", "2.2.34", "2.4", "2.4.9", "2.4.49", "2.4.050",
		"5.3", "6.6.1p1", "7.4", "7.4p1", "7.4.1", "1.3.5", /* sentinel ignored */
	};
	size_t i, j, n = 14;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int c = version_compare(ascending[i], ascending[j]);

			CHECK(t, (i < j && c < 0) || (i == j && c == 0) || (i > j && c > 0),
			      "%s vs %s: %d", ascending[i], ascending[j], c);
		}
	CHECK(t, version_compare("1.3.5", "1.3.5a") < 0, "1.3.5 < 1.3.5a");
	CHECK(t, version_compare("6.42", "6.42.1") < 0, "6.42 < 6.42.1");
	CHECK(t, version_compare("2019.78", "2020.79") < 0, "dropbear");
	CHECK(t, version_compare("007", "7") == 0, "leading zeros");
}

static const char data[] =
	"# a comment\n"
	"\n"
	"edge-software 1\n"
	"eol apache >=2.2,<2.3 2017-07-11 https://example.org/a   # trailing comment\n"
	"kev apache =2.4.49 CVE-2021-41773 https://example.org/b\n"
	"kev apache >=2.4.49,<=2.4.50 CVE-2021-42013 https://example.org/c\n"
	"eol boa * discontinued https://example.org/d\n"
	"eol acme-vpn <3.0 2024-12-31 https://intranet.example/e\n";

static void test_ranges(struct test_case *t)
{
	struct edge_software *db;
	struct edge_sw_verdict v;
	char err[256] = "";

	CHECK(t, edge_software_load_buffer("mem", data, strlen(data), &db, err, sizeof(err)) == 0,
	      "load: %s", err);
	CHECK(t, edge_software_entries(db) == 5, "%zu entries", edge_software_entries(db));
	edge_software_match(db, "apache", "2.2.34", &v);
	CHECK(t, v.eol_date && !strcmp(v.eol_date, "2017-07-11") && !v.cve_count, "2.2.34");
	edge_software_match(db, "apache", "2.3", &v);
	CHECK(t, !v.eol_date && !v.cve_count, "2.3 is past <2.3");
	edge_software_match(db, "apache", "2.4.49", &v);
	CHECK(t, !v.eol_date && v.cve_count == 2 && !strcmp(v.cves[0], "CVE-2021-41773") &&
			 !strcmp(v.cves[1], "CVE-2021-42013"), "2.4.49: %zu", v.cve_count);
	edge_software_match(db, "apache", "2.4.50", &v);
	CHECK(t, v.cve_count == 1 && !strcmp(v.cves[0], "CVE-2021-42013"), "2.4.50");
	edge_software_match(db, "apache", "2.4.51", &v);
	CHECK(t, !v.cve_count, "2.4.51");
	edge_software_match(db, "apache", "", &v);
	CHECK(t, !v.eol_date && !v.cve_count, "an unknown version matches no range");
	edge_software_match(db, "boa", "", &v);
	CHECK(t, v.eol_date && !strcmp(v.eol_date, "discontinued"), "boa *");
	edge_software_match(db, "nginx", "1.0", &v);
	CHECK(t, !v.eol_date && !v.cve_count, "nginx");
	edge_software_match(db, "acme-vpn", "2.9.1", &v);
	CHECK(t, v.eol_date && !strcmp(v.eol_reference, "https://intranet.example/e"), "acme");
	edge_software_match(NULL, "apache", "2.2.1", &v);
	CHECK(t, !v.eol_date, "no data");
	edge_software_free(db);
}

static void test_bad_lines(struct test_case *t)
{
	static const struct {
		const char *text, *error;
	} rows[] = {
		{ "eol apache * 2017-07-11 https://x\n", "mem:1: the first line is \"edge-software 1\"" },
		{ "edge-software 2\n", "mem:1: the first line is \"edge-software 1\"" },
		{ "", "mem:1: empty" },
		{ "edge-software 1\nxyz apache * 2017-07-11 https://x\n", "mem:2: KIND is eol, kev or sysdescr" },
		{ "edge-software 1\nsysdescr cisco-ios <15 Cisco*%v https://x\n", "mem:2: a sysdescr line's VERSIONS" },
		{ "edge-software 1\nsysdescr cisco-ios * Cisco*%v*%v https://x\n", "mem:2: a sysdescr PATTERN has %v at most once" },
		{ "edge-software 1\nsysdescr cisco-ios * Cisco*%d https://x\n", "mem:2: a sysdescr PATTERN's '%'" },
		{ "edge-software 1\nsysdescr cisco-ios * Cisco* http://x\n", "mem:2: REFERENCE is" },
		{ "edge-software 1\n\neol Apache * 2017-07-11 https://x\n", "mem:3: PRODUCT is" },
		{ "edge-software 1\neol apache 2.2 2017-07-11 https://x\n",
		  "mem:2: a version constraint starts with" },
		{ "edge-software 1\neol apache <2.2;x 2017-07-11 https://x\n", "mem:2: a version is" },
		{ "edge-software 1\neol apache <2.2 2017-13-11 https://x\n",
		  "mem:2: an eol line's VALUE" },
		{ "edge-software 1\nkev apache <2.2 2017-01-11 https://x\n", "mem:2: a kev line's VALUE" },
		{ "edge-software 1\nkev apache <2.2 CVE-2021-4177377777777777777777 https://x\n",
		  "mem:2: a kev line's VALUE" },
		{ "edge-software 1\nkev apache <2.2 CVE-2021-41773 http://x\n", "mem:2: REFERENCE is" },
		{ "edge-software 1\nkev apache <2.2 CVE-2021-41773\n", "mem:2: fewer than 5 fields" },
		{ "edge-software 1\nkev apache <2.2 CVE-2021-41773 https://x y\n",
		  "mem:2: more than 5 fields" },
		{ "edge-software 1\neol apache >1,>2,>3,>4,>5 2017-01-11 https://x\n",
		  "mem:2: more than 4 version constraints" },
		{ "edge-software 1\neol apache , 2017-01-11 https://x\n", "mem:2: no version constraint" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct edge_software *db = (void *)1;

		err[0] = '\0';
		CHECK(t, edge_software_load_buffer("mem", rows[i].text, strlen(rows[i].text), &db,
						   err, sizeof(err)) < 0, "row %zu loaded", i);
		CHECK(t, db == NULL, "row %zu: *out set", i);
		CHECK(t, !strncmp(err, rows[i].error, strlen(rows[i].error)), "row %zu: '%s'", i,
		      err);
	}
	/* a NUL byte, a line past the bound */
	static const char nul[] = "edge-software 1\neol a\0pache * 2017-01-01 https://x\n";
	struct edge_software *db;

	CHECK(t, edge_software_load_buffer("mem", nul, sizeof(nul) - 1, &db, err, sizeof(err)) < 0 &&
			 strstr(err, "mem:2: a NUL byte"), "%s", err);
	static char longline[3000];
	memset(longline, 'x', sizeof(longline) - 1);
	memcpy(longline, "edge-software 1\n", 16);
	CHECK(t, edge_software_load_buffer("mem", longline, strlen(longline), &db, err,
					   sizeof(err)) < 0 && strstr(err, "mem:2: line longer"),
	      "%s", err);
	CHECK(t, edge_software_load("/nonexistent/edge.txt", &db, err, sizeof(err)) < 0 &&
			 strstr(err, "/nonexistent/edge.txt"), "%s", err);
}

/* The file edgewatch ships loads, and says what its comments say. */
static void test_shipped_file(struct test_case *t)
{
	struct edge_software *db;
	struct edge_sw_verdict v;
	char err[256] = "";

	CHECK(t, edge_software_load("rules/edge-software.txt", &db, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(t, edge_software_entries(db) >= 10, "%zu", edge_software_entries(db));
	edge_software_match(db, "openssh", "5.3", &v);
	CHECK(t, v.eol_date && !strcmp(v.eol_date, "2015-08-11"), "openssh 5.3");
	edge_software_match(db, "openssh", "7.4p1", &v);
	CHECK(t, !v.eol_date && !v.cve_count, "openssh 7.4p1");
	edge_software_match(db, "exim", "4.89", &v);
	CHECK(t, v.cve_count == 1 && !strcmp(v.cves[0], "CVE-2019-10149"), "exim 4.89");
	edge_software_match(db, "exim", "4.92", &v);
	CHECK(t, !v.cve_count, "exim 4.92");
	edge_software_match(db, "mikrotik-routeros", "6.41.3", &v);
	CHECK(t, v.cve_count == 1, "routeros 6.41.3");
	edge_software_match(db, "mikrotik-routeros", "6.40.8", &v);
	CHECK(t, !v.cve_count, "routeros 6.40.8 (fixed)");
	edge_software_match(db, "mikrotik-routeros", "6.42.1", &v);
	CHECK(t, !v.cve_count, "routeros 6.42.1 (fixed)");
	/* the advisory's three ranges at their edges: bugfix 6.30.1-6.40.7, current 6.29-6.42,
	 * release candidates 6.29rc1-6.43rc3 */
	static const struct {
		const char *version;
		int exploited;
	} routeros[] = {
		{ "6.28", 0 },	  { "6.29rc1", 1 }, { "6.29", 1 },    { "6.40.7", 1 },
		{ "6.40rc5", 1 }, { "6.41rc1", 1 }, { "6.42", 1 },    { "6.42rc5", 1 },
		{ "6.43rc1", 1 }, { "6.43rc3", 1 }, { "6.43rc4", 0 }, { "6.43rc10", 0 },
		{ "6.43", 0 },	  { "6.43.1", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(routeros) / sizeof(routeros[0]); i++) {
		edge_software_match(db, "mikrotik-routeros", routeros[i].version, &v);
		CHECK(t, (v.cve_count == 1 && !strcmp(v.cves[0], "CVE-2018-14847")) ==
				 routeros[i].exploited,
		      "routeros %s: %zu", routeros[i].version, v.cve_count);
	}
	edge_software_match(db, "microsoft-iis", "6.0", &v);
	CHECK(t, v.eol_date && v.cve_count == 1 && !strcmp(v.cves[0], "CVE-2017-7269"),
	      "iis 6.0: end of life and WebDAV overflow");
	edge_software_match(db, "microsoft-iis", "7.5", &v);
	CHECK(t, v.eol_date && !v.cve_count, "iis 7.5: end of life only");
	/* each end-of-life line just inside and just outside its range */
	static const struct {
		const char *product, *version, *eol;
	} eol[] = {
		{ "microsoft-iis", "8.0", "2023-10-10" },  { "microsoft-iis", "8.5", "2023-10-10" },
		{ "microsoft-iis", "10.0", NULL },	   { "nginx", "1.25.5", "2024-04-23" },
		{ "nginx", "1.26.0", "2025-04-23" },	   { "nginx", "1.27.5", "2025-04-23" },
		{ "nginx", "1.28.0", NULL },		   { "apache", "1.3.42", "2010-02-03" },
		{ "apache", "2.0.65", "2013-07-10" },	   { "apache", "2.2.34", "2017-07-11" },
		{ "apache", "2.4.66", NULL },		   { "openssh", "6.9p1", "2015-08-11" },
		{ "openssh", "7.0p1", NULL },
	};

	for (i = 0; i < sizeof(eol) / sizeof(eol[0]); i++) {
		edge_software_match(db, eol[i].product, eol[i].version, &v);
		CHECK(t, eol[i].eol ? v.eol_date && !strcmp(v.eol_date, eol[i].eol) : !v.eol_date,
		      "%s %s: %s", eol[i].product, eol[i].version, v.eol_date ? v.eol_date : "-");
	}
	edge_software_free(db);
}

/* sysDescr patterns: the shipped lines on real agents' text, and hostile text. */
static void test_sysdescr(struct test_case *t)
{
	static const struct {
		const char *text, *product, *version;
	} rows[] = {
		{ "Cisco IOS Software, C2960 Software (C2960-I7V-M), Version 12.2(58)SE1, RELEASE "
		  "SOFTWARE (fc1)", "cisco-ios", "12.2(58)SE1" },
		{ "Cisco Internetwork Operating System Software \r\nIOS (tm) C2600 Software "
		  "(C2600-I-M), Version 12.0(7)T,  RELEASE SOFTWARE (fc2)", "cisco-ios", "12.0(7)T" },
		{ "Juniper Networks, Inc. ex2200-48t-4g internet router, kernel JUNOS 10.2R1.8 #0: "
		  "2010-05-27 20:13:49 UTC", "juniper-junos", "10.2R1.8" },
		{ "RouterOS RB493AH", "mikrotik-routeros", "" },
		{ "routeros rb750", "mikrotik-routeros", "" },	/* case-blind */
		{ "Linux edge 5.10.0-21-amd64 #1 SMP Debian", "", "" },
		{ "Cisco IOS Software, no version stated", "", "" },
		{ "", "", "" },
	};
	struct edge_software *db;
	char err[256] = "", product[32], version[32], hostile[255];
	size_t i;

	CHECK(t, edge_software_load("rules/edge-software.txt", &db, err, sizeof(err)) == 0,
	      "%s", err);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int hit = edge_software_sysdescr(db, rows[i].text, strlen(rows[i].text), product,
						 version);

		EXPECT(t, hit == !!*rows[i].product && !strcmp(product, rows[i].product) &&
				  !strcmp(version, rows[i].version),
		       "row %zu: %d '%s' '%s'", i, hit, product, version);
	}
	/* a sysDescr line is no eol line: cisco-ios with an unknown version judges nothing */
	struct edge_sw_verdict v;

	edge_software_match(db, "cisco-ios", "", &v);
	EXPECT(t, !v.eol_date && !v.cve_count, "a sysdescr line matched as a verdict");
	/* stars against a long run of near misses: bounded, no match, no overrun (ASan) */
	memset(hostile, 'C', sizeof(hostile));
	EXPECT(t, !edge_software_sysdescr(db, hostile, sizeof(hostile), product, version),
	       "hostile text matched %s", product);
	memcpy(hostile, "Cisco", 5);	/* anchored: the rest is found after the stars' scans */
	memcpy(hostile + 150, "Cisco IOS Software Version ", 27);
	memset(hostile + 177, '9', sizeof(hostile) - 177);	/* 78 digits to the end */
	EXPECT(t, edge_software_sysdescr(db, hostile, sizeof(hostile), product, version) &&
			  strlen(version) == 31, "a version cut at its bound: '%s'", version);
	edge_software_free(db);
}

int main(void)
{
	test_program = "test_inventory_software";
	RUN(test_version_order);
	RUN(test_ranges);
	RUN(test_bad_lines);
	RUN(test_shipped_file);
	RUN(test_sysdescr);
	return test_summary();
}
