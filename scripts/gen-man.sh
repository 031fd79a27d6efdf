#!/usr/bin/env bash
# The man pages, generated so they cannot drift from what they describe (issue 13):
#   edgewatch(8)      from each command's --help (the binary's own text);
#   edgewatch.yaml(5) from userspace/config/README.md (the Keys table and the rules the
#                     loader follows) and `check-config --list-anomaly --markdown` (the
#                     detectors' table in detect/detections.c).
# Markdown to roff with pandoc, tables as definition lists (md_tables_to_deflists.py).
# usage: scripts/gen-man.sh EDGEWATCH_BINARY OUTDIR
set -euo pipefail
BIN=$1 OUT=$2
VERSION=$("$BIN" --version | sed -n '1s/^edgewatch //p')
DATE=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)
mkdir -p "$OUT"
md8=$(mktemp) md5=$(mktemp)
trap 'rm -f "$md8" "$md5"' EXIT

{
	cat <<EOF8
---
title: EDGEWATCH
section: 8
header: System Administration
footer: edgewatch $VERSION
date: $DATE
---

# NAME
edgewatch - flow accounting, management-plane protection and anomaly detection on the
uplink of an edge device (XDP and tc)

# SYNOPSIS
**edgewatch** *COMMAND* [*OPTIONS*]\\
**edgewatch --version**

# DESCRIPTION
edgewatch watches the uplink of an internet-facing Linux router, firewall or VPN
gateway, or the mirror port of a sensor. An XDP program on ingress and a tc program on
egress parse every encapsulation, account every flow, and judge every flow that reaches
the management plane against an allow-list (alerting, or dropping in enforce mode). The
daemon exports flows and alerts as EVE JSON (and to syslog, IPFIX, Kafka, Prometheus),
matches sampled payloads against the shipped rules, and detects scans, brute force,
floods, amplification and beaconing. **replay** runs the same programs over captures.

# COMMANDS
EOF8
	for cmd in run status top replay reload check-config rules; do
		echo "## $cmd"
		echo
		echo '```'
		"$BIN" "$cmd" --help 2>&1
		echo '```'
		echo
	done
	cat <<'EOF8'
# SIGNALS
**SIGHUP** makes **run** reopen its EVE file (logrotate) and re-read its configuration;
**SIGINT** and **SIGTERM** stop it after the final flush of the flow table and a last
**stats** event.

# EXIT STATUS
0 on success; 1 on an error (a configuration refused, a capture broken, an EVE line
lost); 2 on a usage error.

# FILES
*/etc/edgewatch/edgewatch.yaml*
:   the configuration (see **edgewatch.yaml**(5))

*/usr/share/edgewatch/rules/*
:   the shipped payload rules and their classification.config

*/var/log/edgewatch/eve.json*
:   the EVE log of the installed configuration

*/run/edgewatch/*
:   per interface: the instance lock, the status socket and snapshot, the reload answer,
    and the bpffs the maps are pinned in

# SEE ALSO
**edgewatch.yaml**(5), **systemctl**(1) (the unit **edgewatch@**_IFACE_**.service**),
**bpftool**(8), the README in */usr/share/doc/edgewatch/*
EOF8
} > "$md8"

{
	cat <<EOF5
---
title: EDGEWATCH.YAML
section: 5
header: File Formats
footer: edgewatch $VERSION
date: $DATE
---

# NAME
edgewatch.yaml - configuration of edgewatch(8)

# DESCRIPTION
EOF5
	# the config README without its title, its developers' section and links; headings
	# one level up (## -> #) so they are the page's sections
	sed -e '0,/^## Configuration/d' -e '/^### For developers/,$d' \
		-e 's/\[\([^]]*\)\]([^)]*)/\1/g' -e 's/^### /# /' userspace/config/README.md
	echo
	echo "# ANOMALY DETECTION KEYS"
	echo "The detectors' switches, thresholds and windows (**edgewatch check-config"
	echo "\\-\\-list-anomaly** prints the same table):"
	echo
	"$BIN" check-config --list-anomaly --markdown
	echo
	echo "# SEE ALSO"
	echo "**edgewatch**(8); every key with a comment: */usr/share/doc/edgewatch/edgewatch.example.yaml*"
} > "$md5"

# left-aligned, not justified (".ad l" after .TH): the tables' narrow columns hold long
# unbreakable keys (management.alert-aggregate-sources), which justified text cannot
# adjust, and groff warns about every such line (lintian: groff-message)
for page in edgewatch.8:"$md8" edgewatch.yaml.5:"$md5"; do
	scripts/md_tables_to_deflists.py < "${page#*:}" |
		pandoc -s -f markdown -t man | sed '/^\.TH /a .ad l' > "$OUT/${page%%:*}"
done
