// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The packet evidence (outputs.pcap): the pcapng writer read back by a reader written
 * here from the format's text (block lengths at both ends, byte-order magic, the IDB's
 * link type and if_tsresol, each EPB's time, lengths, bytes and comment); the evidence
 * files rotated by max-file-size, the oldest removed for max-total (the budget holds at
 * every step, the removals counted), the numbering going on after a restart, later
 * samples of an alerted flow following it, and errors (directory missing, file size
 * limit as a full disk) counted, never a crash, with recovery.
 * Every case works in a directory of its own under /tmp.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/test.h"
#include "output/pcap_evidence.h"
#include "output/pcapng.h"

#define MAX_PACKETS 512

struct read_packet {
	uint64_t ts_ns;
	uint32_t cap_len, orig_len;
	uint8_t data[PCAPNG_FRAME_MAX];
	char comment[PCAPNG_COMMENT_MAX + 1];
};

struct read_file {
	int shb, idb;
	uint16_t linktype;
	uint8_t tsresol;
	int packets;
	struct read_packet *pkt;	/* MAX_PACKETS */
	const char *error;		/* NULL: the file parsed whole */
};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t u16_at(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The options from p to end: the comment and if_tsresol, the rest skipped. */
static const char *read_options(const uint8_t *p, const uint8_t *end, struct read_file *rf,
				char *comment)
{
	while (p + 4 <= end) {
		uint16_t code = u16_at(p), len = u16_at(p + 2);

		if (code == PCAPNG_OPT_ENDOFOPT)
			return p + 4 == end ? NULL : "bytes after opt_endofopt";
		if (p + 4 + len > end)
			return "an option past its block";
		if (code == PCAPNG_OPT_COMMENT && comment) {
			memcpy(comment, p + 4, len);
			comment[len] = 0;
		}
		if (code == PCAPNG_OPT_IF_TSRESOL && len == 1)
			rf->tsresol = p[4];
		p += 4 + ((len + 3u) & ~3u);
	}
	return "no opt_endofopt";
}

static void read_pcapng(const char *path, struct read_file *rf)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t len, off = 0;

	memset(rf, 0, sizeof(*rf));
	rf->pkt = calloc(MAX_PACKETS, sizeof(*rf->pkt));
	if (!f || !rf->pkt) {
		rf->error = "cannot open";
		if (f)
			fclose(f);
		return;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (!rf->error && off < len) {
		uint32_t type, total;
		const uint8_t *b = buf + off;

		if (len - off < 12) {
			rf->error = "a block cut short";
			break;
		}
		type = u32_at(b);
		total = u32_at(b + 4);
		if (total < 12 || total % 4 || total > len - off || u32_at(b + total - 4) != total) {
			rf->error = "block lengths differ or pass the file";
			break;
		}
		if (type == PCAPNG_BT_SHB) {
			if (u32_at(b + 8) != PCAPNG_BYTE_ORDER_MAGIC || u16_at(b + 12) != 1)
				rf->error = "SHB magic or version";
			else
				rf->error = read_options(b + 24, b + total - 4, rf, NULL);
			rf->shb++;
		} else if (type == PCAPNG_BT_IDB) {
			rf->linktype = u16_at(b + 8);
			rf->error = read_options(b + 16, b + total - 4, rf, NULL);
			rf->idb++;
		} else if (type == PCAPNG_BT_EPB) {
			struct read_packet *p = &rf->pkt[rf->packets];
			uint32_t cap = u32_at(b + 20);

			if (rf->packets == MAX_PACKETS || u32_at(b + 8) != 0 ||
			    28 + ((cap + 3u) & ~3u) + 4 > total) {
				rf->error = "EPB interface or length";
				break;
			}
			p->ts_ns = (uint64_t)u32_at(b + 12) << 32 | u32_at(b + 16);
			p->cap_len = cap;
			p->orig_len = u32_at(b + 24);
			memcpy(p->data, b + 28, cap);
			rf->error = read_options(b + 28 + ((cap + 3u) & ~3u), b + total - 4, rf,
						 p->comment);
			rf->packets++;
		} else {
			rf->error = "unknown block type";
		}
		off += total;
	}
}

static void make_dir(char *dir)
{
	snprintf(dir, 64, "/tmp/ew_pcap_XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = 0;
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
}

/* Bytes of the evidence files in dir, and their count. */
static uint64_t dir_bytes(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	*files = 0;
	while (d && (de = readdir(d))) {
		char path[512];
		struct stat st;

		if (strncmp(de->d_name, "evidence-", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!stat(path, &st)) {
			sum += (uint64_t)st.st_size;
			(*files)++;
		}
	}
	if (d)
		closedir(d);
	return sum;
}

static void test_pcapng_read_back(struct test_case *t)
{
	static const char *comments[] = { "flow_id=7 sid=9104020", NULL, "x" };
	uint8_t frame[1501];
	char dir[64], path[128];
	struct read_file rf;
	ssize_t n, sum;
	FILE *f;
	int i;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	snprintf(path, sizeof(path), "%s/t.pcapng", dir);
	f = fopen(path, "wb");
	CHECK(t, f, "fopen");
	for (i = 0; i < (int)sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	sum = pcapng_write_header(f, "edgewatch");
	EXPECT(t, sum == PCAPNG_HEADER_SIZE, "header %zd bytes, said %d", sum, PCAPNG_HEADER_SIZE);
	/* lengths not a multiple of 4, a packet cut (cap < orig), one without comment */
	for (i = 0; i < 3; i++) {
		uint32_t cap = i == 0 ? 61 : i == 1 ? 1501 : 1;

		n = pcapng_write_packet(f, 1000000000123456789ULL + (uint64_t)i, frame, cap,
					cap + (uint32_t)i * 10, comments[i]);
		EXPECT(t, n == (ssize_t)pcapng_packet_size(cap, comments[i]),
		       "packet %d: %zd bytes, said %llu", i, n,
		       (unsigned long long)pcapng_packet_size(cap, comments[i]));
		sum += n;
	}
	EXPECT(t, pcapng_write_packet(f, 0, frame, 10, 9, NULL) == -EINVAL,
	       "cap_len > orig_len refused");
	fclose(f);
	read_pcapng(path, &rf);
	CHECK(t, !rf.error, "read back: %s", rf.error);
	EXPECT(t, rf.shb == 1 && rf.idb == 1, "%d SHB, %d IDB", rf.shb, rf.idb);
	EXPECT(t, rf.linktype == PCAPNG_LINKTYPE_ETHERNET && rf.tsresol == 9,
	       "link type %u, tsresol %u", rf.linktype, rf.tsresol);
	CHECK(t, rf.packets == 3, "%d packets", rf.packets);
	for (i = 0; i < 3; i++) {
		const struct read_packet *p = &rf.pkt[i];

		EXPECT(t, p->ts_ns == 1000000000123456789ULL + (uint64_t)i, "packet %d time", i);
		EXPECT(t, p->orig_len == p->cap_len + (uint32_t)i * 10, "packet %d orig_len", i);
		EXPECT(t, !memcmp(p->data, frame, p->cap_len), "packet %d bytes", i);
		EXPECT(t, !strcmp(p->comment, comments[i] ? comments[i] : ""),
		       "packet %d comment '%s'", i, p->comment);
	}
	free(rf.pkt);
	remove_dir(dir);
}

/* An alert on flow_id with a frame of len bytes (its first 54 the "headers"). */
struct fake_alert {
	struct alert_event ev;
	struct alert_packet pkt;
	uint8_t frame[600];
};

static void fake_alert_init(struct fake_alert *a, uint64_t flow_id, uint32_t sid, size_t len)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < len; i++)
		a->frame[i] = (uint8_t)(flow_id + i);
	a->pkt = (struct alert_packet){ .ts_ns = 1700000000000000000ULL + flow_id,
					.head = a->frame, .head_len = 54,
					.payload = a->frame + 54, .payload_len = len - 54,
					.orig_len = (uint32_t)len };
	a->ev.flow.fields.flow_id = flow_id;
	a->ev.gid = 1;
	a->ev.sid = sid;
	a->ev.rev = 2;
	a->ev.signature = "TEST evidence";
	a->ev.packet = &a->pkt;
}

static void test_rotation_and_numbers(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 4096, .max_total = 1 << 20 };
	struct pcap_evidence *pe;
	struct fake_alert a;
	struct alert_pcap ref;
	struct stats_pcap st;
	struct read_file rf;
	char dir[64], path[160];
	int i, files;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	cfg.dir = dir;
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open");
	for (i = 1; i <= 30; i++) {
		fake_alert_init(&a, (uint64_t)i, 9000000 + (uint32_t)i, 500);
		CHECK(t, !pcap_evidence_alert(pe, &a.ev, &ref), "alert %d", i);
		CHECK(t, ref.packet_count == 1, "alert %d: %zu packets", i, ref.packet_count);
		/* the packet the line names is this alert's, with its comment */
		snprintf(path, sizeof(path), "%s/%s", dir, ref.file);
		read_pcapng(path, &rf);
		CHECK(t, !rf.error, "%s: %s", ref.file, rf.error);
		CHECK(t, ref.packets[0] >= 1 && (int)ref.packets[0] == rf.packets,
		      "alert %d: packet %llu of %d in %s", i, (unsigned long long)ref.packets[0],
		      rf.packets, ref.file);
		EXPECT(t, !memcmp(rf.pkt[rf.packets - 1].data, a.frame, 500), "alert %d bytes", i);
		char want[96];

		snprintf(want, sizeof(want), "flow_id=%d gid=1 sid=%d rev=2", i, 9000000 + i);
		EXPECT(t, strstr(rf.pkt[rf.packets - 1].comment, want), "alert %d comment '%s'",
		       i, rf.pkt[rf.packets - 1].comment);
		free(rf.pkt);
	}
	pcap_evidence_stats(pe, &st);
	EXPECT(t, st.packets == 30 && st.alerts == 30, "%llu packets, %llu alerts",
	       (unsigned long long)st.packets, (unsigned long long)st.alerts);
	EXPECT(t, st.files > 1 && st.files_removed == 0, "%llu files, %llu removed",
	       (unsigned long long)st.files, (unsigned long long)st.files_removed);
	EXPECT(t, st.bytes == dir_bytes(dir, &files) && (uint64_t)files == st.files,
	       "stats say %llu bytes in %llu files, the dir has %d",
	       (unsigned long long)st.bytes, (unsigned long long)st.files, files);
	/* every file within max-file-size */
	for (i = 1; i <= (int)st.files; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/evidence-%06d.pcapng", dir, i);
		EXPECT(t, !stat(path, &sb) && sb.st_size <= 4096, "%s: %lld bytes", path,
		       (long long)sb.st_size);
	}
	pcap_evidence_close(pe);
	remove_dir(dir);
}

static void test_budget_holds(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 4096, .max_total = 3 * 4096 };
	struct pcap_evidence *pe;
	struct fake_alert a;
	struct alert_pcap ref;
	struct stats_pcap st;
	uint64_t bytes;
	char dir[64];
	int i, files;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	cfg.dir = dir;
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open");
	for (i = 1; i <= 200; i++) {
		fake_alert_init(&a, (uint64_t)i, 9000001, 300 + (size_t)(i % 7) * 40);
		CHECK(t, !pcap_evidence_alert(pe, &a.ev, &ref), "alert %d", i);
		bytes = dir_bytes(dir, &files);
		CHECK(t, bytes <= cfg.max_total, "after alert %d: %llu bytes on disk > %llu", i,
		      (unsigned long long)bytes, (unsigned long long)cfg.max_total);
	}
	pcap_evidence_stats(pe, &st);
	bytes = dir_bytes(dir, &files);
	EXPECT(t, st.files_removed > 0 && st.files == st.files_removed + (uint64_t)files,
	       "%llu opened, %llu removed, %d left", (unsigned long long)st.files,
	       (unsigned long long)st.files_removed, files);
	EXPECT(t, st.bytes == bytes, "stats %llu bytes, dir %llu", (unsigned long long)st.bytes,
	       (unsigned long long)bytes);
	EXPECT(t, st.packets == 200, "%llu packets", (unsigned long long)st.packets);
	pcap_evidence_close(pe);
	remove_dir(dir);
}

/* A restart numbers on after the files there, which count in the budget (oldest first). */
static void test_restart_numbers_on(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 4096, .max_total = 2 * 4096 };
	struct pcap_evidence *pe;
	struct fake_alert a;
	struct alert_pcap ref;
	struct stats_pcap st;
	char dir[64], path[160];
	int i, files;

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	cfg.dir = dir;
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open");
	fake_alert_init(&a, 1, 9000001, 500);
	CHECK(t, !pcap_evidence_alert(pe, &a.ev, &ref), "first run");
	pcap_evidence_close(pe);
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open again");
	CHECK(t, !pcap_evidence_alert(pe, &a.ev, &ref), "second run");
	EXPECT(t, !strcmp(ref.file, "evidence-000002.pcapng"), "second run wrote %s", ref.file);
	for (i = 0; i < 40; i++)
		CHECK(t, !pcap_evidence_alert(pe, &a.ev, &ref), "alert %d", i);
	pcap_evidence_stats(pe, &st);
	snprintf(path, sizeof(path), "%s/evidence-000001.pcapng", dir);
	EXPECT(t, access(path, F_OK) && st.files_removed >= 1,
	       "the first run's file is the oldest: removed first (%llu removed)",
	       (unsigned long long)st.files_removed);
	EXPECT(t, dir_bytes(dir, &files) <= cfg.max_total, "budget");
	pcap_evidence_close(pe);
	remove_dir(dir);
}

static void test_later_samples_follow(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 1 << 20, .max_total = 1 << 20 };
	struct pcap_evidence *pe;
	struct fake_alert a, other;
	struct alert_pcap ref;
	struct read_file rf;
	char dir[64], path[160];

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	cfg.dir = dir;
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open");
	fake_alert_init(&a, 41, 2100, 200);
	fake_alert_init(&other, 42, 2100, 200);
	EXPECT(t, pcap_evidence_sample(pe, 41, &a.pkt) == 0, "no alert yet: kept, not written");
	EXPECT(t, pcap_evidence_sample(pe, 42, &other.pkt) == 0, "another flow's: kept");
	/* a kernel detection: no packet of its own; the flow's earlier sample is written */
	a.ev.packet = NULL;
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) == 0 && ref.packet_count == 1 &&
			  ref.packets[0] == 1,
	       "the earlier sample named (%zu packets)", ref.packet_count);
	a.frame[0] ^= 0xff;	/* the later sample, told apart */
	EXPECT(t, pcap_evidence_sample(pe, 41, &a.pkt) == 1, "a later sample: written");
	/* a payload alert on flow 42: its earlier sample first, then its own packet */
	other.frame[0] ^= 0xff;
	EXPECT(t, pcap_evidence_alert(pe, &other.ev, &ref) == 0 && ref.packet_count == 2 &&
			  ref.packets[0] == 3 && ref.packets[1] == 4,
	       "flow 42: %zu packets named", ref.packet_count);
	pcap_evidence_close(pe);
	snprintf(path, sizeof(path), "%s/evidence-000001.pcapng", dir);
	read_pcapng(path, &rf);
	CHECK(t, !rf.error, "%s", rf.error);
	CHECK(t, rf.packets == 4, "%d packets", rf.packets);
	EXPECT(t, strstr(rf.pkt[0].comment, "flow_id=41 ") && strstr(rf.pkt[1].comment, "flow_id=41 ") &&
			  strstr(rf.pkt[2].comment, "flow_id=42 ") && strstr(rf.pkt[3].comment, "flow_id=42 "),
	       "comments '%s' '%s' '%s' '%s'", rf.pkt[0].comment, rf.pkt[1].comment,
	       rf.pkt[2].comment, rf.pkt[3].comment);
	EXPECT(t, rf.pkt[0].data[0] == (uint8_t)41 && rf.pkt[1].data[0] == (uint8_t)(41 ^ 0xff) &&
			  rf.pkt[2].data[0] == (uint8_t)42 && rf.pkt[3].data[0] == (uint8_t)(42 ^ 0xff),
	       "the packets in time order, earlier ones first");
	free(rf.pkt);
	remove_dir(dir);
}

/* A second alert on a flow with nothing new to write (a second rule on the same stream
 * window, a kernel detection after a payload alert) names the flow's packets written so
 * far, the later sample included; before, it went out without any pcap. */
static void test_second_alert_names_the_flows_packets(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 1 << 20, .max_total = 1 << 20 };
	struct pcap_evidence *pe;
	struct fake_alert a;
	struct alert_pcap ref;
	struct stats_pcap st;
	char dir[64];

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	cfg.dir = dir;
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open");
	fake_alert_init(&a, 51, 2100, 200);
	EXPECT(t, pcap_evidence_sample(pe, 51, &a.pkt) == 0, "kept");
	a.ev.packet = NULL;	/* a window alert: no packet of its own */
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) == 0 && ref.packet_count == 1,
	       "the first alert names the sample (%zu)", ref.packet_count);
	EXPECT(t, pcap_evidence_sample(pe, 51, &a.pkt) == 1, "a later sample: written");
	a.ev.sid = 2101;
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) == 0 && ref.packet_count == 2 &&
			  ref.packets[0] == 1 && ref.packets[1] == 2 &&
			  !strcmp(ref.file, "evidence-000001.pcapng"),
	       "the second alert names the flow's 2 packets: %zu, file '%s'",
	       ref.packet_count, ref.file);
	pcap_evidence_stats(pe, &st);
	EXPECT(t, st.alerts == 2 && st.packets == 2, "alerts %llu packets %llu",
	       (unsigned long long)st.alerts, (unsigned long long)st.packets);
	pcap_evidence_close(pe);
	remove_dir(dir);
}

static void test_errors_counted(struct test_case *t)
{
	struct pcap_evidence_config cfg = { .max_file_size = 1 << 20, .max_total = 1 << 20 };
	struct rlimit old, small = { .rlim_cur = 500, .rlim_max = RLIM_INFINITY };
	struct pcap_evidence *pe;
	struct fake_alert a;
	struct alert_pcap ref;
	struct stats_pcap st;
	char dir[64], missing[96];

	make_dir(dir);
	CHECK(t, dir[0], "mkdtemp");
	snprintf(missing, sizeof(missing), "%s/not-yet", dir);
	cfg.dir = missing;
	/* a directory that is not there: the run goes on, each alert's loss counted */
	CHECK(t, !pcap_evidence_open(&pe, &cfg), "open with the dir missing");
	fake_alert_init(&a, 5, 2100, 500);
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) == -ENOENT && !ref.packet_count,
	       "alert into a missing dir");
	CHECK(t, !mkdir(missing, 0750), "mkdir");
	EXPECT(t, !pcap_evidence_alert(pe, &a.ev, &ref) && ref.packet_count == 1,
	       "written once the dir is there");
	/* a full disk, as the file size limit makes it (EFBIG), not SIGXFSZ */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	CHECK(t, !setrlimit(RLIMIT_FSIZE, &small), "setrlimit");
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) < 0 && !ref.packet_count,
	       "a write past the limit fails");
	EXPECT(t, pcap_evidence_alert(pe, &a.ev, &ref) < 0, "and the next (a new file) too");
	setrlimit(RLIMIT_FSIZE, &old);
	EXPECT(t, !pcap_evidence_alert(pe, &a.ev, &ref) && ref.packet_count == 1,
	       "written again after");
	pcap_evidence_stats(pe, &st);
	EXPECT(t, st.open_failed >= 1 && st.write_failed >= 1 && st.packets == 2,
	       "%llu open failed, %llu write failed, %llu written",
	       (unsigned long long)st.open_failed, (unsigned long long)st.write_failed,
	       (unsigned long long)st.packets);
	pcap_evidence_close(pe);
	remove_dir(dir);
}

int main(void)
{
	test_program = "test_pcap_evidence";
	RUN(test_pcapng_read_back);
	RUN(test_rotation_and_numbers);
	RUN(test_budget_holds);
	RUN(test_restart_numbers_on);
	RUN(test_later_samples_follow);
	RUN(test_second_alert_names_the_flows_packets);
	RUN(test_errors_counted);
	return test_summary();
}
