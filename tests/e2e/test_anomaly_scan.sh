#!/usr/bin/env bash
# End-to-end: the scan detector on a real veth. nmap -sS (100 ports, bounded rate and time)
# from the outside namespace (198.18.0.2, not allowed by the management policy) against
# the gateway (198.18.0.1, ssh listening): a "SYN scan" Port Scan alert appears while
# edgewatch runs (tcp-closed-timeout 1 s: the probes' flows end fast), its episode ends
# at shutdown, and the policy's own alert for ssh from a source not allowed stays.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/anomaly_scan
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID UP=ewu$E2E_ID PEER=ewp$E2E_ID

if ! command -v nmap >/dev/null; then
	e2e_skip syn_scan "nmap is not installed (make deps)"
	exit 0
fi
e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { e2e_fail setup "lab"; exit 1; }

eve=$E2E_TMP/eve.json cfg=$E2E_TMP/scan.yaml
cat > "$cfg" <<EOF
flow:
  tcp-closed-timeout: 1
management:
  action: alert
  ports: [ssh]
  allow:
    - from: [198.18.0.200]
EOF
# ssh "open" for 40 s: a listener that accepts and closes
ip netns exec "$GW" timeout 40 python3 -c '
import signal, socket, sys, time
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))	# SIGINT at teardown: quietly
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 22)); s.listen(16); s.settimeout(0.5)
end = time.time() + 38
while time.time() < end:
    try:
        c, _ = s.accept(); c.close()
    except OSError:
        pass
' &
E2E_PIDS+=($!)
sleep 0.5
if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
	e2e_fail syn_scan "edgewatch did not start"
	exit 1
fi
ew=$E2E_EW_PID
# bounded: 100 ports, at most 200 probes a second, 30 s at most
e2e_in "$EXT" timeout 30 nmap -n -Pn -sS -p 1-100 --max-rate 200 --max-retries 1 \
	-S 198.18.0.2 -e "$PEER" 198.18.0.1 > "$E2E_TMP/nmap.out" 2>&1 &
E2E_PIDS+=($!)
seen=""
for i in $(seq 1 150); do	# 15 s at most
	if grep -q '"signature_id":9000101' "$eve" 2>/dev/null; then
		kill -0 "$ew" 2>/dev/null && seen=live
		break
	fi
	sleep 0.1
done
if [ "$seen" = live ]; then
	e2e_pass alert_while_running
else
	e2e_fail alert_while_running "no SYN scan alert in 15 s: $(tail -n 3 "$E2E_TMP/nmap.out")"
fi
wait "${E2E_PIDS[-1]}" 2>/dev/null
e2e_edgewatch_stop "$ew" || e2e_fail syn_scan "edgewatch exited non-zero"
python3 - "$eve" <<'PY' && e2e_pass syn_scan_episode || e2e_fail syn_scan_episode "see above"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"alert"' in l]
scan = [e for e in ev if e["alert"]["signature_id"] == 9000101]
policy = [e for e in ev if e["alert"]["signature_id"] == 9000001]
why = None
if not scan:
    why = "no scan alert"
elif [e["anomaly"]["episode"] for e in scan][0] != "start" or \
        scan[-1]["anomaly"]["episode"] != "end":
    why = "episodes %s" % [e["anomaly"]["episode"] for e in scan]
elif any(e["alert"]["category"] != "Port Scan" or e["anomaly"]["technique"] != "SYN scan" or
         e["src_ip"] != "198.18.0.2" or e["dest_ip"] != "198.18.0.1" for e in scan):
    why = "scan alert %s" % scan[0]
elif scan[-1]["anomaly"]["distinct"] < 20:
    why = "distinct %s" % scan[-1]["anomaly"]["distinct"]
elif not policy:
    why = "no management-policy alert for ssh from the scanner"
if why:
    print(why, file=sys.stderr)
sys.exit(1 if why else 0)
PY
exit ${E2E_FAILED:-0}
