// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inventory's table without a kernel: hand-made samples in, EVE lines out. The flags
 * follow the configuration; a reload hands over a new configuration (the old one freed:
 * ASan catches any pointer kept into it); the table's bound evicts and counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "../support/inventory_fixtures.h"
#include "../support/test.h"
#include "config/config.h"
#include "config/config_error.h"
#include "inventory/inventory.h"
#include "output/output.h"

struct rig {
	char path[64];
	struct output out;
	struct flow_exporter x;
	struct ew_config *cfg;
	struct inventory *inv;
};

static int rig_open(struct rig *r, const char *yaml)
{
	struct config_error err;
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "/tmp/edgewatch-inv-test.XXXXXX");
	fd = mkstemp(r->path);
	if (fd < 0)
		return -1;
	close(fd);
	if (config_load_buffer("test.yaml", yaml, strlen(yaml), &r->cfg, &err) ||
	    output_open(&r->out, r->path, NULL))
		return -1;
	flow_exporter_init(&r->x, &r->out, 1, 0);
	return inventory_new(&r->inv, r->cfg, &r->x);
}

static void rig_close(struct rig *r)
{
	inventory_finish(r->inv);
	inventory_free(r->inv);
	flow_exporter_destroy(&r->x);
	output_close(&r->out);
	config_free(r->cfg);
	unlink(r->path);
}

/* The server's answer on a flow: server -> client, the flow's responder. */
static void answer(struct rig *r, const char *server, uint16_t sport, const char *client,
		   uint64_t flow_seq, const char *bytes)
{
	struct {
		struct sample_header h;
		uint8_t payload[256];
	} s;
	size_t len = strlen(bytes);

	memset(&s, 0, sizeof(s));
	s.h.ts_ns = flow_seq * 1000000000ull;
	s.h.flow_seq = flow_seq;
	s.h.key.family = 4;
	s.h.key.proto = IPPROTO_TCP;
	inet_pton(AF_INET, server, s.h.key.addr_a.u8);
	inet_pton(AF_INET, client, s.h.key.addr_b.u8);
	s.h.key.port_a = htons(sport);
	s.h.key.port_b = htons(40000);
	s.h.from_a = 1;
	s.h.initiator = 1;	/* b started it */
	s.h.dir = EW_DIR_TO_CLIENT;
	s.h.reason = EW_SAMPLE_STREAM;
	s.h.cap_len = (uint16_t)len;
	s.h.payload_len = (uint32_t)len;
	memcpy(s.payload, bytes, len);
	inventory_on_sample(r->inv, &s.h, s.payload);
}

/* The EVE file's inventory lines, joined. */
static char *eve_inventory(struct rig *r)
{
	output_flush(&r->out);
	return fixture_eve_inventory(r->path);
}

static void test_flags_follow_reload(struct test_case *t)
{
	static const char yaml[] = "home-net: [198.18.0.0/24]\n";
	static const char reloaded[] = "home-net: [198.18.0.0/15]\ninventory:\n"
				       "  alert-interval: 0\n";
	struct config_error err;
	struct ew_config *cfg2;
	struct stats_inventory st;
	struct rig r;

	CHECK(t, rig_open(&r, yaml) == 0 && r.inv, "rig");
	answer(&r, "198.18.0.1", 23, "198.19.0.9", 1, "\xff\xfd\x18");
	CHECK(t, strstr(eve_inventory(&r), "\"flags\":[\"mgmt_exposed\",\"cleartext_mgmt\"]"),
	      "telnet to an outside client: %s", eve_inventory(&r));
	/* the reload: the old configuration is freed at once, as run.c does */
	CHECK(t, config_load_buffer("reload.yaml", reloaded, strlen(reloaded), &cfg2, &err) == 0,
	      "reload config");
	inventory_reconfigure(r.inv, cfg2);
	config_free(r.cfg);
	r.cfg = cfg2;
	/* 198.19.0.0/16 is home now: a new telnet answering a client there is not exposed */
	answer(&r, "198.18.0.2", 23, "198.19.0.9", 2, "\xff\xfb\x01");
	CHECK(t, strstr(eve_inventory(&r), "\"dest_ip\":\"198.18.0.2\",\"dest_port\":23,"
					   "\"proto\":\"TCP\",\"inventory\":{\"change\":\"new\""),
	      "second telnet: %s", eve_inventory(&r));
	CHECK(t, strstr(eve_inventory(&r), "\"flags\":[\"cleartext_mgmt\"]"), "%s",
	      eve_inventory(&r));
	inventory_stats(r.inv, &st);
	CHECK(t, st.services == 2 && st.flagged[INVENTORY_MGMT_EXPOSED] == 1 &&
			 st.flagged[INVENTORY_CLEARTEXT_MGMT] == 2, "stats %llu",
	      (unsigned long long)st.services);
	rig_close(&r);
}

static void test_table_bound(struct test_case *t)
{
	static const char yaml[] = "home-net: [198.18.0.0/15]\ninventory:\n  table-size: 16\n";
	struct stats_inventory st;
	char server[32];
	struct rig r;
	int i;

	CHECK(t, rig_open(&r, yaml) == 0 && r.inv, "rig");
	for (i = 0; i < 40; i++) {
		snprintf(server, sizeof(server), "198.18.1.%d", i);
		answer(&r, server, 22, "198.18.0.100", (uint64_t)i + 1, "SSH-2.0-OpenSSH_9.6\r\n");
	}
	inventory_stats(r.inv, &st);
	CHECK(t, st.services == 16 && st.evicted == 24 && st.new_events == 40,
	      "services %llu evicted %llu new %llu", (unsigned long long)st.services,
	      (unsigned long long)st.evicted, (unsigned long long)st.new_events);
	rig_close(&r);
}

int main(void)
{
	test_program = "test_inventory_table";
	RUN(test_flags_follow_reload);
	RUN(test_table_bound);
	return test_summary();
}
