// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Packet evidence of alerted flows: see pcap_evidence.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "output/pcap_evidence.h"
#include "output/pcapng.h"

#define EVIDENCE_PREFIX "evidence-"
#define EVIDENCE_SUFFIX ".pcapng"
/*
 * Alerted flows whose later samples follow their alert into the evidence: direct-mapped
 * by flow_id, a newer flow takes an older one's slot (its later samples are then not
 * written; the alert's own packet always is).
 */
#define EVIDENCE_FLOWS 1024

struct evidence_file {
	uint32_t index;		/* NNNNNN of its name */
	uint64_t size;
};

struct evidence_flow {
	uint64_t flow_id;	/* 0: free */
	char comment[PCAPNG_COMMENT_MAX];
	/* the flow's packets written so far (the file of the latest, and its numbers
	 * there): named by a later alert that brings no packet of its own (a second rule
	 * on the same stream window, a kernel detection after a payload alert) */
	struct alert_pcap written;
};

/*
 * The latest samples of flows without an alert (yet): when a flow's first alert comes,
 * its samples still here go into the evidence before the alert's packet, so the file
 * holds the request before its reply, and a replay of it sees the flow from its start.
 */
#define EVIDENCE_RECENT 64

struct evidence_recent {
	uint64_t flow_id;	/* 0: free */
	uint64_t ts_ns;
	uint32_t cap_len;
	uint32_t orig_len;
	uint8_t frame[EW_SAMPLE_HEADROOM + EW_SNAPLEN_MAX];
};

struct pcap_evidence {
	pthread_mutex_t lock;
	char *dir;
	uint64_t max_file_size;
	uint64_t max_total;
	/* the files in dir, oldest first; the last is the one being written when cur */
	struct evidence_file *files;
	size_t file_count, file_cap;
	uint64_t total;		/* bytes of all of them */
	FILE *cur;
	uint64_t cur_packets;
	uint32_t next_index;
	int failing;		/* in a run of failures: logged at its start and end */
	struct evidence_flow *flows;
	struct evidence_recent *recent;	/* EVIDENCE_RECENT, a ring */
	size_t recent_next;
	struct stats_pcap stats;
};

static int parse_index(const char *name, uint32_t *index)
{
	size_t len = strlen(name), pre = strlen(EVIDENCE_PREFIX), suf = strlen(EVIDENCE_SUFFIX);
	char *end;
	unsigned long v;

	if (len <= pre + suf || strncmp(name, EVIDENCE_PREFIX, pre) ||
	    strcmp(name + len - suf, EVIDENCE_SUFFIX))
		return -1;
	v = strtoul(name + pre, &end, 10);
	if (end != name + len - suf || v > UINT32_MAX - 1)
		return -1;
	*index = (uint32_t)v;
	return 0;
}

static void file_name(uint32_t index, char *buf, size_t len)
{
	snprintf(buf, len, EVIDENCE_PREFIX "%06" PRIu32 EVIDENCE_SUFFIX, index);
}

static int file_cmp(const void *a, const void *b)
{
	const struct evidence_file *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static int files_push(struct pcap_evidence *pe, uint32_t index, uint64_t size)
{
	if (pe->file_count == pe->file_cap) {
		size_t cap = pe->file_cap ? 2 * pe->file_cap : 16;
		struct evidence_file *f = realloc(pe->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		pe->files = f;
		pe->file_cap = cap;
	}
	pe->files[pe->file_count++] = (struct evidence_file){ .index = index, .size = size };
	pe->total += size;
	return 0;
}

/* The evidence already in dir (an earlier run's) counts in the budget, and is older. */
static int files_scan(struct pcap_evidence *pe)
{
	DIR *d = opendir(pe->dir);
	struct dirent *de;
	int err = 0;

	if (!d) {
		/* counted when the first packet cannot be written there either */
		log_warn("outputs.pcap.dir %s: %s", pe->dir, strerror(errno));
		return 0;
	}
	while (!err && (de = readdir(d))) {
		struct stat st;
		uint32_t index;

		if (parse_index(de->d_name, &index) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		err = files_push(pe, index, (uint64_t)st.st_size);
		if (!err && index >= pe->next_index)
			pe->next_index = index + 1;
	}
	closedir(d);
	if (pe->file_count)
		qsort(pe->files, pe->file_count, sizeof(*pe->files), file_cmp);
	return err;
}

int pcap_evidence_open(struct pcap_evidence **out, const struct pcap_evidence_config *cfg)
{
	struct pcap_evidence *pe = calloc(1, sizeof(*pe));
	int err = -ENOMEM;

	*out = NULL;
	if (!pe)
		return -ENOMEM;
	pthread_mutex_init(&pe->lock, NULL);
	pe->dir = strdup(cfg->dir);
	pe->flows = calloc(EVIDENCE_FLOWS, sizeof(*pe->flows));
	pe->recent = calloc(EVIDENCE_RECENT, sizeof(*pe->recent));
	pe->max_file_size = cfg->max_file_size;
	pe->max_total = cfg->max_total;
	pe->next_index = 1;
	pe->stats.enabled = 1;
	if (!pe->dir || !pe->flows || !pe->recent)
		goto fail;
	err = files_scan(pe);
	if (err)
		goto fail;
	*out = pe;
	return 0;
fail:
	pcap_evidence_close(pe);
	return err;
}

void pcap_evidence_close(struct pcap_evidence *pe)
{
	if (!pe)
		return;
	if (pe->cur)
		fclose(pe->cur);
	pthread_mutex_destroy(&pe->lock);
	free(pe->files);
	free(pe->flows);
	free(pe->recent);
	free(pe->dir);
	free(pe);
}

static void note_failure(struct pcap_evidence *pe, const char *what, const char *name, int err)
{
	if (!pe->failing)
		log_error("outputs.pcap: cannot %s %s/%s: %s (evidence not written, counted in "
			  "stats.pcap)", what, pe->dir, name, strerror(err));
	pe->failing = 1;
}

static void note_success(struct pcap_evidence *pe)
{
	if (pe->failing)
		log_info("outputs.pcap: writing evidence to %s again", pe->dir);
	pe->failing = 0;
}

static int path_of(const struct pcap_evidence *pe, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", pe->dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int remove_file(const struct pcap_evidence *pe, const char *name)
{
	char path[4096];

	if (path_of(pe, name, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unlink(path);
}

/* Remove the oldest files (not the one being written) until need more bytes fit. */
static void budget_make_room(struct pcap_evidence *pe, uint64_t need)
{
	size_t keep = pe->cur ? 1 : 0;
	char name[64];

	while (pe->total + need > pe->max_total && pe->file_count > keep) {
		struct evidence_file oldest = pe->files[0];

		file_name(oldest.index, name, sizeof(name));
		if (remove_file(pe, name)) {
			pe->stats.remove_failed++;
			note_failure(pe, "remove", name, errno);
		} else {
			pe->stats.files_removed++;
			pe->stats.bytes_removed += oldest.size;
		}
		/* forgotten either way: a file we cannot remove must not stop all evidence */
		pe->total -= oldest.size;
		memmove(pe->files, pe->files + 1, (pe->file_count - 1) * sizeof(*pe->files));
		pe->file_count--;
	}
}

/* Close the current file, if any (its size as written stays in the budget). */
static void file_close(struct pcap_evidence *pe)
{
	if (pe->cur)
		fclose(pe->cur);
	pe->cur = NULL;
	pe->cur_packets = 0;
}

/* A new file with room for need bytes of packets: 0 or -errno (counted). */
static int file_open_next(struct pcap_evidence *pe, uint64_t need)
{
	char name[64], path[4096];
	ssize_t hdr;
	int fd, err;

	file_close(pe);
	file_name(pe->next_index, name, sizeof(name));
	err = path_of(pe, name, path, sizeof(path));
	if (err)
		goto fail;
	budget_make_room(pe, PCAPNG_HEADER_SIZE + need);
	/* O_EXCL, O_NOFOLLOW: never write through a link or over a file already there */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0 || !(pe->cur = fdopen(fd, "w"))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	pe->next_index++;
	hdr = pcapng_write_header(pe->cur, "edgewatch");
	if (hdr >= 0 && fflush(pe->cur))
		hdr = -errno;
	if (hdr < 0) {
		err = (int)hdr;
		file_close(pe);
		unlink(path);	/* a file without its header is no evidence */
		goto fail;
	}
	err = files_push(pe, pe->next_index - 1, (uint64_t)hdr);
	if (err) {
		file_close(pe);
		goto fail;
	}
	pe->stats.files++;
	return 0;
fail:
	pe->stats.open_failed++;
	note_failure(pe, "open", name, -err);
	return err;
}

/* One packet into the current file (a new one when it would pass max-file-size); its
 * number in that file, or -errno (counted). Lock held. */
static int64_t packet_write(struct pcap_evidence *pe, const struct alert_packet *pkt,
			    const char *comment, uint64_t batch)
{
	uint8_t frame[EW_SAMPLE_HEADROOM + EW_SNAPLEN_MAX];
	size_t cap = pkt->head_len + pkt->payload_len;
	uint64_t size;
	ssize_t n;
	int err;

	if (cap > sizeof(frame) || cap > pkt->orig_len)
		return -EINVAL;
	memcpy(frame, pkt->head, pkt->head_len);
	memcpy(frame + pkt->head_len, pkt->payload, pkt->payload_len);
	size = pcapng_packet_size((uint32_t)cap, comment);
	/* batch: the bytes of this packet and the ones after it that must share its file
	 * (an alert's), decided at its first; 0 for the rest of the batch */
	if (!pe->cur || (batch && pe->files[pe->file_count - 1].size + batch > pe->max_file_size &&
			 pe->cur_packets)) {
		err = file_open_next(pe, batch ? batch : size);
		if (err)
			return err;
	}
	budget_make_room(pe, size);
	n = pcapng_write_packet(pe->cur, pkt->ts_ns, frame, (uint32_t)cap, pkt->orig_len,
				comment);
	/* on disk before the alert's line names it */
	if (n >= 0 && fflush(pe->cur))
		n = -errno;
	if (n < 0) {
		char name[64];
		struct stat st;

		file_name(pe->files[pe->file_count - 1].index, name, sizeof(name));
		pe->stats.write_failed++;
		note_failure(pe, "write", name, (int)-n);
		/* what reached the disk stays in the budget; the next packet starts a new file
		 * rather than follow a block cut short */
		if (!fstat(fileno(pe->cur), &st) &&
		    (uint64_t)st.st_size > pe->files[pe->file_count - 1].size) {
			pe->total += (uint64_t)st.st_size - pe->files[pe->file_count - 1].size;
			pe->files[pe->file_count - 1].size = (uint64_t)st.st_size;
		}
		file_close(pe);
		return (int)n;
	}
	note_success(pe);
	pe->files[pe->file_count - 1].size += (uint64_t)n;
	pe->total += (uint64_t)n;
	pe->stats.packets++;
	return (int64_t)++pe->cur_packets;
}

/* A packet of an alerted flow, written as number in the current file, into w (the
 * latest ALERT_PCAP_PACKETS_MAX, of the latest file). Lock held. */
static void written_add(struct pcap_evidence *pe, struct alert_pcap *w, uint64_t number)
{
	char name[sizeof(w->file)];

	file_name(pe->files[pe->file_count - 1].index, name, sizeof(name));
	if (strcmp(name, w->file)) {	/* rotated: the flow's latest file is the new one */
		memcpy(w->file, name, sizeof(name));
		w->packet_count = 0;
	}
	if (w->packet_count == ALERT_PCAP_PACKETS_MAX) {
		memmove(w->packets, w->packets + 1,
			(ALERT_PCAP_PACKETS_MAX - 1) * sizeof(w->packets[0]));
		w->packet_count--;
	}
	w->packets[w->packet_count++] = number;
}

static void alert_comment(const struct alert_event *ev, char *buf, size_t len)
{
	snprintf(buf, len, "edgewatch alert flow_id=%" PRIu64 " gid=%" PRIu32 " sid=%" PRIu32
		 " rev=%" PRIu32 " signature=%s", ev->flow.fields.flow_id, ev->gid, ev->sid,
		 ev->rev, ev->signature ? ev->signature : "");
}

static int recent_cmp(const void *a, const void *b)
{
	const struct evidence_recent *x = *(const struct evidence_recent *const *)a;
	const struct evidence_recent *y = *(const struct evidence_recent *const *)b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static struct alert_packet recent_packet(const struct evidence_recent *r)
{
	return (struct alert_packet){ .ts_ns = r->ts_ns, .head = r->frame, .head_len = 0,
				      .payload = r->frame, .payload_len = r->cap_len,
				      .orig_len = r->orig_len };
}

/*
 * The flow's first alert: its recent samples (time order, the scanner threads may have
 * kept them out of order), then the alert's packet, all in one file, their numbers into
 * ref (the last ALERT_PCAP_PACKETS_MAX). Lock held.
 */
static int64_t alert_write(struct pcap_evidence *pe, const struct alert_event *ev,
			   const char *comment, int first_alert, struct alert_pcap *ref)
{
	struct evidence_recent *earlier[EVIDENCE_RECENT];
	size_t n = 0, i, total;
	uint64_t batch = 0;
	int64_t number = -ENODATA;

	for (i = 0; first_alert && i < EVIDENCE_RECENT; i++)
		if (pe->recent[i].flow_id == ev->flow.fields.flow_id)
			earlier[n++] = &pe->recent[i];
	if (n)
		qsort(earlier, n, sizeof(*earlier), recent_cmp);
	/* a kernel detection has no packet of its own: the flow's earlier samples alone */
	total = n + (ev->packet != NULL);
	if (ev->packet)
		batch = pcapng_packet_size(
			(uint32_t)(ev->packet->head_len + ev->packet->payload_len), comment);
	for (i = 0; i < n; i++)
		batch += pcapng_packet_size(earlier[i]->cap_len, comment);
	for (i = 0; i < total; i++) {
		struct alert_packet pkt = i < n ? recent_packet(earlier[i]) : *ev->packet;

		number = packet_write(pe, &pkt, comment, i == 0 ? batch : 0);
		if (i < n)
			earlier[i]->flow_id = 0;	/* written (or lost, counted): done */
		if (number < 0)
			return number;
		written_add(pe, ref, (uint64_t)number);
	}
	return number;
}

int pcap_evidence_alert(struct pcap_evidence *pe, const struct alert_event *ev,
			struct alert_pcap *ref)
{
	uint64_t flow_id = ev->flow.fields.flow_id;
	struct evidence_flow *slot = &pe->flows[flow_id % EVIDENCE_FLOWS];
	char comment[PCAPNG_COMMENT_MAX];
	int64_t number = -ENODATA;
	int first_alert = 0;

	memset(ref, 0, sizeof(*ref));
	alert_comment(ev, comment, sizeof(comment));
	pthread_mutex_lock(&pe->lock);
	/* the flow's later samples follow (a policy alert's first payload packets), under
	 * its first alert's comment */
	if (flow_id && slot->flow_id != flow_id) {
		slot->flow_id = flow_id;
		memcpy(slot->comment, comment, sizeof(comment));
		first_alert = 1;
	}
	if (!ev->packet)
		pe->stats.without_packet++;
	number = alert_write(pe, ev, comment, first_alert, ref);
	if (number == -ENODATA && flow_id && slot->flow_id == flow_id &&
	    slot->written.packet_count) {
		*ref = slot->written;	/* nothing new: the flow's packets already written */
		number = 0;
	} else if (number >= 0 && flow_id && slot->flow_id == flow_id) {
		slot->written = *ref;
	}
	if (number < 0)
		memset(ref, 0, sizeof(*ref));
	else
		pe->stats.alerts++;
	pthread_mutex_unlock(&pe->lock);
	return number < 0 ? (int)number : 0;
}

/* A sample of a flow with no alert: kept in the ring in case one comes. Lock held. */
static void recent_keep(struct pcap_evidence *pe, uint64_t flow_id,
			const struct alert_packet *pkt)
{
	struct evidence_recent *r = &pe->recent[pe->recent_next];
	size_t cap = pkt->head_len + pkt->payload_len;

	if (pkt->head_len > EW_SAMPLE_HEADROOM || pkt->payload_len > EW_SNAPLEN_MAX ||
	    cap > pkt->orig_len)
		return;
	pe->recent_next = (pe->recent_next + 1) % EVIDENCE_RECENT;
	r->flow_id = flow_id;
	r->ts_ns = pkt->ts_ns;
	r->cap_len = (uint32_t)cap;
	r->orig_len = pkt->orig_len;
	memcpy(r->frame, pkt->head, pkt->head_len);
	memcpy(r->frame + pkt->head_len, pkt->payload, pkt->payload_len);
}

int pcap_evidence_sample(struct pcap_evidence *pe, uint64_t flow_id,
			 const struct alert_packet *pkt)
{
	struct evidence_flow *slot = &pe->flows[flow_id % EVIDENCE_FLOWS];
	int64_t number = 0;

	pthread_mutex_lock(&pe->lock);
	if (flow_id && slot->flow_id == flow_id) {
		number = packet_write(pe, pkt, slot->comment, pcapng_packet_size(
			(uint32_t)(pkt->head_len + pkt->payload_len), slot->comment));
		if (number > 0)
			written_add(pe, &slot->written, (uint64_t)number);
	} else if (flow_id)
		recent_keep(pe, flow_id, pkt);
	pthread_mutex_unlock(&pe->lock);
	return number < 0 ? (int)number : number > 0;
}

void pcap_evidence_stats(struct pcap_evidence *pe, struct stats_pcap *out)
{
	pthread_mutex_lock(&pe->lock);
	*out = pe->stats;
	out->bytes = pe->total;
	pthread_mutex_unlock(&pe->lock);
}
