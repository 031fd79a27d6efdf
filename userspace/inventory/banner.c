// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Banner parsers: see banner.h. Every loop is bounded by the sample's length. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "inventory/banner.h"
#include "text_escape.h"

/* HTTP headers looked through for Server: (a response's headers fit a sample or not). */
#define HTTP_HEADER_LINES_MAX 64

const char *banner_service_name(enum banner_service s)
{
	static const char *const names[BANNER_SERVICE_COUNT] = {
		[BANNER_NONE] = "unknown", [BANNER_SSH] = "ssh", [BANNER_HTTP] = "http",
		[BANNER_FTP] = "ftp", [BANNER_SMTP] = "smtp", [BANNER_TELNET] = "telnet",
		[BANNER_SNMP] = "snmp",
	};

	return (unsigned int)s < BANNER_SERVICE_COUNT ? names[s] : "unknown";
}

/* Length of the line at p (up to CR, LF or the end), at most max. */
static size_t line_len(const uint8_t *p, size_t len, size_t max)
{
	size_t i;

	for (i = 0; i < len && i < max; i++)
		if (p[i] == '\r' || p[i] == '\n')
			break;
	return i;
}

static void set_text(char *out, size_t out_size, const uint8_t *p, size_t len)
{
	if (len > BANNER_RAW_MAX)
		len = BANNER_RAW_MAX;
	text_escape(out, out_size, (const char *)p, len, "\\");
}

static int version_char(uint8_t c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-';
}

/* Copy a version (digits, letters, . _ + ~ -) starting at p; stops at anything else. */
static void set_version(char *out, const uint8_t *p, size_t len)
{
	size_t n = 0;

	while (n < len && n < BANNER_VERSION_LEN - 1 && version_char(p[n])) {
		out[n] = (char)p[n];
		n++;
	}
	out[n] = '\0';
}

/* A product name, lower case, from the same characters as a version. */
static void set_product(char *out, const uint8_t *p, size_t len)
{
	size_t n = 0;

	while (n < len && n < BANNER_PRODUCT_LEN - 1 && version_char(p[n])) {
		out[n] = (char)tolower(p[n]);
		n++;
	}
	out[n] = '\0';
}

static const uint8_t *find_bytes(const uint8_t *p, size_t len, const char *needle, int nocase)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (nocase ? !strncasecmp((const char *)p + i, needle, n)
			   : !memcmp(p + i, needle, n))
			return p + i;
	return NULL;
}

/*
 * SSH (RFC 4253 4.2): "SSH-protoversion-softwareversion SP comments CR LF". The software
 * version is split into product and version at its first '_' (OpenSSH_7.4p1,
 * dropbear_2019.78, libssh_0.9.6), else at its last '-' before a digit (Cisco-1.25); a
 * name with neither (ROSSSH) is a product without a version.
 */
static int parse_ssh(const uint8_t *p, size_t len, struct banner *b)
{
	size_t n = line_len(p, len, len), i, proto_end, sw_end, split = 0;

	if (n < 8 || memcmp(p, "SSH-", 4))
		return 0;
	for (proto_end = 4; proto_end < n && proto_end < 4 + sizeof(b->protocol) - 1; proto_end++)
		if (p[proto_end] == '-')
			break;
	if (proto_end >= n || p[proto_end] != '-' || proto_end == 4)
		return 0;
	memcpy(b->protocol, p + 4, proto_end - 4);
	b->protocol[proto_end - 4] = '\0';
	for (i = 4; i < proto_end; i++)
		if (!isdigit(p[i]) && p[i] != '.')
			return 0;
	for (sw_end = proto_end + 1; sw_end < n && p[sw_end] != ' '; sw_end++)
		;
	for (i = proto_end + 1; i < sw_end; i++) {
		if (p[i] == '_') {
			split = i;
			break;
		}
		if (p[i] == '-' && i + 1 < sw_end && isdigit(p[i + 1]))
			split = i;
	}
	if (split) {
		set_product(b->product, p + proto_end + 1, split - proto_end - 1);
		set_version(b->version, p + split + 1, sw_end - split - 1);
	} else {
		set_product(b->product, p + proto_end + 1, sw_end - proto_end - 1);
	}
	set_text(b->text, sizeof(b->text), p, n);
	return 1;
}

/* <title>...</title> after the headers, escaped; nothing when absent or cut. */
static void parse_title(const uint8_t *p, size_t len, struct banner *b)
{
	const uint8_t *start = find_bytes(p, len, "<title>", 1), *end;
	size_t rest;

	if (!start)
		return;
	start += 7;
	rest = len - (size_t)(start - p);
	end = find_bytes(start, rest, "</title>", 1);
	if (!end)
		return;
	while (start < end && isspace(*start))
		start++;
	text_escape(b->title, sizeof(b->title), (const char *)start,
		    (size_t)(end - start) < BANNER_TITLE_RAW_MAX ? (size_t)(end - start)
								  : BANNER_TITLE_RAW_MAX, "\\");
}

/*
 * An HTTP response: its Server header ("Apache/2.4.49 (Unix)": product and version from
 * the first product token) and, when the headers end inside the sample, the page's title.
 */
static int parse_http(const uint8_t *p, size_t len, struct banner *b)
{
	size_t off, n, lines;

	if (len < 12 || memcmp(p, "HTTP/", 5) || !isdigit(p[5]))
		return 0;
	off = line_len(p, len, len);
	for (lines = 0; lines < HTTP_HEADER_LINES_MAX && off < len; lines++) {
		if (p[off] == '\r' && off + 1 < len && p[off + 1] == '\n')
			off += 2;
		else
			off += 1;	/* a bare LF (or CR) ends a line too */
		n = line_len(p + off, len - off, len - off);
		if (n == 0) {	/* the empty line: the body follows */
			parse_title(p + off, len - off, b);
			break;
		}
		if (n > 7 && !strncasecmp((const char *)p + off, "server:", 7)) {
			const uint8_t *v = p + off + 7;
			size_t vlen = n - 7, tok;

			while (vlen && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			set_text(b->text, sizeof(b->text), v, vlen);
			for (tok = 0; tok < vlen && v[tok] != '/' && v[tok] != ' '; tok++)
				;
			set_product(b->product, v, tok);
			if (tok < vlen && v[tok] == '/')
				set_version(b->version, v + tok + 1, vlen - tok - 1);
		}
		off += n;
	}
	return 1;
}

/* Products an FTP or SMTP greeting names, and what it is called in the data file. */
static const struct {
	const char *needle;
	const char *product;
} greeting_products[] = {
	{ "ProFTPD ", "proftpd" },
	{ "vsFTPd ", "vsftpd" },
	{ "Pure-FTPd", "pure-ftpd" },
	{ "FileZilla Server", "filezilla-server" },
	{ "Microsoft FTP Service", "microsoft-ftp" },
	{ "MikroTik ", "mikrotik-routeros" },	/* "(MikroTik 6.41.3)" */
	{ "Exim ", "exim" },
	{ "Postfix", "postfix" },
	{ "Sendmail ", "sendmail" },
	{ "Microsoft ESMTP MAIL Service", "microsoft-smtp" },
};

/* The product named in a greeting, with the version that follows it if one does. */
static void greeting_product(const uint8_t *p, size_t n, struct banner *b)
{
	size_t i;

	for (i = 0; i < sizeof(greeting_products) / sizeof(greeting_products[0]); i++) {
		const char *needle = greeting_products[i].needle;
		size_t nl = strlen(needle), off = 0;
		const uint8_t *at;

		/* the needle followed by a version if any occurrence has one (MikroTik's
		 * greeting names it twice: "MikroTik FTP server (MikroTik 6.41.3)") */
		while (off < n && (at = find_bytes(p + off, n - off, needle, 0))) {
			size_t after = (size_t)(at - p) + nl;

			if (!b->product[0])
				strcpy(b->product, greeting_products[i].product);
			if (after < n && isdigit(p[after])) {
				set_version(b->version, p + after, n - after);
				return;
			}
			off = after;
		}
		if (b->product[0])
			return;
	}
}

/*
 * "220 " or "220-" (RFC 959, RFC 5321): the same code opens FTP and SMTP, so the
 * greeting's words decide: SMTP when it says SMTP (ESMTP) or names a mail server, else
 * FTP (FTP servers often greet with free text: "220 Welcome").
 */
static int parse_220(const uint8_t *p, size_t len, struct banner *b)
{
	size_t n = line_len(p, len, len);

	if (n < 4 || memcmp(p, "220", 3) || (p[3] != ' ' && p[3] != '-'))
		return 0;
	greeting_product(p, n, b);
	if (find_bytes(p, n, "SMTP", 1) || !strcmp(b->product, "exim") ||
	    !strcmp(b->product, "postfix") || !strcmp(b->product, "sendmail"))
		b->service = BANNER_SMTP;
	else
		b->service = BANNER_FTP;
	set_text(b->text, sizeof(b->text), p, n);
	return 1;
}

/* Telnet (RFC 854): a server opens with option negotiation, IAC (255) WILL/WONT/DO/DONT. */
static int parse_telnet(const uint8_t *p, size_t len, struct banner *b)
{
	if (len < 3 || p[0] != 0xff || p[1] < 0xfb || p[1] > 0xfe)
		return 0;
	set_text(b->text, sizeof(b->text), p, len);
	return 1;
}

enum banner_service banner_parse(const uint8_t *p, size_t len, struct banner *out)
{
	memset(out, 0, sizeof(*out));
	if (!p || !len)
		return BANNER_NONE;
	if (parse_ssh(p, len, out))
		out->service = BANNER_SSH;
	else if (parse_http(p, len, out))
		out->service = BANNER_HTTP;
	else if (parse_220(p, len, out))
		;	/* FTP or SMTP, set there */
	else if (parse_telnet(p, len, out))
		out->service = BANNER_TELNET;
	else
		memset(out, 0, sizeof(*out));
	return out->service;
}
