#!/usr/bin/env bash
# The idle daemon (issue 11): with no traffic the datapath's clock thread sleeps and the
# sweeper skips the ticks at which nothing can end; the first packet after the idle gap
# still gets its exact time (it wakes the clock), and its flow still ends on time.
# Also: the daemon reports its maps' kernel memory (stats.kernel, from their memlock).
# One lab (tests/e2e/lib.sh), two UDP datagrams from the outside, bounded.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/idle_clock
. tests/e2e/lib.sh

GW=ewcgw$E2E_ID EXT=ewcext$E2E_ID UP=ewcu$E2E_ID PEER=ewcp$E2E_ID
EVE=$E2E_TMP/eve.json CFG=$E2E_TMP/idle.yaml
IDLE_S=5.5	# a sweep every second would be 5 sweeps; the idle daemon makes 1 (the first)

e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { e2e_fail setup "cannot make the lab"; exit 1; }
cat > "$CFG" <<EOF
flow:
  idle-timeout: 2
EOF
if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
	e2e_fail setup "edgewatch did not start: $(tail -n 3 "$E2E_EW_ERR")"
	exit 1
fi

# status_field JQ-LIKE-PATH: one number of the daemon's status snapshot (refreshed each s)
status_field() {
	ip netns exec "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>/dev/null |
		python3 -c 'import json, sys
o = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    o = o.get(k, {}) if isinstance(o, dict) else {}
print(o if isinstance(o, int) else -1)' "$1"
}

sleep "$IDLE_S"
sweeps=$(status_field daemon.stats.flows.sweeps)
wakeups0=$(status_field daemon.stats.kernel.clock_wakeups)
if [ "$sweeps" -ge 0 ] && [ "$sweeps" -le 2 ]; then
	e2e_pass idle_sweeps_skipped
else
	e2e_fail idle_sweeps_skipped "$sweeps sweeps in ${IDLE_S} s without traffic (want at most 2; -1: no status)"
fi

ip netns exec "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json > "$E2E_TMP/status.json" 2>/dev/null
python3 - "$E2E_TMP/status.json" > "$E2E_TMP/kernel.txt" <<'PY' && e2e_pass kernel_memory_reported || e2e_fail kernel_memory_reported "$(cat "$E2E_TMP/kernel.txt")"
import json, sys
k = json.load(open(sys.argv[1])).get("daemon", {}).get("stats", {}).get("kernel")
if not k:
    print("no stats.kernel in the status snapshot"); sys.exit(1)
# the 262,144-slot table alone is tens of MiB; the rings are part of the sum
if not (k["maps"] > 10 and k["map_bytes"] > 32 << 20 and 0 < k["ringbuf_bytes"] < k["map_bytes"]):
    print("implausible: %s" % k); sys.exit(1)
PY

# two datagrams 300 ms apart: the clock has slept before each (it sleeps after 20 ms)
ip netns exec "$EXT" timeout 10 python3 - > "$E2E_TMP/sent.txt" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 40111))
for i in range(2):
    t = time.time_ns()
    s.sendto(b"idle clock", ("198.18.0.1", 9))
    print(t)
    time.sleep(0.3)
PY
sleep 1.5
wakeups1=$(status_field daemon.stats.kernel.clock_wakeups)
if [ "$wakeups0" -ge 0 ] && [ "$wakeups1" -ge $((wakeups0 + 2)) ]; then
	e2e_pass clock_woken
else
	e2e_fail clock_woken "clock wake-ups $wakeups0 before the datagrams, $wakeups1 after (want 2 more)"
fi

# idle-timeout 2 s after the second datagram, plus two ticks: ended by a skipped-tick
# schedule all the same, before the shutdown
sleep 3
cp "$EVE" "$E2E_TMP/before_stop.json"
e2e_edgewatch_stop "$E2E_EW_PID"

python3 - "$E2E_TMP/before_stop.json" "$E2E_TMP/sent.txt" <<'PY' > "$E2E_TMP/check.txt"
import json, sys
from datetime import datetime
def ns(ts):	# EVE time: 2026-12-03T15:40:59.123456+0000
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1e6) * 1000
sent = [int(l) for l in open(sys.argv[2]) if l.strip()]
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fl = [e for e in ev if e["event_type"] == "flow" and e.get("src_port") == 40111]
if len(sent) != 2 or len(fl) != 1:
    print("sent %d datagrams, flow events for them before the stop %d" % (len(sent), len(fl)))
    sys.exit(1)
f = fl[0]["flow"]
start, end = ns(f["start"]), ns(f["end"])
problems = []
# stamped when it reached XDP: after the send, a few ms at most on a loaded machine;
# before the clock slept this needed the thread's 1 ms tick, a stale clock is seconds off
for name, got, want in (("start", start, sent[0]), ("end", end, sent[1])):
    if not -2_000_000 <= got - want <= 20_000_000:
        problems.append("%s %+.3f ms from its send" % (name, (got - want) / 1e6))
if end < start:
    problems.append("end before start")
if f["reason"] != "timeout" or fl[0]["flow"].get("pkts_toserver", 0) + fl[0]["flow"].get("pkts_toclient", 0) != 2:
    problems.append("reason %s, packets %s" % (f["reason"], f))
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
if [ $? -eq 0 ]; then
	e2e_pass first_packet_time
else
	e2e_fail first_packet_time "$(cat "$E2E_TMP/check.txt")"
fi
exit $E2E_FAILED
