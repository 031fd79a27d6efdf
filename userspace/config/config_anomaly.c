// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * anomaly: the detectors' switches and thresholds. The keys are not written out here:
 * they come from the parameter table in detect/detections.c (one row per key, with its
 * kind, default and bounds), so a detector's new threshold is one row there and the
 * config, check-config and the README's table follow. Unknown keys, duplicates and values
 * out of bounds are FILE:LINE:COL errors like everywhere else (loader_read_mapping).
 *
 *   anomaly:
 *     exclude: [198.18.0.10/32]     # flows from or to these are not looked at
 *     max-tracked: 65536
 *     scan: { enabled: true, window: 5m, ports: 20 }
 */
#include <string.h>

#include "config/config_load.h"
#include "detect/detections.h"

/* Keys of one mapping: enabled (detectors only), the table's keys, and room to spare. */
#define ANOMALY_KEYS_MAX 32

/* The row of the key being read: the last segment of the loader's key path. */
static const struct ew_anomaly_param_def *param_of_path(const struct config_loader *ld,
							int detector)
{
	const char *key = strrchr(ld->path, '.');
	const struct ew_anomaly_param_def *defs;
	size_t i, count;

	key = key ? key + 1 : ld->path;
	defs = ew_anomaly_params(&count);
	for (i = 0; i < count; i++)
		if (defs[i].detector == detector && !strcmp(defs[i].key, key))
			return &defs[i];
	return NULL;
}

static int read_param(struct config_loader *ld, const struct config_node *node, int detector)
{
	const struct ew_anomaly_param_def *def = param_of_path(ld, detector);
	uint32_t *value;

	if (!def)	/* the key list came from the same table */
		return loader_fail(ld, node, "internal error: no parameter row");
	value = &ld->cfg->anomaly.value[def->id];
	if (def->kind == EW_PARAM_SECONDS)
		return loader_read_duration(ld, node, def->min, def->max, value);
	return loader_read_uint(ld, node, def->min, def->max, value);
}

/* The detector a mapping belongs to: the segment before the key ("anomaly.scan.window"). */
static int detector_of_path(const struct config_loader *ld)
{
	char name[64];
	const char *end = strrchr(ld->path, '.'), *start;
	size_t len;
	int d;

	if (!end)
		return -1;
	for (start = end; start > ld->path && start[-1] != '.'; start--)
		;
	len = (size_t)(end - start);
	if (len >= sizeof(name))
		return -1;
	memcpy(name, start, len);
	name[len] = '\0';
	for (d = 0; d < EW_DETECTOR_COUNT; d++)
		if (!strcmp(ew_detector_name((enum ew_detector)d), name))
			return d;
	return -1;
}

static int read_detector_param(struct config_loader *ld, const struct config_node *node,
			       void *target)
{
	int d = detector_of_path(ld);

	if (d < 0)
		return loader_fail(ld, node, "internal error: no detector");
	return read_param(ld, node, d);
}

static int read_enabled(struct config_loader *ld, const struct config_node *node, void *target)
{
	int d = detector_of_path(ld);

	if (d < 0)
		return loader_fail(ld, node, "internal error: no detector");
	return loader_read_bool(ld, node, &ld->cfg->anomaly.enabled[d]);
}

static int read_global_param(struct config_loader *ld, const struct config_node *node,
			     void *target)
{
	return read_param(ld, node, -1);
}

/* The keys of the mapping of detector (-1: anomaly itself, without its sub-mappings). */
static size_t keys_of(int detector, struct config_key *keys)
{
	const struct ew_anomaly_param_def *defs;
	size_t i, count, n = 0;

	if (detector >= 0)
		keys[n++] = (struct config_key){ "enabled", read_enabled };
	defs = ew_anomaly_params(&count);
	for (i = 0; i < count && n < ANOMALY_KEYS_MAX; i++)
		if (defs[i].detector == detector)
			keys[n++] = (struct config_key){
				defs[i].key, detector >= 0 ? read_detector_param : read_global_param
			};
	return n;
}

static int read_detector(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct config_key keys[ANOMALY_KEYS_MAX];
	/* the mapping's own key is the last segment: "anomaly.scan" */
	const char *name = strrchr(ld->path, '.');
	size_t nkeys;
	int d;

	name = name ? name + 1 : ld->path;
	for (d = 0; d < EW_DETECTOR_COUNT; d++)
		if (!strcmp(ew_detector_name((enum ew_detector)d), name))
			break;
	if (d == EW_DETECTOR_COUNT)
		return loader_fail(ld, node, "internal error: no detector");
	/* keys_of(d) reads "anomaly.scan.KEY": the detector is found from the path again */
	nkeys = keys_of(d, keys);
	return loader_read_mapping(ld, node, keys, nkeys, target, NULL);
}

static int read_exclude(struct config_loader *ld, const struct config_node *node, void *target)
{
	return loader_read_cidr_list(ld, node, &ld->cfg->anomaly.exclude);
}

static int read_anomaly_enabled(struct config_loader *ld, const struct config_node *node,
				void *target)
{
	return loader_read_bool(ld, node, &ld->cfg->anomaly.on);
}

int config_read_anomaly(struct config_loader *ld, const struct config_node *node, void *target)
{
	struct config_key keys[ANOMALY_KEYS_MAX];
	size_t nkeys = 0;
	int d;

	keys[nkeys++] = (struct config_key){ "enabled", read_anomaly_enabled };
	keys[nkeys++] = (struct config_key){ "exclude", read_exclude };
	for (d = 0; d < EW_DETECTOR_COUNT; d++)
		keys[nkeys++] = (struct config_key){ ew_detector_name((enum ew_detector)d),
						     read_detector };
	nkeys += keys_of(-1, keys + nkeys);
	return loader_read_mapping(ld, node, keys, nkeys, target, NULL);
}

void config_anomaly_defaults(struct ew_config *cfg)
{
	const struct ew_anomaly_param_def *defs;
	size_t i, count;
	int d;

	cfg->anomaly.on = 1;
	for (d = 0; d < EW_DETECTOR_COUNT; d++)
		cfg->anomaly.enabled[d] = 1;
	defs = ew_anomaly_params(&count);
	for (i = 0; i < count; i++)
		cfg->anomaly.value[defs[i].id] = defs[i].def;
}

/* The value a kind takes, with the row's bounds, as the Keys table writes it. */
static void print_value(FILE *out, const struct ew_anomaly_param_def *p)
{
	switch (p->kind) {
	case EW_PARAM_SECONDS:
		fprintf(out, "duration %us..%us", p->min, p->max);
		break;
	case EW_PARAM_PERCENT:
		fprintf(out, "%u..%u (percent)", p->min, p->max);
		break;
	case EW_PARAM_BYTES:
		fprintf(out, "bytes %u..%u", p->min, p->max);
		break;
	default:
		fprintf(out, "%u..%u", p->min, p->max);
	}
}

static void print_row(FILE *out, int markdown, const char *key, const char *value,
		      const char *def, const char *doc)
{
	if (markdown)
		fprintf(out, "| `%s` | %s | %s | %s |\n", key, value, def, doc);
	else
		fprintf(out, "%-36s %-26s %-10s %s\n", key, value, def, doc);
}

void config_anomaly_keys_print(FILE *out, int markdown)
{
	size_t count, i;
	const struct ew_anomaly_param_def *params = ew_anomaly_params(&count);
	char key[96], value[64], def[24];
	FILE *v;
	int d;

	if (markdown)
		fprintf(out, "| key | value | default | meaning |\n|---|---|---|---|\n");
	else
		fprintf(out, "%-36s %-26s %-10s %s\n", "KEY", "VALUE", "DEFAULT", "MEANING");
	print_row(out, markdown, "anomaly.enabled", "boolean", "true",
		  "every detector on or off");
	print_row(out, markdown, "anomaly.exclude", "list of prefixes", "none",
		  "flows from or to these are not looked at (your scanner, a poller); a reload "
		  "applies it");
	for (d = -1; d < EW_DETECTOR_COUNT; d++) {
		if (d >= 0) {
			snprintf(key, sizeof(key), "anomaly.%s.enabled", ew_detector_name(d));
			print_row(out, markdown, key, "boolean", "true", "this detector on or off");
		}
		for (i = 0; i < count; i++) {
			if (params[i].detector != d)
				continue;
			if (d >= 0)
				snprintf(key, sizeof(key), "anomaly.%s.%s", ew_detector_name(d),
					 params[i].key);
			else
				snprintf(key, sizeof(key), "anomaly.%s", params[i].key);
			v = fmemopen(value, sizeof(value), "w");
			if (!v)
				continue;
			print_value(v, &params[i]);
			fclose(v);
			snprintf(def, sizeof(def), "%u", params[i].def);
			print_row(out, markdown, key, value, def, params[i].doc);
		}
	}
}
