// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Prefixes, port specs and the default management port table. */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_net.h"
#include "config/mgmt_ports.h"
#include "../support/test.h"

struct cidr_row {
	const char *text;
	int ok;
	const char *formatted_or_why;	/* ok: config_format_cidr() of it; else the reason */
	int host_bits;
};

static const struct cidr_row cidr_rows[] = {
	{ "198.18.0.0/15", 1, "198.18.0.0/15", 0 },
	{ "198.18.0.1", 1, "198.18.0.1", 0 },
	{ "198.18.0.1/32", 1, "198.18.0.1", 0 },
	{ "0.0.0.0/0", 1, "0.0.0.0/0", 0 },
	{ "2001:db8::/32", 1, "2001:db8::/32", 0 },
	{ "2001:DB8:0::1", 1, "2001:db8::1", 0 },
	{ "::/0", 1, "::/0", 0 },
	{ "::ffff:198.18.0.1/128", 1, "::ffff:198.18.0.1", 0 },
	{ "198.18.0.1/24", 1, "198.18.0.1/24", 1 },
	{ "198.18.0.128/25", 1, "198.18.0.128/25", 0 },
	{ "198.18.0.129/25", 1, "198.18.0.129/25", 1 },
	{ "2001:db8::8000/113", 1, "2001:db8::8000/113", 0 },
	{ "2001:db8::1/127", 1, "2001:db8::1/127", 1 },
	{ "198.18.0.0/33", 0, "prefix length 33 > 32", 0 },
	{ "2001:db8::/129", 0, "prefix length 129 > 128", 0 },
	{ "198.18.0.0/1234567890", 0, "prefix length 1234567890 > 32", 0 },
	{ "198.18.0.0/-1", 0, "prefix length is not a number", 0 },
	{ "198.18.0.0/", 0, "prefix length missing after /", 0 },
	{ "198.18.0/24", 0, "not an IPv4 or IPv6 address", 0 },
	{ "198.18.0.0.0", 0, "not an IPv4 or IPv6 address", 0 },
	{ "fe80::1%eth0", 0, "not an IPv4 or IPv6 address", 0 },
	{ "/24", 0, "address missing", 0 },
	{ "", 0, "address missing", 0 },
	{ "!10.0.0.0/8", 0, "negation (!) is not supported here", 0 },
	{ "0123456789012345678901234567890123456789012345678/8", 0, "not an IPv4 or IPv6 address",
	  0 },
};

static void test_cidr_row(struct test_case *t, const struct cidr_row *row)
{
	char why[CONFIG_WHY_LEN] = "", text[CONFIG_CIDR_STRLEN];
	struct ew_cidr cidr, network;
	int ret;

	ret = config_parse_cidr(row->text, &cidr, why, sizeof(why));
	if (!row->ok) {
		CHECK(t, ret == -EINVAL, "parsed, want an error");
		CHECK(t, !strcmp(why, row->formatted_or_why), "why \"%s\", want \"%s\"", why,
		      row->formatted_or_why);
		return;
	}
	CHECK(t, ret == 0, "error: %s", why);
	config_format_cidr(&cidr, text, sizeof(text));
	CHECK(t, !strcmp(text, row->formatted_or_why), "formatted %s", text);
	CHECK(t, config_cidr_network(&cidr, &network) == row->host_bits, "host bits");
}

static void test_cidr_layout(struct test_case *t)
{
	static const uint8_t v4[16] = { 198, 18, 0, 0 };
	char why[CONFIG_WHY_LEN];
	struct ew_cidr cidr, network;
	char text[CONFIG_CIDR_STRLEN];

	CHECK(t, config_parse_cidr("198.18.0.0/15", &cidr, why, sizeof(why)) == 0, "%s", why);
	CHECK(t, cidr.family == 4 && cidr.prefix_len == 15 && !memcmp(cidr.addr, v4, 16),
	      "IPv4 in the first 4 bytes, the rest zero");
	CHECK(t, config_parse_cidr("2001:db8:ffff::1/36", &cidr, why, sizeof(why)) == 0, "%s", why);
	CHECK(t, config_cidr_network(&cidr, &network) == 1, "host bits");
	config_format_cidr(&network, text, sizeof(text));
	CHECK(t, !strcmp(text, "2001:db8:f000::/36"), "network %s", text);
	CHECK(t, network.addr[4] == 0xf0 && network.addr[15] == 0, "masked bytes");
}

/* A text, and what it formats back to once parsed, or why it does not parse. */
struct parse_row {
	const char *text;
	int ok;
	const char *formatted_or_why;
};

/* Parse a port spec or an endpoint and format it back into formatted. 0 or -EINVAL. */
static int parse_format(int endpoint, const char *text, char *formatted, size_t len, char *why,
			size_t why_len)
{
	struct ew_port_spec spec;
	struct ew_endpoint ep;
	int err = endpoint ? config_parse_endpoint(text, &ep, why, why_len)
			   : config_parse_port_spec(text, &spec, why, why_len);

	if (!err && endpoint)
		config_format_endpoint(&ep, formatted, len);
	else if (!err)
		config_port_spec_format(&spec, formatted, len);
	return err;
}

static void test_parse_row(struct test_case *t, const struct parse_row *row, int endpoint)
{
	char why[CONFIG_WHY_LEN] = "", text[CONFIG_ENDPOINT_STRLEN] = "";
	int ret = parse_format(endpoint, row->text, text, sizeof(text), why, sizeof(why));

	if (!row->ok) {
		CHECK(t, ret == -EINVAL, "parsed, want an error");
		CHECK(t, !strcmp(why, row->formatted_or_why), "why \"%s\", want \"%s\"", why,
		      row->formatted_or_why);
		return;
	}
	CHECK(t, ret == 0, "error: %s", why);
	CHECK(t, !strcmp(text, row->formatted_or_why), "formatted %s", text);
}

static const struct parse_row port_rows[] = {
	{ "tcp/22", 1, "tcp/22" },
	{ "UDP/161", 1, "udp/161" },
	{ "tcp/8000-8100", 1, "tcp/8000-8100" },
	{ "tcp/1-65535", 1, "tcp/1-65535" },
	{ "udp/53-53", 1, "udp/53" },
	{ "tcp/65536", 0, "port 65536 > 65535" },
	{ "tcp/99999999999", 0, "port 99999999999 > 65535" },
	{ "tcp/0", 0, "port 0 is not a port (1..65535)" },
	{ "tcp/", 0, "port missing" },
	{ "tcp/ssh", 0, "port is not a number" },
	{ "tcp/22-", 0, "port missing" },
	{ "tcp/-22", 0, "port missing" },
	{ "tcp/22-21", 0, "reversed range (22 > 21)" },
	{ "tcp/22-x", 0, "port is not a number" },
	{ "sctp/22", 0, "protocol must be tcp or udp" },
	{ "/22", 0, "protocol must be tcp or udp" },
	{ "22", 0, "no protocol: write tcp/22 or udp/22" },
	{ "ssh", 0, "not PROTO/PORT, PROTO/LOW-HIGH or a service name "
		    "(edgewatch check-config --list-ports)" },
};

static void test_port_row(struct test_case *t, const struct parse_row *row)
{
	test_parse_row(t, row, 0);
}

static const struct parse_row endpoint_rows[] = {
	{ "127.0.0.1:9650", 1, "127.0.0.1:9650" },
	{ "0.0.0.0:1", 1, "0.0.0.0:1" },
	{ "[::1]:9650", 1, "[::1]:9650" },
	{ "[2001:db8:0::1]:65535", 1, "[2001:db8::1]:65535" },
	{ "127.0.0.1", 0, "port missing: write ADDRESS:PORT" },
	{ "127.0.0.1:", 0, "port missing" },
	{ "127.0.0.1:0", 0, "port 0 is not a port (1..65535)" },
	{ "127.0.0.1:65536", 0, "port 65536 > 65535" },
	{ "127.0.0.1:http", 0, "port is not a number" },
	{ ":9650", 0, "address missing" },
	{ "localhost:9650", 0, "not an IPv4 address; names are not resolved: write the address" },
	{ "198.18.0.300:9650", 0,
	  "not an IPv4 address; names are not resolved: write the address" },
	{ "::1:9650", 0, "an IPv6 address goes in brackets: [ADDRESS]:PORT" },
	{ "[::1]", 0, "port missing" },
	{ "[::1]9650", 0, "expected :PORT after ]" },
	{ "[::1:9650", 0, "no ] after the IPv6 address" },
	{ "[]:9650", 0, "address missing" },
	{ "[127.0.0.1]:9650", 0, "not an IPv6 address" },
};

static void test_endpoint_row(struct test_case *t, const struct parse_row *row)
{
	test_parse_row(t, row, 1);
}

/* The longest address and port fit CONFIG_ENDPOINT_STRLEN. */
static void test_endpoint_longest(struct test_case *t)
{
	const char *longest = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	char why[CONFIG_WHY_LEN] = "", text[CONFIG_ENDPOINT_STRLEN];
	struct ew_endpoint ep;

	CHECK(t, config_parse_endpoint(longest, &ep, why, sizeof(why)) == 0, "error: %s", why);
	CHECK(t, ep.family == 6 && ep.port == 65535, "family %u port %u", ep.family, ep.port);
	config_format_endpoint(&ep, text, sizeof(text));
	CHECK(t, strlen(text) < sizeof(text) - 1 || !strcmp(text, longest), "cut: %s", text);
	CHECK(t, strlen(longest) < CONFIG_ENDPOINT_STRLEN, "%zu", strlen(longest));
}

static void test_durations(struct test_case *t)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t seconds;
	} rows[] = {
		{ "90", 0, 90 },	 { "90s", 0, 90 },     { "5m", 0, 300 },
		{ "1h", 0, 3600 },	 { "1d", 0, 86400 },   { "0", 0, 0 },
		{ "9999999999d", 0, 9999999999ull * 86400 }, { "5x", -EINVAL, 0 },
		{ "", -EINVAL, 0 },	 { "s", -EINVAL, 0 },  { "-1", -EINVAL, 0 },
		{ "1.5h", -EINVAL, 0 },	 { "5 m", -EINVAL, 0 }, { "5ms", -EINVAL, 0 },
		{ "12345678901", -ERANGE, 0 },
	};
	uint64_t seconds;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		seconds = 0;
		ret = config_parse_duration(rows[i].text, strlen(rows[i].text), &seconds);
		CHECK(t, ret == rows[i].ret && seconds == rows[i].seconds,
		      "\"%s\": ret %d seconds %llu", rows[i].text, ret,
		      (unsigned long long)seconds);
	}
}

/* Names unique and lowercase, every spec valid, every service explained. */
static void test_mgmt_table_shape(struct test_case *t)
{
	const struct mgmt_service *services;
	size_t count, i, j, specs = 0;

	services = mgmt_services(&count);
	CHECK(t, count > 20, "only %zu services", count);
	for (i = 0; i < count; i++) {
		const struct mgmt_service *s = &services[i];

		CHECK(t, s->spec_count >= 1 && s->spec_count <= MGMT_SERVICE_MAX_SPECS,
		      "%s: %zu specs", s->name, s->spec_count);
		CHECK(t, s->why && strlen(s->why) > 10 && strlen(s->why) < 100, "%s: why", s->name);
		for (j = 0; s->name[j]; j++)
			CHECK(t, islower((unsigned char)s->name[j]) || s->name[j] == '-' ||
					 isdigit((unsigned char)s->name[j]),
			      "%s: name is not lowercase", s->name);
		for (j = 0; j < i; j++)
			CHECK(t, strcmp(services[j].name, s->name), "%s twice", s->name);
		for (j = 0; j < s->spec_count; j++) {
			const struct ew_port_spec *spec = &s->specs[j];

			CHECK(t, (spec->proto == IPPROTO_TCP || spec->proto == IPPROTO_UDP) &&
					 spec->low >= 1 && spec->low <= spec->high,
			      "%s: bad spec %zu", s->name, j);
		}
		CHECK(t, mgmt_service_lookup(s->name) == s, "%s: lookup", s->name);
		specs += s->spec_count;
	}
	CHECK(t, mgmt_services_spec_count() == specs, "spec count");
	CHECK(t, mgmt_service_lookup("SSH") == mgmt_service_lookup("ssh"), "case-insensitive");
	CHECK(t, mgmt_service_lookup("sshd") == NULL, "unknown name");
}

/* The ports the project promises to cover by default. */
static void test_mgmt_table_covers(struct test_case *t)
{
	static const struct {
		uint8_t proto;
		uint16_t port;
	} required[] = {
		{ IPPROTO_TCP, 22 },   { IPPROTO_TCP, 23 },    { IPPROTO_TCP, 80 },
		{ IPPROTO_TCP, 443 },  { IPPROTO_TCP, 8080 },  { IPPROTO_TCP, 8443 },
		{ IPPROTO_TCP, 4443 }, { IPPROTO_TCP, 10443 }, { IPPROTO_UDP, 161 },
		{ IPPROTO_UDP, 162 },  { IPPROTO_TCP, 3389 },  { IPPROTO_TCP, 5900 },
		{ IPPROTO_TCP, 830 },  { IPPROTO_TCP, 6513 },  { IPPROTO_TCP, 8291 },
		{ IPPROTO_TCP, 8728 }, { IPPROTO_TCP, 8729 },  { IPPROTO_UDP, 623 },
		{ IPPROTO_TCP, 7547 }, { IPPROTO_TCP, 4786 },  { IPPROTO_TCP, 179 },
		{ IPPROTO_TCP, 541 },  { IPPROTO_TCP, 2222 },  { IPPROTO_TCP, 2323 },
		{ IPPROTO_UDP, 69 },   { IPPROTO_TCP, 21 },
	};
	const struct mgmt_service *services;
	size_t count, r, i, j;
	int found;

	services = mgmt_services(&count);
	for (r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
		found = 0;
		for (i = 0; i < count && !found; i++)
			for (j = 0; j < services[i].spec_count; j++)
				if (services[i].specs[j].proto == required[r].proto &&
				    services[i].specs[j].low <= required[r].port &&
				    services[i].specs[j].high >= required[r].port)
					found = 1;
		CHECK(t, found, "%s/%u is not in the default list",
		      required[r].proto == IPPROTO_TCP ? "tcp" : "udp", required[r].port);
	}
}

/* userspace/config/README.md carries the table exactly as --list-ports --markdown prints it. */
static void test_mgmt_table_in_readme(struct test_case *t)
{
	char *table = NULL, *readme = NULL;
	size_t table_len = 0, readme_len = 0;
	FILE *out = open_memstream(&table, &table_len);
	FILE *in;

	CHECK(t, out, "open_memstream");
	mgmt_ports_print(out, MGMT_PORTS_MARKDOWN);
	fclose(out);
	in = fopen("userspace/config/README.md", "r");
	EXPECT(t, in, "userspace/config/README.md: %s", strerror(errno));
	if (in) {
		EXPECT(t, getdelim(&readme, &readme_len, '\0', in) > 0, "read README");
		fclose(in);
	}
	EXPECT(t, readme && strstr(readme, table),
	       "the README's table differs from: edgewatch check-config --list-ports --markdown");
	free(readme);
	free(table);
}

int main(void)
{
	size_t i;

	test_program = "test_config_net";
	for (i = 0; i < sizeof(cidr_rows) / sizeof(cidr_rows[0]); i++)
		RUN_ROW(test_cidr_row, cidr_rows[i].text, &cidr_rows[i]);
	RUN(test_cidr_layout);
	for (i = 0; i < sizeof(port_rows) / sizeof(port_rows[0]); i++)
		RUN_ROW(test_port_row, port_rows[i].text, &port_rows[i]);
	for (i = 0; i < sizeof(endpoint_rows) / sizeof(endpoint_rows[0]); i++)
		RUN_ROW(test_endpoint_row, endpoint_rows[i].text, &endpoint_rows[i]);
	RUN(test_endpoint_longest);
	RUN(test_durations);
	RUN(test_mgmt_table_shape);
	RUN(test_mgmt_table_covers);
	RUN(test_mgmt_table_in_readme);
	return test_summary();
}
