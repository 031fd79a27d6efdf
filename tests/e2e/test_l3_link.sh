#!/usr/bin/env bash
# End-to-end on an interface without Ethernet (a tun device, as WireGuard and PPP are):
# edgewatch must find the IP header at the start of the packet on both hooks. Packets
# written into the tun fd arrive on the interface (XDP); packets the namespace routes
# out through it leave it (tc egress). The flow must count both, bytes being IP lengths.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/l3_link
. tests/e2e/lib.sh

NS=ewl3$E2E_ID TUN=ewt$E2E_ID EVE=$E2E_TMP/eve.json

e2e_ns_add "$NS" || { e2e_fail setup "cannot create namespace"; exit 1; }

# The far end of the tun: writes IN datagrams into it, reads what comes out (bounded).
ip netns exec "$NS" timeout 20 python3 - "$TUN" "$E2E_TMP/tun.ready" "$E2E_TMP/tun.go" \
	"$E2E_TMP/tun.out" <<'PY' &
import fcntl, os, socket, struct, sys, time
name, ready, go, out = sys.argv[1:5]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))  # TUN, NO_PI
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
payload = b"p" * 72
for i in range(4):
    udp = struct.pack("!HHHH", 40000, 7000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     socket.inet_aton("198.18.5.2"), socket.inet_aton("198.18.5.1"))
    os.write(fd, ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + udp)
    time.sleep(0.02)
got = 0
os.set_blocking(fd, False)
deadline = time.time() + 5
while time.time() < deadline and got < 3:
    try:
        pkt = os.read(fd, 2048)
        if pkt[9] == 17:
            got += 1
    except BlockingIOError:
        time.sleep(0.02)
open(out, "w").write(str(got))
time.sleep(1)
PY
FAR=$!
E2E_PIDS+=("$FAR")
for _ in $(seq 1 50); do [ -e "$E2E_TMP/tun.ready" ] && break; sleep 0.1; done
ip -n "$NS" addr add 198.18.5.1/24 dev "$TUN"
ip -n "$NS" link set "$TUN" up
if ! e2e_edgewatch_start "$NS" "$TUN" "$EVE"; then
	e2e_fail bare_ip_flow "edgewatch did not start on $TUN: $(tail -n 3 "$E2E_EW_ERR")"
	exit 1
fi
touch "$E2E_TMP/tun.go"
sleep 0.5
# three datagrams back out through the tun (tc egress)
ip netns exec "$NS" python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.5.1", 7000))
for _ in range(3):
    s.sendto(b"r" * 100, ("198.18.5.2", 40000))
    time.sleep(0.02)
PY
sleep 1
e2e_edgewatch_stop "$E2E_EW_PID"
EW_RC=$?
wait "$FAR" 2>/dev/null

# a run that ends non-zero lost something or did not balance its conservation sum
if [ "$EW_RC" -ne 0 ]; then
	e2e_fail clean_exit "edgewatch exited $EW_RC: $(tail -n 3 "$E2E_EW_ERR" | tr '\n' ' ')"
else
	e2e_pass clean_exit
fi

if ! grep -q "bare IP link" "$E2E_EW_ERR"; then
	e2e_fail link_detected "edgewatch did not see $TUN as a bare IP link"
else
	e2e_pass link_detected
fi
# in: 4 x (20 + 8 + 72) = 400 bytes; out: 3 x (20 + 8 + 100) = 384 bytes
if python3 - "$EVE" <<'PY'
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"flow"' in l]
f = [e for e in flows if e["proto"] == "UDP" and e["src_ip"] == "198.18.5.2"]
assert len(f) == 1, flows
fl = f[0]["flow"]
assert (fl["pkts_toserver"], fl["bytes_toserver"]) == (4, 400), fl
assert (fl["pkts_toclient"], fl["bytes_toclient"]) == (3, 384), fl
assert "vlan" not in f[0]
PY
then
	e2e_pass bare_ip_flow
else
	e2e_fail bare_ip_flow "flow on $TUN not 4/400 in, 3/384 out: $(grep -h flow "$EVE" | head -c 400)"
fi
exit $E2E_FAILED
