#!/usr/bin/env bash
# End-to-end overload: every payload packet sampled (tests/config/alerts_overload.yaml),
# a queue of 4 samples (EDGEWATCH_SAMPLE_QUEUE_SLOTS, the test knob documented in
# userspace/lotl/README.md), and a flood of HTTP requests over 1024 flows sent faster
# than the scanners take them. edgewatch must not fall over, must count every sample it
# could not scan (kernel sample_lost, pipeline dropped_queue_full: read == scanned +
# dropped), and must alert again once the flood is over.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/lotl_overload
. tests/e2e/lib.sh

GW=ewogw$E2E_ID EXT=ewoext$E2E_ID
UP=ewou$E2E_ID PEER=ewop$E2E_ID
EVE=$E2E_TMP/eve.json
TRAFFIC=tests/e2e/lotl_traffic.py
FLOOD_FRAMES=${FLOOD_FRAMES:-200000}

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	sleep 1
}

check_counts() {
	python3 - "$EVE" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
s = stats["samples"]
sent = sum(h["event"]["sample_sent"] for h in stats["datapath"].values())
lost = sum(h["event"]["sample_lost"] for h in stats["datapath"].values())
print("kernel sent %d lost %d; read %d scanned %d dropped_queue_full %d queue_slots %d "
      "workers %d" % (sent, lost, s["read"], s["scanned"], s["dropped_queue_full"],
                      s["queue_slots"], s["workers"]))
problems = []
if s["queue_slots"] != 4:
    problems.append("the queue knob was not applied")
if s["read"] != sent:
    problems.append("read %d != kernel sample_sent %d" % (s["read"], sent))
if s["read"] != s["scanned"] + s["dropped_queue_full"] or not s["balanced"]:
    problems.append("read != scanned + dropped_queue_full")
if s["dropped_queue_full"] + lost == 0:
    problems.append("nothing was dropped: the flood did not overload the scanner")
if not stats["conservation"]["balanced"]:
    problems.append("packet conservation: %s" % stats["conservation"])
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}

test_overload() {
	local ew out rc
	export EDGEWATCH_SAMPLE_QUEUE_SLOTS=4
	e2e_edgewatch_start "$GW" "$UP" "$EVE" -c tests/config/alerts_overload.yaml
	rc=$?
	unset EDGEWATCH_SAMPLE_QUEUE_SLOTS
	if [ $rc -ne 0 ]; then
		e2e_fail overload "edgewatch did not start"
		return
	fi
	ew=$E2E_EW_PID
	# nsenter execs timeout: $! is the process to stop (a function in the background would be
	# a subshell, and killing it would leave the server running)
	nsenter --net=/run/netns/"$GW" timeout 60 \
		python3 "$TRAFFIC" serve 198.18.0.1 2001:db8::1 8080 50 &
	E2E_PIDS+=("$!")
	local server=$!
	e2e_in "$EXT" timeout 40 python3 "$TRAFFIC" flood "$PEER" "$EXT_MAC" "$FLOOD_FRAMES" 30
	if kill -0 "$ew" 2>/dev/null; then
		e2e_pass survives_flood
	else
		e2e_fail survives_flood \
			"edgewatch died in the flood: $(tail -n 3 "$E2E_TMP/edgewatch-$UP.err")"
		return
	fi
	sleep 2	# the load drops; the scanner catches up
	e2e_in "$EXT" timeout 20 python3 "$TRAFFIC" client 198.18.0.1 2001:db8::1 8080 \
		log4shell_user_agent
	sleep 1
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	e2e_edgewatch_stop "$ew"
	rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail overload "edgewatch exited $rc: $(tail -n 3 "$E2E_TMP/edgewatch-$UP.err")"
		return
	fi
	if out=$(check_counts); then
		e2e_pass every_lost_sample_counted
	else
		e2e_fail every_lost_sample_counted "$out"
	fi
	echo "$out" | head -n 1
	# the attack after the flood: its alert, on its flow (client port 41001)
	if grep '"event_type":"alert"' "$EVE" | grep '"signature_id":9104001' |
		grep -q '"src_port":41001'; then
		e2e_pass alerts_resume_after_flood
	else
		e2e_fail alerts_resume_after_flood "no 9104001 alert from port 41001 after it"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_overload
exit $E2E_FAILED
