#!/usr/bin/env bash
# End-to-end: a `drop` rule in enforce mode (tests/config/alerts_enforce.yaml). The request
# that matches is answered (the sample is scanned after the packet went through), the
# flow is then blocked in XDP: the next request on the same connection goes unanswered;
# a new connection from the same client is answered. The alert says "blocked", and the
# block is released when the flow ends (the flows_unblocked counter at shutdown).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/lotl_enforce
. tests/e2e/lib.sh

GW=ewegw$E2E_ID EXT=eweext$E2E_ID
UP=eweu$E2E_ID PEER=ewep$E2E_ID
EVE=$E2E_TMP/eve.json
TRAFFIC=tests/e2e/lotl_traffic.py

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	sleep 1
}

check_eve() {
	python3 - "$EVE" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
alerts = [e for e in events if e["event_type"] == "alert" and
          e["alert"]["signature_id"] == 1000001]
stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
r = stats["rules"]
drops = sum(h["verdict"]["verdict_drop_rule"] for h in stats["datapath"].values())
problems = []
if len(alerts) != 1 or alerts[0]["alert"]["action"] != "blocked":
    problems.append("alerts %s" % [(a["src_port"], a["alert"]["action"]) for a in alerts])
elif alerts[0]["src_port"] != 41501:
    problems.append("the alert is on port %d" % alerts[0]["src_port"])
if r["flows_blocked"] != 1 or r["flows_unblocked"] != 1:
    problems.append("flows_blocked %d flows_unblocked %d" % (r["flows_blocked"],
                                                             r["flows_unblocked"]))
if drops < 1:
    problems.append("the kernel dropped no packet for the rule")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

test_enforce() {
	local ew out rc
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c tests/config/alerts_enforce.yaml; then
		e2e_fail enforce "edgewatch did not start"
		return
	fi
	ew=$E2E_EW_PID
	nsenter --net=/run/netns/"$GW" timeout 30 \
		python3 "$TRAFFIC" serve 198.18.0.1 2001:db8::1 8080 20 &
	E2E_PIDS+=("$!")
	local server=$!
	sleep 0.5
	if out=$(e2e_in "$EXT" timeout 20 python3 "$TRAFFIC" enforce 198.18.0.1 8080); then
		e2e_pass rest_of_flow_dropped
	else
		e2e_fail rest_of_flow_dropped "$out"
	fi
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	e2e_edgewatch_stop "$ew"
	rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail enforce "edgewatch exited $rc: $(tail -n 3 "$E2E_TMP/edgewatch-$UP.err")"
		return
	fi
	if out=$(check_eve); then
		e2e_pass alert_blocked_and_released
	else
		e2e_fail alert_blocked_and_released "$out"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_enforce
exit $E2E_FAILED
