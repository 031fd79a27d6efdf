// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

#include "pcap_frames.h"

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86DD

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

int pcap_frames_open(struct pcap_frames *pf, const char *path, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct stat st;

	memset(pf, 0, sizeof(*pf));
	pf->path = path;
	pf->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							   pcap_err);
	if (!pf->pcap) {
		snprintf(err, errlen, "%s: cannot read capture: %s", path, pcap_err);
		return -1;
	}
	pf->linktype = pcap_datalink(pf->pcap);
	switch (pf->linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		break;
	default:
		snprintf(err, errlen, "%s: unsupported link type %d (%s); edgewatch reads "
			 "Ethernet, Linux cooked (SLL, SLL2), raw IP and loopback captures",
			 path, pf->linktype, pcap_datalink_val_to_name(pf->linktype) ?: "unknown");
		pcap_close(pf->pcap);
		pf->pcap = NULL;
		return -1;
	}
	if (stat(path, &st) == 0)
		pf->file_size = st.st_size;
	return 0;
}

/* Build an Ethernet header carrying ethertype in front of payload, into pf->buf. */
static void synthesise_eth(struct pcap_frames *pf, struct pcap_frame *frame, uint16_t ethertype,
			   const uint8_t *payload, uint32_t payload_len)
{
	uint32_t copy = payload_len > PCAP_FRAME_MAX - ETH_HLEN ? PCAP_FRAME_MAX - ETH_HLEN
								 : payload_len;

	memset(pf->buf, 0, 12);	/* no MAC addresses in these link types */
	pf->buf[12] = ethertype >> 8;
	pf->buf[13] = ethertype & 0xff;
	memcpy(pf->buf + ETH_HLEN, payload, copy);
	frame->data = pf->buf;
	frame->len = ETH_HLEN + copy;
}

static uint16_t ethertype_of_ip(const uint8_t *data, uint32_t len)
{
	if (len < 1)
		return 0;
	switch (data[0] >> 4) {
	case 4:
		return ETHERTYPE_IP;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;	/* not IP: the program counts it as non-IP */
	}
}

/* BSD loopback: a 4-byte address family in host (DLT_NULL) or network (DLT_LOOP) order */
static uint16_t ethertype_of_loopback(const uint8_t *data, int linktype)
{
	uint32_t family;

	memcpy(&family, data, 4);
	if (linktype == DLT_LOOP)
		family = __builtin_bswap32(family);
	if (family == 2)
		return ETHERTYPE_IP;
	if (family == 10 || family == 24 || family == 28 || family == 30)
		return ETHERTYPE_IPV6;	/* AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS */
	return 0;
}

static void convert_frame(struct pcap_frames *pf, const struct pcap_pkthdr *hdr,
			  const uint8_t *data, struct pcap_frame *frame)
{
	uint32_t caplen = hdr->caplen;

	frame->not_convertible = 0;
	switch (pf->linktype) {
	case DLT_EN10MB:
		frame->data = data;
		frame->len = caplen > PCAP_FRAME_MAX ? PCAP_FRAME_MAX : caplen;
		return;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			break;
		/* protocol is the last field of the 16-byte header, network order */
		synthesise_eth(pf, frame, (data[14] << 8) | data[15], data + SLL_HLEN,
			       caplen - SLL_HLEN);
		return;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			break;
		/* protocol is the first field of the 20-byte header */
		synthesise_eth(pf, frame, (data[0] << 8) | data[1], data + SLL2_HLEN,
			       caplen - SLL2_HLEN);
		return;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		synthesise_eth(pf, frame, ethertype_of_ip(data, caplen), data, caplen);
		return;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			break;
		synthesise_eth(pf, frame, ethertype_of_loopback(data, pf->linktype), data + 4,
			       caplen - 4);
		return;
	}
	frame->not_convertible = 1;
	frame->data = data;
	frame->len = 0;
}

int pcap_frames_next(struct pcap_frames *pf, struct pcap_frame *frame, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int ret = pcap_next_ex(pf->pcap, &hdr, &data);

	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		snprintf(err, errlen, "%s: after frame %llu: %s", pf->path,
			 (unsigned long long)pf->index, pcap_geterr(pf->pcap));
		return -1;
	}
	pf->index++;
	frame->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ULL + hdr->ts.tv_usec;
	frame->wire_len = hdr->len > hdr->caplen ? hdr->len : hdr->caplen;
	convert_frame(pf, hdr, data, frame);
	return 1;
}

int pcap_frames_progress(const struct pcap_frames *pf)
{
	long pos;
	FILE *f = pcap_file(pf->pcap);

	if (!f || !pf->file_size)
		return 0;
	pos = ftell(f);
	return pos < 0 ? 0 : (int)((uint64_t)pos * 100 / pf->file_size);
}

void pcap_frames_close(struct pcap_frames *pf)
{
	if (pf->pcap)
		pcap_close(pf->pcap);
	pf->pcap = NULL;
}
