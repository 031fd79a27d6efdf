# Shared by the end-to-end tests: namespaces with unique names, a teardown that always
# runs, edgewatch started and stopped in a namespace, result lines for tests/run.sh.
# Addresses only from 198.18.0.0/15 and 2001:db8::/32; traffic never leaves the
# namespaces this file creates (no routes out of them).

# interface names have 15 characters at most: prefixes stay short, the id is 6
E2E_ID=${E2E_ID:-$(printf '%06x' $(( (RANDOM << 15 | RANDOM) & 0xffffff )))}
EDGEWATCH_BIN=${EDGEWATCH_BIN:-.output/asan/edgewatch}
# as tests/run.sh: the rules each test configures, not the shipped default
export EDGEWATCH_RULES_DIR=${EDGEWATCH_RULES_DIR-}
E2E_TMP=$(mktemp -d /tmp/edgewatch-e2e.XXXXXX)
E2E_NAMESPACES=()
E2E_PIDS=()
E2E_IFACES=()	# interfaces edgewatch ran on: their pins and locks go at teardown
E2E_USERS=()	# throwaway system users (e2e_user_add): removed at teardown
E2E_PREFIX=${E2E_PREFIX:-e2e}
E2E_PIN_ROOT=/run/edgewatch/bpffs	# where edgewatch pins (a bpffs it mounts, outside /sys)

e2e_pass() { echo "PASS $E2E_PREFIX/$1"; }
e2e_fail() { echo "FAIL $E2E_PREFIX/$1: $2"; E2E_FAILED=1; }
e2e_skip() { echo "SKIP $E2E_PREFIX/$1: $2"; }
E2E_FAILED=0

e2e_teardown() {
	local pid ns iface user d
	for pid in "${E2E_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null
	done
	sleep 0.5
	for pid in "${E2E_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${E2E_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# an instance killed by this teardown (a failed test) leaves its pins behind
	for iface in "${E2E_IFACES[@]}"; do
		rm -rf "$E2E_PIN_ROOT/$iface" /run/edgewatch/"$iface".{lock,sock,reload}
	done
	for user in "${E2E_USERS[@]}"; do
		# a daemon that dropped to it handed these to it (run.c: run_hand_over): back
		# to root, so that no later user of the same uid inherits them
		for d in /run/edgewatch /run/edgewatch/bpffs; do
			[ "$(stat -c %U "$d" 2>/dev/null)" = "$user" ] && chown root:root "$d"
		done
		userdel "$user" 2>/dev/null
	done
	[ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$E2E_TMP"
}
trap e2e_teardown EXIT

# A system user of its own (no home, no shell, its own group) for a daemon to drop to.
e2e_user_add() {	# e2e_user_add NAME
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--user-group "$1" || return 1
	E2E_USERS+=("$1")
}

e2e_ns_add() {	# e2e_ns_add NAME
	ip netns add "$1" || return 1
	E2E_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# A veth pair between two namespaces, offloads off so each frame on the wire is one
# packet (GSO would merge segments that the datapath then counts as what they become).
e2e_veth() {	# e2e_veth NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx-vlan-offload off >/dev/null 2>&1
	ip netns exec "$3" ethtool -K "$4" tso off gso off gro off tx-vlan-offload off >/dev/null 2>&1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

e2e_mac() {	# e2e_mac NS IFACE: the interface's MAC address
	ip -n "$1" -br link show "$2" | awk '{print $3}'
}

# A permanent neighbour entry: no ARP/ND of its own in the flows a test compares.
e2e_static_neigh() {	# e2e_static_neigh NS DEV ADDR MAC
	ip -n "$1" neigh replace "$3" lladdr "$4" dev "$2" nud permanent
}

# The usual lab: namespaces GW and EXT joined by veth UP--PEER; the gateway is 198.18.0.1
# and 2001:db8::1, the outside 198.18.0.2 and 2001:db8::2, with static neighbours both
# ways. Sets GW_MAC and EXT_MAC.
e2e_lab() {	# e2e_lab GW UP EXT PEER
	e2e_ns_add "$1" && e2e_ns_add "$3" || return 1
	e2e_quiet_ipv6 "$1"; e2e_quiet_ipv6 "$3"
	e2e_veth "$1" "$2" "$3" "$4" || return 1
	ip -n "$1" addr add 198.18.0.1/24 dev "$2"
	ip -n "$3" addr add 198.18.0.2/24 dev "$4"
	ip -n "$1" addr add 2001:db8::1/64 dev "$2" nodad
	ip -n "$3" addr add 2001:db8::2/64 dev "$4" nodad
	GW_MAC=$(e2e_mac "$1" "$2")
	EXT_MAC=$(e2e_mac "$3" "$4")
	e2e_static_neigh "$1" "$2" 198.18.0.2 "$EXT_MAC"
	e2e_static_neigh "$3" "$4" 198.18.0.1 "$GW_MAC"
	e2e_static_neigh "$1" "$2" 2001:db8::2 "$EXT_MAC"
	e2e_static_neigh "$3" "$4" 2001:db8::1 "$GW_MAC"
}

# Does this kernel have 802.1Q VLAN devices (CONFIG_VLAN_8021Q)?
e2e_have_vlan_devices() {	# e2e_have_vlan_devices NS IFACE
	ip -n "$1" link add link "$2" name e2evlprobe type vlan id 4000 2>/dev/null || return 1
	ip -n "$1" link del e2evlprobe
}

# Quiet IPv6: no DAD, no router solicitations, so only the test's packets cross.
e2e_quiet_ipv6() {	# e2e_quiet_ipv6 NS
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
}

# Run a command in a namespace's network only: the mount namespace stays the host's.
# (`ip netns exec` gives each command its own mount namespace and /sys; edgewatch pins
# outside /sys so that works too: test_cli_hardening.sh.)
e2e_in() {	# e2e_in NS CMD...
	local ns=$1; shift
	nsenter --net=/run/netns/"$ns" "$@"
}

# Start edgewatch in NS on IFACE, wait until it watches. Sets E2E_EW_PID, and E2E_EW_ERR
# to its stderr (a file of its own per start: an earlier run's "watching" must not count).
E2E_EW_STARTS=0
e2e_edgewatch_start() {	# e2e_edgewatch_start NS IFACE EVE_FILE|"" [ARGS...]
	local ns=$1 iface=$2 eve=$3 i; shift 3
	E2E_IFACES+=("$iface")
	E2E_EW_STARTS=$((E2E_EW_STARTS + 1))
	E2E_EW_ERR=$E2E_TMP/edgewatch-$iface-$E2E_EW_STARTS.err
	: > "$E2E_EW_ERR"
	# nsenter (and ip netns exec) exec edgewatch: $! is edgewatch itself, so signals
	# reach it. E2E_EW_MOUNT_NS=own: started by `ip netns exec`, in a mount namespace
	# of its own.
	local launch=(nsenter --net=/run/netns/"$ns") output=(-o "$eve")
	[ "${E2E_EW_MOUNT_NS:-host}" = own ] && launch=(ip netns exec "$ns")
	[ -z "$eve" ] && output=()	# the configuration's outputs.eve.path
	# --user root unless the test says (E2E_EW_USER=NAME; set but empty: the
	# configuration's run.user): whether this machine has the user "edgewatch" (the default
	# run.user, made by the Debian package) must not change what a test sees;
	# test_privdrop.sh and test_service_caps.sh run the drop
	local user=(--user "${E2E_EW_USER-root}")
	[ -z "${E2E_EW_USER-root}" ] && user=()
	"${launch[@]}" "$EDGEWATCH_BIN" run "${user[@]}" -i "$iface" "${output[@]}" "$@" \
		> "$E2E_TMP/edgewatch-$iface-$E2E_EW_STARTS.out" 2> "$E2E_EW_ERR" &
	E2E_EW_PID=$!
	E2E_PIDS+=("$E2E_EW_PID")
	# up to 30 s: a cold rule cache compiles the 179 shipped rules first (~4 s in a
	# release build, several times that under ASan on a loaded machine)
	for i in $(seq 1 300); do
		grep -q "watching" "$E2E_EW_ERR" 2>/dev/null && return 0
		kill -0 "$E2E_EW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "edgewatch did not start: $(tail -n 5 "$E2E_EW_ERR")" >&2
	return 1
}

# From EXT to the lab's gateway: a ping (flows) and a connect to tcp/22 (a management-port
# alert under a config that protects ssh on 198.18.0.1), bounded in count and time.
e2e_mgmt_probe() {	# e2e_mgmt_probe EXT [PINGS]
	ip netns exec "$1" ping -c "${2:-3}" -i 0.2 -W 1 198.18.0.1 > /dev/null
	# 10 s for python to start on a loaded machine; the connect itself gives up after 2 s
	ip netns exec "$1" timeout 10 python3 -c '
import socket
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("198.18.0.1", 22))
except OSError:
    pass'
}

# What a run after e2e_mgmt_probe must have written: flows, an alert to tcp/22, a last
# stats event balanced with the policy at generation MIN_GEN or later (one per reload, from
# 1). Prints the problem, nothing when all is there.
e2e_check_probe_eve() {	# e2e_check_probe_eve MIN_GEN EVE_FILE...
	python3 - "$@" <<'PY'
import json, sys
want = int(sys.argv[1])
ev = [json.loads(l) for f in sys.argv[2:] for l in open(f) if l.strip()]
flows = [e for e in ev if e["event_type"] == "flow"]
alerts = [e for e in ev if e["event_type"] == "alert" and e["dest_port"] == 22]
stats = [e["stats"] for e in ev if e["event_type"] == "stats"]
if not flows or not alerts:
    print("flows %d, alerts to tcp/22 %d" % (len(flows), len(alerts)))
elif not stats or not stats[-1]["conservation"]["balanced"] or stats[-1]["policy"]["generation"] < want:
    print("last stats: balanced %s, policy generation %s (want %d: the reloads)" % (
        stats and stats[-1]["conservation"]["balanced"], stats and stats[-1]["policy"]["generation"], want))
PY
}

# Stop it with SIGINT and wait (bounded) for the final flush. 0 if it exited 0.
e2e_edgewatch_stop() {	# e2e_edgewatch_stop PID
	local i
	kill -INT "$1" 2>/dev/null
	for i in $(seq 1 200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		return 124
	fi
	wait "$1"
}

# e2e_lotl_requests GW EXT REQUESTS: lotl_traffic.py's HTTP server in GW (198.18.0.1 and
# 2001:db8::1, port 8080, at most REQUESTS requests) and its client's requests from EXT;
# the server stays up (its pid in E2E_HTTP_SERVER, stopped by e2e_lotl_stop) for more
# traffic. nsenter execs timeout: $! is the process to stop (a function in the background
# would be a subshell, and killing it would leave the server running).
e2e_lotl_requests() {
	nsenter --net=/run/netns/"$1" timeout 60 \
		python3 tests/e2e/lotl_traffic.py serve 198.18.0.1 2001:db8::1 8080 "$3" &
	E2E_HTTP_SERVER=$!
	E2E_PIDS+=("$E2E_HTTP_SERVER")
	sleep 0.5
	e2e_in "$2" timeout 30 python3 tests/e2e/lotl_traffic.py client 198.18.0.1 2001:db8::1 \
		8080 || e2e_fail client "the client's requests did not all get an answer"
}

e2e_lotl_stop() {
	sleep 1
	kill "$E2E_HTTP_SERVER" 2>/dev/null
	wait "$E2E_HTTP_SERVER" 2>/dev/null
}
