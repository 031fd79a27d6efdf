#!/usr/bin/env python3
"""The passive edge inventory (userspace/inventory/) over a capture built here: servers
inside home-net (198.18.0.0/24) answering clients inside it and outside (198.19.0.0/16)
with SSH banners of several products (one past end of life, one SSHv1-compatible), an
HTTP admin UI (Apache 2.4.49: known exploited), FTP (MikroTik RouterOS 6.41.3: known
exploited), SMTP (Exim 4.94), Telnet, an OpenSSH upgraded mid-capture, and a client in
home-net browsing a web server outside it.

Checks: the exact inventory events (change, service, product, version, flags), the
alerts (sid, category, once per service and window: the rest suppressed), the stats;
the browsing (request with a User-Agent, response from outside home-net) enters nothing;
inventory.enabled: false writes no inventory event; a summary when its interval passes;
a data file with a bad line stops the replay with FILE:LINE.

Prints PASS/FAIL lines for tests/run.sh. usage: test_inventory.py [EDGEWATCH]
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_bytes  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/inventory")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOFTWARE = os.path.join(ROOT, "rules", "edge-software.txt")
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
SEC = 10**9
CONFIG = """home-net: [198.18.0.0/24]
flow:
  tcp-closed-timeout: 1
inventory:
  software-file: %s
  summary-interval: 0
""" % SOFTWARE


def ip(text):
    return bytes(int(x) for x in text.split("."))


def seg(src, dst, sport, dport, flags, seq, ack, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    return synth.eth(synth.ipv4(6, src, dst, hdr + payload))


def session(t0, client, server, cport, sport, server_says, client_says=b""):
    """SYN, SYN-ACK, ACK, then the client's bytes (if any), the server's, FIN both ways."""
    c, s = ip(client), ip(server)
    cs, ss = 5000, 9000
    f = [(t0, seg(c, s, cport, sport, SYN, cs, 0)),
         (t0 + 1000, seg(s, c, sport, cport, SYN | ACK, ss, cs + 1)),
         (t0 + 2000, seg(c, s, cport, sport, ACK, cs + 1, ss + 1))]
    t = t0 + 3000
    if client_says:
        f.append((t, seg(c, s, cport, sport, PSH | ACK, cs + 1, ss + 1, client_says)))
        t += 1000
    f.append((t, seg(s, c, sport, cport, PSH | ACK, ss + 1, cs + 1 + len(client_says),
                     server_says)))
    cs2, ss2 = cs + 1 + len(client_says), ss + 1 + len(server_says)
    f.append((t + 1000, seg(c, s, cport, sport, FIN | ACK, cs2, ss2)))
    f.append((t + 2000, seg(s, c, sport, cport, FIN | ACK, ss2, cs2 + 1)))
    f.append((t + 3000, seg(c, s, cport, sport, ACK, cs2 + 1, ss2 + 1)))
    return f


TELNET = bytes([0xFF, 0xFD, 0x18, 0xFF, 0xFD, 0x20, 0xFF, 0xFB, 0x01])
ADMIN_UI = (b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.49 (Unix)\r\nContent-Type: text/html\r\n"
            b"\r\n<html><head><title>Edge Router Login</title></head></html>")
BROWSING_REQ = (b"GET / HTTP/1.1\r\nHost: www.example.com\r\n"
                b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n\r\n")
BROWSING_RESP = b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Length: 0\r\n\r\n"

# (time s, client, server, server port, what the server says, what the client says)
EXCHANGES = [
    (1, "198.19.0.5", "198.18.0.10", 22, b"SSH-2.0-OpenSSH_5.3\r\n", b""),
    (2, "198.19.0.6", "198.18.0.10", 22, b"SSH-2.0-OpenSSH_5.3\r\n", b""),
    # the client's own version string (a client in home-net) is not a server's banner
    (3, "198.18.0.200", "198.18.0.11", 22, b"SSH-2.0-dropbear_2019.78\r\n",
     b"SSH-2.0-PuTTY_Release_0.80\r\n"),
    (4, "198.18.0.200", "198.18.0.12", 22, b"SSH-2.0-Cisco-1.25\r\n", b""),
    (5, "198.18.0.200", "198.18.0.13", 2222, b"SSH-1.99-OpenSSH_3.9p1\r\n", b""),
    (6, "198.19.0.7", "198.18.0.20", 80, ADMIN_UI, b"GET / HTTP/1.1\r\nHost: r\r\n\r\n"),
    (7, "198.18.0.200", "198.18.0.30", 21, b"220 MikroTik FTP server (MikroTik 6.41.3) ready\r\n",
     b""),
    (8, "198.19.0.8", "198.18.0.31", 25,
     b"220 mx.example.net ESMTP Exim 4.94 Mon, 01 Jan 2024 00:00:00 +0000\r\n", b""),
    (9, "198.18.0.200", "198.18.0.32", 23, TELNET, b""),
    (10, "198.18.0.200", "198.18.0.40", 22, b"SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2\r\n", b""),
    (11, "198.18.0.200", "198.19.5.5", 80, BROWSING_RESP, BROWSING_REQ),
    (20, "198.18.0.201", "198.18.0.40", 22, b"SSH-2.0-OpenSSH_7.4p1 Debian-10\r\n", b""),
]

# (server, port, change, service, product, version, flags)
EXPECTED = [
    ("198.18.0.10", 22, "new", "ssh", "openssh", "5.3", ["end_of_life", "mgmt_exposed"]),
    ("198.18.0.11", 22, "new", "ssh", "dropbear", "2019.78", []),
    ("198.18.0.12", 22, "new", "ssh", "cisco", "1.25", []),
    ("198.18.0.13", 2222, "new", "ssh", "openssh", "3.9p1", ["end_of_life"]),
    ("198.18.0.20", 80, "new", "http", "apache", "2.4.49",
     ["known_exploited", "mgmt_exposed", "cleartext_mgmt"]),
    ("198.18.0.30", 21, "new", "ftp", "mikrotik-routeros", "6.41.3", ["known_exploited"]),
    ("198.18.0.31", 25, "new", "smtp", "exim", "4.94", []),
    ("198.18.0.32", 23, "new", "telnet", "", "", ["cleartext_mgmt"]),
    ("198.18.0.40", 22, "new", "ssh", "openssh", "6.6.1p1", ["end_of_life"]),
    ("198.18.0.40", 22, "changed", "ssh", "openssh", "7.4p1", []),
]


def capture():
    frames = []
    for i, (t, client, server, port, says, asks) in enumerate(EXCHANGES):
        frames += session(t * SEC, client, server, 40000 + i, port, says, asks)
    return synth.pcap(sorted(frames, key=lambda f: f[0]))


def inventory_rows(events):
    return [(e["dest_ip"], e["dest_port"], e["inventory"]["change"], e["inventory"]["service"],
             e["inventory"]["product"], e["inventory"]["version"], e["inventory"]["flags"])
            for e in events if e.get("event_type") == "inventory"]


def check_records(events):
    rows = inventory_rows(events)
    RESULTS.result("records", None if rows == EXPECTED else
                   "got %s" % "\n  ".join(repr(r) for r in rows))
    inv = {(e["dest_ip"], e["inventory"]["change"]): e["inventory"]
           for e in events if e.get("event_type") == "inventory"}
    ui = inv.get(("198.18.0.20", "new"), {})
    why = None
    if ui.get("title") != "Edge Router Login" or ui.get("banner") != "Apache/2.4.49 (Unix)":
        why = "admin UI: %s" % ui
    elif ui.get("cves") != ["CVE-2021-41773", "CVE-2021-42013"] or ui.get("references") != [
            "https://httpd.apache.org/security/vulnerabilities_24.html"] or \
            not ui.get("management_port") or ui.get("clients_outside_home_net") != 1:
        why = "admin UI verdict: %s" % ui
    RESULTS.result("admin_ui_fields", why)
    ssh1 = inv.get(("198.18.0.13", "new"), {})
    RESULTS.result("sshv1_protocol", None if ssh1.get("protocol_version") == "1.99" and
                   ssh1.get("end_of_life") == "2015-08-11" else "%s" % ssh1)
    up = inv.get(("198.18.0.40", "changed"), {})
    RESULTS.result("upgrade_changed", None if up.get("previous") == {
        "product": "openssh", "version": "6.6.1p1"} and up.get("flows") == 2 and
        up.get("clients") == 2 else "%s" % up)


def check_browsing(events, stats):
    leaked = [e for e in events if e.get("event_type") == "inventory" and
              (e["dest_ip"] == "198.19.5.5" or "Mozilla" in str(e))]
    inv = stats.get("inventory", {}) if stats else {}
    RESULTS.result("browsing_not_inventoried", "%s" % leaked if leaked else
                   None if inv.get("not_home_net") == 1 else "stats: %s" % inv)


def check_alerts(events):
    alerts = [e["alert"] for e in events if e.get("event_type") == "alert"]
    got = sorted((a["signature_id"], a["category"], a.get("suppressed", 0)) for a in alerts)
    # 198.18.0.10 answered twice: the second is held by the rate limit and written at the
    # end with nothing else suppressed; .13 and .40 (6.6.1p1) once each
    want = sorted([(9000602, "End of Life", 0)] * 4 +
                  [(9000601, "Vulnerable Edge Software", 0)] * 2)
    RESULTS.result("alerts", None if got == want else "got %s" % got)
    kev = [a for a in alerts if a["signature_id"] == 9000601]
    refs = sorted(tuple(a.get("reference", [])) for a in kev)
    RESULTS.result("alert_references", None if refs == [
        ("cve,2018-14847",), ("cve,2021-41773", "cve,2021-42013")] else "%s" % refs)


def check_command():
    """`edgewatch inventory EVE --json`: the latest record of each service, by risk."""
    with tempfile.TemporaryDirectory() as d:
        cap, eve, cfg = (os.path.join(d, n) for n in ("c.pcap", "eve.json", "e.yaml"))
        with open(cap, "wb") as f:
            f.write(capture())
        with open(cfg, "w") as f:
            f.write(CONFIG)
        subprocess.run([BIN, "replay", "-c", cfg, "-o", eve, cap], capture_output=True,
                       timeout=300)
        with open(eve, "a") as f:
            f.write("not json\n")
        proc = subprocess.run([BIN, "inventory", eve, "--json"], capture_output=True,
                              text=True, timeout=60)
        rows = [json.loads(line) for line in proc.stdout.splitlines()]
        got = [(r["dest_ip"], r["risk"], r["inventory"]["change"]) for r in rows]
        want = [("198.18.0.20", 44, "new"), ("198.18.0.30", 32, "new"),
                ("198.18.0.10", 24, "new"), ("198.18.0.13", 16, "new"),
                ("198.18.0.32", 4, "new"), ("198.18.0.11", 0, "new"),
                ("198.18.0.12", 0, "new"), ("198.18.0.31", 0, "new"),
                ("198.18.0.40", 0, "changed")]
        RESULTS.result("command_json", None if proc.returncode == 0 and got == want and
                       "1 lines were not EVE JSON" in proc.stderr else
                       "exit %d %s: %s" % (proc.returncode, proc.stderr[-200:], got))
        proc = subprocess.run([BIN, "inventory", eve], capture_output=True, text=True,
                              timeout=60)
        lines = proc.stdout.splitlines()
        RESULTS.result("command_table", None if proc.returncode == 0 and len(lines) == 10 and
                       lines[1].split()[:2] == ["44", "198.18.0.20:80"] and
                       "CVE-2021-41773" in lines[1] else "%s" % lines[:3])


def main():
    proc, events = replay_bytes(BIN, capture(), CONFIG)
    if proc.returncode != 0:
        RESULTS.result("replay", "exit %d: %s" % (proc.returncode, proc.stderr[-400:]))
        return RESULTS.exit_code()
    stats = [e["stats"] for e in events if e.get("event_type") == "stats"]
    stats = stats[-1] if stats else None
    check_records(events)
    check_browsing(events, stats)
    check_alerts(events)
    inv = stats.get("inventory", {}) if stats else {}
    RESULTS.result("stats", None if inv.get("services") == 9 and inv.get("new") == 9 and
                   inv.get("changed") == 1 and inv.get("flagged", {}).get("end_of_life") == 2
                   else "%s" % inv)

    proc, events = replay_bytes(BIN, capture(), CONFIG + "  enabled: false\n")
    RESULTS.result("disabled", None if proc.returncode == 0 and not inventory_rows(events)
                   else "exit %d, %d events" % (proc.returncode, len(inventory_rows(events))))

    proc, events = replay_bytes(BIN, capture(),
                                CONFIG.replace("summary-interval: 0", "summary-interval: 5"))
    summaries = sorted(r[0] for r in inventory_rows(events) if r[2] == "summary")
    # ticks 5 s apart from the first sweep: each service is summarised once, at the first
    # tick after it was seen (198.18.0.40's upgrade comes after the last tick)
    RESULTS.result("summary", None if proc.returncode == 0 and summaries == sorted(
        set(r[0] for r in EXPECTED)) else "%s" % summaries)

    check_command()

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("edge-software 1\neol apache <2.0 2010-02-30x https://x\n")
        bad = f.name
    try:
        proc, _ = replay_bytes(BIN, capture(), CONFIG.replace(SOFTWARE, bad))
        RESULTS.result("bad_data_file", None if proc.returncode != 0 and
                       "%s:2: an eol line's VALUE" % bad in proc.stderr else
                       "exit %d: %s" % (proc.returncode, proc.stderr[-300:]))
    finally:
        os.unlink(bad)
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
