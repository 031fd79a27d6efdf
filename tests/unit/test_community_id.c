// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Community ID v1 against the reference vectors of corelight/pycommunityid (seed 0 and 1). */
#include <arpa/inet.h>
#include "../support/test.h"
#include "community_id.h"

struct cid_row {
	const char *name;
	int family;
	const char *src;
	const char *dst;
	uint8_t proto;
	uint16_t sport;
	uint16_t dport;
	const char *seed0;
	const char *seed1;
};

static const struct cid_row rows[] = {
	{ "tcp", 4, "128.232.110.120", "66.35.250.204", 6, 34855, 80,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ "tcp_reverse", 4, "66.35.250.204", "128.232.110.120", 6, 80, 34855,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ "tcp_port_order", 4, "10.0.0.1", "10.0.0.2", 6, 10, 11569,
	  "1:SXBGMX1lBOwhhoDrZynfROxnhnM=", "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo=" },
	{ "udp", 4, "192.168.1.52", "8.8.8.8", 17, 54585, 53,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ "sctp", 4, "192.168.170.8", "192.168.170.56", 132, 7, 80,
	  "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=" },
	{ "icmp_echo", 4, "192.168.0.89", "192.168.0.1", 1, 8, 0,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ "icmp_echo_reply", 4, "192.168.0.1", "192.168.0.89", 1, 0, 8,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ "icmp_one_way", 4, "192.168.0.89", "192.168.0.1", 1, 20, 1,
	  "1:tz/fHIDUHs19NkixVVoOZywde+I=", "1:Ie3wmFyxiEyikbsbcO03d2nh+PM=" },
	{ "icmp6_ns", 6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ "icmp6_na", 6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ "icmp6_one_way", 6, "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da",
	  58, 3, 0, "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=", "1:OlOWx9psIbBFi7lOCw/4MhlKR9M=" },
	{ "ip_no_ports", 4, "10.1.24.4", "10.1.12.1", 46, 0, 0,
	  "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=", "1:BK3BVW3U2eemuwVQVN3zd/GULno=" },
};

static void check_row(struct test_case *t, const struct cid_row *row)
{
	uint8_t src[16] = {}, dst[16] = {};
	char out[COMMUNITY_ID_LEN];
	int af = row->family == 4 ? AF_INET : AF_INET6;

	CHECK(t, inet_pton(af, row->src, src) == 1, "bad source %s", row->src);
	CHECK(t, inet_pton(af, row->dst, dst) == 1, "bad destination %s", row->dst);
	CHECK(t, community_id_v1(0, row->family, src, dst, row->proto, row->sport, row->dport,
				 out) == 0, "seed 0 failed");
	CHECK(t, strcmp(out, row->seed0) == 0, "seed 0: got %s want %s", out, row->seed0);
	CHECK(t, community_id_v1(1, row->family, src, dst, row->proto, row->sport, row->dport,
				 out) == 0, "seed 1 failed");
	CHECK(t, strcmp(out, row->seed1) == 0, "seed 1: got %s want %s", out, row->seed1);
}

static void test_bad_family(struct test_case *t)
{
	uint8_t a[16] = {};
	char out[COMMUNITY_ID_LEN];

	CHECK(t, community_id_v1(0, 5, a, a, 6, 1, 2, out) < 0, "family 5 accepted");
}

int main(void)
{
	size_t i;

	test_program = "community_id";
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		RUN_ROW(check_row, rows[i].name, &rows[i]);
	RUN(test_bad_family);
	return test_summary();
}
