/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet evidence (outputs.pcap): the packets edgewatch has of every alerted flow, as
 * pcapng (pcapng.c) in outputs.pcap.dir, each packet's comment naming the alert's flow_id,
 * gid:sid:rev and signature. The output (output.c) writes an alert's packet here before
 * the alert's EVE line is formatted, so the line names the file and the packet numbers
 * ("pcap": {"file": ..., "packets": [...]}, tshark's frame.number); later sampled packets
 * of an alerted flow follow it (pcap_evidence_sample) with the same comment.
 *
 * Files are evidence-NNNNNN.pcapng, numbered on from the highest already in dir (a
 * restart never overwrites evidence), a new one before a packet that would take the
 * current one past max-file-size, and the oldest removed (counted) before a packet that
 * would take all of them past max-total. A file that cannot be opened or written (dir
 * missing, disk full) is logged once per run of failures and counted; the alert still
 * goes out, without "pcap". Thread-safe (alerts come from the scanner threads).
 */
#ifndef EDGEWATCH_OUTPUT_PCAP_EVIDENCE_H
#define EDGEWATCH_OUTPUT_PCAP_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "output/event.h"
#include "output/stats.h"

struct pcap_evidence;

struct pcap_evidence_config {
	const char *dir;
	uint64_t max_file_size;
	uint64_t max_total;
};

/* 0, or -errno (no memory; a dir that cannot be read is counted and logged, not fatal). */
int pcap_evidence_open(struct pcap_evidence **out, const struct pcap_evidence_config *cfg);
void pcap_evidence_close(struct pcap_evidence *pe);

/*
 * Write the alert's packet (ev->packet) and say where into ref (ev->pcap of the line):
 * 0, or -errno (counted: not written).
 */
int pcap_evidence_alert(struct pcap_evidence *pe, const struct alert_event *ev,
			struct alert_pcap *ref);
/*
 * A later sampled packet of flow_id: written when the flow has an alert (its comment
 * names the flow's first alert), else nothing. 1 written, 0 not alerted, -errno.
 */
int pcap_evidence_sample(struct pcap_evidence *pe, uint64_t flow_id,
			 const struct alert_packet *pkt);

void pcap_evidence_stats(struct pcap_evidence *pe, struct stats_pcap *out);

#endif /* EDGEWATCH_OUTPUT_PCAP_EVIDENCE_H */
