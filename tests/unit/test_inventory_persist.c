// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inventory's state file (userspace/inventory/persist.h): records and handshake facts
 * back as written; no file is -ENOENT (a first start); a file not ours, of another
 * version or record size, cut short, grown, with a flipped byte, or whose facts name no
 * service is refused with its path and why, never read past (ASan); the write is atomic
 * (no .tmp left behind). Through the inventory: a TLS-only service (a self-signed,
 * expired certificate, JA3S, a client's JA3) and an SSH one (HASSHServer, a client's
 * HASSH) come back from a restart with the same service, flags and facts; the same
 * certificate seen again tells nothing new, another one is `changed`; a file's strings
 * without their NUL come back bounded and terminated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config/config.h"
#include "config/config_error.h"
#include "inventory/inventory.h"
#include "inventory/persist.h"
#include "output/output.h"
#include "../support/inventory_fixtures.h"
#include "../support/test.h"

static char dir[] = "/tmp/edgewatch-persist.XXXXXX";
static char path[128];

static struct inventory_saved_fingerprints saved_fp[1];

/* n services; the second has handshake facts (st's fingerprint section). */
static void records(struct inventory_state *st, struct inventory_saved *r, size_t n)
{
	size_t i;

	memset(saved_fp, 0, sizeof(saved_fp));
	saved_fp[0].service = 1;
	saved_fp[0].fp.has_tls = 1;
	snprintf(saved_fp[0].fp.ja3s, sizeof(saved_fp[0].fp.ja3s), "771,156,");
	saved_fp[0].fp.has_cert = 1;
	saved_fp[0].fp.cert.expired = 1;
	snprintf(saved_fp[0].fp.cert.sha256, sizeof(saved_fp[0].fp.cert.sha256), "%064d", 7);
	*st = (struct inventory_state){ r, n, saved_fp, n > 1 };
	memset(r, 0, n * sizeof(*r));
	for (i = 0; i < n; i++) {
		r[i].key[0] = 4;
		r[i].key[4 + 4] = (uint8_t)i;
		r[i].first_rt_ns = 1700000000000000000LL + (int64_t)i;
		r[i].flows = 3 + i;
		r[i].banner.service = BANNER_SSH;
		snprintf(r[i].banner.product, sizeof(r[i].banner.product), "openssh");
		snprintf(r[i].banner.version, sizeof(r[i].banner.version), "5.%zu", i);
	}
}

/* Rewrite the file with f applied to its bytes. */
static void mangle(void (*f)(unsigned char *buf, long *len))
{
	unsigned char buf[65536];
	FILE *file = fopen(path, "rb");
	long len = (long)fread(buf, 1, sizeof(buf), file);

	fclose(file);
	f(buf, &len);
	file = fopen(path, "wb");
	fwrite(buf, 1, (size_t)len, file);
	fclose(file);
}

static void cut(unsigned char *buf, long *len) { *len -= 7; }
static void grow(unsigned char *buf, long *len) { buf[(*len)++] = 0; }
static void flip(unsigned char *buf, long *len) { buf[*len - 40] ^= 0x10; }
/* a byte of the first service's banner (after the 32-byte header) */
static void flip_service(unsigned char *buf, long *len) { buf[32 + 400] ^= 0x10; }
static void version(unsigned char *buf, long *len) { buf[8] = 99; }
static void magic(unsigned char *buf, long *len) { buf[0] = 'X'; }
static void size(unsigned char *buf, long *len) { buf[12] ^= 1; }
static void fp_size(unsigned char *buf, long *len) { buf[24] ^= 1; }
/* the header alone, cut after its record size (where every version has it) */
static void header_cut(unsigned char *buf, long *len) { *len = 20; }

static void test_round_trip(struct test_case *t)
{
	struct inventory_saved w[3];
	struct inventory_state st, r;
	char why[512] = "", tmp[160];

	records(&st, w, 3);
	CHECK(t, inventory_state_write(path, &st, why, sizeof(why)) == 0, "%s", why);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	EXPECT(t, access(tmp, F_OK) != 0, ".tmp left behind");
	CHECK(t, inventory_state_read(path, &r, why, sizeof(why)) == 0, "%s", why);
	EXPECT(t, r.service_count == 3 && !memcmp(r.services, w, sizeof(w)),
	       "%zu records, or different", r.service_count);
	EXPECT(t, r.fingerprint_count == 1 && !memcmp(r.fingerprints, saved_fp, sizeof(saved_fp)),
	       "%zu fingerprint records, or different", r.fingerprint_count);
	inventory_state_free(&r);
	st.service_count = st.fingerprint_count = 0;
	CHECK(t, inventory_state_write(path, &st, why, sizeof(why)) == 0, "%s", why);
	CHECK(t, inventory_state_read(path, &r, why, sizeof(why)) == 0 && !r.service_count &&
			 !r.fingerprint_count, "%s", why);
	inventory_state_free(&r);
	unlink(path);
	EXPECT(t, inventory_state_read(path, &r, why, sizeof(why)) == -ENOENT && !r.services,
	       "a missing file is not -ENOENT");
	snprintf(tmp, sizeof(tmp), "%s/nodir/x.inventory", dir);
	records(&st, w, 3);
	EXPECT(t, inventory_state_write(tmp, &st, why, sizeof(why)) < 0 && strstr(why, tmp),
	       "an unwritable path: '%s'", why);
}

static void test_corrupt(struct test_case *t)
{
	static const struct {
		const char *name;
		void (*f)(unsigned char *, long *);
		const char *why;
	} rows[] = {
		{ "cut", cut, "truncated" },
		{ "grown", grow, "longer than its header" },
		{ "flipped byte", flip, "CRC mismatch" },
		{ "flipped byte of a service", flip_service, "CRC mismatch" },
		{ "other version", version, "format version 99" },
		{ "not ours", magic, "not an edgewatch inventory state file" },
		{ "other record size", size, "-byte records" },
		{ "other fingerprint record size", fp_size, "-byte fingerprint records" },
		{ "header cut", header_cut, "truncated" },
	};
	struct inventory_saved w[4];
	struct inventory_state st, r;
	char why[512];
	size_t i;

	records(&st, w, 4);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		why[0] = '\0';
		CHECK(t, inventory_state_write(path, &st, why, sizeof(why)) == 0, "%s", why);
		mangle(rows[i].f);
		EXPECT(t, inventory_state_read(path, &r, why, sizeof(why)) == -EINVAL &&
				  !r.services && !r.fingerprints && !r.service_count &&
				  strstr(why, path) && strstr(why, rows[i].why),
		       "%s: '%s'", rows[i].name, why);
	}
	/* a CRC made over facts naming a service the file does not have */
	saved_fp[0].service = 4;
	CHECK(t, inventory_state_write(path, &st, why, sizeof(why)) == 0, "%s", why);
	EXPECT(t, inventory_state_read(path, &r, why, sizeof(why)) == -EINVAL && !r.services &&
			  strstr(why, "fingerprint record 0 names service 4 of 4"),
	       "facts of no service: '%s'", why);
	unlink(path);
}

/* The inventory around the state file: an EVE file, the live run's clock on the wall. */
struct rig {
	char eve[64];
	struct output out;
	struct flow_exporter x;
	struct ew_config *cfg;
	struct inventory *inv;
};

static int64_t realtime_ns;	/* datapath clock + this = the wall clock: now, in every rig */

/* An inventory keeping its table in path (loaded now: 0, or the load's -errno). */
static int rig_open(struct rig *r)
{
	static const char yaml[] = "home-net: [198.18.0.0/24]\n";
	struct config_error err;
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->eve, sizeof(r->eve), "/tmp/edgewatch-persist-eve.XXXXXX");
	fd = mkstemp(r->eve);
	if (fd < 0)
		return -1;
	close(fd);
	if (config_load_buffer("test.yaml", yaml, strlen(yaml), &r->cfg, &err) ||
	    output_open(&r->out, r->eve, NULL))
		return -1;
	flow_exporter_init(&r->x, &r->out, 1, realtime_ns);
	if (inventory_new(&r->inv, r->cfg, &r->x) || !r->inv)
		return -1;
	return inventory_persist(r->inv, path);
}

/* The end of the run: the table saved (inventory_finish). */
static void rig_close(struct rig *r)
{
	inventory_finish(r->inv);
	inventory_free(r->inv);
	flow_exporter_destroy(&r->x);
	output_close(&r->out);
	config_free(r->cfg);
	unlink(r->eve);
}

/* The EVE file's inventory events so far, joined. */
static char *eve_inventory(struct rig *r)
{
	output_flush(&r->out);
	return fixture_eve_inventory(r->eve);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What `edgewatch inventory -i` would be given: the table's lines, sorted, joined. */
static int dump_sorted(struct rig *r, char *out, size_t cap)
{
	char *lines[16], line[8192];
	FILE *f = tmpfile();
	size_t n = 0, i;
	int err;

	if (!f)
		return -1;
	err = inventory_dump(r->inv, fileno(f));
	rewind(f);
	while (!err && n < 16 && fgets(line, sizeof(line), f))
		lines[n++] = strdup(line);
	fclose(f);
	qsort(lines, n, sizeof(lines[0]), cmp_lines);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strlen(out) + strlen(lines[i]) < cap)
			strcat(out, lines[i]);
		free(lines[i]);
	}
	return err;
}

#define SERVER "198.18.0.1"
#define CLIENT "198.18.0.50"

/* One segment of a flow (its stream offset off): the server SERVER:port answers CLIENT. */
static void segment(struct rig *r, uint16_t port, uint64_t flow, int dir, uint32_t off,
		    const void *bytes, size_t len)
{
	static struct {
		struct sample_header h;
		uint8_t payload[4096];
	} s;

	memset(&s.h, 0, sizeof(s.h));
	s.h.ts_ns = flow * 1000000000ull + off;
	s.h.flow_seq = flow;
	s.h.key.family = 4;
	s.h.key.proto = IPPROTO_TCP;
	inet_pton(AF_INET, SERVER, s.h.key.addr_a.u8);
	inet_pton(AF_INET, CLIENT, s.h.key.addr_b.u8);
	s.h.key.port_a = htons(port);
	s.h.key.port_b = htons((uint16_t)(40000 + flow));
	s.h.initiator = 1;	/* b started it */
	s.h.from_a = dir == EW_DIR_TO_CLIENT;
	s.h.dir = (uint8_t)dir;
	s.h.reason = EW_SAMPLE_STREAM;
	s.h.tcp_flags = 0x18;	/* PSH: the window is parsed */
	s.h.stream_off = off;
	s.h.cap_len = (uint16_t)len;
	s.h.payload_len = (uint32_t)len;
	memcpy(s.payload, bytes, len);
	inventory_on_sample(r->inv, &s.h, s.payload);
}

static void put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* A TLS 1.2 flow to SERVER:443: a ClientHello (JA3 "771,47,,,"), then the server's
 * ServerHello (JA3S "771,156,"), Certificate (der) and ServerHelloDone in one record. */
static void tls_flow(struct rig *r, uint64_t flow, const uint8_t *der, size_t len)
{
	static const uint8_t client_hello[] = {
		0x16, 3, 1, 0, 45, 0x01, 0, 0, 41, 0x03, 0x03, [11 ... 42] = 0x22, 0, 0, 2,
		0x00, 0x2f, 1, 0,
	};
	static const uint8_t server_hello[] = {
		0x02, 0, 0, 38, 0x03, 0x03, [6 ... 37] = 0x11, 0, 0x00, 0x9c, 0,
	};
	uint8_t flight[4096];
	size_t n = 5;

	memcpy(flight + n, server_hello, sizeof(server_hello));
	n += sizeof(server_hello);
	flight[n] = 11;			/* Certificate: the list of one */
	put24(flight + n + 1, len + 6);
	put24(flight + n + 4, len + 3);
	put24(flight + n + 7, len);
	memcpy(flight + n + 10, der, len);
	n += 10 + len;
	memcpy(flight + n, "\x0e\0\0\0", 4);	/* ServerHelloDone */
	n += 4;
	flight[0] = 0x16;
	flight[1] = 3;
	flight[2] = 3;
	flight[3] = (uint8_t)((n - 5) >> 8);
	flight[4] = (uint8_t)(n - 5);
	segment(r, 443, flow, EW_DIR_TO_SERVER, 0, client_hello, sizeof(client_hello));
	segment(r, 443, flow, EW_DIR_TO_CLIENT, 0, flight, n);
}

/* An SSH identification line and its KEXINIT (RFC 4253 7.1) with the lists given. */
static size_t ssh_kexinit(uint8_t *out, const char *id, const char *const lists[10])
{
	uint8_t payload[4096];
	size_t n = 0, len, pad, i;

	payload[n++] = 20;
	memset(payload + n, 0, 16);	/* the cookie */
	n += 16;
	for (i = 0; i < 10; i++) {
		len = strlen(lists[i]);
		payload[n] = payload[n + 1] = 0;
		payload[n + 2] = (uint8_t)(len >> 8);
		payload[n + 3] = (uint8_t)len;
		memcpy(payload + n + 4, lists[i], len);
		n += 4 + len;
	}
	memset(payload + n, 0, 5);	/* first_kex_packet_follows, reserved */
	n += 5;
	pad = 8 - (n + 5) % 8;
	pad += pad < 4 ? 8 : 0;
	len = strlen(id);
	memcpy(out, id, len);
	out[len] = out[len + 1] = 0;
	out[len + 2] = (uint8_t)((n + pad + 1) >> 8);
	out[len + 3] = (uint8_t)(n + pad + 1);
	out[len + 4] = (uint8_t)pad;
	memcpy(out + len + 5, payload, n);
	memset(out + len + 5 + n, 0, pad);
	return len + 5 + n + pad;
}

static const char *const SSH_LISTS[10] = {
	"curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes256-gcm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-512", "none", "zlib", "", "",
};
#define SSH_ID "SSH-2.0-OpenSSH_9.2\r\n"

/* An SSH flow to SERVER:22: the server's banner, the client's KEXINIT, the server's. */
static void ssh_flow(struct rig *r, uint64_t flow)
{
	uint8_t client[1024], server[1024];
	size_t client_len = ssh_kexinit(client, "SSH-2.0-PuTTY_0.78\r\n", SSH_LISTS);
	size_t server_len = ssh_kexinit(server, SSH_ID, SSH_LISTS);
	size_t id = strlen(SSH_ID);

	segment(r, 22, flow, EW_DIR_TO_CLIENT, 0, server, id);
	segment(r, 22, flow, EW_DIR_TO_SERVER, 0, client, client_len);
	segment(r, 22, flow, EW_DIR_TO_CLIENT, (uint32_t)id, server + id, server_len - id);
}

/* The same, the server's identification line and KEXINIT in one segment (dropbear). */
static void ssh_flow_one_segment(struct rig *r, uint64_t flow)
{
	uint8_t client[1024], server[1024];
	size_t client_len = ssh_kexinit(client, "SSH-2.0-PuTTY_0.78\r\n", SSH_LISTS);
	size_t server_len = ssh_kexinit(server, SSH_ID, SSH_LISTS);

	segment(r, 22, flow, EW_DIR_TO_CLIENT, 0, server, server_len);
	segment(r, 22, flow, EW_DIR_TO_SERVER, 0, client, client_len);
}


/* The text of "key":"..." in line (at most cap - 1 bytes), "" if absent. */
static const char *field(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	out[0] = '\0';
	p = strstr(line, pat);
	if (!p)
		return out;
	p += strlen(pat);
	end = strchr(p, '"');
	if (end && (size_t)(end - p) < cap) {
		memcpy(out, p, (size_t)(end - p));
		out[end - p] = '\0';
	}
	return out;
}

static void test_handshakes_kept(struct test_case *t)
{
	static char before[32768], after[32768];
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	uint8_t *old_der = NULL, *new_der = NULL;
	/* valid for a day, from two days ago to one: expired when seen now */
	int old_len = fixture_cert("router.edge.example", -2 * 86400, 1, key, NULL, &old_der);
	int new_len = fixture_cert("router.edge.example", 0, 365, key, NULL, &new_der);
	char sha[80], previous[80], *ev;
	struct rig r;

	unlink(path);
	CHECK(t, key && old_len > 0 && new_len > 0, "certificates not made");
	CHECK(t, rig_open(&r) == 0, "first run");
	tls_flow(&r, 1, old_der, (size_t)old_len);
	ssh_flow(&r, 2);
	ev = eve_inventory(&r);
	CHECK(t, strstr(ev, "\"change\":\"new\"") && strstr(ev, "\"ja3s\":") &&
			 strstr(ev, "\"hassh_server\":"), "the first run's events: %s", ev);
	CHECK(t, dump_sorted(&r, before, sizeof(before)) == 0, "dump");
	/* the facts the restart must keep, as the first run shows them */
	CHECK(t, strstr(before, "\"service\":\"tls\"") && strstr(before, "\"cert_expired\"") &&
			 strstr(before, "\"cert_self_signed\"") &&
			 strstr(before, "\"ja3s_string\":\"771,156,\"") &&
			 strstr(before, "\"string\":\"771,47,,,\"") &&
			 strstr(before, "\"subject_cn\":\"router.edge.example\"") &&
			 strstr(before, "\"self_signed\":true") &&
			 strstr(before, "\"expired\":true") &&
			 strstr(before, "\"version\":\"1.2\"") &&
			 strstr(before, "\"hassh_server_string\":\"curve25519-sha256;"
					"aes256-gcm@openssh.com;hmac-sha2-512;zlib\"") &&
			 strstr(before, "\"string\":\"curve25519-sha256;aes128-ctr;hmac-sha2-256;"
					"none\""),
	      "before the restart: %s", before);
	field(before, "sha256", sha, sizeof(sha));
	CHECK(t, strlen(sha) == 64, "sha256 '%s'", sha);
	rig_close(&r);

	/* the restart: every fact, flag and count as before, and no event for it */
	CHECK(t, rig_open(&r) == 0, "second run");
	CHECK(t, dump_sorted(&r, after, sizeof(after)) == 0, "dump");
	EXPECT(t, !strcmp(before, after), "after the restart:\n%s\nbefore:\n%s", after, before);
	/* the same certificate, JA3S, JA3, KEXINITs again: nothing learned */
	tls_flow(&r, 3, old_der, (size_t)old_len);
	ssh_flow(&r, 4);
	ev = eve_inventory(&r);
	EXPECT(t, !ev[0], "events for facts known before the restart: %s", ev);
	/* another certificate: changed, naming the one it replaced */
	tls_flow(&r, 5, new_der, (size_t)new_len);
	ev = eve_inventory(&r);
	EXPECT(t, strstr(ev, "\"change\":\"changed\"") &&
			  !strcmp(field(ev, "certificate_sha256", previous, sizeof(previous)), sha),
	       "the new certificate: %s", ev);
	rig_close(&r);
	unlink(path);
	OPENSSL_free(old_der);
	OPENSSL_free(new_der);
	EVP_PKEY_free(key);
}

/* A server's identification line and KEXINIT in one segment: listed, and its HASSHServer
 * read from that same segment (the banner lists the server before its handshake is read). */
static void test_ssh_banner_and_kexinit_in_one_segment(struct test_case *t)
{
	static char dump[32768];
	struct rig r;

	unlink(path);
	CHECK(t, rig_open(&r) == 0, "open");
	ssh_flow_one_segment(&r, 1);
	CHECK(t, dump_sorted(&r, dump, sizeof(dump)) == 0, "dump");
	EXPECT(t, strstr(dump, "\"product\":\"openssh\"") &&
			  strstr(dump, "\"hassh_server_string\":\"curve25519-sha256;"
					"aes256-gcm@openssh.com;hmac-sha2-512;zlib\""),
	       "the server's KEXINIT of its first segment was not read: %s", dump);
	rig_close(&r);
	unlink(path);
}

/*
 * Four SSH clients, each with long algorithm lists (about 1.4 KiB of HASSH string): the
 * service's EVE line and its `inventory -i` line are over 4 KiB, and must come out whole
 * (they were refused with -ENOSPC: the event counted as an error, the whole dump failed).
 */
static void test_long_fingerprints_come_out_whole(struct test_case *t)
{
	static char lists[4][4][400], dump[65536];
	const char *kex[10];
	uint8_t client[4096], server[1024];
	size_t server_len = ssh_kexinit(server, SSH_ID, SSH_LISTS), len, got;
	char *ev;
	struct rig r;
	FILE *f;
	int c, l, lines = 0;

	unlink(path);
	CHECK(t, rig_open(&r) == 0, "open");
	for (c = 0; c < 4; c++) {
		for (l = 0; l < 4; l++) {
			memset(lists[c][l], 'a' + l, sizeof(lists[c][l]) - 1);
			lists[c][l][sizeof(lists[c][l]) - 1] = '\0';
			lists[c][l][0] = (char)('0' + c);	/* each client its own */
		}
		/* kex, host key, enc c->s, enc s->c, mac x2, compression x2, languages */
		kex[0] = lists[c][0];
		kex[1] = "ssh-ed25519";
		kex[2] = lists[c][1];
		kex[3] = lists[c][1];
		kex[4] = lists[c][2];
		kex[5] = lists[c][2];
		kex[6] = lists[c][3];
		kex[7] = lists[c][3];
		kex[8] = kex[9] = "";
		len = ssh_kexinit(client, "SSH-2.0-PuTTY_0.78\r\n", kex);
		segment(&r, 22, (uint64_t)c + 1, EW_DIR_TO_CLIENT, 0, server, strlen(SSH_ID));
		segment(&r, 22, (uint64_t)c + 1, EW_DIR_TO_SERVER, 0, client, len);
		segment(&r, 22, (uint64_t)c + 1, EW_DIR_TO_CLIENT, (uint32_t)strlen(SSH_ID),
			server + strlen(SSH_ID), server_len - strlen(SSH_ID));
	}
	ev = eve_inventory(&r);
	for (c = 0; c < 4; c++)
		EXPECT(t, strstr(ev, lists[c][0]), "client %d's HASSH string not in the events", c);
	f = tmpfile();
	CHECK(t, f, "tmpfile");
	EXPECT(t, inventory_dump(r.inv, fileno(f)) == 0, "the dump failed");
	rewind(f);
	got = fread(dump, 1, sizeof(dump) - 1, f);
	dump[got] = '\0';
	fclose(f);
	for (ev = dump; (ev = strchr(ev, '\n')); ev++)
		lines++;
	EXPECT(t, lines == 1 && got > 4096 && dump[got - 1] == '\n', "%d lines, %zu bytes",
	       lines, got);
	for (c = 0; c < 4; c++)
		EXPECT(t, strstr(dump, lists[c][3]), "client %d's HASSH string not in the dump", c);
	rig_close(&r);
	unlink(path);
}

/* Every string of a fixed array ends with its NUL, and no NUL is asked for before. */
#define FULL(a) (strlen(a) == sizeof(a) - 1)

static void test_hostile_strings(struct test_case *t)
{
	struct inventory_saved sv;
	struct inventory_saved_fingerprints sf;
	struct inventory_state st = { &sv, 1, &sf, 1 }, back;
	const struct inventory_fingerprints *fp;
	const struct banner *b;
	uint16_t port = 443;
	char why[512] = "";
	struct rig r;
	int i;

	/* every byte 'A' but the key and the times: no string has its NUL, every count and
	 * kind is out of range */
	memset(&sv, 'A', sizeof(sv));
	memset(sv.key, 0, sizeof(sv.key));
	sv.key[0] = 4;
	sv.key[1] = IPPROTO_TCP;
	memcpy(sv.key + 2, &port, sizeof(port));
	inet_pton(AF_INET, SERVER, sv.key + 8);
	sv.first_rt_ns = sv.last_rt_ns = realtime_ns + 1000000000;
	memset(&sf, 'A', sizeof(sf));
	sf.service = 0;
	CHECK(t, inventory_state_write(path, &st, why, sizeof(why)) == 0, "%s", why);
	CHECK(t, rig_open(&r) == 0, "load");
	/* the record as the table holds it now, written back */
	CHECK(t, inventory_save(r.inv) == 0, "save");
	rig_close(&r);
	CHECK(t, inventory_state_read(path, &back, why, sizeof(why)) == 0 &&
			 back.service_count == 1 && back.fingerprint_count == 1, "%s", why);
	b = &back.services[0].banner;
	fp = &back.fingerprints[0].fp;
	EXPECT(t, FULL(b->protocol) && FULL(b->product) && FULL(b->version) && FULL(b->text) &&
			  FULL(b->title) && FULL(b->object_id) && b->service == BANNER_NONE &&
			  back.services[0].client_count == INVENTORY_SAVED_CLIENTS,
	       "the banner's strings or counts unbounded");
	EXPECT(t, FULL(fp->ja3s) && FULL(fp->ja3s_md5) && FULL(fp->cert.subject_cn) &&
			  FULL(fp->cert.issuer_cn) && FULL(fp->cert.sha256) &&
			  FULL(fp->hassh_server) && FULL(fp->hassh_server_md5),
	       "the facts' strings unbounded");
	EXPECT(t, fp->client_count == INVENTORY_CLIENT_FP_MAX && fp->has_tls == 1 &&
			  fp->has_cert == 1 && fp->cert.expired == 1 && fp->cert.self_signed == 1 &&
			  fp->client_kind == HANDSHAKE_TLS,
	       "counts and kinds: %u clients, kind %d", fp->client_count, (int)fp->client_kind);
	for (i = 0; i < INVENTORY_CLIENT_FP_MAX; i++)
		EXPECT(t, FULL(fp->clients[i].md5) && FULL(fp->clients[i].fp), "client %d", i);
	inventory_state_free(&back);
	unlink(path);
}

int main(void)
{
	test_program = "test_inventory_persist";
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/wan0.inventory", dir);
	realtime_ns = (int64_t)time(NULL) * 1000000000 - 1000000000000;
	RUN(test_round_trip);
	RUN(test_corrupt);
	RUN(test_handshakes_kept);
	RUN(test_ssh_banner_and_kexinit_in_one_segment);
	RUN(test_long_fingerprints_come_out_whole);
	RUN(test_hostile_strings);
	rmdir(dir);
	return test_summary();
}
