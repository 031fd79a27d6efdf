/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a server's first bytes say about it: SSH identification strings, HTTP response
 * headers (Server:, the page's <title>), FTP/SMTP 220 greetings, Telnet option
 * negotiation. Pure code over any bytes (hostile input: binary, no CRLF, cut short):
 * every output is bounded, NUL-terminated and printable (bytes outside printable ASCII
 * as \xNN). The service is decided by content, never by port.
 */
#ifndef EDGEWATCH_INVENTORY_BANNER_H
#define EDGEWATCH_INVENTORY_BANNER_H

#include <stddef.h>
#include <stdint.h>

/* Raw banner bytes kept (before escaping): one line of a greeting or a Server header. */
/* A fixed array's text ended within it, whatever it held (strings read from the state
 * file). */
#define TEXT_TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')

#define BANNER_RAW_MAX 96
/* Room for BANNER_RAW_MAX bytes escaped (\xNN: 4 per byte) and the NUL. */
#define BANNER_TEXT_LEN (4 * BANNER_RAW_MAX + 1)
#define BANNER_PRODUCT_LEN 32
#define BANNER_VERSION_LEN 32
#define BANNER_TITLE_RAW_MAX 40
#define BANNER_TITLE_LEN (4 * BANNER_TITLE_RAW_MAX + 1)
#define BANNER_OBJECT_ID_LEN 96

enum banner_service {
	BANNER_NONE = 0,	/* nothing recognised: not entered in the inventory */
	BANNER_SSH,
	BANNER_HTTP,
	BANNER_FTP,
	BANNER_SMTP,
	BANNER_TELNET,
	BANNER_SNMP,		/* an SNMPv1/v2c response (snmp.h; not from banner_parse) */
	BANNER_SERVICE_COUNT,
};

struct banner {
	enum banner_service service;
	char protocol[8];			/* SSH: "2.0", "1.99", "1.5"; SNMP: "1",
						 * "2c"; else "" */
	char product[BANNER_PRODUCT_LEN];	/* lower case ("openssh", "apache"); "" unknown */
	char version[BANNER_VERSION_LEN];	/* "7.4p1", "2.4.49"; "" unknown */
	char text[BANNER_TEXT_LEN];		/* the banner or Server header, escaped */
	char title[BANNER_TITLE_LEN];		/* HTTP: the page's <title>, escaped; "" none */
	char object_id[BANNER_OBJECT_ID_LEN];	/* SNMP: sysObjectID, dotted; "" none */
};

/* "ssh", "http", "ftp", "smtp", "telnet", "snmp" ("unknown" for BANNER_NONE). */
const char *banner_service_name(enum banner_service s);

/*
 * Recognise the first bytes a server sent (one sample: up to the snap length). Returns
 * the service (also in out->service); BANNER_NONE leaves out zeroed.
 */
enum banner_service banner_parse(const uint8_t *p, size_t len, struct banner *out);

#endif /* EDGEWATCH_INVENTORY_BANNER_H */
