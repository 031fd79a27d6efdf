#!/usr/bin/env bash
# End-to-end: edgewatch as a Type=notify systemd service (packaging/edgewatch@.service),
# with a stand-in for systemd's notification socket (this machine's PID 1 is not
# systemd): a unix datagram socket in the test's directory, NOTIFY_SOCKET and
# WATCHDOG_USEC in edgewatch's environment, every message it sends recorded with the time.
#   - READY=1 comes once, after the programs are attached (the interface has the XDP
#     program when it arrives), with a STATUS naming the interface;
#   - WATCHDOG=1 keep-alives arrive at about half of WATCHDOG_USEC (0.4 s: several in 3 s)
#     while it runs;
#   - SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1 again;
#   - SIGINT: STOPPING=1, then a clean exit.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/service_notify
. tests/e2e/lib.sh

GW=ewngw$E2E_ID EXT=ewnext$E2E_ID
UP=ewnu$E2E_ID PEER=ewnp$E2E_ID
SOCK=$E2E_TMP/notify.sock MSGS=$E2E_TMP/notify.log CFG=$E2E_TMP/edgewatch.yaml

if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
printf 'flow:\n  idle-timeout: 1\n' > "$CFG"

# the listener: one line per datagram, "SECONDS MSG" with the message's newlines as '|'
timeout 60 python3 - "$SOCK" "$MSGS" 2>/dev/null <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        out.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", "|")))
PY
E2E_PIDS+=("$!")
for i in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

export NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=400000
e2e_edgewatch_start "$GW" "$UP" "$E2E_TMP/eve.json" -c "$CFG" ||
	{ e2e_fail start "edgewatch did not start"; exit 1; }
unset NOTIFY_SOCKET WATCHDOG_USEC
EW=$E2E_EW_PID

# READY=1 after attaching: by the time it is recorded, the XDP program is there
for i in $(seq 1 50); do grep -q "READY=1" "$MSGS" && break; sleep 0.1; done
xdp=$(ip -n "$GW" link show "$UP" | grep -c "prog/xdp")
ready=$(grep -c "READY=1" "$MSGS")
if [ "$ready" != 1 ]; then
	e2e_fail ready_once_after_attach "READY=1 sent $ready times: $(cat "$MSGS")"
elif [ "$xdp" = 0 ]; then
	e2e_fail ready_once_after_attach "ready, but no XDP program on $UP"
elif ! grep "READY=1" "$MSGS" | grep -q "STATUS=$UP: watching"; then
	e2e_fail ready_once_after_attach "no STATUS naming $UP: $(grep READY "$MSGS")"
else
	e2e_pass ready_once_after_attach
fi

sleep 3
dogs=$(grep -c "WATCHDOG=1" "$MSGS")
# at half of 0.4 s: about 15 in 3 s; at least 5 leaves room for a loaded machine
[ "$dogs" -ge 5 ] && e2e_pass watchdog_keepalive ||
	e2e_fail watchdog_keepalive "$dogs keep-alives in 3 s at WATCHDOG_USEC=400000"

kill -HUP "$EW"
for i in $(seq 1 50); do [ "$(grep -c READY=1 "$MSGS")" -ge 2 ] && break; sleep 0.1; done
order=$(grep -o "RELOADING=1\|READY=1" "$MSGS" | tr '\n' ' ')
if [ "$order" != "READY=1 RELOADING=1 READY=1 " ]; then
	e2e_fail reload_notified "messages in order: $order"
elif ! grep "RELOADING=1" "$MSGS" | grep -q "MONOTONIC_USEC=[0-9]"; then
	e2e_fail reload_notified "RELOADING=1 without MONOTONIC_USEC"
else
	e2e_pass reload_notified
fi

e2e_edgewatch_stop "$EW"
rc=$?
if [ $rc != 0 ]; then
	e2e_fail stopping_then_exit "exit $rc: $(tail -n 3 "$E2E_EW_ERR")"
elif ! grep -q "STOPPING=1" "$MSGS"; then
	e2e_fail stopping_then_exit "no STOPPING=1: $(tail -n 3 "$MSGS")"
else
	e2e_pass stopping_then_exit
fi
exit $E2E_FAILED
