/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syslog sink's messages (RFC 5424), built around the EVE JSON line of the event:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME edgewatch PROCID MSGID [SD] MSG
 *
 * PRI = facility * 8 + severity; TIMESTAMP is the event's own time (UTC, microseconds);
 * MSGID is alert, flow, stats or inventory; an alert carries one SD element,
 * [edgewatch@32473 sid="..." gid="..." rev="..." severity="..." category="..."
 * signature="..."] (32473 is the example enterprise number of RFC 5612: the
 * element's name is ours, not registered), other events "-"; MSG is the EVE line (the
 * one the fan-out formatted for every sink, output.h), without a BOM (MSG-ANY: it is
 * ASCII JSON, every other byte escaped).
 * Over TCP and TLS every message is framed by octet counting (RFC 6587 3.4.1, the
 * framing RFC 5425 prescribes): "LEN SP MSG".
 */
#ifndef EDGEWATCH_OUTPUT_SYSLOG_FORMAT_H
#define EDGEWATCH_OUTPUT_SYSLOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "output/event.h"
#include "output/stats.h"

#define SYSLOG_APP_NAME "edgewatch"
#define SYSLOG_SD_ID "edgewatch@32473"

/* RFC 5424 severities used */
enum syslog_severity {
	SYSLOG_CRIT = 2,
	SYSLOG_ERR = 3,
	SYSLOG_WARNING = 4,
	SYSLOG_NOTICE = 5,
	SYSLOG_INFO = 6,
};

/* alert.severity 1 -> crit, 2 -> err, 3 -> warning, anything else -> notice. */
enum syslog_severity syslog_alert_severity(int alert_severity);

/* What every message of one sink says the same way. */
struct syslog_origin {
	uint32_t facility;	/* 0..23 */
	char hostname[256];	/* RFC 5424 HOSTNAME: printable ASCII, or "-" */
	char procid[16];
	char fixed[256 + 16 + sizeof(SYSLOG_APP_NAME) + 4];	/* " HOSTNAME edgewatch PROCID " */
	size_t fixed_len;
	int framed;		/* "LEN " before each message (TCP, TLS) */
};

/* The host's name as HOSTNAME: printable ASCII without spaces, at most 255, else "-". */
void syslog_origin_init(struct syslog_origin *o, uint32_t facility, const char *hostname,
			int pid, int framed);

/* A message ready for the wire (framing included when the origin says so). */
struct syslog_message {
	char *buf;		/* the caller's; the bytes are buf[start .. start + len) */
	size_t start;
	size_t len;
};

/* What an event's message says besides its EVE line. */
struct syslog_fields {
	enum syslog_severity severity;
	uint64_t ts_ns;
	const char *msgid;			/* "alert", "flow", "stats", "inventory", "seal" */
	const struct alert_event *alert;	/* its SD element; NULL: "-" */
};

struct syslog_fields syslog_fields_alert(const struct alert_event *ev);
struct syslog_fields syslog_fields_flow(const struct flow_event *ev);
struct syslog_fields syslog_fields_stats(const struct stats_snapshot *s);
/* An inventory record (MSGID "inventory"): notice when the service is flagged (end of
 * life, known exploited, ...: an operator's filter on severity keeps them), else info. */
struct syslog_fields syslog_fields_inventory(const struct inventory_event *ev);
/* A seal record's line (MSGID "seal", notice): what a collector keeps for log verify. */
struct syslog_fields syslog_fields_seal(uint64_t ts_ns);

/* The bytes syslog_format() may need for a message of f around an eve_len-byte line. */
size_t syslog_message_cap(const struct syslog_fields *f, size_t eve_len);

/*
 * The message of f around its EVE line (eve_line, eve_len bytes: copied) into buf, cap
 * bytes (at least syslog_message_cap(); the syslog sink's queue hands out the room, so a
 * message costs no allocation). 0, or -ENOSPC when cap is short.
 */
int syslog_format(const struct syslog_origin *o, const struct syslog_fields *f,
		  const char *eve_line, size_t eve_len, char *buf, size_t cap,
		  struct syslog_message *m);

/*
 * value escaped as an SD-PARAM value (RFC 5424 6.3.3: '"', '\' and ']' get a
 * backslash) into out (cap bytes, terminated). The length written, or -ENOSPC.
 */
int syslog_sd_escape(const char *value, char *out, size_t cap);

/* "2026-11-25T23:17:37.123456Z" (RFC 5424 TIMESTAMP, RFC 3339 with microseconds). */
#define SYSLOG_TIMESTAMP_LEN 32
void syslog_format_timestamp(uint64_t realtime_ns, char out[SYSLOG_TIMESTAMP_LEN]);

#endif /* EDGEWATCH_OUTPUT_SYSLOG_FORMAT_H */
