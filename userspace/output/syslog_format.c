// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* RFC 5424 messages around the EVE line (syslog_format.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve_format.h"
#include "output/json_line.h"
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
			int pid, int framed)
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
	o->fixed_len = (size_t)snprintf(o->fixed, sizeof(o->fixed), " %s " SYSLOG_APP_NAME " %s ",
					o->hostname, o->procid);
	o->framed = framed;
}

void syslog_format_timestamp(uint64_t realtime_ns, char out[SYSLOG_TIMESTAMP_LEN])
{
	char eve[EVE_TIMESTAMP_LEN];
	size_t n;

	/* EVE's timestamp (its date and time cached per thread: gmtime_r and strftime
	 * were most of a message's cost) with RFC 3339's "Z" for its "+0000" */
	eve_format_timestamp(realtime_ns, eve);
	n = (size_t)(strchr(eve, '+') - eve);
	if (n > SYSLOG_TIMESTAMP_LEN - 2)	/* a year past 9999: cannot be an event's */
		n = SYSLOG_TIMESTAMP_LEN - 2;
	memcpy(out, eve, n);
	memcpy(out + n, "Z", 2);
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

/* The room alert_sd() needs: every byte of the strings may get a backslash. */
static size_t alert_sd_max(const struct alert_event *ev)
{
	return 128 + 2 * ((ev->category ? strlen(ev->category) : 0) +
			  (ev->signature ? strlen(ev->signature) : 0));
}

/* The alert's SD element into sd (cap bytes, terminated). Its length, or -ENOSPC. */
static int alert_sd(const struct alert_event *ev, char *sd, size_t cap)
{
	size_t len = (size_t)snprintf(sd, cap, "[" SYSLOG_SD_ID " sid=\"%u\" gid=\"%u\" "
				      "rev=\"%u\" severity=\"%d\"", ev->sid, ev->gid, ev->rev,
				      ev->severity);

	if (len >= cap || append_param(sd, cap, &len, "category", ev->category) ||
	    append_param(sd, cap, &len, "signature", ev->signature) || len + 2 > cap)
		return -ENOSPC;
	sd[len++] = ']';
	sd[len] = '\0';
	return (int)len;
}

size_t syslog_message_cap(const struct syslog_fields *f, size_t eve_len)
{
	return FRAME_ROOM + HEADER_MAX + (f->alert ? alert_sd_max(f->alert) : 2) + 1 + eve_len;
}

static size_t put_text(char *out, const char *text)
{
	size_t len = strlen(text);

	memcpy(out, text, len);
	return len;
}

/*
 * header + SD (the alert's, or "-") + " " + the EVE line, framed if the origin says so.
 * The header is put together by hand, not by snprintf: the fixed part (HOSTNAME,
 * APP-NAME, PROCID) is the origin's, made once; snprintf's parsing of the format was a
 * fifth of a message's cost (BENCHMARKS.md, output wing).
 */
int syslog_format(const struct syslog_origin *o, const struct syslog_fields *f,
		  const char *eve_line, size_t eve_len, char *buf, size_t cap,
		  struct syslog_message *m)
{
	char ts[SYSLOG_TIMESTAMP_LEN];
	size_t header_len = 0, sd_cap = f->alert ? alert_sd_max(f->alert) : 2;
	char *header = buf + FRAME_ROOM;
	int n;

	if (cap < syslog_message_cap(f, eve_len))
		return -ENOSPC;
	syslog_format_timestamp(f->ts_ns, ts);
	header[header_len++] = '<';
	header_len += decimal_u64(o->facility * 8 + f->severity, header + header_len);
	header_len += put_text(header + header_len, ">1 ");
	header_len += put_text(header + header_len, ts);
	memcpy(header + header_len, o->fixed, o->fixed_len);
	header_len += o->fixed_len;
	header_len += put_text(header + header_len, f->msgid);
	header[header_len++] = ' ';
	if (f->alert) {
		n = alert_sd(f->alert, header + header_len, sd_cap);
		if (n < 0)	/* cannot happen: sd_cap bounds it */
			return n;
		header_len += (size_t)n;
	} else {
		header[header_len++] = '-';
	}
	header[header_len++] = ' ';
	memcpy(header + header_len, eve_line, eve_len);
	m->buf = buf;
	m->start = FRAME_ROOM;
	m->len = header_len + eve_len;
	if (o->framed) {	/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG */
		char frame[DECIMAL_U64_MAX + 1];	/* at most 10 digits: FRAME_ROOM */
		size_t frame_len = decimal_u64(m->len, frame);

		frame[frame_len++] = ' ';
		m->start -= frame_len;
		memcpy(buf + m->start, frame, frame_len);
		m->len += frame_len;
	}
	return 0;
}

struct syslog_fields syslog_fields_alert(const struct alert_event *ev)
{
	return (struct syslog_fields){ syslog_alert_severity(ev->severity), ev->ts_ns, "alert",
				       ev };
}

struct syslog_fields syslog_fields_flow(const struct flow_event *ev)
{
	return (struct syslog_fields){ SYSLOG_INFO, ev->end_ns, "flow", NULL };
}

struct syslog_fields syslog_fields_inventory(const struct inventory_event *ev)
{
	return (struct syslog_fields){ ev->flags ? SYSLOG_NOTICE : SYSLOG_INFO, ev->ts_ns,
				       "inventory", NULL };
}

struct syslog_fields syslog_fields_seal(uint64_t ts_ns)
{
	return (struct syslog_fields){ SYSLOG_NOTICE, ts_ns, "seal", NULL };
}

struct syslog_fields syslog_fields_stats(const struct stats_snapshot *s)
{
	return (struct syslog_fields){ SYSLOG_INFO, s->ts_ns, "stats", NULL };
}
