#!/usr/bin/env python3
"""TLS certificates, JA3/JA3S and HASSH in the passive inventory (issue 14) over a
capture built here, and over real captures of ../shared/testdata/pcaps.

Built: certificates made with the openssl command in the test (self-signed ones, one
valid for a day and seen three days later: expired at capture time; one signed by a test
CA); TLS 1.2 handshakes whose messages span TLS records and whose records span TCP
segments (ClientHello with GREASE values), a certificate change mid-capture, a TLS 1.3
ServerHello (certificate encrypted), a malformed record and a cut ClientHello (counted by
reason), an SSH KEXINIT cut over two segments after the banner.
Checks: the exact records, flags and fields; JA3 against tshark's own tls.handshake.ja3
(when tshark is installed); certificate facts against what openssl says of the files;
HASSH against hashlib over the lists the test wrote.

Real: mgmt_ssh-hassh-single.pcap (hassh / hassh.server as suricata-verify's MANIFEST
line gives them), tunnel_pppoe-over-qinq.pcap (JA3 / JA3S and the certificate as tshark
reads them).

Prints PASS/FAIL/SKIP lines for tests/run.sh. usage: test_inventory_tls.py [EDGEWATCH]
"""
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_bytes, final_stats  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402
from test_inventory import ip, seg  # noqa: E402  (the inventory tests' frame builder)

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/inventory_tls")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PCAPS = os.path.join(ROOT, "..", "shared", "testdata", "pcaps")
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
SEC = 10**9
DAY = 86400
CONFIG = """home-net: [198.18.0.0/24]
flow:
  tcp-closed-timeout: 1
inventory:
  summary-interval: 0
"""


def flow(t0, client, server, cport, sport, turns, seg_size=500):
    """A TCP flow: handshake, then turns [(from_server, bytes)], each cut into segments of
    seg_size with PSH on a turn's last one, then FINs. Frames [(ns, frame)]."""
    c, s = ip(client), ip(server)
    seq = {False: 5000, True: 9000}
    f = [(t0, seg(c, s, cport, sport, SYN, seq[False], 0)),
         (t0 + 1000, seg(s, c, sport, cport, SYN | ACK, seq[True], seq[False] + 1)),
         (t0 + 2000, seg(c, s, cport, sport, ACK, seq[False] + 1, seq[True] + 1))]
    seq = {False: seq[False] + 1, True: seq[True] + 1}
    t = t0 + 3000
    for from_server, data in turns:
        src, dst, sp, dp = (s, c, sport, cport) if from_server else (c, s, cport, sport)
        for off in range(0, len(data), seg_size):
            piece = data[off:off + seg_size]
            last = off + seg_size >= len(data)
            f.append((t, seg(src, dst, sp, dp, ACK | (PSH if last else 0), seq[from_server],
                             seq[not from_server], piece)))
            seq[from_server] += len(piece)
            t += 1000
    f.append((t, seg(c, s, cport, sport, FIN | ACK, seq[False], seq[True])))
    f.append((t + 1000, seg(s, c, sport, cport, FIN | ACK, seq[True], seq[False] + 1)))
    f.append((t + 2000, seg(c, s, cport, sport, ACK, seq[False] + 1, seq[True] + 1)))
    return f


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def vec(n, data):
    return (u16(len(data)) if n == 2 else u24(len(data)) if n == 3 else bytes([len(data)])) + data


def ext(t, body):
    return u16(t) + vec(2, body)


def hs_msg(t, body):
    return bytes([t]) + u24(len(body)) + body


def records(handshake, size):
    """Handshake bytes cut into TLS records of size bytes (messages span records)."""
    return b"".join(b"\x16\x03\x03" + u16(len(handshake[i:i + size])) + handshake[i:i + size]
                    for i in range(0, len(handshake), size))


# ClientHello: GREASE in ciphers, extensions and groups (left out of JA3)
CIPHERS = [0x0A0A, 0xC02B, 0xC02F, 0x009C]
CLIENT_HELLO = hs_msg(1, u16(0x0303) + bytes(32) + vec(1, b"") +
                      vec(2, b"".join(u16(c) for c in CIPHERS)) + vec(1, b"\x00") +
                      vec(2, ext(0x1A1A, b"") + ext(0, vec(2, b"\x00" + vec(2, b"edge"))) +
                          ext(10, vec(2, u16(0x2A2A) + u16(29) + u16(23))) +
                          ext(11, vec(1, b"\x00")) + ext(13, vec(2, u16(0x0403))) +
                          ext(35, b"")))
JA3 = "771,49195-49199-156,0-10-11-13-35,29-23,0"
SERVER_HELLO = hs_msg(2, u16(0x0303) + bytes(32) + vec(1, b"") + u16(0xC02F) + b"\x00" +
                      vec(2, ext(65281, b"\x00") + ext(11, vec(1, b"\x00"))))
JA3S = "771,49199,65281-11"
SERVER_HELLO_13 = hs_msg(2, u16(0x0303) + bytes(32) + vec(1, bytes(32)) + u16(0x1301) +
                         b"\x00" + vec(2, ext(43, u16(0x0304)) + ext(51, u16(29) +
                                                                   vec(2, bytes(32)))))
JA3S_13 = "771,4865,43-51"
HELLO_DONE = hs_msg(14, b"")


def server_flight(chain):
    cert = hs_msg(11, vec(3, b"".join(vec(3, der) for der in chain)))
    return records(SERVER_HELLO + cert + HELLO_DONE, 700)


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_certs(d):
    """{name: (der, sha256)}: self-signed a (1 day), b (another key), a CA and a leaf."""
    def self_signed(name, cn, days):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", os.path.join(d, name + ".key"), "-out",
                os.path.join(d, name + ".pem"), "-days", str(days), "-subj", "/CN=" + cn)
    self_signed("a", "router.edge.example", 1)
    self_signed("b", "router.edge.example", 30)
    self_signed("ca", "Edge Test CA", 3650)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", os.path.join(d, "leaf.key"), "-out", os.path.join(d, "leaf.csr"),
            "-subj", "/CN=www.edge.example")
    openssl("x509", "-req", "-in", os.path.join(d, "leaf.csr"), "-CA",
            os.path.join(d, "ca.pem"), "-CAkey", os.path.join(d, "ca.key"),
            "-CAcreateserial", "-days", "365", "-out", os.path.join(d, "leaf.pem"))
    certs = {}
    for name in ("a", "b", "ca", "leaf"):
        der = os.path.join(d, name + ".der")
        openssl("x509", "-in", os.path.join(d, name + ".pem"), "-outform", "DER", "-out", der)
        with open(der, "rb") as f:
            data = f.read()
        certs[name] = (data, hashlib.sha256(data).hexdigest())
    return certs


def kexinit(lists):
    payload = b"\x14" + bytes(16) + b"".join(struct.pack("!I", len(x)) + x.encode()
                                             for x in lists) + b"\x00" + bytes(4)
    pad = 8 - (len(payload) + 5) % 8
    pad += 8 if pad < 4 else 0
    return struct.pack("!IB", len(payload) + pad + 1, pad) + payload + bytes(pad)


SSH_LISTS = ["curve25519-sha256,diffie-hellman-group14-sha256", "ssh-ed25519",
             "aes128-ctr,aes256-ctr", "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
             "hmac-sha2-256", "hmac-sha2-512,hmac-sha1", "none", "none,zlib@openssh.com",
             "", ""]
HASSH_SERVER = ";".join([SSH_LISTS[0], SSH_LISTS[3], SSH_LISTS[5], SSH_LISTS[7]])
HASSH_CLIENT = ";".join([SSH_LISTS[0], SSH_LISTS[2], SSH_LISTS[4], SSH_LISTS[6]])


def capture(certs, t0):
    a, b = certs["a"][0], certs["b"][0]
    chain = [certs["leaf"][0], certs["ca"][0]]
    ssh_server = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + kexinit(SSH_LISTS)
    ssh_client = b"SSH-2.0-OpenSSH_9.2p1\r\n" + kexinit(SSH_LISTS)
    cut_hello = b"\x16\x03\x01\x02\x00" + CLIENT_HELLO[:60]  # the flow ends there
    flows = [
        # (time, client, server, server port, turns)
        (1, "198.18.0.200", "198.18.0.50", 443,
         [(False, records(CLIENT_HELLO, 4096)), (True, server_flight([a]))]),
        (2, "198.18.0.201", "198.18.0.51", 4433,
         [(False, records(CLIENT_HELLO, 4096)), (True, server_flight(chain))]),
        (3, "198.18.0.200", "198.18.0.53", 443,
         [(False, records(CLIENT_HELLO, 4096)),
          (True, records(SERVER_HELLO_13, 4096) + b"\x14\x03\x03\x00\x01\x01" +
           b"\x17\x03\x03\x00\x20" + bytes(32))]),
        (4, "198.18.0.200", "198.18.0.54", 443,
         [(False, records(CLIENT_HELLO, 4096)), (True, b"\x16\x03\x03\x00\x00")]),
        (5, "198.18.0.200", "198.18.0.55", 443, [(False, cut_hello)]),
        (6, "198.18.0.200", "198.18.0.60", 22,
         [(True, ssh_server), (False, ssh_client)]),
        # the same service, another certificate
        (7, "198.18.0.200", "198.18.0.50", 443,
         [(False, records(CLIENT_HELLO, 4096)), (True, server_flight([b]))]),
        # three days on: certificate a (one day) has expired by capture time
        (3 * DAY, "198.18.0.200", "198.18.0.52", 443,
         [(False, records(CLIENT_HELLO, 4096)), (True, server_flight([a]))]),
    ]
    frames = []
    for i, (t, client, server, port, turns) in enumerate(flows):
        frames += flow(t0 + t * SEC, client, server, 40000 + i, port, turns,
                       seg_size=40 if port == 22 else 500)
    return synth.pcap(sorted(frames, key=lambda f: f[0]))


def row(e):
    inv = e["inventory"]
    tls = inv.get("tls", {})
    cert = tls.get("certificate", {})
    return (e["dest_ip"], e["dest_port"], inv["change"], inv["service"], inv["flags"],
            tls.get("version"), cert.get("sha256"), cert.get("self_signed"),
            cert.get("expired"))


def check_built(d):
    certs = make_certs(d)
    t0 = (int(time.time()) - synth.EPOCH) * SEC  # synth.pcap's times count from EPOCH
    cap = capture(certs, t0)
    proc, events = replay_bytes(BIN, cap, CONFIG)
    if proc.returncode:
        RESULTS.result("replay", "exit %d: %s" % (proc.returncode, proc.stderr[-500:]))
        return
    RESULTS.result("replay")
    inv = [e for e in events if e.get("event_type") == "inventory"]
    sa, sb = certs["a"][1], certs["b"][1]
    expected = [
        ("198.18.0.50", 443, "new", "tls", ["cert_self_signed"], "1.2", sa, True, False),
        ("198.18.0.51", 4433, "new", "tls", [], "1.2", certs["leaf"][1], False, False),
        ("198.18.0.53", 443, "new", "tls", [], "1.3", None, None, None),
        ("198.18.0.60", 22, "new", "ssh", [], None, None, None, None),
        # the server's KEXINIT, then its client's (read later: another fact learned)
        ("198.18.0.60", 22, "learned", "ssh", [], None, None, None, None),
        ("198.18.0.60", 22, "learned", "ssh", [], None, None, None, None),
        ("198.18.0.50", 443, "changed", "tls", ["cert_self_signed"], "1.2", sb, True, False),
        ("198.18.0.52", 443, "new", "tls", ["cert_expired", "cert_self_signed"], "1.2", sa,
         True, True),
    ]
    rows = [row(e) for e in inv]
    RESULTS.result("records", None if rows == expected else
                   "got\n  %s" % "\n  ".join(repr(r) for r in rows))
    by = {(e["dest_ip"], e["inventory"]["change"]): e["inventory"] for e in inv}
    first = by.get(("198.18.0.50", "new"), {}).get("tls", {})
    why = None
    if first.get("ja3s") != md5(JA3S) or first.get("ja3s_string") != JA3S:
        why = "ja3s %s" % first
    elif first.get("ja3") != [{"hash": md5(JA3), "string": JA3}]:
        why = "ja3 %s" % first.get("ja3")
    elif first.get("certificate", {}).get("subject_cn") != "router.edge.example" or \
            first["certificate"].get("issuer_cn") != "router.edge.example":
        why = "certificate %s" % first.get("certificate")
    RESULTS.result("ja3_ja3s_certificate", why)
    leaf = by.get(("198.18.0.51", "new"), {}).get("tls", {}).get("certificate", {})
    RESULTS.result("ca_signed_leaf", None if leaf.get("subject_cn") == "www.edge.example" and
                   leaf.get("issuer_cn") == "Edge Test CA" else "leaf %s" % leaf)
    # validity as openssl states it for the file
    out = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "a.pem"), "-noout",
                          "-enddate", "-dateopt", "iso_8601"], capture_output=True, text=True)
    cert_a = first.get("certificate", {})
    end = out.stdout.strip().split("=", 1)[-1].replace(" ", "T").rstrip("Z")
    RESULTS.result("not_after", None if out.returncode == 0 and
                   cert_a.get("not_after", "").startswith(end) else
                   "openssl says %r, record %r" % (out.stdout, cert_a.get("not_after")))
    t13 = by.get(("198.18.0.53", "new"), {}).get("tls", {})
    RESULTS.result("tls13_encrypted", None if t13.get("certificate_encrypted") is True and
                   t13.get("ja3s") == md5(JA3S_13) else "tls 1.3 %s" % t13)
    changed = by.get(("198.18.0.50", "changed"), {})
    RESULTS.result("cert_change", None if changed.get("previous") == {
        "certificate_sha256": sa} else "changed %s" % changed)
    ssh = [e for e in inv if e["dest_ip"] == "198.18.0.60"][-1]["inventory"].get("ssh", {})
    RESULTS.result("hassh", None if ssh.get("hassh_server") == md5(HASSH_SERVER) and
                   ssh.get("hassh_server_string") == HASSH_SERVER and
                   ssh.get("hassh") == [{"hash": md5(HASSH_CLIENT), "string": HASSH_CLIENT}]
                   else "ssh %s" % ssh)
    st = (final_stats(events) or {}).get("inventory", {})
    hs = st.get("handshakes", {})
    # 6 ClientHellos and 5 server flights read; the cut ClientHello, the empty record
    want_tls = {"ok": 11, "truncated": 1, "not_tls": 0, "bad_record": 1, "bad_handshake": 0,
                "bad_hello": 0, "bad_certificate": 0, "ja3_too_long": 0}
    why = None
    if hs.get("tls") != want_tls:
        why = "tls %s, want %s" % (hs.get("tls"), want_tls)
    elif hs.get("ssh", {}).get("ok") != 2 or st.get("flagged", {}).get("cert_expired") != 1 or \
            st.get("flagged", {}).get("cert_self_signed") != 2:
        why = "stats %s" % st
    RESULTS.result("stats_by_reason", why)
    # JA3 as tshark computes it (independent of our parser)
    if not shutil.which("tshark"):
        RESULTS.skip("ja3_tshark", "tshark not installed")
        return
    path = os.path.join(d, "built.pcap")
    with open(path, "wb") as f:
        f.write(cap)
    got = tshark_fields(path, "tls.handshake.type == 1", "tls.handshake.ja3_full")
    RESULTS.result("ja3_tshark", None if got and set(got) == {JA3} else "tshark %s" % got)


def tshark_fields(path, display_filter, *fields):
    cmd = ["tshark", "-r", path, "-Y", display_filter, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line]


def replay_real(name, home_net):
    path = os.path.join(PCAPS, name)
    if not os.path.exists(path):
        return None, "no %s" % path
    with open(path, "rb") as f:
        # the default snap length (1500) takes these captures' full-size segments whole:
        # with 512 the certificate and the KEXINITs were cut (not_captured)
        proc, events = replay_bytes(BIN, f.read(), "home-net: [%s]\ninventory:\n"
                                    "  summary-interval: 0\n" % home_net)
    if proc.returncode:
        return None, "exit %d: %s" % (proc.returncode, proc.stderr[-300:])
    return [e["inventory"] for e in events if e.get("event_type") == "inventory"], None


def check_real():
    # MANIFEST.tsv: hassh 2dd6531c7e89d3c925db9214711be76a, hassh.server 6832f1ce...
    inv, why = replay_real("mgmt_ssh-hassh-single.pcap", "192.168.0.0/16")
    if inv is not None:
        ssh = inv[-1].get("ssh", {}) if inv else {}
        why = None if ssh.get("hassh_server") == "6832f1ce43d4397c2c0a3e2f8c94334e" and \
            [c["hash"] for c in ssh.get("hassh", [])] == ["2dd6531c7e89d3c925db9214711be76a"] \
            else "ssh %s" % ssh
    RESULTS.result("real_hassh", why)
    name = "tunnel_pppoe-over-qinq.pcap"
    inv, why = replay_real(name, "2.2.2.0/24")
    if inv is not None and not shutil.which("tshark"):
        RESULTS.skip("real_ja3_certificate", "tshark not installed")
        return
    if inv is not None:
        path = os.path.join(PCAPS, name)
        ja3 = tshark_fields(path, "tls.handshake.type == 1", "tls.handshake.ja3_full")
        ja3s = tshark_fields(path, "tls.handshake.type == 2", "tls.handshake.ja3s_full")
        der = tshark_fields(path, "tls.handshake.type == 11", "tls.handshake.certificate")
        sha = hashlib.sha256(bytes.fromhex(der[0].split(",")[0].replace(":", ""))).hexdigest() \
            if der else None
        tls = inv[0].get("tls", {}) if inv else {}
        cert = tls.get("certificate", {})
        got = ([c["string"] for c in tls.get("ja3", [])], tls.get("ja3s_string"),
               cert.get("sha256"), cert.get("subject_cn"), cert.get("self_signed"))
        want = (ja3, ja3s[0] if ja3s else None, sha, "mzuserxp.itunes.apple.com", False)
        why = None if got == want and len(inv) == 1 else "got %s, want %s" % (got, want)
    RESULTS.result("real_ja3_certificate", why)


def main():
    if not shutil.which("openssl"):
        RESULTS.result("openssl", "the openssl command is needed (package openssl)")
        return RESULTS.exit_code()
    with tempfile.TemporaryDirectory() as d:
        check_built(d)
    check_real()
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
