/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet evidence (outputs.pcap): the packets edgewatch has of every alerted flow, as
 * pcapng (pcapng.c) in outputs.pcap.dir, each packet's comment naming the alert's flow_id,
 * gid:sid:rev and signature. The output (output.c) writes an alert's packet here before
 * the alert's EVE line is formatted, so the line names the file and the packet numbers
 * ("pcap": {"file": ..., "packets": [...]}, tshark's frame.number). The latest samples of
 * flows without an alert are kept in a small ring (EVIDENCE_RECENT): a flow's first alert
 * writes its samples still there first (the request before the reply that alerted, so a
 * replay of the file sees the flow from its initiator), then its packet; later sampled
 * packets of the flow follow (pcap_evidence_sample), all under the alert's comment.
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
 * Write the alert's packets (its flow's kept samples on its first alert, then ev->packet)
 * and say where into ref (ev->pcap of the line): 0, or -errno (-ENODATA: no packet at
 * all; else counted: not written).
 */
int pcap_evidence_alert(struct pcap_evidence *pe, const struct alert_event *ev,
			struct alert_pcap *ref);
/*
 * A sampled packet of flow_id that raised no alert: written when the flow has an alert
 * (its comment names the flow's first alert), else kept in the ring. 1 written, 0 not,
 * -errno.
 */
int pcap_evidence_sample(struct pcap_evidence *pe, uint64_t flow_id,
			 const struct alert_packet *pkt);

void pcap_evidence_stats(struct pcap_evidence *pe, struct stats_pcap *out);

#endif /* EDGEWATCH_OUTPUT_PCAP_EVIDENCE_H */
