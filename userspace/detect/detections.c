// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The anomaly detections and their parameters: see detections.h and detect/README.md. */
#include "detect/detections.h"

#define SIG "EDGEWATCH ANOMALY "

static const struct ew_detection detections[] = {
	/* scan.c: one source, many ports of one host / one port of many hosts */
	{ 9000101, EW_DETECTOR_SCAN, "syn_scan", "SYN scan", SIG "SYN port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000102, EW_DETECTOR_SCAN, "connect_scan", "connect scan", SIG "TCP connect port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000103, EW_DETECTOR_SCAN, "fin_scan", "FIN scan", SIG "FIN port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000104, EW_DETECTOR_SCAN, "null_scan", "NULL scan", SIG "NULL port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000105, EW_DETECTOR_SCAN, "xmas_scan", "Xmas scan", SIG "Xmas port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000106, EW_DETECTOR_SCAN, "ack_scan", "ACK scan", SIG "ACK port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000107, EW_DETECTOR_SCAN, "udp_scan", "UDP scan", SIG "UDP port scan",
	  EW_CAT_PORT_SCAN, 2 },
	{ 9000111, EW_DETECTOR_SCAN, "icmp_sweep", "ICMP echo sweep", SIG "ICMP echo address sweep",
	  EW_CAT_ADDRESS_SWEEP, 3 },
	{ 9000112, EW_DETECTOR_SCAN, "tcp_sweep", "TCP sweep", SIG "TCP address sweep",
	  EW_CAT_ADDRESS_SWEEP, 2 },
	{ 9000113, EW_DETECTOR_SCAN, "udp_sweep", "UDP sweep", SIG "UDP address sweep",
	  EW_CAT_ADDRESS_SWEEP, 2 },

	/* brute_force.c: many short connections from one source to one service */
	{ 9000201, EW_DETECTOR_BRUTE_FORCE, "ssh_brute_force", "SSH brute force",
	  SIG "SSH brute force", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000202, EW_DETECTOR_BRUTE_FORCE, "telnet_brute_force", "Telnet brute force",
	  SIG "Telnet brute force", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000203, EW_DETECTOR_BRUTE_FORCE, "ftp_brute_force", "FTP brute force",
	  SIG "FTP brute force", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000204, EW_DETECTOR_BRUTE_FORCE, "rdp_brute_force", "RDP brute force",
	  SIG "RDP brute force", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000205, EW_DETECTOR_BRUTE_FORCE, "vnc_brute_force", "VNC brute force",
	  SIG "VNC brute force", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000206, EW_DETECTOR_BRUTE_FORCE, "snmp_brute_force", "SNMP community guessing",
	  SIG "SNMP community guessing", EW_CAT_BRUTE_FORCE, 2 },
	{ 9000207, EW_DETECTOR_BRUTE_FORCE, "http_brute_force", "HTTP(S) login brute force",
	  SIG "HTTP(S) management login brute force", EW_CAT_BRUTE_FORCE, 2 },
	/* brute_force.c: many sources, each below the threshold, at one service of one host */
	{ 9000211, EW_DETECTOR_BRUTE_FORCE, "ssh_distributed_brute_force",
	  "distributed SSH brute force", SIG "distributed SSH brute force", EW_CAT_BRUTE_FORCE,
	  2 },
	{ 9000212, EW_DETECTOR_BRUTE_FORCE, "telnet_distributed_brute_force",
	  "distributed Telnet brute force", SIG "distributed Telnet brute force",
	  EW_CAT_BRUTE_FORCE, 2 },
	{ 9000213, EW_DETECTOR_BRUTE_FORCE, "ftp_distributed_brute_force",
	  "distributed FTP brute force", SIG "distributed FTP brute force", EW_CAT_BRUTE_FORCE,
	  2 },
	{ 9000214, EW_DETECTOR_BRUTE_FORCE, "rdp_distributed_brute_force",
	  "distributed RDP brute force", SIG "distributed RDP brute force", EW_CAT_BRUTE_FORCE,
	  2 },
	{ 9000215, EW_DETECTOR_BRUTE_FORCE, "vnc_distributed_brute_force",
	  "distributed VNC brute force", SIG "distributed VNC brute force", EW_CAT_BRUTE_FORCE,
	  2 },
	{ 9000217, EW_DETECTOR_BRUTE_FORCE, "http_distributed_brute_force",
	  "distributed HTTP(S) login brute force",
	  SIG "distributed HTTP(S) management login brute force", EW_CAT_BRUTE_FORCE, 2 },

	/* flood.c: packet and new-flow rates per destination, against a baseline */
	{ 9000301, EW_DETECTOR_FLOOD, "syn_flood", "SYN flood", SIG "SYN flood",
	  EW_CAT_SYN_FLOOD, 1 },
	{ 9000302, EW_DETECTOR_FLOOD, "udp_flood", "UDP flood", SIG "UDP flood",
	  EW_CAT_UDP_FLOOD, 1 },
	{ 9000303, EW_DETECTOR_FLOOD, "icmp_flood", "ICMP flood", SIG "ICMP flood",
	  EW_CAT_ICMP_FLOOD, 1 },

	/* amplification.c: answers nobody asked for, from many reflectors */
	{ 9000401, EW_DETECTOR_AMPLIFICATION, "dns_amplification", "DNS amplification",
	  SIG "DNS amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000402, EW_DETECTOR_AMPLIFICATION, "ntp_amplification", "NTP amplification",
	  SIG "NTP amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000403, EW_DETECTOR_AMPLIFICATION, "snmp_amplification", "SNMP amplification",
	  SIG "SNMP amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000404, EW_DETECTOR_AMPLIFICATION, "ssdp_amplification", "SSDP amplification",
	  SIG "SSDP amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000405, EW_DETECTOR_AMPLIFICATION, "cldap_amplification", "CLDAP amplification",
	  SIG "CLDAP amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000406, EW_DETECTOR_AMPLIFICATION, "memcached_amplification",
	  "memcached amplification", SIG "memcached amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000407, EW_DETECTOR_AMPLIFICATION, "chargen_amplification", "Chargen amplification",
	  SIG "Chargen amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000408, EW_DETECTOR_AMPLIFICATION, "ike_amplification", "ISAKMP/IKE amplification",
	  SIG "ISAKMP/IKE amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000409, EW_DETECTOR_AMPLIFICATION, "wsd_amplification", "WS-Discovery amplification",
	  SIG "WS-Discovery amplification", EW_CAT_AMPLIFICATION, 1 },
	{ 9000430, EW_DETECTOR_AMPLIFICATION, "syn_ack_reflection", "SYN-ACK reflection",
	  SIG "SYN-ACK reflection (backscatter)", EW_CAT_REFLECTION, 2 },
	{ 9000431, EW_DETECTOR_AMPLIFICATION, "used_as_reflector", "used as a reflector",
	  SIG "protected host used as a reflector", EW_CAT_REFLECTION, 1 },

	/* beacon.c: regular call-backs (RITA-style scoring) */
	{ 9000501, EW_DETECTOR_BEACON, "beacon_connections", "beaconing across connections",
	  SIG "beaconing across connections", EW_CAT_BEACONING, 1 },
	{ 9000502, EW_DETECTOR_BEACON, "beacon_in_flow", "beaconing inside one flow",
	  SIG "beaconing inside one long-lived flow", EW_CAT_BEACONING, 1 },
};

#define DETECTION_COUNT (sizeof(detections) / sizeof(detections[0]))

const struct ew_detection *ew_detections(size_t *count)
{
	*count = DETECTION_COUNT;
	return detections;
}

const struct ew_detection *ew_detection_of(uint32_t sid)
{
	size_t i;

	for (i = 0; i < DETECTION_COUNT; i++)
		if (detections[i].sid == sid)
			return &detections[i];
	return NULL;
}

const char *ew_detector_name(enum ew_detector d)
{
	static const char *const names[EW_DETECTOR_COUNT] = {
		[EW_DETECTOR_SCAN] = "scan",
		[EW_DETECTOR_BRUTE_FORCE] = "brute-force",
		[EW_DETECTOR_FLOOD] = "flood",
		[EW_DETECTOR_AMPLIFICATION] = "amplification",
		[EW_DETECTOR_BEACON] = "beacon",
	};

	return (unsigned int)d < EW_DETECTOR_COUNT ? names[d] : "?";
}

#define DAY (24u * 3600u)

/*
 * The defaults: a first cut from the anchors (Zeek's scan and brute-force scripts: 15-25
 * distinct ports or hosts in 5 minutes, 30 failed logins in 30 minutes; RITA: a day of
 * connections, a score of 0.8), checked against the benign captures and the busy-but-
 * normal mix in the tests; each detector's file says why its numbers are what they are.
 */
static const struct ew_anomaly_param_def params[] = {
	{ EW_AP_SCAN_WINDOW, EW_DETECTOR_SCAN, "window", EW_PARAM_SECONDS, 300, 1, DAY,
	  "window of a fast scan" },
	/* scan.c keeps exact sets of at most 48 distinct ports or hosts (SCAN_SET_MAX):
	 * the thresholds stop there. hosts: 25, Zeek scan.bro's address-scan threshold
	 * (a poller with a few hosts down stays below it) */
	{ EW_AP_SCAN_PORTS, EW_DETECTOR_SCAN, "ports", EW_PARAM_COUNT, 20, 2, 48,
	  "distinct ports of one host probed by one source in the window (failed or "
	  "unanswered probes weigh 1, completed connections 1/4)" },
	{ EW_AP_SCAN_HOSTS, EW_DETECTOR_SCAN, "hosts", EW_PARAM_COUNT, 25, 2, 48,
	  "distinct hosts probed on one port (or pinged) by one source in the window" },
	{ EW_AP_SCAN_SLOW_WINDOW, EW_DETECTOR_SCAN, "slow-window", EW_PARAM_SECONDS, 3600, 1,
	  7 * DAY, "window of a slow scan (probes minutes apart)" },
	{ EW_AP_SCAN_SLOW_PORTS, EW_DETECTOR_SCAN, "slow-ports", EW_PARAM_COUNT, 40, 2, 48,
	  "distinct ports of one host probed in the slow window" },
	{ EW_AP_SCAN_SLOW_HOSTS, EW_DETECTOR_SCAN, "slow-hosts", EW_PARAM_COUNT, 40, 2, 48,
	  "distinct hosts probed on one port in the slow window" },

	{ EW_AP_BRUTE_WINDOW, EW_DETECTOR_BRUTE_FORCE, "window", EW_PARAM_SECONDS, 1800, 1, DAY,
	  "window in which attempts are counted" },
	{ EW_AP_BRUTE_ATTEMPTS, EW_DETECTOR_BRUTE_FORCE, "attempts", EW_PARAM_COUNT, 20, 2,
	  1000000, "short authentication attempts from one source to one service in the window" },

	{ EW_AP_FLOOD_WINDOW, EW_DETECTOR_FLOOD, "window", EW_PARAM_SECONDS, 10, 1, 3600,
	  "window over which rates are measured" },
	{ EW_AP_FLOOD_SYN_RATE, EW_DETECTOR_FLOOD, "syn-rate", EW_PARAM_COUNT, 500, 1,
	  100000000, "half-open connections per second to one destination (floor)" },
	{ EW_AP_FLOOD_UDP_RATE, EW_DETECTOR_FLOOD, "udp-rate", EW_PARAM_COUNT, 20000, 1,
	  100000000, "UDP packets per second to one destination (floor)" },
	{ EW_AP_FLOOD_ICMP_RATE, EW_DETECTOR_FLOOD, "icmp-rate", EW_PARAM_COUNT, 5000, 1,
	  100000000, "ICMP packets per second to one destination (floor)" },
	{ EW_AP_FLOOD_BASELINE_FACTOR, EW_DETECTOR_FLOOD, "baseline-factor", EW_PARAM_COUNT, 10,
	  1, 1000000, "a rate must also exceed the destination's baseline this many times" },

	{ EW_AP_AMP_WINDOW, EW_DETECTOR_AMPLIFICATION, "window", EW_PARAM_SECONDS, 60, 1, 3600,
	  "window in which unsolicited answers are counted" },
	{ EW_AP_AMP_REFLECTORS, EW_DETECTOR_AMPLIFICATION, "reflectors", EW_PARAM_COUNT, 10, 1,
	  1000000, "distinct reflectors answering one target unasked in the window" },
	{ EW_AP_AMP_BYTES, EW_DETECTOR_AMPLIFICATION, "bytes", EW_PARAM_BYTES, 1000000, 1,
	  4000000000u, "bytes of unsolicited answers to one target in the window (and of "
	  "amplified answers from one protected host)" },
	/* a protected host used as a reflector (sid 9000431): DNS ANY and monlist answers
	 * are 30-500 times their query; ordinary DNS answers 2-5 times, DNSSEC-signed ones
	 * up to 20, but a server's answers as a whole stay well under 10 */
	{ EW_AP_AMP_RATIO, EW_DETECTOR_AMPLIFICATION, "ratio", EW_PARAM_COUNT, 10, 2, 100000,
	  "an amplified answer is this many times its query's bytes; a protected host's "
	  "answers on the port together must be too" },
	{ EW_AP_AMP_SOURCES, EW_DETECTOR_AMPLIFICATION, "sources", EW_PARAM_COUNT, 10, 1,
	  1000000, "distinct sources a protected host sent amplified answers to in the window" },

	{ EW_AP_BEACON_MIN_CONNECTIONS, EW_DETECTOR_BEACON, "min-connections", EW_PARAM_COUNT, 10,
	  3, 1000000, "connections (or bursts) needed before a pair is scored" },
	{ EW_AP_BEACON_SCORE, EW_DETECTOR_BEACON, "score", EW_PARAM_PERCENT, 80, 1, 100,
	  "score (0-100) above which a pair is alerted" },
	{ EW_AP_BEACON_WINDOW, EW_DETECTOR_BEACON, "window", EW_PARAM_SECONDS, DAY, 60, 7 * DAY,
	  "how long a pair's connections are remembered" },
	/* 4: a monitoring poller or a popular update/telemetry service makes many regular
	 * pairs alike; one implant rarely calls more than 2-3 C2 hosts on one port */
	{ EW_AP_BEACON_PEERS, EW_DETECTOR_BEACON, "peers", EW_PARAM_COUNT, 4, 2, 1000000,
	  "a destination that this many sources call regularly (popular service), or a source "
	  "that calls this many destinations regularly on one port (poller), is not alerted" },

	{ EW_AP_MAX_TRACKED, -1, "max-tracked", EW_PARAM_COUNT, 65536, 16, 16777216,
	  "entries each detector tracks at most (least recently used forgotten first, counted)" },
	{ EW_AP_UPDATE_INTERVAL, -1, "update-interval", EW_PARAM_SECONDS, 300, 1, DAY,
	  "an ongoing episode is alerted again with its totals this often" },
};

_Static_assert(sizeof(params) / sizeof(params[0]) == EW_AP_COUNT, "a row per parameter");

const struct ew_anomaly_param_def *ew_anomaly_params(size_t *count)
{
	*count = EW_AP_COUNT;
	return params;
}
