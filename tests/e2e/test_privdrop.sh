#!/usr/bin/env bash
# The daemon gives up root once attached (run.user, userspace/privdrop.h), in a veth lab,
# as a throwaway system user this test creates (and removes):
#   - the start log names what it kept: at most CAP_BPF and CAP_NET_ADMIN (what this
#     kernel still asks for, userspace/privdrop.c); every thread of it
#     (/proc/PID/task/*/status) has the user's uid and gid, exactly that set effective,
#     permitted and bounding, CAP_BPF (if kept) ambient, and NoNewPrivs 1;
#   - it still exports flows and alerts, reloads (SIGHUP and `edgewatch reload`), answers
#     `edgewatch status` (root) and reopens a moved EVE file on SIGHUP, as the user;
#   - it stops with exit 0, its final flows and a balanced account written, and leaves no
#     pins behind; what it wrote is the user's and not world-writable;
#   - a run.user that does not exist is refused before anything is attached, and so is a
#     configuration the user could rewrite (a root start reads it before the drop).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/privdrop
. tests/e2e/lib.sh

GW=ewpgw$E2E_ID EXT=ewpext$E2E_ID
UP=ewpu$E2E_ID PEER=ewpp$E2E_ID
RUN_USER=ewpd$E2E_ID
CFG=$E2E_TMP/edgewatch.yaml LOGDIR=$E2E_TMP/log EVE=$E2E_TMP/log/eve.json

if ! e2e_user_add "$RUN_USER"; then
	e2e_fail setup "cannot create the user $RUN_USER"
	exit 1
fi
uid=$(id -u "$RUN_USER") gid=$(id -g "$RUN_USER")
if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
# the user may pass through the test's directory (not list it) and owns the log directory,
# as LogsDirectory= gives it under systemd; the configuration stays root's, readable
chmod 0711 "$E2E_TMP"
mkdir -m 0750 "$LOGDIR" && chown "$RUN_USER:$RUN_USER" "$LOGDIR"
# the packet evidence directory is root's: a root start hands it over
PCAPDIR=$E2E_TMP/pcap
mkdir -m 0755 "$PCAPDIR"
printf 'management:\n  addresses: [198.18.0.1]\n  ports: [ssh]\nflow:\n  idle-timeout: 1\noutputs:\n  pcap:\n    dir: %s\nrun:\n  user: %s\n' \
	"$PCAPDIR" "$RUN_USER" > "$CFG"
chmod 0644 "$CFG"

# A start with CONFIG exits 1 saying MESSAGE (a grep pattern), before it attaches.
expect_refused() {	# expect_refused NAME CONFIG MESSAGE
	local out rc
	out=$(e2e_in "$GW" timeout 20 "$EDGEWATCH_BIN" run -i "$UP" -o /dev/null -c "$2" \
		--duration 1 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "$3" && ! echo "$out" | grep -q watching; then
		e2e_pass "$1"
	else
		e2e_fail "$1" "exit $rc: $(echo "$out" | tail -n 2)"
	fi
}

# a user that does not exist
printf 'run:\n  user: ewpdnone%s\n' "$E2E_ID" > "$E2E_TMP/nouser.yaml"
expect_refused missing_user_refused "$E2E_TMP/nouser.yaml" \
	"run.user: no user \"ewpdnone$E2E_ID\" on this system"
# what a root start reads must not be the user's to swap
cp "$CFG" "$LOGDIR/swappable.yaml"
expect_refused swappable_config_refused "$LOGDIR/swappable.yaml" \
	"configuration $LOGDIR/swappable.yaml: its directory is writable by user $RUN_USER"
rm -f "$LOGDIR/swappable.yaml"

# a shared evidence directory (something else in it) is never handed over: the start says
# the user cannot write there, and the directory stays root's
SHARED=$E2E_TMP/shared
mkdir -m 0755 "$SHARED" && touch "$SHARED/someone-elses.log"
sed "s|dir: $PCAPDIR|dir: $SHARED|" "$CFG" > "$E2E_TMP/shared.yaml"
out=$(e2e_in "$GW" timeout 20 "$EDGEWATCH_BIN" run -i "$UP" -o /dev/null -c "$E2E_TMP/shared.yaml" \
	--duration 1 2>&1)
rc=$?
if [ $rc = 0 ] && [ "$(stat -c %U "$SHARED")" = root ] &&
	echo "$out" | grep -q "cannot write the packet evidence directory $SHARED"; then
	e2e_pass shared_evidence_dir_not_handed_over
else
	e2e_fail shared_evidence_dir_not_handed_over "exit $rc, owner $(stat -c %U "$SHARED"): $(echo "$out" | tail -n 2)"
fi

# run.user from the configuration, not --user
if ! E2E_EW_USER= e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
	e2e_fail starts "$(tail -n 3 "$E2E_EW_ERR")"
	exit 1
fi
pid=$E2E_EW_PID

# --- what it kept, in every thread: the user, those capabilities, no-new-privs ---------
log=$(grep -o "running as user $RUN_USER (uid $uid, gid $gid); capabilities kept: [A-Z_, a-z]*; no-new-privs set" "$E2E_EW_ERR")
kept=$(echo "$log" | sed -n 's/.*capabilities kept: \(.*\); no-new-privs set/\1/p')
want_caps=0
for c in ${kept//,/ }; do
	case $c in
	CAP_BPF) want_caps=$((want_caps | 1 << 39)) ;;
	CAP_NET_ADMIN) want_caps=$((want_caps | 1 << 12)) ;;
	none) ;;
	*) want_caps=-1 ;;
	esac
done
if [ -z "$log" ] || [ "$want_caps" = -1 ]; then
	e2e_fail start_log_names_what_it_kept "want at most CAP_BPF, CAP_NET_ADMIN: $(grep -i "running as" "$E2E_EW_ERR")"
	want_caps=0
else
	e2e_pass start_log_names_what_it_kept
fi
WANT_CAPS=$(printf '%016x' "$want_caps")
WANT_AMB=$(printf '%016x' $(( want_caps & 1 << 39 )))
bad= threads=0
for st in /proc/"$pid"/task/*/status; do
	threads=$((threads + 1))
	comm=$(cat "${st%/status}/comm" 2>/dev/null)
	got=$(awk -v u="$uid" -v g="$gid" -v c="$WANT_CAPS" -v a="$WANT_AMB" '
		/^Uid:/ { ok = ok ($2 == u && $3 == u && $4 == u && $5 == u ? "" : " Uid=" $2 "/" $3 "/" $4) }
		/^Gid:/ { ok = ok ($2 == g && $3 == g && $4 == g && $5 == g ? "" : " Gid=" $2 "/" $3 "/" $4) }
		/^CapEff:|^CapPrm:|^CapBnd:/ { ok = ok ($2 == c ? "" : " " $1 $2) }
		/^CapAmb:/ { ok = ok ($2 == a ? "" : " " $1 $2) }
		/^NoNewPrivs:/ { ok = ok ($2 == 1 ? "" : " NoNewPrivs=" $2) }
		END { print ok }' "$st" 2>/dev/null)
	[ -n "$got" ] && bad="$bad ${st#/proc/} ($comm):$got"
done
if [ "$threads" -lt 2 ]; then
	e2e_fail every_thread_dropped "only $threads thread(s): the test must see the workers"
elif [ -n "$bad" ]; then
	e2e_fail every_thread_dropped "want uid $uid gid $gid caps $WANT_CAPS amb $WANT_AMB:$bad"
else
	e2e_pass every_thread_dropped
fi

# --- it still works: flows, an alert, reloads, status, a reopen ---------------------
e2e_mgmt_probe "$EXT"
kill -HUP "$pid"
sleep 1
out=$(timeout 20 "$EDGEWATCH_BIN" reload -i "$UP" 2>&1) && e2e_pass reload_command ||
	e2e_fail reload_command "$out"
out=$(timeout 20 "$EDGEWATCH_BIN" status -i "$UP" 2>&1) && e2e_pass status_as_root ||
	e2e_fail status_as_root "$(echo "$out" | tail -n 2)"
# a member of the group edgewatch (nobody, given that group): the socket's answer comes
# from a child of the dropped daemon, which opens the pins
status_gid=$(getent group edgewatch | cut -d: -f3)
if [ -z "$status_gid" ]; then
	e2e_skip status_socket "no group edgewatch here (the Debian package creates it)"
else
	out=$(timeout 20 setpriv --reuid 65534 --regid 65534 --groups "$status_gid" \
		"$EDGEWATCH_BIN" status -i "$UP" 2>&1)
	rc=$?
	if [ $rc = 0 ] && echo "$out" | grep -q "flows"; then
		e2e_pass status_socket
	else
		e2e_fail status_socket "exit $rc: $(echo "$out" | tail -n 2)"
	fi
fi
# logrotate's way: move the file, SIGHUP; the user creates the new one
mv "$EVE" "$EVE.1"
kill -HUP "$pid"
sleep 1.5
ip netns exec "$EXT" ping -c 2 -i 0.2 -W 1 198.18.0.1 > /dev/null
sleep 1.5
if [ -f "$EVE" ] && [ "$(stat -c %U "$EVE")" = "$RUN_USER" ]; then
	e2e_pass reopen_as_user
else
	e2e_fail reopen_as_user "no new $EVE owned by $RUN_USER: $(ls -l "$LOGDIR" | tail -n +2 | tr '\n' ' ')"
fi
pcap_owner=$(stat -c %U "$PCAPDIR")
[ "$pcap_owner" = "$RUN_USER" ] && e2e_pass evidence_dir_is_the_users ||
	e2e_fail evidence_dir_is_the_users "$PCAPDIR owned by '$pcap_owner'"
pin_owner=$(stat -c %U "$E2E_PIN_ROOT/$UP" 2>/dev/null)
[ "$pin_owner" = "$RUN_USER" ] && e2e_pass pins_are_the_users ||
	e2e_fail pins_are_the_users "$E2E_PIN_ROOT/$UP owned by '${pin_owner}'"

e2e_edgewatch_stop "$pid"
rc=$?
# three generations: the start and two SIGHUPs (`edgewatch reload` sends the second)
check=$(e2e_check_probe_eve 3 "$EVE.1" "$EVE")
if [ $rc != 0 ]; then
	e2e_fail stops_clean "exit $rc: $(tail -n 3 "$E2E_EW_ERR")"
elif [ -n "$check" ]; then
	e2e_fail stops_clean "$check"
elif [ -e "$E2E_PIN_ROOT/$UP" ]; then
	e2e_fail stops_clean "its pins are still there: $(ls "$E2E_PIN_ROOT/$UP")"
else
	e2e_pass stops_clean
fi
ww=$(find "$LOGDIR" /run/edgewatch -maxdepth 1 \( -name 'eve.json*' -o -name "$UP.*" \) -perm -o+w 2>/dev/null)
[ -z "$ww" ] && e2e_pass nothing_world_writable || e2e_fail nothing_world_writable "$ww"
exit $E2E_FAILED
