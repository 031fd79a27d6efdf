"""The brute-force detector's captures (tests/pcaps/anomaly/brute_*.pcap), written with
synth.py: deterministic, addresses in 198.18.0.0/15, 30 login-shaped attempts per
service (the default threshold is 20: doubling it to 40 must silence them).

    python3 tests/pcap/brute_captures.py tests/pcaps/anomaly
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

S = 10**9
ATTACKER, SERVER = synth.addr(0x0110), synth.addr(0x0016)
ATTEMPTS = 30


def attempts(dport, to_server, to_client, gap_s=3, dur_s=1.5, count=ATTEMPTS, t0=0,
             sport0=40000, src=ATTACKER, dst=SERVER):
    frames = []
    for i in range(count):
        frames += synth.tcp_session(src, dst, sport0 + i, dport, t0 + i * gap_s * S,
                                    to_server, to_client, dur_s)
    return frames


def distributed(sources=200, per=3, round_s=60):
    """A botnet: sources x per login-shaped SSH attempts (2.6/3.4 KB, 1.5 s each) to
    SERVER from 198.18.16.0 on, each source far under the per-source threshold (20); per
    rounds of every source once, round_s long (600 attempts in 3 minutes)."""
    frames = []
    step = round_s * S // sources
    for k in range(per):
        for i in range(sources):
            frames += synth.tcp_session(synth.addr(0x1000 + i), SERVER, 40000 + k, 22,
                                        (k * sources + i) * step, 2600, 3400, 1.5)
    return frames


def busy_ssh_server(clients=200, gap_s=5):
    """A busy server's ordinary day: clients each one interactive SSH session (300 s,
    20/40 KB), gap_s apart: sessions, never attempts."""
    frames = []
    for i in range(clients):
        frames += synth.tcp_session(synth.addr(0x2000 + i), SERVER, 41000, 22,
                                    i * gap_s * S, 20000, 40000, 300)
    return frames


def captures():
    """{file name: (frames, ground truth line)}"""
    out = {}
    # hydra-like SSH guessing, then a long large session: a login that may have worked
    f = attempts(22, 2600, 3400)
    f += synth.tcp_session(ATTACKER, SERVER, 41000, 22, (ATTEMPTS * 3 + 10) * S, 20000,
                           40000, 300)
    out["brute_ssh-then-session-synthetic.pcap"] = (
        f, "SSH brute force 198.18.1.16 -> 198.18.0.22:22, 30 attempts 3 s apart "
           "(2.6/3.4 KB, 1.5 s each), then a 300 s 60 KB session (possible success)")
    out["brute_telnet-synthetic.pcap"] = (
        attempts(23, 120, 300), "Telnet brute force 198.18.1.16 -> 198.18.0.22:23, 30 attempts")
    out["brute_ftp-synthetic.pcap"] = (
        attempts(21, 150, 400), "FTP brute force 198.18.1.16 -> 198.18.0.22:21, 30 attempts")
    out["brute_rdp-synthetic.pcap"] = (
        attempts(3389, 3000, 5000, dur_s=2.5),
        "RDP brute force 198.18.1.16 -> 198.18.0.22:3389, 30 attempts (NLA-sized)")
    out["brute_vnc-synthetic.pcap"] = (
        attempts(5901, 60, 120), "VNC brute force 198.18.1.16 -> 198.18.0.22:5901, 30 attempts")
    # onesixtyone-like: one socket, 30 communities in 3 s, no answer (v2c drops them)
    f = [(i * S // 10, synth.eth(synth.udp(ATTACKER, SERVER, 50161, 161,
                                           b"0\x26\x02\x01\x01\x04\x06guess" + bytes([48 + i % 10]))))
         for i in range(ATTEMPTS)]
    out["brute_snmp-communities-synthetic.pcap"] = (
        f, "SNMP community guessing 198.18.1.16 -> 198.18.0.22:161, 30 unanswered requests in 3 s")
    # negative: an admin's 6 ordinary SSH sessions in an hour (interactive, large)
    f = []
    for i in range(4):
        f += synth.tcp_session(ATTACKER, SERVER, 42000 + i, 22, i * 600 * S, 20000, 30000, 120)
    out["benign_ssh-admin-sessions-synthetic.pcap"] = (
        f, "benign: 4 interactive SSH sessions of 2 minutes, 10 minutes apart: no alert")
    # negative: 15 failed SSH logins (a user who forgot a password, a script retrying)
    out["benign_ssh-15-failures-synthetic.pcap"] = (
        attempts(22, 2600, 3400, gap_s=20, count=15),
        "benign: 15 short SSH failures in 5 minutes (below the threshold of 20): no alert")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: brute_captures.py OUTDIR")
    lines = []
    for name, (frames, truth) in sorted(captures().items()):
        with open(os.path.join(sys.argv[1], name), "wb") as fh:
            fh.write(synth.pcap(sorted(frames, key=lambda x: x[0])))
        lines.append("%s\t%s\n" % (name, truth))
    with open(os.path.join(sys.argv[1], "brute_GROUND_TRUTH.tsv"), "w") as fh:
        fh.writelines(lines)
