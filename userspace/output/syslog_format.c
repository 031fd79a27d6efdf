// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* RFC 5424 messages around the EVE line (syslog_format.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/eve_format.h"
#include "output/syslog_format.h"

/* Room before the header for the frame, "LEN " (LEN at most 10 digits). */
#define FRAME_ROOM 12
/* "<191>1 " + TIMESTAMP + HOSTNAME + APP-NAME + PROCID + MSGID, spaces included */
#define HEADER_MAX (8 + SYSLOG_TIMESTAMP_LEN + 256 + sizeof(SYSLOG_APP_NAME) + 16 + 8)

enum syslog_severity syslog_alert_severity(int alert_severity)
{
	switch (alert_severity) {
	case 1:
		return SYSLOG_CRIT;
	case 2:
		return SYSLOG_ERR;
	case 3:
		return SYSLOG_WARNING;
	default:
		return SYSLOG_NOTICE;
	}
}

void syslog_origin_init(struct syslog_origin *o, uint32_t facility, const char *hostname,
			int pid, const char *iface, int framed)
{
	size_t i, len = hostname ? strlen(hostname) : 0;

	memset(o, 0, sizeof(*o));
	o->facility = facility;
	/* RFC 5424 6.2.4: PRINTUSASCII, 1..255; anything else is the NILVALUE */
	for (i = 0; i < len; i++)
		if (hostname[i] < 33 || hostname[i] > 126)
			break;
	snprintf(o->hostname, sizeof(o->hostname), "%s",
		 len && i == len && len < sizeof(o->hostname) ? hostname : "-");
	snprintf(o->procid, sizeof(o->procid), "%d", pid);
	o->iface = iface;
	o->framed = framed;
}

void syslog_format_timestamp(uint64_t realtime_ns, char out[SYSLOG_TIMESTAMP_LEN])
{
	time_t secs = (time_t)(realtime_ns / 1000000000ULL);
	unsigned int usec = (unsigned int)(realtime_ns % 1000000000ULL / 1000);
	struct tm tm;
	size_t n;

	/* strftime for the date (its width is what gcc cannot bound in a printf of ints),
	 * then the microseconds: "2026-12-02T22:13:01.123456Z" */
	gmtime_r(&secs, &tm);
	n = strftime(out, SYSLOG_TIMESTAMP_LEN - 9, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, SYSLOG_TIMESTAMP_LEN - n, ".%06uZ", usec % 1000000);
}

int syslog_sd_escape(const char *value, char *out, size_t cap)
{
	size_t n = 0;

	for (; *value; value++) {
		int escape = *value == '"' || *value == '\\' || *value == ']';

		if (n + escape + 1 >= cap)
			return -ENOSPC;
		if (escape)
			out[n++] = '\\';
		out[n++] = *value;
	}
	if (n >= cap)
		return -ENOSPC;
	out[n] = '\0';
	return (int)n;
}

/* header + sd + " " + the EVE line of ev (at most json_cap bytes), framed if asked. */
static int format_message(const struct syslog_origin *o, enum syslog_severity severity,
			  uint64_t ts_ns, const char *msgid, const char *sd, size_t json_cap,
			  enum output_event_type type, const void *ev, struct syslog_message *m)
{
	char ts[SYSLOG_TIMESTAMP_LEN], frame[FRAME_ROOM];
	size_t header_len, cap, sd_len = strlen(sd);
	struct json_line jl;
	char *buf, *header;
	int n;

	syslog_format_timestamp(ts_ns, ts);
	cap = FRAME_ROOM + HEADER_MAX + sd_len + 1 + json_cap;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	header = buf + FRAME_ROOM;
	n = snprintf(header, HEADER_MAX, "<%u>1 %s %s " SYSLOG_APP_NAME " %s %s ",
		     o->facility * 8 + severity, ts, o->hostname, o->procid, msgid);
	header_len = (size_t)n;
	memcpy(header + header_len, sd, sd_len);
	header_len += sd_len;
	header[header_len++] = ' ';
	json_line_init(&jl, header + header_len, cap - FRAME_ROOM - header_len);
	if (eve_format_event(&jl, type, ev, o->iface)) {
		free(buf);
		return -ENOSPC;
	}
	m->buf = buf;
	m->start = FRAME_ROOM;
	m->len = header_len + jl.len;
	if (o->framed) {	/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG */
		n = snprintf(frame, sizeof(frame), "%zu ", m->len);
		m->start -= (size_t)n;
		memcpy(buf + m->start, frame, (size_t)n);
		m->len += (size_t)n;
	}
	return 0;
}

/* ' name="value"' escaped, appended at sd + *len; value NULL: nothing. */
static int append_param(char *sd, size_t cap, size_t *len, const char *name, const char *value)
{
	int n;

	if (!value)
		return 0;
	n = snprintf(sd + *len, cap - *len, " %s=\"", name);
	if (n < 0 || (size_t)n >= cap - *len)
		return -ENOSPC;
	*len += (size_t)n;
	n = syslog_sd_escape(value, sd + *len, cap - *len);
	if (n < 0 || (size_t)n + 2 >= cap - *len)
		return -ENOSPC;
	*len += (size_t)n;
	sd[(*len)++] = '"';
	sd[*len] = '\0';
	return 0;
}

int syslog_format_alert(const struct syslog_origin *o, const struct alert_event *ev,
			struct syslog_message *m)
{
	size_t len, cap = 128 + 2 * ((ev->category ? strlen(ev->category) : 0) +
				     (ev->signature ? strlen(ev->signature) : 0));
	char *sd = malloc(cap);
	int err;

	if (!sd)
		return -ENOMEM;
	len = (size_t)snprintf(sd, cap, "[" SYSLOG_SD_ID " sid=\"%u\" gid=\"%u\" rev=\"%u\" "
			       "severity=\"%d\"", ev->sid, ev->gid, ev->rev, ev->severity);
	err = append_param(sd, cap, &len, "category", ev->category);
	if (!err)
		err = append_param(sd, cap, &len, "signature", ev->signature);
	if (!err && len + 2 <= cap) {
		sd[len++] = ']';
		sd[len] = '\0';
	} else if (!err) {
		err = -ENOSPC;
	}
	if (!err)
		err = format_message(o, syslog_alert_severity(ev->severity), ev->ts_ns, "alert",
				     sd, eve_alert_line_max(ev), OUTPUT_ALERT, ev, m);
	free(sd);
	return err;
}

int syslog_format_flow(const struct syslog_origin *o, const struct flow_event *ev,
		       struct syslog_message *m)
{
	return format_message(o, SYSLOG_INFO, ev->end_ns, "flow", "-", JSON_LINE_MAX,
			      OUTPUT_FLOW, ev, m);
}

int syslog_format_stats(const struct syslog_origin *o, const struct stats_snapshot *s,
			struct syslog_message *m)
{
	return format_message(o, SYSLOG_INFO, s->ts_ns, "stats", "-", EVE_STATS_LINE_MAX,
			      OUTPUT_STATS, s, m);
}
