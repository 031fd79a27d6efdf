/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of one anomaly detector through the hub (userspace/detect/): flow records in,
 * EVE alerts out. detect_rig_prepare() makes the default configuration,
 * detect_rig_config() the same with only the detector under test enabled (the test may change r->cfg before detect_rig_start()),
 * detect_rig_send() hands the hub one IPv4 flow record, detect_rig_alerts() ends the run
 * and reads the EVE file's alerts back.
 */
#ifndef EDGEWATCH_TEST_DETECT_RIG_H
#define EDGEWATCH_TEST_DETECT_RIG_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config/config.h"
#include "detect/detect.h"
#include "flow_export.h"
#include "output/output.h"
#include "json_field.h"

#define RIG_SEC 1000000000ULL

struct detect_rig {
	char path[64];
	struct output out;
	struct flow_exporter x;
	struct ew_config *cfg;
	struct detect *d;
};

/* The EVE file, the default configuration with anomaly detection on (every detector as
 * its default says); the test may change r->cfg before detect_rig_start(). 0 or -1. */
static inline int detect_rig_prepare(struct detect_rig *r)
{
	int fd;

	memset(r, 0, sizeof(*r));
	strcpy(r->path, "/tmp/edgewatch-test-detect.XXXXXX");
	fd = mkstemp(r->path);
	if (fd < 0)
		return -1;
	close(fd);
	r->cfg = config_defaults();
	if (!r->cfg || output_open(&r->out, r->path, "test0"))
		return -1;
	flow_exporter_init(&r->x, &r->out, 1, 0);
	r->cfg->anomaly.on = 1;
	return 0;
}

/* The same with only the detector under test enabled. 0, or -1. */
static inline int detect_rig_config(struct detect_rig *r, enum ew_detector only)
{
	int i;

	if (detect_rig_prepare(r))
		return -1;
	for (i = 0; i < EW_DETECTOR_COUNT; i++)
		r->cfg->anomaly.enabled[i] = i == (int)only;
	return 0;
}

static inline int detect_rig_start(struct detect_rig *r)
{
	return detect_new(&r->d, r->cfg, &r->x) || !r->d ? -1 : 0;
}

/* One flow record from the initiator's view (IPv4, host-order addresses). */
struct rig_flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, flags_fwd, flags_rev, icmp_type;
	uint64_t pkts_fwd, bytes_fwd, pkts_rev, bytes_rev;
	uint64_t first_ns, end_ns;	/* the flow's first packet and this record's end */
	int active;			/* an active-timeout record (the flow goes on) */
	uint64_t start_ns;		/* this record's start; 0: first_ns */
};

static inline void detect_rig_send(struct detect_rig *r, const struct rig_flow *c)
{
	struct flow_key key;
	struct flow_record rec;
	struct flow_event ev;
	uint32_t a = htonl(c->src), b = htonl(c->dst);

	memset(&key, 0, sizeof(key));
	memset(&rec, 0, sizeof(rec));
	memset(&ev, 0, sizeof(ev));
	key.family = 4;
	key.proto = c->proto;
	memcpy(key.addr_a.u8, &a, 4);
	memcpy(key.addr_b.u8, &b, 4);
	key.port_a = htons(c->sport);
	key.port_b = htons(c->dport);
	rec.initiator = 0;
	rec.first_seen_ns = c->first_ns;
	rec.last_seen_ns = c->end_ns;
	rec.icmp_type = c->icmp_type;
	rec.packets[EW_DIR_TO_SERVER] = ev.packets[EW_DIR_TO_SERVER] = c->pkts_fwd;
	rec.bytes[EW_DIR_TO_SERVER] = ev.bytes[EW_DIR_TO_SERVER] = c->bytes_fwd;
	rec.packets[EW_DIR_TO_CLIENT] = ev.packets[EW_DIR_TO_CLIENT] = c->pkts_rev;
	rec.bytes[EW_DIR_TO_CLIENT] = ev.bytes[EW_DIR_TO_CLIENT] = c->bytes_rev;
	rec.tcp_flags[EW_DIR_TO_SERVER] = c->flags_fwd;
	rec.tcp_flags[EW_DIR_TO_CLIENT] = c->flags_rev;
	ev.flow.key = &key;
	ev.flow.rec = &rec;
	ev.reason = c->active ? EW_END_ACTIVE_TIMEOUT : EW_END_TIMEOUT;
	ev.start_ns = c->start_ns ? c->start_ns : c->first_ns;
	ev.end_ns = c->end_ns;
	detect_flow(r->d, &ev);
}

/* End the run at end_ns and read the EVE file back: its alerts, in order, into out[]
 * (count returned; detect_rig_free() them). The rig is gone after this. */
static inline int detect_rig_alerts(struct detect_rig *r, struct json_object **out, int max,
				    uint64_t end_ns)
{
	char line[16384];
	int n = 0;
	FILE *f;

	detect_finish(r->d, end_ns);
	detect_free(r->d);
	flow_exporter_destroy(&r->x);
	output_close(&r->out);
	f = fopen(r->path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct json_object *o = json_tokener_parse(line), *t;

		if (o && n < max && json_object_object_get_ex(o, "event_type", &t) &&
		    !strcmp(json_object_get_string(t), "alert"))
			out[n++] = o;
		else if (o)
			json_object_put(o);
	}
	if (f)
		fclose(f);
	unlink(r->path);
	config_free(r->cfg);
	return n;
}

static inline void detect_rig_free(struct json_object **a, int n)
{
	while (n-- > 0)
		json_object_put(a[n]);
}

/* A field's text, "" when absent. */
static inline const char *rig_get(struct json_object *o, const char *path)
{
	const char *v = o ? field(o, path) : NULL;

	return v ? v : "";
}

#endif /* EDGEWATCH_TEST_DETECT_RIG_H */
