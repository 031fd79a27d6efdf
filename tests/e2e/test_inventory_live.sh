#!/usr/bin/env bash
# End-to-end: `edgewatch inventory -i IFACE` asks a running instance for its table through
# the status socket. In the gateway namespace an SSH-like server (OpenSSH 5.3: end of life),
# an SNMPv2c agent (Cisco IOS: cleartext management) and a TLS 1.2 server with a
# self-signed certificate on a management port (8443, known by its handshake alone)
# answer a client in the other; edgewatch runs on the gateway's interface. The table
# lists them, riskiest first (the same order as the file mode), --json gives each with
# its risk, and asking an interface where no instance runs is an error naming the socket.
# The table survives a restart (the state file /run/edgewatch/IFACE.inventory: first_seen,
# the TLS service's handshake facts and flags kept; the same handshakes again are no
# event), and a corrupt state file is an error naming it, the instance starting with an
# empty table (counted).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/inventory_live
. tests/e2e/lib.sh

GW=ewigw$E2E_ID EXT=ewiext$E2E_ID
UP=ewiu$E2E_ID PEER=ewip$E2E_ID
EVE=$E2E_TMP/eve.json
CONFIG=$E2E_TMP/inventory.yaml
SERVERS=tests/e2e/inventory_servers.py
CERT=$E2E_TMP/tls.crt KEY=$E2E_TMP/tls.key

setup() {
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	cat > "$CONFIG" <<YAML
home-net: [198.18.0.0/24, "2001:db8::/64"]
inventory:
  software-file: $PWD/rules/edge-software.txt
YAML
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj /CN=gw.edge.example -keyout "$KEY" -out "$CERT" 2>/dev/null || return 1
	sleep 1
}

# What a restart must keep of each service in a --json table: port, service, flags, risk,
# TLS version, JA3S, the certificate's SHA-256 and self_signed, first_seen (to the ms:
# each start measures the datapath clock's offset to the wall clock again, which moves a
# time rendered from it by a microsecond or so).
kept_facts() {
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
def facts(r):
    i = r["inventory"]; tls = i.get("tls", {}); cert = tls.get("certificate", {})
    return (r["dest_port"], i["service"], i["flags"], r["risk"], tls.get("version"),
            tls.get("ja3s"), cert.get("sha256"), cert.get("self_signed"), i["first_seen"][:23])
print(sorted(facts(r) for r in rows))'
}

# The instance's table, retried for up to 10 s until it lists n services (the samples
# reach the inventory through the ring buffer, a moment after the traffic).
ask_table() {	# ask_table N [--json]
	local n=$1 i out; shift
	for i in $(seq 20); do
		out=$("$EDGEWATCH_BIN" inventory -i "$UP" "$@" 2>&1)
		[ "$(echo "$out" | grep -c '198\.18\.0\.1')" -ge "$n" ] && break
		sleep 0.5
	done
	echo "$out"
}

# The servers in the gateway's namespace (srv: their pid). nsenter execs timeout, which
# passes a kill on to python; e2e_in in the background would be a subshell, and killing it
# would leave the servers holding their ports.
start_servers() {
	nsenter --net=/run/netns/"$GW" timeout 25 python3 "$SERVERS" serve 198.18.0.1 \
		"$CERT" "$KEY" &
	srv=$!
	E2E_PIDS+=("$srv")
}

test_inventory_live() {
	local ew out rc srv first again
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE" -c "$CONFIG"; then
		e2e_fail start "edgewatch did not start"
		return
	fi
	ew=$E2E_EW_PID
	start_servers
	sleep 0.5
	e2e_in "$EXT" timeout 10 python3 "$SERVERS" ask 198.18.0.1 ||
		e2e_fail traffic "the client got no banner, no SNMP answer or no TLS handshake"

	out=$(ask_table 3)
	# riskiest first: the end-of-life SSH (16) before the SNMP agent (cleartext_mgmt 4)
	if echo "$out" | grep -n '198\.18\.0\.1' | head -n 1 | grep -q 'openssh' &&
	   echo "$out" | grep -q 'snmp.*cisco-ios.*12\.2(58)SE1'; then
		e2e_pass table_from_running_instance
	else
		e2e_fail table_from_running_instance "$(echo "$out" | tr '\n' ';')"
	fi
	out=$(ask_table 3 --json)
	# the TLS server: self-signed on a management port (1), its certificate's CN
	if echo "$out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
got = [(r["dest_port"], r["inventory"]["service"], r["inventory"]["product"], r["risk"])
       for r in rows]
sys.exit(0 if got == [(2222, "ssh", "openssh", 16), (161, "snmp", "cisco-ios", 4),
                      (8443, "tls", "", 1)] and
         rows[2]["inventory"]["flags"] == ["cert_self_signed"] and
         rows[2]["inventory"]["tls"]["certificate"]["subject_cn"] == "gw.edge.example" and
         all(r["inventory"]["change"] == "current" for r in rows) else 1)'; then
		e2e_pass json_sorted_by_risk
	else
		e2e_fail json_sorted_by_risk "$(echo "$out" | cut -c1-300 | tr '\n' ';')"
	fi
	first=$(echo "$out" | kept_facts)

	out=$("$EDGEWATCH_BIN" inventory -i ewnone$E2E_ID 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "/run/edgewatch/ewnone$E2E_ID.sock"; then
		e2e_pass no_instance_names_socket
	else
		e2e_fail no_instance_names_socket "exit $rc: $out"
	fi
	e2e_edgewatch_stop "$ew" || e2e_fail stop "edgewatch exited $?"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null

	# a restart: the table is back before any traffic, with its first_seen and the TLS
	# service's handshake facts and flags
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE.2" -c "$CONFIG"; then
		e2e_fail restart "edgewatch did not start again"
		return
	fi
	ew=$E2E_EW_PID
	out=$(ask_table 3 --json)
	again=$(echo "$out" | kept_facts)
	if [ "$again" = "$first" ] && [ "$(echo "$out" | grep -c '"risk"')" = 3 ] &&
	   grep -q "inventory: 3 services from /run/edgewatch/$UP.inventory" "$E2E_EW_ERR"; then
		e2e_pass table_survives_restart
	else
		e2e_fail table_survives_restart "before $first; after $again"
	fi
	# the same servers answer again: nothing new about them (no event), their flows
	# counted (waited for: the samples reach the inventory a moment after the traffic)
	start_servers
	sleep 0.5
	e2e_in "$EXT" timeout 10 python3 "$SERVERS" ask 198.18.0.1 ||
		e2e_fail traffic_again "the client got no banner, no SNMP answer or no TLS handshake"
	for i in $(seq 20); do
		"$EDGEWATCH_BIN" inventory -i "$UP" --json 2>/dev/null | grep '"dest_port":8443' |
			grep -q '"flows":2' && break
		sleep 0.5
	done
	e2e_edgewatch_stop "$ew" || e2e_fail stop "edgewatch exited $?"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	if [ "$i" -lt 20 ] && ! grep -q '"event_type":"inventory"' "$EVE.2"; then
		e2e_pass same_handshake_after_restart_no_event
	else
		e2e_fail same_handshake_after_restart_no_event "waited $i; $(grep '"event_type":"inventory"' "$EVE.2" | cut -c1-300 | tr '\n' ';')"
	fi

	# a corrupt state file: named in the error, the table starts empty, counted
	printf 'EWINVST\0garbage' > "/run/edgewatch/$UP.inventory"
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE.3" -c "$CONFIG"; then
		e2e_fail corrupt_state "edgewatch did not start with a corrupt state file"
		return
	fi
	ew=$E2E_EW_PID
	out=$("$EDGEWATCH_BIN" inventory -i "$UP" --json 2>&1)
	rc=$?
	e2e_edgewatch_stop "$ew" || e2e_fail stop "edgewatch exited $?"
	# the empty table: no line, exit 0
	if grep -q "inventory: /run/edgewatch/$UP.inventory: .*starting with an empty table" \
		"$E2E_EW_ERR" && [ $rc -eq 0 ] && [ -z "$out" ] &&
	   grep '"event_type":"stats"' "$EVE.3" | tail -n 1 | grep -q '"state_file":{"loaded":0,"saved":1,"errors":1}'; then
		e2e_pass corrupt_state_named_and_counted
	else
		e2e_fail corrupt_state_named_and_counted "$(grep inventory "$E2E_EW_ERR" | tr '\n' ';') $(grep -o '"state_file":{[^}]*}' "$EVE.3" | tail -n 1)"
	fi
	rm -f "/run/edgewatch/$UP.inventory"
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_inventory_live
exit $E2E_FAILED
