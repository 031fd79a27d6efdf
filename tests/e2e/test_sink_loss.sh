#!/usr/bin/env bash
# End-to-end: a sink's loss is visible everywhere (issue 8 part 2, "For every sink").
# A live run with outputs.syslog pointed at a port where nothing listens (the gateway
# namespace's loopback) and Prometheus on: while it runs, the syslog sink's account
# (taken, in queue, connect failures) is in the stats event (stats.outputs.syslog), in
# `edgewatch status` (text: an "output syslog:" line; --json: daemon.stats.outputs.syslog)
# and in /metrics (edgewatch_output_queue_*{sink="syslog"}); at the end, the final stats
# event and stderr say where every message went: none sent, all lost at close.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/sink_loss
. tests/e2e/lib.sh

GW=ewsgw$E2E_ID EXT=ewsext$E2E_ID
UP=ewsu$E2E_ID PEER=ewsp$E2E_ID
EVE=$E2E_TMP/eve.json CFG=$E2E_TMP/edgewatch.yaml
PORT=19652 CLOSED=16599	# the namespace's loopback: nothing else is there

if ! command -v curl >/dev/null; then
	e2e_skip all "curl not installed (make deps)"
	exit 0
fi
cat > "$CFG" <<YAML
flow:
  idle-timeout: 1
outputs:
  syslog:
    server: 127.0.0.1:$CLOSED
    transport: tcp
    flows: true
  prometheus:
    listen: 127.0.0.1:$PORT
  stats-interval: 1s
YAML

e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { e2e_fail setup "cannot create the namespaces"; exit 1; }
e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG" || { e2e_fail setup "edgewatch did not start"; exit 1; }
EW=$E2E_EW_PID
ip netns exec "$EXT" ping -c 5 -i 0.2 -W 1 198.18.0.1 > /dev/null
sleep 3	# the ping's flow ends (idle 1 s) and a stats event or two follow

# the latest stats event's stats.outputs.syslog, as JSON (empty when there is none)
last_syslog_account() {
	python3 - "$EVE" <<'PY'
import json, sys
acct = None
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_type") == "stats":
        acct = e["stats"].get("outputs", {}).get("syslog")
print(json.dumps(acct) if acct else "")
PY
}

acct=$(last_syslog_account)
if python3 -c 'import json,sys; a=json.loads(sys.argv[1]); sys.exit(not (a["taken"] > 0 and a["sent"] == 0 and a["connect_failures"] > 0 and a["events"]["flow"] > 0))' "$acct" 2>/dev/null; then
	e2e_pass stats_event
else
	e2e_fail stats_event "stats.outputs.syslog: ${acct:-missing}"
fi

text=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" 2>&1)
if grep -q "output syslog: events [1-9][0-9]* errors 0, taken [1-9][0-9]*, sent 0, .*connect_failures [1-9]" <<< "$text"; then
	e2e_pass status_text
else
	e2e_fail status_text "no output syslog line with its loss: $(grep -i output <<< "$text" | head -5)"
fi
json=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
if python3 -c 'import json,sys; a=json.loads(sys.argv[1])["daemon"]["stats"]["outputs"]["syslog"]; sys.exit(not (a["taken"] > 0 and a["sent"] == 0))' "$json" 2>/dev/null; then
	e2e_pass status_json
else
	e2e_fail status_json "daemon.stats.outputs.syslog missing or wrong: ${json:0:300}"
fi

metrics=$(e2e_in "$GW" curl -s -m 5 "http://127.0.0.1:$PORT/metrics")
if grep -q '^edgewatch_output_queue_taken_total{sink="syslog"} [1-9]' <<< "$metrics" &&
	grep -q '^edgewatch_output_queue_outcomes_total{sink="syslog",outcome="sent"} 0$' <<< "$metrics" &&
	grep -q '^edgewatch_output_connect_failures_total{sink="syslog"} [1-9]' <<< "$metrics" &&
	grep -q '^edgewatch_output_queue_messages{sink="syslog"} [1-9]' <<< "$metrics"; then
	e2e_pass metrics
else
	e2e_fail metrics "the syslog sink's account is not in /metrics: $(grep 'sink="syslog"' <<< "$metrics" | head -5)"
fi

e2e_edgewatch_stop "$EW"
rc=$?
final=$(last_syslog_account)
if [ $rc = 0 ] && python3 -c 'import json,sys; a=json.loads(sys.argv[1]); sys.exit(not (a["sent"] == 0 and a["in_queue"] == 0 and a["lost_at_close"] + a["dropped_queue_full"] == a["taken"] > 0))' "$final" 2>/dev/null &&
	grep -q "output syslog: [1-9][0-9]* messages: 0 sent, 0 still queued, 0 dropped (queue full), [1-9][0-9]* lost at close" "$E2E_EW_ERR"; then
	e2e_pass final_account
else
	e2e_fail final_account "exit $rc; final stats.outputs.syslog ${final:-missing}; stderr: $(grep 'output ' "$E2E_EW_ERR" | head -4)"
fi
exit $E2E_FAILED
