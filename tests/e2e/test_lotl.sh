#!/usr/bin/env bash
# End-to-end: payload alerts from a live run. An HTTP server in the gateway namespace,
# a client in the other sends living-off-the-land and exploit requests (plain, URL-encoded,
# over IPv6, twice on one connection) and benign ones; hand-built 802.1Q-tagged TCP frames
# carry one more exploit (this kernel has no VLAN devices). edgewatch runs attached to the
# gateway's interface with the shipped rules (tests/config/alerts.yaml). Every expected
# alert must be raised exactly once per flow with its rule, benign flows raise none, and
# every sample the kernel sent is accounted for.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/lotl
. tests/e2e/lib.sh

GW=ewlgw$E2E_ID EXT=ewlext$E2E_ID
UP=ewlu$E2E_ID PEER=ewlp$E2E_ID
EVE=$E2E_TMP/eve.json
TRAFFIC=tests/e2e/lotl_traffic.py

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	sleep 1
}

send_traffic() {
	e2e_lotl_requests "$GW" "$EXT" 40
	# the tagged exchange: client SYN, server SYN-ACK (through tc egress), client data
	e2e_in "$EXT" timeout 10 python3 "$TRAFFIC" vlan "$PEER" "$GW_MAC" "$EXT_MAC" syn
	e2e_in "$GW" timeout 10 python3 "$TRAFFIC" vlan "$UP" "$EXT_MAC" "$GW_MAC" synack
	e2e_in "$EXT" timeout 10 python3 "$TRAFFIC" vlan "$PEER" "$GW_MAC" "$EXT_MAC" data
	e2e_lotl_stop
}

check_stats() {	# the final stats event: every sample read, scanned, none dropped
	python3 - "$EVE" <<'PY'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l][-1]["stats"]
s, r = stats["samples"], stats["rules"]
sent = sum(h["event"]["sample_sent"] for h in stats["datapath"].values())
lost = sum(h["event"]["sample_lost"] for h in stats["datapath"].values())
problems = []
if not s["balanced"] or s["read"] != s["scanned"] or s["read"] != sent or lost:
    problems.append("samples %s, kernel sent %d lost %d" % (s, sent, lost))
if s["workers"] < 1 or r["loaded"] < 100:
    problems.append("workers %d, rules loaded %d" % (s["workers"], r["loaded"]))
if r["alerts"] + r["deduplicated"] != r["matches"]:
    problems.append("matches %d != alerts %d + deduplicated %d" % (r["matches"], r["alerts"],
                                                                   r["deduplicated"]))
if r["deduplicated"] < 2:	# the same request twice on one flow, the tagged attack twice
    problems.append("deduplicated %d, expected at least 2" % r["deduplicated"])
if not stats["conservation"]["balanced"]:
    problems.append("conservation: %s" % stats["conservation"])
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

test_lotl_alerts() {
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c tests/config/alerts.yaml; then
		e2e_fail alerts "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID out i
	send_traffic
	# `edgewatch status` shows the stream windows' counters from the daemon's latest
	# stats event (bounded wait: the event comes every stats interval)
	for i in $(seq 40); do
		out=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" 2>&1)
		echo "$out" | grep -Eq 'stream windows:.* segments [1-9]' && break
		sleep 0.5
	done
	if echo "$out" | grep -Eq 'stream windows:.* segments [1-9]'; then
		e2e_pass status_shows_stream_windows
	else
		e2e_fail status_shows_stream_windows "$(echo "$out" | grep -E 'stream|as of' | tr '\n' ';')"
	fi
	# ... and the inventory's: the HTTP server on 8080 (a management port, in home-net)
	# answered over IPv4 and IPv6: two services, flagged cleartext_mgmt
	if echo "$out" | grep -Eq 'inventory services flagged:.* cleartext_mgmt 2'; then
		e2e_pass status_shows_inventory_flags
	else
		e2e_fail status_shows_inventory_flags "$(echo "$out" | grep -E 'inventory' | tr '\n' ';')"
	fi
	e2e_edgewatch_stop "$ew"
	local rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail alerts "edgewatch exited $rc: $(tail -n 3 "$E2E_TMP/edgewatch-$UP.err")"
		return
	fi
	if out=$(python3 "$TRAFFIC" check "$EVE"); then
		e2e_pass alerts_once_per_flow_with_their_rule
	else
		e2e_fail alerts_once_per_flow_with_their_rule \
			"$(echo "$out" | head -n 8 | tr '\n' ';')"
	fi
	# the server's responses (no Server header) entered the inventory; the clients'
	# requests (User-Agents) did not
	if [ "$(grep '"event_type":"inventory"' "$EVE" | grep -c '"dest_port":8080,"proto":"TCP","inventory":{"change":"new","service":"http"')" = 2 ] &&
	   ! grep '"event_type":"inventory"' "$EVE" | grep -q '"dest_port":[1-7]'; then
		e2e_pass inventory_http_server
	else
		e2e_fail inventory_http_server "$(grep '"event_type":"inventory"' "$EVE" | head -n 3 | tr '\n' ';')"
	fi
	if out=$(check_stats); then
		e2e_pass samples_accounted
	else
		e2e_fail samples_accounted "$out"
	fi
	if grep '"event_type":"alert"' "$EVE" | grep -q '"vlan":\[100\]'; then
		e2e_pass vlan_tagged_alert
	else
		e2e_fail vlan_tagged_alert "no alert carries vlan [100]"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_lotl_alerts
exit $E2E_FAILED
