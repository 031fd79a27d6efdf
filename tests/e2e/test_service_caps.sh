#!/usr/bin/env bash
# The systemd unit's capability set is enough, and each capability in it is needed
# (packaging/edgewatch@.service: CapabilityBoundingSet). edgewatch runs as root under
# `setpriv --bounding-set` with exactly the unit's set (this machine's PID 1 is not
# systemd), in a veth lab:
#   - /proc/PID/status shows that set as its effective capabilities;
#   - it exports the flows of traffic that crosses, alerts a management-port violation,
#     takes a SIGHUP reload, and exits 0 with nothing lost;
#   - without any one capability of the set it cannot start, and says why.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/service_caps
. tests/e2e/lib.sh

GW=ewkgw$E2E_ID EXT=ewkext$E2E_ID
UP=ewku$E2E_ID PEER=ewkp$E2E_ID
CFG=$E2E_TMP/edgewatch.yaml EVE=$E2E_TMP/eve.json
UNIT=packaging/edgewatch@.service.in

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
if [ -z "$caps" ]; then
	e2e_fail unit_caps "no CapabilityBoundingSet in $UNIT"
	exit 1
fi
# CAP_BPF CAP_NET_ADMIN -> +bpf,+net_admin (setpriv's names)
setpriv_caps() { echo "$*" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -; }

if ! e2e_lab "$GW" "$UP" "$EXT" "$PEER"; then
	e2e_fail setup "cannot create the namespaces"
	exit 1
fi
printf 'management:\n  addresses: [198.18.0.1]\n  ports: [ssh]\nflow:\n  idle-timeout: 1\n' > "$CFG"

# the unit's set, with its bounding set applied: root keeps only these
EDGEWATCH_REAL=$EDGEWATCH_BIN
EDGEWATCH_BIN=$E2E_TMP/edgewatch-capped
cat > "$EDGEWATCH_BIN" <<EOS
#!/bin/sh
exec setpriv --bounding-set -all,\$EW_CAPS --inh-caps=-all "$EDGEWATCH_REAL" "\$@"
EOS
chmod +x "$EDGEWATCH_BIN"

export EW_CAPS=$(setpriv_caps $caps)
if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CFG"; then
	e2e_fail runs_with_unit_caps "did not start with $EW_CAPS: $(tail -n 3 "$E2E_EW_ERR")"
	exit 1
fi
# nsenter execs setpriv, which execs edgewatch: the pid is edgewatch's
pid=$E2E_EW_PID
eff=$(sed -n 's/^CapEff:\t//p' /proc/"$pid"/status)
want=$(python3 -c '
import sys
bits = {"CAP_NET_ADMIN": 12, "CAP_SYS_ADMIN": 21, "CAP_SYS_RESOURCE": 24, "CAP_PERFMON": 38, "CAP_BPF": 39}
print("%016x" % sum(1 << bits[c] for c in sys.argv[1:]))' $caps)
[ "$eff" = "$want" ] && e2e_pass effective_caps_are_the_units ||
	e2e_fail effective_caps_are_the_units "CapEff $eff, the unit's set $want ($caps)"

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
	nsenter --net=/run/netns/"$GW" "$EDGEWATCH_BIN" run -i "$UP" -o "$E2E_TMP/none.json" \
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
