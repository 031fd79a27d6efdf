/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The anomaly detections, as one table: each detection's signature id (from the
 * built-in reserved range, builtin_sids.h), its signature, its EVE alert.category and
 * severity, and each detector's parameters with their defaults and bounds (the
 * `anomaly:` section of the config: config/config_anomaly.c reads it from this table,
 * userspace/detect/README.md documents it). Data only, so the config reads it without
 * pulling in the detectors.
 *
 * A new detection is a row here (a sid never changes meaning: SIEM rules key on it);
 * a new detector is an enum ew_detector value, its rows, and a file in detect/.
 */
#ifndef EDGEWATCH_DETECT_DETECTIONS_H
#define EDGEWATCH_DETECT_DETECTIONS_H

#include <stddef.h>
#include <stdint.h>

/* The detectors: each a file in detect/, each a mapping under `anomaly:`. */
enum ew_detector {
	EW_DETECTOR_SCAN,		/* port scans and address sweeps */
	EW_DETECTOR_BRUTE_FORCE,	/* password guessing on authentication services */
	EW_DETECTOR_FLOOD,		/* SYN, UDP and ICMP floods */
	EW_DETECTOR_AMPLIFICATION,	/* amplification, reflection, backscatter */
	EW_DETECTOR_BEACON,		/* regular call-backs to one destination */
	EW_DETECTOR_COUNT,
};

/* Anomaly detections' sids: 9000100-9000599 (inside EW_SID_RESERVED_FIRST..LAST). */
#define EW_SID_ANOMALY_FIRST 9000100
#define EW_SID_ANOMALY_LAST 9000599

/* Categories (alert.category): the contract the issue and the README name. */
#define EW_CAT_PORT_SCAN "Port Scan"
#define EW_CAT_ADDRESS_SWEEP "Address Sweep"
#define EW_CAT_BRUTE_FORCE "Brute Force"
#define EW_CAT_SYN_FLOOD "SYN Flood"
#define EW_CAT_UDP_FLOOD "UDP Flood"
#define EW_CAT_ICMP_FLOOD "ICMP Flood"
#define EW_CAT_AMPLIFICATION "Amplification"
#define EW_CAT_REFLECTION "Reflection"
#define EW_CAT_BEACONING "Beaconing"

/* One detection: what an alert of it says. */
struct ew_detection {
	uint32_t sid;
	enum ew_detector detector;
	const char *name;		/* short, stable: "syn_scan" (stats keys) */
	const char *technique;		/* "SYN scan": the technique or protocol named */
	const char *signature;		/* alert.signature */
	const char *category;		/* alert.category (EW_CAT_*) */
	int severity;			/* 1 (high) .. 3 */
};

/* The table, in sid order; NULL when sid is not an anomaly detection. */
const struct ew_detection *ew_detections(size_t *count);
const struct ew_detection *ew_detection_of(uint32_t sid);

/* The detector's name in the config and in stats ("scan", "brute-force", ...). */
const char *ew_detector_name(enum ew_detector d);

/* A parameter's kind: how the config reads it and how the README shows it. */
enum ew_param_kind {
	EW_PARAM_COUNT,		/* a whole number */
	EW_PARAM_SECONDS,	/* a duration: "90", "90s", "5m", "1h", "1d" */
	EW_PARAM_PERCENT,	/* 0..100 */
	EW_PARAM_BYTES,		/* a whole number of bytes */
};

/*
 * Every detector parameter, one index each: cfg->anomaly.value[EW_AP_...]. Each
 * detector also has `enabled` (cfg->anomaly.enabled[detector]), not listed here.
 */
enum ew_anomaly_param {
	/* scan */
	EW_AP_SCAN_WINDOW,
	EW_AP_SCAN_PORTS,
	EW_AP_SCAN_HOSTS,
	EW_AP_SCAN_SLOW_WINDOW,
	EW_AP_SCAN_SLOW_PORTS,
	EW_AP_SCAN_SLOW_HOSTS,
	/* brute-force */
	EW_AP_BRUTE_WINDOW,
	EW_AP_BRUTE_ATTEMPTS,
	/* flood */
	EW_AP_FLOOD_WINDOW,
	EW_AP_FLOOD_SYN_RATE,
	EW_AP_FLOOD_UDP_RATE,
	EW_AP_FLOOD_ICMP_RATE,
	EW_AP_FLOOD_BASELINE_FACTOR,
	/* amplification */
	EW_AP_AMP_WINDOW,
	EW_AP_AMP_REFLECTORS,
	EW_AP_AMP_BYTES,
	EW_AP_AMP_RATIO,
	EW_AP_AMP_SOURCES,
	/* beacon */
	EW_AP_BEACON_MIN_CONNECTIONS,
	EW_AP_BEACON_SCORE,
	EW_AP_BEACON_WINDOW,
	EW_AP_BEACON_PEERS,
	/* every detector */
	EW_AP_MAX_TRACKED,
	EW_AP_UPDATE_INTERVAL,
	EW_AP_COUNT,
};

struct ew_anomaly_param_def {
	enum ew_anomaly_param id;
	int detector;			/* enum ew_detector, or -1: anomaly.KEY itself */
	const char *key;		/* "window" */
	enum ew_param_kind kind;
	uint32_t def, min, max;
	const char *doc;		/* what it counts, for the README and check-config */
};

/* Every parameter, in enum order (id == index). */
const struct ew_anomaly_param_def *ew_anomaly_params(size_t *count);

#endif /* EDGEWATCH_DETECT_DETECTIONS_H */
