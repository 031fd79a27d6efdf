#!/usr/bin/env bash
# End-to-end: the syslog sink against a real rsyslogd. In a network namespace of its own
# (its loopback only), the test starts `rsyslogd -n` with a config, pid file and work
# directory of its own (the system's rsyslog is not touched), replays a capture that
# raises alerts with outputs.syslog pointing at it, and checks that rsyslog received
# exactly the alerts (and the stats event) the EVE file has, as the same JSON, with the
# RFC 5424 header and structured data (tests/e2e/syslog_check.py):
#   tcp        imtcp, octet-counted framing
#   tls        imtcp with the gtls driver, a CA and server certificate made here
#   tls_bad_ca the sink given another CA: the certificate is refused, nothing is sent,
#              and every message is counted as lost in the final stats event
#   udp        imudp
#   down       nothing listens: the replay completes, exits 0, and counts the loss
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/syslog
. tests/e2e/lib.sh

NS=ewsl$E2E_ID
PCAP=tests/pcaps/exploit_log4shell-useragent.pcap
RSYSLOG_PID=

stop_rsyslog() {
	local i
	[ -n "$RSYSLOG_PID" ] || return 0
	kill -TERM "$RSYSLOG_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$RSYSLOG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$RSYSLOG_PID" 2>/dev/null
	wait "$RSYSLOG_PID" 2>/dev/null
	RSYSLOG_PID=
}
trap 'stop_rsyslog; e2e_teardown' EXIT

if ! command -v rsyslogd >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] &&
	! ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1; then
	e2e_skip all "rsyslogd with the gtls driver is not installed (make deps: rsyslog, rsyslog-gnutls)"
	exit 0
fi
e2e_ns_add "$NS" || { e2e_fail setup "cannot create namespace $NS"; exit 1; }

# A CA, a server certificate for localhost and 127.0.0.1 signed by it, and another CA.
make_certs() {
	local d=$E2E_TMP/pki
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=edgewatch test CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
		-keyout "$d/other-ca.key" -out "$d/other-ca.pem" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
		>"$d/ext.cnf" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null
}

# start_rsyslog NAME tcp|tls|udp PORT: rsyslogd in the namespace, messages of edgewatch
# to $E2E_TMP/NAME.received with the template syslog_check.py reads.
start_rsyslog() {
	local name=$1 mode=$2 port=$3 conf=$E2E_TMP/$1.rsyslog.conf i
	local global="" input
	mkdir -p "$E2E_TMP/$name.work"
	case $mode in
	tcp) input="module(load=\"imtcp\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\")" ;;
	tls) global="DefaultNetstreamDriver=\"gtls\"
	DefaultNetstreamDriverCAFile=\"$E2E_TMP/pki/ca.pem\"
	DefaultNetstreamDriverCertFile=\"$E2E_TMP/pki/server.pem\"
	DefaultNetstreamDriverKeyFile=\"$E2E_TMP/pki/server.key\""
		input="module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\")" ;;
	udp) input="module(load=\"imudp\")
input(type=\"imudp\" address=\"127.0.0.1\" port=\"$port\")" ;;
	esac
	cat >"$conf" <<-CONF
	global(workDirectory="$E2E_TMP/$name.work" maxMessageSize="64k"
	$global)
	$input
	template(name="ew" type="string"
	         string="%pri%\t%app-name%\t%msgid%\t%timereported:::date-rfc3339%\t%structured-data%\t%procid%\t%msg%\n")
	if \$app-name == "edgewatch" then {
	        action(type="omfile" file="$E2E_TMP/$name.received" template="ew")
	        stop
	}
	action(type="omfile" file="$E2E_TMP/$name.other")
	CONF
	ip netns exec "$NS" rsyslogd -n -f "$conf" -i "$E2E_TMP/$name.pid" \
		>"$E2E_TMP/$name.rsyslog.log" 2>&1 &
	RSYSLOG_PID=$!
	for i in $(seq 50); do
		if ip netns exec "$NS" ss -lnutH 2>/dev/null | grep -q "127.0.0.1:$port "; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# replay NAME SERVER TRANSPORT [CA_FILE]: the capture replayed with the shipped rules and
# that outputs.syslog; EVE in $E2E_TMP/NAME.eve, stderr in NAME.stderr, exit status in $rc.
replay() {
	local name=$1 conf=$E2E_TMP/$1.yaml ca=""
	[ -n "${4:-}" ] && ca="ca-file: $4"
	cat >"$conf" <<-YAML
	# the capture's web server (172.16.238.10:8080) in home-net: its answers are
	# inventory records, which syslog carries too
	home-net: [198.18.0.0/15, 2001:db8::/32, 172.16.238.0/24]
	management:
	  addresses: [198.19.255.254/32]
	rules:
	  files: [$PWD/rules/*.rules]
	  classification: $PWD/rules/classification.config
	  cache-dir: $E2E_TMP/rules-cache
	outputs:
	  syslog:
	    server: $2
	    transport: $3
	    $ca
	YAML
	mkdir -p "$E2E_TMP/rules-cache"
	ip netns exec "$NS" timeout 120 "$EDGEWATCH_BIN" replay -c "$conf" -o "$E2E_TMP/$name.eve" \
		"$PCAP" 2>"$E2E_TMP/$name.stderr"
	rc=$?
}

# delivered NAME: rsyslog stopped (its files complete), then compared with the EVE file
check() {	# check NAME delivered|lost
	local why
	stop_rsyslog
	if [ "$rc" != 0 ]; then
		e2e_fail "$1" "replay exited $rc: $(tail -3 "$E2E_TMP/$1.stderr")"
	elif ! why=$(python3 tests/e2e/syslog_check.py "$2" "$E2E_TMP/$1.eve" \
			"$E2E_TMP/$1.received" 2>&1); then
		e2e_fail "$1" "$why"
	elif [ -s "$E2E_TMP/$1.other" ] && grep -q "error\|invalid" "$E2E_TMP/$1.other"; then
		e2e_fail "$1" "rsyslog complained: $(head -3 "$E2E_TMP/$1.other")"
	else
		return 0
	fi
	return 1
}

make_certs || { e2e_fail setup "openssl could not make the test certificates"; exit 1; }

# case_against NAME MODE PORT SERVER TRANSPORT [CA_FILE] WANT: rsyslogd in MODE on PORT,
# the replay with that syslog output, then the check (delivered or lost); 0 if it held.
case_against() {
	local name=$1 mode=$2 port=$3 ok=1
	if start_rsyslog "$name" "$mode" "$port"; then
		replay "$name" "$4" "$5" "${6:-}"
		check "$name" "$7" && ok=0
	else
		e2e_fail "$name" "rsyslogd did not listen: $(cat "$E2E_TMP/$name.rsyslog.log")"
	fi
	stop_rsyslog
	return $ok
}

case_against tcp tcp 10514 127.0.0.1:10514 tcp "" delivered && e2e_pass tcp
case_against tls tls 6514 localhost:6514 tls "$E2E_TMP/pki/ca.pem" delivered && e2e_pass tls
if case_against tls_bad_ca tls 6514 127.0.0.1:6514 tls "$E2E_TMP/pki/other-ca.pem" lost; then
	if grep -q "certificate not accepted" "$E2E_TMP/tls_bad_ca.stderr"; then
		e2e_pass tls_bad_ca
	else
		e2e_fail tls_bad_ca "the refused certificate is not named in the log: $(
			grep syslog "$E2E_TMP/tls_bad_ca.stderr" | head -2)"
	fi
fi
case_against udp udp 10514 127.0.0.1:10514 udp "" delivered && e2e_pass udp

# nobody listens on 10599: the replay must not stall, must succeed, and must count
replay down 127.0.0.1:10599 tcp
if check down lost; then
	if grep -q "syslog: .*lost at close" "$E2E_TMP/down.stderr"; then
		e2e_pass down
	else
		e2e_fail down "the loss is not reported on stderr: $(grep syslog "$E2E_TMP/down.stderr")"
	fi
fi

exit "$E2E_FAILED"
