#!/usr/bin/env bash
# The systemd unit's capability set is enough, and each capability in it is needed
# (packaging/edgewatch@.service: User=, CapabilityBoundingSet=, AmbientCapabilities=).
# edgewatch runs as a throwaway user under `setpriv` with exactly the unit's set as its
# bounding and ambient sets and no-new-privs, the way systemd starts it (this machine's
# PID 1 is not systemd), with /run/edgewatch and the bpffs the user's as the unit makes
# them, in a veth lab:
#   - it starts, drops to what it still needs (run.user, the same user), and
#     /proc/PID/status shows that user and no capability outside the unit's set;
#   - it exports the flows of traffic that crosses, alerts a management-port violation,
#     takes a SIGHUP reload, and exits 0 with nothing lost;
#   - without any one capability of the set it cannot start, and says why.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/service_caps
. tests/e2e/lib.sh

GW=ewkgw$E2E_ID EXT=ewkext$E2E_ID
UP=ewku$E2E_ID PEER=ewkp$E2E_ID
RUN_USER=ewkd$E2E_ID
CFG=$E2E_TMP/edgewatch.yaml LOGDIR=$E2E_TMP/log EVE=$E2E_TMP/log/eve.json
UNIT=packaging/edgewatch@.service.in

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
if [ -z "$caps" ] || [ "$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")" != "$caps" ] ||
	! grep -q '^User=edgewatch$' "$UNIT"; then
	e2e_fail unit_caps "want User=edgewatch and the same CapabilityBoundingSet= and AmbientCapabilities= in $UNIT"
	exit 1
fi
# CAP_BPF CAP_NET_ADMIN -> +bpf,+net_admin (setpriv's names)
setpriv_caps() { echo "$*" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -; }

# the user the unit names (a throwaway one), owning what RuntimeDirectory=,
# LogsDirectory= and the ExecStartPre's chown give it
if ! e2e_user_add "$RUN_USER"; then
	e2e_fail setup "cannot create the user $RUN_USER"
	exit 1
fi
if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
mkdir -p /run/edgewatch/bpffs
mountpoint -q /run/edgewatch/bpffs || mount -t bpf -o mode=0700 bpf /run/edgewatch/bpffs
chown "$RUN_USER:$RUN_USER" /run/edgewatch /run/edgewatch/bpffs
chmod 0711 "$E2E_TMP"
mkdir -m 0750 "$LOGDIR" && chown "$RUN_USER:$RUN_USER" "$LOGDIR"
printf 'management:\n  addresses: [198.18.0.1]\n  ports: [ssh]\nflow:\n  idle-timeout: 1\nrun:\n  user: %s\n' \
	"$RUN_USER" > "$CFG"
chmod 0644 "$CFG"

# the unit's start: the user, the unit's set as bounding and ambient set, no-new-privs
EDGEWATCH_REAL=$EDGEWATCH_BIN
EDGEWATCH_BIN=$E2E_TMP/edgewatch-capped
cat > "$EDGEWATCH_BIN" <<EOS
#!/bin/sh
exec setpriv --reuid=$RUN_USER --regid=$RUN_USER --init-groups --inh-caps=-all,\$EW_CAPS \\
	--ambient-caps=-all,\$EW_CAPS --bounding-set=-all,\$EW_CAPS --no-new-privs "$EDGEWATCH_REAL" "\$@"
EOS
chmod 0755 "$EDGEWATCH_BIN"

export EW_CAPS=$(setpriv_caps $caps)
# run.user from the configuration (E2E_EW_USER empty: no --user), as the unit does
if ! E2E_EW_USER= e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
	e2e_fail runs_with_unit_caps "did not start with $EW_CAPS: $(tail -n 3 "$E2E_EW_ERR")"
	exit 1
fi
# nsenter execs setpriv, which execs edgewatch: the pid is edgewatch's
pid=$E2E_EW_PID
eff=$(sed -n 's/^CapEff:\t//p' /proc/"$pid"/status)
uid=$(sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' /proc/"$pid"/status)
unit_mask=$(python3 -c '
import sys
bits = {"CAP_NET_ADMIN": 12, "CAP_SYS_ADMIN": 21, "CAP_SYS_RESOURCE": 24, "CAP_PERFMON": 38, "CAP_BPF": 39}
print(sum(1 << bits[c] for c in sys.argv[1:]))' $caps)
if [ "$uid" != "$(id -u "$RUN_USER")" ] || [ $(( 0x$eff & ~unit_mask )) != 0 ] ||
	! grep -q "running as user $RUN_USER" "$E2E_EW_ERR"; then
	e2e_fail runs_as_the_user_within_the_units_caps "uid $uid, CapEff $eff, the unit's set $caps: $(grep "running as" "$E2E_EW_ERR")"
else
	e2e_pass runs_as_the_user_within_the_units_caps
fi

e2e_mgmt_probe "$EXT"
kill -HUP "$pid"
sleep 3
e2e_edgewatch_stop "$pid"
rc=$?
check=$(e2e_check_probe_eve 2 "$EVE")
if [ $rc != 0 ]; then
	e2e_fail runs_with_unit_caps "exit $rc: $(tail -n 3 "$E2E_EW_ERR")"
elif [ -n "$check" ]; then
	e2e_fail runs_with_unit_caps "$check"
else
	e2e_pass runs_with_unit_caps
fi

# each capability is needed: without it, no start, and a reason
for cap in $caps; do
	EW_CAPS=$(setpriv_caps $(echo " $caps " | sed "s/ $cap / /"))
	EW_CAPS=${EW_CAPS:-+chown}
	nsenter --net=/run/netns/"$GW" "$EDGEWATCH_BIN" run -i "$UP" -o "$LOGDIR/none.json" -c "$CFG" \
		--duration 2 > "$E2E_TMP/without.out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		e2e_fail "needs_$cap" "ran without $cap"
	elif ! grep -q "error: .*needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN" "$E2E_TMP/without.out"; then
		e2e_fail "needs_$cap" "exit $rc without an error message: $(tail -n 2 "$E2E_TMP/without.out")"
	else
		e2e_pass "needs_$cap"
	fi
done
exit $E2E_FAILED
