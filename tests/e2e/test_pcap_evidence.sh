#!/usr/bin/env bash
# End-to-end: packet evidence (outputs.pcap) from a live run. The lotl lab (an HTTP server in
# the gateway namespace, a client in the other sending exploit and benign requests over IPv4
# and IPv6; tests/e2e/lotl_traffic.py), edgewatch attached to the gateway's interface with
# the shipped rules and outputs.pcap on. Every alert names an evidence file and packets;
# tshark reads the files; each named packet's comment carries the alert's flow_id and its
# sid (or an earlier alert's of the same flow, which wrote the packet); the stats account for every alert; and replaying the evidence files raises the live run's
# signatures again.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/pcap_evidence
. tests/e2e/lib.sh

GW=ewpgw$E2E_ID EXT=ewpext$E2E_ID
UP=ewpu$E2E_ID PEER=ewpp$E2E_ID
EVE=$E2E_TMP/eve.json
PCAP_DIR=$E2E_TMP/pcap
CONFIG=$E2E_TMP/edgewatch.yaml

if ! command -v tshark > /dev/null; then
	e2e_skip all "tshark is not installed (scripts/deps.sh installs it)"
	exit 0
fi

setup() {
	mkdir -p "$PCAP_DIR" || return 1
	# tests/config/alerts.yaml (its paths made absolute), and the evidence on
	sed "s|\.\./\.\./|$PWD/|g" tests/config/alerts.yaml > "$CONFIG" || return 1
	printf 'outputs:\n  pcap:\n    dir: %s\n    max-file-size: 64KiB\n    max-total: 4MiB\n' \
		"$PCAP_DIR" >> "$CONFIG" || return 1
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	sleep 1
}

check_evidence() {	# every alert's packets in a file tshark reads, with its flow_id
	python3 - "$EVE" "$PCAP_DIR" <<'PY'
import json, os, subprocess, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
alerts = [e for e in events if e.get("event_type") == "alert"]
stats = [e["stats"] for e in events if e.get("event_type") == "stats"][-1]
problems, comments, flow_sids_seen = [], {}, {}
if not alerts:
    problems.append("no alerts")
for a in alerts:
    p = a.get("pcap")
    if not p:
        problems.append("sid %d: no pcap" % a["alert"]["signature_id"])
        continue
    if p["file"] not in comments:
        out = subprocess.run(["tshark", "-r", os.path.join(sys.argv[2], p["file"]), "-T",
                              "fields", "-e", "frame.number", "-e", "frame.comment"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode:
            problems.append("tshark %s: %s" % (p["file"], out.stderr[-200:]))
            continue
        comments[p["file"]] = dict(l.split("\t", 1) for l in out.stdout.splitlines())
    last = comments[p["file"]].get(str(p["packets"][-1]), "")
    # a packet is commented once, by the first alert that wrote it: a later alert of the
    # same flow with nothing new to write (a second rule on the same stream window)
    # names those packets, commented with the earlier alert's sid
    flow_sids = flow_sids_seen.setdefault(a["flow_id"], set())
    flow_sids.add(a["alert"]["signature_id"])
    if "flow_id=%d " % a["flow_id"] not in last or \
            not any(" sid=%d " % sid in last for sid in flow_sids):
        problems.append("sid %d packet %d: comment %r" % (a["alert"]["signature_id"],
                                                          p["packets"][-1], last))
pc = stats.get("pcap", {})
if pc.get("alerts") != len(alerts) or pc.get("write_failed") or pc.get("open_failed"):
    problems.append("stats.pcap %s for %d alerts" % (pc, len(alerts)))
print("; ".join(problems[:5]))
sys.exit(1 if problems else 0)
PY
}

check_replay() {	# the evidence replayed raises the live run's signatures
	local again=$E2E_TMP/again.json
	if ! EDGEWATCH_RULES_DIR= "$EDGEWATCH_BIN" replay -q -o "$again" -c "$CONFIG" \
		"$PCAP_DIR"/evidence-*.pcapng 2> "$E2E_TMP/replay.err"; then
		echo "replay failed: $(tail -n 3 "$E2E_TMP/replay.err")"
		return 1
	fi
	python3 - "$EVE" "$again" <<'PY'
import json, sys
def sids(path):
    return sorted({json.loads(l)["alert"]["signature_id"] for l in open(path)
                   if '"event_type":"alert"' in l})
live, again = sids(sys.argv[1]), sids(sys.argv[2])
print("" if live == again else "live %s, replayed %s" % (live, again))
sys.exit(0 if live == again else 1)
PY
}

test_evidence() {
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CONFIG"; then
		e2e_fail evidence "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID out
	e2e_lotl_requests "$GW" "$EXT" 40
	e2e_lotl_stop
	e2e_edgewatch_stop "$ew"
	local rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail evidence "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	if out=$(check_evidence); then
		e2e_pass every_alert_has_its_packets
	else
		e2e_fail every_alert_has_its_packets "$out"
	fi
	# the evidence replayed with the same rules, without writing evidence of its own
	sed -i '/^outputs:/,$d' "$CONFIG"
	if out=$(check_replay); then
		e2e_pass replay_raises_the_same_signatures
	else
		e2e_fail replay_raises_the_same_signatures "$out"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_evidence
exit $E2E_FAILED
