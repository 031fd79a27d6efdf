/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the payload pipeline tests share: a rules file and a config naming it, an EVE
 * file read back as JSON, hand-made samples (struct sample_header + payload) as the
 * datapath would send them. Run from the repository root (rules/classification.config).
 */
#ifndef EDGEWATCH_PIPELINE_FIXTURE_H
#define EDGEWATCH_PIPELINE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "config/config.h"
#include "output/eve_format.h"
#include "output/output.h"
#include "flow_export.h"
#include "payload/sample_pipeline.h"
#include "../support/packet_runner.h"

#define FIXTURE_SALT 0x5eed
#define FIXTURE_IFACE "test0"
#define FIXTURE_MAX_EVENTS 4096
#define TCP_FLAGS_PSH_ACK 0x18

struct pipeline_fixture {
	char dir[64];
	char rules_path[128];
	char eve_path[128];
	struct ew_config *cfg;
	struct output out;
	int out_open;
	struct flow_exporter exporter;
	struct sample_pipeline *sp;
	struct json_object *events[FIXTURE_MAX_EVENTS];	/* the first events written */
	size_t event_count;
	size_t line_count;	/* every event written */
};

/* What the pipeline is built with; rules_text NULL: a config without rule files. */
struct fixture_options {
	const char *rules_text;
	const char *extra_yaml;	/* appended to the config */
	int synchronous;
	int workers;
	size_t queue_slots;
	struct datapath_instance *dp;
};

static inline int fixture_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) ? -1 : 0;
}

/* The config (and rules file) only. */
static inline int fixture_config(struct pipeline_fixture *f, const char *rules_text,
				 const char *extra_yaml)
{
	struct config_error cerr;
	char yaml[1024];
	int n;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/edgewatch-pipeline.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->rules_path, sizeof(f->rules_path), "%s/test.rules", f->dir);
	snprintf(f->eve_path, sizeof(f->eve_path), "%s/eve.json", f->dir);
	if (rules_text) {
		if (fixture_write_file(f->rules_path, rules_text))
			return -1;
		n = snprintf(yaml, sizeof(yaml),
			     "home-net: [198.18.0.0/15, 2001:db8::/32]\n"
			     "rules:\n  files: [\"%s\"]\n"
			     "  classification: rules/classification.config\n",
			     f->rules_path);
	} else {
		n = snprintf(yaml, sizeof(yaml), "home-net: [198.18.0.0/15]\n");
	}
	if (extra_yaml)
		n += snprintf(yaml + n, sizeof(yaml) - (size_t)n, "%s", extra_yaml);
	if (config_load_buffer("pipeline-test.yaml", yaml, (size_t)n, &f->cfg, &cerr)) {
		fprintf(stderr, "config: %s\n", cerr.message);
		return -1;
	}
	return 0;
}

/* 0, or the error of sample_pipeline_new (or -1 for the fixture's own failures). */
static inline int fixture_open(struct pipeline_fixture *f, const struct fixture_options *o)
{
	struct sample_pipeline_params p = { 0 };

	if (fixture_config(f, o->rules_text, o->extra_yaml))
		return -1;
	if (output_open(&f->out, f->eve_path, FIXTURE_IFACE))
		return -1;
	f->out_open = 1;
	flow_exporter_init(&f->exporter, &f->out, FIXTURE_SALT, 0);
	p.cfg = f->cfg;
	p.dp = o->dp;
	p.exporter = &f->exporter;
	p.synchronous = o->synchronous;
	p.workers = o->workers;
	p.queue_slots = o->queue_slots;
	return sample_pipeline_new(&f->sp, &p);
}

static inline void fixture_drop_events(struct pipeline_fixture *f)
{
	size_t i;

	for (i = 0; i < f->event_count; i++)
		json_object_put(f->events[i]);
	f->event_count = 0;
}

static inline void fixture_close(struct pipeline_fixture *f)
{
	char path[160];

	sample_pipeline_free(f->sp);
	f->sp = NULL;
	fixture_drop_events(f);
	if (f->out_open)
		output_close(&f->out);
	f->out_open = 0;
	flow_exporter_destroy(&f->exporter);
	config_free(f->cfg);
	f->cfg = NULL;
	unlink(f->rules_path);
	unlink(f->eve_path);
	snprintf(path, sizeof(path), "%s", f->dir);
	if (path[0])
		rmdir(path);
}

/* Drain the pipeline, then read every event written so far (f->events). */
static inline size_t fixture_read_events(struct pipeline_fixture *f)
{
	char line[65536];
	FILE *in;

	sample_pipeline_drain(f->sp);
	output_flush(&f->out);
	fixture_drop_events(f);
	f->line_count = 0;
	in = fopen(f->eve_path, "r");
	if (!in)
		return 0;
	while (fgets(line, sizeof(line), in)) {
		struct json_object *ev;

		f->line_count++;
		if (f->event_count == FIXTURE_MAX_EVENTS)
			continue;
		ev = json_tokener_parse(line);
		if (ev)
			f->events[f->event_count++] = ev;
	}
	fclose(in);
	return f->event_count;
}

/* The value at a dotted path ("alert.signature_id"), or NULL. */
static inline struct json_object *jpath(struct json_object *obj, const char *path)
{
	char key[64];
	const char *dot;

	while (obj && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s", (int)(dot ? dot - path : (long)strlen(path)),
			 path);
		if (!json_object_object_get_ex(obj, key, &obj))
			return NULL;
		path = dot ? dot + 1 : path + strlen(path);
	}
	return obj;
}

static inline const char *jstr(struct json_object *obj, const char *path)
{
	struct json_object *v = jpath(obj, path);

	return v ? json_object_get_string(v) : NULL;
}

static inline int64_t jint(struct json_object *obj, const char *path)
{
	struct json_object *v = jpath(obj, path);

	return v ? json_object_get_int64(v) : -1;
}

/* The alerts among the events, in order. */
static inline size_t fixture_alerts(struct pipeline_fixture *f, struct json_object **out,
				    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < f->event_count && n < max; i++) {
		const char *type = jstr(f->events[i], "event_type");

		if (type && !strcmp(type, "alert"))
			out[n++] = f->events[i];
	}
	return n;
}

/* A sample the datapath would send: a TCP packet from src:sport to dst:dport. */
struct sample_spec {
	uint64_t flow_seq;
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	int to_client;		/* the packet goes from the flow's responder */
	uint8_t tcp_flags;	/* 0: PSH|ACK */
	uint16_t vlan;
	uint64_t ts_ns;
	const char *payload;
};

/* The record in buf (room for sizeof(struct sample_header) + snaplen); its length. */
static inline size_t sample_make(uint8_t *buf, const struct sample_spec *s)
{
	struct sample_header *hdr = (struct sample_header *)buf;
	size_t len = strlen(s->payload);
	bool src_is_a;

	memset(hdr, 0, sizeof(*hdr));
	if (dp_flow_key(&hdr->key, &src_is_a, s->src, s->sport, s->dst, s->dport, 6))
		return 0;
	hdr->key.vlan[0] = s->vlan;
	hdr->ts_ns = s->ts_ns ? s->ts_ns : 1700000000ULL * 1000000000ULL;
	hdr->flow_seq = s->flow_seq;
	hdr->payload_len = (uint32_t)len;
	hdr->cap_len = (uint16_t)len;
	hdr->payload_off = 54;
	hdr->frame_len = (uint32_t)(54 + len);
	hdr->from_a = src_is_a;
	hdr->dir = s->to_client ? EW_DIR_TO_CLIENT : EW_DIR_TO_SERVER;
	/* the initiator is the source of a to_server packet */
	hdr->initiator = (src_is_a == !s->to_client) ? 0 : 1;
	hdr->reason = EW_SAMPLE_FIRST;
	hdr->tcp_flags = s->tcp_flags ? s->tcp_flags : TCP_FLAGS_PSH_ACK;
	memcpy(buf + sizeof(*hdr), s->payload, len);
	return sizeof(*hdr) + len;
}

/* Hand one sample to the pipeline as the ring buffer's callback would. */
static inline int sample_feed(struct sample_pipeline *sp, const struct sample_spec *s)
{
	static _Thread_local uint8_t buf[sizeof(struct sample_header) + EW_SNAPLEN_MAX]
		__attribute__((aligned(8)));
	size_t len = sample_make(buf, s);

	return len ? sample_pipeline_on_sample(sp, buf, len) : -1;
}

/* The pipeline's part of a stats event, as the EVE stats event writes it (put it when
 * done): the snapshot, formatted by the one formatter, parsed back. */
static inline struct json_object *pipeline_stats(struct sample_pipeline *sp)
{
	static char line[EVE_STATS_LINE_MAX];
	struct stats_snapshot snap = { .has_pipeline = 1 };
	struct json_object *event, *stats = NULL;
	struct json_line jl;

	sample_pipeline_stats(sp, &snap.samples, &snap.rules, &snap.streams);
	json_line_init(&jl, line, sizeof(line));
	if (eve_format_stats(&jl, &snap, NULL))
		return json_object_new_object();
	jl.buf[jl.len] = '\0';
	event = json_tokener_parse(jl.buf);
	if (event && json_object_object_get_ex(event, "stats", &stats))
		json_object_get(stats);
	json_object_put(event);
	return stats ? stats : json_object_new_object();
}

#endif /* EDGEWATCH_PIPELINE_FIXTURE_H */
