/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The events edgewatch emits, typed: a flow record, an alert, a stats snapshot
 * (stats.h). Producers (the flow sweeper, the policy events, the payload pipeline, the
 * detectors) fill them in and hand them to the output (output.h); only the sinks in
 * userspace/output/ turn them into bytes. An event is about a flow: its fields are
 * computed once (struct flow_fields) and every format writes them in one order.
 * Times in events are wall-clock nanoseconds (the producer converts the datapath's
 * clock); the strings and arrays they point to belong to the producer and live until
 * the call that takes the event returns.
 */
#ifndef EDGEWATCH_OUTPUT_EVENT_H
#define EDGEWATCH_OUTPUT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "community_id.h"
#include "datapath.h"

/* The flow seen from its initiator: source = the side that started it. */
struct flow_endpoints {
	int family;
	const uint8_t *src_addr;
	const uint8_t *dst_addr;
	uint16_t src_port;	/* host order */
	uint16_t dst_port;
};

void flow_endpoints_of(const struct flow_key *key, const struct flow_record *rec,
		       struct flow_endpoints *ep);

/* Stable flow_id from the kernel's per-flow sequence: 51 bits (exact in JSON doubles). */
uint64_t flow_id_of(uint64_t salt, uint64_t flow_seq);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", or the number as a string. */
const char *proto_name(uint8_t proto, char buf[8]);

/* TCP, UDP and SCTP: the protocols whose events carry src_port and dest_port. */
int proto_has_ports(uint8_t proto);

/* "timeout", "closed", ...: flow.reason, and the stats' keys. */
const char *flow_end_reason_name(enum ew_flow_end reason);

/* What every event about a flow says about it, seen from its initiator. */
struct flow_fields {
	uint64_t flow_id;
	char src_ip[46];	/* INET6_ADDRSTRLEN */
	char dest_ip[46];
	uint16_t src_port;
	uint16_t dest_port;
	int has_ports;		/* TCP, UDP, SCTP */
	int is_icmp;
	char proto_buf[8];
	const char *proto;
	int has_community_id;
	char community_id[COMMUNITY_ID_LEN];
};

void flow_fields_of(const struct flow_key *key, const struct flow_record *rec, uint64_t salt,
		    struct flow_fields *f);

/* The flow an event is about: the kernel's key and record, and its fields. */
struct flow_ref {
	const struct flow_key *key;
	const struct flow_record *rec;
	struct flow_fields fields;
};

/* A flow record: the flow ended (or, active timeout, a long flow's periodic record). */
struct flow_event {
	struct flow_ref flow;
	enum ew_flow_end reason;
	/* since the flow's previous active-timeout record: the records of a flow add up */
	uint64_t packets[2];	/* EW_DIR_TO_SERVER, EW_DIR_TO_CLIENT */
	uint64_t bytes[2];
	uint64_t start_ns;	/* wall clock */
	uint64_t end_ns;
	int alerted;		/* an alert was raised on the flow (kernel or rules) */
};

/* A piece of attacker-controlled text (HTTP fields): any bytes, not terminated. */
struct event_bytes {
	const uint8_t *data;	/* NULL: absent */
	size_t len;
};

/* Suricata's names for an HTTP request's fields. */
struct alert_http {
	struct event_bytes hostname;
	struct event_bytes url;
	struct event_bytes user_agent;
	struct event_bytes method;
	struct event_bytes protocol;
};

/* alert.metadata: key -> [values], as Suricata writes it (pairs, keys may repeat). */
struct alert_metadata {
	const char *key;
	const char *value;
};

/*
 * An aggregate alert (many sources, one target and port, one window): it shows the
 * latest event and stands for `events` events (that one included) from `sources`
 * distinct sources, of which a sample is named.
 */
struct alert_aggregate {
	uint64_t events;
	uint64_t sources;
	const char *const *sample_sources;	/* addresses as text */
	size_t sample_count;
};

/* A number in an anomaly's evidence ("ports": 23, "rate": 1250.5). */
struct anomaly_number {
	const char *name;		/* static text */
	double value;
	int integer;			/* written as a whole number */
};

/* Values in an anomaly's evidence: the distinct ports, hosts or reflectors, first N. */
struct anomaly_list {
	const char *name;		/* "ports", "hosts": static text */
	const char *const *items;
	size_t count;			/* items named */
	uint64_t total;			/* distinct values in all (>= count) */
};

/*
 * The evidence of an anomaly alert (detect/): what was counted, over which window,
 * against which threshold, the first distinct values, the score and its parts. An
 * episode is alerted when it starts, again with its totals every update interval while
 * it lasts, and once more when it ends (quiet for a window, or the run ended).
 */
struct alert_anomaly {
	const char *detector;		/* "scan", "brute-force", ... */
	const char *technique;		/* "SYN scan", "DNS amplification", ... */
	const char *episode;		/* "start", "update", "end" */
	uint64_t window_s;
	uint64_t first_ns;		/* the episode: first and latest evidence (wall clock) */
	uint64_t last_ns;
	uint64_t reports;		/* times the detector's condition held in the episode */
	const struct anomaly_number *numbers;
	size_t number_count;
	const struct anomaly_list *lists;
	size_t list_count;
	int has_score;
	double score;			/* 0..1 */
	const struct anomaly_number *score_parts;
	size_t score_part_count;
};

/*
 * A packet as the sample carried it, for the evidence (outputs.pcap): the frame's real
 * headers, then its payload (together the frame's first head_len + payload_len bytes).
 */
struct alert_packet {
	uint64_t ts_ns;			/* wall clock */
	const uint8_t *head;		/* the frame up to the payload */
	size_t head_len;
	const uint8_t *payload;
	size_t payload_len;
	uint32_t orig_len;		/* the frame's length on the wire */
};

/* Where the evidence wrote an alert's packets: "pcap" in its EVE line. */
#define ALERT_PCAP_PACKETS_MAX 4
struct alert_pcap {
	char file[64];			/* the file's name in outputs.pcap.dir */
	uint64_t packets[ALERT_PCAP_PACKETS_MAX];	/* 1-based, as tshark numbers them */
	size_t packet_count;
};

/* An alert: a detection (built-in sid or payload rule) on a packet of a flow. */
struct alert_event {
	uint64_t ts_ns;			/* wall clock */
	struct flow_ref flow;		/* flow.start is flow.rec's first_seen */
	int64_t to_realtime_ns;		/* the datapath clock's offset, for flow.start */
	int to_server;			/* the packet went initiator -> responder */
	uint32_t gid;
	uint32_t sid;
	uint32_t rev;
	const char *signature;		/* msg */
	const char *category;		/* classification description, or the detection */
	int severity;			/* 1 (high) .. 3 */
	int blocked;			/* alert.action "blocked", else "allowed" */
	const struct alert_metadata *metadata;
	size_t metadata_count;
	const char *const *references;	/* alert.reference */
	size_t reference_count;
	uint64_t suppressed;		/* > 0: earlier alerts of the same subject held back */
	const struct alert_aggregate *aggregate;	/* NULL: an alert about one source */
	int flow_table_full;		/* the packet found no room for a flow: no flow_id */
	const uint8_t *payload;		/* the sampled payload (NULL: none) */
	size_t payload_len;
	const struct alert_http *http;	/* NULL: not an HTTP request */
	const struct alert_anomaly *anomaly;	/* NULL: not an anomaly detection */
	const struct alert_packet *packet;	/* the packet whole, for outputs.pcap (NULL:
						 * none, or its headers not carried) */
	const struct alert_pcap *pcap;	/* set by the output: where the evidence went */
};

/*
 * The common part of an alert about (key, rec) at ts_ns (datapath clock), the packet
 * going from endpoint a when from_a: flow fields (flow_id from salt), direction, times.
 * The caller fills in the detection.
 */
void alert_event_init(struct alert_event *a, const struct flow_key *key,
		      const struct flow_record *rec, int from_a, uint64_t ts_ns,
		      int64_t to_realtime_ns, uint64_t flow_id_salt);


/* Why a service in the inventory is flagged (inventory.flags, in this order). */
enum inventory_flag {
	INVENTORY_END_OF_LIFE,		/* its product and version are past end of life */
	INVENTORY_KNOWN_EXPLOITED,	/* its version has a CVE in CISA's KEV catalog */
	INVENTORY_MGMT_EXPOSED,		/* a management port answering a client outside
					 * home-net */
	INVENTORY_CLEARTEXT_MGMT,	/* Telnet, SNMPv1/v2c, or HTTP on a management
					 * port */
	INVENTORY_CERT_EXPIRED,		/* its certificate had expired when it was seen */
	INVENTORY_CERT_SELF_SIGNED,	/* a self-signed certificate on a management port */
	INVENTORY_FLAG_COUNT,
};

/* "end_of_life", "known_exploited", "mgmt_exposed", "cleartext_mgmt", "cert_expired",
 * "cert_self_signed". */
const char *inventory_flag_name(enum inventory_flag flag);

/* A server's certificate as the inventory saw it (TLS <= 1.2). */
struct inventory_cert {
	const char *subject_cn;		/* escaped; "": none */
	const char *issuer_cn;
	int64_t not_before;		/* seconds since the epoch */
	int64_t not_after;
	int self_signed;
	int expired;			/* when it was seen */
	const char *sha256;		/* hex of the DER */
};

/* A client fingerprint (JA3 of a TLS client, HASSH of an SSH one). */
struct inventory_client_fp {
	const char *hash;		/* MD5 hex */
	const char *string;		/* what was hashed */
};

/* What a service's handshakes gave (userspace/inventory/handshake.h). */
struct inventory_handshake {
	const char *tls_version;	/* "1.2", "1.3"; NULL: no TLS ServerHello seen */
	int cert_encrypted;		/* TLS 1.3: the certificate is not visible */
	const char *ja3s, *ja3s_string;	/* NULL: none */
	const struct inventory_cert *cert;	/* NULL: none seen */
	const char *previous_cert_sha256;	/* change "changed" by a new certificate */
	const char *hassh_server, *hassh_server_string;	/* NULL: none */
	const char *client_kind;	/* "ja3" or "hassh" */
	const struct inventory_client_fp *clients;	/* distinct, in the order seen */
	size_t client_count;
	int clients_capped;		/* more than the record lists */
};

/*
 * A service of the passive inventory (userspace/inventory/): a server's address, port
 * and protocol, what its banner says, who it answered. change: "new" (first seen),
 * "changed" (another product or version than before: previous_* say which; or another
 * certificate: handshake->previous_cert_sha256), "learned" (a handshake told more of a
 * service already listed: its fingerprints or first certificate), "summary" (the periodic
 * record of a service seen since the last summary).
 */
struct inventory_event {
	uint64_t ts_ns;			/* wall clock */
	const char *change;
	int family;
	const uint8_t *addr;		/* the server */
	uint16_t port;			/* host order */
	uint8_t proto;
	const char *service;		/* "ssh", "http", "ftp", "smtp", "telnet", "snmp" */
	const char *protocol;		/* SSH protocol version ("2.0"); NULL/"": none */
	const char *product;		/* "": unknown */
	const char *version;		/* "": unknown */
	const char *banner;		/* as seen, escaped (printable ASCII) */
	const char *title;		/* HTTP page title, escaped; "": none */
	const char *object_id;		/* SNMP sysObjectID, dotted; NULL/"": none */
	const char *previous_product;	/* change "changed" only */
	const char *previous_version;
	uint64_t first_ns;		/* wall clock */
	uint64_t last_ns;
	uint64_t flows;			/* flows in which it answered */
	uint64_t clients;		/* distinct clients (a lower bound when capped) */
	int clients_capped;		/* more than the record lists */
	uint64_t clients_outside;	/* of them, outside home-net */
	int mgmt_port;			/* the port is in management.ports */
	int mgmt_protected;		/* the management policy judged its flows */
	unsigned int flags;		/* 1u << enum inventory_flag */
	const char *eol_date;		/* NULL: not end of life */
	const char *const *cves;	/* known exploited */
	size_t cve_count;
	const char *const *references;	/* the data file's references of the verdicts */
	size_t reference_count;
	const struct inventory_handshake *handshake;	/* TLS / SSH fingerprints; NULL: none */
};

#endif /* EDGEWATCH_OUTPUT_EVENT_H */
