#!/usr/bin/env bash
# End-to-end: the daemon's command line fails closed (issue 7).
#   - an interface name is checked before it reaches a path (-i ../../x would make root
#     create or truncate x.lock), in run, status and reload;
#   - SIGKILL under `ip netns exec` loses no flow: the pins live in a bpffs outside /sys
#     that survives the mount namespace `ip netns exec` made, `status` from another
#     `ip netns exec` shell finds the instance, and the next run recovers every flow; a
#     run that would pin where nothing survives it is refused, saying why;
#   - recovery with a full disk keeps every flow pinned, and a retry recovers them all.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/cli_hardening
. tests/e2e/lib.sh

GW=ewhgw$E2E_ID EXT=ewhext$E2E_ID
UP=ewhu$E2E_ID PEER=ewhp$E2E_ID
NFLOWS=300	# UDP flows from 198.18.0.2, source ports 20000.., to 198.18.0.1:9

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	# the datagrams go to a closed port: no ICMP errors of their own in the flows
	ip netns exec "$GW" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0
	ip netns exec "$GW" iptables -A INPUT -p udp --dport 9 -j DROP 2>/dev/null
	sleep 1
}

# NFLOWS one-datagram UDP flows, bounded in count; the first source port is $1.
send_flows() {	# send_flows FIRST_SPORT
	ip netns exec "$EXT" timeout 20 python3 - "$1" "$NFLOWS" <<'PY'
import socket, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
for port in range(first, first + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.2", port))
    s.sendto(b"x" * 32, ("198.18.0.1", 9))
    s.close()
PY
}

# How many distinct recovered UDP flows from 198.18.0.2:FIRST.. to port 9 an EVE file has.
recovered_flows() {	# recovered_flows EVE FIRST_SPORT
	python3 - "$1" "$2" "$NFLOWS" <<'PY'
import json, sys
first, n = int(sys.argv[2]), int(sys.argv[3])
ports = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if (e.get("event_type") == "flow" and e["flow"]["reason"] == "recovered"
            and e["src_ip"] == "198.18.0.2" and e.get("dest_port") == 9
            and first <= e.get("src_port", 0) < first + n):
        ports.add(e["src_port"])
print(len(ports))
PY
}

# `edgewatch status -i UP --json` run in NS's network; prints the flow table entries and
# whether it runs, or "none".
status_entries() {	# status_entries ip-netns-exec|nsenter
	local out
	if [ "$1" = ip-netns-exec ]; then
		out=$(ip netns exec "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	else
		out=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	fi
	echo "$out" | python3 -c '
import json, sys
try:
    s = json.loads(sys.stdin.read())
    print(s["flow_table_entries"], "running" if s["running"] else "stale")
except Exception:
    print("none")'
}

test_ifname_checked() {
	local rel target out rc cmd ok=1
	# from /run/edgewatch, where the lock files are, to a file of ours
	rel=../..$E2E_TMP/victim
	target=$E2E_TMP/victim.lock
	echo keep > "$target"
	out=$("$EDGEWATCH_BIN" run -i "$rel" -o /dev/null --duration 1 2>&1)
	rc=$?
	if [ $rc -ne 2 ] || ! echo "$out" | grep -q "not an interface name" ||
	   [ "$(cat "$target")" != keep ] || [ -e "$E2E_TMP/victim" ]; then
		e2e_fail ifname_checked_before_use "run -i $rel: exit $rc, $out; $target now: $(head -c 40 "$target")"
		ok=0
	fi
	for cmd in status reload; do
		out=$("$EDGEWATCH_BIN" "$cmd" -i "$rel" 2>&1)
		rc=$?
		if [ $rc -ne 2 ] || ! echo "$out" | grep -q "not an interface name"; then
			e2e_fail ifname_checked_before_use "$cmd -i $rel: exit $rc, $out"
			ok=0
		fi
	done
	for bad in "ab cd" "waytoolongname16" ".." $'x\033]0;y'; do
		out=$("$EDGEWATCH_BIN" run -i "$bad" -o /dev/null --duration 1 2>&1)
		rc=$?
		if [ $rc -ne 2 ] || ! echo "$out" | grep -q "not an interface name" ||
		   echo "$out" | grep -q $'\033'; then
			e2e_fail ifname_checked_before_use "run -i '$bad': exit $rc, $out"
			ok=0
		fi
	done
	out=$(e2e_in "$GW" "$EDGEWATCH_BIN" run -i ewhns$E2E_ID -o /dev/null --duration 1 2>&1)
	rc=$?
	if [ $rc -ne 2 ] || ! echo "$out" | grep -q "no such interface"; then
		e2e_fail ifname_checked_before_use "run -i ewhns$E2E_ID: exit $rc, $out"
		ok=0
	fi
	[ -e /run/edgewatch/ewhns$E2E_ID.lock ] && { e2e_fail ifname_checked_before_use "a lock file was made for a missing interface"; ok=0; }
	[ $ok = 1 ] && e2e_pass ifname_checked_before_use
}

# Inside `ip netns exec`, with no bpffs at the pin root that outlives its mount namespace
# (a tmpfs hides the host's there, in that namespace only), run is refused, saying why.
test_refuses_pins_that_die() {
	local out rc
	mkdir -p "$E2E_PIN_ROOT"
	out=$(ip netns exec "$GW" sh -c 'mount -t tmpfs ewtest "$1" && exec "$2" run -i "$3" -o /dev/null --duration 1' \
		sh "$E2E_PIN_ROOT" "$EDGEWATCH_BIN" "$UP" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "mount namespace of its own"; then
		e2e_pass refuses_pins_that_would_die
	else
		e2e_fail refuses_pins_that_would_die "exit $rc: $(echo "$out" | tail -n 3)"
	fi
}

test_sigkill_under_ip_netns_exec() {
	local eve0=$E2E_TMP/eve-host.json eve1=$E2E_TMP/eve-exec1.json eve2=$E2E_TMP/eve-exec2.json
	local st got rc
	# a run in the host's mount namespace mounts the pin root there (if nobody did)
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve0" || ! e2e_edgewatch_stop "$E2E_EW_PID"; then
		e2e_fail sigkill_under_ip_netns_exec "a run in the host's mount namespace failed: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	if ! E2E_EW_MOUNT_NS=own e2e_edgewatch_start "$GW" "$UP" "$eve1"; then
		e2e_fail sigkill_under_ip_netns_exec "edgewatch did not start under ip netns exec"
		return
	fi
	send_flows 20000
	sleep 0.5
	st=$(status_entries ip-netns-exec)
	# (other flows, link-local chatter, may be there too)
	if [ "${st#* }" != running ] || [ "${st%% *}" -lt "$NFLOWS" ] 2>/dev/null; then
		e2e_fail status_from_another_ip_netns_exec "status from another ip netns exec shell: '$st', want $NFLOWS+ flows and running"
	else
		e2e_pass status_from_another_ip_netns_exec
	fi
	kill -KILL "$E2E_EW_PID"; wait "$E2E_EW_PID" 2>/dev/null
	ip netns exec "$GW" timeout 30 "$EDGEWATCH_BIN" run --user root -i "$UP" -o "$eve2" --duration 1 \
		2> "$E2E_TMP/exec2.err"
	rc=$?
	got=$(recovered_flows "$eve2" 20000)
	if [ "$rc" -ne 0 ] || [ "$got" != "$NFLOWS" ]; then
		e2e_fail sigkill_under_ip_netns_exec "the next run (exit $rc) recovered $got of $NFLOWS flows: $(tail -n 2 "$E2E_TMP/exec2.err" | tr '\n' ' ')"
	else
		e2e_pass sigkill_under_ip_netns_exec
	fi
}

# A dead instance's flows and a full disk: nothing is deleted before it is written.
test_recovery_full_disk_keeps_flows() {
	local eve1=$E2E_TMP/eve-fd1.json eve3=$E2E_TMP/eve-fd3.json out rc st got
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve1"; then
		e2e_fail recovery_full_disk_keeps_flows "first instance did not start"
		return
	fi
	send_flows 30000
	sleep 0.5
	kill -KILL "$E2E_EW_PID"; wait "$E2E_EW_PID" 2>/dev/null
	out=$(e2e_in "$GW" timeout 30 "$EDGEWATCH_BIN" run --user root -i "$UP" -o /dev/full --duration 1 2>&1)
	rc=$?
	st=$(status_entries nsenter)
	if [ "${st#* }" != stale ] || [ "${st%% *}" -lt "$NFLOWS" ] 2>/dev/null; then
		e2e_fail recovery_full_disk_keeps_flows "after the failed recovery the pins hold '$st', want $NFLOWS+ flows, stale"
		return
	fi
	if [ $rc -eq 0 ] || ! echo "$out" | grep -q "kept in the pinned table"; then
		e2e_fail recovery_full_disk_keeps_flows "run -o /dev/full exited $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	e2e_in "$GW" timeout 30 "$EDGEWATCH_BIN" run --user root -i "$UP" -o "$eve3" --duration 1 \
		2> "$E2E_TMP/fd3.err"
	rc=$?
	got=$(recovered_flows "$eve3" 30000)
	if [ $rc -ne 0 ] || [ "$got" != "$NFLOWS" ]; then
		e2e_fail recovery_full_disk_keeps_flows "the retry (exit $rc) recovered $got of $NFLOWS flows"
	else
		e2e_pass recovery_full_disk_keeps_flows
	fi
}

# The pins of an instance that died are gone (an older version pinned them in a bpffs
# that died with `ip netns exec`'s mount namespace; or removed by hand): the next run
# must say its flows are lost and not call itself balanced.
test_lost_pins_not_balanced() {
	local eve=$E2E_TMP/eve-lost.json out rc bal
	if ! e2e_edgewatch_start "$GW" "$UP" "$E2E_TMP/eve-lost0.json"; then
		e2e_fail lost_pins_not_balanced "first instance did not start"
		return
	fi
	kill -KILL "$E2E_EW_PID"; wait "$E2E_EW_PID" 2>/dev/null
	rm -rf "${E2E_PIN_ROOT:?}/$UP"
	out=$(e2e_in "$GW" timeout 30 "$EDGEWATCH_BIN" run --user root -i "$UP" -o "$eve" --duration 1 2>&1)
	rc=$?
	bal=$(python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]
print(s["stats"]["conservation"].get("balanced"))' "$eve" 2>&1)
	if [ $rc -eq 1 ] && echo "$out" | grep -q "its flows are lost" && [ "$bal" = False ]; then
		e2e_pass lost_pins_not_balanced
	else
		e2e_fail lost_pins_not_balanced "exit $rc, balanced: $bal; $(echo "$out" | grep -i error | head -n 2 | tr '\n' ' ')"
	fi
}

# `edgewatch reload` says whether the daemon took the file: a refused file exits 1 with
# the reason and counts in policy.installs.refused; a valid file that changes settings
# read only at start is applied with a warning naming each of them.
test_reload_answers() {
	local cfg=$E2E_TMP/reload.yaml eve=$E2E_TMP/eve-reload.json out rc ok=1 key refused
	printf 'flow:\n  table-size: 4096\nsampling:\n  snaplen: 256\noutputs:\n  eve:\n    path: %s\n' \
		"$eve" > "$cfg"
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
		e2e_fail reload_answers "edgewatch did not start with $cfg"
		return
	fi
	# a file that does not load
	printf 'flow:\n  table-size: [oops\n' > "$cfg.new" && mv "$cfg.new" "$cfg"
	out=$("$EDGEWATCH_BIN" reload -i "$UP" 2>&1)
	rc=$?
	if [ $rc -ne 1 ] || ! echo "$out" | grep -q "refused" || ! echo "$out" | grep -q "reload.yaml:[0-9]*:[0-9]*: error"; then
		e2e_fail reload_refused_exits_1 "reload of a broken file: exit $rc: $out"
	else
		e2e_pass reload_refused_exits_1
	fi
	# a valid file that changes three start-time keys (and -o keeps the output: the
	# file's path changes nothing, so it must not be named)
	printf 'flow:\n  table-size: 8192\nsampling:\n  snaplen: 128\noutputs:\n  eve:\n    path: %s.other\n' \
		"$eve" > "$cfg.new" && mv "$cfg.new" "$cfg"
	out=$("$EDGEWATCH_BIN" reload -i "$UP" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail reload_warns_start_keys "reload of a valid file: exit $rc: $out"
		ok=0
	else
		for key in flow.table-size sampling.snaplen; do
			if ! echo "$out" | grep -q "$key: changed.*not applied" ||
			   ! grep -q "reload: $key: changed" "$E2E_EW_ERR"; then
				e2e_fail reload_warns_start_keys "no warning naming $key: $out"
				ok=0
			fi
		done
		if echo "$out" | grep -q "outputs.eve.path"; then
			e2e_fail reload_warns_start_keys "-o wins over outputs.eve.path, yet it was named: $out"
			ok=0
		fi
	fi
	e2e_edgewatch_stop "$E2E_EW_PID"
	refused=$(python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]
print(s["stats"]["policy"]["installs"]["refused"])' "$eve" 2>&1)
	if [ "$refused" != 1 ]; then
		e2e_fail reload_refused_counted "policy.installs.refused is '$refused' after one refused reload"
	else
		e2e_pass reload_refused_counted
	fi
	[ $ok = 1 ] && e2e_pass reload_warns_start_keys
	# without -o, the output path is a start-time key too
	printf 'outputs:\n  eve:\n    path: %s\n' "$eve" > "$cfg"
	if ! e2e_edgewatch_start "$GW" "$UP" "" -c "$cfg"; then
		e2e_fail reload_warns_eve_path "edgewatch did not start with $cfg"
		return
	fi
	printf 'outputs:\n  eve:\n    path: %s.other\n' "$eve" > "$cfg"
	out=$("$EDGEWATCH_BIN" reload -i "$UP" 2>&1)
	rc=$?
	e2e_edgewatch_stop "$E2E_EW_PID"
	if [ $rc -eq 0 ] && echo "$out" | grep -q "outputs.eve.path: changed"; then
		e2e_pass reload_warns_eve_path
	else
		e2e_fail reload_warns_eve_path "exit $rc: $out"
	fi
}

# `status` as a user other than root: a member of the group edgewatch gets the same
# status through the instance's socket, anyone else "permission denied", never silence
# or "no instance". The group (if this machine had none) and the member are the test's.
MADE_GROUP=0 MEMBER=ewh$E2E_ID
status_users_teardown() {
	userdel "$MEMBER" 2>/dev/null
	[ "$MADE_GROUP" = 1 ] && groupdel edgewatch 2>/dev/null
	e2e_teardown
}
as_user() {	# as_user USER CMD...: with only that user's groups
	local user=$1; shift
	setpriv --reuid="$user" --regid=nogroup --init-groups "$@"
}
test_status_unprivileged() {
	local out rc ok=1
	if ! getent group edgewatch >/dev/null; then
		groupadd --system edgewatch || { e2e_fail status_unprivileged "cannot create the group edgewatch"; return; }
		MADE_GROUP=1
	fi
	trap status_users_teardown EXIT
	useradd --system --no-create-home --gid nogroup --groups edgewatch \
		--shell /usr/sbin/nologin "$MEMBER" || { e2e_fail status_unprivileged "cannot create a user"; return; }
	if ! e2e_edgewatch_start "$GW" "$UP" "$E2E_TMP/eve-status.json"; then
		e2e_fail status_unprivileged "edgewatch did not start"
		return
	fi
	send_flows 40000
	for args in "-i $UP" ""; do
		# shellcheck disable=SC2086
		out=$(as_user nobody "$EDGEWATCH_BIN" status $args 2>&1)
		rc=$?
		if [ $rc -eq 0 ] || ! echo "$out" | grep -q "permission denied: run as root or as a member of the edgewatch group"; then
			e2e_fail status_unprivileged_denied "status $args as nobody: exit $rc: '$out'"
			ok=0
		fi
	done
	[ $ok = 1 ] && e2e_pass status_unprivileged_denied
	out=$(as_user "$MEMBER" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && echo "$out" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["interface"] == sys.argv[1] and s["running"] and s["flow_table_entries"] >= int(sys.argv[2]), s
' "$UP" "$NFLOWS" 2>/dev/null &&
	   as_user "$MEMBER" "$EDGEWATCH_BIN" status 2>&1 | grep -q "^$UP: running"; then
		e2e_pass status_group_member_reads
	else
		e2e_fail status_group_member_reads "status as a member of edgewatch: exit $rc: $(echo "$out" | head -c 300)"
	fi
	e2e_edgewatch_stop "$E2E_EW_PID"
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_ifname_checked
test_refuses_pins_that_die
test_sigkill_under_ip_netns_exec
test_recovery_full_disk_keeps_flows
test_lost_pins_not_balanced
test_reload_answers
test_status_unprivileged
exit $E2E_FAILED
