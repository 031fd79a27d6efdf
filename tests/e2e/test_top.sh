#!/usr/bin/env bash
# `edgewatch top` under tmux (issue 13): a live run in a veth lab, UDP traffic crossing,
# top in a detached tmux session of its own (its own server socket), read with
# capture-pane, driven with send-keys:
#   - the screen names the interface, shows packets per second in, the flows in the table,
#     the sending flow among the top talkers and its source among the sources with the
#     most flows, the alert and sample sections;
#   - p pauses ([paused] shown), s sorts the talkers by packets, q quits (the session
#     ends).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/top
. tests/e2e/lib.sh

if ! command -v tmux > /dev/null; then
	e2e_skip all "tmux not installed (make deps)"
	exit 0
fi
GW=ewtgw$E2E_ID EXT=ewtext$E2E_ID
UP=ewtu$E2E_ID PEER=ewtp$E2E_ID
TMUX_SOCK=ewtop$E2E_ID
trap 'tmux -L "$TMUX_SOCK" kill-server 2>/dev/null; e2e_teardown' EXIT

if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
e2e_edgewatch_start "$GW" "$UP" "$E2E_TMP/eve.json" || { e2e_fail start "edgewatch did not start"; exit 1; }

# 12 s of UDP from 198.18.0.2 (one flow, a datagram every 5 ms), bounded
ip netns exec "$EXT" timeout 15 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 41000))
for i in range(2400):
    s.sendto(b"x" * 200, ("198.18.0.1", 9))
    time.sleep(0.005)' 2>/dev/null &
E2E_PIDS+=("$!")

tmux -L "$TMUX_SOCK" new-session -d -s top -x 160 -y 60 \
	"nsenter --net=/run/netns/$GW $EDGEWATCH_BIN top -i $UP; sleep 30"
screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t top; }
sleep 4
s=$(screen)
why=""
grep -q "edgewatch top: $UP" <<< "$s" || why+=" no title naming $UP;"
grep -Eq "^in +[1-9][0-9.]* (k)?pkt/s" <<< "$s" || why+=" no packets per second in;"
grep -Eq "flows in table: [1-9][0-9]* of [0-9]+" <<< "$s" || why+=" no flows in the table;"
grep -A3 "top talkers" <<< "$s" | grep -qi "udp 198.18.0.2:41000 -> 198.18.0.1:9" || why+=" the UDP flow is not a top talker;"
grep -A3 "sources with the most flows" <<< "$s" | grep -q "198.18.0.2" || why+=" 198.18.0.2 not among the sources;"
grep -q "^alerts" <<< "$s" && grep -q "^samples" <<< "$s" || why+=" no alerts or samples section;"
[ -z "$why" ] && e2e_pass live_screen || e2e_fail live_screen "$why screen: $(head -n 12 <<< "$s" | tr '\n' '|')"

tmux -L "$TMUX_SOCK" send-keys -t top p
sleep 1.5
grep -q "\[paused\]" <<< "$(screen)" && e2e_pass pause || e2e_fail pause "no [paused] after p"
tmux -L "$TMUX_SOCK" send-keys -t top p s
sleep 2
grep -q "top talkers (by packets" <<< "$(screen)" && e2e_pass sort || e2e_fail sort "not sorted by packets after s"
tmux -L "$TMUX_SOCK" send-keys -t top q
sleep 1.5
# top exited: the pane's shell runs the `sleep 30` that follows it
cmd=$(tmux -L "$TMUX_SOCK" display-message -p -t top '#{pane_current_command}')
[ "$cmd" = sleep ] && e2e_pass quit || e2e_fail quit "the pane runs $cmd after q, not the sleep after top"
e2e_edgewatch_stop "$E2E_EW_PID" || e2e_fail clean_exit "edgewatch exited non-zero"
exit $E2E_FAILED
