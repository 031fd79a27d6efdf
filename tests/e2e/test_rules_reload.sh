#!/usr/bin/env bash
# End-to-end: the payload rules reloaded under traffic, without a restart (issue 10).
# edgewatch runs on the gateway with a rules file holding rule Y (sid 9900001) but not
# rule X (sid 9900002). A background client sends Y requests on their own connections
# the whole time (bounded: 150 connections, ~5 s), while:
#   1. X requests (20 connections) raise no alert;
#   2. the file is rewritten with X and `edgewatch reload` says "reloaded": X requests
#      now raise one alert per connection, without a restart;
#   3. the file is broken (a pcre that does not compile): `edgewatch reload` fails, names
#      the file, line and reason; X requests still alert (the running set stays).
# At the end: every Y connection alerted exactly once (no sample was dropped or missed
# across the swaps), every sample the kernel sent was read and scanned, and the stats
# say generation 2, reloads 1 ok and 1 failed; `edgewatch status` shows the same.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/rules_reload
. tests/e2e/lib.sh

GW=ewrgw$E2E_ID EXT=ewrext$E2E_ID
UP=ewru$E2E_ID PEER=ewrp$E2E_ID
EVE=$E2E_TMP/eve.json
RULES=$E2E_TMP/reload.rules
CFG=$E2E_TMP/edgewatch.yaml
Y_CONNECTIONS=150

RULE_Y='alert tcp any any -> $HOME_NET any (msg:"reload probe Y"; flow:to_server; content:"EWPROBEY"; sid:9900001; rev:1;)'
RULE_X='alert tcp any any -> $HOME_NET any (msg:"reload probe X"; flow:to_server; content:"EWPROBEX"; sid:9900002; rev:1;)'
RULE_BROKEN='alert tcp any any -> $HOME_NET any (msg:"broken"; pcre:"/(unclosed/"; sid:9900003; rev:1;)'

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	mkdir -p "$E2E_TMP/cache" && chmod 700 "$E2E_TMP/cache"
	cat > "$CFG" <<EOF
home-net: [198.18.0.0/15, 2001:db8::/32]
management:
  addresses: [198.19.255.254/32]
rules:
  files: [$RULES]
  classification: $PWD/rules/classification.config
  cache-dir: $E2E_TMP/cache
EOF
	echo "$RULE_Y" > "$RULES"
	sleep 1
}

# COUNT requests carrying TOKEN from EXT, each on its own connection from client port
# BASE+i, a pause of PAUSE seconds between them; bounded in count and (timeout) time.
send_requests() {	# send_requests TOKEN BASE COUNT PAUSE
	e2e_in "$EXT" timeout 60 python3 - "$@" <<'PY'
import socket, sys, time
token, base, count, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
req = ("GET /probe?q=%s HTTP/1.1\r\nHost: gw.example\r\n\r\n" % token).encode()
failed = 0
for i in range(count):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.bind(("198.18.0.2", base + i))
        s.connect(("198.18.0.1", 8080))
        s.sendall(req)
        if not s.recv(4096):
            failed += 1
    except OSError:
        failed += 1
    s.close()
    time.sleep(pause)
sys.exit(1 if failed else 0)
PY
}

# The alerts of SID from client ports BASE..BASE+COUNT-1.
count_alerts() {	# count_alerts SID BASE COUNT
	python3 - "$EVE" "$@" <<'PY'
import json, sys
sid, base, count = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "alert" and e["alert"]["signature_id"] == sid \
            and base <= e["src_port"] < base + count:
        n += 1
print(n)
PY
}

# Bounded wait until the EVE file holds N alerts of SID from ports BASE.. (the scanners
# write them shortly after the packets). Prints the count.
wait_alerts() {	# wait_alerts SID BASE COUNT N
	local i n=0
	for i in $(seq 50); do
		n=$(count_alerts "$1" "$2" "$3")
		[ "$n" -ge "$4" ] && break
		sleep 0.2
	done
	echo "$n"
}

# `edgewatch reload`: its exit status must be RC and its output match PATTERN.
reload_expect() {	# reload_expect NAME RC PATTERN
	local out rc
	out=$(e2e_in "$GW" "$EDGEWATCH_BIN" reload -i "$UP" 2>&1)
	rc=$?
	if [ $rc -eq "$2" ] && echo "$out" | grep -q "$3"; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "exit $rc: $out"
	fi
}

# 20 X requests from ports BASE..: each connection must raise X's alert once.
x_alert_each() {	# x_alert_each NAME BASE
	local n
	send_requests EWPROBEX "$2" 20 0 || e2e_fail client "X requests for $1"
	n=$(wait_alerts 9900002 "$2" 20 20)
	[ "$n" = 20 ] && e2e_pass "$1" || e2e_fail "$1" "$n alerts of X for 20 connections"
}

check_final_stats() {
	python3 - "$EVE" "$Y_CONNECTIONS" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
stats = [e["stats"] for e in ev if e["event_type"] == "stats"][-1]
y = [e for e in ev if e["event_type"] == "alert" and e["alert"]["signature_id"] == 9900001]
s, r = stats["samples"], stats["rules"]
sent = sum(h["event"]["sample_sent"] for h in stats["datapath"].values())
lost = sum(h["event"]["sample_lost"] for h in stats["datapath"].values())
problems = []
ports = sorted(e["src_port"] for e in y)
if ports != list(range(45000, 45000 + int(sys.argv[2]))):
    problems.append("Y alerts from %d connections of %s (want each once)" % (len(set(ports)), sys.argv[2]))
if not s["balanced"] or s["read"] != s["scanned"] or s["read"] != sent or lost or s["dropped_queue_full"]:
    problems.append("samples %s, kernel sent %d lost %d" % (s, sent, lost))
if r["generation"] != 2 or r["reloads"] != {"ok": 1, "failed": 1} or r["loaded"] != 2:
    problems.append("rules: generation %s, reloads %s, loaded %s" % (r["generation"], r["reloads"], r["loaded"]))
if not stats["conservation"]["balanced"]:
    problems.append("conservation: %s" % stats["conservation"])
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

test_rules_reload() {
	local ew out rc n y_pid server
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
		e2e_fail start "edgewatch did not start"
		return
	fi
	ew=$E2E_EW_PID
	if grep -q "rules: 1 loaded" "$E2E_EW_ERR"; then
		e2e_pass start_says_rules_loaded
	else
		e2e_fail start_says_rules_loaded "$(grep rules "$E2E_EW_ERR" | head -n 3)"
	fi
	nsenter --net=/run/netns/"$GW" timeout 100 \
		python3 tests/e2e/lotl_traffic.py serve 198.18.0.1 2001:db8::1 8080 90 &
	server=$!
	E2E_PIDS+=($server)
	sleep 0.5
	# Y the whole time, across both reloads
	send_requests EWPROBEY 45000 $Y_CONNECTIONS 0.03 &
	y_pid=$!
	E2E_PIDS+=($y_pid)

	send_requests EWPROBEX 42000 20 0 || e2e_fail client "X requests before the reload"
	sleep 1
	n=$(count_alerts 9900002 42000 20)
	[ "$n" = 0 ] && e2e_pass no_alert_before_reload ||
		e2e_fail no_alert_before_reload "$n alerts of X before it was loaded"

	printf '%s\n%s\n' "$RULE_Y" "$RULE_X" > "$RULES"
	reload_expect reload_accepted 0 "reloaded"
	if grep -q "rules: generation 2 in force: 2 loaded" "$E2E_EW_ERR"; then
		e2e_pass reload_log_says_rules_loaded
	else
		e2e_fail reload_log_says_rules_loaded "$(grep 'rules' "$E2E_EW_ERR" | tail -n 3)"
	fi
	x_alert_each alerts_after_reload_without_restart 43000

	printf '%s\n%s\n' "$RULE_Y" "$RULE_BROKEN" > "$RULES"
	reload_expect broken_reload_refused_with_error_named 1 "$RULES:2:[0-9]*: pcre"
	x_alert_each running_set_stays_after_broken_reload 44000

	wait "$y_pid" || e2e_fail client "Y requests did not all get an answer"
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	for n in $(seq 40); do	# the status snapshot is refreshed once a second
		out=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" 2>&1)
		echo "$out" | grep -q "generation 2; reloads 1 ok, 1 failed" && break
		sleep 0.25
	done
	if echo "$out" | grep -q "generation 2; reloads 1 ok, 1 failed"; then
		e2e_pass status_shows_reloads
	else
		e2e_fail status_shows_reloads "$(echo "$out" | grep 'rules' | tr '\n' ';')"
	fi
	e2e_edgewatch_stop "$ew"
	rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail stop "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	if out=$(check_final_stats); then
		e2e_pass samples_conserved_across_reloads
	else
		e2e_fail samples_conserved_across_reloads "$out"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_rules_reload
exit $E2E_FAILED
