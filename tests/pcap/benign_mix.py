"""A busy-but-normal edge, as a capture (the shared false-positive guard's input,
tests/pcap/test_anomaly_benign.py): every anomaly detector must stay silent on it with
its default configuration. Deterministic (seed 9), 15 minutes of capture time, written
with synth.py; addresses in 198.18.0.0/15.

What is in it (so each detector's author can see what it must not flag):
- 60 web clients (198.18.10.1-60) browsing 5 web servers (198.18.20.1-5, tcp/80 and
  tcp/443): a page load every 20-90 s opens 2-6 parallel keep-alive connections (5-60 s,
  1-3 KB up, 5-40 KB down); each page load is preceded by DNS queries;
- a DNS resolver (198.18.0.53) answering all of them (a fresh source port per query), and
  itself querying 4 upstream servers (198.18.30.1-4) for a share of the names;
- NTP: every client polls 198.18.0.123 every 64 s (ntpd minpoll, udp/123 both ways);
  the resolver and the mail server poll 3 servers (198.18.31.1-3) every 1024 s;
- a backup job (198.18.10.200 -> 198.18.0.250, rsync over ssh, tcp/22): one 12-minute
  flow of about 3 MB;
- a monitoring poller (198.18.0.10): every 60 s an SNMP get (answered, a fresh source port
  per poll) and an ICMP echo (answered) to each of 30 devices (198.18.40.1-30); and one
  device (198.18.40.31) that is down: its polls (a request and 5 retries, 1 s apart) go
  unanswered;
- two SSH admin sessions (198.18.10.5 -> 198.18.40.1 and .2, interactive, 4-8 minutes),
  and an operator's 3 short scp copies (198.18.10.6 -> 198.18.40.3);
- a mail server (198.18.0.25): SMTP from 8 outside MTAs (198.18.50.1-8) every 1-3 min,
  its own outbound SMTP to 6 of them, and IMAPS (tcp/993) from 20 clients, each polling
  with a new connection every 5 minutes.
Regular pollers (monitoring every 60 s, NTP every 64 s, IMAP every 5 min) look like
beacons on purpose: a beacon detector must handle them (score, exclusion guidance).

    python3 tests/pcap/benign_mix.py OUT.pcap
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

S = 10**9
DURATION = 900


def A(c, d):
    return bytes([198, 18, c, d])


class Mix:
    def __init__(self, seed=9):
        self.r = random.Random(seed)
        self.frames = []
        self.port = 20000

    def sport(self):
        self.port = 20000 + (self.port - 19999) % 40000
        return self.port

    def tcp(self, src, dst, dport, t, up, down, dur, mss=16000):
        self.frames += synth.tcp_session(src, dst, self.sport(), dport, t, up, down, dur, mss)

    def udp(self, src, dst, sport, dport, t, req, resp, rtt=0.002):
        self.frames.append((t, synth.eth(synth.udp(src, dst, sport, dport, req))))
        if resp is not None:
            self.frames.append((t + int(rtt * S), synth.eth(synth.udp(dst, src, dport, sport,
                                                                      resp))))

    def dns(self, client, t):
        self.udp(client, A(0, 53), self.sport(), 53, t, b"q" * 30, b"a" * 90)
        if self.r.random() < 0.3:	# a cache miss: the resolver asks upstream
            up = A(30, self.r.randint(1, 4))
            self.udp(A(0, 53), up, self.sport(), 53, t + 1000, b"q" * 30, b"a" * 120, 0.02)

    def web(self):
        for c in range(1, 61):
            client = A(10, c)
            t = self.r.uniform(0, 60)
            while t < DURATION - 70:
                server = A(20, self.r.randint(1, 5))
                port = self.r.choice((80, 443, 443))
                self.dns(client, int(t * S))
                for _ in range(self.r.randint(2, 6)):
                    self.tcp(client, server, port, int((t + self.r.uniform(0.05, 0.5)) * S),
                             self.r.randint(1000, 3000), self.r.randint(5000, 40000),
                             self.r.uniform(5, 60))
                t += self.r.uniform(20, 90)

    def ntp(self):
        for c in range(1, 61):
            t = self.r.uniform(0, 64)
            while t < DURATION:
                self.udp(A(10, c), A(0, 123), 123, 123, int(t * S), b"n" * 48, b"n" * 48)
                t += 64
        for host in (A(0, 53), A(0, 25)):
            for s in range(1, 4):
                t = self.r.uniform(0, 30)
                while t < DURATION:
                    self.udp(host, A(31, s), 123, 123, int(t * S), b"n" * 48, b"n" * 48, 0.03)
                    t += 1024

    def backup(self):
        # 3 MB in 12 minutes: the flow's records are an active ssh session, not attempts
        self.tcp(A(10, 200), A(0, 250), 22, 30 * S, 3_000_000, 100_000, 720, mss=60000)

    def monitoring(self):
        poller = A(0, 10)
        t = 5.0
        seq = 0
        while t < DURATION:
            for d in range(1, 31):
                dev = A(40, d)
                tt = int((t + d * 0.05) * S)
                self.udp(poller, dev, self.sport(), 161, tt, b"s" * 45, b"r" * 110)
                seq += 1
                self.frames.append((tt + 500000, synth.eth(synth.icmp_echo(poller, dev, 77, seq))))
                self.frames.append((tt + 900000, synth.eth(synth.icmp_echo(dev, poller, 77, seq,
                                                                           reply=True))))
            sp = self.sport()
            for retry in range(6):	# the device that is down
                self.udp(poller, A(40, 31), sp, 161, int((t + 2 + retry) * S), b"s" * 45, None)
            t += 60

    def admin(self):
        self.tcp(A(10, 5), A(40, 1), 22, 100 * S, 30000, 90000, 240, mss=1400)
        self.tcp(A(10, 5), A(40, 2), 22, 400 * S, 50000, 150000, 480, mss=1400)
        for i in range(3):
            self.tcp(A(10, 6), A(40, 3), 22, (200 + i * 120) * S, 400000, 5000, 4)

    def mail(self):
        mx = A(0, 25)
        for m in range(1, 9):
            t = self.r.uniform(0, 120)
            while t < DURATION - 20:
                self.tcp(A(50, m), mx, 25, int(t * S), self.r.randint(3000, 80000), 1500,
                         self.r.uniform(1, 5))
                t += self.r.uniform(60, 180)
        for m in range(1, 7):
            t = self.r.uniform(0, 300)
            while t < DURATION - 20:
                self.tcp(mx, A(50, m), 25, int(t * S), self.r.randint(3000, 50000), 1500,
                         self.r.uniform(1, 5))
                t += self.r.uniform(200, 400)
        for c in range(1, 21):
            t = self.r.uniform(0, 300)
            while t < DURATION - 20:
                self.tcp(A(10, c), mx, 993, int(t * S), 2500, self.r.randint(6000, 40000),
                         self.r.uniform(0.5, 3))
                t += 300

    def build(self):
        self.web()
        self.ntp()
        self.backup()
        self.monitoring()
        self.admin()
        self.mail()
        return synth.pcap(sorted(self.frames, key=lambda f: f[0]))


def benign_mix(seed=9):
    return Mix(seed).build()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: benign_mix.py OUT.pcap")
    with open(sys.argv[1], "wb") as fh:
        fh.write(benign_mix())
