// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The inventory's banner parsers (userspace/inventory/banner.c), hostile input included. */
#include <stdlib.h>
#include <string.h>

#include "inventory/banner.h"
#include "../support/test.h"

static enum banner_service parse_str(const char *s, struct banner *b)
{
	return banner_parse((const uint8_t *)s, strlen(s), b);
}

static void test_ssh_products(struct test_case *t)
{
	static const struct {
		const char *line, *proto, *product, *version;
	} rows[] = {
		{ "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n", "2.0", "openssh", "7.4p1" },
		{ "SSH-2.0-OpenSSH_5.3\r\n", "2.0", "openssh", "5.3" },
		{ "SSH-2.0-dropbear_2019.78\r\n", "2.0", "dropbear", "2019.78" },
		{ "SSH-2.0-Cisco-1.25\r\n", "2.0", "cisco", "1.25" },
		{ "SSH-2.0-ROSSSH\r\n", "2.0", "rosssh", "" },
		{ "SSH-1.99-OpenSSH_3.9p1\r\n", "1.99", "openssh", "3.9p1" },
		{ "SSH-1.5-1.2.27\n", "1.5", "1.2.27", "" },
		{ "SSH-2.0-libssh_0.9.6", "2.0", "libssh", "0.9.6" },	/* no CRLF */
	};
	struct banner b;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK(t, parse_str(rows[i].line, &b) == BANNER_SSH, "row %zu: not ssh", i);
		CHECK(t, !strcmp(b.protocol, rows[i].proto), "row %zu: protocol %s", i, b.protocol);
		CHECK(t, !strcmp(b.product, rows[i].product), "row %zu: product %s", i, b.product);
		CHECK(t, !strcmp(b.version, rows[i].version), "row %zu: version %s", i, b.version);
	}
	parse_str("SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n", &b);
	CHECK(t, !strcmp(b.text, "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7"), "text %s", b.text);
}

static void test_http_server(struct test_case *t)
{
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
		"server: Apache/2.4.49 (Unix)\r\nContent-Type: text/html\r\n\r\n"
		"<html><head><TITLE> Router Login </title></head></html>";
	struct banner b;

	CHECK(t, parse_str(resp, &b) == BANNER_HTTP, "not http");
	CHECK(t, !strcmp(b.product, "apache") && !strcmp(b.version, "2.4.49"), "%s %s",
	      b.product, b.version);
	CHECK(t, !strcmp(b.text, "Apache/2.4.49 (Unix)"), "text %s", b.text);
	CHECK(t, !strcmp(b.title, "Router Login "), "title '%s'", b.title);
	CHECK(t, parse_str("HTTP/1.0 401 Unauthorized\nServer: Boa/0.94.14rc21\n\n", &b) ==
			 BANNER_HTTP, "bare LF");
	CHECK(t, !strcmp(b.product, "boa") && !strcmp(b.version, "0.94.14rc21"), "%s %s",
	      b.product, b.version);
	CHECK(t, parse_str("HTTP/1.1 200 OK\r\nServer: GoAhead-Webs\r\n\r\n", &b) == BANNER_HTTP,
	      "goahead");
	CHECK(t, !strcmp(b.product, "goahead-webs") && !b.version[0], "%s", b.product);
	/* no Server header: an HTTP server, product unknown */
	CHECK(t, parse_str("HTTP/1.1 304 Not Modified\r\n\r\n", &b) == BANNER_HTTP, "304");
	CHECK(t, !b.product[0] && !b.text[0], "product %s", b.product);
	/* a request is a client's: never a banner */
	CHECK(t, parse_str("GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0\r\n\r\n", &b) == BANNER_NONE,
	      "a request was taken for a banner");
}

static void test_greetings(struct test_case *t)
{
	struct banner b;

	CHECK(t, parse_str("220 ProFTPD 1.3.5 Server (Debian) [198.18.0.1]\r\n", &b) ==
			 BANNER_FTP, "proftpd");
	CHECK(t, !strcmp(b.product, "proftpd") && !strcmp(b.version, "1.3.5"), "%s %s",
	      b.product, b.version);
	CHECK(t, parse_str("220 (vsFTPd 3.0.3)\r\n", &b) == BANNER_FTP, "vsftpd");
	CHECK(t, !strcmp(b.product, "vsftpd") && !strcmp(b.version, "3.0.3"), "%s %s", b.product,
	      b.version);
	CHECK(t, parse_str("220 MikroTik FTP server (MikroTik 6.41.3) ready\r\n", &b) ==
			 BANNER_FTP, "mikrotik");
	CHECK(t, !strcmp(b.product, "mikrotik-routeros") && !strcmp(b.version, "6.41.3"),
	      "%s %s", b.product, b.version);
	CHECK(t, parse_str("220 mx.example.com ESMTP Exim 4.89 Mon, 01 Jan 2024\r\n", &b) ==
			 BANNER_SMTP, "exim");
	CHECK(t, !strcmp(b.product, "exim") && !strcmp(b.version, "4.89"), "%s %s", b.product,
	      b.version);
	CHECK(t, parse_str("220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n", &b) ==
			 BANNER_SMTP, "postfix");
	CHECK(t, !strcmp(b.product, "postfix") && !b.version[0], "%s %s", b.product, b.version);
	CHECK(t, parse_str("220 Welcome\r\n", &b) == BANNER_FTP, "free-text 220");
	CHECK(t, !b.product[0], "product %s", b.product);
	CHECK(t, parse_str("2200 nope\r\n", &b) == BANNER_NONE, "2200");
}

static void test_telnet(struct test_case *t)
{
	static const uint8_t neg[] = { 0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfb, 0x01 };
	struct banner b;

	CHECK(t, banner_parse(neg, sizeof(neg), &b) == BANNER_TELNET, "telnet");
	CHECK(t, !strcmp(b.text, "\\xff\\xfd\\x18\\xff\\xfd \\xff\\xfb\\x01"), "text %s", b.text);
	CHECK(t, banner_parse(neg, 2, &b) == BANNER_NONE, "two bytes");
}

/* Every output bounded and printable, whatever the bytes. */
static int printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

static void check_banner_safe(struct test_case *t, const struct banner *b)
{
	CHECK(t, memchr(b->text, 0, sizeof(b->text)) && printable(b->text), "text");
	CHECK(t, memchr(b->product, 0, sizeof(b->product)) && printable(b->product), "product");
	CHECK(t, memchr(b->version, 0, sizeof(b->version)) && printable(b->version), "version");
	CHECK(t, memchr(b->title, 0, sizeof(b->title)) && printable(b->title), "title");
}

static void test_hostile(struct test_case *t)
{
	static uint8_t buf[8192];
	struct banner b;
	size_t i, len;
	unsigned int seed = 14;

	/* long lines without CRLF, every prefix length of each kind */
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "SSH-2.0-", 8);
	for (len = 0; len <= 300; len++) {
		banner_parse(buf, len, &b);
		check_banner_safe(t, &b);
	}
	banner_parse(buf, sizeof(buf), &b);
	CHECK(t, b.service == BANNER_SSH && strlen(b.product) < BANNER_PRODUCT_LEN, "long ssh");
	memcpy(buf, "HTTP/1.1 200 OK\r\nServer: ", 25);
	for (len = 0; len <= 300; len++) {
		banner_parse(buf, len, &b);
		check_banner_safe(t, &b);
	}
	banner_parse(buf, sizeof(buf), &b);
	CHECK(t, b.service == BANNER_HTTP && strlen(b.text) <= 4 * BANNER_RAW_MAX, "long http");
	/* an unterminated title, a title of binary */
	static const char cut[] = "HTTP/1.1 200 OK\r\n\r\n<title>never closed";
	CHECK(t, parse_str(cut, &b) == BANNER_HTTP && !b.title[0], "cut title");
	memcpy(buf, "HTTP/1.1 200 OK\r\n\r\n<title>", 26);
	for (i = 26; i < 26 + 200; i++)
		buf[i] = (uint8_t)(i * 7);
	memcpy(buf + 226, "</title>", 8);
	banner_parse(buf, 234, &b);
	check_banner_safe(t, &b);
	/* binary noise after each prefix */
	static const char *const prefixes[] = { "SSH-", "SSH-2.0-", "HTTP/1.1 ", "220 ", "220-",
						"\xff\xfb" };
	for (i = 0; i < 20000; i++) {
		const char *p = prefixes[i % 6];
		size_t j, plen = strlen(p);

		len = plen + rand_r(&seed) % 600;
		memcpy(buf, p, plen);
		for (j = plen; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		banner_parse(buf, len, &b);
		check_banner_safe(t, &b);
		if (t->failed)
			return;
	}
	CHECK(t, banner_parse(NULL, 0, &b) == BANNER_NONE, "NULL");
}

int main(void)
{
	test_program = "test_inventory_banner";
	RUN(test_ssh_products);
	RUN(test_http_server);
	RUN(test_greetings);
	RUN(test_telnet);
	RUN(test_hostile);
	return test_summary();
}
