#!/usr/bin/env bash
# End-to-end: the Prometheus sink. edgewatch runs in a namespace with
# outputs.prometheus.listen on the namespace's own loopback and a stats event every
# second; traffic crosses (pings, connections to a protected management port: policy
# alerts). A scrape of /metrics (curl, in the namespace) must pass `promtool check
# metrics`, and its values must equal those of the EVE stats event of the same snapshot
# (found by its timestamp: edgewatch_stats_timestamp_seconds). Also: other paths and
# methods are refused, and a port already taken stops the run from starting, with the
# address and the reason named.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/prometheus
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID
UP=ewu$E2E_ID PEER=ewp$E2E_ID
EVE=$E2E_TMP/eve.json CFG=$E2E_TMP/edgewatch.yaml
PORT=19650	# the namespace's loopback: no other listener can be there
URL=http://127.0.0.1:$PORT

for tool in curl promtool; do
	if ! command -v $tool >/dev/null; then
		e2e_skip all "$tool not installed (make deps)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	e2e_skip all "needs root (namespaces, BPF)"
	exit 0
fi

cat > "$CFG" <<EOF
management:
  addresses: [198.18.0.1]
  ports: [ssh]
flow:
  idle-timeout: 1
outputs:
  prometheus:
    listen: 127.0.0.1:$PORT
  stats-interval: 1s
EOF

# The policy's alerts: connections to tcp/22 from a source nobody allowed (refused: RST).
send_traffic() {
	local i
	ip netns exec "$EXT" ping -c 3 -i 0.2 -W 1 198.18.0.1 >/dev/null
	for i in 1 2 3; do
		ip netns exec "$EXT" timeout 3 python3 -c '
import socket
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("198.18.0.1", 22))
except OSError:
    pass' 
	done
}

scrape() {	# scrape OUT: /metrics into OUT; prints the HTTP status and content type
	e2e_in "$GW" curl -s -m 5 -o "$1" -w '%{http_code} %{content_type}' "$URL/metrics"
}

test_port_taken() {
	local holder out
	# something else holds the port (bounded: it exits after 20 s at the latest);
	# nsenter (not the e2e_in function: a subshell) execs python: $! is the holder
	nsenter --net=/run/netns/"$GW" python3 -c "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', $PORT))
s.listen(1)
time.sleep(20)" &
	holder=$!
	# until the holder listens (a fixed sleep lost the race on a loaded machine:
	# edgewatch bound the port first and started); bounded: 10 s
	local i
	for i in $(seq 100); do
		e2e_in "$GW" ss -Hltn "sport = :$PORT" | grep -q LISTEN && break
		sleep 0.1
	done
	out=$(e2e_in "$GW" timeout 20 "$EDGEWATCH_BIN" run --user root -i "$UP" -o "$E2E_TMP/eve-taken.json" \
		-c "$CFG" --duration 5 2>&1)
	local rc=$?
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	rm -rf "$E2E_PIN_ROOT/$UP" /run/edgewatch/"$UP".{lock,sock,reload}
	if [ $rc -ne 0 ] && echo "$out" | grep -q "cannot serve Prometheus metrics on 127.0.0.1:$PORT (outputs.prometheus.listen): Address already in use"; then
		e2e_pass port_taken_refuses_to_start
	else
		e2e_fail port_taken_refuses_to_start "exit $rc: $(echo "$out" | tail -n 3)"
	fi
}

test_scrape_equals_stats() {
	local scraped=$E2E_TMP/metrics.txt head cmp i
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
		e2e_fail scrape "edgewatch did not start"
		return
	fi
	send_traffic
	# the flows end (idle 1 s), a sweep exports them, a later snapshot counts them
	sleep 3.5
	head=$(scrape "$scraped")
	case "$head" in
	"200 text/plain; version=0.0.4; charset=utf-8") e2e_pass http_200_exposition_type ;;
	*) e2e_fail http_200_exposition_type "got: $head" ;;
	esac
	if promtool check metrics < "$scraped" > "$E2E_TMP/promtool.out" 2>&1; then
		e2e_pass promtool_check_metrics
	else
		e2e_fail promtool_check_metrics "$(head -n 5 "$E2E_TMP/promtool.out" | tr '\n' ' ')"
	fi
	if cmp=$(python3 tests/e2e/compare_metrics.py "$scraped" "$EVE" 2>&1); then
		# something happened in the snapshot compared: alerts, packets, flows
		if echo "$cmp" | grep -Eq '^ok [0-9]+ alerts=[1-9][0-9]* pkt_seen=[1-9][0-9]* flows=[1-9]'; then
			e2e_pass scrape_equals_stats_event
		else
			e2e_fail scrape_equals_stats_event "a snapshot without traffic: $cmp"
		fi
	else
		e2e_fail scrape_equals_stats_event "$(echo "$cmp" | head -n 8 | tr '\n' ';')"
	fi
	# one page per snapshot: two scrapes within it are the same bytes or a later snapshot
	for i in 1 2; do scrape "$E2E_TMP/again-$i.txt" >/dev/null; done
	if python3 - "$E2E_TMP/again-1.txt" "$E2E_TMP/again-2.txt" <<'PY'
import sys
a, b = (open(p).read() for p in sys.argv[1:])
ts = lambda t: [l for l in t.splitlines() if l.startswith("edgewatch_stats_timestamp_seconds ")]
sys.exit(0 if a == b or ts(a) != ts(b) else 1)
PY
	then
		e2e_pass same_snapshot_same_page
	else
		e2e_fail same_snapshot_same_page "two scrapes of one snapshot differ"
	fi
	head=$(e2e_in "$GW" curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/")
	[ "$head" = 404 ] && e2e_pass other_path_404 || e2e_fail other_path_404 "got $head"
	head=$(e2e_in "$GW" curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")
	[ "$head" = 405 ] && e2e_pass post_405 || e2e_fail post_405 "got $head"
	if e2e_edgewatch_stop "$E2E_EW_PID"; then
		e2e_pass run_exits_0
	else
		e2e_fail run_exits_0 "$(tail -n 5 "$E2E_EW_ERR" | tr '\n' ' ')"
	fi
	# the listener went with the process
	head=$(e2e_in "$GW" curl -s -m 2 -o /dev/null -w '%{http_code}' "$URL/metrics")
	[ "$head" = 000 ] && e2e_pass closed_at_exit || e2e_fail closed_at_exit "got $head"
}

if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
test_port_taken
test_scrape_equals_stats
exit $E2E_FAILED
