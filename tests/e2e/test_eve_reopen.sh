#!/usr/bin/env bash
# End-to-end: the EVE file under rename-based rotation (issue 7 items 6 and 8), and
# edgewatch's own rotation (issue 8 part 2).
#   - rotation as logrotate does it: flows, `mv eve.json eve.json.1`, SIGHUP, more flows,
#     stop. eve.json exists again and holds the later flows and the final stats event,
#     eve.json.1 the earlier ones; every line of both parses as JSON, and the flows and
#     lines in the two files together are exactly what the final stats say were written;
#   - a symlink planted at the path is refused by `run` (exit non-zero, "symbolic link",
#     its target unchanged), and by the reopen after a rotation: the daemon says so and
#     keeps writing to the file it has, losing nothing;
#   - outputs.eve.max-size: 8KiB with compress: gzip, under two phases of flows with a
#     SIGHUP between them: many files, all but the open one .gz, every line whole JSON
#     in exactly one file, the totals what the final stats say (eve_files.py
#     rotated-many), `gzip -t` passes on every .gz.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/eve_reopen
. tests/e2e/lib.sh

GW=ewrgw$E2E_ID EXT=ewrext$E2E_ID
UP=ewru$E2E_ID PEER=ewrp$E2E_ID
NFLOWS=150	# one-datagram UDP flows from 198.18.0.2 to 198.18.0.1:9 per phase
CFG=$E2E_TMP/edgewatch.yaml
PRECIOUS=$E2E_TMP/precious
PRECIOUS_TEXT="a file root must not append to"

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0
	# flows end (and are written) a second or two after their datagram
	printf 'flow:\n  idle-timeout: 1\n' > "$CFG"
	echo "$PRECIOUS_TEXT" > "$PRECIOUS"
	sleep 1
}

# A phase's flows: NFLOWS datagrams, each from its own source port FIRST.. (bounded).
send_phase() {	# send_phase FIRST_SPORT
	ip netns exec "$EXT" timeout 20 python3 -c '
import socket, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
for sport in range(first, first + n):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("198.18.0.2", sport))
        s.sendto(b"rotate-me", ("198.18.0.1", 9))
' "$1" "$NFLOWS"
}

# Wait (at most 30 s) until FILE (dirphase: the files of a directory) holds the NFLOWS
# flows of the phase from FIRST.
wait_phase() {	# wait_phase FILE FIRST_SPORT [phase|dirphase]
	local i
	for i in $(seq 1 150); do
		[ "$(python3 tests/e2e/eve_files.py "${3:-phase}" "$1" "$2" "$NFLOWS" 2>/dev/null)" = \
			"$NFLOWS" ] && return 0
		sleep 0.2
	done
	return 1
}

# A test that fails half-way stops its instance, so the next one can start.
give_up() {	# give_up NAME WHY PID
	e2e_edgewatch_stop "$3" > /dev/null 2>&1
	e2e_fail "$1" "$2"
}

precious_intact() {
	[ "$(cat "$PRECIOUS")" = "$PRECIOUS_TEXT" ]
}

test_run_refuses_symlink() {
	local link=$E2E_TMP/link.json rc
	ln -s "$PRECIOUS" "$link"
	E2E_IFACES+=("$UP")
	e2e_in "$GW" timeout 60 "$EDGEWATCH_BIN" run --user root -i "$UP" -o "$link" -c "$CFG" \
		--duration 5 > /dev/null 2> "$E2E_TMP/link.err"
	rc=$?
	if [ $rc = 0 ] || [ $rc = 124 ]; then
		e2e_fail run_refuses_symlink "run -o SYMLINK exited $rc"
	elif ! grep -q "symbolic link" "$E2E_TMP/link.err"; then
		e2e_fail run_refuses_symlink "no message saying symbolic link: $(tail -n 3 "$E2E_TMP/link.err")"
	elif ! precious_intact; then
		e2e_fail run_refuses_symlink "the symlink's target was written to"
	else
		e2e_pass run_refuses_symlink
	fi
}

# Start an instance writing EVE, send a phase of flows, wait for them in EVE, rename EVE
# to EVE.1 as logrotate does. Sets EW; 1 (and a FAIL line) if any step failed.
start_and_rename() {	# start_and_rename NAME EVE FIRST_SPORT
	e2e_edgewatch_start "$GW" "$UP" "$2" -c "$CFG" ||
		{ e2e_fail "$1" "edgewatch did not start"; return 1; }
	EW=$E2E_EW_PID
	send_phase "$3"
	wait_phase "$2" "$3" || { give_up "$1" "the first flows never reached $2" "$EW"; return 1; }
	mv "$2" "$2.1"
}

test_rotation() {
	local eve=$E2E_TMP/eve.json ew rc why i
	start_and_rename rotation "$eve" 20000 || return
	ew=$EW
	kill -HUP "$ew"
	for i in $(seq 1 50); do [ -e "$eve" ] && break; sleep 0.1; done
	[ -e "$eve" ] || { give_up rotation "SIGHUP did not reopen $eve" "$ew"; return; }
	send_phase 30000
	wait_phase "$eve" 30000 || { give_up rotation "the later flows never reached $eve" "$ew"; return; }
	e2e_edgewatch_stop "$ew"
	rc=$?
	[ $rc = 0 ] || { e2e_fail rotation "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"; return; }
	why=$(python3 tests/e2e/eve_files.py rotated "$eve.1" "$eve" 20000 30000 "$NFLOWS")
	[ -z "$why" ] && e2e_pass rotation || e2e_fail rotation "$why"
}

# After a rotation someone plants a symlink at the path: the reopen refuses it, the daemon
# says so and keeps the file it has; nothing is lost, the link's target is unchanged.
test_reopen_refuses_symlink() {
	local eve=$E2E_TMP/eve2.json ew rc why i
	start_and_rename reopen_refuses_symlink "$eve" 40000 || return
	ew=$EW
	ln -s "$PRECIOUS" "$eve"
	kill -HUP "$ew"
	for i in $(seq 1 50); do grep -q "cannot reopen" "$E2E_EW_ERR" && break; sleep 0.1; done
	send_phase 50000
	wait_phase "$eve.1" 50000 ||
		{ give_up reopen_refuses_symlink "the later flows never reached $eve.1" "$ew"; return; }
	e2e_edgewatch_stop "$ew"
	rc=$?
	if ! grep "cannot reopen" "$E2E_EW_ERR" | grep -q "symbolic link"; then
		e2e_fail reopen_refuses_symlink "no message that the reopen met a symbolic link: $(tail -n 3 "$E2E_EW_ERR")"
	elif ! precious_intact || [ ! -L "$eve" ]; then
		e2e_fail reopen_refuses_symlink "the planted symlink or its target was written to"
	elif [ $rc != 0 ]; then
		e2e_fail reopen_refuses_symlink "edgewatch exited $rc with nothing lost: $(tail -n 3 "$E2E_EW_ERR")"
	else
		# every flow and the final stats in the file opened at start
		why=$(python3 tests/e2e/eve_files.py rotated "$eve.1" "$eve.1" 40000 50000 "$NFLOWS")
		[ -z "$why" ] && e2e_pass reopen_refuses_symlink || e2e_fail reopen_refuses_symlink "$why"
	fi
}

test_max_size_gzip() {
	local dir=$E2E_TMP/rotating cfg=$E2E_TMP/rotating.yaml ew rc why
	mkdir -p "$dir"
	printf 'flow:\n  idle-timeout: 1\noutputs:\n  eve:\n    path: %s/eve.json\n    max-size: 8KiB\n    compress: gzip\n' \
		"$dir" > "$cfg"
	e2e_edgewatch_start "$GW" "$UP" "" -c "$cfg" ||
		{ e2e_fail max_size_gzip "edgewatch did not start"; return; }
	ew=$E2E_EW_PID
	send_phase 21000
	wait_phase "$dir" 21000 dirphase || { give_up max_size_gzip "the first flows never reached $dir" "$ew"; return; }
	kill -HUP "$ew"	# a reopen between rotations: nothing lost either
	send_phase 31000
	wait_phase "$dir" 31000 dirphase || { give_up max_size_gzip "the later flows never reached $dir" "$ew"; return; }
	e2e_edgewatch_stop "$ew"
	rc=$?
	[ $rc = 0 ] || { e2e_fail max_size_gzip "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"; return; }
	why=$(python3 tests/e2e/eve_files.py rotated-many "$dir" 21000 31000 "$NFLOWS" 2>&1)
	[ -z "$why" ] && ! gzip -t "$dir"/*.gz 2>/dev/null && why="gzip -t fails on a .gz"
	[ -z "$why" ] && e2e_pass max_size_gzip || e2e_fail max_size_gzip "$why"
}

if ! setup; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
test_run_refuses_symlink
test_rotation
test_reopen_refuses_symlink
test_max_size_gzip
exit $E2E_FAILED
